/*
 * Interval sets and rule boxes (box.h). Sets are small (a multiport match
 * is the largest), so operations rebuild them in place by merging.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "box.h"

const uint32_t fw_dim_max[FW_NDIM] = { UINT32_MAX, UINT32_MAX, 255, 65535,
	65535 };

void
fw_ivset_range(struct fw_ivset *s, uint32_t lo, uint32_t hi)
{
	s->n = 0;
	if (lo <= hi) {
		s->iv[0].lo = lo;
		s->iv[0].hi = hi;
		s->n = 1;
	}
}

void
fw_ivset_all(struct fw_ivset *s, enum fw_dim d)
{
	fw_ivset_range(s, 0, fw_dim_max[d]);
}

/*
 * Add [lo, hi], merging with what it touches. A set that would overflow
 * joins its two closest neighbours instead, which only grows it: callers
 * use sets as what a rule may match, and say so where it matters.
 */
void
fw_ivset_add(struct fw_ivset *s, uint32_t lo, uint32_t hi)
{
	struct fw_ivset out;
	unsigned int	i, best;
	uint64_t	gap, bestgap;
	bool		placed = false;

	if (lo > hi)
		return;
	out.n = 0;
	for (i = 0; i <= s->n; i++) {
		struct fw_iv cur;

		if (i < s->n && (uint64_t)s->iv[i].hi + 1 < lo) {
			out.iv[out.n++] = s->iv[i];
			continue;
		}
		if (!placed) {
			cur.lo = lo;
			cur.hi = hi;
			while (
			    i < s->n && s->iv[i].lo <= (uint64_t)cur.hi + 1) {
				if (s->iv[i].lo < cur.lo)
					cur.lo = s->iv[i].lo;
				if (s->iv[i].hi > cur.hi)
					cur.hi = s->iv[i].hi;
				i++;
			}
			placed = true;
			if (out.n == FW_IV_MAX) {
				/* Join the closest pair to make room. */
				bestgap = UINT64_MAX;
				best = 0;
				for (unsigned int j = 0; j + 1 < out.n; j++) {
					gap = out.iv[j + 1].lo - out.iv[j].hi;
					if (gap < bestgap) {
						bestgap = gap;
						best = j;
					}
				}
				out.iv[best].hi = out.iv[best + 1].hi;
				memmove(&out.iv[best + 1], &out.iv[best + 2],
				    (out.n - best - 2) * sizeof(out.iv[0]));
				out.n--;
			}
			out.iv[out.n++] = cur;
			i--;
			continue;
		}
		if (i < s->n) {
			if (out.n == FW_IV_MAX) {
				out.iv[out.n - 1].hi = s->iv[s->n - 1].hi;
				break;
			}
			out.iv[out.n++] = s->iv[i];
		}
	}
	*s = out;
}

void
fw_ivset_intersect(struct fw_ivset *a, const struct fw_ivset *b)
{
	struct fw_ivset out;
	unsigned int	i = 0, j = 0;
	uint32_t	lo, hi;

	out.n = 0;
	while (i < a->n && j < b->n) {
		lo = a->iv[i].lo > b->iv[j].lo ? a->iv[i].lo : b->iv[j].lo;
		hi = a->iv[i].hi < b->iv[j].hi ? a->iv[i].hi : b->iv[j].hi;
		if (lo <= hi)
			fw_ivset_add(&out, lo, hi);
		if (a->iv[i].hi < b->iv[j].hi)
			i++;
		else
			j++;
	}
	*a = out;
}

void
fw_ivset_invert(struct fw_ivset *s, enum fw_dim d)
{
	struct fw_ivset out;
	uint64_t	next = 0;
	unsigned int	i;

	out.n = 0;
	for (i = 0; i < s->n; i++) {
		if (s->iv[i].lo > next)
			fw_ivset_add(&out, (uint32_t)next, s->iv[i].lo - 1);
		next = (uint64_t)s->iv[i].hi + 1;
	}
	if (next <= fw_dim_max[d])
		fw_ivset_add(&out, (uint32_t)next, fw_dim_max[d]);
	*s = out;
}

bool
fw_ivset_contains(const struct fw_ivset *s, uint32_t v)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (v >= s->iv[i].lo && v <= s->iv[i].hi)
			return true;
	return false;
}

/* Every interval of a lies inside one of b's (b's are not adjacent). */
bool
fw_ivset_subset(const struct fw_ivset *a, const struct fw_ivset *b)
{
	unsigned int i, j = 0;

	for (i = 0; i < a->n; i++) {
		while (j < b->n && b->iv[j].hi < a->iv[i].lo)
			j++;
		if (j == b->n || b->iv[j].lo > a->iv[i].lo ||
		    b->iv[j].hi < a->iv[i].hi)
			return false;
	}
	return true;
}

bool
fw_ivset_is_all(const struct fw_ivset *s, enum fw_dim d)
{
	return s->n == 1 && s->iv[0].lo == 0 && s->iv[0].hi == fw_dim_max[d];
}

void
fw_box_narrow(
    struct fw_box *b, enum fw_dim d, const struct fw_ivset *s, bool inv)
{
	struct fw_ivset t = *s;

	/* An intersection has fewer pieces than its operands together, a
	 * complement one more than the set; beyond FW_IV_MAX a set grows
	 * (fw_ivset_add), and the box then says more than the rule. */
	if (s->n + (inv ? 1 : 0) + b->d[d].n > FW_IV_MAX)
		b->exact = false;
	if (inv)
		fw_ivset_invert(&t, d);
	fw_ivset_intersect(&b->d[d], &t);
}

void
fw_box_all(struct fw_box *b)
{
	int d;

	memset(b, 0, sizeof(*b));
	for (d = 0; d < FW_NDIM; d++)
		fw_ivset_all(&b->d[d], d);
	b->ctstate = FW_CT_ALL;
	b->ipsec_in = b->ipsec_out = FW_BOX_PLAIN | FW_BOX_IPSEC;
	b->exact = true;
}

static void
narrow_prefix(struct fw_box *b, enum fw_dim d, const struct prefix *p, bool inv)
{
	struct fw_ivset s;
	uint32_t	a, mask;

	mask = ntohl(p->mask.u.v4.s_addr);
	if (mask == 0 && !inv)
		return;
	if ((~mask & (~mask + 1)) != 0) {
		/* A dotted mask with holes is no interval: leave it to the
		 * rule itself. */
		b->exact = false;
		return;
	}
	a = ntohl(p->addr.u.v4.s_addr) & mask;
	fw_ivset_range(&s, a, a | ~mask);
	fw_box_narrow(b, d, &s, inv);
}

void
fw_rule_box(const struct fw_rule *r, struct fw_box *b, bool pure)
{
	struct fw_ivset s;
	size_t		i;

	fw_box_all(b);
	narrow_prefix(b, FW_DIM_SRC, &r->src, r->inv & FW_INV_SRC);
	narrow_prefix(b, FW_DIM_DST, &r->dst, r->inv & FW_INV_DST);
	snprintf(b->iif.name, sizeof(b->iif.name), "%s", r->iif);
	b->iif.inv = r->iif[0] != '\0' && (r->inv & FW_INV_IIF);
	snprintf(b->oif.name, sizeof(b->oif.name), "%s", r->oif);
	b->oif.inv = r->oif[0] != '\0' && (r->inv & FW_INV_OIF);
	if (r->proto != 0) {
		fw_ivset_range(&s, r->proto, r->proto);
		fw_box_narrow(b, FW_DIM_PROTO, &s, r->inv & FW_INV_PROTO);
	}
	if (r->frag)
		b->exact = false;
	for (i = 0; i < r->nm; i++) {
		if (pure && r->m[i].def->bind != NULL) {
			b->stopped = true;
			b->exact = false;
			break;
		}
		if (r->m[i].def->box != NULL)
			r->m[i].def->box(r->m[i].data, b);
		else
			b->exact = false;
	}
}

bool
fw_box_empty(const struct fw_box *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (b->d[d].n == 0)
			return true;
	return b->ctstate == 0 || b->ipsec_in == 0 || b->ipsec_out == 0 ||
	    fw_ifc_disjoint(&b->iif, &(struct fw_ifc){ "", false }) ||
	    fw_ifc_disjoint(&b->oif, &(struct fw_ifc){ "", false });
}

bool
fw_box_is_all(const struct fw_box *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (!fw_ivset_is_all(&b->d[d], d))
			return false;
	return b->exact && b->iif.name[0] == '\0' && b->oif.name[0] == '\0' &&
	    b->ctstate == FW_CT_ALL &&
	    b->ipsec_in == (FW_BOX_PLAIN | FW_BOX_IPSEC) &&
	    b->ipsec_out == (FW_BOX_PLAIN | FW_BOX_IPSEC);
}

bool
fw_box_subset(const struct fw_box *a, const struct fw_box *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (!fw_ivset_subset(&a->d[d], &b->d[d]))
			return false;
	return (a->ctstate & ~b->ctstate) == 0 &&
	    (a->ipsec_in & ~b->ipsec_in) == 0 &&
	    (a->ipsec_out & ~b->ipsec_out) == 0 &&
	    fw_ifc_subset(&a->iif, &b->iif) && fw_ifc_subset(&a->oif, &b->oif);
}

static bool
ivsets_disjoint(const struct fw_ivset *a, const struct fw_ivset *b)
{
	struct fw_ivset t = *a;

	fw_ivset_intersect(&t, b);
	return t.n == 0;
}

bool
fw_box_disjoint(const struct fw_box *a, const struct fw_box *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		if (ivsets_disjoint(&a->d[d], &b->d[d]))
			return true;
	return (a->ctstate & b->ctstate) == 0 ||
	    (a->ipsec_in & b->ipsec_in) == 0 ||
	    (a->ipsec_out & b->ipsec_out) == 0 ||
	    fw_ifc_disjoint(&a->iif, &b->iif) ||
	    fw_ifc_disjoint(&a->oif, &b->oif);
}

/*
 * A pattern is a name ("eth0": that name), a prefix ("eth+": names that
 * start with "eth", "eth" itself included), or "" (every name); inv takes
 * the complement. Names are 1 to IFNAMSIZ-1 bytes.
 */
struct pat {
	const char *s;
	size_t	    n; /* bytes compared */
	bool	    prefix;
};

static struct pat
pat_of(const struct fw_ifc *f)
{
	struct pat p = { f->name, strlen(f->name), false };

	if (p.n == 0 || f->name[p.n - 1] == '+') {
		p.prefix = true;
		if (p.n > 0)
			p.n--;
	}
	return p;
}

/* Every name of a is a name of b (positive patterns). */
static bool
pat_within(struct pat a, struct pat b)
{
	if (!b.prefix)
		return !a.prefix && a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
	return a.n >= b.n && memcmp(a.s, b.s, b.n) == 0;
}

static bool
pat_meet(struct pat a, struct pat b)
{
	if (a.prefix && b.prefix)
		return memcmp(a.s, b.s, a.n < b.n ? a.n : b.n) == 0;
	if (a.prefix)
		return pat_within(b, a);
	if (b.prefix)
		return pat_within(a, b);
	return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* Every name: "" or "+" not negated. Names have at most IFNAMSIZ-1
 * bytes, so a prefix of that length is one name only. */
static bool
pat_all(struct pat p, bool inv)
{
	return !inv && p.prefix && p.n == 0;
}

bool
fw_ifc_subset(const struct fw_ifc *a, const struct fw_ifc *b)
{
	struct pat pa = pat_of(a), pb = pat_of(b);

	/* "! -i +" has no names, so it is within every set. */
	if (pat_all(pb, b->inv) || (a->inv && pat_all(pa, false)))
		return true;
	if (pat_all(pa, a->inv))
		return false;
	if (!a->inv && !b->inv)
		return pat_within(pa, pb);
	if (!a->inv && b->inv)
		return !pat_meet(pa, pb);
	if (a->inv && b->inv)
		return pat_within(pb, pa);
	return false; /* a complement is never within a pattern's names */
}

bool
fw_ifc_disjoint(const struct fw_ifc *a, const struct fw_ifc *b)
{
	struct pat pa = pat_of(a), pb = pat_of(b);

	if (!a->inv && !b->inv)
		return !pat_meet(pa, pb);
	if (!a->inv && b->inv)
		return pat_within(pa, pb);
	if (a->inv && !b->inv)
		return pat_within(pb, pa);
	/* Two complements of finite-prefix sets always share a name. */
	return pat_all(pa, false) || pat_all(pb, false);
}

/* An interface pattern for names both admit, when one is easy to name: a
 * pattern within the other, or the positive one of a positive and a
 * negated one; disjoint ones leave the box empty. Otherwise a keeps its
 * own, which admits more than both: the box is then inexact. */
static void
ifc_meet(struct fw_box *box, struct fw_ifc *a, const struct fw_ifc *b)
{
	if (b->name[0] == '\0' || fw_ifc_subset(a, b))
		return;
	if (fw_ifc_disjoint(a, b))
		box->ctstate = 0;
	else if (a->name[0] == '\0' || fw_ifc_subset(b, a) ||
	    (a->inv && !b->inv))
		*a = *b;
	else
		box->exact = false;
}

/* a narrowed to the packets b admits too (a jump's box and the rules of
 * the chain it leads to). */
void
fw_box_meet(struct fw_box *a, const struct fw_box *b)
{
	int d;

	for (d = 0; d < FW_NDIM; d++)
		fw_ivset_intersect(&a->d[d], &b->d[d]);
	a->ctstate &= b->ctstate;
	a->ipsec_in &= b->ipsec_in;
	a->ipsec_out &= b->ipsec_out;
	a->exact = a->exact && b->exact;
	ifc_meet(a, &a->iif, &b->iif);
	ifc_meet(a, &a->oif, &b->oif);
}
