/*
 * The address pool: hand-worked cases (a /30's two addresses, the
 * gateway's address left out, exhaustion, an identity's address across
 * release and acquire, holds, reclaim order, a lazily grown /8), then
 * random acquires and releases against a naive reference (a plain array
 * of leases scanned linearly) over /28 and /29 with many identities,
 * comparing every answer and the whole listing after every step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "tap.h"

static struct prefix
pfx(const char *s)
{
	struct prefix p;
	const char   *why;

	if (prefix_parse(AF_INET, s, &p, &why) == -1)
		abort();
	return p;
}

static struct addr
ip(const char *s)
{
	struct addr a;

	if (addr_pton(AF_INET, s, &a) == -1)
		abort();
	return a;
}

/* The address acquire returns as text, "-1" when it fails. */
static const char *
acq(struct pool *p, const char *id, uint64_t now)
{
	static char buf[ADDR_STRLEN];
	struct addr a;

	if (pool_acquire(p, id, now, &a) == -1)
		return "-1";
	return addr_ntop(&a, buf, sizeof(buf));
}

/* The listing as "addr id holds since, ..." for one comparison. */
static const char *
listing(const struct pool *p)
{
	static char	  buf[4096];
	struct pool_lease l[64];
	char		  a[ADDR_STRLEN];
	size_t		  n, total, i, off = 0;

	n = pool_leases(p, l, 64, &total);
	buf[0] = '\0';
	for (i = 0; i < n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%s %s %u %llu", i ? ", " : "",
		    addr_ntop(&l[i].addr, a, sizeof(a)), l[i].identity,
		    l[i].holds, (unsigned long long)l[i].since);
	return buf;
}

static void
test_new(void)
{
	struct prefix p;
	struct addr   ex[4];
	struct pool  *pl;

	p = pfx("192.0.2.0/30");
	ok((pl = pool_new(&p, NULL, 0)) != NULL, "a /30 makes a pool");
	is_int(pool_size(pl), 2, "... of 2 usable addresses");
	pool_free(pl);
	p = pfx("192.0.2.0/31");
	ok(pool_new(&p, NULL, 0) == NULL, "a /31 makes none");
	p = pfx("192.0.2.1/32");
	ok(pool_new(&p, NULL, 0) == NULL, "a /32 makes none");
	p = pfx("8.0.0.0/7");
	ok(pool_new(&p, NULL, 0) == NULL, "a /7 is too large");
	if (prefix_parse(
		AF_INET6, "2001:db8::/120", &p, &(const char *){ 0 }) == -1)
		abort();
	ok(pool_new(&p, NULL, 0) == NULL, "an IPv6 prefix makes none");
	p = pfx("192.0.2.0/30");
	ex[0] = ip("192.0.2.1");
	ex[1] = ip("192.0.2.2");
	ok(pool_new(&p, ex, 2) == NULL,
	    "a /30 without both its addresses makes none");

	p = pfx("10.0.2.0/24");
	ex[0] = ip("10.0.2.1"); /* the gateway's */
	ex[1] = ip("10.0.2.1"); /* twice counts once */
	ex[2] = ip("10.0.1.1"); /* outside */
	ex[3] = ip("10.0.2.255"); /* broadcast, not a host anyway */
	pl = pool_new(&p, ex, 4);
	ok(pl != NULL, "a /24 without the gateway's address");
	is_int(pool_size(pl), 253, "... has 253 addresses");
	is_str(acq(pl, "a", 1), "10.0.2.2", "... and the first lease skips .1");
	pool_free(pl);

	ex[0] = ip("10.0.2.3");
	ex[1] = ip("10.0.2.4");
	pl = pool_new(&p, ex, 2);
	is_str(acq(pl, "a", 1), "10.0.2.1", "exclusions in the middle: .1");
	is_str(acq(pl, "b", 1), "10.0.2.2", "... .2");
	is_str(acq(pl, "c", 1), "10.0.2.5", "... then .5");
	pool_free(pl);
}

static void
test_slash30(void)
{
	struct prefix	  p = pfx("192.0.2.0/30");
	struct pool	 *pl = pool_new(&p, NULL, 0);
	struct pool_lease l[4];
	size_t		  total;

	is_str(acq(pl, "rw.example", 10), "192.0.2.1", "/30: the first is .1");
	is_str(acq(pl, "laptop.example", 11), "192.0.2.2",
	    "/30: the second is .2");
	is_str(acq(pl, "third", 12), "-1", "/30: a third identity gets -1");
	is_str(listing(pl),
	    "192.0.2.1 rw.example 1 10, 192.0.2.2 laptop.example 1 11",
	    "... and nothing changed");
	is_str(acq(pl, "rw.example", 13), "192.0.2.1",
	    "a second IKE_SA of an identity shares its address");
	is_str(listing(pl),
	    "192.0.2.1 rw.example 2 10, 192.0.2.2 laptop.example 1 11",
	    "... with two holds, since unchanged");
	pool_release(pl, "rw.example", 14);
	is_str(listing(pl),
	    "192.0.2.1 rw.example 1 10, 192.0.2.2 laptop.example 1 11",
	    "one release leaves one hold");
	is_str(acq(pl, "third", 15), "-1", "... and the address held");
	pool_release(pl, "rw.example", 16);
	pool_release(pl, "rw.example", 17);
	pool_release(pl, "nobody", 17);
	is_str(listing(pl),
	    "192.0.2.1 rw.example 0 16, 192.0.2.2 laptop.example 1 11",
	    "the last release remembers the lease; extra ones do nothing");
	is_int(
	    pool_leases(pl, l, 1, &total), 1, "pool_leases writes at most n");
	is_int(total, 2, "... and counts them all");
	is_str(acq(pl, "rw.example", 18), "192.0.2.1",
	    "the identity gets its remembered address back");
	is_str(listing(pl),
	    "192.0.2.1 rw.example 1 18, 192.0.2.2 laptop.example 1 11",
	    "... held again since then");
	pool_free(pl);
}

static void
test_remember(void)
{
	struct prefix p = pfx("10.0.2.0/29");
	struct pool  *pl = pool_new(&p, NULL, 0);
	const char   *ids[] = { "a", "b", "c", "d", "e", "f" };
	char	      want[16];
	size_t	      i;

	is_str(acq(pl, "a", 1), "10.0.2.1", "a gets .1");
	is_str(acq(pl, "b", 1), "10.0.2.2", "b gets .2");
	pool_release(pl, "a", 2);
	is_str(acq(pl, "c", 3), "10.0.2.3",
	    "a never-used address goes before a remembered one");
	is_str(acq(pl, "a", 4), "10.0.2.1", "a comes back to .1");
	pool_release(pl, "a", 5);
	pool_release(pl, "a", 6);
	is_str(acq(pl, "a", 7), "10.0.2.1", "... again");
	pool_free(pl);

	/* Six addresses, all leased, three released in the order c, a, e. */
	pl = pool_new(&p, NULL, 0);
	for (i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "10.0.2.%zu", i + 1);
		is_str(acq(pl, ids[i], 1), want, "%s fills the /29", ids[i]);
	}
	is_str(acq(pl, "g", 2), "-1", "a full pool refuses g");
	pool_release(pl, "c", 10);
	pool_release(pl, "a", 20);
	pool_release(pl, "e", 30);
	is_str(acq(pl, "g", 40), "10.0.2.3",
	    "g reclaims c's, released longest ago");
	is_str(acq(pl, "h", 41), "10.0.2.1", "h reclaims a's next");
	is_str(acq(pl, "a", 42), "10.0.2.5",
	    "a, whose address went, gets a fresh one (e's, the last left)");
	is_str(acq(pl, "c", 43), "-1", "c finds every address held");
	is_str(listing(pl),
	    "10.0.2.1 h 1 41, 10.0.2.2 b 1 1, 10.0.2.3 g 1 40, "
	    "10.0.2.4 d 1 1, 10.0.2.5 a 1 42, 10.0.2.6 f 1 1",
	    "the listing: e and c are gone");
	pool_release(pl, "e", 50);
	is_str(
	    acq(pl, "c", 51), "-1", "releasing an identity gone does nothing");
	pool_free(pl);
}

static void
test_large(void)
{
	struct prefix	   p = pfx("10.0.0.0/8");
	struct addr	   ex = ip("10.0.0.1");
	struct pool	  *pl = pool_new(&p, &ex, 1);
	struct pool_lease *l;
	char		   id[32];
	size_t		   i, n, total;
	bool		   good = true;
	struct addr	   a;

	ok(pl != NULL, "a /8 makes a pool");
	is_int(pool_size(pl), (1 << 24) - 3, "... of 2^24 - 3 addresses");
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "user%zu", i);
		if (pool_acquire(pl, id, i, &a) == -1 ||
		    ntohl(a.u.v4.s_addr) != 0x0a000002 + i)
			good = false;
	}
	ok(good, "5000 identities get 10.0.0.2 upwards");
	if ((l = calloc(6000, sizeof(*l))) == NULL)
		abort();
	n = pool_leases(pl, l, 6000, &total);
	is_int(n, 5000, "... and 5000 leases are listed");
	is_int(total, 5000, "... of 5000");
	is_str(l[4999].identity, "user4999", "... in address order");
	free(l);
	pool_free(pl);
}

/* The naive pool: every address scanned in turn, every lease a row. */
struct nlease {
	uint32_t addr;
	char	 id[24];
	unsigned holds;
	uint64_t since;
	uint64_t seq; /* when released, for ties of since */
};

struct naive {
	uint32_t      net, bcast;
	uint32_t      excl[2];
	size_t	      nexcl;
	struct nlease l[64];
	size_t	      n;
	uint32_t      ever[64]; /* addresses ever leased */
	size_t	      never;
	uint64_t      seq;
	unsigned      reclaims;
};

static struct nlease *
naive_find(struct naive *v, const char *id)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->l[i].id, id) == 0)
			return &v->l[i];
	return NULL;
}

static bool
naive_was_leased(const struct naive *v, uint32_t a)
{
	size_t i;

	for (i = 0; i < v->never; i++)
		if (v->ever[i] == a)
			return true;
	for (i = 0; i < v->nexcl; i++)
		if (v->excl[i] == a)
			return true;
	return false;
}

static int
naive_acquire(struct naive *v, const char *id, uint64_t now, uint32_t *out)
{
	struct nlease *l, *old = NULL;
	uint32_t       a;
	size_t	       i;

	if ((l = naive_find(v, id)) != NULL) {
		if (l->holds++ == 0)
			l->since = now;
		*out = l->addr;
		return 0;
	}
	for (a = v->net + 1; a < v->bcast; a++)
		if (!naive_was_leased(v, a)) {
			v->ever[v->never++] = a;
			l = &v->l[v->n++];
			l->addr = a;
			goto take;
		}
	for (i = 0; i < v->n; i++)
		if (v->l[i].holds == 0 &&
		    (old == NULL || v->l[i].since < old->since ||
			(v->l[i].since == old->since &&
			    v->l[i].seq < old->seq)))
			old = &v->l[i];
	if ((l = old) == NULL)
		return -1;
	v->reclaims++;
take:
	snprintf(l->id, sizeof(l->id), "%s", id);
	l->holds = 1;
	l->since = now;
	*out = l->addr;
	return 0;
}

static void
naive_release(struct naive *v, const char *id, uint64_t now)
{
	struct nlease *l = naive_find(v, id);

	if (l == NULL || l->holds == 0)
		return;
	if (--l->holds == 0) {
		l->since = now;
		l->seq = v->seq++;
	}
}

static int
cmp_nlease(const void *a, const void *b)
{
	const struct nlease *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Whether the pool's listing is the naive one, and no address or
 * identity appears twice. */
static bool
same_leases(const struct pool *p, struct naive *v, const char **why)
{
	struct pool_lease got[64];
	struct nlease	  want[64];
	size_t		  n, total, i, j;

	n = pool_leases(p, got, 64, &total);
	if (n != total || n != v->n) {
		*why = "the number of leases differs";
		return false;
	}
	memcpy(want, v->l, v->n * sizeof(*want));
	qsort(want, v->n, sizeof(*want), cmp_nlease);
	for (i = 0; i < n; i++) {
		if (ntohl(got[i].addr.u.v4.s_addr) != want[i].addr ||
		    strcmp(got[i].identity, want[i].id) != 0 ||
		    got[i].holds != want[i].holds ||
		    got[i].since != want[i].since) {
			*why = "a lease differs";
			return false;
		}
		if (i > 0 && !(addr_cmp(&got[i - 1].addr, &got[i].addr) < 0)) {
			*why = "addresses not strictly in order";
			return false;
		}
		for (j = 0; j < i; j++)
			if (strcmp(got[i].identity, got[j].identity) == 0) {
				*why = "an identity holds two addresses";
				return false;
			}
	}
	return true;
}

static void
test_random(const char *prefix, const char *gw, unsigned nids, unsigned steps,
    uint64_t seed)
{
	struct prefix p = pfx(prefix);
	struct addr   ex, a;
	struct naive  v;
	struct pool  *pl;
	char	      id[24];
	const char   *why = NULL;
	uint64_t      now = 0;
	uint32_t      want = 0;
	unsigned      step, fails = 0, reclaims = 0;
	int	      rc, nrc;
	size_t	      nex = gw != NULL;

	memset(&v, 0, sizeof(v));
	v.net = ntohl(p.addr.u.v4.s_addr);
	v.bcast = v.net | ~ntohl(p.mask.u.v4.s_addr);
	if (gw != NULL) {
		ex = ip(gw);
		v.excl[v.nexcl++] = ntohl(ex.u.v4.s_addr);
	}
	pl = pool_new(&p, &ex, nex);
	for (step = 0; step < steps && why == NULL; step++) {
		now += rnd(&seed) % 3; /* ties as well */
		snprintf(id, sizeof(id), "id%u.example",
		    (unsigned)(rnd(&seed) % nids));
		/* Releases outnumber acquires, so that holds stay low and
		 * leases come and go. */
		if (rnd(&seed) % 100 < 45) {
			nrc = naive_acquire(&v, id, now, &want);
			rc = pool_acquire(pl, id, now, &a);
			if (rc != nrc)
				why = "acquire's result differs";
			else if (rc == 0 && ntohl(a.u.v4.s_addr) != want)
				why = "acquire's address differs";
			fails += rc == -1;
		} else {
			naive_release(&v, id, now);
			pool_release(pl, id, now);
		}
		if (why == NULL)
			same_leases(pl, &v, &why);
	}
	reclaims = v.reclaims;
	ok(why == NULL,
	    "%s: %u random steps, %u identities: the pool is the "
	    "naive list",
	    prefix, steps, nids);
	if (why != NULL)
		diag("  step %u (%s): %s", step, id, why);
	ok(fails > 0 && reclaims > 0 && v.never == pool_size(pl),
	    "... exhausting it (%u times) and reclaiming (%u times)", fails,
	    reclaims);
	pool_free(pl);
}

int
main(void)
{
	test_new();
	test_slash30();
	test_remember();
	test_large();
	test_random("10.0.2.0/29", "10.0.2.1", 12, 30000, 0x9e3779b97f4a7c15);
	test_random("10.0.2.0/29", NULL, 40, 30000, 7);
	test_random("10.0.2.16/28", "10.0.2.30", 20, 40000, 12345);
	test_random("10.0.2.16/28", "10.0.2.20", 64, 40000, 99);
	test_random("192.0.2.0/30", NULL, 5, 10000, 3);
	return done_testing();
}
