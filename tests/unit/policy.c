/*
 * -m policy truth table: each row is a rule, a security path and whether
 * the rule matches. Expected values follow xt_policy.c (with the strict
 * inbound fix, see src/fw/match_policy.c): without --strict any SA may
 * match the first element; with --strict the path length must equal the
 * element count and element k meets the k-th SA counted from the
 * outermost going out, from the innermost coming in.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"
#include "tap.h"

/* SAs by letter, outermost first in a path string such as "BA". */
static void
sa(char c, struct fw_sa *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = FW_MODE_TUNNEL;
	s->proto = IPPROTO_ESP;
	addr_pton(AF_INET, "203.0.113.9", &s->tsrc);
	addr_pton(AF_INET, "198.51.100.1", &s->tdst);
	switch (c) {
	case 'A': /* the story's tunnel */
		s->spi = 0x100;
		s->reqid = 1;
		break;
	case 'B': /* transport ESP, reqid 2 */
		s->mode = FW_MODE_TRANSPORT;
		s->spi = 0x200;
		s->reqid = 2;
		break;
	case 'C': /* tunnel AH, reqid 3 */
		s->proto = IPPROTO_AH;
		s->spi = 0x300;
		s->reqid = 3;
		break;
	case 'D': /* like A, from another peer to another gateway */
		s->spi = 0x400;
		s->reqid = 1;
		addr_pton(AF_INET, "203.0.113.10", &s->tsrc);
		addr_pton(AF_INET, "198.51.100.2", &s->tdst);
		break;
	}
}

struct row {
	const char *opts; /* after -m policy --dir DIR */
	const char *path; /* "" for no security path */
	bool	    match;
};

static const struct row rows[] = {
	/* Presence of a path. */
	{ "--pol ipsec", "", false },
	{ "--pol ipsec", "A", true },
	{ "--pol ipsec", "BA", true },
	{ "--pol none", "", true },
	{ "--pol none", "A", false },
	/* One field; without --strict any SA of the path may satisfy it. */
	{ "--pol ipsec --reqid 1", "A", true },
	{ "--pol ipsec --reqid 1", "B", false },
	{ "--pol ipsec --reqid 1", "BA", true },
	{ "--pol ipsec --reqid 1", "AB", true },
	{ "--pol ipsec ! --reqid 1", "A", false },
	{ "--pol ipsec ! --reqid 1", "B", true },
	{ "--pol ipsec ! --reqid 1", "AB", true },
	{ "--pol ipsec --spi 0x100", "A", true },
	{ "--pol ipsec ! --spi 0x100", "A", false },
	{ "--pol ipsec ! --spi 0x100", "C", true },
	{ "--pol ipsec --proto ah", "A", false },
	{ "--pol ipsec --proto ah", "C", true },
	{ "--pol ipsec ! --proto esp", "A", false },
	{ "--pol ipsec ! --proto esp", "AC", true },
	{ "--pol ipsec --mode transport", "A", false },
	{ "--pol ipsec --mode transport", "B", true },
	{ "--pol ipsec ! --mode tunnel", "A", false },
	{ "--pol ipsec ! --mode tunnel", "B", true },
	/* Tunnel endpoints, with their own negation and masks. */
	{ "--pol ipsec --mode tunnel --tunnel-dst 198.51.100.1", "A", true },
	{ "--pol ipsec --mode tunnel --tunnel-dst 198.51.100.1", "D", false },
	{ "--pol ipsec --mode tunnel --tunnel-dst 198.51.100.0/24", "D", true },
	{ "--pol ipsec --mode tunnel ! --tunnel-src 203.0.113.9", "A", false },
	{ "--pol ipsec --mode tunnel ! --tunnel-src 203.0.113.9", "D", true },
	{ "--pol ipsec --mode tunnel --tunnel-src 203.0.113.9 "
	  "--tunnel-dst 198.51.100.1",
	    "DA", true },
	/* All fields of one element must hold for the same SA. */
	{ "--pol ipsec --reqid 1 --proto ah", "AC", false },
	{ "--pol ipsec --reqid 3 --proto ah", "AC", true },
	/* --strict: exact length. */
	{ "--pol ipsec --strict --reqid 1", "A", true },
	{ "--pol ipsec --strict --reqid 1", "B", false },
	{ "--pol ipsec --strict --reqid 1", "AB", false },
	{ "--pol ipsec --strict --reqid 1", "", false },
	{ "--pol ipsec --strict ! --reqid 1", "B", true },
	{ "--pol ipsec --strict --reqid 1 --next --reqid 2", "A", false },
	{ "--pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3",
	    "AB", false },
};

/* Rows whose answer depends on the direction: element k against the k-th
 * SA from the outside (out) or from the inside (in). */
struct drow {
	const char *opts;
	const char *path;
	bool	    in, out;
};

static const struct drow drows[] = {
	{ "--pol ipsec --strict --reqid 1 --next --reqid 2", "AB", false,
	    true },
	{ "--pol ipsec --strict --reqid 1 --next --reqid 2", "BA", true,
	    false },
	{ "--pol ipsec --strict ! --reqid 1 --next --reqid 2", "BB", true,
	    true },
	{ "--pol ipsec --strict ! --reqid 2 --next --reqid 2", "AB", false,
	    true },
	{ "--pol ipsec --strict --proto esp --mode tunnel --next --proto ah",
	    "AC", false, true },
	{ "--pol ipsec --strict --proto ah --next --proto esp --mode tunnel",
	    "AC", true, false },
	{ "--pol ipsec --strict --proto esp --mode tunnel --next --proto ah",
	    "CA", true, false },
};

/* Load "-P CHAIN DROP" and "-A CHAIN -m policy --dir DIR OPTS -j ACCEPT";
 * evaluate one packet with the path; true if rule 1 accepted it. */
static int
run(const char *chain, const char *dir, const char *opts, const char *path,
    bool *matched)
{
	struct fw_diag	     d = { .out = stderr, .file = "policy-test" };
	char		     line[512], **argv, **pv;
	struct fw_ruleset   *rs;
	struct fw_evaluator *e;
	struct fw_verdict    v;
	struct fw_pkt	     pk;
	struct fw_secpath   *sp;
	const char	    *why;
	int		     argc, pc, rc = -1;
	size_t		     i;

	rs = fw_ruleset_new();
	snprintf(line, sizeof(line), "-P %s DROP", chain);
	fw_split_args(line, &pv, &pc, &why);
	snprintf(line, sizeof(line), "-A %s -m policy --dir %s %s -j ACCEPT",
	    chain, dir, opts);
	fw_split_args(line, &argv, &argc, &why);
	if (fw_command(rs, pc, pv, &d) == -1 ||
	    fw_command(rs, argc, argv, &d) == -1 ||
	    fw_ruleset_check(rs, &d) == -1)
		goto out;
	e = fw_evaluator_new(rs, FW_FILTER, 16);
	memset(&pk, 0, sizeof(pk));
	pk.hook = strcmp(chain, "INPUT") == 0 ? FW_INPUT : FW_OUTPUT;
	addr_pton(AF_INET, "10.0.2.7", &pk.src);
	addr_pton(AF_INET, "10.0.1.1", &pk.dst);
	pk.proto = 17;
	pk.sport = 5353;
	pk.dport = 53;
	pk.icmp_type = -1;
	pk.len = 28;
	sp = strcmp(dir, "in") == 0 ? &pk.ipsec_in : &pk.ipsec_out;
	pk.has_ipsec_out = strcmp(dir, "out") == 0 && path[0] != '\0';
	for (i = 0; path[i] != '\0'; i++)
		sa(path[i], &sp->sa[sp->n++]);
	fw_evaluate(e, &pk, &v, NULL);
	*matched = v.rule == 1;
	fw_evaluator_free(e);
	rc = 0;
out:
	fw_free_args(argv, argc);
	fw_free_args(pv, pc);
	fw_ruleset_free(rs);
	return rc;
}

static void
table(void)
{
	static const char *const dirs[2][2] = { { "INPUT", "in" },
		{ "OUTPUT", "out" } };
	bool			 m;
	size_t			 i, k;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (k = 0; k < 2; k++) {
			if (run(dirs[k][0], dirs[k][1], rows[i].opts,
				rows[i].path, &m) == -1) {
				ok(0, "load --dir %s %s", dirs[k][1],
				    rows[i].opts);
				continue;
			}
			ok(m == rows[i].match, "--dir %s %s, path [%s]: %s",
			    dirs[k][1], rows[i].opts, rows[i].path,
			    rows[i].match ? "match" : "no match");
		}
	for (i = 0; i < sizeof(drows) / sizeof(drows[0]); i++)
		for (k = 0; k < 2; k++) {
			bool want = k == 0 ? drows[i].in : drows[i].out;

			if (run(dirs[k][0], dirs[k][1], drows[i].opts,
				drows[i].path, &m) == -1) {
				ok(0, "load --dir %s %s", dirs[k][1],
				    drows[i].opts);
				continue;
			}
			ok(m == want,
			    "--dir %s %s, path [%s] outermost "
			    "first: %s",
			    dirs[k][1], drows[i].opts, drows[i].path,
			    want ? "match" : "no match");
		}
}

/* Loads that must fail, with the first words of the reason. */
static void
refused(void)
{
	static const struct {
		const char *cmds; /* commands separated by ';' */
		const char *why;
	} bad[] = {
		{ "-A OUTPUT -m policy --dir in --pol ipsec",
		    "'policy' is not "
		    "valid in OUTPUT" },
		{ "-A INPUT -m policy --dir out --pol ipsec",
		    "'policy' is not "
		    "valid in INPUT" },
		{ "-N vpn;-A vpn -m policy --dir in --pol ipsec -j ACCEPT;"
		  "-A OUTPUT -j vpn",
		    "'policy' is not valid in OUTPUT" },
		{ "-A INPUT -m policy --dir in --pol ipsec --tunnel-src "
		  "1.2.3.4",
		    "policy: --tunnel-src and --tunnel-dst need --mode "
		    "tunnel" },
		{ "-A INPUT -m policy --dir in --pol ipsec --mode transport "
		  "--tunnel-dst 1.2.3.4",
		    "policy: --tunnel-src and" },
		{ "-A INPUT -m policy --dir in --pol ipsec --reqid 1 --next "
		  "--reqid 2",
		    "policy: --next needs --strict" },
		{ "-A INPUT -m policy --dir in --pol ipsec --strict",
		    "policy: --strict needs" },
		{ "-A INPUT -m policy --pol ipsec", "policy: --dir in or" },
		{ "-A INPUT -m policy --dir in", "policy: --pol none or" },
		{ "-A INPUT -m policy --dir in --pol ipsec --reqid 1 --reqid 2",
		    "policy: --reqid given twice" },
		{ "-A INPUT -m policy --dir in --pol ipsec --proto udp",
		    "policy: --proto 'udp'" },
	};
	char		   buf[4096], *cmd, *save = NULL, copy[512], **argv;
	struct fw_ruleset *rs;
	const char	  *why;
	size_t		   i;
	int		   argc, rc;
	FILE		  *f;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fw_diag d = { 0 };

		memset(buf, 0, sizeof(buf));
		f = fmemopen(buf, sizeof(buf) - 1, "w");
		d.out = f;
		rs = fw_ruleset_new();
		snprintf(copy, sizeof(copy), "%s", bad[i].cmds);
		rc = 0;
		for (cmd = strtok_r(copy, ";", &save); cmd != NULL && rc == 0;
		     cmd = strtok_r(NULL, ";", &save)) {
			fw_split_args(cmd, &argv, &argc, &why);
			rc = fw_command(rs, argc, argv, &d);
			fw_free_args(argv, argc);
		}
		if (rc == 0)
			rc = fw_ruleset_check(rs, &d);
		fclose(f);
		ok(rc == -1 && strstr(buf, bad[i].why) != NULL, "refused: %s",
		    bad[i].cmds);
		if (rc != -1 || strstr(buf, bad[i].why) == NULL)
			diag("  got: %s", buf);
		fw_ruleset_free(rs);
	}
}

int
main(void)
{
	table();
	refused();
	return done_testing();
}
