/*
 * What IKEv2 signs and MACs (RFC 7296 section 2.15): the octets, and the
 * AUTH value of a pre-shared key.
 *
 * The octets are the signer's IKE_SA_INIT message, the peer's nonce, and
 * prf(SK_px, IDx') where IDx' is the signer's ID payload body (type,
 * three reserved bytes and data). A PSK's AUTH is
 * prf(prf(Shared Secret, "Key Pad for IKEv2"), octets); the pad string
 * is 17 ASCII bytes without a terminator (2.15).
 */
#include <openssl/crypto.h>
#include <stdint.h>
#include <string.h>

#include "auth.h"

static const char keypad[] = "Key Pad for IKEv2";

int
ike_auth_octets(uint16_t prf, const uint8_t *msg, size_t mlen,
    const uint8_t *nonce, size_t nlen, const uint8_t *skp, size_t skplen,
    const uint8_t *idbody, size_t idlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t plen = ike_prf_len(prf);

	if (plen == 0 || mlen > cap || nlen > cap - mlen ||
	    plen > cap - mlen - nlen)
		return -1;
	memcpy(out, msg, mlen);
	memcpy(out + mlen, nonce, nlen);
	if (ike_prf(prf, skp, skplen, idbody, idlen, out + mlen + nlen) == -1)
		return -1;
	*outlen = mlen + nlen + plen;
	return 0;
}

int
ike_auth_psk(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *octets, size_t olen, uint8_t *out)
{
	uint8_t key[IKE_PRF_MAX];
	size_t	plen = ike_prf_len(prf);
	int	rc = -1;

	if (plen == 0 || plen > sizeof(key))
		return -1;
	if (ike_prf(prf, psk, psklen, (const uint8_t *)keypad,
		sizeof(keypad) - 1, key) == -1)
		goto out;
	if (ike_prf(prf, key, plen, octets, olen, out) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

bool
ike_auth_psk_ok(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *octets, size_t olen, const uint8_t *auth, size_t alen)
{
	uint8_t want[IKE_PRF_MAX];
	size_t	plen = ike_prf_len(prf);
	bool	good = false;

	if (plen == 0 || plen > sizeof(want) || alen != plen)
		return false;
	if (ike_auth_psk(prf, psk, psklen, octets, olen, want) == 0)
		good = CRYPTO_memcmp(want, auth, plen) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return good;
}
