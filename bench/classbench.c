/*
 * ClassBench-style rulesets and traces (classbench.h).
 *
 * Rules. ClassBench's db_generator draws, for each filter, a protocol,
 * then a pair of port classes for it (WC wildcard, HI 1024:65535, LO
 * 0:1023, AR an arbitrary range from a list, EM an exact port from a
 * list), then the sum of the source and destination prefix lengths for
 * that pair and the source length given the sum; addresses come from
 * binary trees whose branching per prefix length the seed gives
 * (Taylor and Turner, ToN 2007, sections III and IV).
 *
 * The acl kind uses the published acl1 seed (parameter_files/acl1_seed of
 * the ClassBench distribution; its sections are documented in
 * parameter_files/README.md of github.com/jafingerhut/classbench): the
 * -prots line of each protocol with its port-pair fractions, the -dpar
 * and -dpem lists (its -spar and -spem are empty: source ports are
 * always WC), and the -wc_wc, -wc_ar and -wc_em prefix-length sections,
 * the only pairs acl1 uses. The seed's fractions are counts over a
 * common denominator (733 filters, 640 of them TCP, 85 AR and 425 EM
 * port specifications...), so the tables below hold those whole counts
 * as weights.
 *
 * The fw kind is moat's own choice of figures for a firewall's FORWARD
 * chain (the fw1..fw5 seeds were not at hand): wildcard addresses are
 * common, ports use every class, and rules name interfaces, as the
 * rulesets of ../shared/corpus/iptables do.
 *
 * Nesting: instead of the seed's trees (-sskew, -dskew), a new address
 * shares a random-length head of at least 8 bits with an earlier rule's
 * address most of the time, which clusters and nests prefixes as real
 * sets do; it does not enforce acl1's nesting bound (-snest, -dnest 4).
 *
 * Traces. ClassBench's trace_generator picks a filter and emits a header
 * at a corner of it; here most packets are a random point of a random
 * rule's box (box.h), some are corners, and some are random headers. For
 * a rule in a user chain the box is narrowed by the jumps that lead to
 * it, and a packet from an address that a -m mac rule binds carries that
 * MAC, so that traces of real rulesets reach past their anti-spoofing
 * chains.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "classbench.h"

/* splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): one 64-bit state, good enough mixing for
 * test data, and the same sequence everywhere. */
struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0; the modulo bias (n / 2^64) does not matter
 * for test data. */
static uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

static bool
rng_percent(struct rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

/* A weighted value. */
struct wv {
	uint32_t w;
	uint32_t v;
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t
pick(struct rng *r, const struct wv *t, size_t n)
{
	uint64_t sum = 0, x;
	size_t	 i;

	for (i = 0; i < n; i++)
		sum += t[i].w;
	x = rng_below(r, sum);
	for (i = 0; i + 1 < n && x >= t[i].w; i++)
		x -= t[i].w;
	return t[i].v;
}

/* A port range as a weighted value. */
#define RANGE(lo, hi) ((uint32_t)(lo) << 16 | (uint32_t)(hi))

static void
pick_range(struct rng *r, const struct wv *t, size_t n, uint16_t out[2])
{
	uint32_t v = pick(r, t, n);

	out[0] = (uint16_t)(v >> 16);
	out[1] = (uint16_t)v;
}

/* Port classes, and a pair of them as ClassBench names it (wc_em: source
 * WC, destination EM). */
enum pclass { WC, HI, LO, AR, EM };
#define PAIR(s, d) ((uint32_t)(s) << 4 | (uint32_t)(d))
#define PAIR_SRC(p) ((p) >> 4)
#define PAIR_DST(p) ((p)&0xf)

/* One line of a prefix-length section: the sum of the two lengths, its
 * weight, and up to two source lengths with theirs. */
struct plen {
	uint8_t	 total;
	uint32_t w;
	uint8_t	 src[2];
	uint32_t sw[2];
};

/* acl1_seed -prots: filters per protocol (0: any) out of 733. */
static const struct wv acl_proto[] = {
	{ 62, 0 },
	{ 23, IPPROTO_ICMP },
	{ 640, IPPROTO_TCP },
	{ 8, IPPROTO_UDP },
};

/* acl1_seed -prots, port-pair columns: of 640 TCP filters, and of 8 UDP
 * ones. Protocols without ports are all wc_wc. */
static const struct wv acl_pairs_tcp[] = {
	{ 138, PAIR(WC, WC) },
	{ 84, PAIR(WC, AR) },
	{ 418, PAIR(WC, EM) },
};
static const struct wv acl_pairs_udp[] = {
	{ 1, PAIR(WC, AR) },
	{ 7, PAIR(WC, EM) },
};
static const struct wv acl_pairs_none[] = {
	{ 1, PAIR(WC, WC) },
};

/* acl1_seed -dpar, out of 85. */
static const struct wv acl_dpar[] = {
	{ 7, RANGE(1600, 1649) },
	{ 6, RANGE(1300, 1349) },
	{ 6, RANGE(1300, 1350) },
	{ 4, RANGE(7500, 7599) },
	{ 4, RANGE(2200, 2210) },
	{ 3, RANGE(1025, 65535) },
	{ 3, RANGE(1700, 1750) },
	{ 3, RANGE(5001, 65535) },
	{ 3, RANGE(32200, 32207) },
	{ 3, RANGE(8000, 8100) },
	{ 2, RANGE(61700, 61709) },
	{ 2, RANGE(61500, 61509) },
	{ 2, RANGE(61600, 61609) },
	{ 2, RANGE(61900, 61909) },
	{ 2, RANGE(62000, 62009) },
	{ 2, RANGE(61800, 61809) },
	{ 2, RANGE(61100, 61119) },
	{ 2, RANGE(61200, 61209) },
	{ 2, RANGE(61000, 61009) },
	{ 2, RANGE(61400, 61409) },
	{ 2, RANGE(61300, 61309) },
	{ 2, RANGE(62700, 62709) },
	{ 2, RANGE(1700, 1720) },
	{ 2, RANGE(62600, 62609) },
	{ 2, RANGE(20000, 20010) },
	{ 2, RANGE(1600, 1650) },
	{ 2, RANGE(62400, 62409) },
	{ 2, RANGE(62100, 62109) },
	{ 2, RANGE(62500, 62509) },
	{ 1, RANGE(62200, 62219) },
	{ 1, RANGE(32210, 32219) },
	{ 1, RANGE(62220, 62239) },
	{ 1, RANGE(62200, 62239) },
	{ 1, RANGE(1300, 1399) },
};

/* acl1_seed -dpem, out of 425. */
static const struct wv acl_dpem[] = {
	{ 80, 1521 },
	{ 23, 1526 },
	{ 18, 1221 },
	{ 15, 1433 },
	{ 12, 1525 },
	{ 12, 135 },
	{ 12, 14753 },
	{ 10, 1712 },
	{ 10, 1711 },
	{ 10, 1704 },
	{ 10, 1708 },
	{ 9, 5555 },
	{ 9, 1705 },
	{ 9, 6000 },
	{ 9, 20 },
	{ 9, 21 },
	{ 9, 1724 },
	{ 9, 1717 },
	{ 8, 1707 },
	{ 8, 1733 },
	{ 8, 1706 },
	{ 8, 5540 },
	{ 8, 5541 },
	{ 7, 1734 },
	{ 6, 1489 },
	{ 6, 1490 },
	{ 6, 5632 },
	{ 6, 5631 },
	{ 5, 6789 },
	{ 4, 1715 },
	{ 4, 2121 },
	{ 3, 6790 },
	{ 3, 32200 },
	{ 3, 32201 },
	{ 2, 2110 },
	{ 2, 2115 },
	{ 2, 3031 },
	{ 2, 1540 },
	{ 2, 31000 },
	{ 2, 3745 },
	{ 2, 30210 },
	{ 2, 19856 },
	{ 2, 2026 },
	{ 2, 443 },
	{ 2, 80 },
	{ 2, 30211 },
	{ 2, 6849 },
	{ 2, 27000 },
	{ 2, 27400 },
	{ 2, 65500 },
	{ 2, 30804 },
	{ 2, 30899 },
	{ 1, 1650 },
	{ 1, 1600 },
	{ 1, 15126 },
	{ 1, 15121 },
	{ 1, 2051 },
	{ 1, 2308 },
	{ 1, 12050 },
	{ 1, 1601 },
	{ 1, 1602 },
	{ 1, 5543 },
	{ 1, 7205 },
	{ 1, 5542 },
	{ 1, 1432 },
	{ 1, 1352 },
	{ 1, 6888 },
	{ 1, 512 },
	{ 1, 4646 },
	{ 1, 55444 },
	{ 1, 6889 },
	{ 1, 1550 },
	{ 1, 6890 },
};

/* acl1_seed -wc_wc, out of 223. */
static const struct plen acl_wc_wc[] = {
	{ 0, 1, { 0 }, { 1 } },
	{ 8, 2, { 0, 8 }, { 1, 1 } },
	{ 13, 1, { 0 }, { 1 } },
	{ 23, 1, { 23 }, { 1 } },
	{ 24, 1, { 23 }, { 1 } },
	{ 25, 1, { 23 }, { 1 } },
	{ 26, 1, { 23 }, { 1 } },
	{ 27, 1, { 23 }, { 1 } },
	{ 28, 1, { 23 }, { 1 } },
	{ 29, 1, { 23 }, { 1 } },
	{ 30, 1, { 23 }, { 1 } },
	{ 31, 1, { 23 }, { 1 } },
	{ 38, 1, { 23 }, { 1 } },
	{ 39, 12, { 23 }, { 1 } },
	{ 47, 1, { 23 }, { 1 } },
	{ 48, 1, { 23 }, { 1 } },
	{ 49, 1, { 23 }, { 1 } },
	{ 52, 4, { 30 }, { 1 } },
	{ 53, 2, { 31 }, { 1 } },
	{ 54, 20, { 23, 32 }, { 2, 18 } },
	{ 55, 23, { 23, 31 }, { 22, 1 } },
	{ 56, 25, { 32 }, { 1 } },
	{ 62, 4, { 30 }, { 1 } },
	{ 63, 7, { 31, 32 }, { 6, 1 } },
	{ 64, 109, { 32 }, { 1 } },
};

/* acl1_seed -wc_ar, out of 85. */
static const struct plen acl_wc_ar[] = {
	{ 55, 1, { 23 }, { 1 } },
	{ 63, 3, { 31 }, { 1 } },
	{ 64, 81, { 32 }, { 1 } },
};

/* acl1_seed -wc_em, out of 425. */
static const struct plen acl_wc_em[] = {
	{ 51, 2, { 23 }, { 1 } },
	{ 52, 6, { 30 }, { 1 } },
	{ 53, 3, { 31 }, { 1 } },
	{ 54, 19, { 23, 32 }, { 1, 18 } },
	{ 55, 12, { 23 }, { 1 } },
	{ 62, 5, { 32 }, { 1 } },
	{ 63, 18, { 31, 32 }, { 11, 7 } },
	{ 64, 360, { 32 }, { 1 } },
};

/* fw: moat's figures, in percent. Protocol 0 is any. */
static const struct wv fw_proto[] = {
	{ 12, 0 },
	{ 55, IPPROTO_TCP },
	{ 25, IPPROTO_UDP },
	{ 6, IPPROTO_ICMP },
	{ 1, IPPROTO_GRE },
	{ 1, IPPROTO_ESP },
};

static const struct wv fw_pairs[] = {
	{ 15, PAIR(WC, WC) },
	{ 33, PAIR(WC, EM) },
	{ 6, PAIR(WC, AR) },
	{ 4, PAIR(WC, HI) },
	{ 2, PAIR(WC, LO) },
	{ 10, PAIR(HI, EM) },
	{ 2, PAIR(HI, AR) },
	{ 3, PAIR(HI, HI) },
	{ 5, PAIR(EM, WC) },
	{ 5, PAIR(EM, HI) },
	{ 2, PAIR(LO, EM) },
	{ 8, PAIR(EM, EM) },
	{ 2, PAIR(AR, AR) },
	{ 3, PAIR(AR, EM) },
};

/* Services a firewall names; a quarter of EM ports are random instead. */
static const struct wv fw_em[] = {
	{ 10, 22 },
	{ 4, 25 },
	{ 10, 53 },
	{ 14, 80 },
	{ 2, 110 },
	{ 4, 123 },
	{ 2, 143 },
	{ 3, 161 },
	{ 2, 389 },
	{ 14, 443 },
	{ 3, 445 },
	{ 3, 500 },
	{ 2, 993 },
	{ 3, 1194 },
	{ 1, 1723 },
	{ 3, 3306 },
	{ 3, 3389 },
	{ 3, 4500 },
	{ 3, 5060 },
	{ 5, 8080 },
};

/* Ranges a firewall names; a quarter of AR ranges are random instead. */
static const struct wv fw_ar[] = {
	{ 3, RANGE(20, 21) },
	{ 3, RANGE(137, 139) },
	{ 2, RANGE(6000, 6063) },
	{ 2, RANGE(5060, 5061) },
	{ 2, RANGE(8000, 8100) },
	{ 2, RANGE(33434, 33534) },
	{ 2, RANGE(60000, 61000) },
	{ 2, RANGE(1024, 5000) },
	{ 3, RANGE(49152, 65535) },
	{ 1, RANGE(10000, 20000) },
};

static const struct wv fw_slen[] = {
	{ 35, 0 },
	{ 3, 8 },
	{ 7, 16 },
	{ 20, 24 },
	{ 5, 28 },
	{ 30, 32 },
};

static const struct wv fw_dlen[] = {
	{ 15, 0 },
	{ 5, 16 },
	{ 30, 24 },
	{ 5, 29 },
	{ 45, 32 },
};

/* Interfaces of a three-legged firewall with a few tunnels and a
 * bridge, by index into fw_ifaces. */
static const char *const fw_ifaces[] = { "eth0", "eth1", "eth2", "ppp+", "tun+",
	"br0" };

static const struct wv fw_ifw[] = {
	{ 30, 0 },
	{ 30, 1 },
	{ 15, 2 },
	{ 10, 3 },
	{ 10, 4 },
	{ 5, 5 },
};

/* One generated rule. */
struct spec {
	uint32_t    src, dst;
	int	    slen, dlen;
	bool	    sinv, dinv;
	uint8_t	    proto;
	int	    scls, dcls;
	uint16_t    sp[2], dp[2];
	const char *iif, *oif;
	bool	    iinv;
	bool	    accept;
	size_t	    seq; /* order of generation */
};

/* The rules so far: their addresses are what new ones nest in. */
struct gen {
	struct rng   rng;
	struct spec *rules;
	size_t	     n;
};

static uint32_t
mask_of(int len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/*
 * An address for a source (or destination) prefix of len bits: with reuse
 * percent chance it shares at least 8 leading bits (at most len) with an
 * earlier rule's. Rules keep the whole address so that later prefixes can
 * share more of it.
 */
static uint32_t
new_addr(struct gen *g, bool src, int len, unsigned int reuse)
{
	uint32_t	   a = (uint32_t)rng_next(&g->rng), keep, m;
	const struct spec *prev;

	if (g->n == 0 || !rng_percent(&g->rng, reuse))
		return a;
	keep = len <= 8 ? (uint32_t)len :
			  8 + (uint32_t)rng_below(&g->rng, (uint64_t)len - 7);
	m = mask_of((int)keep);
	prev = &g->rules[rng_below(&g->rng, g->n)];
	return ((src ? prev->src : prev->dst) & m) | (a & ~m);
}

static void
acl_lengths(struct gen *g, uint32_t pair, int *slen, int *dlen)
{
	const struct plen *t;
	size_t		   n, i;
	uint64_t	   sum = 0, x;
	struct wv	   src[2];

	if (pair == PAIR(WC, AR)) {
		t = acl_wc_ar;
		n = NELEM(acl_wc_ar);
	} else if (pair == PAIR(WC, EM)) {
		t = acl_wc_em;
		n = NELEM(acl_wc_em);
	} else {
		t = acl_wc_wc;
		n = NELEM(acl_wc_wc);
	}
	for (i = 0; i < n; i++)
		sum += t[i].w;
	x = rng_below(&g->rng, sum);
	for (i = 0; i + 1 < n && x >= t[i].w; i++)
		x -= t[i].w;
	src[0] = (struct wv){ t[i].sw[0], t[i].src[0] };
	src[1] = (struct wv){ t[i].sw[1], t[i].src[1] };
	*slen = (int)pick(&g->rng, src, t[i].sw[1] != 0 ? 2 : 1);
	*dlen = t[i].total - *slen;
}

static void
acl_rule(struct gen *g, struct spec *s)
{
	uint32_t pair;

	s->proto = (uint8_t)pick(&g->rng, acl_proto, NELEM(acl_proto));
	if (s->proto == IPPROTO_TCP)
		pair = pick(&g->rng, acl_pairs_tcp, NELEM(acl_pairs_tcp));
	else if (s->proto == IPPROTO_UDP)
		pair = pick(&g->rng, acl_pairs_udp, NELEM(acl_pairs_udp));
	else
		pair = pick(&g->rng, acl_pairs_none, NELEM(acl_pairs_none));
	s->scls = (int)PAIR_SRC(pair);
	s->dcls = (int)PAIR_DST(pair);
	if (s->dcls == AR)
		pick_range(&g->rng, acl_dpar, NELEM(acl_dpar), s->dp);
	else if (s->dcls == EM)
		s->dp[0] = s->dp[1] =
		    (uint16_t)pick(&g->rng, acl_dpem, NELEM(acl_dpem));
	acl_lengths(g, pair, &s->slen, &s->dlen);
	/* acl1's trees branch rarely below the top levels (-dskew): the
	 * addresses of an ACL cluster strongly. */
	s->src = new_addr(g, true, s->slen, 90);
	s->dst = new_addr(g, false, s->dlen, 90);
	s->accept = rng_percent(&g->rng, 67);
}

/* A port range of class c for the fw kind. */
static void
fw_ports(struct gen *g, int c, uint16_t r[2])
{
	uint32_t lo, span;

	switch (c) {
	case HI:
		r[0] = 1024;
		r[1] = 65535;
		break;
	case LO:
		r[0] = 0;
		r[1] = 1023;
		break;
	case AR:
		if (!rng_percent(&g->rng, 25)) {
			pick_range(&g->rng, fw_ar, NELEM(fw_ar), r);
			break;
		}
		lo = (uint32_t)rng_below(&g->rng, 65535);
		span = 1 + (uint32_t)rng_below(&g->rng, 4096);
		r[0] = (uint16_t)lo;
		r[1] = (uint16_t)(lo + span > 65535 ? 65535 : lo + span);
		break;
	case EM:
		r[0] = rng_percent(&g->rng, 25) ?
		    (uint16_t)(1 + rng_below(&g->rng, 65535)) :
		    (uint16_t)pick(&g->rng, fw_em, NELEM(fw_em));
		r[1] = r[0];
		break;
	}
}

static void
fw_ifs(struct gen *g, struct spec *s)
{
	if (rng_percent(&g->rng, 50)) {
		s->iif = fw_ifaces[pick(&g->rng, fw_ifw, NELEM(fw_ifw))];
		s->iinv = rng_percent(&g->rng, 5);
	}
	if (rng_percent(&g->rng, 40)) {
		s->oif = fw_ifaces[pick(&g->rng, fw_ifw, NELEM(fw_ifw))];
		/* In and out by the same interface is legal but rare. */
		if (s->iif == s->oif && !s->iinv)
			s->oif = NULL;
	}
}

static void
fw_rule(struct gen *g, struct spec *s)
{
	uint32_t pair;

	s->proto = (uint8_t)pick(&g->rng, fw_proto, NELEM(fw_proto));
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) {
		pair = pick(&g->rng, fw_pairs, NELEM(fw_pairs));
		s->scls = (int)PAIR_SRC(pair);
		s->dcls = (int)PAIR_DST(pair);
		fw_ports(g, s->scls, s->sp);
		fw_ports(g, s->dcls, s->dp);
	}
	s->slen = (int)pick(&g->rng, fw_slen, NELEM(fw_slen));
	s->dlen = (int)pick(&g->rng, fw_dlen, NELEM(fw_dlen));
	s->src = new_addr(g, true, s->slen, 70);
	s->dst = new_addr(g, false, s->dlen, 70);
	s->sinv = s->slen > 0 && rng_percent(&g->rng, 3);
	s->dinv = s->dlen > 0 && rng_percent(&g->rng, 2);
	fw_ifs(g, s);
	s->accept = rng_percent(&g->rng, 55);
}

static void
print_prefix(FILE *f, const char *opt, uint32_t a, int len, bool inv)
{
	if (len == 0)
		return;
	a &= mask_of(len);
	fprintf(f, "%s %s %u.%u.%u.%u/%d", inv ? " !" : "", opt, a >> 24,
	    (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, len);
}

static void
print_ports(FILE *f, const char *opt, int cls, const uint16_t r[2])
{
	if (cls == WC)
		return;
	if (r[0] == r[1])
		fprintf(f, " %s %u", opt, r[0]);
	else
		fprintf(f, " %s %u:%u", opt, r[0], r[1]);
}

static void
print_rule(FILE *f, const struct spec *s)
{
	const char *p;
	char	    num[8];

	fputs("-A FORWARD", f);
	print_prefix(f, "-s", s->src, s->slen, s->sinv);
	print_prefix(f, "-d", s->dst, s->dlen, s->dinv);
	if (s->iif != NULL)
		fprintf(f, "%s -i %s", s->iinv ? " !" : "", s->iif);
	if (s->oif != NULL)
		fprintf(f, " -o %s", s->oif);
	if (s->proto != 0) {
		p = s->proto == IPPROTO_TCP  ? "tcp" :
		    s->proto == IPPROTO_UDP  ? "udp" :
		    s->proto == IPPROTO_ICMP ? "icmp" :
					       NULL;
		if (p == NULL) {
			snprintf(num, sizeof(num), "%u", s->proto);
			p = num;
		}
		fprintf(f, " -p %s", p);
		if (s->scls != WC || s->dcls != WC)
			fprintf(f, " -m %s", p);
		print_ports(f, "--sport", s->scls, s->sp);
		print_ports(f, "--dport", s->dcls, s->dp);
	}
	fprintf(f, " -j %s\n", s->accept ? "ACCEPT" : "DROP");
}

const char *
cb_kind_name(enum cb_kind kind)
{
	return kind == CB_ACL ? "acl" : kind == CB_FW ? "fw" : "?";
}

/* Prefix bits a rule fixes; a negated prefix fixes none. */
static int
specificity(const struct spec *s)
{
	return (s->sinv ? 0 : s->slen) + (s->dinv ? 0 : s->dlen);
}

static int
by_specificity(const void *a, const void *b)
{
	const struct spec *x = a, *y = b;

	if (specificity(x) != specificity(y))
		return specificity(y) - specificity(x);
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * ClassBench's filter files list filters by decreasing sum of the prefix
 * lengths (as the files it generates show), so wide rules come last
 * and do not hide the narrow ones; rules are generated first, then
 * sorted so, stably.
 */
int
cb_generate(FILE *out, enum cb_kind kind, size_t nrules, uint64_t seed)
{
	struct gen g = { .rng = { seed } };
	size_t	   i;
	int	   rc = -1;

	if (kind != CB_ACL && kind != CB_FW) {
		fprintf(stderr, "cb_generate: unknown rule set kind %d\n",
		    (int)kind);
		return -1;
	}
	if ((g.rules = calloc(nrules + 1, sizeof(*g.rules))) == NULL) {
		fprintf(
		    stderr, "cb_generate: no memory for %zu rules\n", nrules);
		return -1;
	}
	for (g.n = 0; g.n < nrules; g.n++) {
		if (kind == CB_ACL)
			acl_rule(&g, &g.rules[g.n]);
		else
			fw_rule(&g, &g.rules[g.n]);
		g.rules[g.n].seq = g.n;
	}
	qsort(g.rules, nrules, sizeof(*g.rules), by_specificity);
	fprintf(out,
	    "# moat bench/classbench.c: %s kind, %zu rules, seed %llu\n"
	    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n"
	    ":OUTPUT ACCEPT [0:0]\n",
	    cb_kind_name(kind), nrules, (unsigned long long)seed);
	for (i = 0; i < nrules; i++)
		print_rule(out, &g.rules[i]);
	fputs("COMMIT\n", out);
	if (fflush(out) == EOF || ferror(out)) {
		fprintf(stderr, "cb_generate: writing the rule set failed\n");
		goto out;
	}
	rc = 0;
out:
	free(g.rules);
	return rc;
}

/*
 * The trace generator's view of a table: per chain, the hooks that reach
 * it and the jumps into it (entries[first[c] .. first[c] + nentry[c]));
 * the rules some hook reaches; the interface names rules speak of; and
 * the source MAC each -m mac rule binds to its source addresses.
 */
struct entry {
	const struct fw_rule *r;
	size_t		      from; /* the chain the jump is in */
};

struct reach {
	const struct fw_rule *r;
	size_t		      chain;
};

struct macbind {
	uint32_t lo, hi;
	uint8_t	 mac[6];
};

struct trace {
	struct rng	       rng;
	const struct fw_table *tb;
	unsigned int	      *hooks; /* 1 << FW_*, per chain */
	size_t		      *first, *nentry;
	struct entry	      *entries;
	struct reach	      *rules;
	size_t		       nrules;
	char (*names)[IFNAMSIZ];
	size_t		nnames;
	struct macbind *macs;
	size_t		nmacs;
	unsigned int	tabhooks; /* of the table's built-in chains */
};

static size_t
chain_index(const struct fw_table *tb, const struct fw_chain *c)
{
	size_t i;

	for (i = 0; i < tb->nchains && tb->chains[i] != c; i++)
		;
	return i;
}

/*
 * The hooks that reach each chain: a built-in chain's own, and for a user
 * chain those of every chain that jumps to it, until nothing changes
 * (rulesets are loop-free, so this ends).
 */
static void
chain_hooks(const struct fw_table *tb, unsigned int *mask)
{
	const struct fw_chain *c;
	size_t		       i, j, k;
	bool		       changed;

	for (i = 0; i < tb->nchains; i++)
		mask[i] =
		    tb->chains[i]->hook >= 0 ? 1u << tb->chains[i]->hook : 0;
	do {
		changed = false;
		for (i = 0; i < tb->nchains; i++) {
			c = tb->chains[i];
			for (j = 0; j < c->nrules; j++) {
				if (c->rules[j]->dest == NULL)
					continue;
				k = chain_index(tb, c->rules[j]->dest);
				if (k < tb->nchains &&
				    (mask[k] | mask[i]) != mask[k]) {
					mask[k] |= mask[i];
					changed = true;
				}
			}
		}
	} while (changed);
}

/* The jumps into each chain, grouped by the chain they lead to. */
static void
index_entries(struct trace *tr)
{
	const struct fw_table *tb = tr->tb;
	const struct fw_rule  *r;
	size_t		       i, j, k, at = 0;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++)
			if ((r = tb->chains[i]->rules[j])->dest != NULL &&
			    (k = chain_index(tb, r->dest)) < tb->nchains)
				tr->nentry[k]++;
	for (k = 0; k < tb->nchains; k++) {
		tr->first[k] = at;
		at += tr->nentry[k];
		tr->nentry[k] = 0;
	}
	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++)
			if ((r = tb->chains[i]->rules[j])->dest != NULL &&
			    (k = chain_index(tb, r->dest)) < tb->nchains)
				tr->entries[tr->first[k] + tr->nentry[k]++] =
				    (struct entry){ r, i };
}

/* A name that a rule's -i or -o pattern stands for, kept once. */
static void
add_name(struct trace *tr, const char *pat)
{
	char   name[IFNAMSIZ];
	size_t i, n = strlen(pat);

	if (n == 0)
		return;
	snprintf(name, sizeof(name), "%s", pat);
	if (name[n - 1] == '+') {
		if (n == 1)
			return;
		if (n < IFNAMSIZ - 1)
			name[n - 1] = '0';
		else
			name[n - 1] = '\0';
	}
	for (i = 0; i < tr->nnames; i++)
		if (strcmp(tr->names[i], name) == 0)
			return;
	memcpy(tr->names[tr->nnames++], name, IFNAMSIZ);
}

/*
 * A -m mac rule whose source is one range of addresses binds its MAC to
 * them: hosts on a LAN send with their own MAC, so a packet from such an
 * address carries it. The MAC is read back from the match's save
 * output, the one form of it outside match_pkt.c.
 */
static void
add_mac(struct trace *tr, const struct fw_rule *r, const struct fw_match *m)
{
	struct fw_box b;
	char	      buf[64] = "";
	const char   *at;
	FILE	     *f;

	if ((f = fmemopen(buf, sizeof(buf) - 1, "w")) == NULL)
		return;
	m->def->save(m->data, f);
	fclose(f);
	if (strncmp(buf, " !", 2) == 0 ||
	    (at = strstr(buf, "--mac-source ")) == NULL)
		return;
	fw_rule_box(r, &b, false);
	if (b.d[FW_DIM_SRC].n != 1 ||
	    fw_ivset_is_all(&b.d[FW_DIM_SRC], FW_DIM_SRC))
		return;
	if (fw_parse_mac(
		at + strlen("--mac-source "), tr->macs[tr->nmacs].mac) == -1)
		return;
	tr->macs[tr->nmacs].lo = b.d[FW_DIM_SRC].iv[0].lo;
	tr->macs[tr->nmacs++].hi = b.d[FW_DIM_SRC].iv[0].hi;
}

static int
by_lo(const void *a, const void *b)
{
	const struct macbind *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void
collect_rules(struct trace *tr)
{
	const struct fw_table *tb = tr->tb;
	const struct fw_rule  *r;
	size_t		       i, j, k;

	add_name(tr, "eth0");
	add_name(tr, "eth1");
	for (i = 0; i < tb->nchains; i++) {
		if (tb->chains[i]->hook >= 0)
			tr->tabhooks |= 1u << tb->chains[i]->hook;
		for (j = 0; j < tb->chains[i]->nrules; j++) {
			r = tb->chains[i]->rules[j];
			add_name(tr, r->iif);
			add_name(tr, r->oif);
			for (k = 0; k < r->nm; k++)
				if (strcmp(r->m[k].def->name, "mac") == 0)
					add_mac(tr, r, &r->m[k]);
			if (tr->hooks[i] != 0)
				tr->rules[tr->nrules++] =
				    (struct reach){ r, i };
		}
	}
	if (tr->tabhooks == 0)
		tr->tabhooks = 1u << FW_FORWARD;
	qsort(tr->macs, tr->nmacs, sizeof(*tr->macs), by_lo);
}

static void
trace_free(struct trace *tr)
{
	free(tr->hooks);
	free(tr->first);
	free(tr->nentry);
	free(tr->entries);
	free(tr->rules);
	free(tr->names);
	free(tr->macs);
}

static int
trace_init(struct trace *tr, const struct fw_ruleset *rs, enum fw_tableid t)
{
	const struct fw_table *tb = &rs->t[t];
	size_t		       i, n = 0, nc = tb->nchains + 1;

	tr->tb = tb;
	for (i = 0; i < tb->nchains; i++)
		n += tb->chains[i]->nrules;
	tr->hooks = calloc(nc, sizeof(*tr->hooks));
	tr->first = calloc(nc, sizeof(*tr->first));
	tr->nentry = calloc(nc, sizeof(*tr->nentry));
	tr->entries = calloc(n + 1, sizeof(*tr->entries));
	tr->rules = calloc(n + 1, sizeof(*tr->rules));
	tr->names = calloc(2 * n + 2, sizeof(*tr->names));
	tr->macs = calloc(n + 1, sizeof(*tr->macs));
	if (tr->hooks == NULL || tr->first == NULL || tr->nentry == NULL ||
	    tr->entries == NULL || tr->rules == NULL || tr->names == NULL ||
	    tr->macs == NULL) {
		fprintf(stderr, "cb_packets: no memory for %zu rules\n", n);
		return -1;
	}
	chain_hooks(tb, tr->hooks);
	index_entries(tr);
	collect_rules(tr);
	return 0;
}

/* One of the hooks in a mask, at random. */
static enum fw_hook
pick_hook(struct rng *r, unsigned int mask)
{
	int	     h, n = __builtin_popcount(mask);
	unsigned int k = (unsigned int)rng_below(r, (uint64_t)n);

	for (h = 0; h < FW_NHOOKS; h++)
		if ((mask & (1u << h)) && k-- == 0)
			break;
	return (enum fw_hook)h;
}

static bool
hook_has_in(enum fw_hook h)
{
	return h == FW_PREROUTING || h == FW_INPUT || h == FW_FORWARD;
}

static bool
hook_has_out(enum fw_hook h)
{
	return h == FW_FORWARD || h == FW_OUTPUT || h == FW_POSTROUTING;
}

static bool
ifc_admits(const struct fw_ifc *p, const char *name)
{
	return p->name[0] == '\0' || fw_iface_match(p->name, name) != p->inv;
}

/* A name that pattern p admits: the name itself, the prefix and a few
 * digits, or a known or made-up name outside a negated pattern. */
static void
ifname_for(struct trace *tr, const struct fw_ifc *p, char out[IFNAMSIZ])
{
	size_t n = strlen(p->name), extra;
	int    i;

	if (!p->inv && n > 0 && p->name[n - 1] != '+') {
		memcpy(out, p->name, IFNAMSIZ);
		return;
	}
	if (!p->inv && n > 1) {
		memcpy(out, p->name, n - 1);
		extra = (size_t)rng_below(&tr->rng, 3);
		if (n - 1 + extra > IFNAMSIZ - 1)
			extra = IFNAMSIZ - n;
		for (i = 0; i < (int)extra; i++)
			out[n - 1 + (size_t)i] =
			    (char)('0' + rng_below(&tr->rng, 10));
		out[n - 1 + extra] = '\0';
		return;
	}
	for (i = 0; i < 8; i++) {
		memcpy(
		    out, tr->names[rng_below(&tr->rng, tr->nnames)], IFNAMSIZ);
		if (ifc_admits(p, out))
			return;
	}
	for (i = 0; i < 8; i++) {
		snprintf(out, IFNAMSIZ, "cb%u",
		    (unsigned int)rng_below(&tr->rng, 1000));
		if (ifc_admits(p, out))
			return;
	}
}

/* A value of a set: a random point of a random interval, or one of its
 * ends. */
static uint32_t
ivset_pick(struct rng *r, const struct fw_ivset *s, bool corner)
{
	const struct fw_iv *iv = &s->iv[rng_below(r, s->n)];

	if (corner)
		return rng_below(r, 2) ? iv->hi : iv->lo;
	return iv->lo + (uint32_t)rng_below(r, (uint64_t)iv->hi - iv->lo + 1);
}

/* Traffic is mostly TCP, UDP and ICMP: take one of those when the rule
 * allows it, three times in four. */
static uint8_t
proto_pick(struct rng *r, const struct fw_ivset *s, bool corner)
{
	static const uint8_t common[] = { IPPROTO_TCP, IPPROTO_UDP,
		IPPROTO_ICMP };
	size_t		     i, start = (size_t)rng_below(r, NELEM(common));

	if (rng_percent(r, 75))
		for (i = 0; i < NELEM(common); i++)
			if (fw_ivset_contains(
				s, common[(start + i) % NELEM(common)]))
				return common[(start + i) % NELEM(common)];
	return (uint8_t)ivset_pick(r, s, corner);
}

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_SCTP;
}

/* The MAC bound to a source address, if any (macs is sorted by lo;
 * bindings are host addresses or small ranges, so a few steps back from
 * the last lo <= a suffice). */
static bool
bound_mac(const struct trace *tr, uint32_t a, uint8_t mac[6])
{
	size_t lo = 0, hi = tr->nmacs, mid, i;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tr->macs[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i > 0 && lo - i < 4; i--)
		if (tr->macs[i - 1].hi >= a) {
			memcpy(mac, tr->macs[i - 1].mac, 6);
			return true;
		}
	return false;
}

/* Fields outside the box, with fw_pkt_parse's defaults (pkt.c). */
static void
pkt_defaults(struct trace *tr, struct fw_pkt *pk)
{
	static const int icmp_types[] = { 8, 0, 3, 11 };
	uint64_t	 mac;

	pk->icmp_type = -1;
	if (pk->proto == IPPROTO_ICMP)
		pk->icmp_type =
		    icmp_types[rng_below(&tr->rng, NELEM(icmp_types))];
	if (pk->proto == IPPROTO_TCP)
		pk->tcp_flags = 0x02; /* SYN: a new connection */
	if (!has_ports(pk->proto))
		pk->sport = pk->dport = 0;
	pk->len = 100;
	pk->ttl = 64;
	pk->pkttype = FW_PKTTYPE_UNICAST;
	pk->src_type = pk->dst_type = 1u << 1; /* RTN_UNICAST */
	pk->src.af = pk->dst.af = AF_INET;
	/* A frame that arrives by an interface carries its sender's MAC:
	 * the bound one, or a random locally administered unicast one. */
	if (pk->in[0] != '\0') {
		pk->has_mac = true;
		if (bound_mac(tr, ntohl(pk->src.u.v4.s_addr), pk->mac))
			return;
		mac = rng_next(&tr->rng);
		memcpy(pk->mac, &mac, sizeof(pk->mac));
		pk->mac[0] = (uint8_t)((pk->mac[0] & 0xfc) | 0x02);
	}
}

static void
random_packet(struct trace *tr, struct fw_pkt *pk)
{
	struct fw_ivset all;
	struct fw_ifc	any = { "", false };

	memset(pk, 0, sizeof(*pk));
	pk->hook = pick_hook(&tr->rng, tr->tabhooks);
	pk->src.u.v4.s_addr = (uint32_t)rng_next(&tr->rng);
	pk->dst.u.v4.s_addr = (uint32_t)rng_next(&tr->rng);
	fw_ivset_all(&all, FW_DIM_PROTO);
	pk->proto = proto_pick(&tr->rng, &all, false);
	pk->sport = (uint16_t)rng_next(&tr->rng);
	pk->dport = (uint16_t)rng_next(&tr->rng);
	if (hook_has_in(pk->hook))
		ifname_for(tr, &any, pk->in);
	if (hook_has_out(pk->hook))
		ifname_for(tr, &any, pk->out);
	pkt_defaults(tr, pk);
}

/*
 * A rule in a user chain sees only the packets that the jumps into its
 * chain let through: narrow its box by a random jump into the chain, and
 * so on up to a built-in chain, as long as the box stays non-empty.
 * Returns the hooks that reach the chain where the walk stopped.
 */
static unsigned int
narrow_by_path(struct trace *tr, size_t c, struct fw_box *b)
{
	const struct entry *e;
	struct fw_box	    jb, before;
	int		    depth;

	for (depth = 0;
	     depth < 16 && tr->tb->chains[c]->hook < 0 && tr->nentry[c] > 0;
	     depth++) {
		e = &tr->entries[tr->first[c] +
		    rng_below(&tr->rng, tr->nentry[c])];
		if (tr->hooks[e->from] == 0)
			break;
		fw_rule_box(e->r, &jb, false);
		before = *b;
		fw_box_meet(b, &jb);
		if (fw_box_empty(b)) {
			*b = before;
			break;
		}
		c = e->from;
	}
	return tr->hooks[c];
}

/* A rule worth aiming at: one that a new, cleartext packet can match. */
static bool
usable(const struct fw_box *b)
{
	return !fw_box_empty(b) && (b->ctstate & FW_CT_NEW) &&
	    (b->ipsec_in & FW_BOX_PLAIN) && (b->ipsec_out & FW_BOX_PLAIN);
}

static void
rule_packet(struct trace *tr, bool corner, struct fw_pkt *pk)
{
	const struct reach *re;
	struct fw_box	    b;
	unsigned int	    hooks;
	int		    tries;

	for (tries = 0;; tries++) {
		re = &tr->rules[rng_below(&tr->rng, tr->nrules)];
		fw_rule_box(re->r, &b, false);
		if (usable(&b) || tries == 3)
			break;
	}
	if (fw_box_empty(&b)) {
		random_packet(tr, pk);
		return;
	}
	hooks = narrow_by_path(tr, re->chain, &b);
	memset(pk, 0, sizeof(*pk));
	pk->hook = pick_hook(&tr->rng, hooks);
	pk->src.u.v4.s_addr =
	    htonl(ivset_pick(&tr->rng, &b.d[FW_DIM_SRC], corner));
	pk->dst.u.v4.s_addr =
	    htonl(ivset_pick(&tr->rng, &b.d[FW_DIM_DST], corner));
	pk->proto = proto_pick(&tr->rng, &b.d[FW_DIM_PROTO], corner);
	pk->sport = (uint16_t)ivset_pick(&tr->rng, &b.d[FW_DIM_SPORT], corner);
	pk->dport = (uint16_t)ivset_pick(&tr->rng, &b.d[FW_DIM_DPORT], corner);
	if (hook_has_in(pk->hook))
		ifname_for(tr, &b.iif, pk->in);
	if (hook_has_out(pk->hook))
		ifname_for(tr, &b.oif, pk->out);
	pkt_defaults(tr, pk);
}

size_t
cb_packets(const struct fw_ruleset *rs, enum fw_tableid t, struct fw_pkt *out,
    size_t n, uint64_t seed)
{
	struct trace tr = { .rng = { seed } };
	size_t	     i;
	unsigned int kind;

	if (trace_init(&tr, rs, t) == -1) {
		n = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* 70% inside a rule, 20% at a corner of one, 10% random. */
		kind = (unsigned int)rng_below(&tr.rng, 10);
		if (kind == 9 || tr.nrules == 0)
			random_packet(&tr, &out[i]);
		else
			rule_packet(&tr, kind >= 7, &out[i]);
	}
out:
	trace_free(&tr);
	return n;
}
