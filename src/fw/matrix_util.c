/*
 * What the service matrix's files share (matrix.h): allocation, interval
 * lists, cut points and small hash tables of 32-bit values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

void *
mx_calloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
	return p;
}

/* Grow *p (of *cap elements of size) to hold at least need. */
int
mx_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap == 0 ? 16 : *cap;
	void  *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((q = reallocarray(*(void **)p, ncap, size)) == NULL) {
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
		return -1;
	}
	*(void **)p = q;
	*cap = ncap;
	return 0;
}

uint64_t
mx_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 31);
}

/* Interval lists (matrix.h); callers add in ascending order. */
int
ivl_push(struct ivl *l, uint32_t lo, uint32_t hi)
{
	if (l->n > 0 && (uint64_t)l->iv[l->n - 1].hi + 1 == lo) {
		l->iv[l->n - 1].hi = hi;
		return 0;
	}
	if (mx_grow(&l->iv, &l->cap, l->n + 1, sizeof(l->iv[0])) == -1)
		return -1;
	l->iv[l->n].lo = lo;
	l->iv[l->n++].hi = hi;
	return 0;
}

void
ivl_free(struct ivl *l)
{
	free(l->iv);
	memset(l, 0, sizeof(*l));
}

bool
ivl_contains(const struct ivl *l, uint32_t v)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->iv[mid].hi < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->iv[lo].lo <= v;
}

int
mx_cut_add(struct mx_cuts *c, uint32_t v)
{
	if (mx_grow(&c->v, &c->cap, c->n + 1, sizeof(c->v[0])) == -1)
		return -1;
	c->v[c->n++] = v;
	return 0;
}

/* The starts of the pieces an interval set cuts [0, max] into. */
int
mx_cut_set(struct mx_cuts *c, const struct fw_ivset *s, uint32_t max)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (mx_cut_add(c, s->iv[i].lo) == -1 ||
		    (s->iv[i].hi < max && mx_cut_add(c, s->iv[i].hi + 1) == -1))
			return -1;
	return 0;
}

int
mx_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and deduplicate; 0 is always a start. */
int
mx_cut_finish(struct mx_cuts *c)
{
	size_t i, n = 0;

	if (mx_cut_add(c, 0) == -1)
		return -1;
	qsort(c->v, c->n, sizeof(c->v[0]), mx_cmp_u32);
	for (i = 0; i < c->n; i++)
		if (n == 0 || c->v[i] != c->v[n - 1])
			c->v[n++] = c->v[i];
	c->n = n;
	return 0;
}

/* The last of n sorted starts that is at most v (start[0] is 0). */
size_t
mx_find(const uint32_t *start, size_t n, uint32_t v)
{
	size_t lo = 0, hi = n;

	while (lo + 1 < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (start[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The index of the piece that starts at v (v is a start). */
size_t
mx_cut_index(const struct mx_cuts *c, uint32_t v)
{
	return mx_find(c->v, c->n, v);
}

static uint32_t *
ht_slot(struct mx_htab *t, uint64_t h, mx_ht_eq eq, const void *key)
{
	size_t i;

	for (i = h & (t->cap - 1); t->val[i] != 0; i = (i + 1) & (t->cap - 1))
		if (t->hash[i] == h && eq(key, t->val[i] - 1))
			return &t->val[i];
	return &t->val[i];
}

int
mx_ht_add(struct mx_htab *t, uint64_t h, uint32_t v)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		struct mx_htab nt = { 0 };

		nt.cap = t->cap == 0 ? 64 : t->cap * 2;
		if ((nt.hash = mx_calloc(nt.cap, sizeof(*nt.hash))) == NULL ||
		    (nt.val = mx_calloc(nt.cap, sizeof(*nt.val))) == NULL) {
			free(nt.hash);
			return -1;
		}
		for (i = 0; i < t->cap; i++)
			if (t->val[i] != 0)
				mx_ht_add(&nt, t->hash[i], t->val[i] - 1);
		free(t->hash);
		free(t->val);
		*t = nt;
	}
	for (i = h & (t->cap - 1); t->val[i] != 0; i = (i + 1) & (t->cap - 1))
		;
	t->hash[i] = h;
	t->val[i] = v + 1;
	t->n++;
	return 0;
}

void
mx_ht_free(struct mx_htab *t)
{
	free(t->hash);
	free(t->val);
	memset(t, 0, sizeof(*t));
}

bool
mx_ht_find(
    struct mx_htab *t, uint64_t h, mx_ht_eq eq, const void *key, uint32_t *v)
{
	uint32_t *s;

	if (t->cap == 0)
		return false;
	s = ht_slot(t, h, eq, key);
	if (*s == 0)
		return false;
	*v = *s - 1;
	return true;
}
