/* Tables, chains and rules; the checks a whole ruleset must pass. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"

const char *const fw_table_names[FW_NTABLES] = {
	[FW_FILTER] = "filter",
	[FW_NAT] = "nat",
	[FW_MANGLE] = "mangle",
	[FW_RAW] = "raw",
	[FW_SECURITY] = "security",
};

const char *const fw_hook_names[FW_NHOOKS] = {
	[FW_PREROUTING] = "PREROUTING",
	[FW_INPUT] = "INPUT",
	[FW_FORWARD] = "FORWARD",
	[FW_OUTPUT] = "OUTPUT",
	[FW_POSTROUTING] = "POSTROUTING",
};

#define H(x) (1u << (x))

/* The built-in chains of each table (net/ipv4/netfilter/iptable_*.c). */
static const unsigned int table_hooks[FW_NTABLES] = {
	[FW_FILTER] = H(FW_INPUT) | H(FW_FORWARD) | H(FW_OUTPUT),
	[FW_NAT] =
	    H(FW_PREROUTING) | H(FW_INPUT) | H(FW_OUTPUT) | H(FW_POSTROUTING),
	[FW_MANGLE] = H(FW_PREROUTING) | H(FW_INPUT) | H(FW_FORWARD) |
	    H(FW_OUTPUT) | H(FW_POSTROUTING),
	[FW_RAW] = H(FW_PREROUTING) | H(FW_OUTPUT),
	[FW_SECURITY] = H(FW_INPUT) | H(FW_FORWARD) | H(FW_OUTPUT),
};

int
fw_table_byname(const char *name)
{
	int i;

	for (i = 0; i < FW_NTABLES; i++)
		if (strcmp(name, fw_table_names[i]) == 0)
			return i;
	return -1;
}

struct fw_ruleset *
fw_ruleset_new(void)
{
	return calloc(1, sizeof(struct fw_ruleset));
}

void
fw_rule_free(struct fw_rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nm; i++)
		free(r->m[i].data);
	free(r->m);
	free(r->tdata);
	free(r);
}

static void
chain_free(struct fw_chain *c)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		fw_rule_free(c->rules[i]);
	free(c->rules);
	free(c);
}

void
fw_table_clear(struct fw_ruleset *rs, enum fw_tableid t)
{
	struct fw_table *tb = &rs->t[t];
	size_t		 i;

	for (i = 0; i < tb->nchains; i++)
		chain_free(tb->chains[i]);
	free(tb->chains);
	memset(tb, 0, sizeof(*tb));
}

void
fw_ruleset_free(struct fw_ruleset *rs)
{
	int t;

	if (rs == NULL)
		return;
	for (t = 0; t < FW_NTABLES; t++)
		fw_table_clear(rs, t);
	free(rs);
}

/* Tables present in src replace those of dst; src is left empty. */
void
fw_ruleset_move(struct fw_ruleset *dst, struct fw_ruleset *src)
{
	int t;

	for (t = 0; t < FW_NTABLES; t++) {
		if (!src->t[t].present)
			continue;
		fw_table_clear(dst, t);
		dst->t[t] = src->t[t];
		memset(&src->t[t], 0, sizeof(src->t[t]));
	}
}

struct fw_chain *
fw_chain_find(const struct fw_ruleset *rs, enum fw_tableid t, const char *name)
{
	const struct fw_table *tb = &rs->t[t];
	size_t		       i;

	for (i = 0; i < tb->nchains; i++)
		if (strcmp(tb->chains[i]->name, name) == 0)
			return tb->chains[i];
	return NULL;
}

struct fw_chain *
fw_chain_new(struct fw_ruleset *rs, enum fw_tableid t, const char *name)
{
	struct fw_table *tb = &rs->t[t];
	struct fw_chain *c, **cs;
	size_t		 cap;

	if (tb->nchains == tb->capchains) {
		cap = tb->capchains ? 2 * tb->capchains : 8;
		if ((cs = reallocarray(tb->chains, cap, sizeof(*cs))) == NULL)
			return NULL;
		tb->chains = cs;
		tb->capchains = cap;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->hook = -1;
	c->policy_accept = true;
	tb->chains[tb->nchains++] = c;
	return c;
}

/* Make a table present with its built-in chains, policies ACCEPT. */
int
fw_table_init(struct fw_ruleset *rs, enum fw_tableid t)
{
	struct fw_chain *c;
	int		 h;

	if (rs->t[t].present)
		return 0;
	rs->t[t].present = true;
	for (h = 0; h < FW_NHOOKS; h++) {
		if (!(table_hooks[t] & H(h)))
			continue;
		if ((c = fw_chain_new(rs, t, fw_hook_names[h])) == NULL)
			return -1;
		c->hook = h;
	}
	return 0;
}

int
fw_chain_insert(struct fw_chain *c, size_t at, struct fw_rule *r)
{
	struct fw_rule **rules;
	size_t		 cap;

	if (c->nrules == c->caprules) {
		cap = c->caprules ? 2 * c->caprules : 8;
		if ((rules = reallocarray(c->rules, cap, sizeof(*rules))) ==
		    NULL)
			return -1;
		c->rules = rules;
		c->caprules = cap;
	}
	memmove(&c->rules[at + 1], &c->rules[at],
	    (c->nrules - at) * sizeof(*c->rules));
	c->rules[at] = r;
	c->nrules++;
	return 0;
}

/*
 * The hooks from which each chain can be reached, by walking jumps from
 * the built-in chains; a chain reached from itself is a loop, which the
 * kernel refuses ("too many levels of jumps" in iptables' words: ELOOP).
 */
static int
reach(struct fw_chain *c, unsigned int hook, unsigned int *mask,
    struct fw_chain **stack, size_t depth, struct fw_table *tb,
    struct fw_diag *d, unsigned int via)
{
	size_t i, j, idx;

	for (idx = 0; idx < tb->nchains && tb->chains[idx] != c; idx++)
		;
	for (i = 0; i < depth; i++)
		if (stack[i] == c) {
			d->line = via;
			fw_error(d,
			    "this jump from '%s' back to '%s' makes a "
			    "loop, which the kernel refuses",
			    stack[depth - 1]->name, c->name);
			return -1;
		}
	if (mask[idx] & H(hook))
		return 0;
	mask[idx] |= H(hook);
	stack[depth] = c;
	for (j = 0; j < c->nrules; j++)
		if (c->rules[j]->dest != NULL &&
		    reach(c->rules[j]->dest, hook, mask, stack, depth + 1, tb,
			d, c->rules[j]->line) == -1)
			return -1;
	return 0;
}

static unsigned int
rule_hooks(const struct fw_rule *r, unsigned int *why_m, const char **what)
{
	unsigned int ok = ~0u, m;
	size_t	     i;

	*what = NULL;
	for (i = 0; i < r->nm; i++) {
		m = r->m[i].def->hooks ? r->m[i].def->hooks : ~0u;
		if (r->m[i].def->hookmask != NULL)
			m &= r->m[i].def->hookmask(r->m[i].data);
		if ((ok & m) != ok && *what == NULL) {
			*what = r->m[i].def->name;
			*why_m = m;
		}
		ok &= m;
	}
	if (r->tdef != NULL && r->tdef->hooks != 0) {
		if ((ok & r->tdef->hooks) != ok && *what == NULL) {
			*what = r->tdef->name;
			*why_m = r->tdef->hooks;
		}
		ok &= r->tdef->hooks;
	}
	return ok;
}

/* Resolve jumps, refuse loops, and check every rule against the hooks
 * that can reach it, as the kernel does when a table is replaced. */
int
fw_ruleset_check(struct fw_ruleset *rs, struct fw_diag *d)
{
	struct fw_chain **stack = NULL;
	unsigned int	 *mask = NULL, ok, bad, why;
	const char	 *what;
	struct fw_table	 *tb;
	struct fw_chain	 *c;
	struct fw_rule	 *r;
	size_t		  i, j;
	int		  t, h, rc = -1;

	for (t = 0; t < FW_NTABLES; t++) {
		tb = &rs->t[t];
		if (!tb->present)
			continue;
		free(mask);
		free(stack);
		mask = calloc(tb->nchains + 1, sizeof(*mask));
		stack = calloc(tb->nchains + 1, sizeof(*stack));
		if (mask == NULL || stack == NULL)
			goto out;
		for (i = 0; i < tb->nchains; i++)
			for (j = 0; j < tb->chains[i]->nrules; j++) {
				r = tb->chains[i]->rules[j];
				if (r->action != FW_ACT_JUMP &&
				    r->action != FW_ACT_GOTO)
					continue;
				r->dest = fw_chain_find(rs, t, r->jump);
				if (r->dest == NULL || r->dest->hook != -1) {
					d->line = r->line;
					fw_error(d,
					    "%s: no user chain '%s' to "
					    "jump to",
					    fw_table_names[t], r->jump);
					goto out;
				}
			}
		for (i = 0; i < tb->nchains; i++) {
			c = tb->chains[i];
			if (c->hook >= 0 &&
			    reach(c, c->hook, mask, stack, 0, tb, d, 0) == -1)
				goto out;
		}
		for (i = 0; i < tb->nchains; i++) {
			c = tb->chains[i];
			for (j = 0; j < c->nrules; j++) {
				r = c->rules[j];
				ok = rule_hooks(r, &why, &what);
				if ((bad = mask[i] & ~ok) == 0)
					continue;
				for (h = 0; !(bad & H(h)); h++)
					;
				d->line = r->line;
				fw_error(d,
				    "%s %s rule %zu: '%s' is not valid "
				    "in %s%s",
				    fw_table_names[t], c->name, j + 1, what,
				    fw_hook_names[h],
				    c->hook == -1 ?
					", which reaches this chain" :
					"");
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(mask);
	free(stack);
	return rc;
}
