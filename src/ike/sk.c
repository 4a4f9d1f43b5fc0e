/*
 * The Encrypted payload (RFC 7296 3.14): one direction's cipher context,
 * keyed once, and sealing and opening whole messages.
 *
 * AEAD (RFC 5282 for AES-GCM-16, RFC 7634 for ChaCha20-Poly1305): an
 * 8-byte IV per message, the nonce the key's 4-byte salt and that IV,
 * a 16-byte ICV, and as AAD everything from the message's start to the
 * IV (the IKE header and the SK payload's generic header, RFC 5282 5.1).
 * The IV is a 64-bit counter, so it never repeats under one key. No
 * padding is added, only the Pad Length byte (RFC 5282 3).
 *
 * AES-CBC with HMAC: a random 16-byte IV, padding to the block size,
 * and the truncated HMAC over the whole message from the IKE header to
 * the end of the ciphertext, checked before anything is decrypted.
 *
 * A receiver accepts any pad bytes (3.14), of any length that fits.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "wire.h"

#define SALT_LEN 4
#define AEAD_IV_LEN 8
#define AEAD_ICV_LEN 16
#define CBC_IV_LEN 16
#define CBC_BLOCK 16

struct ike_sk {
	bool		outbound;
	bool		aead;
	size_t		ivlen, icvlen, block;
	EVP_CIPHER_CTX *ctx;
	EVP_MAC_CTX    *mac; /* CBC's HMAC, keyed */
	uint8_t		salt[SALT_LEN];
	uint64_t	next_iv; /* AEAD, outbound */
	bool		iv_spent; /* every counter value used */
};

static const EVP_CIPHER *
cipher_of(uint16_t encr, size_t keylen)
{
	switch (encr) {
	case IKE_ENCR_AES_GCM_16:
		return keylen == 16 ? EVP_aes_128_gcm() :
		    keylen == 24    ? EVP_aes_192_gcm() :
		    keylen == 32    ? EVP_aes_256_gcm() :
				      NULL;
	case IKE_ENCR_CHACHA20_POLY1305:
		return keylen == 32 ? EVP_chacha20_poly1305() : NULL;
	case IKE_ENCR_AES_CBC:
		return keylen == 16 ? EVP_aes_128_cbc() :
		    keylen == 24    ? EVP_aes_192_cbc() :
		    keylen == 32    ? EVP_aes_256_cbc() :
				      NULL;
	default:
		return NULL;
	}
}

/* RFC 4868 2.3 and RFC 2404: the digest and the truncated ICV. */
static const char *
digest_of(uint16_t integ, size_t *icvlen)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		*icvlen = 12;
		return "SHA1";
	case IKE_INTEG_HMAC_SHA2_256_128:
		*icvlen = 16;
		return "SHA256";
	case IKE_INTEG_HMAC_SHA2_384_192:
		*icvlen = 24;
		return "SHA384";
	case IKE_INTEG_HMAC_SHA2_512_256:
		*icvlen = 32;
		return "SHA512";
	default:
		return NULL;
	}
}

struct ike_sk *
ike_sk_new(const struct ike_suite *s, const struct ike_keys *k,
    bool initiator, bool outbound)
{
	struct ike_sk	 *sk = NULL;
	const EVP_CIPHER *c;
	EVP_MAC		 *mac = NULL;
	OSSL_PARAM	  params[2];
	const uint8_t	 *ekey, *akey;
	const char	 *md;
	size_t		  klen;
	/* SK_ei and SK_ai protect what the initiator sends (2.14). */
	bool		  use_i = initiator == outbound;

	if (!ike_suite_ok(s) || k->elen != ike_encr_keylen(s->encr,
						s->encr_bits) ||
	    k->ilen != ike_integ_keylen(s->integ))
		return NULL;
	if ((sk = calloc(1, sizeof(*sk))) == NULL)
		return NULL;
	sk->outbound = outbound;
	sk->aead = ike_encr_aead(s->encr);
	ekey = use_i ? k->sk_ei : k->sk_er;
	akey = use_i ? k->sk_ai : k->sk_ar;
	klen = sk->aead ? k->elen - SALT_LEN : k->elen;
	if ((c = cipher_of(s->encr, klen)) == NULL)
		goto fail;
	if ((sk->ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_CipherInit_ex2(sk->ctx, c, ekey, NULL, outbound, NULL))
		goto fail;
	if (sk->aead) {
		sk->ivlen = AEAD_IV_LEN;
		sk->icvlen = AEAD_ICV_LEN;
		sk->block = 1;
		memcpy(sk->salt, ekey + klen, SALT_LEN);
		if (!EVP_CIPHER_CTX_ctrl(sk->ctx, EVP_CTRL_AEAD_SET_IVLEN,
			SALT_LEN + AEAD_IV_LEN, NULL))
			goto fail;
	} else {
		sk->ivlen = CBC_IV_LEN;
		sk->block = CBC_BLOCK;
		if (!EVP_CIPHER_CTX_set_padding(sk->ctx, 0))
			goto fail;
		if ((md = digest_of(s->integ, &sk->icvlen)) == NULL)
			goto fail;
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
		params[1] = OSSL_PARAM_construct_end();
		if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
		    (sk->mac = EVP_MAC_CTX_new(mac)) == NULL ||
		    !EVP_MAC_init(sk->mac, akey, k->ilen, params))
			goto fail;
	}
	EVP_MAC_free(mac);
	return sk;
fail:
	EVP_MAC_free(mac);
	ike_sk_free(sk);
	return NULL;
}

void
ike_sk_free(struct ike_sk *sk)
{
	if (sk == NULL)
		return;
	EVP_CIPHER_CTX_free(sk->ctx);
	EVP_MAC_CTX_free(sk->mac);
	OPENSSL_cleanse(sk, sizeof(*sk));
	free(sk);
}

static size_t
padlen_for(const struct ike_sk *sk, size_t len)
{
	return (sk->block - (len + 1) % sk->block) % sk->block;
}

size_t
ike_sk_overhead(const struct ike_sk *sk, size_t len)
{
	return IKE_PLHDR_LEN + sk->ivlen + padlen_for(sk, len) + 1 +
	    sk->icvlen;
}

/* The truncated HMAC of p into icv; -1 on an OpenSSL failure. */
static int
hmac(const struct ike_sk *sk, const uint8_t *p, size_t len, uint8_t *icv)
{
	EVP_MAC_CTX *ctx;
	uint8_t	     md[EVP_MAX_MD_SIZE];
	size_t	     n;
	int	     rc = -1;

	if ((ctx = EVP_MAC_CTX_dup(sk->mac)) == NULL)
		return -1;
	if (EVP_MAC_update(ctx, p, len) &&
	    EVP_MAC_final(ctx, md, &n, sizeof(md)) && n >= sk->icvlen) {
		memcpy(icv, md, sk->icvlen);
		rc = 0;
	}
	OPENSSL_cleanse(md, sizeof(md));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

/*
 * The AEAD over p (len bytes, in place) with the IV iv and the AAD; tag
 * is written (sealing) or checked (opening). -1 on failure.
 */
static int
aead(struct ike_sk *sk, const uint8_t *iv, const uint8_t *aad, size_t aadlen,
    uint8_t *p, size_t len, uint8_t *tag)
{
	uint8_t nonce[SALT_LEN + AEAD_IV_LEN];
	int	n, enc = sk->outbound;

	memcpy(nonce, sk->salt, SALT_LEN);
	memcpy(nonce + SALT_LEN, iv, AEAD_IV_LEN);
	if (!EVP_CipherInit_ex2(sk->ctx, NULL, NULL, nonce, enc, NULL))
		return -1;
	if (!EVP_CipherUpdate(sk->ctx, NULL, &n, aad, (int)aadlen))
		return -1;
	if (len != 0 && !EVP_CipherUpdate(sk->ctx, p, &n, p, (int)len))
		return -1;
	if (!enc && !EVP_CIPHER_CTX_ctrl(sk->ctx, EVP_CTRL_AEAD_SET_TAG,
			AEAD_ICV_LEN, tag))
		return -1;
	if (!EVP_CipherFinal_ex(sk->ctx, p + len, &n))
		return -1;
	if (enc && !EVP_CIPHER_CTX_ctrl(sk->ctx, EVP_CTRL_AEAD_GET_TAG,
		       AEAD_ICV_LEN, tag))
		return -1;
	return 0;
}

/* CBC over p in place (a multiple of the block size). */
static int
cbc(struct ike_sk *sk, const uint8_t *iv, uint8_t *p, size_t len)
{
	int n, fin;

	if (!EVP_CipherInit_ex2(sk->ctx, NULL, NULL, iv, sk->outbound, NULL))
		return -1;
	if (!EVP_CipherUpdate(sk->ctx, p, &n, p, (int)len) || (size_t)n > len)
		return -1;
	if (!EVP_CipherFinal_ex(sk->ctx, p + n, &fin) ||
	    (size_t)(n + fin) != len)
		return -1;
	return 0;
}

int
ike_sk_seal(struct ike_sk *sk, const struct ike_hdr *hdr, uint8_t first,
    const uint8_t *plain, size_t plen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	struct buf_wr w;
	size_t	      pad, ctlen, sklen, total, ivoff, ctoff;
	uint8_t	      ivbuf[CBC_IV_LEN];
	int	      i;

	if (!sk->outbound || plen > IKE_MSG_MAX)
		return -1;
	pad = padlen_for(sk, plen);
	ctlen = plen + pad + 1;
	sklen = IKE_PLHDR_LEN + sk->ivlen + ctlen + sk->icvlen;
	total = IKE_HDR_LEN + sklen;
	if (sklen > 0xffff || total > cap)
		return -1;
	ivoff = IKE_HDR_LEN + IKE_PLHDR_LEN;
	ctoff = ivoff + sk->ivlen;

	if (sk->aead) {
		if (sk->iv_spent)
			return -1;
		for (i = AEAD_IV_LEN - 1; i >= 0; i--)
			ivbuf[i] = (uint8_t)(sk->next_iv >> (8 * (7 - i)));
	} else if (RAND_bytes(ivbuf, CBC_IV_LEN) != 1)
		return -1;

	/* The plaintext first: it may already sit where it goes. */
	if (plen != 0)
		memmove(out + ctoff, plain, plen);
	memset(out + ctoff + plen, 0, pad);
	out[ctoff + plen + pad] = (uint8_t)pad;

	buf_wr_init(&w, out, ctoff);
	buf_put_u64(&w, hdr->spi_i);
	buf_put_u64(&w, hdr->spi_r);
	buf_put_u8(&w, IKE_PT_SK);
	buf_put_u8(&w, hdr->version);
	buf_put_u8(&w, hdr->exch);
	buf_put_u8(&w, hdr->flags);
	buf_put_u32(&w, hdr->msgid);
	buf_put_u32(&w, (uint32_t)total);
	buf_put_u8(&w, first);
	buf_put_u8(&w, 0); /* not critical (2.5: SK's C bit is clear) */
	buf_put_u16(&w, (uint16_t)sklen);
	buf_put_bytes(&w, ivbuf, sk->ivlen);
	if (w.err || w.off != ctoff)
		goto fail;

	if (sk->aead) {
		if (aead(sk, ivbuf, out, ivoff, out + ctoff, ctlen,
			out + ctoff + ctlen) == -1)
			goto fail;
		if (sk->next_iv == UINT64_MAX)
			sk->iv_spent = true;
		else
			sk->next_iv++;
	} else {
		if (cbc(sk, ivbuf, out + ctoff, ctlen) == -1 ||
		    hmac(sk, out, ctoff + ctlen, out + ctoff + ctlen) == -1)
			goto fail;
	}
	*outlen = total;
	return 0;
fail:
	OPENSSL_cleanse(out, total);
	return -1;
}

int
ike_sk_open(struct ike_sk *sk, const uint8_t *msg, size_t len,
    size_t sk_off, uint8_t *plain, size_t cap, size_t *plen, const char **why)
{
	struct buf_rd r;
	uint16_t      sklen;
	uint8_t	      icv[AEAD_ICV_LEN > 32 ? AEAD_ICV_LEN : 32];
	size_t	      ivoff, ctoff, ctlen, pad;

	*why = NULL;
	if (sk->outbound) {
		*why = "an outbound SK context cannot open";
		return -1;
	}
	if (sk_off < IKE_HDR_LEN || sk_off > len ||
	    len - sk_off < IKE_PLHDR_LEN) {
		*why = "no room for the SK payload's header";
		return -1;
	}
	buf_rd_init(&r, msg + sk_off + 2, 2);
	if (buf_get_u16(&r, &sklen) == -1 || sklen != len - sk_off) {
		*why = "SK payload does not end the message";
		return -1;
	}
	ivoff = sk_off + IKE_PLHDR_LEN;
	ctoff = ivoff + sk->ivlen;
	if (len - ivoff < sk->ivlen + sk->icvlen + sk->block) {
		*why = "SK payload too short for IV, ciphertext and ICV";
		return -1;
	}
	ctlen = len - ctoff - sk->icvlen;
	if (ctlen % sk->block != 0) {
		*why = "ciphertext not a multiple of the block size";
		return -1;
	}
	if (cap < ctlen) {
		*why = "no room for the plaintext";
		return -1;
	}

	if (sk->aead) {
		memcpy(icv, msg + ctoff + ctlen, AEAD_ICV_LEN);
		memcpy(plain, msg + ctoff, ctlen);
		if (aead(sk, msg + ivoff, msg, ivoff, plain, ctlen, icv) ==
		    -1) {
			OPENSSL_cleanse(plain, ctlen);
			*why = "integrity check failed";
			return -1;
		}
	} else {
		if (hmac(sk, msg, ctoff + ctlen, icv) == -1 ||
		    CRYPTO_memcmp(icv, msg + ctoff + ctlen, sk->icvlen) != 0) {
			*why = "integrity check failed";
			return -1;
		}
		memcpy(plain, msg + ctoff, ctlen);
		if (cbc(sk, msg + ivoff, plain, ctlen) == -1) {
			OPENSSL_cleanse(plain, ctlen);
			*why = "decryption failed";
			return -1;
		}
	}
	pad = plain[ctlen - 1];
	if (pad + 1 > ctlen) {
		OPENSSL_cleanse(plain, ctlen);
		*why = "pad length beyond the ciphertext";
		return -1;
	}
	/* The pad bytes themselves may be anything (3.14). */
	OPENSSL_cleanse(plain + ctlen - pad - 1, pad + 1);
	*plen = ctlen - pad - 1;
	return 0;
}
