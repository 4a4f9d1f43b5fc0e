/*
 * The IKEv2 engine (sa.c, xchg_init.c, xchg_auth.c, xchg_info.c,
 * child.c) driven in one process, the way strongSwan's own tests pair
 * two ends: moat's engine is the responder, and this file plays a
 * roadwarrior initiator by hand with moat's own pieces (the builders and
 * parser of wire.h, the key exchange, key derivation and SK payload of
 * crypto.h, the AUTH octets of auth.h). Fake ops record every datagram
 * the engine sends, the peers it looks up, the leases it holds and the
 * CHILD_SAs it installs and removes.
 *
 * Time: the engine's timers are on the real monotonic clock. The loop is
 * run for real where a wait is short (the first DPD, the first two
 * retransmissions, a CHILD_SA lifetime of 1 s); the later retransmissions
 * (4, 8, 16 and 32 s) are fired by hand after checking when they were
 * due, so the whole file runs in about eleven seconds.
 *
 * IKE_ENGINE_LOG=1 shows the engine's log.
 */
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "ike.h"
#include "ike_int.h"
#include "log.h"
#include "proposal.h"
#include "tap.h"
#include "wire.h"

#define GW_ADDR "203.0.113.1"
#define RW_ADDR "198.51.100.7"
#define RW_ID "rw.example"
#define GW_ID "gw.example"
#define PSK "correct horse battery staple"
#define MSGSZ 8192
#define MAXSENT 512
#define MAXREC 64

/* ---- The fake data plane and configuration -------------------------- */

struct dgram {
	struct ike_path path;
	uint8_t	       *msg;
	size_t		len;
};

static struct {
	struct dgram	    sent[MAXSENT];
	size_t		    nsent;
	char		    peer[MAXREC][IKE_IDTEXT];
	size_t		    npeer;
	int		    holds;
	size_t		    nlease, nunlease;
	unsigned int	    next_host;
	bool		    pool_empty;
	struct ike_child_sa add[MAXREC];
	size_t		    nadd;
	int		    add_rc;
	struct ike_child_sa del[MAXREC];
	bool		    del_keep[MAXREC];
	size_t		    ndel;
} F;

static void
op_send(void *arg, const struct ike_path *p, const uint8_t *m, size_t len)
{
	struct dgram *d;

	(void)arg;
	if (F.nsent == MAXSENT)
		abort();
	d = &F.sent[F.nsent++];
	d->path = *p;
	if ((d->msg = malloc(len)) == NULL)
		abort();
	memcpy(d->msg, m, len);
	d->len = len;
}

static int
op_peer(void *arg, const char *id, struct ike_peer *p)
{
	(void)arg;
	if (F.npeer < MAXREC)
		snprintf(F.peer[F.npeer++], IKE_IDTEXT, "%s", id);
	if (strcmp(id, RW_ID) != 0)
		return -1;
	p->cert = false;
	p->psk = (const uint8_t *)PSK;
	p->psklen = strlen(PSK);
	return 0;
}

static int
op_lease(void *arg, const char *id, struct addr *a)
{
	char s[32];

	(void)arg;
	(void)id;
	if (F.pool_empty)
		return -1;
	snprintf(s, sizeof(s), "10.0.2.%u", ++F.next_host);
	addr_pton(AF_INET, s, a);
	F.holds++;
	F.nlease++;
	return 0;
}

static void
op_unlease(void *arg, const char *id)
{
	(void)arg;
	(void)id;
	F.holds--;
	F.nunlease++;
}

static int
op_child_add(void *arg, const struct ike_child_sa *c)
{
	(void)arg;
	if (F.nadd < MAXREC)
		F.add[F.nadd] = *c;
	F.nadd++;
	return F.add_rc;
}

static void
op_child_del(void *arg, const struct ike_child_sa *c, bool keep)
{
	(void)arg;
	if (F.ndel < MAXREC) {
		F.del[F.ndel] = *c;
		F.del_keep[F.ndel] = keep;
	}
	F.ndel++;
}

static const struct ike_ops OPS = { .send = op_send,
	.peer = op_peer,
	.lease = op_lease,
	.unlease = op_unlease,
	.child_add = op_child_add,
	.child_del = op_child_del };

static struct ev_loop *L;
static struct ike     *E;
static struct ike_conf C;
static struct ike_prop ike_props[4], esp_props[4];

static void
prop(const char *s, uint8_t proto, struct ike_prop *p)
{
	const char *why;

	if (ike_proposal_parse(s, proto, p, &why) == -1) {
		fprintf(stderr, "proposal %s: %s\n", s, why);
		abort();
	}
}

static void
fake_reset(void)
{
	size_t i;

	for (i = 0; i < F.nsent; i++)
		free(F.sent[i].msg);
	memset(&F, 0, sizeof(F));
}

/* A fresh engine: our IKE proposal ikes, ESP aes128gcm16 and
 * aes256-sha256, a pool, one DNS server and the split 10.0.1.0/24. */
static void
engine(const char *ikes)
{
	const char *why;

	fake_reset();
	memset(&C, 0, sizeof(C));
	addr_pton(AF_INET, GW_ADDR, &C.local);
	if (ike_id_parse(GW_ID, &C.idtype, C.id, sizeof(C.id), &C.idlen) == -1)
		abort();
	prop(ikes, IKE_PROTO_IKE, &ike_props[0]);
	prop("aes128gcm16", IKE_PROTO_ESP, &esp_props[0]);
	prop("aes256-sha256", IKE_PROTO_ESP, &esp_props[1]);
	C.ike_prop = ike_props;
	C.nike_prop = 1;
	C.esp_prop = esp_props;
	C.nesp_prop = 2;
	C.pool = true;
	addr_pton(AF_INET, "10.0.1.53", &C.dns[0]);
	C.ndns = 1;
	if (prefix_parse(AF_INET, "10.0.1.0/24", &C.split[0], &why) == -1)
		abort();
	C.nsplit = 1;
}

static void
engine_start(void)
{
	if ((E = ike_new(&C, &OPS, L)) == NULL)
		abort();
}

static void
engine_stop(void)
{
	ike_free(E);
	E = NULL;
}

/* ---- Time ------------------------------------------------------------ */

static void
brk(void *arg)
{
	ev_break(arg);
}

static void
run_loop(uint64_t ms)
{
	struct ev_timer t;

	ev_timer_init(&t, brk, L);
	ev_timer_add(L, &t, ms);
	ev_run(L);
	ev_timer_del(L, &t);
}

/* Runs the loop until the engine sends something or max ms pass; the
 * time waited. */
static uint64_t
run_until_sent(uint64_t max)
{
	uint64_t t0 = ev_now_ms();
	size_t	 n = F.nsent;

	while (F.nsent == n && ev_now_ms() - t0 < max)
		run_loop(20);
	return ev_now_ms() - t0;
}

/* A timer fired now, as if its time had come; false if not armed. */
static bool
fire(struct ev_timer *t)
{
	if (!ev_timer_armed(t))
		return false;
	ev_timer_del(L, t);
	t->cb(t->arg);
	return true;
}

/* ---- Small helpers ----------------------------------------------------- */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static uint32_t
rand32(void)
{
	uint32_t v = 0;

	while (v < 256)
		if (RAND_bytes((uint8_t *)&v, sizeof(v)) != 1)
			abort();
	return v;
}

static uint64_t
rand64(void)
{
	return (uint64_t)rand32() << 32 | rand32();
}

/* A line per IKE_SA and per CHILD_SA from ike_status_each, which the
 * tests search: SPIs, state, peer, virtual address, proposal, age. */
static void
status_sa(void *arg, const struct ike_sa_info *in)
{
	FILE	*f = arg;
	char	 a[ADDR_STRLEN], v[ADDR_STRLEN];
	uint64_t now = ev_now_ms();
	size_t	 i;

	addr_ntop(&in->path.remote, a, sizeof(a));
	fprintf(f, "IKE_SA %016llx_i %016llx_r %s: %s:%u %s%s%s, %llu s\n",
	    (unsigned long long)in->spi_i, (unsigned long long)in->spi_r,
	    in->state, a, in->path.rport,
	    in->remote_id[0] != '\0' ? in->remote_id : "?",
	    in->vip.af != 0 ? " virtual " : "",
	    in->vip.af != 0 ? addr_ntop(&in->vip, v, sizeof(v)) : "",
	    (unsigned long long)((now - in->established) / 1000));
	for (i = 0; i < in->nchild; i++)
		fprintf(f, "  CHILD_SA reqid %u in 0x%08x out 0x%08x %s%s, "
			   "%llu s\n",
		    in->child[i].reqid, in->child[i].spi_in,
		    in->child[i].spi_out, in->child[i].algs,
		    in->child[i].rekeyed ? " (rekeyed)" : "",
		    (unsigned long long)((now - in->child[i].established) /
			1000));
}

static char *
status(void)
{
	char  *s = NULL;
	size_t n = 0;
	FILE  *f = open_memstream(&s, &n);

	if (f == NULL)
		abort();
	ike_status_each(E, status_sa, f);
	fclose(f);
	return s;
}

static int
count_lines(const char *s, const char *prefix)
{
	int	    n = 0;
	const char *p;

	for (p = s; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	}
	return n;
}

static void
ts_range(struct ike_ts_pl *t, const char *lo, const char *hi)
{
	memset(t, 0, sizeof(*t));
	t->nts = 1;
	t->ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	t->ts[0].eport = 65535;
	addr_pton(AF_INET, lo, &t->ts[0].start);
	addr_pton(AF_INET, hi, &t->ts[0].end);
}

static bool
ts_is(const struct ike_ts_pl *t, const char *lo, const char *hi)
{
	struct addr a, b;

	addr_pton(AF_INET, lo, &a);
	addr_pton(AF_INET, hi, &b);
	return t->nts == 1 && t->ts[0].type == IKE_TS_IPV4_ADDR_RANGE &&
	    addr_eq(&t->ts[0].start, &a) && addr_eq(&t->ts[0].end, &b) &&
	    t->ts[0].proto == 0 && t->ts[0].sport == 0 &&
	    t->ts[0].eport == 65535;
}

static bool
prefix_is(const struct prefix *p, const char *s)
{
	char b[PREFIX_STRLEN];

	return strcmp(prefix_ntop(p, b, sizeof(b)), s) == 0;
}

/* The state of the fakes and the engine in one line, to compare. */
static void
counts(size_t sas, int holds, size_t adds, size_t dels, const char *what)
{
	char got[128], want[128];

	snprintf(got, sizeof(got), "SAs %zu holds %d child_add %zu del %zu",
	    E != NULL ? ike_sa_count(E) : 0, F.holds, F.nadd, F.ndel);
	snprintf(want, sizeof(want), "SAs %zu holds %d child_add %zu del %zu",
	    sas, holds, adds, dels);
	is_str(got, want, "%s: SAs, leases, CHILD_SAs", what);
}

/* ---- The initiator ---------------------------------------------------- */

struct ini {
	const char	*id, *psk;
	struct ike_prop	 prop, esp;
	uint16_t	 group;
	struct ike_path	 path; /* as the engine sees it */
	struct ike_dh	*dh;
	struct ike_suite suite;
	uint64_t	 spi_i, spi_r;
	uint8_t		 ni[32], nr[IKE_NONCE_MAX];
	size_t		 nrlen;
	uint8_t		 init_req[MSGSZ], init_resp[MSGSZ];
	size_t		 init_reqlen, init_resplen;
	struct ike_keys	 keys;
	struct ike_sk	*in, *out;
	uint32_t	 msgid; /* of our next request */
	uint32_t	 child_spi; /* our inbound ESP SPI */
	uint32_t	 gw_spi; /* the engine's inbound ESP SPI */
	struct addr	 vip;
};

/* One message of the engine's, opened. */
struct opened {
	struct ike_msg m;
	uint8_t	       plain[MSGSZ];
	size_t	       plen;
};

static struct ini *
ini_new(const char *ikes, const char *esps)
{
	struct ini *I;

	if ((I = calloc(1, sizeof(*I))) == NULL)
		abort();
	I->id = RW_ID;
	I->psk = PSK;
	prop(ikes, IKE_PROTO_IKE, &I->prop);
	I->prop.num = 1;
	prop(esps, IKE_PROTO_ESP, &I->esp);
	I->esp.num = 1;
	I->esp.spisize = 4;
	I->child_spi = rand32();
	put32(I->esp.spi, I->child_spi);
	I->group = ike_proposal_dh(&I->prop);
	addr_pton(AF_INET, GW_ADDR, &I->path.local);
	addr_pton(AF_INET, RW_ADDR, &I->path.remote);
	I->path.lport = I->path.rport = 500;
	I->spi_i = rand64();
	if (RAND_bytes(I->ni, sizeof(I->ni)) != 1)
		abort();
	return I;
}

static void
ini_free(struct ini *I)
{
	if (I == NULL)
		return;
	ike_dh_free(I->dh);
	ike_sk_free(I->in);
	ike_sk_free(I->out);
	ike_keys_wipe(&I->keys);
	free(I);
}

/* Feeds a datagram from the initiator; the number the engine sent. */
static size_t
feed(const struct ini *I, const uint8_t *buf, size_t len)
{
	size_t n = F.nsent;

	ike_input(E, &I->path, buf, len);
	return F.nsent - n;
}

static const struct dgram *
newest(void)
{
	return F.nsent > 0 ? &F.sent[F.nsent - 1] : NULL;
}

enum init_mode {
	INIT_OK,
	INIT_TWO_KE,
	INIT_TWO_NONCE,
	INIT_NO_NONCE,
	INIT_CRITICAL, /* an unknown payload with the critical bit */
	INIT_UNKNOWN, /* the same without it */
	INIT_ZERO_KE,
};

/* Our IKE_SA_INIT request into buf (and I->init_req); its length. */
static size_t
init_msg(struct ini *I, enum init_mode mode, uint8_t *buf)
{
	static struct ike_sa_pl sa;
	struct ike_hdr		h = { .spi_i = I->spi_i,
			 .version = IKE_VERSION,
			 .exch = IKE_SA_INIT,
			 .flags = IKE_F_INITIATOR };
	struct ike_wr		w;
	uint8_t			pub[IKE_DH_MAX];
	size_t			publen;

	if (I->dh == NULL && (I->dh = ike_dh_new(I->group)) == NULL)
		abort();
	if (ike_dh_public(I->dh, pub, sizeof(pub), &publen) == -1)
		abort();
	if (mode == INIT_ZERO_KE)
		memset(pub, 0, publen);
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = I->prop;
	ike_wr_init(&w, buf, MSGSZ);
	ike_wr_hdr(&w, &h);
	ike_put_sa(&w, &sa);
	ike_put_ke(&w, I->group, pub, publen);
	if (mode == INIT_TWO_KE)
		ike_put_ke(&w, I->group, pub, publen);
	if (mode != INIT_NO_NONCE)
		ike_put_nonce(&w, I->ni, sizeof(I->ni));
	if (mode == INIT_TWO_NONCE)
		ike_put_nonce(&w, I->ni, sizeof(I->ni));
	if (mode == INIT_CRITICAL || mode == INIT_UNKNOWN) {
		/* type 200 is unassigned (IANA "IKEv2 Payload Types") */
		w.w.p[w.last] = 200;
		w.last = w.w.off;
		buf_put_u8(&w.w, IKE_PT_NONE);
		buf_put_u8(&w.w, mode == INIT_CRITICAL ? IKE_PL_CRITICAL : 0);
		buf_put_u16(&w.w, 8);
		buf_put_u32(&w.w, 0xdeadbeef);
	}
	ike_wr_hdr_len(&w);
	if (w.w.err)
		abort();
	memcpy(I->init_req, buf, w.w.off);
	I->init_reqlen = w.w.off;
	return w.w.off;
}

/* The engine's IKE_SA_INIT answer: keys derived, SK contexts made. */
static int
init_done(struct ini *I, const struct dgram *d)
{
	struct ike_msg	    *m = calloc(1, sizeof(*m));
	struct ike_sa_pl    *sa = calloc(1, sizeof(*sa));
	struct ike_ke_pl     ke;
	struct ike_err	     e;
	const struct ike_pl *pn;
	uint8_t		     shared[IKE_DH_MAX];
	size_t		     slen;
	const char	    *why;
	int		     rc = -1;

	if (m == NULL || sa == NULL)
		abort();
	if (d == NULL || ike_msg_parse(d->msg, d->len, m, &e) == -1 ||
	    ike_pl_sa(ike_msg_find(m, IKE_PT_SA), sa, &e) == -1 ||
	    sa->nprop != 1 ||
	    ike_proposal_suite(&sa->prop[0], &I->suite) == -1 ||
	    ike_pl_ke(ike_msg_find(m, IKE_PT_KE), &ke, &e) == -1 ||
	    (pn = ike_msg_find(m, IKE_PT_NONCE)) == NULL ||
	    pn->len > IKE_NONCE_MAX ||
	    ike_dh_shared(I->dh, ke.data, ke.len, shared, sizeof(shared), &slen,
		&why) == -1)
		goto out;
	I->spi_r = m->hdr.spi_r;
	memcpy(I->nr, pn->body, pn->len);
	I->nrlen = pn->len;
	memcpy(I->init_resp, d->msg, d->len);
	I->init_resplen = d->len;
	if (ike_keys_derive(&I->suite, shared, slen, I->ni, sizeof(I->ni),
		I->nr, I->nrlen, I->spi_i, I->spi_r, NULL, 0, &I->keys) == -1 ||
	    (I->out = ike_sk_new(&I->suite, &I->keys, true, true)) == NULL ||
	    (I->in = ike_sk_new(&I->suite, &I->keys, true, false)) == NULL)
		goto out;
	I->msgid = 1;
	rc = 0;
out:
	free(m);
	free(sa);
	return rc;
}

/* Decrypts an encrypted message of the engine's with the given SK. */
static int
open_with(struct ike_sk *in, const struct dgram *d, struct opened *o)
{
	struct ike_err e;
	const char    *why;

	memset(o, 0, sizeof(*o));
	if (d == NULL || ike_msg_parse(d->msg, d->len, &o->m, &e) == -1 ||
	    o->m.sk == NULL ||
	    ike_sk_open(in, d->msg, d->len, o->m.sk->off, o->plain,
		sizeof(o->plain), &o->plen, &why) == -1 ||
	    ike_msg_parse_inner(&o->m, o->plain, o->plen, o->m.sk_next, &e) ==
		-1)
		return -1;
	return 0;
}

static struct opened *
open_msg(struct ini *I, const struct dgram *d)
{
	static struct opened o;

	return open_with(I->in, d, &o) == 0 ? &o : NULL;
}

/* The payload types of a chain without the SK, "IDr AUTH CP ...", and
 * Notify payloads by their type's name. */
static const char *
chain(const struct ike_msg *m)
{
	static char	     s[512];
	struct ike_notify_pl n;
	struct ike_err	     e;
	char		     x[16];
	size_t		     i;

	s[0] = '\0';
	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type == IKE_PT_SK)
			continue;
		if (m->pl[i].type == IKE_PT_N &&
		    ike_pl_notify(&m->pl[i], &n, &e) == 0)
			snprintf(s + strlen(s), sizeof(s) - strlen(s),
			    "%sN(%s)", s[0] ? " " : "",
			    ike_notify_name(n.type, x));
		else
			snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s%s",
			    s[0] ? " " : "", ike_pt_name(m->pl[i].type, x));
	}
	return s[0] ? s : "empty";
}

/* Seals a message of ours on I's IKE_SA. */
static size_t
seal(struct ini *I, uint8_t exch, uint32_t msgid, bool response,
    const struct ike_wr *w, uint8_t *out)
{
	struct ike_hdr h = { .spi_i = I->spi_i,
		.spi_r = I->spi_r,
		.version = IKE_VERSION,
		.exch = exch,
		.flags = IKE_F_INITIATOR | (response ? IKE_F_RESPONSE : 0),
		.msgid = msgid };
	size_t	       n;

	if (ike_sk_seal(
		I->out, &h, w->first, w->w.p, w->w.off, out, MSGSZ, &n) == -1)
		abort();
	return n;
}

/* Sends a request of ours (the next message ID); the engine's one
 * answer, or NULL if it sent none or several. */
static uint8_t last_req[MSGSZ];
static size_t  last_reqlen;

static const struct dgram *
request(struct ini *I, uint8_t exch, const struct ike_wr *w)
{
	last_reqlen = seal(I, exch, I->msgid++, false, w, last_req);
	return feed(I, last_req, last_reqlen) == 1 ? newest() : NULL;
}

enum auth_mode {
	AUTH_OK = 0,
	AUTH_TWO_IDI = 1,
	AUTH_NO_CP = 2,
	AUTH_CRITICAL = 4, /* an unknown critical payload last */
};

/* IKE_AUTH's inner chain: IDi, AUTH, CP request, SA, TSi, TSr. */
static void
auth_chain(struct ini *I, unsigned int mode, uint8_t *buf, struct ike_wr *w)
{
	static struct ike_sa_pl sa;
	uint8_t			idb[4 + 256], oct[MSGSZ], auth[IKE_PRF_MAX];
	uint8_t			dummy = 0;
	size_t			idl = 4 + strlen(I->id), olen;
	struct ike_cp_pl	cp = { .type = IKE_CFG_REQUEST, .nattr = 2 };
	struct ike_ts_pl	tsi, tsr;

	idb[0] = IKE_ID_FQDN;
	idb[1] = idb[2] = idb[3] = 0;
	memcpy(idb + 4, I->id, strlen(I->id));
	/* 2.15: our IKE_SA_INIT request, Nr, prf(SK_pi, IDi') */
	if (ike_auth_octets(I->suite.prf, I->init_req, I->init_reqlen, I->nr,
		I->nrlen, I->keys.sk_pi, I->keys.prflen, idb, idl, oct,
		sizeof(oct), &olen) == -1 ||
	    ike_auth_psk(I->suite.prf, (const uint8_t *)I->psk, strlen(I->psk),
		oct, olen, auth) == -1)
		abort();
	ike_wr_init(w, buf, MSGSZ);
	ike_put_id(
	    w, IKE_PT_IDI, IKE_ID_FQDN, (const uint8_t *)I->id, strlen(I->id));
	if (mode & AUTH_TWO_IDI)
		ike_put_id(w, IKE_PT_IDI, IKE_ID_FQDN, (const uint8_t *)I->id,
		    strlen(I->id));
	ike_put_auth(w, IKE_AUTH_PSK, auth, ike_prf_len(I->suite.prf));
	if (!(mode & AUTH_NO_CP)) {
		cp.attr[0] = (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_ADDRESS,
			&dummy, 0 };
		cp.attr[1] =
		    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_DNS, &dummy, 0 };
		ike_put_cp(w, &cp);
	}
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = I->esp;
	ike_put_sa(w, &sa);
	ts_range(&tsi, "0.0.0.0", "255.255.255.255");
	ts_range(&tsr, "10.0.1.0", "10.0.1.255");
	ike_put_ts(w, IKE_PT_TSI, &tsi);
	ike_put_ts(w, IKE_PT_TSR, &tsr);
	if (mode & AUTH_CRITICAL) {
		w->w.p[w->last] = 200;
		w->last = w->w.off;
		buf_put_u8(&w->w, IKE_PT_NONE);
		buf_put_u8(&w->w, IKE_PL_CRITICAL);
		buf_put_u16(&w->w, 4);
	}
	if (w->w.err)
		abort();
}

/* The engine's error notify in an opened message, 0 if none. */
static uint16_t
error_of(const struct ike_msg *m)
{
	struct ike_notify_pl n;
	struct ike_err	     e;
	size_t		     i;

	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == IKE_PT_N &&
		    ike_pl_notify(&m->pl[i], &n, &e) == 0 &&
		    n.type <= IKE_N_ERROR_MAX)
			return n.type;
	return 0;
}

/* An unencrypted answer (IKE_SA_INIT's refusals): its one notify, data
 * into *data (2 bytes at most). */
static int
plain_notify(const struct dgram *d, uint64_t spi_i, uint8_t *data, size_t *dlen)
{
	struct ike_msg	    *m = calloc(1, sizeof(*m));
	struct ike_notify_pl n;
	struct ike_err	     e;
	int		     rc = -1;

	if (m == NULL)
		abort();
	if (d == NULL || ike_msg_parse(d->msg, d->len, m, &e) == -1 ||
	    m->hdr.spi_i != spi_i || m->hdr.spi_r != 0 ||
	    m->hdr.exch != IKE_SA_INIT || m->hdr.flags != IKE_F_RESPONSE ||
	    m->hdr.msgid != 0 || m->npl != 1 || m->pl[0].type != IKE_PT_N ||
	    ike_pl_notify(&m->pl[0], &n, &e) == -1)
		goto out;
	rc = n.type;
	if (data != NULL) {
		*dlen = n.len;
		memcpy(data, n.data, n.len < 2 ? n.len : 2);
	}
out:
	free(m);
	return rc;
}

/* 2.17's KEYMAT for a CHILD_SA with these nonces: whether c's keys are
 * it, inbound the i->r half when the engine responded. */
static bool
keymat_ok(const struct ini *I, const struct ike_child_sa *c, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen, bool engine_responded)
{
	uint8_t	       km[4 * ESP_KEY_MAX];
	size_t	       e = c->ekeylen, a = c->akeylen;
	const uint8_t *ei = km, *ai = km + e, *er = km + e + a,
		      *ar = km + 2 * e + a;

	if (e > ESP_KEY_MAX || a > ESP_KEY_MAX ||
	    ike_child_keymat(I->suite.prf, I->keys.sk_d, I->keys.prflen, NULL,
		0, ni, nilen, nr, nrlen, km, 2 * (e + a)) == -1)
		return false;
	if (!engine_responded) {
		const uint8_t *t;

		t = ei, ei = er, er = t;
		t = ai, ai = ar, ar = t;
	}
	return memcmp(c->ekey_in, ei, e) == 0 &&
	    memcmp(c->akey_in, ai, a) == 0 && memcmp(c->ekey_out, er, e) == 0 &&
	    memcmp(c->akey_out, ar, a) == 0;
}

/*
 * IKE_SA_INIT and IKE_AUTH, all checked when verbose, else one
 * assertion; 0 when the IKE_SA and its CHILD_SA stand.
 */
static int
handshake(struct ini *I, bool verbose, const char *what)
{
	static uint8_t	     buf[MSGSZ], pbuf[MSGSZ];
	struct ike_msg	    *m = calloc(1, sizeof(*m));
	struct ike_sa_pl    *sa = calloc(1, sizeof(*sa));
	const struct dgram  *d;
	struct opened	    *o;
	struct ike_wr	     w;
	struct ike_err	     e;
	struct ike_ke_pl     ke;
	struct ike_id_pl     id;
	struct ike_auth_pl   au;
	struct ike_cp_pl     cp;
	struct ike_ts_pl     ts;
	const struct ike_pl *pl;
	uint8_t		     oct[MSGSZ];
	size_t		     len, olen, nadd0 = F.nadd, sas0 = ike_sa_count(E);
	char		    *st, want[512], pb[256], vip[ADDR_STRLEN];
	int		     rc = -1, holds0 = F.holds;
	bool		     good;

	if (m == NULL || sa == NULL)
		abort();
	len = init_msg(I, INIT_OK, buf);
	if (feed(I, buf, len) != 1 || init_done(I, newest()) == -1) {
		ok(0, "%s: IKE_SA_INIT answered", what);
		goto out;
	}
	d = newest();
	if (verbose) {
		ike_msg_parse(d->msg, d->len, m, &e);
		ok(addr_eq(&d->path.remote, &I->path.remote) &&
			d->path.rport == 500 && d->path.lport == 500,
		    "%s: IKE_SA_INIT answer to where the request came from",
		    what);
		ok(m->hdr.spi_i == I->spi_i && m->hdr.spi_r != 0 &&
			m->hdr.flags == IKE_F_RESPONSE && m->hdr.msgid == 0,
		    "%s: IKE_SA_INIT answer: SPIs, flags R, message 0", what);
		is_str(chain(m),
		    "SA KE Nonce N(NAT_DETECTION_SOURCE_IP) "
		    "N(NAT_DETECTION_DESTINATION_IP) "
		    "N(SIGNATURE_HASH_ALGORITHMS)",
		    "%s: IKE_SA_INIT answer's payloads", what);
		ike_pl_sa(ike_msg_find(m, IKE_PT_SA), sa, &e);
		ok(sa->nprop == 1 && sa->prop[0].proto == IKE_PROTO_IKE &&
			sa->prop[0].num == 1 && sa->prop[0].spisize == 0 &&
			sa->prop[0].nxf == I->prop.nxf &&
			memcmp(sa->prop[0].xf, I->prop.xf,
			    I->prop.nxf * sizeof(I->prop.xf[0])) == 0,
		    "%s: the one proposal we offered chosen", what);
		ike_pl_ke(ike_msg_find(m, IKE_PT_KE), &ke, &e);
		ok(ke.group == I->group && ke.len == ike_dh_publen(I->group),
		    "%s: KE in group %u", what, I->group);
		pl = ike_msg_find(m, IKE_PT_NONCE);
		ok(pl != NULL && pl->len >= IKE_NONCE_MIN,
		    "%s: Nonce of at least 16 bytes", what);
		is_int(ike_sa_count(E), sas0 + 1, "%s: one SA more", what);
		st = status();
		snprintf(want, sizeof(want),
		    "IKE_SA %016llx_i %016llx_r connecting: " RW_ADDR
		    ":500 ?, 0 s\n",
		    (unsigned long long)I->spi_i, (unsigned long long)I->spi_r);
		ok(strstr(st, want) != NULL, "%s: status: connecting", what);
		free(st);
	}

	auth_chain(I, AUTH_OK, pbuf, &w);
	if ((d = request(I, IKE_AUTH, &w)) == NULL ||
	    (o = open_msg(I, d)) == NULL) {
		ok(0, "%s: IKE_AUTH answered", what);
		goto out;
	}
	good = error_of(&o->m) == 0 && ike_msg_find(&o->m, IKE_PT_SA) &&
	    F.nadd == nadd0 + 1;
	if (good) {
		ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), sa, &e);
		I->gw_spi = get32(sa->prop[0].spi);
		pl = ike_msg_find(&o->m, IKE_PT_CP);
		if (pl != NULL && ike_pl_cp(pl, &cp, &e) == 0 && cp.nattr > 0 &&
		    cp.attr[0].len == 4) {
			I->vip.af = AF_INET;
			memcpy(I->vip.u.b, cp.attr[0].data, 4);
		}
	}
	if (!verbose) {
		ok(good, "%s: IKE_SA and CHILD_SA established", what);
		rc = good ? 0 : -1;
		goto out;
	}
	ok(o->m.hdr.spi_i == I->spi_i && o->m.hdr.spi_r == I->spi_r &&
		o->m.hdr.exch == IKE_AUTH && o->m.hdr.flags == IKE_F_RESPONSE &&
		o->m.hdr.msgid == 1,
	    "%s: IKE_AUTH answer: SPIs, flags R, message 1", what);
	is_str(chain(&o->m), "IDr AUTH CP SA TSi TSr",
	    "%s: IKE_AUTH answer's payloads", what);
	ok(ike_pl_id(ike_msg_find(&o->m, IKE_PT_IDR), &id, &e) == 0 &&
		id.type == IKE_ID_FQDN && id.len == strlen(GW_ID) &&
		memcmp(id.data, GW_ID, id.len) == 0,
	    "%s: IDr is " GW_ID, what);
	/* 2.15: the responder signs its IKE_SA_INIT message, Ni and
	 * prf(SK_pr, IDr') */
	ok(ike_pl_auth(ike_msg_find(&o->m, IKE_PT_AUTH), &au, &e) == 0 &&
		au.method == IKE_AUTH_PSK &&
		ike_auth_octets(I->suite.prf, I->init_resp, I->init_resplen,
		    I->ni, sizeof(I->ni), I->keys.sk_pr, I->keys.prflen,
		    id.body, id.bodylen, oct, sizeof(oct), &olen) == 0 &&
		ike_auth_psk_ok(I->suite.prf, (const uint8_t *)PSK, strlen(PSK),
		    oct, olen, au.data, au.len),
	    "%s: the responder's PSK AUTH verifies", what);
	ok(ike_pl_cp(ike_msg_find(&o->m, IKE_PT_CP), &cp, &e) == 0 &&
		cp.type == IKE_CFG_REPLY && cp.nattr == 3,
	    "%s: CP reply with three attributes", what);
	snprintf(want, sizeof(want), "10.0.2.%u", F.next_host);
	addr_ntop(&I->vip, vip, sizeof(vip));
	ok(cp.attr[0].type == IKE_CA_INTERNAL_IP4_ADDRESS &&
		cp.attr[0].len == 4 && strcmp(vip, want) == 0,
	    "%s: INTERNAL_IP4_ADDRESS %s, the lease", what, want);
	ok(cp.attr[1].type == IKE_CA_INTERNAL_IP4_DNS && cp.attr[1].len == 4 &&
		memcmp(cp.attr[1].data, C.dns[0].u.b, 4) == 0,
	    "%s: INTERNAL_IP4_DNS 10.0.1.53", what);
	ok(cp.attr[2].type == IKE_CA_INTERNAL_IP4_SUBNET &&
		cp.attr[2].len == 8 &&
		memcmp(cp.attr[2].data, "\x0a\x00\x01\x00\xff\xff\xff\x00",
		    8) == 0,
	    "%s: INTERNAL_IP4_SUBNET 10.0.1.0/255.255.255.0", what);
	ok(sa->nprop == 1 && sa->prop[0].proto == IKE_PROTO_ESP &&
		sa->prop[0].spisize == 4 && I->gw_spi >= 256 &&
		sa->prop[0].nxf == I->esp.nxf &&
		memcmp(sa->prop[0].xf, I->esp.xf,
		    I->esp.nxf * sizeof(I->esp.xf[0])) == 0,
	    "%s: SA: our ESP proposal under the engine's SPI", what);
	ok(ike_pl_ts(ike_msg_find(&o->m, IKE_PT_TSI), &ts, &e) == 0 &&
		ts_is(&ts, vip, vip),
	    "%s: TSi narrowed to %s/32", what, vip);
	ok(ike_pl_ts(ike_msg_find(&o->m, IKE_PT_TSR), &ts, &e) == 0 &&
		ts_is(&ts, "10.0.1.0", "10.0.1.255"),
	    "%s: TSr 10.0.1.0/24", what);

	is_str(F.peer[F.npeer - 1], RW_ID, "%s: peer looked up", what);
	is_int(F.holds, holds0 + 1, "%s: one lease more", what);
	is_int(F.nadd, nadd0 + 1, "%s: child_add once", what);
	{
		const struct ike_child_sa *c = &F.add[F.nadd - 1];
		enum esp_enc		   enc;
		enum esp_auth		   ea;
		size_t			   el, al;
		bool			   esn;

		ike_proposal_esp(&I->esp, &enc, &ea, &el, &al, &esn);
		ok(c->spi_in == I->gw_spi && c->spi_out == I->child_spi,
		    "%s: child_add: SPIs in 0x%08x out 0x%08x", what, I->gw_spi,
		    I->child_spi);
		is_int(
		    c->reqid, E->next_reqid - 1, "%s: child_add: reqid", what);
		snprintf(want + strlen(want), 4, "/32");
		ok(c->nremote_ts == 1 && prefix_is(&c->remote_ts[0], want) &&
			c->nlocal_ts == 1 &&
			prefix_is(&c->local_ts[0], "10.0.1.0/24"),
		    "%s: child_add: selectors %s and 10.0.1.0/24", what, want);
		ok(addr_eq(&c->local, &I->path.local) &&
			addr_eq(&c->remote, &I->path.remote) &&
			c->lport == 500 && c->rport == 500 && !c->udp_encap,
		    "%s: child_add: tunnel ends, no UDP encapsulation", what);
		ok(c->enc == enc && c->auth == ea && c->ekeylen == el &&
			c->akeylen == al && c->esn == esn,
		    "%s: child_add: algorithms and key lengths (%zu, %zu)",
		    what, el, al);
		ok(keymat_ok(I, c, I->ni, sizeof(I->ni), I->nr, I->nrlen, true),
		    "%s: child_add: KEYMAT in the order of 2.17", what);
		is_int(
		    c->rekeys_spi_in, 0, "%s: child_add: rekeys nothing", what);
	}
	is_int(ike_sa_count(E), sas0 + 1, "%s: SA count", what);
	st = status();
	ike_proposal_print(&I->esp, pb, sizeof(pb));
	snprintf(want, sizeof(want),
	    "IKE_SA %016llx_i %016llx_r established: " RW_ADDR ":500 " RW_ID
	    " virtual %s, 0 s\n"
	    "  CHILD_SA reqid %u in 0x%08x out 0x%08x %s, 0 s\n",
	    (unsigned long long)I->spi_i, (unsigned long long)I->spi_r, vip,
	    E->next_reqid - 1, I->gw_spi, I->child_spi, pb);
	ok(strstr(st, want) != NULL, "%s: status: established, CHILD_SA", what);
	if (strstr(st, want) == NULL)
		diag("status:\n%swanted:\n%s", st, want);
	free(st);
	rc = 0;
out:
	free(m);
	free(sa);
	return rc;
}

/* An INFORMATIONAL with a Delete of proto (the SPI for ESP). */
static const struct dgram *
info_delete(struct ini *I, uint8_t proto, uint32_t spi)
{
	static uint8_t buf[MSGSZ];
	struct ike_wr  w;

	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_delete(&w, proto, &spi, proto == IKE_PROTO_IKE ? 0 : 1);
	return request(I, IKE_INFORMATIONAL, &w);
}

static const struct dgram *
info_empty(struct ini *I)
{
	static uint8_t buf[MSGSZ];
	struct ike_wr  w;

	ike_wr_init(&w, buf, sizeof(buf));
	return request(I, IKE_INFORMATIONAL, &w);
}

/* Whether an opened message is the answer to our request msgid. */
static bool
answer_hdr(
    const struct ini *I, const struct opened *o, uint8_t exch, uint32_t msgid)
{
	return o != NULL && o->m.hdr.spi_i == I->spi_i &&
	    o->m.hdr.spi_r == I->spi_r && o->m.hdr.exch == exch &&
	    o->m.hdr.flags == IKE_F_RESPONSE && o->m.hdr.msgid == msgid;
}

/* A Delete payload's SPIs, opened. */
static bool
delete_is(const struct ike_msg *m, uint8_t proto, uint32_t spi)
{
	struct ike_delete_pl d;
	struct ike_err	     e;
	const struct ike_pl *pl = ike_msg_find(m, IKE_PT_D);

	return pl != NULL && ike_msg_count(m, IKE_PT_D) == 1 &&
	    ike_pl_delete(pl, &d, &e) == 0 && d.proto == proto &&
	    (proto == IKE_PROTO_IKE ? d.nspi == 0 :
				      d.nspi == 1 && d.spi[0] == spi);
}

/* A throwaway initiator: a full exchange and its Delete, counts kept. */
static void
still_works(const char *what)
{
	struct ini *J = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	struct opened *o;
	size_t	       sas = ike_sa_count(E), adds = F.nadd, dels = F.ndel;
	int	       holds = F.holds;
	char	       w[160];

	snprintf(w, sizeof(w), "after %s, a fresh exchange", what);
	if (handshake(J, false, w) == 0) {
		o = open_msg(J, info_delete(J, IKE_PROTO_IKE, 0));
		ok(answer_hdr(J, o, IKE_INFORMATIONAL, 2) &&
			strcmp(chain(&o->m), "empty") == 0,
		    "after %s, its Delete answered", what);
		run_loop(5);
		counts(sas, holds, adds + 1, dels + 1, w);
	}
	ini_free(J);
}

/* ---- 1. The happy path --------------------------------------------- */

static void
test_happy(const char *ikes, const char *esps)
{
	struct ini *I;
	char	    what[128];

	snprintf(what, sizeof(what), "%s/%s", ikes, esps);
	engine(ikes);
	engine_start();
	I = ini_new(ikes, esps);
	handshake(I, true, what);
	engine_stop();
	is_int(F.holds, 0, "%s: ike_free gives the lease back", what);
	is_int(F.ndel, 1, "%s: ike_free removes the CHILD_SA", what);
	ok(F.nsent == 3 && get32(F.sent[2].msg + 20) == 0 &&
		F.sent[2].msg[18] == IKE_INFORMATIONAL,
	    "%s: ike_free sends an INFORMATIONAL (the Delete) as request 0",
	    what);
	ini_free(I);
}

/* ---- 2. Retransmissions -------------------------------------------- */

static void
test_retransmit(void)
{
	static uint8_t	    buf[MSGSZ], abuf[MSGSZ], pbuf[MSGSZ];
	struct ini	   *I;
	struct ike_wr	    w;
	const struct dgram *d;
	uint8_t		    first[MSGSZ];
	size_t		    len, alen, flen;

	engine("aes128gcm16-prfsha256-x25519");
	engine_start();
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	len = init_msg(I, INIT_OK, buf);
	is_int(feed(I, buf, len), 1, "IKE_SA_INIT answered");
	flen = newest()->len;
	memcpy(first, newest()->msg, flen);
	is_int(feed(I, buf, len), 1, "the same IKE_SA_INIT again: answered");
	d = newest();
	ok(d->len == flen && memcmp(d->msg, first, flen) == 0,
	    "with the same bytes");
	is_int(ike_sa_count(E), 1, "and no second SA");
	init_done(I, d);

	auth_chain(I, AUTH_OK, pbuf, &w);
	alen = seal(I, IKE_AUTH, 1, false, &w, abuf);
	I->msgid = 2;
	is_int(feed(I, abuf, alen), 1, "IKE_AUTH answered");
	flen = newest()->len;
	memcpy(first, newest()->msg, flen);
	ok(open_msg(I, newest()) != NULL &&
		error_of(&open_msg(I, newest())->m) == 0,
	    "IKE_AUTH accepted");
	is_int(feed(I, abuf, alen), 1, "the same IKE_AUTH again: answered");
	d = newest();
	ok(d->len == flen && memcmp(d->msg, first, flen) == 0,
	    "with the cached bytes");
	is_int(F.nadd, 1, "child_add not called again");
	is_int(F.nlease, 1, "no second lease");
	is_int(feed(I, buf, len), 0,
	    "IKE_SA_INIT again once established: silence");
	counts(1, 1, 1, 0, "after the retransmissions");

	/* An INFORMATIONAL moves the window to 3; IKE_AUTH's 1 is behind. */
	ok(answer_hdr(I, open_msg(I, info_empty(I)), IKE_INFORMATIONAL, 2),
	    "INFORMATIONAL 2 answered");
	is_int(feed(I, abuf, alen), 0,
	    "IKE_AUTH (message 1, behind the window) ignored");
	ike_wr_init(&w, pbuf, sizeof(pbuf));
	len = seal(I, IKE_INFORMATIONAL, 0, false, &w, buf);
	is_int(feed(I, buf, len), 0, "INFORMATIONAL 0 (behind) ignored");
	len = seal(I, IKE_INFORMATIONAL, 7, false, &w, buf);
	is_int(feed(I, buf, len), 0, "INFORMATIONAL 7 (ahead) ignored");
	ok(answer_hdr(I, open_msg(I, info_empty(I)), IKE_INFORMATIONAL, 3),
	    "INFORMATIONAL 3 still answered");
	counts(1, 1, 1, 0, "after requests outside the window");
	engine_stop();
	ini_free(I);
}

/* ---- 3. Failures leave no state ------------------------------------ */

static void
auth_refused(const char *id, const char *psk, const char *what)
{
	static uint8_t buf[MSGSZ], pbuf[MSGSZ];
	struct ini *I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	struct opened *o;
	struct ike_wr  w;
	size_t	       len;

	I->id = id;
	I->psk = psk;
	len = init_msg(I, INIT_OK, buf);
	feed(I, buf, len);
	ok(init_done(I, newest()) == 0, "%s: IKE_SA_INIT answered", what);
	is_int(ike_sa_count(E), 1, "%s: half-open SA", what);
	auth_chain(I, AUTH_OK, pbuf, &w);
	o = open_msg(I, request(I, IKE_AUTH, &w));
	ok(answer_hdr(I, o, IKE_AUTH, 1), "%s: IKE_AUTH answered", what);
	if (o != NULL) {
		is_str(chain(&o->m), "N(AUTHENTICATION_FAILED)",
		    "%s: AUTHENTICATION_FAILED alone", what);
	}
	is_str(F.peer[F.npeer - 1], id, "%s: peer %s looked up", what, id);
	is_int(ike_sa_count(E), 0, "%s: SA gone at once", what);
	run_loop(5);
	ok(E->sas == NULL, "%s: and freed once the loop ran", what);
	counts(0, 0, 0, 0, what);
	is_int(F.nlease, 0, "%s: never leased", what);
	is_int(feed(I, last_req, last_reqlen), 0, "%s: IKE_AUTH again: silence",
	    what);
	ini_free(I);
}

static void
test_failures(void)
{
	static uint8_t buf[MSGSZ];
	struct ini    *I;
	uint8_t	       data[2];
	size_t	       len, dlen;
	int	       n;

	engine("aes128gcm16-prfsha256-x25519");
	engine_start();
	auth_refused(RW_ID, "not the PSK", "wrong PSK");
	auth_refused("nobody.example", PSK, "unknown identity");

	/* No common proposal: AES-CBC-128/SHA-1/MODP2048 only. */
	I = ini_new("aes128-sha1-modp2048", "aes128gcm16");
	len = init_msg(I, INIT_OK, buf);
	is_int(feed(I, buf, len), 1, "no common proposal: answered");
	n = plain_notify(newest(), I->spi_i, NULL, NULL);
	is_int(n, IKE_N_NO_PROPOSAL_CHOSEN,
	    "unencrypted NO_PROPOSAL_CHOSEN alone, responder SPI 0");
	counts(0, 0, 0, 0, "no common proposal");
	ini_free(I);

	/* KE in ecp256, which the proposal offers but we choose x25519. */
	I = ini_new("aes128gcm16-prfsha256-ecp256-x25519", "aes128gcm16");
	I->group = IKE_DH_ECP256;
	len = init_msg(I, INIT_OK, buf);
	is_int(feed(I, buf, len), 1, "KE in the wrong group: answered");
	dlen = 0;
	n = plain_notify(newest(), I->spi_i, data, &dlen);
	is_int(n, IKE_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD");
	ok(dlen == 2 && data[0] == 0 && data[1] == IKE_DH_CURVE25519,
	    "carrying group 31");
	counts(0, 0, 0, 0, "INVALID_KE_PAYLOAD");
	ike_dh_free(I->dh);
	I->dh = NULL;
	I->group = IKE_DH_CURVE25519;
	handshake(I, false, "the retry with x25519");
	counts(1, 1, 1, 0, "the retry");
	ok(answer_hdr(I, open_msg(I, info_delete(I, IKE_PROTO_IKE, 0)),
	       IKE_INFORMATIONAL, 2),
	    "the retry's IKE_SA deleted");
	counts(0, 0, 1, 1, "after its Delete");
	ini_free(I);

	/* RFC 8031 2.3: the all-zero result refused. */
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	len = init_msg(I, INIT_ZERO_KE, buf);
	is_int(feed(I, buf, len), 1, "all-zero x25519 value: answered");
	is_int(plain_notify(newest(), I->spi_i, NULL, NULL),
	    IKE_N_INVALID_SYNTAX, "with INVALID_SYNTAX");
	counts(0, 0, 1, 1, "all-zero x25519 value");
	ini_free(I);

	/* A half-open SA expires. */
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	len = init_msg(I, INIT_OK, buf);
	feed(I, buf, len);
	is_int(ike_sa_count(E), 1, "half-open SA");
	ok(E->sas != NULL && E->sas->life.when >= ev_now_ms() + 29000 &&
		fire(&E->sas->life),
	    "its 30 s expiry armed, fired");
	counts(0, 0, 1, 1, "half-open SA expired");
	ini_free(I);

	/* The data plane refuses the CHILD_SA: the IKE_SA stands. */
	F.add_rc = -1;
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	len = init_msg(I, INIT_OK, buf);
	feed(I, buf, len);
	init_done(I, newest());
	{
		static uint8_t pbuf[MSGSZ];
		struct ike_wr  w;
		struct opened *o;
		char	      *st;

		auth_chain(I, AUTH_OK, pbuf, &w);
		o = open_msg(I, request(I, IKE_AUTH, &w));
		ok(answer_hdr(I, o, IKE_AUTH, 1),
		    "child_add refused: IKE_AUTH answered");
		is_str(o != NULL ? chain(&o->m) : "none",
		    "IDr AUTH CP N(TEMPORARY_FAILURE)",
		    "child_add refused: IDr, AUTH, CP and TEMPORARY_FAILURE");
		counts(1, 1, 2, 1, "child_add refused");
		st = status();
		is_int(count_lines(st, "  CHILD_SA"), 0,
		    "child_add refused: status shows no CHILD_SA");
		free(st);
		F.add_rc = 0;
		o = open_msg(I, info_delete(I, IKE_PROTO_IKE, 0));
		ok(answer_hdr(I, o, IKE_INFORMATIONAL, 2),
		    "child_add refused: its IKE_SA deleted");
		counts(0, 0, 2, 1, "child_add refused, deleted");
	}
	ini_free(I);
	still_works("the failures");
	engine_stop();
}

/* ---- 4. Bad input ----------------------------------------------------- */

static void
test_bad_input(void)
{
	static uint8_t	    buf[MSGSZ], bad[MSGSZ], pbuf[MSGSZ];
	struct ini	   *I, *H;
	struct ike_wr	    w;
	struct opened	   *o;
	const struct dgram *d;
	uint8_t		    data[2];
	size_t		    len, i, n, dlen;
	int		    silent;
	char		   *st0, *st;

	engine("aes128gcm16-prfsha256-x25519");
	engine_start();
	/* One established SA that every bad message must leave alone. */
	H = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	handshake(H, false, "the standing SA");
	st0 = status();

	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	len = init_msg(I, INIT_OK, buf);
	for (i = 0, silent = 0; i < len; i++)
		silent += feed(I, buf, i) == 0;
	is_int(silent, len, "IKE_SA_INIT cut at each of %zu lengths: silence",
	    len);
	memcpy(bad, buf, len);
	bad[len] = 0;
	is_int(feed(I, bad, len + 1), 0,
	    "a byte more than the header's length: silence");
	bad[27] += 4;
	is_int(feed(I, bad, len), 0,
	    "header's length 4 more than the datagram: silence");
	memcpy(bad, buf, len);
	bad[IKE_HDR_LEN + 3] += 1; /* the SA payload's length, low byte */
	is_int(feed(I, bad, len), 0, "SA payload 1 byte too long: silence");
	memcpy(bad, buf, len);
	bad[IKE_HDR_LEN + 2] = 0xff;
	is_int(feed(I, bad, len), 0, "SA payload length 0xff..: silence");
	memcpy(bad, buf, len);
	bad[IKE_HDR_LEN + 2] = 0;
	bad[IKE_HDR_LEN + 3] = 3;
	is_int(feed(I, bad, len), 0,
	    "SA payload length 3, under its header: silence");
	counts(1, 1, 1, 0, "after malformed IKE_SA_INITs");

	len = init_msg(I, INIT_CRITICAL, buf);
	n = feed(I, buf, len);
	dlen = 0;
	is_int(n, 1, "an unknown critical payload: answered (RFC 7296 2.5)");
	is_int(plain_notify(newest(), I->spi_i, data, &dlen),
	    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
	    "with UNSUPPORTED_CRITICAL_PAYLOAD");
	ok(dlen == 1 && data[0] == 200, "naming payload type 200");
	counts(1, 1, 1, 0, "after an unknown critical payload");

	len = init_msg(I, INIT_TWO_KE, buf);
	is_int(feed(I, buf, len), 1, "two KE: answered");
	is_int(plain_notify(newest(), I->spi_i, NULL, NULL),
	    IKE_N_INVALID_SYNTAX, "two KE: INVALID_SYNTAX");
	len = init_msg(I, INIT_TWO_NONCE, buf);
	is_int(feed(I, buf, len), 1, "two Nonce: answered");
	is_int(plain_notify(newest(), I->spi_i, NULL, NULL),
	    IKE_N_INVALID_SYNTAX, "two Nonce: INVALID_SYNTAX");
	len = init_msg(I, INIT_NO_NONCE, buf);
	is_int(feed(I, buf, len), 1, "no Nonce: answered");
	is_int(plain_notify(newest(), I->spi_i, NULL, NULL),
	    IKE_N_INVALID_SYNTAX, "no Nonce: INVALID_SYNTAX");
	counts(1, 1, 1, 0, "after duplicated payloads");
	st = status();
	is_str(st, st0, "status unchanged by IKE_SA_INIT's bad input");
	free(st);

	/* An unknown payload without the critical bit is ignored. */
	len = init_msg(I, INIT_UNKNOWN, buf);
	is_int(
	    feed(I, buf, len), 1, "an unknown non-critical payload: answered");
	ok(init_done(I, newest()) == 0, "with IKE_SA_INIT's answer");
	counts(2, 1, 1, 0, "a half-open SA for it");

	/* CREATE_CHILD_SA before IKE_AUTH: dropped, IKE_AUTH still 1. */
	auth_chain(I, AUTH_OK, pbuf, &w);
	len = seal(I, IKE_CREATE_CHILD_SA, 1, false, &w, bad);
	is_int(
	    feed(I, bad, len), 0, "CREATE_CHILD_SA before IKE_AUTH: dropped");
	counts(2, 1, 1, 0, "after CREATE_CHILD_SA before IKE_AUTH");
	/* Two IDi: refused, the SA goes. */
	auth_chain(I, AUTH_TWO_IDI, pbuf, &w);
	len = seal(I, IKE_AUTH, 1, false, &w, bad);
	is_int(feed(I, bad, len), 1, "IKE_AUTH with two IDi: answered");
	o = open_msg(I, newest());
	is_str(o != NULL ? chain(&o->m) : "none", "N(AUTHENTICATION_FAILED)",
	    "two IDi: AUTHENTICATION_FAILED");
	counts(1, 1, 1, 0, "two IDi: the half-open SA gone");
	ini_free(I);

	/* 2.5 inside SK: the answer encrypted, naming the type. */
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	len = init_msg(I, INIT_OK, buf);
	feed(I, buf, len);
	init_done(I, newest());
	auth_chain(I, AUTH_CRITICAL, pbuf, &w);
	o = open_msg(I, request(I, IKE_AUTH, &w));
	ok(answer_hdr(I, o, IKE_AUTH, 1),
	    "IKE_AUTH with an unknown critical payload: answered");
	is_str(o != NULL ? chain(&o->m) : "none",
	    "N(UNSUPPORTED_CRITICAL_PAYLOAD)",
	    "with UNSUPPORTED_CRITICAL_PAYLOAD alone");
	{
		struct ike_notify_pl nn;
		struct ike_err	     ee;

		ok(o != NULL &&
			ike_pl_notify(
			    ike_msg_find(&o->m, IKE_PT_N), &nn, &ee) == 0 &&
			nn.len == 1 && nn.data[0] == 200,
		    "naming payload type 200");
	}
	counts(2, 1, 1, 0, "after it (the half-open SA waits)");
	{
		struct ike_sa *k = ike_sa_find(E, I->spi_i, I->spi_r);

		ok(k != NULL && k->state == IKE_S_INIT && fire(&k->life),
		    "it is still half-open, and expires");
	}
	counts(1, 1, 1, 0, "after its expiry");
	ini_free(I);

	/* IKE_AUTH again on the established SA (message 2): dropped. */
	auth_chain(H, AUTH_OK, pbuf, &w);
	is_int(feed(H, bad, seal(H, IKE_AUTH, H->msgid, false, &w, bad)), 0,
	    "IKE_AUTH on an established SA: dropped");
	/* A garbage SK: the ICV fails. */
	{
		struct ike_hdr h = { .spi_i = H->spi_i,
			.spi_r = H->spi_r,
			.exch = IKE_INFORMATIONAL,
			.flags = IKE_F_INITIATOR,
			.msgid = H->msgid };
		uint8_t	       junk[80];

		memset(junk, 0x5a, sizeof(junk));
		ike_wr_init(&w, bad, sizeof(bad));
		ike_wr_hdr(&w, &h);
		ike_put_sk(&w, IKE_PT_NONE, junk, sizeof(junk));
		ike_wr_hdr_len(&w);
		is_int(feed(H, bad, w.w.off), 0,
		    "INFORMATIONAL with a garbage SK: dropped");
		/* The same message with one ciphertext bit flipped. */
		ike_wr_init(&w, pbuf, sizeof(pbuf));
		len = seal(H, IKE_INFORMATIONAL, H->msgid, false, &w, bad);
		bad[len - 1] ^= 1;
		is_int(feed(H, bad, len), 0,
		    "INFORMATIONAL with its ICV's last bit flipped: dropped");
	}
	/* Responses to requests never sent. */
	ike_wr_init(&w, pbuf, sizeof(pbuf));
	len = seal(H, IKE_INFORMATIONAL, 0, true, &w, bad);
	is_int(
	    feed(H, bad, len), 0, "an INFORMATIONAL response out of the blue");
	len = seal(H, IKE_CREATE_CHILD_SA, 0, true, &w, bad);
	is_int(
	    feed(H, bad, len), 0, "a CREATE_CHILD_SA response out of the blue");
	len = init_msg(H, INIT_OK, buf);
	buf[19] = IKE_F_RESPONSE;
	is_int(
	    feed(H, buf, len), 0, "an IKE_SA_INIT response to the responder");
	counts(1, 1, 1, 0, "after bad input on the standing SA");
	st = status();
	is_str(st, st0, "status unchanged by all of it");
	free(st);
	/* The standing SA's window has not moved. */
	o = open_msg(H, info_empty(H));
	ok(answer_hdr(H, o, IKE_INFORMATIONAL, 2) &&
		strcmp(chain(&o->m), "empty") == 0,
	    "the standing SA answers its message 2");
	free(st0);
	still_works("bad input");
	d = info_delete(H, IKE_PROTO_IKE, 0);
	ok(d != NULL, "the standing SA deleted");
	counts(0, 0, 2, 2, "at the end of the bad input");
	ini_free(H);
	engine_stop();
}

/* ---- 5. INFORMATIONAL --------------------------------------------- */

static void
test_info(void)
{
	struct ini    *I;
	struct opened *o;
	char	      *st;

	engine("aes256-sha256-ecp256");
	engine_start();
	I = ini_new("aes256-sha256-ecp256", "aes256-sha256");
	handshake(I, false, "INFORMATIONAL's SA");
	o = open_msg(I, info_empty(I));
	ok(answer_hdr(I, o, IKE_INFORMATIONAL, 2), "liveness: answered");
	is_str(o != NULL ? chain(&o->m) : "none", "empty",
	    "liveness: an empty answer");

	o = open_msg(I, info_delete(I, IKE_PROTO_ESP, I->child_spi));
	ok(answer_hdr(I, o, IKE_INFORMATIONAL, 3),
	    "Delete of the CHILD_SA: answered");
	ok(o != NULL && delete_is(&o->m, IKE_PROTO_ESP, I->gw_spi),
	    "with a Delete of the engine's inbound SPI");
	ok(F.ndel == 1 && F.del[0].spi_in == I->gw_spi &&
		F.del[0].spi_out == I->child_spi && !F.del_keep[0],
	    "child_del of that CHILD_SA, policies too");
	counts(1, 1, 1, 1, "CHILD_SA deleted");
	st = status();
	is_int(count_lines(st, "  CHILD_SA"), 0, "status: no CHILD_SA");
	is_int(count_lines(st, "IKE_SA"), 1, "status: the IKE_SA");
	free(st);
	o = open_msg(I, info_delete(I, IKE_PROTO_ESP, 0x12345678));
	ok(answer_hdr(I, o, IKE_INFORMATIONAL, 4) &&
		strcmp(chain(&o->m), "empty") == 0,
	    "Delete of an unknown CHILD_SA: an empty answer");
	counts(1, 1, 1, 1, "unknown CHILD_SA");
	ini_free(I);

	/* A second SA with its child: Delete of the IKE_SA takes both. */
	I = ini_new("aes256-sha256-ecp256", "aes256-sha256");
	handshake(I, false, "a second SA");
	counts(2, 2, 2, 1, "two SAs");
	o = open_msg(I, info_delete(I, IKE_PROTO_IKE, 0));
	ok(answer_hdr(I, o, IKE_INFORMATIONAL, 2) &&
		strcmp(chain(&o->m), "empty") == 0,
	    "Delete of the IKE_SA: an empty answer");
	ok(F.ndel == 2 && F.del[1].spi_in == I->gw_spi && !F.del_keep[1],
	    "child_del of its CHILD_SA");
	is_int(F.nunlease, 1, "its lease released");
	counts(1, 1, 2, 2, "IKE_SA deleted");
	is_int(feed(I, last_req, last_reqlen), 0,
	    "the Delete again: the SA is gone, silence");
	engine_stop();
	counts(0, 0, 2, 2, "after ike_free");
	ini_free(I);
}

/* ---- 6. Rekeys by the initiator ---------------------------------- */

/* A CREATE_CHILD_SA rekeying our CHILD_SA under our new SPI spi, with
 * the nonce ni as given. */
static const struct dgram *
rekey_child_nonce(
    struct ini *I, uint32_t rekey_spi, uint32_t spi, const uint8_t *ni)
{
	static uint8_t		buf[MSGSZ];
	static struct ike_sa_pl sa;
	struct ike_wr		w;
	uint8_t			s[4];
	struct ike_ts_pl	tsi, tsr;
	char			vip[ADDR_STRLEN];

	put32(s, rekey_spi);
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = I->esp;
	put32(sa.prop[0].spi, spi);
	addr_ntop(&I->vip, vip, sizeof(vip));
	ts_range(&tsi, vip, vip);
	ts_range(&tsr, "10.0.1.0", "10.0.1.255");
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_notify(&w, IKE_PROTO_ESP, s, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_put_sa(&w, &sa);
	ike_put_nonce(&w, ni, 32);
	ike_put_ts(&w, IKE_PT_TSI, &tsi);
	ike_put_ts(&w, IKE_PT_TSR, &tsr);
	return request(I, IKE_CREATE_CHILD_SA, &w);
}

/* The same with a random nonce, into ni. */
static const struct dgram *
rekey_child(struct ini *I, uint32_t rekey_spi, uint32_t spi, uint8_t *ni)
{
	if (RAND_bytes(ni, 32) != 1)
		abort();
	return rekey_child_nonce(I, rekey_spi, spi, ni);
}

static void
test_rekey_by_peer(void)
{
	static uint8_t		   buf[MSGSZ];
	static struct ike_sa_pl	   sa;
	struct ini		  *I, *J;
	struct opened		  *o;
	struct ike_err		   e;
	struct ike_ke_pl	   ke;
	struct ike_wr		   w;
	const struct ike_pl	  *pn;
	const struct ike_child_sa *c;
	uint8_t			   ni[32], nr[IKE_NONCE_MAX], pub[IKE_DH_MAX];
	uint8_t			   shared[IKE_DH_MAX];
	uint32_t		   new_spi = rand32(), gw_new;
	size_t			   nrlen = 0, publen, slen = 0;
	const char		  *why;
	char			  *st;
	uint32_t		   reqid;

	engine("aes128gcm16-prfsha256-x25519");
	engine_start();
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	handshake(I, false, "the SA to rekey");
	reqid = F.add[0].reqid;

	/* 1.3.3: REKEY_SA names the SA by the SPI its sender receives on,
	 * our inbound. The engine's own inbound SPI is not found. */
	o = open_msg(I, rekey_child(I, I->gw_spi, new_spi, ni));
	ok(answer_hdr(I, o, IKE_CREATE_CHILD_SA, 2) && o != NULL &&
		error_of(&o->m) == IKE_N_CHILD_SA_NOT_FOUND,
	    "REKEY_SA naming the engine's inbound SPI: CHILD_SA_NOT_FOUND");
	counts(1, 1, 1, 0, "no rekey");

	o = open_msg(I, rekey_child(I, I->child_spi, new_spi, ni));
	ok(answer_hdr(I, o, IKE_CREATE_CHILD_SA, 3), "CHILD_SA rekey answered");
	is_str(o != NULL ? chain(&o->m) : "none", "SA TSi TSr Nonce",
	    "with SA, TSi, TSr, Nonce");
	if (o != NULL &&
	    ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &sa, &e) == 0 &&
	    (pn = ike_msg_find(&o->m, IKE_PT_NONCE)) != NULL &&
	    pn->len <= sizeof(nr)) {
		memcpy(nr, pn->body, pn->len);
		nrlen = pn->len;
	}
	gw_new = get32(sa.prop[0].spi);
	ok(sa.nprop == 1 && sa.prop[0].spisize == 4 && gw_new != I->gw_spi &&
		gw_new >= 256,
	    "a new SPI of the engine's");
	is_int(F.nadd, 2, "child_add for the new CHILD_SA");
	c = &F.add[1];
	ok(c->spi_in == gw_new && c->spi_out == new_spi,
	    "new CHILD_SA: its SPIs");
	is_int(c->rekeys_spi_in, I->gw_spi,
	    "new CHILD_SA: rekeys_spi_in the old inbound SPI");
	is_int(c->reqid, reqid, "new CHILD_SA: the same reqid");
	ok(keymat_ok(I, c, ni, 32, nr, nrlen, true),
	    "new CHILD_SA: KEYMAT from the new nonces");
	ok(c->nremote_ts == 1 && c->nlocal_ts == 1 &&
		prefix_is(&c->local_ts[0], "10.0.1.0/24"),
	    "new CHILD_SA: selectors");
	{
		uint8_t		 *copy = malloc(newest()->len);
		size_t		  clen = newest()->len;
		struct ike_wr	  w2;
		static uint8_t	  b2[MSGSZ];
		struct ike_sa_pl *sa2 = calloc(1, sizeof(*sa2));
		struct ike_ts_pl  t1, t2;
		char		  v[ADDR_STRLEN];

		memcpy(copy, newest()->msg, clen);
		ok(feed(I, last_req, last_reqlen) == 1 &&
			newest()->len == clen &&
			memcmp(newest()->msg, copy, clen) == 0 && F.nadd == 2,
		    "the rekey again: the cached answer, no child_add");
		free(copy);
		/* 1.3.1: a CHILD_SA more, of its own reqid. */
		uint32_t spi2 = rand32(), gw2;

		sa2->nprop = 1;
		sa2->prop[0] = I->esp;
		put32(sa2->prop[0].spi, spi2);
		addr_ntop(&I->vip, v, sizeof(v));
		ts_range(&t1, v, v);
		ts_range(&t2, "10.0.1.0", "10.0.1.255");
		ike_wr_init(&w2, b2, sizeof(b2));
		ike_put_sa(&w2, sa2);
		ike_put_nonce(&w2, ni, 32);
		ike_put_ts(&w2, IKE_PT_TSI, &t1);
		ike_put_ts(&w2, IKE_PT_TSR, &t2);
		o = open_msg(I, request(I, IKE_CREATE_CHILD_SA, &w2));
		ok(answer_hdr(I, o, IKE_CREATE_CHILD_SA, 4) &&
			strcmp(chain(&o->m), "SA TSi TSr Nonce") == 0,
		    "CREATE_CHILD_SA without REKEY_SA: a CHILD_SA more");
		ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), sa2, &e);
		gw2 = get32(sa2->prop[0].spi);
		ok(F.nadd == 3 && F.add[2].spi_out == spi2 &&
			F.add[2].spi_in == gw2 && F.add[2].reqid != reqid &&
			F.add[2].rekeys_spi_in == 0 &&
			keymat_ok(I, &F.add[2], ni, 32,
			    ike_msg_find(&o->m, IKE_PT_NONCE)->body,
			    ike_msg_find(&o->m, IKE_PT_NONCE)->len, true),
		    "child_add: its SPIs, a reqid of its own, its KEYMAT");
		o = open_msg(I, info_delete(I, IKE_PROTO_ESP, spi2));
		ok(o != NULL && delete_is(&o->m, IKE_PROTO_ESP, gw2) &&
			F.ndel == 1 && F.del[0].spi_in == gw2 && !F.del_keep[0],
		    "its Delete: child_del, its own policies too");
		free(sa2);
		F.nadd = 2; /* the rest counts without it */
		F.ndel = 0;
	}
	st = status();
	is_int(count_lines(st, "  CHILD_SA"), 2, "status: two CHILD_SAs");
	ok(strstr(st, "(rekeyed)") != NULL, "status: the old one rekeyed");
	free(st);

	o = open_msg(I, info_delete(I, IKE_PROTO_ESP, I->child_spi));
	ok(o != NULL && delete_is(&o->m, IKE_PROTO_ESP, I->gw_spi),
	    "Delete of the old CHILD_SA answered with the old inbound SPI");
	ok(F.ndel == 1 && F.del[0].spi_in == I->gw_spi && F.del_keep[0],
	    "child_del of the old CHILD_SA keeps the policies");
	counts(1, 1, 2, 1, "after the CHILD_SA rekey");
	I->gw_spi = gw_new;
	I->child_spi = new_spi;
	put32(I->esp.spi, new_spi);

	/* 1.3.2: the IKE_SA rekeyed. */
	J = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	*J = *I;
	J->in = J->out = NULL;
	J->dh = ike_dh_new(I->group);
	J->spi_i = rand64();
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = I->prop;
	sa.prop[0].spisize = 8;
	for (int i = 0; i < 8; i++)
		sa.prop[0].spi[i] = (uint8_t)(J->spi_i >> (56 - 8 * i));
	ike_dh_public(J->dh, pub, sizeof(pub), &publen);
	RAND_bytes(J->ni, sizeof(J->ni));
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_sa(&w, &sa);
	ike_put_nonce(&w, J->ni, sizeof(J->ni));
	ike_put_ke(&w, I->group, pub, publen);
	o = open_msg(I, request(I, IKE_CREATE_CHILD_SA, &w));
	ok(answer_hdr(I, o, IKE_CREATE_CHILD_SA, 7), "IKE_SA rekey answered");
	is_str(o != NULL ? chain(&o->m) : "none", "SA Nonce KE",
	    "with SA, Nonce, KE");
	if (o == NULL)
		goto out;
	ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &sa, &e);
	ok(sa.nprop == 1 && sa.prop[0].proto == IKE_PROTO_IKE &&
		sa.prop[0].spisize == 8,
	    "an IKE proposal with an 8-byte SPI");
	J->spi_r = get64(sa.prop[0].spi);
	ok(J->spi_r != 0 && J->spi_r != I->spi_r, "the engine's new SPI");
	pn = ike_msg_find(&o->m, IKE_PT_NONCE);
	memcpy(J->nr, pn->body, pn->len);
	J->nrlen = pn->len;
	ok(ike_pl_ke(ike_msg_find(&o->m, IKE_PT_KE), &ke, &e) == 0 &&
		ke.group == I->group &&
		ike_dh_shared(J->dh, ke.data, ke.len, shared, sizeof(shared),
		    &slen, &why) == 0,
	    "its KE in our group");
	/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
	ok(ike_keys_derive(&I->suite, shared, slen, J->ni, sizeof(J->ni), J->nr,
	       J->nrlen, J->spi_i, J->spi_r, I->keys.sk_d, I->suite.prf,
	       &J->keys) == 0 &&
		(J->out = ike_sk_new(&J->suite, &J->keys, true, true)) !=
		    NULL &&
		(J->in = ike_sk_new(&J->suite, &J->keys, true, false)) != NULL,
	    "the new IKE_SA's keys");
	J->msgid = 0;
	counts(2, 1, 2, 1, "two IKE_SAs, one lease");
	st = status();
	ok(strstr(st, "rekeyed") != NULL && count_lines(st, "IKE_SA") == 2,
	    "status: the old IKE_SA rekeyed, the new one");
	free(st);

	o = open_msg(J, info_empty(J));
	ok(answer_hdr(J, o, IKE_INFORMATIONAL, 0) &&
		strcmp(chain(&o->m), "empty") == 0,
	    "INFORMATIONAL 0 on the new IKE_SA answered");
	o = open_msg(I, info_delete(I, IKE_PROTO_IKE, 0));
	ok(answer_hdr(I, o, IKE_INFORMATIONAL, 8) &&
		strcmp(chain(&o->m), "empty") == 0,
	    "Delete of the old IKE_SA: an empty answer");
	counts(1, 1, 2, 1, "old IKE_SA gone, its CHILD_SA and lease kept");
	st = status();
	{
		char want[128];

		snprintf(want, sizeof(want),
		    "IKE_SA %016llx_i %016llx_r established",
		    (unsigned long long)J->spi_i, (unsigned long long)J->spi_r);
		ok(strncmp(st, want, strlen(want)) == 0 &&
			count_lines(st, "  CHILD_SA") == 1,
		    "status: the new IKE_SA with the CHILD_SA");
	}
	free(st);
	/* The child moved: the new SA rekeys and deletes it. */
	o = open_msg(J, rekey_child(J, J->child_spi, rand32(), ni));
	ok(o != NULL && error_of(&o->m) == 0 && F.nadd == 3 &&
		F.add[2].rekeys_spi_in == J->gw_spi &&
		keymat_ok(J, &F.add[2], ni, 32,
		    ike_msg_find(&o->m, IKE_PT_NONCE)->body,
		    ike_msg_find(&o->m, IKE_PT_NONCE)->len, true),
	    "a CHILD_SA rekey on the new IKE_SA, KEYMAT from its SK_d");
	o = open_msg(J, info_delete(J, IKE_PROTO_ESP, J->child_spi));
	ok(o != NULL && delete_is(&o->m, IKE_PROTO_ESP, J->gw_spi) &&
		F.ndel == 2 && F.del[1].spi_in == J->gw_spi,
	    "Delete of the moved CHILD_SA on the new IKE_SA");
	o = open_msg(J, info_delete(J, IKE_PROTO_IKE, 0));
	ok(o != NULL, "Delete of the new IKE_SA");
	counts(0, 0, 3, 3, "everything deleted");
	is_int(F.nunlease, 1, "the lease released once");
out:
	engine_stop();
	ini_free(I);
	ini_free(J);
}

/* ---- 7. Requests of the engine's ---------------------------------- */

static void
test_dpd(void)
{
	static uint8_t buf[MSGSZ];
	struct ini    *I;
	struct opened *o;
	struct ike_wr  w;
	struct ike_sa *sa;
	uint8_t	       dpd[MSGSZ];
	size_t	       len, dlen, n0, k;
	uint64_t       waited, due;

	engine("aes128gcm16-prfsha256-x25519");
	C.dpd = 1;
	engine_start();
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	handshake(I, false, "the SA for DPD");
	n0 = F.nsent;
	waited = run_until_sent(2000);
	ok(F.nsent == n0 + 1 && waited >= 900, "dpd 1: a request after %llu ms",
	    (unsigned long long)waited);
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.exch == IKE_INFORMATIONAL &&
		o->m.hdr.flags == 0 && o->m.hdr.msgid == 0 &&
		strcmp(chain(&o->m), "empty") == 0,
	    "an empty INFORMATIONAL request 0, flags neither I nor R");
	ike_wr_init(&w, buf, sizeof(buf));
	len = seal(I, IKE_INFORMATIONAL, 0, true, &w, dpd);
	is_int(feed(I, dpd, len), 0, "our answer taken");
	sa = ike_sa_find(E, I->spi_i, I->spi_r);
	ok(sa != NULL && !sa->req_busy && !ev_timer_armed(&sa->req.timer),
	    "no retransmission pending");
	is_int(feed(I, dpd, len), 0, "the answer again: ignored");

	/* No answer: retransmitted 1, 2, 4, 8, 16 s apart, then deleted. */
	n0 = F.nsent;
	waited = run_until_sent(3000);
	ok(F.nsent == n0 + 1, "dpd: the next request");
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.msgid == 1 && o->m.hdr.flags == 0,
	    "request 1");
	dlen = newest()->len;
	memcpy(dpd, newest()->msg, dlen);
	for (k = 1; k <= 2; k++) {
		n0 = F.nsent;
		waited = run_until_sent(5000);
		ok(F.nsent == n0 + 1 && newest()->len == dlen &&
			memcmp(newest()->msg, dpd, dlen) == 0,
		    "retransmission %zu: the same bytes", k);
		ok(waited >= (1000u << (k - 1)) - 100 &&
			waited <= (1000u << (k - 1)) + 1000,
		    "retransmission %zu after %llu ms (%u wanted)", k,
		    (unsigned long long)waited, 1000u << (k - 1));
	}
	for (; k <= IKE_RETRANS_TRIES; k++) {
		due = sa->req.timer.when - ev_now_ms();
		ok(due > (1000u << (k - 1)) - 500 && due <= 1000u << (k - 1),
		    "retransmission %zu due in %llu ms (%u)", k,
		    (unsigned long long)due, 1000u << (k - 1));
		n0 = F.nsent;
		fire(&sa->req.timer);
		ok(F.nsent == n0 + 1 && newest()->len == dlen &&
			memcmp(newest()->msg, dpd, dlen) == 0,
		    "retransmission %zu: the same bytes", k);
	}
	due = sa->req.timer.when - ev_now_ms();
	ok(due > 31500 && due <= 32000, "the last wait: %llu ms",
	    (unsigned long long)due);
	n0 = F.nsent;
	fire(&sa->req.timer);
	is_int(F.nsent, n0, "then no more");
	counts(0, 0, 1, 1, "the silent peer's SA deleted");
	run_loop(5);
	ok(E->sas == NULL, "and freed");
	engine_stop();
	ini_free(I);
}

static void
test_child_lifetime(void)
{
	static uint8_t		   buf[MSGSZ], out[MSGSZ];
	static struct ike_sa_pl	   sa;
	struct ini		  *I;
	struct opened		  *o;
	struct ike_notify_pl	   n;
	struct ike_ts_pl	   ts;
	struct ike_err		   e;
	struct ike_wr		   w;
	const struct ike_pl	  *pn;
	const struct ike_child_sa *c;
	uint8_t			   eni[IKE_NONCE_MAX], nr[32];
	uint32_t		   espi, new_spi = rand32(), reqid;
	size_t			   enilen = 0, i, len;
	uint64_t		   waited;
	bool			   same_spi = true;
	char			   vip[ADDR_STRLEN];

	engine("aes128gcm16-prfsha256-x25519");
	C.child_lifetime = 1;
	engine_start();
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	handshake(I, false, "the SA whose CHILD_SA expires");
	reqid = F.add[0].reqid;
	addr_ntop(&I->vip, vip, sizeof(vip));
	waited = run_until_sent(2000);
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.exch == IKE_CREATE_CHILD_SA &&
		o->m.hdr.flags == 0 && o->m.hdr.msgid == 0,
	    "child lifetime 1 s: CREATE_CHILD_SA request 0 after %llu ms",
	    (unsigned long long)waited);
	if (o == NULL)
		goto out;
	is_str(chain(&o->m), "N(REKEY_SA) SA Nonce TSi TSr",
	    "with REKEY_SA, SA, Nonce, TSi, TSr");
	ok(ike_pl_notify(ike_msg_notify(&o->m, IKE_N_REKEY_SA), &n, &e) == 0 &&
		n.proto == IKE_PROTO_ESP && n.spisize == 4 &&
		get32(n.spi) == I->gw_spi,
	    "REKEY_SA names the engine's inbound SPI (1.3.3)");
	ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &sa, &e);
	espi = get32(sa.prop[0].spi);
	for (i = 0; i < sa.nprop; i++)
		same_spi &= sa.prop[i].proto == IKE_PROTO_ESP &&
		    sa.prop[i].spisize == 4 && get32(sa.prop[i].spi) == espi &&
		    sa.prop[i].num == i + 1;
	ok(sa.nprop == 2 && same_spi && espi != I->gw_spi,
	    "SA: our two ESP proposals under one new SPI");
	ok(ike_pl_ts(ike_msg_find(&o->m, IKE_PT_TSI), &ts, &e) == 0 &&
		ts_is(&ts, "10.0.1.0", "10.0.1.255"),
	    "TSi: the engine's side, 10.0.1.0/24");
	ok(ike_pl_ts(ike_msg_find(&o->m, IKE_PT_TSR), &ts, &e) == 0 &&
		ts_is(&ts, vip, vip),
	    "TSr: ours, %s", vip);
	pn = ike_msg_find(&o->m, IKE_PT_NONCE);
	if (pn != NULL && pn->len <= sizeof(eni)) {
		memcpy(eni, pn->body, pn->len);
		enilen = pn->len;
	}
	/* Our answer: the first proposal, our new SPI, Nr, the TS. */
	sa.nprop = 1;
	put32(sa.prop[0].spi, new_spi);
	RAND_bytes(nr, sizeof(nr));
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_sa(&w, &sa);
	ike_put_nonce(&w, nr, sizeof(nr));
	ts_range(&ts, "10.0.1.0", "10.0.1.255");
	ike_put_ts(&w, IKE_PT_TSI, &ts);
	ts_range(&ts, vip, vip);
	ike_put_ts(&w, IKE_PT_TSR, &ts);
	len = seal(I, IKE_CREATE_CHILD_SA, 0, true, &w, out);
	is_int(
	    feed(I, out, len), 1, "our answer: the engine sends one request");
	is_int(F.nadd, 2, "child_add for the new CHILD_SA");
	c = &F.add[1];
	ok(c->spi_in == espi && c->spi_out == new_spi, "its SPIs");
	is_int(c->rekeys_spi_in, I->gw_spi, "rekeys_spi_in the old one");
	is_int(c->reqid, reqid, "the same reqid");
	ok(keymat_ok(I, c, eni, enilen, nr, sizeof(nr), false),
	    "KEYMAT: the engine initiated, its inbound keys r->i");
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.exch == IKE_INFORMATIONAL &&
		o->m.hdr.msgid == 1 && o->m.hdr.flags == 0 &&
		delete_is(&o->m, IKE_PROTO_ESP, I->gw_spi),
	    "then request 1: Delete of the old inbound SPI");
	is_int(F.ndel, 0, "the old CHILD_SA stays until the answer");
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_delete(&w, IKE_PROTO_ESP, &I->child_spi, 1);
	len = seal(I, IKE_INFORMATIONAL, 1, true, &w, out);
	is_int(feed(I, out, len), 0, "our answer to the Delete");
	ok(F.ndel == 1 && F.del[0].spi_in == I->gw_spi && F.del_keep[0],
	    "child_del of the old CHILD_SA, policies kept");
	counts(1, 1, 2, 1, "after the engine's CHILD_SA rekey");
	{
		char *st = status(), want[64];

		snprintf(
		    want, sizeof(want), "in 0x%08x out 0x%08x", espi, new_spi);
		ok(count_lines(st, "  CHILD_SA") == 1 && strstr(st, want),
		    "status: the new CHILD_SA only");
		free(st);
	}
out:
	engine_stop();
	ini_free(I);
}

/* ---- 8. Rekey collisions (2.8.1, 2.8.2) ---------------------------- */

/*
 * Both ends rekey the same SA at once. The SA made with the lowest of
 * the four nonces is redundant and its initiator deletes it. The
 * engine's nonces are random; ours decide: all-0x00 in the exchange
 * whose SA is to be redundant, all-0xff in the other. engine_loses:
 * the redundant SA is the engine's.
 */
static void
test_child_collision(bool engine_loses)
{
	static uint8_t		buf[MSGSZ], out[MSGSZ];
	static struct ike_sa_pl sa;
	const char	       *what = engine_loses ?
			"CHILD_SA collision, the engine's SA redundant" :
			"CHILD_SA collision, the peer's SA redundant";
	struct ini	       *I;
	struct opened	       *o;
	struct ike_ts_pl	ts;
	struct ike_err		e;
	struct ike_wr		w;
	const struct ike_pl    *pn;
	uint8_t	 eni[IKE_NONCE_MAX], ni[32], nr[32], pnr[IKE_NONCE_MAX];
	uint32_t espi = 0, gw_peer = 0, peer_spi = rand32(), new_spi = rand32();
	uint32_t old_in, old_out, reqid;
	size_t	 enilen = 0, pnrlen = 0, len;
	char	 vip[ADDR_STRLEN], want[64], *st;

	engine("aes128gcm16-prfsha256-x25519");
	C.child_lifetime = 1;
	engine_start();
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	handshake(I, false, what);
	reqid = F.add[0].reqid;
	old_in = I->gw_spi;
	old_out = I->child_spi;
	addr_ntop(&I->vip, vip, sizeof(vip));

	/* The engine's rekey, unanswered for now. */
	run_until_sent(2000);
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.exch == IKE_CREATE_CHILD_SA &&
		o->m.hdr.msgid == 0 && o->m.hdr.flags == 0 &&
		ike_msg_notify(&o->m, IKE_N_REKEY_SA) != NULL,
	    "%s: the engine's rekey, request 0", what);
	if (o == NULL)
		goto out;
	ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &sa, &e);
	espi = get32(sa.prop[0].spi);
	if ((pn = ike_msg_find(&o->m, IKE_PT_NONCE)) != NULL &&
	    pn->len <= sizeof(eni)) {
		memcpy(eni, pn->body, pn->len);
		enilen = pn->len;
	}

	/* Ours of the same CHILD_SA crosses it. */
	memset(ni, engine_loses ? 0xff : 0x00, sizeof(ni));
	o = open_msg(I, rekey_child_nonce(I, old_out, peer_spi, ni));
	ok(answer_hdr(I, o, IKE_CREATE_CHILD_SA, 2) && error_of(&o->m) == 0 &&
		strcmp(chain(&o->m), "SA TSi TSr Nonce") == 0,
	    "%s: our crossing rekey answered", what);
	if (o == NULL)
		goto out;
	{
		static struct ike_sa_pl a;

		ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &a, &e);
		gw_peer = get32(a.prop[0].spi);
	}
	if ((pn = ike_msg_find(&o->m, IKE_PT_NONCE)) != NULL &&
	    pn->len <= sizeof(pnr)) {
		memcpy(pnr, pn->body, pn->len);
		pnrlen = pn->len;
	}
	ok(F.nadd == 2 && F.add[1].spi_in == gw_peer &&
		F.add[1].spi_out == peer_spi &&
		F.add[1].rekeys_spi_in == old_in && F.add[1].reqid == reqid &&
		keymat_ok(I, &F.add[1], ni, sizeof(ni), pnr, pnrlen, true),
	    "%s: child_add of ours: SPIs, rekeys_spi_in, reqid, KEYMAT", what);
	is_int(F.ndel, 0, "%s: nothing deleted yet", what);

	/* Now our answer to the engine's. */
	memset(nr, engine_loses ? 0x00 : 0xff, sizeof(nr));
	sa.nprop = 1;
	put32(sa.prop[0].spi, new_spi);
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_sa(&w, &sa);
	ike_put_nonce(&w, nr, sizeof(nr));
	ts_range(&ts, "10.0.1.0", "10.0.1.255");
	ike_put_ts(&w, IKE_PT_TSI, &ts);
	ts_range(&ts, vip, vip);
	ike_put_ts(&w, IKE_PT_TSR, &ts);
	len = seal(I, IKE_CREATE_CHILD_SA, 0, true, &w, out);
	is_int(feed(I, out, len), 1, "%s: our answer: one request back", what);
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.exch == IKE_INFORMATIONAL &&
		o->m.hdr.msgid == 1 && o->m.hdr.flags == 0,
	    "%s: request 1, an INFORMATIONAL", what);
	if (o == NULL)
		goto out;
	if (engine_loses) {
		ok(delete_is(&o->m, IKE_PROTO_ESP, espi),
		    "%s: Delete of the engine's new SA (in 0x%08x)", what,
		    espi);
		is_int(F.nadd, 2, "%s: the redundant SA never installed", what);
		is_int(F.ndel, 0, "%s: the old SA not deleted by the engine",
		    what);
		ike_wr_init(&w, buf, sizeof(buf));
		ike_put_delete(&w, IKE_PROTO_ESP, &new_spi, 1);
		len = seal(I, IKE_INFORMATIONAL, 1, true, &w, out);
		is_int(feed(I, out, len), 0, "%s: our answer taken", what);
		is_int(F.ndel, 0, "%s: no child_del for it", what);
		/* The old SA is ours to delete: our rekey won. */
		o = open_msg(I, info_delete(I, IKE_PROTO_ESP, old_out));
		ok(answer_hdr(I, o, IKE_INFORMATIONAL, 3) &&
			delete_is(&o->m, IKE_PROTO_ESP, old_in),
		    "%s: our Delete of the old SA answered", what);
		ok(F.ndel == 1 && F.del[0].spi_in == old_in && F.del_keep[0],
		    "%s: child_del of the old SA, policies kept", what);
		counts(1, 1, 2, 1, what);
		snprintf(want, sizeof(want), "in 0x%08x out 0x%08x", gw_peer,
		    peer_spi);
	} else {
		ok(F.nadd == 3 && F.add[2].spi_in == espi &&
			F.add[2].spi_out == new_spi &&
			F.add[2].rekeys_spi_in == old_in &&
			F.add[2].reqid == reqid &&
			keymat_ok(
			    I, &F.add[2], eni, enilen, nr, sizeof(nr), false),
		    "%s: child_add of the engine's: SPIs, reqid, KEYMAT", what);
		ok(delete_is(&o->m, IKE_PROTO_ESP, old_in),
		    "%s: Delete of the old SA (in 0x%08x)", what, old_in);
		is_int(F.ndel, 0, "%s: kept until the answer", what);
		ike_wr_init(&w, buf, sizeof(buf));
		ike_put_delete(&w, IKE_PROTO_ESP, &old_out, 1);
		len = seal(I, IKE_INFORMATIONAL, 1, true, &w, out);
		is_int(feed(I, out, len), 0, "%s: our answer taken", what);
		ok(F.ndel == 1 && F.del[0].spi_in == old_in && F.del_keep[0],
		    "%s: child_del of the old SA, policies kept", what);
		/* Ours is redundant and ours to delete. */
		o = open_msg(I, info_delete(I, IKE_PROTO_ESP, peer_spi));
		ok(answer_hdr(I, o, IKE_INFORMATIONAL, 3) &&
			delete_is(&o->m, IKE_PROTO_ESP, gw_peer),
		    "%s: our Delete of our redundant SA answered", what);
		ok(F.ndel == 2 && F.del[1].spi_in == gw_peer && F.del_keep[1],
		    "%s: child_del of it, policies kept", what);
		counts(1, 1, 3, 2, what);
		snprintf(
		    want, sizeof(want), "in 0x%08x out 0x%08x", espi, new_spi);
	}
	st = status();
	ok(count_lines(st, "IKE_SA") == 1 &&
		count_lines(st, "  CHILD_SA") == 1 &&
		strstr(st, want) != NULL && strstr(st, "(rekeyed)") == NULL,
	    "%s: status: the one CHILD_SA, %s", what, want);
	free(st);
	len = F.ndel;
	engine_stop();
	ok(F.ndel == len + 1 && !F.del_keep[len] && F.holds == 0,
	    "%s: ike_free: the last child_del takes the policies", what);
out:
	if (E != NULL)
		engine_stop();
	ini_free(I);
}

/* An IKE_SA's line in the status, by its SPIs: its state, or NULL. */
static const char *
sa_state(const char *st, uint64_t spi_i, uint64_t spi_r)
{
	static char s[32];
	char	    want[64];
	const char *p;
	size_t	    n;

	snprintf(want, sizeof(want), "IKE_SA %016llx_i %016llx_r ",
	    (unsigned long long)spi_i, (unsigned long long)spi_r);
	if ((p = strstr(st, want)) == NULL)
		return NULL;
	p += strlen(want);
	n = strcspn(p, ":");
	snprintf(s, sizeof(s), "%.*s", (int)n, p);
	return s;
}

/* The CHILD_SA lines under the IKE_SA of these SPIs. */
static int
sa_children(const char *st, uint64_t spi_i, uint64_t spi_r)
{
	char	    want[64];
	const char *p, *next;

	snprintf(want, sizeof(want), "IKE_SA %016llx_i %016llx_r ",
	    (unsigned long long)spi_i, (unsigned long long)spi_r);
	if ((p = strstr(st, want)) == NULL || (p = strchr(p, '\n')) == NULL)
		return -1;
	next = strstr(p, "\nIKE_SA");
	return count_lines(p, "  CHILD_SA") -
	    (next != NULL ? count_lines(next, "  CHILD_SA") : 0);
}

static void
test_ike_collision(bool engine_loses)
{
	static uint8_t		buf[MSGSZ], out[MSGSZ];
	static struct ike_sa_pl sa;
	const char	       *what = engine_loses ?
			"IKE_SA collision, the engine's SA redundant" :
			"IKE_SA collision, the peer's SA redundant";
	struct ini	       *I, *J = NULL, *K = NULL;
	struct opened	       *o;
	static struct opened	ko;
	struct ike_ke_pl	ke;
	struct ike_err		e;
	struct ike_wr		w;
	const struct ike_pl    *pn;
	struct ike_prop		eprop;
	struct ike_sa	       *nsa;
	uint8_t			eni[32], eke[IKE_DH_MAX], pub[IKE_DH_MAX];
	uint8_t			shared[IKE_DH_MAX];
	size_t			ekelen, publen, slen = 0, len;
	const char	       *why;
	char		       *st;
	bool			good;

	engine("aes128gcm16-prfsha256-x25519");
	C.ike_lifetime = 1;
	engine_start();
	I = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	handshake(I, false, what);

	/* The engine's rekey, unanswered for now. */
	run_until_sent(2000);
	o = open_msg(I, newest());
	ok(o != NULL && o->m.hdr.exch == IKE_CREATE_CHILD_SA &&
		o->m.hdr.msgid == 0 && o->m.hdr.flags == 0 &&
		strcmp(chain(&o->m), "SA Nonce KE") == 0,
	    "%s: the engine's IKE_SA rekey, request 0", what);
	if (o == NULL)
		goto out;
	ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &sa, &e);
	eprop = sa.prop[0];
	pn = ike_msg_find(&o->m, IKE_PT_NONCE);
	good = sa.nprop == 1 && eprop.proto == IKE_PROTO_IKE &&
	    eprop.spisize == 8 && pn != NULL && pn->len == sizeof(eni) &&
	    ike_pl_ke(ike_msg_find(&o->m, IKE_PT_KE), &ke, &e) == 0 &&
	    ke.group == I->group && ke.len <= sizeof(eke);
	ok(good, "%s: an IKE proposal, a 32-byte nonce, a KE", what);
	if (!good)
		goto out;
	memcpy(eni, pn->body, pn->len);
	memcpy(eke, ke.data, ke.len);
	ekelen = ke.len;

	/* Ours crosses it: J, the new IKE_SA we initiate. */
	J = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	*J = *I;
	J->in = J->out = NULL;
	J->dh = ike_dh_new(I->group);
	J->spi_i = rand64();
	memset(J->ni, engine_loses ? 0xff : 0x00, sizeof(J->ni));
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = I->prop;
	sa.prop[0].spisize = 8;
	for (int i = 0; i < 8; i++)
		sa.prop[0].spi[i] = (uint8_t)(J->spi_i >> (56 - 8 * i));
	ike_dh_public(J->dh, pub, sizeof(pub), &publen);
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_sa(&w, &sa);
	ike_put_nonce(&w, J->ni, sizeof(J->ni));
	ike_put_ke(&w, I->group, pub, publen);
	o = open_msg(I, request(I, IKE_CREATE_CHILD_SA, &w));
	ok(answer_hdr(I, o, IKE_CREATE_CHILD_SA, 2) &&
		strcmp(chain(&o->m), "SA Nonce KE") == 0,
	    "%s: our crossing IKE_SA rekey answered", what);
	if (o == NULL)
		goto out;
	ike_pl_sa(ike_msg_find(&o->m, IKE_PT_SA), &sa, &e);
	J->spi_r = get64(sa.prop[0].spi);
	pn = ike_msg_find(&o->m, IKE_PT_NONCE);
	memcpy(J->nr, pn->body, pn->len);
	J->nrlen = pn->len;
	ok(ike_pl_ke(ike_msg_find(&o->m, IKE_PT_KE), &ke, &e) == 0 &&
		ike_dh_shared(J->dh, ke.data, ke.len, shared, sizeof(shared),
		    &slen, &why) == 0 &&
		ike_keys_derive(&I->suite, shared, slen, J->ni, sizeof(J->ni),
		    J->nr, J->nrlen, J->spi_i, J->spi_r, I->keys.sk_d,
		    I->suite.prf, &J->keys) == 0 &&
		(J->out = ike_sk_new(&J->suite, &J->keys, true, true)) !=
		    NULL &&
		(J->in = ike_sk_new(&J->suite, &J->keys, true, false)) != NULL,
	    "%s: our new IKE_SA's keys", what);
	J->msgid = 0;
	counts(2, 1, 1, 0, what);

	/* Now our answer to the engine's: K, the new IKE_SA it initiates,
	 * we its responder. */
	K = ini_new("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	K->suite = I->suite;
	K->dh = ike_dh_new(I->group);
	K->spi_i = get64(eprop.spi);
	K->spi_r = rand64();
	memcpy(K->ni, eni, sizeof(eni));
	memset(K->nr, engine_loses ? 0x00 : 0xff, 32);
	K->nrlen = 32;
	good = K->dh != NULL &&
	    ike_dh_public(K->dh, pub, sizeof(pub), &publen) == 0 &&
	    ike_dh_shared(
		K->dh, eke, ekelen, shared, sizeof(shared), &slen, &why) == 0 &&
	    ike_keys_derive(&I->suite, shared, slen, K->ni, sizeof(K->ni),
		K->nr, K->nrlen, K->spi_i, K->spi_r, I->keys.sk_d, I->suite.prf,
		&K->keys) == 0 &&
	    (K->in = ike_sk_new(&K->suite, &K->keys, false, false)) != NULL &&
	    (K->out = ike_sk_new(&K->suite, &K->keys, false, true)) != NULL;
	ok(good, "%s: the engine's new IKE_SA's keys", what);
	if (!good)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = eprop;
	for (int i = 0; i < 8; i++)
		sa.prop[0].spi[i] = (uint8_t)(K->spi_r >> (56 - 8 * i));
	ike_wr_init(&w, buf, sizeof(buf));
	ike_put_sa(&w, &sa);
	ike_put_nonce(&w, K->nr, K->nrlen);
	ike_put_ke(&w, I->group, pub, publen);
	len = seal(I, IKE_CREATE_CHILD_SA, 0, true, &w, out);
	is_int(feed(I, out, len), 1, "%s: our answer: one request back", what);
	is_int(F.ndel, 0, "%s: no child_del", what);
	is_int(F.nadd, 1, "%s: no child_add", what);
	if (engine_loses) {
		/* The engine's new IKE_SA is redundant: it deletes it. */
		ok(open_with(K->in, newest(), &ko) == 0 &&
			ko.m.hdr.spi_i == K->spi_i &&
			ko.m.hdr.spi_r == K->spi_r &&
			ko.m.hdr.exch == IKE_INFORMATIONAL &&
			ko.m.hdr.msgid == 0 &&
			ko.m.hdr.flags == IKE_F_INITIATOR &&
			delete_is(&ko.m, IKE_PROTO_IKE, 0),
		    "%s: Delete of the engine's new IKE_SA, on its SPIs", what);
		counts(2, 1, 1, 0, "the old IKE_SA and the peer's");
		st = status();
		ok(sa_state(st, K->spi_i, K->spi_r) == NULL,
		    "%s: status: not the engine's new IKE_SA", what);
		is_str(sa_state(st, I->spi_i, I->spi_r), "rekeyed",
		    "%s: status: the old one rekeyed", what);
		is_str(sa_state(st, J->spi_i, J->spi_r), "established",
		    "%s: status: ours established", what);
		is_int(sa_children(st, J->spi_i, J->spi_r), 1,
		    "%s: status: the CHILD_SA on ours", what);
		free(st);
		/* The old one is ours to delete: our rekey won. */
		o = open_msg(I, info_delete(I, IKE_PROTO_IKE, 0));
		ok(answer_hdr(I, o, IKE_INFORMATIONAL, 3) &&
			strcmp(chain(&o->m), "empty") == 0,
		    "%s: our Delete of the old IKE_SA answered", what);
		nsa = ike_sa_find(E, J->spi_i, J->spi_r);
	} else {
		/* Ours is redundant: the engine's takes the CHILD_SA and
		 * lease and the engine deletes the old one. */
		o = open_msg(I, newest());
		ok(o != NULL && o->m.hdr.exch == IKE_INFORMATIONAL &&
			o->m.hdr.msgid == 1 && o->m.hdr.flags == 0 &&
			delete_is(&o->m, IKE_PROTO_IKE, 0),
		    "%s: request 1 on the old IKE_SA: its Delete", what);
		counts(3, 1, 1, 0, "the old IKE_SA, the peer's, the engine's");
		st = status();
		is_str(sa_state(st, I->spi_i, I->spi_r), "rekeyed",
		    "%s: status: the old one rekeyed", what);
		is_str(sa_state(st, K->spi_i, K->spi_r), "established",
		    "%s: status: the engine's established", what);
		is_int(sa_children(st, K->spi_i, K->spi_r), 1,
		    "%s: status: the CHILD_SA on the engine's", what);
		is_int(sa_children(st, J->spi_i, J->spi_r), 0,
		    "%s: status: none on ours", what);
		free(st);
		ike_wr_init(&w, buf, sizeof(buf));
		len = seal(I, IKE_INFORMATIONAL, 1, true, &w, out);
		is_int(feed(I, out, len), 0, "%s: our answer taken", what);
		o = open_msg(J, info_delete(J, IKE_PROTO_IKE, 0));
		ok(answer_hdr(J, o, IKE_INFORMATIONAL, 0) &&
			strcmp(chain(&o->m), "empty") == 0,
		    "%s: our Delete of our redundant IKE_SA answered", what);
		nsa = ike_sa_find(E, K->spi_i, K->spi_r);
	}
	counts(1, 1, 1, 0, what);
	ok(F.nlease == 1 && F.nunlease == 0, "%s: the lease held once", what);
	ok(nsa != NULL && nsa->state == IKE_S_ESTABLISHED && nsa->leased &&
		nsa->children != NULL && nsa->children->next == NULL &&
		nsa->children->installed &&
		nsa->children->sa.spi_in == I->gw_spi &&
		nsa->children->ike_sa == nsa,
	    "%s: the survivor holds the lease and the CHILD_SA", what);
	st = status();
	ok(count_lines(st, "IKE_SA") == 1 &&
		count_lines(st, "  CHILD_SA") == 1 &&
		strstr(st, "established") != NULL,
	    "%s: status: one IKE_SA, one CHILD_SA", what);
	free(st);
	engine_stop();
	ok(F.ndel == 1 && F.nunlease == 1 && F.holds == 0,
	    "%s: ike_free: the CHILD_SA and the lease go once", what);
out:
	if (E != NULL)
		engine_stop();
	ini_free(I);
	ini_free(J);
	ini_free(K);
}

int
main(void)
{
	log_init("ike_engine", LOG_TO_STDERR,
	    getenv("IKE_ENGINE_LOG") != NULL ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	if ((L = ev_loop_new()) == NULL)
		return 1;
	test_happy("aes128gcm16-prfsha256-x25519", "aes128gcm16");
	test_happy("aes256-sha256-ecp256", "aes256-sha256");
	test_happy("aes128-sha256-modp2048", "aes128gcm16");
	test_retransmit();
	test_failures();
	test_bad_input();
	test_info();
	test_rekey_by_peer();
	test_dpd();
	test_child_lifetime();
	test_child_collision(true);
	test_child_collision(false);
	test_ike_collision(true);
	test_ike_collision(false);
	fake_reset();
	ev_loop_free(L);
	return done_testing();
}
