/*
 * bench/esp: the ESP transforms in process, against raw OpenSSL EVP doing
 * the same cryptography on the same buffers, on one core in the same run.
 * For each algorithm and payload size a packet is sealed (esp_seal) and
 * the result opened (esp_open) on one SA, round and round, with
 * sequential numbers through the real replay window; the raw peer does
 * the least an ESP implementation must do with EVP for the same packet
 * (new IV or nonce, AAD, update, final, tag; or IV, encrypt, HMAC, and
 * HMAC check before decrypting), with its contexts made once, as moat's
 * are. Before timing, open(seal(x)) must give x back and the raw peer's
 * packet must be moat's byte for byte, so both sides do the same work.
 * It also reports the memory of an SA, counted through
 * CRYPTO_set_mem_functions, beside esp_sa_memory's estimate. A missed
 * target is reported, not an error: the exit status is 1 only when the
 * benchmark cannot run or a check fails.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esp_int.h"

#define MIN_SECONDS 0.35 /* each side is timed for at least this long */
#define ROUNDS 2 /* alternate the sides, keep each one's best round */
#define BATCH 256 /* packets between clock reads */
#define WINDOW 32 /* the replay window, as setkey's usual -r 32 */
#define TARGET_SIZE 1400
#define TARGET_RATIO 0.8 /* moat over raw at TARGET_SIZE */
#define NEXT_HDR 4 /* IPv4 in IPv4: tunnel mode */

static const size_t sizes[] = { 64, 512, 1400, 8000 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define PAYLOAD_MAX 8000
#define BUF_CAP (ESP_HDR_ROOM + PAYLOAD_MAX + ESP_OVERHEAD_MAX)

struct alg {
	const char   *name;
	enum esp_enc  enc;
	size_t	      ekeylen; /* salt included */
	enum esp_auth auth;
	size_t	      akeylen;
};

static const struct alg algs[] = {
	{ "aes-gcm-16-128", ESP_ENC_AES_GCM_16, 20, ESP_AUTH_NONE, 0 },
	{ "aes-gcm-16-256", ESP_ENC_AES_GCM_16, 36, ESP_AUTH_NONE, 0 },
	{ "chacha20-poly1305", ESP_ENC_CHACHA20_POLY1305, 36, ESP_AUTH_NONE,
	    0 },
	{ "aes-cbc-128/sha256-128", ESP_ENC_AES_CBC, 16,
	    ESP_AUTH_HMAC_SHA256_128, 32 },
	{ "aes-cbc-256/sha256-128", ESP_ENC_AES_CBC, 32,
	    ESP_AUTH_HMAC_SHA256_128, 32 },
	{ "aes-cbc-128/sha512-256", ESP_ENC_AES_CBC, 16,
	    ESP_AUTH_HMAC_SHA512_256, 64 },
	{ "aes-cbc-256/sha512-256", ESP_ENC_AES_CBC, 32,
	    ESP_AUTH_HMAC_SHA512_256, 64 },
	{ "aes-cbc-128/sha1-96", ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96,
	    20 },
};

#define NALGS (sizeof(algs) / sizeof(algs[0]))

/*
 * What OpenSSL holds on the heap, counted by our allocator. This is the
 * benchmark's only process-wide state: CRYPTO_set_mem_functions takes
 * plain functions, so the count cannot travel in an argument. Each block
 * carries its size in a header so that free and realloc can subtract it.
 */
#define MEM_HDR alignof(max_align_t)

static struct {
	size_t live; /* bytes requested and not yet freed */
	size_t blocks; /* blocks live */
	size_t calls; /* allocations and reallocations made */
} mem;

static void *
mem_malloc(size_t n, const char *file, int line)
{
	unsigned char *p;

	(void)file;
	(void)line;
	if ((p = malloc(MEM_HDR + n)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	mem.calls++;
	mem.live += n;
	mem.blocks++;
	return p + MEM_HDR;
}

static void
mem_free(void *ptr, const char *file, int line)
{
	unsigned char *p = ptr;
	size_t	       n;

	(void)file;
	(void)line;
	if (p == NULL)
		return;
	p -= MEM_HDR;
	memcpy(&n, p, sizeof(n));
	mem.live -= n;
	mem.blocks--;
	free(p);
}

static void *
mem_realloc(void *ptr, size_t n, const char *file, int line)
{
	unsigned char *p = ptr, *q;
	size_t	       old;

	if (p == NULL)
		return mem_malloc(n, file, line);
	if (n == 0) {
		mem_free(ptr, file, line);
		return NULL;
	}
	p -= MEM_HDR;
	memcpy(&old, p, sizeof(old));
	if ((q = realloc(p, MEM_HDR + n)) == NULL)
		return NULL;
	memcpy(q, &n, sizeof(n));
	mem.calls++;
	mem.live = mem.live - old + n;
	return q + MEM_HDR;
}

static double
seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static void
params_of(const struct alg *a, struct esp_sa_params *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->spi = 0x1000;
	p->mode = ESP_MODE_TUNNEL;
	p->replay = WINDOW;
	p->enc = a->enc;
	p->auth = a->auth;
	p->ekeylen = a->ekeylen;
	p->akeylen = a->akeylen;
	for (i = 0; i < a->ekeylen; i++)
		p->ekey[i] = (uint8_t)(0x11 + i);
	for (i = 0; i < a->akeylen; i++)
		p->akey[i] = (uint8_t)(0x77 + 3 * i);
}

/* ---- The raw peer ---------------------------------------------------- */

/* The contexts a hand-written ESP on EVP would keep per SA: one cipher
 * context each way keyed once, and for CBC one HMAC context each way. */
struct raw {
	EVP_CIPHER_CTX *ce, *cd;
	EVP_MAC_CTX    *he, *hd;
	bool		aead;
	size_t		ivlen, icvlen, block;
	uint8_t		salt[4];
	uint32_t	spi;
};

static const EVP_CIPHER *
raw_cipher(const struct alg *a)
{
	switch (a->enc) {
	case ESP_ENC_AES_GCM_16:
		return a->ekeylen == 20 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	case ESP_ENC_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	case ESP_ENC_AES_CBC:
		return a->ekeylen == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	default:
		return NULL;
	}
}

static const char *
raw_digest(enum esp_auth a, size_t *icvlen)
{
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
		*icvlen = 12;
		return "SHA1";
	case ESP_AUTH_HMAC_SHA256_128:
		*icvlen = 16;
		return "SHA256";
	case ESP_AUTH_HMAC_SHA512_256:
		*icvlen = 32;
		return "SHA512";
	default:
		return NULL;
	}
}

static EVP_CIPHER_CTX *
raw_cipher_ctx(const EVP_CIPHER *c, const uint8_t *key, int enc)
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

static EVP_MAC_CTX *
raw_hmac_ctx(const char *digest, const uint8_t *key, size_t len)
{
	OSSL_PARAM   params[2];
	EVP_MAC	    *mac;
	EVP_MAC_CTX *ctx = NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	if ((ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, key, len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_MAC_free(mac);
	return ctx;
}

static void
raw_free(struct raw *r)
{
	EVP_CIPHER_CTX_free(r->ce);
	EVP_CIPHER_CTX_free(r->cd);
	EVP_MAC_CTX_free(r->he);
	EVP_MAC_CTX_free(r->hd);
	memset(r, 0, sizeof(*r));
}

static int
raw_new(struct raw *r, const struct alg *a, const struct esp_sa_params *p)
{
	const EVP_CIPHER *c = raw_cipher(a);
	const char	 *digest;

	memset(r, 0, sizeof(*r));
	r->spi = p->spi;
	if (a->auth == ESP_AUTH_NONE) {
		r->aead = true;
		r->ivlen = 8;
		r->icvlen = 16;
		r->block = 4;
		memcpy(r->salt, p->ekey + p->ekeylen - 4, 4);
	} else {
		r->ivlen = 16;
		r->block = 16;
		if ((digest = raw_digest(a->auth, &r->icvlen)) == NULL ||
		    (r->he = raw_hmac_ctx(digest, p->akey, p->akeylen)) ==
			NULL ||
		    (r->hd = raw_hmac_ctx(digest, p->akey, p->akeylen)) == NULL)
			goto fail;
	}
	if ((r->ce = raw_cipher_ctx(c, p->ekey, 1)) == NULL ||
	    (r->cd = raw_cipher_ctx(c, p->ekey, 0)) == NULL)
		goto fail;
	return 0;
fail:
	fprintf(
	    stderr, "bench/esp: %s: cannot key the raw EVP peer\n", a->name);
	raw_free(r);
	return -1;
}

/* Where a packet of the raw peer lies in buf: the same place as moat's. */
static uint8_t *
raw_hdr(const struct raw *r, uint8_t *buf)
{
	return buf + ESP_HDR_ROOM - 8 - r->ivlen;
}

static size_t
raw_ptlen(const struct raw *r, size_t len)
{
	return len + 2 + (r->block - (len + 2) % r->block) % r->block;
}

/* The trailer (RFC 4303 2.4), written once: opening in place puts the
 * plaintext back, trailer included. */
static void
raw_trailer(const struct raw *r, uint8_t *buf, size_t len)
{
	uint8_t *pt = buf + ESP_HDR_ROOM;
	size_t	 padlen = raw_ptlen(r, len) - len - 2, i;

	for (i = 0; i < padlen; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + padlen] = (uint8_t)padlen;
	pt[len + padlen + 1] = NEXT_HDR;
}

/*
 * Seal the packet of ptlen bytes (trailer included) at buf + ESP_HDR_ROOM
 * with sequence number seq and, for CBC, the IV iv (NULL: the sequence
 * number, which costs nothing; moat encrypts it, see esp_seal).
 */
static int
raw_seal(const struct raw *r, uint8_t *buf, size_t ptlen, uint32_t seq,
    const uint8_t *iv)
{
	uint8_t *h = raw_hdr(r, buf), *pt = buf + ESP_HDR_ROOM;
	uint8_t	 nonce[12], md[EVP_MAX_MD_SIZE];
	size_t	 mdlen;
	int	 n;

	put32(h, r->spi);
	put32(h + 4, seq);
	if (r->aead) {
		put64(h + 8, seq);
		memcpy(nonce, r->salt, 4);
		memcpy(nonce + 4, h + 8, 8);
		return EVP_CipherInit_ex(r->ce, NULL, NULL, NULL, nonce, 1) ==
			    1 &&
			EVP_CipherUpdate(r->ce, NULL, &n, h, 8) == 1 &&
			EVP_CipherUpdate(r->ce, pt, &n, pt, (int)ptlen) == 1 &&
			EVP_CipherFinal_ex(r->ce, pt + ptlen, &n) == 1 &&
			EVP_CIPHER_CTX_ctrl(r->ce, EVP_CTRL_AEAD_GET_TAG,
			    (int)r->icvlen, pt + ptlen) == 1 ?
		    0 :
		    -1;
	}
	if (iv != NULL) {
		memcpy(h + 8, iv, 16);
	} else {
		memset(h + 8, 0, 8);
		put64(h + 16, seq);
	}
	if (EVP_CipherInit_ex(r->ce, NULL, NULL, NULL, h + 8, 1) != 1 ||
	    EVP_CipherUpdate(r->ce, pt, &n, pt, (int)ptlen) != 1 ||
	    EVP_MAC_init(r->he, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(r->he, h, 8 + 16 + ptlen) != 1 ||
	    EVP_MAC_final(r->he, md, &mdlen, sizeof(md)) != 1)
		return -1;
	memcpy(pt + ptlen, md, r->icvlen);
	return 0;
}

/* Verify and decrypt the packet raw_seal left in buf. */
static int
raw_open(const struct raw *r, uint8_t *buf, size_t ptlen)
{
	uint8_t *h = raw_hdr(r, buf), *ct = buf + ESP_HDR_ROOM;
	uint8_t	 nonce[12], md[EVP_MAX_MD_SIZE];
	size_t	 mdlen;
	int	 n;

	if (r->aead) {
		memcpy(nonce, r->salt, 4);
		memcpy(nonce + 4, h + 8, 8);
		return EVP_CipherInit_ex(r->cd, NULL, NULL, NULL, nonce, 0) ==
			    1 &&
			EVP_CipherUpdate(r->cd, NULL, &n, h, 8) == 1 &&
			EVP_CipherUpdate(r->cd, ct, &n, ct, (int)ptlen) == 1 &&
			EVP_CIPHER_CTX_ctrl(r->cd, EVP_CTRL_AEAD_SET_TAG,
			    (int)r->icvlen, ct + ptlen) == 1 &&
			EVP_CipherFinal_ex(r->cd, ct + ptlen, &n) == 1 ?
		    0 :
		    -1;
	}
	if (EVP_MAC_init(r->hd, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(r->hd, h, 8 + 16 + ptlen) != 1 ||
	    EVP_MAC_final(r->hd, md, &mdlen, sizeof(md)) != 1 ||
	    CRYPTO_memcmp(md, ct + ptlen, r->icvlen) != 0)
		return -1;
	return EVP_CipherInit_ex(r->cd, NULL, NULL, NULL, h + 8, 0) == 1 &&
		EVP_CipherUpdate(r->cd, ct, &n, ct, (int)ptlen) == 1 ?
	    0 :
	    -1;
}

/* ---- Checks and timing ---------------------------------------------- */

static void
fill(uint8_t *p, size_t len, size_t salt)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + salt);
}

/*
 * open(seal(x)) is x, and the raw peer, given moat's sequence number and
 * IV, makes the same packet and opens it to x. Leaves the payload and
 * the raw peer's trailer in place for timing.
 */
static int
check(const struct alg *a, struct esp_sa *sa, const struct raw *r, uint8_t *buf,
    uint8_t *rbuf, size_t len)
{
	uint8_t	     ref[PAYLOAD_MAX], *out, *pl, next;
	size_t	     outlen, plen, ptlen = raw_ptlen(r, len);
	uint32_t     seq;
	enum esp_err e;

	fill(ref, len, len);
	memcpy(buf + ESP_HDR_ROOM, ref, len);
	if ((e = esp_seal(sa, buf, BUF_CAP, len, NEXT_HDR, 1, &out, &outlen)) !=
	    ESP_OK) {
		fprintf(stderr, "bench/esp: %s, %zu bytes: esp_seal: %s\n",
		    a->name, len, esp_err_str(e));
		return -1;
	}
	if (out != raw_hdr(r, buf) ||
	    outlen != 8 + r->ivlen + ptlen + r->icvlen) {
		fprintf(stderr,
		    "bench/esp: %s, %zu bytes: esp_seal made %zu bytes at "
		    "offset %td, the raw peer expects %zu at %td\n",
		    a->name, len, outlen, out - buf,
		    8 + r->ivlen + ptlen + r->icvlen, raw_hdr(r, buf) - buf);
		return -1;
	}
	memcpy(rbuf + ESP_HDR_ROOM, ref, len);
	raw_trailer(r, rbuf, len);
	seq = (uint32_t)out[4] << 24 | (uint32_t)out[5] << 16 |
	    (uint32_t)out[6] << 8 | out[7];
	if (raw_seal(r, rbuf, ptlen, seq, r->aead ? NULL : out + 8) == -1) {
		fprintf(stderr, "bench/esp: %s, %zu bytes: raw seal failed\n",
		    a->name, len);
		return -1;
	}
	if (memcmp(raw_hdr(r, rbuf), out, outlen) != 0) {
		fprintf(stderr,
		    "bench/esp: %s, %zu bytes: moat's packet and the raw "
		    "peer's differ: they do not do the same work\n",
		    a->name, len);
		return -1;
	}
	if ((e = esp_open(sa, out, outlen, 1, &pl, &plen, &next)) != ESP_OK) {
		fprintf(stderr, "bench/esp: %s, %zu bytes: esp_open: %s\n",
		    a->name, len, esp_err_str(e));
		return -1;
	}
	if (plen != len || next != NEXT_HDR || pl != buf + ESP_HDR_ROOM ||
	    memcmp(pl, ref, len) != 0) {
		fprintf(stderr,
		    "bench/esp: %s, %zu bytes: open(seal(x)) is not x\n",
		    a->name, len);
		return -1;
	}
	if (raw_open(r, rbuf, ptlen) == -1 ||
	    memcmp(rbuf + ESP_HDR_ROOM, ref, len) != 0) {
		fprintf(stderr,
		    "bench/esp: %s, %zu bytes: the raw peer does not open "
		    "its own packet\n",
		    a->name, len);
		return -1;
	}
	return 0;
}

/*
 * Payload bytes per CPU second, each sealed and then opened, for at least
 * MIN_SECONDS. The seconds are the thread's CPU time: the machine is
 * shared, and time spent waiting for a core says nothing about ESP.
 * 0 if a packet fails.
 */
static double
rate_moat(struct esp_sa *sa, uint8_t *buf, size_t len)
{
	uint8_t *out, *pl, next;
	size_t	 outlen, plen, k;
	uint64_t done = 0;
	double	 t0 = seconds(CLOCK_THREAD_CPUTIME_ID), t;

	for (;;) {
		for (k = 0; k < BATCH; k++)
			if (esp_seal(sa, buf, BUF_CAP, len, NEXT_HDR, 1, &out,
				&outlen) != ESP_OK ||
			    esp_open(sa, out, outlen, 1, &pl, &plen, &next) !=
				ESP_OK)
				return 0;
		done += BATCH;
		t = seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
		if (t >= MIN_SECONDS)
			return (double)(done * len) / t;
	}
}

static double
rate_raw(const struct raw *r, uint8_t *buf, size_t len, uint32_t *seq)
{
	size_t	 ptlen = raw_ptlen(r, len), k;
	uint64_t done = 0;
	double	 t0 = seconds(CLOCK_THREAD_CPUTIME_ID), t;

	for (;;) {
		for (k = 0; k < BATCH; k++)
			if (raw_seal(r, buf, ptlen, ++*seq, NULL) == -1 ||
			    raw_open(r, buf, ptlen) == -1)
				return 0;
		done += BATCH;
		t = seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
		if (t >= MIN_SECONDS)
			return (double)(done * len) / t;
	}
}

struct result {
	double moat[NSIZES], raw[NSIZES]; /* bytes per second */
	size_t mem_sa, mem_ring, mem_ossl, mem_blocks, mem_est;
	double allocs_moat, allocs_raw; /* OpenSSL's, per seal and open */
};

#define ALLOC_PKTS 100 /* packets for counting allocations */

/*
 * OpenSSL's heap allocations per packet sealed and opened, TARGET_SIZE
 * bytes, on each side (esp.h promises none of its own).
 */
static int
allocs(struct esp_sa *sa, const struct raw *r, uint8_t *buf, uint8_t *rbuf,
    uint32_t *rseq, struct result *res)
{
	uint8_t *out, *pl, next;
	size_t	 outlen, plen, ptlen = raw_ptlen(r, TARGET_SIZE), k, calls;

	raw_trailer(r, rbuf, TARGET_SIZE);
	calls = mem.calls;
	for (k = 0; k < ALLOC_PKTS; k++)
		if (esp_seal(sa, buf, BUF_CAP, TARGET_SIZE, NEXT_HDR, 1, &out,
			&outlen) != ESP_OK ||
		    esp_open(sa, out, outlen, 1, &pl, &plen, &next) != ESP_OK)
			return -1;
	res->allocs_moat = (double)(mem.calls - calls) / ALLOC_PKTS;
	calls = mem.calls;
	for (k = 0; k < ALLOC_PKTS; k++)
		if (raw_seal(r, rbuf, ptlen, ++*rseq, NULL) == -1 ||
		    raw_open(r, rbuf, ptlen) == -1)
			return -1;
	res->allocs_raw = (double)(mem.calls - calls) / ALLOC_PKTS;
	return 0;
}

/* The SA's memory: the struct and its window (calloc'd by esp.c and
 * replay.c) and what OpenSSL keeps after esp_sa_new, counted by
 * mem_malloc. The caller has made one SA of the kind already, so that
 * OpenSSL's one-time fetches and caches are not counted. */
static int
sa_memory(const struct esp_sa_params *p, struct result *res)
{
	struct esp_sa *sa;
	size_t	       live = mem.live, blocks = mem.blocks;

	if ((sa = esp_sa_new(p, 1)) == NULL)
		return -1;
	res->mem_ossl = mem.live - live;
	res->mem_blocks = mem.blocks - blocks;
	res->mem_sa = sizeof(*sa);
	res->mem_ring = sa->rp.nblocks * sizeof(uint64_t);
	res->mem_est = esp_sa_memory(sa);
	esp_sa_free(sa);
	return 0;
}

static int
run(const struct alg *a, uint8_t *buf, uint8_t *rbuf, struct result *res)
{
	struct esp_sa_params p;
	struct esp_sa	    *sa;
	struct raw	     r;
	double		     v;
	uint32_t	     rseq = 0;
	size_t		     i;
	int		     round, ret = -1;

	params_of(a, &p);
	if ((sa = esp_sa_new(&p, 1)) == NULL) {
		fprintf(stderr, "bench/esp: %s: esp_sa_new failed\n", a->name);
		return -1;
	}
	if (raw_new(&r, a, &p) == -1)
		goto out;
	if (sa_memory(&p, res) == -1) {
		fprintf(stderr, "bench/esp: %s: esp_sa_new failed\n", a->name);
		goto out;
	}
	for (i = 0; i < NSIZES; i++)
		if (check(a, sa, &r, buf, rbuf, sizes[i]) == -1)
			goto out;
	if (allocs(sa, &r, buf, rbuf, &rseq, res) == -1) {
		fprintf(stderr, "bench/esp: %s: a packet failed\n", a->name);
		goto out;
	}
	for (i = 0; i < NSIZES; i++) {
		fill(buf + ESP_HDR_ROOM, sizes[i], sizes[i]);
		memcpy(rbuf + ESP_HDR_ROOM, buf + ESP_HDR_ROOM, sizes[i]);
		raw_trailer(&r, rbuf, sizes[i]);
		/* The machine is shared: alternating rounds give both sides
		 * the same chances, and the best round is the least
		 * disturbed. */
		for (round = 0; round < ROUNDS; round++) {
			if ((v = rate_moat(sa, buf, sizes[i])) == 0) {
				fprintf(stderr,
				    "bench/esp: %s, %zu bytes: a packet failed "
				    "while timing moat\n",
				    a->name, sizes[i]);
				goto out;
			}
			if (v > res->moat[i])
				res->moat[i] = v;
			if ((v = rate_raw(&r, rbuf, sizes[i], &rseq)) == 0) {
				fprintf(stderr,
				    "bench/esp: %s, %zu bytes: a packet failed "
				    "while timing raw EVP\n",
				    a->name, sizes[i]);
				goto out;
			}
			if (v > res->raw[i])
				res->raw[i] = v;
		}
		printf("%-23s %5zu %10.0f %10.0f %7.2f\n", a->name, sizes[i],
		    res->moat[i] / 1e6, res->raw[i] / 1e6,
		    res->moat[i] / res->raw[i]);
		fflush(stdout);
	}
	ret = 0;
out:
	esp_sa_free(sa);
	raw_free(&r);
	return ret;
}

/* What one context of each kind costs, made as esp.c makes them. */
static void
print_contexts(void)
{
	static const struct {
		const char *what;
		const EVP_CIPHER *(*cipher)(void); /* or NULL */
		const char *digest; /* or NULL */
		size_t	    keylen;
	} ctxs[] = {
		{ "aes-128-gcm", EVP_aes_128_gcm, NULL, 16 },
		{ "aes-256-gcm", EVP_aes_256_gcm, NULL, 32 },
		{ "chacha20-poly1305", EVP_chacha20_poly1305, NULL, 32 },
		{ "aes-128-cbc", EVP_aes_128_cbc, NULL, 16 },
		{ "aes-256-cbc", EVP_aes_256_cbc, NULL, 32 },
		{ "aes-128-ecb (CBC IVs)", EVP_aes_128_ecb, NULL, 16 },
		{ "hmac-sha1", NULL, "SHA1", 20 },
		{ "hmac-sha256", NULL, "SHA256", 32 },
		{ "hmac-sha512", NULL, "SHA512", 64 },
	};
	uint8_t key[64];
	size_t	i, j, live, blocks;

	memset(key, 0x5a, sizeof(key));
	printf("\nOpenSSL heap per context (keyed, as esp.c makes them):\n");
	for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		EVP_CIPHER_CTX	 *c[2] = { NULL, NULL };
		EVP_MAC_CTX	 *h[2] = { NULL, NULL };
		const EVP_CIPHER *ci =
		    ctxs[i].cipher != NULL ? ctxs[i].cipher() : NULL;

		/* The second one counts: the first may fill caches. */
		for (j = 0; j < 2; j++) {
			live = mem.live;
			blocks = mem.blocks;
			if (ci != NULL)
				c[j] = raw_cipher_ctx(ci, key, 1);
			else
				h[j] = raw_hmac_ctx(
				    ctxs[i].digest, key, ctxs[i].keylen);
		}
		if (c[1] != NULL || h[1] != NULL)
			printf("  %-23s %6zu bytes in %zu blocks\n",
			    ctxs[i].what, mem.live - live, mem.blocks - blocks);
		for (j = 0; j < 2; j++) {
			EVP_CIPHER_CTX_free(c[j]);
			EVP_MAC_CTX_free(h[j]);
		}
	}
}

static void
print_memory(const struct result *res)
{
	const struct result *r;
	size_t		     i, total;

	printf("\nmemory per SA (bytes; OpenSSL's counted through "
	       "CRYPTO_set_mem_functions, requested sizes, malloc's own "
	       "overhead not included;\n"
	       "allocs/packet: OpenSSL's heap allocations per %d-byte packet "
	       "sealed and opened):\n",
	    TARGET_SIZE);
	printf("%-23s %6s %6s %8s %6s %8s %13s %s\n", "algorithm", "struct",
	    "window", "OpenSSL", "blocks", "measured", "esp_sa_memory",
	    "allocs/packet moat raw");
	for (i = 0; i < NALGS; i++) {
		r = &res[i];
		total = r->mem_sa + r->mem_ring + r->mem_ossl;
		printf("%-23s %6zu %6zu %8zu %6zu %8zu %13zu %14.1f %4.1f\n",
		    algs[i].name, r->mem_sa, r->mem_ring, r->mem_ossl,
		    r->mem_blocks, total, r->mem_est, r->allocs_moat,
		    r->allocs_raw);
	}
}

static void
print_targets(const struct result *res)
{
	size_t i, k;
	double ratio;

	for (k = 0; k < NSIZES && sizes[k] != TARGET_SIZE; k++)
		;
	printf("\ntargets (%d-byte packets):\n", TARGET_SIZE);
	for (i = 0; i < NALGS; i++) {
		ratio = res[i].moat[k] / res[i].raw[k];
		printf("  %-23s moat >= %.1f of raw EVP %6.2f  %s\n",
		    algs[i].name, TARGET_RATIO, ratio,
		    ratio >= TARGET_RATIO ? "holds" : "MISSED");
	}
}

int
main(int argc, char **argv)
{
	static struct result res[NALGS];
	uint8_t		    *buf = NULL, *rbuf = NULL;
	struct esp_sa_params p;
	struct esp_sa	    *sa;
	size_t		     i;
	int		     ret = 1;

	(void)argv;
	/* Before anything else: OpenSSL refuses once it has allocated. */
	if (CRYPTO_set_mem_functions(mem_malloc, mem_realloc, mem_free) != 1) {
		fprintf(stderr, "bench/esp: CRYPTO_set_mem_functions failed\n");
		return 1;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: esp (no arguments)\n");
		return 2;
	}
	if ((buf = aligned_alloc(64, (BUF_CAP + 63) / 64 * 64)) == NULL ||
	    (rbuf = aligned_alloc(64, (BUF_CAP + 63) / 64 * 64)) == NULL) {
		fprintf(stderr, "bench/esp: no memory for the buffers\n");
		goto out;
	}
	/* One SA of each kind first, so that OpenSSL's one-time fetches,
	 * caches and random generator are not counted in sa_memory. */
	for (i = 0; i < NALGS; i++) {
		params_of(&algs[i], &p);
		if ((sa = esp_sa_new(&p, 1)) == NULL) {
			fprintf(stderr, "bench/esp: %s: esp_sa_new failed\n",
			    algs[i].name);
			goto out;
		}
		esp_sa_free(sa);
	}
	printf("bench/esp: esp_seal then esp_open on one SA (tunnel mode, "
	       "window %d, no ESN) on one core,\n"
	       "against raw OpenSSL EVP doing the same cryptography on the "
	       "same buffer (%s);\n"
	       "MB/s: 10^6 payload bytes sealed and opened per CPU second, "
	       "best of %d rounds of >= %.2f s per side;\n"
	       "both sides make the same packets, byte for byte, and open "
	       "them to the payload\n\n",
	    WINDOW, OpenSSL_version(OPENSSL_VERSION), ROUNDS, MIN_SECONDS);
	printf("%-23s %5s %10s %10s %7s\n", "algorithm", "bytes", "moat MB/s",
	    "raw MB/s", "ratio");
	fflush(stdout);
	for (i = 0; i < NALGS; i++)
		if (run(&algs[i], buf, rbuf, &res[i]) == -1)
			goto out;
	print_targets(res);
	print_memory(res);
	print_contexts();
	ret = 0;
out:
	free(buf);
	free(rbuf);
	return ret;
}
