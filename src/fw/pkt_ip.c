/*
 * The filter's view of a packet on the wire: the IPv4 header (RFC 791),
 * the ports of TCP, UDP and SCTP, TCP's flags, ICMP's type and code, the
 * SPI of ESP and AH, and the header an ICMP error quotes (RFC 792), which
 * connection tracking needs for RELATED. What is not there (a truncated
 * transport header, a later fragment) stays unset, as in the kernel.
 */
#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "fw_int.h"

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

static bool
icmp_is_error(int type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

struct l3 {
	struct addr src, dst;
	uint8_t	    proto, tos, ttl;
	bool	    later; /* a non-first fragment */
	size_t	    tot; /* total length */
	struct buf_rd l4;
};

static int
ip4(struct buf_rd *r, struct l3 *h)
{
	uint8_t	 vhl, tos, ttl, proto;
	uint16_t tot, id, frag, sum;
	size_t	 hl;

	if (buf_get_u8(r, &vhl) == -1 || vhl >> 4 != 4 ||
	    (hl = (size_t)(vhl & 15) * 4) < 20)
		return -1;
	buf_get_u8(r, &tos);
	buf_get_u16(r, &tot);
	buf_get_u16(r, &id);
	buf_get_u16(r, &frag);
	buf_get_u8(r, &ttl);
	buf_get_u8(r, &proto);
	buf_get_u16(r, &sum);
	h->src.af = h->dst.af = AF_INET;
	buf_get_bytes(r, h->src.u.b, 4);
	buf_get_bytes(r, h->dst.u.b, 4);
	if (r->err || buf_skip(r, hl - 20) == -1)
		return -1;
	h->tos = tos;
	h->ttl = ttl;
	h->proto = proto;
	h->tot = tot;
	h->later = (frag & 0x1fff) != 0;
	/* The transport header is what the IP header says is there, at
	 * most what was received. */
	if (tot < hl)
		return -1;
	buf_sub(r, &h->l4, buf_left(r) < tot - hl ? buf_left(r) : tot - hl);
	return 0;
}

static void
ports(struct buf_rd *r, uint16_t *sport, uint16_t *dport)
{
	uint16_t s, d;

	if (buf_get_u16(r, &s) == 0 && buf_get_u16(r, &d) == 0) {
		*sport = s;
		*dport = d;
	}
}

static void
inner(struct buf_rd *r, struct fw_pkt *pk)
{
	struct l3 h;
	uint8_t	  t, c;
	uint16_t  sum, id;

	if (ip4(r, &h) == -1)
		return;
	pk->has_inner = true;
	pk->inner_proto = h.proto;
	pk->inner_src = h.src;
	pk->inner_dst = h.dst;
	if (h.proto == IPPROTO_ICMP) {
		if (buf_get_u8(&h.l4, &t) == 0 && buf_get_u8(&h.l4, &c) == 0) {
			pk->inner_icmp_type = t;
			pk->inner_icmp_code = c;
		}
		if (buf_get_u16(&h.l4, &sum) == 0 &&
		    buf_get_u16(&h.l4, &id) == 0)
			pk->inner_icmp_id = id;
	} else
		ports(&h.l4, &pk->inner_sport, &pk->inner_dport);
}

int
fw_pkt_from_ip(const uint8_t *p, size_t len, struct fw_pkt *pk)
{
	struct buf_rd r;
	struct l3     h;
	uint8_t	      t, c, off, flags;
	uint16_t      sum, id, seq;
	uint32_t      spi;

	fw_pkt_init(pk);
	buf_rd_init(&r, p, len);
	if (ip4(&r, &h) == -1)
		return -1;
	pk->src = h.src;
	pk->dst = h.dst;
	pk->proto = h.proto;
	pk->tos = h.tos;
	pk->ttl = h.ttl;
	pk->len = (uint32_t)h.tot;
	pk->fragment = h.later;
	if (h.later)
		return 0;
	switch (h.proto) {
	case IPPROTO_TCP:
		ports(&h.l4, &pk->sport, &pk->dport);
		if (buf_skip(&h.l4, 8) == 0 && buf_get_u8(&h.l4, &off) == 0 &&
		    buf_get_u8(&h.l4, &flags) == 0)
			pk->tcp_flags = flags;
		break;
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		ports(&h.l4, &pk->sport, &pk->dport);
		break;
	case IPPROTO_ICMP:
		if (buf_get_u8(&h.l4, &t) == -1 || buf_get_u8(&h.l4, &c) == -1)
			break;
		pk->icmp_type = t;
		pk->icmp_code = c;
		if (buf_get_u16(&h.l4, &sum) == -1 ||
		    buf_get_u16(&h.l4, &id) == -1 ||
		    buf_get_u16(&h.l4, &seq) == -1)
			break;
		if (t == ICMP_ECHO || t == ICMP_ECHOREPLY)
			pk->icmp_id = id;
		else if (icmp_is_error(t))
			inner(&h.l4, pk);
		break;
	case IPPROTO_ESP:
		if (buf_get_u32(&h.l4, &spi) == 0)
			pk->spi = spi;
		break;
	case IPPROTO_AH:
		if (buf_skip(&h.l4, 4) == 0 && buf_get_u32(&h.l4, &spi) == 0)
			pk->spi = spi;
		break;
	}
	return 0;
}
