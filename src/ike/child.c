/*
 * CHILD_SAs: the one IKE_AUTH creates and CREATE_CHILD_SA (RFC 7296
 * 1.3): the ESP proposal, traffic selectors narrowed to the client's
 * virtual address and the split networks (2.9), KEYMAT (2.17), rekeying
 * of CHILD_SAs (1.3.3) and of the IKE_SA itself (1.3.2, 2.18), from
 * either side.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "ike_int.h"
#include "log.h"

#define SPLITS_LOG 128

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 ranges and prefixes as host-order numbers. */
static uint32_t
a4(const struct addr *a)
{
	return be32(a->u.b);
}

static bool
ts_holds(const struct ike_ts *t, uint32_t lo, uint32_t hi)
{
	return t->type == IKE_TS_IPV4_ADDR_RANGE && a4(&t->start) <= lo &&
	    hi <= a4(&t->end);
}

static void
prefix_range(const struct prefix *p, uint32_t *lo, uint32_t *hi)
{
	*lo = a4(&p->addr);
	*hi = *lo | ~a4(&p->mask);
}

static void
ts_of_prefix(
    const struct prefix *p, const struct ike_ts *like, struct ike_ts *t)
{
	uint32_t lo, hi;

	prefix_range(p, &lo, &hi);
	memset(t, 0, sizeof(*t));
	t->type = IKE_TS_IPV4_ADDR_RANGE;
	t->proto = like->proto;
	t->sport = like->sport;
	t->eport = like->eport;
	t->start = p->addr;
	t->end.af = AF_INET;
	t->end.u.w[0] = htonl(hi);
}

/* A range that is one prefix, as the data plane's policies want it. */
static bool
range_prefix(const struct ike_ts *t, struct prefix *p)
{
	uint32_t lo = a4(&t->start), hi = a4(&t->end), span = hi - lo;
	int	 len;

	if (t->type != IKE_TS_IPV4_ADDR_RANGE || (span & (span + 1)) != 0 ||
	    (lo & span) != 0)
		return false;
	for (len = 32; span != 0; span >>= 1)
		len--;
	prefix_from_len(AF_INET, len, p);
	p->addr = t->start;
	return true;
}

/*
 * 2.9: the initiator's selectors narrowed to its virtual address (or its
 * own address without one), the responder's to the split networks they
 * cover, or the part of a split network they ask for.
 */
static int
narrow(struct ike_sa *sa, const struct ike_ts_pl *tsi,
    const struct ike_ts_pl *tsr, struct ike_ts_pl *ri, struct ike_ts_pl *rr,
    struct ike_child_sa *c)
{
	const struct ike *ike = sa->ike;
	struct prefix	  host, p;
	uint32_t	  lo, hi;
	size_t		  i, j;

	prefix_from_len(AF_INET, 32, &host);
	host.addr = sa->leased ? sa->vip : sa->path.remote;
	lo = hi = a4(&host.addr);
	ri->nts = rr->nts = 0;
	for (i = 0; i < tsi->nts && ri->nts == 0; i++)
		if (ts_holds(&tsi->ts[i], lo, hi))
			ts_of_prefix(&host, &tsi->ts[i], &ri->ts[ri->nts++]);
	if (ri->nts == 0)
		return -1;
	c->remote_ts[0] = host;
	c->nremote_ts = 1;
	for (j = 0; j < ike->conf.nsplit; j++) {
		prefix_range(&ike->conf.split[j], &lo, &hi);
		for (i = 0; i < tsr->nts && rr->nts < IKE_MAXTS; i++) {
			if (ts_holds(&tsr->ts[i], lo, hi)) {
				ts_of_prefix(&ike->conf.split[j], &tsr->ts[i],
				    &rr->ts[rr->nts++]);
				c->local_ts[c->nlocal_ts++] =
				    ike->conf.split[j];
				break;
			}
			if (range_prefix(&tsr->ts[i], &p) &&
			    prefix_contains(&ike->conf.split[j], &p.addr) &&
			    prefix_len(&p) >= prefix_len(&ike->conf.split[j])) {
				rr->ts[rr->nts++] = tsr->ts[i];
				c->local_ts[c->nlocal_ts++] = p;
				break;
			}
		}
	}
	return rr->nts == 0 ? -1 : 0;
}

/* 2.17: KEYMAT into the two directions; in is the initiator's when we
 * respond to this exchange. */
static int
keymat(struct ike_sa *sa, struct ike_child_sa *c, bool responder,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    const uint8_t *shared, size_t slen)
{
	uint8_t	 km[4 * ESP_KEY_MAX];
	size_t	 e = c->ekeylen, a = c->akeylen;
	uint8_t *ie = km, *ia = km + e, *re = km + e + a, *ra = km + 2 * e + a;

	if (ike_child_keymat(sa->suite.prf, sa->keys.sk_d, sa->keys.prflen,
		shared, slen, ni, nilen, nr, nrlen, km, 2 * (e + a)) == -1)
		return -1;
	memcpy(c->ekey_in, responder ? ie : re, e);
	memcpy(c->akey_in, responder ? ia : ra, a);
	memcpy(c->ekey_out, responder ? re : ie, e);
	memcpy(c->akey_out, responder ? ra : ia, a);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}

static void
fill_path(struct ike_sa *sa, struct ike_child_sa *c)
{
	c->local = sa->path.local;
	c->remote = sa->path.remote;
	c->udp_encap = sa->nat;
	c->lport = sa->path.lport;
	c->rport = sa->path.rport;
}

struct ike_child *
ike_child_respond(struct ike_sa *sa, const struct ike_msg *m, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen, const uint8_t *shared,
    size_t slen, uint32_t reqid, struct ike_wr *w, uint16_t *notify)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *psa = ike_msg_find(m, IKE_PT_SA),
			    *pi = ike_msg_find(m, IKE_PT_TSI),
			    *pr = ike_msg_find(m, IKE_PT_TSR);
	struct ike_sa_pl *offer = NULL;
	struct ike_ts_pl *ts = NULL;
	struct ike_prop	  ours[IKE_MAXPROP];
	struct ike_child *c = NULL;
	struct ike_err	  e;
	size_t		  i, n;
	char		  pbuf[256];

	*notify = IKE_N_NO_PROPOSAL_CHOSEN;
	if (psa == NULL || pi == NULL || pr == NULL ||
	    ike_msg_count(m, IKE_PT_SA) != 1) {
		*notify = IKE_N_INVALID_SYNTAX;
		return NULL;
	}
	if ((offer = malloc(sizeof(*offer))) == NULL ||
	    (ts = calloc(4, sizeof(*ts))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	n = ike->conf.nesp_prop < IKE_MAXPROP ? ike->conf.nesp_prop :
						IKE_MAXPROP;
	for (i = 0; i < n; i++)
		if (shared == NULL)
			ike_proposal_nodh(&ike->conf.esp_prop[i], &ours[i]);
		else
			ours[i] = ike->conf.esp_prop[i];
	if (ike_pl_sa(psa, offer, &e) == -1 ||
	    ike_proposal_select(offer, IKE_PROTO_ESP, ours, n, &c->prop) ==
		-1 ||
	    c->prop.spisize != 4) {
		log_info("IKE_SA %016llx_i: CHILD_SA: no ESP proposal chosen "
			 "(first offered: %s)",
		    (unsigned long long)sa->spi_i,
		    offer->nprop > 0 &&
			    ike_proposal_print(
				&offer->prop[0], pbuf, sizeof(pbuf)) == 0 ?
			pbuf :
			"none");
		goto fail;
	}
	if (ike_proposal_esp(&c->prop, &c->sa.enc, &c->sa.auth, &c->sa.ekeylen,
		&c->sa.akeylen, &c->sa.esn) == -1)
		goto fail;
	*notify = IKE_N_TS_UNACCEPTABLE;
	if (ike_pl_ts(pi, &ts[0], &e) == -1 ||
	    ike_pl_ts(pr, &ts[1], &e) == -1 ||
	    narrow(sa, &ts[0], &ts[1], &ts[2], &ts[3], &c->sa) == -1) {
		log_info("IKE_SA %016llx_i: CHILD_SA: traffic selectors "
			 "outside the virtual address and the split networks",
		    (unsigned long long)sa->spi_i);
		goto fail;
	}
	*notify = IKE_N_TEMPORARY_FAILURE;
	c->sa.spi_out = be32(c->prop.spi);
	c->sa.spi_in = ike_child_spi_new(ike);
	c->sa.reqid = reqid;
	fill_path(sa, &c->sa);
	if (keymat(sa, &c->sa, true, ni, nilen, nr, nrlen, shared, slen) == -1)
		goto fail;
	offer->nprop = 1;
	offer->prop[0] = c->prop;
	offer->prop[0].spi[0] = (uint8_t)(c->sa.spi_in >> 24);
	offer->prop[0].spi[1] = (uint8_t)(c->sa.spi_in >> 16);
	offer->prop[0].spi[2] = (uint8_t)(c->sa.spi_in >> 8);
	offer->prop[0].spi[3] = (uint8_t)c->sa.spi_in;
	ike_put_sa(w, offer);
	ike_put_ts(w, IKE_PT_TSI, &ts[2]);
	ike_put_ts(w, IKE_PT_TSR, &ts[3]);
	*notify = 0;
	free(offer);
	free(ts);
	return c;
fail:
	if (c != NULL)
		OPENSSL_cleanse(c, sizeof(*c));
	free(c);
	free(offer);
	free(ts);
	return NULL;
}

int
ike_child_install(struct ike_sa *sa, struct ike_child *c)
{
	char   ts[SPLITS_LOG] = "", p[PREFIX_STRLEN];
	size_t i;

	if (sa->ike->ops.child_add(sa->ike->ops.arg, &c->sa) == -1)
		return -1;
	if (ike_proposal_print(&c->prop, c->algs, sizeof(c->algs)) == -1)
		c->algs[0] = '\0';
	c->installed = true;
	c->established = ev_now_ms();
	for (i = 0; i < c->sa.nlocal_ts; i++) {
		prefix_ntop(&c->sa.local_ts[i], p, sizeof(p));
		snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), "%s%s",
		    i ? "," : "", p);
	}
	log_info("CHILD_SA reqid %u: in 0x%08x out 0x%08x, %s === %s%s",
	    c->sa.reqid, c->sa.spi_in, c->sa.spi_out, ts,
	    prefix_ntop(&c->sa.remote_ts[0], p, sizeof(p)),
	    c->sa.udp_encap ? " (UDP encapsulation)" : "");
	return 0;
}

void
ike_child_remove(struct ike_sa *sa, struct ike_child *c, bool keep_policy)
{
	if (!c->installed)
		return;
	sa->ike->ops.child_del(sa->ike->ops.arg, &c->sa, keep_policy);
	c->installed = false;
	log_info("CHILD_SA reqid %u: in 0x%08x out 0x%08x removed", c->sa.reqid,
	    c->sa.spi_in, c->sa.spi_out);
}

struct ike_child *
ike_child_by_spi(struct ike_sa *sa, uint32_t spi, bool in)
{
	struct ike_child *c;

	for (c = sa->children; c != NULL; c = c->next)
		if ((in ? c->sa.spi_in : c->sa.spi_out) == spi)
			return c;
	return NULL;
}

/* Unlinks and frees one CHILD_SA of the IKE_SA. */
static void
child_drop(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_child **pp;

	for (pp = &sa->children; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ev_timer_del(sa->ike->loop, &c->rekey);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

bool
ike_child_shared(struct ike_sa *sa, const struct ike_child *c)
{
	const struct ike_child *o;

	for (o = sa->children; o != NULL; o = o->next)
		if (o != c && o->installed && o->sa.reqid == c->sa.reqid)
			return true;
	return false;
}

void
ike_child_delete(struct ike_sa *sa, struct ike_child *c)
{
	ike_child_remove(sa, c, ike_child_shared(sa, c));
	child_drop(sa, c);
}

/* Nonces compare as byte strings; a prefix is the lower. */
static bool
nonce_lower(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int d = memcmp(a, b, al < bl ? al : bl);

	return d < 0 || (d == 0 && al < bl);
}

static void
set_nmin(struct ike_child *c, const uint8_t *n1, size_t l1, const uint8_t *n2,
    size_t l2)
{
	bool first = nonce_lower(n1, l1, n2, l2);

	c->nminlen = first ? l1 : l2;
	memcpy(c->nmin, first ? n1 : n2, c->nminlen);
}

/* A rekeyed IKE_SA's successor takes over its peer, lease and
 * CHILD_SAs. */
static void
take_over(struct ike_sa *from, struct ike_sa *to)
{
	struct ike_child *c;

	to->has_conn = from->has_conn;
	to->conn = from->conn;
	memcpy(to->psk, from->psk, sizeof(to->psk));
	to->conn.psk = to->has_conn && from->conn.psk != NULL ? to->psk : NULL;
	from->has_conn = false;
	to->gidtype = from->gidtype;
	to->gidlen = from->gidlen;
	memcpy(to->gid, from->gid, sizeof(to->gid));
	to->ndns = from->ndns;
	memcpy(to->dns, from->dns, sizeof(to->dns));
	to->nat = from->nat;
	to->sig_hashes = from->sig_hashes;
	memcpy(to->peer_id, from->peer_id, sizeof(to->peer_id));
	to->leased = from->leased;
	to->vip = from->vip;
	from->leased = false;
	to->children = from->children;
	from->children = NULL;
	for (c = to->children; c != NULL; c = c->next)
		c->ike_sa = to;
}

/* 1.3.2: the peer rekeys the IKE_SA; the CHILD_SAs move to the new one
 * and the old one waits for the peer's Delete. */
static void
rekey_ike_respond(
    struct ike_sa *sa, struct ike_msg *m, const struct ike_sa_pl *offer)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *pke = ike_msg_find(m, IKE_PT_KE),
			    *pn = ike_msg_find(m, IKE_PT_NONCE);
	struct ike_sa_pl *reply = NULL;
	struct ike_prop	  chosen;
	struct ike_ke_pl  ke;
	struct ike_err	  e;
	struct ike_dh	 *dh = NULL;
	struct ike_sa	 *nsa = NULL;
	struct ike_wr	  w;
	uint8_t		  pub[IKE_DH_MAX], shared[IKE_DH_MAX];
	size_t		  publen, slen;
	const char	 *why;
	uint64_t	  spi;
	uint16_t	  notify = IKE_N_NO_PROPOSAL_CHOSEN, group;
	int		  i;

	if (pke == NULL || pn == NULL || ike_pl_ke(pke, &ke, &e) == -1) {
		notify = IKE_N_INVALID_SYNTAX;
		goto refuse;
	}
	if (ike_proposal_select(offer, IKE_PROTO_IKE, ike->conf.ike_prop,
		ike->conf.nike_prop, &chosen) == -1 ||
	    chosen.spisize != 8)
		goto refuse;
	group = ike_proposal_dh(&chosen);
	if (ke.group != group) {
		uint8_t g[2] = { (uint8_t)(group >> 8), (uint8_t)group };

		ike_wr_init(&w, ike->plain, sizeof(ike->plain));
		ike_put_notify(&w, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		ike_send_response(sa, IKE_CREATE_CHILD_SA, m->hdr.msgid,
		    w.first, w.w.p, w.w.off);
		return;
	}
	notify = IKE_N_INVALID_SYNTAX;
	if ((dh = ike_dh_new(group)) == NULL ||
	    ike_dh_public(dh, pub, sizeof(pub), &publen) == -1 ||
	    ike_dh_shared(
		dh, ke.data, ke.len, shared, sizeof(shared), &slen, &why) == -1)
		goto refuse;
	for (spi = 0, i = 0; i < 8; i++)
		spi = spi << 8 | chosen.spi[i];
	if ((nsa = ike_sa_new(ike, &sa->path, spi)) == NULL ||
	    (reply = malloc(sizeof(*reply))) == NULL)
		goto refuse;
	nsa->prop = chosen;
	nsa->nilen = pn->len;
	memcpy(nsa->ni, pn->body, pn->len);
	nsa->nrlen = 32;
	if (ike_proposal_suite(&chosen, &nsa->suite) == -1 ||
	    RAND_bytes(nsa->nr, 32) != 1 ||
	    ike_sa_keys(nsa, shared, slen, sa->keys.sk_d, sa->suite.prf) == -1)
		goto refuse;
	reply->nprop = 1;
	reply->prop[0] = chosen;
	for (i = 0; i < 8; i++)
		reply->prop[0].spi[i] = (uint8_t)(nsa->spi_r >> (56 - 8 * i));
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	ike_put_sa(&w, reply);
	ike_put_nonce(&w, nsa->nr, nsa->nrlen);
	ike_put_ke(&w, group, pub, publen);
	if (w.w.err)
		goto refuse;
	ike_send_response(
	    sa, IKE_CREATE_CHILD_SA, m->hdr.msgid, w.first, w.w.p, w.w.off);
	take_over(sa, nsa);
	ike_sa_established(nsa);
	sa->succ_i = nsa->spi_i;
	sa->succ_r = nsa->spi_r;
	sa->rk_nminlen = nonce_lower(nsa->ni, nsa->nilen, nsa->nr, nsa->nrlen) ?
	    nsa->nilen :
	    nsa->nrlen;
	memcpy(sa->rk_nmin,
	    nonce_lower(nsa->ni, nsa->nilen, nsa->nr, nsa->nrlen) ? nsa->ni :
								    nsa->nr,
	    sa->rk_nminlen);
	sa->state = IKE_S_REKEYED;
	log_info("IKE_SA %016llx_i: rekeyed by the peer as %016llx_i %016llx_r",
	    (unsigned long long)sa->spi_i, (unsigned long long)nsa->spi_i,
	    (unsigned long long)nsa->spi_r);
	nsa = NULL;
	goto out;
refuse:
	ike_send_error(sa, IKE_CREATE_CHILD_SA, m->hdr.msgid, notify);
out:
	if (nsa != NULL)
		ike_sa_kill(nsa, "its rekey failed");
	OPENSSL_cleanse(shared, sizeof(shared));
	ike_dh_free(dh);
	free(reply);
}

/* The rekey of a CHILD_SA named by REKEY_SA (our outbound SPI). */
static struct ike_child *
rekeyed_child(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pl = ike_msg_notify(m, IKE_N_REKEY_SA);
	struct ike_notify_pl n;
	struct ike_err	     e;

	if (pl == NULL || ike_pl_notify(pl, &n, &e) == -1 ||
	    n.proto != IKE_PROTO_ESP || n.spisize != 4)
		return NULL;
	return ike_child_by_spi(sa, be32(n.spi), false);
}

void
ike_child_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *psa = ike_msg_find(m, IKE_PT_SA),
			    *pn = ike_msg_find(m, IKE_PT_NONCE),
			    *pke = ike_msg_find(m, IKE_PT_KE);
	struct ike_sa_pl *offer = NULL;
	struct ike_child *old, *c;
	struct ike_ke_pl  ke;
	struct ike_err	  e;
	struct ike_dh	 *dh = NULL;
	struct ike_wr	  w;
	uint8_t		  nr[32], pub[IKE_DH_MAX], shared[IKE_DH_MAX];
	size_t		  publen = 0, slen = 0;
	const char	 *why;
	uint16_t	  notify = IKE_N_INVALID_SYNTAX;

	if (psa == NULL || pn == NULL ||
	    (offer = malloc(sizeof(*offer))) == NULL ||
	    ike_pl_sa(psa, offer, &e) == -1)
		goto refuse;
	if (offer->nprop > 0 && offer->prop[0].proto == IKE_PROTO_IKE) {
		rekey_ike_respond(sa, m, offer);
		goto out;
	}
	/* 1.3.1 and 1.3.3: a CHILD_SA of its own reqid, or the rekey of
	 * one we have. */
	if ((old = rekeyed_child(sa, m)) == NULL &&
	    ike_msg_notify(m, IKE_N_REKEY_SA) != NULL) {
		notify = IKE_N_CHILD_SA_NOT_FOUND;
		goto refuse;
	}
	if (RAND_bytes(nr, sizeof(nr)) != 1)
		goto refuse;
	if (pke != NULL) {
		if (ike_pl_ke(pke, &ke, &e) == -1 ||
		    (dh = ike_dh_new(ke.group)) == NULL ||
		    ike_dh_public(dh, pub, sizeof(pub), &publen) == -1 ||
		    ike_dh_shared(dh, ke.data, ke.len, shared, sizeof(shared),
			&slen, &why) == -1)
			goto refuse;
	}
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	if ((c = ike_child_respond(sa, m, pn->body, pn->len, nr, sizeof(nr),
		 pke != NULL ? shared : NULL, slen,
		 old != NULL ? old->sa.reqid : ike->next_reqid, &w, &notify)) ==
	    NULL)
		goto refuse;
	/* 3.3: a KE only if the chosen proposal has the group. */
	if (pke != NULL && ike_proposal_dh(&c->prop) != ke.group) {
		OPENSSL_cleanse(c, sizeof(*c));
		free(c);
		notify = IKE_N_NO_PROPOSAL_CHOSEN;
		goto refuse;
	}
	ike_put_nonce(&w, nr, sizeof(nr));
	if (pke != NULL)
		ike_put_ke(&w, ke.group, pub, publen);
	if (old != NULL)
		c->sa.rekeys_spi_in = old->sa.spi_in;
	else
		ike->next_reqid++;
	c->by_peer = true;
	set_nmin(c, pn->body, pn->len, nr, sizeof(nr));
	c->next = sa->children;
	sa->children = c;
	if (w.w.err || ike_child_install(sa, c) == -1) {
		child_drop(sa, c);
		notify = IKE_N_TEMPORARY_FAILURE;
		goto refuse;
	}
	ike_child_timer(sa, c);
	if (old != NULL) {
		old->rekeyed = true;
		ev_timer_del(ike->loop, &old->rekey);
	}
	ike_send_response(
	    sa, IKE_CREATE_CHILD_SA, m->hdr.msgid, w.first, w.w.p, w.w.off);
	goto out;
refuse:
	ike_send_error(sa, IKE_CREATE_CHILD_SA, m->hdr.msgid, notify);
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	ike_dh_free(dh);
	free(offer);
}

/* ---- Rekeys of ours ----------------------------------------------- */

static void
put_spi(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void
ts_list(const struct prefix *p, size_t n, struct ike_ts_pl *t)
{
	static const struct ike_ts any = { .eport = 65535 };
	size_t			   i;

	t->nts = 0;
	for (i = 0; i < n && i < IKE_MAXTS; i++)
		ts_of_prefix(&p[i], &any, &t->ts[t->nts++]);
}

static void
rekey_later(struct ike_child *c, uint64_t ms)
{
	ev_timer_add(c->ike_sa->ike->loop, &c->rekey, ms);
}

static void
child_rekey_due(void *arg)
{
	struct ike_child *c = arg;
	struct ike_sa	 *sa = c->ike_sa;

	if (c->rekeyed || !c->installed)
		return;
	if (sa->state != IKE_S_ESTABLISHED || sa->req_busy) {
		rekey_later(c, 1000);
		return;
	}
	ike_child_rekey(sa, c);
}

void
ike_child_timer(struct ike_sa *sa, struct ike_child *c)
{
	c->ike_sa = sa;
	ev_timer_init(&c->rekey, child_rekey_due, c);
	if (sa->ike->conf.child_lifetime != 0)
		rekey_later(c, (uint64_t)sa->ike->conf.child_lifetime * 1000);
}

/* 1.3.3: CREATE_CHILD_SA with REKEY_SA, the old SA's selectors and our
 * ESP proposals under a new inbound SPI. */
void
ike_child_rekey(struct ike_sa *sa, struct ike_child *c)
{
	struct ike	 *ike = sa->ike;
	struct ike_sa_pl *offer;
	struct ike_ts_pl *ts;
	struct ike_wr	  w;
	uint8_t		  spi[4];
	size_t		  i;

	if ((offer = calloc(1, sizeof(*offer))) == NULL ||
	    (ts = calloc(2, sizeof(*ts))) == NULL) {
		free(offer);
		rekey_later(c, 1000);
		return;
	}
	sa->pend.spi = ike_child_spi_new(ike);
	put_spi(spi, sa->pend.spi, 4);
	for (i = 0; i < ike->conf.nesp_prop && i < IKE_MAXPROP; i++) {
		ike_proposal_nodh(&ike->conf.esp_prop[i], &offer->prop[i]);
		offer->prop[i].num = (uint8_t)(i + 1);
		offer->prop[i].spisize = 4;
		memcpy(offer->prop[i].spi, spi, 4);
	}
	offer->nprop = i;
	if (RAND_bytes(sa->pend.ni, sizeof(sa->pend.ni)) != 1)
		goto out;
	put_spi(spi, c->sa.spi_in, 4);
	ts_list(c->sa.local_ts, c->sa.nlocal_ts, &ts[0]);
	ts_list(c->sa.remote_ts, c->sa.nremote_ts, &ts[1]);
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	ike_put_notify(&w, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_put_sa(&w, offer);
	ike_put_nonce(&w, sa->pend.ni, sizeof(sa->pend.ni));
	ike_put_ts(&w, IKE_PT_TSI, &ts[0]);
	ike_put_ts(&w, IKE_PT_TSR, &ts[1]);
	if (w.w.err ||
	    ike_send_request(sa, IKE_CREATE_CHILD_SA, w.first, w.w.p, w.w.off,
		IKE_REQ_REKEY_CHILD, c->sa.spi_in) == -1)
		rekey_later(c, 1000);
out:
	free(offer);
	free(ts);
}

/* 1.3.2: CREATE_CHILD_SA with an IKE proposal under a new SPI of ours. */
void
ike_rekey_ike(struct ike_sa *sa)
{
	struct ike	 *ike = sa->ike;
	struct ike_sa_pl *offer;
	struct ike_wr	  w;
	uint8_t		  pub[IKE_DH_MAX];
	size_t		  publen;

	if ((offer = calloc(1, sizeof(*offer))) == NULL)
		return;
	ike_dh_free(sa->pend.dh);
	sa->pend.spi_i = ike_spi_new();
	if ((sa->pend.dh = ike_dh_new(sa->suite.dh)) == NULL ||
	    ike_dh_public(sa->pend.dh, pub, sizeof(pub), &publen) == -1 ||
	    RAND_bytes(sa->pend.ni, sizeof(sa->pend.ni)) != 1)
		goto out;
	/* The SA's own suite: its group is the KE we send. */
	offer->prop[0] = sa->prop;
	offer->prop[0].num = 1;
	offer->prop[0].spisize = 8;
	put_spi(offer->prop[0].spi, sa->pend.spi_i, 8);
	offer->nprop = 1;
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	ike_put_sa(&w, offer);
	ike_put_nonce(&w, sa->pend.ni, sizeof(sa->pend.ni));
	ike_put_ke(&w, sa->suite.dh, pub, publen);
	if (!w.w.err)
		ike_send_request(sa, IKE_CREATE_CHILD_SA, w.first, w.w.p,
		    w.w.off, IKE_REQ_REKEY_IKE, 0);
out:
	free(offer);
}

/* The answer's one proposal must be one of the offered ones. */
static int
answered(const struct ike_msg *m, uint8_t proto, const struct ike_prop *ours,
    size_t nours, struct ike_prop *chosen)
{
	const struct ike_pl *psa = ike_msg_find(m, IKE_PT_SA);
	struct ike_sa_pl    *sapl;
	struct ike_err	     e;
	int		     rc = -1;

	if (psa == NULL || (sapl = malloc(sizeof(*sapl))) == NULL)
		return -1;
	if (ike_pl_sa(psa, sapl, &e) == 0 && sapl->nprop == 1 &&
	    ike_proposal_select(sapl, proto, ours, nours, chosen) == 0)
		rc = 0;
	free(sapl);
	return rc;
}

/* The CHILD_SA the peer made when it rekeyed old. */
static struct ike_child *
peer_rekey(struct ike_sa *sa, const struct ike_child *old)
{
	struct ike_child *c;

	for (c = sa->children; c != NULL; c = c->next)
		if (c->by_peer && c->sa.rekeys_spi_in == old->sa.spi_in)
			return c;
	return NULL;
}

static void
child_rekeyed(struct ike_sa *sa, struct ike_msg *m, struct ike_child *old)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *pn = ike_msg_find(m, IKE_PT_NONCE);
	struct ike_prop	     ours[IKE_MAXPROP];
	struct ike_child    *c, *peer;
	size_t		     i, n = ike->conf.nesp_prop;

	for (i = 0; i < n && i < IKE_MAXPROP; i++)
		ike_proposal_nodh(&ike->conf.esp_prop[i], &ours[i]);
	if (pn == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		goto retry;
	if (answered(m, IKE_PROTO_ESP, ours, i, &c->prop) == -1 ||
	    c->prop.spisize != 4 ||
	    ike_proposal_esp(&c->prop, &c->sa.enc, &c->sa.auth, &c->sa.ekeylen,
		&c->sa.akeylen, &c->sa.esn) == -1) {
		free(c);
		goto retry;
	}
	c->sa = (struct ike_child_sa){ .enc = c->sa.enc,
		.auth = c->sa.auth,
		.esn = c->sa.esn,
		.ekeylen = c->sa.ekeylen,
		.akeylen = c->sa.akeylen };
	memcpy(c->sa.remote_ts, old->sa.remote_ts, sizeof(c->sa.remote_ts));
	memcpy(c->sa.local_ts, old->sa.local_ts, sizeof(c->sa.local_ts));
	c->sa.nremote_ts = old->sa.nremote_ts;
	c->sa.nlocal_ts = old->sa.nlocal_ts;
	c->sa.reqid = old->sa.reqid;
	c->sa.spi_in = sa->pend.spi;
	c->sa.spi_out = be32(c->prop.spi);
	c->sa.rekeys_spi_in = old->sa.spi_in;
	fill_path(sa, &c->sa);
	if (keymat(sa, &c->sa, false, sa->pend.ni, sizeof(sa->pend.ni),
		pn->body, pn->len, NULL, 0) == -1) {
		OPENSSL_cleanse(c, sizeof(*c));
		free(c);
		goto retry;
	}
	set_nmin(c, sa->pend.ni, sizeof(sa->pend.ni), pn->body, pn->len);
	if (old->rekeyed && (peer = peer_rekey(sa, old)) != NULL &&
	    nonce_lower(c->nmin, c->nminlen, peer->nmin, peer->nminlen)) {
		/* 2.8.1: both rekeyed it, and ours holds the lowest nonce:
		 * ours is redundant and ours to delete. */
		log_info("CHILD_SA reqid %u: rekey collision, deleting ours "
			 "(in 0x%08x)",
		    old->sa.reqid, c->sa.spi_in);
		c->next = sa->children;
		sa->children = c;
		ike_info_delete_child(sa, c);
		return;
	}
	c->next = sa->children;
	sa->children = c;
	if (ike_child_install(sa, c) == -1) {
		child_drop(sa, c);
		goto retry;
	}
	ike_child_timer(sa, c);
	/* Ours survives: the SA it replaces is ours to delete; a
	 * redundant one of the peer's is the peer's. */
	old->rekeyed = true;
	ike_info_delete_child(sa, old);
	return;
retry:
	log_info("CHILD_SA reqid %u: rekey refused, trying again in 10 s",
	    old->sa.reqid);
	rekey_later(old, 10000);
}

static void
ike_rekeyed(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *pn = ike_msg_find(m, IKE_PT_NONCE),
			    *pke = ike_msg_find(m, IKE_PT_KE);
	struct ike_prop	 chosen;
	struct ike_ke_pl ke;
	struct ike_err	 e;
	struct ike_sa	*nsa = NULL, *peer;
	uint8_t		 shared[IKE_DH_MAX];
	size_t		 slen;
	const char	*why = "a malformed answer";
	uint64_t	 spi_r = 0;
	int		 i;

	if (pn == NULL || pke == NULL || ike_pl_ke(pke, &ke, &e) == -1 ||
	    answered(m, IKE_PROTO_IKE, ike->conf.ike_prop, ike->conf.nike_prop,
		&chosen) == -1 ||
	    chosen.spisize != 8 || ike_proposal_dh(&chosen) != sa->suite.dh ||
	    ike_dh_shared(sa->pend.dh, ke.data, ke.len, shared, sizeof(shared),
		&slen, &why) == -1)
		goto fail;
	for (i = 0; i < 8; i++)
		spi_r = spi_r << 8 | chosen.spi[i];
	if ((nsa = ike_sa_new(ike, &sa->path, sa->pend.spi_i)) == NULL)
		goto fail;
	nsa->spi_r = spi_r;
	nsa->initiator = true;
	nsa->prop = chosen;
	memcpy(nsa->ni, sa->pend.ni, sizeof(sa->pend.ni));
	nsa->nilen = sizeof(sa->pend.ni);
	nsa->nrlen = pn->len;
	memcpy(nsa->nr, pn->body, pn->len);
	if (ike_proposal_suite(&chosen, &nsa->suite) == -1 ||
	    ike_sa_keys(nsa, shared, slen, sa->keys.sk_d, sa->suite.prf) ==
		-1) {
		ike_sa_kill(nsa, "its rekey failed");
		goto fail;
	}
	OPENSSL_cleanse(shared, sizeof(shared));
	if (sa->state == IKE_S_REKEYED) {
		/* 2.8.2: the peer rekeyed it too. The new SA with the lowest
		 * nonce is redundant, and its initiator deletes it. */
		peer = ike_sa_find(ike, sa->succ_i, sa->succ_r);
		if (peer == NULL ||
		    nonce_lower(
			nsa->ni, nsa->nilen, sa->rk_nmin, sa->rk_nminlen) ||
		    nonce_lower(
			nsa->nr, nsa->nrlen, sa->rk_nmin, sa->rk_nminlen)) {
			log_info("IKE_SA %016llx_i: rekey collision, deleting "
				 "ours (%016llx_i)",
			    (unsigned long long)sa->spi_i,
			    (unsigned long long)nsa->spi_i);
			nsa->state = IKE_S_ESTABLISHED;
			ike_info_delete_ike(nsa);
			ike_sa_kill(nsa, "redundant rekey");
			goto out;
		}
		take_over(peer, nsa);
	} else
		take_over(sa, nsa);
	ike_sa_established(nsa);
	sa->state = IKE_S_REKEYED;
	log_info("IKE_SA %016llx_i: rekeyed as %016llx_i %016llx_r",
	    (unsigned long long)sa->spi_i, (unsigned long long)nsa->spi_i,
	    (unsigned long long)nsa->spi_r);
	ike_info_delete_ike(sa);
	goto out;
fail:
	log_info("IKE_SA %016llx_i: rekey refused (%s), trying again in 10 s",
	    (unsigned long long)sa->spi_i, why);
	ev_timer_add(ike->loop, &sa->life, 10000);
out:
	ike_dh_free(sa->pend.dh);
	sa->pend.dh = NULL;
}

void
ike_child_response(struct ike_sa *sa, struct ike_msg *m, int kind, uint32_t arg)
{
	struct ike_child *old;

	if (kind == IKE_REQ_REKEY_IKE) {
		ike_rekeyed(sa, m);
		return;
	}
	if ((old = ike_child_by_spi(sa, arg, true)) != NULL)
		child_rekeyed(sa, m, old);
}
