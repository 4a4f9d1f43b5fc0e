/*
 * The anti-replay window (esp.h). Bit i of the ring stands for sequence
 * number i modulo the ring's size; the ring holds at least one block more
 * than the window, so that the block the top moves into can be cleared
 * whole while every number still inside the window keeps its bit
 * (RFC 6479 section 2).
 */
#include <stdlib.h>
#include <string.h>

#include "esp.h"

int
esp_replay_init(struct esp_replay *r, uint32_t window, bool esn)
{
	uint32_t need = (window + 63) / 64 + 1;

	memset(r, 0, sizeof(*r));
	if (window > ESP_REPLAY_MAX)
		return -1;
	r->window = window;
	r->esn = esn;
	for (r->nblocks = 1; r->nblocks < need; r->nblocks <<= 1)
		;
	if ((r->ring = calloc(r->nblocks, sizeof(*r->ring))) == NULL)
		return -1;
	return 0;
}

void
esp_replay_free(struct esp_replay *r)
{
	free(r->ring);
	r->ring = NULL;
}

/*
 * The high 32 bits of a received number, as RFC 4303 Appendix A2.1
 * infers them: in the window's subspace unless the low bits fall below
 * the window, then in the next one; when the window straddles a subspace
 * boundary, low bits above its bottom belong to the previous subspace.
 * -1: that would be before the first subspace.
 */
static int
infer_high(const struct esp_replay *r, uint32_t seql, uint32_t *seqh)
{
	uint32_t w = r->window > 0 ? r->window : 1;
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);

	if (tl >= w - 1) {
		*seqh = seql >= tl - w + 1 ? th : th + 1;
		return 0;
	}
	if (seql >= tl - w + 1) { /* modulo 2^32: the previous subspace */
		if (th == 0)
			return -1;
		*seqh = th - 1;
		return 0;
	}
	*seqh = th;
	return 0;
}

static bool
bit_of(const struct esp_replay *r, uint64_t seq, uint64_t **block)
{
	*block = &r->ring[(seq >> 6) & (r->nblocks - 1)];
	return (**block >> (seq & 63)) & 1;
}

bool
esp_replay_check(const struct esp_replay *r, uint32_t seql, uint64_t *seq)
{
	uint64_t *block;
	uint32_t  seqh = 0;

	if (r->esn && infer_high(r, seql, &seqh) == -1)
		return false;
	*seq = (uint64_t)seqh << 32 | seql;
	if (*seq == 0) /* numbering starts at 1 */
		return false;
	if (r->window == 0 || *seq > r->top)
		return true;
	if (r->top - *seq >= r->window)
		return false; /* older than the window */
	return !bit_of(r, *seq, &block);
}

void
esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint64_t *block, b, last;

	if (seq > r->top) {
		/* Clear the blocks the top moves into, at most the ring. */
		last = seq >> 6;
		b = (r->top >> 6) + 1;
		if (last >= b && last - b >= r->nblocks)
			b = last - r->nblocks + 1;
		for (; b <= last; b++)
			r->ring[b & (r->nblocks - 1)] = 0;
		r->top = seq;
	}
	if (r->window > 0) {
		bit_of(r, seq, &block);
		*block |= 1ULL << (seq & 63);
	}
}
