/*
 * The rate matches: hand-derived sequences for limit, hashlimit, recent and
 * connlimit (each expected value explained from the kernel's algorithm, at
 * HZ 250 where the kernel counts jiffies), and a randomized comparison of
 * the hash tables of hashlimit and connlimit with their linear reference.
 *
 * Each rule is called directly, as the evaluator calls it, with conntrack
 * classifying the packet first and committing it after.
 */
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "fw_int.h"
#include "tap.h"

#define MAXRULES 8

struct harness {
	struct fw_ruleset *rs;
	struct ct_table	  *ct;
	struct fw_rate	  *reg;
	struct fw_rule	  *r[MAXRULES];
	size_t		   n;
};

static int
h_open(struct harness *h, const char *const *rules, bool naive)
{
	struct fw_diag	 d = { .out = stderr, .file = "rate-test" };
	struct fw_chain *c;
	char	       **argv;
	const char	*why;
	int		 argc, rc;
	size_t		 i, k;

	memset(h, 0, sizeof(*h));
	if ((h->rs = fw_ruleset_new()) == NULL ||
	    (h->ct = ct_table_new(1024)) == NULL ||
	    (h->reg = fw_rate_new(h->ct)) == NULL)
		return -1;
	if (naive)
		fw_rate_naive(h->reg);
	for (i = 0; rules[i] != NULL; i++) {
		if (fw_split_args(rules[i], &argv, &argc, &why) == -1)
			return -1;
		rc = fw_command(h->rs, argc, argv, &d);
		fw_free_args(argv, argc);
		if (rc == -1)
			return -1;
	}
	if ((c = fw_chain_find(h->rs, FW_FILTER, "INPUT")) == NULL)
		return -1;
	for (i = 0; i < c->nrules && i < MAXRULES; i++) {
		h->r[h->n++] = c->rules[i];
		for (k = 0; k < c->rules[i]->nm; k++)
			if (c->rules[i]->m[k].def->bind != NULL &&
			    c->rules[i]->m[k].def->bind(
				c->rules[i]->m[k].data, h->reg) == -1)
				return -1;
	}
	return 0;
}

static void
h_close(struct harness *h)
{
	fw_rate_free(h->reg);
	ct_table_free(h->ct);
	fw_ruleset_free(h->rs);
}

/* Whether rule i (1-based) matches the packet; accepted says what
 * conntrack is told afterwards (-1: accepted if the rule matched). */
static int
h_run(struct harness *h, size_t i, const struct fw_pkt *pk, int accepted)
{
	struct fw_eval	 ev = { .rate = h->reg };
	struct ct_pkt	 cp, inner;
	struct ct_result res;
	struct fw_rule	*r = h->r[i - 1];
	bool		 tracked, m = true;
	size_t		 k;

	fw_to_ct(pk, false, &cp, &inner);
	tracked = ct_classify(h->ct, &cp, &res) == 0;
	ev.ct = tracked ? res.entry : NULL;
	for (k = 0; k < r->nm && m; k++)
		m = r->m[k].def->match(r->m[k].data, pk, &ev);
	if (tracked)
		ct_commit(h->ct, &res, accepted == -1 ? m : accepted != 0);
	return m;
}

/* A packet from moatctl fw eval's words. */
static struct fw_pkt
P(const char *line) {
	struct fw_pkt pk;
	const char   *why;
	char	      key[64];

	if (fw_pkt_parse(line, &pk, &why, key, sizeof(key)) != 1) {
		diag("bad packet line %s: %s %s", line, key, why);
		abort();
	}
	return pk;
}

/* A sequence of (rule, packet, expected) on one ruleset. */
struct step {
	size_t	    rule;
	const char *pkt;
	int	    want;
	const char *why;
};

static void
sequence(const char *name, const char *const *rules, const struct step *s)
{
	struct harness h;
	struct fw_pkt  pk;

	if (h_open(&h, rules, false) == -1) {
		ok(0, "%s: rules load", name);
		h_close(&h);
		return;
	}
	for (; s->pkt != NULL; s++) {
		pk = P(s->pkt);
		is_int(h_run(&h, s->rule, &pk, -1), s->want, "%s: %s", name,
		    s->why);
	}
	h_close(&h);
}

#define U1 \
	"hook=INPUT src=198.51.100.1 dst=203.0.113.1 proto=udp sport=1 " \
	"dport=9"

static void
limit(void)
{
	/* The default 3/hour burst 5: iptables-nft loads rate 3, unit 3600,
	 * so a packet costs 1200 s and the bucket holds 5 of them. */
	static const char *const rules[] = { "-A INPUT -m limit", NULL };
	static const struct step s[] = {
		{ 1, U1 " t=0", 1, "default burst: packet 1 of 5" },
		{ 1, U1 " t=0", 1, "packet 2" },
		{ 1, U1 " t=0", 1, "packet 3" },
		{ 1, U1 " t=0", 1, "packet 4" },
		{ 1, U1 " t=0", 1, "packet 5" },
		{ 1, U1 " t=0", 0, "the 6th finds an empty bucket" },
		{ 1, U1 " t=1199.999", 0, "1 ms short of 1200 s of credit" },
		{ 1, U1 " t=1200", 1, "1200 s earned: one packet" },
		{ 1, U1 " t=1200", 0, "and empty again" },
		{ 1, U1 " t=1000000", 1, "a long pause fills it to 5 ..." },
		{ 1, U1 " t=1000000", 1, "2" },
		{ 1, U1 " t=1000000", 1, "3" },
		{ 1, U1 " t=1000000", 1, "4" },
		{ 1, U1 " t=1000000", 1, "5" },
		{ 1, U1 " t=1000000", 0, "... and no more" },
		{ 0, NULL, 0, NULL },
	};

	sequence("limit", rules, s);
}

static void
hashlimit(void)
{
	/* 1/min, burst 1, expiry 2 s (500 jiffies), garbage collection
	 * every 1 s (250 jiffies, from time 0). The cost is 60 s of credit:
	 * 60 * 10^6 * 137438953; a jiffy earns 2^39. */
	static const char *const exp_rules[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 1/min "
		"--hashlimit-burst 1 --hashlimit-mode srcip "
		"--hashlimit-htable-expire 2000 --hashlimit-name e",
		NULL
	};
	static const struct step exp[] = {
		{ 1, U1 " t=0", 1, "expire: a new entry has one packet" },
		{ 1, U1 " t=0.5", 0,
		    "125 jiffies earn 125 * 2^39, far from the cost; the "
		    "entry now expires at jiffy 625" },
		{ 1, U1 " t=2.5", 0,
		    "jiffy 625: the last gc ran at 500 < 625, the entry "
		    "stays (expires at 1125 now) and is still empty" },
		{ 1, U1 " t=5", 1,
		    "jiffy 1250: the gc at 1250 removed it; a new one is "
		    "full" },
		{ 0, NULL, 0, NULL },
	};
	/* 1kb/s: cost = 2^32 / (1024/16 + 1) = 66076419, in credits
	 * 66076419 * 250 * 2^24 >> 32 = 64527752 per 16-byte chunk; an entry
	 * starts with one second, 250 * 2^24 = 4194304000. */
	static const char *const byte_rules[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 1kb/s "
		"--hashlimit-name b",
		"-A INPUT -m hashlimit --hashlimit-upto 1kb/s "
		"--hashlimit-burst 2kb --hashlimit-name b2",
		NULL
	};
	static const struct step bytes[] = {
		{ 1, U1 " len=1000 t=0", 1,
		    "bytes: 63 chunks cost 4065248376 of 4194304000" },
		{ 1, U1 " len=1000 t=0", 0, "129055624 left: not 1000 bytes" },
		{ 1, U1 " len=100 t=0", 0, "nor 100 (7 chunks, 451694264)" },
		{ 1, U1 " len=16 t=0", 1,
		    "but 16 (2 chunks, 129055504 <= 129055624)" },
		{ 2, U1 " len=1000 t=0", 1,
		    "burst 2kb is 2 refills of a second: first from the "
		    "start" },
		{ 2, U1 " len=1000 t=0", 1, "then refill 1" },
		{ 2, U1 " len=1000 t=0", 1, "then refill 2" },
		{ 2, U1 " len=1000 t=0", 0, "and none left" },
		{ 0, NULL, 0, NULL },
	};
	/* --hashlimit-rate-match 2/sec burst 1: rate 2 per 1 s interval,
	 * burst 1 + 2 = 3 packets counted per interval; a window that went
	 * over (count * interval > elapsed * rate) closes the next one. */
	static const char *const rm_rules[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 2/sec "
		"--hashlimit-burst 1 --hashlimit-name r "
		"--hashlimit-rate-match",
		NULL
	};
	static const struct step rm[] = {
		{ 1, U1 " t=0", 1, "rate-match: 1 <= 3" },
		{ 1, U1 " t=0", 1, "2 <= 3" },
		{ 1, U1 " t=0", 1, "3 <= 3" },
		{ 1, U1 " t=0", 0, "4 > 3" },
		{ 1, U1 " t=0.5", 0, "125 < 250 jiffies: same window, 5" },
		{ 1, U1 " t=1", 0,
		    "new window: 5 * 250 > 250 * 2, the last one was over" },
		{ 1, U1 " t=2", 1, "new window: 1 * 250 <= 250 * 2" },
		{ 0, NULL, 0, NULL },
	};

	sequence("hashlimit", exp_rules, exp);
	sequence("hashlimit", byte_rules, bytes);
	sequence("hashlimit", rm_rules, rm);
}

static void
recent(void)
{
	static const char *const ttl_rules[] = {
		"-A INPUT -m recent --set --name t",
		"-A INPUT -m recent --rcheck --rttl --name t",
		"-A INPUT -m recent --rcheck --seconds 10 --reap --name t",
		"-A INPUT -m recent --rcheck --name t", NULL
	};
	struct harness h;
	struct fw_pkt  pk;
	char	       line[160];
	int	       i;

	/* --rttl and the forwarding increment. */
	if (h_open(&h, ttl_rules, false) == -1) {
		ok(0, "recent: rules load");
		h_close(&h);
		return;
	}
	pk = P(U1 " ttl=64 t=0");
	is_int(h_run(&h, 1, &pk, 1), 1, "recent: --set matches, ttl 64");
	pk = P(U1 " ttl=63 t=1");
	is_int(h_run(&h, 2, &pk, 1), 0, "recent: --rttl: 63 is not 64");
	pk = P(U1 " ttl=64 t=1");
	is_int(h_run(&h, 2, &pk, 1), 1, "recent: --rttl: 64 is");
	pk = P("hook=FORWARD src=198.51.100.1 dst=203.0.113.1 proto=udp "
	       "sport=1 dport=9 ttl=63 t=1");
	is_int(h_run(&h, 2, &pk, 1), 1,
	    "recent: a forwarded 63 is the 64 it had before forwarding");
	pk = P("hook=INPUT src=198.51.100.2 dst=203.0.113.1 proto=udp sport=1 "
	       "dport=9 t=5");
	is_int(h_run(&h, 1, &pk, 1), 1, "recent: .2 set at t=5");
	/* --reap at t=12: the window starts at jiffy 3000 - 2500 = 500
	 * (t=2); .1's only stamp (t=0) is older, so no hit, and .1 is the
	 * least recently set entry with nothing newer than the window:
	 * reaped. .2 (t=5) stays. */
	pk = P(U1 " t=12");
	is_int(h_run(&h, 3, &pk, 1), 0, "recent: --seconds 10: t=0 is out");
	is_int(h_run(&h, 4, &pk, 1), 0, "recent: and --reap removed .1");
	pk = P("hook=INPUT src=198.51.100.2 dst=203.0.113.1 proto=udp sport=1 "
	       "dport=9 t=12");
	is_int(h_run(&h, 4, &pk, 1), 1, "recent: .2 is still listed");
	h_close(&h);

	/* 100 addresses per list (ip_list_tot): the 101st evicts the least
	 * recently set, the first. */
	{
		static const char *const lru_rules[] = {
			"-A INPUT -m recent --set --name l",
			"-A INPUT -m recent --rcheck --name l", NULL
		};

		if (h_open(&h, lru_rules, false) == -1) {
			ok(0, "recent: rules load");
			h_close(&h);
			return;
		}
		for (i = 1; i <= 101; i++) {
			snprintf(line, sizeof(line),
			    "hook=INPUT src=10.0.%d.%d dst=203.0.113.1 "
			    "proto=udp sport=1 dport=9 t=%d",
			    i / 100, i % 100 + 1, i);
			pk = P(line);
			h_run(&h, 1, &pk, 1);
		}
		pk = P("hook=INPUT src=10.0.0.2 dst=203.0.113.1 proto=udp "
		       "sport=1 dport=9 t=200");
		is_int(h_run(&h, 2, &pk, 1), 0,
		    "recent: the oldest of 101 addresses was dropped");
		pk = P("hook=INPUT src=10.0.0.3 dst=203.0.113.1 proto=udp "
		       "sport=1 dport=9 t=200");
		is_int(h_run(&h, 2, &pk, 1), 1, "recent: the second stays");
		h_close(&h);
	}

	/* --hitcount 32 with the default ring of 32 stamps: matches from the
	 * 32nd --set, and after 40 the ring still holds 32 in 1000 s; with
	 * --seconds 31 at t=40 the window starts at t=9: the 31 stamps of
	 * t=9..39 (t=8 is out) are too few. */
	{
		static const char *const ring_rules[] = {
			"-A INPUT -m recent --set --name r",
			"-A INPUT -m recent --rcheck --seconds 1000 "
			"--hitcount 32 --name r",
			"-A INPUT -m recent --rcheck --seconds 31 "
			"--hitcount 32 --name r",
			"-A INPUT -m recent --rcheck --seconds 32 "
			"--hitcount 32 --name r",
			NULL
		};

		if (h_open(&h, ring_rules, false) == -1) {
			ok(0, "recent: rules load");
			h_close(&h);
			return;
		}
		for (i = 0; i < 40; i++) {
			snprintf(line, sizeof(line), U1 " t=%d", i);
			pk = P(line);
			h_run(&h, 1, &pk, 1);
			if (i == 30) {
				is_int(h_run(&h, 2, &pk, 1), 0,
				    "recent: 31 stamps < --hitcount 32");
			} else if (i == 31) {
				is_int(h_run(&h, 2, &pk, 1), 1,
				    "recent: the 32nd stamp reaches it");
			}
		}
		pk = P(U1 " t=40");
		is_int(h_run(&h, 2, &pk, 1), 1,
		    "recent: 40 sets keep the last 32");
		is_int(h_run(&h, 3, &pk, 1), 0,
		    "recent: --seconds 31: t=9..39 are 31");
		is_int(h_run(&h, 4, &pk, 1), 1,
		    "recent: --seconds 32: t=8..39 are 32");
		h_close(&h);
	}
}

static void
connlimit(void)
{
	/* --connlimit-upto 1 --connlimit-daddr: connections per destination;
	 * the rule matches while the count is <= 1. */
	static const char *const rules[] = {
		"-A INPUT -p udp -m connlimit --connlimit-upto 1 "
		"--connlimit-daddr",
		NULL
	};
	static const struct step s[] = {
		{ 1,
		    "hook=INPUT src=198.51.100.1 dst=203.0.113.1 proto=udp "
		    "sport=1 dport=9 t=0",
		    1, "connlimit: first flow to .1: 1 <= 1" },
		{ 1,
		    "hook=INPUT src=198.51.100.2 dst=203.0.113.1 proto=udp "
		    "sport=1 dport=9 t=1",
		    0,
		    "a second source to the same destination: 2, dropped, "
		    "so its entry is never confirmed" },
		{ 1,
		    "hook=INPUT src=198.51.100.1 dst=203.0.113.2 proto=udp "
		    "sport=1 dport=9 t=2",
		    1, "another destination: 1" },
		{ 1,
		    "hook=INPUT src=198.51.100.1 dst=203.0.113.1 proto=udp "
		    "sport=1 dport=9 t=3",
		    0,
		    "the first flow again: the walk stops at its own entry, "
		    "the dead second one after it still counts: 2" },
		{ 1,
		    "hook=INPUT src=198.51.100.3 dst=203.0.113.1 proto=udp "
		    "sport=1 dport=9 t=40",
		    1,
		    "t=40: the first flow's entry timed out (30 s unreplied "
		    "after t=3) and goes, so does the second: 1" },
		{ 0, NULL, 0, NULL },
	};

	sequence("connlimit", rules, s);
}

/*
 * The hash tables against the linear reference: the same random packets
 * through the same rules, one side with tables and one with linear scans,
 * must match alike. Small expiries, a small htable-max and a /28 mask keep
 * the gc, the table limit and collisions busy.
 */
static void
randomized(void)
{
	static const char *const rules[] = {
		"-A INPUT -m hashlimit --hashlimit-upto 6/min "
		"--hashlimit-burst 2 --hashlimit-mode srcip,dstport "
		"--hashlimit-srcmask 28 --hashlimit-htable-max 40 "
		"--hashlimit-htable-expire 10000 "
		"--hashlimit-htable-gcinterval 300 --hashlimit-name h",
		"-A INPUT -m hashlimit --hashlimit-above 20kb/s "
		"--hashlimit-mode srcip,srcport --hashlimit-name hb",
		"-A INPUT -m connlimit --connlimit-above 3 --connlimit-mask 30",
		"-A INPUT -m connlimit --connlimit-upto 2 --connlimit-daddr",
		NULL
	};
	static const char *const flags[] = { "S", "SA", "A", "FA", "R", "PA" };
	struct harness		 fast, ref;
	struct fw_pkt		 pk;
	char			 line[200];
	double			 t = 0;
	int			 i, r, a, b, acc, diff = 0, matched = 0;
	unsigned int		 seed = 20240601;

	if (h_open(&fast, rules, false) == -1 ||
	    h_open(&ref, rules, true) == -1) {
		ok(0, "randomized: rules load");
		h_close(&fast);
		h_close(&ref);
		return;
	}
	srandom(seed);
	for (i = 0; i < 30000; i++) {
		t += (double)(random() % 20) / 1000;
		if (random() % 2)
			snprintf(line, sizeof(line),
			    "hook=INPUT src=10.0.%ld.%ld dst=203.0.113.%ld "
			    "proto=tcp sport=%ld dport=%ld flags=%s len=%ld "
			    "t=%.3f",
			    random() % 3, random() % 64, random() % 4,
			    1000 + random() % 8, 20 + random() % 4,
			    flags[random() % 6], 40 + random() % 1460, t);
		else
			snprintf(line, sizeof(line),
			    "hook=INPUT src=10.0.%ld.%ld dst=203.0.113.%ld "
			    "proto=udp sport=%ld dport=%ld len=%ld t=%.3f",
			    random() % 3, random() % 64, random() % 4,
			    1000 + random() % 8, 50 + random() % 4,
			    28 + random() % 1400, t);
		pk = P(line);
		r = 1 + (int)(random() % 4);
		acc = (int)(random() % 2); /* for conntrack, both sides */
		a = h_run(&fast, (size_t)r, &pk, acc);
		b = h_run(&ref, (size_t)r, &pk, acc);
		if (a != b && diff++ < 5)
			diag("packet %d, rule %d: %d vs %d: %s", i, r, a, b,
			    line);
		matched += a;
	}
	is_int(diff, 0,
	    "randomized: tables and linear scans agree on "
	    "30000 packets (seed %u)",
	    seed);
	ok(matched > 1000 && matched < 29000,
	    "randomized: both outcomes are exercised (%d matches)", matched);
	h_close(&fast);
	h_close(&ref);
}

int
main(void)
{
	limit();
	hashlimit();
	recent();
	connlimit();
	randomized();
	return done_testing();
}
