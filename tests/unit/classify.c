/*
 * The compiled classifier against the linear walk: the same packets
 * through two copies of each ruleset, one evaluator compiled and one
 * linear, must give the same verdict decided by the same rule, packet
 * for packet. Rulesets: ClassBench-style generated ones (bench/
 * classbench.c), the story's examples/gateway.rules and every corpus
 * file moat can evaluate, the latter with connection tracking and rate
 * matches live (packet sequences with replies). Over 1,000,000 packets.
 */
#include <stdlib.h>
#include <string.h>

#include "classbench.h"
#include "fw.h"
#include "tap.h"

#define CORPUS_PKTS 25000

struct pair {
	struct fw_ruleset   *rs[2];
	struct fw_evaluator *e[2]; /* compiled, linear */
};

static void
pair_free(struct pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		fw_evaluator_free(p->e[i]);
		fw_ruleset_free(p->rs[i]);
	}
}

/* Load the same text twice: rate matches keep state in the rules. */
static int
pair_load(struct pair *p, const char *text, size_t len, const char *name)
{
	struct fw_diag d = { .out = NULL, .file = name };
	FILE	      *f;
	int	       i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 2; i++) {
		if ((f = fmemopen((void *)text, len, "r")) == NULL)
			return -1;
		p->rs[i] = fw_ruleset_new();
		if (p->rs[i] == NULL || fw_restore(p->rs[i], f, &d) == -1 ||
		    fw_evaluable(p->rs[i], FW_FILTER, &d) == -1 ||
		    (p->e[i] = fw_evaluator_new(p->rs[i], FW_FILTER, 65536)) ==
			NULL) {
			fclose(f);
			return -1;
		}
		fclose(f);
	}
	fw_evaluator_linear(p->e[1], true);
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL;
	long  n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static void
show(const struct fw_pkt *pk, const struct fw_verdict *a,
    const struct fw_verdict *b)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];

	diag("  hook %d in=%s out=%s src=%s dst=%s proto=%u %u>%u: "
	     "compiled %s %s:%d, linear %s %s:%d",
	    pk->hook, pk->in, pk->out, addr_ntop(&pk->src, s, sizeof(s)),
	    addr_ntop(&pk->dst, d, sizeof(d)), pk->proto, pk->sport, pk->dport,
	    a->verdict, a->chain, a->rule, b->verdict, b->chain, b->rule);
}

static bool
same(const struct fw_verdict *a, const struct fw_verdict *b)
{
	return strcmp(a->verdict, b->verdict) == 0 &&
	    strcmp(a->chain, b->chain) == 0 && a->rule == b->rule;
}

/* The answer to a packet, as the other end sends it. */
static void
reply_of(const struct fw_pkt *pk, struct fw_pkt *r, double t)
{
	*r = *pk;
	r->src = pk->dst;
	r->dst = pk->src;
	r->sport = pk->dport;
	r->dport = pk->sport;
	snprintf(r->in, sizeof(r->in), "%s", pk->out);
	snprintf(r->out, sizeof(r->out), "%s", pk->in);
	if (pk->hook == FW_INPUT)
		r->hook = FW_OUTPUT;
	else if (pk->hook == FW_OUTPUT)
		r->hook = FW_INPUT;
	if (pk->proto == 6)
		r->tcp_flags = 0x12; /* SYN ACK */
	if (pk->icmp_type == 8)
		r->icmp_type = 0;
	r->t = t;
}

/*
 * n packets through both evaluators; stateful: the whole path (raw
 * table, conntrack, rate matches), with every third packet followed by
 * its reply, else stateless lookups of new connections.
 */
static size_t
compare(struct pair *p, const char *name, size_t n, uint64_t seed,
    bool stateful, size_t *total)
{
	struct fw_verdict v[2];
	struct fw_pkt	 *pk, rp;
	size_t		  i, bad = 0, k;
	int		  j;

	if ((pk = calloc(n, sizeof(*pk))) == NULL ||
	    cb_packets(p->rs[0], FW_FILTER, pk, n, seed) != n) {
		free(pk);
		ok(0, "%s: packets generated", name);
		return 1;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < (stateful && i % 3 == 0 ? 2u : 1u); k++) {
			const struct fw_pkt *q = &pk[i];

			pk[i].t = (double)i * 0.01;
			if (k == 1) {
				reply_of(&pk[i], &rp, pk[i].t + 0.001);
				q = &rp;
			}
			for (j = 0; j < 2; j++) {
				if (stateful)
					fw_evaluate(p->e[j], q, &v[j], NULL);
				else
					fw_lookup(p->e[j], q, FW_CT_NEW, &v[j]);
			}
			(*total)++;
			if (!same(&v[0], &v[1]) && bad++ < 3)
				show(q, &v[0], &v[1]);
		}
	}
	free(pk);
	ok(bad == 0, "%s: %zu packets%s, compiled == linear (%zu differ)", name,
	    n, stateful ? " with replies, stateful" : "", bad);
	return bad;
}

static struct fw_ruleset *
load_text(const char *text)
{
	struct fw_diag	   d = { .out = NULL, .file = "swap" };
	struct fw_ruleset *rs;
	FILE		  *f;

	if ((f = fmemopen((void *)text, strlen(text), "r")) == NULL)
		return NULL;
	if ((rs = fw_ruleset_new()) != NULL && fw_restore(rs, f, &d) == -1) {
		fw_ruleset_free(rs);
		rs = NULL;
	}
	fclose(f);
	return rs;
}

static void
decide(struct fw_evaluator *e, const char *line, char *out, size_t len)
{
	struct fw_verdict v;
	struct fw_pkt	  pk;
	const char	 *why;
	char		  key[64];

	if (fw_pkt_parse(line, &pk, &why, key, sizeof(key)) != 1) {
		snprintf(out, len, "bad packet");
		return;
	}
	fw_evaluate(e, &pk, &v, NULL);
	snprintf(out, len, "%s %s:%d", v.verdict, v.chain, v.rule);
}

/*
 * A reload: a ruleset that cannot be evaluated leaves the running one
 * deciding; a good one replaces it, connection tracking carrying on.
 */
static void
swap_test(void)
{
	static const char first[] = "*filter\n:INPUT DROP [0:0]\n"
				    "-A INPUT -p tcp --dport 22 -j ACCEPT\n"
				    "COMMIT\n";
	static const char broken[] =
	    "*filter\n:INPUT DROP [0:0]\n"
	    "-A INPUT -m conntrack --ctorigsrc 10.0.0.1 -j ACCEPT\n"
	    "COMMIT\n";
	static const char second[] =
	    "*filter\n:INPUT DROP [0:0]\n"
	    "-A INPUT -m state --state ESTABLISHED -j ACCEPT\n"
	    "-A INPUT -p tcp --dport 80 -j ACCEPT\nCOMMIT\n";
	const char	    *ssh = "hook=INPUT in=eth0 src=203.0.113.9 "
				   "dst=198.51.100.1 proto=tcp sport=40000 dport=22 "
				   "flags=S t=1";
	const char	    *ssh2 = "hook=INPUT in=eth0 src=203.0.113.9 "
				    "dst=198.51.100.1 proto=tcp sport=40000 dport=22 "
				    "flags=A t=2";
	struct fw_ruleset   *rs, *bad, *good, *old = NULL;
	struct fw_evaluator *e;
	struct fw_diag	     d = { 0 };
	char		     v[160], *msg = NULL;
	size_t		     len;

	if ((rs = load_text(first)) == NULL ||
	    (e = fw_evaluator_new(rs, FW_FILTER, 1024)) == NULL) {
		ok(0, "swap: first ruleset loads");
		return;
	}
	decide(e, ssh, v, sizeof(v));
	is_str(v, "ACCEPT INPUT:1", "swap: the first ruleset accepts ssh");
	bad = load_text(broken);
	d.out = open_memstream(&msg, &len);
	ok(bad != NULL && fw_evaluator_swap(e, bad, &old, &d) == -1,
	    "swap: a ruleset moat cannot evaluate is refused");
	fclose(d.out);
	ok(msg != NULL &&
		strstr(msg, "moat cannot evaluate -m conntrack") != NULL,
	    "swap: the refusal says why");
	free(msg);
	fw_ruleset_free(bad);
	good = load_text(second);
	ok(good != NULL && fw_evaluator_swap(e, good, &old, &d) == 0 &&
		old == rs,
	    "swap: a good ruleset replaces the running one");
	decide(e,
	    "hook=OUTPUT out=eth0 src=198.51.100.1 dst=203.0.113.9 "
	    "proto=tcp sport=22 dport=40000 flags=SA t=1.5",
	    v, sizeof(v));
	decide(e, ssh2, v, sizeof(v));
	is_str(v, "ACCEPT INPUT:1",
	    "swap: the connection accepted before is ESTABLISHED after");
	decide(e,
	    "hook=INPUT in=eth0 src=203.0.113.7 dst=198.51.100.1 "
	    "proto=tcp sport=40001 dport=22 flags=S t=3",
	    v, sizeof(v));
	is_str(v, "DROP INPUT:0", "swap: new ssh is dropped by the new one");
	fw_evaluator_free(e);
	fw_ruleset_free(old);
	fw_ruleset_free(good);
}

static const char *const corpus[] = {
	"internal-office-fw.rules",
	"kornwall.rules",
	"l2tp-ipsec-vpn.rules",
	"openlab.rules",
	"shorewall-2015-08-spoofing-protection.rules",
	"synology-nas-2016-07.rules",
	"university-chair-2015-05-13.rules",
};

int
main(void)
{
	const char	   *src = getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".";
	static const size_t sizes[] = { 100, 1000, 4000 };
	static const size_t npkts[] = { 60000, 60000, 15000 };
	struct pair	    p;
	char		    path[4096], name[128], *text = NULL;
	size_t		    len, i, s, bad = 0, total = 0;
	FILE		   *f;
	int		    k, seed;

	swap_test();
	/* Generated: every kind and size, several seeds. */
	for (k = 0; k < CB_NKINDS; k++)
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (seed = 1; seed <= 4; seed++) {
				snprintf(name, sizeof(name), "%s-%zu seed %d",
				    cb_kind_name(k), sizes[s], seed);
				if ((f = open_memstream(&text, &len)) == NULL ||
				    cb_generate(
					f, k, sizes[s], (uint64_t)seed) == -1 ||
				    fclose(f) != 0 ||
				    pair_load(&p, text, len, name) == -1) {
					ok(0, "%s loads", name);
					bad++;
				} else
					bad += compare(&p, name, npkts[s],
					    (uint64_t)seed * 7919, false,
					    &total);
				pair_free(&p);
				free(text);
				text = NULL;
			}
	/* The story's ruleset and the corpus, with state. */
	for (i = 0; i <= sizeof(corpus) / sizeof(corpus[0]); i++) {
		if (i == 0)
			snprintf(path, sizeof(path),
			    "%s/examples/gateway.rules", src);
		else
			snprintf(path, sizeof(path),
			    "%s/../shared/corpus/iptables/%s", src,
			    corpus[i - 1]);
		if ((text = slurp(path, &len)) == NULL) {
			ok(0,
			    "%s: readable (the corpus is ../shared/corpus "
			    "beside the source tree)",
			    path);
			bad++;
			continue;
		}
		if (pair_load(&p, text, len, path) == -1) {
			ok(0, "%s loads and is evaluable", path);
			bad++;
		} else {
			bad += compare(
			    &p, path, CORPUS_PKTS, 100 + i, true, &total);
			bad += compare(
			    &p, path, CORPUS_PKTS, 200 + i, false, &total);
		}
		pair_free(&p);
		free(text);
	}
	ok(total >= 1000000,
	    "%zu packets compared in all (at least "
	    "1,000,000)",
	    total);
	ok(bad == 0, "no disagreement between compiled and linear");
	return done_testing();
}
