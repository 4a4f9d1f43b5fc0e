/*
 * iptables-restore files: "*table", ":CHAIN POLICY [p:b]", commands with
 * an optional "[p:b]" prefix, "COMMIT". The whole file is checked before
 * anything changes: an error anywhere leaves the ruleset as it was (unlike
 * iptables-restore, which keeps the tables committed before the error).
 * Facts of iptables-restore 1.8.9 kept here: blank and '#' lines are
 * ignored; "COMMIT" must be alone on its line, a trailing blank included;
 * each "*table" block replaces that table; "[p:b]" counters are used only
 * when asked (-c), while a rule's own "-c P B" always counts; user chains
 * never keep counters.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"

struct restore {
	struct fw_ruleset *rs;
	struct fw_diag	  *d;
	int		   table; /* -1 outside a block */
	unsigned int	   table_line;
	bool		   counters;
};

static int
parse_counters(const char *s, uint64_t *pkts, uint64_t *bytes)
{
	unsigned long long p, b;
	int		   n = 0;

	if (sscanf(s, "[%llu:%llu]%n", &p, &b, &n) != 2 || s[n] != '\0')
		return -1;
	*pkts = p;
	*bytes = b;
	return 0;
}

static int
table_line(struct restore *r, const char *line)
{
	const char *name = line + 1;
	int	    t;

	if (r->table >= 0) {
		fw_error(r->d,
		    "'*%s' inside the block of table %s, which "
		    "started on line %u and has no COMMIT",
		    name, fw_table_names[r->table], r->table_line);
		return -1;
	}
	if ((t = fw_table_byname(name)) == -1) {
		fw_error(r->d,
		    "no table '%s' (filter, nat, mangle, raw, "
		    "security)",
		    name);
		return -1;
	}
	/* A block replaces its table, also one given earlier in the file. */
	fw_table_clear(r->rs, t);
	if (fw_table_init(r->rs, t) == -1)
		return -1;
	r->table = t;
	r->table_line = r->d->line;
	return 0;
}

static int
chain_line(struct restore *r, char **argv, int argc)
{
	struct fw_chain *c;
	const char	*name = argv[0] + 1;
	uint64_t	 p = 0, b = 0;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && parse_counters(argv[2], &p, &b) == -1)) {
		fw_error(
		    r->d, "a chain line is ':NAME POLICY [PACKETS:BYTES]'");
		return -1;
	}
	if (strlen(name) == 0 || strlen(name) >= FW_CHAIN_NAMEMAX) {
		fw_error(r->d,
		    "chain name '%s' is empty or too long (must be "
		    "under %d chars)",
		    name, FW_CHAIN_NAMEMAX);
		return -1;
	}
	if ((c = fw_chain_find(r->rs, r->table, name)) != NULL &&
	    c->hook == -1) {
		fw_error(r->d, "chain '%s' is declared twice", name);
		return -1;
	}
	if (c == NULL) {
		/* iptables accepts a policy on a user chain and ignores it. */
		if (fw_target_find(name) != NULL || name[0] == '-') {
			fw_error(r->d, "invalid chain name '%s'", name);
			return -1;
		}
		return fw_chain_new(r->rs, r->table, name) ? 0 : -1;
	}
	if (strcmp(argv[1], "ACCEPT") != 0 && strcmp(argv[1], "DROP") != 0) {
		fw_error(r->d,
		    "policy '%s' of built-in chain %s: ACCEPT or "
		    "DROP",
		    argv[1], name);
		return -1;
	}
	c->policy_accept = strcmp(argv[1], "ACCEPT") == 0;
	if (r->counters) {
		c->pkts = p;
		c->bytes = b;
	}
	return 0;
}

static int
command_line(struct restore *r, char **argv, int argc)
{
	struct fw_chain *c;
	uint64_t	 p = 0, b = 0;
	bool		 pre = false;
	int		 rc;

	if (argv[0][0] == '[') {
		if (parse_counters(argv[0], &p, &b) == -1) {
			fw_error(r->d,
			    "bad counters '%s' (want "
			    "[PACKETS:BYTES])",
			    argv[0]);
			return -1;
		}
		pre = true;
		argv++;
		argc--;
	}
	if (argc == 0) {
		fw_error(r->d, "counters without a command");
		return -1;
	}
	rc = fw_command_in(r->rs, r->table, argc, argv, r->d, r->d->line);
	if (rc == 0 && pre && r->counters && argc >= 2 &&
	    (strcmp(argv[0], "-A") == 0 || strcmp(argv[0], "--append") == 0) &&
	    (c = fw_chain_find(r->rs, r->table, argv[1])) != NULL &&
	    c->nrules > 0) {
		c->rules[c->nrules - 1]->pkts = p;
		c->rules[c->nrules - 1]->bytes = b;
	}
	return rc;
}

static int
restore_line(struct restore *r, char *line)
{
	char	  **argv = NULL;
	const char *why;
	size_t	    n = strlen(line);
	int	    argc = 0, rc = -1;

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (strncmp(line, "COMMIT", 6) == 0 && line[6] != '\0' &&
	    isspace((unsigned char)line[6])) {
		fw_error(r->d,
		    "'COMMIT' followed by blanks: iptables-restore "
		    "refuses it (\"Bad argument `COMMIT'\"); remove them");
		return -1;
	}
	/* Other lines may end in blanks (iptables-restore accepts them). */
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	if (strcmp(line, "COMMIT") == 0) {
		if (r->table < 0) {
			fw_error(r->d, "COMMIT outside a table block");
			return -1;
		}
		if (fw_ruleset_check(r->rs, r->d) == -1)
			return -1;
		r->table = -1;
		return 0;
	}
	if (line[0] == '*')
		return table_line(r, line);
	/* iptables-restore skips a comment before it looks for quotes. */
	if (line[0] == '#')
		return 0;
	if (fw_split_args(line, &argv, &argc, &why) == -1) {
		fw_error(r->d, "%s", why);
		return -1;
	}
	if (why != NULL)
		fw_warn(r->d, "%s", why);
	if (argc == 0 || argv[0][0] == '#') {
		rc = 0;
		goto out;
	}
	if (r->table < 0) {
		fw_error(r->d,
		    "'%s' outside a table block (start one with "
		    "*filter)",
		    argv[0]);
		goto out;
	}
	if (argv[0][0] == ':')
		rc = chain_line(r, argv, argc);
	else
		rc = command_line(r, argv, argc);
out:
	fw_free_args(argv, argc);
	return rc;
}

/* Load a whole restore file into rs; on error rs is unchanged. */
int
fw_restore(struct fw_ruleset *rs, FILE *f, struct fw_diag *d)
{
	return fw_restore_opts(rs, f, d, false);
}

int
fw_restore_opts(
    struct fw_ruleset *rs, FILE *f, struct fw_diag *d, bool counters)
{
	struct restore r = { .d = d, .table = -1, .counters = counters };
	char	      *line = NULL;
	size_t	       cap = 0;
	int	       rc = -1;

	if ((r.rs = fw_ruleset_new()) == NULL)
		return -1;
	d->line = 0;
	while (getline(&line, &cap, f) != -1) {
		d->line++;
		if (restore_line(&r, line) == -1)
			goto out;
	}
	if (ferror(f)) {
		fw_error(d, "read error");
		goto out;
	}
	if (r.table >= 0) {
		d->line = r.table_line;
		fw_error(d, "table %s has no COMMIT", fw_table_names[r.table]);
		goto out;
	}
	fw_ruleset_move(rs, r.rs);
	rc = 0;
out:
	free(line);
	fw_ruleset_free(r.rs);
	return rc;
}
