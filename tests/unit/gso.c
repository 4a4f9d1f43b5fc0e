/*
 * Segmenting and coalescing TCP for the TUN offloads (gso.c): a 64 KB
 * super-packet is cut up, every segment checked against a naive
 * recomputation of its headers and checksums (RFC 791, RFC 9293 3.1 with
 * RFC 1071's sum taken 16 bits at a time), then coalesced back into the
 * very bytes it came from; and what must not be coalesced is not.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "tap.h"

#define SUPER 65535
#define MSS 1348
#define HL 52 /* IPv4 20, TCP 20 and a timestamp option */
#define SEQ0 0xfffff000u /* the numbers wrap inside the packet */

static uint32_t
naive_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t
naive_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint16_t
g16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
g32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
p16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The TCP pseudo-header's sum for the packet at p (RFC 9293 3.1). */
static uint32_t
naive_pseudo(const uint8_t *p, size_t tcplen)
{
	return naive_sum(p + 12, 8) + IPPROTO_TCP + (uint32_t)tcplen;
}

static bool
ip_ok(const uint8_t *p)
{
	return naive_fold(naive_sum(p, 20)) == 0;
}

static bool
tcp_ok(const uint8_t *p, size_t len)
{
	return naive_fold(naive_pseudo(p, len - 20) +
	    naive_sum(p + 20, len - 20)) == 0;
}

/*
 * A TCP packet of len bytes, 10.0.2.7:40000 -> 10.0.1.10:5201, DF, with a
 * timestamp option and a payload from seed, its TCP checksum as the
 * kernel leaves it for offload (the pseudo-header's sum) when partial,
 * else whole.
 */
static void
build(uint8_t *p, size_t len, uint8_t flags, unsigned int seed, bool partial)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0,
		64, IPPROTO_TCP, 0, 0, 10, 0, 2, 7, 10, 0, 1, 10 };
	static const uint8_t tcp[32] = { 0x9c, 0x40, 0x14, 0x51, 0, 0, 0, 0,
		0x0a, 0x0b, 0x0c, 0x0d, 0x80, 0, 0x01, 0xf5, 0, 0, 0, 0, 1, 1,
		8, 10, 0, 0, 0x30, 0x39, 0, 0, 0x10, 0x92 };
	size_t i;

	memcpy(p, ip, 20);
	memcpy(p + 20, tcp, 32);
	p16(p + 2, (uint16_t)len);
	p16(p + 10, naive_fold(naive_sum(p, 20)));
	p[24] = (uint8_t)(SEQ0 >> 24);
	p[25] = (uint8_t)(SEQ0 >> 16);
	p[26] = (uint8_t)(SEQ0 >> 8);
	p[27] = (uint8_t)SEQ0;
	p[33] = flags;
	srand(seed);
	for (i = HL; i < len; i++)
		p[i] = (uint8_t)rand();
	if (partial)
		p16(p + 36, (uint16_t)~naive_fold(naive_pseudo(p, len - 20)));
	else
		p16(p + 36, naive_fold(naive_pseudo(p, len - 20) +
		    naive_sum(p + 20, len - 20)));
}

static void
test_csum(void)
{
	uint8_t	 b[301];
	size_t	 len, i, bad = 0;
	uint32_t s;
	uint16_t got;

	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	b[0] = b[1] = 0xff;
	for (len = 0; len <= sizeof(b); len++) {
		s = dp_csum_add(0, b, len);
		if (dp_csum_fold(s) != naive_fold(naive_sum(b, len)))
			bad++;
	}
	is_int(bad, 0, "dp_csum_add: the naive sum for every length 0..301");
	s = dp_csum_add(dp_csum_add(0, b, 100), b + 100, 201);
	is_int(dp_csum_fold(s), naive_fold(naive_sum(b, 301)),
	    "dp_csum_add: chunks at even offsets chain");
	/* A UDP-like partial checksum: field at 6 of a header at 20. */
	memset(b, 0, 20);
	p16(b + 26, 0x1234);
	is_int(dp_csum_complete(b, 120, 20, 6), 0, "dp_csum_complete: done");
	got = g16(b + 26);
	p16(b + 26, 0);
	is_int(got, naive_fold(0x1234 + naive_sum(b + 20, 100)),
	    "dp_csum_complete: the sum of the range, the partial sum in it");
	is_int(dp_csum_complete(b, 120, 20, 99), -1,
	    "dp_csum_complete: a field past the end is refused");
	is_int(dp_csum_complete(b, 120, 121, 0), -1,
	    "dp_csum_complete: a start past the end is refused");
}

static void
test_segments(void)
{
	static uint8_t sup[SUPER], seg[DP_GRO_MAX][HL + MSS], back[SUPER];
	struct virtio_net_hdr vh;
	struct dp_tso	      t;
	struct dp_gro	      g;
	size_t		      plen = SUPER - HL, off, n, len;
	unsigned int	      i, want = (unsigned int)((plen + MSS - 1) / MSS);
	unsigned int	      badip = 0, badtcp = 0, badhdr = 0, baddata = 0;
	int		      iovcnt;

	build(sup, SUPER, 0x18 /* ACK PSH */, 1, true);
	is_int(dp_tso_init(&t, sup, SUPER, MSS), 0, "tso: 64 KB accepted");
	is_int(t.n, want, "tso: %u segments of %d", want, MSS);
	is_int(t.hl, HL, "tso: headers with the timestamp option");
	for (i = 0; i < t.n && i < DP_GRO_MAX; i++) {
		off = (size_t)i * MSS;
		n = plen - off < MSS ? plen - off : MSS;
		len = dp_tso_seg(&t, i, seg[i]);
		if (len != HL + n || g16(seg[i] + 2) != len)
			badhdr++;
		if (!ip_ok(seg[i]))
			badip++;
		if (!tcp_ok(seg[i], len))
			badtcp++;
		if (g16(seg[i] + 4) != (uint16_t)(0x1234 + i) ||
		    g32(seg[i] + 24) != SEQ0 + (uint32_t)off ||
		    seg[i][33] != (i + 1 == t.n ? 0x18 : 0x10) ||
		    memcmp(seg[i] + 12, sup + 12, 8) != 0 ||
		    memcmp(seg[i] + 40, sup + 40, 12) != 0)
			badhdr++;
		if (memcmp(seg[i] + HL, sup + HL + off, n) != 0)
			baddata++;
	}
	is_int(badhdr, 0, "tso: lengths, IDs, sequence numbers, flags");
	is_int(badip, 0, "tso: every IPv4 checksum");
	is_int(badtcp, 0, "tso: every TCP checksum");
	is_int(baddata, 0, "tso: every payload");
	is_int(g16(seg[t.n - 1] + 2), HL + plen - (size_t)(t.n - 1) * MSS,
	    "tso: the last segment is the rest");

	ok(dp_gro_start(&g, seg[0], HL + MSS), "gro: the first segment starts");
	for (i = 1; i < t.n; i++)
		if (!dp_gro_append(&g, seg[i], g16(seg[i] + 2)))
			break;
	is_int(i, t.n, "gro: every segment joins");
	ok(g.closed, "gro: closed after the PSH segment");
	ok(!dp_gro_append(&g, seg[1], g16(seg[1] + 2)),
	    "gro: nothing joins a closed super-packet");
	iovcnt = dp_gro_finish(&g, &vh);
	is_int(iovcnt, t.n + 1, "gro: the virtio header and %u pieces", t.n);
	is_int(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4, "gro: GSO_TCPV4");
	is_int(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM, "gro: NEEDS_CSUM");
	is_int(vh.gso_size, MSS, "gro: gso_size is the segments' payload");
	is_int(vh.hdr_len, HL, "gro: hdr_len");
	is_int(vh.csum_start, 20, "gro: csum_start at TCP");
	is_int(vh.csum_offset, 16, "gro: csum_offset at TCP's checksum");
	ok(g.iov[0].iov_base == &vh && g.iov[0].iov_len == sizeof(vh),
	    "gro: iov[0] is the virtio header");
	for (len = 0, i = 1; i < (unsigned int)iovcnt; i++) {
		memcpy(back + len, g.iov[i].iov_base, g.iov[i].iov_len);
		len += g.iov[i].iov_len;
	}
	is_int(len, SUPER, "gro: 64 KB again");
	ok(memcmp(back, sup, SUPER) == 0,
	    "gro: byte for byte the super-packet the segments came from");
}

/* A pair of segments and what keeps the second from joining the first. */
static void
test_refusals(void)
{
	static uint8_t a[HL + 100], b[HL + 100], flat[HL + 200];
	struct virtio_net_hdr vh;
	uint16_t	      sum;
	struct dp_gro	      g;
	struct dp_tso	      t;

	build(a, sizeof(a), 0x10, 2, false);
	ok(dp_gro_start(&g, a, sizeof(a)), "gro: a whole segment starts");
	a[60] ^= 1;
	ok(!dp_gro_start(&g, a, sizeof(a)),
	    "gro: a bad TCP checksum is not coalesced");
	a[60] ^= 1;
	a[8]--;
	ok(!dp_gro_start(&g, a, sizeof(a)),
	    "gro: a bad IPv4 checksum is not coalesced");
	a[8]++;
	build(b, sizeof(b), 0x12 /* SYN ACK */, 2, false);
	ok(!dp_gro_start(&g, b, sizeof(b)), "gro: a SYN is not coalesced");

	/* b: the segment after a, unless changed below. */
#define NEXT(change, what) \
	do { \
		build(b, sizeof(b), 0x10, 3, false); \
		p16(b + 4, 0x1235); \
		b[24] = 0xff; \
		b[25] = 0xff; \
		b[26] = 0xf0; \
		b[27] = 100; \
		change; \
		p16(b + 10, 0); \
		p16(b + 10, naive_fold(naive_sum(b, 20))); \
		p16(b + 36, 0); \
		p16(b + 36, naive_fold(naive_pseudo(b, sizeof(b) - 20) + \
		    naive_sum(b + 20, sizeof(b) - 20))); \
		dp_gro_start(&g, a, sizeof(a)); \
		ok(!dp_gro_append(&g, b, sizeof(b)), "gro: refused: %s", \
		    what); \
	} while (0)

	NEXT(b[27] = 101, "a sequence number after a gap");
	NEXT(b[27] = 99, "a sequence number that overlaps");
	NEXT(p16(b + 4, 0x1236), "an IP ID not counting up");
	NEXT(b[23] ^= 1, "another destination port");
	NEXT(b[19] ^= 1, "another destination address");
	NEXT(b[8] = 63, "another TTL");
	NEXT(b[1] = 4, "another TOS");
	NEXT(b[6] = 0, "no DF");
	NEXT(b[31] ^= 1, "another ACK number");
	NEXT(b[35] ^= 1, "another window");
	NEXT(b[49] ^= 1, "another timestamp");
	NEXT(b[33] = 0x11, "a FIN");

	/* The control done right: it joins. */
	build(b, sizeof(b), 0x10, 3, false);
	p16(b + 4, 0x1235);
	b[27] = 100;
	b[26] = 0xf0;
	p16(b + 10, 0);
	p16(b + 10, naive_fold(naive_sum(b, 20)));
	p16(b + 36, 0);
	p16(b + 36, naive_fold(naive_pseudo(b, sizeof(b) - 20) +
	    naive_sum(b + 20, sizeof(b) - 20)));
	dp_gro_start(&g, a, sizeof(a));
	ok(dp_gro_append(&g, b, sizeof(b)), "gro: the next segment joins");
	is_int(dp_gro_finish(&g, &vh), 3, "gro: two pieces");
	ok(ip_ok(a) && g16(a + 2) == HL + 200,
	    "gro: the head's length and IPv4 checksum are redone");
	memcpy(flat, a, sizeof(a));
	memcpy(flat + sizeof(a), b + HL, 100);
	sum = naive_fold(naive_sum(flat + 20, HL + 200 - 20));
	p16(flat + 36, 0);
	is_int(sum, naive_fold(naive_pseudo(flat, HL + 200 - 20) +
	    naive_sum(flat + 20, HL + 200 - 20)),
	    "gro: TCP's partial sum completes to the whole checksum");

	/* A short segment closes the super-packet. */
	build(a, HL + 50, 0x10, 2, false);
	dp_gro_start(&g, a, HL + 50);
	build(b, sizeof(b), 0x10, 3, false);
	ok(!dp_gro_append(&g, b, sizeof(b)),
	    "gro: a bigger segment does not follow a smaller one");
	is_int(dp_gro_finish(&g, &vh), 2, "gro: one segment alone");
	is_int(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE,
	    "gro: one segment has no GSO");
	is_int(vh.flags, 0, "gro: and no partial checksum");

	build(a, sizeof(a), 0x10, 2, false);
	is_int(dp_tso_init(&t, a, sizeof(a) - 1, 10), -1,
	    "tso: a length other than the IP header's is refused");
	is_int(dp_tso_init(&t, a, sizeof(a), 0), -1, "tso: mss 0 is refused");
	a[9] = IPPROTO_UDP;
	is_int(dp_tso_init(&t, a, sizeof(a), 10), -1, "tso: UDP is refused");
	a[9] = IPPROTO_TCP;
	a[7] = 8;
	is_int(dp_tso_init(&t, a, sizeof(a), 10), -1,
	    "tso: a fragment is refused");
	a[7] = 0;
	a[32] = 0x40;
	is_int(dp_tso_init(&t, a, sizeof(a), 10), -1,
	    "tso: a data offset under 5 words is refused");
	a[32] = 0x80;
	build(a, HL, 0x10, 2, true);
	is_int(dp_tso_init(&t, a, HL, 10), 0, "tso: no payload");
	is_int(t.n, 1, "tso: no payload is one segment");
}

int
main(void)
{
	test_csum();
	test_segments();
	test_refusals();
	return done_testing();
}
