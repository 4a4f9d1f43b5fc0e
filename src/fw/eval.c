/*
 * The linear evaluator: one packet through one table's chain for its hook,
 * as ipt_do_table walks it. Jumps push the position, goto does not, RETURN
 * and the end of a user chain pop, and a built-in chain ends in its policy.
 * Connection tracking classifies the packet before the filter, and a new
 * connection is confirmed only when the packet is accepted. The compiled
 * classifier (classify.c) only lets the walk skip rules that cannot
 * match; with it switched off (fw_evaluator_linear, and for traces) the
 * walk is the reference it is checked against.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "conntrack.h"
#include "fw_int.h"

#define EVAL_MAXDEPTH 64 /* deeper than any loop-free ruleset needs */

/* A ruleset ready to decide: compiled, its rate matches bound. A reload
 * prepares a new one beside the old and replaces the pointer. */
struct active {
	struct fw_ruleset *rs;
	struct fw_rate	  *rate; /* NULL: no rule has state */
	struct fw_chain	  *start[FW_NHOOKS]; /* the table's, per hook */
	struct fw_chain	  *raw[FW_NHOOKS];
};

struct fw_evaluator {
	struct active	*act;
	bool		 linear;
	enum fw_tableid	 table;
	struct ct_table *ct; /* kept across reloads, as the kernel's */
	FILE		*log; /* where LOG and NFLOG write */
};

struct frame {
	struct fw_chain *chain;
	size_t		 next;
	struct cls_key	 key;
};

/*
 * Rules with state start afresh with each evaluator, as when the kernel
 * loads a ruleset. Every table is bound, not only the ones evaluated,
 * because in the kernel a rule of any table can create a shared table.
 */
static int
bind_rules(struct active *a, struct ct_table *ct)
{
	const struct fw_table *tb;
	struct fw_rule	      *r;
	size_t		       i, j, k;
	int		       t;

	for (t = 0; t < FW_NTABLES; t++) {
		tb = &a->rs->t[t];
		for (i = 0; i < tb->nchains; i++)
			for (j = 0; j < tb->chains[i]->nrules; j++) {
				r = tb->chains[i]->rules[j];
				for (k = 0; k < r->nm; k++) {
					if (r->m[k].def->bind == NULL)
						continue;
					if (a->rate == NULL &&
					    (a->rate = fw_rate_new(ct)) == NULL)
						return -1;
					if (r->m[k].def->bind(
						r->m[k].data, a->rate) == -1)
						return -1;
				}
			}
	}
	return 0;
}

/* The built-in chain of table t that a packet at hook h passes, if any;
 * found once, when a ruleset is activated. */
static struct fw_chain *
find_hook_chain(const struct fw_ruleset *rs, enum fw_tableid t, enum fw_hook h)
{
	struct fw_chain *c;

	if (!rs->t[t].present ||
	    (c = fw_chain_find(rs, t, fw_hook_names[h])) == NULL ||
	    c->hook == -1)
		return NULL;
	return c;
}

static void
deactivate(struct active *a, enum fw_tableid t)
{
	if (a == NULL)
		return;
	cls_free(a->rs, t);
	if (t != FW_RAW)
		cls_free(a->rs, FW_RAW);
	fw_rate_free(a->rate);
	free(a);
}

/* Compile table t (and the raw table before it) and bind its rules. */
static struct active *
activate(struct fw_ruleset *rs, enum fw_tableid t, struct ct_table *ct)
{
	struct active *a;
	int	       h;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->rs = rs;
	for (h = 0; h < FW_NHOOKS; h++) {
		a->start[h] = find_hook_chain(rs, t, h);
		a->raw[h] = t != FW_RAW ? find_hook_chain(rs, FW_RAW, h) : NULL;
	}
	if (bind_rules(a, ct) == -1 || cls_build(rs, t) == -1 ||
	    (t != FW_RAW && cls_build(rs, FW_RAW) == -1)) {
		deactivate(a, t);
		return NULL;
	}
	return a;
}

struct fw_evaluator *
fw_evaluator_new(struct fw_ruleset *rs, enum fw_tableid t, size_t ct_max)
{
	struct fw_evaluator *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->table = t;
	if ((e->ct = ct_table_new(ct_max)) == NULL ||
	    (e->act = activate(rs, t, e->ct)) == NULL) {
		fw_evaluator_free(e);
		return NULL;
	}
	return e;
}

void
fw_evaluator_free(struct fw_evaluator *e)
{
	if (e == NULL)
		return;
	deactivate(e->act, e->table);
	ct_table_free(e->ct);
	free(e);
}

/*
 * A reload: rs is checked and compiled beside the running ruleset, which
 * keeps deciding if anything fails (the diag says why); then one pointer
 * store makes rs the ruleset, connection tracking carrying on, and the
 * old ruleset is handed back to be freed. Rate matches start afresh, as
 * when the kernel replaces a table.
 */
int
fw_evaluator_swap(struct fw_evaluator *e, struct fw_ruleset *rs,
    struct fw_ruleset **old, struct fw_diag *d)
{
	struct active *a, *prev = e->act;

	if (fw_evaluable(rs, e->table, d) == -1)
		return -1;
	if ((a = activate(rs, e->table, e->ct)) == NULL) {
		fw_error(d,
		    "out of memory compiling the ruleset; the running "
		    "one stays");
		return -1;
	}
	__atomic_store_n(&e->act, a, __ATOMIC_RELEASE);
	*old = prev->rs;
	deactivate(prev, e->table);
	return 0;
}

/* The connection tracker's counters, as one line. */
void
fw_evaluator_ct_stats(const struct fw_evaluator *e, FILE *f)
{
	struct ct_stats st;

	ct_get_stats(e->ct, &st);
	fprintf(f,
	    "conntrack: %ju entries, %ju inserted, %ju expired, %ju "
	    "invalid, %ju evicted to make room, %ju dropped (table full)\n",
	    (uintmax_t)st.entries, (uintmax_t)st.inserted,
	    (uintmax_t)st.expired, (uintmax_t)st.invalid,
	    (uintmax_t)st.early_drop, (uintmax_t)st.dropped_full);
}

/* LOG and NFLOG write their lines to f (NULL: nowhere). */
void
fw_evaluator_set_log(struct fw_evaluator *e, FILE *f)
{
	e->log = f;
}

/* Every rule of one table must be something moat can evaluate. */
static int
table_evaluable(
    const struct fw_ruleset *rs, enum fw_tableid t, struct fw_diag *d)
{
	const struct fw_table *tb = &rs->t[t];
	const struct fw_rule  *r;
	const char	      *why;
	size_t		       i, j, k;
	int		       rc = 0;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++) {
			r = tb->chains[i]->rules[j];
			for (k = 0; k < r->nm; k++) {
				why = r->m[k].def->match == NULL ?
				    "not implemented yet" :
				    r->m[k].def->unsupported ?
				    r->m[k].def->unsupported(r->m[k].data) :
				    NULL;
				if (why != NULL) {
					fw_finding(d, true, r->line,
					    "unevaluable", NULL,
					    "%s rule %zu: moat cannot "
					    "evaluate -m %s: %s",
					    tb->chains[i]->name, j + 1,
					    r->m[k].def->name, why);
					rc = -1;
				}
			}
			if (r->tdef == NULL || r->action == FW_ACT_RETURN)
				continue;
			why = r->tdef->run == NULL ?
			    "not carried out in the "
			    "filter path" :
			    r->tdef->unsupported ?
			    r->tdef->unsupported(r->tdata) :
			    NULL;
			if (why != NULL) {
				fw_finding(d, true, r->line, "unevaluable",
				    NULL,
				    "%s rule %zu: moat cannot carry out "
				    "-j %s: %s",
				    tb->chains[i]->name, j + 1, r->tdef->name,
				    why);
				rc = -1;
			}
		}
	return rc;
}

/* The table evaluated, and the raw table that runs before it. */
int
fw_evaluable(const struct fw_ruleset *rs, enum fw_tableid t, struct fw_diag *d)
{
	int rc = table_evaluable(rs, t, d);

	if (t != FW_RAW && table_evaluable(rs, FW_RAW, d) == -1)
		rc = -1;
	return rc;
}

/* NULL if the rule matches, else the part that did not; known is what
 * the classifier has found to hold. */
static const char *
rule_mismatch(const struct fw_rule *r, const struct fw_pkt *pk,
    struct fw_eval *ev, enum cls_known known)
{
	size_t i;

	if (known == CLS_RULE)
		return NULL;
	if (known == CLS_HEADER)
		goto matches;
	if (prefix_contains(&r->src, &pk->src) == !!(r->inv & FW_INV_SRC))
		return "-s";
	if (prefix_contains(&r->dst, &pk->dst) == !!(r->inv & FW_INV_DST))
		return "-d";
	if (fw_iface_match(r->iif, pk->in) == !!(r->inv & FW_INV_IIF))
		return "-i";
	if (fw_iface_match(r->oif, pk->out) == !!(r->inv & FW_INV_OIF))
		return "-o";
	if (r->proto != 0 &&
	    (pk->proto == r->proto) == !!(r->inv & FW_INV_PROTO))
		return "-p";
	if (r->frag && pk->fragment == !!(r->inv & FW_INV_FRAG))
		return "-f";
matches:
	for (i = 0; i < r->nm; i++)
		if (!r->m[i].def->match(r->m[i].data, pk, ev))
			return r->m[i].def->name;
	return NULL;
}

static void
trace_rule(FILE *tr, const struct fw_chain *c, size_t n,
    const struct fw_rule *r, const char *miss)
{
	fprintf(tr, "  %s:%zu ", c->name, n);
	if (miss != NULL)
		fprintf(
		    tr, "no match (%s%s)  ", miss[0] == '-' ? "" : "-m ", miss);
	else
		fputs("match  ", tr);
	fprintf(tr, "-A %s", c->name);
	fw_save_rule(r, tr);
	fputc('\n', tr);
}

static void
set_verdict(struct fw_verdict *v, const char *verdict, const struct fw_chain *c,
    int rule)
{
	if (verdict != v->verdict)
		fw_copy_str(v->verdict, verdict, sizeof(v->verdict));
	v->chain = c->name;
	v->rule = rule;
	v->line = rule > 0 ? c->rules[rule - 1]->line : 0;
}

/* Entering chain c: where the packet falls in its classifier. */
static void
enter(const struct fw_chain *c, const struct fw_pkt *pk,
    const struct fw_eval *ev, bool fast, struct cls_key *key)
{
	key->ok = false;
	if (fast && c->cls != NULL)
		cls_key(c->cls, pk, ev, key);
}

/* The walk itself; returns true if the verdict accepts the packet. With
 * fast, the chains' classifiers skip the rules that cannot match. */
static bool
traverse(struct fw_chain *start, const struct fw_pkt *pk, struct fw_eval *ev,
    struct fw_verdict *v, FILE *tr, bool fast)
{
	struct frame	 stack[EVAL_MAXDEPTH];
	struct fw_chain *c = start;
	struct fw_rule	*r;
	struct cls_key	 key;
	const char	*miss;
	size_t		 depth = 0, i = 0;
	char		 out[96];

	enter(c, pk, ev, fast, &key);
	for (;;) {
		if (key.ok)
			i = cls_next(c->cls, &key, i);
		if (i == c->nrules) {
			if (c->hook != -1 || depth == 0)
				break;
			if (tr != NULL)
				fprintf(tr, "  %s: end of chain, return\n",
				    c->name);
			c = stack[--depth].chain;
			i = stack[depth].next;
			key = stack[depth].key;
			continue;
		}
		r = c->rules[i++];
		miss = rule_mismatch(r, pk, ev,
		    key.ok ? cls_known(c->cls, &key, i - 1) : CLS_NONE);
		if (tr != NULL)
			trace_rule(tr, c, i, r, miss);
		if (ev->hotdrop) {
			/* xt_hashlimit's full table: dropped by the match. */
			set_verdict(v, "DROP", c, (int)i);
			return false;
		}
		if (miss != NULL)
			continue;
		r->pkts++;
		r->bytes += pk->len;
		switch (r->action) {
		case FW_ACT_NONE:
			break;
		case FW_ACT_CONTINUE:
			r->tdef->run(r->tdata, pk, ev, out, sizeof(out));
			if (tr != NULL)
				fprintf(tr, "    %s, continue\n", out);
			break;
		case FW_ACT_VERDICT:
			r->tdef->run(
			    r->tdata, pk, ev, v->verdict, sizeof(v->verdict));
			set_verdict(v, v->verdict, c, (int)i);
			return strcmp(v->verdict, "ACCEPT") == 0;
		case FW_ACT_RETURN:
			if (depth == 0) {
				i = c->nrules; /* built-in: its policy */
				c = start;
				goto policy;
			}
			c = stack[--depth].chain;
			i = stack[depth].next;
			key = stack[depth].key;
			break;
		case FW_ACT_JUMP:
			if (depth == EVAL_MAXDEPTH)
				break; /* fw_ruleset_check refused loops */
			stack[depth].chain = c;
			stack[depth].key = key;
			stack[depth++].next = i;
			/* FALLTHROUGH */
		case FW_ACT_GOTO:
			c = r->dest;
			i = 0;
			enter(c, pk, ev, fast, &key);
			break;
		}
	}
policy:
	c = start;
	c->pkts++;
	c->bytes += pk->len;
	set_verdict(v, c->policy_accept ? "ACCEPT" : "DROP", c, 0);
	if (tr != NULL)
		fprintf(tr, "  %s: policy %s\n", c->name, v->verdict);
	return c->policy_accept;
}

/* What connection tracking needs of a packet; inner holds the quoted
 * header of an ICMP error. */
void
fw_to_ct(const struct fw_pkt *pk, bool notrack, struct ct_pkt *cp,
    struct ct_pkt *inner)
{
	memset(cp, 0, sizeof(*cp));
	cp->src = pk->src;
	cp->dst = pk->dst;
	cp->proto = pk->proto;
	cp->sport = pk->sport;
	cp->dport = pk->dport;
	cp->tcp_flags = pk->tcp_flags;
	cp->icmp_type = pk->icmp_type < 0 ? 0 : (uint8_t)pk->icmp_type;
	cp->icmp_code = (uint8_t)pk->icmp_code;
	cp->icmp_id = pk->icmp_id;
	cp->t = pk->t;
	cp->len = pk->len;
	cp->notrack = notrack;
	if (pk->has_inner) {
		memset(inner, 0, sizeof(*inner));
		inner->src = pk->inner_src;
		inner->dst = pk->inner_dst;
		inner->proto = pk->inner_proto;
		inner->sport = pk->inner_sport;
		inner->dport = pk->inner_dport;
		inner->icmp_type = pk->inner_icmp_type;
		inner->icmp_code = pk->inner_icmp_code;
		inner->icmp_id = pk->inner_icmp_id;
		inner->t = pk->t;
		cp->inner = inner;
	}
}

static const unsigned int ct_bits[] = {
	[CT_INVALID] = FW_CT_INVALID,
	[CT_NEW] = FW_CT_NEW,
	[CT_ESTABLISHED] = FW_CT_ESTABLISHED,
	[CT_RELATED] = FW_CT_RELATED,
	[CT_UNTRACKED] = FW_CT_UNTRACKED,
};

static void
no_chain(struct fw_verdict *v, const char *verdict, const char *chain)
{
	fw_copy_str(v->verdict, verdict, sizeof(v->verdict));
	v->chain = chain;
	v->rule = 0;
	v->line = 0;
}

/*
 * One packet, in the order of the packet path: the raw table (at
 * PREROUTING, or OUTPUT for local packets) may drop it or exempt it from
 * tracking; connection tracking classifies it; the table evaluated
 * decides; a new connection is confirmed if it was accepted.
 */
void
fw_evaluate(struct fw_evaluator *e, const struct fw_pkt *pk,
    struct fw_verdict *v, FILE *tr)
{
	const struct active *a = __atomic_load_n(&e->act, __ATOMIC_ACQUIRE);
	struct fw_eval	     ev = {
		      .mark = pk->mark, .log = e->log, .rate = a->rate
	};
	struct ct_pkt	 cp, inner;
	struct ct_result res;
	struct fw_chain *start;
	enum fw_hook	 rawhook;
	bool		 tracked, accepted;

	rawhook = pk->hook == FW_OUTPUT || pk->hook == FW_POSTROUTING ?
	    FW_OUTPUT :
	    FW_PREROUTING;
	if ((start = a->raw[rawhook]) != NULL) {
		if (tr != NULL)
			fprintf(tr, "raw %s:\n", start->name);
		if (!traverse(start, pk, &ev, v, tr, !e->linear && tr == NULL))
			return; /* dropped before conntrack */
	}
	fw_to_ct(pk, ev.notrack, &cp, &inner);
	tracked = ct_classify(e->ct, &cp, &res) == 0;
	ev.ctstate = tracked ? ct_bits[res.state] : FW_CT_INVALID;
	ev.ct_reply = tracked && res.reply;
	if (tracked && res.entry != NULL)
		ev.ctmark = *ct_entry_mark(res.entry);
	ev.ct = tracked ? res.entry : NULL;
	if (tr != NULL)
		fprintf(tr, "conntrack: %s%s\n",
		    tracked ? ct_state_name(res.state) : "INVALID",
		    ev.ct_reply ? " (reply)" : "");
	if (tracked && res.drop) {
		no_chain(v, "DROP", "conntrack");
		accepted = false;
	} else if ((start = a->start[pk->hook]) == NULL) {
		/* No such chain in this table: the hook does not filter. */
		no_chain(v, "ACCEPT", fw_hook_names[pk->hook]);
		accepted = true;
	} else {
		if (tr != NULL)
			fprintf(tr, "%s %s:\n", fw_table_names[e->table],
			    start->name);
		accepted =
		    traverse(start, pk, &ev, v, tr, !e->linear && tr == NULL);
	}
	if (tracked) {
		if (res.entry != NULL)
			*ct_entry_mark(res.entry) = ev.ctmark;
		ct_commit(e->ct, &res, accepted);
	}
}

void
fw_lookup(struct fw_evaluator *e, const struct fw_pkt *pk, unsigned int ctstate,
    struct fw_verdict *v)
{
	struct fw_eval	 ev = { .ctstate = ctstate,
		  .mark = pk->mark,
		  .log = e->log,
		  .rate = e->act->rate };
	struct fw_chain *start;

	if ((start = e->act->start[pk->hook]) == NULL)
		no_chain(v, "ACCEPT", fw_hook_names[pk->hook]);
	else
		traverse(start, pk, &ev, v, NULL, !e->linear);
}

void
fw_evaluator_linear(struct fw_evaluator *e, bool on)
{
	e->linear = on;
}

size_t
fw_evaluator_memory(const struct fw_evaluator *e)
{
	size_t n = cls_memory(e->act->rs, e->table);

	return e->table != FW_RAW ? n + cls_memory(e->act->rs, FW_RAW) : n;
}
