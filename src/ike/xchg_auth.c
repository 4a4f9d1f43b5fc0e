/*
 * IKE_AUTH (RFC 7296 1.2, 2.15), as the responder: the initiator's
 * identity must be a client of the configuration and prove it, by its
 * PSK or by a certificate that chains to a configured CA, names its ID
 * and signed the octets of 2.15; we answer with our identity, proof,
 * configuration payload (3.15: an address from the pool, DNS servers and
 * the split networks) and the first CHILD_SA. A failure answers
 * AUTHENTICATION_FAILED and leaves nothing behind.
 */
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

#include "ike_int.h"
#include "log.h"

#define CERTS_MAX 8

struct peer_auth {
	struct ike_id_pl   id;
	struct ike_auth_pl auth;
	X509		  *leaf;
	STACK_OF(X509) * chain;
};

static void
fail(struct ike_sa *sa, const struct ike_msg *m, const char *why)
{
	log_info("IKE_SA %016llx_i: IKE_AUTH from %s refused: %s",
	    (unsigned long long)sa->spi_i,
	    sa->peer_id[0] != '\0' ? sa->peer_id : "?", why);
	ike_send_error(sa, IKE_AUTH, m->hdr.msgid, IKE_N_AUTHENTICATION_FAILED);
	ike_sa_kill(sa, "authentication failed");
}

/* The CERT payloads: the first is the end entity's (3.6). */
static int
certs(const struct ike_msg *m, struct peer_auth *pa, const char **why)
{
	struct ike_cert_pl c;
	struct ike_err	   e;
	const uint8_t	  *p;
	X509		  *x;
	size_t		   i;

	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE_PT_CERT)
			continue;
		if (ike_pl_cert(&m->pl[i], &c, &e) == -1 ||
		    c.enc != IKE_CERT_X509_SIG) {
			*why = "a CERT payload not in X.509 encoding";
			return -1;
		}
		p = c.data;
		if ((x = d2i_X509(NULL, &p, (long)c.len)) == NULL ||
		    p != c.data + c.len) {
			X509_free(x);
			*why = "a CERT payload that is not one DER certificate";
			return -1;
		}
		if (pa->leaf == NULL) {
			pa->leaf = x;
			continue;
		}
		if ((pa->chain == NULL &&
			(pa->chain = sk_X509_new_null()) == NULL) ||
		    sk_X509_num(pa->chain) >= CERTS_MAX ||
		    !sk_X509_push(pa->chain, x)) {
			X509_free(x);
			*why = "too many certificates";
			return -1;
		}
	}
	return 0;
}

/* The peer's AUTH against the octets it signed; NULL when it holds. */
static const char *
verify(struct ike_sa *sa, const struct ike_msg *m, const struct ike_peer *peer,
    struct peer_auth *pa)
{
	struct ike *ike = sa->ike;
	/* 2.15: the peer signed its own IKE_SA_INIT message, our nonce
	 * and its ID under its SK_p. */
	bool	       we_i = sa->initiator;
	const uint8_t *msg = we_i ? sa->init_resp : sa->init_req;
	size_t	       mlen = we_i ? sa->init_resplen : sa->init_reqlen;
	uint8_t	      *oct;
	size_t	       olen, cap = mlen + IKE_NONCE_MAX + IKE_PRF_MAX;
	const char    *why = NULL;
	static char    err[200];

	if ((oct = malloc(cap)) == NULL)
		return "out of memory";
	if (ike_auth_octets(sa->suite.prf, msg, mlen, we_i ? sa->ni : sa->nr,
		we_i ? sa->nilen : sa->nrlen,
		we_i ? sa->keys.sk_pr : sa->keys.sk_pi, sa->keys.prflen,
		pa->id.body, pa->id.bodylen, oct, cap, &olen) == -1) {
		why = "cannot compute the signed octets";
		goto out;
	}
	if (!peer->cert) {
		if (pa->auth.method != IKE_AUTH_PSK)
			why = "a signature where the client has a PSK";
		else if (!ike_auth_psk_ok(sa->suite.prf, peer->psk,
			     peer->psklen, oct, olen, pa->auth.data,
			     pa->auth.len))
			why = "wrong PSK (the AUTH payload does not verify)";
		goto out;
	}
	if (pa->auth.method == IKE_AUTH_PSK) {
		why = "a PSK where the client must use a certificate";
		goto out;
	}
	if (certs(m, pa, &why) == -1)
		goto out;
	if (pa->leaf == NULL) {
		why = "no certificate";
		goto out;
	}
	if (ike_cert_verify(
		ike->conf.cas, pa->leaf, pa->chain, err, sizeof(err)) == -1) {
		why = err;
		goto out;
	}
	if (!ike_cert_id_match(
		pa->leaf, pa->id.type, pa->id.data, pa->id.len)) {
		why = "its ID is not one of its certificate's";
		goto out;
	}
	if (!ike_sig_verify(pa->leaf, pa->auth.method, pa->auth.data,
		pa->auth.len, oct, olen, &why) &&
	    why == NULL)
		why = "the signature does not verify";
out:
	OPENSSL_cleanse(oct, cap);
	free(oct);
	return why;
}

/* Our ID payload's body: type, three reserved bytes, the ID. */
static size_t
our_idbody(const struct ike *ike, uint8_t *b)
{
	b[0] = ike->conf.idtype;
	b[1] = b[2] = b[3] = 0;
	memcpy(b + 4, ike->conf.id, ike->conf.idlen);
	return 4 + ike->conf.idlen;
}

/* IDr, CERT and AUTH of ours, the same kind as the peer's proof. */
static int
put_proof(
    struct ike_sa *sa, bool cert, const struct ike_peer *peer, struct ike_wr *w)
{
	struct ike *ike = sa->ike;
	/* 2.15: we sign our own IKE_SA_INIT message and the peer's nonce. */
	bool	       we_i = sa->initiator;
	const uint8_t *msg = we_i ? sa->init_req : sa->init_resp;
	size_t	       mlen = we_i ? sa->init_reqlen : sa->init_resplen;
	uint8_t	       idb[4 + 256], auth[IKE_AUTH_MAX], *oct = NULL, *der;
	size_t	       idl = our_idbody(ike, idb), olen, alen,
	       cap = mlen + IKE_NONCE_MAX + IKE_PRF_MAX;
	uint8_t method;
	int	i, n, rc = -1;

	ike_put_id(w, we_i ? IKE_PT_IDI : IKE_PT_IDR, ike->conf.idtype,
	    ike->conf.id, ike->conf.idlen);
	if ((oct = malloc(cap)) == NULL ||
	    ike_auth_octets(sa->suite.prf, msg, mlen, we_i ? sa->nr : sa->ni,
		we_i ? sa->nrlen : sa->nilen,
		we_i ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prflen, idb,
		idl, oct, cap, &olen) == -1)
		goto out;
	if (!cert) {
		if (ike_auth_psk(sa->suite.prf, peer->psk, peer->psklen, oct,
			olen, auth) == -1)
			goto out;
		ike_put_auth(w, IKE_AUTH_PSK, auth, ike_prf_len(sa->suite.prf));
		rc = 0;
		goto out;
	}
	if (ike->conf.cred == NULL) {
		log_error("IKE_SA %016llx_i: a certificate client, but no "
			  "certificate of ours",
		    (unsigned long long)sa->spi_i);
		goto out;
	}
	der = NULL;
	if ((n = i2d_X509(ike->conf.cred->cert, &der)) <= 0)
		goto out;
	ike_put_cert(w, IKE_PT_CERT, IKE_CERT_X509_SIG, der, (size_t)n);
	OPENSSL_free(der);
	for (i = 0; ike->conf.cred->chain != NULL &&
	     i < sk_X509_num(ike->conf.cred->chain);
	     i++) {
		der = NULL;
		if ((n = i2d_X509(
			 sk_X509_value(ike->conf.cred->chain, i), &der)) <= 0)
			goto out;
		ike_put_cert(w, IKE_PT_CERT, IKE_CERT_X509_SIG, der, (size_t)n);
		OPENSSL_free(der);
	}
	if (ike_sig_sign(ike->conf.cred->key, sa->sig_hashes != 0,
		sa->sig_hashes, oct, olen, &method, auth, sizeof(auth),
		&alen) == -1)
		goto out;
	ike_put_auth(w, method, auth, alen);
	rc = 0;
out:
	if (oct != NULL) {
		OPENSSL_cleanse(oct, cap);
		free(oct);
	}
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}

/* 3.15: a CP request answered with an address, DNS and the splits. */
static int
put_cp(struct ike_sa *sa, struct ike_wr *w)
{
	struct ike	*ike = sa->ike;
	struct ike_cp_pl cp = { .type = IKE_CFG_REPLY };
	uint8_t		 sub[IKE_MAXSPLIT][8];
	size_t		 i;

	if (ike->ops.lease(ike->ops.arg, sa->peer_id, &sa->vip) == -1)
		return -1;
	sa->leased = true;
	cp.attr[cp.nattr++] =
	    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_ADDRESS, sa->vip.u.b,
		    4 };
	for (i = 0; i < ike->conf.ndns && cp.nattr < IKE_MAXATTR; i++)
		cp.attr[cp.nattr++] =
		    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_DNS,
			    ike->conf.dns[i].u.b, 4 };
	for (i = 0; i < ike->conf.nsplit && cp.nattr < IKE_MAXATTR; i++) {
		memcpy(sub[i], ike->conf.split[i].addr.u.b, 4);
		memcpy(sub[i] + 4, ike->conf.split[i].mask.u.b, 4);
		cp.attr[cp.nattr++] =
		    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_SUBNET, sub[i],
			    8 };
	}
	ike_put_cp(w, &cp);
	return 0;
}

/* 3.10.1: INITIAL_CONTACT says the peer holds no other IKE_SA with us:
 * the ones we still have for its identity are stale (it restarted), and
 * go before their lease is handed out again. */
static void
initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o;

	for (o = sa->ike->sas; o != NULL; o = o->next)
		if (o != sa && !o->has_conn && o->state != IKE_S_DEAD &&
		    o->state != IKE_S_INIT &&
		    strcmp(o->peer_id, sa->peer_id) == 0)
			ike_sa_kill(
			    o, "replaced: the peer sent INITIAL_CONTACT");
}

static bool
wants_address(const struct ike_msg *m)
{
	const struct ike_pl *pl = ike_msg_find(m, IKE_PT_CP);
	struct ike_cp_pl     cp;
	struct ike_err	     e;
	size_t		     i;

	if (pl == NULL || ike_pl_cp(pl, &cp, &e) == -1 ||
	    cp.type != IKE_CFG_REQUEST)
		return false;
	for (i = 0; i < cp.nattr; i++)
		if (cp.attr[i].type == IKE_CA_INTERNAL_IP4_ADDRESS)
			return true;
	return false;
}

void
ike_auth_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *pid, *pauth, *pidr;
	struct peer_auth     pa = { 0 };
	struct ike_id_pl     idr;
	struct ike_peer	     peer;
	struct ike_child    *child = NULL;
	struct ike_err	     e;
	struct ike_wr	     w, mark;
	const char	    *why;
	uint16_t	     notify = 0;
	bool		     cp;

	if (ike_msg_count(m, IKE_PT_IDI) != 1 ||
	    ike_msg_count(m, IKE_PT_AUTH) > 1 ||
	    ike_msg_count(m, IKE_PT_IDR) > 1) {
		fail(sa, m, "IDi missing, or IDi, IDr or AUTH twice");
		goto out;
	}
	pid = ike_msg_find(m, IKE_PT_IDI);
	if (ike_pl_id(pid, &pa.id, &e) == -1 ||
	    ike_id_print(pa.id.type, pa.id.data, pa.id.len, sa->peer_id,
		sizeof(sa->peer_id)) == -1) {
		fail(sa, m, "an IDi it cannot read");
		goto out;
	}
	if ((pauth = ike_msg_find(m, IKE_PT_AUTH)) == NULL) {
		fail(sa, m, "no AUTH payload (EAP is not offered)");
		goto out;
	}
	if (ike_pl_auth(pauth, &pa.auth, &e) == -1) {
		fail(sa, m, e.why);
		goto out;
	}
	if ((pidr = ike_msg_find(m, IKE_PT_IDR)) != NULL &&
	    (ike_pl_id(pidr, &idr, &e) == -1 || idr.type != ike->conf.idtype ||
		idr.len != ike->conf.idlen ||
		memcmp(idr.data, ike->conf.id, idr.len) != 0)) {
		fail(sa, m, "it asks for an IDr that is not ours");
		goto out;
	}
	if (ike->ops.peer(ike->ops.arg, sa->peer_id, &peer) == -1) {
		fail(sa, m, "no client line names it");
		goto out;
	}
	if ((why = verify(sa, m, &peer, &pa)) != NULL) {
		fail(sa, m, why);
		goto out;
	}
	if (ike_msg_notify(m, IKE_N_INITIAL_CONTACT) != NULL)
		initial_contact(sa);
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	if (put_proof(sa, peer.cert, &peer, &w) == -1) {
		fail(sa, m, "cannot make our own AUTH payload");
		goto out;
	}
	cp = wants_address(m) && ike->conf.pool;
	if (cp && put_cp(sa, &w) == -1) {
		log_info("IKE_SA %016llx_i: %s: the pool is exhausted",
		    (unsigned long long)sa->spi_i, sa->peer_id);
		notify = IKE_N_INTERNAL_ADDRESS_FAILURE;
	}
	mark = w;
	if (notify == 0 && ike_msg_find(m, IKE_PT_SA) != NULL)
		child = ike_child_respond(sa, m, sa->ni, sa->nilen, sa->nr,
		    sa->nrlen, NULL, 0, ike->next_reqid, &w, &notify);
	if (notify != 0)
		ike_put_notify(&w, 0, NULL, 0, notify, NULL, 0);
	if (w.w.err) {
		fail(sa, m, "the answer does not fit");
		goto out;
	}
	ike_sa_established(sa);
	if (child != NULL) {
		ike->next_reqid++;
		child->next = sa->children;
		sa->children = child;
		if (ike_child_install(sa, child) == 0)
			ike_child_timer(sa, child);
		else {
			/* The SA stands without the CHILD_SA it asked for;
			 * the answer keeps IDr, AUTH and the CP of its lease,
			 * and loses SA, TSi and TSr. */
			ike_child_delete(sa, child);
			w = mark;
			ike_put_notify(
			    &w, 0, NULL, 0, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		}
	}
	log_info("IKE_SA %016llx_i %016llx_r: established with %s (%s)%s%s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    sa->peer_id, peer.cert ? "certificate" : "PSK",
	    sa->leased ? ", virtual address " : "",
	    sa->leased ?
		addr_ntop(&sa->vip, (char[ADDR_STRLEN]){ 0 }, ADDR_STRLEN) :
		"");
	ike_send_response(sa, IKE_AUTH, m->hdr.msgid, w.first, w.w.p, w.w.off);
out:
	X509_free(pa.leaf);
	sk_X509_pop_free(pa.chain, X509_free);
}

/* ---- As the initiator (the client role) ---------------------------- */

static void
put_spi4(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
only_sa(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	for (o = sa->ike->sas; o != NULL; o = o->next)
		if (o != sa && o->has_conn && o->state != IKE_S_DEAD &&
		    addr_eq(&o->path.remote, &sa->path.remote))
			return false;
	return true;
}

/* 1.2: our identity and proof, the gateway's identity we want, a
 * configuration request, and the first CHILD_SA's proposals and
 * selectors (all of ours, and what the connection asks to reach). */
void
ike_auth_start(struct ike_sa *sa)
{
	struct ike	 *ike = sa->ike;
	struct ike_peer	  me = { .cert = sa->conn.psk == NULL,
		  .psk = sa->conn.psk,
		  .psklen = sa->conn.psklen };
	struct ike_sa_pl *offer = NULL;
	struct ike_ts_pl *ts = NULL;
	struct ike_cp_pl  cp = { .type = IKE_CFG_REQUEST };
	struct ike_wr	  w;
	uint8_t		  spi[4], creq[20 * 16];
	size_t		  i, n;

	if ((offer = calloc(1, sizeof(*offer))) == NULL ||
	    (ts = calloc(2, sizeof(*ts))) == NULL)
		goto fail;
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	if (put_proof(sa, me.cert, &me, &w) == -1)
		goto fail;
	/* 3.7: which CAs we trust, without which a gateway that sends its
	 * certificate only when asked (strongSwan's default) sends none. */
	if (ike->conf.cas != NULL &&
	    (n = ike_certreq_hashes(ike->conf.cas, creq, sizeof(creq))) > 0)
		ike_put_cert(&w, IKE_PT_CERTREQ, IKE_CERT_X509_SIG, creq, n);
	if (sa->conn.ridlen > 0)
		ike_put_id(&w, IKE_PT_IDR, sa->conn.ridtype, sa->conn.rid,
		    sa->conn.ridlen);
	/* When this is our only IKE_SA with the gateway, one left there
	 * from before a restart of ours is stale (as strongSwan does). */
	if (only_sa(sa))
		ike_put_notify(&w, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	cp.attr[cp.nattr++] =
	    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_ADDRESS, NULL, 0 };
	cp.attr[cp.nattr++] =
	    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_DNS, NULL, 0 };
	ike_put_cp(&w, &cp);
	sa->pend.spi = ike_child_spi_new(ike);
	put_spi4(spi, sa->pend.spi);
	for (i = 0; i < ike->conf.nesp_prop && i < IKE_MAXPROP; i++) {
		ike_proposal_nodh(&ike->conf.esp_prop[i], &offer->prop[i]);
		offer->prop[i].num = (uint8_t)(i + 1);
		offer->prop[i].spisize = 4;
		memcpy(offer->prop[i].spi, spi, 4);
	}
	offer->nprop = i;
	ike_put_sa(&w, offer);
	/* TSi: any of ours, the gateway narrows it to our address. */
	ts[0].nts = 1;
	ts[0].ts[0] =
	    (struct ike_ts){ .type = IKE_TS_IPV4_ADDR_RANGE, .eport = 65535 };
	ts[0].ts[0].start.af = ts[0].ts[0].end.af = AF_INET;
	ts[0].ts[0].end.u.w[0] = 0xffffffff;
	if (sa->conn.nremote_ts == 0)
		ts[1] = ts[0];
	for (i = 0; i < sa->conn.nremote_ts && i < IKE_MAXTS; i++) {
		struct ike_ts *t = &ts[1].ts[ts[1].nts++];

		*t = (struct ike_ts){ .type = IKE_TS_IPV4_ADDR_RANGE,
			.eport = 65535 };
		t->start = sa->conn.remote_ts[i].addr;
		t->end.af = AF_INET;
		t->end.u.w[0] = sa->conn.remote_ts[i].addr.u.w[0] |
		    ~sa->conn.remote_ts[i].mask.u.w[0];
	}
	ike_put_ts(&w, IKE_PT_TSI, &ts[0]);
	ike_put_ts(&w, IKE_PT_TSR, &ts[1]);
	if (w.w.err ||
	    ike_send_request(sa, IKE_AUTH, w.first, w.w.p, w.w.off, 0, 0) == -1)
		goto fail;
	free(offer);
	free(ts);
	return;
fail:
	free(offer);
	free(ts);
	ike_sa_kill(sa, "cannot make the IKE_AUTH request");
}

/* A traffic selector range as a prefix, if it is one. */
static bool
ts_prefix(const struct ike_ts *t, struct prefix *p)
{
	uint32_t lo = ntohl(t->start.u.w[0]), hi = ntohl(t->end.u.w[0]);
	uint32_t span = hi - lo;
	int	 len = 32;

	if (t->type != IKE_TS_IPV4_ADDR_RANGE || lo > hi ||
	    (span & (span + 1)) != 0 || (lo & span) != 0)
		return false;
	for (; span != 0; span >>= 1)
		len--;
	prefix_from_len(AF_INET, len, p);
	p->addr = t->start;
	return true;
}

/* The configuration reply: our address and the DNS servers. */
static void
take_cp(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pl *pl = ike_msg_find(m, IKE_PT_CP);
	struct ike_cp_pl     cp;
	struct ike_err	     e;
	size_t		     i;

	if (pl == NULL || ike_pl_cp(pl, &cp, &e) == -1 ||
	    cp.type != IKE_CFG_REPLY)
		return;
	for (i = 0; i < cp.nattr; i++) {
		if (cp.attr[i].len != 4)
			continue;
		if (cp.attr[i].type == IKE_CA_INTERNAL_IP4_ADDRESS &&
		    sa->vip.af == 0) {
			sa->vip.af = AF_INET;
			memcpy(sa->vip.u.b, cp.attr[i].data, 4);
		} else if (cp.attr[i].type == IKE_CA_INTERNAL_IP4_DNS &&
		    sa->ndns < IKE_MAXDNS) {
			sa->dns[sa->ndns].af = AF_INET;
			memcpy(sa->dns[sa->ndns++].u.b, cp.attr[i].data, 4);
		}
	}
}

/* The gateway's CHILD_SA: one of our proposals with its SPI, and the
 * selectors it narrowed ours to (2.9). */
static struct ike_child *
take_child(struct ike_sa *sa, const struct ike_msg *m, const char **why)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *psa = ike_msg_find(m, IKE_PT_SA),
			    *pi = ike_msg_find(m, IKE_PT_TSI),
			    *pr = ike_msg_find(m, IKE_PT_TSR);
	struct ike_prop	  ours[IKE_MAXPROP];
	struct ike_sa_pl *sapl = NULL;
	struct ike_ts_pl *ts = NULL;
	struct ike_child *c = NULL;
	struct ike_err	  e;
	uint8_t		  km[4 * ESP_KEY_MAX];
	size_t		  i, n, el, al;

	*why = "no CHILD_SA in the answer";
	if (psa == NULL || pi == NULL || pr == NULL ||
	    (sapl = malloc(sizeof(*sapl))) == NULL ||
	    (ts = calloc(2, sizeof(*ts))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	for (n = 0; n < ike->conf.nesp_prop && n < IKE_MAXPROP; n++)
		ike_proposal_nodh(&ike->conf.esp_prop[n], &ours[n]);
	*why = "the gateway chose an ESP proposal we did not offer";
	if (ike_pl_sa(psa, sapl, &e) == -1 || sapl->nprop != 1 ||
	    ike_proposal_select(sapl, IKE_PROTO_ESP, ours, n, &c->prop) == -1 ||
	    c->prop.spisize != 4 ||
	    ike_proposal_esp(&c->prop, &c->sa.enc, &c->sa.auth, &c->sa.ekeylen,
		&c->sa.akeylen, &c->sa.esn) == -1)
		goto fail;
	*why = "traffic selectors that are not prefixes";
	if (ike_pl_ts(pi, &ts[0], &e) == -1 || ike_pl_ts(pr, &ts[1], &e) == -1)
		goto fail;
	for (i = 0; i < ts[0].nts && c->sa.nlocal_ts < IKE_MAXSPLIT; i++)
		if (!ts_prefix(
			&ts[0].ts[i], &c->sa.local_ts[c->sa.nlocal_ts++]))
			goto fail;
	for (i = 0; i < ts[1].nts && c->sa.nremote_ts < IKE_MAXSPLIT; i++)
		if (!ts_prefix(
			&ts[1].ts[i], &c->sa.remote_ts[c->sa.nremote_ts++]))
			goto fail;
	if (c->sa.nlocal_ts == 0 || c->sa.nremote_ts == 0)
		goto fail;
	c->sa.spi_in = sa->pend.spi;
	c->sa.spi_out = (uint32_t)c->prop.spi[0] << 24 |
	    (uint32_t)c->prop.spi[1] << 16 | (uint32_t)c->prop.spi[2] << 8 |
	    c->prop.spi[3];
	c->sa.reqid = ike->next_reqid++;
	c->sa.local = sa->path.local;
	c->sa.remote = sa->path.remote;
	c->sa.udp_encap = sa->nat;
	c->sa.lport = sa->path.lport;
	c->sa.rport = sa->path.rport;
	/* 2.17: we initiated, so i->r keys are our outbound ones. */
	el = c->sa.ekeylen;
	al = c->sa.akeylen;
	*why = "cannot derive the CHILD_SA's keys";
	if (ike_child_keymat(sa->suite.prf, sa->keys.sk_d, sa->keys.prflen,
		NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen, km,
		2 * (el + al)) == -1)
		goto fail;
	memcpy(c->sa.ekey_out, km, el);
	memcpy(c->sa.akey_out, km + el, al);
	memcpy(c->sa.ekey_in, km + el + al, el);
	memcpy(c->sa.akey_in, km + 2 * el + al, al);
	OPENSSL_cleanse(km, sizeof(km));
	free(sapl);
	free(ts);
	return c;
fail:
	if (c != NULL)
		OPENSSL_cleanse(c, sizeof(*c));
	free(c);
	free(sapl);
	free(ts);
	return NULL;
}

void
ike_auth_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *pid = ike_msg_find(m, IKE_PT_IDR),
			    *pauth = ike_msg_find(m, IKE_PT_AUTH);
	struct ike_peer	     gw = { .cert = sa->conn.psk == NULL,
		     .psk = sa->conn.psk,
		     .psklen = sa->conn.psklen };
	struct peer_auth     pa = { 0 };
	struct ike_notify_pl n;
	struct ike_child    *c;
	struct ike_sa_info  *info;
	struct ike_err	     e;
	const char	    *why = NULL;
	char		     nb[16], reason[96];
	size_t		     i;

	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == IKE_PT_N &&
		    ike_pl_notify(&m->pl[i], &n, &e) == 0 &&
		    n.type <= IKE_N_ERROR_MAX && pauth == NULL) {
			snprintf(reason, sizeof(reason),
			    "the gateway answered %s",
			    ike_notify_name(n.type, nb));
			why = reason;
			goto fail;
		}
	if (pid == NULL || pauth == NULL || ike_pl_id(pid, &pa.id, &e) == -1 ||
	    ike_pl_auth(pauth, &pa.auth, &e) == -1) {
		why = "IDr or AUTH missing";
		goto fail;
	}
	if (ike_id_print(pa.id.type, pa.id.data, pa.id.len, sa->peer_id,
		sizeof(sa->peer_id)) == -1)
		snprintf(sa->peer_id, sizeof(sa->peer_id), "?");
	if (sa->conn.ridlen > 0 &&
	    !ike_id_eq(sa->conn.ridtype, sa->conn.rid, sa->conn.ridlen,
		pa.id.type, pa.id.data, pa.id.len)) {
		why = "the gateway's ID is not the one configured";
		goto fail;
	}
	if ((why = verify(sa, m, &gw, &pa)) != NULL)
		goto fail;
	take_cp(sa, m);
	if ((c = take_child(sa, m, &why)) == NULL)
		goto fail;
	c->next = sa->children;
	sa->children = c;
	if (ike_child_install(sa, c) == -1) {
		why = "the data plane refused the CHILD_SA";
		goto fail;
	}
	ike_child_timer(sa, c);
	ike_sa_established(sa);
	log_info("IKE_SA %016llx_i %016llx_r: connection %s established with "
		 "%s%s%s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    sa->conn.name, sa->peer_id,
	    sa->vip.af != 0 ? ", virtual address " : "",
	    sa->vip.af != 0 ?
		addr_ntop(&sa->vip, (char[ADDR_STRLEN]){ 0 }, ADDR_STRLEN) :
		"");
	if (ike->ops.up != NULL && (info = calloc(1, sizeof(*info))) != NULL) {
		ike_sa_info(sa, info);
		ike->ops.up(ike->ops.arg, info);
		free(info);
	}
	goto out;
fail:
	log_info("IKE_SA %016llx_i: connection %s refused: %s",
	    (unsigned long long)sa->spi_i, sa->conn.name, why);
	/* The gateway has an IKE_SA if it answered with AUTH: delete it. */
	if (pauth != NULL)
		ike_info_delete_ike(sa);
	ike_sa_kill(sa, why);
out:
	X509_free(pa.leaf);
	sk_X509_pop_free(pa.chain, X509_free);
}
