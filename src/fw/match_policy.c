/*
 * -m policy: the IPsec policy a packet was decapsulated by (--dir in) or
 * will be encapsulated by (--dir out). Semantics of Linux xt_policy.c:
 *
 *  - --pol none matches packets without a security path; --pol ipsec those
 *    with one; elements then say which SAs.
 *  - An element matches an SA if each field it gives (reqid, spi, proto,
 *    mode, tunnel-src, tunnel-dst) equals the SA's, each negatable alone.
 *  - Without --strict the rule matches if any SA of the path matches the
 *    first element. With --strict the path must have exactly as many SAs
 *    as there are elements and element k must match SA k, where outbound
 *    counts SAs from the outermost, and inbound from the innermost (the
 *    last one removed): this is the kernel after upstream's "fix strict
 *    mode inbound policy matching", which replaced the position
 *    i - len + 1 (negative for all but one SA) by len - i - 1.
 *  - --dir in is refused in OUTPUT and POSTROUTING, --dir out in
 *    PREROUTING and INPUT (policy_mt_check), also for user chains reached
 *    from there.
 * Option rules of libxt_policy 1.8.9: --dir and --pol are required, at
 * most 4 elements, --next only with --strict, --pol none takes no
 * elements, --tunnel-src/--tunnel-dst need --mode tunnel.
 */
#include <netinet/in.h>
#include <string.h>

#include "box.h"
#include "fw_int.h"

#define POL_MAXELEM 4

enum {
	P_DIR,
	P_POL,
	P_STRICT,
	P_REQID,
	P_SPI,
	P_PROTO,
	P_MODE,
	P_TSRC,
	P_TDST,
	P_NEXT
};

/* Field bits of an element; each may be given and negated on its own. */
#define F_REQID 0x01
#define F_SPI 0x02
#define F_PROTO 0x04
#define F_MODE 0x08
#define F_TSRC 0x10
#define F_TDST 0x20

struct pol_elem {
	unsigned int	   given, inv;
	uint32_t	   reqid, spi;
	uint8_t		   proto;
	enum fw_ipsec_mode mode;
	struct prefix	   tsrc, tdst;
};

struct policy {
	int		dir; /* 0 unset, 1 in, 2 out */
	int		pol; /* 0 unset, 1 none, 2 ipsec */
	bool		strict;
	int		n; /* elements used */
	struct pol_elem e[POL_MAXELEM];
};

static const struct fw_opt policy_opts[] = { { "dir", P_DIR, 1, 0 },
	{ "pol", P_POL, 1, 0 }, { "strict", P_STRICT, 0, 0 },
/* Element fields repeat across --next; elem_field checks each. */
#define INVREP (FW_OPT_INV | FW_OPT_REPEAT)
	{ "reqid", P_REQID, 1, INVREP }, { "spi", P_SPI, 1, INVREP },
	{ "proto", P_PROTO, 1, INVREP }, { "mode", P_MODE, 1, INVREP },
	{ "tunnel-src", P_TSRC, 1, INVREP },
	{ "tunnel-dst", P_TDST, 1, INVREP },
	{ "next", P_NEXT, 0, FW_OPT_REPEAT },
#undef INVREP
	{ NULL, 0, 0, false } };

static int
elem_field(struct fw_parse *p, struct policy *pl, unsigned int bit,
    const char *opt, bool inv, struct pol_elem **e)
{
	if (pl->n == 0)
		pl->n = 1;
	*e = &pl->e[pl->n - 1];
	if ((*e)->given & bit) {
		fw_error(p->diag,
		    "policy: %s given twice in one element (use "
		    "--next to start another)",
		    opt);
		return -1;
	}
	(*e)->given |= bit;
	(*e)->inv |= inv ? bit : 0;
	return 0;
}

static int
policy_addr(
    struct fw_parse *p, const char *opt, const char *s, struct prefix *out)
{
	unsigned int flags;
	const char  *why;

	if (ipt_prefix_parse(AF_INET, s, out, &flags, &why) == -1) {
		fw_error(p->diag, "policy: %s '%s': %s", opt, s, why);
		return -1;
	}
	return 0;
}

static int
policy_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct policy	*pl = d;
	struct pol_elem *e;
	uintmax_t	 v;

	switch (id) {
	case P_DIR:
		if (strcmp(args[0], "in") != 0 && strcmp(args[0], "out") != 0) {
			fw_error(
			    p->diag, "policy: --dir '%s': in or out", args[0]);
			return -1;
		}
		pl->dir = strcmp(args[0], "in") == 0 ? 1 : 2;
		return 0;
	case P_POL:
		if (strcmp(args[0], "none") != 0 &&
		    strcmp(args[0], "ipsec") != 0) {
			fw_error(p->diag, "policy: --pol '%s': none or ipsec",
			    args[0]);
			return -1;
		}
		pl->pol = strcmp(args[0], "none") == 0 ? 1 : 2;
		return 0;
	case P_STRICT:
		pl->strict = true;
		return 0;
	case P_NEXT:
		if (pl->n == 0 || pl->e[pl->n - 1].given == 0) {
			fw_error(p->diag,
			    "policy: --next before any element "
			    "field");
			return -1;
		}
		if (pl->n == POL_MAXELEM) {
			fw_error(p->diag, "policy: at most %d elements",
			    POL_MAXELEM);
			return -1;
		}
		pl->n++;
		return 0;
	case P_REQID:
	case P_SPI:
		if (elem_field(p, pl, id == P_REQID ? F_REQID : F_SPI,
			id == P_REQID ? "--reqid" : "--spi", inv, &e) == -1)
			return -1;
		if (ipt_strtoui(args[0], 0, UINT32_MAX, &v) == -1) {
			fw_error(p->diag, "policy: %s '%s': a 32-bit number",
			    id == P_REQID ? "--reqid" : "--spi", args[0]);
			return -1;
		}
		*(id == P_REQID ? &e->reqid : &e->spi) = (uint32_t)v;
		return 0;
	case P_PROTO:
		if (elem_field(p, pl, F_PROTO, "--proto", inv, &e) == -1)
			return -1;
		if (fw_parse_proto(args[0], &e->proto) == -1 ||
		    (e->proto != IPPROTO_ESP && e->proto != IPPROTO_AH &&
			e->proto != IPPROTO_COMP)) {
			fw_error(p->diag,
			    "policy: --proto '%s': esp, ah or "
			    "ipcomp",
			    args[0]);
			return -1;
		}
		return 0;
	case P_MODE:
		if (elem_field(p, pl, F_MODE, "--mode", inv, &e) == -1)
			return -1;
		if (strcmp(args[0], "tunnel") != 0 &&
		    strcmp(args[0], "transport") != 0) {
			fw_error(p->diag,
			    "policy: --mode '%s': tunnel or "
			    "transport",
			    args[0]);
			return -1;
		}
		e->mode = strcmp(args[0], "tunnel") == 0 ? FW_MODE_TUNNEL :
							   FW_MODE_TRANSPORT;
		return 0;
	case P_TSRC:
	case P_TDST:
		if (elem_field(p, pl, id == P_TSRC ? F_TSRC : F_TDST,
			id == P_TSRC ? "--tunnel-src" : "--tunnel-dst", inv,
			&e) == -1)
			return -1;
		return policy_addr(p,
		    id == P_TSRC ? "--tunnel-src" : "--tunnel-dst", args[0],
		    id == P_TSRC ? &e->tsrc : &e->tdst);
	}
	return -1;
}

static int
policy_final(struct fw_parse *p, void *d)
{
	struct policy *pl = d;
	int	       i;

	if (pl->dir == 0) {
		fw_error(p->diag, "policy: --dir in or --dir out is required");
		return -1;
	}
	if (pl->pol == 0) {
		fw_error(p->diag,
		    "policy: --pol none or --pol ipsec is "
		    "required");
		return -1;
	}
	if (pl->pol == 1 && (pl->n > 0 || pl->strict)) {
		/* iptables accepts these and drops them; say so. */
		fw_warn(p->diag,
		    "policy: --pol none ignores --strict and the "
		    "element fields given");
		pl->n = 0;
		pl->strict = false;
		memset(pl->e, 0, sizeof(pl->e));
	}
	if (pl->n > 1 && !pl->strict) {
		fw_error(p->diag, "policy: --next needs --strict");
		return -1;
	}
	if (pl->strict && pl->n == 0) {
		fw_error(p->diag,
		    "policy: --strict needs at least one of "
		    "--reqid, --spi, --proto, --mode, --tunnel-src, "
		    "--tunnel-dst");
		return -1;
	}
	for (i = 0; i < pl->n; i++) {
		if (pl->e[i].given == 0) {
			fw_error(p->diag,
			    "policy: element %d after --next is "
			    "empty",
			    i + 1);
			return -1;
		}
		if ((pl->e[i].given & (F_TSRC | F_TDST)) &&
		    (!(pl->e[i].given & F_MODE) ||
			pl->e[i].mode != FW_MODE_TUNNEL ||
			(pl->e[i].inv & F_MODE))) {
			fw_error(p->diag,
			    "policy: --tunnel-src and "
			    "--tunnel-dst need --mode tunnel in the same "
			    "element");
			return -1;
		}
	}
	return 0;
}

static void
save_field(FILE *f, const struct pol_elem *e, unsigned int bit, const char *opt)
{
	if (e->given & bit)
		fprintf(f, "%s %s", e->inv & bit ? " !" : "", opt);
}

/* An address without "/32", a network with its length. */
static void
save_addr(FILE *f, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	if (prefix_len(p) == 32)
		fprintf(f, " %s", addr_ntop(&p->addr, buf, sizeof(buf)));
	else
		fprintf(f, " %s", prefix_ntop(p, buf, sizeof(buf)));
}

static void
policy_save(const void *d, FILE *f)
{
	const struct policy   *pl = d;
	const struct pol_elem *e;
	int		       i;

	fprintf(f, " --dir %s --pol %s", pl->dir == 1 ? "in" : "out",
	    pl->pol == 1 ? "none" : "ipsec");
	if (pl->strict)
		fputs(" --strict", f);
	for (i = 0; i < pl->n; i++) {
		e = &pl->e[i];
		save_field(f, e, F_REQID, "--reqid");
		if (e->given & F_REQID)
			fprintf(f, " %u", e->reqid);
		save_field(f, e, F_SPI, "--spi");
		if (e->given & F_SPI)
			fprintf(f, " 0x%x", e->spi);
		save_field(f, e, F_PROTO, "--proto");
		if (e->given & F_PROTO)
			fprintf(f, " %s",
			    e->proto == IPPROTO_ESP    ? "esp" :
				e->proto == IPPROTO_AH ? "ah" :
							 "ipcomp");
		save_field(f, e, F_MODE, "--mode");
		if (e->given & F_MODE)
			fprintf(f, " %s",
			    e->mode == FW_MODE_TUNNEL ? "tunnel" : "transport");
		/* libxt_policy prints the destination first. */
		save_field(f, e, F_TDST, "--tunnel-dst");
		if (e->given & F_TDST)
			save_addr(f, &e->tdst);
		save_field(f, e, F_TSRC, "--tunnel-src");
		if (e->given & F_TSRC)
			save_addr(f, &e->tsrc);
		if (i + 1 < pl->n)
			fputs(" --next", f);
	}
}

/* One field: not given, or (equal XOR negated). */
static bool
field(const struct pol_elem *e, unsigned int bit, bool eq)
{
	return !(e->given & bit) || (eq != !!(e->inv & bit));
}

static bool
elem_match(const struct pol_elem *e, const struct fw_sa *sa)
{
	return field(e, F_TSRC, prefix_contains(&e->tsrc, &sa->tsrc)) &&
	    field(e, F_TDST, prefix_contains(&e->tdst, &sa->tdst)) &&
	    field(e, F_PROTO, e->proto == sa->proto) &&
	    field(e, F_MODE, e->mode == sa->mode) &&
	    field(e, F_SPI, e->spi == sa->spi) &&
	    field(e, F_REQID, e->reqid == sa->reqid);
}

/* Without --strict the kernel compares every SA with the first element; a
 * rule without elements has an empty one, which any SA matches. */
static bool
policy_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	static const struct pol_elem any;
	const struct policy	    *pl = d;
	const struct fw_secpath	    *sp;
	const struct pol_elem	    *e0;
	int			     i, k;

	(void)ev;
	if (pl->dir == 1)
		sp = pk->ipsec_in.n > 0 ? &pk->ipsec_in : NULL;
	else
		sp = pk->has_ipsec_out ? &pk->ipsec_out : NULL;
	if (sp == NULL)
		return pl->pol == 1;
	if (pl->pol == 1)
		return false;
	e0 = pl->n > 0 ? &pl->e[0] : &any;
	if (!pl->strict) {
		for (i = 0; i < sp->n; i++)
			if (elem_match(e0, &sp->sa[i]))
				return true;
		return false;
	}
	if (sp->n != pl->n)
		return false;
	for (k = 0; k < sp->n; k++) {
		/* sa[] is outermost first; inbound counts from the inside. */
		i = pl->dir == 1 ? sp->n - 1 - k : k;
		if (!elem_match(&pl->e[k], &sp->sa[i]))
			return false;
	}
	return true;
}

static unsigned int
policy_hooks(const void *d)
{
	const struct policy *pl = d;

	if (pl->dir == 1)
		return 1u << FW_PREROUTING | 1u << FW_INPUT | 1u << FW_FORWARD;
	return 1u << FW_FORWARD | 1u << FW_OUTPUT | 1u << FW_POSTROUTING;
}

/* The box knows whether a packet has a security path, not its SAs. */
static void
policy_box(const void *d, struct fw_box *b)
{
	const struct policy *pl = d;
	unsigned int *which = pl->dir == 1 ? &b->ipsec_in : &b->ipsec_out;

	*which &= pl->pol == 1 ? FW_BOX_PLAIN : FW_BOX_IPSEC;
	if (pl->pol == 2 && (pl->strict || (pl->n > 0 && pl->e[0].given)))
		b->exact = false;
}

const struct fw_matchdef fw_match_policy = {
	.name = "policy",
	.opts = policy_opts,
	.size = sizeof(struct policy),
	.parse = policy_parse,
	.final = policy_final,
	.save = policy_save,
	.match = policy_match,
	.box = policy_box,
	.hookmask = policy_hooks,
};
