/*
 * Proposals (RFC 7296 2.7, 3.3): moat's own, written in strongSwan's
 * syntax in moat.conf ("aes128gcm16-prf-sha256-x25519",
 * "aes256-sha256-ecp256", "aes128gcm16-esn-noesn" for ESP ...), and the
 * choice among what a peer offers.
 */
#ifndef MOAT_IKE_PROPOSAL_H
#define MOAT_IKE_PROPOSAL_H

#include <stdbool.h>

#include "crypto.h"
#include "esp.h"
#include "wire.h"

/*
 * One proposal string to a proposal (proto IKE_PROTO_IKE or ESP, no SPI,
 * num 0). Keywords: aes128 aes256 (CBC), aes128gcm16 aes256gcm16
 * chacha20poly1305, sha256 sha384 sha512 (integrity; for IKE also the
 * PRF when no prf keyword is given and the cipher is not an AEAD),
 * prfsha256 prfsha384 prfsha512, x25519 curve25519 ecp256 ecp384 modp2048,
 * esn noesn (ESP; without either, noesn). An IKE proposal needs a
 * cipher, a PRF (explicit or implied) and a group; an ESP one a cipher
 * and integrity unless AEAD. -1 with why naming the offending keyword.
 */
int ike_proposal_parse(const char *, uint8_t proto, struct ike_prop *,
    const char **why);
/* The proposal in the same syntax (parses back to itself). */
int ike_proposal_print(const struct ike_prop *, char *, size_t);

/*
 * 2.7: the first of the peer's proposals (in its order) of protocol proto
 * that one of ours accepts, reduced to one transform of each type; ours
 * are tried in our order for each of theirs. The chosen proposal keeps
 * the peer's number and SPI. Transforms of an unknown type make a
 * proposal unacceptable; unknown IDs are skipped. -1 if none fits
 * (NO_PROPOSAL_CHOSEN).
 */
int ike_proposal_select(const struct ike_sa_pl *, uint8_t proto,
    const struct ike_prop *ours, size_t nours, struct ike_prop *chosen);

/* A chosen IKE proposal as a suite, and a chosen ESP proposal as the
 * data plane's algorithms: -1 if a needed transform is missing. */
int ike_proposal_suite(const struct ike_prop *, struct ike_suite *);
int ike_proposal_esp(const struct ike_prop *, enum esp_enc *, enum esp_auth *,
    size_t *ekeylen, size_t *akeylen, bool *esn);
/* The DH group of a proposal, IKE_DH_NONE if it has none. */
uint16_t ike_proposal_dh(const struct ike_prop *);
/* A copy without DH transforms: ours for a CHILD_SA in IKE_AUTH, which
 * has no key exchange of its own (RFC 7296 1.2), when PFS is configured
 * for its rekeys. */
void ike_proposal_nodh(const struct ike_prop *, struct ike_prop *);

#endif
