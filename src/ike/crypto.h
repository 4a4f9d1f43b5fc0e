/*
 * IKEv2's cryptography: the PRF and prf+ (RFC 7296 2.13), the key
 * exchange (2.14, RFC 5903, RFC 8031, RFC 3526) with its checks of the
 * peer's public value (RFC 6989), the IKE_SA's keys (2.14, 2.18) and
 * CHILD_SA's key material (2.17), and the SK payload (3.14, RFC 5282 for
 * the AEADs). Everything on top of OpenSSL 3's EVP; secrets are wiped
 * with OPENSSL_cleanse when they go.
 */
#ifndef MOAT_IKE_CRYPTO_H
#define MOAT_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_PRF_MAX 64 /* largest PRF output (HMAC-SHA2-512) */
#define IKE_KEY_MAX 64 /* largest key of one kind */
#define IKE_DH_MAX 512 /* largest public value or shared secret (modp4096) */

/* An IKE_SA's transforms, as negotiated (wire.h's numbers). */
struct ike_suite {
	uint16_t encr;
	uint16_t encr_bits; /* key length attribute: 128, 256 */
	uint16_t prf;
	uint16_t integ; /* IKE_INTEG_NONE with an AEAD */
	uint16_t dh;
};

/* Whether the suite is one moat implements (and the AEAD/integ rule holds). */
bool ike_suite_ok(const struct ike_suite *);
bool ike_encr_aead(uint16_t encr);
size_t ike_prf_len(uint16_t prf); /* output and preferred key length; 0 unknown */
/* Key bytes of an integrity algorithm (0: NONE or unknown) and of a
 * cipher with its key length attribute, the AEADs' 4-byte salt included
 * (0: unknown). */
size_t ike_integ_keylen(uint16_t integ);
size_t ike_encr_keylen(uint16_t encr, uint16_t bits);

/* prf(key, data) into out (ike_prf_len bytes); -1 on an OpenSSL failure. */
int ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const uint8_t *data,
    size_t dlen, uint8_t *out);
/* prf+(key, seed) for outlen bytes (at most 255 PRF blocks). */
int ike_prfplus(uint16_t prf, const uint8_t *key, size_t klen,
    const uint8_t *seed, size_t slen, uint8_t *out, size_t outlen);

/* ---- Key exchange (dh.c) ------------------------------------------ */

struct ike_dh;

struct ike_dh *ike_dh_new(uint16_t group); /* NULL: unknown group or no memory */
void	       ike_dh_free(struct ike_dh *);
uint16_t       ike_dh_group(const struct ike_dh *);
size_t	       ike_dh_publen(uint16_t group); /* 0: unknown group */
/* Our public value as the KE payload carries it (ike_dh_publen bytes). */
int ike_dh_public(const struct ike_dh *, uint8_t *out, size_t cap, size_t *len);
/*
 * The shared secret with the peer's public value, which is checked first:
 * the exact length, for ECP a point on the curve (not infinity), for
 * MODP 1 < y < p-1, for Curve25519 the all-zero result refused (RFC
 * 8031 2.3). -1 with why set when the value is refused.
 */
int ike_dh_shared(struct ike_dh *, const uint8_t *peer, size_t plen,
    uint8_t *out, size_t cap, size_t *len, const char **why);

/* ---- Keys (keys.c) ------------------------------------------------ */

struct ike_keys {
	size_t	prflen, ilen, elen; /* SK_d/SK_p, SK_a, SK_e (salt included) */
	uint8_t sk_d[IKE_PRF_MAX];
	uint8_t sk_ai[IKE_KEY_MAX], sk_ar[IKE_KEY_MAX];
	uint8_t sk_ei[IKE_KEY_MAX + 4], sk_er[IKE_KEY_MAX + 4];
	uint8_t sk_pi[IKE_PRF_MAX], sk_pr[IKE_PRF_MAX];
};

/*
 * 2.14: SKEYSEED = prf(Ni | Nr, g^ir) and the seven keys from prf+ over
 * Ni | Nr | SPIi | SPIr. For an IKE_SA rekey (2.18) old_skd is the old
 * SA's SK_d and old_prf its PRF: SKEYSEED = prf(SK_d, g^ir | Ni | Nr).
 * The AEADs' SK_e carry their salt (4 bytes, RFC 5282 7.1 and RFC 7634 2).
 * spi_i and spi_r are in host order and go in as 8 network-order bytes.
 */
int ike_keys_derive(const struct ike_suite *, const uint8_t *shared,
    size_t slen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen, uint64_t spi_i, uint64_t spi_r, const uint8_t *old_skd,
    uint16_t old_prf, struct ike_keys *);
void ike_keys_wipe(struct ike_keys *);

/* 2.17: KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), len bytes; shared
 * is NULL without PFS. */
int ike_child_keymat(uint16_t prf, const uint8_t *skd, size_t skdlen,
    const uint8_t *shared, size_t slen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t len);

/* ---- The SK payload (sk.c) ---------------------------------------- */

/* One direction's protection, keyed once from ike_keys. */
struct ike_sk;

/* For the initiator, out uses SK_ei/SK_ai and in SK_er/SK_ar; the
 * responder the other way round. */
struct ike_sk *ike_sk_new(const struct ike_suite *, const struct ike_keys *,
    bool initiator, bool outbound);
void ike_sk_free(struct ike_sk *);
/* Bytes an SK payload adds to a plaintext chain of len bytes: generic
 * header, IV, padding and pad length, ICV. */
size_t ike_sk_overhead(const struct ike_sk *, size_t len);

/*
 * Seal a message: hdr (ike_hdr in host order; its next is set to SK and
 * its len computed here) and the plaintext inner chain plain, whose first
 * payload has type first. Writes header, SK payload (IV from a counter
 * for the AEADs, random for CBC), ciphertext and ICV into out; the AAD of
 * RFC 5282 5.1 is the header and the SK generic header. 0 and *outlen, or
 * -1 if cap is short or OpenSSL fails.
 */
struct ike_hdr;
int ike_sk_seal(struct ike_sk *, const struct ike_hdr *, uint8_t first,
    const uint8_t *plain, size_t plen, uint8_t *out, size_t cap,
    size_t *outlen);
/*
 * Open a received message msg of len bytes whose SK payload's generic
 * header is at sk_off and runs to the end of the message: checks the
 * ICV over everything before it (CBC+HMAC) or as the AEAD's tag, then
 * decrypts into plain and strips the padding. -1 and why if the ICV fails
 * or the padding is malformed; nothing else is touched. plain needs room
 * for the ciphertext with its padding (len - sk_off - 4 always does).
 */
int ike_sk_open(struct ike_sk *, const uint8_t *msg, size_t len,
    size_t sk_off, uint8_t *plain, size_t cap, size_t *plen, const char **why);


#endif
