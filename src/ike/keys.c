/*
 * The IKE_SA's keys (RFC 7296 2.14, and 2.18 for a rekeyed IKE_SA) and
 * a CHILD_SA's key material (2.17). Lengths: SK_d and SK_p the PRF's
 * output (2.13's preferred key size of an HMAC), SK_a the integrity
 * algorithm's key, SK_e the cipher's key with the AEADs' salt after it
 * (RFC 5282 7.1, RFC 7634 2).
 */
#include <openssl/crypto.h>
#include <string.h>

#include "crypto.h"
#include "wire.h"

/* Ni | Nr | SPIi | SPIr, or for 2.18's SKEYSEED g^ir | Ni | Nr. */
#define SEED_MAX (IKE_DH_MAX + 2 * IKE_NONCE_MAX + 2 * IKE_SPI_LEN)

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Appends n bytes (none from a NULL p, which memcpy may not take). */
static void
cat(uint8_t *seed, size_t *off, const uint8_t *p, size_t n)
{
	if (n != 0)
		memcpy(seed + *off, p, n);
	*off += n;
}

int
ike_keys_derive(const struct ike_suite *s, const uint8_t *shared,
    size_t slen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen, uint64_t spi_i, uint64_t spi_r, const uint8_t *old_skd,
    uint16_t old_prf, struct ike_keys *k)
{
	uint8_t skeyseed[IKE_PRF_MAX];
	uint8_t seed[SEED_MAX];
	uint8_t km[3 * IKE_PRF_MAX + 2 * IKE_KEY_MAX + 2 * (IKE_KEY_MAX + 4)];
	size_t	n, off, total;
	int	rc = -1;

	memset(k, 0, sizeof(*k));
	if (!ike_suite_ok(s) || slen > IKE_DH_MAX || nilen > IKE_NONCE_MAX ||
	    nrlen > IKE_NONCE_MAX)
		goto out;
	k->prflen = ike_prf_len(s->prf);
	k->ilen = ike_integ_keylen(s->integ);
	k->elen = ike_encr_keylen(s->encr, s->encr_bits);

	if (old_skd == NULL) {
		/* SKEYSEED = prf(Ni | Nr, g^ir) */
		off = 0;
		cat(seed, &off, ni, nilen);
		cat(seed, &off, nr, nrlen);
		if (ike_prf(s->prf, seed, off, shared, slen, skeyseed) == -1)
			goto out;
	} else {
		/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr),
		 * with the old SA's PRF and its SK_d's length. */
		if (ike_prf_len(old_prf) == 0)
			goto out;
		off = 0;
		cat(seed, &off, shared, slen);
		cat(seed, &off, ni, nilen);
		cat(seed, &off, nr, nrlen);
		if (ike_prf(old_prf, old_skd, ike_prf_len(old_prf), seed, off,
			skeyseed) == -1)
			goto out;
		/* That SKEYSEED is of the old PRF's length; 2.18 feeds it
		 * to the new PRF's prf+ all the same. */
	}

	off = 0;
	cat(seed, &off, ni, nilen);
	cat(seed, &off, nr, nrlen);
	put64(seed + off, spi_i);
	put64(seed + off + 8, spi_r);
	off += 16;
	total = 3 * k->prflen + 2 * k->ilen + 2 * k->elen;
	n = old_skd == NULL ? k->prflen : ike_prf_len(old_prf);
	if (ike_prfplus(s->prf, skeyseed, n, seed, off, km,
		total) == -1)
		goto out;
	off = 0;
	memcpy(k->sk_d, km + off, k->prflen);
	off += k->prflen;
	memcpy(k->sk_ai, km + off, k->ilen);
	off += k->ilen;
	memcpy(k->sk_ar, km + off, k->ilen);
	off += k->ilen;
	memcpy(k->sk_ei, km + off, k->elen);
	off += k->elen;
	memcpy(k->sk_er, km + off, k->elen);
	off += k->elen;
	memcpy(k->sk_pi, km + off, k->prflen);
	off += k->prflen;
	memcpy(k->sk_pr, km + off, k->prflen);
	rc = 0;
out:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(km, sizeof(km));
	if (rc == -1)
		ike_keys_wipe(k);
	return rc;
}

void
ike_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int
ike_child_keymat(uint16_t prf, const uint8_t *skd, size_t skdlen,
    const uint8_t *shared, size_t slen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t len)
{
	uint8_t seed[IKE_DH_MAX + 2 * IKE_NONCE_MAX];
	size_t	off = 0;
	int	rc = -1;

	if (shared == NULL)
		slen = 0;
	if (slen > IKE_DH_MAX || nilen > IKE_NONCE_MAX ||
	    nrlen > IKE_NONCE_MAX)
		goto out;
	/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	cat(seed, &off, shared, slen);
	cat(seed, &off, ni, nilen);
	cat(seed, &off, nr, nrlen);
	rc = ike_prfplus(prf, skd, skdlen, seed, off, out, len);
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}
