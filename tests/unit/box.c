/*
 * box.c against naive references. An interval set is checked on probe
 * points: when every endpoint comes from a small pool, membership can only
 * change at a pool value or one past it, so agreeing on those points (and
 * the ends of the domain) is agreeing everywhere. Interface patterns are
 * checked on every name of up to 4 bytes over "abc": patterns are built
 * from "ab" with stems of at most 3 bytes, so a longer name behaves as its
 * first 4 bytes do and any other byte as 'c'. Random cases come from a
 * fixed seed, so a failure repeats.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "tap.h"

#define NCASES 20000
#define MAXPROBE 800 /* before duplicates go: 2 + 3 * 256 for proto */
#define MAXSHOW 5 /* mismatches described per check */
#define NPOOL(a) (sizeof(a) / sizeof((a)[0]))

struct rng {
	uint64_t s;
};

static uint32_t
rnd(struct rng *r, uint32_t n)
{
	/* xorshift64*: good enough to pick cases, and the same everywhere. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* One dimension: its pool of endpoints and the probe points they give. */
struct dom {
	const char     *name;
	enum fw_dim	dim;
	const uint32_t *pool; /* NULL: every value below npool */
	unsigned int	npool;
	uint32_t	probe[MAXPROBE];
	unsigned int	nprobe;
};

/* The naive set: membership at each probe point. */
struct ref {
	bool in[MAXPROBE];
};

static const uint32_t addr_pool[] = { 0, 1, 2, 3, 10, 11, 0x0a000200,
	0x0a0002ff, 0x7ffffffe, 0x7fffffff, 0x80000000, 0xfffffffc, 0xfffffffd,
	0xfffffffe, 0xffffffff };
static const uint32_t port_pool[] = { 0, 1, 2, 21, 22, 23, 53, 80, 443, 1023,
	1024, 65533, 65534, 65535 };

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
pool_at(const struct dom *d, unsigned int i)
{
	return d->pool != NULL ? d->pool[i] : i;
}

static void
add_probe(struct dom *d, uint64_t v)
{
	if (v <= fw_dim_max[d->dim] && d->nprobe < MAXPROBE)
		d->probe[d->nprobe++] = (uint32_t)v;
}

static void
dom_init(struct dom *d)
{
	unsigned int i, j;

	d->nprobe = 0;
	add_probe(d, 0);
	add_probe(d, fw_dim_max[d->dim]);
	for (i = 0; i < d->npool; i++) {
		add_probe(d, pool_at(d, i));
		add_probe(d, (uint64_t)pool_at(d, i) + 1);
		if (pool_at(d, i) > 0)
			add_probe(d, pool_at(d, i) - 1);
	}
	qsort(d->probe, d->nprobe, sizeof(d->probe[0]), cmp_u32);
	for (i = j = 0; i < d->nprobe; i++)
		if (j == 0 || d->probe[j - 1] != d->probe[i])
			d->probe[j++] = d->probe[i];
	d->nprobe = j;
}

/* Sorted, disjoint, not adjacent, inside the domain, not too many. */
static bool
canonical(const struct dom *d, const struct fw_ivset *s)
{
	unsigned int i;

	if (s->n > FW_IV_MAX)
		return false;
	for (i = 0; i < s->n; i++) {
		if (s->iv[i].lo > s->iv[i].hi ||
		    s->iv[i].hi > fw_dim_max[d->dim])
			return false;
		if (i > 0 && (uint64_t)s->iv[i - 1].hi + 1 >= s->iv[i].lo)
			return false;
	}
	return true;
}

static void
ref_add(const struct dom *d, struct ref *r, uint32_t lo, uint32_t hi)
{
	unsigned int i;

	for (i = 0; i < d->nprobe; i++)
		if (d->probe[i] >= lo && d->probe[i] <= hi)
			r->in[i] = true;
}

/* Equal to the reference, or with over, a superset of it. */
static bool
agrees(const struct dom *d, const struct fw_ivset *s, const struct ref *r,
    bool over)
{
	unsigned int i;
	bool	     in;

	if (!canonical(d, s))
		return false;
	for (i = 0; i < d->nprobe; i++) {
		in = fw_ivset_contains(s, d->probe[i]);
		if (in != r->in[i] && !(over && in))
			return false;
	}
	return true;
}

static void
show(const char *what, const struct fw_ivset *s)
{
	unsigned int i;

	printf("#   %s:", what);
	for (i = 0; i < s->n; i++)
		printf(" [%u,%u]", s->iv[i].lo, s->iv[i].hi);
	printf("\n");
}

/* A random set of up to max intervals with endpoints from the pool. */
static void
random_set(struct rng *g, const struct dom *d, unsigned int max,
    struct fw_ivset *s, struct ref *r)
{
	unsigned int k, n = rnd(g, max + 1);
	uint32_t     a, b;

	memset(r, 0, sizeof(*r));
	s->n = 0;
	if (rnd(g, 8) == 0) {
		fw_ivset_all(s, d->dim);
		ref_add(d, r, 0, fw_dim_max[d->dim]);
		return;
	}
	for (k = 0; k < n; k++) {
		a = pool_at(d, rnd(g, d->npool));
		b = pool_at(d, rnd(g, d->npool));
		if (a > b) {
			uint32_t t = a;

			a = b;
			b = t;
		}
		fw_ivset_add(s, a, b);
		ref_add(d, r, a, b);
	}
}

static bool
ref_subset(const struct dom *d, const struct ref *a, const struct ref *b)
{
	unsigned int i;

	for (i = 0; i < d->nprobe; i++)
		if (a->in[i] && !b->in[i])
			return false;
	return true;
}

static bool
ref_all(const struct dom *d, const struct ref *a)
{
	unsigned int i;

	for (i = 0; i < d->nprobe; i++)
		if (!a->in[i])
			return false;
	return true;
}

struct tally {
	const char  *what;
	unsigned int n, bad;
};

static bool
check(struct tally *t, bool good, const char *dname)
{
	t->n++;
	if (!good && t->bad++ < MAXSHOW)
		diag("  %s: %s differs from the reference (case %u)", dname,
		    t->what, t->n);
	return good;
}

static void
report(const struct tally *t, const char *dname)
{
	ok(t->bad == 0, "%s: %s agrees with the reference in %u cases", dname,
	    t->what, t->n);
}

/* add, range, all, intersect, invert, contains, subset and is_all on
 * random sets of one dimension. */
static void
ivset_cases(struct rng *g, const struct dom *d)
{
	struct tally add = { .what = "add" }, inter = { .what = "intersect" },
		     inv = { .what = "invert" }, sub = { .what = "subset" },
		     all = { .what = "is_all" }, cont = { .what = "contains" },
		     narrow = { .what = "box_narrow" };
	struct fw_ivset a, b, t;
	struct fw_box	box;
	struct ref	ra, rb, rt;
	unsigned int	c, i;
	uint32_t	v;

	for (c = 0; c < NCASES; c++) {
		random_set(g, d, 6, &a, &ra);
		random_set(g, d, 6, &b, &rb);
		if (!check(&add, agrees(d, &a, &ra, false), d->name))
			show("got", &a);

		t = a;
		fw_ivset_intersect(&t, &b);
		for (i = 0; i < d->nprobe; i++)
			rt.in[i] = ra.in[i] && rb.in[i];
		if (!check(&inter, agrees(d, &t, &rt, false), d->name)) {
			show("a", &a);
			show("b", &b);
			show("a & b", &t);
		}

		t = a;
		fw_ivset_invert(&t, d->dim);
		for (i = 0; i < d->nprobe; i++)
			rt.in[i] = !ra.in[i];
		if (!check(&inv, agrees(d, &t, &rt, false), d->name)) {
			show("a", &a);
			show("~a", &t);
		}

		if (!check(&sub,
			fw_ivset_subset(&a, &b) == ref_subset(d, &ra, &rb),
			d->name) &&
		    sub.bad <= MAXSHOW) {
			show("a", &a);
			show("b", &b);
		}
		check(&all, fw_ivset_is_all(&a, d->dim) == ref_all(d, &ra),
		    d->name);
		i = rnd(g, d->nprobe);
		v = d->probe[i];
		check(&cont, fw_ivset_contains(&a, v) == ra.in[i], d->name);

		/* Narrowing a box's field, plain and negated. */
		fw_box_all(&box);
		box.d[d->dim] = a;
		fw_box_narrow(&box, d->dim, &b, c % 2);
		for (i = 0; i < d->nprobe; i++)
			rt.in[i] = ra.in[i] && rb.in[i] != (c % 2);
		check(&narrow, agrees(d, &box.d[d->dim], &rt, false), d->name);
	}
	report(&add, d->name);
	report(&inter, d->name);
	report(&inv, d->name);
	report(&sub, d->name);
	report(&all, d->name);
	report(&cont, d->name);
	report(&narrow, d->name);
}

/*
 * A box whose field could not hold a narrowing exactly must say it is not
 * exact: [6k, 6k+3] and [6k+3, 6k+6] meet in two points for each k, more
 * pieces than a set holds once there are more than 20 of them.
 */
static void
narrow_overflow(struct rng *g, const struct dom *d)
{
	struct tally	t = { .what = "box_narrow beyond FW_IV_MAX" };
	struct fw_ivset a, b;
	struct fw_box	box;
	struct ref	rt;
	unsigned int	c, k, n, shift;

	for (c = 0; c < NCASES / 10; c++) {
		n = 5 + rnd(g, 36);
		shift = rnd(g, 5);
		a.n = b.n = 0;
		for (k = 0; k < n; k++) {
			fw_ivset_add(&a, 6 * k, 6 * k + 3);
			fw_ivset_add(&b, 6 * k + shift, 6 * k + shift + 3);
		}
		/* Both hold their n pieces exactly, so these are the sets. */
		for (k = 0; k < d->nprobe; k++)
			rt.in[k] = fw_ivset_contains(&a, d->probe[k]) &&
			    fw_ivset_contains(&b, d->probe[k]);
		fw_box_all(&box);
		box.d[d->dim] = a;
		fw_box_narrow(&box, d->dim, &b, false);
		check(&t,
		    agrees(d, &box.d[d->dim], &rt, !box.exact) &&
			(n <= 20 || shift != 3 || !box.exact),
		    d->name);
	}
	report(&t, d->name);
}

/*
 * More intervals than a set holds: the set may only grow (box.h), and must
 * stay canonical. Points 0, 2, 4 ... never touch, so each is an interval
 * of its own; the same sets are intersected and inverted, whose results
 * have more pieces than either operand.
 */
static void
overflow_cases(struct rng *g)
{
	struct dom d = {
		.name = "proto", .dim = FW_DIM_PROTO, .pool = NULL, .npool = 256
	};
	struct tally add = { .what = "add beyond FW_IV_MAX" },
		     inter = { .what = "intersect beyond FW_IV_MAX" },
		     inv = { .what = "invert beyond FW_IV_MAX" };
	struct fw_ivset a, b, t;
	struct ref	ra, rb, rt;
	unsigned int	c, k, i, n;
	uint32_t	v;

	dom_init(&d);
	for (c = 0; c < NCASES / 10; c++) {
		memset(&ra, 0, sizeof(ra));
		memset(&rb, 0, sizeof(rb));
		a.n = b.n = 0;
		n = FW_IV_MAX + rnd(g, 40);
		for (k = 0; k < n; k++) {
			v = 2 * rnd(g, 128);
			fw_ivset_add(&a, v, v);
			ref_add(&d, &ra, v, v);
			v = 2 * rnd(g, 128) + (c % 2);
			v = v > 255 ? 255 : v;
			fw_ivset_add(&b, v, v);
			ref_add(&d, &rb, v, v);
		}
		check(&add, agrees(&d, &a, &ra, true), d.name);
		/* Intersect the references as the sets now are. */
		for (i = 0; i < d.nprobe; i++) {
			ra.in[i] = fw_ivset_contains(&a, d.probe[i]);
			rb.in[i] = fw_ivset_contains(&b, d.probe[i]);
			rt.in[i] = ra.in[i] && rb.in[i];
		}
		t = a;
		fw_ivset_intersect(&t, &b);
		check(&inter, agrees(&d, &t, &rt, true), d.name);
		for (i = 0; i < d.nprobe; i++)
			rt.in[i] = !ra.in[i];
		t = a;
		fw_ivset_invert(&t, FW_DIM_PROTO);
		check(&inv, agrees(&d, &t, &rt, true), d.name);
	}
	report(&add, d.name);
	report(&inter, d.name);
	report(&inv, d.name);
	narrow_overflow(g, &d);
}

/* Interface patterns: "" (any name), stems over "ab" of up to 3 bytes,
 * exact or with '+', plain or negated. */
#define NPAT 64
#define NNAME 128

static unsigned int
patterns(struct fw_ifc *p)
{
	unsigned int n = 0, len, bits, k, plus, neg;

	memset(&p[n++], 0, sizeof(*p)); /* "" */
	for (len = 0; len <= 3; len++)
		for (bits = 0; bits < (1u << len); bits++)
			for (plus = 0; plus < 2; plus++)
				for (neg = 0; neg < 2; neg++) {
					if (len == 0 && !plus)
						continue;
					memset(&p[n], 0, sizeof(*p));
					for (k = 0; k < len; k++)
						p[n].name[k] =
						    bits & (1u << k) ? 'b' :
								       'a';
					if (plus)
						p[n].name[len] = '+';
					p[n].inv = neg;
					n++;
				}
	return n;
}

static unsigned int
names(char (*nm)[IFNAMSIZ])
{
	static const char abc[] = "abc";
	unsigned int	  n = 0, len, v, k, x;

	for (len = 1; len <= 4; len++) {
		unsigned int count = 1;

		for (k = 0; k < len; k++)
			count *= 3;
		for (v = 0; v < count; v++) {
			memset(nm[n], 0, IFNAMSIZ);
			for (k = 0, x = v; k < len; k++, x /= 3)
				nm[n][k] = abc[x % 3];
			n++;
		}
	}
	return n;
}

/* The kernel's test: a '+' compares the bytes before it, otherwise the
 * whole name; "" is every name. */
static bool
ifc_has(const struct fw_ifc *p, const char *name)
{
	size_t n = strlen(p->name);
	bool   m;

	if (n == 0)
		m = true;
	else if (p->name[n - 1] == '+')
		m = strncmp(name, p->name, n - 1) == 0;
	else
		m = strcmp(name, p->name) == 0;
	return m != p->inv;
}

/* The patterns and the names they are checked on. */
struct ifcs {
	struct fw_ifc p[NPAT];
	unsigned int  np;
	char	      nm[NNAME][IFNAMSIZ];
	unsigned int  nn;
};

/* Which names of the universe a pattern has: a bit vector. */
struct nameset {
	bool in[NNAME];
};

static void
ifc_ref(const struct ifcs *u, const struct fw_ifc *p, struct nameset *s)
{
	unsigned int k;

	for (k = 0; k < u->nn; k++)
		s->in[k] = ifc_has(p, u->nm[k]);
}

static bool
names_subset(
    const struct ifcs *u, const struct nameset *a, const struct nameset *b)
{
	unsigned int k;

	for (k = 0; k < u->nn; k++)
		if (a->in[k] && !b->in[k])
			return false;
	return true;
}

static bool
names_disjoint(
    const struct ifcs *u, const struct nameset *a, const struct nameset *b)
{
	unsigned int k;

	for (k = 0; k < u->nn; k++)
		if (a->in[k] && b->in[k])
			return false;
	return true;
}

static void
ifc_cases(const struct ifcs *u)
{
	struct tally sub = { .what = "fw_ifc_subset" },
		     dis = { .what = "fw_ifc_disjoint" };
	struct nameset a, b;
	unsigned int   i, j;
	bool	       rsub, rdis;

	for (i = 0; i < u->np; i++)
		for (j = 0; j < u->np; j++) {
			ifc_ref(u, &u->p[i], &a);
			ifc_ref(u, &u->p[j], &b);
			rsub = names_subset(u, &a, &b);
			rdis = names_disjoint(u, &a, &b);
			if (!check(&sub,
				fw_ifc_subset(&u->p[i], &u->p[j]) == rsub,
				"ifc") &&
			    sub.bad <= MAXSHOW)
				diag("    %s'%s' within %s'%s': want %d",
				    u->p[i].inv ? "!" : "", u->p[i].name,
				    u->p[j].inv ? "!" : "", u->p[j].name, rsub);
			if (!check(&dis,
				fw_ifc_disjoint(&u->p[i], &u->p[j]) == rdis,
				"ifc") &&
			    dis.bad <= MAXSHOW)
				diag("    %s'%s' apart from %s'%s': want %d",
				    u->p[i].inv ? "!" : "", u->p[i].name,
				    u->p[j].inv ? "!" : "", u->p[j].name, rdis);
		}
	report(&sub, "ifc");
	report(&dis, "ifc");
}

/*
 * Whole boxes: a product of its fields, so a non-empty a lies within b
 * exactly when each field does, and two boxes are apart exactly when one
 * field is. The references are the naive ones above, field by field.
 */
struct rbox {
	struct ref     d[FW_NDIM];
	struct nameset iif, oif;
};

static void
random_box(struct rng *g, const struct dom *dm, const struct ifcs *u,
    struct fw_box *b, struct rbox *r)
{
	int d;

	fw_box_all(b);
	for (d = 0; d < FW_NDIM; d++) {
		if (rnd(g, 3) == 0) {
			memset(&r->d[d], 0, sizeof(r->d[d]));
			ref_add(&dm[d], &r->d[d], 0, fw_dim_max[d]);
			continue;
		}
		random_set(g, &dm[d], 2, &b->d[d], &r->d[d]);
		if (b->d[d].n == 0) /* keep most boxes non-empty */
			random_set(g, &dm[d], 2, &b->d[d], &r->d[d]);
	}
	b->ctstate = rnd(g, FW_CT_ALL + 1);
	b->ipsec_in = rnd(g, 4);
	b->ipsec_out = rnd(g, 4);
	b->iif = u->p[rnd(g, u->np)];
	b->oif = u->p[rnd(g, u->np)];
	ifc_ref(u, &b->iif, &r->iif);
	ifc_ref(u, &b->oif, &r->oif);
}

static bool
ref_disjoint(const struct dom *d, const struct ref *a, const struct ref *b)
{
	unsigned int i;

	for (i = 0; i < d->nprobe; i++)
		if (a->in[i] && b->in[i])
			return false;
	return true;
}

static bool
box_ref_empty(const struct dom *dm, const struct ifcs *u,
    const struct fw_box *a, const struct rbox *r)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (ref_disjoint(&dm[d], &r->d[d], &r->d[d]))
			return true;
	return a->ctstate == 0 || a->ipsec_in == 0 || a->ipsec_out == 0 ||
	    names_disjoint(u, &r->iif, &r->iif) ||
	    names_disjoint(u, &r->oif, &r->oif);
}

static void
box_cases(struct rng *g, const struct dom *dm, const struct ifcs *u)
{
	struct tally sub = { .what = "fw_box_subset" },
		     dis = { .what = "fw_box_disjoint" },
		     emp = { .what = "fw_box_empty" };
	struct fw_box a, b;
	struct rbox   ra, rb;
	unsigned int  c;
	int	      d;
	bool	      rsub, rdis, rempty;

	for (c = 0; c < NCASES; c++) {
		random_box(g, dm, u, &a, &ra);
		random_box(g, dm, u, &b, &rb);
		rempty = box_ref_empty(dm, u, &a, &ra);
		rsub = (a.ctstate & ~b.ctstate) == 0 &&
		    (a.ipsec_in & ~b.ipsec_in) == 0 &&
		    (a.ipsec_out & ~b.ipsec_out) == 0 &&
		    names_subset(u, &ra.iif, &rb.iif) &&
		    names_subset(u, &ra.oif, &rb.oif);
		rdis = (a.ctstate & b.ctstate) == 0 ||
		    (a.ipsec_in & b.ipsec_in) == 0 ||
		    (a.ipsec_out & b.ipsec_out) == 0 ||
		    names_disjoint(u, &ra.iif, &rb.iif) ||
		    names_disjoint(u, &ra.oif, &rb.oif);
		for (d = 0; d < FW_NDIM; d++) {
			rsub = rsub && ref_subset(&dm[d], &ra.d[d], &rb.d[d]);
			rdis = rdis || ref_disjoint(&dm[d], &ra.d[d], &rb.d[d]);
		}
		check(&emp, fw_box_empty(&a) == rempty, "box");
		/* An empty a is within anything; saying no is only
		 * cautious. */
		check(&sub, rempty || fw_box_subset(&a, &b) == rsub, "box");
		rdis = rdis || rempty || box_ref_empty(dm, u, &b, &rb);
		check(&dis, fw_box_disjoint(&a, &b) == rdis, "box");
		check(&dis, fw_box_disjoint(&a, &b) == fw_box_disjoint(&b, &a),
		    "box");
	}
	report(&emp, "box");
	report(&sub, "box");
	report(&dis, "box");
}

int
main(void)
{
	struct rng  g = { 0x6d6f6174u }; /* "moat" */
	struct ifcs u;
	struct dom  dm[FW_NDIM] = {
		 { .name = "src",
		     .dim = FW_DIM_SRC,
		     .pool = addr_pool,
		     .npool = NPOOL(addr_pool) },
		 { .name = "dst",
		     .dim = FW_DIM_DST,
		     .pool = addr_pool,
		     .npool = NPOOL(addr_pool) },
		 { .name = "proto",
		     .dim = FW_DIM_PROTO,
		     .pool = NULL,
		     .npool = 256 },
		 { .name = "sport",
		     .dim = FW_DIM_SPORT,
		     .pool = port_pool,
		     .npool = NPOOL(port_pool) },
		 { .name = "dport",
		     .dim = FW_DIM_DPORT,
		     .pool = port_pool,
		     .npool = NPOOL(port_pool) },
	};
	int d;

	for (d = 0; d < FW_NDIM; d++)
		dom_init(&dm[d]);
	for (d = 0; d < FW_NDIM; d++)
		ivset_cases(&g, &dm[d]);
	overflow_cases(&g);
	u.np = patterns(u.p);
	u.nn = names(u.nm);
	ifc_cases(&u);
	box_cases(&g, dm, &u);
	return done_testing();
}
