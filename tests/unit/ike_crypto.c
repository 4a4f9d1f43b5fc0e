/*
 * IKEv2's cryptography (prf.c, dh.c, keys.c, sk.c): published known
 * answers, values computed independently of moat, and behaviour.
 *
 * Vectors:
 *  - HMAC-SHA-256/384/512 as PRFs: RFC 4231 section 4, test cases 1-4, 6
 *    and 7 (5 is truncation, which a PRF never does). Transcribed from
 *    CPython's Lib/test/test_hmac.py, which quotes the RFC case by case.
 *  - X25519: RFC 7748 5.2 (both scalar/u-coordinate pairs) and 6.1
 *    (Alice's and Bob's keys and K).
 *  - ECP-256 and ECP-384: RFC 5903 8.1 and 8.2 (i, g^i, r, g^r, g^ir x).
 *  - MODP 2048: RFC 3526 section 3's prime, checked against the RFC's
 *    formula with python integers when written.
 *  Each curve vector was also checked with python3's `cryptography`
 *  (48.0.0) when this file was written.
 *  - prf+, IKE_SA keys, KEYMAT and the SK payloads: literal bytes printed
 *    by tests/unit/ike_crypto_vectors.py, which writes RFC 7296 2.13,
 *    2.14, 2.17, 2.18 and 3.14 out with python's hmac/hashlib and seals
 *    with `cryptography`'s AESGCM, ChaCha20Poly1305 and AES-CBC (the
 *    independent implementation: moat's output must equal it, and moat
 *    must open what it sealed, odd padding included).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "dh_int.h"
#include "tap.h"
#include "wire.h"

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	int    hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue; /* spaces between groups */
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static bool
eqhex(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[4096];
	size_t	n = unhex(want, w);

	if (n != len) {
		diag("  length %zu, want %zu", len, n);
		return false;
	}
	if (memcmp(got, w, n) != 0) {
		size_t i;

		printf("#   got ");
		for (i = 0; i < len; i++)
			printf("%02x", got[i]);
		printf("\n");
		return false;
	}
	return true;
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* ---- Vectors printed by ike_crypto_vectors.py ---------------------- */

static const char prfplus_sha256[] =
    "9dd590e54ceb1bafffcf5b84ee3cde0755f34d81a3f392a158bc3a75062372a2"
    "792b79e2d3f7b2d035e2c022f23264a3a7ce93e0208b11e89c15cc0e0312b021"
    "505f88ffe7b4b6a1c214a5faa8f09624c7e39c8edade32e48736e95b38215382"
    "4cb878e23ebc4068ebd180de8c081ca8042adbb9554e8fb367b66a615843a26e"
    "09526aeb0ba625e19565bb960daf427fb1904c47b39afec7c6905605376f9693"
    "e2c1d115df1a5b9e31165017fd8d9a09a8a1106b04520774c02e7ca7562e53f6"
    "6256dcdd7b25990a";
static const char prfplus_sha1[] =
    "fc6692ab20a215e10da622ae9d0ef252d290c5ce2afc818987d1e9bc79a29768"
    "2ff6f32fef1553343273ad9e5d";
static const char keys_a[] =
    "8f1d018c065b46a7eb46258dd7029bcb5c3991cbc21b7005b205f837071b942d"
    "e9eba8debeb04247420f5c454fa8203e37f82c7030b98c06dc0dd21b12f7bf5e"
    "f94718c64daba2deb8bb3d3c6f5c15b4831cc7c78c4c4ad0d2874d7279bf2872"
    "e9ce9744b75dfac52e2ef2e3a0e312c8d531bf31a50324ebe5f707c32f28bdcb"
    "82ffc20856806932";
static const char keys_b[] =
    "1edf1961113c76af3bcf9b2ac04526242b9dec010fd79114bf513dea99e7a666"
    "3ae932901ac65788132c1d70624eaaa246cdbbe006cf1b6a64905b6cc1fb1d38"
    "b7a86c205829875e9f59024a341d2d7c0b7274192001073b96566f89bdeb7990"
    "7af822782c648add3d83f27c60c4588c5b2b339e7480de13bfb04a5e9b98b336"
    "4e1416d0233bf575f970263aa41c6acf2b11fb0b1b5af93908dfa3ff0a581222"
    "1b1caa76f09246a80dbfdba1694e4b476e26199053c37bef3ca8e49242fad1df"
    "2a7835425e446300cd779baf506f8b40bf9f8e9d656e156182159b120a5f7355"
    "cbae01b2aef318f7f6cce7ff3c06add32d9078cf7cd3c6cd8455dc23e988ef33"
    "1e0df235a12f0cd421577e9713e35f95ccfe5d5c7d345ea206c118c3b8af8695"
    "9c11e78c2c882eb2710f5149943b60b73ce4eb02217a6e29f1307a13e89dc460";
static const char keys_c[] =
    "5dd9433d041c2128469c668f4c4415670ce374877e5c4e37e211c8bdd6c935b8"
    "e415c4f0fb6963a07491fa6a6f8d7266f8367aa048c7e050069cd96e86578087"
    "d481fc9687286df0cea9ab1d1bf767caf0aefa7227c771b88194fae3c31cbc50"
    "03d5ef2da3a88065dbb2c5a119321e739bdd5a47abbf389cb8c81b91fce709e9"
    "e425b67118e949af20224999a2d00d2ad9e00a45e96528fd321fc06a65ea6c38"
    "819b3b9720d4b8edef4c41fdd6152caa13f9d5a85199e4d44f0048cc5fd0b71a"
    "da4d68e138682eb494e6d841aeacc8790b4e4300beb3c6d2";
static const char keys_d[] =
    "99859417ac8545598bd68a4e06060da07c3d46b5437eaaa7f88759463a298984"
    "3e6eefae935b261fd72f237d83faf19dca350821c11d8c107ebe34fbd4c0551d"
    "2039a8c8f4de7bb91ba123528a314637151e3526d370a7bf0134974b1db1fcb5"
    "bed50283b5544b3e939bf636b56fec06a824add465b037a0bca737eaead91c1a"
    "d7c6c76a";
static const char keymat_nopfs[] =
    "6911276792ddd4c7fe74a82548b6a0d1d8fbd698efaa354aa123963256a444ea"
    "d33d0846256eb3cf";
static const char keymat_pfs[] =
    "d86856b9ad14df3ecb5e49349c1c2b84f5441ddbbdabe63f474dfc98fc27b230"
    "7285f0cb4abfee91017ad490c7b1122356f99ddefb318ede075eeb584ae70008"
    "e7eac230253829f54d6287f411493063c2e3e1ff489f6fd3401ab012bde89ee7"
    "2de6979977be3dc91693a078824c2ff6ffc70c5f69824f5a4622fb5eae6e16e2";
static const char sk_gcm128_1[] =
    "010203040506070811121314151617182e202308000000010000005e23000042"
    "0000000000000000c380f63afed05bb71a6012e673aa7ba78d892c5353645456"
    "14ab02de3db9917e8d207ebbe6eccd6f13ac52f87096c951e3eb3ed6d274";
static const char sk_gcm128_2[] =
    "010203040506070811121314151617182e202308000000020000005e23000042"
    "0000000000000001565a8987980f2d6fafd2e0f08b4aebeefd564dca6e6e0ced"
    "250df468d1e94b4520281fff4a704b9b94693120e0f785f15a173ad140a1";
static const char sk_gcm256_1[] =
    "010203040506070811121314151617182e202308000000010000005e23000042"
    "000000000000000081efa3251f7b0136a1e9d1c8c5c3bced8f00cd075429e9f2"
    "0cf90b7b887f2b919bfeec88877935604f366d33d884297bb28158ffed01";
static const char sk_chacha_1[] =
    "010203040506070811121314151617182e202308000000010000005e23000042"
    "00000000000000003216120212af753a87d42802f44f78a729186200331114d0"
    "6f652789f345922549df3c2201e4be991c7516a4873a9f741da8dd9bc47d";
static const char sk_chacha_2[] =
    "010203040506070811121314151617182e202308000000020000005e23000042"
    "0000000000000001291ba2d1c044ab759e95cc158cf0ee34f0c6c24b5182a3d4"
    "539bf98c7a7e5e97ccdf0cdf014b594c18414f09a8af1697fc50510103fb";
static const char sk_gcm128_pad[] =
    "010203040506070811121314151617182e202308000000070000006123000045"
    "00000000000000637f3367cc272084d46410216ea9599fc8a77174056b71b4c8"
    "20d8dd172348a53bd806f95e805fe10e88caf630fb67c430ee0edcf8f4b8dd6a"
    "49";
static const char sk_cbc128_sha256[] =
    "010203040506070811121314151617182e202308000000010000008023000064"
    "777777777777777777777777777777777ee17587df70658529600a4ed5038e76"
    "c4f29dd808cfad11d38739975e0e0d3d1aacc5fa31e37b94034c5e62e0ed778d"
    "11722b6b2bdc1070cbd5c8c2f0e362b149cf7ca412270b76e09a7767e578c4f7";

/* ---- PRF: RFC 4231 ------------------------------------------------- */

struct hmac_kat {
	const char *what;
	const char *key; /* hex */
	const char *data; /* hex */
	const char *sha256, *sha384, *sha512;
};

#define AA131 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaa"

static const struct hmac_kat hmac_kats[] = {
	{ "RFC 4231 4.2 (case 1)", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "4869205468657265",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	    "faea9ea9076ede7f4af152e8b2fa9cb6",
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
	{ "RFC 4231 4.3 (case 2)", "4a656665",
	    "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	    "8e2240ca5e69e2c78b3239ecfab21649",
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ "RFC 4231 4.4 (case 3)", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	    "dddddddddddddddddddddddddddddddddddd",
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	    "2a5ab39dc13814b94e3ab6e101a34f27",
	    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	    "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb" },
	{ "RFC 4231 4.5 (case 4)",
	    "0102030405060708090a0b0c0d0e0f10111213141516171819",
	    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	    "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	    "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	    "6801dd23c4a7d679ccf8a386c674cffb",
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ "RFC 4231 4.7 (case 6)", AA131,
	    /* "Test Using Larger Than Block-Size Key - Hash Key First" */
	    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
	    "65204b6579202d2048617368204b6579204669727374",
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	    "0c2ef6ab4030fe8296248df163f44952",
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
	{ "RFC 4231 4.8 (case 7)", AA131,
	    /* "This is a test using a larger than block-size key and a
	     * larger than block-size data. The key needs to be hashed
	     * before being used by the HMAC algorithm." */
	    "5468697320697320612074657374207573696e672061206c6172676572207468"
	    "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
	    "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
	    "647320746f20626520686173686564206265666f7265206265696e6720757365"
	    "642062792074686520484d414320616c676f726974686d2e",
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	    "a678cc31e799176d3860e6110c46523e",
	    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	    "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
};

static void
test_prf(void)
{
	uint8_t key[256], data[256], out[IKE_PRF_MAX];
	size_t	i, j, klen, dlen;
	static const uint16_t prfs[3] = { IKE_PRF_HMAC_SHA2_256,
		IKE_PRF_HMAC_SHA2_384, IKE_PRF_HMAC_SHA2_512 };

	for (i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
		const struct hmac_kat *t = &hmac_kats[i];
		const char	      *want[3] = { t->sha256, t->sha384,
			      t->sha512 };

		klen = unhex(t->key, key);
		dlen = unhex(t->data, data);
		for (j = 0; j < 3; j++) {
			memset(out, 0, sizeof(out));
			is_int(ike_prf(prfs[j], key, klen, data, dlen, out), 0,
			    "prf %u: %s", prfs[j], t->what);
			ok(eqhex(out, ike_prf_len(prfs[j]), want[j]),
			    "prf %u: %s: RFC 4231's output", prfs[j], t->what);
		}
	}
	is_int(ike_prf_len(IKE_PRF_HMAC_SHA1), 20, "prf_len sha1");
	is_int(ike_prf_len(IKE_PRF_HMAC_SHA2_256), 32, "prf_len sha256");
	is_int(ike_prf_len(IKE_PRF_HMAC_SHA2_384), 48, "prf_len sha384");
	is_int(ike_prf_len(IKE_PRF_HMAC_SHA2_512), 64, "prf_len sha512");
	is_int(ike_prf_len(4), 0, "prf_len of AES-XCBC: unknown");
	is_int(ike_prf(4, key, 16, data, 16, out), -1, "prf 4 refused");
	/* RFC 2202 3, case 1 for HMAC-SHA-1 (key 0x0b x 20, "Hi There"). */
	memset(key, 0x0b, 20);
	ike_prf(IKE_PRF_HMAC_SHA1, key, 20, (const uint8_t *)"Hi There", 8,
	    out);
	ok(eqhex(out, 20, "b617318655057264e28bc0b6fb378c8ef146be00"),
	    "prf sha1: RFC 2202 case 1");
}

static void
test_prfplus(void)
{
	uint8_t key[32], seed[64], out[255 * 64 + 1], t1[32], t2[32];
	uint8_t buf[128];
	size_t	i;

	for (i = 0; i < 32; i++) {
		key[i] = (uint8_t)i;
		seed[i] = (uint8_t)(0xa0 + i);
	}
	is_int(ike_prfplus(IKE_PRF_HMAC_SHA2_256, key, 32, seed, 32, out, 200),
	    0, "prf+ sha256, 200 bytes");
	ok(eqhex(out, 200, prfplus_sha256), "prf+ sha256: python's bytes");
	/* 2.13 spelled out with ike_prf (itself checked on RFC 4231):
	 * T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02). */
	memcpy(buf, seed, 32);
	buf[32] = 1;
	ike_prf(IKE_PRF_HMAC_SHA2_256, key, 32, buf, 33, t1);
	ok(memcmp(out, t1, 32) == 0, "prf+ block 1 is prf(K, S | 0x01)");
	memcpy(buf, t1, 32);
	memcpy(buf + 32, seed, 32);
	buf[64] = 2;
	ike_prf(IKE_PRF_HMAC_SHA2_256, key, 32, buf, 65, t2);
	ok(memcmp(out + 32, t2, 32) == 0,
	    "prf+ block 2 is prf(K, T1 | S | 0x02)");
	memset(buf, 0, sizeof(buf));
	ike_prfplus(IKE_PRF_HMAC_SHA2_256, key, 32, seed, 32, buf, 7);
	ok(memcmp(buf, out, 7) == 0 && buf[7] == 0,
	    "prf+ of 7 bytes is the first 7, nothing past");
	is_int(ike_prfplus(IKE_PRF_HMAC_SHA1, key, 20,
		   (const uint8_t *)"seed", 4, out, 45),
	    0, "prf+ sha1, 45 bytes");
	ok(eqhex(out, 45, prfplus_sha1), "prf+ sha1: python's bytes");
	is_int(ike_prfplus(IKE_PRF_HMAC_SHA2_512, key, 32, seed, 32, out,
		   255 * 64),
	    0, "prf+ of 255 blocks");
	is_int(ike_prfplus(IKE_PRF_HMAC_SHA2_512, key, 32, seed, 32, out,
		   255 * 64 + 1),
	    -1, "prf+ of more than 255 blocks refused (2.13)");
	is_int(ike_prfplus(99, key, 32, seed, 32, out, 16), -1,
	    "prf+ of an unknown PRF refused");
	is_int(ike_prfplus(IKE_PRF_HMAC_SHA2_256, NULL, 0, NULL, 0, out, 32),
	    0, "prf+ with empty key and seed");
}

static void
test_suite(void)
{
	struct {
		struct ike_suite s;
		bool		 ok;
	} t[] = {
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, 0,
		      IKE_DH_CURVE25519 },
		    true },
		{ { IKE_ENCR_AES_GCM_16, 192, IKE_PRF_HMAC_SHA2_256, 0,
		      IKE_DH_ECP256 },
		    true },
		{ { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_PRF_HMAC_SHA2_512, 0,
		      IKE_DH_MODP2048 },
		    true },
		{ { IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_384,
		      IKE_INTEG_HMAC_SHA2_384_192, IKE_DH_ECP384 },
		    true },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1,
		      IKE_INTEG_HMAC_SHA1_96, IKE_DH_MODP2048 },
		    true },
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256,
		      IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_CURVE25519 },
		    false },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, 0,
		      IKE_DH_CURVE25519 },
		    false },
		{ { IKE_ENCR_AES_GCM_16, 64, IKE_PRF_HMAC_SHA2_256, 0,
		      IKE_DH_CURVE25519 },
		    false },
		{ { IKE_ENCR_CHACHA20_POLY1305, 256, IKE_PRF_HMAC_SHA2_256, 0,
		      IKE_DH_CURVE25519 },
		    false },
		{ { IKE_ENCR_AES_GCM_16, 128, 4, 0, IKE_DH_CURVE25519 },
		    false },
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, 0, 15 },
		    false },
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, 0, 0 },
		    false },
		{ { 3, 192, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA1_96,
		      IKE_DH_CURVE25519 },
		    false },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, 5,
		      IKE_DH_CURVE25519 },
		    false },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		is_int(ike_suite_ok(&t[i].s), t[i].ok,
		    "suite_ok %u/%u %u %u %u: %s", t[i].s.encr,
		    t[i].s.encr_bits, t[i].s.prf, t[i].s.integ, t[i].s.dh,
		    t[i].ok ? "yes" : "no");
	ok(ike_encr_aead(IKE_ENCR_AES_GCM_16) &&
		ike_encr_aead(IKE_ENCR_CHACHA20_POLY1305) &&
		!ike_encr_aead(IKE_ENCR_AES_CBC) && !ike_encr_aead(0),
	    "encr_aead: GCM and ChaCha20-Poly1305 only");
	ok(ike_integ_keylen(IKE_INTEG_HMAC_SHA1_96) == 20 &&
		ike_integ_keylen(IKE_INTEG_HMAC_SHA2_256_128) == 32 &&
		ike_integ_keylen(IKE_INTEG_HMAC_SHA2_384_192) == 48 &&
		ike_integ_keylen(IKE_INTEG_HMAC_SHA2_512_256) == 64 &&
		ike_integ_keylen(IKE_INTEG_NONE) == 0,
	    "integ_keylen 20/32/48/64/0");
	ok(ike_encr_keylen(IKE_ENCR_AES_GCM_16, 128) == 20 &&
		ike_encr_keylen(IKE_ENCR_AES_GCM_16, 256) == 36 &&
		ike_encr_keylen(IKE_ENCR_CHACHA20_POLY1305, 0) == 36 &&
		ike_encr_keylen(IKE_ENCR_AES_CBC, 192) == 24 &&
		ike_encr_keylen(IKE_ENCR_AES_CBC, 0) == 0,
	    "encr_keylen: salt for the AEADs, none for CBC");
}

/* ---- Key exchange --------------------------------------------------- */

static void
check_shared(uint16_t group, const char *priv, const char *pub,
    const char *peer, const char *want, const char *what)
{
	uint8_t	       p[128], q[128], r[128], out[IKE_DH_MAX], mine[IKE_DH_MAX];
	size_t	       plen = unhex(priv, p), qlen = 0, rlen = unhex(peer, r);
	size_t	       len = 0;
	const char    *why = NULL;
	struct ike_dh *dh;

	if (pub != NULL)
		qlen = unhex(pub, q);
	dh = ike_dh_new_key(group, p, plen, pub != NULL ? q : NULL, qlen);
	if (!ok(dh != NULL, "%s: key imported", what))
		return;
	is_int(ike_dh_group(dh), group, "%s: group", what);
	if (pub != NULL) {
		ok(ike_dh_public(dh, mine, sizeof(mine), &len) == 0 &&
			len == qlen && memcmp(mine, q, qlen) == 0,
		    "%s: our public value as given", what);
	}
	ok(ike_dh_shared(dh, r, rlen, out, sizeof(out), &len, &why) == 0,
	    "%s: shared secret", what);
	if (why != NULL)
		diag("  why: %s", why);
	ok(eqhex(out, len, want), "%s: the vector's shared secret", what);
	ike_dh_free(dh);
}

static void
test_x25519(void)
{
	uint8_t	       pub[32], out[64], peer[32];
	size_t	       len;
	const char    *why;
	struct ike_dh *dh;
	size_t	       i;
	static const char *const small[] = {
		/* u = 0, 1 and p-1 (little-endian): results all zero */
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		/* p itself, non-canonical 0 (RFC 7748 5: taken mod p) */
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};

	/* RFC 7748 5.2 */
	check_shared(IKE_DH_CURVE25519,
	    "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	    NULL,
	    "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	    "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
	    "X25519 RFC 7748 5.2 first");
	check_shared(IKE_DH_CURVE25519,
	    "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	    NULL,
	    "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	    "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
	    "X25519 RFC 7748 5.2 second (high bit of u set)");
	/* RFC 7748 6.1: both sides, and the public values */
	check_shared(IKE_DH_CURVE25519,
	    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    NULL,
	    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	    "X25519 RFC 7748 6.1 Alice");
	check_shared(IKE_DH_CURVE25519,
	    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	    NULL,
	    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	    "X25519 RFC 7748 6.1 Bob");
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    peer);
	dh = ike_dh_new_key(IKE_DH_CURVE25519, peer, 32, NULL, 0);
	ok(dh != NULL && ike_dh_public(dh, pub, sizeof(pub), &len) == 0 &&
		eqhex(pub, len,
		    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
	    "X25519 RFC 7748 6.1: Alice's public key");
	is_int(ike_dh_public(dh, pub, 31, &len), -1,
	    "X25519 public: 31 bytes of room refused");
	for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		unhex(small[i], peer);
		why = NULL;
		is_int(ike_dh_shared(dh, peer, 32, out, sizeof(out), &len,
			   &why),
		    -1, "X25519 small-order peer %zu refused", i);
		ok(why != NULL, "X25519 small-order peer %zu: why is set", i);
		if (why != NULL)
			diag("  why: %s", why);
	}
	why = NULL;
	is_int(ike_dh_shared(dh, peer, 31, out, sizeof(out), &len, &why), -1,
	    "X25519 31-byte peer value refused");
	ok(why != NULL, "X25519 short: why is set");
	is_int(ike_dh_shared(dh, peer, 33, out, sizeof(out), &len, &why), -1,
	    "X25519 33-byte peer value refused");
	is_int(ike_dh_new_key(IKE_DH_CURVE25519, peer, 31, NULL, 0) == NULL,
	    1, "X25519: a 31-byte private key does not import");
	ike_dh_free(dh);
}

struct ecp_kat {
	uint16_t    group;
	const char *what, *i, *gix, *giy, *r, *grx, *gry, *girx;
};

/* RFC 5903 8.1 and 8.2 */
static const struct ecp_kat ecp_kats[] = {
	{ IKE_DH_ECP256, "ECP-256 RFC 5903 8.1",
	    "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 "
	    "862D1433",
	    "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 "
	    "72581180",
	    "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 "
	    "B8990BB3",
	    "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 "
	    "476BEE53",
	    "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 "
	    "4494BF63",
	    "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 "
	    "039872AB",
	    "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 "
	    "4B9442DE" },
	{ IKE_DH_ECP384, "ECP-384 RFC 5903 8.2",
	    "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 "
	    "14DCE655 E35B5380 41E649EE 3FAEF896 783AB194",
	    "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 "
	    "B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA",
	    "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 "
	    "35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
	    "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD "
	    "A0AA2942 E0308312 916B8ED2 960E4BD5 5A7448FC",
	    "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 "
	    "32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571",
	    "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 "
	    "759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
	    "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E "
	    "7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746" },
};

static void
test_ecp(void)
{
	char	       gi[512], gr[512], what[96];
	uint8_t	       pt[96], out[64];
	size_t	       i, n, len, plen;
	const char    *why;
	struct ike_dh *dh;

	for (i = 0; i < sizeof(ecp_kats) / sizeof(ecp_kats[0]); i++) {
		const struct ecp_kat *t = &ecp_kats[i];

		snprintf(gi, sizeof(gi), "%s%s", t->gix, t->giy);
		snprintf(gr, sizeof(gr), "%s%s", t->grx, t->gry);
		snprintf(what, sizeof(what), "%s initiator", t->what);
		check_shared(t->group, t->i, gi, gr, t->girx, what);
		snprintf(what, sizeof(what), "%s responder", t->what);
		check_shared(t->group, t->r, gr, gi, t->girx, what);

		/* Points off the curve: each of g^r's coordinates
		 * changed in its last bit, (0, 0), all ones (past p). */
		dh = ike_dh_new(t->group);
		plen = ike_dh_publen(t->group);
		is_int(plen, t->group == IKE_DH_ECP256 ? 64 : 96,
		    "%s: publen", t->what);
		for (n = 0; n < 4; n++) {
			unhex(gr, pt);
			switch (n) {
			case 0:
				pt[plen - 1] ^= 1; /* y */
				break;
			case 1:
				pt[plen / 2 - 1] ^= 1; /* x */
				break;
			case 2:
				memset(pt, 0, plen);
				break;
			case 3:
				memset(pt, 0xff, plen);
				break;
			}
			why = NULL;
			is_int(ike_dh_shared(dh, pt, plen, out, sizeof(out),
				   &len, &why),
			    -1, "%s: point %zu off the curve refused",
			    t->what, n);
			ok(why != NULL, "%s: point %zu: why is set", t->what,
			    n);
			if (why != NULL)
				diag("  why: %s", why);
		}
		unhex(gr, pt);
		is_int(ike_dh_shared(dh, pt, plen - 1, out, sizeof(out), &len,
			   &why),
		    -1, "%s: short KE data refused", t->what);
		is_int(ike_dh_shared(dh, pt, plen, out, plen / 2 - 1, &len,
			   &why),
		    -1, "%s: no room for the secret refused", t->what);
		is_int(ike_dh_shared(dh, pt, plen, out, sizeof(out), &len,
			   &why),
		    0, "%s: the untouched point is fine", t->what);
		is_int(len, plen / 2, "%s: secret is x, %zu bytes", t->what,
		    plen / 2);
		ike_dh_free(dh);
	}
}

/* RFC 3526 3 */
static const char modp2048_p[] =
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74"
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437"
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed"
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05"
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb"
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b"
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";

static void
test_modp(void)
{
	uint8_t	       y[256], out[IKE_DH_MAX];
	size_t	       len, i;
	const char    *why;
	struct ike_dh *dh = ike_dh_new(IKE_DH_MODP2048);
	const char    *names[] = { "0", "1", "p-1", "p", "p+1", "2^2048-1" };

	if (!ok(dh != NULL, "modp2048: key generated"))
		return;
	is_int(ike_dh_publen(IKE_DH_MODP2048), 256, "modp2048: publen 256");
	for (i = 0; i < 6; i++) {
		memset(y, 0, sizeof(y));
		switch (i) {
		case 0:
			break;
		case 1:
			y[255] = 1;
			break;
		case 2:
			unhex(modp2048_p, y);
			y[255] -= 1;
			break;
		case 3:
			unhex(modp2048_p, y);
			break;
		case 4:
			unhex(modp2048_p, y);
			memset(y + 248, 0, 8);
			y[247] += 1;
			break;
		case 5:
			memset(y, 0xff, sizeof(y));
			break;
		}
		why = NULL;
		is_int(ike_dh_shared(dh, y, 256, out, sizeof(out), &len, &why),
		    -1, "modp2048: y = %s refused (RFC 6989)", names[i]);
		/* moat's own range check, not only OpenSSL's at derive */
		ok(why != NULL && strstr(why, "MODP public value is") != NULL,
		    "modp2048: y = %s: moat's range check says why", names[i]);
		if (why != NULL)
			diag("  why: %s", why);
	}
	/* p-2 and 2 are in range (2 generates the q-order subgroup). */
	unhex(modp2048_p, y);
	y[255] -= 2;
	why = NULL;
	is_int(ike_dh_shared(dh, y, 256, out, sizeof(out), &len, &why), -1,
	    "modp2048: y = p-2 (order 2q, outside the subgroup) refused by "
	    "OpenSSL's check");
	memset(y, 0, sizeof(y));
	y[255] = 2;
	is_int(ike_dh_shared(dh, y, 256, out, sizeof(out), &len, &why), 0,
	    "modp2048: y = 2 accepted");
	is_int(len, 256, "modp2048: secret padded to 256 bytes");
	is_int(ike_dh_shared(dh, y, 255, out, sizeof(out), &len, &why), -1,
	    "modp2048: 255-byte value refused");
	is_int(ike_dh_shared(dh, y, 256, out, 255, &len, &why), -1,
	    "modp2048: no room for the secret");
	ike_dh_free(dh);
}

static void
test_agree(void)
{
	static const uint16_t groups[] = { IKE_DH_CURVE25519, IKE_DH_ECP256,
		IKE_DH_ECP384, IKE_DH_MODP2048 };
	static const size_t   seclen[] = { 32, 32, 48, 256 };
	uint8_t		      pa[IKE_DH_MAX], pb[IKE_DH_MAX];
	uint8_t		      sa[IKE_DH_MAX], sb[IKE_DH_MAX];
	size_t		      la, lb, ka, kb, i, round;
	const char	     *why;

	for (i = 0; i < 4; i++)
		for (round = 0; round < 3; round++) {
			struct ike_dh *a = ike_dh_new(groups[i]);
			struct ike_dh *b = ike_dh_new(groups[i]);

			if (!ok(a != NULL && b != NULL,
				"group %u round %zu: two keys", groups[i],
				round)) {
				ike_dh_free(a);
				ike_dh_free(b);
				continue;
			}
			ok(ike_dh_public(a, pa, sizeof(pa), &la) == 0 &&
				ike_dh_public(b, pb, sizeof(pb), &lb) == 0 &&
				la == ike_dh_publen(groups[i]) && lb == la,
			    "group %u round %zu: public values of %zu bytes",
			    groups[i], round, ike_dh_publen(groups[i]));
			ok(memcmp(pa, pb, la) != 0,
			    "group %u round %zu: the two differ", groups[i],
			    round);
			ok(ike_dh_shared(a, pb, lb, sa, sizeof(sa), &ka,
			       &why) == 0 &&
				ike_dh_shared(b, pa, la, sb, sizeof(sb), &kb,
				    &why) == 0,
			    "group %u round %zu: both derive", groups[i],
			    round);
			ok(ka == seclen[i] && kb == ka &&
				memcmp(sa, sb, ka) == 0,
			    "group %u round %zu: they agree on %zu bytes",
			    groups[i], round, seclen[i]);
			ike_dh_free(a);
			ike_dh_free(b);
		}
	ok(ike_dh_new(15) == NULL && ike_dh_new(0) == NULL &&
		ike_dh_publen(21) == 0,
	    "unknown groups: no key, no length");
	ike_dh_free(NULL);
}

/* ---- Keys ------------------------------------------------------------ */

static void
fill_inputs(uint8_t *ni, uint8_t *nr, uint8_t *sh32, uint8_t *sh256)
{
	size_t i;

	for (i = 0; i < 32; i++) {
		ni[i] = (uint8_t)(0x10 + i);
		nr[i] = (uint8_t)(0x30 + i);
		sh32[i] = (uint8_t)((i * 7 + 3) & 0xff);
	}
	for (i = 0; i < 256; i++)
		sh256[i] = (uint8_t)((i * 13 + 1) & 0xff);
}

/* The keys in 2.14's order, as prf+ produced them. */
static size_t
concat(const struct ike_keys *k, uint8_t *out)
{
	size_t off = 0;

#define PUT(f, n) (memcpy(out + off, k->f, n), off += n)
	PUT(sk_d, k->prflen);
	PUT(sk_ai, k->ilen);
	PUT(sk_ar, k->ilen);
	PUT(sk_ei, k->elen);
	PUT(sk_er, k->elen);
	PUT(sk_pi, k->prflen);
	PUT(sk_pr, k->prflen);
#undef PUT
	return off;
}

static void
test_keys(void)
{
	uint8_t		 ni[32], nr[32], sh32[32], sh256[256], old[32];
	uint8_t		 all[1024], skd[32];
	struct ike_keys	 k;
	struct ike_suite a = { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256,
		 IKE_INTEG_NONE, IKE_DH_CURVE25519 };
	struct ike_suite b = { IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_512,
		 IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP2048 };
	struct ike_suite c = { IKE_ENCR_CHACHA20_POLY1305, 0,
		 IKE_PRF_HMAC_SHA2_384, IKE_INTEG_NONE, IKE_DH_CURVE25519 };
	struct ike_suite d = { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1,
		 IKE_INTEG_HMAC_SHA1_96, IKE_DH_ECP256 };
	struct ike_suite bad = a;
	const uint64_t	 spi_i = 0x0102030405060708ULL;
	const uint64_t	 spi_r = 0x1112131415161718ULL;
	size_t		 i;

	fill_inputs(ni, nr, sh32, sh256);
	memset(old, 0x55, sizeof(old));

	is_int(ike_keys_derive(&a, sh32, 32, ni, 32, nr, 32, spi_i, spi_r,
		   NULL, 0, &k),
	    0, "keys A: aes128gcm16 prfsha256");
	ok(k.prflen == 32 && k.ilen == 0 && k.elen == 20,
	    "keys A: lengths 32/0/20 (salt in SK_e)");
	ok(eqhex(all, concat(&k, all), keys_a), "keys A: python's bytes");

	is_int(ike_keys_derive(&b, sh256, 256, ni, 32, nr, 32, spi_i, spi_r,
		   NULL, 0, &k),
	    0, "keys B: aes256 sha256 prfsha512, 256-byte secret");
	ok(k.prflen == 64 && k.ilen == 32 && k.elen == 32,
	    "keys B: lengths 64/32/32");
	ok(eqhex(all, concat(&k, all), keys_b), "keys B: python's bytes");

	is_int(ike_keys_derive(&c, sh32, 32, ni, 32, nr, 32, spi_i, spi_r, old,
		   IKE_PRF_HMAC_SHA2_256, &k),
	    0, "keys C: rekey (2.18) from prfsha256 to chacha/prfsha384");
	ok(k.prflen == 48 && k.ilen == 0 && k.elen == 36,
	    "keys C: lengths 48/0/36");
	ok(eqhex(all, concat(&k, all), keys_c), "keys C: python's bytes");

	is_int(ike_keys_derive(&d, sh32, 32, ni, 32, nr, 32, spi_i, spi_r,
		   NULL, 0, &k),
	    0, "keys D: aes128 sha1 prfsha1");
	ok(k.prflen == 20 && k.ilen == 20 && k.elen == 16,
	    "keys D: lengths 20/20/16");
	ok(eqhex(all, concat(&k, all), keys_d), "keys D: python's bytes");

	/* The SPIs go in as network-order bytes: swapping them changes. */
	ike_keys_derive(&a, sh32, 32, ni, 32, nr, 32, spi_r, spi_i, NULL, 0,
	    &k);
	{
		uint8_t want[256];
		size_t	n = unhex(keys_a, want);

		ok(concat(&k, all) == n && memcmp(all, want, n) != 0,
		    "keys A with the SPIs swapped differ");
	}

	bad.integ = IKE_INTEG_HMAC_SHA2_256_128;
	memset(&k, 0xaa, sizeof(k));
	is_int(ike_keys_derive(&bad, sh32, 32, ni, 32, nr, 32, spi_i, spi_r,
		   NULL, 0, &k),
	    -1, "keys: AEAD with integrity refused");
	for (i = 0; i < sizeof(k) && ((uint8_t *)&k)[i] == 0; i++)
		;
	is_int(i, sizeof(k), "keys: refused leaves the struct zeroed");
	is_int(ike_keys_derive(&a, sh32, 32, ni, 32, nr, 32, spi_i, spi_r, old,
		   77, &k),
	    -1, "keys: rekey with an unknown old PRF refused");
	is_int(ike_keys_derive(&a, sh32, 32, ni, IKE_NONCE_MAX + 1, nr, 32,
		   spi_i, spi_r, NULL, 0, &k),
	    -1, "keys: nonce past 256 bytes refused");
	ike_keys_derive(&a, sh32, 32, ni, 32, nr, 32, spi_i, spi_r, NULL, 0,
	    &k);
	ike_keys_wipe(&k);
	for (i = 0; i < sizeof(k) && ((uint8_t *)&k)[i] == 0; i++)
		;
	is_int(i, sizeof(k), "keys_wipe zeroes everything");

	for (i = 0; i < 32; i++)
		skd[i] = (uint8_t)(0x80 + i);
	is_int(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, skd, 32, NULL, 0, ni,
		   32, nr, 32, all, 40),
	    0, "keymat without PFS");
	ok(eqhex(all, 40, keymat_nopfs), "keymat without PFS: python's bytes");
	is_int(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, skd, 32, NULL, 99, ni,
		   32, nr, 32, all, 40),
	    0, "keymat: a NULL secret's length is ignored");
	ok(eqhex(all, 40, keymat_nopfs), "keymat: still without PFS");
	is_int(ike_child_keymat(IKE_PRF_HMAC_SHA2_256, skd, 32, sh32, 32, ni,
		   32, nr, 32, all, 128),
	    0, "keymat with PFS");
	ok(eqhex(all, 128, keymat_pfs), "keymat with PFS: python's bytes");
}

/* ---- SK payload ------------------------------------------------------ */

#define MSGSZ 2048

static const uint8_t sk_salt[4] = { 0xca, 0xfe, 0xba, 0xbe };

struct skalg {
	const char *name;
	uint16_t    encr, bits, integ;
	size_t	    icv; /* bytes */
};

static const struct skalg skalgs[] = {
	{ "aes128gcm16", IKE_ENCR_AES_GCM_16, 128, 0, 16 },
	{ "aes192gcm16", IKE_ENCR_AES_GCM_16, 192, 0, 16 },
	{ "aes256gcm16", IKE_ENCR_AES_GCM_16, 256, 0, 16 },
	{ "chacha20poly1305", IKE_ENCR_CHACHA20_POLY1305, 0, 0, 16 },
	{ "aes128-sha1", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 12 },
	{ "aes128-sha256", IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128,
	    16 },
	{ "aes192-sha384", IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192,
	    24 },
	{ "aes256-sha512", IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256,
	    32 },
};
#define NSKALGS (sizeof(skalgs) / sizeof(skalgs[0]))

/*
 * Keys as ike_crypto_vectors.py has them for the initiator's direction
 * (SK_ei = 0x40..., salt cafebabe; SK_ai = 0x90...), and different ones
 * the other way, so that a context using the wrong keys fails.
 */
static void
sk_keys(const struct skalg *a, struct ike_suite *s, struct ike_keys *k)
{
	size_t i, klen;

	memset(s, 0, sizeof(*s));
	s->encr = a->encr;
	s->encr_bits = a->bits;
	s->prf = IKE_PRF_HMAC_SHA2_256;
	s->integ = a->integ;
	s->dh = IKE_DH_CURVE25519;
	memset(k, 0, sizeof(*k));
	k->prflen = 32;
	k->elen = ike_encr_keylen(a->encr, a->bits);
	k->ilen = ike_integ_keylen(a->integ);
	klen = ike_encr_aead(a->encr) ? k->elen - 4 : k->elen;
	for (i = 0; i < klen; i++) {
		k->sk_ei[i] = (uint8_t)(0x40 + i);
		k->sk_er[i] = (uint8_t)(0xc0 + i);
	}
	if (ike_encr_aead(a->encr)) {
		memcpy(k->sk_ei + klen, sk_salt, 4);
		memcpy(k->sk_er + klen, sk_salt, 4);
	}
	for (i = 0; i < k->ilen; i++) {
		k->sk_ai[i] = (uint8_t)(0x90 + i);
		k->sk_ar[i] = (uint8_t)(0x10 + i);
	}
}

static void
sk_hdr(struct ike_hdr *h, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = 0x0102030405060708ULL;
	h->spi_r = 0x1112131415161718ULL;
	h->version = IKE_VERSION;
	h->exch = IKE_AUTH;
	h->flags = IKE_F_INITIATOR;
	h->msgid = msgid;
	h->next = 0xff; /* overwritten: ike_sk_seal sets SK */
	h->len = 12345; /* and the length */
}

static const uint8_t *
vec_plain(void)
{
	static uint8_t p[37];
	size_t	       i;

	for (i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)(0x61 + i);
	return p;
}

static void
test_sk_vectors(void)
{
	struct ike_suite s;
	struct ike_keys	 k;
	struct ike_sk	*out, *in;
	struct ike_hdr	 h;
	uint8_t		 msg[MSGSZ], plain[MSGSZ], v[MSGSZ];
	size_t		 len, plen, vlen;
	const char	*why;
	const uint8_t	*p = vec_plain();
	struct {
		const struct skalg *alg;
		const char	   *m1, *m2;
	} t[] = {
		{ &skalgs[0], sk_gcm128_1, sk_gcm128_2 },
		{ &skalgs[2], sk_gcm256_1, NULL },
		{ &skalgs[3], sk_chacha_1, sk_chacha_2 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sk_keys(t[i].alg, &s, &k);
		out = ike_sk_new(&s, &k, true, true);
		in = ike_sk_new(&s, &k, false, false);
		if (!ok(out != NULL && in != NULL, "%s: contexts",
			t[i].alg->name))
			goto next;
		sk_hdr(&h, 1);
		is_int(ike_sk_seal(out, &h, IKE_PT_IDI, p, 37, msg,
			   sizeof(msg), &len),
		    0, "%s: seal message 1", t[i].alg->name);
		ok(eqhex(msg, len, t[i].m1),
		    "%s: message 1 is python cryptography's, byte for byte",
		    t[i].alg->name);
		if (t[i].m2 != NULL) {
			sk_hdr(&h, 2);
			ike_sk_seal(out, &h, IKE_PT_IDI, p, 37, msg,
			    sizeof(msg), &len);
			ok(eqhex(msg, len, t[i].m2),
			    "%s: message 2 (IV 1) is python's too",
			    t[i].alg->name);
		}
		vlen = unhex(t[i].m1, v);
		ok(ike_sk_open(in, v, vlen, IKE_HDR_LEN, plain, sizeof(plain),
		       &plen, &why) == 0 &&
			plen == 37 && memcmp(plain, p, 37) == 0,
		    "%s: python's message 1 opens", t[i].alg->name);
	next:
		ike_sk_free(out);
		ike_sk_free(in);
	}

	/* Another sender's choices: AEAD with 3 pad bytes, CBC with a
	 * block more than needed. */
	sk_keys(&skalgs[0], &s, &k);
	in = ike_sk_new(&s, &k, false, false);
	vlen = unhex(sk_gcm128_pad, v);
	ok(ike_sk_open(in, v, vlen, IKE_HDR_LEN, plain, sizeof(plain), &plen,
	       &why) == 0 &&
		plen == 37 && memcmp(plain, p, 37) == 0,
	    "aes128gcm16: python's message with 3 pad bytes opens");
	ike_sk_free(in);
	sk_keys(&skalgs[5], &s, &k);
	in = ike_sk_new(&s, &k, false, false);
	vlen = unhex(sk_cbc128_sha256, v);
	ok(ike_sk_open(in, v, vlen, IKE_HDR_LEN, plain, sizeof(plain), &plen,
	       &why) == 0 &&
		plen == 37 && memcmp(plain, p, 37) == 0,
	    "aes128-sha256: python's CBC message with 26 pad bytes opens");
	ike_sk_free(in);
}

/*
 * A reference opener for CBC written here on EVP and one-shot HMAC:
 * what moat seals must check and decrypt with nothing of sk.c.
 */
static bool
ref_open_cbc(const struct skalg *a, const struct ike_keys *k,
    const uint8_t *m, size_t len, uint8_t *plain, size_t *plen)
{
	const EVP_MD	 *md = a->integ == IKE_INTEG_HMAC_SHA1_96 ? EVP_sha1() :
	    a->integ == IKE_INTEG_HMAC_SHA2_256_128	 ? EVP_sha256() :
	    a->integ == IKE_INTEG_HMAC_SHA2_384_192	 ? EVP_sha384() :
							   EVP_sha512();
	const EVP_CIPHER *c = a->bits == 128 ? EVP_aes_128_cbc() :
	    a->bits == 192		     ? EVP_aes_192_cbc() :
						   EVP_aes_256_cbc();
	uint8_t		  mac[64];
	unsigned	  maclen;
	EVP_CIPHER_CTX	 *ctx;
	int		  n, f;
	size_t		  ctlen;
	bool		  good = false;

	if (len < 28 + 4 + 16 + a->icv)
		return false;
	ctlen = len - 28 - 4 - 16 - a->icv;
	HMAC(md, k->sk_ai, (int)k->ilen, m, len - a->icv, mac, &maclen);
	if (memcmp(mac, m + len - a->icv, a->icv) != 0)
		return false;
	ctx = EVP_CIPHER_CTX_new();
	EVP_DecryptInit_ex(ctx, c, NULL, k->sk_ei, m + 32);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (EVP_DecryptUpdate(ctx, plain, &n, m + 48, (int)ctlen) &&
	    EVP_DecryptFinal_ex(ctx, plain + n, &f) &&
	    (size_t)(n + f) == ctlen && plain[ctlen - 1] < ctlen) {
		*plen = ctlen - 1 - plain[ctlen - 1];
		good = true;
	}
	EVP_CIPHER_CTX_free(ctx);
	return good;
}

/* The reference AEAD opener (RFC 5282 / RFC 7634 on EVP). */
static bool
ref_open_aead(const struct skalg *a, const struct ike_keys *k,
    const uint8_t *m, size_t len, uint8_t *plain, size_t *plen)
{
	const EVP_CIPHER *c = a->encr == IKE_ENCR_CHACHA20_POLY1305 ?
	    EVP_chacha20_poly1305() :
	    a->bits == 128 ? EVP_aes_128_gcm() :
	    a->bits == 192 ? EVP_aes_192_gcm() :
			     EVP_aes_256_gcm();
	size_t		  klen = k->elen - 4, ctlen;
	uint8_t		  nonce[12], tag[16];
	EVP_CIPHER_CTX	 *ctx;
	int		  n, f;
	bool		  good = false;

	if (len < 28 + 4 + 8 + 1 + 16)
		return false;
	ctlen = len - 28 - 4 - 8 - 16;
	memcpy(nonce, k->sk_ei + klen, 4);
	memcpy(nonce + 4, m + 32, 8);
	memcpy(tag, m + len - 16, 16);
	ctx = EVP_CIPHER_CTX_new();
	EVP_DecryptInit_ex(ctx, c, NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
	EVP_DecryptInit_ex(ctx, NULL, NULL, k->sk_ei, nonce);
	if (EVP_DecryptUpdate(ctx, NULL, &n, m, 32) &&
	    EVP_DecryptUpdate(ctx, plain, &n, m + 40, (int)ctlen) &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) &&
	    EVP_DecryptFinal_ex(ctx, plain + n, &f) &&
	    plain[ctlen - 1] < ctlen) {
		*plen = ctlen - 1 - plain[ctlen - 1];
		good = true;
	}
	EVP_CIPHER_CTX_free(ctx);
	return good;
}

/* A message with a body of our choosing (plain | pad | padlen made by
 * the caller), sealed by the reference, for the odd cases. */
static size_t
ref_seal(const struct skalg *a, const struct ike_keys *k,
    const uint8_t *body, size_t blen, uint8_t *m)
{
	bool	       aead = ike_encr_aead(a->encr);
	size_t	       ivlen = aead ? 8 : 16, icv = a->icv;
	size_t	       sklen = 4 + ivlen + blen + icv, total = 28 + sklen;
	struct ike_hdr h;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int	       n, f;
	size_t	       i;

	sk_hdr(&h, 9);
	for (i = 0; i < 8; i++) {
		m[i] = (uint8_t)(h.spi_i >> (56 - 8 * i));
		m[8 + i] = (uint8_t)(h.spi_r >> (56 - 8 * i));
	}
	m[16] = IKE_PT_SK;
	m[17] = IKE_VERSION;
	m[18] = IKE_AUTH;
	m[19] = IKE_F_INITIATOR;
	m[20] = m[21] = m[22] = 0;
	m[23] = 9;
	m[24] = (uint8_t)(total >> 24);
	m[25] = (uint8_t)(total >> 16);
	m[26] = (uint8_t)(total >> 8);
	m[27] = (uint8_t)total;
	m[28] = IKE_PT_IDI;
	m[29] = 0;
	m[30] = (uint8_t)(sklen >> 8);
	m[31] = (uint8_t)sklen;
	for (i = 0; i < ivlen; i++)
		m[32 + i] = (uint8_t)(0x30 + i);
	if (aead) {
		const EVP_CIPHER *c = a->encr == IKE_ENCR_CHACHA20_POLY1305 ?
		    EVP_chacha20_poly1305() :
		    a->bits == 128 ? EVP_aes_128_gcm() :
		    a->bits == 192 ? EVP_aes_192_gcm() :
				     EVP_aes_256_gcm();
		uint8_t nonce[12];

		memcpy(nonce, k->sk_ei + k->elen - 4, 4);
		memcpy(nonce + 4, m + 32, 8);
		EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL);
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL);
		EVP_EncryptInit_ex(ctx, NULL, NULL, k->sk_ei, nonce);
		EVP_EncryptUpdate(ctx, NULL, &n, m, 32);
		EVP_EncryptUpdate(ctx, m + 40, &n, body, (int)blen);
		EVP_EncryptFinal_ex(ctx, m + 40 + n, &f);
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
		    m + 40 + blen);
	} else {
		const EVP_CIPHER *c = a->bits == 128 ? EVP_aes_128_cbc() :
		    a->bits == 192		     ? EVP_aes_192_cbc() :
							   EVP_aes_256_cbc();
		const EVP_MD	 *md = a->integ == IKE_INTEG_HMAC_SHA1_96 ?
		    EVP_sha1() :
		    a->integ == IKE_INTEG_HMAC_SHA2_256_128 ? EVP_sha256() :
		    a->integ == IKE_INTEG_HMAC_SHA2_384_192 ? EVP_sha384() :
							      EVP_sha512();
		uint8_t		  mac[64];
		unsigned	  maclen;

		EVP_EncryptInit_ex(ctx, c, NULL, k->sk_ei, m + 32);
		EVP_CIPHER_CTX_set_padding(ctx, 0);
		EVP_EncryptUpdate(ctx, m + 48, &n, body, (int)blen);
		EVP_EncryptFinal_ex(ctx, m + 48 + n, &f);
		HMAC(md, k->sk_ai, (int)k->ilen, m, 48 + blen, mac, &maclen);
		memcpy(m + 48 + blen, mac, icv);
	}
	EVP_CIPHER_CTX_free(ctx);
	return total;
}

static void
test_sk_alg(const struct skalg *a)
{
	struct ike_suite s;
	struct ike_keys	 k;
	struct ike_sk	*out, *in, *wrong, *iout;
	struct ike_hdr	 h;
	uint8_t		 msg[MSGSZ], plain[MSGSZ], src[MSGSZ], ref[MSGSZ];
	uint8_t		 body[64];
	size_t		 len, plen, rlen, n, i, fails, whys, ctlen;
	const char	*why;
	bool		 aead = ike_encr_aead(a->encr), good;
	uint64_t	 x = 0x9e3779b97f4a7c15ULL;

	sk_keys(a, &s, &k);
	out = ike_sk_new(&s, &k, true, true);
	in = ike_sk_new(&s, &k, false, false);
	wrong = ike_sk_new(&s, &k, true, false); /* uses SK_er */
	iout = ike_sk_new(&s, &k, false, true);
	if (!ok(out != NULL && in != NULL && wrong != NULL && iout != NULL,
		"%s: contexts", a->name))
		goto out;

	/* Round trips and lengths, 0 to 70 bytes of plaintext. */
	good = true;
	for (n = 0; n <= 70; n++) {
		for (i = 0; i < n; i++)
			src[i] = (uint8_t)rnd(&x);
		sk_hdr(&h, (uint32_t)n);
		if (ike_sk_seal(out, &h, IKE_PT_IDI, src, n, msg, sizeof(msg),
			&len) != 0 ||
		    len != IKE_HDR_LEN + ike_sk_overhead(out, n) + n) {
			diag("  seal %zu bytes: len %zu", n, len);
			good = false;
			continue;
		}
		ctlen = len - 28 - 4 - (aead ? 8 : 16) - a->icv;
		if (aead ? ctlen != n + 1 :
			   ctlen % 16 != 0 || ctlen < n + 1 || ctlen > n + 16) {
			diag("  %zu bytes: ciphertext of %zu", n, ctlen);
			good = false;
		}
		if (msg[16] != IKE_PT_SK || msg[28] != IKE_PT_IDI ||
		    (size_t)(msg[24] << 24 | msg[25] << 16 | msg[26] << 8 |
			msg[27]) != len ||
		    (size_t)(msg[30] << 8 | msg[31]) != len - 28 || msg[29] != 0) {
			diag("  %zu bytes: header", n);
			good = false;
		}
		if (ike_sk_open(in, msg, len, IKE_HDR_LEN, plain,
			sizeof(plain), &plen, &why) != 0 ||
		    plen != n || (n != 0 && memcmp(plain, src, n) != 0)) {
			diag("  open %zu bytes: %s", n, why ? why : "differs");
			good = false;
		}
		rlen = 0;
		if (!(aead ? ref_open_aead : ref_open_cbc)(a, &k, msg, len, ref,
			&rlen) ||
		    rlen != n || (n != 0 && memcmp(ref, src, n) != 0)) {
			diag("  reference open %zu bytes fails", n);
			good = false;
		}
	}
	ok(good, "%s: 0..70 bytes seal, open and the reference opens them",
	    a->name);
	is_int(ike_sk_overhead(out, 37),
	    aead ? 4 + 8 + 1 + 16 : 4 + 16 + 10 + 1 + a->icv,
	    "%s: overhead of 37 bytes", a->name);

	sk_hdr(&h, 5);
	ike_sk_seal(out, &h, IKE_PT_IDI, vec_plain(), 37, msg, sizeof(msg),
	    &len);
	why = NULL;
	is_int(ike_sk_open(wrong, msg, len, IKE_HDR_LEN, plain, sizeof(plain),
		   &plen, &why),
	    -1, "%s: the initiator's inbound keys do not open its own", a->name);
	is_int(ike_sk_open(out, msg, len, IKE_HDR_LEN, plain, sizeof(plain),
		   &plen, &why),
	    -1, "%s: an outbound context does not open", a->name);
	is_int(ike_sk_seal(in, &h, IKE_PT_IDI, vec_plain(), 37, src,
		   sizeof(src), &rlen),
	    -1, "%s: an inbound context does not seal", a->name);
	/* The responder's outbound is what the initiator's inbound opens. */
	ike_sk_seal(iout, &h, IKE_PT_IDI, vec_plain(), 37, src, sizeof(src),
	    &rlen);
	ok(ike_sk_open(wrong, src, rlen, IKE_HDR_LEN, plain, sizeof(plain),
	       &plen, &why) == 0 &&
		plen == 37,
	    "%s: responder to initiator opens", a->name);

	/* Every byte tampered. */
	fails = whys = 0;
	for (i = 0; i < len; i++) {
		msg[i] ^= 0x01;
		why = NULL;
		if (ike_sk_open(in, msg, len, IKE_HDR_LEN, plain,
			sizeof(plain), &plen, &why) == -1)
			fails++;
		if (why != NULL)
			whys++;
		msg[i] ^= 0x01;
	}
	is_int(fails, len, "%s: each of %zu bytes tampered fails", a->name,
	    len);
	is_int(whys, len, "%s: each failure says why", a->name);
	ok(ike_sk_open(in, msg, len, IKE_HDR_LEN, plain, sizeof(plain), &plen,
	       &why) == 0,
	    "%s: and untouched it opens", a->name);

	/* Truncated: as is, and with both lengths patched to match. */
	fails = 0;
	for (n = 0; n < len; n++) {
		memcpy(src, msg, len);
		if (ike_sk_open(in, src, n, IKE_HDR_LEN, plain, sizeof(plain),
			&plen, &why) == -1)
			fails++;
	}
	is_int(fails, len, "%s: every truncation fails", a->name);
	fails = 0;
	for (n = IKE_HDR_LEN + 4; n < len; n++) {
		memcpy(src, msg, len);
		src[24] = (uint8_t)(n >> 24);
		src[25] = (uint8_t)(n >> 16);
		src[26] = (uint8_t)(n >> 8);
		src[27] = (uint8_t)n;
		src[30] = (uint8_t)((n - 28) >> 8);
		src[31] = (uint8_t)(n - 28);
		why = NULL;
		if (ike_sk_open(in, src, n, IKE_HDR_LEN, plain, sizeof(plain),
			&plen, &why) == -1 &&
		    why != NULL)
			fails++;
	}
	is_int(fails, len - IKE_HDR_LEN - 4,
	    "%s: every truncation with lengths patched fails", a->name);
	is_int(ike_sk_open(in, msg, len, IKE_HDR_LEN - 1, plain, sizeof(plain),
		   &plen, &why),
	    -1, "%s: SK inside the header refused", a->name);
	is_int(ike_sk_open(in, msg, len, len + 1, plain, sizeof(plain), &plen,
		   &why),
	    -1, "%s: SK past the end refused", a->name);
	is_int(ike_sk_open(in, msg, len, IKE_HDR_LEN, plain, 10, &plen, &why),
	    -1, "%s: no room for the plaintext", a->name);
	is_int(ike_sk_seal(out, &h, IKE_PT_IDI, vec_plain(), 37, src, len - 1,
		   &rlen),
	    -1, "%s: seal with a byte too little room", a->name);
	is_int(ike_sk_seal(out, &h, IKE_PT_IDI, vec_plain(), 37, src, len,
		   &rlen),
	    0, "%s: seal with exactly the room", a->name);

	/* Bodies of the reference's making: padding moat would not write. */
	for (n = 0; n < 3; n++) {
		size_t blen = aead ? 16 + n : 16 * (n + 1);

		for (i = 0; i < blen; i++)
			body[i] = (uint8_t)(0xe0 + i);
		body[blen - 1] = (uint8_t)(blen - 1 - n); /* n plaintext */
		rlen = ref_seal(a, &k, body, blen, ref);
		ok(ike_sk_open(in, ref, rlen, IKE_HDR_LEN, plain,
		       sizeof(plain), &plen, &why) == 0 &&
			plen == n && (n == 0 || memcmp(plain, body, n) == 0),
		    "%s: %zu pad bytes of any value accepted", a->name,
		    blen - 1 - n);
	}
	body[15] = 16; /* pad length one past the ciphertext */
	rlen = ref_seal(a, &k, body, 16, ref);
	why = NULL;
	is_int(ike_sk_open(in, ref, rlen, IKE_HDR_LEN, plain, sizeof(plain),
		   &plen, &why),
	    -1, "%s: pad length past the ciphertext refused", a->name);
	ok(why != NULL && strstr(why, "pad") != NULL,
	    "%s: and why says pad", a->name);
	body[15] = 15;
	rlen = ref_seal(a, &k, body, 16, ref);
	ok(ike_sk_open(in, ref, rlen, IKE_HDR_LEN, plain, sizeof(plain), &plen,
	       &why) == 0 &&
		plen == 0,
	    "%s: pad length filling the ciphertext is an empty chain",
	    a->name);
	if (!aead) {
		rlen = ref_seal(a, &k, body, 15, ref); /* not a block */
		is_int(ike_sk_open(in, ref, rlen, IKE_HDR_LEN, plain,
			   sizeof(plain), &plen, &why),
		    -1, "%s: ciphertext not a whole block refused", a->name);
	}
out:
	ike_sk_free(out);
	ike_sk_free(in);
	ike_sk_free(wrong);
	ike_sk_free(iout);
}

static void
test_sk(void)
{
	struct ike_suite s;
	struct ike_keys	 k;
	struct ike_sk	*out;
	struct ike_hdr	 h;
	uint8_t		 msg[MSGSZ];
	size_t		 len, i;
	bool		 good = true;

	test_sk_vectors();
	for (i = 0; i < NSKALGS; i++)
		test_sk_alg(&skalgs[i]);

	/* The AEAD IV counts 0, 1, 2 ... per context. */
	sk_keys(&skalgs[3], &s, &k);
	out = ike_sk_new(&s, &k, true, true);
	for (i = 0; i < 300; i++) {
		uint64_t iv = 0;
		size_t	 j;

		sk_hdr(&h, (uint32_t)i);
		ike_sk_seal(out, &h, IKE_PT_IDI, vec_plain(), 5, msg,
		    sizeof(msg), &len);
		for (j = 0; j < 8; j++)
			iv = iv << 8 | msg[32 + j];
		if (iv != i)
			good = false;
	}
	ok(good, "chacha20poly1305: the IVs of 300 messages count 0..299");
	ike_sk_free(out);

	/* CBC IVs are random: two seals of the same message differ. */
	sk_keys(&skalgs[5], &s, &k);
	out = ike_sk_new(&s, &k, true, true);
	{
		uint8_t m2[MSGSZ];
		size_t	l2;

		sk_hdr(&h, 1);
		ike_sk_seal(out, &h, IKE_PT_IDI, vec_plain(), 37, msg,
		    sizeof(msg), &len);
		ike_sk_seal(out, &h, IKE_PT_IDI, vec_plain(), 37, m2,
		    sizeof(m2), &l2);
		ok(len == l2 && memcmp(msg + 32, m2 + 32, 16) != 0,
		    "aes128-sha256: two IVs differ");
	}
	ike_sk_free(out);

	/* Keys of the wrong length, or a suite moat lacks: no context. */
	sk_keys(&skalgs[0], &s, &k);
	k.elen = 16;
	ok(ike_sk_new(&s, &k, true, true) == NULL,
	    "sk_new: GCM key without its salt refused");
	sk_keys(&skalgs[5], &s, &k);
	k.ilen = 20;
	ok(ike_sk_new(&s, &k, true, true) == NULL,
	    "sk_new: SHA-256 integrity with a 20-byte key refused");
	sk_keys(&skalgs[0], &s, &k);
	s.integ = IKE_INTEG_HMAC_SHA2_256_128;
	ok(ike_sk_new(&s, &k, true, true) == NULL,
	    "sk_new: AEAD with integrity refused");
	ike_sk_free(NULL);

	/* In place: the plaintext already where the ciphertext goes. */
	sk_keys(&skalgs[0], &s, &k);
	out = ike_sk_new(&s, &k, true, true);
	{
		struct ike_sk *in = ike_sk_new(&s, &k, false, false);
		uint8_t	       plain[MSGSZ];
		size_t	       plen;
		const char    *why;

		memcpy(msg + 40, vec_plain(), 37);
		sk_hdr(&h, 3);
		ok(ike_sk_seal(out, &h, IKE_PT_IDI, msg + 40, 37, msg,
		       sizeof(msg), &len) == 0 &&
			ike_sk_open(in, msg, len, IKE_HDR_LEN, plain,
			    sizeof(plain), &plen, &why) == 0 &&
			plen == 37 && memcmp(plain, vec_plain(), 37) == 0,
		    "aes128gcm16: sealing in place");
		ike_sk_free(in);
	}
	ike_sk_free(out);
}

int
main(void)
{
	test_prf();
	test_prfplus();
	test_suite();
	test_x25519();
	test_ecp();
	test_modp();
	test_agree();
	test_keys();
	test_sk();
	return done_testing();
}
