/*
 * fw check's lint: rules that never match or change nothing, rules after
 * one that decides every packet, chains nothing jumps to, and addresses
 * that look like a network whose mask length was lost.
 *
 * Rules are compared as boxes (box.h). A box may say more than its rule
 * (inexact), never less, so: a rule is covered only by an exact box, and
 * two rules are apart when their boxes are. Each finding must be certain;
 * where a comparison is not, the analysis says nothing.
 *
 * The netfilter facts used: a chain is walked in order and the first
 * terminating target ends it (ACCEPT, DROP and the like end the table,
 * RETURN the chain, -g the chain too, as the chain gone to returns to our
 * caller); the end of a built-in chain applies its policy, the end of a
 * user chain returns to the caller (net/ipv4/netfilter/ip_tables.c,
 * ipt_do_table).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "fw_int.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What a rule was found to be; each rule gets at most one. */
enum kind {
	K_NONE,
	K_SHADOWED, /* an earlier rule decides its packets otherwise */
	K_COVERED, /* an earlier rule decides its packets alike */
	K_LATER, /* a later rule would decide its packets alike */
	K_POLICY, /* the policy would decide its packets alike */
};

/* What the analyses ask of a rule, computed once per chain. */
struct lrule {
	const struct fw_rule *r;
	struct fw_box	      box;
	struct fw_iv	      hull[FW_NDIM]; /* lo > hi: the field is empty */
	char		     *verdict; /* NULL: the walk goes on after it */
	bool		      empty; /* the box has no packet */
	bool		      shared; /* changes state other rules read */
	bool		      stateful; /* a match keeps state (limit...) */
	bool		      heads; /* matches no later fragment */
	enum kind	      kind; /* what the rule was found to be */
	size_t		      by; /* the rule that decides for it */
};

struct lchain {
	const struct fw_chain *c;
	struct lrule	      *l;
	size_t		       n;
	size_t		       last; /* decides every packet; n if none */
};

/*
 * Matches whose state other rules see: recent lists by name, hashlimit
 * tables by name. A rule with one has effects even when its target never
 * runs, so it is never called shadowed or redundant.
 */
static const char *const shared_state[] = { "recent", "hashlimit" };

/*
 * Matches that read the transport header, and so never match a fragment
 * after the first (xt_tcpudp.c, xt_multiport.c, ...: "fragoff != 0"). A
 * box does not say this (a port set of 0:65535 is every port), so a rule
 * with one covers only rules that match no such fragment either.
 */
static const char *const header_matches[] = { "tcp", "udp", "udplite", "icmp",
	"multiport", "sctp", "dccp", "esp", "ah" };

/* Whether the rule has a match by one of these names. */
static bool
uses(const struct fw_rule *r, const char *const *names, size_t n)
{
	size_t i, k;

	for (i = 0; i < r->nm; i++)
		for (k = 0; k < n; k++)
			if (strcmp(r->m[i].def->name, names[k]) == 0)
				return true;
	return false;
}

static bool
heads_only(const struct fw_rule *r)
{
	return (r->frag && (r->inv & FW_INV_FRAG)) || /* ! -f */
	    uses(r, header_matches, NELEM(header_matches));
}

static bool
has_state(const struct fw_rule *r)
{
	size_t i;

	for (i = 0; i < r->nm; i++)
		if (r->m[i].def->bind != NULL)
			return true;
	return false;
}

/*
 * The target of a rule that ends the chain's walk, as iptables-save
 * prints it, so that two rules with the same text decide alike; NULL for
 * rules after which the walk goes on. -1 only when out of memory.
 */
static int
verdict_of(const struct fw_rule *r, char **out)
{
	size_t len;
	FILE  *f;

	*out = NULL;
	if (r->action != FW_ACT_VERDICT && r->action != FW_ACT_RETURN &&
	    r->action != FW_ACT_GOTO)
		return 0;
	if ((f = open_memstream(out, &len)) == NULL)
		return -1;
	if (r->action == FW_ACT_GOTO)
		fprintf(f, "-g %s", r->jump);
	else if (r->tdef != NULL) {
		fprintf(f, "-j %s", r->tdef->name);
		if (r->tdef->save != NULL)
			r->tdef->save(r->tdata, f);
	} else
		fprintf(f, "-j RETURN");
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int
lrule_init(struct lrule *l, const struct fw_rule *r)
{
	int d;

	l->r = r;
	fw_rule_box(r, &l->box, false);
	for (d = 0; d < FW_NDIM; d++) {
		const struct fw_ivset *s = &l->box.d[d];

		l->hull[d].lo = s->n > 0 ? s->iv[0].lo : 1;
		l->hull[d].hi = s->n > 0 ? s->iv[s->n - 1].hi : 0;
	}
	l->empty = fw_box_empty(&l->box);
	l->shared = uses(r, shared_state, NELEM(shared_state));
	l->stateful = has_state(r);
	l->heads = heads_only(r);
	return verdict_of(r, &l->verdict);
}

static void
lchain_free(struct lchain *lc)
{
	size_t i;

	if (lc->l != NULL)
		for (i = 0; i < lc->n; i++)
			free(lc->l[i].verdict);
	free(lc->l);
}

static int
lchain_init(struct lchain *lc, const struct fw_chain *c)
{
	size_t i;

	lc->c = c;
	lc->n = c->nrules;
	lc->last = c->nrules;
	if ((lc->l = calloc(c->nrules + 1, sizeof(*lc->l))) == NULL)
		return -1;
	for (i = 0; i < c->nrules; i++) {
		if (lrule_init(&lc->l[i], c->rules[i]) == -1)
			return -1;
		if (lc->last == lc->n && lc->l[i].verdict != NULL &&
		    fw_box_is_all(&lc->l[i].box))
			lc->last = i;
	}
	return 0;
}

/* Cheap tests on the fields' hulls before the exact ones: most pairs of
 * a long chain differ in protocol, port or address range. */
static bool
hull_within(const struct lrule *a, const struct lrule *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (a->hull[d].lo < b->hull[d].lo ||
		    a->hull[d].hi > b->hull[d].hi)
			return false;
	return true;
}

static bool
hull_apart(const struct lrule *a, const struct lrule *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (a->hull[d].hi < b->hull[d].lo ||
		    b->hull[d].hi < a->hull[d].lo)
			return true;
	return false;
}

/* Every packet a matches, b matches (b exact). */
static bool
covers(const struct lrule *b, const struct lrule *a)
{
	return b->box.exact && (a->heads || !b->heads) && hull_within(a, b) &&
	    fw_box_subset(&a->box, &b->box);
}

static bool
apart(const struct lrule *a, const struct lrule *b)
{
	return hull_apart(a, b) || fw_box_disjoint(&a->box, &b->box);
}

/* "drops" for -j DROP and so on, for messages. */
static void
does(const struct lrule *l, const char *what, char *buf, size_t size)
{
	static const struct {
		const char *target, *verb;
	} verbs[] = {
		{ "ACCEPT", "accepts" },
		{ "DROP", "drops" },
		{ "REJECT", "rejects" },
		{ "RETURN", "returns" },
	};
	const struct fw_rule *r = l->r;
	const char	     *name;
	size_t		      k;

	if (r->action == FW_ACT_GOTO) {
		snprintf(buf, size, "sends %s to chain %s (-g)", what, r->jump);
		return;
	}
	name = r->tdef != NULL ? r->tdef->name : "RETURN";
	for (k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (strcmp(name, verbs[k].target) == 0) {
			snprintf(buf, size, "%s %s", verbs[k].verb, what);
			return;
		}
	snprintf(buf, size, "applies -j %s to %s", name, what);
}

/*
 * The first earlier rule that decides every packet of rule i: then rule i
 * never matches. Rules with shared state are left alone (their matches
 * run even when the target never does), and so are empty boxes, which
 * match nothing for another reason. The first such rule is never covered
 * itself: what covers it would cover rule i and come earlier.
 */
static void
find_covered(struct lchain *lc, size_t i)
{
	struct lrule *l = &lc->l[i];
	size_t	      j;

	if (l->shared || l->empty)
		return;
	for (j = 0; j < i; j++)
		if (lc->l[j].verdict != NULL && covers(&lc->l[j], l)) {
			l->kind = l->verdict != NULL &&
				strcmp(l->verdict, lc->l[j].verdict) == 0 ?
			    K_COVERED :
			    K_SHADOWED;
			l->by = j;
			return;
		}
}

/* The policy's verdict, as verdict_of prints it; NULL in user chains,
 * whose end returns to the caller. */
static const char *
policy_of(const struct fw_chain *c)
{
	if (c->hook < 0)
		return NULL;
	return c->policy_accept ? "-j ACCEPT" : "-j DROP";
}

/*
 * Rule i decides its packets as what comes after it would anyway: walk
 * the later rules while each is apart from it, or decides as it does
 * without state that others read. A later rule that covers it, or the
 * policy at the end of a built-in chain, then decides the same. Anything
 * else on the way (a jump, a goto elsewhere, a rule that logs or marks, a
 * different verdict, a match with state) could decide otherwise, and the
 * walk gives up.
 *
 * Later rules are found first, so that every rule found can go at once: a
 * covered rule will go, so it is passed over rather than trusted, and a
 * later rule that is itself needless passes its packets on to one that
 * decides them alike.
 */
static void
find_needless(struct lchain *lc, size_t i)
{
	struct lrule	   *l = &lc->l[i];
	const struct lrule *e;
	const char	   *policy;
	size_t		    j;

	if (l->kind != K_NONE || l->verdict == NULL || l->shared || l->empty)
		return;
	for (j = i + 1; j < lc->n; j++) {
		e = &lc->l[j];
		if (e->stateful)
			return;
		if (apart(l, e))
			continue;
		if (e->verdict == NULL || strcmp(e->verdict, l->verdict) != 0)
			return;
		if (e->kind != K_COVERED && e->kind != K_SHADOWED &&
		    covers(e, l)) {
			l->kind = K_LATER;
			l->by = j;
			return;
		}
	}
	/* A rule that decides every packet as the policy does is left
	 * alone: written on purpose, it still holds if the policy is
	 * changed. */
	policy = policy_of(lc->c);
	if (policy != NULL && strcmp(policy, l->verdict) == 0 &&
	    !fw_box_is_all(&l->box))
		l->kind = K_POLICY;
}

static void
report(const struct lchain *lc, size_t i, struct fw_diag *d)
{
	const struct lrule *l = &lc->l[i], *e = &lc->l[l->by];
	const char	   *name = lc->c->name;
	char		    act[160], fix[96];

	snprintf(fix, sizeof(fix), "delete rule %zu", i + 1);
	switch (l->kind) {
	case K_SHADOWED:
		does(e, "every packet it would match", act, sizeof(act));
		snprintf(fix, sizeof(fix),
		    "move rule %zu above rule %zu if it should apply, or "
		    "delete it",
		    i + 1, l->by + 1);
		fw_finding(d, false, l->r->line, "shadowed", fix,
		    "%s rule %zu never matches: rule %zu %s first", name, i + 1,
		    l->by + 1, act);
		break;
	case K_COVERED:
		does(e, "these packets", act, sizeof(act));
		fw_finding(d, false, l->r->line, "redundant", fix,
		    "%s rule %zu is covered by rule %zu, which already %s",
		    name, i + 1, l->by + 1, act);
		break;
	case K_LATER:
		does(e, "these packets too", act, sizeof(act));
		fw_finding(d, false, l->r->line, "redundant", fix,
		    "%s rule %zu changes nothing: without it, rule %zu %s",
		    name, i + 1, l->by + 1, act);
		break;
	case K_POLICY:
		fw_finding(d, false, l->r->line, "redundant", fix,
		    "%s rule %zu changes nothing: without it, the chain's "
		    "policy %s these packets too",
		    name, i + 1, lc->c->policy_accept ? "accepts" : "drops");
		break;
	case K_NONE:
		break;
	}
}

static void
check_after(const struct lchain *lc, struct fw_diag *d)
{
	size_t first = lc->last + 2, end = lc->n;
	char   fix[96];

	if (first == end) {
		snprintf(fix, sizeof(fix),
		    "move rule %zu above rule %zu, or delete it", first,
		    lc->last + 1);
		fw_finding(d, false, lc->l[lc->last + 1].r->line,
		    "after-verdict", fix,
		    "rule %zu of %s is never reached: rule %zu decides every "
		    "packet",
		    first, lc->c->name, lc->last + 1);
		return;
	}
	snprintf(fix, sizeof(fix),
	    "move rules %zu..%zu above rule %zu, or delete them", first, end,
	    lc->last + 1);
	fw_finding(d, false, lc->l[lc->last + 1].r->line, "after-verdict", fix,
	    "rules %zu..%zu of %s are never reached: rule %zu decides every "
	    "packet",
	    first, end, lc->c->name, lc->last + 1);
}

/*
 * Whether the table shows v to be a host in a network wider than /24:
 * some rule names a network of /17 to /23, the lengths of LANs, with v
 * inside but not as its first address (188.95.234.0/23 has the host
 * 188.95.235.0), or names the host v - 1, whose last octet is 255, so no
 * /24 boundary lies between them. Shorter prefixes are left out: lists of
 * reserved networks (10.0.0.0/8) say nothing about the hosts in them.
 */
static bool
wider_network(const struct fw_table *tb, uint32_t v)
{
	const struct prefix *p[2];
	size_t		     c, i, k;
	uint32_t	     a, m;

	for (c = 0; c < tb->nchains; c++)
		for (i = 0; i < tb->chains[c]->nrules; i++) {
			p[0] = &tb->chains[c]->rules[i]->src;
			p[1] = &tb->chains[c]->rules[i]->dst;
			for (k = 0; k < 2; k++) {
				if (p[k]->addr.af != AF_INET)
					continue;
				a = ntohl(p[k]->addr.u.v4.s_addr);
				m = ntohl(p[k]->mask.u.v4.s_addr);
				if (m == 0xffffffffu && a == v - 1)
					return true;
				if (m >= 0xffff8000u && m < 0xffffff00u &&
				    (~m & (~m + 1)) == 0 && (v & m) == a &&
				    v != a)
					return true;
			}
		}
	return false;
}

/*
 * "-s 10.0.2.0" is a /32: the one host 10.0.2.0, which is a network's
 * own address. Written by hand it is far more likely a network whose
 * "/24" went missing, unless the ruleset shows the address is a host
 * (above, or a MAC address bound to it). The length suggested is the
 * octet boundary the address has zeros after.
 */
static const char *const bound[] = { "mac" }; /* one host's own */

static void
lost_mask_one(const struct fw_table *tb, const struct lchain *lc, size_t i,
    const char *opt, const struct prefix *p, const struct prefix *prev,
    struct fw_diag *d)
{
	char	 a[INET_ADDRSTRLEN], fix[96];
	uint32_t v = ntohl(p->addr.u.v4.s_addr);
	int	 len = 32;

	if (p->mask.u.v4.s_addr != 0xffffffffu || (v & 0xff) != 0 || v == 0)
		return;
	/* "-s 10.0.2.0 -d a,b" is two rules from one line: say it once. */
	if (prev != NULL && prev->addr.u.v4.s_addr == p->addr.u.v4.s_addr &&
	    prev->mask.u.v4.s_addr == p->mask.u.v4.s_addr)
		return;
	if (uses(lc->l[i].r, bound, NELEM(bound)) || wider_network(tb, v))
		return;
	while (len > 8 && (v & (0xffu << (32 - len))) == 0)
		len -= 8;
	inet_ntop(AF_INET, &p->addr.u.v4, a, sizeof(a));
	snprintf(
	    fix, sizeof(fix), "write %s/%d if the network was meant", a, len);
	fw_finding(d, false, lc->l[i].r->line, "lost-mask", fix,
	    "%s rule %zu: %s %s is one host, the network address; a /%d (or "
	    "other) mask length was probably lost",
	    lc->c->name, i + 1, opt, a, len);
}

static void
check_lost_mask(const struct fw_table *tb, const struct lchain *lc, size_t i,
    struct fw_diag *d)
{
	const struct fw_rule *r = lc->l[i].r, *q = NULL;

	if (i > 0 && lc->l[i - 1].r->line == r->line && r->line != 0)
		q = lc->l[i - 1].r;
	if (r->src.addr.af == AF_INET)
		lost_mask_one(tb, lc, i, r->inv & FW_INV_SRC ? "! -s" : "-s",
		    &r->src, q ? &q->src : NULL, d);
	if (r->dst.addr.af == AF_INET)
		lost_mask_one(tb, lc, i, r->inv & FW_INV_DST ? "! -d" : "-d",
		    &r->dst, q ? &q->dst : NULL, d);
}

/* One chain's findings, in rule order. */
static int
lint_chain(
    const struct fw_table *tb, const struct fw_chain *c, struct fw_diag *d)
{
	struct lchain lc = { 0 };
	size_t	      i, end;
	int	      rc = -1;

	if (lchain_init(&lc, c) == -1)
		goto out;
	/* Rules after the one that decides every packet are reported as a
	 * block, not one by one. */
	end = lc.last < lc.n ? lc.last + 1 : lc.n;
	for (i = 0; i < end; i++)
		find_covered(&lc, i);
	for (i = end; i-- > 0;)
		find_needless(&lc, i);
	for (i = 0; i < lc.n; i++) {
		if (i == lc.last + 1)
			check_after(&lc, d);
		check_lost_mask(tb, &lc, i, d);
		report(&lc, i, d);
	}
	rc = 0;
out:
	lchain_free(&lc);
	return rc;
}

static size_t
chain_index(const struct fw_table *tb, const struct fw_chain *c)
{
	size_t i;

	for (i = 0; i < tb->nchains; i++)
		if (tb->chains[i] == c)
			return i;
	return tb->nchains;
}

/* Mark the chains that a built-in chain reaches by jumps and gotos. */
static int
reach(const struct fw_table *tb, bool *seen)
{
	size_t *stack, n = 0, i, k;

	if ((stack = calloc(tb->nchains + 1, sizeof(*stack))) == NULL)
		return -1;
	for (i = 0; i < tb->nchains; i++)
		if (tb->chains[i]->hook >= 0) {
			seen[i] = true;
			stack[n++] = i;
		}
	while (n > 0) {
		const struct fw_chain *c = tb->chains[stack[--n]];

		for (i = 0; i < c->nrules; i++) {
			if (c->rules[i]->dest == NULL)
				continue;
			k = chain_index(tb, c->rules[i]->dest);
			if (k < tb->nchains && !seen[k]) {
				seen[k] = true;
				stack[n++] = k;
			}
		}
	}
	free(stack);
	return 0;
}

static void
unreachable(const struct fw_chain *c, enum fw_tableid t, struct fw_diag *d)
{
	char fix[128];

	snprintf(fix, sizeof(fix),
	    "jump to it (-j %s) where its rules should apply, or delete it",
	    c->name);
	fw_finding(d, false, c->nrules > 0 ? c->rules[0]->line : 0,
	    "unreachable-chain", fix,
	    "chain %s of table %s is never used: no built-in chain reaches "
	    "it by jumps or gotos",
	    c->name, fw_table_names[t]);
}

static int
lint_table(const struct fw_table *tb, enum fw_tableid t, struct fw_diag *d)
{
	bool  *seen;
	size_t i;
	int    rc = -1;

	if ((seen = calloc(tb->nchains + 1, sizeof(*seen))) == NULL)
		return -1;
	if (reach(tb, seen) == -1)
		goto out;
	for (i = 0; i < tb->nchains; i++) {
		if (!seen[i])
			unreachable(tb->chains[i], t, d);
		if (lint_chain(tb, tb->chains[i], d) == -1)
			goto out;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

int
fw_lint(struct fw_ruleset *rs, const struct fw_check_opts *c, struct fw_diag *d)
{
	int t;

	(void)c; /* the lint needs nothing of the network */
	for (t = 0; t < FW_NTABLES; t++)
		if (rs->t[t].present && lint_table(&rs->t[t], t, d) == -1) {
			fprintf(stderr, "moatctl: fw check: out of memory\n");
			return -1;
		}
	return 0;
}
