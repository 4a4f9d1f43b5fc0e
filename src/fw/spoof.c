/*
 * fw check's spoofing analyses (moatctl(8)).
 *
 * spoof-vpn: a packet whose source is in a VPN range is trusted only if it
 * came through IPsec; a cleartext packet from that range can be forged by
 * anyone on the path to the gateway (DESIGN.md, "The user and the job").
 * The finding is a forged packet that the filter accepts while the same
 * packet from a stranger's address is not accepted: the rule trusts the
 * range, not the tunnel.
 *
 * spoof-ipassmt: the spoofing protection of Diekmann, Hupel and Carle,
 * "Verified iptables Firewall Analysis" (IFIP Networking 2016): given which
 * networks sit behind which interface (--ipassmt), every packet accepted
 * on an interface has a source that belongs there.
 *
 * Both search for witnesses (witness.h) instead of reasoning over rules:
 * every finding is a packet that the evaluator accepts as `moatctl fw
 * eval` would, printed so that fw eval replays it. The search is bounded,
 * so a clean report is not a proof.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"
#include "ipassmt.h"
#include "log.h"
#include "witness.h"

#define SPOOF_VPN_BUDGET 4096 /* packets for spoof-vpn */
#define SPOOF_IPA_BUDGET 8192 /* packets for spoof-ipassmt, all interfaces */
#define SPOOF_IPA_MIN 256 /* ... but at least this many per interface */
#define SPOOF_VPN_MAX 32
#define SPOOF_LIST_NETS 6 /* networks named in one message */

struct finding {
	unsigned int line;
	const char  *code;
	char	     msg[512];
	char	     fix[640];
	char	     forged[256];
};

struct spoof {
	struct fw_wit		    w;
	const struct fw_check_opts *opts;
	const struct fw_ipassmt	   *ipa; /* NULL without --ipassmt */
	struct fw_diag		   *diag;
	struct finding		   *f;
	size_t			    nf, capf;
	bool			    err;
};

struct vpnrange {
	struct fw_span r;
	unsigned int   line; /* of the rule it was inferred from; 0: --vpn */
};

struct vpn {
	struct spoof   *s;
	struct vpnrange r[SPOOF_VPN_MAX];
	size_t		n;
	struct fw_spans all; /* their union, without martians */
	bool		has_stranger;
	uint32_t	stranger; /* a source no rule singles out */
	/* Deciding rules reported, by chain and number. */
	const struct fw_chain *done_c[256];
	int		       done_r[256];
	size_t		       ndone;
	struct fw_spans	       src; /* of one target */
};

struct ipa {
	struct spoof		*s;
	const struct fw_ipassmt *a;
	const struct fw_ipa_if	*cur;
	bool			 strict; /* cur may only see its networks */
	const struct fw_spans	*local; /* every address of the gateway */
	struct fw_spans		 forged, src; /* of cur, of one target */
	uint32_t		 dpref[FW_WIT_LIST]; /* cur's first */
	size_t			 ndpref;
	bool			 done;
};

/* ---- findings ---- */

static struct finding *
new_finding(struct spoof *s)
{
	struct finding *nf;
	size_t		cap;

	if (s->nf == s->capf) {
		cap = s->capf ? 2 * s->capf : 8;
		if ((nf = reallocarray(s->f, cap, sizeof(*nf))) == NULL) {
			s->err = true;
			return NULL;
		}
		s->f = nf;
		s->capf = cap;
	}
	nf = &s->f[s->nf++];
	memset(nf, 0, sizeof(*nf));
	return nf;
}

/* By line, and in the order found on one line (an insertion sort: stable,
 * and there are few findings). */
static void
report(struct spoof *s)
{
	size_t i;

	for (i = 1; i < s->nf; i++) {
		struct finding t = s->f[i];
		size_t	       j = i;

		while (j > 0 && s->f[j - 1].line > t.line) {
			s->f[j] = s->f[j - 1];
			j--;
		}
		s->f[j] = t;
	}
	for (i = 0; i < s->nf; i++) {
		fw_finding(s->diag, false, s->f[i].line, s->f[i].code,
		    s->f[i].fix, "%s", s->f[i].msg);
		if (s->diag->out != NULL)
			fprintf(
			    s->diag->out, "    forged: %s\n", s->f[i].forged);
	}
}

/* The rule that decided, as "CHAIN rule N" or "CHAIN policy", and its
 * line (0 for a policy); false if no rule or policy of filter did. */
static bool
decider(const struct spoof *s, const struct fw_verdict *v, char *desc,
    size_t len, unsigned int *line, const struct fw_chain **cp)
{
	const struct fw_chain *c = fw_chain_find(s->w.rs, FW_FILTER, v->chain);

	*cp = c;
	if (c == NULL || v->rule < 0 || (size_t)v->rule > c->nrules)
		return false;
	if (v->rule == 0) {
		snprintf(desc, len, "%s policy", c->name);
		*line = 0;
		return true;
	}
	snprintf(desc, len, "%s rule %d", c->name, v->rule);
	*line = c->rules[v->rule - 1]->line;
	return true;
}

/* ---- spoof-vpn ---- */

static bool
vpn_covered(const struct vpn *vp, uint32_t lo, uint32_t hi)
{
	size_t i;

	for (i = 0; i < vp->n; i++)
		if (vp->r[i].r.lo <= lo && hi <= vp->r[i].r.hi)
			return true;
	return false;
}

static void
vpn_add(struct vpn *vp, uint32_t lo, uint32_t hi, unsigned int line)
{
	if (vp->n == SPOOF_VPN_MAX || vpn_covered(vp, lo, hi))
		return;
	vp->r[vp->n].r.lo = lo;
	vp->r[vp->n].r.hi = hi;
	vp->r[vp->n++].line = line;
}

/* --vpn ranges, then the sources that some rule accepts only when they
 * came through IPsec: those are trusted because of the tunnel. */
static void
vpn_ranges(struct spoof *s, struct vpn *vp)
{
	uint32_t m;
	int	 i;

	for (i = 0; i < s->opts->nvpn; i++) {
		m = ntohl(s->opts->vpn[i].mask.u.v4.s_addr);
		vpn_add(vp, ntohl(s->opts->vpn[i].addr.u.v4.s_addr),
		    ntohl(s->opts->vpn[i].addr.u.v4.s_addr) | ~m, 0);
	}
	/* The jumps on the way count: "-s POOL -j vpn" then "-m policy
	 * --dir in --pol ipsec -j ACCEPT" in vpn trusts POOL as well. */
	for (i = 0; (size_t)i < s->w.ntg; i++) {
		const struct fw_wit_target *t = &s->w.tg[i];
		const struct fw_ivset	   *src = &t->box.d[FW_DIM_SRC];

		if (t->idx == t->chain->nrules ||
		    t->box.ipsec_in != FW_BOX_IPSEC || src->n != 1 ||
		    fw_ivset_is_all(src, FW_DIM_SRC))
			continue;
		vpn_add(vp, src->iv[0].lo, src->iv[0].hi,
		    t->chain->rules[t->idx]->line);
	}
}

/* The sources a rule singles out: its -s (negated or not), else what its
 * matches ask of the source. */
static void
named_src(const struct fw_rule *r, struct fw_spans *named)
{
	struct fw_box b;
	uint32_t      m = ntohl(r->src.mask.u.v4.s_addr);
	uint32_t      a = ntohl(r->src.addr.u.v4.s_addr);
	unsigned int  k;

	if (m != 0 && (~m & (~m + 1)) == 0) {
		fw_spans_push(named, a, a | ~m);
		return;
	}
	fw_rule_box(r, &b, false);
	if (fw_ivset_is_all(&b.d[FW_DIM_SRC], FW_DIM_SRC))
		return;
	for (k = 0; k < b.d[FW_DIM_SRC].n; k++)
		fw_spans_push(
		    named, b.d[FW_DIM_SRC].iv[k].lo, b.d[FW_DIM_SRC].iv[k].hi);
}

/* A source outside every range a rule of raw or filter names, the VPN
 * ranges and the martians: whoever has it is a stranger to the rules. */
static void
vpn_stranger(struct spoof *s, struct vpn *vp)
{
	static const enum fw_tableid tabs[] = { FW_RAW, FW_FILTER };
	struct fw_spans		     named = { 0 }, rest = { 0 };
	size_t			     t, c, j;
	unsigned int		     k;

	for (t = 0; t < 2; t++) {
		const struct fw_table *tb = &s->w.rs->t[tabs[t]];

		for (c = 0; c < tb->nchains; c++)
			for (j = 0; j < tb->chains[c]->nrules; j++)
				named_src(tb->chains[c]->rules[j], &named);
	}
	for (k = 0; k < vp->all.n; k++)
		fw_spans_push(&named, vp->all.v[k].lo, vp->all.v[k].hi);
	for (k = 0; k < FW_NMARTIAN; k++)
		fw_spans_push(
		    &named, fw_martian_src[k].lo, fw_martian_src[k].hi);
	fw_spans_norm(&named);
	fw_spans_all(&rest);
	fw_spans_cut(&rest, named.v, named.n);
	if (rest.n > 0) {
		vp->has_stranger = true;
		/* Not a network's own address if it can help it. */
		vp->stranger =
		    rest.v[0].lo + (rest.v[0].hi > rest.v[0].lo ? 1 : 0);
	}
	if (named.err || rest.err)
		s->err = true;
	fw_spans_free(&named);
	fw_spans_free(&rest);
}

static const struct vpnrange *
vpn_of(const struct vpn *vp, uint32_t a)
{
	size_t i;

	for (i = 0; i < vp->n; i++)
		if (vp->r[i].r.lo <= a && a <= vp->r[i].r.hi)
			return &vp->r[i];
	return NULL;
}

static bool
vpn_done(const struct vpn *vp, const struct fw_chain *c, int rule)
{
	size_t i;

	for (i = 0; i < vp->ndone; i++)
		if (vp->done_c[i] == c && vp->done_r[i] == rule)
			return true;
	return false;
}

static void
vpn_report(struct spoof *s, const struct vpnrange *vr, const struct fw_pkt *pk,
    const char *desc, unsigned int line, bool policy)
{
	struct finding *f;
	char		range[40], origin[96];

	if ((f = new_finding(s)) == NULL)
		return;
	fw_span_str(vr->r.lo, vr->r.hi, range, sizeof(range));
	if (vr->line == 0)
		snprintf(origin, sizeof(origin), "the VPN pool, from --vpn");
	else
		snprintf(origin, sizeof(origin),
		    "a VPN range: line %u accepts it only through IPsec",
		    vr->line);
	f->line = line;
	f->code = "spoof-vpn";
	snprintf(f->msg, sizeof(f->msg),
	    "%s accepts packets from %s (%s) that did not come through "
	    "IPsec: a forged cleartext packet gets through",
	    desc, range, origin);
	if (policy)
		snprintf(f->fix, sizeof(f->fix),
		    "accept %s only with -m policy --dir in --pol ipsec, and "
		    "drop cleartext packets from it before the chain ends",
		    range);
	else
		snprintf(f->fix, sizeof(f->fix),
		    "add -m policy --dir in --pol ipsec (with --mode tunnel "
		    "--tunnel-src/--tunnel-dst) to the rule, or drop cleartext "
		    "packets from %s before it",
		    range);
	fw_wit_fmt(pk, f->forged, sizeof(f->forged));
}

/* Whether a stranger's copy of the packet gets through too, by the rule
 * that let the forged one through (then that rule trusts no one in
 * particular, e.g. IKE to the gateway). Not tried counts as yes: no
 * finding without proof that the range is what the rule trusts. */
static bool
stranger_too(struct spoof *s, const struct vpn *vp, const struct fw_pkt *pk,
    const struct fw_verdict *v, bool *same)
{
	struct fw_verdict cv;
	struct fw_pkt	  ctl;

	*same = false;
	if (!vp->has_stranger)
		return false;
	ctl = *pk;
	fw_wit_set_addr(&ctl.src, vp->stranger);
	if (fw_wit_eval(&s->w, &ctl, &cv) == 0)
		return false;
	*same = cv.verdict[0] != '\0' && strcmp(cv.chain, v->chain) == 0 &&
	    cv.rule == v->rule;
	return true;
}

/*
 * A forged packet got through. The stranger's copy goes first, on the
 * evaluator as the search left it, as most accepting rules trust everyone
 * and a fresh evaluator costs a compile; then the packet alone on a fresh
 * one, and the stranger again after it.
 */
static void
vpn_found(
    struct fw_wit_gen *g, const struct fw_pkt *pk, const struct fw_verdict *v)
{
	struct vpn	      *vp = g->arg;
	struct spoof	      *s = vp->s;
	const struct vpnrange *vr;
	const struct fw_chain *c;
	struct fw_verdict      fresh = *v;
	unsigned int	       line;
	char		       desc[64];
	bool		       same;

	if (vpn_done(vp, fw_chain_find(s->w.rs, FW_FILTER, v->chain), v->rule))
		goto same_rule;
	if (stranger_too(s, vp, pk, v, &same)) {
		g->stop = same;
		return;
	}
	if (!fw_wit_confirm(&s->w, pk, &fresh) ||
	    !decider(s, &fresh, desc, sizeof(desc), &line, &c) ||
	    vpn_done(vp, c, fresh.rule) ||
	    (s->w.stateful && stranger_too(s, vp, pk, &fresh, &same)) ||
	    (vr = vpn_of(vp, ntohl(pk->src.u.v4.s_addr))) == NULL)
		return;
	if (vp->ndone < sizeof(vp->done_r) / sizeof(vp->done_r[0])) {
		vp->done_c[vp->ndone] = c;
		vp->done_r[vp->ndone++] = fresh.rule;
	}
	vpn_report(s, vr, pk, desc, line, fresh.rule == 0);
same_rule:
	/* Once its own rule is reported, a target has nothing to add. */
	if (strcmp(v->chain, g->t->chain->name) == 0 &&
	    v->rule == fw_wit_target_rule(g->t))
		g->stop = true;
}

static bool
vpn_prep(struct fw_wit_gen *g, void *arg)
{
	struct vpn *vp = arg;

	fw_spans_meet(&vp->src, &vp->all, &g->t->box.d[FW_DIM_SRC]);
	g->srcs = &vp->src;
	g->found = vpn_found;
	return vp->src.n > 0;
}

static void
vpn_check(struct spoof *s, struct vpn *vp)
{
	bool never = false;

	fw_wit_search(&s->w, SPOOF_VPN_BUDGET, vpn_prep, vp, &never);
	if (vp->src.err)
		s->err = true;
}

/* ---- spoof-ipassmt ---- */

/* The networks of an interface, as spans. */
static void
push_nets(struct fw_spans *s, const struct fw_ipa_if *f)
{
	size_t	 i;
	uint32_t m;

	for (i = 0; i < f->nnets; i++) {
		m = f->nets[i].len == 0 ? 0 :
					  UINT32_MAX << (32 - f->nets[i].len);
		fw_spans_push(s, f->nets[i].net, f->nets[i].net | ~m);
	}
}

/* Where a packet that leaves by out can be going: out's networks, or for
 * an external interface what no internal one has. */
static void
ipa_route(const struct fw_wit_gen *g, const char *out, struct fw_spans *d)
{
	const struct ipa	*ia = g->arg;
	const struct fw_ipassmt *a = ia->a;
	struct fw_spans		 internal = { 0 };
	size_t			 i;

	d->n = 0;
	for (i = 0; i < a->nifs; i++)
		if (strcmp(a->ifs[i].name, out) == 0)
			break;
	if (i == a->nifs || a->ifs[i].ext == FW_IPA_UNKNOWN)
		return;
	if (a->ifs[i].ext == FW_IPA_INTERNAL) {
		push_nets(d, &a->ifs[i]);
		fw_spans_norm(d);
		return;
	}
	for (i = 0; i < a->nifs; i++)
		if (a->ifs[i].ext == FW_IPA_INTERNAL)
			push_nets(&internal, &a->ifs[i]);
	fw_spans_norm(&internal);
	fw_spans_all(d);
	fw_spans_cut(d, internal.v, internal.n);
	d->err |= internal.err;
	fw_spans_free(&internal);
}

static bool
has_external(const struct fw_ipassmt *a)
{
	size_t i;

	for (i = 0; i < a->nifs; i++)
		if (a->ifs[i].ext == FW_IPA_PLACEHOLDER ||
		    a->ifs[i].ext == FW_IPA_DEFAULT)
			return true;
	return false;
}

/* The internal interfaces' networks other than cur's: what cur must not
 * see unless it is the only place they can come from. */
static void
others_nets(const struct ipa *ia, struct fw_spans *out)
{
	size_t i;

	out->n = 0;
	for (i = 0; i < ia->a->nifs; i++)
		if (&ia->a->ifs[i] != ia->cur &&
		    ia->a->ifs[i].ext == FW_IPA_INTERNAL &&
		    strcmp(ia->a->ifs[i].name, "lo") != 0)
			push_nets(out, &ia->a->ifs[i]);
	fw_spans_norm(out);
}

/*
 * The sources that cannot have arrived on cur: outside its networks if
 * some other interface leads to the world (strict), else the other
 * internal interfaces' networks. Never a martian, never the gateway's own
 * address (the kernel drops both before the filter).
 */
static void
forged_set(const struct ipa *ia, struct fw_spans *out)
{
	struct fw_spans own = { 0 };

	out->n = 0;
	push_nets(&own, ia->cur);
	fw_spans_norm(&own);
	if (ia->strict)
		fw_spans_all(out);
	else
		others_nets(ia, out);
	fw_spans_cut(out, own.v, own.n);
	fw_spans_cut(out, fw_martian_src, FW_NMARTIAN);
	fw_spans_cut(out, ia->local->v, ia->local->n);
	if (own.err)
		out->err = true;
	fw_spans_free(&own);
}

/* "A, B, ... (N more)": cur's networks (own), or the other internal
 * interfaces', as the file gives them. */
static void
nets_str(const struct ipa *ia, bool own, char *buf, size_t len)
{
	const struct fw_ipa_if *f;
	char			one[24];
	size_t			i, j, k = 0, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ia->a->nifs; i++) {
		f = &ia->a->ifs[i];
		if (own ? f != ia->cur :
			  f == ia->cur || f->ext != FW_IPA_INTERNAL ||
			    strcmp(f->name, "lo") == 0)
			continue;
		for (j = 0; j < f->nnets; j++, k++) {
			if (k >= SPOOF_LIST_NETS || n >= len)
				continue;
			fw_addr_str(f->nets[j].net, one, sizeof(one));
			n += (size_t)snprintf(buf + n, len - n, "%s%s/%d",
			    k ? ", " : "", one, f->nets[j].len);
		}
	}
	if (k > SPOOF_LIST_NETS && n < len)
		snprintf(
		    buf + n, len - n, ", ... (%zu more)", k - SPOOF_LIST_NETS);
}

static const struct fw_ipa_if *
owner(const struct ipa *ia, uint32_t a, char *net, size_t len)
{
	const struct fw_ipa_if *f;
	size_t			i, j;
	uint32_t		m;

	for (i = 0; i < ia->a->nifs; i++) {
		f = &ia->a->ifs[i];
		if (f == ia->cur || strcmp(f->name, "lo") == 0)
			continue;
		for (j = 0; j < f->nnets; j++) {
			m = f->nets[j].len == 0 ?
			    0 :
			    UINT32_MAX << (32 - f->nets[j].len);
			if ((a & m) == f->nets[j].net) {
				fw_span_str(f->nets[j].net, f->nets[j].net | ~m,
				    net, len);
				return f;
			}
		}
	}
	return NULL;
}

static void
ipa_report(struct spoof *s, const struct ipa *ia, const struct fw_pkt *pk,
    const char *desc, unsigned int line)
{
	const struct fw_ipa_if *o;
	struct finding	       *f;
	char			src[INET_ADDRSTRLEN], nets[200], net[40];
	uint32_t		a = ntohl(pk->src.u.v4.s_addr);

	if ((f = new_finding(s)) == NULL)
		return;
	f->line = line;
	f->code = "spoof-ipassmt";
	fw_addr_str(a, src, sizeof(src));
	nets_str(ia, ia->strict, nets, sizeof(nets));
	if ((o = owner(ia, a, net, sizeof(net))) != NULL)
		snprintf(f->msg, sizeof(f->msg),
		    "%s accepts packets arriving on %s from %s, which belongs "
		    "to %s (%s): a forged source gets through",
		    desc, ia->cur->name, src, o->name, net);
	else
		snprintf(f->msg, sizeof(f->msg),
		    "%s accepts packets arriving on %s from %s, which is not "
		    "in %s's networks (%s): a forged source gets through",
		    desc, ia->cur->name, src, ia->cur->name, nets);
	if (ia->strict)
		snprintf(f->fix, sizeof(f->fix),
		    "drop packets on %s whose source is not in %s before "
		    "accepting them (or use rpfilter)",
		    ia->cur->name, nets);
	else
		snprintf(f->fix, sizeof(f->fix),
		    "drop packets on %s whose source belongs to another "
		    "interface (%s) before accepting them (or use rpfilter)",
		    ia->cur->name, nets);
	fw_wit_fmt(pk, f->forged, sizeof(f->forged));
}

static void
ipa_found(
    struct fw_wit_gen *g, const struct fw_pkt *pk, const struct fw_verdict *v)
{
	struct ipa	      *ia = g->arg;
	struct spoof	      *s = ia->s;
	const struct fw_chain *c;
	struct fw_verdict      fresh = *v;
	unsigned int	       line;
	char		       desc[64];

	if (!fw_wit_confirm(&s->w, pk, &fresh) ||
	    !decider(s, &fresh, desc, sizeof(desc), &line, &c))
		return;
	ipa_report(s, ia, pk, desc, line);
	ia->done = true;
	g->stop = true;
}

/* INPUT packets arriving on cur are for its own addresses first. */
static void
local_pref(struct ipa *ia, const struct fw_wit *w)
{
	size_t i;

	ia->ndpref = 0;
	for (i = 0; i < ia->cur->nlocal && ia->ndpref < FW_WIT_LIST; i++)
		ia->dpref[ia->ndpref++] = ia->cur->local[i];
	for (i = 0; i < w->nlocalv && ia->ndpref < FW_WIT_LIST; i++)
		if (!fw_wit_list_has(ia->dpref, ia->ndpref, w->localv[i]))
			ia->dpref[ia->ndpref++] = w->localv[i];
}

static bool
ipa_prep(struct fw_wit_gen *g, void *arg)
{
	struct ipa *ia = arg;

	if (!fw_wit_ifc_match(&g->t->box.iif, ia->cur->name))
		return false;
	fw_spans_meet(&ia->src, &ia->forged, &g->t->box.d[FW_DIM_SRC]);
	g->srcs = &ia->src;
	g->found = ipa_found;
	g->route = ipa_route;
	snprintf(g->in[0], IFNAMSIZ, "%s", ia->cur->name);
	g->nin = 1;
	g->dpref = ia->dpref;
	g->ndpref = ia->ndpref;
	return ia->src.n > 0;
}

/* Each interface but lo, on its own share of the budget. */
static void
ipa_check(struct spoof *s, const struct fw_ipassmt *a)
{
	struct ipa   ia = { .s = s, .a = a, .local = &s->w.local };
	size_t	     i, nifs = 0;
	unsigned int per;

	for (i = 0; i < a->nifs; i++)
		nifs += strcmp(a->ifs[i].name, "lo") != 0;
	per = nifs == 0 ? 0 : SPOOF_IPA_BUDGET / (unsigned int)nifs;
	if (per < SPOOF_IPA_MIN)
		per = SPOOF_IPA_MIN;
	for (i = 0; i < a->nifs && !s->err; i++) {
		if (strcmp(a->ifs[i].name, "lo") == 0)
			continue;
		ia.cur = &a->ifs[i];
		ia.done = false;
		ia.strict = a->ifs[i].ext == FW_IPA_INTERNAL && has_external(a);
		forged_set(&ia, &ia.forged);
		local_pref(&ia, &s->w);
		fw_wit_search(&s->w, per, ipa_prep, &ia, &ia.done);
	}
	if (ia.forged.err || ia.src.err)
		s->err = true;
	fw_spans_free(&ia.forged);
	fw_spans_free(&ia.src);
}

/* ---- the entry point ---- */

/* Some rule of filter has a policy match: only then can a range be
 * trusted for its tunnel without --vpn. */
static bool
has_policy_match(const struct fw_ruleset *rs)
{
	const struct fw_table *tb = &rs->t[FW_FILTER];
	size_t		       i, j, k;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++)
			for (k = 0; k < tb->chains[i]->rules[j]->nm; k++)
				if (strcmp(
					tb->chains[i]->rules[j]->m[k].def->name,
					"policy") == 0)
					return true;
	return false;
}

/* The gateway's addresses that --ipassmt gives, for the witnesses. */
static uint32_t *
ipa_locals(const struct fw_ipassmt *a, size_t *n)
{
	uint32_t *v;
	size_t	  i, j, k = 0;

	for (i = 0; a != NULL && i < a->nifs; i++)
		k += a->ifs[i].nlocal;
	*n = k;
	if ((v = calloc(k + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0, k = 0; a != NULL && i < a->nifs; i++)
		for (j = 0; j < a->ifs[i].nlocal; j++)
			v[k++] = a->ifs[i].local[j];
	return v;
}

/* What the checks know before any packet: the witnesses' view of the
 * ruleset, and the VPN ranges. */
static int
spoof_scan(struct spoof *s, struct fw_ruleset *rs, struct vpn *vp)
{
	char(*names)[IFNAMSIZ] = NULL;
	uint32_t *local;
	size_t	  nlocal, i, n = s->ipa != NULL ? s->ipa->nifs : 0;
	int	  rc = -1;

	if ((local = ipa_locals(s->ipa, &nlocal)) == NULL ||
	    (names = calloc(n + 1, IFNAMSIZ)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		snprintf(names[i], IFNAMSIZ, "%s", s->ipa->ifs[i].name);
	if (fw_wit_init(&s->w, rs, local, nlocal,
		(const char(*)[IFNAMSIZ])names, n) == -1)
		goto out;
	vpn_ranges(s, vp);
	rc = 0;
out:
	free(local);
	free(names);
	return rc;
}

int
fw_spoof_check(
    struct fw_ruleset *rs, const struct fw_check_opts *c, struct fw_diag *d)
{
	struct spoof	   s = { .opts = c, .diag = d };
	struct fw_diag	   quiet = { 0 };
	struct fw_ipassmt *a = NULL;
	struct vpn	  *vp = NULL;
	int		   rc = -1;
	size_t		   i;

	if (c->ipassmt != NULL && (a = fw_ipassmt_load(c->ipassmt, d)) == NULL)
		return -1;
	s.ipa = a;
	if (c->table != FW_FILTER || !rs->t[FW_FILTER].present ||
	    (c->nvpn == 0 && a == NULL && !has_policy_match(rs))) {
		rc = 0;
		goto out;
	}
	if ((vp = calloc(1, sizeof(*vp))) == NULL)
		goto out;
	vp->s = &s;
	if (spoof_scan(&s, rs, vp) == -1)
		goto out;
	if (vp->n == 0 && a == NULL) {
		rc = 0;
		goto out;
	}
	/* Asked for with --vpn or --ipassmt, a check that cannot run says
	 * so; the one on inferred ranges alone stays quiet, as the rules it
	 * cannot evaluate are reported already. */
	if (fw_evaluable(rs, FW_FILTER, &quiet) == -1) {
		if (c->nvpn > 0 || a != NULL)
			fw_finding(d, false, 0, "spoof-skipped", NULL,
			    "the spoofing checks (%s%s%s) did not run: moat "
			    "cannot evaluate every rule of the filter and raw "
			    "tables",
			    vp->n > 0 ? "spoof-vpn" : "",
			    vp->n > 0 && a ? ", " : "",
			    a ? "spoof-ipassmt" : "");
		rc = 0;
		goto out;
	}
	for (i = 0; i < vp->n; i++)
		fw_spans_push(&vp->all, vp->r[i].r.lo, vp->r[i].r.hi);
	fw_spans_norm(&vp->all);
	fw_spans_cut(&vp->all, fw_martian_src, FW_NMARTIAN);
	if (fw_wit_start(&s.w,
		SPOOF_VPN_BUDGET + SPOOF_IPA_BUDGET +
		    SPOOF_IPA_MIN * (a != NULL ? (unsigned int)a->nifs : 0)) ==
	    -1)
		goto out;
	if (vp->n > 0) {
		vpn_stranger(&s, vp);
		vpn_check(&s, vp);
	}
	if (a != NULL)
		ipa_check(&s, a);
	if (s.err || s.w.err || vp->all.err)
		goto out;
	report(&s);
	rc = 0;
out:
	if (rc == -1)
		log_error("spoofing checks: out of memory");
	if (vp != NULL) {
		fw_spans_free(&vp->all);
		fw_spans_free(&vp->src);
	}
	free(vp);
	free(s.f);
	fw_wit_free(&s.w);
	fw_ipassmt_free(a);
	return rc;
}
