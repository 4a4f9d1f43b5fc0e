/* The ESP module's insides, shared by its files and its unit tests. */
#ifndef MOAT_ESP_INT_H
#define MOAT_ESP_INT_H

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "esp.h"

#define ESP_IV_MAX 16
#define ESP_ICV_MAX 32

/* hmac.c: HMAC from precomputed inner and outer states, read-only once
 * keyed, so one serves both directions. */
union esp_hstate {
	SHA_CTX	   sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

struct esp_hmac {
	enum esp_auth	 alg;
	union esp_hstate in, out;
};

int  esp_hmac_init(struct esp_hmac *, enum esp_auth, const uint8_t *, size_t);
/* The full HMAC (up to 64 bytes) of p, then p2 (len2 may be 0). */
void esp_hmac(const struct esp_hmac *, const uint8_t *p, size_t len,
     const uint8_t *p2, size_t len2, uint8_t *md);

struct esp_sa {
	struct esp_sa_params p;
	/* Keyed once when the SA is made, one context each way. */
	EVP_CIPHER_CTX *c_out, *c_in;
	struct esp_hmac hmac; /* of CBC and NULL */
	EVP_CIPHER_CTX *ivgen; /* CBC: IVs as AES of the sequence number */
	uint8_t		ivlen, icvlen, block;
	bool		aead;
	uint64_t	seq; /* outbound: the last number sent */
	struct esp_replay   rp;
	struct esp_sa_stats st;
	uint64_t	    added_ms, used_ms; /* used_ms: of the first packet */
	bool		    soft_done, hard;
	uint64_t	    order; /* when added: the newest wins */
	struct esp_sa	   *hnext; /* the SPI hash chain */
	struct esp_sa	   *next; /* every SA, in order of addition */
};

/* esp.c: an SA keyed from its parameters, NULL (logged) on failure. */
struct esp_sa *esp_sa_new(const struct esp_sa_params *, uint64_t now);
void	       esp_sa_free(struct esp_sa *);

/* esp_seal with the IV given, for known-answer tests. */
enum esp_err esp_seal_iv(struct esp_sa *, uint8_t *buf, size_t cap,
    size_t len, uint8_t next, uint64_t now, const uint8_t *iv, uint8_t **out,
    size_t *outlen);

#endif
