/* The ESP module's insides, shared by its files and its unit tests. */
#ifndef MOAT_ESP_INT_H
#define MOAT_ESP_INT_H

#include <openssl/evp.h>

#include "esp.h"

#define ESP_IV_MAX 16
#define ESP_ICV_MAX 32

struct esp_sa {
	struct esp_sa_params p;
	/* Keyed once when the SA is made, one context each way. */
	EVP_CIPHER_CTX *c_out, *c_in;
	EVP_MAC_CTX    *h_out, *h_in; /* HMAC of CBC and NULL */
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
