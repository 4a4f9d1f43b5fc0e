/*
 * TCP segmentation and coalescing for the TUN device's offloads
 * (IFF_VNET_HDR, TUNSETOFFLOAD): the kernel hands moatd TCP super-packets
 * of up to 64 KB that moatd cuts into segments before sealing each, and
 * moatd hands the kernel the in-order segments of one flow that a batch
 * opened as one super-packet.
 *
 * Segmenting follows what Linux's tcp_gso_segment and inet_gso_segment
 * make of a TSO packet: the headers of the super-packet on every segment,
 * IP ID counting up from the super-packet's, the sequence number advanced
 * by the payload before the segment, FIN and PSH only on the last segment,
 * CWR only on the first, IPv4 and TCP checksums computed in full (RFC 791,
 * RFC 9293 3.1 with its pseudo-header).
 *
 * Coalescing takes what tcp_gro_receive would merge, a little stricter:
 * the same addresses, ports, TOS, TTL, DF, ACK number, window and options
 * byte for byte; IP IDs counting up; each segment's sequence number where
 * the previous one ended; payloads of the first segment's size with only
 * the last one shorter; flags ACK, and PSH only on the last. Each segment's
 * IPv4 and TCP checksums are verified before it joins, since the
 * super-packet goes to the kernel with VIRTIO_NET_HDR_F_NEEDS_CSUM, which
 * the kernel takes as checksummed data (virtio 1.2 5.1.6.2, the
 * virtio_net_hdr of Linux's include/uapi/linux/virtio_net.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "dp_int.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_CWR 0x80
#define IP_DF 0x4000
#define IP_MAX 65535

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RFC 1071: the ones' complement sum does not depend on byte order except
 * for a swap at the end (its section 2(B)), so words are added as the
 * machine loads them, 32 bits at a time into 64, and the folded result is
 * brought to network order once.
 */
uint32_t
dp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	uint32_t w;
	uint16_t h;
	uint8_t	 last[2];

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(&w, p, 4);
		s += w;
		memcpy(&w, p + 4, 4);
		s += w;
		memcpy(&w, p + 8, 4);
		s += w;
		memcpy(&w, p + 12, 4);
		s += w;
	}
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		s += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		last[0] = p[0];
		last[1] = 0;
		memcpy(&h, last, 2);
		s += h;
	}
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return sum + ntohs((uint16_t)s);
}

uint16_t
dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 9293 3.1: the pseudo-header of a TCP segment of len bytes. */
static uint32_t
pseudo(const uint8_t *ip, size_t len)
{
	uint32_t s = dp_csum_add(0, ip + 12, 8);

	return s + IPPROTO_TCP + (uint32_t)len;
}

int
dp_csum_complete(uint8_t *p, size_t len, size_t start, size_t off)
{
	if (start > len || off > len - start || len - start - off < 2)
		return -1;
	put16(p + start + off, dp_csum_fold(dp_csum_add(0, p + start,
	    len - start)));
	return 0;
}

/* The IPv4 and TCP headers of a whole, unfragmented segment. */
struct tcp4 {
	size_t	 iphl, hl, tot;
	uint16_t id, frag;
	uint32_t seq;
	uint8_t	 flags;
};

static int
tcp4_parse(const uint8_t *p, size_t len, struct tcp4 *t)
{
	struct buf_rd r;
	uint8_t	      vhl, proto, doff;
	uint16_t      tot;

	buf_rd_init(&r, p, len);
	if (buf_get_u8(&r, &vhl) == -1 || vhl >> 4 != 4 ||
	    (t->iphl = (size_t)(vhl & 15) * 4) < 20 ||
	    buf_skip(&r, 1) == -1 || buf_get_u16(&r, &tot) == -1 ||
	    buf_get_u16(&r, &t->id) == -1 || buf_get_u16(&r, &t->frag) == -1 ||
	    buf_skip(&r, 1) == -1 || buf_get_u8(&r, &proto) == -1 ||
	    proto != IPPROTO_TCP || (t->frag & 0x3fff) != 0 || tot > len ||
	    buf_skip(&r, t->iphl - 6) == -1 ||
	    buf_get_u32(&r, &t->seq) == -1 || buf_skip(&r, 4) == -1 ||
	    buf_get_u8(&r, &doff) == -1 || buf_get_u8(&r, &t->flags) == -1)
		return -1;
	t->tot = tot;
	t->hl = t->iphl + (size_t)(doff >> 4) * 4;
	if ((doff >> 4) < 5 || t->hl > t->tot)
		return -1;
	return 0;
}

int
dp_tso_init(struct dp_tso *t, const uint8_t *p, size_t len, size_t mss)
{
	struct tcp4 h;

	if (tcp4_parse(p, len, &h) == -1 || h.tot != len || mss == 0 ||
	    h.hl + mss > IP_MAX)
		return -1;
	t->pkt = p;
	t->iphl = h.iphl;
	t->hl = h.hl;
	t->plen = len - h.hl;
	t->mss = mss;
	t->n = t->plen == 0 ? 1 : (unsigned int)((t->plen + mss - 1) / mss);
	return 0;
}

size_t
dp_tso_seg(const struct dp_tso *t, unsigned int i, uint8_t *out)
{
	const uint8_t *p = t->pkt;
	size_t	       off = (size_t)i * t->mss, n, tcplen;
	uint8_t	      *th = out + t->iphl, flags;

	n = t->plen - off < t->mss ? t->plen - off : t->mss;
	memcpy(out, p, t->hl);
	memcpy(out + t->hl, p + t->hl + off, n);
	put16(out + 2, (uint16_t)(t->hl + n));
	put16(out + 4, (uint16_t)(get16(p + 4) + i));
	put16(out + 10, 0);
	put16(out + 10, dp_csum_fold(dp_csum_add(0, out, t->iphl)));
	put32(th + 4, get32(p + t->iphl + 4) + (uint32_t)off);
	flags = th[13];
	if (i + 1 < t->n)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		flags &= (uint8_t)~TCP_CWR;
	th[13] = flags;
	tcplen = t->hl - t->iphl + n;
	put16(th + 16, 0);
	put16(th + 16, dp_csum_fold(dp_csum_add(pseudo(out, tcplen), th,
	    tcplen)));
	return t->hl + n;
}

/*
 * Whether the segment's headers let it be coalesced at all: a payload,
 * no flags but ACK and PSH, no IP options, and both checksums right.
 */
static bool
eligible(const uint8_t *p, size_t len, struct tcp4 *t)
{
	size_t tcplen;

	if (tcp4_parse(p, len, t) == -1 || t->iphl != 20 || t->tot == t->hl ||
	    (t->flags & ~TCP_PSH) != TCP_ACK)
		return false;
	tcplen = t->tot - t->iphl;
	return dp_csum_fold(dp_csum_add(0, p, 20)) == 0 &&
	    dp_csum_fold(dp_csum_add(pseudo(p, tcplen), p + 20, tcplen)) == 0;
}

bool
dp_gro_start(struct dp_gro *g, uint8_t *p, size_t len)
{
	struct tcp4 t;

	g->n = 0;
	if (!eligible(p, len, &t))
		return false;
	g->head = p;
	g->hl = t.hl;
	g->mss = t.tot - t.hl;
	g->len = t.tot;
	g->next_seq = t.seq + (uint32_t)g->mss;
	g->next_id = (uint16_t)(t.id + 1);
	g->psh = (t.flags & TCP_PSH) != 0;
	g->closed = g->psh;
	g->iov[1].iov_base = p;
	g->iov[1].iov_len = t.tot;
	g->n = 1;
	return true;
}

bool
dp_gro_append(struct dp_gro *g, uint8_t *p, size_t len)
{
	const uint8_t *h = g->head;
	struct tcp4    t;
	size_t	       n;

	if (g->n == 0 || g->closed || g->n == DP_GRO_MAX ||
	    !eligible(p, len, &t) || t.hl != g->hl)
		return false;
	n = t.tot - t.hl;
	/* TOS, DF, TTL, protocol, addresses; ports; ACK number; data
	 * offset and window; options. */
	if (n > g->mss || g->len + n > IP_MAX || t.seq != g->next_seq ||
	    t.id != g->next_id || p[1] != h[1] || t.frag != get16(h + 6) ||
	    p[8] != h[8] || memcmp(p + 12, h + 12, 8) != 0 ||
	    memcmp(p + 20, h + 20, 4) != 0 || memcmp(p + 28, h + 28, 4) != 0 ||
	    p[32] != h[32] || memcmp(p + 34, h + 34, 2) != 0 ||
	    memcmp(p + 40, h + 40, g->hl - 40) != 0)
		return false;
	g->iov[g->n + 1].iov_base = p + t.hl;
	g->iov[g->n + 1].iov_len = n;
	g->n++;
	g->len += n;
	g->next_seq += (uint32_t)n;
	g->next_id++;
	g->psh = (t.flags & TCP_PSH) != 0;
	g->closed = g->psh || n < g->mss;
	return true;
}

int
dp_gro_finish(struct dp_gro *g, struct virtio_net_hdr *vh)
{
	uint8_t *h = g->head;

	memset(vh, 0, sizeof(*vh));
	g->iov[0].iov_base = vh;
	g->iov[0].iov_len = sizeof(*vh);
	if (g->n < 2)
		return (int)g->n + 1;
	put16(h + 2, (uint16_t)g->len);
	put16(h + 10, 0);
	put16(h + 10, dp_csum_fold(dp_csum_add(0, h, 20)));
	if (g->psh)
		h[33] |= TCP_PSH;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header's sum, and
	 * the kernel adds the rest from csum_start on. */
	put16(h + 36, (uint16_t)~dp_csum_fold(pseudo(h, g->len - 20)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = (uint16_t)g->hl;
	vh->gso_size = (uint16_t)g->mss;
	vh->csum_start = 20;
	vh->csum_offset = 16;
	return (int)g->n + 1;
}
