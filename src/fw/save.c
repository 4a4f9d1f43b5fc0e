/* The printer: iptables-save's canonical output, which is also valid input
 * for fw_restore. */
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"

static void
save_prefix(FILE *f, const char *opt, const struct prefix *p, bool inv)
{
	char buf[PREFIX_STRLEN];

	/* iptables-save leaves out a match of any address unless negated. */
	if (prefix_is_any(p) && !inv)
		return;
	fprintf(f, "%s %s %s", inv ? " !" : "", opt,
	    prefix_ntop(p, buf, sizeof(buf)));
}

void
fw_save_rule(const struct fw_rule *r, FILE *f)
{
	char   num[4];
	size_t i;

	save_prefix(f, "-s", &r->src, r->inv & FW_INV_SRC);
	save_prefix(f, "-d", &r->dst, r->inv & FW_INV_DST);
	if (r->iif[0] != '\0')
		fprintf(f, "%s -i %s", r->inv & FW_INV_IIF ? " !" : "", r->iif);
	if (r->oif[0] != '\0')
		fprintf(f, "%s -o %s", r->inv & FW_INV_OIF ? " !" : "", r->oif);
	if (r->proto != 0)
		fprintf(f, "%s -p %s", r->inv & FW_INV_PROTO ? " !" : "",
		    fw_proto_name(r->proto, num, sizeof(num)));
	if (r->frag)
		fprintf(f, "%s -f", r->inv & FW_INV_FRAG ? " !" : "");
	for (i = 0; i < r->nm; i++) {
		fprintf(f, " -m %s", r->m[i].def->name);
		if (r->m[i].def->save != NULL)
			r->m[i].def->save(r->m[i].data, f);
	}
	switch (r->action) {
	case FW_ACT_JUMP:
		fprintf(f, " -j %s", r->jump);
		break;
	case FW_ACT_GOTO:
		fprintf(f, " -g %s", r->jump);
		break;
	case FW_ACT_NONE:
		break;
	default:
		fprintf(f, " -j %s", r->tdef->name);
		if (r->tdef->save != NULL)
			r->tdef->save(r->tdata, f);
	}
}

/* iptables-save's order of tables, whatever the input's. */
static const enum fw_tableid save_order[FW_NTABLES] = {
	FW_MANGLE,
	FW_SECURITY,
	FW_RAW,
	FW_FILTER,
	FW_NAT,
};

/* Built-ins in hook order, then user chains by strcmp, as iptables-save. */
static int
chain_order(const void *a, const void *b)
{
	const struct fw_chain *x = *(struct fw_chain *const *)a;
	const struct fw_chain *y = *(struct fw_chain *const *)b;

	if (x->hook != -1 || y->hook != -1)
		return x->hook == -1 ? 1 :
		    y->hook == -1    ? -1 :
				       x->hook - y->hook;
	return strcmp(x->name, y->name);
}

static void
save_table(const struct fw_table *tb, enum fw_tableid t, FILE *f, bool counters)
{
	struct fw_chain	     **order;
	const struct fw_chain *c;
	const struct fw_rule  *r;
	size_t		       i, j;

	if ((order = calloc(tb->nchains + 1, sizeof(*order))) == NULL)
		return;
	memcpy(order, tb->chains, tb->nchains * sizeof(*order));
	qsort(order, tb->nchains, sizeof(*order), chain_order);
	fprintf(f, "*%s\n", fw_table_names[t]);
	for (i = 0; i < tb->nchains; i++) {
		c = order[i];
		fprintf(f, ":%s %s [%llu:%llu]\n", c->name,
		    c->hook == -1	 ? "-" :
			c->policy_accept ? "ACCEPT" :
					   "DROP",
		    (unsigned long long)c->pkts, (unsigned long long)c->bytes);
	}
	for (i = 0; i < tb->nchains; i++) {
		c = order[i];
		for (j = 0; j < c->nrules; j++) {
			r = c->rules[j];
			if (counters)
				fprintf(f, "[%llu:%llu] ",
				    (unsigned long long)r->pkts,
				    (unsigned long long)r->bytes);
			fprintf(f, "-A %s", c->name);
			fw_save_rule(r, f);
			fputc('\n', f);
		}
	}
	fprintf(f, "COMMIT\n");
	free(order);
}

void
fw_save(const struct fw_ruleset *rs, FILE *f, bool counters)
{
	int i;

	for (i = 0; i < FW_NTABLES; i++)
		if (rs->t[save_order[i]].present)
			save_table(
			    &rs->t[save_order[i]], save_order[i], f, counters);
}

/* A string argument as iptables-save 1.8.9 prints it: bare when it is only
 * letters, digits, '-' and '_', else in double quotes with " \ ' escaped
 * (checked with iptables-save: a-b_c stays bare, a.b is quoted). */
void
fw_save_string(FILE *f, const char *s)
{
	static const char bare[] = "_-0123456789abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t		  n = strspn(s, bare);

	if (n > 0 && s[n] == '\0') {
		fprintf(f, " %s", s);
		return;
	}
	fputs(" \"", f);
	for (; *s != '\0'; s++) {
		if (strchr("\"\\'", *s) != NULL)
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
