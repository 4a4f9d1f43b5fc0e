/*
 * The IKE_SAs (RFC 7296 2.1-2.3): the table, message IDs and the window
 * of one, the responder's cache of its last answer (a retransmitted
 * request gets the same bytes again), the requester's retransmissions
 * with backoff, and the dispatch of a received message to its exchange.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "ike_int.h"
#include "log.h"

uint64_t
ike_spi_new(void)
{
	uint64_t spi = 0;

	while (spi == 0)
		if (RAND_bytes((uint8_t *)&spi, sizeof(spi)) != 1)
			abort(); /* no randomness: no IKE */
	return spi;
}

/* An inbound CHILD_SA SPI of ours: random, above the reserved 1-255
 * (RFC 4303 2.1), and not one of our SAs'. */
uint32_t
ike_child_spi_new(struct ike *ike)
{
	struct ike_sa	 *sa;
	struct ike_child *c;
	uint32_t	  spi;
	bool		  taken;

	do {
		if (RAND_bytes((uint8_t *)&spi, sizeof(spi)) != 1)
			abort();
		taken = spi < 256;
		for (sa = ike->sas; sa != NULL && !taken; sa = sa->next)
			for (c = sa->children; c != NULL; c = c->next)
				if (c->sa.spi_in == spi)
					taken = true;
	} while (taken);
	return spi;
}

static void
halfopen_expired(void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa_kill(sa, "no IKE_AUTH within 30 s of IKE_SA_INIT");
}

struct ike_sa *
ike_sa_new(struct ike *ike, const struct ike_path *path, uint64_t spi_i)
{
	struct ike_sa *sa;

	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return NULL;
	sa->ike = ike;
	sa->path = *path;
	sa->spi_i = spi_i;
	sa->spi_r = ike_spi_new();
	sa->state = IKE_S_INIT;
	sa->established = sa->last_rx = ev_now_ms();
	ev_timer_init(&sa->life, halfopen_expired, sa);
	ev_timer_init(&sa->dpd, NULL, sa);
	ev_timer_init(&sa->req.timer, NULL, sa);
	ev_timer_add(ike->loop, &sa->life, IKE_HALFOPEN_MS);
	sa->next = ike->sas;
	ike->sas = sa;
	return sa;
}

struct ike_sa *
ike_sa_find(struct ike *ike, uint64_t spi_i, uint64_t spi_r)
{
	struct ike_sa *sa;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->spi_i == spi_i && sa->spi_r == spi_r &&
		    sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

/* A half-open SA by the initiator's SPI and address: a retransmitted
 * IKE_SA_INIT (2.1) is answered from it. */
struct ike_sa *
ike_sa_find_init(struct ike *ike, uint64_t spi_i, const struct ike_path *p)
{
	struct ike_sa *sa;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->spi_i == spi_i && !sa->initiator &&
		    sa->state != IKE_S_DEAD &&
		    addr_eq(&sa->path.remote, &p->remote) &&
		    sa->path.rport == p->rport)
			return sa;
	return NULL;
}

static void
sa_free(struct ike_sa *sa)
{
	struct ike_child *c;

	while ((c = sa->children) != NULL) {
		sa->children = c->next;
		ev_timer_del(sa->ike->loop, &c->rekey);
		OPENSSL_cleanse(&c->sa, sizeof(c->sa));
		free(c);
	}
	ev_timer_del(sa->ike->loop, &sa->life);
	ev_timer_del(sa->ike->loop, &sa->dpd);
	ev_timer_del(sa->ike->loop, &sa->req.timer);
	ike_dh_free(sa->pend.dh);
	ike_sk_free(sa->sk_in);
	ike_sk_free(sa->sk_out);
	ike_keys_wipe(&sa->keys);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->resp);
	free(sa->req.msg);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

static void
reap(void *arg)
{
	struct ike     *ike = arg;
	struct ike_sa **pp, *sa;

	for (pp = &ike->sas; (sa = *pp) != NULL;)
		if (sa->state == IKE_S_DEAD) {
			*pp = sa->next;
			sa_free(sa);
		} else
			pp = &sa->next;
}

void
ike_sa_kill(struct ike_sa *sa, const char *why)
{
	struct ike	 *ike = sa->ike;
	struct ike_child *c;

	if (sa->state == IKE_S_DEAD)
		return;
	log_info("IKE_SA %016llx_i %016llx_r %s%s%s: deleted: %s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    sa->peer_id[0] != '\0' ? "(" : "", sa->peer_id,
	    sa->peer_id[0] != '\0' ? ")" : "", why);
	for (c = sa->children; c != NULL; c = c->next)
		if (c->installed)
			ike_child_remove(sa, c, ike_child_shared(sa, c));
	if (sa->has_conn && sa->state != IKE_S_REKEYED &&
	    ike->ops.down != NULL) {
		struct ike_sa_info *info = calloc(1, sizeof(*info));

		if (info != NULL) {
			ike_sa_info(sa, info);
			ike->ops.down(ike->ops.arg, info, why);
			free(info);
		}
	}
	if (sa->leased) {
		ike->ops.unlease(ike->ops.arg, sa->peer_id);
		sa->leased = false;
	}
	sa->state = IKE_S_DEAD;
	ev_timer_del(ike->loop, &sa->life);
	ev_timer_del(ike->loop, &sa->dpd);
	ev_timer_del(ike->loop, &sa->req.timer);
	ev_timer_add(ike->loop, &ike->reap, 0);
}

/* The SK_* keys and the SK payload's contexts from the shared secret. */
int
ike_sa_keys(struct ike_sa *sa, const uint8_t *shared, size_t slen,
    const uint8_t *old_skd, uint16_t old_prf)
{
	if (ike_keys_derive(&sa->suite, shared, slen, sa->ni, sa->nilen, sa->nr,
		sa->nrlen, sa->spi_i, sa->spi_r, old_skd, old_prf,
		&sa->keys) == -1 ||
	    (sa->sk_in = ike_sk_new(
		 &sa->suite, &sa->keys, sa->initiator, false)) == NULL ||
	    (sa->sk_out = ike_sk_new(
		 &sa->suite, &sa->keys, sa->initiator, true)) == NULL) {
		log_error("IKE_SA %016llx_i: cannot derive its keys",
		    (unsigned long long)sa->spi_i);
		return -1;
	}
	if (ike_proposal_print(&sa->prop, sa->algs, sizeof(sa->algs)) == -1)
		sa->algs[0] = '\0';
	ike_keylog(sa);
	return 0;
}

/* tshark's names in its ikev2_decryption_table (packet-isakmp.c). */
static const char *
keylog_encr(const struct ike_suite *s)
{
	switch (s->encr) {
	case IKE_ENCR_AES_CBC:
		return s->encr_bits == 256 ? "AES-CBC-256 [RFC3602]" :
		    s->encr_bits == 192	   ? "AES-CBC-192 [RFC3602]" :
					     "AES-CBC-128 [RFC3602]";
	case IKE_ENCR_AES_GCM_16:
		return s->encr_bits == 256 ?
		    "AES-GCM-256 with 16 octet ICV [RFC5282]" :
		    s->encr_bits == 192 ?
		    "AES-GCM-192 with 16 octet ICV [RFC5282]" :
		    "AES-GCM-128 with 16 octet ICV [RFC5282]";
	default:
		return NULL; /* tshark 4.0 has no ChaCha20-Poly1305 */
	}
}

static const char *
keylog_integ(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return "HMAC_SHA1_96 [RFC2404]";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return "HMAC_SHA2_512_256 [RFC4868]";
	default:
		return "NONE [RFC4306]";
	}
}

static void
hex(FILE *f, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		fprintf(f, "%02x", *p++);
}

/* One line of the table for this SA, when keylog is configured. */
void
ike_keylog(struct ike_sa *sa)
{
	FILE	   *f = sa->ike->keylog;
	const char *encr = keylog_encr(&sa->suite);
	size_t	    el = sa->keys.elen, il = sa->keys.ilen;

	if (f == NULL)
		return;
	if (encr == NULL) {
		log_info("keylog: tshark cannot decrypt this SA's cipher");
		return;
	}
	/* tshark takes the AEAD keys with their salt, as SK_e. */
	fprintf(f, "%016llx,%016llx,", (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r);
	hex(f, sa->keys.sk_ei, el);
	fputc(',', f);
	hex(f, sa->keys.sk_er, el);
	fprintf(f, ",\"%s\",", encr);
	hex(f, sa->keys.sk_ai, il);
	fputc(',', f);
	hex(f, sa->keys.sk_ar, il);
	fprintf(f, ",\"%s\"\n", keylog_integ(sa->suite.integ));
	fflush(f);
}

static void
transmit(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	sa->ike->ops.send(sa->ike->ops.arg, &sa->path, msg, len);
}

static void
hdr_of(const struct ike_sa *sa, uint8_t exch, uint32_t msgid, bool response,
    struct ike_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->version = IKE_VERSION;
	h->exch = exch;
	h->flags = (sa->initiator ? IKE_F_INITIATOR : 0) |
	    (response ? IKE_F_RESPONSE : 0);
	h->msgid = msgid;
}

/* Encrypts into ike->out; returns the length, 0 on failure. */
static size_t
seal(struct ike_sa *sa, const struct ike_hdr *h, uint8_t first,
    const uint8_t *plain, size_t plen)
{
	size_t n;

	if (ike_sk_seal(sa->sk_out, h, first, plain, plen, sa->ike->out,
		sizeof(sa->ike->out), &n) == -1) {
		log_error("IKE_SA %016llx_i: cannot encrypt a message",
		    (unsigned long long)sa->spi_i);
		return 0;
	}
	return n;
}

void
ike_send_response(struct ike_sa *sa, uint8_t exch, uint32_t msgid,
    uint8_t first, const uint8_t *plain, size_t plen)
{
	struct ike_hdr h;
	uint8_t	      *copy;
	size_t	       n;

	hdr_of(sa, exch, msgid, true, &h);
	if ((n = seal(sa, &h, first, plain, plen)) == 0)
		return;
	if ((copy = malloc(n)) != NULL) {
		memcpy(copy, sa->ike->out, n);
		free(sa->resp);
		sa->resp = copy;
		sa->resplen = n;
	}
	sa->recv_msgid = msgid + 1;
	transmit(sa, sa->ike->out, n);
}

void
ike_send_error(struct ike_sa *sa, uint8_t exch, uint32_t msgid, uint16_t notify)
{
	struct ike_wr w;

	ike_wr_init(&w, sa->ike->plain, sizeof(sa->ike->plain));
	ike_put_notify(&w, 0, NULL, 0, notify, NULL, 0);
	if (!w.w.err)
		ike_send_response(sa, exch, msgid, w.first, w.w.p, w.w.off);
}

/* An unencrypted message into ike->out; its length, 0 if too long. */
static size_t
plain_msg(
    struct ike *ike, const struct ike_hdr *h, const uint8_t *chain, size_t len)
{
	struct ike_hdr hh = *h;
	struct buf_wr  w;

	buf_wr_init(&w, ike->out, sizeof(ike->out));
	hh.len = (uint32_t)(IKE_HDR_LEN + len);
	buf_put_u64(&w, hh.spi_i);
	buf_put_u64(&w, hh.spi_r);
	buf_put_u8(&w, hh.next);
	buf_put_u8(&w, hh.version);
	buf_put_u8(&w, hh.exch);
	buf_put_u8(&w, hh.flags);
	buf_put_u32(&w, hh.msgid);
	buf_put_u32(&w, hh.len);
	buf_put_bytes(&w, chain, len);
	return w.err ? 0 : w.off;
}

void
ike_send_plain(struct ike *ike, const struct ike_path *path,
    const struct ike_hdr *h, const uint8_t *chain, size_t len)
{
	size_t n = plain_msg(ike, h, chain, len);

	if (n != 0)
		ike->ops.send(ike->ops.arg, path, ike->out, n);
}

static void
retransmit(void *arg)
{
	struct ike_sa  *sa = arg;
	struct ike_req *r = &sa->req;

	if (++r->tries > IKE_RETRANS_TRIES) {
		sa->req_busy = false;
		ike_sa_kill(sa, "peer not responding");
		return;
	}
	transmit(sa, r->msg, r->len);
	ev_timer_add(
	    sa->ike->loop, &r->timer, ((uint64_t)IKE_RETRANS_MS << r->tries));
}

/* A request of ours; one at a time (we announce no larger window). */
int
ike_send_request(struct ike_sa *sa, uint8_t exch, uint8_t first,
    const uint8_t *plain, size_t plen, int kind, uint32_t arg)
{
	struct ike_req *r = &sa->req;
	struct ike_hdr	h;
	size_t		n;

	if (sa->req_busy)
		return -1;
	hdr_of(sa, exch, sa->send_msgid, false, &h);
	if (sa->sk_out == NULL) { /* IKE_SA_INIT */
		h.next = first;
		n = plain_msg(sa->ike, &h, plain, plen);
	} else
		n = seal(sa, &h, first, plain, plen);
	if (n == 0)
		return -1;
	free(r->msg);
	if ((r->msg = malloc(n)) == NULL)
		return -1;
	memcpy(r->msg, sa->ike->out, n);
	r->len = n;
	r->msgid = sa->send_msgid++;
	r->exch = exch;
	r->tries = 0;
	r->kind = kind;
	r->arg = arg;
	ev_timer_init(&r->timer, retransmit, sa);
	ev_timer_add(sa->ike->loop, &r->timer, IKE_RETRANS_MS);
	sa->req_busy = true;
	transmit(sa, r->msg, r->len);
	return 0;
}

static void
dpd_due(void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_S_ESTABLISHED && !sa->req_busy &&
	    ev_now_ms() - sa->last_rx >= (uint64_t)sa->ike->conf.dpd * 1000)
		ike_info_dpd(sa);
	ev_timer_add(
	    sa->ike->loop, &sa->dpd, (uint64_t)sa->ike->conf.dpd * 1000);
}

static void
rekey_due(void *arg)
{
	struct ike_sa *sa = arg;

	if (sa->state == IKE_S_ESTABLISHED)
		ike_rekey_ike(sa);
}

/* IKE_AUTH done: the half-open timer becomes the rekey timer. */
void
ike_sa_established(struct ike_sa *sa)
{
	struct ike *ike = sa->ike;

	sa->state = IKE_S_ESTABLISHED;
	sa->established = ev_now_ms();
	ev_timer_del(ike->loop, &sa->life);
	ev_timer_init(&sa->life, rekey_due, sa);
	if (ike->conf.ike_lifetime != 0)
		ev_timer_add(ike->loop, &sa->life,
		    (uint64_t)ike->conf.ike_lifetime * 1000);
	ev_timer_init(&sa->dpd, dpd_due, sa);
	if (ike->conf.dpd != 0)
		ev_timer_add(
		    ike->loop, &sa->dpd, (uint64_t)ike->conf.dpd * 1000);
}

/* Decrypts an SK message and parses its inner chain; -1 drops it. */
static int
open_sk(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_err e;
	struct ike_wr  w;
	const char    *why = "no SK payload";
	size_t	       n;

	if (m->sk == NULL || sa->sk_in == NULL ||
	    ike_sk_open(sa->sk_in, m->raw, m->hdr.len, m->sk->off, sa->ike->in,
		sizeof(sa->ike->in), &n, &why) == -1) {
		log_info("IKE_SA %016llx_i: message %u dropped: %s",
		    (unsigned long long)sa->spi_i, m->hdr.msgid, why);
		return -1;
	}
	if (ike_msg_parse_inner(m, sa->ike->in, n, m->sk_next, &e) == -1) {
		log_info("IKE_SA %016llx_i: message %u: %s",
		    (unsigned long long)sa->spi_i, m->hdr.msgid, e.why);
		/* 2.21.2: an authenticated bad request gets INVALID_SYNTAX;
		 * 2.5: UNSUPPORTED_CRITICAL_PAYLOAD names the type */
		if (!(m->hdr.flags & IKE_F_RESPONSE) && e.notify != 0) {
			ike_wr_init(&w, sa->ike->plain, sizeof(sa->ike->plain));
			ike_put_notify(&w, 0, NULL, 0, e.notify, &e.pltype,
			    e.notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
			if (!w.w.err)
				ike_send_response(sa, m->hdr.exch, m->hdr.msgid,
				    w.first, w.w.p, w.w.off);
		}
		return -1;
	}
	return 0;
}

static int
req_digest(const uint8_t *p, size_t len, uint8_t d[32])
{
	unsigned int n;

	return EVP_Digest(p, len, d, &n, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static void
request(struct ike_sa *sa, const struct ike_path *path, struct ike_msg *m)
{
	uint8_t d[32];

	char x[16];

	if (m->hdr.msgid + 1 == sa->recv_msgid && sa->resp != NULL) {
		/* 2.1: a retransmission gets the same answer again; only the
		 * same bytes are one, or anyone who saw the SPIs could have
		 * the answer reflected at will (strongSwan compares too). */
		if (req_digest(m->raw, m->hdr.len, d) == 0 &&
		    memcmp(d, sa->req_digest, sizeof(d)) == 0)
			sa->ike->ops.send(
			    sa->ike->ops.arg, path, sa->resp, sa->resplen);
		return;
	}
	if (m->hdr.msgid != sa->recv_msgid) {
		log_debug("IKE_SA %016llx_i: request %u out of the window (%u)",
		    (unsigned long long)sa->spi_i, m->hdr.msgid,
		    sa->recv_msgid);
		return;
	}
	if (open_sk(sa, m) == -1)
		return;
	if (req_digest(m->raw, m->hdr.len, sa->req_digest) == -1)
		memset(sa->req_digest, 0, sizeof(sa->req_digest));
	/* Authenticated: the peer may have moved (RFC 3947, 2.23). */
	sa->path = *path;
	sa->last_rx = ev_now_ms();
	switch (m->hdr.exch) {
	case IKE_AUTH:
		if (sa->state == IKE_S_INIT) {
			ike_auth_request(sa, m);
			return;
		}
		break;
	case IKE_CREATE_CHILD_SA:
		if (sa->state == IKE_S_ESTABLISHED) {
			ike_child_request(sa, m);
			return;
		}
		if (sa->state == IKE_S_REKEYED) {
			ike_send_error(sa, m->hdr.exch, m->hdr.msgid,
			    IKE_N_TEMPORARY_FAILURE);
			return;
		}
		break;
	case IKE_INFORMATIONAL:
		if (sa->state == IKE_S_ESTABLISHED ||
		    sa->state == IKE_S_REKEYED) {
			ike_info_request(sa, m);
			return;
		}
		break;
	}
	log_info("IKE_SA %016llx_i: %s request %u out of state, dropped",
	    (unsigned long long)sa->spi_i, ike_exch_name(m->hdr.exch, x),
	    m->hdr.msgid);
}

static void
response(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_req *r = &sa->req;

	if (!sa->req_busy || m->hdr.msgid != r->msgid || m->hdr.exch != r->exch)
		return;
	if (m->hdr.exch != IKE_SA_INIT && open_sk(sa, m) == -1)
		return;
	sa->last_rx = ev_now_ms();
	sa->req_busy = false;
	ev_timer_del(sa->ike->loop, &r->timer);
	switch (m->hdr.exch) {
	case IKE_SA_INIT:
		ike_init_response(sa, m);
		break;
	case IKE_AUTH:
		ike_auth_response(sa, m);
		break;
	case IKE_INFORMATIONAL:
		ike_info_response(sa, m, r->kind, r->arg);
		break;
	case IKE_CREATE_CHILD_SA:
		ike_child_response(sa, m, r->kind, r->arg);
		break;
	}
}

/* 2.5 and 2.21.1: an IKE_SA_INIT refused before any SA exists is
 * answered unencrypted with one notify (the unknown critical payload's
 * type, or nothing for a newer major version, with ours in the header). */
static void
refuse_init(struct ike *ike, const struct ike_path *path,
    const struct ike_hdr *req, uint16_t notify, uint8_t type)
{
	struct ike_hdr h = { .spi_i = req->spi_i,
		.version = IKE_VERSION,
		.exch = IKE_SA_INIT,
		.flags = IKE_F_RESPONSE };
	struct ike_wr  w;

	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	ike_put_notify(&w, 0, NULL, 0, notify, &type,
	    notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ? 1 : 0);
	h.next = w.first;
	if (!w.w.err)
		ike_send_plain(ike, path, &h, w.w.p, w.w.off);
}

void
ike_input(struct ike *ike, const struct ike_path *path, const uint8_t *buf,
    size_t len)
{
	struct ike_msg *m;
	struct ike_err	e;
	struct ike_sa  *sa;
	char		a[ADDR_STRLEN];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	addr_ntop(&path->remote, a, sizeof(a));
	if (ike_msg_parse(buf, len, m, &e) == -1) {
		log_info("IKE from %s:%u dropped: %s", a, path->rport, e.why);
		if ((e.notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ||
			e.notify == IKE_N_INVALID_MAJOR_VERSION) &&
		    len >= IKE_HDR_LEN && m->hdr.exch == IKE_SA_INIT &&
		    m->hdr.spi_r == 0 && m->hdr.msgid == 0 &&
		    !(m->hdr.flags & IKE_F_RESPONSE))
			refuse_init(ike, path, &m->hdr, e.notify, e.pltype);
		goto out;
	}
	if (m->hdr.flags & IKE_F_RESPONSE) {
		/* Our IKE_SA_INIT's answer names the responder's SPI first. */
		if ((sa = ike_sa_find(ike, m->hdr.spi_i, m->hdr.spi_r)) !=
			NULL ||
		    (m->hdr.exch == IKE_SA_INIT &&
			(sa = ike_sa_find(ike, m->hdr.spi_i, 0)) != NULL &&
			sa->initiator))
			response(sa, m);
		goto out;
	}
	if (m->hdr.exch == IKE_SA_INIT) {
		if (m->hdr.spi_r != 0 || m->hdr.msgid != 0) {
			log_info(
			    "IKE_SA_INIT from %s:%u dropped: responder SPI "
			    "or message ID not zero",
			    a, path->rport);
			goto out;
		}
		if ((sa = ike_sa_find_init(ike, m->hdr.spi_i, path)) != NULL) {
			if (sa->state == IKE_S_INIT && sa->init_resp != NULL &&
			    sa->recv_msgid == 1 &&
			    m->hdr.len == sa->init_reqlen &&
			    memcmp(m->raw, sa->init_req, sa->init_reqlen) == 0)
				ike->ops.send(ike->ops.arg, path, sa->init_resp,
				    sa->init_resplen);
			goto out;
		}
		ike_init_request(ike, path, m);
		goto out;
	}
	if ((sa = ike_sa_find(ike, m->hdr.spi_i, m->hdr.spi_r)) == NULL) {
		log_debug("IKE from %s:%u: no IKE_SA %016llx_i %016llx_r", a,
		    path->rport, (unsigned long long)m->hdr.spi_i,
		    (unsigned long long)m->hdr.spi_r);
		goto out;
	}
	request(sa, path, m);
out:
	free(m);
}

struct ike *
ike_new(const struct ike_conf *conf, const struct ike_ops *ops,
    struct ev_loop *loop)
{
	struct ike *ike;

	if ((ike = calloc(1, sizeof(*ike))) == NULL)
		return NULL;
	ike->conf = *conf;
	ike->ops = *ops;
	ike->loop = loop;
	ike->next_reqid = 1;
	ev_timer_init(&ike->reap, reap, ike);
	if (RAND_bytes(ike->cookie_secret, sizeof(ike->cookie_secret)) != 1)
		abort();
	if (ike_id_print(conf->idtype, conf->id, conf->idlen, ike->conf_id,
		sizeof(ike->conf_id)) == -1)
		ike->conf_id[0] = '\0';
	if (conf->keylog != NULL &&
	    (ike->keylog = fopen(conf->keylog, "a")) == NULL) {
		log_error("keylog %s: cannot open it", conf->keylog);
		free(ike);
		return NULL;
	}
	return ike;
}

void
ike_free(struct ike *ike)
{
	struct ike_sa *sa;

	if (ike == NULL)
		return;
	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->state == IKE_S_ESTABLISHED ||
		    sa->state == IKE_S_REKEYED) {
			ike_info_delete_ike(sa);
			ike_sa_kill(sa, "shutting down");
		} else
			ike_sa_kill(sa, "shutting down");
	reap(ike);
	ev_timer_del(ike->loop, &ike->reap);
	if (ike->keylog != NULL)
		fclose(ike->keylog);
	OPENSSL_cleanse(ike, sizeof(*ike));
	free(ike);
}

size_t
ike_sa_count(const struct ike *ike)
{
	const struct ike_sa *sa;
	size_t		     n = 0;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->state != IKE_S_DEAD)
			n++;
	return n;
}

static const char *
state_name(enum ike_state s)
{
	static const char *const names[] = { [IKE_S_INIT] = "connecting",
		[IKE_S_ESTABLISHED] = "established",
		[IKE_S_REKEYED] = "rekeyed",
		[IKE_S_DEAD] = "deleted" };

	return names[s];
}

/* The SA as status and the client role see it. */
void
ike_sa_info(const struct ike_sa *sa, struct ike_sa_info *in)
{
	const struct ike_child *c;
	size_t			i;

	memset(in, 0, sizeof(*in));
	in->conn = sa->has_conn ? sa->conn.name : NULL;
	in->spi_i = sa->spi_i;
	in->spi_r = sa->spi_r;
	in->initiator = sa->initiator;
	in->state = state_name(sa->state);
	in->path = sa->path;
	in->local_id = sa->ike->conf_id;
	in->remote_id = sa->peer_id;
	in->algs = sa->algs;
	in->nat = sa->nat;
	in->vip = sa->vip;
	for (i = 0; i < sa->ndns && i < IKE_MAXDNS; i++)
		in->dns[in->ndns++] = sa->dns[i];
	in->established = sa->established;
	in->last_rx = sa->last_rx;
	for (c = sa->children; c != NULL && in->nchild < IKE_MAXSPLIT;
	     c = c->next) {
		struct ike_child_info *ci = &in->child[in->nchild++];

		ci->reqid = c->sa.reqid;
		ci->spi_in = c->sa.spi_in;
		ci->spi_out = c->sa.spi_out;
		ci->algs = c->algs;
		ci->rekeyed = c->rekeyed;
		ci->established = c->established;
		ci->local_ts = c->sa.local_ts;
		ci->nlocal_ts = c->sa.nlocal_ts;
		ci->remote_ts = c->sa.remote_ts;
		ci->nremote_ts = c->sa.nremote_ts;
	}
}

void
ike_status_each(const struct ike *ike,
    void (*cb)(void *, const struct ike_sa_info *), void *arg)
{
	const struct ike_sa *sa;
	struct ike_sa_info  *in;

	if ((in = malloc(sizeof(*in))) == NULL)
		return;
	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->state != IKE_S_DEAD) {
			ike_sa_info(sa, in);
			cb(arg, in);
		}
	free(in);
}

size_t
ike_disconnect(struct ike *ike, const char *name, uint64_t spi_i)
{
	struct ike_sa *sa;
	size_t	       n = 0;

	for (sa = ike->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_S_DEAD)
			continue;
		if (name != NULL ?
			!sa->has_conn || strcmp(sa->conn.name, name) != 0 :
			sa->spi_i != spi_i)
			continue;
		if (sa->state == IKE_S_ESTABLISHED ||
		    sa->state == IKE_S_REKEYED)
			ike_info_delete_ike(sa);
		ike_sa_kill(sa, "deleted by moatctl down");
		n++;
	}
	return n;
}
