/*
 * Fuzz ike_sk_open: the first byte picks an algorithm (every SK
 * transform moat has) and what to do; the rest is a whole IKE message
 * whose SK payload starts after the header (or, with bit 7 set, at an
 * offset the second byte gives), in a buffer of exactly its size, opened
 * into a buffer of exactly the room it asks for. Half the inputs are
 * sealed first as an inner chain and must open back to themselves.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct ike_suite suites[] = {
	{ IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_ECP256 },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_PRF_HMAC_SHA2_256, 0,
	    IKE_DH_ECP256 },
	{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256,
	    IKE_INTEG_HMAC_SHA1_96, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256,
	    IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_CBC, 192, IKE_PRF_HMAC_SHA2_256,
	    IKE_INTEG_HMAC_SHA2_384_192, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
	    IKE_INTEG_HMAC_SHA2_512_256, IKE_DH_ECP256 },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

/* The harness's own contexts, made once: keyed EVP contexts are what
 * ike_sk keeps, and making them per input would be all the fuzzer did. */
static struct ike_sk *ctx[NSUITES][2]; /* [out, in] */

static void
setup(void)
{
	struct ike_keys k;
	size_t		i;

	for (i = 0; i < NSUITES; i++) {
		memset(&k, 0, sizeof(k));
		k.prflen = 32;
		k.elen = ike_encr_keylen(suites[i].encr, suites[i].encr_bits);
		k.ilen = ike_integ_keylen(suites[i].integ);
		memset(k.sk_ei, 0x11, k.elen);
		memset(k.sk_ai, 0x22, k.ilen);
		ctx[i][0] = ike_sk_new(&suites[i], &k, true, true);
		ctx[i][1] = ike_sk_new(&suites[i], &k, false, false);
		if (ctx[i][0] == NULL || ctx[i][1] == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_hdr h = { 0x0102030405060708ULL, 0x1112131415161718ULL, 0,
		IKE_VERSION, IKE_AUTH, IKE_F_INITIATOR, 1, 0 };
	uint8_t	      *msg = NULL, *plain = NULL;
	size_t	       len, plen, off = IKE_HDR_LEN, cap, i;
	const char    *why;
	unsigned       k;
	bool	       seal;
	int	       rc;

	if (ctx[0][0] == NULL)
		setup();
	if (size < 2 || size > IKE_MSG_MAX)
		return 0;
	k = data[0] % (2 * NSUITES);
	seal = k >= NSUITES;
	i = k % NSUITES;
	if (seal) {
		len = size - 1;
		cap = IKE_HDR_LEN + ike_sk_overhead(ctx[i][0], len) + len;
		if ((msg = malloc(cap)) == NULL)
			abort();
		if (ike_sk_seal(ctx[i][0], &h, IKE_PT_IDI, data + 1, len, msg,
			cap, &len) != 0 ||
		    len != cap)
			abort();
	} else {
		if (data[0] & 0x80)
			off = data[1];
		len = size - 1;
		if ((msg = malloc(len)) == NULL)
			abort();
		memcpy(msg, data + 1, len);
	}
	/* Exactly the ciphertext's room, at least one byte for malloc. */
	cap = len > off + 4 ? len - off - 4 : 1;
	if ((plain = malloc(cap)) == NULL)
		abort();
	why = NULL;
	rc = ike_sk_open(ctx[i][1], msg, len, off, plain, cap, &plen, &why);
	if (rc == 0) {
		if (plen > cap || why != NULL)
			abort();
		if (seal && (plen != size - 1 ||
				(plen != 0 && memcmp(plain, data + 1, plen) != 0)))
			abort(); /* sealed must open to itself */
	} else if (seal || why == NULL)
		abort();
	free(plain);
	free(msg);
	return 0;
}
