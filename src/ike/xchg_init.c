/*
 * IKE_SA_INIT (RFC 7296 1.2), as the responder: a proposal chosen, the
 * key exchange in the chosen group (else INVALID_KE_PAYLOAD naming it,
 * 1.2 and 2.7), nonces, NAT detection (2.23), our CERTREQ for the CAs
 * that client certificates must chain to (3.7) and the hash algorithms
 * we verify signatures with (RFC 7427 4).
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

#include "ike_int.h"
#include "log.h"

#define NR_LEN 32

/* 2.23: SHA-1(SPIi | SPIr | IP | port). */
static int
nat_hash(uint64_t spi_i, uint64_t spi_r, const struct addr *a, uint16_t port,
    uint8_t out[20])
{
	uint8_t	      b[8 + 8 + 16 + 2];
	struct buf_wr w;
	unsigned int  n;

	buf_wr_init(&w, b, sizeof(b));
	buf_put_u64(&w, spi_i);
	buf_put_u64(&w, spi_r);
	buf_put_bytes(&w, a->u.b, (size_t)addr_len(a->af));
	buf_put_u16(&w, port);
	return w.err || EVP_Digest(b, w.off, out, &n, EVP_sha1(), NULL) != 1 ?
	    -1 :
	    0;
}

/* Whether a NAT_DETECTION notify's hash differs from the address it is
 * about, that is, a NAT rewrote it. */
static bool
nat_seen(const struct ike_msg *m, uint64_t spi_r, uint16_t type,
    const struct addr *a, uint16_t port)
{
	struct ike_notify_pl n;
	struct ike_err	     e;
	uint8_t		     h[20];
	bool		     present = false;
	size_t		     i;

	if (nat_hash(m->hdr.spi_i, spi_r, a, port, h) == -1)
		return false;
	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE_PT_N ||
		    ike_pl_notify(&m->pl[i], &n, &e) == -1 || n.type != type)
			continue;
		present = true;
		/* of several source hashes, any one may match */
		if (n.len == 20 && memcmp(h, n.data, 20) == 0)
			return false;
	}
	return present;
}

static unsigned int
sig_hashes(const struct ike_msg *m)
{
	const struct ike_pl *pl =
	    ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	struct ike_notify_pl n;
	struct ike_err	     e;
	unsigned int	     mask = 0, h;
	size_t		     i;

	if (pl == NULL || ike_pl_notify(pl, &n, &e) == -1)
		return 0;
	for (i = 0; i + 1 < n.len; i += 2) {
		h = (unsigned int)n.data[i] << 8 | n.data[i + 1];
		if (h < 32)
			mask |= 1u << h;
	}
	return mask;
}

/*
 * 2.7 and 1.2: the peer's proposals in its order, but first among ours
 * cut down to the group its KE guessed, so that a guess we accept costs
 * no INVALID_KE_PAYLOAD round trip.
 */
static int
choose(const struct ike *ike, const struct ike_sa_pl *offer, uint16_t group,
    struct ike_prop *chosen)
{
	struct ike_prop guess[IKE_MAXPROP];
	size_t		i, j, n = 0;

	for (i = 0; i < ike->conf.nike_prop && n < IKE_MAXPROP; i++) {
		for (j = 0; j < ike->conf.ike_prop[i].nxf; j++)
			if (ike->conf.ike_prop[i].xf[j].type == IKE_XT_DH &&
			    ike->conf.ike_prop[i].xf[j].id == group)
				break;
		if (j == ike->conf.ike_prop[i].nxf)
			continue;
		ike_proposal_nodh(&ike->conf.ike_prop[i], &guess[n]);
		guess[n].xf[guess[n].nxf++] = ike->conf.ike_prop[i].xf[j];
		n++;
	}
	if (n > 0 &&
	    ike_proposal_select(offer, IKE_PROTO_IKE, guess, n, chosen) == 0)
		return 0;
	return ike_proposal_select(offer, IKE_PROTO_IKE, ike->conf.ike_prop,
	    ike->conf.nike_prop, chosen);
}

/* An answer without SA: one notify, unencrypted (1.2, 2.21.1). */
static void
refuse(struct ike *ike, const struct ike_path *path, const struct ike_msg *m,
    uint16_t notify, const uint8_t *data, size_t len)
{
	struct ike_hdr h = { .spi_i = m->hdr.spi_i,
		.version = IKE_VERSION,
		.exch = IKE_SA_INIT,
		.flags = IKE_F_RESPONSE };
	struct ike_wr  w;

	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	ike_put_notify(&w, 0, NULL, 0, notify, data, len);
	h.next = w.first;
	if (!w.w.err)
		ike_send_plain(ike, path, &h, w.w.p, w.w.off);
}

/*
 * 2.6: with many half-open SAs, an IKE_SA_INIT makes state only if it
 * carries the COOKIE we would answer it with, Hash(Ni | IPi | SPIi |
 * secret), which a peer that spoofs its address never sees; past a hard
 * limit nothing more is taken.
 */
static bool
cookie_ok(struct ike *ike, const struct ike_path *path, const struct ike_msg *m,
    const struct ike_pl *pn, const char *from)
{
	const struct ike_pl *pc = ike_msg_notify(m, IKE_N_COOKIE);
	struct ike_notify_pl n;
	struct ike_err	     e;
	const struct ike_sa *sa;
	uint8_t		     b[IKE_NONCE_MAX + 16 + 8 + 32], want[32];
	struct buf_wr	     w;
	unsigned int	     hl;
	size_t		     half = 0;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->state == IKE_S_INIT && !sa->initiator)
			half++;
	if (half < IKE_COOKIE_AFTER)
		return true;
	if (half >= IKE_HALFOPEN_MAX) {
		log_info("IKE_SA_INIT from %s dropped: %zu half-open SAs", from,
		    half);
		return false;
	}
	buf_wr_init(&w, b, sizeof(b));
	buf_put_bytes(&w, pn->body, pn->len);
	buf_put_bytes(&w, path->remote.u.b, (size_t)addr_len(path->remote.af));
	buf_put_u64(&w, m->hdr.spi_i);
	buf_put_bytes(&w, ike->cookie_secret, sizeof(ike->cookie_secret));
	if (w.err || EVP_Digest(b, w.off, want, &hl, EVP_sha256(), NULL) != 1)
		return false;
	OPENSSL_cleanse(b, sizeof(b));
	if (pc != NULL && ike_pl_notify(pc, &n, &e) == 0 &&
	    n.len == sizeof(want) && CRYPTO_memcmp(n.data, want, n.len) == 0)
		return true;
	log_debug("IKE_SA_INIT from %s: %zu half-open SAs, answered with a "
		  "COOKIE",
	    from, half);
	refuse(ike, path, m, IKE_N_COOKIE, want, sizeof(want));
	return false;
}

/* Exactly one payload of a type, else INVALID_SYNTAX. */
static const struct ike_pl *
one(const struct ike_msg *m, uint8_t type, const char *from, const char *name)
{
	size_t n = ike_msg_count(m, type);

	if (n != 1) {
		log_info("IKE_SA_INIT from %s: %zu %s payloads, not one", from,
		    n, name);
		return NULL;
	}
	return ike_msg_find(m, type);
}

void
ike_init_request(
    struct ike *ike, const struct ike_path *path, struct ike_msg *m)
{
	const struct ike_pl *psa, *pke, *pn;
	struct ike_sa_pl    *offer = NULL;
	struct ike_prop	     chosen;
	struct ike_ke_pl     ke;
	struct ike_err	     e;
	struct ike_dh	    *dh = NULL;
	struct ike_sa	    *sa = NULL;
	struct ike_wr	     w;
	struct ike_hdr	     h;
	uint8_t		     pub[IKE_DH_MAX], shared[IKE_DH_MAX], hash[20];
	uint8_t		     creq[20 * 16], sh[16], grp[2];
	size_t		     publen, slen, n;
	const char	    *why;
	char		     from[ADDR_STRLEN + 8], pbuf[256];
	uint16_t	     group;

	addr_ntop(&path->remote, from, sizeof(from));
	snprintf(from + strlen(from), 8, ":%u", path->rport);
	if ((psa = one(m, IKE_PT_SA, from, "SA")) == NULL ||
	    (pke = one(m, IKE_PT_KE, from, "KE")) == NULL ||
	    (pn = one(m, IKE_PT_NONCE, from, "Nonce")) == NULL) {
		refuse(ike, path, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (!cookie_ok(ike, path, m, pn, from))
		return;
	if ((offer = malloc(sizeof(*offer))) == NULL)
		return;
	if (ike_pl_sa(psa, offer, &e) == -1 || ike_pl_ke(pke, &ke, &e) == -1) {
		log_info("IKE_SA_INIT from %s: %s", from, e.why);
		refuse(ike, path, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		goto out;
	}
	if (choose(ike, offer, ke.group, &chosen) == -1) {
		ike_proposal_print(&offer->prop[0], pbuf, sizeof(pbuf));
		log_info("IKE_SA_INIT from %s: no proposal chosen (first "
			 "offered: %s)",
		    from, offer->nprop > 0 ? pbuf : "none");
		refuse(ike, path, m, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto out;
	}
	group = ike_proposal_dh(&chosen);
	if (ke.group != group) {
		log_info("IKE_SA_INIT from %s: KE in group %u, asking for %u",
		    from, ke.group, group);
		grp[0] = (uint8_t)(group >> 8);
		grp[1] = (uint8_t)group;
		refuse(ike, path, m, IKE_N_INVALID_KE_PAYLOAD, grp, 2);
		goto out;
	}
	if ((dh = ike_dh_new(group)) == NULL ||
	    ike_dh_public(dh, pub, sizeof(pub), &publen) == -1)
		goto out;
	if (ike_dh_shared(dh, ke.data, ke.len, shared, sizeof(shared), &slen,
		&why) == -1) {
		log_info("IKE_SA_INIT from %s: KE refused: %s", from, why);
		refuse(ike, path, m, IKE_N_INVALID_SYNTAX, NULL, 0);
		goto out;
	}
	if ((sa = ike_sa_new(ike, path, m->hdr.spi_i)) == NULL)
		goto out;
	sa->prop = chosen;
	if (ike_proposal_suite(&chosen, &sa->suite) == -1)
		goto fail;
	sa->nilen = pn->len;
	memcpy(sa->ni, pn->body, pn->len);
	sa->nrlen = NR_LEN;
	if (RAND_bytes(sa->nr, NR_LEN) != 1)
		goto fail;
	if (ike_sa_keys(sa, shared, slen, NULL, 0) == -1)
		goto fail;
	sa->nat = nat_seen(m, 0, IKE_N_NAT_DETECTION_SOURCE_IP, &path->remote,
		      path->rport) ||
	    nat_seen(m, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, &path->local,
		path->lport);
	sa->sig_hashes = sig_hashes(m);
	if ((sa->init_req = malloc(m->hdr.len)) == NULL)
		goto fail;
	memcpy(sa->init_req, m->raw, m->hdr.len);
	sa->init_reqlen = m->hdr.len;

	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	offer->nprop = 1;
	offer->prop[0] = chosen;
	ike_put_sa(&w, offer);
	ike_put_ke(&w, group, pub, publen);
	ike_put_nonce(&w, sa->nr, sa->nrlen);
	if (nat_hash(sa->spi_i, sa->spi_r, &path->local, path->lport, hash) ==
	    0)
		ike_put_notify(
		    &w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, hash, 20);
	if (nat_hash(sa->spi_i, sa->spi_r, &path->remote, path->rport, hash) ==
	    0)
		ike_put_notify(&w, 0, NULL, 0,
		    IKE_N_NAT_DETECTION_DESTINATION_IP, hash, 20);
	if (ike->conf.cas != NULL &&
	    (n = ike_certreq_hashes(ike->conf.cas, creq, sizeof(creq))) > 0)
		ike_put_cert(&w, IKE_PT_CERTREQ, IKE_CERT_X509_SIG, creq, n);
	if ((n = ike_sig_hashes(sh, sizeof(sh))) > 0)
		ike_put_notify(
		    &w, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, sh, n);
	if (w.w.err)
		goto fail;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.next = w.first;
	h.version = IKE_VERSION;
	h.exch = IKE_SA_INIT;
	h.flags = IKE_F_RESPONSE;
	ike_send_plain(ike, path, &h, w.w.p, w.w.off);
	/* ike_send_plain left the whole message in ike->out. */
	n = IKE_HDR_LEN + w.w.off;
	if ((sa->init_resp = malloc(n)) == NULL)
		goto fail;
	memcpy(sa->init_resp, ike->out, n);
	sa->init_resplen = n;
	sa->recv_msgid = 1;
	log_info("IKE_SA %016llx_i %016llx_r: IKE_SA_INIT from %s answered "
		 "(%s%s)",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, from,
	    ike_proposal_print(&chosen, pbuf, sizeof(pbuf)) == 0 ? pbuf : "?",
	    sa->nat ? ", NAT detected" : "");
	goto out;
fail:
	ike_sa_kill(sa, "cannot set up its keys");
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	ike_dh_free(dh);
	free(offer);
}

/* ---- As the initiator (the client role) ---------------------------- */

/* 1.2: SA, KE in the group of the first proposal that has one (or the
 * group the responder asked for), Ni, NAT detection, and the hashes we
 * verify signatures with; a COOKIE first when the responder sent one. */
static int
init_send(struct ike_sa *sa, const uint8_t *cookie, size_t cookielen)
{
	struct ike	 *ike = sa->ike;
	struct ike_sa_pl *offer;
	struct ike_wr	  w;
	uint8_t		  pub[IKE_DH_MAX], hash[20], sh[16];
	size_t		  publen, i, n;
	int		  rc = -1;

	if ((offer = calloc(1, sizeof(*offer))) == NULL)
		return -1;
	for (i = 0; i < ike->conf.nike_prop && i < IKE_MAXPROP; i++) {
		offer->prop[i] = ike->conf.ike_prop[i];
		offer->prop[i].num = (uint8_t)(i + 1);
		offer->prop[i].spisize = 0;
	}
	offer->nprop = i;
	if (ike_dh_public(sa->pend.dh, pub, sizeof(pub), &publen) == -1)
		goto out;
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	if (cookie != NULL)
		ike_put_notify(&w, 0, NULL, 0, IKE_N_COOKIE, cookie, cookielen);
	ike_put_sa(&w, offer);
	ike_put_ke(&w, ike_dh_group(sa->pend.dh), pub, publen);
	ike_put_nonce(&w, sa->ni, sa->nilen);
	if (nat_hash(sa->spi_i, 0, &sa->path.local, sa->path.lport, hash) == 0)
		ike_put_notify(
		    &w, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, hash, 20);
	if (nat_hash(sa->spi_i, 0, &sa->path.remote, sa->path.rport, hash) == 0)
		ike_put_notify(&w, 0, NULL, 0,
		    IKE_N_NAT_DETECTION_DESTINATION_IP, hash, 20);
	if ((n = ike_sig_hashes(sh, sizeof(sh))) > 0)
		ike_put_notify(
		    &w, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, sh, n);
	if (w.w.err)
		goto out;
	sa->send_msgid = 0;
	if (ike_send_request(sa, IKE_SA_INIT, w.first, w.w.p, w.w.off, 0, 0) ==
	    -1)
		goto out;
	/* ike_send_request kept the message: the AUTH payload signs it. */
	free(sa->init_req);
	if ((sa->init_req = malloc(sa->req.len)) == NULL)
		goto out;
	memcpy(sa->init_req, sa->req.msg, sa->req.len);
	sa->init_reqlen = sa->req.len;
	rc = 0;
out:
	free(offer);
	return rc;
}

int
ike_connect(struct ike *ike, const struct ike_conn *conn)
{
	struct ike_path p = { .local = ike->conf.local,
		.remote = conn->remote,
		.lport = conn->port,
		.rport = conn->port };
	struct ike_sa  *sa;
	uint16_t	group = IKE_DH_NONE;
	size_t		i;

	for (i = 0; i < ike->conf.nike_prop && group == IKE_DH_NONE; i++)
		group = ike_proposal_dh(&ike->conf.ike_prop[i]);
	if (conn->psklen > sizeof(sa->psk) ||
	    (sa = ike_sa_new(ike, &p, ike_spi_new())) == NULL)
		return -1;
	sa->spi_r = 0;
	sa->initiator = true;
	sa->has_conn = true;
	sa->conn = *conn;
	if (conn->psk != NULL) {
		memcpy(sa->psk, conn->psk, conn->psklen);
		sa->conn.psk = sa->psk;
	}
	snprintf(sa->peer_id, sizeof(sa->peer_id), "%s", "?");
	if (conn->ridlen > 0 &&
	    ike_id_print(conn->ridtype, conn->rid, conn->ridlen, sa->peer_id,
		sizeof(sa->peer_id)) == -1)
		sa->peer_id[0] = '\0';
	sa->nilen = NR_LEN;
	if (RAND_bytes(sa->ni, NR_LEN) != 1 ||
	    (sa->pend.dh = ike_dh_new(group)) == NULL ||
	    init_send(sa, NULL, 0) == -1) {
		ike_sa_kill(sa, "cannot start IKE_SA_INIT");
		return -1;
	}
	log_info("IKE_SA %016llx_i: connection %s: IKE_SA_INIT to %s:%u",
	    (unsigned long long)sa->spi_i, conn->name,
	    addr_ntop(&conn->remote, (char[ADDR_STRLEN]){ 0 }, ADDR_STRLEN),
	    conn->port);
	return 0;
}

/* 1.2's answers: INVALID_KE_PAYLOAD names the group to retry with, a
 * COOKIE is sent back (2.6), any other error ends the attempt. */
static int
init_error(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct ike_err	     e;
	char		     nb[16];
	uint16_t	     group;
	size_t		     i;

	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE_PT_N ||
		    ike_pl_notify(&m->pl[i], &n, &e) == -1)
			continue;
		if (n.type == IKE_N_COOKIE && n.len > 0 && n.len <= 64) {
			if (init_send(sa, n.data, n.len) == 0)
				return 0;
			break;
		}
		if (n.type == IKE_N_INVALID_KE_PAYLOAD && n.len == 2) {
			group = (uint16_t)(n.data[0] << 8 | n.data[1]);
			ike_dh_free(sa->pend.dh);
			if ((sa->pend.dh = ike_dh_new(group)) == NULL ||
			    ike_dh_group(sa->pend.dh) == IKE_DH_NONE) {
				ike_sa_kill(sa,
				    "the gateway wants a group "
				    "we do not have");
				return 0;
			}
			log_info("IKE_SA %016llx_i: the gateway asks for "
				 "group %u",
			    (unsigned long long)sa->spi_i, group);
			if (init_send(sa, NULL, 0) == 0)
				return 0;
			break;
		}
		if (n.type <= IKE_N_ERROR_MAX) {
			char why[64];

			snprintf(why, sizeof(why), "the gateway answered %s",
			    ike_notify_name(n.type, nb));
			ike_sa_kill(sa, why);
			return 0;
		}
	}
	return -1;
}

void
ike_init_response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike	    *ike = sa->ike;
	const struct ike_pl *psa = ike_msg_find(m, IKE_PT_SA),
			    *pke = ike_msg_find(m, IKE_PT_KE),
			    *pn = ike_msg_find(m, IKE_PT_NONCE);
	struct ike_sa_pl *sapl = NULL;
	struct ike_ke_pl  ke;
	struct ike_err	  e;
	uint8_t		  shared[IKE_DH_MAX];
	size_t		  slen;
	const char	 *why = "a malformed answer";

	if (psa == NULL && init_error(sa, m) == 0)
		return;
	if (psa == NULL || pke == NULL || pn == NULL ||
	    (sapl = malloc(sizeof(*sapl))) == NULL ||
	    ike_pl_sa(psa, sapl, &e) == -1 || sapl->nprop != 1 ||
	    ike_proposal_select(sapl, IKE_PROTO_IKE, ike->conf.ike_prop,
		ike->conf.nike_prop, &sa->prop) == -1 ||
	    ike_pl_ke(pke, &ke, &e) == -1 ||
	    ke.group != ike_dh_group(sa->pend.dh) ||
	    ike_proposal_dh(&sa->prop) != ke.group ||
	    ike_proposal_suite(&sa->prop, &sa->suite) == -1)
		goto fail;
	if (ike_dh_shared(sa->pend.dh, ke.data, ke.len, shared, sizeof(shared),
		&slen, &why) == -1)
		goto fail;
	sa->spi_r = m->hdr.spi_r;
	sa->nrlen = pn->len;
	memcpy(sa->nr, pn->body, pn->len);
	if (ike_sa_keys(sa, shared, slen, NULL, 0) == -1) {
		why = "cannot derive the keys";
		goto fail;
	}
	OPENSSL_cleanse(shared, sizeof(shared));
	/* Their hashes are of their view; the SPIs now include theirs. */
	sa->nat = nat_seen(m, m->hdr.spi_r, IKE_N_NAT_DETECTION_SOURCE_IP,
		      &sa->path.remote, sa->path.rport) ||
	    nat_seen(m, m->hdr.spi_r, IKE_N_NAT_DETECTION_DESTINATION_IP,
		&sa->path.local, sa->path.lport);
	if (sa->nat && sa->conn.natt_port != 0) {
		/* 2.23: behind a NAT, IKE moves to the NAT-T port. */
		sa->path.lport = sa->conn.natt_port;
		sa->path.rport = sa->conn.natt_port;
	}
	sa->sig_hashes = sig_hashes(m);
	sa->certreq = ike_msg_find(m, IKE_PT_CERTREQ) != NULL;
	if ((sa->init_resp = malloc(m->hdr.len)) == NULL)
		goto fail;
	memcpy(sa->init_resp, m->raw, m->hdr.len);
	sa->init_resplen = m->hdr.len;
	ike_dh_free(sa->pend.dh);
	sa->pend.dh = NULL;
	sa->send_msgid = 1;
	free(sapl);
	ike_auth_start(sa);
	return;
fail:
	OPENSSL_cleanse(shared, sizeof(shared));
	free(sapl);
	log_info("IKE_SA %016llx_i: IKE_SA_INIT answer refused: %s",
	    (unsigned long long)sa->spi_i, why);
	ike_sa_kill(sa, why);
}
