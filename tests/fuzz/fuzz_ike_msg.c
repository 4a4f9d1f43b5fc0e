/*
 * Fuzz IKEv2 message parsing (msg.c, payload.c): the input as a whole
 * message, then as the plaintext of an SK payload (its first byte the
 * first payload's type). Whatever parses must be readable by every
 * ike_pl_* (a failure there may only be a limit of the structures), and,
 * rebuilt with the builders, must parse again to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define OUTSZ (IKE_MSG_MAX + 64)

/* One payload as the ike_pl_* functions see it. */
struct view {
	uint8_t type;
	bool	ok; /* parsed, or a limit was passed: not rebuilt */
	union {
		struct ike_sa_pl     sa;
		struct ike_ke_pl     ke;
		struct ike_id_pl     id;
		struct ike_cert_pl   cert;
		struct ike_auth_pl   auth;
		struct ike_notify_pl n;
		struct ike_delete_pl d;
		struct ike_ts_pl     ts;
		struct ike_cp_pl     cp;
	} u;
	const uint8_t *body;
	size_t	       len;
	uint8_t	       sk_next;
};

static struct view v1[IKE_MAXPL], v2[IKE_MAXPL];

/* A parser may refuse a validated body only for a limit of its own. */
static bool
limit(int rc, const struct ike_err *e)
{
	if (rc == 0)
		return true;
	if (strstr(e->why, "more than") == NULL)
		abort();
	return false;
}

static void
view(const struct ike_msg *m, const struct ike_pl *pl, struct view *v)
{
	struct ike_err e;

	memset(v, 0, sizeof(*v));
	v->type = pl->type;
	v->body = pl->body;
	v->len = pl->len;
	v->ok = true;
	switch (pl->type) {
	case IKE_PT_SA:
		v->ok = limit(ike_pl_sa(pl, &v->u.sa, &e), &e);
		break;
	case IKE_PT_KE:
		v->ok = limit(ike_pl_ke(pl, &v->u.ke, &e), &e);
		break;
	case IKE_PT_IDI:
	case IKE_PT_IDR:
		v->ok = limit(ike_pl_id(pl, &v->u.id, &e), &e);
		break;
	case IKE_PT_CERT:
	case IKE_PT_CERTREQ:
		v->ok = limit(ike_pl_cert(pl, &v->u.cert, &e), &e);
		break;
	case IKE_PT_AUTH:
		v->ok = limit(ike_pl_auth(pl, &v->u.auth, &e), &e);
		break;
	case IKE_PT_N:
		v->ok = limit(ike_pl_notify(pl, &v->u.n, &e), &e);
		if (ike_msg_notify(m, v->u.n.type) == NULL)
			abort();
		break;
	case IKE_PT_D:
		v->ok = limit(ike_pl_delete(pl, &v->u.d, &e), &e);
		break;
	case IKE_PT_TSI:
	case IKE_PT_TSR:
		v->ok = limit(ike_pl_ts(pl, &v->u.ts, &e), &e);
		break;
	case IKE_PT_CP:
		v->ok = limit(ike_pl_cp(pl, &v->u.cp, &e), &e);
		break;
	case IKE_PT_SK:
		v->sk_next = m->sk_next;
		break;
	case IKE_PT_NONCE:
	case IKE_PT_V:
	case IKE_PT_EAP:
		break;
	default: /* SKF and unknown payloads: no builder */
		v->ok = false;
	}
}

static void
rebuild(struct ike_wr *wr, const struct view *v)
{
	switch (v->type) {
	case IKE_PT_SA:
		ike_put_sa(wr, &v->u.sa);
		break;
	case IKE_PT_KE:
		ike_put_ke(wr, v->u.ke.group, v->u.ke.data, v->u.ke.len);
		break;
	case IKE_PT_IDI:
	case IKE_PT_IDR:
		ike_put_id(
		    wr, v->type, v->u.id.type, v->u.id.data, v->u.id.len);
		break;
	case IKE_PT_CERT:
	case IKE_PT_CERTREQ:
		ike_put_cert(
		    wr, v->type, v->u.cert.enc, v->u.cert.data, v->u.cert.len);
		break;
	case IKE_PT_AUTH:
		ike_put_auth(
		    wr, v->u.auth.method, v->u.auth.data, v->u.auth.len);
		break;
	case IKE_PT_NONCE:
		ike_put_nonce(wr, v->body, v->len);
		break;
	case IKE_PT_N:
		ike_put_notify(wr, v->u.n.proto, v->u.n.spi, v->u.n.spisize,
		    v->u.n.type, v->u.n.data, v->u.n.len);
		break;
	case IKE_PT_D:
		ike_put_delete(wr, v->u.d.proto, v->u.d.spi, v->u.d.nspi);
		break;
	case IKE_PT_V:
		ike_put_vendor(wr, v->body, v->len);
		break;
	case IKE_PT_TSI:
	case IKE_PT_TSR:
		ike_put_ts(wr, v->type, &v->u.ts);
		break;
	case IKE_PT_CP:
		ike_put_cp(wr, &v->u.cp);
		break;
	case IKE_PT_EAP:
		ike_put_eap(wr, v->body, v->len);
		break;
	case IKE_PT_SK:
		ike_put_sk(wr, v->sk_next, v->body, v->len);
		break;
	default:
		abort();
	}
}

static bool
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool
ts_eq(const struct ike_ts_pl *a, const struct ike_ts_pl *b)
{
	size_t i;

	if (a->nts != b->nts)
		return false;
	for (i = 0; i < a->nts; i++)
		if (a->ts[i].type != b->ts[i].type ||
		    a->ts[i].proto != b->ts[i].proto ||
		    a->ts[i].sport != b->ts[i].sport ||
		    a->ts[i].eport != b->ts[i].eport ||
		    !addr_eq(&a->ts[i].start, &b->ts[i].start) ||
		    !addr_eq(&a->ts[i].end, &b->ts[i].end))
			return false;
	return true;
}

static bool
cp_eq(const struct ike_cp_pl *a, const struct ike_cp_pl *b)
{
	size_t i;

	if (a->type != b->type || a->nattr != b->nattr)
		return false;
	for (i = 0; i < a->nattr; i++)
		if (a->attr[i].type != b->attr[i].type ||
		    !same(a->attr[i].data, a->attr[i].len, b->attr[i].data,
			b->attr[i].len))
			return false;
	return true;
}

static bool
view_eq(const struct view *a, const struct view *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case IKE_PT_SA: /* zeroed, then filled: padding compares too */
		return memcmp(&a->u.sa, &b->u.sa, sizeof(a->u.sa)) == 0;
	case IKE_PT_KE:
		return a->u.ke.group == b->u.ke.group &&
		    same(a->u.ke.data, a->u.ke.len, b->u.ke.data, b->u.ke.len);
	case IKE_PT_IDI:
	case IKE_PT_IDR:
		return a->u.id.type == b->u.id.type &&
		    same(a->u.id.data, a->u.id.len, b->u.id.data, b->u.id.len);
	case IKE_PT_CERT:
	case IKE_PT_CERTREQ:
		return a->u.cert.enc == b->u.cert.enc &&
		    same(a->u.cert.data, a->u.cert.len, b->u.cert.data,
			b->u.cert.len);
	case IKE_PT_AUTH:
		return a->u.auth.method == b->u.auth.method &&
		    same(a->u.auth.data, a->u.auth.len, b->u.auth.data,
			b->u.auth.len);
	case IKE_PT_N:
		return a->u.n.proto == b->u.n.proto &&
		    a->u.n.spisize == b->u.n.spisize &&
		    a->u.n.type == b->u.n.type &&
		    memcmp(a->u.n.spi, b->u.n.spi, a->u.n.spisize) == 0 &&
		    same(a->u.n.data, a->u.n.len, b->u.n.data, b->u.n.len);
	case IKE_PT_D:
		return memcmp(&a->u.d, &b->u.d, sizeof(a->u.d)) == 0;
	case IKE_PT_TSI:
	case IKE_PT_TSR:
		return ts_eq(&a->u.ts, &b->u.ts);
	case IKE_PT_CP:
		return cp_eq(&a->u.cp, &b->u.cp);
	case IKE_PT_SK:
		if (a->sk_next != b->sk_next)
			return false;
		/* FALLTHROUGH */
	default:
		return same(a->body, a->len, b->body, b->len);
	}
}

/* Every payload of m from pl[from] read, the readable ones kept in v. */
static size_t
views(const struct ike_msg *m, size_t from, struct view *v, bool *all)
{
	size_t i, n = 0;

	*all = true;
	for (i = from; i < m->npl; i++) {
		view(m, &m->pl[i], &v[n]);
		if (v[n].ok)
			n++;
		else if (m->pl[i].type == IKE_PT_SA ||
		    m->pl[i].type == IKE_PT_TSI ||
		    m->pl[i].type == IKE_PT_TSR || m->pl[i].type == IKE_PT_D ||
		    m->pl[i].type == IKE_PT_CP)
			*all = false; /* past a limit: leave it */
	}
	return n;
}

static void
compare(size_t n1, size_t n2)
{
	size_t i;

	if (n1 != n2)
		abort();
	for (i = 0; i < n1; i++)
		if (!view_eq(&v1[i], &v2[i]))
			abort();
}

static void
check_bounds(
    const struct ike_msg *m, const uint8_t *base, size_t len, size_t from)
{
	size_t i;

	if (m->npl > IKE_MAXPL)
		abort();
	for (i = from; i < m->npl; i++)
		if (m->pl[i].off + IKE_PLHDR_LEN + m->pl[i].len > len ||
		    m->pl[i].body != base + m->pl[i].off + IKE_PLHDR_LEN)
			abort();
}

static void
outer(const uint8_t *data, size_t size)
{
	static struct ike_msg m, m2;
	static uint8_t	      out[OUTSZ];
	struct ike_err	      e;
	struct ike_wr	      wr;
	size_t		      n1, n2, i;
	bool		      all;

	if (ike_msg_parse(data, size, &m, &e) == -1) {
		if (e.why[0] == '\0')
			abort();
		return;
	}
	check_bounds(&m, data, size, 0);
	if (m.sk != NULL && m.sk != &m.pl[m.npl - 1])
		abort();
	n1 = views(&m, 0, v1, &all);
	if (!all)
		return;
	ike_wr_init(&wr, out, sizeof(out));
	ike_wr_hdr(&wr, &m.hdr);
	for (i = 0; i < n1; i++)
		rebuild(&wr, &v1[i]);
	ike_wr_hdr_len(&wr);
	if (wr.w.err)
		abort();
	if (ike_msg_parse(out, wr.w.off, &m2, &e) == -1)
		abort();
	if (m2.hdr.spi_i != m.hdr.spi_i || m2.hdr.spi_r != m.hdr.spi_r ||
	    m2.hdr.version != m.hdr.version || m2.hdr.exch != m.hdr.exch ||
	    m2.hdr.flags != m.hdr.flags || m2.hdr.msgid != m.hdr.msgid)
		abort();
	n2 = views(&m2, 0, v2, &all);
	compare(n1, n2);
}

/* The input as an SK payload's plaintext, its first byte naming the first
 * payload; the length's parity makes it a request or a response. */
static void
inner(const uint8_t *data, size_t size)
{
	static struct ike_msg m, m2;
	static uint8_t	      out[OUTSZ];
	struct ike_err	      e;
	struct ike_wr	      wr;
	size_t		      n1, n2, i;
	bool		      all;

	if (size < 1)
		return;
	memset(&m, 0, sizeof(m));
	m.hdr.exch = IKE_AUTH;
	m.hdr.flags = size & 1 ? IKE_F_RESPONSE : 0;
	if (ike_msg_parse_inner(&m, data + 1, size - 1, data[0], &e) == -1) {
		if (e.why[0] == '\0')
			abort();
		return;
	}
	check_bounds(&m, data + 1, size - 1, 0);
	n1 = views(&m, 0, v1, &all);
	if (!all)
		return;
	ike_wr_init(&wr, out, sizeof(out));
	for (i = 0; i < n1; i++)
		rebuild(&wr, &v1[i]);
	if (wr.w.err)
		abort();
	memset(&m2, 0, sizeof(m2));
	m2.hdr = m.hdr;
	if (ike_msg_parse_inner(&m2, out, wr.w.off, wr.first, &e) == -1)
		abort();
	n2 = views(&m2, 0, v2, &all);
	compare(n1, n2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > IKE_MSG_MAX)
		return 0;
	outer(data, size);
	inner(data, size);
	return 0;
}
