/*
 * iptables command lines: the options of iptables 1.8.9 (iptables(8),
 * iptables-extensions(8)) applied to the rule model. Used for
 * `moatctl fw iptables ARGS` and for every line of a restore file.
 */
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"

enum {
	O_APPEND = 1,
	O_INSERT,
	O_DELETE,
	O_REPLACE,
	O_NEWCHAIN,
	O_DELCHAIN,
	O_FLUSH,
	O_ZERO,
	O_POLICY,
	O_RENAME,
	O_TABLE,
	O_SRC,
	O_DST,
	O_IIF,
	O_OIF,
	O_PROTO,
	O_FRAG,
	O_JUMP,
	O_GOTO,
	O_MATCH,
	O_COUNTERS,
	O_IGNORE,
	O_IPV4,
	O_IPV6,
};

/* nargs -1: an optional argument (one that does not start with '-' or
 * '!'); -2: one argument and an optional second (-I CHAIN [NUM]). */
static const struct fw_opt base_opts[] = { { "A", O_APPEND, 1, false },
	{ "append", O_APPEND, 1, false }, { "I", O_INSERT, -2, false },
	{ "insert", O_INSERT, -2, false }, { "D", O_DELETE, -2, false },
	{ "delete", O_DELETE, -2, false }, { "R", O_REPLACE, 2, false },
	{ "replace", O_REPLACE, 2, false }, { "N", O_NEWCHAIN, 1, false },
	{ "new-chain", O_NEWCHAIN, 1, false }, { "X", O_DELCHAIN, -1, false },
	{ "delete-chain", O_DELCHAIN, -1, false }, { "F", O_FLUSH, -1, false },
	{ "flush", O_FLUSH, -1, false }, { "Z", O_ZERO, -1, false },
	{ "zero", O_ZERO, -1, false }, { "P", O_POLICY, 2, false },
	{ "policy", O_POLICY, 2, false }, { "E", O_RENAME, 2, false },
	{ "rename-chain", O_RENAME, 2, false }, { "t", O_TABLE, 1, false },
	{ "table", O_TABLE, 1, false }, { "s", O_SRC, 1, true },
	{ "source", O_SRC, 1, true }, { "src", O_SRC, 1, true },
	{ "d", O_DST, 1, true }, { "destination", O_DST, 1, true },
	{ "dst", O_DST, 1, true }, { "i", O_IIF, 1, true },
	{ "in-interface", O_IIF, 1, true }, { "o", O_OIF, 1, true },
	{ "out-interface", O_OIF, 1, true }, { "p", O_PROTO, 1, true },
	{ "protocol", O_PROTO, 1, true }, { "f", O_FRAG, 0, true },
	{ "fragment", O_FRAG, 0, true }, { "j", O_JUMP, 1, false },
	{ "jump", O_JUMP, 1, false }, { "g", O_GOTO, 1, false },
	{ "goto", O_GOTO, 1, false }, { "m", O_MATCH, 1, false },
	{ "match", O_MATCH, 1, false }, { "c", O_COUNTERS, 2, false },
	{ "set-counters", O_COUNTERS, 2, false }, { "w", O_IGNORE, -1, false },
	{ "wait", O_IGNORE, -1, false }, { "v", O_IGNORE, 0, false },
	{ "verbose", O_IGNORE, 0, false }, { "4", O_IPV4, 0, false },
	{ "ipv4", O_IPV4, 0, false }, { "6", O_IPV6, 0, false },
	{ "ipv6", O_IPV6, 0, false }, { NULL, 0, 0, false } };

#define MAXADDRS 256

struct cmd {
	int		op;
	const char     *chain;
	const char     *arg2; /* -I/-D/-R number, -P target, -E */
	const char     *srcs, *dsts;
	struct fw_rule *rule;
	bool		has_spec; /* any rule option given */
	bool		explicit_table;
	enum fw_tableid table;
	const char     *target_opt; /* the -j/-g that named the target */
	unsigned int	seen; /* base options given, 1 << O_* */
};

static const struct fw_opt *
opt_lookup(const struct fw_opt *opts, const char *name, size_t len)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if (strlen(opts->name) == len &&
		    strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

bool
fw_iface_match(const char *rule, const char *iface)
{
	size_t n = strlen(rule);

	if (n == 0)
		return true;
	if (rule[n - 1] == '+')
		return strncmp(rule, iface, n - 1) == 0;
	return strcmp(rule, iface) == 0;
}

static int
set_iface(struct fw_parse *p, char *dst, const char *arg, const char *opt)
{
	size_t i, n = strlen(arg);

	/* xtables_parse_interface: at most IFNAMSIZ-1 bytes, no '/' or
	 * blanks. */
	if (n == 0 || n >= IFNAMSIZ) {
		fw_error(p->diag,
		    "interface name '%s' for %s must be 1 to %d "
		    "characters",
		    arg, opt, IFNAMSIZ - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (arg[i] == '/' || isspace((unsigned char)arg[i])) {
			fw_error(p->diag, "invalid interface name '%s' for %s",
			    arg, opt);
			return -1;
		}
	memcpy(dst, arg, n + 1);
	return 0;
}

static int
add_match(struct fw_parse *p, const struct fw_matchdef *def)
{
	struct fw_rule	*r = p->rule;
	struct fw_match *m;

	if ((m = reallocarray(r->m, r->nm + 1, sizeof(*m))) == NULL)
		return -1;
	r->m = m;
	m[r->nm].def = def;
	m[r->nm].seen = 0;
	if ((m[r->nm].data = calloc(1, def->size ? def->size : 1)) == NULL)
		return -1;
	r->nm++;
	return 0;
}

static int
set_target(struct fw_parse *p, struct cmd *c, const char *name, bool go,
    const char *opt)
{
	struct fw_rule		  *r = p->rule;
	const struct fw_targetdef *def;

	if (c->target_opt != NULL) {
		fw_error(p->diag,
		    "%s %s: a rule has one target, and %s "
		    "already gave one",
		    opt, name, c->target_opt);
		return -1;
	}
	c->target_opt = opt;
	if (strlen(name) > FW_CHAIN_NAMEMAX - 1) {
		fw_error(p->diag,
		    "target or chain name '%s' is too long "
		    "(at most %d characters)",
		    name, FW_CHAIN_NAMEMAX - 1);
		return -1;
	}
	if (!go && (def = fw_target_find(name)) != NULL) {
		r->tdef = def;
		r->action = def->action;
		if ((r->tdata = calloc(1, def->size ? def->size : 1)) == NULL)
			return -1;
		return 0;
	}
	if (fw_chain_find(p->rs, p->table, name) == NULL) {
		fw_error(p->diag,
		    "%s %s: no such target, and no chain of that "
		    "name in table %s",
		    opt, name, fw_table_names[p->table]);
		return -1;
	}
	snprintf(r->jump, sizeof(r->jump), "%s", name);
	r->action = go ? FW_ACT_GOTO : FW_ACT_JUMP;
	return 0;
}

/* Find a module option: target first, then matches, latest loaded first,
 * as iptables merges their getopt tables. */
static int
module_opt(struct fw_rule *r, const char *name, size_t len,
    const struct fw_opt **o, void **data, int *mi)
{
	size_t i;

	if (r->tdef != NULL && (*o = opt_lookup(r->tdef->opts, name, len))) {
		*data = r->tdata;
		*mi = -1;
		return 0;
	}
	for (i = r->nm; i-- > 0;)
		if ((*o = opt_lookup(r->m[i].def->opts, name, len)) != NULL) {
			*data = r->m[i].data;
			*mi = (int)i;
			return 0;
		}
	return -1;
}

static int
base_option(struct fw_parse *p, struct cmd *c, const struct fw_opt *o,
    char **args, int nargs, bool inv, const char *opt)
{
	struct fw_rule		 *r = p->rule;
	const struct fw_matchdef *md;
	int			  t;

	if (o->id >= O_SRC && o->id <= O_COUNTERS)
		c->has_spec = true;
	if (o->id >= O_SRC && o->id <= O_FRAG) {
		if (c->seen & (1u << o->id)) {
			fw_error(p->diag, "multiple %s flags not allowed", opt);
			return -1;
		}
		c->seen |= 1u << o->id;
	}
	switch (o->id) {
	case O_APPEND:
	case O_INSERT:
	case O_DELETE:
	case O_REPLACE:
	case O_NEWCHAIN:
	case O_DELCHAIN:
	case O_FLUSH:
	case O_ZERO:
	case O_POLICY:
	case O_RENAME:
		if (c->op != 0) {
			fw_error(p->diag, "%s: only one command per line", opt);
			return -1;
		}
		c->op = o->id;
		c->chain = nargs > 0 ? args[0] : NULL;
		c->arg2 = nargs > 1 ? args[1] : NULL;
		return 0;
	case O_TABLE:
		if (c->explicit_table) {
			fw_error(p->diag, "%s given twice", opt);
			return -1;
		}
		if ((t = fw_table_byname(args[0])) == -1) {
			fw_error(p->diag,
			    "no table '%s' (filter, nat, mangle, "
			    "raw and security exist)",
			    args[0]);
			return -1;
		}
		c->explicit_table = true;
		c->table = t;
		return 0;
	case O_SRC:
	case O_DST:
		if ((o->id == O_SRC ? c->srcs : c->dsts) != NULL) {
			fw_error(p->diag, "%s given twice in one rule", opt);
			return -1;
		}
		*(o->id == O_SRC ? &c->srcs : &c->dsts) = args[0];
		r->inv |= inv ? (o->id == O_SRC ? FW_INV_SRC : FW_INV_DST) : 0;
		return 0;
	case O_IIF:
	case O_OIF:
		r->inv |= inv ? (o->id == O_IIF ? FW_INV_IIF : FW_INV_OIF) : 0;
		if (set_iface(p, o->id == O_IIF ? r->iif : r->oif, args[0],
			opt) == -1)
			return -1;
		/* "+" is any interface; iptables-save leaves it out. */
		if (strcmp(args[0], "+") == 0 && !inv)
			(o->id == O_IIF ? r->iif : r->oif)[0] = '\0';
		return 0;
	case O_PROTO:
		if (fw_parse_proto(args[0], &r->proto) == -1) {
			fw_error(p->diag, "unknown protocol '%s'", args[0]);
			return -1;
		}
		if (r->proto == 0 && inv) {
			fw_error(p->diag,
			    "rule would never match protocol "
			    "('! -p all')");
			return -1;
		}
		r->inv |= inv ? FW_INV_PROTO : 0;
		return 0;
	case O_FRAG:
		r->frag = true;
		r->inv |= inv ? FW_INV_FRAG : 0;
		return 0;
	case O_JUMP:
	case O_GOTO:
		return set_target(p, c, args[0], o->id == O_GOTO, opt);
	case O_MATCH:
		if ((md = fw_match_find(args[0])) == NULL) {
			fw_error(p->diag, "unknown match '%s' (-m %s)", args[0],
			    args[0]);
			return -1;
		}
		return add_match(p, md);
	case O_COUNTERS:
		if (ipt_strtoui(
			args[0], 0, UINT64_MAX, (uintmax_t *)&r->pkts) == -1 ||
		    ipt_strtoui(
			args[1], 0, UINT64_MAX, (uintmax_t *)&r->bytes) == -1) {
			fw_error(p->diag, "%s: invalid counters '%s %s'", opt,
			    args[0], args[1]);
			return -1;
		}
		return 0;
	case O_IPV6:
		fw_error(p->diag,
		    "%s: this ruleset is IPv4 (iptables); IPv6 "
		    "rules are not supported yet",
		    opt);
		return -1;
	default:
		return 0;
	}
}

/* Parse argv into c and p->rule. */
static int
parse_args(struct fw_parse *p, struct cmd *c, int argc, char **argv)
{
	const struct fw_opt	 *o;
	char			 *name, *eq, *attached[1], **args, opt[64];
	void			 *data;
	bool			  inv = false;
	size_t			  len;
	int			  i, n, mi, loaded;
	const struct fw_matchdef *md;

	for (i = 0; i < argc; i++) {
		name = argv[i];
		if (strcmp(name, "!") == 0) {
			if (inv) {
				fw_error(p->diag,
				    "multiple ! flags not "
				    "allowed");
				return -1;
			}
			inv = true;
			continue;
		}
		if (name[0] != '-' || name[1] == '\0') {
			fw_error(p->diag, "bad argument '%s'%s", name,
			    i > 0 && argv[i - 1][0] == '-' ?
				" (is the option before it missing a value, or "
				"does it take fewer?)" :
				"");
			return -1;
		}
		eq = NULL;
		if (name[1] == '-') {
			name += 2;
			if ((eq = strchr(name, '=')) != NULL)
				len = (size_t)(eq - name);
			else
				len = strlen(name);
		} else {
			name += 1;
			len = 1;
			if (name[1] != '\0')
				eq = name; /* -s10.0.0.1 */
		}
		snprintf(opt, sizeof(opt), "%s%.*s",
		    argv[i][1] == '-' ? "--" : "-", (int)(len > 40 ? 40 : len),
		    name);
		data = NULL;
		mi = -2;
		for (loaded = 0;; loaded = 1) {
			if ((o = opt_lookup(base_opts, name, len)) != NULL)
				break;
			if (module_opt(p->rule, name, len, &o, &data, &mi) == 0)
				break;
			/* Implicit loading of the protocol's match, once. */
			md = fw_match_proto(p->rule->proto);
			if (loaded || md == NULL ||
			    (p->rule->inv & FW_INV_PROTO)) {
				fw_error(p->diag, "unknown option '%s'%s", opt,
				    md == NULL && p->rule->proto == 0 &&
					    argv[i][1] == '-' ?
					" (a protocol match "
					"needs -p first, or a -m that provides "
					"it)" :
					"");
				return -1;
			}
			if (add_match(p, md) == -1)
				return -1;
		}
		if (inv && !(o->flags & FW_OPT_INV)) {
			fw_error(p->diag, "'!' is not allowed before %s", opt);
			return -1;
		}
		n = o->nargs;
		args = &argv[i + 1];
		if (eq != NULL) {
			if (n == 0) {
				fw_error(p->diag, "%s takes no value", opt);
				return -1;
			}
			attached[0] = eq + (eq[0] == '=' ? 1 : 0);
			args = attached;
			n = 1;
		} else if (n < 0) {
			if (n == -2 && i + 1 >= argc) {
				fw_error(p->diag, "%s needs a chain", opt);
				return -1;
			}
			n = n == -2 ? 1 : 0;
			if (i + n + 1 < argc && argv[i + n + 1][0] != '-' &&
			    argv[i + n + 1][0] != '!')
				n++;
			i += n;
		} else {
			if (i + n >= argc) {
				fw_error(p->diag, "%s needs %d value%s", opt, n,
				    n > 1 ? "s" : "");
				return -1;
			}
			i += n;
		}
		if (o->nargs > 1 && eq != NULL) {
			fw_error(p->diag, "%s needs %d values", opt, o->nargs);
			return -1;
		}
		if (n > 0 && strcmp(args[0], "!") == 0) {
			fw_error(p->diag,
			    "%s ! %s: this old form of negation is "
			    "refused by iptables 1.8; write ! %s %s",
			    opt, n > 1 || i + 1 >= argc ? "..." : argv[i + 1],
			    opt, i + 1 < argc ? argv[i + 1] : "...");
			return -1;
		}
		if (mi == -2) {
			if (base_option(p, c, o, args, n, inv, opt) == -1)
				return -1;
		} else {
			c->has_spec = true;
			if (mi >= 0 && !(o->flags & FW_OPT_REPEAT) &&
			    (p->rule->m[mi].seen & (1ull << o->id))) {
				fw_error(p->diag, "%s given twice in one -m %s",
				    opt, p->rule->m[mi].def->name);
				return -1;
			}
			if (mi >= 0)
				p->rule->m[mi].seen |= 1ull << o->id;
			if ((mi >= 0 ? p->rule->m[mi].def->parse :
				       p->rule->tdef->parse)(
				p, data, o->id, args, inv) == -1)
				return -1;
		}
		inv = false;
	}
	if (inv) {
		fw_error(p->diag,
		    "'!' at the end of the line negates "
		    "nothing");
		return -1;
	}
	return 0;
}

/*
 * Merge a later instance of a match into an earlier one where the module
 * says so (iptables-nft prints repeated native tcp and udp matches as
 * one); after each instance's final, on the normalized options.
 */
static void
merge_matches(struct fw_parse *p)
{
	struct fw_rule *r = p->rule;
	size_t		i, j;

	for (i = 1; i < r->nm; i++) {
		if (r->m[i].def->merge == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (r->m[j].def == r->m[i].def &&
			    r->m[i].def->merge(p, r->m[j].data, r->m[i].data) ==
				0)
				break;
		if (j == i)
			continue;
		free(r->m[i].data);
		memmove(
		    &r->m[i], &r->m[i + 1], (r->nm - i - 1) * sizeof(*r->m));
		r->nm--;
		i--;
	}
}

/* Module checks that need all options (a required option, a protocol). */
static int
finish_rule(struct fw_parse *p)
{
	struct fw_rule *r = p->rule;
	size_t		i;

	for (i = 0; i < r->nm; i++)
		if (r->m[i].def->final != NULL &&
		    r->m[i].def->final(p, r->m[i].data) == -1)
			return -1;
	merge_matches(p);
	if (r->tdef != NULL && r->tdef->final != NULL &&
	    r->tdef->final(p, r->tdata) == -1)
		return -1;
	if (r->tdef != NULL && r->tdef->tables != 0 &&
	    !(r->tdef->tables & (1u << p->table))) {
		fw_error(p->diag, "target %s is not valid in table %s",
		    r->tdef->name, fw_table_names[p->table]);
		return -1;
	}
	for (i = 0; i < r->nm; i++)
		if (r->m[i].def->tables != 0 &&
		    !(r->m[i].def->tables & (1u << p->table))) {
			fw_error(p->diag, "match %s is not valid in table %s",
			    r->m[i].def->name, fw_table_names[p->table]);
			return -1;
		}
	return 0;
}

/* Split "a,b,c" into at most MAXADDRS prefixes, as iptables does. */

/* "10.0.2.1/24" is masked to 10.0.2.0/24, as iptables does, but a person
 * who wrote it may have meant either the network or the one host. */
static void
host_bits(struct fw_diag *d, const char *opt, const char *tok,
    const struct prefix *masked)
{
	char net[PREFIX_STRLEN], fix[2 * PREFIX_STRLEN + 64];

	prefix_ntop(masked, net, sizeof(net));
	snprintf(fix, sizeof(fix),
	    "write %s for the network, or %.*s for "
	    "the one host",
	    net, (int)strcspn(tok, "/"), tok);
	fw_finding(d, false, d->line, "host-bits", fix,
	    "%s '%s' has host bits set; it was masked to %s", opt, tok, net);
}

static int
parse_addrs(struct fw_parse *p, const char *list, const char *opt,
    struct prefix *out, size_t *n)
{
	char	    *copy, *tok, *save = NULL;
	const char  *why;
	unsigned int flags;
	int	     rc = -1;

	*n = 0;
	if (list == NULL) {
		prefix_from_len(AF_INET, 0, &out[0]);
		*n = 1;
		return 0;
	}
	if ((copy = strdup(list)) == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAXADDRS) {
			fw_error(p->diag, "%s: more than %d addresses", opt,
			    MAXADDRS);
			goto out;
		}
		if (ipt_prefix_parse(AF_INET, tok, &out[*n], &flags, &why) ==
		    -1) {
			fw_error(p->diag, "%s '%s': %s", opt, tok, why);
			goto out;
		}
		if (flags & PREFIX_HOSTBITS)
			host_bits(p->diag, opt, tok, &out[*n]);
		(*n)++;
	}
	if (*n == 0) {
		fw_error(p->diag, "%s: no address given", opt);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static struct fw_rule *
rule_clone(const struct fw_rule *r)
{
	struct fw_rule *n;
	size_t		i, sz;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	*n = *r;
	n->m = NULL;
	n->nm = 0;
	n->tdata = NULL;
	if (r->nm > 0 && (n->m = calloc(r->nm, sizeof(*n->m))) == NULL)
		goto fail;
	for (i = 0; i < r->nm; i++, n->nm++) {
		n->m[i] = r->m[i];
		sz = r->m[i].def->size ? r->m[i].def->size : 1;
		if ((n->m[i].data = malloc(sz)) == NULL)
			goto fail;
		memcpy(n->m[i].data, r->m[i].data, sz);
	}
	if (r->tdef != NULL) {
		sz = r->tdef->size ? r->tdef->size : 1;
		if ((n->tdata = malloc(sz)) == NULL)
			goto fail;
		memcpy(n->tdata, r->tdata, sz);
	}
	return n;
fail:
	fw_rule_free(n);
	return NULL;
}

/* The canonical text of a rule, to find it for -D RULESPEC. */
static char *
rule_text(const struct fw_rule *r)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fw_save_rule(r, f);
	fclose(f);
	return buf;
}

static void
remove_rule(struct fw_chain *ch, size_t k)
{
	fw_rule_free(ch->rules[k]);
	memmove(&ch->rules[k], &ch->rules[k + 1],
	    (ch->nrules - k - 1) * sizeof(*ch->rules));
	ch->nrules--;
}

/* -D CHAIN RULESPEC deletes the first rule that prints the same; r is
 * consumed. */
static int
delete_spec(struct fw_parse *p, struct fw_chain *ch, struct fw_rule *r)
{
	char  *want, *have;
	size_t k;
	int    rc = -1;

	want = rule_text(r);
	fw_rule_free(r);
	for (k = 0; want != NULL && k < ch->nrules && rc == -1; k++) {
		have = rule_text(ch->rules[k]);
		if (have != NULL && strcmp(have, want) == 0) {
			remove_rule(ch, k);
			rc = 0;
		}
		free(have);
	}
	free(want);
	if (rc == -1)
		fw_error(p->diag, "-D %s: no such rule in the chain", ch->name);
	return rc;
}

static struct fw_chain *
need_chain(struct fw_parse *p, const char *name, bool builtin_ok)
{
	struct fw_chain *ch;

	if ((ch = fw_chain_find(p->rs, p->table, name)) == NULL) {
		fw_error(p->diag, "no chain '%s' in table %s", name,
		    fw_table_names[p->table]);
		return NULL;
	}
	if (!builtin_ok && ch->hook != -1) {
		fw_error(p->diag, "'%s' is a built-in chain", name);
		return NULL;
	}
	return ch;
}

static int
rule_number(struct fw_parse *p, const char *s, size_t max, size_t *out)
{
	uintmax_t v;

	if (ipt_strtoui(s, 1, max, &v) == -1) {
		fw_error(p->diag, "rule number '%s' is out of range (1 to %zu)",
		    s, max);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static bool
valid_chain_name(struct fw_parse *p, const char *name)
{
	if (strlen(name) > FW_CHAIN_NAMEMAX - 1) {
		fw_error(p->diag,
		    "chain name '%s' is too long (must be under "
		    "%d chars)",
		    name, FW_CHAIN_NAMEMAX);
		return false;
	}
	if (name[0] == '\0' || name[0] == '-' || name[0] == '!' ||
	    strchr(name, ' ') != NULL || fw_target_find(name) != NULL) {
		fw_error(p->diag, "invalid chain name '%s'", name);
		return false;
	}
	return true;
}

static bool
chain_referenced(
    const struct fw_ruleset *rs, enum fw_tableid t, const char *name)
{
	const struct fw_table *tb = &rs->t[t];
	size_t		       i, j;

	for (i = 0; i < tb->nchains; i++)
		for (j = 0; j < tb->chains[i]->nrules; j++)
			if ((tb->chains[i]->rules[j]->action == FW_ACT_JUMP ||
				tb->chains[i]->rules[j]->action ==
				    FW_ACT_GOTO) &&
			    strcmp(tb->chains[i]->rules[j]->jump, name) == 0)
				return true;
	return false;
}

static int
del_chain(struct fw_parse *p, struct fw_chain *ch)
{
	struct fw_table *tb = &p->rs->t[p->table];
	size_t		 i;

	if (ch->nrules > 0) {
		fw_error(p->diag, "chain '%s' is not empty", ch->name);
		return -1;
	}
	if (chain_referenced(p->rs, p->table, ch->name)) {
		fw_error(p->diag, "chain '%s' is still the target of a jump",
		    ch->name);
		return -1;
	}
	for (i = 0; i < tb->nchains && tb->chains[i] != ch; i++)
		;
	memmove(&tb->chains[i], &tb->chains[i + 1],
	    (tb->nchains - i - 1) * sizeof(*tb->chains));
	tb->nchains--;
	free(ch->rules);
	free(ch);
	return 0;
}

static void
flush_chain(struct fw_chain *ch)
{
	size_t i;

	for (i = 0; i < ch->nrules; i++)
		fw_rule_free(ch->rules[i]);
	ch->nrules = 0;
}

static int
chain_cmd(struct fw_parse *p, struct cmd *c)
{
	struct fw_table *tb = &p->rs->t[p->table];
	struct fw_chain *ch = NULL;
	size_t		 i;

	if (c->chain != NULL && c->op != O_NEWCHAIN &&
	    (ch = need_chain(p, c->chain,
		 c->op != O_DELCHAIN && c->op != O_RENAME)) == NULL)
		return -1;
	switch (c->op) {
	case O_NEWCHAIN:
		if (!valid_chain_name(p, c->chain))
			return -1;
		if (fw_chain_find(p->rs, p->table, c->chain) != NULL) {
			fw_error(
			    p->diag, "chain '%s' already exists", c->chain);
			return -1;
		}
		return fw_chain_new(p->rs, p->table, c->chain) ? 0 : -1;
	case O_DELCHAIN:
		if (ch != NULL)
			return del_chain(p, ch);
		for (i = tb->nchains; i-- > 0;)
			if (tb->chains[i]->hook == -1 &&
			    del_chain(p, tb->chains[i]) == -1)
				return -1;
		return 0;
	case O_FLUSH:
		for (i = 0; i < tb->nchains; i++)
			if (ch == NULL || tb->chains[i] == ch)
				flush_chain(tb->chains[i]);
		return 0;
	case O_ZERO:
		for (i = 0; i < tb->nchains; i++)
			if (ch == NULL || tb->chains[i] == ch) {
				size_t j;

				tb->chains[i]->pkts = tb->chains[i]->bytes = 0;
				for (j = 0; j < tb->chains[i]->nrules; j++)
					tb->chains[i]->rules[j]->pkts =
					    tb->chains[i]->rules[j]->bytes = 0;
			}
		return 0;
	case O_POLICY:
		if (ch->hook == -1) {
			fw_error(p->diag,
			    "-P %s: only built-in chains have a "
			    "policy",
			    c->chain);
			return -1;
		}
		if (strcmp(c->arg2, "ACCEPT") != 0 &&
		    strcmp(c->arg2, "DROP") != 0) {
			fw_error(p->diag,
			    "-P %s %s: a policy is ACCEPT or "
			    "DROP",
			    c->chain, c->arg2);
			return -1;
		}
		ch->policy_accept = strcmp(c->arg2, "ACCEPT") == 0;
		return 0;
	case O_RENAME:
		if (!valid_chain_name(p, c->arg2))
			return -1;
		if (fw_chain_find(p->rs, p->table, c->arg2) != NULL) {
			fw_error(p->diag, "chain '%s' already exists", c->arg2);
			return -1;
		}
		for (i = 0; i < tb->nchains; i++) {
			size_t j;

			for (j = 0; j < tb->chains[i]->nrules; j++)
				if (strcmp(tb->chains[i]->rules[j]->jump,
					ch->name) == 0)
					snprintf(tb->chains[i]->rules[j]->jump,
					    sizeof(ch->name), "%s", c->arg2);
		}
		snprintf(ch->name, sizeof(ch->name), "%s", c->arg2);
		return 0;
	}
	return 0;
}

/* iptables refuses -o in chains named INPUT and PREROUTING, -i in OUTPUT
 * and POSTROUTING (by name, in any table). */
static int
check_ifaces(struct fw_parse *p, const struct fw_chain *ch)
{
	if (p->rule->oif[0] != '\0' &&
	    (strcmp(ch->name, "INPUT") == 0 ||
		strcmp(ch->name, "PREROUTING") == 0)) {
		fw_error(p->diag, "can't use -o with %s", ch->name);
		return -1;
	}
	if (p->rule->iif[0] != '\0' &&
	    (strcmp(ch->name, "OUTPUT") == 0 ||
		strcmp(ch->name, "POSTROUTING") == 0)) {
		fw_error(p->diag, "can't use -i with %s", ch->name);
		return -1;
	}
	return 0;
}

/* -A, -I, -R and -D with a rule: one rule per source and destination. */
static int
rule_cmd(struct fw_parse *p, struct cmd *c)
{
	struct prefix	*srcs = NULL, *dsts = NULL;
	struct fw_chain *ch;
	struct fw_rule	*r;
	size_t		 ns, nd, i, j, at = 0, num = 0;
	int		 rc = -1;

	if ((ch = need_chain(p, c->chain, true)) == NULL)
		return -1;
	if (c->op == O_DELETE && c->arg2 != NULL) {
		if (rule_number(p, c->arg2, ch->nrules, &num) == -1)
			return -1;
		remove_rule(ch, num - 1);
		return 0;
	}
	if (c->op == O_INSERT && c->arg2 != NULL &&
	    rule_number(p, c->arg2, ch->nrules + 1, &num) == -1)
		return -1;
	if (c->op == O_REPLACE &&
	    rule_number(p, c->arg2, ch->nrules, &num) == -1)
		return -1;
	if (finish_rule(p) == -1 || check_ifaces(p, ch) == -1)
		return -1;
	srcs = calloc(MAXADDRS, sizeof(*srcs));
	dsts = calloc(MAXADDRS, sizeof(*dsts));
	if (srcs == NULL || dsts == NULL ||
	    parse_addrs(p, c->srcs, "-s", srcs, &ns) == -1 ||
	    parse_addrs(p, c->dsts, "-d", dsts, &nd) == -1)
		goto out;
	if (((p->rule->inv & FW_INV_SRC) && ns > 1) ||
	    ((p->rule->inv & FW_INV_DST) && nd > 1)) {
		fw_error(p->diag,
		    "! not allowed with multiple source or "
		    "destination IP addresses");
		goto out;
	}
	if (((p->rule->inv & FW_INV_SRC) && prefix_is_any(&srcs[0])) ||
	    ((p->rule->inv & FW_INV_DST) && prefix_is_any(&dsts[0]))) {
		fw_error(p->diag,
		    "'! -s/-d 0.0.0.0/0' can never match; the "
		    "kernel refuses it");
		goto out;
	}
	if (c->op == O_REPLACE && ns * nd != 1) {
		fw_error(p->diag,
		    "-R replaces one rule; the addresses given "
		    "make %zu",
		    ns * nd);
		goto out;
	}
	at = c->op == O_APPEND ? ch->nrules : num > 0 ? num - 1 : 0;
	for (i = 0; i < ns; i++)
		for (j = 0; j < nd; j++) {
			if ((r = rule_clone(p->rule)) == NULL)
				goto out;
			r->src = srcs[i];
			r->dst = dsts[j];
			if (c->op == O_REPLACE) {
				fw_rule_free(ch->rules[at]);
				ch->rules[at] = r;
				continue;
			}
			if (c->op != O_DELETE) {
				if (fw_chain_insert(ch, at++, r) == -1) {
					fw_rule_free(r);
					goto out;
				}
				continue;
			}
			if (delete_spec(p, ch, r) == -1)
				goto out;
		}
	rc = 0;
out:
	free(srcs);
	free(dsts);
	return rc;
}

/*
 * One iptables command. table is the restore file's current table, or -1
 * for a command line, where -t chooses (default filter).
 */
int
fw_command_in(struct fw_ruleset *rs, int table, int argc, char **argv,
    struct fw_diag *d, unsigned int line)
{
	struct fw_parse p = { .diag = d, .rs = rs };
	struct cmd	c = { 0 };
	int		rc = -1;

	if ((p.rule = calloc(1, sizeof(*p.rule))) == NULL)
		return -1;
	p.rule->line = line;
	p.rule->action = FW_ACT_NONE;
	c.table = table >= 0 ? (enum fw_tableid)table : FW_FILTER;
	/* -t must come before the options that depend on the table. */
	p.table = c.table;
	if (parse_args(&p, &c, argc, argv) == -1)
		goto out;
	if (c.explicit_table && table >= 0) {
		fw_error(d,
		    "-t cannot be used inside a restore file; the "
		    "table is the one of the last '*' line");
		goto out;
	}
	p.table = c.table;
	if (fw_table_init(rs, c.table) == -1)
		goto out;
	if (c.op == 0) {
		fw_error(d,
		    "no command given (-A, -I, -D, -R, -N, -X, -F, "
		    "-Z, -P or -E)");
		goto out;
	}
	if (c.has_spec && c.op != O_APPEND && c.op != O_INSERT &&
	    c.op != O_REPLACE && !(c.op == O_DELETE && c.arg2 == NULL)) {
		fw_error(d,
		    "rule options given to a command that takes "
		    "none");
		goto out;
	}
	if (c.op == O_APPEND || c.op == O_INSERT || c.op == O_REPLACE ||
	    c.op == O_DELETE)
		rc = rule_cmd(&p, &c);
	else
		rc = chain_cmd(&p, &c);
out:
	fw_rule_free(p.rule);
	return rc;
}

int
fw_command(struct fw_ruleset *rs, int argc, char **argv, struct fw_diag *d)
{
	return fw_command_in(rs, -1, argc, argv, d, 0);
}
