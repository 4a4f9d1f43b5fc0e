/*
 * The key exchange groups (RFC 7296 2.14) on OpenSSL 3's EVP_PKEY:
 * Curve25519 (RFC 8031: 32-byte values, the all-zero result refused),
 * ECP-256 and ECP-384 (RFC 5903 7: the KE data is x | y without SEC1's
 * 0x04, the shared secret the x coordinate), and the 2048-bit MODP group
 * (RFC 3526 3, generator 2; values padded to the prime's length). Every
 * peer value is checked before use as RFC 6989 asks: ECP points on the
 * curve, MODP 1 < y < p-1.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "dh_int.h"
#include "wire.h"

enum kind { K_X25519, K_ECP, K_MODP };

struct group {
	uint16_t    id;
	enum kind   kind;
	const char *name; /* OpenSSL's */
	size_t	    publen; /* KE data */
	size_t	    seclen; /* shared secret */
};

static const struct group groups[] = {
	{ IKE_DH_MODP2048, K_MODP, "modp_2048", 256, 256 },
	{ IKE_DH_ECP256, K_ECP, "P-256", 64, 32 },
	{ IKE_DH_ECP384, K_ECP, "P-384", 96, 48 },
	{ IKE_DH_CURVE25519, K_X25519, "X25519", 32, 32 },
};

/*
 * RFC 3526 section 3, the 2048-bit group's prime
 * 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 } (checked against
 * the formula and OpenSSL's modp_2048 when written).
 */
static const uint8_t modp2048_p[256] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda,
	0xa2, 0x21, 0x68, 0xc2, 0x34, 0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc,
	0x1c, 0xd1, 0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74, 0x02,
	0x0b, 0xbe, 0xa6, 0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79,
	0x8e, 0x34, 0x04, 0xdd, 0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43,
	0x1b, 0x30, 0x2b, 0x0a, 0x6d, 0xf2, 0x5f, 0x14, 0x37, 0x4f, 0xe1,
	0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45, 0xe4, 0x85, 0xb5, 0x76, 0x62,
	0x5e, 0x7e, 0xc6, 0xf4, 0x4c, 0x42, 0xe9, 0xa6, 0x37, 0xed, 0x6b,
	0x0b, 0xff, 0x5c, 0xb6, 0xf4, 0x06, 0xb7, 0xed, 0xee, 0x38, 0x6b,
	0xfb, 0x5a, 0x89, 0x9f, 0xa5, 0xae, 0x9f, 0x24, 0x11, 0x7c, 0x4b,
	0x1f, 0xe6, 0x49, 0x28, 0x66, 0x51, 0xec, 0xe4, 0x5b, 0x3d, 0xc2,
	0x00, 0x7c, 0xb8, 0xa1, 0x63, 0xbf, 0x05, 0x98, 0xda, 0x48, 0x36,
	0x1c, 0x55, 0xd3, 0x9a, 0x69, 0x16, 0x3f, 0xa8, 0xfd, 0x24, 0xcf,
	0x5f, 0x83, 0x65, 0x5d, 0x23, 0xdc, 0xa3, 0xad, 0x96, 0x1c, 0x62,
	0xf3, 0x56, 0x20, 0x85, 0x52, 0xbb, 0x9e, 0xd5, 0x29, 0x07, 0x70,
	0x96, 0x96, 0x6d, 0x67, 0x0c, 0x35, 0x4e, 0x4a, 0xbc, 0x98, 0x04,
	0xf1, 0x74, 0x6c, 0x08, 0xca, 0x18, 0x21, 0x7c, 0x32, 0x90, 0x5e,
	0x46, 0x2e, 0x36, 0xce, 0x3b, 0xe3, 0x9e, 0x77, 0x2c, 0x18, 0x0e,
	0x86, 0x03, 0x9b, 0x27, 0x83, 0xa2, 0xec, 0x07, 0xa2, 0x8f, 0xb5,
	0xc5, 0x5d, 0xf0, 0x6f, 0x4c, 0x52, 0xc9, 0xde, 0x2b, 0xcb, 0xf6,
	0x95, 0x58, 0x17, 0x18, 0x39, 0x95, 0x49, 0x7c, 0xea, 0x95, 0x6a,
	0xe5, 0x15, 0xd2, 0x26, 0x18, 0x98, 0xfa, 0x05, 0x10, 0x15, 0x72,
	0x8e, 0x5a, 0x8a, 0xac, 0xaa, 0x68, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff,
};

struct ike_dh {
	const struct group *g;
	EVP_PKEY	   *key;
};

static const struct group *
group_of(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

size_t
ike_dh_publen(uint16_t group)
{
	const struct group *g = group_of(group);

	return g != NULL ? g->publen : 0;
}

uint16_t
ike_dh_group(const struct ike_dh *dh)
{
	return dh->g->id;
}

/*
 * A key from parameters: for ECP the curve's name with pub (SEC1
 * uncompressed) and priv; for MODP the prime and generator with pub and
 * priv as numbers. Either of pub and priv may be NULL; without both it
 * is the bare domain parameters.
 */
static EVP_PKEY *
fromdata(const struct group *g, const uint8_t *pub, size_t publen,
    const BIGNUM *bpub, const BIGNUM *priv)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM     *params = NULL;
	EVP_PKEY_CTX   *ctx = NULL;
	EVP_PKEY       *pkey = NULL;
	BIGNUM	       *p = NULL, *gen = NULL;
	int		sel;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (g->kind == K_ECP) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
			OSSL_PKEY_PARAM_GROUP_NAME, g->name, 0))
			goto out;
		if (pub != NULL &&
		    !OSSL_PARAM_BLD_push_octet_string(bld,
			OSSL_PKEY_PARAM_PUB_KEY, pub, publen))
			goto out;
	} else {
		if ((p = BN_bin2bn(modp2048_p, sizeof(modp2048_p), NULL)) ==
			NULL ||
		    (gen = BN_new()) == NULL || !BN_set_word(gen, 2))
			goto out;
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen))
			goto out;
		if (bpub != NULL &&
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, bpub))
			goto out;
	}
	if (priv != NULL &&
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
		goto out;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, g->kind == K_ECP ? "EC" : "DH",
	    NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0)
		goto out;
	sel = priv != NULL ? EVP_PKEY_KEYPAIR :
	    pub != NULL || bpub != NULL ? EVP_PKEY_PUBLIC_KEY :
					  EVP_PKEY_KEY_PARAMETERS;
	if (EVP_PKEY_fromdata(ctx, &pkey, sel, params) <= 0)
		pkey = NULL;
out:
	BN_free(p);
	BN_free(gen);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *
keygen(const struct group *g)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY     *params = NULL, *key = NULL;

	switch (g->kind) {
	case K_X25519:
		return EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	case K_ECP:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->name);
	case K_MODP:
		break;
	}
	if ((params = fromdata(g, NULL, 0, NULL, NULL)) == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &key) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return key;
}

struct ike_dh *
ike_dh_new(uint16_t group)
{
	const struct group *g = group_of(group);
	struct ike_dh	   *dh;

	if (g == NULL || (dh = calloc(1, sizeof(*dh))) == NULL)
		return NULL;
	dh->g = g;
	if ((dh->key = keygen(g)) == NULL) {
		free(dh);
		return NULL;
	}
	return dh;
}

struct ike_dh *
ike_dh_new_key(uint16_t group, const uint8_t *priv, size_t privlen,
    const uint8_t *pub, size_t publen)
{
	const struct group *g = group_of(group);
	struct ike_dh	   *dh = NULL;
	BIGNUM		   *bpriv = NULL, *bpub = NULL;
	uint8_t		    sec1[1 + 96];

	if (g == NULL || (dh = calloc(1, sizeof(*dh))) == NULL)
		return NULL;
	dh->g = g;
	switch (g->kind) {
	case K_X25519:
		if (privlen == 32)
			dh->key = EVP_PKEY_new_raw_private_key_ex(NULL,
			    "X25519", NULL, priv, privlen);
		break;
	case K_ECP:
		if (publen != g->publen)
			break;
		sec1[0] = 0x04;
		memcpy(sec1 + 1, pub, publen);
		if ((bpriv = BN_bin2bn(priv, (int)privlen, NULL)) != NULL)
			dh->key = fromdata(g, sec1, 1 + publen, NULL, bpriv);
		break;
	case K_MODP:
		if ((bpriv = BN_bin2bn(priv, (int)privlen, NULL)) != NULL &&
		    (bpub = BN_bin2bn(pub, (int)publen, NULL)) != NULL)
			dh->key = fromdata(g, NULL, 0, bpub, bpriv);
		break;
	}
	BN_clear_free(bpriv);
	BN_free(bpub);
	if (dh->key == NULL) {
		free(dh);
		return NULL;
	}
	return dh;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

/* A number of the key's as len big-endian bytes. */
static int
bn_param(const EVP_PKEY *key, const char *name, uint8_t *out, size_t len)
{
	BIGNUM *bn = NULL;
	int	rc = -1;

	if (EVP_PKEY_get_bn_param(key, name, &bn) &&
	    BN_bn2binpad(bn, out, (int)len) == (int)len)
		rc = 0;
	BN_free(bn);
	return rc;
}

int
ike_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = dh->g->publen;

	if (cap < n)
		return -1;
	switch (dh->g->kind) {
	case K_X25519:
		if (!EVP_PKEY_get_raw_public_key(dh->key, out, &n) ||
		    n != dh->g->publen)
			return -1;
		break;
	case K_ECP:
		if (bn_param(dh->key, OSSL_PKEY_PARAM_EC_PUB_X, out, n / 2) ==
			-1 ||
		    bn_param(dh->key, OSSL_PKEY_PARAM_EC_PUB_Y, out + n / 2,
			n / 2) == -1)
			return -1;
		break;
	case K_MODP:
		if (bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, out, n) == -1)
			return -1;
		break;
	}
	*len = n;
	return 0;
}

/* RFC 6989 2.1: 1 < y < p-1; NULL if it holds, else why. */
static const char *
modp_check(const BIGNUM *y)
{
	BIGNUM	   *pm1;
	const char *why = NULL;

	if ((pm1 = BN_bin2bn(modp2048_p, sizeof(modp2048_p), NULL)) == NULL ||
	    !BN_sub_word(pm1, 1))
		why = "out of memory checking the MODP value";
	else if (BN_cmp(y, BN_value_one()) <= 0)
		why = "MODP public value is 0 or 1";
	else if (BN_cmp(y, pm1) >= 0)
		why = "MODP public value is p-1 or beyond";
	BN_free(pm1);
	return why;
}

/* The peer's public value as a key; NULL and why if it is refused. */
static EVP_PKEY *
peer_key(const struct group *g, const uint8_t *peer, size_t plen,
    const char **why)
{
	EVP_PKEY *key = NULL;
	BIGNUM	 *y = NULL;
	uint8_t	  sec1[1 + 96];

	switch (g->kind) {
	case K_X25519:
		key = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
		    peer, plen);
		if (key == NULL)
			*why = "X25519 public value refused by OpenSSL";
		break;
	case K_ECP:
		/* OpenSSL's import checks that the point is on the curve. */
		sec1[0] = 0x04;
		memcpy(sec1 + 1, peer, plen);
		if ((key = fromdata(g, sec1, 1 + plen, NULL, NULL)) == NULL)
			*why = "ECP public value is not a point on the curve";
		break;
	case K_MODP:
		if ((y = BN_bin2bn(peer, (int)plen, NULL)) == NULL) {
			*why = "out of memory reading the MODP value";
			break;
		}
		if ((*why = modp_check(y)) != NULL)
			break;
		if ((key = fromdata(g, NULL, 0, y, NULL)) == NULL)
			*why = "MODP public value refused by OpenSSL";
		break;
	}
	BN_free(y);
	return key;
}

int
ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t plen,
    uint8_t *out, size_t cap, size_t *len, const char **why)
{
	static const uint8_t zero[32];
	const struct group  *g = dh->g;
	EVP_PKEY_CTX	    *ctx = NULL, *chk = NULL;
	EVP_PKEY	    *pk = NULL;
	uint8_t		     buf[IKE_DH_MAX];
	size_t		     n;
	int		     rc = -1;

	*why = NULL;
	if (plen != g->publen) {
		*why = "KE data length does not match the group";
		goto out;
	}
	if (cap < g->seclen) {
		*why = "no room for the shared secret";
		goto out;
	}
	if ((pk = peer_key(g, peer, plen, why)) == NULL)
		goto out;
	if (g->kind == K_ECP) {
		/* Belt and braces: the full public key check (on the
		 * curve, not infinity, of the group's order). */
		if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) ==
			NULL ||
		    EVP_PKEY_public_check(chk) != 1) {
			*why = "ECP public value fails the public key check";
			goto out;
		}
	}
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0) {
		*why = "OpenSSL could not start the key exchange";
		goto out;
	}
	if (g->kind == K_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) {
		*why = "OpenSSL could not pad the MODP secret";
		goto out;
	}
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) <= 0) {
		*why = "OpenSSL refused the peer's public value";
		goto out;
	}
	n = sizeof(buf);
	if (EVP_PKEY_derive(ctx, buf, &n) <= 0) {
		/* OpenSSL refuses X25519's all-zero result itself. */
		*why = g->kind == K_X25519 ?
		    "X25519 shared secret is all zero (RFC 8031 2.3)" :
		    "OpenSSL failed to derive the shared secret";
		goto out;
	}
	if (n > g->seclen) {
		*why = "shared secret longer than the group's";
		goto out;
	}
	if (g->kind == K_X25519 && CRYPTO_memcmp(buf, zero, 32) == 0) {
		*why = "X25519 shared secret is all zero (RFC 8031 2.3)";
		goto out;
	}
	/* Left-pad to the group's length (2.14: MODP to the prime's). */
	memset(out, 0, g->seclen - n);
	memcpy(out + (g->seclen - n), buf, n);
	*len = g->seclen;
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_free(pk);
	return rc;
}
