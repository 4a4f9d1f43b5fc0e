/*
 * HMAC (RFC 2104) for ESP's integrity check, with the key's inner and
 * outer hash states computed once when the SA is keyed: a packet costs
 * two copies of a hash state and no allocation. OpenSSL 3's EVP_MAC
 * re-initialisation duplicates provider contexts, two heap allocations
 * per packet, which is why this uses the (deprecated, still supported)
 * low-level SHA functions, whose states are plain structs.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <string.h>

#include "esp_int.h"

#define IPAD 0x36
#define OPAD 0x5c

/* One hash, by the state it keeps. */
static void
h_init(enum esp_auth a, union esp_hstate *s)
{
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
		SHA1_Init(&s->sha1);
		break;
	case ESP_AUTH_HMAC_SHA256_128:
		SHA256_Init(&s->sha256);
		break;
	default:
		SHA512_Init(&s->sha512);
		break;
	}
}

static void
h_update(enum esp_auth a, union esp_hstate *s, const void *p, size_t len)
{
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
		SHA1_Update(&s->sha1, p, len);
		break;
	case ESP_AUTH_HMAC_SHA256_128:
		SHA256_Update(&s->sha256, p, len);
		break;
	default:
		SHA512_Update(&s->sha512, p, len);
		break;
	}
}

static void
h_final(enum esp_auth a, union esp_hstate *s, uint8_t *md)
{
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
		SHA1_Final(md, &s->sha1);
		break;
	case ESP_AUTH_HMAC_SHA256_128:
		SHA256_Final(md, &s->sha256);
		break;
	default:
		SHA512_Final(md, &s->sha512);
		break;
	}
}

/* The hash's block and output lengths (FIPS 180-4). */
static void
h_lens(enum esp_auth a, size_t *block, size_t *mdlen)
{
	*block = a == ESP_AUTH_HMAC_SHA512_256 ? 128 : 64;
	*mdlen = a == ESP_AUTH_HMAC_SHA1_96 ? 20 :
	    a == ESP_AUTH_HMAC_SHA256_128   ? 32 :
					      64;
}

int
esp_hmac_init(struct esp_hmac *h, enum esp_auth a, const uint8_t *key,
    size_t len)
{
	uint8_t k[128], pad[128];
	size_t	block, mdlen, i;

	if (a != ESP_AUTH_HMAC_SHA1_96 && a != ESP_AUTH_HMAC_SHA256_128 &&
	    a != ESP_AUTH_HMAC_SHA512_256)
		return -1;
	h->alg = a;
	h_lens(a, &block, &mdlen);
	memset(k, 0, sizeof(k));
	if (len > block) { /* RFC 2104 2: a long key is hashed first */
		h_init(a, &h->in);
		h_update(a, &h->in, key, len);
		h_final(a, &h->in, k);
	} else
		memcpy(k, key, len);
	for (i = 0; i < block; i++)
		pad[i] = k[i] ^ IPAD;
	h_init(a, &h->in);
	h_update(a, &h->in, pad, block);
	for (i = 0; i < block; i++)
		pad[i] = k[i] ^ OPAD;
	h_init(a, &h->out);
	h_update(a, &h->out, pad, block);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	return 0;
}

void
esp_hmac(const struct esp_hmac *h, const uint8_t *p, size_t len,
    const uint8_t *p2, size_t len2, uint8_t *md)
{
	union esp_hstate s = h->in;
	uint8_t		 inner[64];
	size_t		 block, mdlen;

	h_lens(h->alg, &block, &mdlen);
	h_update(h->alg, &s, p, len);
	if (len2 > 0)
		h_update(h->alg, &s, p2, len2);
	h_final(h->alg, &s, inner);
	s = h->out;
	h_update(h->alg, &s, inner, mdlen);
	h_final(h->alg, &s, md);
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(inner, sizeof(inner));
}
