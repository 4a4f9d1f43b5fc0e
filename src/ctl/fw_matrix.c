/*
 * moatctl fw matrix -f FILE [-t TABLE] [--chain CHAIN] [--json]
 *                   [--in IFACE] [--out IFACE] [--sport PORT]
 *                   [--ipsec SA] [--ipsec-out SA]
 * The service matrix of one built-in chain (src/fw/matrix.c): which
 * source ranges reach which destination ranges, per service, interface
 * class and IPsec mode, for new connections. Exit 0, or 2 when the file
 * does not load, the chain reaches a rule moat cannot evaluate, or the
 * options are wrong.
 * --verify N [--seed S] (not in the usage: for the tests) also checks N
 * random packets against the evaluator and exits 1 if one differs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "fw.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: moatctl fw matrix -f FILE [-t TABLE] [--chain CHAIN] "
	    "[--json]\n"
	    "           [--in IFACE] [--out IFACE] [--sport PORT] [--ipsec SA] "
	    "[--ipsec-out SA]\n");
	return 2;
}

static int
number(const char *opt, const char *arg, unsigned long long max,
    unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(arg, &end, 0);
	if (arg[0] == '\0' || arg[0] == '-' || *end != '\0' || errno != 0 ||
	    *v > max) {
		fprintf(stderr, "moatctl: %s '%s': a number from 0 to %llu\n",
		    opt, arg, max);
		return -1;
	}
	return 0;
}

/* An SA list as fw eval's ipsec= and ipsec-out= take it. */
static int
sa_arg(const char *opt, const char *arg, bool out, struct fw_secpath *sp)
{
	struct fw_pkt pk;
	const char   *why;
	char	      line[512], key[64];

	snprintf(line, sizeof(line),
	    "hook=FORWARD src=0.0.0.0 dst=0.0.0.0 proto=udp %s=%s",
	    out ? "ipsec-out" : "ipsec", arg);
	if (strlen(arg) > 400 ||
	    fw_pkt_parse(line, &pk, &why, key, sizeof(key)) != 1) {
		fprintf(stderr, "moatctl: %s '%s': %s\n", opt, arg,
		    strlen(arg) > 400 ? "too long" : why);
		return -1;
	}
	*sp = out ? pk.ipsec_out : pk.ipsec_in;
	return 0;
}

static int
iface_arg(const char *opt, const char *arg, const char **v)
{
	if (arg[0] == '\0' || strlen(arg) >= IFNAMSIZ ||
	    strchr(arg, '+') != NULL) {
		fprintf(stderr,
		    "moatctl: %s '%s': an interface name of 1 to %d "
		    "characters\n",
		    opt, arg, IFNAMSIZ - 1);
		return -1;
	}
	*v = arg;
	return 0;
}

static int
hook_byname(const char *name)
{
	static const char *const names[FW_NHOOKS] = { "PREROUTING", "INPUT",
		"FORWARD", "OUTPUT", "POSTROUTING" };
	int			 h;

	for (h = 0; h < FW_NHOOKS; h++)
		if (strcmp(names[h], name) == 0)
			return h;
	fprintf(stderr,
	    "moatctl: --chain '%s': a built-in chain (INPUT, FORWARD, "
	    "OUTPUT, PREROUTING, POSTROUTING)\n",
	    name);
	return -1;
}

static int
parse(int argc, char **argv, struct fw_matrix_opts *o, const char **file)
{
	unsigned long long v;
	const char	  *opt, *arg;
	int		   i, h;

	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (strcmp(opt, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (i + 1 == argc) {
			fprintf(stderr, "moatctl: unknown option '%s'\n", opt);
			return -1;
		}
		arg = argv[++i];
		if (strcmp(opt, "-f") == 0)
			*file = arg;
		else if (strcmp(opt, "-t") == 0 ||
		    strcmp(opt, "--table") == 0) {
			if ((h = fw_table_byname(arg)) == -1) {
				fprintf(
				    stderr, "moatctl: no table '%s'\n", arg);
				return -1;
			}
			o->table = h;
		} else if (strcmp(opt, "--chain") == 0) {
			if ((h = hook_byname(arg)) == -1)
				return -1;
			o->hook = h;
		} else if (strcmp(opt, "--in") == 0) {
			if (iface_arg(opt, arg, &o->in) == -1)
				return -1;
		} else if (strcmp(opt, "--out") == 0) {
			if (iface_arg(opt, arg, &o->out) == -1)
				return -1;
		} else if (strcmp(opt, "--sport") == 0) {
			if (number(opt, arg, 65535, &v) == -1)
				return -1;
			o->sport = (uint16_t)v;
		} else if (strcmp(opt, "--ipsec") == 0) {
			if (sa_arg(opt, arg, false, &o->sa_in) == -1)
				return -1;
			o->has_sa_in = true;
		} else if (strcmp(opt, "--ipsec-out") == 0) {
			if (sa_arg(opt, arg, true, &o->sa_out) == -1)
				return -1;
			o->has_sa_out = true;
		} else if (strcmp(opt, "--verify") == 0) {
			if (number(opt, arg, 10000000, &v) == -1)
				return -1;
			o->verify = (unsigned int)v;
		} else if (strcmp(opt, "--seed") == 0) {
			if (number(opt, arg, UINT64_MAX, &v) == -1)
				return -1;
			o->seed = v;
		} else {
			fprintf(stderr, "moatctl: unknown option '%s'\n", opt);
			return -1;
		}
	}
	/* As iptables refuses -i in OUTPUT and -o in INPUT. */
	if ((o->in != NULL && o->hook >= FW_OUTPUT) ||
	    (o->out != NULL && o->hook <= FW_INPUT)) {
		fprintf(stderr,
		    "moatctl: --%s: packets of chain %s have no %s "
		    "interface\n",
		    o->in != NULL && o->hook >= FW_OUTPUT ? "in" : "out",
		    o->hook >= FW_OUTPUT ? "OUTPUT or POSTROUTING" :
					   "INPUT or PREROUTING",
		    o->in != NULL && o->hook >= FW_OUTPUT ? "incoming" :
							    "outgoing");
		return -1;
	}
	return 0;
}

int
ctl_fw_matrix(int argc, char **argv)
{
	struct fw_matrix_opts o = { .table = FW_FILTER,
		.hook = FW_FORWARD,
		.sport = 10000,
		.seed = 1 };
	struct fw_diag	      d = { .out = stderr };
	struct fw_ruleset    *rs;
	const char	     *file = NULL;
	int		      rc;

	if (parse(argc, argv, &o, &file) == -1)
		return usage();
	if ((rs = ctl_fw_load(file, false, &d)) == NULL)
		return 2;
	rc = fw_matrix(rs, &o, stdout, &d);
	fw_ruleset_free(rs);
	return rc == -1 ? 2 : rc;
}
