/*
 * The SAD and the SPD (sadb.c) through esp_sadb_apply with operation
 * lists built by hand: each operation, lists that fail half-way and must
 * leave everything as it was (compared as dumps, lookups and the very SA
 * objects), deleteall, policy and SA choice, the cache, admission after
 * decryption, expiry, and a randomized comparison of esp_spd_lookup with
 * a naive reference (policies sorted by priority and insertion, scanned
 * in order; the newest SA that fits the template).
 */
#include <stdlib.h>
#include <string.h>

#include "esp_int.h"
#include "tap.h"

#define NOW 1000000 /* ms, as ev_now_ms() might say */

static struct addr
A(const char *s) {
	struct addr a;

	if (addr_pton(AF_INET, s, &a) == -1)
		abort();
	return a;
}

static struct prefix
P(const char *s, int len) {
	struct prefix p;
	int	      i;

	prefix_from_len(AF_INET, len, &p);
	p.addr = A(s);
	for (i = 0; i < 4; i++)
		p.addr.u.b[i] &= p.mask.u.b[i];
	return p;
}

static struct esp_op
sa_op(enum esp_op_kind k, unsigned int line, const char *src, const char *dst,
    uint32_t spi)
{
	struct esp_op op;

	memset(&op, 0, sizeof(op));
	op.kind = k;
	op.line = line;
	op.sa.src = A(src);
	op.sa.dst = A(dst);
	op.sa.spi = spi;
	op.sa.mode = ESP_MODE_TUNNEL;
	op.sa.replay = 32;
	op.sa.enc = ESP_ENC_AES_GCM_16;
	memset(op.sa.ekey, (int)spi, 20);
	op.sa.ekeylen = 20;
	return op;
}

static struct esp_op
sp_op(enum esp_op_kind k, unsigned int line, enum esp_dir dir,
    struct prefix src, struct prefix dst, enum esp_action act, int32_t prio)
{
	struct esp_op op;

	memset(&op, 0, sizeof(op));
	op.kind = k;
	op.line = line;
	op.sp.sel.src = src;
	op.sp.sel.dst = dst;
	op.sp.sel.proto = ESP_PROTO_ANY;
	op.sp.dir = dir;
	op.sp.action = act;
	op.sp.priority = prio;
	op.sp.mode = ESP_MODE_TUNNEL;
	op.sp.level = ESP_LEVEL_REQUIRE;
	return op;
}

static struct esp_op
tunnel(struct esp_op op, const char *tsrc, const char *tdst)
{
	op.sp.tsrc = A(tsrc);
	op.sp.tdst = A(tdst);
	return op;
}

/* esp_sadb_apply with its output and errors caught in strings (free
 * them). */
static int
run(struct esp_sadb *db, const struct esp_op *ops, size_t n, char **out,
    char **err)
{
	size_t outlen, errlen;
	FILE  *o = open_memstream(out, &outlen),
	     *e = open_memstream(err, &errlen);
	int rc;

	rc = esp_sadb_apply(db, ops, n, "t.conf", NOW, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

static int
run1(struct esp_sadb *db, const struct esp_op *ops, size_t n)
{
	char *o, *e;
	int   rc = run(db, ops, n, &o, &e);

	if (rc != 0)
		diag("  unexpected: %s", e);
	free(o);
	free(e);
	return rc;
}

/* Everything the databases show: the SAD's dump (counters included)
 * and the SPD's, in their order. */
static char *
snapshot(struct esp_sadb *db)
{
	struct esp_op ops[2];
	char	     *o, *e;

	memset(ops, 0, sizeof(ops));
	ops[0].kind = ESP_OP_DUMP;
	ops[1].kind = ESP_OP_SPDDUMP;
	if (run(db, ops, 2, &o, &e) != 0)
		abort();
	free(e);
	return o;
}

static size_t
count_lines(const char *s, const char *prefix)
{
	size_t n = 0, l = strlen(prefix);

	for (; s != NULL && *s != '\0'; s = strchr(s, '\n'), s = s ? s + 1 : s)
		if (strncmp(s, prefix, l) == 0)
			n++;
	return n;
}

static struct esp_sa *
lookup(struct esp_sadb *db, uint32_t spi, const char *dst)
{
	struct addr d = A(dst);

	return esp_sa_lookup(db, spi, &d);
}

static struct esp_sel
pkt(const char *src, const char *dst, uint8_t proto, uint16_t sport,
    uint16_t dport)
{
	struct esp_sel s;

	memset(&s, 0, sizeof(s));
	s.src = P(src, 32);
	s.dst = P(dst, 32);
	s.proto = proto;
	s.sport = sport;
	s.dport = dport;
	return s;
}

static void
operations(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[8];
	struct esp_sa	*sa;
	char		*o, *e;

	ops[0] = sa_op(ESP_OP_ADD, 1, "198.51.100.1", "203.0.113.1", 0x100);
	ops[1] = sa_op(ESP_OP_ADD, 2, "203.0.113.1", "198.51.100.1", 0x200);
	ops[2] = sa_op(ESP_OP_ADD, 3, "198.51.100.1", "203.0.113.2", 0x100);
	ok(run1(db, ops, 3) == 0 && esp_sa_count(db) == 3,
	    "add: three SAs (one SPI used for two destinations)");
	sa = lookup(db, 0x100, "203.0.113.1");
	ok(sa != NULL && addr_eq(&esp_sa_params(sa)->src, &ops[0].sa.src),
	    "lookup by SPI and destination finds the first");
	sa = lookup(db, 0x100, "203.0.113.2");
	ok(sa != NULL && addr_eq(&esp_sa_params(sa)->src, &ops[2].sa.src) &&
		sa != lookup(db, 0x100, "203.0.113.1"),
	    "... and the same SPI at another destination is another SA");
	ok(lookup(db, 0x200, "203.0.113.1") == NULL &&
		lookup(db, 0x300, "198.51.100.1") == NULL,
	    "lookup with the wrong destination or SPI finds nothing");

	ops[0] = sa_op(ESP_OP_GET, 5, "198.51.100.1", "203.0.113.1", 0x100);
	ok(run(db, ops, 1, &o, &e) == 0 && count_lines(o, "add ") == 1 &&
		*e == '\0',
	    "get prints the SA as an add");
	free(o);
	free(e);
	ops[0] = sa_op(ESP_OP_GET, 6, "198.51.100.9", "203.0.113.1", 0x100);
	ok(run(db, ops, 1, &o, &e) == -1 && strncmp(e, "t.conf:6: ", 10) == 0,
	    "get of a missing SA (wrong source): error at t.conf:6");
	diag("  %s", e);
	free(o);
	free(e);

	ops[0].kind = ESP_OP_DUMP;
	ok(run(db, ops, 1, &o, &e) == 0 && count_lines(o, "add ") == 3,
	    "dump prints every SA");
	free(o);
	free(e);

	ops[0] = sa_op(ESP_OP_DELETE, 7, "198.51.100.1", "203.0.113.1", 0x100);
	ok(run1(db, ops, 1) == 0 && esp_sa_count(db) == 2 &&
		lookup(db, 0x100, "203.0.113.1") == NULL &&
		lookup(db, 0x100, "203.0.113.2") != NULL,
	    "delete removes exactly that SA");
	ops[0] = sa_op(ESP_OP_DELETE, 8, "198.51.100.1", "203.0.113.1", 0x100);
	ok(run(db, ops, 1, &o, &e) == -1 && strncmp(e, "t.conf:8: ", 10) == 0 &&
		esp_sa_count(db) == 2,
	    "delete of a missing SA fails at its line");
	free(o);
	free(e);

	ops[0].kind = ESP_OP_FLUSH;
	ok(run1(db, ops, 1) == 0 && esp_sa_count(db) == 0 &&
		lookup(db, 0x100, "203.0.113.2") == NULL,
	    "flush empties the SAD");

	ops[0] = sp_op(ESP_OP_SPDADD, 10, ESP_DIR_OUT, P("10.1.0.0", 16),
	    P("10.2.0.0", 16), ESP_ACT_DISCARD, 0);
	ops[1] = sp_op(ESP_OP_SPDADD, 11, ESP_DIR_IN, P("10.2.0.0", 16),
	    P("10.1.0.0", 16), ESP_ACT_BYPASS, 0);
	ok(run1(db, ops, 2) == 0, "spdadd: two policies");
	ops[2].kind = ESP_OP_SPDDUMP;
	ok(run(db, ops + 2, 1, &o, &e) == 0 && count_lines(o, "spdadd ") == 2,
	    "spddump prints both");
	free(o);
	free(e);
	ops[0].kind = ESP_OP_SPDDELETE;
	ok(run1(db, ops, 1) == 0, "spddelete by selectors and direction");
	ok(run(db, ops, 1, &o, &e) == -1 && strncmp(e, "t.conf:10: ", 11) == 0,
	    "spddelete of a missing policy fails at its line");
	free(o);
	free(e);
	ops[1].kind = ESP_OP_SPDADD;
	ops[1].line = 12;
	ok(run(db, ops + 1, 1, &o, &e) == -1 &&
		strncmp(e, "t.conf:12: ", 11) == 0,
	    "spdadd of the same selectors and direction again fails");
	free(o);
	free(e);
	ops[1].sp.dir = ESP_DIR_FWD;
	ok(run1(db, ops + 1, 1) == 0,
	    "... but the same selectors in another direction is another "
	    "policy");
	ops[0].kind = ESP_OP_SPDFLUSH;
	ok(run1(db, ops, 1) == 0, "spdflush");
	ops[0].kind = ESP_OP_SPDDUMP;
	ok(run(db, ops, 1, &o, &e) == 0 && *o == '\0',
	    "... leaves nothing to dump");
	free(o);
	free(e);
	esp_sadb_free(db);
}

/*
 * A list that fails half-way changes nothing: not the dumps (order
 * included), not the count, not the SA objects a data plane may hold.
 */
static void
atomicity(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[12];
	struct esp_sa	*s1, *s2, *s3;
	struct esp_sel	 k = pkt("10.1.0.5", "10.2.0.7", 6, 1000, 22);
	struct esp_sa	*sap;
	const struct esp_spd_params *sp;
	char			    *before, *after, *o, *e;
	size_t			     n;

	ops[0] = sa_op(ESP_OP_ADD, 1, "198.51.100.1", "203.0.113.1", 0x101);
	ops[1] = sa_op(ESP_OP_ADD, 2, "198.51.100.1", "203.0.113.1", 0x102);
	ops[2] = sa_op(ESP_OP_ADD, 3, "203.0.113.1", "198.51.100.1", 0x103);
	ops[3] = tunnel(sp_op(ESP_OP_SPDADD, 4, ESP_DIR_OUT, P("10.1.0.0", 16),
			    P("10.2.0.0", 16), ESP_ACT_PROTECT, 5),
	    "198.51.100.1", "203.0.113.1");
	ops[4] = sp_op(ESP_OP_SPDADD, 5, ESP_DIR_OUT, P("10.1.0.0", 16),
	    P("0.0.0.0", 0), ESP_ACT_BYPASS, 9);
	ops[5] = sp_op(ESP_OP_SPDADD, 6, ESP_DIR_IN, P("10.2.0.0", 16),
	    P("10.1.0.0", 16), ESP_ACT_DISCARD, 1);
	if (run1(db, ops, 6) != 0)
		abort();
	s1 = lookup(db, 0x101, "203.0.113.1");
	s2 = lookup(db, 0x102, "203.0.113.1");
	s3 = lookup(db, 0x103, "198.51.100.1");
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sp->priority == 5 && sap == s2,
	    "setup: the protect policy and its newest SA");
	before = snapshot(db);

	/* Every kind of change, then a delete of a missing SA. */
	n = 0;
	ops[n++] = sa_op(ESP_OP_ADD, 20, "198.51.100.1", "203.0.113.1", 0x104);
	ops[n++] =
	    sa_op(ESP_OP_DELETE, 21, "198.51.100.1", "203.0.113.1", 0x101);
	ops[n++] = sp_op(ESP_OP_SPDDELETE, 22, ESP_DIR_OUT, P("10.1.0.0", 16),
	    P("0.0.0.0", 0), ESP_ACT_BYPASS, 9);
	ops[n++] = sp_op(ESP_OP_SPDADD, 23, ESP_DIR_OUT, P("10.1.0.0", 16),
	    P("10.2.0.0", 24), ESP_ACT_DISCARD, 0);
	ops[n++] =
	    sa_op(ESP_OP_DELETEALL, 24, "203.0.113.1", "198.51.100.1", 0);
	ops[n++] =
	    sa_op(ESP_OP_DELETE, 42, "198.51.100.1", "203.0.113.9", 0x101);
	ops[n++] = sa_op(ESP_OP_ADD, 43, "198.51.100.1", "203.0.113.1", 0x105);
	ok(run(db, ops, n, &o, &e) == -1 &&
		strncmp(e, "t.conf:42: ", 11) == 0 &&
		strchr(e, '\n') == e + strlen(e) - 1,
	    "a missing SA at line 42 fails the list, one message");
	diag("  %s", e);
	free(o);
	free(e);
	after = snapshot(db);
	ok(strcmp(before, after) == 0,
	    "... and the dumps are as before, order included");
	if (strcmp(before, after) != 0)
		diag("  before:\n%s  after:\n%s", before, after);
	free(after);
	ok(esp_sa_count(db) == 3 && lookup(db, 0x104, "203.0.113.1") == NULL &&
		lookup(db, 0x105, "203.0.113.1") == NULL,
	    "... nothing was added");
	ok(lookup(db, 0x101, "203.0.113.1") == s1 &&
		lookup(db, 0x102, "203.0.113.1") == s2 &&
		lookup(db, 0x103, "198.51.100.1") == s3,
	    "... and the very SA objects are back");
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sp->priority == 5 && sap == s2,
	    "... the policy lookup is as before");
	k.dst = P("192.0.2.1", 32);
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sp->action == ESP_ACT_BYPASS,
	    "... and the deleted bypass policy is back");
	k.dst = P("10.2.0.7", 32);

	/* A duplicate SPI for the same destination, from another source. */
	n = 0;
	ops[n++] = sa_op(ESP_OP_ADD, 50, "198.51.100.1", "203.0.113.1", 0x106);
	ops[n++] = sa_op(ESP_OP_ADD, 51, "198.51.100.7", "203.0.113.1", 0x102);
	ok(run(db, ops, n, &o, &e) == -1 && strncmp(e, "t.conf:51: ", 11) == 0,
	    "an SPI taken at that destination (other source) fails at 51");
	free(o);
	free(e);
	/* The same SA twice in one list. */
	ops[1] = sa_op(ESP_OP_ADD, 52, "198.51.100.1", "203.0.113.1", 0x106);
	ok(run(db, ops, n, &o, &e) == -1 && strncmp(e, "t.conf:52: ", 11) == 0,
	    "the same SA added twice in one list fails at the second");
	free(o);
	free(e);
	/* Flushes, then a policy that exists already. */
	n = 0;
	ops[n++] = sa_op(ESP_OP_FLUSH, 60, "0.0.0.0", "0.0.0.0", 0);
	ops[n++] = sp_op(ESP_OP_SPDFLUSH, 61, ESP_DIR_OUT, P("0.0.0.0", 0),
	    P("0.0.0.0", 0), ESP_ACT_BYPASS, 0);
	ops[n++] = sp_op(ESP_OP_SPDADD, 62, ESP_DIR_IN, P("10.2.0.0", 16),
	    P("10.1.0.0", 16), ESP_ACT_BYPASS, 3);
	ops[n++] = sp_op(ESP_OP_SPDADD, 63, ESP_DIR_IN, P("10.2.0.0", 16),
	    P("10.1.0.0", 16), ESP_ACT_BYPASS, 4);
	ok(run(db, ops, n, &o, &e) == -1 && strncmp(e, "t.conf:63: ", 11) == 0,
	    "flush, spdflush, then a duplicate policy fails at 63");
	free(o);
	free(e);
	after = snapshot(db);
	ok(strcmp(before, after) == 0 && esp_sa_count(db) == 3 &&
		lookup(db, 0x101, "203.0.113.1") == s1,
	    "... and the flushes are undone too");
	free(after);

	/* A good list applies whole. */
	n = 0;
	ops[n++] =
	    sa_op(ESP_OP_DELETE, 70, "198.51.100.1", "203.0.113.1", 0x102);
	ops[n++] = sa_op(ESP_OP_ADD, 71, "198.51.100.1", "203.0.113.1", 0x102);
	ok(run1(db, ops, n) == 0 && esp_sa_count(db) == 3 &&
		lookup(db, 0x102, "203.0.113.1") != NULL,
	    "delete and add the same SA in one list");
	after = snapshot(db);
	ok(strcmp(before, after) != 0, "... changes the dump");
	free(after);
	free(before);
	esp_sadb_free(db);
}

/* deleteall SRC DST: the SAs from SRC to DST, no others, not the
 * reverse. */
static void
deleteall(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[6];

	ops[0] = sa_op(ESP_OP_ADD, 1, "198.51.100.1", "203.0.113.1", 0x1);
	ops[1] = sa_op(ESP_OP_ADD, 2, "198.51.100.1", "203.0.113.1", 0x2);
	ops[2] = sa_op(ESP_OP_ADD, 3, "203.0.113.1", "198.51.100.1", 0x3);
	ops[3] = sa_op(ESP_OP_ADD, 4, "198.51.100.1", "203.0.113.2", 0x4);
	ops[4] = sa_op(ESP_OP_ADD, 5, "198.51.100.2", "203.0.113.1", 0x5);
	ops[5] = sa_op(ESP_OP_ADD, 6, "198.51.100.1", "203.0.113.1", 0x6);
	if (run1(db, ops, 6) != 0)
		abort();
	ops[0] = sa_op(ESP_OP_DELETEALL, 7, "198.51.100.1", "203.0.113.1", 0);
	ok(run1(db, ops, 1) == 0 && esp_sa_count(db) == 3,
	    "deleteall 198.51.100.1 203.0.113.1 removes three");
	ok(lookup(db, 0x1, "203.0.113.1") == NULL &&
		lookup(db, 0x2, "203.0.113.1") == NULL &&
		lookup(db, 0x6, "203.0.113.1") == NULL,
	    "... those from the source to the destination");
	ok(lookup(db, 0x3, "198.51.100.1") != NULL &&
		lookup(db, 0x4, "203.0.113.2") != NULL &&
		lookup(db, 0x5, "203.0.113.1") != NULL,
	    "... and not the reverse, nor other sources or destinations");
	ok(run1(db, ops, 1) == 0 && esp_sa_count(db) == 3,
	    "deleteall with nothing to delete is no error");
	esp_sadb_free(db);
}

/* Policy choice by priority then age; SA choice by template. */
static void
spd_choice(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[8];
	struct esp_sel	 k = pkt("10.1.0.5", "10.2.0.7", 17, 500, 4500);
	const struct esp_spd_params *sp;
	struct esp_sa		    *sap, *a, *b, *c;

	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) == NULL && sap == NULL,
	    "no policy: NULL");
	ops[0] = sp_op(ESP_OP_SPDADD, 1, ESP_DIR_OUT, P("10.1.0.0", 16),
	    P("0.0.0.0", 0), ESP_ACT_BYPASS, 10);
	ops[1] = sp_op(ESP_OP_SPDADD, 2, ESP_DIR_OUT, P("10.0.0.0", 8),
	    P("10.2.0.0", 16), ESP_ACT_DISCARD, 10);
	ok(run1(db, ops, 2) == 0, "two policies of priority 10");
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sp->action == ESP_ACT_BYPASS && sap == NULL,
	    "equal priorities: the older policy wins");
	ops[0] = tunnel(sp_op(ESP_OP_SPDADD, 3, ESP_DIR_OUT, P("10.1.0.0", 24),
			    P("10.2.0.0", 24), ESP_ACT_PROTECT, 9),
	    "198.51.100.1", "203.0.113.1");
	ops[0].sp.sel.proto = 6;
	ok(run1(db, ops, 1) == 0, "a protect policy of priority 9, tcp only");
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sp->action == ESP_ACT_BYPASS,
	    "udp: not the tcp policy");
	k.proto = 6;
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sp->action == ESP_ACT_PROTECT && sap == NULL,
	    "tcp: the lower priority number wins; no SA yet: NULL SA");
	ok(esp_spd_lookup(db, ESP_DIR_IN, &k, &sap) == NULL,
	    "other directions have their own policies");

	ops[0] = sa_op(ESP_OP_ADD, 4, "198.51.100.1", "203.0.113.1", 0x10);
	ops[1] = sa_op(ESP_OP_ADD, 5, "198.51.100.1", "203.0.113.2", 0x11);
	ops[2] = sa_op(ESP_OP_ADD, 6, "198.51.100.1", "203.0.113.1", 0x12);
	ops[2].sa.mode = ESP_MODE_TRANSPORT;
	ok(run1(db, ops, 3) == 0,
	    "SAs: one fits, one other endpoints, one "
	    "transport mode");
	a = lookup(db, 0x10, "203.0.113.1");
	sp = esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap);
	ok(sp != NULL && sap == a,
	    "the SA is found once added (the cache "
	    "follows the SAD)");
	ops[0] = sa_op(ESP_OP_ADD, 7, "198.51.100.1", "203.0.113.1", 0x13);
	ops[1] = sa_op(ESP_OP_ADD, 8, "198.51.100.1", "203.0.113.1", 0x14);
	ok(run1(db, ops, 2) == 0, "two newer SAs that fit");
	b = lookup(db, 0x13, "203.0.113.1");
	c = lookup(db, 0x14, "203.0.113.1");
	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == c,
	    "the newest SA is chosen");
	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == c,
	    "... again (from the cache)");
	ops[0] = sa_op(ESP_OP_DELETE, 9, "198.51.100.1", "203.0.113.1", 0x14);
	ok(run1(db, ops, 1) == 0 &&
		esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == b,
	    "newest deleted: the next lookup takes the one before");
	ops[0] = sa_op(ESP_OP_DELETE, 10, "198.51.100.1", "203.0.113.1", 0x13);
	ops[1] = sa_op(ESP_OP_DELETE, 11, "198.51.100.1", "203.0.113.1", 0x10);
	ok(run1(db, ops, 2) == 0 &&
		esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL &&
		sap == NULL,
	    "all fitting SAs deleted: NULL");
	ops[0] = sa_op(ESP_OP_DELETEALL, 12, "198.51.100.1", "203.0.113.2", 0);
	ops[1] = sa_op(ESP_OP_DELETEALL, 13, "198.51.100.1", "203.0.113.1", 0);
	ok(run1(db, ops, 2) == 0 && esp_sa_count(db) == 0, "SAD emptied");
	esp_sadb_free(db);
}

/* unique binds to the reqid; require takes any. Hard-expired SAs are
 * passed over even when cached. */
static void
spd_reqid(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[4];
	struct esp_sel	 k = pkt("10.1.0.5", "10.2.0.7", 6, 1, 2);
	struct esp_sa	*sap, *r7, *r8, *tr;
	uint8_t		 buf[256], *o;
	size_t		 olen;

	ops[0] = tunnel(sp_op(ESP_OP_SPDADD, 1, ESP_DIR_OUT, P("10.1.0.0", 16),
			    P("10.2.0.0", 16), ESP_ACT_PROTECT, 0),
	    "198.51.100.1", "203.0.113.1");
	ops[0].sp.level = ESP_LEVEL_UNIQUE;
	ops[0].sp.reqid = 7;
	ops[1] = sa_op(ESP_OP_ADD, 2, "198.51.100.1", "203.0.113.1", 0x7);
	ops[1].sa.reqid = 7;
	ops[2] = sa_op(ESP_OP_ADD, 3, "198.51.100.1", "203.0.113.1", 0x8);
	ops[2].sa.reqid = 8;
	ops[2].sa.hard.packets = 1;
	if (run1(db, ops, 3) != 0)
		abort();
	r7 = lookup(db, 0x7, "203.0.113.1");
	r8 = lookup(db, 0x8, "203.0.113.1");
	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == r7,
	    "unique, reqid 7: the older SA of reqid 7, not the newer of 8");
	ops[0].kind = ESP_OP_SPDDELETE;
	ops[1] = ops[0];
	ops[1].kind = ESP_OP_SPDADD;
	ops[1].sp.level = ESP_LEVEL_REQUIRE;
	ok(run1(db, ops, 2) == 0 &&
		esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == r8,
	    "require, same reqid: the newest SA, whatever its reqid");
	/* r8 dies of its hard packet limit while cached. */
	ok(esp_seal(r8, buf, sizeof(buf), 10, 4, NOW, &o, &olen) == ESP_OK &&
		esp_seal(r8, buf, sizeof(buf), 10, 4, NOW, &o, &olen) ==
		    ESP_E_EXPIRED,
	    "the newest SA reaches its hard limit");
	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == r7,
	    "... and the cached choice falls back to the live one");
	ok(lookup(db, 0x8, "203.0.113.1") == NULL,
	    "... and inbound lookups no longer find it");

	/* Transport mode: the SA's ends are the packet's. */
	ops[0] = sp_op(ESP_OP_SPDADD, 5, ESP_DIR_OUT, P("192.0.2.0", 24),
	    P("192.0.2.0", 24), ESP_ACT_PROTECT, 0);
	ops[0].sp.mode = ESP_MODE_TRANSPORT;
	ops[1] = sa_op(ESP_OP_ADD, 6, "192.0.2.1", "192.0.2.2", 0x9);
	ops[1].sa.mode = ESP_MODE_TRANSPORT;
	ok(run1(db, ops, 2) == 0, "a transport policy and SA");
	tr = lookup(db, 0x9, "192.0.2.2");
	k = pkt("192.0.2.1", "192.0.2.2", 6, 1, 2);
	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == tr,
	    "transport: the SA between the packet's addresses");
	k = pkt("192.0.2.1", "192.0.2.3", 6, 1, 2);
	ok(esp_spd_lookup(db, ESP_DIR_OUT, &k, &sap) != NULL && sap == NULL,
	    "transport: no SA to that address: NULL");
	esp_sadb_free(db);
}

/*
 * esp_spd_admits, as sadb.c says: no policy or bypass admits only what
 * came in transport mode, discard nothing, protect what its template
 * fits (endpoints, mode, reqid when unique).
 */
static void
admits(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[6];
	struct esp_sel	 k = pkt("10.2.0.7", "10.1.0.5", 6, 22, 1000);
	struct esp_sa	*tun, *tr, *other;

	ops[0] = sa_op(ESP_OP_ADD, 1, "203.0.113.1", "198.51.100.1", 0x1);
	ops[0].sa.reqid = 3;
	ops[1] = sa_op(ESP_OP_ADD, 2, "10.2.0.7", "10.1.0.5", 0x2);
	ops[1].sa.mode = ESP_MODE_TRANSPORT;
	ops[2] = sa_op(ESP_OP_ADD, 3, "203.0.113.2", "198.51.100.1", 0x3);
	if (run1(db, ops, 3) != 0)
		abort();
	tun = lookup(db, 0x1, "198.51.100.1");
	tr = lookup(db, 0x2, "10.1.0.5");
	other = lookup(db, 0x3, "198.51.100.1");
	ok(!esp_spd_admits(db, ESP_DIR_IN, &k, tun) &&
		esp_spd_admits(db, ESP_DIR_IN, &k, tr),
	    "no policy: transport admitted, tunnel not");
	ops[0] = sp_op(ESP_OP_SPDADD, 4, ESP_DIR_IN, P("10.2.0.0", 16),
	    P("10.1.0.0", 16), ESP_ACT_BYPASS, 0);
	ok(run1(db, ops, 1) == 0 && !esp_spd_admits(db, ESP_DIR_IN, &k, tun) &&
		esp_spd_admits(db, ESP_DIR_IN, &k, tr),
	    "bypass: the same");
	ops[0].kind = ESP_OP_SPDDELETE;
	ops[1] = ops[0];
	ops[1].kind = ESP_OP_SPDADD;
	ops[1].sp.action = ESP_ACT_DISCARD;
	ok(run1(db, ops, 2) == 0 && !esp_spd_admits(db, ESP_DIR_IN, &k, tun) &&
		!esp_spd_admits(db, ESP_DIR_IN, &k, tr),
	    "discard: nothing");
	ops[0] = ops[1];
	ops[0].kind = ESP_OP_SPDDELETE;
	ops[1] = tunnel(ops[1], "203.0.113.1", "198.51.100.1");
	ops[1].sp.action = ESP_ACT_PROTECT;
	ok(run1(db, ops, 2) == 0 && esp_spd_admits(db, ESP_DIR_IN, &k, tun) &&
		!esp_spd_admits(db, ESP_DIR_IN, &k, other) &&
		!esp_spd_admits(db, ESP_DIR_IN, &k, tr),
	    "protect, tunnel: its endpoints only, not transport");
	ok(!esp_spd_admits(db, ESP_DIR_FWD, &k, tun) &&
		esp_spd_admits(db, ESP_DIR_FWD, &k, tr),
	    "the fwd direction has no policy: transport only");
	ops[0] = ops[1];
	ops[0].kind = ESP_OP_SPDDELETE;
	ops[1].sp.level = ESP_LEVEL_UNIQUE;
	ops[1].sp.reqid = 4;
	ok(run1(db, ops, 2) == 0 && !esp_spd_admits(db, ESP_DIR_IN, &k, tun),
	    "protect unique reqid 4: the SA of reqid 3 is refused");
	ops[0] = ops[1];
	ops[0].kind = ESP_OP_SPDDELETE;
	ops[1].sp.reqid = 3;
	ok(run1(db, ops, 2) == 0 && esp_spd_admits(db, ESP_DIR_IN, &k, tun),
	    "protect unique reqid 3: admitted");
	ops[0] = ops[1];
	ops[0].kind = ESP_OP_SPDDELETE;
	ops[1] = sp_op(ESP_OP_SPDADD, 9, ESP_DIR_IN, P("10.2.0.0", 16),
	    P("10.1.0.0", 16), ESP_ACT_PROTECT, 0);
	ops[1].sp.mode = ESP_MODE_TRANSPORT;
	ok(run1(db, ops, 2) == 0 && esp_spd_admits(db, ESP_DIR_IN, &k, tr) &&
		!esp_spd_admits(db, ESP_DIR_IN, &k, tun),
	    "protect, transport: the SA between the packet's addresses");
	esp_sadb_free(db);
}

struct events {
	size_t	 soft, hard;
	uint32_t last_spi;
	int	 order[8];
	size_t	 n;
};

static void
on_event(void *arg, enum esp_event ev, const struct esp_sa *sa)
{
	struct events *e = arg;

	if (ev == ESP_EV_SOFT)
		e->soft++;
	else
		e->hard++;
	e->last_spi = esp_sa_params(sa)->spi;
	if (e->n < 8)
		e->order[e->n++] = ev;
}

static void
expiry(void)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_op	 ops[4];
	struct events	 ev = { 0 };
	struct esp_sa	*sa;
	uint8_t		 buf[256], *o;
	size_t		 olen;

	ops[0] = sa_op(ESP_OP_ADD, 1, "198.51.100.1", "203.0.113.1", 0x1);
	ops[0].sa.soft.add_s = 10;
	ops[0].sa.hard.add_s = 20;
	ops[1] = sa_op(ESP_OP_ADD, 2, "198.51.100.1", "203.0.113.1", 0x2);
	ops[1].sa.soft.use_s = 5;
	ops[1].sa.hard.use_s = 8;
	ops[2] = sa_op(ESP_OP_ADD, 3, "198.51.100.1", "203.0.113.1", 0x3);
	ops[2].sa.soft.bytes = 100;
	ops[2].sa.hard.packets = 2;
	if (run1(db, ops, 3) != 0) /* added at NOW */
		abort();
	esp_sadb_expire(db, NOW + 9999, on_event, &ev);
	ok(ev.soft == 0 && ev.hard == 0, "nothing before 10 s");
	esp_sadb_expire(db, NOW + 10000, on_event, &ev);
	ok(ev.soft == 1 && ev.hard == 0 && ev.last_spi == 0x1,
	    "soft add lifetime at 10 s");
	esp_sadb_expire(db, NOW + 15000, on_event, &ev);
	ok(ev.soft == 1 && ev.hard == 0, "soft fires once");
	esp_sadb_expire(db, NOW + 20000, on_event, &ev);
	ok(ev.soft == 1 && ev.hard == 1 && ev.last_spi == 0x1 &&
		esp_sa_count(db) == 2 && lookup(db, 0x1, "203.0.113.1") == NULL,
	    "hard add lifetime at 20 s: event, then the SA is gone");
	esp_sadb_expire(db, NOW + 60000, on_event, &ev);
	ok(ev.soft == 1 && ev.hard == 1,
	    "nothing fires again, and an unused SA has no use lifetime");

	sa = lookup(db, 0x2, "203.0.113.1");
	esp_seal(sa, buf, sizeof(buf), 10, 4, NOW + 100000, &o, &olen);
	esp_sadb_expire(db, NOW + 104999, on_event, &ev);
	ok(ev.soft == 1, "use lifetime counts from the first packet");
	esp_sadb_expire(db, NOW + 105000, on_event, &ev);
	ok(ev.soft == 2 && ev.last_spi == 0x2, "soft use lifetime at 5 s");
	esp_sadb_expire(db, NOW + 108000, on_event, &ev);
	ok(ev.hard == 2 && ev.last_spi == 0x2 && esp_sa_count(db) == 1,
	    "hard use lifetime at 8 s");

	sa = lookup(db, 0x3, "203.0.113.1");
	esp_seal(sa, buf, sizeof(buf), 60, 4, NOW + 200000, &o, &olen);
	esp_sadb_expire(db, NOW + 200001, on_event, &ev);
	ok(ev.soft == 2, "60 bytes: under the soft 100");
	esp_seal(sa, buf, sizeof(buf), 60, 4, NOW + 200002, &o, &olen);
	ev.n = 0;
	esp_sadb_expire(db, NOW + 200003, on_event, &ev);
	ok(ev.soft == 3 && ev.hard == 3 && ev.n == 2 &&
		ev.order[0] == ESP_EV_SOFT && ev.order[1] == ESP_EV_HARD &&
		esp_sa_count(db) == 0,
	    "120 bytes and 2 packets: soft then hard in one pass, SA gone");
	esp_sadb_free(db);

	/* The clock's zero is a time like any other. */
	db = esp_sadb_new();
	ops[0] = sa_op(ESP_OP_ADD, 1, "198.51.100.1", "203.0.113.1", 0x4);
	ops[0].sa.soft.add_s = 1;
	ops[0].sa.hard.use_s = 2;
	if (esp_sadb_apply(db, ops, 1, "t.conf", 0, stdout, stderr) != 0)
		abort();
	sa = lookup(db, 0x4, "203.0.113.1");
	esp_seal(sa, buf, sizeof(buf), 10, 4, 0, &o, &olen);
	ev.n = ev.soft = ev.hard = 0;
	esp_sadb_expire(db, 1000, on_event, &ev);
	ok(ev.soft == 1 && ev.hard == 0,
	    "added at time 0: soft add lifetime at 1 s");
	esp_sadb_expire(db, 2000, on_event, &ev);
	ok(ev.hard == 1 && esp_sa_count(db) == 0,
	    "first packet at time 0: hard use lifetime at 2 s");
	esp_sadb_free(db);
}

/* ---- Randomized: esp_spd_lookup against a naive reference ------------ */

struct rpol {
	struct esp_spd_params p;
	uint64_t	      age;
	bool		      live;
};

struct rsa {
	struct esp_sa_params p;
	uint64_t	     age;
	bool		     live;
};

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static const char *const pool[] = { "10.0.0.1", "10.0.1.1", "10.1.0.1",
	"10.1.1.2", "10.128.0.3", "192.0.2.1", "192.0.2.130" };
static const char *const ends[] = { "198.51.100.1", "198.51.100.2",
	"203.0.113.1", "203.0.113.2" };
static const uint16_t	 ports[] = { 0, 22, 53, 500 };
static const uint8_t	 protos[] = { ESP_PROTO_ANY, 6, 17 };

#define NPOOL (sizeof(pool) / sizeof(pool[0]))

static struct prefix
rprefix(uint64_t *x)
{
	static const int lens[] = { 0, 8, 9, 16, 24, 32 };

	return P(pool[rnd(x) % NPOOL], lens[rnd(x) % 6]);
}

static bool
naive_sel(const struct esp_sel *s, const struct esp_sel *k)
{
	return prefix_contains(&s->src, &k->src.addr) &&
	    prefix_contains(&s->dst, &k->dst.addr) &&
	    (s->proto == ESP_PROTO_ANY || s->proto == k->proto) &&
	    (s->sport == 0 || s->sport == k->sport) &&
	    (s->dport == 0 || s->dport == k->dport);
}

static bool
naive_tmpl(const struct esp_spd_params *p, const struct esp_sel *k,
    const struct esp_sa_params *s)
{
	if (p->mode != s->mode)
		return false;
	if (p->level == ESP_LEVEL_UNIQUE && p->reqid != 0 &&
	    p->reqid != s->reqid)
		return false;
	if (p->mode == ESP_MODE_TUNNEL)
		return addr_eq(&s->src, &p->tsrc) && addr_eq(&s->dst, &p->tdst);
	return addr_eq(&s->src, &k->src.addr) && addr_eq(&s->dst, &k->dst.addr);
}

static int
by_prio_age(const void *a, const void *b)
{
	const struct rpol *x = a, *y = b;

	if (x->p.priority != y->p.priority)
		return x->p.priority < y->p.priority ? -1 : 1;
	return x->age < y->age ? -1 : x->age > y->age;
}

static void
randomized(uint64_t seed)
{
	static struct rpol pols[400], sorted[400];
	static struct rsa  sas[200];
	struct esp_sadb	  *db = esp_sadb_new();
	struct esp_op	   op;
	uint64_t	   x = seed, age = 0;
	size_t		   npol = 0, nsa = 0, i, j, round, n;
	size_t		   bad_pol = 0, bad_sa = 0, looked = 0, protect = 0;
	size_t		   with_sa = 0;
	struct esp_sel	   k;
	struct esp_sa	  *sap;
	const struct esp_spd_params *got;
	const struct rpol	    *want;
	const struct rsa	    *wsa;
	char			    *o, *e;

	for (round = 0; round < 40; round++) {
		/* Change the SPD: add some, delete some. */
		for (n = 0; n < 10; n++) {
			memset(&op, 0, sizeof(op));
			if (npol > 0 && rnd(&x) % 4 == 0) {
				i = rnd(&x) % npol;
				if (!pols[i].live)
					continue;
				op.kind = ESP_OP_SPDDELETE;
				op.sp = pols[i].p;
				if (run(db, &op, 1, &o, &e) != 0)
					bad_pol++;
				free(o);
				free(e);
				pols[i].live = false;
				continue;
			}
			op.kind = ESP_OP_SPDADD;
			op.sp.sel.src = rprefix(&x);
			op.sp.sel.dst = rprefix(&x);
			op.sp.sel.proto = protos[rnd(&x) % 3];
			if (op.sp.sel.proto != ESP_PROTO_ANY) {
				op.sp.sel.sport = ports[rnd(&x) % 4];
				op.sp.sel.dport = ports[rnd(&x) % 4];
			}
			op.sp.dir = (enum esp_dir)(rnd(&x) % 2);
			op.sp.action = (enum esp_action)(rnd(&x) % 3);
			op.sp.priority = (int32_t)(rnd(&x) % 5) - 2;
			op.sp.mode =
			    rnd(&x) % 3 ? ESP_MODE_TUNNEL : ESP_MODE_TRANSPORT;
			op.sp.tsrc = A(ends[rnd(&x) % 2]);
			op.sp.tdst = A(ends[2 + rnd(&x) % 2]);
			op.sp.level =
			    rnd(&x) % 2 ? ESP_LEVEL_UNIQUE : ESP_LEVEL_REQUIRE;
			op.sp.reqid = (uint32_t)(rnd(&x) % 3);
			/* The reference says whether it must be refused. */
			for (i = 0; i < npol; i++)
				if (pols[i].live &&
				    pols[i].p.dir == op.sp.dir &&
				    memcmp(&pols[i].p.sel, &op.sp.sel,
					sizeof(op.sp.sel)) == 0)
					break;
			if ((run(db, &op, 1, &o, &e) == 0) != (i == npol))
				bad_pol++;
			free(o);
			free(e);
			if (i == npol && npol < 400) {
				pols[npol].p = op.sp;
				pols[npol].age = ++age;
				pols[npol++].live = true;
			}
		}
		/* Change the SAD. */
		for (n = 0; n < 5 && nsa < 200; n++) {
			if (nsa > 0 && rnd(&x) % 3 == 0) {
				i = rnd(&x) % nsa;
				if (!sas[i].live)
					continue;
				op = sa_op(
				    ESP_OP_DELETE, 1, "0.0.0.0", "0.0.0.0", 0);
				op.sa = sas[i].p;
				if (run1(db, &op, 1) != 0)
					bad_sa++;
				sas[i].live = false;
				continue;
			}
			if (rnd(&x) % 2)
				op = sa_op(ESP_OP_ADD, 1, ends[rnd(&x) % 2],
				    ends[2 + rnd(&x) % 2],
				    (uint32_t)(0x1000 + nsa));
			else {
				op = sa_op(ESP_OP_ADD, 1, pool[rnd(&x) % NPOOL],
				    pool[rnd(&x) % NPOOL],
				    (uint32_t)(0x1000 + nsa));
				op.sa.mode = ESP_MODE_TRANSPORT;
			}
			op.sa.reqid = (uint32_t)(rnd(&x) % 3);
			if (run1(db, &op, 1) != 0)
				bad_sa++;
			sas[nsa].p = op.sa;
			sas[nsa].age = ++age;
			sas[nsa++].live = true;
		}
		/* The reference's view: live policies by priority, age. */
		for (i = j = 0; i < npol; i++)
			if (pols[i].live)
				sorted[j++] = pols[i];
		qsort(sorted, j, sizeof(sorted[0]), by_prio_age);
		for (n = 0; n < 500; n++) {
			k = pkt(pool[rnd(&x) % NPOOL], pool[rnd(&x) % NPOOL],
			    protos[1 + rnd(&x) % 2], ports[rnd(&x) % 4],
			    ports[rnd(&x) % 4]);
			enum esp_dir d = (enum esp_dir)(rnd(&x) % 2);

			want = NULL;
			for (i = 0; i < j && want == NULL; i++)
				if (sorted[i].p.dir == d &&
				    naive_sel(&sorted[i].p.sel, &k))
					want = &sorted[i];
			wsa = NULL;
			if (want != NULL && want->p.action == ESP_ACT_PROTECT)
				for (i = 0; i < nsa; i++)
					if (sas[i].live &&
					    naive_tmpl(
						&want->p, &k, &sas[i].p) &&
					    (wsa == NULL ||
						sas[i].age > wsa->age))
						wsa = &sas[i];
			got = esp_spd_lookup(db, d, &k, &sap);
			looked++;
			if ((got == NULL) != (want == NULL) ||
			    (got != NULL &&
				memcmp(got, &want->p, sizeof(*got)) != 0)) {
				if (bad_pol++ == 0)
					diag("  round %zu: policy differs",
					    round);
				continue;
			}
			if (want != NULL && want->p.action == ESP_ACT_PROTECT)
				protect++;
			if (wsa != NULL)
				with_sa++;
			if ((sap == NULL) != (wsa == NULL) ||
			    (sap != NULL &&
				esp_sa_params(sap)->spi != wsa->p.spi)) {
				if (bad_sa++ == 0)
					diag("  round %zu: SA differs", round);
			}
		}
	}
	ok(bad_pol == 0,
	    "randomized: %zu lookups, the policy is the naive "
	    "scan's (%zu differ)",
	    looked, bad_pol);
	ok(bad_sa == 0,
	    "randomized: the SA is the newest that fits (%zu "
	    "differ)",
	    bad_sa);
	ok(protect > 1000 && with_sa > 500,
	    "randomized: %zu protect lookups, %zu with an SA (enough to mean "
	    "something)",
	    protect, with_sa);
	esp_sadb_free(db);
}

int
main(void)
{
	operations();
	atomicity();
	deleteall();
	spd_choice();
	spd_reqid();
	admits();
	expiry();
	randomized(0x2545f4914f6cdd1dULL);
	randomized(0x9e3779b97f4a7c15ULL);
	return done_testing();
}
