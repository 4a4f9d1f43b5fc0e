/*
 * Witness packets (witness.h): the accepting rules of the filter table
 * with the jumps that lead to them, candidate packets from their boxes,
 * and the evaluator that decides them.
 *
 * A candidate's fields are representatives of the box's sets, one for
 * each piece between the points where some rule's set begins or ends
 * (cuts): as far as boxes can say, packets within one piece meet the same
 * fate. Candidates are tried in the order of how far they stray from each
 * field's first choice, so that a small budget still varies every field.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "witness.h"

#define WIT_PER_TARGET 48 /* packets tried for one target */
#define WIT_VISITS 8 /* times one user chain is walked into */
#define WIT_WALL 8 /* drops in a row by one rule that end a target */
#define WIT_POLICY_BUDGET 32 /* packets kept for the policies */
#define WIT_NAMES_MAX 256
#define WIT_CT_MAX 65536 /* as moatctl fw eval */

#define RTN_BIT_UNICAST (1u << 1) /* -m addrtype's bits, as pkt.c */
#define RTN_BIT_LOCAL (1u << 2)
#define TCP_SYN 0x02

enum { G_SRC, G_DST, G_PROTO, G_SPORT, G_DPORT, G_IN, G_OUT, G_NDIM };

/* The kernel drops martian sources before any table (0/8, loopback,
 * multicast, class E and broadcast: ip_route_input_slow), and does not
 * route to 0/8, loopback, class E or broadcast. */
const struct fw_span fw_martian_src[FW_NMARTIAN] = { { 0x00000000, 0x00ffffff },
	{ 0x7f000000, 0x7fffffff }, { 0xe0000000, 0xffffffff } };
const struct fw_span fw_martian_dst[FW_NMARTIAN] = { { 0x00000000, 0x00ffffff },
	{ 0x7f000000, 0x7fffffff }, { 0xf0000000, 0xffffffff } };

/* ---- sets of addresses ---- */

void
fw_spans_push(struct fw_spans *s, uint32_t lo, uint32_t hi)
{
	struct fw_span *nv;
	size_t		cap;

	if (s->err || lo > hi)
		return;
	if (s->n == s->cap) {
		cap = s->cap ? 2 * s->cap : 16;
		if ((nv = reallocarray(s->v, cap, sizeof(*nv))) == NULL) {
			s->err = true;
			return;
		}
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n].lo = lo;
	s->v[s->n++].hi = hi;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct fw_span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge what spans_push appended. */
void
fw_spans_norm(struct fw_spans *s)
{
	size_t i, o = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), span_cmp);
	for (i = 1; i < s->n; i++) {
		if ((uint64_t)s->v[o].hi + 1 >= s->v[i].lo) {
			if (s->v[i].hi > s->v[o].hi)
				s->v[o].hi = s->v[i].hi;
		} else
			s->v[++o] = s->v[i];
	}
	s->n = o + 1;
}

void
fw_spans_free(struct fw_spans *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* out = a without b (both normalized). */
void
fw_spans_minus(struct fw_spans *out, const struct fw_spans *a,
    const struct fw_span *b, size_t nb)
{
	size_t	 i, j = 0;
	uint64_t lo;

	out->n = 0;
	for (i = 0; i < a->n; i++) {
		lo = a->v[i].lo;
		while (j < nb && b[j].hi < lo)
			j++;
		for (size_t k = j; k < nb && b[k].lo <= a->v[i].hi; k++) {
			if (b[k].lo > lo)
				fw_spans_push(out, (uint32_t)lo, b[k].lo - 1);
			lo = (uint64_t)b[k].hi + 1;
			if (lo > a->v[i].hi)
				break;
		}
		if (lo <= a->v[i].hi)
			fw_spans_push(out, (uint32_t)lo, a->v[i].hi);
	}
}

/* Replace a by a without b. */
void
fw_spans_cut(struct fw_spans *a, const struct fw_span *b, size_t nb)
{
	struct fw_spans out = { 0 };

	fw_spans_minus(&out, a, b, nb);
	out.err |= a->err;
	fw_spans_free(a);
	*a = out;
}

void
fw_spans_all(struct fw_spans *s)
{
	s->n = 0;
	fw_spans_push(s, 0, UINT32_MAX);
}

/* out = a within the box's set b. */
void
fw_spans_meet(
    struct fw_spans *out, const struct fw_spans *a, const struct fw_ivset *b)
{
	size_t	     i;
	unsigned int j = 0;
	uint32_t     lo, hi;

	out->n = 0;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++) {
			lo =
			    a->v[i].lo > b->iv[j].lo ? a->v[i].lo : b->iv[j].lo;
			hi =
			    a->v[i].hi < b->iv[j].hi ? a->v[i].hi : b->iv[j].hi;
			if (lo <= hi)
				fw_spans_push(out, lo, hi);
		}
	fw_spans_norm(out);
}

bool
fw_spans_has(const struct fw_spans *s, uint32_t a)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->v[mid].hi < a)
			lo = mid + 1;
		else if (s->v[mid].lo > a)
			hi = mid;
		else
			return true;
	}
	return false;
}

/* "10.0.2.0/24" when the span is a network, else "A-B". */
const char *
fw_span_str(uint32_t lo, uint32_t hi, char *buf, size_t len)
{
	struct in_addr a, b;
	char	       x[INET_ADDRSTRLEN], y[INET_ADDRSTRLEN];
	uint32_t       size = hi - lo;
	int	       plen = 32;

	a.s_addr = htonl(lo);
	b.s_addr = htonl(hi);
	inet_ntop(AF_INET, &a, x, sizeof(x));
	inet_ntop(AF_INET, &b, y, sizeof(y));
	if ((size & (size + 1)) == 0 && (lo & size) == 0) {
		while (size != 0) {
			size >>= 1;
			plen--;
		}
		snprintf(buf, len, "%s/%d", x, plen);
	} else
		snprintf(buf, len, "%s-%s", x, y);
	return buf;
}

const char *
fw_addr_str(uint32_t h, char *buf, size_t len)
{
	struct in_addr a = { htonl(h) };

	return inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

/* ---- what the rules name: cut points, interfaces ---- */

static void
cuts_push(struct fw_wit_cuts *c, uint32_t v)
{
	uint32_t *nv;
	size_t	  cap;

	if (c->err)
		return;
	if (c->n == c->cap) {
		cap = c->cap ? 2 * c->cap : 64;
		if ((nv = reallocarray(c->v, cap, sizeof(*nv))) == NULL) {
			c->err = true;
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = v;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
cuts_norm(struct fw_wit_cuts *c)
{
	size_t i, o = 0;

	if (c->n == 0)
		return;
	qsort(c->v, c->n, sizeof(c->v[0]), u32_cmp);
	for (i = 1; i < c->n; i++)
		if (c->v[i] != c->v[o])
			c->v[++o] = c->v[i];
	c->n = o + 1;
}

/* The first cut above a, or 0 when there is none. */
static uint64_t
cut_after(const struct fw_wit_cuts *c, uint32_t a)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->v[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n ? c->v[lo] : 0;
}

static bool
is_accept(const struct fw_rule *r)
{
	return r->action == FW_ACT_VERDICT && r->tdef != NULL &&
	    strcmp(r->tdef->name, "ACCEPT") == 0;
}

static void
add_name(struct fw_wit *w, const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || name[n - 1] == '+' || w->nnames == WIT_NAMES_MAX)
		return;
	for (i = 0; i < w->nnames; i++)
		if (strcmp(w->names[i], name) == 0)
			return;
	snprintf(w->names[w->nnames++], IFNAMSIZ, "%s", name);
}

/* Cut points and interface names of the tables a packet passes before
 * the filter decides (raw, then filter). */
static void
scan_table(struct fw_wit *w, enum fw_tableid t)
{
	const struct fw_table *tb = &w->rs->t[t];
	struct fw_box	       b;
	size_t		       i, j;
	unsigned int	       k;
	int		       d;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++) {
			const struct fw_rule *r = tb->chains[i]->rules[j];

			fw_rule_box(r, &b, false);
			for (d = 0; d < FW_NDIM; d++)
				for (k = 0; k < b.d[d].n; k++) {
					cuts_push(&w->cut[d], b.d[d].iv[k].lo);
					if (b.d[d].iv[k].hi < fw_dim_max[d])
						cuts_push(&w->cut[d],
						    b.d[d].iv[k].hi + 1);
				}
			add_name(w, r->iif);
			add_name(w, r->oif);
		}
}

/* ---- the evaluator ---- */

static uint64_t
fp_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static int
fpset_init(struct fw_wit_fpset *f, size_t entries)
{
	size_t n = 64;

	while (n < 2 * entries)
		n <<= 1;
	if ((f->v = calloc(n, sizeof(*f->v))) == NULL)
		return -1;
	f->mask = n - 1;
	return 0;
}

/* Adds v (or with add false, only looks); false if it was there.
 * Fingerprints that collide only make the search skip a packet. */
static bool
fpset_add(struct fw_wit_fpset *f, uint64_t v, bool add)
{
	size_t i, n;

	if (v == 0)
		v = 1;
	for (i = v & f->mask, n = 0; n <= f->mask; i = (i + 1) & f->mask, n++) {
		if (f->v[i] == v)
			return false;
		if (f->v[i] == 0) {
			if (add)
				f->v[i] = v;
			return true;
		}
	}
	return true; /* full: the budget keeps it from filling */
}

static bool
has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	    proto == IPPROTO_DCCP;
}

/* The connection a packet belongs to, the same in both directions. */
static uint64_t
conn_key(const struct fw_pkt *pk)
{
	uint64_t a = ((uint64_t)ntohl(pk->src.u.v4.s_addr) << 16) | pk->sport;
	uint64_t b = ((uint64_t)ntohl(pk->dst.u.v4.s_addr) << 16) | pk->dport;
	uint64_t t;

	if (!has_ports(pk->proto)) {
		a >>= 16;
		b >>= 16;
	}
	if (a > b) {
		t = a;
		a = b;
		b = t;
	}
	return fp_mix(fp_mix(fp_mix(0, a), b), pk->proto);
}

static uint64_t
pkt_key(const struct fw_pkt *pk)
{
	uint64_t h = fp_mix(0, pk->hook);
	size_t	 i;

	for (i = 0; i < IFNAMSIZ && pk->in[i] != '\0'; i++)
		h = fp_mix(h, (uint8_t)pk->in[i]);
	h = fp_mix(h, 0x100);
	for (i = 0; i < IFNAMSIZ && pk->out[i] != '\0'; i++)
		h = fp_mix(h, (uint8_t)pk->out[i]);
	h = fp_mix(h, pk->src.u.v4.s_addr);
	h = fp_mix(h, pk->dst.u.v4.s_addr);
	h = fp_mix(h, pk->proto);
	return fp_mix(h, (uint64_t)pk->sport << 16 | pk->dport);
}

/* A fresh evaluator: no connections, rate matches as when loaded. One
 * ruleset has one evaluator at a time (fw_int.h), so the old one goes
 * first. */
static void
wit_reset(struct fw_wit *w)
{
	fw_evaluator_free(w->e);
	if ((w->e = fw_evaluator_new(w->rs, FW_FILTER, WIT_CT_MAX)) == NULL)
		w->err = true;
	memset(w->conns.v, 0, (w->conns.mask + 1) * sizeof(*w->conns.v));
}

static bool
accepted(const struct fw_verdict *v)
{
	return strcmp(v->verdict, "ACCEPT") == 0;
}

/*
 * One packet as fw eval sees it: 1 accepted, 0 not, -1 not tried. A
 * connection that an earlier accepted packet left in conntrack would make
 * this one ESTABLISHED instead of NEW, unlike a replay of it alone; such a
 * packet is not tried (a fresh evaluator would cost a compile).
 */
int
fw_wit_eval(struct fw_wit *w, const struct fw_pkt *pk, struct fw_verdict *v)
{
	uint64_t c = conn_key(pk);

	memset(v, 0, sizeof(*v));
	if (w->err || w->budget == 0 || !fpset_add(&w->conns, c, false))
		return -1;
	w->budget--;
	fw_evaluate(w->e, pk, v, NULL);
	if (!accepted(v))
		return 0;
	fpset_add(&w->conns, c, true);
	return 1;
}

/* What a replay of this one packet gives: a fresh evaluator if rate
 * matches may remember the packets before it. */
bool
fw_wit_confirm(struct fw_wit *w, const struct fw_pkt *pk, struct fw_verdict *v)
{
	if (!w->stateful)
		return true;
	wit_reset(w);
	if (w->err)
		return false;
	fw_evaluate(w->e, pk, v, NULL);
	if (!accepted(v))
		return false;
	fpset_add(&w->conns, conn_key(pk), true);
	return true;
}

static bool
table_stateful(const struct fw_ruleset *rs, enum fw_tableid t)
{
	const struct fw_table *tb = &rs->t[t];
	size_t		       i, j, k;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++)
			for (k = 0; k < tb->chains[i]->rules[j]->nm; k++)
				if (tb->chains[i]->rules[j]->m[k].def->bind !=
				    NULL)
					return true;
	return false;
}

/* ---- accepting rules and the ways to them ---- */

static void
add_target(struct fw_wit *w, const struct fw_chain *c, size_t idx,
    enum fw_hook h, const struct fw_box *b)
{
	struct fw_wit_target *nt;
	size_t		      cap;

	if (w->err)
		return;
	if (w->ntg == w->captg) {
		cap = w->captg ? 2 * w->captg : 64;
		if ((nt = reallocarray(w->tg, cap, sizeof(*nt))) == NULL) {
			w->err = true;
			return;
		}
		w->tg = nt;
		w->captg = cap;
	}
	nt = &w->tg[w->ntg++];
	nt->chain = c;
	nt->idx = idx;
	nt->hook = h;
	nt->box = *b;
}

/*
 * The accepting rules of a chain in the order a packet meets them, each
 * narrowed by the jumps that lead there. A user chain reached many ways
 * is walked a few times only (visits), which bounds the work on rulesets
 * whose chains fan out; the packets settle what the boxes miss.
 */
static void
walk(struct fw_wit *w, const struct fw_chain *c, const struct fw_box *ctx,
    enum fw_hook h, unsigned int *visits)
{
	const struct fw_table *tb = &w->rs->t[FW_FILTER];
	struct fw_box	      *b;
	size_t		       i, k;

	if ((b = malloc(sizeof(*b))) == NULL) {
		w->err = true;
		return;
	}
	for (i = 0; i < c->nrules && !w->err; i++) {
		const struct fw_rule *r = c->rules[i];

		fw_rule_box(r, b, false);
		fw_box_meet(b, ctx);
		if (fw_box_empty(b))
			continue;
		if (is_accept(r))
			add_target(w, c, i, h, b);
		else if ((r->action == FW_ACT_JUMP ||
			     r->action == FW_ACT_GOTO) &&
		    r->dest != NULL && r->dest->hook == -1) {
			for (k = 0; k < tb->nchains; k++)
				if (tb->chains[k] == r->dest)
					break;
			if (k < tb->nchains && visits[k] < WIT_VISITS) {
				visits[k]++;
				walk(w, r->dest, b, h, visits);
			}
		}
	}
	free(b);
}

static void
collect_targets(struct fw_wit *w)
{
	static const enum fw_hook hooks[] = { FW_FORWARD, FW_INPUT };
	const struct fw_table	 *tb = &w->rs->t[FW_FILTER];
	struct fw_chain		 *c;
	struct fw_box		  all;
	unsigned int		 *visits;
	size_t			  i;

	if ((visits = calloc(tb->nchains + 1, sizeof(*visits))) == NULL) {
		w->err = true;
		return;
	}
	/* Rules before policies: a rule that lets a forged packet through
	 * says more than a policy that lets everything through. Forwarded
	 * packets first, as they reach the networks behind the gateway. */
	fw_box_all(&all);
	for (i = 0; i < 4; i++) {
		c = fw_chain_find(
		    w->rs, FW_FILTER, fw_hook_names[hooks[i % 2]]);
		if (c == NULL || c->hook == -1)
			continue;
		if (i < 2)
			walk(w, c, &all, hooks[i], visits);
		else if (c->policy_accept)
			add_target(w, c, c->nrules, hooks[i % 2], &all);
	}
	free(visits);
}

/* ---- candidate packets ---- */

bool
fw_wit_ifc_match(const struct fw_ifc *f, const char *name)
{
	return fw_iface_match(f->name, name) != f->inv;
}

/* Names for a packet's interface that satisfy f: the ones the rules name,
 * else one made up. lo is never one: nothing forged arrives there. */
size_t
fw_wit_pick_ifs(const struct fw_wit *w, const struct fw_ifc *f,
    char out[][IFNAMSIZ], size_t max)
{
	static const char *const made_up[] = { "eth0", "eth1", "ens3", "wan0" };
	size_t			 n = 0, i, len;

	for (i = 0; i < w->nnames && n < max; i++)
		if (strcmp(w->names[i], "lo") != 0 &&
		    fw_wit_ifc_match(f, w->names[i]))
			snprintf(out[n++], IFNAMSIZ, "%s", w->names[i]);
	if (n > 0)
		return n;
	len = strlen(f->name);
	if (!f->inv && len > 1 && f->name[len - 1] == '+') {
		/* "eth+" and no eth interface named: eth0. */
		snprintf(out[0], IFNAMSIZ, "%.*s0", (int)(len - 1), f->name);
		return 1;
	}
	for (i = 0; i < sizeof(made_up) / sizeof(made_up[0]); i++)
		if (fw_wit_ifc_match(f, made_up[i])) {
			snprintf(out[0], IFNAMSIZ, "%s", made_up[i]);
			return 1;
		}
	return 0;
}

/* A network's first or last address: fine for the evaluator, odd in a
 * report. */
static bool
odd_addr(uint32_t a)
{
	return (a & 0xff) == 0 || (a & 0xff) == 0xff;
}

/* An address of [lo, hi], not an odd one if it can help it. */
static uint32_t
fw_wit_addr_rep(uint32_t lo, uint32_t hi)
{
	return odd_addr(lo) && hi > lo ? lo + 1 : lo;
}

bool
fw_wit_list_has(const uint32_t *v, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* The piece of s->v[i] that starts at lo and ends before the next cut. */
static uint32_t
piece_end(const struct fw_spans *set, size_t i, const struct fw_wit_cuts *c,
    uint64_t lo)
{
	uint64_t next = cut_after(c, (uint32_t)lo);

	return next == 0 || next > set->v[i].hi ? set->v[i].hi :
						  (uint32_t)(next - 1);
}

static uint32_t
piece_rep(uint32_t lo, uint32_t hi, bool addr)
{
	return addr ? fw_wit_addr_rep(lo, hi) : lo;
}

/* One value of s->v[i]: from its first pieces, avoiding odd addresses. */
static uint32_t
interval_rep(const struct fw_spans *set, size_t i, const struct fw_wit_cuts *c,
    bool addr)
{
	uint64_t lo = set->v[i].lo;
	uint32_t hi, x;
	int	 k;

	for (k = 0; k < 4 && lo <= set->v[i].hi; k++) {
		hi = piece_end(set, i, c, lo);
		x = piece_rep((uint32_t)lo, hi, addr);
		if (!addr || !odd_addr(x))
			return x;
		lo = (uint64_t)hi + 1;
	}
	return piece_rep(
	    set->v[i].lo, piece_end(set, i, c, set->v[i].lo), addr);
}

/*
 * Up to max values of the set, one for each piece between cut points:
 * first the preferred ones in it, then one for each interval, then the
 * other pieces in order.
 */
static size_t
reps(const struct fw_spans *set, const struct fw_wit_cuts *c, bool addr,
    const uint32_t *prefs, size_t nprefs, uint32_t *v, size_t max)
{
	size_t	 n = 0, i;
	uint64_t lo;
	uint32_t hi, x;

	for (i = 0; i < nprefs && n < max; i++)
		if (fw_spans_has(set, prefs[i]) &&
		    !fw_wit_list_has(v, n, prefs[i]))
			v[n++] = prefs[i];
	/* Odd addresses after the others, so that the first packet tried,
	 * the one most often reported, reads well. */
	for (int odd = 0; odd < 2; odd++)
		for (i = 0; i < set->n && n < max; i++) {
			x = interval_rep(set, i, c, addr);
			if ((addr && odd_addr(x)) == odd &&
			    !fw_wit_list_has(v, n, x))
				v[n++] = x;
		}
	for (i = 0; i < set->n && n < max; i++)
		for (lo = set->v[i].lo; lo <= set->v[i].hi && n < max;
		     lo = (uint64_t)hi + 1) {
			hi = piece_end(set, i, c, lo);
			x = piece_rep((uint32_t)lo, hi, addr);
			if (!fw_wit_list_has(v, n, x))
				v[n++] = x;
		}
	return n;
}

static void
ivset_spans(struct fw_spans *out, const struct fw_ivset *b)
{
	unsigned int i;

	out->n = 0;
	for (i = 0; i < b->n; i++)
		fw_spans_push(out, b->iv[i].lo, b->iv[i].hi);
}

/* Destinations: for INPUT the gateway's own first, for FORWARD where the
 * first out interface leads first, then the rest of the box. */
static void
gen_dst(struct fw_wit_gen *g, const struct fw_spans *set)
{
	struct fw_wit  *w = g->w;
	struct fw_spans route = { 0 }, off = { 0 }, on = { 0 };
	uint32_t	more[FW_WIT_LIST];
	size_t		n = 0, m, i;
	bool		in = g->t->hook == FW_INPUT;

	if (!in && g->n[G_OUT] > 0 && g->route != NULL) {
		g->route(g, g->out[0], &route);
		fw_spans_minus(&off, set, route.v, route.n);
		fw_spans_minus(&on, set, off.v, off.n);
		n = reps(&on, &w->cut[FW_DIM_DST], true, NULL, 0, g->dst,
		    FW_WIT_LIST / 2);
	}
	if (g->dpref == NULL) {
		g->dpref = w->localv;
		g->ndpref = w->nlocalv;
	}
	m = reps(set, &w->cut[FW_DIM_DST], true, g->dpref, in ? g->ndpref : 0,
	    more, FW_WIT_LIST);
	for (i = 0; i < m && n < FW_WIT_LIST; i++)
		if (!fw_wit_list_has(g->dst, n, more[i]))
			g->dst[n++] = more[i];
	g->n[G_DST] = n;
	if (route.err || off.err || on.err)
		w->err = true;
	fw_spans_free(&route);
	fw_spans_free(&off);
	fw_spans_free(&on);
}

/* One of the other fields: the box's set less the values no packet
 * carries, as representatives after the preferred ones. */
static size_t
gen_field(struct fw_wit_gen *g, const struct fw_ivset *b, enum fw_dim d,
    const struct fw_span *none, size_t nnone, const uint32_t *pref,
    size_t npref, uint32_t *v)
{
	struct fw_spans set = { 0 };
	size_t		n;

	ivset_spans(&set, b);
	fw_spans_cut(&set, none, nnone);
	n = reps(&set, &g->w->cut[d], false, pref, npref, v, FW_WIT_LIST);
	if (set.err)
		g->w->err = true;
	fw_spans_free(&set);
	return n;
}

/* The fields of a target's candidates; src is the forged sources in its
 * box. An INPUT packet is for the gateway, a forwarded one is not. */
static bool
gen_init(struct fw_wit_gen *g)
{
	/* Protocol 0 and 255 are reserved and port 0 is no service: no
	 * packet a forger would send carries them. */
	static const struct fw_span no_proto[] = { { 0, 0 }, { 255, 255 } };
	static const struct fw_span no_port[] = { { 0, 0 } };
	static const uint32_t	    proto_pref[] = { IPPROTO_TCP, IPPROTO_UDP,
		      IPPROTO_ICMP };
	static const uint32_t	    sport_pref[] = { 1024 };
	const struct fw_box	   *b = &g->t->box;
	struct fw_wit		   *w = g->w;
	struct fw_spans		    dst = { 0 };
	uint32_t		    v[FW_WIT_LIST];
	size_t			    i;

	if (g->nin == 0)
		g->nin = fw_wit_pick_ifs(w, &b->iif, g->in, FW_WIT_LIST);
	g->n[G_IN] = g->nin;
	g->n[G_SRC] = reps(
	    g->srcs, &w->cut[FW_DIM_SRC], true, NULL, 0, g->src, FW_WIT_LIST);
	if (g->t->hook == FW_FORWARD)
		g->n[G_OUT] = fw_wit_pick_ifs(w, &b->oif, g->out, FW_WIT_LIST);
	else {
		g->out[0][0] = '\0';
		g->n[G_OUT] = 1;
	}
	ivset_spans(&dst, &b->d[FW_DIM_DST]);
	if (g->t->hook == FW_INPUT)
		fw_spans_cut(&dst, fw_martian_dst, FW_NMARTIAN);
	else
		fw_spans_cut(&dst, w->fwd_avoid.v, w->fwd_avoid.n);
	gen_dst(g, &dst);
	g->n[G_PROTO] = gen_field(g, &b->d[FW_DIM_PROTO], FW_DIM_PROTO,
	    no_proto, 2, proto_pref, 3, v);
	for (i = 0; i < g->n[G_PROTO]; i++)
		g->proto[i] = (uint8_t)v[i];
	g->n[G_SPORT] = gen_field(
	    g, &b->d[FW_DIM_SPORT], FW_DIM_SPORT, no_port, 1, sport_pref, 1, v);
	for (i = 0; i < g->n[G_SPORT]; i++)
		g->sport[i] = (uint16_t)v[i];
	g->n[G_DPORT] = gen_field(
	    g, &b->d[FW_DIM_DPORT], FW_DIM_DPORT, no_port, 1, NULL, 0, v);
	for (i = 0; i < g->n[G_DPORT]; i++)
		g->dport[i] = (uint16_t)v[i];
	if (dst.err)
		w->err = true;
	fw_spans_free(&dst);
	for (i = 0; i < G_NDIM; i++)
		if (g->n[i] == 0)
			return false;
	return !w->err;
}

void
fw_wit_set_addr(struct addr *a, uint32_t h)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->u.v4.s_addr = htonl(h);
}

/* The packet fw_pkt_parse would make of the line fmt_pkt prints. */
static void
fill_pkt(struct fw_pkt *pk, const struct fw_wit_gen *g, const unsigned int *ix)
{
	uint8_t proto = g->proto[ix[G_PROTO]];

	memset(pk, 0, sizeof(*pk));
	pk->hook = g->t->hook;
	snprintf(pk->in, sizeof(pk->in), "%s", g->in[ix[G_IN]]);
	snprintf(pk->out, sizeof(pk->out), "%s", g->out[ix[G_OUT]]);
	fw_wit_set_addr(&pk->src, g->src[ix[G_SRC]]);
	fw_wit_set_addr(&pk->dst, g->dst[ix[G_DST]]);
	pk->proto = proto;
	pk->icmp_type = -1;
	pk->ttl = 64;
	pk->src_type = RTN_BIT_UNICAST;
	pk->dst_type = pk->hook == FW_INPUT ? RTN_BIT_LOCAL : RTN_BIT_UNICAST;
	if (has_ports(proto)) {
		pk->sport = g->sport[ix[G_SPORT]];
		pk->dport = g->dport[ix[G_DPORT]];
	}
	/* A forged packet opens a connection: conntrack calls it NEW. */
	if (proto == IPPROTO_TCP)
		pk->tcp_flags = TCP_SYN;
	if (proto == IPPROTO_ICMP) {
		pk->icmp_type = 8; /* echo request */
		pk->icmp_code = 0;
	}
	pk->len = proto == IPPROTO_TCP			  ? 40 :
	    proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 28 :
							    20;
}

/* The packet as a line of `moatctl fw eval`. */
void
fw_wit_fmt(const struct fw_pkt *pk, char *buf, size_t len)
{
	char   s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], pb[8];
	size_t n;

	n = (size_t)snprintf(
	    buf, len, "hook=%s in=%s", fw_hook_names[pk->hook], pk->in);
	if (n < len && pk->out[0] != '\0')
		n += (size_t)snprintf(buf + n, len - n, " out=%s", pk->out);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n,
		    " src=%s dst=%s proto=%s",
		    fw_addr_str(ntohl(pk->src.u.v4.s_addr), s, sizeof(s)),
		    fw_addr_str(ntohl(pk->dst.u.v4.s_addr), d, sizeof(d)),
		    fw_proto_name(pk->proto, pb, sizeof(pb)));
	if (n < len && has_ports(pk->proto))
		n += (size_t)snprintf(buf + n, len - n, " sport=%u dport=%u",
		    pk->sport, pk->dport);
	if (n < len && pk->proto == IPPROTO_TCP)
		n += (size_t)snprintf(buf + n, len - n, " flags=S");
	if (n < len && pk->proto == IPPROTO_ICMP)
		n += (size_t)snprintf(buf + n, len - n, " icmp=8/0");
	if (n < len && pk->dst_type == RTN_BIT_LOCAL)
		snprintf(buf + n, len - n, " dst-type=LOCAL");
}

static size_t
dim_size(const struct fw_wit_gen *g, int d, const unsigned int *ix)
{
	if ((d == G_SPORT || d == G_DPORT) && !has_ports(g->proto[ix[G_PROTO]]))
		return 1;
	return g->n[d];
}

/*
 * The first candidates change one field at a time (gen_run): when they
 * all die at the same rule, that rule stands between every variation and
 * the target (an anti-spoofing rule, most often), and the rest of the
 * budget is better spent elsewhere.
 */
static void
hit_wall(struct fw_wit_gen *g, const struct fw_verdict *v)
{
	if (strcmp(g->wall, v->chain) == 0 && g->wall_rule == v->rule) {
		if (++g->wall_hits >= WIT_WALL)
			g->stop = true;
		return;
	}
	snprintf(g->wall, sizeof(g->wall), "%s", v->chain);
	g->wall_rule = v->rule;
	g->wall_hits = 1;
}

static void
gen_try(struct fw_wit_gen *g, const unsigned int *ix)
{
	struct fw_pkt	  pk;
	struct fw_verdict v;
	struct fw_wit	 *w = g->w;

	if (++g->steps > 8 * WIT_PER_TARGET) {
		g->stop = true;
		return;
	}
	fill_pkt(&pk, g, ix);
	/* A packet to itself says nothing a report could use. */
	if (g->src[ix[G_SRC]] == g->dst[ix[G_DST]] ||
	    !fpset_add(&w->tried, pkt_key(&pk), true))
		return;
	g->tried++;
	switch (fw_wit_eval(w, &pk, &v)) {
	case 1:
		g->found(g, &pk, &v);
		break;
	case 0:
		hit_wall(g, &v);
		break;
	}
	if (g->tried >= WIT_PER_TARGET || w->budget == 0 || w->err)
		g->stop = true;
}

/* Every index vector whose indices sum to left, from dimension d on. */
static void
gen_sum(struct fw_wit_gen *g, int d, size_t left, unsigned int *ix)
{
	size_t i, n;

	if (d == G_NDIM) {
		if (left == 0)
			gen_try(g, ix);
		return;
	}
	n = dim_size(g, d, ix);
	for (i = 0; i < n && i <= left && !g->stop; i++) {
		ix[d] = (unsigned int)i;
		gen_sum(g, d + 1, left - i, ix);
	}
}

/*
 * Candidates in the order of how far they stray from each field's first
 * choice: all first choices, then one field changed, then two ... so that
 * a small budget still varies every field.
 */
static void
gen_run(struct fw_wit_gen *g)
{
	unsigned int ix[G_NDIM] = { 0 };
	size_t	     s, max = 0;
	int	     d;

	for (d = 0; d < G_NDIM; d++)
		max += g->n[d] - 1;
	for (s = 0; s <= max && !g->stop; s++)
		gen_sum(g, 0, s, ix);
}

/* ---- the search ---- */

/* The rule number fw_verdict gives the target (0: the policy). */
int
fw_wit_target_rule(const struct fw_wit_target *t)
{
	return t->idx < t->chain->nrules ? (int)t->idx + 1 : 0;
}

/* A cleartext packet opening a connection can match the box (or an
 * untracked one, if the raw table exempts packets from tracking). */
static bool
plain_new(const struct fw_wit *w, const struct fw_box *b)
{
	return (b->ipsec_in & FW_BOX_PLAIN) && (b->ipsec_out & FW_BOX_PLAIN) &&
	    (b->ctstate & (FW_CT_NEW | (w->notrack ? FW_CT_UNTRACKED : 0))) !=
	    0;
}

/*
 * Every target in order, with a candidate generator that prep sets up
 * (false: nothing to try there) until *done. The policies come last and
 * get a budget of their own, so that rules that exhaust the rest do not
 * hide a policy that accepts everything.
 */
void
fw_wit_search(struct fw_wit *w, unsigned int budget, fw_wit_prep *prep,
    void *arg, const bool *done)
{
	struct fw_wit_gen *g = w->g;
	bool		   policies = false;
	size_t		   i;

	w->budget = budget > WIT_POLICY_BUDGET ? budget - WIT_POLICY_BUDGET : 0;
	for (i = 0; i < w->ntg && !w->err && !*done; i++) {
		const struct fw_wit_target *t = &w->tg[i];

		if (t->idx == t->chain->nrules && !policies) {
			policies = true;
			w->budget += WIT_POLICY_BUDGET;
		}
		if (w->budget == 0 || !plain_new(w, &t->box))
			continue;
		memset(g, 0, sizeof(*g));
		g->w = w;
		g->t = t;
		g->arg = arg;
		if (prep(g, arg) && gen_init(g))
			gen_run(g);
	}
}

/* ---- setting up ---- */

/* The single addresses that the built-in chain's rules name in field d. */
static void
chain_singles(struct fw_wit *w, const char *chain, enum fw_dim d)
{
	const struct fw_chain *c = fw_chain_find(w->rs, FW_FILTER, chain);
	struct fw_box	       b;
	size_t		       i;

	for (i = 0; c != NULL && i < c->nrules; i++) {
		fw_rule_box(c->rules[i], &b, false);
		if (b.d[d].n == 1 && b.d[d].iv[0].lo == b.d[d].iv[0].hi)
			fw_spans_push(
			    &w->local, b.d[d].iv[0].lo, b.d[d].iv[0].hi);
	}
}

/* The gateway's addresses: the ones given, else a guess from the
 * addresses that INPUT rules accept for and OUTPUT rules send from. */
static void
find_locals(struct fw_wit *w, const uint32_t *local, size_t nlocal)
{
	size_t i;

	for (i = 0; i < nlocal; i++)
		fw_spans_push(&w->local, local[i], local[i]);
	if (nlocal == 0) {
		chain_singles(w, "INPUT", FW_DIM_DST);
		chain_singles(w, "OUTPUT", FW_DIM_SRC);
	}
	fw_spans_norm(&w->local);
	for (i = 0; i < w->local.n && w->nlocalv < FW_WIT_LIST; i++)
		w->localv[w->nlocalv++] = w->local.v[i].lo;
	for (i = 0; i < w->local.n; i++)
		fw_spans_push(
		    &w->fwd_avoid, w->local.v[i].lo, w->local.v[i].hi);
	for (i = 0; i < FW_NMARTIAN; i++)
		fw_spans_push(
		    &w->fwd_avoid, fw_martian_dst[i].lo, fw_martian_dst[i].hi);
	fw_spans_norm(&w->fwd_avoid);
}

/* Whether the raw table exempts some packets from tracking. */
static bool
raw_notrack(const struct fw_ruleset *rs)
{
	const struct fw_table *tb = &rs->t[FW_RAW];
	const struct fw_rule  *r;
	size_t		       i, j;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++) {
			r = tb->chains[i]->rules[j];
			if (r->tdef != NULL &&
			    (strcmp(r->tdef->name, "NOTRACK") == 0 ||
				strcmp(r->tdef->name, "CT") == 0))
				return true;
		}
	return false;
}

int
fw_wit_init(struct fw_wit *w, struct fw_ruleset *rs, const uint32_t *local,
    size_t nlocal, const char (*names)[IFNAMSIZ], size_t nnames)
{
	size_t i;
	int    d;

	memset(w, 0, sizeof(*w));
	w->rs = rs;
	if ((w->names = calloc(WIT_NAMES_MAX, IFNAMSIZ)) == NULL)
		return -1;
	scan_table(w, FW_RAW);
	scan_table(w, FW_FILTER);
	for (i = 0; i < nnames; i++)
		add_name(w, names[i]);
	for (d = 0; d < FW_NDIM; d++) {
		cuts_norm(&w->cut[d]);
		if (w->cut[d].err)
			return -1;
	}
	collect_targets(w);
	find_locals(w, local, nlocal);
	w->notrack = raw_notrack(rs);
	return w->err || w->local.err || w->fwd_avoid.err ? -1 : 0;
}

int
fw_wit_start(struct fw_wit *w, unsigned int n)
{
	if ((w->g = calloc(1, sizeof(*w->g))) == NULL ||
	    fpset_init(&w->tried, n) == -1 ||
	    fpset_init(&w->conns, WIT_CT_MAX) == -1)
		return -1;
	w->stateful =
	    table_stateful(w->rs, FW_FILTER) || table_stateful(w->rs, FW_RAW);
	wit_reset(w);
	return w->err ? -1 : 0;
}

void
fw_wit_free(struct fw_wit *w)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		free(w->cut[d].v);
	free(w->names);
	free(w->tg);
	fw_evaluator_free(w->e);
	free(w->tried.v);
	free(w->conns.v);
	fw_spans_free(&w->local);
	fw_spans_free(&w->fwd_avoid);
	free(w->g);
}
