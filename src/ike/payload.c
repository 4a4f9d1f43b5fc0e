/*
 * IKEv2 payload bodies (RFC 7296 section 3): copying validated bodies
 * into the structures of wire.h, and writing messages.
 *
 * The parsers run on bodies msg.c has already checked, but still read
 * through bounded readers, so a body that was not checked cannot make
 * them read out of bounds: they fail with INVALID_SYNTAX instead.
 * Attributes other than the key length are skipped (3.3.5 defines no
 * other); a second key length cannot reach here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

/* ike_wr.last once an SK payload ends the chain: nothing may follow. */
#define WR_CLOSED (SIZE_MAX - 1)

static int __attribute__((format(printf, 4, 5)))
fail(struct ike_err *e, uint16_t notify, uint8_t pltype, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->notify = notify;
	e->pltype = pltype;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int
malformed(const struct ike_pl *pl, struct ike_err *e)
{
	char nb[16];

	return fail(e, IKE_N_INVALID_SYNTAX, pl->type,
	    "%s: malformed body of %zu bytes", ike_pt_name(pl->type, nb),
	    pl->len);
}

static bool
is_type(const struct ike_pl *pl, uint8_t a, uint8_t b, struct ike_err *e)
{
	char nb[16];

	if (pl == NULL) {
		fail(e, IKE_N_INVALID_SYNTAX, a, "%s: missing",
		    ike_pt_name(a, nb));
		return false;
	}
	if (pl->type == a || pl->type == b)
		return true;
	fail(e, IKE_N_INVALID_SYNTAX, pl->type, "%s: not the payload wanted",
	    ike_pt_name(pl->type, nb));
	return false;
}

/* ---- Parsing ------------------------------------------------------- */

static int
get_xf(struct buf_rd *r, struct ike_xf *xf)
{
	struct buf_rd a;
	uint8_t	      more, res;
	uint16_t      len, at, v;

	buf_get_u8(r, &more);
	buf_get_u8(r, &res);
	buf_get_u16(r, &len);
	buf_get_u8(r, &xf->type);
	buf_get_u8(r, &res);
	buf_get_u16(r, &xf->id);
	if (r->err || len < 8 || buf_sub(r, &a, len - 8) == -1)
		return -1;
	xf->keylen = 0;
	while (buf_left(&a) > 0) {
		if (buf_get_u16(&a, &at) == -1 || buf_get_u16(&a, &v) == -1)
			return -1;
		if (at == (0x8000 | IKE_ATTR_KEYLEN))
			xf->keylen = v;
		else if (!(at & 0x8000) && buf_skip(&a, v) == -1)
			return -1;
	}
	return 0;
}

int
ike_pl_sa(const struct ike_pl *pl, struct ike_sa_pl *sa, struct ike_err *e)
{
	struct buf_rd	 r, p;
	struct ike_prop *pr;
	uint8_t		 more = 2, res, nxf;
	uint16_t	 len;
	size_t		 i;

	memset(sa, 0, sizeof(*sa));
	if (!is_type(pl, IKE_PT_SA, IKE_PT_SA, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	while (more != 0 && buf_left(&r) > 0) {
		if (sa->nprop == IKE_MAXPROP)
			return fail(e, IKE_N_NO_PROPOSAL_CHOSEN, pl->type,
			    "SA: more than %d proposals", IKE_MAXPROP);
		pr = &sa->prop[sa->nprop];
		buf_get_u8(&r, &more);
		buf_get_u8(&r, &res);
		buf_get_u16(&r, &len);
		if (r.err || len < 8 || buf_sub(&r, &p, len - 4) == -1)
			return malformed(pl, e);
		buf_get_u8(&p, &pr->num);
		buf_get_u8(&p, &pr->proto);
		buf_get_u8(&p, &pr->spisize);
		buf_get_u8(&p, &nxf);
		if (p.err || pr->spisize > sizeof(pr->spi) ||
		    buf_get_bytes(&p, pr->spi, pr->spisize) == -1)
			return malformed(pl, e);
		if (nxf > IKE_MAXXF)
			return fail(e, IKE_N_NO_PROPOSAL_CHOSEN, pl->type,
			    "SA: proposal %u: %u transforms, more than %d",
			    pr->num, nxf, IKE_MAXXF);
		for (i = 0; i < nxf; i++)
			if (get_xf(&p, &pr->xf[i]) == -1)
				return malformed(pl, e);
		pr->nxf = nxf;
		sa->nprop++;
	}
	return 0;
}

int
ike_pl_ke(const struct ike_pl *pl, struct ike_ke_pl *ke, struct ike_err *e)
{
	struct buf_rd r;

	memset(ke, 0, sizeof(*ke));
	if (!is_type(pl, IKE_PT_KE, IKE_PT_KE, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	if (buf_get_u16(&r, &ke->group) == -1 || buf_skip(&r, 2) == -1)
		return malformed(pl, e);
	ke->len = buf_left(&r);
	ke->data = buf_get_ptr(&r, ke->len);
	return 0;
}

int
ike_pl_id(const struct ike_pl *pl, struct ike_id_pl *id, struct ike_err *e)
{
	struct buf_rd r;

	memset(id, 0, sizeof(*id));
	if (!is_type(pl, IKE_PT_IDI, IKE_PT_IDR, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	if (buf_get_u8(&r, &id->type) == -1 || buf_skip(&r, 3) == -1)
		return malformed(pl, e);
	id->len = buf_left(&r);
	id->data = buf_get_ptr(&r, id->len);
	id->body = pl->body;
	id->bodylen = pl->len;
	return 0;
}

int
ike_pl_cert(const struct ike_pl *pl, struct ike_cert_pl *c, struct ike_err *e)
{
	struct buf_rd r;

	memset(c, 0, sizeof(*c));
	if (!is_type(pl, IKE_PT_CERT, IKE_PT_CERTREQ, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	if (buf_get_u8(&r, &c->enc) == -1)
		return malformed(pl, e);
	c->len = buf_left(&r);
	c->data = buf_get_ptr(&r, c->len);
	return 0;
}

int
ike_pl_auth(const struct ike_pl *pl, struct ike_auth_pl *a, struct ike_err *e)
{
	struct buf_rd r;

	memset(a, 0, sizeof(*a));
	if (!is_type(pl, IKE_PT_AUTH, IKE_PT_AUTH, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	if (buf_get_u8(&r, &a->method) == -1 || buf_skip(&r, 3) == -1)
		return malformed(pl, e);
	a->len = buf_left(&r);
	a->data = buf_get_ptr(&r, a->len);
	return 0;
}

int
ike_pl_notify(
    const struct ike_pl *pl, struct ike_notify_pl *n, struct ike_err *e)
{
	struct buf_rd r;

	memset(n, 0, sizeof(*n));
	if (!is_type(pl, IKE_PT_N, IKE_PT_N, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	buf_get_u8(&r, &n->proto);
	buf_get_u8(&r, &n->spisize);
	buf_get_u16(&r, &n->type);
	if (r.err || n->spisize > sizeof(n->spi) ||
	    buf_get_bytes(&r, n->spi, n->spisize) == -1)
		return malformed(pl, e);
	n->len = buf_left(&r);
	n->data = buf_get_ptr(&r, n->len);
	return 0;
}

int
ike_pl_delete(
    const struct ike_pl *pl, struct ike_delete_pl *d, struct ike_err *e)
{
	struct buf_rd r;
	uint16_t      n;
	size_t	      i;

	memset(d, 0, sizeof(*d));
	if (!is_type(pl, IKE_PT_D, IKE_PT_D, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	buf_get_u8(&r, &d->proto);
	buf_get_u8(&r, &d->spisize);
	buf_get_u16(&r, &n);
	if (r.err || (n > 0 && d->spisize != 4))
		return malformed(pl, e);
	if (n > IKE_MAXDEL)
		return fail(e, IKE_N_INVALID_SYNTAX, pl->type,
		    "Delete: %u SPIs, more than %d", n, IKE_MAXDEL);
	for (i = 0; i < n; i++)
		if (buf_get_u32(&r, &d->spi[i]) == -1)
			return malformed(pl, e);
	d->nspi = n;
	return 0;
}

int
ike_pl_ts(const struct ike_pl *pl, struct ike_ts_pl *ts, struct ike_err *e)
{
	struct buf_rd  r;
	struct ike_ts *t;
	uint8_t	       n;
	uint16_t       len;
	size_t	       i, alen;

	memset(ts, 0, sizeof(*ts));
	if (!is_type(pl, IKE_PT_TSI, IKE_PT_TSR, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	if (buf_get_u8(&r, &n) == -1 || buf_skip(&r, 3) == -1)
		return malformed(pl, e);
	if (n > IKE_MAXTS)
		return fail(e, IKE_N_TS_UNACCEPTABLE, pl->type,
		    "%s: %u traffic selectors, more than %d",
		    pl->type == IKE_PT_TSI ? "TSi" : "TSr", n, IKE_MAXTS);
	for (i = 0; i < n; i++) {
		t = &ts->ts[i];
		buf_get_u8(&r, &t->type);
		buf_get_u8(&r, &t->proto);
		buf_get_u16(&r, &len);
		if (t->type == IKE_TS_IPV4_ADDR_RANGE && len == 16) {
			t->start.af = t->end.af = AF_INET;
			alen = 4;
		} else if (t->type == IKE_TS_IPV6_ADDR_RANGE && len == 40) {
			t->start.af = t->end.af = AF_INET6;
			alen = 16;
		} else
			return malformed(pl, e);
		buf_get_u16(&r, &t->sport);
		buf_get_u16(&r, &t->eport);
		buf_get_bytes(&r, t->start.u.b, alen);
		buf_get_bytes(&r, t->end.u.b, alen);
		if (r.err)
			return malformed(pl, e);
	}
	ts->nts = n;
	return 0;
}

int
ike_pl_cp(const struct ike_pl *pl, struct ike_cp_pl *cp, struct ike_err *e)
{
	struct buf_rd	     r;
	struct ike_cfg_attr *a;
	uint16_t	     len;

	memset(cp, 0, sizeof(*cp));
	if (!is_type(pl, IKE_PT_CP, IKE_PT_CP, e))
		return -1;
	buf_rd_init(&r, pl->body, pl->len);
	if (buf_get_u8(&r, &cp->type) == -1 || buf_skip(&r, 3) == -1)
		return malformed(pl, e);
	while (buf_left(&r) > 0) {
		if (cp->nattr == IKE_MAXATTR)
			return fail(e, IKE_N_INVALID_SYNTAX, pl->type,
			    "CP: more than %d attributes", IKE_MAXATTR);
		a = &cp->attr[cp->nattr];
		if (buf_get_u16(&r, &a->type) == -1 ||
		    buf_get_u16(&r, &len) == -1 ||
		    (a->data = buf_get_ptr(&r, len)) == NULL)
			return malformed(pl, e);
		a->type &= 0x7fff;
		a->len = len;
		cp->nattr++;
	}
	return 0;
}

/* ---- Building ------------------------------------------------------ */

void
ike_wr_init(struct ike_wr *wr, uint8_t *p, size_t cap)
{
	buf_wr_init(&wr->w, p, cap);
	wr->last = SIZE_MAX;
	wr->first = IKE_PT_NONE;
}

void
ike_wr_hdr(struct ike_wr *wr, const struct ike_hdr *h)
{
	if (wr->w.off != 0) {
		wr->w.err = true;
		return;
	}
	buf_put_u64(&wr->w, h->spi_i);
	buf_put_u64(&wr->w, h->spi_r);
	buf_put_u8(&wr->w, IKE_PT_NONE);
	buf_put_u8(&wr->w, h->version != 0 ? h->version : IKE_VERSION);
	buf_put_u8(&wr->w, h->exch);
	buf_put_u8(&wr->w, h->flags);
	buf_put_u32(&wr->w, h->msgid);
	buf_put_u32(&wr->w, 0);
	wr->last = 16; /* the header's Next Payload */
}

void
ike_wr_hdr_len(struct ike_wr *wr)
{
	buf_patch_u32(&wr->w, 24, (uint32_t)wr->w.off);
}

/* The generic header of a new payload, the previous one pointing at it. */
static size_t
pl_begin(struct ike_wr *wr, uint8_t type)
{
	size_t at = wr->w.off;

	if (wr->w.err || wr->last == WR_CLOSED) {
		wr->w.err = true;
		return SIZE_MAX;
	}
	if (buf_put_u8(&wr->w, IKE_PT_NONE) == -1 ||
	    buf_put_u8(&wr->w, 0) == -1 || buf_put_u16(&wr->w, 0) == -1)
		return SIZE_MAX;
	if (wr->first == IKE_PT_NONE)
		wr->first = type;
	if (wr->last != SIZE_MAX)
		wr->w.p[wr->last] = type; /* before at, so inside the buffer */
	wr->last = at;
	return at;
}

static void
pl_end(struct ike_wr *wr, size_t at)
{
	if (at == SIZE_MAX || wr->w.err)
		return;
	if (wr->w.off - at > UINT16_MAX) {
		wr->w.err = true;
		return;
	}
	buf_patch_u16(&wr->w, at + 2, (uint16_t)(wr->w.off - at));
}

/* Payloads whose body is a few fixed bytes and then data. */
static void
put_simple(struct ike_wr *wr, uint8_t type, const uint8_t *fixed, size_t flen,
    const uint8_t *data, size_t len)
{
	size_t at;

	if ((at = pl_begin(wr, type)) == SIZE_MAX)
		return;
	buf_put_bytes(&wr->w, fixed, flen);
	buf_put_bytes(&wr->w, data, len);
	pl_end(wr, at);
}

static void
put_xf(struct ike_wr *wr, const struct ike_xf *xf, bool last)
{
	size_t at = wr->w.off;

	buf_put_u8(&wr->w, last ? 0 : 3);
	buf_put_u8(&wr->w, 0);
	buf_put_u16(&wr->w, 0);
	buf_put_u8(&wr->w, xf->type);
	buf_put_u8(&wr->w, 0);
	buf_put_u16(&wr->w, xf->id);
	if (xf->keylen != 0) {
		buf_put_u16(&wr->w, 0x8000 | IKE_ATTR_KEYLEN);
		buf_put_u16(&wr->w, xf->keylen);
	}
	if (!wr->w.err)
		buf_patch_u16(&wr->w, at + 2, (uint16_t)(wr->w.off - at));
}

void
ike_put_sa(struct ike_wr *wr, const struct ike_sa_pl *sa)
{
	const struct ike_prop *p;
	size_t		       at, pat, i, j;

	if (sa->nprop == 0 || sa->nprop > IKE_MAXPROP) {
		wr->w.err = true;
		return;
	}
	if ((at = pl_begin(wr, IKE_PT_SA)) == SIZE_MAX)
		return;
	for (i = 0; i < sa->nprop; i++) {
		p = &sa->prop[i];
		if (p->nxf == 0 || p->nxf > IKE_MAXXF ||
		    p->spisize > sizeof(p->spi)) {
			wr->w.err = true;
			return;
		}
		pat = wr->w.off;
		buf_put_u8(&wr->w, i + 1 < sa->nprop ? 2 : 0);
		buf_put_u8(&wr->w, 0);
		buf_put_u16(&wr->w, 0);
		buf_put_u8(&wr->w, p->num);
		buf_put_u8(&wr->w, p->proto);
		buf_put_u8(&wr->w, p->spisize);
		buf_put_u8(&wr->w, (uint8_t)p->nxf);
		buf_put_bytes(&wr->w, p->spi, p->spisize);
		for (j = 0; j < p->nxf; j++)
			put_xf(wr, &p->xf[j], j + 1 == p->nxf);
		if (wr->w.err || wr->w.off - pat > UINT16_MAX) {
			wr->w.err = true;
			return;
		}
		buf_patch_u16(&wr->w, pat + 2, (uint16_t)(wr->w.off - pat));
	}
	pl_end(wr, at);
}

void
ike_put_ke(struct ike_wr *wr, uint16_t group, const uint8_t *data, size_t len)
{
	const uint8_t f[4] = { group >> 8, group & 0xff, 0, 0 };

	put_simple(wr, IKE_PT_KE, f, sizeof(f), data, len);
}

void
ike_put_nonce(struct ike_wr *wr, const uint8_t *data, size_t len)
{
	put_simple(wr, IKE_PT_NONCE, NULL, 0, data, len);
}

void
ike_put_id(struct ike_wr *wr, uint8_t pltype, uint8_t idtype,
    const uint8_t *data, size_t len)
{
	const uint8_t f[4] = { idtype, 0, 0, 0 };

	if (pltype != IKE_PT_IDI && pltype != IKE_PT_IDR) {
		wr->w.err = true;
		return;
	}
	put_simple(wr, pltype, f, sizeof(f), data, len);
}

void
ike_put_cert(struct ike_wr *wr, uint8_t pltype, uint8_t enc,
    const uint8_t *data, size_t len)
{
	if (pltype != IKE_PT_CERT && pltype != IKE_PT_CERTREQ) {
		wr->w.err = true;
		return;
	}
	put_simple(wr, pltype, &enc, 1, data, len);
}

void
ike_put_auth(struct ike_wr *wr, uint8_t method, const uint8_t *data, size_t len)
{
	const uint8_t f[4] = { method, 0, 0, 0 };

	put_simple(wr, IKE_PT_AUTH, f, sizeof(f), data, len);
}

void
ike_put_notify(struct ike_wr *wr, uint8_t proto, const uint8_t *spi,
    uint8_t spisize, uint16_t type, const uint8_t *data, size_t len)
{
	size_t at;

	if (spisize != 0 && spisize != 4 && spisize != 8) {
		wr->w.err = true;
		return;
	}
	if ((at = pl_begin(wr, IKE_PT_N)) == SIZE_MAX)
		return;
	buf_put_u8(&wr->w, proto);
	buf_put_u8(&wr->w, spisize);
	buf_put_u16(&wr->w, type);
	buf_put_bytes(&wr->w, spi, spisize);
	buf_put_bytes(&wr->w, data, len);
	pl_end(wr, at);
}

void
ike_put_delete(
    struct ike_wr *wr, uint8_t proto, const uint32_t *spi, size_t nspi)
{
	size_t at, i;

	if ((proto == IKE_PROTO_IKE && nspi != 0) || nspi > UINT16_MAX) {
		wr->w.err = true;
		return;
	}
	if ((at = pl_begin(wr, IKE_PT_D)) == SIZE_MAX)
		return;
	buf_put_u8(&wr->w, proto);
	buf_put_u8(&wr->w, proto == IKE_PROTO_IKE ? 0 : 4);
	buf_put_u16(&wr->w, (uint16_t)nspi);
	for (i = 0; i < nspi; i++)
		buf_put_u32(&wr->w, spi[i]);
	pl_end(wr, at);
}

/* 3.13.1: the selector's type follows its addresses' family. */
void
ike_put_ts(struct ike_wr *wr, uint8_t pltype, const struct ike_ts_pl *ts)
{
	const struct ike_ts *t;
	size_t		     at, i, alen;

	if ((pltype != IKE_PT_TSI && pltype != IKE_PT_TSR) || ts->nts == 0 ||
	    ts->nts > IKE_MAXTS) {
		wr->w.err = true;
		return;
	}
	if ((at = pl_begin(wr, pltype)) == SIZE_MAX)
		return;
	buf_put_u8(&wr->w, (uint8_t)ts->nts);
	buf_put_zero(&wr->w, 3);
	for (i = 0; i < ts->nts; i++) {
		t = &ts->ts[i];
		if (t->start.af != t->end.af ||
		    (t->start.af != AF_INET && t->start.af != AF_INET6)) {
			wr->w.err = true;
			return;
		}
		alen = t->start.af == AF_INET ? 4 : 16;
		buf_put_u8(&wr->w,
		    alen == 4 ? IKE_TS_IPV4_ADDR_RANGE :
				IKE_TS_IPV6_ADDR_RANGE);
		buf_put_u8(&wr->w, t->proto);
		buf_put_u16(&wr->w, (uint16_t)(8 + 2 * alen));
		buf_put_u16(&wr->w, t->sport);
		buf_put_u16(&wr->w, t->eport);
		buf_put_bytes(&wr->w, t->start.u.b, alen);
		buf_put_bytes(&wr->w, t->end.u.b, alen);
	}
	pl_end(wr, at);
}

void
ike_put_cp(struct ike_wr *wr, const struct ike_cp_pl *cp)
{
	const struct ike_cfg_attr *a;
	size_t			   at, i;

	if (cp->nattr > IKE_MAXATTR) {
		wr->w.err = true;
		return;
	}
	if ((at = pl_begin(wr, IKE_PT_CP)) == SIZE_MAX)
		return;
	buf_put_u8(&wr->w, cp->type);
	buf_put_zero(&wr->w, 3);
	for (i = 0; i < cp->nattr; i++) {
		a = &cp->attr[i];
		if (a->len > UINT16_MAX) {
			wr->w.err = true;
			return;
		}
		buf_put_u16(&wr->w, a->type & 0x7fff);
		buf_put_u16(&wr->w, (uint16_t)a->len);
		buf_put_bytes(&wr->w, a->data, a->len);
	}
	pl_end(wr, at);
}

void
ike_put_vendor(struct ike_wr *wr, const uint8_t *data, size_t len)
{
	put_simple(wr, IKE_PT_V, NULL, 0, data, len);
}

void
ike_put_eap(struct ike_wr *wr, const uint8_t *data, size_t len)
{
	put_simple(wr, IKE_PT_EAP, NULL, 0, data, len);
}

void
ike_put_sk(struct ike_wr *wr, uint8_t inner, const uint8_t *body, size_t len)
{
	size_t at;

	if ((at = pl_begin(wr, IKE_PT_SK)) == SIZE_MAX)
		return;
	wr->w.p[at] = inner;
	if (body != NULL)
		buf_put_bytes(&wr->w, body, len);
	else
		buf_put_zero(&wr->w, len);
	pl_end(wr, at);
	wr->last = WR_CLOSED;
}
