/*
 * IKEv2 authentication (auth.c, sig.c, cert.c, id.c).
 *
 * The PSK AUTH values and the octets' MACed ID were computed when the
 * test was written with Python's hmac and hashlib, nothing of moat:
 *
 *   msg = bytes(range(40)); nonce = bytes(range(0xa0, 0xc0))
 *   skp = b'\x11' * 32; idb = b'\x02\x00\x00\x00gw.example'
 *   psk = b'moat test psk'
 *   mac = hmac.new(skp, idb, H).digest()
 *   key = hmac.new(psk, b'Key Pad for IKEv2', H).digest()
 *   auth = hmac.new(key, msg + nonce + mac, H).digest()
 *
 * The PKI (an RSA root, a P-384 intermediate, RSA and ECDSA P-256, P-384,
 * P-521 and secp256k1 leaves, a foreign root, an expired leaf, one
 * without digitalSignature) is made here with OpenSSL's C API. Method
 * 14's AlgorithmIdentifiers are checked against what OpenSSL itself says
 * for the same signature (OSSL_SIGNATURE_PARAM_ALGORITHM_ID), method 1's
 * DigestInfo by recovering it from the signature, and signatures cross
 * the `openssl` command line both ways.
 */
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "tap.h"
#include "wire.h"

/* ok() whose message may print what the condition set: C leaves the
 * order of a call's arguments open. */
#define OKW(cond, ...) \
	do { \
		int c_ = (cond); \
		ok(c_, __VA_ARGS__); \
	} while (0)

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	int    hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* ---- PSK and octets ----------------------------------------------- */

static const struct {
	uint16_t    prf;
	const char *macid, *auth;
} pskv[] = {
	{ IKE_PRF_HMAC_SHA1, "9aaba25592e563a4efac78e1c5f5f5aa379e3644",
	    "617dc62f07521ee4a06511404db1f2031cac5ab8" },
	{ IKE_PRF_HMAC_SHA2_256,
	    "ca4c6c986948c0ef8590a18181b821c16b813e1699e9a893df2029487c433316",
	    "48a0aae77ed3880e14425bc3c7dc69f85b5dc070e98b60df286e906fcffef90"
	    "1" },
	{ IKE_PRF_HMAC_SHA2_512,
	    "1d83c485414cc544bacc64e488ee1c951b0c4d2826b5703553539915f0800bc4"
	    "0242b2e8c1366428f74491636fc5019161b1492eac5091516e24a2051c96dcf7",
	    "af0cd1cc95be855498c7672647328686eb9293ba2d4c0d300ef5b3dd1d74ab4a"
	    "4bb47bd4cb73d272e4a0fc9dc54c948499ee2b73743db69223284f8c5ed3985"
	    "5" },
};

static void
test_psk(void)
{
	uint8_t msg[40], nonce[32], skp[32], oct[200], mac[64], want[64],
	    auth[64];
	const uint8_t idb[] = { 2, 0, 0, 0, 'g', 'w', '.', 'e', 'x', 'a', 'm',
		'p', 'l', 'e' };
	const uint8_t psk[] = "moat test psk";
	size_t	      i, j, n, ml, al, bad;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	memset(skp, 0x11, sizeof(skp));
	for (i = 0; i < sizeof(pskv) / sizeof(pskv[0]); i++) {
		ml = unhex(pskv[i].macid, mac);
		al = unhex(pskv[i].auth, want);
		is_int(ike_auth_octets(pskv[i].prf, msg, sizeof(msg), nonce,
			   sizeof(nonce), skp, sizeof(skp), idb, sizeof(idb),
			   oct, sizeof(oct), &n),
		    0, "prf %u: octets", pskv[i].prf);
		is_int(n, sizeof(msg) + sizeof(nonce) + ml,
		    "prf %u: octets are message, nonce, prf(SK_p, ID)",
		    pskv[i].prf);
		ok(memcmp(oct, msg, sizeof(msg)) == 0 &&
			memcmp(oct + 40, nonce, 32) == 0 &&
			memcmp(oct + 72, mac, ml) == 0,
		    "prf %u: octets' bytes as Python computed them",
		    pskv[i].prf);
		is_int(ike_auth_psk(
			   pskv[i].prf, psk, sizeof(psk) - 1, oct, n, auth),
		    0, "prf %u: PSK AUTH", pskv[i].prf);
		ok(memcmp(auth, want, al) == 0,
		    "prf %u: PSK AUTH as Python computed it", pskv[i].prf);
		ok(ike_auth_psk_ok(
		       pskv[i].prf, psk, sizeof(psk) - 1, oct, n, want, al),
		    "prf %u: the right AUTH is accepted", pskv[i].prf);
		for (bad = 0, j = 0; j < al * 8; j++) {
			want[j / 8] ^= (uint8_t)(1 << j % 8);
			bad += !ike_auth_psk_ok(pskv[i].prf, psk,
			    sizeof(psk) - 1, oct, n, want, al);
			want[j / 8] ^= (uint8_t)(1 << j % 8);
		}
		is_int(bad, al * 8, "prf %u: every flipped bit of AUTH refused",
		    pskv[i].prf);
		ok(!ike_auth_psk_ok(pskv[i].prf, psk, sizeof(psk) - 1, oct, n,
		       want, al - 1) &&
			!ike_auth_psk_ok(
			    pskv[i].prf, psk, sizeof(psk) - 1, oct, n, want, 0),
		    "prf %u: a short AUTH is refused", pskv[i].prf);
		ok(!ike_auth_psk_ok(
		       pskv[i].prf, psk, sizeof(psk) - 2, oct, n, want, al),
		    "prf %u: another PSK is refused", pskv[i].prf);
		oct[0] ^= 1;
		ok(!ike_auth_psk_ok(
		       pskv[i].prf, psk, sizeof(psk) - 1, oct, n, want, al),
		    "prf %u: other octets are refused", pskv[i].prf);
		is_int(ike_auth_octets(pskv[i].prf, msg, sizeof(msg), nonce,
			   sizeof(nonce), skp, sizeof(skp), idb, sizeof(idb),
			   oct, sizeof(msg) + sizeof(nonce) + ml - 1, &n),
		    -1, "prf %u: octets one byte short of room", pskv[i].prf);
	}
	is_int(ike_auth_octets(99, msg, sizeof(msg), nonce, sizeof(nonce), skp,
		   sizeof(skp), idb, sizeof(idb), oct, sizeof(oct), &n),
	    -1, "octets with an unknown PRF");
	is_int(ike_auth_psk(99, psk, 3, oct, 10, auth), -1,
	    "PSK AUTH with an unknown PRF");
	ok(!ike_auth_psk_ok(99, psk, 3, oct, 10, auth, 0),
	    "PSK check with an unknown PRF fails");
}

/* ---- A PKI ----------------------------------------------------------- */

struct pki {
	EVP_PKEY *rootk, *interk, *rsak, *p256k, *p384k, *p521k, *k1k, *rsa2k,
	    *p256bk, *otherk;
	X509 *root, *inter, *rsa, *p256, *p384, *p521, *k1, *rsa2, *p256b,
	    *other, *otherleaf, *expired, *noku, *cnonly;
};

/* "C=CH/O=moat/CN=x" into a name, with OpenSSL's own parsing of each
 * field (MBSTRING_ASC: UTF8String, PrintableString for C). */
static X509_NAME *
mkname(const char *s)
{
	X509_NAME *n = X509_NAME_new();
	char	   buf[256], *p, *f, *v;

	snprintf(buf, sizeof(buf), "%s", s);
	for (p = strtok(buf, "/"); p != NULL; p = strtok(NULL, "/")) {
		f = p;
		v = strchr(p, '=');
		*v++ = '\0';
		if (X509_NAME_add_entry_by_txt(n, f, MBSTRING_ASC,
			(const unsigned char *)v, -1, -1, 0) != 1)
			abort();
	}
	return n;
}

static void
addext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL ||
	    X509_add_ext(x, e, -1) != 1)
		abort();
	X509_EXTENSION_free(e);
}

/* A certificate for key, issued by issuer (NULL: self-signed), valid
 * from days_from to days_to around now. */
static X509 *
mkcert(const char *subj, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool ca,
    const char *san, const char *ku, long days_from, long days_to)
{
	static long serial = 1;
	X509	   *x = X509_new();
	X509_NAME  *n = mkname(subj);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(
	    x, issuer != NULL ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_gmtime_adj(X509_getm_notBefore(x), days_from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), days_to * 86400);
	X509_set_pubkey(x, key);
	if (issuer == NULL) {
		issuer = x;
		ikey = key;
	}
	addext(x, issuer, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ku != NULL)
		addext(x, issuer, NID_key_usage, ku);
	addext(x, issuer, NID_subject_key_identifier, "hash");
	addext(x, issuer, NID_authority_key_identifier, "keyid");
	if (san != NULL)
		addext(x, issuer, NID_subject_alt_name, san);
	if (X509_sign(x, ikey, EVP_sha256()) == 0)
		abort();
	return x;
}

static EVP_PKEY *
rsakey(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);

	if (k == NULL)
		abort();
	return k;
}

static EVP_PKEY *
eckey(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	if (k == NULL)
		abort();
	return k;
}

#define CAKU "critical,keyCertSign,cRLSign"
#define EEKU "critical,digitalSignature"

static void
mkpki(struct pki *p)
{
	p->rootk = rsakey();
	p->interk = eckey("P-384");
	p->rsak = rsakey();
	p->rsa2k = rsakey();
	p->p256k = eckey("P-256");
	p->p256bk = eckey("P-256");
	p->p384k = eckey("P-384");
	p->p521k = eckey("P-521");
	p->k1k = eckey("secp256k1");
	p->otherk = eckey("P-256");
	p->root = mkcert("C=CH/O=moat/CN=moat Root CA", p->rootk, NULL, NULL,
	    true, NULL, CAKU, -1, 3650);
	p->inter = mkcert("C=CH/O=moat/CN=moat Intermediate CA", p->interk,
	    p->root, p->rootk, true, NULL, CAKU, -1, 3650);
	p->rsa = mkcert("C=CH/O=moat/CN=gw.example", p->rsak, p->inter,
	    p->interk, false,
	    "DNS:gw.example,DNS:VPN.Example.org,email:admin@example.org,"
	    "IP:198.51.100.1,IP:2001:db8::1",
	    EEKU, -1, 365);
	p->rsa2 = mkcert("C=CH/O=moat/CN=other.example", p->rsa2k, p->inter,
	    p->interk, false, "DNS:other.example", EEKU, -1, 365);
	p->p256 = mkcert("C=CH/O=moat/CN=alice", p->p256k, p->inter, p->interk,
	    false, "email:alice@example.org,DNS:alice.example", EEKU, -1, 365);
	p->p256b = mkcert("C=CH/O=moat/CN=bob", p->p256bk, p->inter, p->interk,
	    false, "email:bob@example.org", EEKU, -1, 365);
	p->p384 = mkcert("C=CH/O=moat/CN=carol", p->p384k, p->inter, p->interk,
	    false, "IP:203.0.113.7", NULL, -1, 365);
	p->p521 = mkcert("C=CH/O=moat/CN=dave", p->p521k, p->inter, p->interk,
	    false, "DNS:dave.example", EEKU, -1, 365);
	p->k1 = mkcert("C=CH/O=moat/CN=erin", p->k1k, p->inter, p->interk,
	    false, "DNS:erin.example", EEKU, -1, 365);
	p->other = mkcert("C=XX/O=elsewhere/CN=Other Root", p->otherk, NULL,
	    NULL, true, NULL, CAKU, -1, 3650);
	p->otherleaf = mkcert("C=XX/O=elsewhere/CN=gw.example", p->p256bk,
	    p->other, p->otherk, false, "DNS:gw.example", EEKU, -1, 365);
	p->expired = mkcert("C=CH/O=moat/CN=old.example", p->p256k, p->inter,
	    p->interk, false, "DNS:old.example", EEKU, -30, -1);
	p->noku =
	    mkcert("C=CH/O=moat/CN=enc.example", p->p256k, p->inter, p->interk,
		false, "DNS:enc.example", "critical,keyEncipherment", -1, 365);
	p->cnonly = mkcert("C=CH/O=moat/CN=gw.example", p->rsak, p->inter,
	    p->interk, false, NULL, EEKU, -1, 365);
}

static void
freepki(struct pki *p)
{
	EVP_PKEY *k[] = { p->rootk, p->interk, p->rsak, p->p256k, p->p384k,
		p->p521k, p->k1k, p->rsa2k, p->p256bk, p->otherk };
	X509	 *x[] = { p->root, p->inter, p->rsa, p->p256, p->p384, p->p521,
		    p->k1, p->rsa2, p->p256b, p->other, p->otherleaf, p->expired,
		    p->noku, p->cnonly };
	size_t	  i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		EVP_PKEY_free(k[i]);
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		X509_free(x[i]);
}

/* ---- Signatures ------------------------------------------------------ */

static uint8_t octets[96];

/* What OpenSSL says the AlgorithmIdentifier of a signature with key and
 * md is (a provider's own encoding, nothing of sig.c). */
static size_t
openssl_algid(
    EVP_PKEY *key, const EVP_MD *md, bool pss, uint8_t *out, size_t cap)
{
	EVP_MD_CTX   *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	OSSL_PARAM    params[2];
	size_t	      n = 0;

	if (EVP_DigestSignInit(ctx, &pctx, md, NULL, key) != 1)
		goto out;
	if (pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(md)) !=
		    1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))
		goto out;
	params[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_SIGNATURE_PARAM_ALGORITHM_ID, out, cap);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_CTX_get_params(pctx, params) == 1)
		n = params[0].return_size;
out:
	EVP_MD_CTX_free(ctx);
	return n;
}

/*
 * RSASSA-PSS's AlgorithmIdentifier with hash and MGF1 of the same SHA-2
 * and a salt of the hash's length, as RFC 7427 A.4.3 spells it for
 * SHA-256 (RFC 4055 section 3.1; SHA-384 and SHA-512 end their OIDs in
 * 02 and 03 where SHA-256 has 01). OpenSSL 3.0 does not report it.
 */
static size_t
pss_algid(uint8_t hash, uint8_t *out)
{
	char hex[300];
	int  last = hash - 1, salt = hash == 2 ? 32 : hash == 3 ? 48 : 64;

	snprintf(hex, sizeof(hex),
	    "3041 06092a864886f70d01010a 3034"
	    " a00f 300d 06096086480165030402%02x 0500"
	    " a11c 301a 06092a864886f70d010108"
	    " 300d 06096086480165030402%02x 0500"
	    " a203 0201%02x",
	    last, last, salt);
	return unhex(hex, out);
}

/* The test's own check of a signature, with OpenSSL directly. */
static bool
ref_verify(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *sig,
    size_t slen, const uint8_t *msg, size_t mlen)
{
	EVP_MD_CTX   *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	bool	      good = false;

	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) != 1)
		goto out;
	if (pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) !=
		    1))
		goto out;
	good = EVP_DigestVerify(ctx, sig, slen, msg, mlen) == 1;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return good;
}

static size_t
ref_sign(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *msg,
    size_t mlen, uint8_t *sig, size_t cap)
{
	EVP_MD_CTX   *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx;
	size_t	      n = cap;

	if (EVP_DigestSignInit(ctx, &pctx, md, NULL, key) != 1 ||
	    (pss &&
		(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) !=
			1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(
			pctx, EVP_MD_get_size(md)) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)) ||
	    EVP_DigestSign(ctx, sig, &n, msg, mlen) != 1)
		n = 0;
	EVP_MD_CTX_free(ctx);
	return n;
}

/* r || s of half bytes each to DER, in the test's own words. */
static size_t
raw_to_der(const uint8_t *raw, size_t half, uint8_t *out)
{
	ECDSA_SIG     *es = ECDSA_SIG_new();
	unsigned char *p = out;
	int	       n;

	ECDSA_SIG_set0(es, BN_bin2bn(raw, (int)half, NULL),
	    BN_bin2bn(raw + half, (int)half, NULL));
	n = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	return n > 0 ? (size_t)n : 0;
}

static const EVP_MD *
md_of(uint8_t h)
{
	return h == IKE_HASH_SHA1  ? EVP_sha1() :
	    h == IKE_HASH_SHA2_256 ? EVP_sha256() :
	    h == IKE_HASH_SHA2_384 ? EVP_sha384() :
				     EVP_sha512();
}

/* Every single flipped byte of the signature and of the octets, and one
 * byte fewer or more, is refused. */
static void
tamper(const char *what, X509 *cert, uint8_t method, const uint8_t *data,
    size_t dlen)
{
	uint8_t	    d[IKE_AUTH_MAX + 1];
	const char *why;
	size_t	    i, bad = 0;

	memcpy(d, data, dlen);
	for (i = 0; i < dlen; i++) {
		d[i] ^= 0x01;
		bad += !ike_sig_verify(
		    cert, method, d, dlen, octets, sizeof(octets), &why);
		d[i] ^= 0x81;
		bad += !ike_sig_verify(
		    cert, method, d, dlen, octets, sizeof(octets), &why);
		d[i] ^= 0x80;
	}
	is_int(bad, 2 * dlen, "%s: all %zu tampered signatures refused", what,
	    2 * dlen);
	for (bad = 0, i = 0; i < sizeof(octets); i++) {
		octets[i] ^= 0x20;
		bad += !ike_sig_verify(
		    cert, method, d, dlen, octets, sizeof(octets), &why);
		octets[i] ^= 0x20;
	}
	is_int(bad, sizeof(octets), "%s: all tampered octets refused", what);
	d[dlen] = 0;
	ok(!ike_sig_verify(
	       cert, method, d, dlen - 1, octets, sizeof(octets), &why) &&
		!ike_sig_verify(
		    cert, method, d, dlen + 1, octets, sizeof(octets), &why) &&
		!ike_sig_verify(
		    cert, method, d, 0, octets, sizeof(octets), &why),
	    "%s: truncated, extended and empty signatures refused", what);
}

struct sigcase {
	const char *name;
	int	    key; /* index into keys[] of test_sig */
	bool	    digital;
	unsigned    hashes;
	uint8_t	    method;
	uint8_t	    hash; /* expected for method 14, 0 otherwise */
};

#define H(x) (1u << IKE_HASH_##x)
#define ALLH (H(SHA2_256) | H(SHA2_384) | H(SHA2_512))

static const struct sigcase sigcases[] = {
	{ "RSA method 1", 0, false, ALLH, IKE_AUTH_RSA_SIG, 0 },
	{ "RSA method 1 (only SHA-1 offered)", 0, true, H(SHA1),
	    IKE_AUTH_RSA_SIG, 0 },
	{ "RSA method 14, all hashes: SHA-256", 0, true, ALLH,
	    IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_256 },
	{ "RSA method 14 SHA-384", 0, true, H(SHA2_384) | H(SHA1),
	    IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_384 },
	{ "RSA method 14 SHA-512", 0, true, H(SHA2_512), IKE_AUTH_DIGITAL_SIG,
	    IKE_HASH_SHA2_512 },
	{ "P-256 method 9", 1, false, 0, IKE_AUTH_ECDSA_256, 0 },
	{ "P-256 method 9 (only SHA-1 offered)", 1, true, H(SHA1),
	    IKE_AUTH_ECDSA_256, 0 },
	{ "P-256 method 14, all hashes: SHA-256", 1, true, ALLH,
	    IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_256 },
	{ "P-256 method 14, 384 and 512: SHA-384", 1, true,
	    H(SHA2_384) | H(SHA2_512), IKE_AUTH_DIGITAL_SIG,
	    IKE_HASH_SHA2_384 },
	{ "P-256 method 14 SHA-512", 1, true, H(SHA2_512), IKE_AUTH_DIGITAL_SIG,
	    IKE_HASH_SHA2_512 },
	{ "P-384 method 10", 2, false, ALLH, IKE_AUTH_ECDSA_384, 0 },
	{ "P-384 method 14, all hashes: SHA-384 for the curve", 2, true, ALLH,
	    IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_384 },
	{ "P-384 method 14 SHA-256", 2, true, H(SHA2_256), IKE_AUTH_DIGITAL_SIG,
	    IKE_HASH_SHA2_256 },
	{ "P-521 method 11", 3, false, 0, IKE_AUTH_ECDSA_521, 0 },
	{ "P-521 method 14, all hashes: SHA-512 for the curve", 3, true, ALLH,
	    IKE_AUTH_DIGITAL_SIG, IKE_HASH_SHA2_512 },
	{ "P-521 method 14 SHA-256", 3, true, H(SHA2_256), IKE_AUTH_DIGITAL_SIG,
	    IKE_HASH_SHA2_256 },
	{ "secp256k1 method 14 SHA-256", 4, true, ALLH, IKE_AUTH_DIGITAL_SIG,
	    IKE_HASH_SHA2_256 },
};

/* SHA-1's DigestInfo prefix (RFC 8017 9.2, note 1). */
static const uint8_t sha1_di[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b,
	0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };

static void
check_method1(EVP_PKEY *key, const uint8_t *sig, size_t slen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	uint8_t	      di[512], md[20];
	size_t	      n = sizeof(di);

	EVP_PKEY_verify_recover_init(ctx);
	EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
	if (EVP_PKEY_verify_recover(ctx, di, &n, sig, slen) != 1)
		n = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_Digest(octets, sizeof(octets), md, NULL, EVP_sha1(), NULL);
	ok(n == sizeof(sha1_di) + 20 &&
		memcmp(di, sha1_di, sizeof(sha1_di)) == 0 &&
		memcmp(di + sizeof(sha1_di), md, 20) == 0,
	    "method 1: the signature holds SHA-1's DigestInfo of the octets");
}

static void
test_sig(struct pki *p)
{
	EVP_PKEY *keys[] = { p->rsak, p->p256k, p->p384k, p->p521k, p->k1k };
	X509	 *certs[] = { p->rsa, p->p256, p->p384, p->p521, p->k1 };
	X509   *others[] = { p->rsa2, p->p256b, p->p256b, p->p256b, p->p256b };
	uint8_t data[IKE_AUTH_MAX], ref[128], der[160], hb[8];
	const struct sigcase *c;
	const char	     *why;
	uint8_t		      method;
	size_t		      i, n, alen, rl;
	int		      half;

	for (i = 0; i < sizeof(octets); i++)
		octets[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof(sigcases) / sizeof(sigcases[0]); i++) {
		c = &sigcases[i];
		method = 0;
		if (!ok(ike_sig_sign(keys[c->key], c->digital, c->hashes,
			    octets, sizeof(octets), &method, data, sizeof(data),
			    &n) == 0,
			"%s: signs", c->name))
			continue;
		is_int(method, c->method, "%s: method", c->name);
		ok(ike_sig_verify(certs[c->key], method, data, n, octets,
		       sizeof(octets), &why),
		    "%s: verifies", c->name);
		if (method == IKE_AUTH_DIGITAL_SIG) {
			alen = data[0];
			rl = openssl_algid(keys[c->key], md_of(c->hash), false,
			    ref, sizeof(ref));
			ok(rl > 0 && alen == rl &&
				memcmp(data + 1, ref, rl) == 0,
			    "%s: the AlgorithmIdentifier is OpenSSL's for "
			    "that hash",
			    c->name);
			ok(ref_verify(keys[c->key], md_of(c->hash), false,
			       data + 1 + alen, n - 1 - alen, octets,
			       sizeof(octets)),
			    "%s: OpenSSL verifies what follows it", c->name);
		} else if (method == IKE_AUTH_RSA_SIG) {
			check_method1(keys[c->key], data, n);
		} else {
			half = method == IKE_AUTH_ECDSA_256 ? 32 :
			    method == IKE_AUTH_ECDSA_384    ? 48 :
							      66;
			is_int(n, 2 * half, "%s: r and s of %d bytes", c->name,
			    half);
			rl = raw_to_der(data, (size_t)half, der);
			ok(ref_verify(keys[c->key],
			       md_of(method == IKE_AUTH_ECDSA_256 ?
				       IKE_HASH_SHA2_256 :
				       method == IKE_AUTH_ECDSA_384 ?
				       IKE_HASH_SHA2_384 :
				       IKE_HASH_SHA2_512),
			       false, der, rl, octets, sizeof(octets)),
			    "%s: OpenSSL verifies r and s as DER", c->name);
		}
		tamper(c->name, certs[c->key], method, data, n);
		OKW(!ike_sig_verify(others[c->key], method, data, n, octets,
			sizeof(octets), &why) &&
			(strstr(why, "does not verify") != NULL ||
			    strstr(why, "not P-") != NULL),
		    "%s: another certificate's key refuses it (%s)", c->name,
		    why);
	}

	/* Method and key of different kinds. */
	ike_sig_sign(p->p256k, false, 0, octets, sizeof(octets), &method, data,
	    sizeof(data), &n);
	OKW(!ike_sig_verify(p->rsa, IKE_AUTH_ECDSA_256, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "method 9") != NULL,
	    "method 9 with an RSA key is refused: %s", why);
	OKW(!ike_sig_verify(p->p384, IKE_AUTH_ECDSA_256, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "not P-256") != NULL,
	    "method 9 with a P-384 key is refused: %s", why);
	ike_sig_sign(p->p384k, false, 0, octets, sizeof(octets), &method, data,
	    sizeof(data), &n);
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_ECDSA_384, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "not P-384") != NULL,
	    "method 10 with a P-256 key is refused: %s", why);
	OKW(!ike_sig_verify(p->p384, IKE_AUTH_ECDSA_521, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "not P-521") != NULL,
	    "method 11 with a P-384 key is refused: %s", why);
	ike_sig_sign(p->rsak, false, 0, octets, sizeof(octets), &method, data,
	    sizeof(data), &n);
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_RSA_SIG, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "method 1") != NULL,
	    "method 1 with an ECDSA key is refused: %s", why);
	OKW(!ike_sig_verify(p->rsa, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why),
	    "a method 1 signature given as method 14 is refused: %s", why);
	ike_sig_sign(p->p256k, true, ALLH, octets, sizeof(octets), &method,
	    data, sizeof(data), &n);
	OKW(!ike_sig_verify(p->rsa, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "ECDSA signature but an RSA key") != NULL,
	    "method 14 ecdsa-with-SHA256 with an RSA key is refused: %s", why);
	ike_sig_sign(p->rsak, true, ALLH, octets, sizeof(octets), &method, data,
	    sizeof(data), &n);
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "RSA signature but an ECDSA key") != NULL,
	    "method 14 sha256WithRSAEncryption with an ECDSA key is "
	    "refused: %s",
	    why);
	OKW(!ike_sig_verify(
		p->rsa, IKE_AUTH_PSK, data, n, octets, sizeof(octets), &why) &&
		!ike_sig_verify(
		    p->rsa, 3, data, n, octets, sizeof(octets), &why),
	    "PSK and DSS are no signature methods here: %s", why);

	/* Method 14 with SHA-1, which we do not offer, is refused even
	 * though the signature is good (RFC 7427 A.1.1, A.3.1). */
	rl = openssl_algid(p->rsak, EVP_sha1(), false, ref, sizeof(ref));
	data[0] = (uint8_t)rl;
	memcpy(data + 1, ref, rl);
	n = 1 + rl +
	    ref_sign(p->rsak, EVP_sha1(), false, octets, sizeof(octets),
		data + 1 + rl, sizeof(data) - 1 - rl);
	OKW(!ike_sig_verify(p->rsa, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why),
	    "method 14 sha1WithRSAEncryption is refused: %s", why);
	rl = openssl_algid(p->p256k, EVP_sha1(), false, ref, sizeof(ref));
	data[0] = (uint8_t)rl;
	memcpy(data + 1, ref, rl);
	n = 1 + rl +
	    ref_sign(p->p256k, EVP_sha1(), false, octets, sizeof(octets),
		data + 1 + rl, sizeof(data) - 1 - rl);
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why),
	    "method 14 ecdsa-with-SHA1 is refused: %s", why);
	data[0] = 0;
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_DIGITAL_SIG, data, 1, octets,
		sizeof(octets), &why) &&
		strstr(why, "length") != NULL,
	    "method 14 with an empty AlgorithmIdentifier: %s", why);
	data[0] = 200;
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_DIGITAL_SIG, data, 100, octets,
		sizeof(octets), &why) &&
		strstr(why, "length") != NULL,
	    "method 14 with a length past the data: %s", why);

	/* RSASSA-PSS (RFC 7427 A.4.3 and the like) made by OpenSSL. */
	for (i = IKE_HASH_SHA2_256; i <= IKE_HASH_SHA2_512; i++) {
		rl = pss_algid((uint8_t)i, ref);
		data[0] = (uint8_t)rl;
		memcpy(data + 1, ref, rl);
		n = 1 + rl +
		    ref_sign(p->rsak, md_of((uint8_t)i), true, octets,
			sizeof(octets), data + 1 + rl, sizeof(data) - 1 - rl);
		ok(rl > 0 && n > 1 + rl, "PSS hash %zu: OpenSSL signs", i);
		ok(ike_sig_verify(p->rsa, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		       sizeof(octets), &why),
		    "PSS hash %zu: verifies", i);
		tamper(i == 2  ? "PSS SHA-256" :
			i == 3 ? "PSS SHA-384" :
				 "PSS SHA-512",
		    p->rsa, IKE_AUTH_DIGITAL_SIG, data, n);
		ok(!ike_sig_verify(p->rsa2, IKE_AUTH_DIGITAL_SIG, data, n,
		       octets, sizeof(octets), &why),
		    "PSS hash %zu: another key refuses it", i);
		OKW(!ike_sig_verify(p->p256, IKE_AUTH_DIGITAL_SIG, data, n,
			octets, sizeof(octets), &why) &&
			strstr(why, "PSS signature but an ECDSA key") != NULL,
		    "PSS hash %zu: an ECDSA key is refused: %s", i, why);
	}
	/* PSS with SHA-1 defaults: RFC 7427 A.4.1, parameters absent
	 * (30 0b 06 09 2a 86 48 86 f7 0d 01 01 0a). */
	n = unhex("0d 300b06092a864886f70d01010a", data);
	n += ref_sign(p->rsak, EVP_sha1(), true, octets, sizeof(octets),
	    data + n, sizeof(data) - n);
	OKW(!ike_sig_verify(p->rsa, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "PSS") != NULL,
	    "PSS without parameters (SHA-1) is refused: %s", why);
	n = unhex("0c 300a06082a8648ce3d040301", data); /* ecdsa-with-SHA224 */
	n += 64;
	OKW(!ike_sig_verify(p->p256, IKE_AUTH_DIGITAL_SIG, data, n, octets,
		sizeof(octets), &why) &&
		strstr(why, "do not accept") != NULL,
	    "an unknown AlgorithmIdentifier is refused: %s", why);

	/* Signing what cannot be signed. */
	ok(ike_sig_sign(p->k1k, false, 0, octets, sizeof(octets), &method, data,
	       sizeof(data), &n) == -1,
	    "secp256k1 has no method without RFC 7427");
	ok(ike_sig_sign(p->k1k, true, H(SHA1), octets, sizeof(octets), &method,
	       data, sizeof(data), &n) == -1,
	    "secp256k1 with only SHA-1 offered cannot sign");
	ok(ike_sig_sign(p->rsak, true, ALLH, octets, sizeof(octets), &method,
	       data, 200, &n) == -1,
	    "an RSA-2048 signature does not fit in 200 bytes");
	ok(ike_sig_sign(p->p256k, false, 0, octets, sizeof(octets), &method,
	       data, 63, &n) == -1,
	    "a P-256 method 9 signature does not fit in 63 bytes");
	ok(ike_sig_sign(p->p256k, true, ALLH, octets, sizeof(octets), &method,
	       data, 12, &n) == -1,
	    "no room after the AlgorithmIdentifier");

	is_int(ike_sig_hashes(hb, sizeof(hb)), 6, "we offer three hashes");
	ok(memcmp(hb, "\0\2\0\3\0\4", 6) == 0,
	    "SHA2-256, SHA2-384, SHA2-512 (RFC 7427 3)");
	is_int(ike_sig_hashes(hb, 5), 0, "no room for the hashes");
}

/* ---- The openssl command line --------------------------------------- */

static char tmpdir[] = "/tmp/ike_auth.XXXXXX";

static void
write_file(const char *name, const void *p, size_t n)
{
	char  path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static size_t
read_file(const char *name, uint8_t *p, size_t cap)
{
	char   path[256];
	FILE  *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(p, 1, cap, f);
	fclose(f);
	return n;
}

static void
write_pem(const char *name, EVP_PKEY *key, X509 *x, X509 *x2)
{
	char  path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	if (key != NULL)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	if (x != NULL)
		PEM_write_X509(f, x);
	if (x2 != NULL)
		PEM_write_X509(f, x2);
	fclose(f);
}

static char cmdbuf[1024];

/* Runs a command line in the scratch directory, its output to cmd.out. */
static int
run(const char *cmd)
{
	char full[1200];

	snprintf(full, sizeof(full), "cd %s && %s >cmd.out 2>&1", tmpdir, cmd);
	return system(full);
}

#define RUN(...) (snprintf(cmdbuf, sizeof(cmdbuf), __VA_ARGS__), run(cmdbuf))

static void
test_cli(struct pki *p)
{
	/* RFC 7427 A.1.2, A.3.2, A.3.3: the AlgorithmIdentifiers a signature
	 * by `openssl dgst` gets in front for method 14. */
	static const struct {
		const char *name, *key, *cert, *dgst, *opts, *algid;
	} cli[] = {
		{ "RSA SHA-256", "rsa.key", "rsa.crt", "sha256", "",
		    "0f 300d06092a864886f70d01010b0500" },
		{ "RSA SHA-512", "rsa.key", "rsa.crt", "sha512", "",
		    "0f 300d06092a864886f70d01010d0500" },
		{ "P-256 SHA-256", "p256.key", "p256.crt", "sha256", "",
		    "0c 300a06082a8648ce3d040302" },
		{ "P-384 SHA-384", "p384.key", "p384.crt", "sha384", "",
		    "0c 300a06082a8648ce3d040303" },
		/* RFC 7427 A.4.3: RSASSA-PSS, SHA-256, MGF1 with SHA-256,
		 * salt 32. */
		{ "RSA-PSS SHA-256", "rsa.key", "rsa.crt", "sha256",
		    "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "
		    "-sigopt rsa_mgf1_md:sha256",
		    "43 3041 06092a864886f70d01010a 3034"
		    " a00f 300d 0609608648016503040201 0500"
		    " a11c 301a 06092a864886f70d010108"
		    " 300d 0609608648016503040201 0500"
		    " a203 020120" },
	};
	X509	   *certs[] = { p->rsa, p->rsa, p->p256, p->p384, p->rsa };
	uint8_t	    data[IKE_AUTH_MAX], der[200];
	const char *why;
	uint8_t	    method;
	size_t	    i, n, dl;

	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		ok(0,
		    "the openssl command is needed (apt-get install "
		    "openssl)");
		return;
	}
	write_file("octets", octets, sizeof(octets));
	write_pem("rsa.key", p->rsak, NULL, NULL);
	write_pem("p256.key", p->p256k, NULL, NULL);
	write_pem("p384.key", p->p384k, NULL, NULL);
	write_pem("rsa.crt", NULL, p->rsa, NULL);
	write_pem("p256.crt", NULL, p->p256, NULL);
	write_pem("p384.crt", NULL, p->p384, NULL);
	for (i = 0; i < sizeof(cli) / sizeof(cli[0]); i++) {
		is_int(RUN("openssl dgst -%s %s -sign %s -out sig octets",
			   cli[i].dgst, cli[i].opts, cli[i].key),
		    0, "openssl signs %s", cli[i].name);
		n = unhex(cli[i].algid, data);
		dl = read_file("sig", data + n, sizeof(data) - n);
		ok(dl > 0 &&
			ike_sig_verify(certs[i], IKE_AUTH_DIGITAL_SIG, data,
			    n + dl, octets, sizeof(octets), &why),
		    "openssl's %s signature verifies as method 14",
		    cli[i].name);
		data[n + dl / 2] ^= 4;
		ok(!ike_sig_verify(certs[i], IKE_AUTH_DIGITAL_SIG, data, n + dl,
		       octets, sizeof(octets), &why),
		    "openssl's %s signature, tampered, does not", cli[i].name);
	}

	/* The other way: openssl checks ours. */
	write_pem("rsa.crt", NULL, p->rsa, NULL);
	RUN("openssl x509 -in rsa.crt -pubkey -noout -out rsa.pub");
	RUN("openssl x509 -in p256.crt -pubkey -noout -out p256.pub");
	RUN("openssl x509 -in p384.crt -pubkey -noout -out p384.pub");
	ike_sig_sign(p->rsak, true, H(SHA2_384), octets, sizeof(octets),
	    &method, data, sizeof(data), &n);
	write_file("ours", data + 1 + data[0], n - 1 - data[0]);
	is_int(
	    RUN("openssl dgst -sha384 -verify rsa.pub -signature ours octets"),
	    0, "openssl verifies our method 14 RSA SHA-384 signature");
	ike_sig_sign(p->rsak, false, 0, octets, sizeof(octets), &method, data,
	    sizeof(data), &n);
	write_file("ours", data, n);
	is_int(RUN("openssl dgst -sha1 -verify rsa.pub -signature ours octets"),
	    0, "openssl verifies our method 1 signature");
	ike_sig_sign(p->p384k, true, ALLH, octets, sizeof(octets), &method,
	    data, sizeof(data), &n);
	write_file("ours", data + 1 + data[0], n - 1 - data[0]);
	is_int(
	    RUN("openssl dgst -sha384 -verify p384.pub -signature ours octets"),
	    0, "openssl verifies our method 14 P-384 signature (DER)");
	ike_sig_sign(p->p256k, false, 0, octets, sizeof(octets), &method, data,
	    sizeof(data), &n);
	dl = raw_to_der(data, 32, der);
	write_file("ours", der, dl);
	is_int(
	    RUN("openssl dgst -sha256 -verify p256.pub -signature ours octets"),
	    0, "openssl verifies our method 9 signature once DER");
	octets[5] ^= 1;
	write_file("octets", octets, sizeof(octets));
	octets[5] ^= 1;
	ok(RUN("openssl dgst -sha256 -verify p256.pub -signature ours "
	       "octets") != 0,
	    "openssl refuses it over other octets");
	write_file("octets", octets, sizeof(octets));

	/* openssl's P-256 signature as method 9: r and s out of its DER. */
	RUN("openssl dgst -sha256 -sign p256.key -out sig octets");
	dl = read_file("sig", der, sizeof(der));
	{
		const unsigned char *q = der;
		ECDSA_SIG	    *es = d2i_ECDSA_SIG(NULL, &q, (long)dl);
		const BIGNUM	    *r, *s;

		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, data, 32);
		BN_bn2binpad(s, data + 32, 32);
		ECDSA_SIG_free(es);
	}
	ok(ike_sig_verify(p->p256, IKE_AUTH_ECDSA_256, data, 64, octets,
	       sizeof(octets), &why),
	    "openssl's P-256 signature verifies as method 9");
}

/* ---- Credentials, CAs, chains ----------------------------------------- */

static void
path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void
test_files(struct pki *p)
{
	struct ike_cred c;
	X509_STORE     *st;
	char		err[256], cf[256], kf[256], f2[256], f3[256];
	const char     *files[3];
	FILE	       *f;

	write_pem("leaf.crt", NULL, p->rsa, p->inter);
	write_pem("leaf.key", p->rsak, NULL, NULL);
	write_pem("other.key", p->rsa2k, NULL, NULL);
	write_pem("root.crt", NULL, p->root, NULL);
	write_pem("two.crt", NULL, p->other, p->inter);
	write_file("garbage.crt", "hello\n", 6);
	write_file("empty.crt", "", 0);
	path_of(cf, sizeof(cf), "leaf.crt");
	path_of(kf, sizeof(kf), "leaf.key");

	is_int(ike_cred_load(&c, cf, kf, err, sizeof(err)), 0,
	    "a certificate, its chain and its key load");
	ok(c.cert != NULL && X509_cmp(c.cert, p->rsa) == 0,
	    "the first certificate is ours");
	ok(c.chain != NULL && sk_X509_num(c.chain) == 1 &&
		X509_cmp(sk_X509_value(c.chain, 0), p->inter) == 0,
	    "the one after it is the chain");
	ok(c.key != NULL && EVP_PKEY_eq(c.key, p->rsak) == 1,
	    "the key is the one written");
	ike_cred_free(&c);
	ok(c.key == NULL && c.cert == NULL && c.chain == NULL,
	    "ike_cred_free clears the credential");

	path_of(kf, sizeof(kf), "other.key");
	is_int(ike_cred_load(&c, cf, kf, err, sizeof(err)), -1,
	    "another key is refused");
	ok(strstr(err, "other.key") != NULL &&
		strstr(err, "not the certificate's") != NULL,
	    "and says so: %s", err);
	ok(c.key == NULL && c.cert == NULL && c.chain == NULL,
	    "nothing is left after a failure");
	path_of(kf, sizeof(kf), "missing.key");
	is_int(ike_cred_load(&c, cf, kf, err, sizeof(err)), -1,
	    "a missing key file is refused");
	ok(strstr(err, "missing.key: cannot open") != NULL, "%s", err);
	path_of(kf, sizeof(kf), "leaf.crt");
	is_int(ike_cred_load(&c, cf, kf, err, sizeof(err)), -1,
	    "a certificate as the key is refused");
	ok(strstr(err, "not a PEM private key") != NULL, "%s", err);
	path_of(f2, sizeof(f2), "enc.key");
	if ((f = fopen(f2, "w")) == NULL)
		abort();
	PEM_write_PrivateKey(f, p->rsak, EVP_aes_256_cbc(),
	    (unsigned char *)"secret", 6, NULL, NULL);
	fclose(f);
	is_int(ike_cred_load(&c, cf, f2, err, sizeof(err)), -1,
	    "an encrypted key is refused without asking");
	ok(strstr(err, "enc.key") != NULL, "%s", err);
	path_of(f2, sizeof(f2), "garbage.crt");
	path_of(kf, sizeof(kf), "leaf.key");
	is_int(ike_cred_load(&c, f2, kf, err, sizeof(err)), -1,
	    "a file without a certificate is refused");
	ok(strstr(err, "garbage.crt: no certificate") != NULL, "%s", err);

	path_of(cf, sizeof(cf), "root.crt");
	path_of(f2, sizeof(f2), "two.crt");
	files[0] = cf;
	files[1] = f2;
	st = ike_ca_load(files, 2, err, sizeof(err));
	ok(st != NULL, "two CA files, three certificates, load");
	ok(st != NULL && sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) == 3,
	    "the store holds the three");
	X509_STORE_free(st);
	path_of(f3, sizeof(f3), "nope.crt");
	files[2] = f3;
	ok(ike_ca_load(files, 3, err, sizeof(err)) == NULL &&
		strstr(err, "nope.crt: cannot open") != NULL,
	    "a missing CA file: %s", err);
	path_of(f3, sizeof(f3), "empty.crt");
	ok(ike_ca_load(files, 3, err, sizeof(err)) == NULL &&
		strstr(err, "empty.crt: no certificate") != NULL,
	    "an empty CA file: %s", err);
	/* A certificate cut in half. */
	{
		uint8_t buf[8192];
		size_t	n = read_file("root.crt", buf, sizeof(buf));

		memcpy(buf + n / 2, "\n-----END CERTIFICATE-----\n", 27);
		write_file("cut.crt", buf, n / 2 + 27);
	}
	path_of(f3, sizeof(f3), "cut.crt");
	ok(ike_ca_load(files, 3, err, sizeof(err)) == NULL &&
		strstr(err, "cut.crt: not a PEM certificate") != NULL,
	    "a broken certificate: %s", err);
}

static void
test_chain(struct pki *p)
{
	STACK_OF(X509) *im = sk_X509_new_null(), *bad = sk_X509_new_null();
	X509_STORE *st = X509_STORE_new(), *st2 = X509_STORE_new();
	char	    err[256];
	char	    want[256];

	X509_STORE_add_cert(st, p->root);
	X509_STORE_add_cert(st2, p->inter);
	sk_X509_push(im, p->inter);
	sk_X509_push(bad, p->other);

	is_int(ike_cert_verify(st, p->rsa, im, err, sizeof(err)), 0,
	    "RSA leaf via the P-384 intermediate to the RSA root");
	is_int(ike_cert_verify(st, p->p256, im, err, sizeof(err)), 0,
	    "P-256 leaf");
	is_int(ike_cert_verify(st, p->p384, im, err, sizeof(err)), 0,
	    "P-384 leaf without keyUsage");
	is_int(ike_cert_verify(st, p->p521, im, err, sizeof(err)), 0,
	    "P-521 leaf");
	is_int(ike_cert_verify(st, p->inter, NULL, err, sizeof(err)), -1,
	    "the intermediate itself is no signer (keyCertSign only)");
	ok(strstr(err, "key usage") != NULL, "says so: %s", err);
	is_int(ike_cert_verify(st, p->rsa, NULL, err, sizeof(err)), -1,
	    "without the intermediate");
	snprintf(want, sizeof(want), "%s",
	    X509_verify_cert_error_string(
		X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));
	is_str(err, want, "says the issuer is missing");
	is_int(ike_cert_verify(st, p->otherleaf, bad, err, sizeof(err)), -1,
	    "a leaf of an untrusted root, root sent along");
	snprintf(want, sizeof(want), "%s",
	    X509_verify_cert_error_string(
		X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN));
	is_str(err, want, "says the root is not trusted");
	is_int(ike_cert_verify(st, p->otherleaf, NULL, err, sizeof(err)), -1,
	    "a leaf of an untrusted root alone");
	is_int(ike_cert_verify(st, p->other, NULL, err, sizeof(err)), -1,
	    "an untrusted root itself");
	snprintf(want, sizeof(want), "%s",
	    X509_verify_cert_error_string(
		X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
	is_str(err, want, "says it is self-signed");
	is_int(ike_cert_verify(st, p->expired, im, err, sizeof(err)), -1,
	    "an expired leaf");
	snprintf(want, sizeof(want), "%s",
	    X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED));
	is_str(err, want, "says it has expired");
	is_int(ike_cert_verify(st, p->noku, im, err, sizeof(err)), -1,
	    "a leaf whose keyUsage is keyEncipherment only");
	ok(strstr(err, "key usage") != NULL, "says so: %s", err);
	is_int(ike_cert_verify(st2, p->rsa, NULL, err, sizeof(err)), 0,
	    "an intermediate configured as CA is an anchor");
	is_int(ike_cert_verify(st2, p->otherleaf, NULL, err, sizeof(err)), -1,
	    "and trusts nothing else");
	sk_X509_free(im);
	sk_X509_free(bad);
	X509_STORE_free(st);
	X509_STORE_free(st2);
}

/* ---- IDs ------------------------------------------------------------- */

static bool
idm(X509 *x, uint8_t type, const char *s)
{
	uint8_t b[16];

	if (type == IKE_ID_IPV4_ADDR) {
		inet_pton(AF_INET, s, b);
		return ike_cert_id_match(x, type, b, 4);
	}
	if (type == IKE_ID_IPV6_ADDR) {
		inet_pton(AF_INET6, s, b);
		return ike_cert_id_match(x, type, b, 16);
	}
	return ike_cert_id_match(x, type, (const uint8_t *)s, strlen(s));
}

static void
test_id_match(struct pki *p)
{
	static const struct {
		int	    cert; /* 0 rsa, 1 p256, 2 p384, 3 cnonly */
		uint8_t	    type;
		const char *id;
		bool	    match;
	} m[] = {
		{ 0, IKE_ID_FQDN, "gw.example", true },
		{ 0, IKE_ID_FQDN, "GW.EXAMPLE", true },
		{ 0, IKE_ID_FQDN, "vpn.example.org", true },
		{ 0, IKE_ID_FQDN, "gw.example.", false },
		{ 0, IKE_ID_FQDN, "w.example", false },
		{ 0, IKE_ID_FQDN, "gw.exampl", false },
		{ 0, IKE_ID_FQDN, "other.example", false },
		{ 0, IKE_ID_FQDN, "example.org", false },
		{ 0, IKE_ID_FQDN, "admin@example.org", false },
		{ 0, IKE_ID_RFC822_ADDR, "admin@example.org", true },
		{ 0, IKE_ID_RFC822_ADDR, "Admin@Example.ORG", true },
		{ 0, IKE_ID_RFC822_ADDR, "admin@example.com", false },
		{ 0, IKE_ID_RFC822_ADDR, "gw.example", false },
		{ 0, IKE_ID_IPV4_ADDR, "198.51.100.1", true },
		{ 0, IKE_ID_IPV4_ADDR, "198.51.100.2", false },
		{ 0, IKE_ID_IPV6_ADDR, "2001:db8::1", true },
		{ 0, IKE_ID_IPV6_ADDR, "2001:db8::2", false },
		{ 0, IKE_ID_IPV6_ADDR, "::ffff:198.51.100.1", false },
		{ 1, IKE_ID_RFC822_ADDR, "alice@example.org", true },
		{ 1, IKE_ID_FQDN, "alice.example", true },
		{ 1, IKE_ID_FQDN, "alice", false },
		{ 1, IKE_ID_RFC822_ADDR, "admin@example.org", false },
		{ 1, IKE_ID_IPV4_ADDR, "198.51.100.1", false },
		{ 2, IKE_ID_IPV4_ADDR, "203.0.113.7", true },
		{ 2, IKE_ID_IPV4_ADDR, "203.0.113.8", false },
		{ 2, IKE_ID_FQDN, "carol", false },
		{ 3, IKE_ID_FQDN, "gw.example", false }, /* CN is no FQDN */
	};
	X509	      *certs[] = { p->rsa, p->p256, p->p384, p->cnonly };
	unsigned char *der = NULL;
	uint8_t	       buf[512], t;
	size_t	       i, n;
	int	       dl;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ok(idm(certs[m[i].cert], m[i].type, m[i].id) == m[i].match,
		    "ID type %u '%s' %s certificate %d", m[i].type, m[i].id,
		    m[i].match ? "matches" : "does not match", m[i].cert);
	ok(!ike_cert_id_match(
	       p->rsa, IKE_ID_FQDN, (const uint8_t *)"gw.example\0", 11),
	    "an FQDN with a NUL after it does not match");
	ok(!ike_cert_id_match(p->rsa, IKE_ID_FQDN, (const uint8_t *)"", 0),
	    "an empty FQDN does not match");
	ok(!ike_cert_id_match(p->rsa, IKE_ID_IPV4_ADDR,
	       (const uint8_t *)"\xc6\x33\x64\x01\0", 5),
	    "an IPv4 ID of 5 bytes does not match");
	ok(!ike_cert_id_match(
	       p->rsa, IKE_ID_KEY_ID, (const uint8_t *)"gw.example", 10),
	    "a KEY_ID never matches");

	dl = i2d_X509_NAME(X509_get_subject_name(p->rsa), &der);
	ok(ike_cert_id_match(p->rsa, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "the subject's DER matches");
	ok(ike_cert_id_match(p->cnonly, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "and that of the SAN-less certificate with the same subject");
	ok(!ike_cert_id_match(p->p256, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "not another certificate's");
	der[dl - 1] ^= 0x20;
	ok(!ike_cert_id_match(p->rsa, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "a DN differing in the case of one letter does not match (DER)");
	ok(!ike_cert_id_match(p->rsa, IKE_ID_DER_ASN1_DN, der, (size_t)dl - 1),
	    "nor a truncated DN");
	OPENSSL_free(der);
	der = NULL;
	dl = i2d_X509_NAME(X509_get_subject_name(p->inter), &der);
	ok(!ike_cert_id_match(p->rsa, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "nor the issuer's DN");
	OPENSSL_free(der);
	ok(ike_id_parse(
	       "C=CH, O=moat, CN=gw.example", &t, buf, sizeof(buf), &n) == 0 &&
		t == IKE_ID_DER_ASN1_DN && ike_cert_id_match(p->rsa, t, buf, n),
	    "a parsed DN is the DER OpenSSL made for the subject");
	ok(ike_id_parse(
	       "C=CH, O=moat, CN=GW.example", &t, buf, sizeof(buf), &n) == 0 &&
		!ike_cert_id_match(p->rsa, t, buf, n),
	    "with another case it does not match");
}

struct rt {
	const char *in;
	uint8_t	    type;
	const char *out; /* how it prints */
	const char *hex; /* the data, if checked */
};

static const struct rt rts[] = {
	{ "gw.example", IKE_ID_FQDN, "gw.example", "67772e6578616d706c65" },
	{ "@gw.example", IKE_ID_FQDN, "gw.example", "67772e6578616d706c65" },
	{ "@198.51.100.1", IKE_ID_FQDN, "@198.51.100.1", NULL },
	{ "@2001:db8::1", IKE_ID_FQDN, "@2001:db8::1", NULL },
	{ "@alice@example.org", IKE_ID_FQDN, "@alice@example.org", NULL },
	{ "@@x", IKE_ID_FQDN, "@@x", "4078" },
	{ "@a=b", IKE_ID_FQDN, "@a=b", "613d62" },
	{ "198.51.100.1", IKE_ID_IPV4_ADDR, "198.51.100.1", "c6336401" },
	{ "2001:db8::1", IKE_ID_IPV6_ADDR, "2001:db8::1",
	    "20010db8000000000000000000000001" },
	{ "2001:DB8:0:0::1", IKE_ID_IPV6_ADDR, "2001:db8::1", NULL },
	{ "::ffff:198.51.100.1", IKE_ID_IPV6_ADDR, "::ffff:198.51.100.1",
	    NULL },
	{ "alice@example.org", IKE_ID_RFC822_ADDR, "alice@example.org",
	    "616c696365406578616d706c652e6f7267" },
	{ "@#0102ab", IKE_ID_KEY_ID, "@#0102ab", "0102ab" },
	{ "@#0102AB", IKE_ID_KEY_ID, "@#0102ab", "0102ab" },
	{ "C=CH, O=moat, CN=gw.example", IKE_ID_DER_ASN1_DN,
	    "C=CH, O=moat, CN=gw.example", NULL },
	{ "C=CH,O=moat,CN=gw.example", IKE_ID_DER_ASN1_DN,
	    "C=CH, O=moat, CN=gw.example", NULL },
	{ "  c = CH ,o= moat  ,   cn=gw.example  ", IKE_ID_DER_ASN1_DN,
	    "C=CH, O=moat, CN=gw.example", NULL },
	{ "CN=a", IKE_ID_DER_ASN1_DN, "CN=a",
	    /* SEQUENCE { SET { SEQUENCE { 2.5.4.3, UTF8String "a" } } } */
	    "300c310a300806035504030c0161" },
	{ "C=CH", IKE_ID_DER_ASN1_DN, "C=CH",
	    "300d310b3009060355040613024348" }, /* PrintableString */
	{ "O=b + CN=a", IKE_ID_DER_ASN1_DN, "CN=a + O=b", NULL },
	{ "CN=a+O=b, OU=c", IKE_ID_DER_ASN1_DN, "CN=a + O=b, OU=c", NULL },
	{ "CN=a\\,b\\+c\\\\d\\\"e\\;f\\<g\\>h", IKE_ID_DER_ASN1_DN,
	    "CN=a\\,b\\+c\\\\d\\\"e\\;f\\<g\\>h", NULL },
	{ "CN=\\#x", IKE_ID_DER_ASN1_DN, "CN=\\#x", NULL },
	{ "CN=x#y", IKE_ID_DER_ASN1_DN, "CN=x#y", NULL },
	{ "CN=\\ lead", IKE_ID_DER_ASN1_DN, "CN=\\ lead", NULL },
	{ "CN=trail\\ ", IKE_ID_DER_ASN1_DN, "CN=trail\\ ", NULL },
	{ "CN=in side", IKE_ID_DER_ASN1_DN, "CN=in side", NULL },
	{ "CN=a=b", IKE_ID_DER_ASN1_DN, "CN=a=b", NULL },
	{ "CN=a\\=b", IKE_ID_DER_ASN1_DN, "CN=a=b", NULL },
	{ "CN=Z\xc3\xbcrich", IKE_ID_DER_ASN1_DN, "CN=Z\\C3\\BCrich", NULL },
	{ "CN=Z\\c3\\bcrich", IKE_ID_DER_ASN1_DN, "CN=Z\\C3\\BCrich", NULL },
	{ "E=user@example.org, CN=x", IKE_ID_DER_ASN1_DN,
	    "E=user@example.org, CN=x", NULL },
	{ "emailAddress=u@x, commonName=y", IKE_ID_DER_ASN1_DN, "E=u@x, CN=y",
	    NULL },
	{ "DC=org, DC=example, UID=jdoe", IKE_ID_DER_ASN1_DN,
	    "DC=org, DC=example, UID=jdoe", NULL },
	{ "1.2.3.4.5=foo, serialNumber=42", IKE_ID_DER_ASN1_DN,
	    "1.2.3.4.5=foo, serialNumber=42", NULL },
	{ "2.5.4.3=viaoid", IKE_ID_DER_ASN1_DN, "CN=viaoid", NULL },
};

static const char *const mustfail[] = {
	"",
	"@",
	"@#",
	"@#abc",
	"@#zz",
	"@# 01",
	"gw example",
	"gw.example ",
	"tab\there",
	"back\\slash",
	"caf\xc3\xa9.example",
	"user@",
	"=x",
	"CN=",
	"#hash",
	"CN=a,",
	"CN=a, ",
	"CN=a,,O=b",
	"CN=a+",
	"XX=foo",
	"C N=foo",
	"CN=a\\",
	"CN=a\\q",
	"CN=a\\4",
	"CN=a\\4g",
	"CN=#0401",
	"CN= #0401",
	"CN=a;b",
	"CN=a\"b",
	"CN=a<b",
	"CN=\\00",
	"CN=a\x01",
	"C=CHE",
	"C=",
	"CN=\\c3\\28", /* not UTF-8 */
	"9.9.9=x", /* an OID OpenSSL will not take */
	"1..2=x",
	"1.2.=x",
	"1=x",
	"#",
	"##",
};

static void
test_id_text(void)
{
	uint8_t	       d[1024], d2[1024], want[64];
	char	       s[2048];
	const char    *why;
	size_t	       i, n, n2, wl;
	uint8_t	       t, t2;
	X509_NAME     *nm;
	unsigned char *der;
	int	       dl;

	for (i = 0; i < sizeof(rts) / sizeof(rts[0]); i++) {
		why = "";
		if (!ok(ike_id_parse_why(
			    rts[i].in, &t, d, sizeof(d), &n, &why) == 0,
			"'%s' parses", rts[i].in)) {
			diag("  %s", why);
			continue;
		}
		is_int(
		    t, rts[i].type, "'%s' has type %u", rts[i].in, rts[i].type);
		if (rts[i].hex != NULL) {
			wl = unhex(rts[i].hex, want);
			ok(n == wl && memcmp(d, want, wl) == 0, "'%s' is %s",
			    rts[i].in, rts[i].hex);
		}
		s[0] = '\0';
		is_int(ike_id_print(t, d, n, s, sizeof(s)), 0, "'%s' prints",
		    rts[i].in);
		is_str(s, rts[i].out, "'%s' prints as '%s'", rts[i].in,
		    rts[i].out);
		ok(ike_id_parse(s, &t2, d2, sizeof(d2), &n2) == 0 && t2 == t &&
			n2 == n && memcmp(d, d2, n) == 0,
		    "'%s' parses back to the same bytes", s);
		ok(ike_id_print(t, d, n, s, strlen(rts[i].out)) == -1,
		    "'%s' does not fit in %zu bytes", rts[i].out,
		    strlen(rts[i].out));
	}
	for (i = 0; i < sizeof(mustfail) / sizeof(mustfail[0]); i++) {
		why = NULL;
		OKW(ike_id_parse_why(mustfail[i], &t, d, sizeof(d), &n, &why) ==
			    -1 &&
			why != NULL,
		    "'%s' is refused: %s", mustfail[i], why ? why : "?");
	}

	/* The DER of the documentation's example DN, built independently. */
	nm = X509_NAME_new();
	X509_NAME_add_entry_by_txt(
	    nm, "C", MBSTRING_ASC, (const unsigned char *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    nm, "O", MBSTRING_ASC, (const unsigned char *)"moat", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"gw.example", -1, -1, 0);
	der = NULL;
	dl = i2d_X509_NAME(nm, &der);
	ok(ike_id_parse("C=CH, O=moat, CN=gw.example", &t, d, sizeof(d), &n) ==
		    0 &&
		n == (size_t)dl && memcmp(d, der, n) == 0,
	    "the DN is the DER X509_NAME_add_entry_by_txt makes");
	OPENSSL_free(der);
	X509_NAME_free(nm);

	/* Room. */
	ok(ike_id_parse("gw.example", &t, d, 9, &n) == -1,
	    "an FQDN one byte longer than the room");
	ok(ike_id_parse("gw.example", &t, d, 10, &n) == 0 && n == 10,
	    "an FQDN that just fits");
	ok(ike_id_parse("198.51.100.1", &t, d, 3, &n) == -1,
	    "an IPv4 address without room");
	ok(ike_id_parse("2001:db8::1", &t, d, 15, &n) == -1,
	    "an IPv6 address without room");
	ok(ike_id_parse("CN=gw.example", &t, d, 10, &n) == -1,
	    "a DN without room");
	ok(ike_id_parse("@#010203", &t, d, 2, &n) == -1,
	    "a key ID without room");
	memset(s, 'a', 1100);
	memcpy(s, "CN=", 3);
	s[1100] = '\0';
	OKW(ike_id_parse_why(s, &t, d, sizeof(d), &n, &why) == -1 &&
		strstr(why, "too long") != NULL,
	    "a DN value over 1024 bytes: %s", why);

	/* What a peer may send that we would not write. */
	ok(ike_id_print(IKE_ID_FQDN, (const uint8_t *)"a\nb\\c \x80", 7, s,
	       sizeof(s)) == 0 &&
		strcmp(s, "a\\x0ab\\x5cc\\x20\\x80") == 0,
	    "an FQDN's odd bytes print escaped: %s", s);
	ok(ike_id_print(IKE_ID_RFC822_ADDR, (const uint8_t *)"u@\x1b[2J", 6, s,
	       sizeof(s)) == 0 &&
		strcmp(s, "u@\\x1b[2J") == 0,
	    "so do an e-mail ID's: %s", s);
	ok(ike_id_print(IKE_ID_IPV4_ADDR, (const uint8_t *)"\1\2\3", 3, s,
	       sizeof(s)) == -1,
	    "an IPv4 ID of 3 bytes does not print");
	ok(ike_id_print(IKE_ID_IPV6_ADDR, (const uint8_t *)"\1\2\3\4", 4, s,
	       sizeof(s)) == -1,
	    "an IPv6 ID of 4 bytes does not print");
	ok(ike_id_print(IKE_ID_FQDN, d, 0, s, sizeof(s)) == -1,
	    "an empty FQDN does not print");
	ok(ike_id_print(IKE_ID_DER_ASN1_GN, d, 4, s, sizeof(s)) == -1,
	    "a DER_ASN1_GN does not print");
	ok(ike_id_print(IKE_ID_DER_ASN1_DN, (const uint8_t *)"\x30\x03\x31", 3,
	       s, sizeof(s)) == -1,
	    "a broken DN does not print");
	ike_id_parse("CN=a", &t, d, sizeof(d), &n);
	d[n++] = 0;
	ok(ike_id_print(IKE_ID_DER_ASN1_DN, d, n, s, sizeof(s)) == -1,
	    "nor a DN with a byte after it");
	ok(ike_id_print(IKE_ID_FQDN, (const uint8_t *)"x", 1, s, 0) == -1,
	    "nothing prints into 0 bytes");

	/* A PrintableString, a BMPString and an OCTET STRING in a DN. */
	nm = X509_NAME_new();
	X509_NAME_add_entry_by_txt(nm, "O", V_ASN1_PRINTABLESTRING,
	    (const unsigned char *)"moat", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "OU", V_ASN1_BMPSTRING,
	    (const unsigned char *)"\0v\0p\0n", 6, -1, 0);
	der = NULL;
	dl = i2d_X509_NAME(nm, &der);
	ok(ike_id_print(IKE_ID_DER_ASN1_DN, der, (size_t)dl, s, sizeof(s)) ==
		    0 &&
		strcmp(s, "O=moat, OU=vpn") == 0,
	    "PrintableString and BMPString print as text: %s", s);
	ok(ike_id_parse(s, &t, d, sizeof(d), &n) == 0 &&
		(n != (size_t)dl || memcmp(d, der, n) != 0),
	    "parsed back they are UTF8Strings, other DER");
	ok(ike_id_eq(
	       IKE_ID_DER_ASN1_DN, d, n, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "but ike_id_eq finds them the same name");
	ike_id_parse("O=Moat, OU=other", &t, d, sizeof(d), &n);
	ok(!ike_id_eq(
	       IKE_ID_DER_ASN1_DN, d, n, IKE_ID_DER_ASN1_DN, der, (size_t)dl),
	    "and another name not");
	OPENSSL_free(der);
	X509_NAME_free(nm);
	/* X509_NAME_add_entry will not make a BIT STRING value, but a peer
	 * may send one: CN=BIT STRING 00 61. */
	n = unhex("300d310b3009060355040303020061", d);
	ok(ike_id_print(IKE_ID_DER_ASN1_DN, d, n, s, sizeof(s)) == 0 &&
		strcmp(s, "CN=#03020061") == 0,
	    "a BIT STRING value prints as #DER: %s", s);
	ok(ike_id_parse(s, &t, d, sizeof(d), &n) == -1, "which does not parse");
	n = unhex("300b3109300706035504033000", d);
	ok(ike_id_print(IKE_ID_DER_ASN1_DN, d, n, s, sizeof(s)) == 0 &&
		strcmp(s, "CN=#3000") == 0,
	    "an empty SEQUENCE value prints as #DER: %s", s);

	ok(ike_id_eq(IKE_ID_FQDN, (const uint8_t *)"GW.example", 10,
	       IKE_ID_FQDN, (const uint8_t *)"gw.EXAMPLE", 10),
	    "FQDNs compare without case");
	ok(!ike_id_eq(IKE_ID_FQDN, (const uint8_t *)"gw.example", 10,
	       IKE_ID_RFC822_ADDR, (const uint8_t *)"gw.example", 10),
	    "IDs of two types differ");
	ok(!ike_id_eq(IKE_ID_KEY_ID, (const uint8_t *)"ab", 2, IKE_ID_KEY_ID,
	       (const uint8_t *)"AB", 2),
	    "key IDs compare byte for byte");
	ok(!ike_id_eq(IKE_ID_FQDN, (const uint8_t *)"a\0", 2, IKE_ID_FQDN,
	       (const uint8_t *)"a\1", 2),
	    "a NUL does not end the comparison");
}

int
main(void)
{
	struct pki p;

	if (mkdtemp(tmpdir) == NULL)
		abort();
	test_psk();
	mkpki(&p);
	test_sig(&p);
	test_cli(&p);
	test_files(&p);
	test_chain(&p);
	test_id_match(&p);
	test_id_text();
	freepki(&p);
	if (tmpdir[strlen(tmpdir) - 1] != 'X') {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			diag("could not remove %s", tmpdir);
	}
	return done_testing();
}
