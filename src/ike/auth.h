/*
 * IKEv2 authentication (RFC 7296 2.15): the octets each side signs, the
 * PSK's AUTH value, signatures with RSA and ECDSA keys (method 1, methods
 * 9-11 of RFC 4754, and RFC 7427's digital signature method 14), X.509
 * chains checked against the configured CAs, and whether a peer's ID is
 * one of its certificate's.
 */
#ifndef MOAT_IKE_AUTH_H
#define MOAT_IKE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto.h"

#define IKE_AUTH_MAX 1024 /* largest AUTH payload body we make */

/*
 * 2.15: the signed octets, the message (IKE_SA_INIT as sent by the
 * signer), the other side's nonce, and prf(SK_px, IDx') with IDx' the
 * signer's whole ID payload body. Written to out (cap bytes), -1 if short.
 */
int ike_auth_octets(uint16_t prf, const uint8_t *msg, size_t mlen,
    const uint8_t *nonce, size_t nlen, const uint8_t *skp, size_t skplen,
    const uint8_t *idbody, size_t idlen, uint8_t *out, size_t cap,
    size_t *outlen);

/* 2.15: prf(prf(PSK, "Key Pad for IKEv2"), octets); ike_prf_len bytes. */
int ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *octets, size_t olen, uint8_t *out);
/* Compares in constant time. */
bool ike_auth_psk_ok(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *octets, size_t olen, const uint8_t *auth, size_t alen);

/* A credential of ours: a private key, its certificate, and the chain
 * to send above it (PEM files). */
struct ike_cred {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509) *chain;
};

/* Loads the PEM files; -1 with why (file and reason) in err. The key
 * must be the certificate's. */
int  ike_cred_load(struct ike_cred *, const char *certfile,
     const char *keyfile, char *err, size_t errlen);
void ike_cred_free(struct ike_cred *);

/*
 * The method and AUTH data for our key: with digital_sig (the peer sent
 * SIGNATURE_HASH_ALGORITHMS including one we can use, hashes a bitmask of
 * 1 << enum ike_hash) method 14 with RFC 7427's ASN.1 AlgorithmIdentifier
 * in front; otherwise method 1 for RSA (SHA-1, PKCS#1 v1.5) or 9/10/11
 * for ECDSA by curve.
 */
int ike_sig_sign(EVP_PKEY *, bool digital_sig, unsigned int hashes,
    const uint8_t *octets, size_t olen, uint8_t *method, uint8_t *out,
    size_t cap, size_t *outlen);
/* Whether AUTH (method and data) is the signature of octets under the
 * certificate's key; why says what failed. */
bool ike_sig_verify(X509 *, uint8_t method, const uint8_t *data, size_t dlen,
    const uint8_t *octets, size_t olen, const char **why);

/* The store of trusted CAs (PEM files, each one or more certificates). */
X509_STORE *ike_ca_load(const char *const *files, size_t n, char *err,
    size_t errlen);
/* A CERTREQ body (3.7): the SHA-1 of each CA's SubjectPublicKeyInfo,
 * concatenated, as many as fit; returns the length. */
size_t ike_certreq_hashes(X509_STORE *, uint8_t *out, size_t cap);
/* Verifies leaf with intermediates (may be NULL) against the store, for
 * digital signatures; -1 with OpenSSL's reason in err. */
int ike_cert_verify(X509_STORE *, X509 *leaf, STACK_OF(X509) *intermediates,
    char *err, size_t errlen);
/* Whether the ID (type and data as in the ID payload) names the
 * certificate: its subject DN (DER compared), or one of its
 * subjectAltNames of the same kind (dNSName, rfc822Name, iPAddress). */
bool ike_cert_id_match(X509 *, uint8_t idtype, const uint8_t *, size_t);
/* The hashes moat offers in SIGNATURE_HASH_ALGORITHMS, as a payload body
 * (2-byte numbers); returns the length. */
size_t ike_sig_hashes(uint8_t *out, size_t cap);

/* The ID payload's text form for logs and configuration: FQDN (with a
 * leading '@' where the bare name would read as another type), user@fqdn,
 * an address, "@#hex" for a KEY_ID, or a DN in DER order as strongSwan
 * writes it, "C=CH, O=moat, CN=gw" (RFC 4514 escapes; bytes outside
 * printable ASCII as \XX). -1 if buf is short or the data is malformed. */
int ike_id_print(uint8_t idtype, const uint8_t *, size_t, char *, size_t);
/* The other way: strongSwan's rules, "@#hex" a KEY_ID, a leading '@'
 * forces FQDN, an address is IPV4_ADDR/IPV6_ADDR, with '=' a DN, with
 * '@' RFC822_ADDR, else FQDN. data gets the ID payload's bytes;
 * parse(print(x)) gives x back for every x that parse made. */
int ike_id_parse(const char *, uint8_t *idtype, uint8_t *data, size_t cap,
    size_t *len);
/* The same with the reason for a refusal, for configuration errors. */
int ike_id_parse_why(const char *, uint8_t *idtype, uint8_t *data,
    size_t cap, size_t *len, const char **why);
/* Whether two IDs are the same: FQDN and RFC822_ADDR without regard to
 * ASCII case, DNs by X509_NAME_cmp (RFC 5280 7.1's comparison, so a
 * PrintableString and a UTF8String of the same text are one), anything
 * else byte for byte. For a configured ID against a peer's. */
bool ike_id_eq(uint8_t at, const uint8_t *a, size_t alen, uint8_t bt,
    const uint8_t *b, size_t blen);

#endif
