/*
 * Fuzz the IKEv2 engine (sa.c, xchg_*.c, child.c) as a responder, with
 * a fresh engine and fake ops per input. The first byte picks how the
 * rest reaches the engine:
 *
 *   0: after a real IKE_SA_INIT, as a datagram; with bit 4 of the second
 *      byte set, its first 16 bytes become the half-open SA's SPIs
 *   1: after a real IKE_SA_INIT, as IKE_AUTH's SK plaintext (the second
 *      byte the first payload's type), sealed with the initiator's key
 *   2: the same after our own valid IDi and AUTH, so that the rest (CP,
 *      SA, TS, notifies) reaches the CHILD_SA and CP code
 *   3: after a full exchange, as the plaintext of a CREATE_CHILD_SA (bit
 *      2 of the first byte clear) or INFORMATIONAL request, message 2;
 *      our CHILD_SA's inbound SPI is 0x01020304 for REKEY_SA and Delete
 *
 * Invariants: every datagram the engine sends parses; it holds no more
 * leases than it has SAs; CHILD_SAs it installs have SPIs above 255 and
 * keys that fit; after ike_free, no lease is held and every installed
 * CHILD_SA was removed. IKE_ENGINE_LOG=1 shows the engine's log.
 */
#include <openssl/rand.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "ike.h"
#include "ike_int.h"
#include "log.h"
#include "proposal.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MSGSZ (IKE_MSG_MAX + 1024)
#define PSK "fuzz psk"
#define CHILD_SPI 0x01020304u

static struct {
	int	holds;
	size_t	installed;
	size_t	nsent;
	bool	last_ok; /* the last datagram parsed */
	uint8_t last[MSGSZ];
	size_t	lastlen;
} F;

static void
op_send(void *arg, const struct ike_path *p, const uint8_t *m, size_t len)
{
	struct ike_msg *msg = malloc(sizeof(*msg));
	struct ike_err	e;

	(void)arg;
	(void)p;
	if (msg == NULL)
		abort();
	/* What the engine sends must be a well-formed message. */
	if (len > IKE_MSG_MAX || ike_msg_parse(m, len, msg, &e) == -1)
		abort();
	free(msg);
	memcpy(F.last, m, len);
	F.lastlen = len;
	F.nsent++;
}

static int
op_peer(void *arg, const char *id, struct ike_peer *p)
{
	(void)arg;
	if (strcmp(id, "rw.example") != 0)
		return -1;
	p->cert = false;
	p->psk = (const uint8_t *)PSK;
	p->psklen = strlen(PSK);
	return 0;
}

static int
op_lease(void *arg, const char *id, struct addr *a)
{
	(void)arg;
	(void)id;
	addr_pton(AF_INET, "10.0.2.1", a);
	F.holds++;
	return 0;
}

static void
op_unlease(void *arg, const char *id)
{
	(void)arg;
	(void)id;
	if (--F.holds < 0)
		abort();
}

static int
op_child_add(void *arg, const struct ike_child_sa *c)
{
	(void)arg;
	if (c->spi_in < 256 || c->ekeylen > ESP_KEY_MAX ||
	    c->akeylen > ESP_KEY_MAX || c->nremote_ts == 0 ||
	    c->nremote_ts > IKE_MAXSPLIT || c->nlocal_ts > IKE_MAXSPLIT)
		abort();
	F.installed++;
	return 0;
}

static void
op_child_del(void *arg, const struct ike_child_sa *c, bool keep)
{
	(void)arg;
	(void)c;
	(void)keep;
	if (F.installed-- == 0)
		abort();
}

static const struct ike_ops OPS = { .send = op_send,
	.peer = op_peer,
	.lease = op_lease,
	.unlease = op_unlease,
	.child_add = op_child_add,
	.child_del = op_child_del };

static struct ev_loop *L;
static struct ike_conf C;
static struct ike_prop ike_prop, esp_prop;

static void
init_once(void)
{
	const char *why;

	log_init("fuzz_ike_engine", LOG_TO_STDERR,
	    getenv("IKE_ENGINE_LOG") != NULL ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	if ((L = ev_loop_new()) == NULL)
		abort();
	addr_pton(AF_INET, "203.0.113.1", &C.local);
	ike_id_parse("gw.example", &C.idtype, C.id, sizeof(C.id), &C.idlen);
	if (ike_proposal_parse("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE,
		&ike_prop, &why) == -1 ||
	    ike_proposal_parse("aes128gcm16", IKE_PROTO_ESP, &esp_prop, &why) ==
		-1)
		abort();
	C.ike_prop = &ike_prop;
	C.nike_prop = 1;
	C.esp_prop = &esp_prop;
	C.nesp_prop = 1;
	C.pool = true;
	addr_pton(AF_INET, "10.0.1.53", &C.dns[0]);
	C.ndns = 1;
	prefix_parse(AF_INET, "10.0.1.0/24", &C.split[0], &why);
	C.nsplit = 1;
}

/* The initiator's side. */
static struct {
	struct ike_path	 path;
	struct ike_dh	*dh;
	struct ike_suite suite;
	struct ike_keys	 keys;
	struct ike_sk	*out;
	uint64_t	 spi_i, spi_r;
	uint8_t		 ni[32], nr[IKE_NONCE_MAX];
	size_t		 nrlen;
	uint8_t		 req[MSGSZ];
	size_t		 reqlen;
} I;

static uint8_t buf[MSGSZ], plain[MSGSZ];

/* A real IKE_SA_INIT; 0 when the engine's answer gave us keys. */
static int
sa_init(struct ike *ike)
{
	struct ike_sa_pl *sa = calloc(1, sizeof(*sa));
	struct ike_msg	 *m = calloc(1, sizeof(*m));
	struct ike_hdr	  h = { .exch = IKE_SA_INIT, .flags = IKE_F_INITIATOR };
	struct ike_wr	  w;
	struct ike_ke_pl  ke;
	struct ike_err	  e;
	const struct ike_pl *pn;
	uint8_t		     pub[IKE_DH_MAX], shared[IKE_DH_MAX];
	size_t		     publen, slen;
	const char	    *why;
	int		     rc = -1;

	if (sa == NULL || m == NULL)
		abort();
	addr_pton(AF_INET, "203.0.113.1", &I.path.local);
	addr_pton(AF_INET, "198.51.100.7", &I.path.remote);
	I.path.lport = I.path.rport = 500;
	I.spi_i = 0x0102030405060708ULL;
	memset(I.ni, 0x11, sizeof(I.ni));
	if ((I.dh = ike_dh_new(IKE_DH_CURVE25519)) == NULL ||
	    ike_dh_public(I.dh, pub, sizeof(pub), &publen) == -1)
		abort();
	h.spi_i = I.spi_i;
	sa->nprop = 1;
	sa->prop[0] = ike_prop;
	sa->prop[0].num = 1;
	ike_wr_init(&w, I.req, sizeof(I.req));
	ike_wr_hdr(&w, &h);
	ike_put_sa(&w, sa);
	ike_put_ke(&w, IKE_DH_CURVE25519, pub, publen);
	ike_put_nonce(&w, I.ni, sizeof(I.ni));
	ike_wr_hdr_len(&w);
	I.reqlen = w.w.off;
	F.lastlen = 0;
	ike_input(ike, &I.path, I.req, I.reqlen);
	if (F.lastlen == 0 || ike_msg_parse(F.last, F.lastlen, m, &e) == -1 ||
	    ike_pl_sa(ike_msg_find(m, IKE_PT_SA), sa, &e) == -1 ||
	    sa->nprop != 1 ||
	    ike_proposal_suite(&sa->prop[0], &I.suite) == -1 ||
	    ike_pl_ke(ike_msg_find(m, IKE_PT_KE), &ke, &e) == -1 ||
	    (pn = ike_msg_find(m, IKE_PT_NONCE)) == NULL ||
	    pn->len > sizeof(I.nr) ||
	    ike_dh_shared(I.dh, ke.data, ke.len, shared, sizeof(shared), &slen,
		&why) == -1)
		goto out;
	I.spi_r = m->hdr.spi_r;
	memcpy(I.nr, pn->body, pn->len);
	I.nrlen = pn->len;
	if (ike_keys_derive(&I.suite, shared, slen, I.ni, sizeof(I.ni), I.nr,
		I.nrlen, I.spi_i, I.spi_r, NULL, 0, &I.keys) == -1 ||
	    (I.out = ike_sk_new(&I.suite, &I.keys, true, true)) == NULL)
		goto out;
	rc = 0;
out:
	free(sa);
	free(m);
	return rc;
}

static void
send_sealed(struct ike *ike, uint8_t exch, uint32_t msgid, uint8_t first,
    const uint8_t *p, size_t len)
{
	struct ike_hdr h = { .spi_i = I.spi_i,
		.spi_r = I.spi_r,
		.version = IKE_VERSION,
		.exch = exch,
		.flags = IKE_F_INITIATOR,
		.msgid = msgid };
	size_t	       n;

	if (ike_sk_seal(I.out, &h, first, p, len, buf, sizeof(buf), &n) == 0)
		ike_input(ike, &I.path, buf, n);
}

/* IDi and its valid AUTH into w. */
static void
put_idi_auth(struct ike_wr *w)
{
	static const char id[] = "rw.example";
	uint8_t		  idb[4 + sizeof(id)], oct[MSGSZ], auth[IKE_PRF_MAX];
	size_t		  olen;

	idb[0] = IKE_ID_FQDN;
	idb[1] = idb[2] = idb[3] = 0;
	memcpy(idb + 4, id, strlen(id));
	if (ike_auth_octets(I.suite.prf, I.req, I.reqlen, I.nr, I.nrlen,
		I.keys.sk_pi, I.keys.prflen, idb, 4 + strlen(id), oct,
		sizeof(oct), &olen) == -1 ||
	    ike_auth_psk(I.suite.prf, (const uint8_t *)PSK, strlen(PSK), oct,
		olen, auth) == -1)
		abort();
	ike_put_id(w, IKE_PT_IDI, IKE_ID_FQDN, (const uint8_t *)id, strlen(id));
	ike_put_auth(w, IKE_AUTH_PSK, auth, ike_prf_len(I.suite.prf));
}

/* IDi, AUTH, CP, SA (our SPI CHILD_SPI), TSi, TSr: a full IKE_AUTH. */
static void
auth_ok(struct ike *ike)
{
	static struct ike_sa_pl sa;
	struct ike_wr		w;
	struct ike_cp_pl	cp = { .type = IKE_CFG_REQUEST, .nattr = 1 };
	struct ike_ts_pl	ts;
	uint8_t			dummy = 0;

	ike_wr_init(&w, plain, sizeof(plain));
	put_idi_auth(&w);
	cp.attr[0] =
	    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_ADDRESS, &dummy, 0 };
	ike_put_cp(&w, &cp);
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = esp_prop;
	sa.prop[0].num = 1;
	sa.prop[0].spisize = 4;
	sa.prop[0].spi[0] = CHILD_SPI >> 24;
	sa.prop[0].spi[1] = (CHILD_SPI >> 16) & 0xff;
	sa.prop[0].spi[2] = (CHILD_SPI >> 8) & 0xff;
	sa.prop[0].spi[3] = CHILD_SPI & 0xff;
	ike_put_sa(&w, &sa);
	memset(&ts, 0, sizeof(ts));
	ts.nts = 1;
	ts.ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	ts.ts[0].eport = 65535;
	addr_pton(AF_INET, "0.0.0.0", &ts.ts[0].start);
	addr_pton(AF_INET, "255.255.255.255", &ts.ts[0].end);
	ike_put_ts(&w, IKE_PT_TSI, &ts);
	addr_pton(AF_INET, "10.0.1.0", &ts.ts[0].start);
	addr_pton(AF_INET, "10.0.1.255", &ts.ts[0].end);
	ike_put_ts(&w, IKE_PT_TSR, &ts);
	if (w.w.err)
		abort();
	send_sealed(ike, IKE_AUTH, 1, w.first, w.w.p, w.w.off);
}

static void
check(struct ike *ike)
{
	if (F.holds < 0 || (size_t)F.holds > ike_sa_count(ike))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike   *ike;
	struct ike_wr w;
	uint8_t	      mode, first;

	if (L == NULL)
		init_once();
	if (size < 2 || size - 2 > IKE_MSG_MAX - 1024)
		return 0;
	mode = data[0] & 3;
	first = data[1];
	data += 2;
	size -= 2;
	memset(&F, 0, sizeof(F));
	memset(&I, 0, sizeof(I));
	if ((ike = ike_new(&C, &OPS, L)) == NULL)
		abort();
	if (sa_init(ike) == -1)
		abort(); /* our own exchange must work */
	switch (mode) {
	case 0:
		memcpy(buf, data, size);
		if ((first & 0x10) && size >= 16) {
			for (int i = 0; i < 8; i++) {
				buf[i] = (uint8_t)(I.spi_i >> (56 - 8 * i));
				buf[8 + i] = (uint8_t)(I.spi_r >> (56 - 8 * i));
			}
		}
		ike_input(ike, &I.path, buf, size);
		break;
	case 1:
		send_sealed(ike, IKE_AUTH, 1, first, data, size);
		break;
	case 2:
		ike_wr_init(&w, plain, sizeof(plain));
		put_idi_auth(&w);
		plain[w.last] = first;
		buf_put_bytes(&w.w, data, size);
		if (!w.w.err)
			send_sealed(ike, IKE_AUTH, 1, w.first, w.w.p, w.w.off);
		break;
	default:
		auth_ok(ike);
		if (F.installed != 1 || F.holds != 1)
			abort(); /* our own exchange must work */
		send_sealed(ike,
		    (data[-2] & 4) ? IKE_INFORMATIONAL : IKE_CREATE_CHILD_SA, 2,
		    first, data, size);
		break;
	}
	check(ike);
	ike_free(ike);
	if (F.holds != 0 || F.installed != 0)
		abort();
	ike_dh_free(I.dh);
	ike_sk_free(I.out);
	return 0;
}
