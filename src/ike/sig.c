/*
 * Signatures of the AUTH payload (RFC 7296 2.15 and 3.8).
 *
 * Method 1 is RSASSA-PKCS1-v1_5 over SHA-1 (the DigestInfo encoding that
 * OpenSSL's EVP_DigestSign makes). Methods 9, 10 and 11 (RFC 4754
 * section 3 and 7) are ECDSA on P-256 with SHA-256, P-384 with SHA-384
 * and P-521 with SHA-512, the signature being r and s each as a
 * big-endian integer of the curve's length (32, 48 and 66 bytes) one
 * after the other, not DER. Method 14 (RFC 7427 section 3) carries a
 * one-byte length, an ASN.1 AlgorithmIdentifier and the signature, which
 * for ECDSA is the DER Ecdsa-Sig-Value (RFC 7427 section 3, RFC 3279
 * 2.2.3).
 *
 * We sign method 14 with PKCS#1 v1.5 or ECDSA and SHA-256, -384 or -512;
 * we verify those and RSASSA-PSS with any of the three hashes for the
 * message and MGF1, decoding its parameters (RFC 4055 section 3.1)
 * rather than matching fixed blobs. SHA-1 is refused in method 14: we
 * never offer it (RFC 8247 section 3 says it MUST NOT be used there).
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

#include "auth.h"
#include "wire.h"

#define ALGID_MAX 16

enum kind { K_NONE, K_RSA, K_EC };

/* The AlgorithmIdentifiers we sign with, RFC 7427 Appendix A.1.2-A.1.4
 * (sha*WithRSAEncryption, NULL parameters) and A.3.2-A.3.4
 * (ecdsa-with-SHA*, no parameters). */
static const struct algid {
	enum kind kind;
	uint8_t	  hash; /* enum ike_hash */
	uint8_t	  len;
	uint8_t	  der[ALGID_MAX];
} algids[] = {
	{ K_RSA, IKE_HASH_SHA2_256, 15,
	    { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
		0x01, 0x0b, 0x05, 0x00 } },
	{ K_RSA, IKE_HASH_SHA2_384, 15,
	    { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
		0x01, 0x0c, 0x05, 0x00 } },
	{ K_RSA, IKE_HASH_SHA2_512, 15,
	    { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
		0x01, 0x0d, 0x05, 0x00 } },
	{ K_EC, IKE_HASH_SHA2_256, 12,
	    { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
		0x02 } },
	{ K_EC, IKE_HASH_SHA2_384, 12,
	    { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
		0x03 } },
	{ K_EC, IKE_HASH_SHA2_512, 12,
	    { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
		0x04 } },
};

/* RFC 4754 section 3: methods 9-11, their curve, hash and the length of
 * r (and of s). */
static const struct ecmeth {
	uint8_t	    method;
	int	    curve;
	uint8_t	    hash;
	uint8_t	    half;
	const char *name;
} ecmeths[] = {
	{ IKE_AUTH_ECDSA_256, NID_X9_62_prime256v1, IKE_HASH_SHA2_256, 32,
	    "P-256" },
	{ IKE_AUTH_ECDSA_384, NID_secp384r1, IKE_HASH_SHA2_384, 48, "P-384" },
	{ IKE_AUTH_ECDSA_521, NID_secp521r1, IKE_HASH_SHA2_512, 66, "P-521" },
};

/* The hashes we offer and accept in method 14, in the order we prefer. */
static const uint8_t offered[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384,
	IKE_HASH_SHA2_512 };

static const EVP_MD *
md_of(uint8_t hash)
{
	switch (hash) {
	case IKE_HASH_SHA1:
		return EVP_sha1();
	case IKE_HASH_SHA2_256:
		return EVP_sha256();
	case IKE_HASH_SHA2_384:
		return EVP_sha384();
	case IKE_HASH_SHA2_512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* The hash of a digest NID, 0 for one we do not accept in method 14. */
static uint8_t
hash_of_nid(int nid)
{
	switch (nid) {
	case NID_sha256:
		return IKE_HASH_SHA2_256;
	case NID_sha384:
		return IKE_HASH_SHA2_384;
	case NID_sha512:
		return IKE_HASH_SHA2_512;
	default:
		return 0;
	}
}

static enum kind
key_kind(const EVP_PKEY *key, int *curve)
{
	char   name[64];
	size_t len;

	*curve = NID_undef;
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return K_RSA;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) == 1)
			*curve = OBJ_sn2nid(name);
		return K_EC;
	default:
		return K_NONE;
	}
}

static const struct ecmeth *
ecmeth_by_curve(int curve)
{
	size_t i;

	for (i = 0; i < sizeof(ecmeths) / sizeof(ecmeths[0]); i++)
		if (ecmeths[i].curve == curve)
			return &ecmeths[i];
	return NULL;
}

static const struct ecmeth *
ecmeth_by_method(uint8_t method)
{
	size_t i;

	for (i = 0; i < sizeof(ecmeths) / sizeof(ecmeths[0]); i++)
		if (ecmeths[i].method == method)
			return &ecmeths[i];
	return NULL;
}

static const struct algid *
algid_of(enum kind kind, uint8_t hash)
{
	size_t i;

	for (i = 0; i < sizeof(algids) / sizeof(algids[0]); i++)
		if (algids[i].kind == kind && algids[i].hash == hash)
			return &algids[i];
	return NULL;
}

static const struct algid *
algid_find(const uint8_t *der, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(algids) / sizeof(algids[0]); i++)
		if (algids[i].len == len &&
		    memcmp(algids[i].der, der, len) == 0)
			return &algids[i];
	return NULL;
}

/*
 * The hash for method 14: for ECDSA the one of the curve's size when the
 * peer takes it (as RFC 4754 pairs them), otherwise the first of ours
 * that the peer offered; 0 if none.
 */
static uint8_t
pick_hash(enum kind kind, int curve, unsigned int hashes)
{
	const struct ecmeth *em;
	size_t		     i;

	if (kind == K_EC && (em = ecmeth_by_curve(curve)) != NULL &&
	    (hashes & 1u << em->hash) != 0)
		return em->hash;
	for (i = 0; i < sizeof(offered); i++)
		if ((hashes & 1u << offered[i]) != 0)
			return offered[i];
	return 0;
}

static int
do_sign(EVP_PKEY *key, uint8_t hash, const uint8_t *msg, size_t len,
    uint8_t *sig, size_t cap, size_t *siglen)
{
	EVP_MD_CTX *ctx;
	size_t	    n;
	int	    rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(ctx, NULL, md_of(hash), NULL, key) != 1)
		goto out;
	if (EVP_DigestSign(ctx, NULL, &n, msg, len) != 1 || n > cap)
		goto out;
	if (EVP_DigestSign(ctx, sig, &n, msg, len) != 1)
		goto out;
	*siglen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* The RSASSA-PSS parameters of a signature, as we use them. */
struct pss {
	uint8_t hash, mgf1;
	int	salt;
};

static bool
verify_sig(EVP_PKEY *key, uint8_t hash, const struct pss *pss,
    const uint8_t *sig, size_t siglen, const uint8_t *msg, size_t len)
{
	EVP_MD_CTX   *ctx;
	EVP_PKEY_CTX *pctx;
	bool	      good = false;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestVerifyInit(ctx, &pctx, md_of(hash), NULL, key) != 1)
		goto out;
	if (pss != NULL &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(pss->mgf1)) != 1 ||
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss->salt) != 1))
		goto out;
	good = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return good;
}

/* DER Ecdsa-Sig-Value to r || s of half bytes each. */
static int
ec_der_to_raw(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
	const unsigned char *p = der;
	const BIGNUM	    *r, *s;
	ECDSA_SIG	    *es;
	int		     rc = -1;

	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, (int)half) == (int)half &&
	    BN_bn2binpad(s, out + half, (int)half) == (int)half)
		rc = 0;
	ECDSA_SIG_free(es);
	return rc;
}

/* r || s to DER in a buffer the caller frees with OPENSSL_free. */
static int
ec_raw_to_der(const uint8_t *raw, size_t half, uint8_t **der, size_t *len)
{
	ECDSA_SIG *es;
	BIGNUM	  *r, *s;
	int	   n, rc = -1;

	*der = NULL;
	r = BN_bin2bn(raw, (int)half, NULL);
	s = BN_bin2bn(raw + half, (int)half, NULL);
	if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(s);
		return -1;
	}
	if (ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	if ((n = i2d_ECDSA_SIG(es, der)) <= 0)
		goto out;
	*len = (size_t)n;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	return rc;
}

int
ike_sig_sign(EVP_PKEY *key, bool digital_sig, unsigned int hashes,
    const uint8_t *octets, size_t olen, uint8_t *method, uint8_t *out,
    size_t cap, size_t *outlen)
{
	const struct ecmeth *em;
	const struct algid  *a;
	uint8_t		     der[IKE_AUTH_MAX];
	size_t		     n;
	int		     curve;
	enum kind	     kind;
	uint8_t		     hash;

	if ((kind = key_kind(key, &curve)) == K_NONE)
		return -1;
	if (digital_sig && (hash = pick_hash(kind, curve, hashes)) != 0) {
		a = algid_of(kind, hash);
		if (cap < 1 + (size_t)a->len)
			return -1;
		out[0] = a->len;
		memcpy(out + 1, a->der, a->len);
		if (do_sign(key, hash, octets, olen, out + 1 + a->len,
			cap - 1 - a->len, &n) == -1)
			return -1;
		*method = IKE_AUTH_DIGITAL_SIG;
		*outlen = 1 + a->len + n;
		return 0;
	}
	if (kind == K_RSA) {
		if (do_sign(key, IKE_HASH_SHA1, octets, olen, out, cap, &n) ==
		    -1)
			return -1;
		*method = IKE_AUTH_RSA_SIG;
		*outlen = n;
		return 0;
	}
	/* ECDSA on a curve RFC 4754 has no method for needs method 14. */
	if ((em = ecmeth_by_curve(curve)) == NULL || cap < 2u * em->half)
		return -1;
	if (do_sign(key, em->hash, octets, olen, der, sizeof(der), &n) == -1 ||
	    ec_der_to_raw(der, n, em->half, out) == -1)
		return -1;
	*method = em->method;
	*outlen = 2u * em->half;
	return 0;
}

/* The hash of an AlgorithmIdentifier inside PSS parameters (RFC 4055
 * section 2.1): absent means SHA-1, which we refuse; its parameters are
 * NULL or absent. */
static uint8_t
pss_hash(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	int		   ptype;

	if (alg == NULL)
		return 0;
	X509_ALGOR_get0(&obj, &ptype, NULL, alg);
	if (ptype != V_ASN1_NULL && ptype != V_ASN1_UNDEF)
		return 0;
	return hash_of_nid(OBJ_obj2nid(obj));
}

/*
 * An RSASSA-PSS AlgorithmIdentifier (RFC 4055 section 3.1; RFC 7427
 * A.4): its hash, MGF1's hash and salt length; trailerField must be 1.
 * 0 if it is one, 1 if it is another algorithm, -1 with why if it is
 * PSS we refuse.
 */
static int
pss_parse(const uint8_t *der, size_t len, struct pss *pss, const char **why)
{
	const unsigned char *p = der;
	const ASN1_OBJECT   *obj;
	const ASN1_STRING   *seq;
	const void	    *pval;
	RSA_PSS_PARAMS	    *pp = NULL;
	X509_ALGOR	    *alg, *mgfhash = NULL;
	long		     salt;
	int		     ptype, rc = -1;

	if ((alg = d2i_X509_ALGOR(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		X509_ALGOR_free(alg);
		*why = "the signature's AlgorithmIdentifier is not DER";
		return -1;
	}
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (OBJ_obj2nid(obj) != NID_rsassaPss) {
		rc = 1;
		goto out;
	}
	*why = "RSASSA-PSS with parameters we do not accept";
	if (ptype != V_ASN1_SEQUENCE)
		goto out;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	if ((pp = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq))) ==
		NULL ||
	    p != ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq))
		goto out;
	if ((pss->hash = pss_hash(pp->hashAlgorithm)) == 0) {
		*why = "RSASSA-PSS with a hash we do not accept";
		goto out;
	}
	if (pp->maskGenAlgorithm == NULL)
		goto out; /* MGF1 with SHA-1 */
	X509_ALGOR_get0(&obj, &ptype, &pval, pp->maskGenAlgorithm);
	if (OBJ_obj2nid(obj) != NID_mgf1 || ptype != V_ASN1_SEQUENCE)
		goto out;
	seq = pval;
	p = ASN1_STRING_get0_data(seq);
	if ((mgfhash = d2i_X509_ALGOR(NULL, &p, ASN1_STRING_length(seq))) ==
		NULL ||
	    p != ASN1_STRING_get0_data(seq) + ASN1_STRING_length(seq) ||
	    (pss->mgf1 = pss_hash(mgfhash)) == 0)
		goto out;
	salt = pp->saltLength == NULL ? 20 : ASN1_INTEGER_get(pp->saltLength);
	if (salt < 0 || salt > 1024)
		goto out;
	if (pp->trailerField != NULL && ASN1_INTEGER_get(pp->trailerField) != 1)
		goto out;
	pss->salt = (int)salt;
	rc = 0;
out:
	X509_ALGOR_free(mgfhash);
	RSA_PSS_PARAMS_free(pp);
	X509_ALGOR_free(alg);
	ERR_clear_error();
	return rc;
}

static bool
verify_digital(EVP_PKEY *key, enum kind kind, const uint8_t *data, size_t dlen,
    const uint8_t *octets, size_t olen, const char **why)
{
	const struct algid *a;
	struct pss	    pss;
	size_t		    alen;

	if (dlen < 1 || (alen = data[0]) == 0 || alen > dlen - 1) {
		*why = "method 14: the AlgorithmIdentifier's length is wrong";
		return false;
	}
	if ((a = algid_find(data + 1, alen)) != NULL) {
		if (a->kind != kind) {
			*why = kind == K_RSA ?
			    "method 14: an ECDSA signature but an RSA key" :
			    "method 14: an RSA signature but an ECDSA key";
			return false;
		}
		if (!verify_sig(key, a->hash, NULL, data + 1 + alen,
			dlen - 1 - alen, octets, olen)) {
			*why = "the signature does not verify";
			return false;
		}
		return true;
	}
	switch (pss_parse(data + 1, alen, &pss, why)) {
	case 0:
		break;
	case 1:
		*why = "method 14: a signature algorithm we do not accept";
		return false;
	default:
		return false;
	}
	if (kind != K_RSA) {
		*why = "method 14: an RSASSA-PSS signature but an ECDSA key";
		return false;
	}
	if (!verify_sig(key, pss.hash, &pss, data + 1 + alen, dlen - 1 - alen,
		octets, olen)) {
		*why = "the signature does not verify";
		return false;
	}
	return true;
}

bool
ike_sig_verify(X509 *cert, uint8_t method, const uint8_t *data, size_t dlen,
    const uint8_t *octets, size_t olen, const char **why)
{
	const struct ecmeth *em;
	EVP_PKEY	    *key;
	uint8_t		    *der;
	size_t		     derlen;
	int		     curve;
	enum kind	     kind;
	bool		     good;

	if ((key = X509_get0_pubkey(cert)) == NULL) {
		ERR_clear_error();
		*why = "the certificate's public key cannot be decoded";
		return false;
	}
	if ((kind = key_kind(key, &curve)) == K_NONE) {
		*why = "the certificate's key is neither RSA nor ECDSA";
		return false;
	}
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		if (kind != K_RSA) {
			*why =
			    "method 1 (RSA) but the certificate's key is not "
			    "RSA";
			return false;
		}
		if (!verify_sig(
			key, IKE_HASH_SHA1, NULL, data, dlen, octets, olen)) {
			*why = "the signature does not verify";
			return false;
		}
		return true;
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521:
		em = ecmeth_by_method(method);
		if (kind != K_EC || curve != em->curve) {
			*why = method == IKE_AUTH_ECDSA_256 ?
			    "method 9 (ECDSA P-256) but the key is not P-256" :
			    method == IKE_AUTH_ECDSA_384 ?
			    "method 10 (ECDSA P-384) but the key is not P-384" :
			    "method 11 (ECDSA P-521) but the key is not P-521";
			return false;
		}
		if (dlen != 2u * em->half) {
			*why = "the ECDSA signature is not r and s of the "
			       "curve's length";
			return false;
		}
		if (ec_raw_to_der(data, em->half, &der, &derlen) == -1) {
			*why = "out of memory";
			return false;
		}
		good =
		    verify_sig(key, em->hash, NULL, der, derlen, octets, olen);
		OPENSSL_free(der);
		if (!good)
			*why = "the signature does not verify";
		return good;
	case IKE_AUTH_DIGITAL_SIG:
		return verify_digital(key, kind, data, dlen, octets, olen, why);
	default:
		*why = "not a signature method moat knows";
		return false;
	}
}

size_t
ike_sig_hashes(uint8_t *out, size_t cap)
{
	size_t i;

	if (cap < 2 * sizeof(offered))
		return 0;
	for (i = 0; i < sizeof(offered); i++) {
		out[2 * i] = 0;
		out[2 * i + 1] = offered[i];
	}
	return 2 * sizeof(offered);
}
