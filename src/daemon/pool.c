/*
 * The address pool. Addresses are handed out lowest first and a lease is
 * only ever replaced, never dropped, so the addresses ever leased are
 * exactly those below a cursor: the never-used ones need no memory at
 * all, and the leases sit in an array indexed by address that grows with
 * the cursor. Beside it, a hash by identity and a list of the remembered
 * (released) leases, oldest release first, to reclaim from.
 *
 * Memory: a fixed 100 bytes or so, nothing per address never leased,
 * and per address ever leased a slot pointer (8 bytes), the lease (48
 * bytes and malloc's overhead), its identity's copy and up to two hash
 * buckets (16 bytes): some 90 bytes and the identity. A /24 costs at
 * most about 25 kB; a /8 only grows towards 1.5 GB if 16 million
 * identities each connected once. The identities given back by
 * pool_leases are the pool's and last until the next acquire.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hash.h"
#include "pool.h"

struct lease {
	uint32_t      off; /* from the network address */
	unsigned      holds;
	uint64_t      since;
	char	     *identity;
	struct lease *hnext; /* the identity's hash chain */
	struct lease *rprev, *rnext; /* remembered, oldest first */
};

struct pool {
	uint32_t       net; /* host byte order */
	uint32_t       nhosts; /* offsets 1 .. nhosts are hosts */
	uint32_t      *excl; /* sorted offsets, no duplicates */
	size_t	       nexcl;
	size_t	       size; /* usable addresses */
	uint32_t       cursor; /* lowest offset never leased, or nhosts + 1 */
	struct lease **slot; /* slot[off - 1], for off < cursor */
	size_t	       nslot;
	struct lease **bucket;
	size_t	       nbucket; /* a power of 2 */
	size_t	       nleases;
	struct lease  *rhead, *rtail;
	uint32_t       seed;
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool
excluded(const struct pool *p, uint32_t off)
{
	return p->nexcl > 0 &&
	    bsearch(&off, p->excl, p->nexcl, sizeof(off), cmp_u32) != NULL;
}

/* From off on, the first offset that is a host and not excluded. */
static uint32_t
skip_excluded(const struct pool *p, uint32_t off)
{
	while (off <= p->nhosts && excluded(p, off))
		off++;
	return off;
}

struct pool *
pool_new(const struct prefix *pfx, const struct addr *exclude, size_t nexclude)
{
	struct pool *p;
	uint32_t     mask, off, a;
	size_t	     i, k;
	int	     len;

	if (pfx->addr.af != AF_INET || pfx->mask.af != AF_INET)
		return NULL;
	len = prefix_len(pfx);
	if (len < 8 || len > 30)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	mask = ntohl(pfx->mask.u.v4.s_addr);
	p->net = ntohl(pfx->addr.u.v4.s_addr) & mask;
	p->nhosts = ~mask - 1;
	if (nexclude > 0 &&
	    (p->excl = calloc(nexclude, sizeof(*p->excl))) == NULL)
		goto fail;
	for (i = 0; i < nexclude; i++) {
		if (exclude[i].af != AF_INET)
			continue;
		a = ntohl(exclude[i].u.v4.s_addr);
		off = a - p->net;
		if ((a & mask) == p->net && off >= 1 && off <= p->nhosts)
			p->excl[p->nexcl++] = off;
	}
	if (p->nexcl > 0)
		qsort(p->excl, p->nexcl, sizeof(*p->excl), cmp_u32);
	for (i = k = 0; i < p->nexcl; i++)
		if (k == 0 || p->excl[k - 1] != p->excl[i])
			p->excl[k++] = p->excl[i];
	p->nexcl = k;
	p->size = p->nhosts - p->nexcl;
	if (p->size == 0)
		goto fail;
	p->cursor = skip_excluded(p, 1);
	p->nbucket = 16;
	if ((p->bucket = calloc(p->nbucket, sizeof(*p->bucket))) == NULL)
		goto fail;
	if (getrandom(&p->seed, sizeof(p->seed), 0) != sizeof(p->seed))
		p->seed = (uint32_t)(uintptr_t)p;
	return p;
fail:
	pool_free(p);
	return NULL;
}

void
pool_free(struct pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nslot; i++)
		if (p->slot[i] != NULL) {
			free(p->slot[i]->identity);
			free(p->slot[i]);
		}
	free(p->slot);
	free(p->bucket);
	free(p->excl);
	free(p);
}

static uint32_t
hash_id(const struct pool *p, const char *s)
{
	uint32_t h = p->seed, w;
	size_t	 n = strlen(s), i;

	for (i = 0; i < n; i += 4) {
		w = 0;
		memcpy(&w, s + i, n - i < 4 ? n - i : 4);
		h = hash_mix(h, w);
	}
	return hash_mix(h, (uint32_t)n);
}

static struct lease **
find(const struct pool *p, const char *identity)
{
	struct lease **lp;

	lp = &p->bucket[hash_id(p, identity) & (p->nbucket - 1)];
	for (; *lp != NULL; lp = &(*lp)->hnext)
		if (strcmp((*lp)->identity, identity) == 0)
			break;
	return lp;
}

/* Doubles the buckets when the chains would grow past one on average; a
 * failure only leaves the chains longer. */
static void
grow_buckets(struct pool *p)
{
	struct lease **nb, *l, *next;
	size_t	       n = p->nbucket * 2, i;
	uint32_t       h;

	if (p->nleases < p->nbucket || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < p->nbucket; i++)
		for (l = p->bucket[i]; l != NULL; l = next) {
			next = l->hnext;
			h = hash_id(p, l->identity) & (uint32_t)(n - 1);
			l->hnext = nb[h];
			nb[h] = l;
		}
	free(p->bucket);
	p->bucket = nb;
	p->nbucket = n;
}

static void
unlink_remembered(struct pool *p, struct lease *l)
{
	if (l->rprev != NULL)
		l->rprev->rnext = l->rnext;
	else
		p->rhead = l->rnext;
	if (l->rnext != NULL)
		l->rnext->rprev = l->rprev;
	else
		p->rtail = l->rprev;
	l->rprev = l->rnext = NULL;
}

static void
to_addr(const struct pool *p, uint32_t off, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->u.v4.s_addr = htonl(p->net + off);
}

/* A lease on the lowest never-used address (the caller checked there is
 * one), NULL if memory is short. */
static struct lease *
lease_new(struct pool *p)
{
	struct lease **s, *l;
	size_t	       need, n;

	need = p->cursor;
	if (need > p->nslot) {
		n = p->nslot ? p->nslot * 2 : 16;
		if (n > p->nhosts)
			n = p->nhosts;
		if ((s = realloc(p->slot, n * sizeof(*s))) == NULL)
			return NULL;
		memset(s + p->nslot, 0, (n - p->nslot) * sizeof(*s));
		p->slot = s;
		p->nslot = n;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->off = p->cursor;
	p->slot[l->off - 1] = l;
	p->cursor = skip_excluded(p, p->cursor + 1);
	p->nleases++;
	return l;
}

int
pool_acquire(
    struct pool *p, const char *identity, uint64_t now, struct addr *out)
{
	struct lease **lp, *l;
	char	      *id;
	bool	       fresh;

	lp = find(p, identity);
	if ((l = *lp) != NULL) {
		if (l->holds == 0) {
			unlink_remembered(p, l);
			l->since = now;
		}
		l->holds++;
		to_addr(p, l->off, out);
		return 0;
	}
	if ((id = strdup(identity)) == NULL)
		return -1;
	if ((fresh = p->cursor <= p->nhosts)) {
		if ((l = lease_new(p)) == NULL) {
			free(id);
			return -1;
		}
	} else if ((l = p->rhead) != NULL) {
		/* The address changes hands: its old identity starts over. */
		unlink_remembered(p, l);
		for (lp = find(p, l->identity); *lp != l; lp = &(*lp)->hnext)
			;
		*lp = l->hnext;
		free(l->identity);
	} else {
		free(id);
		return -1;
	}
	l->identity = id;
	l->holds = 1;
	l->since = now;
	lp = &p->bucket[hash_id(p, id) & (p->nbucket - 1)];
	l->hnext = *lp;
	*lp = l;
	if (fresh)
		grow_buckets(p);
	to_addr(p, l->off, out);
	return 0;
}

void
pool_release(struct pool *p, const char *identity, uint64_t now)
{
	struct lease *l = *find(p, identity);

	if (l == NULL || l->holds == 0)
		return;
	if (--l->holds > 0)
		return;
	l->since = now;
	l->rprev = p->rtail;
	l->rnext = NULL;
	if (p->rtail != NULL)
		p->rtail->rnext = l;
	else
		p->rhead = l;
	p->rtail = l;
}

size_t
pool_leases(
    const struct pool *p, struct pool_lease *out, size_t n, size_t *total)
{
	const struct lease *l;
	size_t		    i, k = 0;

	for (i = 0; i < p->nslot && k < n; i++) {
		if ((l = p->slot[i]) == NULL)
			continue;
		to_addr(p, l->off, &out[k].addr);
		out[k].identity = l->identity;
		out[k].holds = l->holds;
		out[k].since = l->since;
		k++;
	}
	if (total != NULL)
		*total = p->nleases;
	return k;
}

size_t
pool_size(const struct pool *p)
{
	return p->size;
}
