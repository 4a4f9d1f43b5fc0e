/*
 * The protocol matches tcp, udp and icmp, and multiport. Options, their
 * limits and the save format follow iptables-extensions(8) and libxt_tcp,
 * libxt_udp, libxt_icmp and libxt_multiport of iptables 1.8.9; a non-first
 * fragment never matches them (xt_tcpudp.c, xt_multiport.c).
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "box.h"
#include "fw_int.h"

/* "P", "P:Q", "P:" (to 65535) or ":Q" (from 0); numbers only. A reversed
 * range is refused unless reversed_ok (libxt_udp accepts one: it never
 * matches). */
int
fw_parse_range(struct fw_parse *p, const char *opt, const char *s,
    uint16_t range[2], bool reversed_ok)
{
	char	  buf[32], *colon;
	uintmax_t lo = 0, hi = 65535;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((colon = strchr(buf, ':')) != NULL)
		*colon++ = '\0';
	if ((buf[0] != '\0' && ipt_strtoui(buf, 0, 65535, &lo) == -1) ||
	    (colon != NULL && *colon != '\0' &&
		ipt_strtoui(colon, 0, 65535, &hi) == -1) ||
	    (colon == NULL && buf[0] == '\0')) {
		fw_error(p->diag,
		    "%s '%s': invalid port or range (numbers "
		    "0-65535, 'P:Q'; service names are not looked up)",
		    opt, s);
		return -1;
	}
	if (colon == NULL)
		hi = lo;
	if (lo > hi && !reversed_ok) {
		fw_error(p->diag, "%s '%s': invalid range (min > max)", opt, s);
		return -1;
	}
	range[0] = (uint16_t)lo;
	range[1] = (uint16_t)hi;
	return 0;
}

int
fw_parse_ports(
    struct fw_parse *p, const char *opt, const char *s, uint16_t range[2])
{
	return fw_parse_range(p, opt, s, range, false);
}

static void
save_ports(FILE *f, const char *opt, const uint16_t r[2], bool inv)
{
	if (r[0] == 0 && r[1] == 65535)
		return;
	fprintf(f, "%s %s %u", inv ? " !" : "", opt, r[0]);
	if (r[1] != r[0])
		fprintf(f, ":%u", r[1]);
}

static bool
in_range(uint16_t v, const uint16_t r[2], bool inv)
{
	return (v >= r[0] && v <= r[1]) != inv;
}

/* tcp and udp share the port part. */
struct tcpudp {
	uint16_t spts[2], dpts[2];
	bool	 has_s, has_d;
	bool	 inv_s, inv_d;
	uint8_t	 fmask, fcmp;
	bool	 inv_f, has_f;
	uint8_t	 option;
	bool	 has_opt, inv_opt;
};

enum { T_SPORT, T_DPORT, T_FLAGS, T_SYN, T_OPTION };

static const struct fw_opt tcp_opts[] = { { "sport", T_SPORT, 1, true },
	{ "source-port", T_SPORT, 1, true }, { "dport", T_DPORT, 1, true },
	{ "destination-port", T_DPORT, 1, true },
	{ "tcp-flags", T_FLAGS, 2, true }, { "syn", T_SYN, 0, true },
	{ "tcp-option", T_OPTION, 1, true }, { NULL, 0, 0, false } };

static const struct fw_opt udp_opts[] = { { "sport", T_SPORT, 1, true },
	{ "source-port", T_SPORT, 1, true }, { "dport", T_DPORT, 1, true },
	{ "destination-port", T_DPORT, 1, true }, { NULL, 0, 0, false } };

/* libxt_tcp's names, in the order its printer walks them. */
static const struct {
	const char *name;
	uint8_t	    bits;
} tcp_flags[] = {
	{ "FIN", 0x01 },
	{ "SYN", 0x02 },
	{ "RST", 0x04 },
	{ "PSH", 0x08 },
	{ "ACK", 0x10 },
	{ "URG", 0x20 },
	{ "ALL", 0x3f },
	{ "NONE", 0 },
};

int
fw_parse_tcp_flags(const char *s, uint8_t *out)
{
	char   buf[128], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(tcp_flags) / sizeof(tcp_flags[0]); i++)
			if (strcasecmp(tok, tcp_flags[i].name) == 0)
				break;
		if (i == sizeof(tcp_flags) / sizeof(tcp_flags[0]))
			return -1;
		*out |= tcp_flags[i].bits;
	}
	return 0;
}

void
fw_save_tcp_flags(FILE *f, uint8_t v)
{
	bool   any = false;
	size_t i;

	fputc(' ', f);
	while (v != 0) {
		for (i = 0; !(v & tcp_flags[i].bits); i++)
			;
		fprintf(f, "%s%s", any ? "," : "", tcp_flags[i].name);
		any = true;
		v &= (uint8_t)~tcp_flags[i].bits;
	}
	if (!any)
		fputs("NONE", f);
}

static int
tcp_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct tcpudp *t = d;

	switch (id) {
	case T_SPORT:
		t->inv_s = inv;
		t->has_s = true;
		return fw_parse_ports(p, "--sport", args[0], t->spts);
	case T_DPORT:
		t->inv_d = inv;
		t->has_d = true;
		return fw_parse_ports(p, "--dport", args[0], t->dpts);
	case T_FLAGS:
	case T_SYN:
		if (t->has_f) {
			fw_error(p->diag,
			    "only one of --tcp-flags and --syn "
			    "may be given");
			return -1;
		}
		t->has_f = true;
		t->inv_f = inv;
		if (id == T_SYN) {
			t->fmask = 0x17; /* FIN,SYN,RST,ACK */
			t->fcmp = 0x02;
			return 0;
		}
		if (fw_parse_tcp_flags(args[0], &t->fmask) == -1 ||
		    fw_parse_tcp_flags(args[1], &t->fcmp) == -1) {
			fw_error(p->diag,
			    "--tcp-flags '%s' '%s': unknown flag "
			    "(FIN SYN RST PSH ACK URG ALL NONE)",
			    args[0], args[1]);
			return -1;
		}
		return 0;
	case T_OPTION: {
		uintmax_t v;

		if (ipt_strtoui(args[0], 1, 255, &v) == -1) {
			fw_error(p->diag,
			    "--tcp-option '%s': a number from 1 "
			    "to 255",
			    args[0]);
			return -1;
		}
		t->option = (uint8_t)v;
		t->has_opt = true;
		t->inv_opt = inv;
		return 0;
	}
	}
	return -1;
}

/*
 * Port ranges as iptables-save (nf_tables) prints them back: none given is
 * the full range; the full range, negated or not, disappears; a negated
 * range from 0 becomes the rest (! 0:53 is 54:65535). All mean the same.
 */
static void
normalize_ports(uint16_t r[2], bool given, bool *inv)
{
	if (!given || (r[0] == 0 && r[1] == 65535)) {
		r[0] = 0;
		r[1] = 65535;
		*inv = false;
	} else if (*inv && r[0] == 0 && r[1] > 0) {
		r[0] = r[1] + 1;
		r[1] = 65535;
		*inv = false;
	}
}

static int
tcpudp_final(struct fw_parse *p, void *d, uint8_t proto, const char *name)
{
	struct tcpudp *t = d;

	normalize_ports(t->spts, t->has_s, &t->inv_s);
	normalize_ports(t->dpts, t->has_d, &t->inv_d);
	if (t->has_f && t->fmask == 0 && !t->inv_f)
		t->has_f = false; /* NONE NONE: always true */
	if (p->rule->proto != proto || (p->rule->inv & FW_INV_PROTO)) {
		fw_error(
		    p->diag, "-m %s needs -p %s (without '!')", name, name);
		return -1;
	}
	return 0;
}

static int
tcp_final(struct fw_parse *p, void *d)
{
	return tcpudp_final(p, d, IPPROTO_TCP, "tcp");
}

static int
udp_final(struct fw_parse *p, void *d)
{
	return tcpudp_final(p, d, IPPROTO_UDP, "udp");
}

static void
tcp_save(const void *d, FILE *f)
{
	const struct tcpudp *t = d;

	save_ports(f, "--sport", t->spts, t->inv_s);
	save_ports(f, "--dport", t->dpts, t->inv_d);
	/* libxt_tcp's order puts the option before the flags. */
	if (t->has_opt)
		fprintf(
		    f, "%s --tcp-option %u", t->inv_opt ? " !" : "", t->option);
	if (t->has_f) {
		fprintf(f, "%s --tcp-flags", t->inv_f ? " !" : "");
		fw_save_tcp_flags(f, t->fmask);
		fw_save_tcp_flags(f, t->fcmp);
	}
}

static bool
tcpudp_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct tcpudp *t = d;

	(void)ev;
	if (pk->fragment)
		return false;
	return in_range(pk->sport, t->spts, t->inv_s) &&
	    in_range(pk->dport, t->dpts, t->inv_d) &&
	    (!t->has_f || ((pk->tcp_flags & t->fmask) == t->fcmp) != t->inv_f);
}

static int
udp_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct tcpudp *t = d;

	if (id == T_SPORT || id == T_DPORT) {
		*(id == T_SPORT ? &t->inv_s : &t->inv_d) = inv;
		*(id == T_SPORT ? &t->has_s : &t->has_d) = true;
		return fw_parse_range(p, id == T_SPORT ? "--sport" : "--dport",
		    args[0], id == T_SPORT ? t->spts : t->dpts, true);
	}
	return tcp_parse(p, d, id, args, inv);
}

/*
 * iptables-nft turns a tcp or udp match into native nftables expressions,
 * and prints all of a rule's native ones back as one match at the first
 * one's place; a later port or flag given again replaces the earlier. A
 * tcp match with --tcp-option, or with no option at all, stays an
 * xtables match where it is (all checked against iptables-save).
 */
static bool
full(const uint16_t r[2])
{
	return r[0] == 0 && r[1] == 65535;
}

/* Whether a tcp or udp match is native: it has an expression (ports that
 * are not the full range, flags that are not NONE NONE) and no option. */
static bool
native(const struct tcpudp *t)
{
	return !t->has_opt && (!full(t->spts) || !full(t->dpts) || t->has_f);
}

static int
tcpudp_merge(struct fw_parse *p, void *into, const void *from)
{
	struct tcpudp	    *a = into;
	const struct tcpudp *b = from;

	if (!native(a) || !native(b))
		return -1;
	if ((!full(a->spts) && !full(b->spts)) ||
	    (!full(a->dpts) && !full(b->dpts)) || (a->has_f && b->has_f))
		fw_warn(p->diag,
		    "a repeated -m tcp/-m udp replaces ports or "
		    "flags given before: iptables (nf_tables) merges them "
		    "into one match");
	if (!full(b->spts)) {
		memcpy(a->spts, b->spts, sizeof(a->spts));
		a->inv_s = b->inv_s;
	}
	if (!full(b->dpts)) {
		memcpy(a->dpts, b->dpts, sizeof(a->dpts));
		a->inv_d = b->inv_d;
	}
	if (b->has_f) {
		a->fmask = b->fmask;
		a->fcmp = b->fcmp;
		a->inv_f = b->inv_f;
		a->has_f = true;
	}
	return 0;
}

static const char *
tcp_unsupported(const void *d)
{
	const struct tcpudp *t = d;

	return t->has_opt ? "--tcp-option (packets carry no TCP options)" :
			    NULL;
}

static void
range_box(struct fw_box *b, enum fw_dim d, const uint16_t r[2], bool inv)
{
	struct fw_ivset s;

	fw_ivset_range(&s, r[0], r[1]);
	fw_box_narrow(b, d, &s, inv);
}

/* Fragments never match; the box speaks of first fragments only. */
static void
tcpudp_box(const void *d, struct fw_box *b)
{
	const struct tcpudp *t = d;

	range_box(b, FW_DIM_SPORT, t->spts, t->inv_s);
	range_box(b, FW_DIM_DPORT, t->dpts, t->inv_d);
	if (t->has_f || t->has_opt)
		b->exact = false;
}

const struct fw_matchdef fw_match_tcp = {
	.name = "tcp",
	.opts = tcp_opts,
	.size = sizeof(struct tcpudp),
	.parse = tcp_parse,
	.final = tcp_final,
	.save = tcp_save,
	.match = tcpudp_match,
	.box = tcpudp_box,
	.unsupported = tcp_unsupported,
	.merge = tcpudp_merge,
};

const struct fw_matchdef fw_match_udp = {
	.name = "udp",
	.opts = udp_opts,
	.size = sizeof(struct tcpudp),
	.parse = udp_parse,
	.final = udp_final,
	.save = tcp_save,
	.match = tcpudp_match,
	.box = tcpudp_box,
	.merge = tcpudp_merge,
};

/* ICMP types by name, as libxt_icmp lists them (RFC 792 and successors). */
static const struct {
	const char *name;
	uint8_t	    type, lo, hi;
} icmp_names[] = {
	{ "any", 0xff, 0, 0xff },
	{ "echo-reply", 0, 0, 0xff },
	{ "destination-unreachable", 3, 0, 0xff },
	{ "network-unreachable", 3, 0, 0 },
	{ "host-unreachable", 3, 1, 1 },
	{ "protocol-unreachable", 3, 2, 2 },
	{ "port-unreachable", 3, 3, 3 },
	{ "fragmentation-needed", 3, 4, 4 },
	{ "source-route-failed", 3, 5, 5 },
	{ "network-unknown", 3, 6, 6 },
	{ "host-unknown", 3, 7, 7 },
	{ "network-prohibited", 3, 9, 9 },
	{ "host-prohibited", 3, 10, 10 },
	{ "TOS-network-unreachable", 3, 11, 11 },
	{ "TOS-host-unreachable", 3, 12, 12 },
	{ "communication-prohibited", 3, 13, 13 },
	{ "host-precedence-violation", 3, 14, 14 },
	{ "precedence-cutoff", 3, 15, 15 },
	{ "source-quench", 4, 0, 0xff },
	{ "redirect", 5, 0, 0xff },
	{ "network-redirect", 5, 0, 0 },
	{ "host-redirect", 5, 1, 1 },
	{ "TOS-network-redirect", 5, 2, 2 },
	{ "TOS-host-redirect", 5, 3, 3 },
	{ "echo-request", 8, 0, 0xff },
	{ "router-advertisement", 9, 0, 0xff },
	{ "router-solicitation", 10, 0, 0xff },
	{ "time-exceeded", 11, 0, 0xff },
	{ "ttl-zero-during-transit", 11, 0, 0 },
	{ "ttl-zero-during-reassembly", 11, 1, 1 },
	{ "parameter-problem", 12, 0, 0xff },
	{ "ip-header-bad", 12, 0, 0 },
	{ "required-option-missing", 12, 1, 1 },
	{ "timestamp-request", 13, 0, 0xff },
	{ "timestamp-reply", 14, 0, 0xff },
	{ "address-mask-request", 17, 0, 0xff },
	{ "address-mask-reply", 18, 0, 0xff },
};

struct icmp {
	uint8_t type, code[2];
	bool	inv;
	bool	given;
};

static const struct fw_opt icmp_opts[] = { { "icmp-type", 0, 1, true },
	{ NULL, 0, 0, false } };

static int
icmp_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct icmp *ic = d;
	char	     buf[64], *slash;
	uintmax_t    t, c;
	size_t	     i;

	(void)id;
	ic->inv = inv;
	ic->given = true;
	for (i = 0; i < sizeof(icmp_names) / sizeof(icmp_names[0]); i++)
		if (strcasecmp(args[0], icmp_names[i].name) == 0) {
			ic->type = icmp_names[i].type;
			ic->code[0] = icmp_names[i].lo;
			ic->code[1] = icmp_names[i].hi;
			return 0;
		}
	snprintf(buf, sizeof(buf), "%s", args[0]);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (ipt_strtoui(buf, 0, 255, &t) == -1 ||
	    (slash != NULL && ipt_strtoui(slash, 0, 255, &c) == -1)) {
		fw_error(p->diag,
		    "--icmp-type '%s': not a type name, TYPE or "
		    "TYPE/CODE",
		    args[0]);
		return -1;
	}
	ic->type = (uint8_t)t;
	ic->code[0] = slash != NULL ? (uint8_t)c : 0;
	ic->code[1] = slash != NULL ? (uint8_t)c : 0xff;
	return 0;
}

static int
icmp_final(struct fw_parse *p, void *d)
{
	struct icmp *ic = d;

	if (!ic->given) {
		fw_error(p->diag, "-m icmp needs --icmp-type");
		return -1;
	}
	if (p->rule->proto != IPPROTO_ICMP || (p->rule->inv & FW_INV_PROTO)) {
		fw_error(p->diag, "-m icmp needs -p icmp (without '!')");
		return -1;
	}
	return 0;
}

static void
icmp_save(const void *d, FILE *f)
{
	const struct icmp *ic = d;

	fprintf(f, "%s --icmp-type", ic->inv ? " !" : "");
	if (ic->type == 0xff) {
		fputs(" any", f);
		return;
	}
	fprintf(f, " %u", ic->type);
	if (ic->code[0] != 0 || ic->code[1] != 0xff)
		fprintf(f, "/%u", ic->code[0]);
}

static bool
icmp_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct icmp *ic = d;
	bool		   m;

	(void)ev;
	if (pk->fragment || pk->icmp_type < 0)
		return false;
	m = ic->type == 0xff ||
	    (pk->icmp_type == ic->type && pk->icmp_code >= ic->code[0] &&
		pk->icmp_code <= ic->code[1]);
	return m != ic->inv;
}

/* Types are not a field of the box; even "any" needs an ICMP header. */
static void
icmp_box(const void *d, struct fw_box *b)
{
	(void)d;
	b->exact = false;
}

const struct fw_matchdef fw_match_icmp = {
	.name = "icmp",
	.opts = icmp_opts,
	.size = sizeof(struct icmp),
	.parse = icmp_parse,
	.final = icmp_final,
	.save = icmp_save,
	.match = icmp_match,
	.box = icmp_box,
};

/* multiport (revision 1): up to 15 ports, a range counting as two. */
#define MP_MAX 15

struct multiport {
	int	 which; /* M_SRC, M_DST, M_ANY */
	bool	 inv;
	int	 n;
	uint16_t port[MP_MAX];
	bool	 range[MP_MAX]; /* port[i]:port[i+1] */
};

enum { M_SRC, M_DST, M_ANY };

static const struct fw_opt multiport_opts[] = { { "sports", M_SRC, 1, true },
	{ "source-ports", M_SRC, 1, true }, { "dports", M_DST, 1, true },
	{ "destination-ports", M_DST, 1, true }, { "ports", M_ANY, 1, true },
	{ NULL, 0, 0, false } };

static int multiport_proto_check(struct fw_parse *);

static const char *const mp_optname[] = { "--sports", "--dports", "--ports" };

static int
multiport_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct multiport *mp = d;
	char		  buf[512], *tok, *save = NULL;
	uint16_t	  r[2];

	if (mp->n > 0) {
		fw_error(p->diag,
		    "multiport takes only one of --sports, "
		    "--dports and --ports");
		return -1;
	}
	/* libxt_multiport checks -p when the option is parsed, so a -p that
	 * comes later does not count. */
	if (multiport_proto_check(p) == -1)
		return -1;
	mp->which = id;
	mp->inv = inv;
	snprintf(buf, sizeof(buf), "%s", args[0]);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (fw_parse_ports(p, mp_optname[id], tok, r) == -1)
			return -1;
		if (mp->n + (r[0] != r[1] || strchr(tok, ':') ? 2 : 1) >
		    MP_MAX) {
			fw_error(p->diag,
			    "%s '%s': too many ports specified "
			    "(at most %d, a range counts twice)",
			    mp_optname[id], args[0], MP_MAX);
			return -1;
		}
		mp->port[mp->n] = r[0];
		if (strchr(tok, ':') != NULL) {
			mp->range[mp->n++] = true;
			mp->port[mp->n] = r[1];
		}
		mp->n++;
	}
	return 0;
}

static int
multiport_proto_check(struct fw_parse *p)
{
	uint8_t pr = p->rule->proto;

	if ((pr != IPPROTO_TCP && pr != IPPROTO_UDP && pr != 132 && pr != 33 &&
		pr != 136) ||
	    (p->rule->inv & FW_INV_PROTO)) {
		fw_error(p->diag,
		    "multiport needs -p tcp, udp, udplite, sctp "
		    "or dccp before it");
		return -1;
	}
	return 0;
}

static int
multiport_final(struct fw_parse *p, void *d)
{
	struct multiport *mp = d;

	if (mp->n == 0) {
		fw_error(p->diag,
		    "multiport needs --sports, --dports or "
		    "--ports");
		return -1;
	}
	return 0;
}

static void
multiport_save(const void *d, FILE *f)
{
	const struct multiport *mp = d;
	int			i;

	fprintf(f, "%s %s ", mp->inv ? " !" : "", mp_optname[mp->which]);
	for (i = 0; i < mp->n; i++) {
		fprintf(f, "%s%u", i > 0 ? "," : "", mp->port[i]);
		if (mp->range[i])
			fprintf(f, ":%u", mp->port[++i]);
	}
}

static bool
multiport_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct multiport *mp = d;
	uint16_t		lo, hi;
	bool			m = false;
	int			i;

	(void)ev;
	if (pk->fragment)
		return false;
	for (i = 0; i < mp->n && !m; i++) {
		lo = hi = mp->port[i];
		if (mp->range[i])
			hi = mp->port[++i];
		if (mp->which != M_DST && pk->sport >= lo && pk->sport <= hi)
			m = true;
		if (mp->which != M_SRC && pk->dport >= lo && pk->dport <= hi)
			m = true;
	}
	return m != mp->inv;
}

/* --ports is either port in the set: a box only when negated (neither
 * is). */
static void
multiport_box(const void *d, struct fw_box *b)
{
	const struct multiport *mp = d;
	struct fw_ivset		s = { 0 };
	int			i;

	for (i = 0; i < mp->n; i++) {
		fw_ivset_add(
		    &s, mp->port[i], mp->port[mp->range[i] ? i + 1 : i]);
		if (mp->range[i])
			i++;
	}
	if (mp->which != M_DST && (mp->which == M_SRC || mp->inv))
		fw_box_narrow(b, FW_DIM_SPORT, &s, mp->inv);
	if (mp->which != M_SRC && (mp->which == M_DST || mp->inv))
		fw_box_narrow(b, FW_DIM_DPORT, &s, mp->inv);
	if (mp->which == M_ANY && !mp->inv)
		b->exact = false;
}

const struct fw_matchdef fw_match_multiport = {
	.name = "multiport",
	.opts = multiport_opts,
	.size = sizeof(struct multiport),
	.parse = multiport_parse,
	.final = multiport_final,
	.save = multiport_save,
	.match = multiport_match,
	.box = multiport_box,
};
