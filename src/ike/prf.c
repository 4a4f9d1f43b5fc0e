/*
 * The PRFs (HMAC, RFC 2104, with RFC 4868's SHA-2 for IKEv2) and prf+
 * (RFC 7296 2.13), and which suites moat implements.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "crypto.h"
#include "wire.h"

static const char *
prf_digest(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case IKE_PRF_HMAC_SHA2_256:
		return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:
		return "SHA384";
	case IKE_PRF_HMAC_SHA2_512:
		return "SHA512";
	default:
		return NULL;
	}
}

size_t
ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:
		return 20;
	case IKE_PRF_HMAC_SHA2_256:
		return 32;
	case IKE_PRF_HMAC_SHA2_384:
		return 48;
	case IKE_PRF_HMAC_SHA2_512:
		return 64;
	default:
		return 0;
	}
}

/* RFC 4868 2.1.2 (SHA-2: the hash's output length), RFC 2404 (SHA-1). */
size_t
ike_integ_keylen(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return 20;
	case IKE_INTEG_HMAC_SHA2_256_128:
		return 32;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return 48;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

/* RFC 5282 7.1 and RFC 7634 2: the AEADs' keys carry a 4-byte salt. */
size_t
ike_encr_keylen(uint16_t encr, uint16_t bits)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return bits == 128 || bits == 192 || bits == 256 ? bits / 8 : 0;
	case IKE_ENCR_AES_GCM_16:
		return bits == 128 || bits == 192 || bits == 256 ?
		    bits / 8 + 4 :
		    0;
	case IKE_ENCR_CHACHA20_POLY1305:
		return bits == 0 ? 32 + 4 : 0;
	default:
		return 0;
	}
}

bool
ike_encr_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 ||
	    encr == IKE_ENCR_CHACHA20_POLY1305;
}

bool
ike_suite_ok(const struct ike_suite *s)
{
	switch (s->encr) {
	case IKE_ENCR_AES_CBC:
	case IKE_ENCR_AES_GCM_16:
		if (s->encr_bits != 128 && s->encr_bits != 192 &&
		    s->encr_bits != 256)
			return false;
		break;
	case IKE_ENCR_CHACHA20_POLY1305: /* RFC 7634 2: no key length */
		if (s->encr_bits != 0)
			return false;
		break;
	default:
		return false;
	}
	if (ike_prf_len(s->prf) == 0)
		return false;
	switch (s->integ) {
	case IKE_INTEG_NONE:
		if (!ike_encr_aead(s->encr))
			return false;
		break;
	case IKE_INTEG_HMAC_SHA1_96:
	case IKE_INTEG_HMAC_SHA2_256_128:
	case IKE_INTEG_HMAC_SHA2_384_192:
	case IKE_INTEG_HMAC_SHA2_512_256:
		if (ike_encr_aead(s->encr))
			return false;
		break;
	default:
		return false;
	}
	switch (s->dh) {
	case IKE_DH_MODP2048:
	case IKE_DH_ECP256:
	case IKE_DH_ECP384:
	case IKE_DH_CURVE25519:
		return true;
	default:
		return false;
	}
}

/* An HMAC context keyed for prf; NULL on failure. */
static EVP_MAC_CTX *
hmac_ctx(uint16_t prf, const uint8_t *key, size_t klen)
{
	const char *md = prf_digest(prf);
	EVP_MAC	   *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM  params[2];
	/* HMAC takes any key length, an empty one included (RFC 2104 2). */
	static const uint8_t nokey[1];

	if (md == NULL)
		goto out;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto out;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, klen != 0 ? key : nokey, klen, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
out:
	EVP_MAC_free(mac);
	return ctx;
}

int
ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data,
    size_t dlen, uint8_t *out)
{
	EVP_MAC_CTX *ctx;
	size_t	     n = ike_prf_len(prf), got;
	int	     rc = -1;

	if ((ctx = hmac_ctx(prf, key, klen)) == NULL)
		return -1;
	if (dlen != 0 && !EVP_MAC_update(ctx, data, dlen))
		goto out;
	if (!EVP_MAC_final(ctx, out, &got, n) || got != n)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

/*
 * 2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n); prf+ is
 * T1 | T2 | ..., the counter a single octet, so at most 255 blocks.
 */
int
ike_prfplus(uint16_t prf, const uint8_t *key, size_t klen,
    const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen)
{
	EVP_MAC_CTX *base = NULL, *ctx = NULL;
	uint8_t	     t[IKE_PRF_MAX];
	size_t	     n = ike_prf_len(prf), off = 0, got, take;
	unsigned     i;
	uint8_t	     c;
	int	     rc = -1;

	if (n == 0 || outlen > 255 * n)
		return -1;
	if ((base = hmac_ctx(prf, key, klen)) == NULL)
		goto out;
	for (i = 1; off < outlen; i++) {
		c = (uint8_t)i;
		if ((ctx = EVP_MAC_CTX_dup(base)) == NULL)
			goto out;
		if (i > 1 && !EVP_MAC_update(ctx, t, n))
			goto out;
		if (slen != 0 && !EVP_MAC_update(ctx, seed, slen))
			goto out;
		if (!EVP_MAC_update(ctx, &c, 1))
			goto out;
		if (!EVP_MAC_final(ctx, t, &got, n) || got != n)
			goto out;
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
		take = outlen - off < n ? outlen - off : n;
		memcpy(out + off, t, take);
		off += take;
	}
	rc = 0;
out:
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_CTX_free(base);
	return rc;
}
