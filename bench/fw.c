/*
 * bench/fw: the compiled classifier against the linear walk it replaces,
 * on one core in the same run, for the example gateway, a large real
 * ruleset of the corpus, and generated ClassBench-style sets of 1,000 and
 * 10,000 rules (classbench.h). For each set it reports the build time
 * and memory of the classifier and fw_lookup's rate in both modes, and
 * checks that both modes agree on a sample of packets. Targets (issue 4)
 * are printed beside the figures; a missed target is reported, not an
 * error: the exit status is 1 only when the benchmark cannot run or the
 * two modes disagree. Run it from the top of the tree (make bench).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classbench.h"
#include "fw_int.h"

#define NPKTS 100000 /* generated per set (not timed) */
#define NCHECK 10000 /* packets both modes must agree on */
#define MIN_SECONDS 0.5 /* each mode is timed for at least this long */
#define ROUNDS 2 /* alternate the modes, keep each one's best round */
#define BATCH 64 /* lookups between clock reads */
#define CT_MAX 1024 /* fw_lookup does not track; keep the table small */

/* The targets of issue 4. */
#define TARGET_RATE 10e6 /* compiled lookups/s on 1,000-rule sets */
#define TARGET_RATIO 20.0 /* compiled over linear, 10,000-rule sets */
#define TARGET_BUILD_MS 1000.0 /* build time for 10,000 rules */

struct set {
	const char  *name;
	const char  *file; /* NULL: generated */
	enum cb_kind kind;
	size_t	     nrules;
	uint64_t     seed;
};

static const struct set sets[] = {
	{ "gateway", "examples/gateway.rules", CB_ACL, 0, 0 },
	{ "university-chair",
	    "../shared/corpus/iptables/university-chair-2015-05-13.rules",
	    CB_ACL, 0, 0 },
	{ "acl-1k", NULL, CB_ACL, 1000, 1 },
	{ "fw-1k", NULL, CB_FW, 1000, 2 },
	{ "acl-10k", NULL, CB_ACL, 10000, 3 },
	{ "fw-10k", NULL, CB_FW, 10000, 4 },
};

#define NSETS (sizeof(sets) / sizeof(sets[0]))

struct result {
	size_t rules; /* in the filter table */
	double build_ms;
	size_t memory;
	double compiled, linear; /* lookups per second */
	double hits; /* share of the sample decided by a rule */
};

static double
seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The set's iptables-restore text: the file, or a generated set. */
static char *
set_text(const struct set *s, size_t *len)
{
	FILE *f;
	char *text = NULL;
	int   c;

	if ((f = open_memstream(&text, len)) == NULL) {
		fprintf(stderr, "bench/fw: %s: open_memstream: %s\n", s->name,
		    strerror(errno));
		return NULL;
	}
	if (s->file == NULL) {
		if (cb_generate(f, s->kind, s->nrules, s->seed) == -1)
			goto fail;
	} else {
		FILE *in = fopen(s->file, "r");

		if (in == NULL) {
			fprintf(stderr,
			    "bench/fw: %s: %s (run from the top of the tree; "
			    "the corpus is ../shared/corpus, see "
			    "HACKING.md)\n",
			    s->file, strerror(errno));
			goto fail;
		}
		while ((c = getc(in)) != EOF)
			putc(c, f);
		fclose(in);
	}
	if (fclose(f) == EOF) {
		f = NULL;
		fprintf(stderr, "bench/fw: %s: no memory for the rule set\n",
		    s->name);
		goto fail;
	}
	return text;
fail:
	if (f != NULL)
		fclose(f);
	free(text);
	return NULL;
}

/* A ruleset whose filter table moat can evaluate; diagnostics go to
 * stderr under the set's name. */
static struct fw_ruleset *
load(const struct set *s, char *text, size_t len)
{
	struct fw_diag	   d = { .out = stderr,
		    .file = s->file != NULL ? s->file : s->name };
	struct fw_ruleset *rs;
	FILE		  *f;

	if ((f = fmemopen(text, len, "r")) == NULL) {
		fprintf(stderr, "bench/fw: %s: fmemopen: %s\n", s->name,
		    strerror(errno));
		return NULL;
	}
	if ((rs = fw_ruleset_new()) == NULL)
		fprintf(
		    stderr, "bench/fw: %s: no memory for a ruleset\n", s->name);
	else if (fw_restore(rs, f, &d) == -1 ||
	    fw_evaluable(rs, FW_FILTER, &d) == -1) {
		fprintf(
		    stderr, "bench/fw: %s: does not load (above)\n", s->name);
		fw_ruleset_free(rs);
		rs = NULL;
	}
	fclose(f);
	return rs;
}

/* Rules of the filter table, user chains included. */
static size_t
count_rules(const struct fw_ruleset *rs)
{
	const struct fw_table *tb = &rs->t[FW_FILTER];
	size_t		       i, n = 0;

	for (i = 0; i < tb->nchains; i++)
		n += tb->chains[i]->nrules;
	return n;
}

static void
describe(const struct fw_pkt *pk, char *buf, size_t len)
{
	char src[ADDR_STRLEN], dst[ADDR_STRLEN];

	snprintf(buf, len,
	    "hook=%s in=%s out=%s src=%s dst=%s proto=%u sport=%u dport=%u",
	    fw_hook_names[pk->hook], pk->in, pk->out,
	    addr_ntop(&pk->src, src, sizeof(src)),
	    addr_ntop(&pk->dst, dst, sizeof(dst)), pk->proto, pk->sport,
	    pk->dport);
}

/*
 * Both modes decide the first packets alike (verdict, chain and rule).
 * Each mode has its own copy of the ruleset, so rate matches see the
 * same packets in the same order in both.
 */
static int
check(const struct set *s, struct fw_evaluator *ec, struct fw_evaluator *el,
    const struct fw_pkt *pk, size_t n, double *hits)
{
	struct fw_verdict a, b;
	size_t		  i, nhit = 0;
	char		  desc[256];

	for (i = 0; i < n; i++) {
		fw_lookup(ec, &pk[i], FW_CT_NEW, &a);
		fw_lookup(el, &pk[i], FW_CT_NEW, &b);
		if (strcmp(a.verdict, b.verdict) != 0 ||
		    strcmp(a.chain, b.chain) != 0 || a.rule != b.rule) {
			describe(&pk[i], desc, sizeof(desc));
			fprintf(stderr,
			    "bench/fw: %s: packet %zu (%s): compiled says "
			    "%s %s:%d, linear says %s %s:%d\n",
			    s->name, i, desc, a.verdict, a.chain, a.rule,
			    b.verdict, b.chain, b.rule);
			return -1;
		}
		nhit += a.rule > 0;
	}
	*hits = n > 0 ? (double)nhit / (double)n : 0;
	return 0;
}

/*
 * Lookups per second over the packets, round and round, for MIN_SECONDS.
 * The seconds are the thread's CPU time: the machine is shared, and time
 * spent waiting for a core says nothing about the classifier.
 */
static double
rate(struct fw_evaluator *e, const struct fw_pkt *pk, size_t n)
{
	struct fw_verdict v;
	size_t		  i = 0, k;
	uint64_t	  done = 0;
	double		  t0 = seconds(CLOCK_THREAD_CPUTIME_ID), t;

	for (;;) {
		for (k = 0; k < BATCH; k++) {
			fw_lookup(e, &pk[i], FW_CT_NEW, &v);
			if (++i == n)
				i = 0;
		}
		done += BATCH;
		t = seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
		if (t >= MIN_SECONDS)
			return (double)done / t;
	}
}

/* Build both evaluators, check them, time them. */
static int
measure(const struct set *s, struct fw_ruleset *rc, struct fw_ruleset *rl,
    const struct fw_pkt *pk, struct result *res)
{
	struct fw_evaluator *ec = NULL, *el = NULL;
	double		     t0, r;
	int		     ret = -1, round;

	t0 = seconds(CLOCK_MONOTONIC);
	ec = fw_evaluator_new(rc, FW_FILTER, CT_MAX);
	res->build_ms = (seconds(CLOCK_MONOTONIC) - t0) * 1e3;
	if (ec == NULL ||
	    (el = fw_evaluator_new(rl, FW_FILTER, CT_MAX)) == NULL) {
		fprintf(stderr, "bench/fw: %s: no memory for an evaluator\n",
		    s->name);
		goto out;
	}
	fw_evaluator_linear(el, true);
	res->memory = fw_evaluator_memory(ec);
	if (check(s, ec, el, pk, NCHECK, &res->hits) == -1)
		goto out;
	/* The machine is shared: alternating rounds give both modes the
	 * same chances, and the best round is the least disturbed. */
	for (round = 0; round < ROUNDS; round++) {
		if ((r = rate(ec, pk, NPKTS)) > res->compiled)
			res->compiled = r;
		if ((r = rate(el, pk, NPKTS)) > res->linear)
			res->linear = r;
	}
	ret = 0;
out:
	fw_evaluator_free(ec);
	fw_evaluator_free(el);
	return ret;
}

static int
run(const struct set *s, struct fw_pkt *pk, struct result *res)
{
	struct fw_ruleset *rc = NULL, *rl = NULL;
	char		  *text;
	size_t		   len;
	int		   ret = -1;

	if ((text = set_text(s, &len)) == NULL)
		return -1;
	if ((rc = load(s, text, len)) == NULL ||
	    (rl = load(s, text, len)) == NULL)
		goto out;
	res->rules = count_rules(rc);
	if (cb_packets(rc, FW_FILTER, pk, NPKTS, 0x5eed ^ s->seed) != NPKTS) {
		fprintf(
		    stderr, "bench/fw: %s: no memory for packets\n", s->name);
		goto out;
	}
	ret = measure(s, rc, rl, pk, res);
out:
	fw_ruleset_free(rc);
	fw_ruleset_free(rl);
	free(text);
	return ret;
}

/* A rate in three significant digits and a unit. */
static const char *
fmt_rate(double v, char *buf, size_t len)
{
	const char *unit = "";

	if (v >= 1e6) {
		v /= 1e6;
		unit = " M";
	} else if (v >= 1e3) {
		v /= 1e3;
		unit = " k";
	}
	snprintf(buf, len, "%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, unit);
	return buf;
}

static void
print_row(const struct set *s, const struct result *r)
{
	char c[16], l[16];

	printf("%-17s %6zu %9.2f %9.1f %11s %11s %7.1fx %5.0f%%\n", s->name,
	    r->rules, r->build_ms, (double)r->memory / 1024,
	    fmt_rate(r->compiled, c, sizeof(c)),
	    fmt_rate(r->linear, l, sizeof(l)), r->compiled / r->linear,
	    r->hits * 100);
}

static void
print_target(const char *set, const char *what, const char *value, bool holds)
{
	printf("  %-8s %-28s %10s  %s\n", set, what, value,
	    holds ? "holds" : "MISSED");
}

/* The targets apply to the generated sets of their sizes. */
static void
print_targets(const struct result *res)
{
	const struct result *r;
	char		     v[32];
	size_t		     i;

	printf("\ntargets (generated sets):\n");
	for (i = 0; i < NSETS; i++) {
		r = &res[i];
		if (sets[i].file != NULL)
			continue;
		if (sets[i].nrules == 1000) {
			fmt_rate(r->compiled, v, sizeof(v));
			print_target(sets[i].name, "compiled >= 10 M lookups/s",
			    v, r->compiled >= TARGET_RATE);
		}
		if (sets[i].nrules == 10000) {
			snprintf(
			    v, sizeof(v), "%.1fx", r->compiled / r->linear);
			print_target(sets[i].name, "compiled >= 20x linear", v,
			    r->compiled / r->linear >= TARGET_RATIO);
			snprintf(v, sizeof(v), "%.1f ms", r->build_ms);
			print_target(sets[i].name, "build < 1 s", v,
			    r->build_ms < TARGET_BUILD_MS);
		}
	}
}

int
main(int argc, char **argv)
{
	struct result  res[NSETS];
	struct fw_pkt *pk;
	size_t	       i;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr,
		    "usage: fw (no arguments; run it from the "
		    "top of the tree)\n");
		return 2;
	}
	if ((pk = calloc(NPKTS, sizeof(*pk))) == NULL) {
		fprintf(stderr, "bench/fw: no memory for %d packets\n", NPKTS);
		return 1;
	}
	printf("bench/fw: fw_lookup (state NEW, filter table) on one core, "
	       "%d packets per set;\n"
	       "lookups per CPU second, best of %d rounds of >= %.1f s per "
	       "mode; build time is wall time;\n"
	       "both modes agree on the first %d packets; hits: share of "
	       "them decided by a rule\n\n",
	    NPKTS, ROUNDS, MIN_SECONDS, NCHECK);
	printf("%-17s %6s %9s %9s %11s %11s %8s %6s\n", "set", "rules",
	    "build ms", "mem KiB", "compiled/s", "linear/s", "ratio", "hits");
	fflush(stdout);
	for (i = 0; i < NSETS; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		if (run(&sets[i], pk, &res[i]) == -1) {
			free(pk);
			return 1;
		}
		print_row(&sets[i], &res[i]);
		fflush(stdout);
	}
	print_targets(res);
	free(pk);
	return 0;
}
