/*
 * moatctl fw: the packet filter's verbs, on a ruleset file or, without
 * -f, on the ruleset moatd runs (fetched over the control socket).
 *   list [-v]               moatd's running ruleset (-v: counters)
 *   check [-f FILE] [...]   load and report (exit 0 clean, 1 warnings, 2 errors)
 *   matrix [-f FILE] [...]  which ranges reach which (fw_matrix.c)
 *   save [-f FILE] [-c]     print the ruleset as iptables-save does
 *   eval [-f FILE] [-t TABLE] packets on standard input, one verdict a line
 *   trace [-f FILE] [-t TABLE] KEY=VALUE...  one packet, every rule visited
 *   iptables [-f FILE] ARGS...  one iptables command (on an empty
 *                           ruleset without -f), then save
 *   import SCRIPT [--var NAME=VALUE]... [--no-env] [ARG...]
 *                           a firewall script's iptables commands, as save
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fw.h"

#define CT_MAX_DEFAULT 65536

struct fwopts {
	const char *file;
	int	    table;
	bool	    counters;
	bool	    ct_stats;
	size_t	    ct_max;
	int	    argc; /* what is left after the options */
	char	  **argv;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: moatctl fw list [-v]\n"
	    "       moatctl fw check [-f FILE] [-t TABLE] [--vpn PREFIX]... "
	    "[--ipassmt FILE]\n"
	    "           [--gateway ADDR@IFACE --pool PREFIX --lan "
	    "PREFIX@IFACE [--dns ADDR]]\n"
	    "       moatctl fw matrix [-f FILE] [-t TABLE] [--chain CHAIN] "
	    "[--json]\n"
	    "           [--in IFACE] [--out IFACE] [--sport PORT] [--ipsec SA] "
	    "[--ipsec-out SA]\n"
	    "       moatctl fw save [-f FILE] [-c]\n"
	    "       moatctl fw eval [-f FILE] [-t TABLE] [--ct-max N] "
	    "[--ct-stats] "
	    "< PACKETS\n"
	    "       moatctl fw trace [-f FILE] [-t TABLE] KEY=VALUE...\n"
	    "       moatctl fw iptables [-f FILE] IPTABLES-ARGS...\n"
	    "       moatctl fw import SCRIPT [--var NAME=VALUE]... [--no-env] "
	    "[ARG...]\n"
	    "Without -f, list, check, matrix, save, eval and trace work on the "
	    "ruleset\nthat moatd runs (moatctl -S SOCKET).\n");
	return 2;
}

/* Options common to the subverbs; stops at the first other word. */
static int
parse_opts(int argc, char **argv, struct fwopts *o, bool stop_at_dash)
{
	int i;

	o->table = FW_FILTER;
	o->ct_max = CT_MAX_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			o->file = argv[++i];
		else if ((strcmp(argv[i], "-t") == 0 ||
			     strcmp(argv[i], "--table") == 0) &&
		    i + 1 < argc) {
			if ((o->table = fw_table_byname(argv[++i])) == -1) {
				fprintf(stderr, "moatctl: no table '%s'\n",
				    argv[i]);
				return -1;
			}
		} else if (strcmp(argv[i], "-c") == 0)
			o->counters = true;
		else if (strcmp(argv[i], "--ct-stats") == 0)
			o->ct_stats = true;
		else if (strcmp(argv[i], "--ct-max") == 0 && i + 1 < argc) {
			char *end;

			errno = 0;
			o->ct_max = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || errno != 0 || o->ct_max == 0) {
				fprintf(stderr,
				    "moatctl: --ct-max '%s': a "
				    "positive number\n",
				    argv[i]);
				return -1;
			}
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && !stop_at_dash) {
			fprintf(
			    stderr, "moatctl: unknown option '%s'\n", argv[i]);
			return -1;
		} else
			break;
	}
	o->argc = argc - i;
	o->argv = argv + i;
	return 0;
}

/* The options of a verb that takes [-f FILE] and nothing else. */
static int
file_opts(int argc, char **argv, struct fwopts *o)
{
	if (parse_opts(argc, argv, o, false) == -1 || o->argc != 0)
		return -1;
	return 0;
}

/* moatd's running ruleset as iptables-save prints it, through the
 * control socket; NULL (and the reason on stderr) if moatd cannot say. */
static FILE *
running(bool counters)
{
	char  *text = NULL;
	size_t len = 0;
	FILE  *out, *f = NULL;

	if ((out = open_memstream(&text, &len)) == NULL)
		return NULL;
	if (ctl_request("fw-list", counters ? "counters" : "",
		counters ? 8 : 0, out) != 0) {
		fclose(out);
		free(text);
		return NULL;
	}
	fclose(out);
	/* The stream owns a copy: the text is freed here. */
	if ((f = fmemopen(NULL, len + 1, "w+")) != NULL) {
		fwrite(text, 1, len, f);
		rewind(f);
	}
	free(text);
	return f;
}

struct fw_ruleset *
ctl_fw_load(const char *file, bool counters, struct fw_diag *d)
{
	struct fw_ruleset *rs;
	FILE		  *f;

	d->out = stderr;
	d->file = file != NULL ? file : "moatd";
	if (file == NULL)
		f = running(counters);
	else if ((f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r")) ==
	    NULL)
		fprintf(stderr, "moatctl: %s: %s\n", file, strerror(errno));
	if (f == NULL)
		return NULL;
	if ((rs = fw_ruleset_new()) != NULL &&
	    fw_restore_opts(rs, f, d, counters) == -1) {
		fw_ruleset_free(rs);
		rs = NULL;
	}
	if (f != stdin)
		fclose(f);
	return rs;
}

/* An ADDR@IFACE or PREFIX@IFACE argument of fw check. */
static int
split_at_iface(const char *opt, const char *arg, char *head, size_t headlen,
    char ifname[IFNAMSIZ])
{
	const char *at = strrchr(arg, '@');

	if (at == NULL || at == arg || at[1] == '\0' ||
	    strlen(at + 1) >= IFNAMSIZ || (size_t)(at - arg) >= headlen) {
		fprintf(stderr, "moatctl: %s '%s': not ADDRESS@INTERFACE\n",
		    opt, arg);
		return -1;
	}
	snprintf(head, headlen, "%.*s", (int)(at - arg), arg);
	snprintf(ifname, IFNAMSIZ, "%s", at + 1);
	return 0;
}

static int
check_prefix(const char *opt, const char *arg, struct prefix *p)
{
	const char *why;

	if (prefix_parse(AF_INET, arg, p, &why) == -1) {
		fprintf(stderr, "moatctl: %s '%s': %s\n", opt, arg, why);
		return -1;
	}
	return 0;
}

static int
check_addr(const char *opt, const char *arg, struct addr *a)
{
	if (addr_pton(AF_INET, arg, a) == -1) {
		fprintf(stderr, "moatctl: %s '%s': not an IPv4 address\n", opt,
		    arg);
		return -1;
	}
	return 0;
}

/* fw check's own options; -f and -t may come among them. */
static int
check_opts(int argc, char **argv, struct fwopts *o, struct fw_check_opts *c)
{
	char head[PREFIX_STRLEN];
	int  i;

	for (i = 0; i < argc; i++) {
		const char *opt = argv[i], *arg = argv[i + 1];

		if (i + 1 == argc) {
			fprintf(stderr, "moatctl: unknown option '%s'\n", opt);
			return -1;
		}
		i++;
		if (strcmp(opt, "-f") == 0)
			o->file = arg;
		else if (strcmp(opt, "-t") == 0 ||
		    strcmp(opt, "--table") == 0) {
			if ((o->table = fw_table_byname(arg)) == -1) {
				fprintf(
				    stderr, "moatctl: no table '%s'\n", arg);
				return -1;
			}
		} else if (strcmp(opt, "--vpn") == 0) {
			if (c->nvpn == FW_CHECK_MAXVPN) {
				fprintf(stderr, "moatctl: at most %d --vpn\n",
				    FW_CHECK_MAXVPN);
				return -1;
			}
			if (check_prefix(opt, arg, &c->vpn[c->nvpn++]) == -1)
				return -1;
		} else if (strcmp(opt, "--ipassmt") == 0)
			c->ipassmt = arg;
		else if (strcmp(opt, "--gateway") == 0) {
			if (split_at_iface(
				opt, arg, head, sizeof(head), c->gw_if) == -1 ||
			    check_addr(opt, head, &c->gw_addr) == -1)
				return -1;
			c->gateway = true;
		} else if (strcmp(opt, "--pool") == 0) {
			if (check_prefix(opt, arg, &c->pool) == -1)
				return -1;
			c->has_pool = true;
		} else if (strcmp(opt, "--lan") == 0) {
			if (split_at_iface(opt, arg, head, sizeof(head),
				c->lan_if) == -1 ||
			    check_prefix(opt, head, &c->lan) == -1)
				return -1;
			c->has_lan = true;
		} else if (strcmp(opt, "--dns") == 0) {
			if (check_addr(opt, arg, &c->dns) == -1)
				return -1;
			c->has_dns = true;
		} else {
			fprintf(stderr, "moatctl: unknown option '%s'\n", opt);
			return -1;
		}
	}
	if (c->gateway && (!c->has_pool || !c->has_lan)) {
		fprintf(stderr, "moatctl: --gateway needs --pool and --lan\n");
		return -1;
	}
	if (!c->gateway && (c->has_pool || c->has_lan || c->has_dns)) {
		fprintf(stderr,
		    "moatctl: --pool, --lan and --dns describe the gateway of "
		    "--gateway, which is missing\n");
		return -1;
	}
	return 0;
}

static int
fw_check(int argc, char **argv)
{
	struct fw_check_opts c = { 0 };
	struct fw_diag	     d = { 0 };
	struct fw_ruleset   *rs;
	struct fwopts	     o = { 0 };
	int		     rc = 2;

	if (parse_opts(argc, argv, &o, true) == -1 ||
	    check_opts(o.argc, o.argv, &o, &c) == -1)
		return usage();
	c.table = o.table;
	if ((rs = ctl_fw_load(o.file, false, &d)) == NULL)
		return 2;
	/* What moat cannot evaluate refuses to load into moatd or fw eval;
	 * here it is a warning, so that a ruleset meant for the kernel can
	 * be checked too. */
	d.demote = true;
	fw_evaluable(rs, o.table, &d);
	if (fw_lint(rs, &c, &d) == -1 || fw_spoof_check(rs, &c, &d) == -1 ||
	    (c.gateway && fw_walk(rs, &c, &d, stdout) == -1))
		goto out;
	rc = d.nerr > 0 ? 2 : d.nwarn > 0 ? 1 : 0;
out:
	fw_ruleset_free(rs);
	return rc;
}

static int
fw_save_verb(int argc, char **argv)
{
	struct fw_diag	   d = { 0 };
	struct fw_ruleset *rs;
	struct fwopts	   o = { 0 };

	if (file_opts(argc, argv, &o) == -1)
		return usage();
	if ((rs = ctl_fw_load(o.file, o.counters, &d)) == NULL)
		return 2;
	fw_save(rs, stdout, o.counters);
	fw_ruleset_free(rs);
	return 0;
}

static void
print_verdict(const struct fw_verdict *v)
{
	if (v->rule > 0)
		printf("%s %s:%d\n", v->verdict, v->chain, v->rule);
	else
		printf("%s %s:policy\n", v->verdict, v->chain);
}

/* Load for evaluation: errors, and rules moat cannot evaluate, refuse. */
static struct fw_evaluator *
load_eval(struct fwopts *o, struct fw_ruleset **rsp)
{
	struct fw_diag	     d = { 0 };
	struct fw_evaluator *e;

	if ((*rsp = ctl_fw_load(o->file, false, &d)) == NULL)
		return NULL;
	if (fw_evaluable(*rsp, o->table, &d) == -1 ||
	    (e = fw_evaluator_new(*rsp, o->table, o->ct_max)) == NULL) {
		fw_ruleset_free(*rsp);
		*rsp = NULL;
		return NULL;
	}
	return e;
}

static int
fw_eval_verb(int argc, char **argv)
{
	struct fw_ruleset   *rs;
	struct fw_evaluator *e;
	struct fw_verdict    v;
	struct fw_pkt	     pk;
	struct fwopts	     o = { 0 };
	char		    *line = NULL, key[64];
	const char	    *why;
	size_t		     cap = 0;
	unsigned int	     n = 0;
	int		     rc = 0, r;

	if (file_opts(argc, argv, &o) == -1)
		return usage();
	if ((e = load_eval(&o, &rs)) == NULL)
		return 2;
	fw_evaluator_set_log(e, stderr);
	while (getline(&line, &cap, stdin) != -1) {
		n++;
		line[strcspn(line, "\n")] = '\0';
		if ((r = fw_pkt_parse(line, &pk, &why, key, sizeof(key))) ==
		    -1) {
			fprintf(stderr, "moatctl: stdin:%u: error: %s%s%s%s\n",
			    n, key[0] ? "'" : "", key, key[0] ? "': " : "",
			    why);
			rc = 2;
			break;
		}
		if (r == 0)
			continue;
		fw_evaluate(e, &pk, &v, NULL);
		print_verdict(&v);
	}
	free(line);
	if (o.ct_stats)
		fw_evaluator_ct_stats(e, stderr);
	fw_evaluator_free(e);
	fw_ruleset_free(rs);
	return rc;
}

static int
fw_trace(int argc, char **argv)
{
	struct fw_ruleset   *rs;
	struct fw_evaluator *e = NULL;
	struct fw_verdict    v;
	struct fw_pkt	     pk;
	struct fwopts	     o = { 0 };
	char		    *line = NULL, key[64];
	const char	    *why;
	size_t		     len = 1;
	int		     i, rc = 2;

	if (parse_opts(argc, argv, &o, true) == -1 || o.argc == 0)
		return usage();
	for (i = 0; i < o.argc; i++)
		len += strlen(o.argv[i]) + 1;
	if ((line = calloc(1, len)) == NULL)
		return 2;
	for (i = 0; i < o.argc; i++) {
		if (i > 0)
			strcat(line, " ");
		strcat(line, o.argv[i]);
	}
	if (fw_pkt_parse(line, &pk, &why, key, sizeof(key)) != 1) {
		fprintf(stderr, "moatctl: packet: error: %s%s%s%s\n",
		    key[0] ? "'" : "", key, key[0] ? "': " : "", why);
		goto out;
	}
	if ((e = load_eval(&o, &rs)) == NULL)
		goto out;
	printf("packet: %s\n", line);
	fw_evaluate(e, &pk, &v, stdout);
	printf("verdict: ");
	print_verdict(&v);
	fw_evaluator_free(e);
	fw_ruleset_free(rs);
	rc = 0;
out:
	free(line);
	return rc;
}

static int
fw_iptables(int argc, char **argv)
{
	struct fw_diag	   d = { .out = stderr, .file = "iptables" };
	struct fw_ruleset *rs;
	struct fwopts	   o = { 0 };
	int		   rc = 2;

	if (parse_opts(argc, argv, &o, true) == -1 || o.argc == 0)
		return usage();
	if (o.file != NULL)
		rs = ctl_fw_load(o.file, false, &d);
	else
		rs = fw_ruleset_new();
	if (rs == NULL)
		return 2;
	d.file = "iptables";
	d.line = 0;
	if (fw_command(rs, o.argc, o.argv, &d) == 0 &&
	    fw_ruleset_check(rs, &d) == 0) {
		fw_save(rs, stdout, false);
		rc = 0;
	}
	fw_ruleset_free(rs);
	return rc;
}

static int
fw_import_verb(int argc, char **argv)
{
	struct fw_diag	   d = { .out = stderr };
	struct fw_ruleset *rs;
	char		 **vars;
	int		   i, nvars = 0, rc = 2;
	bool		   env = true;
	FILE		  *f;

	if (argc < 2)
		return usage();
	if ((vars = calloc((size_t)argc, sizeof(*vars))) == NULL)
		return 2;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--var") == 0 && i + 1 < argc)
			vars[nvars++] = argv[++i];
		else if (strncmp(argv[i], "--var=", 6) == 0)
			vars[nvars++] = argv[i] + 6;
		else if (strcmp(argv[i], "--no-env") == 0)
			env = false;
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else
			break;
	}
	d.file = argv[1];
	if ((f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r")) ==
	    NULL) {
		fprintf(stderr, "moatctl: %s: %s\n", argv[1], strerror(errno));
		free(vars);
		return 2;
	}
	if ((rs = fw_ruleset_new()) != NULL &&
	    fw_import(rs, f, vars, nvars, argv + i, argc - i, env, &d) == 0) {
		fw_save(rs, stdout, false);
		rc = 0;
	}
	fw_ruleset_free(rs);
	if (f != stdin)
		fclose(f);
	free(vars);
	return rc;
}

/* The running ruleset of moatd, with its counters (-v) as iptables-save
 * -c prints them. */
static int
fw_list(int argc, char **argv)
{
	bool v = argc == 2;

	if (argc > 2 || (v && strcmp(argv[1], "-v") != 0)) {
		fprintf(stderr, "usage: moatctl fw list [-v]\n");
		return 2;
	}
	return ctl_request("fw-list", v ? "counters" : "", v ? 8 : 0, stdout);
}

static const struct ctl_verb fw_verbs[] = {
	{ "list", "print moatd's running ruleset (-v: with counters)",
	    fw_list },
	{ "check", "report what is wrong with a ruleset file", fw_check },
	{ "matrix", "print which address ranges reach which", ctl_fw_matrix },
	{ "save", "print a ruleset file as iptables-save does", fw_save_verb },
	{ "eval", "evaluate packets read from standard input", fw_eval_verb },
	{ "trace", "show every rule one packet visits", fw_trace },
	{ "iptables", "apply one iptables command and print the result",
	    fw_iptables },
	{ "import", "turn a firewall shell script into a ruleset file",
	    fw_import_verb },
};

int
ctl_fw(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage();
	for (i = 0; i < sizeof(fw_verbs) / sizeof(fw_verbs[0]); i++)
		if (strcmp(argv[1], fw_verbs[i].name) == 0)
			return fw_verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "moatctl: fw: unknown verb '%s'\n", argv[1]);
	return usage();
}
