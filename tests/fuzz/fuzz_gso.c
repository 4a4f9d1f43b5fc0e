/*
 * Fuzz TCP segmentation and coalescing (src/esp/gso.c). The first two
 * bytes are a segment size, the rest a packet as TUN would hand it over.
 * What dp_tso_init accepts is cut up: every segment must carry a valid
 * IPv4 and TCP checksum, and when the packet is one GRO may take (flags
 * ACK only, no IP options, a payload) the segments must coalesce back to
 * it, byte for byte but for the two checksums. The packet is also split
 * in two and offered to dp_gro_start and dp_gro_append as it is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_int.h"

#define MAXSEG 256

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t segs[MAXSEG][65536];
static uint8_t back[65536];

static bool
valid(const uint8_t *p, size_t len, size_t iphl)
{
	uint32_t ph = dp_csum_add(0, p + 12, 8) + 6 + (uint32_t)(len - iphl);

	return dp_csum_fold(dp_csum_add(0, p, iphl)) == 0 &&
	    dp_csum_fold(dp_csum_add(ph, p + iphl, len - iphl)) == 0;
}

static void
roundtrip(const uint8_t *pkt, size_t len, size_t mss)
{
	struct virtio_net_hdr vh;
	struct dp_tso	      t;
	struct dp_gro	      g;
	size_t		      n, off;
	unsigned int	      i;
	bool		      all;
	int		      iovcnt;

	if (dp_tso_init(&t, pkt, len, mss) == -1 || t.n > MAXSEG)
		return;
	for (i = 0; i < t.n; i++) {
		n = dp_tso_seg(&t, i, segs[i]);
		if (n > t.hl + t.mss || n != (size_t)(segs[i][2] << 8 | segs[i][3]) ||
		    !valid(segs[i], n, t.iphl))
			abort();
	}
	if (t.iphl != 20 || pkt[t.iphl + 13] != 0x10 || t.plen == 0 ||
	    t.n > DP_GRO_MAX)
		return;
	if (!dp_gro_start(&g, segs[0], (size_t)(segs[0][2] << 8 | segs[0][3])))
		abort();
	for (all = true, i = 1; i < t.n && all; i++)
		all = dp_gro_append(&g, segs[i],
		    (size_t)(segs[i][2] << 8 | segs[i][3]));
	if (!all)
		abort();
	iovcnt = dp_gro_finish(&g, &vh);
	for (off = 0, i = 1; i < (unsigned int)iovcnt; i++) {
		memcpy(back + off, g.iov[i].iov_base, g.iov[i].iov_len);
		off += g.iov[i].iov_len;
	}
	if (off != len || memcmp(back, pkt, 10) != 0 ||
	    memcmp(back + 12, pkt + 12, 24) != 0 ||
	    memcmp(back + 38, pkt + 38, len - 38) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr vh;
	struct dp_gro	      g;
	uint8_t		     *pkt, *a, *b;
	size_t		      mss, len, half;

	if (size < 2 || size > 65537)
		return 0;
	mss = (size_t)(data[0] << 8 | data[1]);
	len = size - 2;
	/* Exact allocations, so that a read past the end is caught. */
	if ((pkt = malloc(len + 1)) == NULL)
		return 0;
	memcpy(pkt, data + 2, len);
	roundtrip(pkt, len, mss);
	half = len / 2;
	a = malloc(half + 1);
	b = malloc(len - half + 1);
	if (a != NULL && b != NULL) {
		memcpy(a, pkt, half);
		memcpy(b, pkt + half, len - half);
		if (dp_gro_start(&g, a, half)) {
			(void)dp_gro_append(&g, b, len - half);
			(void)dp_gro_finish(&g, &vh);
		}
	}
	free(a);
	free(b);
	free(pkt);
	return 0;
}
