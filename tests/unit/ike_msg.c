/*
 * IKEv2 messages and payloads (msg.c, payload.c): every payload type
 * built with the builders, parsed back and compared field by field;
 * hand-written malformed messages, each refused with the right notify
 * and a reason naming the field; and an IKE_SA_INIT request captured from
 * strongSwan 5.9.8 (charon initiating with its default proposals to a
 * closed port in a network namespace, tshark on the other end).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "wire.h"

/* strongSwan 5.9.8's IKE_SA_INIT request, "proposals = default". */
static const char sswan_init[] =
    "4183b1342114bf9c000000000000000021202208000000000000041822000358"
    "02000168010100260300000c0100000c800e00800300000c0100000c800e00c0"
    "0300000c0100000c800e01000300000c0100000d800e00800300000c0100000d"
    "800e00c00300000c0100000d800e01000300000c01000017800e00800300000c"
    "01000017800e00c00300000c01000017800e01000300000c01000018800e0080"
    "0300000c01000018800e00c00300000c01000018800e01000300000801000003"
    "030000080300000c030000080300000d030000080300000e0300000803000005"
    "0300000803000008030000080300000203000008020000050300000802000006"
    "0300000802000007030000080200000403000008020000080300000802000002"
    "030000080400001f030000080400002003000008040000130300000804000014"
    "0300000804000015030000080400001c030000080400001d030000080400001e"
    "030000080400000f030000080400001003000008040000110300000804000012"
    "000000080400000e000001ec0201002f0300000c01000010800e00800300000c"
    "01000010800e00c00300000c01000010800e01000300000c01000014800e0080"
    "0300000c01000014800e00c00300000c01000014800e0100030000080100001c"
    "0300000c0100001b800e00800300000c0100001b800e00c00300000c0100001b"
    "800e01000300000c0100000e800e00800300000c0100000e800e00c00300000c"
    "0100000e800e01000300000c0100000f800e00800300000c0100000f800e00c0"
    "0300000c0100000f800e01000300000c01000012800e00800300000c01000012"
    "800e00c00300000c01000012800e01000300000c01000013800e00800300000c"
    "01000013800e00c00300000c01000013800e01000300000c01000019800e0080"
    "0300000c01000019800e00c00300000c01000019800e01000300000c0100001a"
    "800e00800300000c0100001a800e00c00300000c0100001a800e010003000008"
    "0200000503000008020000060300000802000007030000080200000403000008"
    "020000080300000802000002030000080400001f030000080400002003000008"
    "0400001303000008040000140300000804000015030000080400001c03000008"
    "0400001d030000080400001e030000080400000f030000080400001003000008"
    "040000110300000804000012000000080400000e28000028001f00006d9ab228"
    "82506b15991904ef8a38ea1339ef1a3a39125d041219535add597b4d29000024"
    "d9a5537f9eeae1a7ac4f50698a4845cfce6a627cb5fbe2f4081935892ba27707"
    "2900001c00004004cca8154e29b1af14dcd178132b0d44165324842e2900001c"
    "0000400537240e5868a4fd6653b36881eb34ec40810e7454290000080000402e"
    "290000100000402f00020003000400050000000800004016";

#define BUFSZ 4096

/*
 * With IKE_MSG_SEEDS=DIR, the messages built here are written to DIR:
 * that is how tests/fuzz/seeds/fuzz_ike_msg/ was made. An SK plaintext
 * is written as fuzz_ike_msg reads one, its first payload's type first.
 */
static void
seed(const char *name, uint8_t first, const uint8_t *p, size_t len)
{
	const char *dir = getenv("IKE_MSG_SEEDS");
	char	    path[512];
	FILE	   *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	if (first != IKE_PT_NONE)
		fputc(first, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int    hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue; /* spaces between fields */
		if (hi < 0)
			hi = v;
		else {
			if (n == cap)
				abort();
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static struct ike_hdr
hdr(uint8_t exch, uint8_t flags, uint32_t msgid)
{
	struct ike_hdr h;

	memset(&h, 0, sizeof(h));
	h.spi_i = 0x1122334455667788ULL;
	h.spi_r = exch == IKE_SA_INIT ? 0 : 0x99aabbccddeeff00ULL;
	h.version = IKE_VERSION;
	h.exch = exch;
	h.flags = flags;
	h.msgid = msgid;
	return h;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static bool
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* ---- IKE_SA_INIT round trip ---------------------------------------- */

static void
mk_sa(struct ike_sa_pl *sa)
{
	struct ike_prop *p;

	memset(sa, 0, sizeof(*sa));
	sa->nprop = 2;
	p = &sa->prop[0];
	p->num = 1;
	p->proto = IKE_PROTO_IKE;
	p->nxf = 5;
	p->xf[0] = (struct ike_xf){ IKE_XT_ENCR, IKE_ENCR_AES_CBC, 128 };
	p->xf[1] = (struct ike_xf){ IKE_XT_ENCR, IKE_ENCR_AES_CBC, 256 };
	p->xf[2] =
	    (struct ike_xf){ IKE_XT_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 };
	p->xf[3] = (struct ike_xf){ IKE_XT_PRF, IKE_PRF_HMAC_SHA2_256, 0 };
	p->xf[4] = (struct ike_xf){ IKE_XT_DH, IKE_DH_CURVE25519, 0 };
	p = &sa->prop[1];
	p->num = 2;
	p->proto = IKE_PROTO_IKE;
	p->nxf = 3;
	p->xf[0] = (struct ike_xf){ IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 256 };
	p->xf[1] = (struct ike_xf){ IKE_XT_PRF, IKE_PRF_HMAC_SHA2_384, 0 };
	p->xf[2] = (struct ike_xf){ IKE_XT_DH, IKE_DH_ECP256, 0 };
}

static void
cmp_sa(
    const struct ike_sa_pl *got, const struct ike_sa_pl *want, const char *what)
{
	size_t i, j;
	int    bad = 0;

	is_int(got->nprop, want->nprop, "%s: number of proposals", what);
	for (i = 0; i < got->nprop && i < want->nprop; i++) {
		const struct ike_prop *g = &got->prop[i], *w = &want->prop[i];

		bad += g->num != w->num || g->proto != w->proto ||
		    g->spisize != w->spisize || g->nxf != w->nxf ||
		    memcmp(g->spi, w->spi, w->spisize) != 0;
		for (j = 0; j < g->nxf && j < w->nxf; j++)
			bad += g->xf[j].type != w->xf[j].type ||
			    g->xf[j].id != w->xf[j].id ||
			    g->xf[j].keylen != w->xf[j].keylen;
	}
	is_int(
	    bad, 0, "%s: proposals, SPIs and transforms field by field", what);
}

static void
test_sa_init(void)
{
	uint8_t		     buf[BUFSZ], ke[32], nonce[32], nat[20], hash[20];
	struct ike_hdr	     h = hdr(IKE_SA_INIT, IKE_F_INITIATOR, 0);
	struct ike_sa_pl     sa, gsa;
	struct ike_ke_pl     gke;
	struct ike_notify_pl gn;
	struct ike_cert_pl   gc;
	struct ike_wr	     wr;
	struct ike_msg	     m;
	struct ike_err	     e;
	const struct ike_pl *pl;
	const uint8_t	     spi4[4] = { 0xc0, 0x01, 0xd0, 0x0d };
	static const uint8_t want[] = { IKE_PT_SA, IKE_PT_KE, IKE_PT_NONCE,
		IKE_PT_N, IKE_PT_N, IKE_PT_V, IKE_PT_CERTREQ };
	size_t		     i;
	int		     rc;

	mk_sa(&sa);
	fill(ke, sizeof(ke), 1);
	fill(nonce, sizeof(nonce), 2);
	fill(nat, sizeof(nat), 3);
	fill(hash, sizeof(hash), 4);
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_wr_hdr(&wr, &h);
	ike_put_sa(&wr, &sa);
	ike_put_ke(&wr, IKE_DH_CURVE25519, ke, sizeof(ke));
	ike_put_nonce(&wr, nonce, sizeof(nonce));
	ike_put_notify(
	    &wr, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, nat, sizeof(nat));
	ike_put_notify(&wr, IKE_PROTO_ESP, spi4, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_put_vendor(&wr, (const uint8_t *)"moat", 4);
	ike_put_cert(
	    &wr, IKE_PT_CERTREQ, IKE_CERT_X509_SIG, hash, sizeof(hash));
	ike_wr_hdr_len(&wr);
	ok(!wr.w.err, "IKE_SA_INIT: built");
	is_int(wr.first, IKE_PT_SA, "IKE_SA_INIT: first payload recorded");
	is_int(buf[16], IKE_PT_SA, "IKE_SA_INIT: header's next payload");

	seed("sa-init", IKE_PT_NONE, buf, wr.w.off);
	rc = ike_msg_parse(buf, wr.w.off, &m, &e);
	if (!ok(rc == 0, "IKE_SA_INIT: parses"))
		diag("%s", e.why);
	ok(m.raw == buf, "raw is the buffer");
	ok(m.hdr.spi_i == h.spi_i && m.hdr.spi_r == 0, "SPIs");
	is_int(m.hdr.next, IKE_PT_SA, "header next");
	is_int(m.hdr.version, IKE_VERSION, "version");
	is_int(m.hdr.exch, IKE_SA_INIT, "exchange");
	is_int(m.hdr.flags, IKE_F_INITIATOR, "flags");
	is_int(m.hdr.msgid, 0, "message ID");
	is_int(m.hdr.len, wr.w.off, "length");
	ok(m.sk == NULL, "no SK");
	is_int(m.npl, sizeof(want), "payload count");
	for (i = 0; i < m.npl && i < sizeof(want); i++)
		is_int(m.pl[i].type, want[i], "payload %zu type", i);
	is_int(m.pl[0].off, IKE_HDR_LEN, "SA right after the header");
	for (i = 1; i < m.npl; i++)
		if (m.pl[i].off != m.pl[i - 1].off + 4 + m.pl[i - 1].len)
			break;
	is_int(i, m.npl, "offsets and lengths tile the message");

	rc = ike_pl_sa(ike_msg_find(&m, IKE_PT_SA), &gsa, &e);
	is_int(rc, 0, "ike_pl_sa");
	cmp_sa(&gsa, &sa, "SA");
	is_int(gsa.prop[0].xf[1].keylen, 256, "AES-CBC-256's key length");

	rc = ike_pl_ke(ike_msg_find(&m, IKE_PT_KE), &gke, &e);
	is_int(rc, 0, "ike_pl_ke");
	is_int(gke.group, IKE_DH_CURVE25519, "KE group");
	ok(same(gke.data, gke.len, ke, sizeof(ke)), "KE data");

	pl = ike_msg_find(&m, IKE_PT_NONCE);
	ok(pl != NULL && same(pl->body, pl->len, nonce, sizeof(nonce)),
	    "Nonce data");

	is_int(ike_msg_count(&m, IKE_PT_N), 2, "two notifies");
	pl = ike_msg_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP);
	ok(pl == &m.pl[3], "ike_msg_notify finds NAT_DETECTION_SOURCE_IP");
	rc = ike_pl_notify(pl, &gn, &e);
	is_int(rc, 0, "ike_pl_notify");
	ok(gn.proto == 0 && gn.spisize == 0 &&
		gn.type == IKE_N_NAT_DETECTION_SOURCE_IP &&
		same(gn.data, gn.len, nat, sizeof(nat)),
	    "NAT_DETECTION_SOURCE_IP: no SPI, 20 bytes of data");
	rc = ike_pl_notify(ike_msg_notify(&m, IKE_N_REKEY_SA), &gn, &e);
	ok(rc == 0 && gn.proto == IKE_PROTO_ESP && gn.spisize == 4 &&
		memcmp(gn.spi, spi4, 4) == 0 && gn.type == IKE_N_REKEY_SA &&
		gn.len == 0,
	    "REKEY_SA: ESP, its SPI, no data");
	ok(ike_msg_notify(&m, IKE_N_COOKIE) == NULL, "no COOKIE");

	pl = ike_msg_find(&m, IKE_PT_V);
	ok(pl != NULL && same(pl->body, pl->len, (const uint8_t *)"moat", 4),
	    "Vendor ID");
	rc = ike_pl_cert(ike_msg_find(&m, IKE_PT_CERTREQ), &gc, &e);
	ok(rc == 0 && gc.enc == IKE_CERT_X509_SIG &&
		same(gc.data, gc.len, hash, sizeof(hash)),
	    "CERTREQ");

	rc = ike_pl_ke(ike_msg_find(&m, IKE_PT_NONCE), &gke, &e);
	ok(rc == -1 && e.notify == IKE_N_INVALID_SYNTAX,
	    "ike_pl_ke refuses a Nonce");
}

/* ---- IKE_AUTH: SK outside, every other payload inside ---------------- */

static void
mk_ts(struct ike_ts_pl *ts, bool v6)
{
	struct ike_ts *t;

	memset(ts, 0, sizeof(*ts));
	ts->nts = v6 ? 2 : 1;
	t = &ts->ts[0];
	t->type = IKE_TS_IPV4_ADDR_RANGE;
	t->proto = 6;
	t->sport = 0;
	t->eport = 65535;
	addr_pton(AF_INET, "10.0.1.0", &t->start);
	addr_pton(AF_INET, "10.0.1.255", &t->end);
	if (!v6)
		return;
	t = &ts->ts[1];
	t->type = IKE_TS_IPV6_ADDR_RANGE;
	t->proto = 0;
	t->sport = 65535; /* OPAQUE */
	t->eport = 0;
	addr_pton(AF_INET6, "2001:db8::", &t->start);
	addr_pton(AF_INET6, "2001:db8::ffff", &t->end);
}

static void
cmp_ts(
    const struct ike_ts_pl *got, const struct ike_ts_pl *want, const char *what)
{
	size_t i;
	int    bad = 0;

	is_int(got->nts, want->nts, "%s: number of selectors", what);
	for (i = 0; i < got->nts && i < want->nts; i++)
		bad += got->ts[i].type != want->ts[i].type ||
		    got->ts[i].proto != want->ts[i].proto ||
		    got->ts[i].sport != want->ts[i].sport ||
		    got->ts[i].eport != want->ts[i].eport ||
		    !addr_eq(&got->ts[i].start, &want->ts[i].start) ||
		    !addr_eq(&got->ts[i].end, &want->ts[i].end);
	is_int(bad, 0, "%s: type, protocol, ports, addresses", what);
}

static void
test_auth(void)
{
	uint8_t		     buf[BUFSZ], plain[BUFSZ], sk[64], sig[64];
	uint8_t		     cert[300], eap[9] = { 2, 1, 0, 9, 1 };
	struct ike_hdr	     h = hdr(IKE_AUTH, IKE_F_INITIATOR, 1);
	struct ike_sa_pl     sa, gsa;
	struct ike_ts_pl     tsi, tsr, gts;
	struct ike_cp_pl     cp, gcp;
	struct ike_id_pl     gid;
	struct ike_cert_pl   gc;
	struct ike_auth_pl   ga;
	struct ike_delete_pl gd;
	struct ike_notify_pl gn;
	struct ike_wr	     wr, pw;
	struct ike_msg	     m;
	struct ike_err	     e;
	const struct ike_pl *pl;
	const uint32_t	     dspi[2] = { 0xc0000001, 0xc0000002 };
	const char	    *fqdn = "rw.example";
	size_t		     i, nouter;
	int		     rc, bad;

	memcpy(eap + 5, "moat", 4);
	fill(sig, sizeof(sig), 5);
	fill(cert, sizeof(cert), 6);
	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0].num = 1;
	sa.prop[0].proto = IKE_PROTO_ESP;
	sa.prop[0].spisize = 4;
	memcpy(sa.prop[0].spi, "\xca\xfe\xf0\x0d", 4);
	sa.prop[0].nxf = 2;
	sa.prop[0].xf[0] =
	    (struct ike_xf){ IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 128 };
	sa.prop[0].xf[1] = (struct ike_xf){ IKE_XT_ESN, IKE_ESN_NO, 0 };
	mk_ts(&tsi, true);
	mk_ts(&tsr, false);
	memset(&cp, 0, sizeof(cp));
	cp.type = IKE_CFG_REQUEST;
	cp.nattr = 4;
	cp.attr[0] =
	    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_ADDRESS, NULL, 0 };
	cp.attr[1] = (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP4_DNS, NULL, 0 };
	cp.attr[2] =
	    (struct ike_cfg_attr){ IKE_CA_INTERNAL_IP6_ADDRESS, NULL, 0 };
	cp.attr[3] = (struct ike_cfg_attr){ IKE_CA_APPLICATION_VERSION,
		(const uint8_t *)"moat 1", 6 };

	ike_wr_init(&pw, plain, sizeof(plain));
	ike_put_id(
	    &pw, IKE_PT_IDI, IKE_ID_FQDN, (const uint8_t *)fqdn, strlen(fqdn));
	ike_put_cert(&pw, IKE_PT_CERT, IKE_CERT_X509_SIG, cert, sizeof(cert));
	ike_put_cert(&pw, IKE_PT_CERTREQ, IKE_CERT_X509_SIG, NULL, 0);
	ike_put_auth(&pw, IKE_AUTH_DIGITAL_SIG, sig, sizeof(sig));
	ike_put_cp(&pw, &cp);
	ike_put_sa(&pw, &sa);
	ike_put_ts(&pw, IKE_PT_TSI, &tsi);
	ike_put_ts(&pw, IKE_PT_TSR, &tsr);
	ike_put_notify(
	    &pw, 0, NULL, 0, IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0);
	ike_put_delete(&pw, IKE_PROTO_ESP, dspi, 2);
	ike_put_delete(&pw, IKE_PROTO_IKE, NULL, 0);
	ike_put_eap(&pw, eap, sizeof(eap));
	ike_put_vendor(&pw, (const uint8_t *)"x", 1);
	ok(!pw.w.err, "IKE_AUTH plaintext: built");
	is_int(pw.first, IKE_PT_IDI, "plaintext: first payload recorded");

	fill(sk, sizeof(sk), 7);
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_wr_hdr(&wr, &h);
	ike_put_sk(&wr, pw.first, sk, sizeof(sk));
	ike_wr_hdr_len(&wr);
	ok(!wr.w.err, "IKE_AUTH: built");
	ike_put_vendor(&wr, NULL, 0);
	ok(wr.w.err, "nothing may follow SK");
	is_int(wr.w.off, IKE_HDR_LEN + 4 + sizeof(sk), "nor was written");

	seed("auth", IKE_PT_NONE, buf, IKE_HDR_LEN + 4 + sizeof(sk));
	seed("auth-plain", pw.first, plain, pw.w.off);
	rc = ike_msg_parse(buf, IKE_HDR_LEN + 4 + sizeof(sk), &m, &e);
	if (!ok(rc == 0, "IKE_AUTH: parses"))
		diag("%s", e.why);
	is_int(m.hdr.next, IKE_PT_SK, "header names SK");
	is_int(m.hdr.msgid, 1, "message ID");
	ok(m.hdr.spi_r == h.spi_r, "responder SPI");
	ok(m.sk == &m.pl[0], "SK recorded");
	is_int(m.sk_next, IKE_PT_IDI, "SK's next is the first inner payload");
	ok(m.sk != NULL && same(m.sk->body, m.sk->len, sk, sizeof(sk)),
	    "SK body: IV, ciphertext and ICV untouched");
	nouter = m.npl;

	rc = ike_msg_parse_inner(&m, plain, pw.w.off, m.sk_next, &e);
	if (!ok(rc == 0, "inner chain parses"))
		diag("%s", e.why);
	is_int(m.npl, nouter + 13, "inner payloads appended");
	is_int(m.pl[nouter].off, 0, "inner offsets from the plaintext");
	ok(m.pl[nouter].body == plain + 4, "inner bodies in the plaintext");

	rc = ike_pl_id(ike_msg_find(&m, IKE_PT_IDI), &gid, &e);
	ok(rc == 0 && gid.type == IKE_ID_FQDN &&
		same(gid.data, gid.len, (const uint8_t *)fqdn, strlen(fqdn)),
	    "IDi: FQDN");
	ok(gid.body == plain + 4 && gid.bodylen == 4 + strlen(fqdn),
	    "IDi: body for the MACedID");
	ok(ike_msg_find(&m, IKE_PT_IDR) == NULL, "no IDr");
	rc = ike_pl_cert(ike_msg_find(&m, IKE_PT_CERT), &gc, &e);
	ok(rc == 0 && gc.enc == IKE_CERT_X509_SIG &&
		same(gc.data, gc.len, cert, sizeof(cert)),
	    "CERT");
	rc = ike_pl_cert(ike_msg_find(&m, IKE_PT_CERTREQ), &gc, &e);
	ok(rc == 0 && gc.enc == IKE_CERT_X509_SIG && gc.len == 0,
	    "empty CERTREQ");
	rc = ike_pl_auth(ike_msg_find(&m, IKE_PT_AUTH), &ga, &e);
	ok(rc == 0 && ga.method == IKE_AUTH_DIGITAL_SIG &&
		same(ga.data, ga.len, sig, sizeof(sig)),
	    "AUTH");

	rc = ike_pl_cp(ike_msg_find(&m, IKE_PT_CP), &gcp, &e);
	is_int(rc, 0, "ike_pl_cp");
	is_int(gcp.type, IKE_CFG_REQUEST, "CP type");
	is_int(gcp.nattr, cp.nattr, "CP attributes");
	for (i = 0, bad = 0; i < gcp.nattr && i < cp.nattr; i++)
		bad += gcp.attr[i].type != cp.attr[i].type ||
		    !same(gcp.attr[i].data, gcp.attr[i].len, cp.attr[i].data,
			cp.attr[i].len);
	is_int(bad, 0, "CP attributes: types, lengths, values");

	rc = ike_pl_sa(ike_msg_find(&m, IKE_PT_SA), &gsa, &e);
	is_int(rc, 0, "ike_pl_sa (ESP)");
	cmp_sa(&gsa, &sa, "ESP SA");
	rc = ike_pl_ts(ike_msg_find(&m, IKE_PT_TSI), &gts, &e);
	is_int(rc, 0, "ike_pl_ts (TSi)");
	cmp_ts(&gts, &tsi, "TSi");
	rc = ike_pl_ts(ike_msg_find(&m, IKE_PT_TSR), &gts, &e);
	is_int(rc, 0, "ike_pl_ts (TSr)");
	cmp_ts(&gts, &tsr, "TSr");

	rc = ike_pl_notify(
	    ike_msg_notify(&m, IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED), &gn, &e);
	ok(rc == 0 && gn.len == 0 && gn.spisize == 0,
	    "inner notify found by ike_msg_notify");
	is_int(ike_msg_count(&m, IKE_PT_D), 2, "two Deletes");
	pl = ike_msg_find(&m, IKE_PT_D);
	rc = ike_pl_delete(pl, &gd, &e);
	ok(rc == 0 && gd.proto == IKE_PROTO_ESP && gd.spisize == 4 &&
		gd.nspi == 2 && gd.spi[0] == dspi[0] && gd.spi[1] == dspi[1],
	    "Delete: two ESP SPIs in host order");
	rc = ike_pl_delete(pl + 1, &gd, &e);
	ok(rc == 0 && gd.proto == IKE_PROTO_IKE && gd.spisize == 0 &&
		gd.nspi == 0,
	    "Delete: the IKE SA");
	pl = ike_msg_find(&m, IKE_PT_EAP);
	ok(pl != NULL && same(pl->body, pl->len, eap, sizeof(eap)), "EAP");

	rc = ike_msg_parse_inner(
	    &m, buf + IKE_HDR_LEN, 4 + sizeof(sk), IKE_PT_SK, &e);
	ok(rc == -1 && e.notify == IKE_N_INVALID_SYNTAX &&
		e.pltype == IKE_PT_SK && strstr(e.why, "SK inside") != NULL,
	    "SK inside SK refused: %s", e.why);
	rc = ike_msg_parse_inner(&m, plain, 0, IKE_PT_NONE, &e);
	is_int(rc, 0, "an empty inner chain (a liveness check)");
}

/* ---- Malformed messages ---------------------------------------------- */

/* Headers: IKE_SA_INIT request and IKE_AUTH request; the next payload
 * follows as the first field of the case, the length is filled in. */
#define INIT(np) \
	"1122334455667788 0000000000000000 " np " 20 22 08 " \
	"00000000 00000000 "
#define AUTH(np) \
	"1122334455667788 99aabbccddeeff00 " np " 20 23 08 " \
	"00000001 00000000 "
#define XF "00 00 0008 01 00 000c " /* ENCR_AES_CBC, last */
#define N16 "00112233445566778899aabbccddeeff"

static const struct bad {
	const char *name;
	const char *hex;
	bool	    rawlen; /* the header's length as written */
	uint16_t    notify;
	uint8_t	    pltype;
	const char *why;
} bads[] = {
	{ "truncated header", "1122334455667788 0000000000000000 00202208",
	    true, 0, 0, "header: 20 bytes, fewer than 28" },
	{ "header length 32, datagram 28",
	    "1122334455667788 0000000000000000 00 20 22 08 00000000 00000020",
	    true, IKE_N_INVALID_SYNTAX, 0,
	    "header: length 32, datagram of 28 bytes" },
	{ "header length 28, datagram 32",
	    "1122334455667788 0000000000000000 00 20 22 08 00000000 0000001c"
	    "00000000",
	    true, IKE_N_INVALID_SYNTAX, 0, "length 28" },
	{ "IKEv1",
	    "1122334455667788 0000000000000000 00 10 22 08 00000000 00000000",
	    false, 0, 0, "header: version 1.0, not IKEv2" },
	{ "version 3",
	    "1122334455667788 0000000000000000 00 30 22 08 "
	    "00000000 00000000",
	    false, IKE_N_INVALID_MAJOR_VERSION, 0,
	    "header: version 3.0, major above 2" },
	{ "initiator SPI zero",
	    "0000000000000000 0000000000000000 00 20 22 08"
	    "00000000 00000000",
	    false, 0, 0, "initiator SPI is zero" },
	{ "KE length below its minimum", INIT("22") "00 00 0006 001f", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_KE, "KE: length 6, fewer than 8" },
	{ "generic length below 4", INIT("2b") "00 00 0003 00", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_V,
	    "Vendor ID: length 3, fewer than 4" },
	{ "payload length past the end", INIT("28") "00 00 0100" N16, false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_NONCE,
	    "Nonce: length 256 past the end (20 bytes left)" },
	{ "chain ends before the message",
	    INIT("28") "00 00 0014" N16 "deadbeef", false, IKE_N_INVALID_SYNTAX,
	    IKE_PT_NONCE, "payload chain ends at byte 48 of 52" },
	{ "chain runs past the message", INIT("28") "2b 00 0014" N16, false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_V,
	    "Vendor ID: generic header past the end (0 bytes left)" },
	{ "unknown critical payload", INIT("3c") "00 80 0008 01020304", false,
	    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 60,
	    "payload type 60 unknown and critical" },
	{ "SK not last", AUTH("2e") "29 00 0008 01020304 deadbeef", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_SK, "SK not last: 4 bytes follow" },
	{ "SK in IKE_SA_INIT", INIT("2e") "29 00 0008 01020304", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_SK, "SK in IKE_SA_INIT" },
	{ "empty SK", AUTH("2e") "29 00 0004", false, IKE_N_INVALID_SYNTAX,
	    IKE_PT_SK, "SK: length 4, fewer than 5" },
	{ "SKF fragment 3 of 2", AUTH("35") "29 00 000c 0003 0002 01020304",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SKF, "SKF: fragment 3 of 2" },
	{ "first proposal number 2",
	    INIT("21") "00 00 0014"
		       "00 00 0010 02 01 00 01" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: first proposal number 2, not 1" },
	{ "proposals 1 then 3",
	    INIT("21") "00 00 0024"
		       "02 00 0010 01 01 00 01" XF "00 00 0010 03 01 00 01" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal number 3 after 1" },
	{ "response with two proposals",
	    "1122334455667788 99aabbccddeeff00 21 20 22 20 00000000 00000000"
	    "00 00 0024 02 00 0010 01 01 00 01" XF "00 00 0010 02 01 00 01" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: a response with more than one proposal" },
	{ "proposal last substructure 3",
	    INIT("21") "00 00 0014"
		       "03 00 0010 01 01 00 01" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1: last substructure 3, not 0 or 2" },
	{ "last proposal says more follow",
	    INIT("21") "00 00 0014"
		       "02 00 0010 01 01 00 01" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1 says more follow" },
	{ "transform last substructure 3 on the last",
	    INIT("21") "00 00 0014"
		       "00 00 0010 01 01 00 01 03 00 0008 01 00 000c",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1 transform 1: last substructure 3, want 0" },
	{ "transform length 12 in 8 bytes",
	    INIT("21") "00 00 0014"
		       "00 00 0010 01 01 00 01 00 00 000c 01 00 000c",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1 transform 1: length 12, want 8 to 8" },
	{ "transform length 6",
	    INIT("21") "00 00 0014"
		       "00 00 0010 01 01 00 01 00 00 0006 01 00 000c",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1 transform 1: length 6, want 8 to 8" },
	{ "two transforms announced, one sent",
	    INIT("21") "00 00 0014"
		       "00 00 0010 01 01 00 02" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1 transform 1: last substructure 0, "
	    "want 3" },
	{ "bytes after the transforms",
	    INIT("21") "00 00 0018"
		       "00 00 0014 01 01 00 01" XF "00000000",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1: 4 bytes after its 1 transforms" },
	{ "key length without the AF bit",
	    INIT("21") "00 00 001a"
		       "00 00 0016 01 01 00 01 00 00 000e 01 00 000c 000e 0002 "
		       "0080",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1 transform 1: key length attribute without the "
	    "AF bit" },
	{ "ESP proposal with SPI size 8",
	    INIT("21") "00 00 001c"
		       "00 00 0018 01 03 08 01 0102030405060708" XF,
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_SA,
	    "SA: proposal 1: SPI size 8 for ESP" },
	{ "KE without data", INIT("22") "00 00 0008 001f 0000", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_KE,
	    "KE: group 31 with no key exchange data" },
	{ "Nonce of 15 bytes",
	    INIT("28") "00 00 0013 00112233445566778899"
		       "aabbccddee",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_NONCE,
	    "Nonce: 15 bytes, fewer than 16" },
	{ "Notify with SPI size 3", INIT("29") "00 00 000b 00 03 4004 010203",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_N,
	    "Notify: NAT_DETECTION_SOURCE_IP: SPI size 3, not 0, 4 or 8" },
	{ "Notify SPI past the end", INIT("29") "00 00 000a 03 04 4009 0102",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_N,
	    "Notify: REKEY_SA: SPI of 4 bytes past the end" },
	{ "IDi IPv4 of 5 bytes", AUTH("23") "00 00 000d 01 000000 0a00000101",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_IDI,
	    "IDi: IPv4 address of 5 bytes, not 4" },
	{ "CERT without data", AUTH("25") "00 00 0005 04", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_CERT,
	    "CERT: encoding 4 with no data" },
	{ "AUTH without data", AUTH("27") "00 00 0008 02 000000", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_AUTH,
	    "AUTH: method 2 with no authentication data" },
	{ "Delete count mismatch", AUTH("2a") "00 00 000c 03 04 0002 01020304",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_D,
	    "Delete: 2 SPIs of 4 bytes, 4 bytes follow" },
	{ "Delete of the IKE SA with SPI size 8",
	    AUTH("2a") "00 00 0008 "
		       "01 08 0000",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_D,
	    "Delete: IKE SA with SPI size 8, not 0" },
	{ "Delete of the IKE SA with one SPI",
	    AUTH("2a") "00 00 0008 "
		       "01 00 0001",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_D,
	    "Delete: IKE SA with 1 SPIs, not 0" },
	{ "TS start above end",
	    AUTH("2c") "00 00 0018 01 000000"
		       "07 00 0010 0000 ffff 0a000009 0a000001",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_TSI,
	    "TSi: selector 1: start 10.0.0.9 above end 10.0.0.1" },
	{ "TS start port above end port",
	    AUTH("2d") "00 00 0018 01 000000"
		       "07 06 0010 0050 0016 0a000001 0a000009",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_TSR,
	    "TSr: selector 1: start port 80 above end port 22" },
	{ "TS type 7 of length 20",
	    AUTH("2c") "00 00 001c 01 000000"
		       "07 00 0014 0000 ffff 0a000001 0a000009 00000000",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_TSI,
	    "TSi: selector 1: length 20, not 16 for type 7" },
	{ "TS type 8 of length 16",
	    AUTH("2c") "00 00 0018 01 000000"
		       "08 00 0010 0000 ffff 0a000001 0a000009",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_TSI,
	    "TSi: selector 1: length 16, not 40 for type 8" },
	{ "TS count 2, one sent",
	    AUTH("2c") "00 00 0018 02 000000"
		       "07 00 0010 0000 ffff 0a000001 0a000009",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_TSI,
	    "TSi: selector 2: 0 bytes, fewer than 4" },
	{ "CP attribute overrunning",
	    AUTH("2f") "00 00 0010 01 000000"
		       "0001 0008 0a000001",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_CP,
	    "CP: attribute 1 (type 1): length 8 past the end (4 bytes left)" },
	{ "CP attribute with the R bit",
	    AUTH("2f") "00 00 000c 01 000000"
		       "8001 0000",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_CP,
	    "CP: attribute 1 (type 1): R bit set" },
	{ "CP INTERNAL_IP4_ADDRESS of 3 bytes",
	    AUTH("2f") "00 00 000f "
		       "02 000000 0001 0003 0a0000",
	    false, IKE_N_INVALID_SYNTAX, IKE_PT_CP,
	    "CP: INTERNAL_IP4_ADDRESS of 3 bytes, not 0 or 4" },
	{ "CP type 9", AUTH("2f") "00 00 0008 09 000000", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_CP, "CP: type 9 unknown" },
	{ "EAP length field wrong",
	    AUTH("30") "00 00 000c 02 01 0009 01 6d6f6f", false,
	    IKE_N_INVALID_SYNTAX, IKE_PT_EAP,
	    "EAP: length field 9, payload body 8 bytes" },
};

static void
test_bad(void)
{
	uint8_t	       buf[BUFSZ];
	struct ike_msg m;
	struct ike_err e;
	size_t	       i, n;
	int	       rc;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		n = unhex(bads[i].hex, buf, sizeof(buf));
		if (!bads[i].rawlen && n >= IKE_HDR_LEN) {
			buf[24] = (uint8_t)(n >> 24);
			buf[25] = (uint8_t)(n >> 16);
			buf[26] = (uint8_t)(n >> 8);
			buf[27] = (uint8_t)n;
		}
		memset(&e, 0x55, sizeof(e));
		rc = ike_msg_parse(buf, n, &m, &e);
		is_int(rc, -1, "%s: refused", bads[i].name);
		is_int(e.notify, bads[i].notify, "%s: notify", bads[i].name);
		is_int(
		    e.pltype, bads[i].pltype, "%s: payload type", bads[i].name);
		if (!ok(rc == -1 && strstr(e.why, bads[i].why) != NULL,
			"%s: why", bads[i].name))
			diag("  got '%.128s', want '%s'", e.why, bads[i].why);
	}
	n = unhex(INIT("28") "00 00 0013 00112233445566778899aabbccddee", buf,
	    sizeof(buf));
	buf[27] = (uint8_t)n;
	ike_msg_parse(buf, n, &m, &e);
	is_str(e.why, "Nonce: 15 bytes, fewer than 16", "why is one sentence");
}

/* ---- Accepted oddities, limits and the builders' errors ---------------- */

static void
test_lenient(void)
{
	uint8_t		     buf[BUFSZ];
	struct ike_msg	     m;
	struct ike_err	     e;
	struct ike_sa_pl     sa;
	const struct ike_pl *pl;
	size_t		     n;
	int		     rc;

	n = unhex(
	    INIT("3c") "28 00 0008 01020304 00 00 0014" N16, buf, sizeof(buf));
	buf[27] = (uint8_t)n;
	rc = ike_msg_parse(buf, n, &m, &e);
	is_int(rc, 0, "unknown payload without the critical bit: accepted");
	pl = ike_msg_find(&m, 60);
	ok(pl != NULL && !pl->critical && pl->len == 4,
	    "unknown payload kept, to be ignored");
	ok(ike_msg_find(&m, IKE_PT_NONCE) != NULL, "the chain goes on past it");

	n = unhex("1122334455667788 0000000000000000 00 2f 22 08 00000000"
		  "0000001c",
	    buf, sizeof(buf));
	rc = ike_msg_parse(buf, n, &m, &e);
	ok(rc == 0 && m.hdr.version == 0x2f && m.npl == 0,
	    "minor version ignored; an empty chain");

	n = unhex(INIT("28") "80 00 0014" N16, buf, sizeof(buf));
	buf[27] = (uint8_t)n;
	buf[IKE_HDR_LEN + 1] = IKE_PL_CRITICAL;
	buf[IKE_HDR_LEN] = 0;
	rc = ike_msg_parse(buf, n, &m, &e);
	ok(rc == 0 && m.pl[0].critical,
	    "a known payload with the critical bit: accepted, bit kept");

	/* 3.3.1: a response's one proposal keeps the request's number */
	n = unhex("1122334455667788 99aabbccddeeff00 21 20 22 20 00000000 "
		  "00000000 00 00 0018 00 00 0014 03 01 00 01 "
		  "00 00 000c 01 00 000c 800e 0100",
	    buf, sizeof(buf));
	buf[27] = (uint8_t)n;
	rc = ike_msg_parse(buf, n, &m, &e);
	if (!ok(rc == 0, "a response's single proposal number 3"))
		diag("%s", e.why);
	rc = ike_pl_sa(ike_msg_find(&m, IKE_PT_SA), &sa, &e);
	ok(rc == 0 && sa.nprop == 1 && sa.prop[0].num == 3 &&
		sa.prop[0].xf[0].keylen == 256,
	    "parsed: number 3, AES-256");

	/* unknown attributes are skipped; TLV lengths still checked */
	n = unhex(INIT("21") "00 00 0022 00 00 001e 01 01 00 01 "
			     "00 00 0016 01 00 000c 0011 0002 abcd 800e 0080 "
			     "9999 1234",
	    buf, sizeof(buf));
	buf[27] = (uint8_t)n;
	rc = ike_msg_parse(buf, n, &m, &e);
	if (!ok(rc == 0, "unknown TLV and TV attributes accepted"))
		diag("%s", e.why);
	rc = ike_pl_sa(ike_msg_find(&m, IKE_PT_SA), &sa, &e);
	ok(rc == 0 && sa.prop[0].xf[0].keylen == 128,
	    "the key length found among them");

	n = unhex(AUTH("2c") "00 00 0018 01 000000"
			     "07 01 0010 ffff 0000 0a000001 0a000001",
	    buf, sizeof(buf));
	buf[27] = (uint8_t)n;
	rc = ike_msg_parse(buf, n, &m, &e);
	is_int(rc, 0, "TS with OPAQUE ports (65535-0)");
}

static void
test_limits(void)
{
	uint8_t		     buf[BUFSZ];
	struct ike_hdr	     h = hdr(IKE_INFORMATIONAL, 0, 2);
	struct ike_wr	     wr;
	struct ike_msg	     m;
	struct ike_err	     e;
	struct ike_ts_pl     ts;
	struct ike_delete_pl d;
	struct ike_sa_pl     sa;
	struct ike_pl	     fake;
	uint32_t	     spi[IKE_MAXDEL + 1];
	size_t		     i;
	int		     rc;

	ike_wr_init(&wr, buf, sizeof(buf));
	ike_wr_hdr(&wr, &h);
	for (i = 0; i < IKE_MAXPL; i++)
		ike_put_vendor(&wr, NULL, 0);
	ike_wr_hdr_len(&wr);
	rc = ike_msg_parse(buf, wr.w.off, &m, &e);
	ok(rc == 0 && m.npl == IKE_MAXPL, "%d payloads accepted", IKE_MAXPL);
	ike_put_vendor(&wr, NULL, 0);
	ike_wr_hdr_len(&wr);
	rc = ike_msg_parse(buf, wr.w.off, &m, &e);
	ok(rc == -1 && e.notify == IKE_N_INVALID_SYNTAX &&
		strstr(e.why, "more than 64 payloads") != NULL,
	    "%d refused: %s", IKE_MAXPL + 1, e.why);

	/* structurally fine, but past what the structures hold */
	for (i = 0; i <= IKE_MAXDEL; i++)
		spi[i] = (uint32_t)i + 1;
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_wr_hdr(&wr, &h);
	ike_put_delete(&wr, IKE_PROTO_ESP, spi, IKE_MAXDEL + 1);
	ike_wr_hdr_len(&wr);
	rc = ike_msg_parse(buf, wr.w.off, &m, &e);
	is_int(rc, 0, "Delete of %d SPIs is valid", IKE_MAXDEL + 1);
	rc = ike_pl_delete(&m.pl[0], &d, &e);
	ok(rc == -1 && strstr(e.why, "more than 64") != NULL,
	    "ike_pl_delete: %s", e.why);

	memset(&ts, 0, sizeof(ts));
	ts.nts = IKE_MAXTS;
	for (i = 0; i < ts.nts; i++) {
		addr_pton(AF_INET, "10.0.0.1", &ts.ts[i].start);
		addr_pton(AF_INET, "10.0.0.2", &ts.ts[i].end);
	}
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_wr_hdr(&wr, &h);
	ike_put_ts(&wr, IKE_PT_TSI, &ts);
	ike_wr_hdr_len(&wr);
	buf[IKE_HDR_LEN + 4] = IKE_MAXTS + 1; /* and one more selector: */
	memcpy(buf + wr.w.off, buf + wr.w.off - 16, 16);
	buf[IKE_HDR_LEN + 3] += 16;
	buf[27] += 16;
	rc = ike_msg_parse(buf, wr.w.off + 16, &m, &e);
	is_int(rc, 0, "TSi of %d selectors is valid", IKE_MAXTS + 1);
	rc = ike_pl_ts(&m.pl[0], &ts, &e);
	ok(rc == -1 && e.notify == IKE_N_TS_UNACCEPTABLE,
	    "ike_pl_ts: TS_UNACCEPTABLE (%s)", e.why);

	/* an unvalidated body cannot make a parser overrun */
	memset(&fake, 0, sizeof(fake));
	fake.type = IKE_PT_SA;
	fake.body = (const uint8_t *)"\x00\x00\x00\x30\x01\x01\x00\x01";
	fake.len = 8;
	rc = ike_pl_sa(&fake, &sa, &e);
	ok(rc == -1 && e.notify == IKE_N_INVALID_SYNTAX,
	    "ike_pl_sa on a short unvalidated body: %s", e.why);
}

static void
test_builders(void)
{
	uint8_t		 buf[64], big[300];
	struct ike_hdr	 h = hdr(IKE_SA_INIT, IKE_F_INITIATOR, 0);
	struct ike_wr	 wr;
	struct ike_ts_pl ts;

	memset(big, 0, sizeof(big));
	ike_wr_init(&wr, buf, sizeof(buf));
	ok(wr.last == SIZE_MAX && wr.first == IKE_PT_NONE && !wr.w.err,
	    "ike_wr_init");
	ike_wr_hdr(&wr, &h);
	is_int(wr.w.off, IKE_HDR_LEN, "header of 28 bytes");
	ike_put_nonce(&wr, big, 40);
	ok(wr.w.err, "a payload past the buffer: sticky error");
	ike_put_vendor(&wr, NULL, 0);
	ok(wr.w.err, "still an error after a payload that fits");

	ike_wr_init(&wr, buf, sizeof(buf));
	ike_put_vendor(&wr, NULL, 0);
	ike_wr_hdr(&wr, &h);
	ok(wr.w.err, "the header only at the start");

	ike_wr_init(&wr, buf, sizeof(buf));
	ike_put_notify(&wr, 0, big, 3, IKE_N_COOKIE, NULL, 0);
	ok(wr.w.err, "notify SPI size 3 refused");
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_put_id(&wr, IKE_PT_NONCE, IKE_ID_FQDN, big, 1);
	ok(wr.w.err, "ike_put_id with a Nonce's type refused");
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_put_delete(&wr, IKE_PROTO_IKE, (const uint32_t *)big, 1);
	ok(wr.w.err, "IKE Delete with an SPI refused");
	ike_wr_init(&wr, buf, sizeof(buf));
	memset(&ts, 0, sizeof(ts));
	ts.nts = 1;
	addr_pton(AF_INET, "10.0.0.1", &ts.ts[0].start);
	addr_pton(AF_INET6, "::1", &ts.ts[0].end);
	ike_put_ts(&wr, IKE_PT_TSI, &ts);
	ok(wr.w.err, "TS of mixed families refused");

	ike_wr_init(&wr, buf, sizeof(buf));
	ike_put_vendor(&wr, NULL, 0);
	ike_put_nonce(&wr, big, 16);
	ok(!wr.w.err && wr.first == IKE_PT_V && buf[0] == IKE_PT_NONCE &&
		buf[4] == IKE_PT_NONE && buf[7] == 20,
	    "a chain without header: first, next and length patched");
	ike_wr_init(&wr, buf, sizeof(buf));
	ike_put_sk(&wr, IKE_PT_IDI, NULL, 40);
	ok(!wr.w.err && wr.w.off == 44 && buf[0] == IKE_PT_IDI &&
		buf[3] == 44 && buf[43] == 0,
	    "SK with its body reserved for in-place encryption");
}

static void
test_names(void)
{
	char b[16];

	is_str(ike_exch_name(IKE_SA_INIT, b), "IKE_SA_INIT", "exchange name");
	is_str(ike_exch_name(IKE_INFORMATIONAL, b), "INFORMATIONAL",
	    "INFORMATIONAL");
	is_str(ike_exch_name(99, b), "99", "unknown exchange: its number");
	is_str(ike_pt_name(IKE_PT_SA, b), "SA", "payload name");
	is_str(ike_pt_name(IKE_PT_TSR, b), "TSr", "TSr");
	is_str(ike_pt_name(200, b), "200", "unknown payload: its number");
	is_str(ike_notify_name(IKE_N_NO_PROPOSAL_CHOSEN, b),
	    "NO_PROPOSAL_CHOSEN", "notify name");
	is_str(ike_notify_name(IKE_N_SIGNATURE_HASH_ALGORITHMS, b),
	    "SIGNATURE_HASH_ALGORITHMS", "a status notify");
	is_str(ike_notify_name(65535, b), "65535", "unknown notify");
}

/* ---- strongSwan's IKE_SA_INIT ------------------------------------------ */

static void
test_strongswan(void)
{
	uint8_t		      buf[BUFSZ];
	struct ike_msg	      m;
	struct ike_err	      e;
	struct ike_sa_pl      sa;
	struct ike_ke_pl      ke;
	struct ike_notify_pl  n;
	const struct ike_pl  *pl;
	static const uint8_t  want[] = { IKE_PT_SA, IKE_PT_KE, IKE_PT_NONCE,
		 IKE_PT_N, IKE_PT_N, IKE_PT_N, IKE_PT_N, IKE_PT_N };
	static const uint16_t notes[] = { IKE_N_NAT_DETECTION_SOURCE_IP,
		IKE_N_NAT_DETECTION_DESTINATION_IP,
		IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
		IKE_N_SIGNATURE_HASH_ALGORITHMS, 16406 };
	size_t		      len, i;
	int		      rc, bad;

	len = unhex(sswan_init, buf, sizeof(buf));
	is_int(len, 1048, "strongSwan: 1048 bytes");
	rc = ike_msg_parse(buf, len, &m, &e);
	if (!ok(rc == 0, "strongSwan: parses"))
		diag("%s", e.why);
	ok(m.hdr.spi_i == 0x4183b1342114bf9cULL && m.hdr.spi_r == 0,
	    "strongSwan: SPIs");
	ok(m.hdr.exch == IKE_SA_INIT && m.hdr.flags == IKE_F_INITIATOR &&
		m.hdr.msgid == 0 && m.hdr.version == IKE_VERSION,
	    "strongSwan: IKE_SA_INIT request from the initiator, ID 0");
	is_int(m.npl, sizeof(want), "strongSwan: 8 payloads");
	for (i = 0, bad = 0; i < m.npl && i < sizeof(want); i++)
		bad += m.pl[i].type != want[i];
	is_int(bad, 0, "strongSwan: SA, KE, Nonce, five notifies");

	rc = ike_pl_sa(ike_msg_find(&m, IKE_PT_SA), &sa, &e);
	if (!ok(rc == 0, "strongSwan: SA fits the structure"))
		diag("%s", e.why);
	is_int(sa.nprop, 2, "strongSwan: two proposals");
	ok(sa.prop[0].num == 1 && sa.prop[1].num == 2 &&
		sa.prop[0].proto == IKE_PROTO_IKE && sa.prop[0].spisize == 0,
	    "strongSwan: numbered 1 and 2, IKE, no SPI");
	is_int(sa.prop[0].nxf, 38, "strongSwan: 38 transforms in the first");
	is_int(sa.prop[1].nxf, 47, "strongSwan: 47 in the second (AEADs)");
	ok(sa.prop[0].xf[0].type == IKE_XT_ENCR &&
		sa.prop[0].xf[0].id == IKE_ENCR_AES_CBC &&
		sa.prop[0].xf[0].keylen == 128,
	    "strongSwan: first AES-CBC-128");
	ok(sa.prop[0].xf[37].type == IKE_XT_DH &&
		sa.prop[0].xf[37].id == IKE_DH_MODP2048,
	    "strongSwan: first proposal's last MODP-2048");
	ok(sa.prop[1].xf[0].type == IKE_XT_ENCR && sa.prop[1].xf[0].id == 16 &&
		sa.prop[1].xf[0].keylen == 128,
	    "strongSwan: AES-CCM-16-128");

	rc = ike_pl_ke(ike_msg_find(&m, IKE_PT_KE), &ke, &e);
	ok(rc == 0 && ke.group == IKE_DH_CURVE25519 && ke.len == 32 &&
		ke.data[0] == 0x6d && ke.data[31] == 0x4d,
	    "strongSwan: KE Curve25519, 32 bytes");
	pl = ike_msg_find(&m, IKE_PT_NONCE);
	ok(pl != NULL && pl->len == 32 && pl->body[0] == 0xd9 &&
		pl->body[31] == 0x07,
	    "strongSwan: 32-byte nonce");
	for (i = 0, bad = 0; i < 5; i++)
		bad += ike_pl_notify(&m.pl[3 + i], &n, &e) != 0 ||
		    n.type != notes[i] || n.spisize != 0;
	is_int(bad, 0, "strongSwan: the notifies in order");
	rc = ike_pl_notify(
	    ike_msg_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS), &n, &e);
	ok(rc == 0 &&
		same(n.data, n.len,
		    (const uint8_t *)"\x00\x02\x00\x03\x00\x04\x00\x05", 8),
	    "strongSwan: hashes SHA2-256, 384, 512 and Identity");
	pl = ike_msg_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	ok(pl != NULL && pl->len == 24, "strongSwan: NAT-D of 20 bytes");

	buf[IKE_HDR_LEN + 1] = 0x80; /* critical SA: still known */
	ok(ike_msg_parse(buf, len, &m, &e) == 0,
	    "strongSwan: critical bit on a known payload");
	for (i = IKE_HDR_LEN; i < len; i++) {
		if (ike_msg_parse(buf, i, &m, &e) != -1)
			break;
	}
	is_int(i, len, "strongSwan: every truncation refused");
}

int
main(void)
{
	test_sa_init();
	test_auth();
	test_bad();
	test_lenient();
	test_limits();
	test_builders();
	test_names();
	test_strongswan();
	return done_testing();
}
