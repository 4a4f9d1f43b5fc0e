/*
 * The painting of the service matrix (matrix.c): for one rule set, every
 * source piece walks the chain with the bitmap of destination pieces not
 * yet decided, as the evaluator walks one packet; rows that accept the
 * same pieces become one line of a result. Rule sets already painted are
 * remembered, results are interned.
 */
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

/* Rule sets (as sorted rule numbers) already painted, and their result. */
struct mx_memo {
	struct mx_htab tab;
	uint32_t      *key; /* all keys, one after another */
	size_t	       nkey, capkey;
	size_t	      *off; /* by entry: where its key starts; off[i+1] ends */
	uint32_t      *id;
	size_t	       n, cap;
};

/* What the painter works with for one rule set; buffers are kept. */
struct painter {
	struct mx     *m;
	uint32_t      *idx; /* the rules, ascending */
	size_t	       nidx, capidx;
	size_t	      *pstart, *pend; /* per chain: its part of idx */
	struct mx_cuts sc, dc; /* source and destination pieces */
	size_t	       swords, dwords;
	uint64_t      *smask; /* per rule of idx: sources it covers */
	uint64_t      *dmask; /* per rule of idx: destinations it covers */
	size_t	       capsmask, capdmask;
	/* Rows are the pieces of the shorter walk: sources, or with by_dst
	 * destinations; the bitmap walked holds the other pieces. */
	bool		      by_dst;
	const struct mx_cuts *rows, *cols;
	const uint64_t	     *rmask, *cmask;
	size_t		      rwords, words;
	size_t		      rowi; /* the row painted */
	uint64_t	     *frame; /* per level: cells matched, returned */
	size_t		      capframe;
	uint64_t	     *acc, *u;
	size_t		      capacc;
	uint64_t *tmat; /* by_dst: the accepted sources of each row */
	size_t	  captmat;
	uint64_t *gacc; /* a source's accepted destinations */
	size_t	  capgacc;
	bool	  lookup; /* some rule hands cells to fw_lookup */
	uint64_t *extra; /* then every rule boxed cuts the pieces */
	/* the packet's other fields, for fw_lookup */
	const struct mx_svc *svc;
	int		     mode;
	size_t		     icls, ocls;
	int		     err;
	/* rows with the same accepted set are grouped */
	uint64_t      *gbits;
	size_t	       capgbits;
	struct ivl    *gsrc;
	size_t	       ngroup, capgsrc;
	struct mx_htab gtab;
};

/*
 * A rule set is pared to what can change a verdict: rules of chains that
 * no jump or goto of the set reaches from the start go, and so do jumps to
 * chains left empty (a goto stays: it returns). Sets that differ only
 * there paint alike, and the walk touches only the chains it reaches.
 */
enum { CH_NEW, CH_OPEN, CH_EMPTY, CH_FULL };

/* The next rule of set in chain c at or after k, or the chain's end. */
static size_t
next_in_chain(const struct mx *m, const uint64_t *set, size_t c, size_t k)
{
	size_t	 end = m->chain[c].first + m->chain[c].n, w;
	uint64_t bits;

	while (k < end) {
		w = k / 64;
		bits = set[w] & (UINT64_MAX << (k % 64));
		if (bits != 0) {
			k = w * 64 + (size_t)__builtin_ctzll(bits);
			return k < end ? k : end;
		}
		k = (w + 1) * 64;
	}
	return end;
}

static void
visit(const struct mx *m, const uint64_t *set, size_t c, unsigned char *st)
{
	const struct mx_rinfo *ri;
	size_t		       k, end = m->chain[c].first + m->chain[c].n;
	bool		       full = false;

	st[c] = CH_OPEN;
	for (k = next_in_chain(m, set, c, m->chain[c].first); k < end;
	     k = next_in_chain(m, set, c, k + 1)) {
		ri = &m->ri[k];
		if (ri->kind == MK_JUMP || ri->kind == MK_GOTO) {
			if (st[ri->dest] == CH_NEW)
				visit(m, set, ri->dest, st);
			if (ri->kind == MK_JUMP && st[ri->dest] != CH_FULL)
				continue;
		}
		full = true;
	}
	st[c] = full ? CH_FULL : CH_EMPTY;
}

/* The rules of set that count, ascending, into p->idx; their hash. */
static int
pare(struct painter *p, const uint64_t *set, unsigned char *st, uint64_t *h)
{
	const struct mx *m = p->m;
	size_t		 c, k, end;

	memset(st, CH_NEW, m->nchain);
	visit(m, set, 0, st);
	p->nidx = 0;
	p->lookup = false;
	*h = 0x6d656d6f;
	for (c = 0; c < m->nchain; c++) {
		p->pstart[c] = p->nidx;
		end = m->chain[c].first + m->chain[c].n;
		for (k = next_in_chain(m, set, c, m->chain[c].first);
		     st[c] == CH_FULL && k < end;
		     k = next_in_chain(m, set, c, k + 1)) {
			if (m->ri[k].kind == MK_JUMP &&
			    st[m->ri[k].dest] != CH_FULL)
				continue;
			if (mx_grow(&p->idx, &p->capidx, p->nidx + 1,
				sizeof(*p->idx)) == -1)
				return -1;
			p->idx[p->nidx++] = (uint32_t)k;
			*h = mx_mix(*h, k);
			if (m->ri[k].kind == MK_LOOKUP)
				p->lookup = true;
		}
		p->pend[c] = p->nidx;
	}
	return 0;
}

static uint64_t *
frame(struct painter *p, size_t lvl, int which)
{
	return p->frame + (2 * lvl + (size_t)which) * p->words;
}

/* Cells a rule with effects matched: the evaluator decides each. */
static void
lookup_cells(struct painter *p, const uint64_t *mm)
{
	struct mx    *m = p->m;
	struct fw_pkt pk;
	uint32_t      row = p->rows->v[p->rowi];
	size_t	      j;
	bool	      acc;

	mx_base_pkt(m, p->svc->proto, p->svc->dport, p->mode, &pk);
	snprintf(pk.in, IFNAMSIZ, "%s", m->in.cls[p->icls].rep);
	snprintf(pk.out, IFNAMSIZ, "%s", m->out.cls[p->ocls].rep);
	for (j = 0; j < p->cols->n && p->err == 0; j++) {
		if (!bit_get(mm, j))
			continue;
		mx_set_addr(&pk.src, p->by_dst ? p->cols->v[j] : row);
		mx_set_addr(&pk.dst, p->by_dst ? row : p->cols->v[j]);
		if (mx_lookup(m, &pk, &acc, NULL) == -1)
			p->err = -1;
		else if (acc)
			bit_set(p->acc, j);
	}
}

/*
 * One row through chain c: u holds the pieces of the other dimension that
 * reach it and, on return, those that come back out (end of chain or
 * RETURN); accepted ones are added to p->acc. depth counts the frames a
 * jump pushes, as the evaluator's stack does; goto pushes none.
 */
static void
paint_chain(struct painter *p, size_t c, size_t lvl, uint64_t *u, size_t depth)
{
	const struct mx_rinfo *mr;
	uint64_t	      *mm = frame(p, lvl, 0), *ret = frame(p, lvl, 1);
	uint64_t	       any, left;
	size_t		       k, w;

	memset(ret, 0, p->words * sizeof(*ret));
	for (k = p->pstart[c]; k < p->pend[c]; k++) {
		if (!bit_get(p->rmask + k * p->rwords, p->rowi))
			continue;
		mr = &p->m->ri[p->idx[k]];
		any = 0;
		for (w = 0; w < p->words; w++)
			any |= mm[w] = u[w] & p->cmask[k * p->words + w];
		if (any == 0)
			continue;
		if (mr->kind == MK_JUMP && depth == MX_MAXDEPTH)
			continue;
		for (w = 0; w < p->words; w++)
			u[w] &= ~mm[w];
		switch (mr->kind) {
		case MK_ACCEPT:
			for (w = 0; w < p->words; w++)
				p->acc[w] |= mm[w];
			break;
		case MK_RETURN:
			for (w = 0; w < p->words; w++)
				ret[w] |= mm[w];
			break;
		case MK_JUMP:
			paint_chain(p, mr->dest, lvl + 1, mm, depth + 1);
			for (w = 0; w < p->words; w++)
				u[w] |= mm[w];
			break;
		case MK_GOTO:
			paint_chain(p, mr->dest, lvl + 1, mm, depth);
			for (w = 0; w < p->words; w++)
				ret[w] |= mm[w];
			break;
		case MK_LOOKUP:
			lookup_cells(p, mm);
			break;
		default:
			break;
		}
		for (left = 0, w = 0; w < p->words; w++)
			left |= u[w];
		if (left == 0)
			break;
	}
	for (w = 0; w < p->words; w++)
		u[w] |= ret[w];
}

static bool
group_eq(const void *key, uint32_t g)
{
	const struct painter *p = key;

	return memcmp(p->gbits + g * p->dwords, p->gacc,
		   p->dwords * sizeof(uint64_t)) == 0;
}

/* Add source piece row (its accepted destinations in p->gacc) to the
 * group of the sources that accept the same. */
static int
group_row(struct painter *p, size_t row)
{
	uint64_t h = 0x6d6f6174, any = 0;
	uint32_t g, hi;
	size_t	 w;

	for (w = 0; w < p->dwords; w++) {
		h = mx_mix(h, p->gacc[w]);
		any |= p->gacc[w];
	}
	if (any == 0)
		return 0;
	if (!mx_ht_find(&p->gtab, h, group_eq, p, &g)) {
		g = (uint32_t)p->ngroup;
		if (mx_grow(&p->gbits, &p->capgbits,
			(p->ngroup + 1) * p->dwords, sizeof(*p->gbits)) == -1 ||
		    mx_grow(&p->gsrc, &p->capgsrc, p->ngroup + 1,
			sizeof(*p->gsrc)) == -1 ||
		    mx_ht_add(&p->gtab, h, g) == -1)
			return -1;
		memcpy(p->gbits + g * p->dwords, p->gacc,
		    p->dwords * sizeof(uint64_t));
		memset(&p->gsrc[g], 0, sizeof(p->gsrc[g]));
		p->ngroup++;
	}
	hi = row + 1 < p->sc.n ? p->sc.v[row + 1] - 1 : UINT32_MAX;
	return ivl_push(&p->gsrc[g], p->sc.v[row], hi);
}

/* The pieces of cuts c that set s covers, as bits. */
static void
mask_of(const struct mx_cuts *c, const struct fw_ivset *s, uint64_t *mask)
{
	size_t i, a, z;

	for (i = 0; i < s->n; i++) {
		a = mx_cut_index(c, s->iv[i].lo);
		z = s->iv[i].hi == UINT32_MAX ?
		    c->n - 1 :
		    mx_cut_index(c, s->iv[i].hi + 1) - 1;
		for (; a <= z && a % 64 != 0; a++)
			bit_set(mask, a);
		for (; a + 64 <= z + 1; a += 64)
			mask[a / 64] = UINT64_MAX;
		for (; a <= z; a++)
			bit_set(mask, a);
	}
}

/* Cut points and masks of the rule set in p->idx; the orientation. */
static int
paint_prepare(struct painter *p)
{
	const struct fw_box *b;
	size_t		     k, dneed, sneed, w;
	uint64_t	     bits;

	p->sc.n = p->dc.n = 0;
	for (k = 0; k < p->nidx; k++) {
		b = &p->m->rule[p->idx[k]].box;
		if (mx_cut_set(&p->sc, &b->d[FW_DIM_SRC], UINT32_MAX) == -1 ||
		    mx_cut_set(&p->dc, &b->d[FW_DIM_DST], UINT32_MAX) == -1)
			return -1;
	}
	/* A target with effects (MARK) can make a rule decided not to
	 * match (-m mark) match after all: the evaluator decides those
	 * cells, so the pieces must be ones every such rule treats alike. */
	FOR_BITS(p->extra, p->lookup ? p->m->nw : 0, k, w, bits)
	{
		b = &p->m->rule[k].box;
		if (mx_cut_set(&p->sc, &b->d[FW_DIM_SRC], UINT32_MAX) == -1 ||
		    mx_cut_set(&p->dc, &b->d[FW_DIM_DST], UINT32_MAX) == -1)
			return -1;
	}
	if (mx_cut_finish(&p->sc) == -1 || mx_cut_finish(&p->dc) == -1)
		return -1;
	p->swords = NWORDS(p->sc.n);
	p->dwords = NWORDS(p->dc.n);
	sneed = p->nidx * p->swords;
	dneed = p->nidx * p->dwords;
	/* The walk costs rows times the bitmap's words. */
	p->by_dst = p->sc.n * p->dwords > p->dc.n * p->swords;
	p->rows = p->by_dst ? &p->dc : &p->sc;
	p->cols = p->by_dst ? &p->sc : &p->dc;
	p->rwords = p->by_dst ? p->dwords : p->swords;
	p->words = p->by_dst ? p->swords : p->dwords;
	if (mx_grow(&p->smask, &p->capsmask, sneed + 1, sizeof(*p->smask)) ==
		-1 ||
	    mx_grow(&p->dmask, &p->capdmask, dneed + 1, sizeof(*p->dmask)) ==
		-1 ||
	    mx_grow(&p->frame, &p->capframe, 2 * (p->m->nchain + 1) * p->words,
		sizeof(*p->frame)) == -1 ||
	    mx_grow(&p->acc, &p->capacc, 2 * p->words, sizeof(*p->acc)) == -1 ||
	    mx_grow(&p->gacc, &p->capgacc, p->dwords, sizeof(*p->gacc)) == -1 ||
	    (p->by_dst &&
		mx_grow(&p->tmat, &p->captmat, p->dc.n * p->swords,
		    sizeof(*p->tmat)) == -1))
		return -1;
	p->u = p->acc + p->words;
	memset(p->smask, 0, sneed * sizeof(*p->smask));
	memset(p->dmask, 0, dneed * sizeof(*p->dmask));
	for (k = 0; k < p->nidx; k++) {
		b = &p->m->rule[p->idx[k]].box;
		mask_of(&p->sc, &b->d[FW_DIM_SRC], p->smask + k * p->swords);
		mask_of(&p->dc, &b->d[FW_DIM_DST], p->dmask + k * p->dwords);
	}
	p->rmask = p->by_dst ? p->dmask : p->smask;
	p->cmask = p->by_dst ? p->smask : p->dmask;
	return 0;
}

void
mx_result_free(struct mx_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		ivl_free(&r->line[i].src);
		ivl_free(&r->line[i].dst);
	}
	free(r->line);
	memset(r, 0, sizeof(*r));
}

static uint64_t
ivl_hash(uint64_t h, const struct ivl *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		h = mx_mix(mx_mix(h, l->iv[i].lo), l->iv[i].hi);
	return mx_mix(h, l->n);
}

static bool
ivl_eq(const struct ivl *a, const struct ivl *b)
{
	return a->n == b->n &&
	    memcmp(a->iv, b->iv, a->n * sizeof(a->iv[0])) == 0;
}

struct result_key {
	const struct mx	       *m;
	const struct mx_result *r;
};

static bool
result_eq(const void *key, uint32_t id)
{
	const struct result_key *k = key;
	const struct mx_result	*a = k->r, *b = &k->m->result[id];
	size_t			 i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!ivl_eq(&a->line[i].src, &b->line[i].src) ||
		    !ivl_eq(&a->line[i].dst, &b->line[i].dst))
			return false;
	return true;
}

/* Intern r (taken over) as a result id; 0 is the empty result. */
static int
intern(struct mx *m, struct mx_htab *tab, struct mx_result *r, uint32_t *id)
{
	struct result_key key = { m, r };
	size_t		  i;

	if (r->n == 0) {
		mx_result_free(r);
		*id = 0;
		return 0;
	}
	r->hash = 0x726573;
	for (i = 0; i < r->n; i++)
		r->hash = ivl_hash(
		    ivl_hash(r->hash, &r->line[i].src), &r->line[i].dst);
	if (mx_ht_find(tab, r->hash, result_eq, &key, id)) {
		mx_result_free(r);
		return 0;
	}
	if (mx_grow(&m->result, &m->capresult, m->nresult + 1,
		sizeof(*m->result)) == -1 ||
	    mx_ht_add(tab, r->hash, (uint32_t)m->nresult) == -1) {
		mx_result_free(r);
		return -1;
	}
	*id = (uint32_t)m->nresult;
	m->result[m->nresult++] = *r;
	return 0;
}

/* The rows painted by destination, turned into sources' rows. */
static int
group_transposed(struct painter *p)
{
	size_t row, d;

	for (row = 0; row < p->sc.n; row++) {
		memset(p->gacc, 0, p->dwords * sizeof(*p->gacc));
		for (d = 0; d < p->dc.n; d++)
			if (bit_get(p->tmat + d * p->swords, row))
				bit_set(p->gacc, d);
		if (group_row(p, row) == -1)
			return -1;
	}
	return 0;
}

/* Every row through the chain; sources that accept the same destinations
 * become one line. */
static int
paint(struct painter *p, struct mx_result *res)
{
	struct mx *m = p->m;
	size_t	   row, w, g, j;
	uint32_t   hi;

	memset(res, 0, sizeof(*res));
	if (paint_prepare(p) == -1)
		return -1;
	p->ngroup = 0;
	if (p->gtab.cap > 0) {
		memset(p->gtab.val, 0, p->gtab.cap * sizeof(*p->gtab.val));
		p->gtab.n = 0;
	}
	for (row = 0; row < p->rows->n; row++) {
		p->rowi = row;
		memset(p->acc, 0, p->words * sizeof(*p->acc));
		memset(p->u, 0xff, p->words * sizeof(*p->u));
		if (p->cols->n % 64 != 0)
			p->u[p->words - 1] = (1ull << (p->cols->n % 64)) - 1;
		paint_chain(p, 0, 0, p->u, 0);
		if (p->err != 0)
			return -1;
		if (m->start->policy_accept)
			for (w = 0; w < p->words; w++)
				p->acc[w] |= p->u[w];
		if (p->by_dst)
			memcpy(p->tmat + row * p->swords, p->acc,
			    p->swords * sizeof(*p->acc));
		else {
			memcpy(p->gacc, p->acc, p->dwords * sizeof(*p->acc));
			if (group_row(p, row) == -1)
				return -1;
		}
	}
	if (p->by_dst && group_transposed(p) == -1)
		return -1;
	if ((res->line = mx_calloc(p->ngroup, sizeof(*res->line))) == NULL)
		return -1;
	for (g = 0; g < p->ngroup; g++) {
		res->line[g].src = p->gsrc[g];
		res->n++;
		for (j = 0; j < p->dc.n; j++) {
			if (!bit_get(p->gbits + g * p->dwords, j))
				continue;
			hi = j + 1 < p->dc.n ? p->dc.v[j + 1] - 1 : UINT32_MAX;
			if (ivl_push(&res->line[g].dst, p->dc.v[j], hi) == -1)
				return -1;
		}
	}
	return 0;
}

static void
painter_free(struct painter *p)
{
	free(p->idx);
	free(p->pstart);
	free(p->sc.v);
	free(p->dc.v);
	free(p->dmask);
	free(p->smask);
	free(p->frame);
	free(p->acc);
	free(p->tmat);
	free(p->gacc);
	free(p->gbits);
	free(p->gsrc);
	mx_ht_free(&p->gtab);
}

struct memo_key {
	const struct mx_memo *memo;
	const uint32_t	     *idx;
	size_t		      n;
};

static bool
memo_eq(const void *key, uint32_t e)
{
	const struct memo_key *k = key;
	size_t		       n = k->memo->off[e + 1] - k->memo->off[e];

	return n == k->n &&
	    (n == 0 ||
		memcmp(k->memo->key + k->memo->off[e], k->idx,
		    n * sizeof(*k->idx)) == 0);
}

static int
memo_add(
    struct mx_memo *mm, uint64_t h, const uint32_t *idx, size_t n, uint32_t id)
{
	if (mx_grow(&mm->key, &mm->capkey, mm->nkey + n + 1,
		sizeof(*mm->key)) == -1 ||
	    mx_grow(&mm->off, &mm->cap, mm->n + 2, sizeof(*mm->off)) == -1 ||
	    (mm->id = reallocarray(mm->id, mm->cap, sizeof(*mm->id))) == NULL ||
	    mx_ht_add(&mm->tab, h, (uint32_t)mm->n) == -1) {
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
		return -1;
	}
	if (n > 0)
		memcpy(mm->key + mm->nkey, idx, n * sizeof(*idx));
	mm->off[mm->n] = mm->nkey;
	mm->nkey += n;
	mm->off[mm->n + 1] = mm->nkey;
	mm->id[mm->n++] = id;
	return 0;
}

/* The result of the rule set in set (pared here) for one combination. */
static int
solve(struct painter *p, struct mx_htab *results, const uint64_t *set,
    const uint64_t *boxed, unsigned char *st, uint32_t *id)
{
	struct mx	*m = p->m;
	struct mx_memo	*mm = m->memo;
	struct mx_result res;
	struct memo_key	 key;
	uint64_t	 h;
	uint32_t	 e;
	size_t		 k;

	if (pare(p, set, st, &h) == -1)
		return -1;
	if (p->lookup)
		for (k = 0; k < m->nw; k++)
			p->extra[k] = boxed[k] & m->in.ok[p->icls * m->nw + k] &
			    m->out.ok[p->ocls * m->nw + k];
	key = (struct memo_key){ mm, p->idx, p->nidx };
	if (!p->lookup && mx_ht_find(&mm->tab, h, memo_eq, &key, &e)) {
		*id = mm->id[e];
		return 0;
	}
	if (paint(p, &res) == -1) {
		mx_result_free(&res);
		return -1;
	}
	if (intern(m, results, &res, id) == -1)
		return -1;
	if (!p->lookup && memo_add(mm, h, p->idx, p->nidx, *id) == -1)
		return -1;
	return 0;
}

struct live_key {
	const uint64_t *live;
	size_t		nw;
	const uint64_t *set;
};

static bool
live_eq(const void *key, uint32_t i)
{
	const struct live_key *k = key;

	return memcmp(k->live + i * k->nw, k->set, k->nw * sizeof(uint64_t)) ==
	    0;
}

static bool
has_lookup(const struct mx *m, const uint64_t *set)
{
	uint64_t bits;
	size_t	 k, w;

	FOR_BITS(set, m->nw, k, w, bits)
	if (m->ri[k].kind == MK_LOOKUP)
		return true;
	return false;
}

/* Every combination of one service and mode (row sm of live). */
static int
solve_service(struct mx *m, struct painter *p, struct mx_htab *results,
    const uint64_t *live, const uint64_t *boxed, size_t s, size_t mi,
    uint64_t *scratch, unsigned char *seen)
{
	const uint64_t *l = live + (s * m->nmode + mi) * m->nw;
	const uint64_t *b = boxed + (s * m->nmode + mi) * m->nw;
	size_t		i, o, w;
	uint32_t       *res = m->res + s * m->ncombo;

	p->svc = &m->svc[s];
	p->mode = m->mode[mi];
	for (i = 0; i < m->in.ncls; i++)
		for (o = 0; o < m->out.ncls; o++) {
			for (w = 0; w < m->nw; w++)
				scratch[w] = l[w] & m->in.ok[i * m->nw + w] &
				    m->out.ok[o * m->nw + w];
			p->icls = i;
			p->ocls = o;
			if (solve(p, results, scratch, b, seen,
				&res[mx_combo(m, mi, i, o)]) == -1)
				return -1;
		}
	return 0;
}

/* Services and modes with the same live rules share their results. */
void
mx_memo_free(struct mx_memo *mm)
{
	if (mm == NULL)
		return;
	mx_ht_free(&mm->tab);
	free(mm->key);
	free(mm->off);
	free(mm->id);
	free(mm);
}

int
mx_solve_all(struct mx *m, const uint64_t *live, const uint64_t *boxed)
{
	struct painter	p = { .m = m };
	struct mx_htab	results = { 0 }, lives = { 0 };
	struct live_key key = { live, m->nw, NULL };
	uint64_t       *scratch = NULL;
	unsigned char  *seen = NULL;
	size_t		s, mi, i, o, sm;
	uint64_t	h;
	uint32_t	prev;
	int		rc = -1;

	if ((m->memo = mx_calloc(1, sizeof(*m->memo))) == NULL ||
	    (scratch = mx_calloc(2 * m->nw, sizeof(*scratch))) == NULL ||
	    (seen = mx_calloc(m->nchain, 1)) == NULL ||
	    (p.pstart = mx_calloc(2 * m->nchain, sizeof(*p.pstart))) == NULL)
		goto out;
	p.pend = p.pstart + m->nchain;
	p.extra = scratch + m->nw;
	for (s = 0; s < m->nsvc; s++)
		for (mi = 0; mi < m->nmode; mi++) {
			sm = s * m->nmode + mi;
			key.set = live + sm * m->nw;
			for (h = 0x6c697665, i = 0; i < m->nw; i++)
				h = mx_mix(h, key.set[i]);
			if (!has_lookup(m, key.set) &&
			    mx_ht_find(&lives, h, live_eq, &key, &prev)) {
				for (i = 0; i < m->in.ncls; i++)
					for (o = 0; o < m->out.ncls; o++)
						m->res[s * m->ncombo +
						    mx_combo(m, mi, i,
							o)] = m->res[prev /
							m->nmode * m->ncombo +
						    mx_combo(m, prev % m->nmode,
							i, o)];
				continue;
			}
			if (mx_ht_add(&lives, h, (uint32_t)sm) == -1 ||
			    solve_service(m, &p, &results, live, boxed, s, mi,
				scratch, seen) == -1)
				goto out;
		}
	rc = 0;
out:
	painter_free(&p);
	mx_ht_free(&results);
	mx_ht_free(&lives);
	free(scratch);
	free(seen);
	return rc;
}
