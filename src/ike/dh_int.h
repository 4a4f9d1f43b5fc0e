/*
 * dh.c's constructor from a known key, for the known-answer tests of
 * tests/unit/ike_crypto.c only (the engine always generates its keys).
 */
#ifndef MOAT_IKE_DH_INT_H
#define MOAT_IKE_DH_INT_H

#include "crypto.h"

/*
 * priv is the private scalar (X25519: the 32-byte string of RFC 7748;
 * ECP: big-endian, the curve's length; MODP: big-endian x). pub is our
 * public value in the KE payload's form; X25519 derives it and takes
 * NULL. NULL if the key does not import.
 */
struct ike_dh *ike_dh_new_key(uint16_t group, const uint8_t *priv,
    size_t privlen, const uint8_t *pub, size_t publen);

#endif
