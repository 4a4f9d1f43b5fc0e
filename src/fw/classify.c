/*
 * The compiled classifier, a bit-vector scheme (Lakshman and Stiliadis'
 * parallel bit vectors) cut into chunks of rules so that memory grows
 * with rules times classes of one chunk, not of the whole chain.
 *
 * Each dimension (addresses, protocol, ports, interfaces, connection
 * state, IPsec in and out) splits its values into classes that every rule
 * of the chain treats alike: the elementary intervals between the ends of
 * the rules' interval sets (box.h), or the interface names the rules'
 * patterns tell apart. A packet's class in each dimension is found once
 * per chain visit; in each chunk of CHUNK rules, every class has a bitmap
 * of the rules whose box admits it, and the AND of the packet's bitmaps
 * over the dimensions, scanned from a position, yields the next rule that
 * may match. Only dimensions in which some rule of the chain asks
 * something are kept.
 *
 * A box stops before a match with state (fw_rule_box with pure): the
 * linear walk tests a rule's conditions in order and must not skip a
 * rate match's side effect because of a test that comes after it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "classify.h"

#define CHUNK 1024
#define WORDS (CHUNK / 64)
#define MIN_RULES 8 /* below this the linear walk is as fast */

enum {
	D_SRC,
	D_DST,
	D_PROTO,
	D_SPORT,
	D_DPORT,
	D_IIF,
	D_OIF,
	D_CT,
	D_IPIN,
	D_IPOUT
};

struct dim {
	int    which;
	size_t nclass;
	/* Intervals: class k is [bound[k], bound[k + 1]). */
	uint32_t *bound;
	/* Interfaces: names (class = index), then prefixes longest first
	 * (class nexact + j), then the class of every other name. */
	char (*exact)[IFNAMSIZ];
	size_t nexact;
	char (*wild)[IFNAMSIZ];
	size_t nwild;
	/* Per chunk: NULL map means the chunk's class is the class. */
	uint32_t *map; /* [chunk * nclass + class] */
	uint64_t *bits;
	size_t	 *off; /* bits + off[chunk] is the chunk's class 0 */
	/* Per bitmap, which of its words are not zero (aggregated bit
	 * vectors, Baboescu and Varghese): a lookup ANDs these first and
	 * reads only words that can have a rule. */
	uint16_t *agg;
};

struct cls_chain {
	size_t	   nrules, nchunks;
	int	   ndims;
	struct dim dim[CLS_NDIMS];
	uint64_t  *hdr; /* rules whose -s -d -i -o -p the dimensions are */
	uint64_t  *whole; /* rules that the dimensions are, matches and all */
	size_t	   bytes;
};

struct build {
	struct cls_chain *cc;
	struct fw_chain	 *c;
	struct fw_box	 *box; /* one per rule */
};

static void *
count_alloc(struct cls_chain *cc, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p != NULL)
		cc->bytes += n * size;
	return p;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The sorted, distinct interval starts of rules [lo, hi) in dimension d,
 * 0 always among them. */
static uint32_t *
bounds(const struct build *b, enum fw_dim d, size_t lo, size_t hi, size_t *n)
{
	const struct fw_ivset *s;
	uint32_t	      *v;
	size_t		       i, k = 0, cap = 1;
	unsigned int	       j;

	for (i = lo; i < hi; i++)
		cap += 2 * b->box[i].d[d].n;
	if ((v = malloc(cap * sizeof(*v))) == NULL)
		return NULL;
	v[k++] = 0;
	for (i = lo; i < hi; i++) {
		s = &b->box[i].d[d];
		for (j = 0; j < s->n; j++) {
			v[k++] = s->iv[j].lo;
			if (s->iv[j].hi < fw_dim_max[d])
				v[k++] = s->iv[j].hi + 1;
		}
	}
	qsort(v, k, sizeof(*v), cmp_u32);
	for (i = 1, *n = 1; i < k; i++)
		if (v[i] != v[*n - 1])
			v[(*n)++] = v[i];
	return v;
}

struct event {
	uint32_t pos;
	uint32_t rule; /* within the chunk */
	bool	 set;
};

static int
cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * One chunk of an interval dimension: its own classes, a bitmap each made
 * by sweeping the rules' interval ends, and the map from the chain's
 * classes to them.
 */
static int
iv_chunk(const struct build *b, struct dim *dm, size_t chunk, uint64_t **bits,
    size_t *nbits)
{
	enum fw_dim   d = (enum fw_dim)dm->which;
	size_t	      lo = chunk * CHUNK, hi = lo + CHUNK, nl, ne = 0, i, k, e;
	uint32_t     *lb;
	struct event *ev = NULL;
	uint64_t      cur[WORDS] = { 0 }, *nb;
	unsigned int  j;
	int	      rc = -1;

	if (hi > b->c->nrules)
		hi = b->c->nrules;
	if ((lb = bounds(b, d, lo, hi, &nl)) == NULL)
		return -1;
	for (i = lo; i < hi; i++)
		ne += 2 * b->box[i].d[d].n;
	if ((ev = malloc((ne ? ne : 1) * sizeof(*ev))) == NULL)
		goto out;
	for (i = lo, ne = 0; i < hi; i++)
		for (j = 0; j < b->box[i].d[d].n; j++) {
			const struct fw_iv *iv = &b->box[i].d[d].iv[j];

			ev[ne++] =
			    (struct event){ iv->lo, (uint32_t)(i - lo), true };
			if (iv->hi < fw_dim_max[d])
				ev[ne++] = (struct event){ iv->hi + 1,
					(uint32_t)(i - lo), false };
		}
	qsort(ev, ne, sizeof(*ev), cmp_event);
	if ((nb = realloc(*bits, (*nbits + nl * WORDS) * sizeof(**bits))) ==
	    NULL)
		goto out;
	*bits = nb;
	dm->off[chunk] = *nbits;
	for (k = 0, e = 0; k < nl; k++) {
		for (; e < ne && ev[e].pos == lb[k]; e++) {
			uint64_t bit = 1ULL << (ev[e].rule % 64);

			if (ev[e].set)
				cur[ev[e].rule / 64] |= bit;
			else
				cur[ev[e].rule / 64] &= ~bit;
		}
		memcpy(nb + *nbits + k * WORDS, cur, sizeof(cur));
	}
	*nbits += nl * WORDS;
	for (k = 0, i = 0; k < dm->nclass; k++) {
		while (i + 1 < nl && lb[i + 1] <= dm->bound[k])
			i++;
		dm->map[chunk * dm->nclass + k] = (uint32_t)i;
	}
	rc = 0;
out:
	free(ev);
	free(lb);
	return rc;
}

static int
make_agg(struct cls_chain *cc, struct dim *dm, size_t nwords)
{
	size_t g, w;

	if ((dm->agg = count_alloc(cc, nwords / WORDS, sizeof(*dm->agg))) ==
	    NULL)
		return -1;
	for (g = 0; g < nwords / WORDS; g++)
		for (w = 0; w < WORDS; w++)
			if (dm->bits[g * WORDS + w] != 0)
				dm->agg[g] |= (uint16_t)(1u << w);
	return 0;
}

static int
build_iv(const struct build *b, struct dim *dm)
{
	struct cls_chain *cc = b->cc;
	enum fw_dim	  d = (enum fw_dim)dm->which;
	uint64_t	 *bits = NULL;
	size_t		  nbits = 0, c;

	if ((dm->bound = bounds(b, d, 0, cc->nrules, &dm->nclass)) == NULL)
		return -1;
	cc->bytes += dm->nclass * sizeof(*dm->bound);

	if ((dm->off = count_alloc(cc, cc->nchunks, sizeof(*dm->off))) ==
		NULL ||
	    (dm->map = count_alloc(
		 cc, cc->nchunks * dm->nclass, sizeof(*dm->map))) == NULL)
		return -1;
	for (c = 0; c < cc->nchunks; c++)
		if (iv_chunk(b, dm, c, &bits, &nbits) == -1) {
			free(bits);
			return -1;
		}
	dm->bits = bits;
	cc->bytes += nbits * sizeof(*bits);
	return make_agg(cc, dm, nbits);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
cmp_len_desc(const void *a, const void *b)
{
	size_t x = strlen(a), y = strlen(b);

	return x > y ? -1 : x < y ? 1 : strcmp(a, b);
}

static const struct fw_ifc *
rule_ifc(const struct fw_box *bx, int which)
{
	return which == D_IIF ? &bx->iif : &bx->oif;
}

/* Does a pattern admit every name of class k of dm? */
static bool
ifc_admits(const struct fw_ifc *f, const struct dim *dm, size_t k)
{
	size_t n = strlen(f->name), w;
	bool   m;

	if (k < dm->nexact)
		m = fw_iface_match(f->name, dm->exact[k]);
	else if (n == 0)
		m = true;
	else if (f->name[n - 1] != '+')
		m = false; /* those names are not this one */
	else if (k < dm->nexact + dm->nwild) {
		/* The names whose longest prefix among the rules' is w. */
		w = strlen(dm->wild[k - dm->nexact]);
		m = n - 1 <= w &&
		    strncmp(f->name, dm->wild[k - dm->nexact], n - 1) == 0;
	} else
		m = false; /* no prefix of the rules starts those names */
	return n > 0 && f->inv ? !m : m;
}

static int
iface_classes(const struct build *b, struct dim *dm)
{
	struct cls_chain *cc = b->cc;
	const char	 *nm;
	size_t		  i, n;

	dm->exact = count_alloc(cc, cc->nrules, IFNAMSIZ);
	dm->wild = count_alloc(cc, cc->nrules, IFNAMSIZ);
	if (dm->exact == NULL || dm->wild == NULL)
		return -1;
	for (i = 0; i < cc->nrules; i++) {
		nm = rule_ifc(&b->box[i], dm->which)->name;
		if ((n = strlen(nm)) == 0)
			continue;
		if (nm[n - 1] == '+')
			snprintf(dm->wild[dm->nwild++], IFNAMSIZ, "%.*s",
			    (int)(n - 1), nm);
		else
			snprintf(dm->exact[dm->nexact++], IFNAMSIZ, "%s", nm);
	}
	qsort(dm->exact, dm->nexact, IFNAMSIZ, cmp_name);
	qsort(dm->wild, dm->nwild, IFNAMSIZ, cmp_len_desc);
	for (i = 1, n = dm->nexact ? 1 : 0; i < dm->nexact; i++)
		if (strcmp(dm->exact[i], dm->exact[n - 1]) != 0)
			memcpy(dm->exact[n++], dm->exact[i], IFNAMSIZ);
	dm->nexact = n;
	for (i = 1, n = dm->nwild ? 1 : 0; i < dm->nwild; i++)
		if (strcmp(dm->wild[i], dm->wild[n - 1]) != 0)
			memcpy(dm->wild[n++], dm->wild[i], IFNAMSIZ);
	dm->nwild = n;
	dm->nclass = dm->nexact + dm->nwild + 1;
	return 0;
}

static bool
small_admits(const struct fw_box *bx, int which, size_t k)
{
	switch (which) {
	case D_CT:
		return bx->ctstate & (1u << k);
	case D_IPIN:
		return bx->ipsec_in & (k ? FW_BOX_IPSEC : FW_BOX_PLAIN);
	default:
		return bx->ipsec_out & (k ? FW_BOX_IPSEC : FW_BOX_PLAIN);
	}
}

/* Dimensions of few classes: a bitmap per class and chunk, by asking
 * each rule about each class. */
static int
build_few(const struct build *b, struct dim *dm)
{
	struct cls_chain *cc = b->cc;
	size_t		  c, k, i, r;
	bool		  in;

	if (dm->which == D_IIF || dm->which == D_OIF) {
		if (iface_classes(b, dm) == -1)
			return -1;
	} else
		dm->nclass = dm->which == D_CT ? 5 : 2;
	if ((dm->off = count_alloc(cc, cc->nchunks, sizeof(*dm->off))) ==
		NULL ||
	    (dm->bits = count_alloc(cc, cc->nchunks * dm->nclass * WORDS,
		 sizeof(*dm->bits))) == NULL)
		return -1;
	for (c = 0; c < cc->nchunks; c++) {
		dm->off[c] = c * dm->nclass * WORDS;
		for (k = 0; k < dm->nclass; k++)
			for (i = 0; i < CHUNK; i++) {
				if ((r = c * CHUNK + i) >= cc->nrules)
					break;
				if (dm->which == D_IIF || dm->which == D_OIF)
					in = ifc_admits(
					    rule_ifc(&b->box[r], dm->which), dm,
					    k);
				else
					in = small_admits(
					    &b->box[r], dm->which, k);
				if (in)
					dm->bits[dm->off[c] + k * WORDS +
					    i / 64] |= 1ULL << (i % 64);
			}
	}
	return make_agg(cc, dm, cc->nchunks * dm->nclass * WORDS);
}

/* Does some rule of the chain ask something in this dimension? */
static bool
dim_used(const struct build *b, int which)
{
	const struct fw_box *bx;
	size_t		     i;

	for (i = 0; i < b->cc->nrules; i++) {
		bx = &b->box[i];
		switch (which) {
		case D_IIF:
		case D_OIF:
			if (rule_ifc(bx, which)->name[0] != '\0')
				return true;
			break;
		case D_CT:
			if (bx->ctstate != FW_CT_ALL)
				return true;
			break;
		case D_IPIN:
		case D_IPOUT:
			if ((which == D_IPIN ? bx->ipsec_in : bx->ipsec_out) !=
			    (FW_BOX_PLAIN | FW_BOX_IPSEC))
				return true;
			break;
		default:
			if (!fw_ivset_is_all(&bx->d[which], which))
				return true;
		}
	}
	return false;
}

static void
chain_free(struct cls_chain *cc)
{
	int i;

	if (cc == NULL)
		return;
	free(cc->hdr);
	free(cc->whole);
	for (i = 0; i < cc->ndims; i++) {
		free(cc->dim[i].bound);
		free(cc->dim[i].exact);
		free(cc->dim[i].wild);
		free(cc->dim[i].map);
		free(cc->dim[i].bits);
		free(cc->dim[i].off);
		free(cc->dim[i].agg);
	}
	free(cc);
}

static bool
contiguous(const struct prefix *p)
{
	uint32_t host = ~ntohl(p->mask.u.v4.s_addr);

	return p->addr.af == AF_INET && (host & (host + 1)) == 0;
}

/* Are a rule's own fields exactly what its box says of them? Then a rule
 * the classifier finds needs only its matches tested. */
static bool
header_exact(const struct fw_rule *r)
{
	return contiguous(&r->src) && contiguous(&r->dst) && !r->frag;
}

static struct cls_chain *
chain_build(struct fw_chain *c)
{
	struct build b = { .c = c };
	struct dim  *dm;
	size_t	     i;
	int	     which, rc;

	if ((b.cc = calloc(1, sizeof(*b.cc))) == NULL)
		return NULL;
	b.cc->bytes = sizeof(*b.cc);
	b.cc->nrules = c->nrules;
	b.cc->nchunks = (c->nrules + CHUNK - 1) / CHUNK;
	if ((b.box = calloc(c->nrules, sizeof(*b.box))) == NULL)
		goto fail;
	if ((b.cc->hdr = count_alloc(
		 b.cc, (c->nrules + 63) / 64, sizeof(*b.cc->hdr))) == NULL ||
	    (b.cc->whole = count_alloc(
		 b.cc, (c->nrules + 63) / 64, sizeof(*b.cc->whole))) == NULL)
		goto fail;
	for (i = 0; i < c->nrules; i++) {
		fw_rule_box(c->rules[i], &b.box[i], true);
		if (!header_exact(c->rules[i]))
			continue;
		b.cc->hdr[i / 64] |= 1ULL << (i % 64);
		if (b.box[i].exact)
			b.cc->whole[i / 64] |= 1ULL << (i % 64);
	}
	for (which = 0; which < CLS_NDIMS; which++) {
		if (!dim_used(&b, which))
			continue;
		dm = &b.cc->dim[b.cc->ndims++];
		dm->which = which;
		rc = which < FW_NDIM ? build_iv(&b, dm) : build_few(&b, dm);
		if (rc == -1)
			goto fail;
	}
	free(b.box);
	return b.cc;
fail:
	free(b.box);
	chain_free(b.cc);
	return NULL;
}

void
cls_free(struct fw_ruleset *rs, enum fw_tableid t)
{
	size_t i;

	for (i = 0; i < rs->t[t].nchains; i++) {
		chain_free(rs->t[t].chains[i]->cls);
		rs->t[t].chains[i]->cls = NULL;
	}
}

int
cls_build(struct fw_ruleset *rs, enum fw_tableid t)
{
	struct fw_chain *c;
	size_t		 i;

	for (i = 0; i < rs->t[t].nchains; i++) {
		c = rs->t[t].chains[i];
		chain_free(c->cls);
		c->cls = NULL;
		if (c->nrules < MIN_RULES)
			continue;
		if ((c->cls = chain_build(c)) == NULL) {
			cls_free(rs, t);
			return -1;
		}
	}
	return 0;
}

size_t
cls_memory(const struct fw_ruleset *rs, enum fw_tableid t)
{
	size_t i, n = 0;

	for (i = 0; i < rs->t[t].nchains; i++)
		if (rs->t[t].chains[i]->cls != NULL)
			n += rs->t[t].chains[i]->cls->bytes;
	return n;
}

static uint32_t
iface_class(const struct dim *dm, const char *name)
{
	const char(*e)[IFNAMSIZ];
	size_t j;

	e = bsearch(name, dm->exact, dm->nexact, IFNAMSIZ, cmp_name);
	if (e != NULL)
		return (uint32_t)(e - dm->exact);
	for (j = 0; j < dm->nwild; j++)
		if (strncmp(dm->wild[j], name, strlen(dm->wild[j])) == 0)
			return (uint32_t)(dm->nexact + j);
	return (uint32_t)(dm->nexact + dm->nwild);
}

/* A packet's value in an interval dimension. */
static uint32_t
iv_value(int which, const struct fw_pkt *pk)
{
	switch (which) {
	case D_SRC:
		return ntohl(pk->src.u.v4.s_addr);
	case D_DST:
		return ntohl(pk->dst.u.v4.s_addr);
	case D_PROTO:
		return pk->proto;
	case D_SPORT:
		return pk->sport;
	default:
		return pk->dport;
	}
}

void
cls_key(const struct cls_chain *cc, const struct fw_pkt *pk,
    const struct fw_eval *ev, struct cls_key *key)
{
	const uint32_t	 *b[CLS_NDIMS];
	const struct dim *dm;
	uint32_t	  v[CLS_NDIMS];
	size_t		  n[CLS_NDIMS], half;
	int		  i, niv = 0;

	/* One state, and no empty outbound path (which neither --pol none
	 * nor --pol ipsec matches), or the classes would not tell. */
	key->ok = pk->src.af == AF_INET && pk->dst.af == AF_INET &&
	    ev->ctstate != 0 && (ev->ctstate & (ev->ctstate - 1)) == 0 &&
	    (!pk->has_ipsec_out || pk->ipsec_out.n > 0);
	key->fragment = pk->fragment;
	for (i = 0; i < cc->ndims; i++) {
		dm = &cc->dim[i];
		switch (dm->which) {
		case D_IIF:
		case D_OIF:
			key->cid[i] = iface_class(
			    dm, dm->which == D_IIF ? pk->in : pk->out);
			break;
		case D_CT:
			key->cid[i] =
			    (uint32_t)__builtin_ctz(ev->ctstate | 1u << 31);
			break;
		case D_IPIN:
			key->cid[i] = pk->ipsec_in.n > 0;
			break;
		case D_IPOUT:
			key->cid[i] = pk->has_ipsec_out;
			break;
		default:
			/* Interval dimensions come first (dim order). */
			v[i] = iv_value(dm->which, pk);
			b[i] = dm->bound;
			n[i] = dm->nclass;
			niv = i + 1;
		}
	}
	/* Each search without branches on the data, which a lookup cannot
	 * predict. */
	for (i = 0; i < niv; i++) {
		while (n[i] > 1) {
			half = n[i] / 2;
			b[i] = b[i][half] <= v[i] ? b[i] + half : b[i];
			n[i] -= half;
		}
	}
	for (i = 0; i < niv; i++)
		key->cid[i] = (uint32_t)(b[i] - cc->dim[i].bound);
}

size_t
cls_next(const struct cls_chain *cc, const struct cls_key *key, size_t from)
{
	const uint64_t	 *bm[CLS_NDIMS];
	const struct dim *dm;
	size_t		  chunk, w, i, k, g;
	uint64_t	  x;
	unsigned int	  agg;

	for (chunk = from / CHUNK; chunk < cc->nchunks; chunk++) {
		agg = (1u << WORDS) - 1;
		if (chunk == from / CHUNK)
			agg &= agg << (from % CHUNK) / 64;
		for (i = 0; i < (size_t)cc->ndims; i++) {
			dm = &cc->dim[i];
			k = dm->map != NULL ?
			    dm->map[chunk * dm->nclass + key->cid[i]] :
			    key->cid[i];
			g = dm->off[chunk] + k * WORDS;
			bm[i] = dm->bits + g;
			agg &= dm->agg[g / WORDS];
		}
		for (; agg != 0; agg &= agg - 1) {
			w = (size_t)__builtin_ctz(agg);
			x = ~0ULL;
			if (chunk * CHUNK + w * 64 < from)
				x <<= from % 64;
			for (i = 0; i < (size_t)cc->ndims && x != 0; i++)
				x &= bm[i][w];
			if (x != 0) {
				k = chunk * CHUNK + w * 64 +
				    (size_t)__builtin_ctzll(x);
				/* Without dimensions every bit is set. */
				return k < cc->nrules ? k : cc->nrules;
			}
		}
	}
	return cc->nrules;
}

enum cls_known
cls_known(const struct cls_chain *cc, const struct cls_key *key, size_t i)
{
	uint64_t bit = 1ULL << (i % 64);

	/* Boxes speak of first fragments: later ones fail port tests. */
	if ((cc->whole[i / 64] & bit) && !key->fragment)
		return CLS_RULE;
	return cc->hdr[i / 64] & bit ? CLS_HEADER : CLS_NONE;
}
