/*
 * The ESP transforms (RFC 4303): an SA's contexts, keyed once, and
 * sealing and opening packets in place.
 *
 * AEAD (RFC 4106 AES-GCM, RFC 7634 ChaCha20-Poly1305): the nonce is the
 * key's 4-byte salt and the packet's 8-byte IV, which is the 64-bit
 * sequence number (unique per key, since numbers never cycle); the AAD is
 * SPI and sequence number, with the high 32 bits between them under ESN
 * (RFC 4106 section 5). AES-CBC (RFC 3602) takes an unpredictable IV,
 * here the sequence number encrypted under a random key of the SA's own;
 * its HMAC covers header, IV and ciphertext, and under ESN the high bits
 * after them (RFC 4303 2.2.1), and is checked before anything is
 * decrypted.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "esp_int.h"
#include "log.h"

#define SALT_LEN 4

static const char *const errs[] = {
	[ESP_OK] = "ok",
	[ESP_E_SHORT] = "too short",
	[ESP_E_REPLAY] = "replayed or older than the window",
	[ESP_E_ICV] = "integrity check failed",
	[ESP_E_PAD] = "malformed padding or trailer",
	[ESP_E_SEQ] = "sequence number would cycle",
	[ESP_E_EXPIRED] = "past its hard lifetime",
};

const char *
esp_err_str(enum esp_err e)
{
	return errs[e];
}

static const EVP_CIPHER *
cipher_of(const struct esp_sa_params *p, size_t keylen)
{
	switch (p->enc) {
	case ESP_ENC_AES_GCM_16:
		return keylen == 16 ? EVP_aes_128_gcm() :
		    keylen == 24    ? EVP_aes_192_gcm() :
				      EVP_aes_256_gcm();
	case ESP_ENC_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	case ESP_ENC_AES_CBC:
		return keylen == 16 ? EVP_aes_128_cbc() :
		    keylen == 24    ? EVP_aes_192_cbc() :
				      EVP_aes_256_cbc();
	default:
		return NULL;
	}
}

/* The truncated ICV's length (RFC 2404, RFC 4868). */
static bool
icv_of(enum esp_auth a, uint8_t *icvlen)
{
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
		*icvlen = 12;
		return true;
	case ESP_AUTH_HMAC_SHA256_128:
		*icvlen = 16;
		return true;
	case ESP_AUTH_HMAC_SHA512_256:
		*icvlen = 32;
		return true;
	default:
		return false;
	}
}

static EVP_CIPHER_CTX *
cipher_ctx(const EVP_CIPHER *c, const uint8_t *key, bool enc)
{
	EVP_CIPHER_CTX *ctx;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
key_cbc(struct esp_sa *sa, size_t klen)
{
	uint8_t ivkey[16];
	int	rc = -1;

	if (RAND_bytes(ivkey, sizeof(ivkey)) != 1)
		return -1;
	sa->ivgen = cipher_ctx(EVP_aes_128_ecb(), ivkey, true);
	sa->c_out = cipher_ctx(cipher_of(&sa->p, klen), sa->p.ekey, true);
	sa->c_in = cipher_ctx(cipher_of(&sa->p, klen), sa->p.ekey, false);
	if (sa->ivgen != NULL && sa->c_out != NULL && sa->c_in != NULL)
		rc = 0;
	OPENSSL_cleanse(ivkey, sizeof(ivkey));
	return rc;
}

static int
key_hmac(struct esp_sa *sa)
{
	if (!icv_of(sa->p.auth, &sa->icvlen))
		return -1;
	return esp_hmac_init(&sa->hmac, sa->p.auth, sa->p.akey, sa->p.akeylen);
}

struct esp_sa *
esp_sa_new(const struct esp_sa_params *p, uint64_t now)
{
	struct esp_sa *sa;
	size_t	       klen;
	bool	       aead;
	int	       rc = -1;

	if ((sa = calloc(1, sizeof(*sa))) == NULL) {
		log_error("SA 0x%08x: out of memory", p->spi);
		return NULL;
	}
	sa->p = *p;
	sa->added_ms = now;
	/* setkey checks these too, IKE will not; an HMAC takes a key of
	 * any length (RFC 2104), so only its presence is checked here. */
	aead = p->enc == ESP_ENC_AES_GCM_16 ||
	    p->enc == ESP_ENC_CHACHA20_POLY1305;
	if (p->enc == ESP_ENC_NONE || aead != (p->auth == ESP_AUTH_NONE) ||
	    !esp_enc_keylen_ok(p->enc, p->ekeylen) ||
	    (!aead && (p->akeylen == 0 || p->akeylen > ESP_KEY_MAX))) {
		log_error("SA 0x%08x: no such transform as %s/%s with these "
		    "key lengths",
		    p->spi, esp_enc_name(p->enc), esp_auth_name(p->auth));
		esp_sa_free(sa);
		return NULL;
	}
	switch (p->enc) {
	case ESP_ENC_AES_GCM_16:
	case ESP_ENC_CHACHA20_POLY1305:
		if (p->ekeylen <= SALT_LEN)
			break;
		klen = p->ekeylen - SALT_LEN;
		sa->aead = true;
		sa->ivlen = 8;
		sa->icvlen = 16;
		sa->block = 4;
		sa->c_out = cipher_ctx(cipher_of(p, klen), p->ekey, true);
		sa->c_in = cipher_ctx(cipher_of(p, klen), p->ekey, false);
		rc = sa->c_out != NULL && sa->c_in != NULL ? 0 : -1;
		break;
	case ESP_ENC_AES_CBC:
		sa->ivlen = 16;
		sa->block = 16;
		rc = key_cbc(sa, p->ekeylen) == 0 && key_hmac(sa) == 0 ? 0 : -1;
		break;
	case ESP_ENC_NULL:
		sa->block = 4;
		rc = key_hmac(sa);
		break;
	case ESP_ENC_NONE:
		break;
	}
	if (rc == 0 && esp_replay_init(&sa->rp, p->replay, p->esn) == -1)
		rc = -1;
	if (rc == -1) {
		log_error("SA 0x%08x: cannot key %s/%s", p->spi,
		    esp_enc_name(p->enc), esp_auth_name(p->auth));
		esp_sa_free(sa);
		return NULL;
	}
	return sa;
}

void
esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	EVP_CIPHER_CTX_free(sa->c_out);
	EVP_CIPHER_CTX_free(sa->c_in);
	EVP_CIPHER_CTX_free(sa->ivgen);
	esp_replay_free(&sa->rp);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

const struct esp_sa_params *
esp_sa_params(const struct esp_sa *sa)
{
	return &sa->p;
}

const struct esp_sa_stats *
esp_sa_stats(const struct esp_sa *sa)
{
	return &sa->st;
}

size_t
esp_sa_memory(const struct esp_sa *sa)
{
	/* What OpenSSL 3.0 holds per keyed context, as bench/esp measures
	 * it through CRYPTO_set_mem_functions. */
	static const size_t cipher[] = { [ESP_ENC_AES_GCM_16] = 1144,
		[ESP_ENC_CHACHA20_POLY1305] = 1032, [ESP_ENC_AES_CBC] = 632 };
	size_t n = sizeof(*sa) + sa->rp.nblocks * sizeof(uint64_t);

	n += 2 * cipher[sa->p.enc]; /* the HMAC's states are in *sa */
	return sa->ivgen != NULL ? n + 632 : n; /* AES-ECB for CBC's IVs */
}

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

int
esp_spi(const uint8_t *p, size_t len, uint32_t *spi)
{
	if (len < 8)
		return -1;
	*spi = get32(p);
	return 0;
}

/* The AEAD's nonce and AAD for header h (SPI, sequence number, IV). */
static size_t
aead_setup(const struct esp_sa *sa, const uint8_t *h, uint64_t seq,
    uint8_t nonce[12], uint8_t aad[12])
{
	memcpy(nonce, sa->p.ekey + sa->p.ekeylen - SALT_LEN, SALT_LEN);
	memcpy(nonce + SALT_LEN, h + 8, 8);
	memcpy(aad, h, 4);
	if (!sa->p.esn) {
		memcpy(aad + 4, h + 4, 4);
		return 8;
	}
	put32(aad + 4, (uint32_t)(seq >> 32));
	memcpy(aad + 8, h + 4, 4);
	return 12;
}

/* The ICV of len bytes at p, plus the ESN high bits when the SA has
 * them (RFC 4303 2.2.1). */
static void
icv(const struct esp_sa *sa, const uint8_t *p, size_t len, uint64_t seq,
    uint8_t *out)
{
	uint8_t md[64], hi[4];

	put32(hi, (uint32_t)(seq >> 32));
	esp_hmac(&sa->hmac, p, len, hi, sa->p.esn ? 4 : 0, md);
	memcpy(out, md, sa->icvlen);
	OPENSSL_cleanse(md, sizeof(md));
}

static int
cipher(EVP_CIPHER_CTX *ctx, uint8_t *p, size_t len)
{
	int n;

	return EVP_CipherUpdate(ctx, p, &n, p, (int)len) == 1 &&
		(size_t)n == len ?
	    0 :
	    -1;
}

/* Whether the SA has used up a hard limit; as in Linux, the packet
 * that crosses a limit still passes and the next one does not. */
static bool
over_hard(struct esp_sa *sa)
{
	const struct esp_lifetime *h = &sa->p.hard;

	if ((h->packets != 0 && sa->st.packets >= h->packets) ||
	    (h->bytes != 0 && sa->st.bytes >= h->bytes))
		sa->hard = true;
	return sa->hard;
}

static void
count(struct esp_sa *sa, size_t len, uint64_t now)
{
	if (sa->st.packets++ == 0)
		sa->used_ms = now;
	sa->st.bytes += len;
	sa->st.last_ms = now;
}

enum esp_err
esp_seal_iv(struct esp_sa *sa, uint8_t *buf, size_t cap, size_t len,
    uint8_t next, uint64_t now, const uint8_t *iv, uint8_t **out,
    size_t *outlen)
{
	uint8_t *h = buf + ESP_HDR_ROOM - 8 - sa->ivlen, *pt = buf + ESP_HDR_ROOM;
	uint8_t	 nonce[12], aad[12];
	size_t	 padlen, ptlen, i, aadlen;
	uint64_t seq;
	int	 n;

	padlen = (sa->block - (len + 2) % sa->block) % sa->block;
	ptlen = len + padlen + 2;
	if (ESP_HDR_ROOM + ptlen + sa->icvlen > cap)
		return ESP_E_SHORT;
	if (over_hard(sa))
		return ESP_E_EXPIRED;
	if (sa->seq == (sa->p.esn ? UINT64_MAX : UINT32_MAX))
		return ESP_E_SEQ;
	seq = sa->seq + 1;
	for (i = 0; i < padlen; i++) /* RFC 4303 2.4: 1, 2, 3, ... */
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + padlen] = (uint8_t)padlen;
	pt[len + padlen + 1] = next;
	put32(h, sa->p.spi);
	put32(h + 4, (uint32_t)seq);
	memcpy(h + 8, iv, sa->ivlen);
	if (sa->aead) {
		aadlen = aead_setup(sa, h, seq, nonce, aad);
		if (EVP_CipherInit_ex(sa->c_out, NULL, NULL, NULL, nonce, 1) !=
			1 ||
		    EVP_CipherUpdate(sa->c_out, NULL, &n, aad, (int)aadlen) !=
			1 ||
		    cipher(sa->c_out, pt, ptlen) == -1 ||
		    EVP_CipherFinal_ex(sa->c_out, pt + ptlen, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(sa->c_out, EVP_CTRL_AEAD_GET_TAG,
			sa->icvlen, pt + ptlen) != 1)
			return ESP_E_ICV;
	} else {
		if (sa->c_out != NULL &&
		    (EVP_CipherInit_ex(sa->c_out, NULL, NULL, NULL, iv, 1) !=
			    1 ||
			cipher(sa->c_out, pt, ptlen) == -1))
			return ESP_E_ICV;
		icv(sa, h, (size_t)(pt + ptlen - h), seq, pt + ptlen);
	}
	sa->seq = seq;
	count(sa, len, now);
	*out = h;
	*outlen = (size_t)(pt + ptlen + sa->icvlen - h);
	return ESP_OK;
}

enum esp_err
esp_seal(struct esp_sa *sa, uint8_t *buf, size_t cap, size_t len,
    uint8_t next, uint64_t now, uint8_t **out, size_t *outlen)
{
	uint8_t iv[ESP_IV_MAX] = { 0 };
	uint8_t *p = sa->ivlen == 16 ? iv + 8 : iv;
	uint64_t seq = sa->seq + 1;
	int	 i, n;

	for (i = 7; i >= 0; i--, seq >>= 8)
		p[i] = (uint8_t)seq;
	if (sa->ivgen != NULL &&
	    (EVP_CipherUpdate(sa->ivgen, iv, &n, iv, 16) != 1 || n != 16))
		return ESP_E_ICV;
	return esp_seal_iv(sa, buf, cap, len, next, now, iv, out, outlen);
}

enum esp_err
esp_open(struct esp_sa *sa, uint8_t *pkt, size_t len, uint64_t now,
    uint8_t **payload, size_t *plen, uint8_t *next)
{
	uint8_t *ct = pkt + 8 + sa->ivlen, want[ESP_ICV_MAX];
	uint8_t	 nonce[12], aad[12];
	size_t	 ctlen, aadlen;
	uint64_t seq;
	uint8_t	 padlen;
	int	 n;

	if (len < 8u + sa->ivlen + sa->icvlen + 4)
		return ESP_E_SHORT;
	ctlen = len - 8 - sa->ivlen - sa->icvlen;
	if (ctlen % sa->block != 0)
		return ESP_E_PAD;
	if (over_hard(sa))
		return ESP_E_EXPIRED;
	if (!esp_replay_check(&sa->rp, get32(pkt + 4), &seq)) {
		sa->st.replayed++;
		return ESP_E_REPLAY;
	}
	if (sa->aead) {
		aadlen = aead_setup(sa, pkt, seq, nonce, aad);
		if (EVP_CipherInit_ex(sa->c_in, NULL, NULL, NULL, nonce, 0) !=
			1 ||
		    EVP_CipherUpdate(sa->c_in, NULL, &n, aad, (int)aadlen) !=
			1 ||
		    cipher(sa->c_in, ct, ctlen) == -1 ||
		    EVP_CIPHER_CTX_ctrl(sa->c_in, EVP_CTRL_AEAD_SET_TAG,
			sa->icvlen, ct + ctlen) != 1 ||
		    EVP_CipherFinal_ex(sa->c_in, ct + ctlen, &n) != 1) {
			sa->st.bad_icv++;
			return ESP_E_ICV;
		}
	} else {
		icv(sa, pkt, len - sa->icvlen, seq, want);
		if (CRYPTO_memcmp(want, ct + ctlen, sa->icvlen) != 0) {
			sa->st.bad_icv++;
			return ESP_E_ICV;
		}
		if (sa->c_in != NULL &&
		    (EVP_CipherInit_ex(sa->c_in, NULL, NULL, NULL, pkt + 8, 0) !=
			    1 ||
			cipher(sa->c_in, ct, ctlen) == -1)) {
			sa->st.bad_icv++;
			return ESP_E_ICV;
		}
	}
	padlen = ct[ctlen - 2];
	if ((size_t)padlen + 2 > ctlen) {
		/* Authentic, so the number is used up all the same. */
		esp_replay_update(&sa->rp, seq);
		sa->st.bad_pad++;
		return ESP_E_PAD;
	}
	esp_replay_update(&sa->rp, seq);
	*next = ct[ctlen - 1];
	*payload = ct;
	*plen = ctlen - padlen - 2;
	count(sa, *plen, now);
	return ESP_OK;
}

void
esp_sa_count_drop(struct esp_sa *sa, bool selector)
{
	if (selector)
		sa->st.bad_sel++;
	else
		sa->st.dropped++;
}
