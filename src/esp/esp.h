/*
 * ESP (RFC 4303): what exists of the data plane so far.
 *
 * The inbound anti-replay window of an SA (RFC 4303 3.4.3), kept as in
 * RFC 6479: a ring of 64-bit blocks, so that sliding the window clears
 * whole blocks instead of shifting bits. With extended sequence numbers
 * the receiver infers the high 32 bits from the window (RFC 4303
 * Appendix A2). A packet is checked before its ICV and the window moves
 * only after the ICV has verified.
 */
#ifndef MOAT_ESP_H
#define MOAT_ESP_H

#include <stdbool.h>
#include <stdint.h>

#define ESP_REPLAY_MAX 8192 /* largest window, in packets */

struct esp_replay {
	uint64_t  top; /* highest sequence number accepted; 0: none yet */
	uint32_t  window; /* 0: no replay check */
	bool	  esn;
	uint32_t  nblocks; /* a power of two */
	uint64_t *ring;
};

/* -1 if window is over ESP_REPLAY_MAX or memory is short. */
int  esp_replay_init(struct esp_replay *, uint32_t window, bool esn);
void esp_replay_free(struct esp_replay *);

/*
 * Whether a packet with the low 32 bits seql may be new, and its full
 * sequence number. Nothing changes: call esp_replay_update with *seq once
 * the ICV has verified.
 */
bool esp_replay_check(const struct esp_replay *, uint32_t seql, uint64_t *seq);
void esp_replay_update(struct esp_replay *, uint64_t seq);

#endif
