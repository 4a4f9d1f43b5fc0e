/*
 * The ESP transforms (esp.c): known answers from published vectors for
 * every algorithm, then behaviour. A reference sealer written here with
 * OpenSSL's EVP and one-shot HMAC (and nothing of esp.c) checks what moat
 * seals for every algorithm, key length and ESN setting, and builds the
 * malformed packets moat would never produce.
 *
 * Vectors (numbers only, copied from):
 *  - AES-GCM-16: draft-mcgrew-gcm-test-01, "Test Cases for the use of
 *    GCM and GMAC in IPsec ESP", section 4, the GCM cases in the order
 *    the draft lists them (the GMAC cases are not moat's).
 *  - ChaCha20-Poly1305: RFC 7634 Appendix A (the ESP example).
 *  - AES-CBC: RFC 3602 section 4, cases 5 to 8.
 *  - HMAC-SHA-256-128, HMAC-SHA-512-256: RFC 4868 section 2.7.2.
 *  - HMAC-SHA1-96: RFC 2404 section 3 (its cases are those of RFC 2202).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "esp_int.h"
#include "tap.h"

#define BUFSZ (ESP_HDR_ROOM + 8192 + ESP_OVERHEAD_MAX)

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

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void
fill(uint64_t *x, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(x);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct esp_sa_params
params(enum esp_enc enc, enum esp_auth auth, const uint8_t *ekey,
    size_t ekeylen, const uint8_t *akey, size_t akeylen, bool esn)
{
	struct esp_sa_params p;

	memset(&p, 0, sizeof(p));
	addr_pton(AF_INET, "198.51.100.1", &p.src);
	addr_pton(AF_INET, "203.0.113.1", &p.dst);
	p.spi = 0x1000;
	p.mode = ESP_MODE_TUNNEL;
	p.replay = 64;
	p.esn = esn;
	p.enc = enc;
	p.auth = auth;
	if (ekeylen > 0) /* memcpy must not see NULL */
		memcpy(p.ekey, ekey, ekeylen);
	p.ekeylen = ekeylen;
	if (akeylen > 0)
		memcpy(p.akey, akey, akeylen);
	p.akeylen = akeylen;
	return p;
}

static bool
is_aead(enum esp_enc e)
{
	return e == ESP_ENC_AES_GCM_16 || e == ESP_ENC_CHACHA20_POLY1305;
}

static size_t
ivlen_of(enum esp_enc e)
{
	return is_aead(e) ? 8 : e == ESP_ENC_AES_CBC ? 16 : 0;
}

static size_t
block_of(enum esp_enc e)
{
	return e == ESP_ENC_AES_CBC ? 16 : 4;
}

static const EVP_MD *
md_of(enum esp_auth a, size_t *icvlen)
{
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96: /* RFC 2404 2: 96 of 160 bits */
		*icvlen = 12;
		return EVP_sha1();
	case ESP_AUTH_HMAC_SHA256_128: /* RFC 4868 2.3: half the output */
		*icvlen = 16;
		return EVP_sha256();
	case ESP_AUTH_HMAC_SHA512_256:
		*icvlen = 32;
		return EVP_sha512();
	default:
		*icvlen = 0;
		return NULL;
	}
}

static const EVP_CIPHER *
evp_of(enum esp_enc e, size_t klen)
{
	switch (e) {
	case ESP_ENC_AES_GCM_16:
		return klen == 16 ? EVP_aes_128_gcm() :
		    klen == 24	  ? EVP_aes_192_gcm() :
				    EVP_aes_256_gcm();
	case ESP_ENC_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	case ESP_ENC_AES_CBC:
		return klen == 16 ? EVP_aes_128_cbc() :
		    klen == 24	  ? EVP_aes_192_cbc() :
				    EVP_aes_256_cbc();
	default:
		return NULL;
	}
}

/*
 * The reference: an ESP packet (RFC 4303 2) from its plaintext pt, which
 * already holds payload, padding, pad length and next header. AEAD: the
 * nonce is salt and IV, the AAD SPI, [high 32 bits,] low 32 bits (RFC
 * 4106 5, RFC 7634 2.1); otherwise the HMAC covers the packet and, with
 * ESN, the high bits after it (RFC 4303 2.2.1). Returns the length.
 */
static size_t
ref_raw(const struct esp_sa_params *p, uint64_t seq, const uint8_t *iv,
    const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	size_t		ivlen = ivlen_of(p->enc), icvlen, n, klen;
	const EVP_MD   *md = md_of(p->auth, &icvlen);
	EVP_CIPHER_CTX *c;
	uint8_t		nonce[12], aad[12], *ct = out + 8 + ivlen;
	unsigned int	mdlen;
	uint8_t		mdout[64];
	int		k, aadlen = 0;

	put32(out, p->spi);
	put32(out + 4, (uint32_t)seq);
	memcpy(out + 8, iv, ivlen);
	memcpy(ct, pt, ptlen);
	if (is_aead(p->enc)) {
		klen = p->ekeylen - 4;
		memcpy(nonce, p->ekey + klen, 4);
		memcpy(nonce + 4, iv, 8);
		memcpy(aad, out, 4);
		if (p->esn) {
			put32(aad + 4, (uint32_t)(seq >> 32));
			put32(aad + 8, (uint32_t)seq);
			aadlen = 12;
		} else {
			put32(aad + 4, (uint32_t)seq);
			aadlen = 8;
		}
		c = EVP_CIPHER_CTX_new();
		if (EVP_EncryptInit_ex(
			c, evp_of(p->enc, klen), NULL, p->ekey, nonce) != 1 ||
		    EVP_EncryptUpdate(c, NULL, &k, aad, aadlen) != 1 ||
		    EVP_EncryptUpdate(c, ct, &k, ct, (int)ptlen) != 1 ||
		    EVP_EncryptFinal_ex(c, ct + ptlen, &k) != 1 ||
		    EVP_CIPHER_CTX_ctrl(
			c, EVP_CTRL_AEAD_GET_TAG, 16, ct + ptlen) != 1)
			abort();
		EVP_CIPHER_CTX_free(c);
		return 8 + ivlen + ptlen + 16;
	}
	if (p->enc == ESP_ENC_AES_CBC) {
		c = EVP_CIPHER_CTX_new();
		if (EVP_EncryptInit_ex(c, evp_of(p->enc, p->ekeylen), NULL,
			p->ekey, iv) != 1 ||
		    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
		    EVP_EncryptUpdate(c, ct, &k, ct, (int)ptlen) != 1 ||
		    (size_t)k != ptlen)
			abort();
		EVP_CIPHER_CTX_free(c);
	}
	n = 8 + ivlen + ptlen;
	put32(out + n, (uint32_t)(seq >> 32)); /* overwritten by the ICV */
	if (HMAC(md, p->akey, (int)p->akeylen, out, n + (p->esn ? 4 : 0), mdout,
		&mdlen) == NULL)
		abort();
	memcpy(out + n, mdout, icvlen);
	return n + icvlen;
}

/* Payload with RFC 4303 2.4's default padding 1, 2, 3 ..., as few bytes
 * as the block needs. */
static size_t
trailer(enum esp_enc e, const uint8_t *payload, size_t len, uint8_t next,
    uint8_t *pt)
{
	size_t b = block_of(e), pad = (b - (len + 2) % b) % b, i;

	memcpy(pt, payload, len);
	for (i = 0; i < pad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + pad] = (uint8_t)pad;
	pt[len + pad + 1] = next;
	return len + pad + 2;
}

static size_t
ref_seal(const struct esp_sa_params *p, uint64_t seq, const uint8_t *iv,
    const uint8_t *payload, size_t len, uint8_t next, uint8_t *out)
{
	static uint8_t pt[BUFSZ];

	return ref_raw(
	    p, seq, iv, pt, trailer(p->enc, payload, len, next, pt), out);
}

static bool
stats_eq(const struct esp_sa_stats *a, const struct esp_sa_stats *b)
{
	return a->packets == b->packets && a->bytes == b->bytes &&
	    a->replayed == b->replayed && a->bad_icv == b->bad_icv &&
	    a->bad_sel == b->bad_sel && a->bad_pad == b->bad_pad &&
	    a->dropped == b->dropped;
}

/* ---- Known answers --------------------------------------------------- */

struct aead_kat {
	const char  *name;
	enum esp_enc enc;
	const char  *key; /* key, then the 4-byte salt */
	bool	     esn;
	uint64_t     seq;
	const char  *iv;
	const char  *pt; /* payload, padding, pad length, next header */
	const char  *pkt; /* SPI, sequence number, IV, ciphertext, ICV */
};

/*
 * draft-mcgrew-gcm-test-01 section 4: key (the draft's key, then the
 * first 4 bytes of its nonce as the salt), seq (64 bits: ESN, the AAD
 * holds them all), the last 8 bytes of the nonce as IV, plaintext,
 * and the packet. RFC 7634 Appendix A likewise.
 */
static const struct aead_kat aead_kats[] = {
	{ "draft-mcgrew-gcm-test-01 case 1 (AES-128, ESN)", ESP_ENC_AES_GCM_16,
	    "4c80cdefbb5d10da906ac73c3613a634 2e443b68", true,
	    0x8765432100000000ULL, "4956ed7e3b244cfe",
	    "45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000"
	    "00000000045f736970045f7564700373 69700963796265726369747902646b00"
	    "0021000101020201",
	    "00004321000000004956ed7e3b244cfe fecf537e729d5b07dc30df528dd22b76"
	    "8d1b98736696a6fd348509fa13ceac34 cfa2436f14a3f3cf65925bf1f4a13c5d"
	    "15b21e1884f5ff6247aeabb786b93bce 61bc17d768fd9732459018148f6cbe72"
	    "2fd04796562dfdb4" },
	{ "draft-mcgrew-gcm-test-01 case 2 (AES-128)", ESP_ENC_AES_GCM_16,
	    "feffe9928665731c6d6a8f9467308308 cafebabe", false, 0x0000000a,
	    "facedbaddecaf888",
	    "4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100"
	    "00010000000000000373697009637962 65726369747902646b00000100010001",
	    "0000a5f80000000afacedbaddecaf888 deb22cd9b07c72c16e3a65beeb8df304"
	    "a5a5897d33ae530f1ba76d5d114d2a5c 3de81827c10e9a4f51330d0eec416642"
	    "cfbb85a5b47e48a4ec3b9ba95d918bd1 "
	    "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ "draft-mcgrew-gcm-test-01 case 3 (AES-256)", ESP_ENC_AES_GCM_16,
	    "abbccddef00112233445566778899aab abbccddef00112233445566778899aab"
	    "11223344",
	    false, 0x00000002, "0102030405060708",
	    "4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000"
	    "7002400020bf0000020405b401010402 01020201",
	    "4a2cbfe3000000020102030405060708 ff425c9b724599df7a3bcd510194e00d"
	    "6a78107f1b0b1cbf06efae9d65a5d763 748a637985771d347f0545659f14e99d"
	    "ef842d8eb335f4eecfdbf831824b4c49 15956c96" },
	{ "draft-mcgrew-gcm-test-01 case 4 (AES-128, zero key)",
	    ESP_ENC_AES_GCM_16, "00000000000000000000000000000000 00000000",
	    false, 0x00000001, "0000000000000000",
	    "4500003c99c500008001cb7a40679318 010101010800075c0200440061626364"
	    "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
	    "00000000000000010000000000000000 4688daf2f973a392732909c331d56d60"
	    "f694abaa414b5e7ff5fdcdfff5e9a284 456476492719ffb64de7d9dca1e1d894"
	    "bc3bd57873ed4d181d19d4d5c8c18af3 "
	    "f821d496eeb096e98ad2b69e4799c71d" },
	{ "draft-mcgrew-gcm-test-01 case 5 (AES-128, ESN)", ESP_ENC_AES_GCM_16,
	    "3de09874b388e6491988d0c3607eae1f 57690e43", true,
	    0x1010101010101010ULL, "4e280000a2fca1a3",
	    "4500003c99c300008001cb7c40679318 010101010800085c0200430061626364"
	    "65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201",
	    "42f67e3f101010104e280000a2fca1a3 fba2caa4853cf9f0f22cb10d86dd83b0"
	    "fec75691cf1a04b00d1138ec9c357917 65acbd8701ad79845bf9fe3fba487bc9"
	    "1755e6662b4c8d0d1f5e22739530320a "
	    "e0d731cc978ecafaeae88f00e80d6e48" },
	{ "draft-mcgrew-gcm-test-01 case 6 (AES-128, ESN, short)",
	    ESP_ENC_AES_GCM_16, "3de09874b388e6491988d0c3607eae1f 57690e43",
	    true, 0x1010101010101010ULL, "4e280000a2fca1a3",
	    "4500001c42a200008001441f406793b6 e00000020a00f5ff01020201",
	    "42f67e3f101010104e280000a2fca1a3 fba2ca845e5df9f0f22c3e6e86dd831e"
	    "1fc65792cd1af9130e1379ed369f071f 35e034be95f112e4e7d05d35" },
	{ "draft-mcgrew-gcm-test-01 case 7 (AES-192)", ESP_ENC_AES_GCM_16,
	    "feffe9928665731c6d6a8f9467308308 feffe9928665731c cafebabe", false,
	    0x0000000a, "facedbaddecaf888",
	    "45000028a4ad4000400678800a01038f 0a010612802306b8cb712602dd6bb03e"
	    "501016d075680001",
	    "0000a5f80000000afacedbaddecaf888 a5b1f8066029aea40e598b8122de0242"
	    "0938b3ab33f828e687b8858b5bfbdbd0 315b27452144cc7795457b9652037f53"
	    "18027b5b4cd7a636" },
	{ "draft-mcgrew-gcm-test-01 case 8 (AES-128, ESN)", ESP_ENC_AES_GCM_16,
	    "abbccddef00112233445566778899aab decaf888", true,
	    0x0000000000000001ULL, "cafedebaceface74",
	    "4500004933ba00007f119106c3fb1d10 c2b1d326c02831ce0035dd7b800302d5"
	    "00004e20001e8c18d75b81dc91baa047 6b91b924b280389d92c963bac046ec95"
	    "9b6266c04722b14923010101",
	    "0000010000000001cafedebaceface74 18a6fd42f72cbf4ab2a2ea901f73d814"
	    "e3e7f243d95412e1c349c1d2fbec168f 9190feebaf2cb01984e65863965d7472"
	    "b79da345e0e780191f0d2f0e0f496c22 6f2127b27db35724e7845d68651f57e6"
	    "5f354f75ff17015769623436" },
	{ "draft-mcgrew-gcm-test-01 case 9 (AES-256, ESN)", ESP_ENC_AES_GCM_16,
	    "abbccddef00112233445566778899aab abbccddef00112233445566778899aab"
	    "73616c74",
	    true, 0x156f3126dd0db99bULL, "616e640169766563",
	    "45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602"
	    "50101f646d540001",
	    "17405e67dd0db99b616e640169766563 f2d69ecdbd5a0d5b8d5ef38bad4da58d"
	    "1f278fde98ef67549d524a3018d9a57f f4d3a31ce673119e451626c2415771e3"
	    "b7eebca614c89b35" },
	{ "draft-mcgrew-gcm-test-01 case 10 (AES-128, ESN)", ESP_ENC_AES_GCM_16,
	    "3de09874b388e6491988d0c3607eae1f 57690e43", true,
	    0x1010101010101010ULL, "4e280000a2fca1a3",
	    "45000049333e00007f119182c3fb1d10 c2b1d326c02831ce0035cb458003025b"
	    "000001e0001e8c18d65759d52284a035 2c71475c8880391c764d6e5ee0496b32"
	    "5ae270c03899493915010101",
	    "42f67e3f101010104e280000a2fca1a3 fba2cad12fc1f9f00d3cebf305410db8"
	    "3d7784b607323d220f24b0a97d541828 00cadb0f68d99ef0e0c0c89ae9bea888"
	    "4e52d65bc1afd0740f742444747b5b39 ab533163aad4550ee5160975cdb608c5"
	    "769189609763b8e18caa81e2" },
	{ "draft-mcgrew-gcm-test-01 case 11 (AES-256, ESN)", ESP_ENC_AES_GCM_16,
	    "abbccddef00112233445566778899aab abbccddef00112233445566778899aab"
	    "73616c74",
	    true, 0x156f3126dd0db99bULL, "616e640169766563",
	    "636973636f0172756c65730174686501 6e6574776501646566696e6501746865"
	    "746563686e6f6c6f6769657301746861 7477696c6c01646566696e65746f6d6f"
	    "72726f7701020201",
	    "17405e67dd0db99b616e640169766563 d4b7ed86a1777f2ea13d6973d324c69e"
	    "7b43f826fb56831226508bebd2dceb18 d0a6df10e5487df074113e14c641024e"
	    "3e6773d91a62ee429b043a10e3efe6b0 12a49363412364f8c0cac587f249e56b"
	    "11e24f30e44ccc76" },
	{ "draft-mcgrew-gcm-test-01 case 12 (AES-128, seq 0xffffffff, no "
	  "payload)",
	    ESP_ENC_AES_GCM_16, "7d773d00c144c525ac619d18c84a3f47 d9664267",
	    false, 0xffffffff, "43457e9182443bc6", "01020201",
	    "335467aeffffffff43457e9182443bc6 437f866bcb3f699fe9b0822bac961c45"
	    "04bef270" },
	{ "draft-mcgrew-gcm-test-01 case 13 (AES-128, ESN)", ESP_ENC_AES_GCM_16,
	    "abbccddef00112233445566778899aab decaf888", true,
	    0x0000000000000001ULL, "cafedebaceface74",
	    "746f016265016f72016e6f7401746f01 62650001",
	    "0000010000000001cafedebaceface74 29c9fc69a197d038ccdd14e2ddfcaa05"
	    "43332164412503524303ed3c6c5f2838 43af8c3e" },
	{ "draft-mcgrew-gcm-test-01 case 14 (AES-256, ESN, the last number)",
	    ESP_ENC_AES_GCM_16,
	    "6c6567616c697a656d6172696a75616e 61616e64646f69746265666f72656961"
	    "7475726e",
	    true, 0xffffffffffffffffULL, "333021696765746d",
	    "45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364"
	    "65666768696a6b6c6d6e6f7071727374 01020201",
	    "796b6963ffffffff333021696765746d f97ab2aa356d8edce17644ac8c78e25d"
	    "d24dedbb29ebf1b64a274b39b49c3a86 4cd3d78ca4ae68a32b42458fb57dbe82"
	    "1dcc63b9d0937ba2945f669368661a32 9fb4c053" },
	/* RFC 7634 Appendix A: KEYMAT is the key then the salt. */
	{ "RFC 7634 Appendix A (ChaCha20-Poly1305)", ESP_ENC_CHACHA20_POLY1305,
	    "808182838485868788898a8b8c8d8e8f 909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3",
	    false, 5, "1011121314151617",
	    "45000054a6f200004001e778c6336405 c000020508005b7a3a080000553bec10"
	    "000736270809 0a0b0c0d0e0f10111213 1415161718191a1b1c1d1e1f20212223"
	    "2425262728292a2b2c2d2e2f30313233 3435363701020204",
	    "0102030400000005 1011121314151617"
	    "24039428b97f417e3c13753a4f05087b 67c352e6a7fab1b982d466ef407ae5c6"
	    "14ee8099d52844eb61aa95dfab4c02f7 2aa71e7c4c4f64c9befe2facc638e8f3"
	    "cbec163fac469b502773f6fb94e664da 9165b82829f641e0"
	    "76aaa8266b7fb0f7b11b369907e1ad43" },
};

static void
kat_aead(const struct aead_kat *k)
{
	struct esp_sa_params p;
	struct esp_sa	    *out, *in;
	uint8_t		     key[64], iv[8], pt[256], pkt[256], buf[512];
	uint8_t		    *o, *pl, nh;
	size_t		     klen, ptlen, pktlen, olen, plen, len;
	uint8_t		     padlen;

	klen = unhex(k->key, key);
	unhex(k->iv, iv);
	ptlen = unhex(k->pt, pt);
	pktlen = unhex(k->pkt, pkt);
	padlen = pt[ptlen - 2];
	len = ptlen - 2 - padlen; /* the vector's payload */
	p = params(k->enc, ESP_AUTH_NONE, key, klen, NULL, 0, k->esn);
	p.spi = (uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 |
	    (uint32_t)pkt[2] << 8 | pkt[3];

	/* Seal: every vector pads as moat does, 1, 2, ... to 4 bytes. */
	out = esp_sa_new(&p, 1000);
	if (!ok(out != NULL, "%s: keyed", k->name))
		return;
	out->seq = k->seq - 1;
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + ESP_HDR_ROOM, pt, len);
	ok(esp_seal_iv(out, buf, sizeof(buf), len, pt[ptlen - 1], 1000, iv, &o,
	       &olen) == ESP_OK &&
		olen == pktlen && memcmp(o, pkt, pktlen) == 0,
	    "%s: seal gives the vector's packet", k->name);
	ok(out->seq == k->seq, "%s: the SA's number is the vector's", k->name);
	/* The reference agrees with the vector too (it checks the tests). */
	ok(ref_raw(&p, k->seq, iv, pt, ptlen, buf) == pktlen &&
		memcmp(buf, pkt, pktlen) == 0,
	    "%s: the test's reference gives it too", k->name);

	/* Open, with a window that infers the vector's high bits. */
	in = esp_sa_new(&p, 1000);
	if (k->seq > 1)
		esp_replay_update(&in->rp, k->seq - 1);
	memcpy(buf, pkt, pktlen);
	ok(esp_open(in, buf, pktlen, 1000, &pl, &plen, &nh) == ESP_OK &&
		plen == len && memcmp(pl, pt, len) == 0 && nh == pt[ptlen - 1],
	    "%s: open gives the vector's plaintext", k->name);
	ok(in->rp.top == k->seq,
	    "%s: the window's top is the vector's "
	    "number",
	    k->name);
	esp_sa_free(in);
	in = esp_sa_new(&p, 1000); /* as before: only the ICV differs */
	if (k->seq > 1)
		esp_replay_update(&in->rp, k->seq - 1);
	memcpy(buf, pkt, pktlen);
	buf[pktlen - 1] ^= 1;
	ok(esp_open(in, buf, pktlen, 1000, &pl, &plen, &nh) == ESP_E_ICV,
	    "%s: with its last ICV bit flipped it fails", k->name);
	esp_sa_free(out);
	esp_sa_free(in);
}

struct cbc_kat {
	const char *name;
	const char *key;
	uint64_t    seq;
	const char *iv;
	const char *payload;
	uint8_t	    next;
	const char *pkt; /* without an ICV */
};

/* RFC 3602 section 4, cases 5-8: ESP packets with AES-128-CBC and no
 * authenticator; the vectors pad as moat does (1, 2, ... to 16). */
static const struct cbc_kat cbc_kats[] = {
	{ "RFC 3602 case 5", "90d382b410eeba7ad938c46cec1a82bf", 1,
	    "e96e8c08ab465763fd098d45dd3ff893",
	    "08000ebda70a00008e9c083db95b0700 08090a0b0c0d0e0f1011121314151617"
	    "18191a1b1c1d1e1f2021222324252627 28292a2b2c2d2e2f3031323334353637",
	    1,
	    "0000432100000001e96e8c08ab465763 fd098d45dd3ff893f663c25d325c18c6"
	    "a9453e194e120849a4870b66cc6b9965 330013b4898dc856a4699e523a55db08"
	    "0b59ec3a8e4b7e52775b07d1db34ed9c 538ab50c551b874aa269add047ad2d59"
	    "13ac19b7cfbad4a6" },
	{ "RFC 3602 case 6", "90d382b410eeba7ad938c46cec1a82bf", 8,
	    "69d08df7d203329db093fc4924e5bd80",
	    "0800b5e8a80a0500a69c083d0b660e00 777777777777777777777777", 1,
	    "000043210000000869d08df7d203329d b093fc4924e5bd80f51995881ec4e0c4"
	    "488987ce742e8109689bb379d2d750c0 d915dca346a89f75" },
	{ "RFC 3602 case 7", "0123456789abcdef0123456789abcdef", 2,
	    "f4e765244f6407adf13dc1380f673f37",
	    "45000054090400004001f988c0a87b03 c0a87bc808009f76a90a0100b49c083d"
	    "02a2040008090a0b0c0d0e0f10111213 1415161718191a1b1c1d1e1f20212223"
	    "2425262728292a2b2c2d2e2f30313233 34353637",
	    4,
	    "0000876500000002f4e765244f6407ad f13dc1380f673f37773b5241a4c44922"
	    "5e4f3ce5ed611b0c237ca96cf74a9301 3c1b0ea1a0cf70f8e4ecaec78ac53aad"
	    "7a0f022b859243c647752e94a859352b 8a4d4d2decd136e5c177f132ad3fbfb2"
	    "201ac9904c74ee0a109e0ca1e4dfe9d5 a100b842f1c22f0d" },
	{ "RFC 3602 case 8", "0123456789abcdef0123456789abcdef", 5,
	    "85d47224b5f3dd5d2101d4ea8dffab22",
	    "45000044090c00004001f990c0a87b03 c0a87bc80800d63caa0a0200c69c083d"
	    "a3de0300ffffffffffffffffffffffff ffffffffffffffffffffffffffffffff"
	    "ffffffff",
	    4,
	    "000087650000000585d47224b5f3dd5d 2101d4ea8dffab2215b92683819596a8"
	    "047232cc00f7048fe45318e11f8a0f62 ede3c3fc61203bb50f980a08c9843fd3"
	    "a1b06d5c07ff9639b7eb7dfb3512e5de 435e7207ed971ef3d2726d9b5ef6affc"
	    "6d17a0decbb13892" },
};

/*
 * moat's CBC SAs always carry an HMAC: the vector's packet must be what
 * moat seals up to the ICV, and the ICV the HMAC of that packet.
 */
static void
kat_cbc(const struct cbc_kat *k)
{
	static const uint8_t akey[20] = { 0x0c, 0x0c, 0x0c, 0x0c, 0x0c };
	struct esp_sa_params p;
	struct esp_sa	    *out, *in;
	uint8_t		     key[16], iv[16], payload[128], pkt[256], buf[512];
	uint8_t		     md[64], *o, *pl, nh;
	size_t		     len, pktlen, olen, plen;
	unsigned int	     mdlen;

	unhex(k->key, key);
	unhex(k->iv, iv);
	len = unhex(k->payload, payload);
	pktlen = unhex(k->pkt, pkt);
	p = params(
	    ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA1_96, key, 16, akey, 20, false);
	p.spi = (uint32_t)pkt[2] << 8 | pkt[3];
	HMAC(EVP_sha1(), akey, 20, pkt, pktlen, md, &mdlen);

	out = esp_sa_new(&p, 1000);
	out->seq = k->seq - 1;
	memcpy(buf + ESP_HDR_ROOM, payload, len);
	ok(esp_seal_iv(out, buf, sizeof(buf), len, k->next, 1000, iv, &o,
	       &olen) == ESP_OK &&
		olen == pktlen + 12 && memcmp(o, pkt, pktlen) == 0,
	    "%s: seal gives the vector's packet", k->name);
	ok(olen == pktlen + 12 && memcmp(o + pktlen, md, 12) == 0,
	    "%s: its ICV is HMAC-SHA1 of the packet, 96 bits", k->name);

	in = esp_sa_new(&p, 1000);
	memcpy(buf, pkt, pktlen);
	memcpy(buf + pktlen, md, 12);
	ok(esp_open(in, buf, pktlen + 12, 1000, &pl, &plen, &nh) == ESP_OK &&
		plen == len && memcmp(pl, payload, len) == 0 && nh == k->next,
	    "%s: open gives the vector's payload", k->name);
	esp_sa_free(out);
	esp_sa_free(in);
}

struct hmac_kat {
	const char   *name;
	enum esp_auth auth;
	const char   *key; /* as text */
	size_t	      keylen;
	const char   *data;
	const char   *full; /* the whole HMAC */
	const char   *icv; /* truncated, as ESP carries it */
};

static const struct hmac_kat hmac_kats[] = {
	/* RFC 2404 section 3, test case 5 (key 0x0c x 20). */
	{ "RFC 2404 case 5", ESP_AUTH_HMAC_SHA1_96,
	    "\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c"
	    "\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c",
	    20, "Test With Truncation",
	    "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
	    "4c1a03424b55e07fe7f27be1" },
	/* RFC 2404 section 3, test case 2 (a 4-byte key; setkey would
	 * refuse it, the transform does not care). */
	{ "RFC 2404 case 2", ESP_AUTH_HMAC_SHA1_96, "Jefe", 4,
	    "what do ya want for nothing?",
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
	    "effcdf6ae5eb2fa2d27416d5" },
	/* RFC 4868 2.7.2.1, test case AUTH256-2. */
	{ "RFC 4868 AUTH256-2", ESP_AUTH_HMAC_SHA256_128,
	    "JefeJefeJefeJefeJefeJefeJefeJefe", 32,
	    "what do ya want for nothing?",
	    "167f928588c5cc2eef8e3093caa0e87c 9ff566a14794aa61648d81621a2a40c6",
	    "167f928588c5cc2eef8e3093caa0e87c" },
	/* RFC 4868 2.7.2.3, test case AUTH512-2. */
	{ "RFC 4868 AUTH512-2", ESP_AUTH_HMAC_SHA512_256,
	    "JefeJefeJefeJefeJefeJefeJefeJefe"
	    "JefeJefeJefeJefeJefeJefeJefeJefe",
	    64, "what do ya want for nothing?",
	    "cb370917ae8a7ce28cfd1d8f4705d614 1c173b2a9362c15df235dfb251b15454"
	    "6aa334ae9fb9afc2184932d8695e397b fa0ffb93466cfcceaae38c833b7dba38",
	    "cb370917ae8a7ce28cfd1d8f4705d614 "
	    "1c173b2a9362c15df235dfb251b15454" },
};

/* The vectors' other cases, checked against OpenSSL only: their data
 * cannot be read as an ESP packet. */
static void
kat_hmac_openssl(void)
{
	static const struct {
		const char *name;
		int	    md; /* 1, 256, 512 */
		uint8_t	    keyb;
		size_t	    keylen;
		const char *data;
		const char *icv;
	} v[] = {
		/* RFC 2404 section 3, case 1; RFC 4868 AUTH256-1, AUTH512-1. */
		{ "RFC 2404 case 1", 1, 0x0b, 20, "Hi There",
		    "b617318655057264e28bc0b6" },
		{ "RFC 4868 AUTH256-1", 256, 0x0b, 32, "Hi There",
		    "198a607eb44bfbc69903a0f1cf2bbdc5" },
		{ "RFC 4868 AUTH512-1", 512, 0x0b, 64, "Hi There",
		    "637edc6e01dce7e6742a99451aae82df"
		    "23da3e92439e590e43e761b33e910fb8" },
	};
	uint8_t	     key[64], want[64], md[64];
	unsigned int mdlen;
	size_t	     i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(key, v[i].keyb, v[i].keylen);
		n = unhex(v[i].icv, want);
		HMAC(v[i].md == 1      ? EVP_sha1() :
			v[i].md == 256 ? EVP_sha256() :
					 EVP_sha512(),
		    key, (int)v[i].keylen, (const uint8_t *)v[i].data,
		    strlen(v[i].data), md, &mdlen);
		ok(memcmp(md, want, n) == 0 &&
			n == (v[i].md == 1 ? 12u : mdlen / 2),
		    "%s: OpenSSL's HMAC, truncated to %zu bytes, is the "
		    "vector's",
		    v[i].name, n);
	}
}

/*
 * These vectors' data can be read as a NULL-encryption ESP packet: SPI
 * and sequence number are its first 8 bytes, and the rest a payload of a
 * multiple of 4 bytes whose "pad length" is too large. moat must verify
 * the vector's truncated HMAC as the ICV (so it goes on to find the
 * padding bad, not the ICV), and refuse the ICV with a bit flipped.
 */
static void
kat_hmac(const struct hmac_kat *k)
{
	struct esp_sa_params p;
	struct esp_sa	    *in;
	uint8_t		     full[64], icv[64], md[64], buf[256], *pl, nh;
	size_t		     dlen = strlen(k->data), n, icvlen, plen;
	unsigned int	     mdlen;
	const EVP_MD	    *evp = md_of(k->auth, &icvlen);

	unhex(k->full, full);
	n = unhex(k->icv, icv);
	HMAC(evp, k->key, (int)k->keylen, (const uint8_t *)k->data, dlen, md,
	    &mdlen);
	ok(memcmp(md, full, mdlen) == 0 && memcmp(full, icv, n) == 0,
	    "%s: OpenSSL's HMAC is the vector's, and the ICV its first %zu "
	    "bytes",
	    k->name, n);
	ok(n == icvlen, "%s: the ICV is %zu bytes as the RFC says", k->name, n);

	p = params(ESP_ENC_NULL, k->auth, NULL, 0, (const uint8_t *)k->key,
	    k->keylen, false);
	in = esp_sa_new(&p, 1000);
	memcpy(buf, k->data, dlen);
	memcpy(buf + dlen, icv, n);
	ok(esp_open(in, buf, dlen + n, 1000, &pl, &plen, &nh) == ESP_E_PAD &&
		in->st.bad_pad == 1 && in->st.bad_icv == 0,
	    "%s: moat's ICV check accepts the vector's value", k->name);
	esp_sa_free(in);
	in = esp_sa_new(&p, 1000);
	memcpy(buf, k->data, dlen);
	memcpy(buf + dlen, icv, n);
	buf[dlen + n - 1] ^= 0x80;
	ok(esp_open(in, buf, dlen + n, 1000, &pl, &plen, &nh) == ESP_E_ICV &&
		in->st.bad_icv == 1,
	    "%s: ... and refuses it with a bit flipped", k->name);
	esp_sa_free(in);
}

/* ---- Behaviour ------------------------------------------------------- */

struct cfg {
	const char   *name;
	enum esp_enc  enc;
	enum esp_auth auth;
	size_t	      ekeylen, akeylen;
};

static const struct cfg cfgs[] = {
	{ "aes-gcm-16/128", ESP_ENC_AES_GCM_16, ESP_AUTH_NONE, 20, 0 },
	{ "aes-gcm-16/192", ESP_ENC_AES_GCM_16, ESP_AUTH_NONE, 28, 0 },
	{ "aes-gcm-16/256", ESP_ENC_AES_GCM_16, ESP_AUTH_NONE, 36, 0 },
	{ "chacha20-poly1305", ESP_ENC_CHACHA20_POLY1305, ESP_AUTH_NONE, 36,
	    0 },
	{ "aes-cbc/128 hmac-sha1", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA1_96, 16,
	    20 },
	{ "aes-cbc/192 hmac-sha1", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA1_96, 24,
	    20 },
	{ "aes-cbc/256 hmac-sha1", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA1_96, 32,
	    20 },
	{ "aes-cbc/128 hmac-sha256", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA256_128,
	    16, 32 },
	{ "aes-cbc/192 hmac-sha256", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA256_128,
	    24, 32 },
	{ "aes-cbc/256 hmac-sha256", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA256_128,
	    32, 32 },
	{ "aes-cbc/128 hmac-sha512", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA512_256,
	    16, 64 },
	{ "aes-cbc/192 hmac-sha512", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA512_256,
	    24, 64 },
	{ "aes-cbc/256 hmac-sha512", ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA512_256,
	    32, 64 },
	{ "null hmac-sha1", ESP_ENC_NULL, ESP_AUTH_HMAC_SHA1_96, 0, 20 },
	{ "null hmac-sha256", ESP_ENC_NULL, ESP_AUTH_HMAC_SHA256_128, 0, 32 },
	{ "null hmac-sha512", ESP_ENC_NULL, ESP_AUTH_HMAC_SHA512_256, 0, 64 },
};

#define NCFGS (sizeof(cfgs) / sizeof(cfgs[0]))

static struct esp_sa_params
cfg_params(const struct cfg *c, bool esn, uint64_t *x)
{
	uint8_t ek[64], ak[64];

	fill(x, ek, sizeof(ek));
	fill(x, ak, sizeof(ak));
	return params(c->enc, c->auth, ek, c->ekeylen, ak, c->akeylen, esn);
}

/* An SA pair: *out seals, *in opens, both at sequence number start. */
static void
pair(const struct esp_sa_params *p, uint64_t start, struct esp_sa **out,
    struct esp_sa **in)
{
	*out = esp_sa_new(p, 1000);
	*in = esp_sa_new(p, 1000);
	if (*out == NULL || *in == NULL)
		abort();
	(*out)->seq = start;
	if (start > 0)
		esp_replay_update(&(*in)->rp, start);
}

/* Seal len random bytes into buf; the payload is also left in copy. */
static enum esp_err
seal_random(struct esp_sa *sa, uint64_t *x, uint8_t *buf, size_t len,
    uint8_t *copy, uint8_t **o, size_t *olen)
{
	fill(x, buf + ESP_HDR_ROOM, len);
	if (copy != NULL)
		memcpy(copy, buf + ESP_HDR_ROOM, len);
	return esp_seal(sa, buf, BUFSZ, len, 4, 1000, o, olen);
}

/*
 * Every algorithm, key length and ESN setting, payloads of 0 to 64 bytes,
 * 1400 and 8000: the packet is the reference's for the same number and IV,
 * the IV of an AEAD is the sequence number (nonces never repeat), and the
 * peer opens it to the same payload and next header. With ESN the run
 * starts just below 2^32 and crosses it.
 */
static void
roundtrip(const struct cfg *c, bool esn, uint64_t *x)
{
	static uint8_t	     buf[BUFSZ], ref[BUFSZ], payload[BUFSZ];
	struct esp_sa_params p = cfg_params(c, esn, x);
	struct esp_sa	    *out, *in;
	uint8_t		    *o, *pl, nh, want_iv[8];
	size_t		     sizes[67], nsizes = 0, i, olen, plen, bytes = 0;
	size_t		     bad_ref = 0, bad_iv = 0, bad_open = 0, bad_len = 0;
	uint64_t	     start = esn ? 0xffffffffULL - 30 : 0, seq;
	size_t		     ivlen = ivlen_of(c->enc), icvlen, b, k;

	md_of(c->auth, &icvlen);
	if (is_aead(c->enc))
		icvlen = 16;
	b = block_of(c->enc);
	for (i = 0; i <= 64; i++)
		sizes[nsizes++] = i;
	sizes[nsizes++] = 1400;
	sizes[nsizes++] = 8000;
	pair(&p, start, &out, &in);
	for (i = 0; i < nsizes; i++) {
		if (seal_random(out, x, buf, sizes[i], payload, &o, &olen) !=
		    ESP_OK) {
			bad_ref++;
			continue;
		}
		seq = out->seq;
		if (olen != 8 + ivlen + (sizes[i] + 2 + b - 1) / b * b + icvlen)
			bad_len++;
		if (ref_seal(&p, seq, o + 8, payload, sizes[i], 4, ref) !=
			olen ||
		    memcmp(ref, o, olen) != 0)
			bad_ref++;
		if (is_aead(c->enc)) {
			for (k = 0; k < 8; k++)
				want_iv[k] = (uint8_t)(seq >> (56 - 8 * k));
			if (memcmp(o + 8, want_iv, 8) != 0)
				bad_iv++;
		}
		if (esp_open(in, o, olen, 1000, &pl, &plen, &nh) != ESP_OK ||
		    plen != sizes[i] || memcmp(pl, payload, plen) != 0 ||
		    nh != 4)
			bad_open++;
		bytes += sizes[i];
	}
	ok(bad_ref == 0,
	    "%s%s: sealed packets are the reference's (%zu "
	    "differ)",
	    c->name, esn ? " esn" : "", bad_ref);
	ok(bad_len == 0, "%s%s: minimal padding to %zu bytes", c->name,
	    esn ? " esn" : "", b);
	if (is_aead(c->enc))
		ok(bad_iv == 0, "%s%s: the IV is the sequence number", c->name,
		    esn ? " esn" : "");
	ok(bad_open == 0, "%s%s: the peer opens all %zu sizes (%zu fail)",
	    c->name, esn ? " esn" : "", nsizes, bad_open);
	ok(out->st.packets == nsizes && out->st.bytes == bytes &&
		in->st.packets == nsizes && in->st.bytes == bytes &&
		in->rp.top == start + nsizes && out->seq == start + nsizes,
	    "%s%s: counters and window follow", c->name, esn ? " esn" : "");
	esp_sa_free(out);
	esp_sa_free(in);
}

/*
 * A flipped bit anywhere (header, IV, ciphertext, ICV) fails the ICV and
 * changes nothing but bad_icv; the untouched packet opens afterwards.
 */
static void
tamper(const struct cfg *c, bool esn, uint64_t *x)
{
	static uint8_t	     buf[BUFSZ], pkt[BUFSZ], t[BUFSZ];
	struct esp_sa_params p = cfg_params(c, esn, x);
	struct esp_sa	    *out, *in;
	struct esp_sa_stats  st;
	uint8_t		    *o, *pl, nh;
	size_t		     olen, plen, i, f, wrong = 0, tries = 0;
	uint64_t	     start = esn ? 0xfffffff0ULL : 0x1000, top;
	static const uint8_t flips[] = { 0x01, 0x80 };
	enum esp_err	     e;

	pair(&p, start, &out, &in);
	out->seq = start + 4; /* the packet is start + 5, inside the window */
	seal_random(out, x, buf, 41, NULL, &o, &olen);
	memcpy(pkt, o, olen);
	st = in->st;
	top = in->rp.top;
	for (i = 0; i < olen; i++)
		for (f = 0; f < sizeof(flips); f++) {
			memcpy(t, pkt, olen);
			t[i] ^= flips[f];
			tries++;
			e = esp_open(in, t, olen, 1000, &pl, &plen, &nh);
			if (e != ESP_E_ICV && wrong++ == 0)
				diag("  byte %zu ^ 0x%02x: %s", i, flips[f],
				    esp_err_str(e));
		}
	ok(wrong == 0, "%s%s: every one of %zu flipped bits fails the ICV",
	    c->name, esn ? " esn" : "", tries);
	st.bad_icv += tries;
	ok(in->rp.top == top && stats_eq(&in->st, &st),
	    "%s%s: ... and only bad_icv counts them (%llu)", c->name,
	    esn ? " esn" : "", (unsigned long long)in->st.bad_icv);
	memcpy(t, pkt, olen);
	ok(esp_open(in, t, olen, 1000, &pl, &plen, &nh) == ESP_OK &&
		in->rp.top == start + 5,
	    "%s%s: the genuine packet still opens", c->name, esn ? " esn" : "");
	esp_sa_free(out);
	esp_sa_free(in);
}

/* A replayed packet, and one older than the window, are refused and
 * counted as replayed; one inside the window not yet seen passes. */
static void
replay_tests(const struct cfg *c, bool esn, uint64_t *x)
{
	static uint8_t	     buf[BUFSZ], pkts[40][128];
	struct esp_sa_params p = cfg_params(c, esn, x);
	struct esp_sa	    *out, *in;
	uint8_t		    *o, *pl, nh, t[128];
	size_t		     olen[40], plen, i, n;
	uint64_t	     start = esn ? 0xffffffffULL - 20 : 0;

	p.replay = 32;
	pair(&p, start, &out, &in);
	for (i = 0; i < 40; i++) {
		seal_random(out, x, buf, 20, NULL, &o, &n);
		memcpy(pkts[i], o, n);
		olen[i] = n;
	}
	memcpy(t, pkts[0], olen[0]);
	ok(esp_open(in, t, olen[0], 1000, &pl, &plen, &nh) == ESP_OK,
	    "%s%s: the first packet opens", c->name, esn ? " esn" : "");
	memcpy(t, pkts[0], olen[0]);
	ok(esp_open(in, t, olen[0], 1000, &pl, &plen, &nh) == ESP_E_REPLAY &&
		in->st.replayed == 1 && in->st.packets == 1 &&
		in->st.bad_icv == 0,
	    "%s%s: again, it is a replay and counted as one", c->name,
	    esn ? " esn" : "");
	memcpy(t, pkts[39], olen[39]);
	ok(esp_open(in, t, olen[39], 1000, &pl, &plen, &nh) == ESP_OK,
	    "%s%s: the 40th opens", c->name, esn ? " esn" : "");
	memcpy(t, pkts[1], olen[1]);
	if (!esn)
		ok(esp_open(in, t, olen[1], 1000, &pl, &plen, &nh) ==
			    ESP_E_REPLAY &&
			in->st.replayed == 2,
		    "%s: the 2nd is now older than the window of 32", c->name);
	else /* RFC 4303 A2.1: low bits below the window are the next
	      * subspace's, so an old packet fails its ICV instead */
		ok(esp_open(in, t, olen[1], 1000, &pl, &plen, &nh) ==
			    ESP_E_ICV &&
			in->st.replayed == 1 && in->st.bad_icv == 1,
		    "%s esn: the 2nd, older than the window, is read as the "
		    "next subspace's and fails the ICV",
		    c->name);
	memcpy(t, pkts[20], olen[20]);
	ok(esp_open(in, t, olen[20], 1000, &pl, &plen, &nh) == ESP_OK &&
		in->rp.top == start + 40,
	    "%s%s: the 21st, late but inside the window, opens", c->name,
	    esn ? " esn" : "");
	esp_sa_free(out);
	esp_sa_free(in);
}

/*
 * ESN: across 2^32 the wire carries the low bits and the peer infers the
 * rest; the high bits are authenticated, so a peer that infers other high
 * bits (or has no ESN) fails the ICV. Without ESN the number never
 * cycles.
 */
static void
esn_tests(const struct cfg *c, uint64_t *x)
{
	static uint8_t	     buf[BUFSZ];
	struct esp_sa_params p = cfg_params(c, true, x), q;
	struct esp_sa	    *out, *in;
	uint8_t		    *o, *pl, nh;
	size_t		     olen, plen, i, bad = 0;
	uint32_t	     lo;

	pair(&p, 0xfffffffdULL, &out, &in);
	for (i = 0; i < 6; i++) {
		if (seal_random(out, x, buf, 30, NULL, &o, &olen) != ESP_OK) {
			bad++;
			continue;
		}
		lo = (uint32_t)o[4] << 24 | (uint32_t)o[5] << 16 |
		    (uint32_t)o[6] << 8 | o[7];
		if (lo != (uint32_t)(0xfffffffeULL + i) ||
		    esp_open(in, o, olen, 1000, &pl, &plen, &nh) != ESP_OK)
			bad++;
	}
	ok(bad == 0 && in->rp.top == 0x100000003ULL &&
		out->seq == 0x100000003ULL,
	    "%s esn: across 2^32, the wire carries the low bits, the peer "
	    "follows",
	    c->name);
	esp_sa_free(out);
	esp_sa_free(in);

	/* The sender is one subspace ahead of what the receiver infers. */
	pair(&p, 0xfffffff0ULL, &out, &in);
	out->seq = 0x1fffffff0ULL;
	seal_random(out, x, buf, 30, NULL, &o, &olen);
	ok(esp_open(in, o, olen, 1000, &pl, &plen, &nh) == ESP_E_ICV &&
		in->rp.top == 0xfffffff0ULL,
	    "%s esn: other high bits than the receiver infers fail the ICV",
	    c->name);
	esp_sa_free(out);
	esp_sa_free(in);

	/* One side with ESN, the other without, at small numbers. */
	q = p;
	q.esn = false;
	out = esp_sa_new(&p, 1000);
	in = esp_sa_new(&q, 1000);
	seal_random(out, x, buf, 30, NULL, &o, &olen);
	ok(esp_open(in, o, olen, 1000, &pl, &plen, &nh) == ESP_E_ICV,
	    "%s: ESN on one side only fails the ICV, even with high bits 0",
	    c->name);
	esp_sa_free(out);
	esp_sa_free(in);

	/* Without ESN: 0xffffffff is the last number. */
	out = esp_sa_new(&q, 1000);
	out->seq = 0xfffffffeULL;
	ok(seal_random(out, x, buf, 30, NULL, &o, &olen) == ESP_OK &&
		o[4] == 0xff && o[7] == 0xff,
	    "%s: without ESN, 0xffffffff is sent", c->name);
	ok(seal_random(out, x, buf, 30, NULL, &o, &olen) == ESP_E_SEQ &&
		seal_random(out, x, buf, 30, NULL, &o, &olen) == ESP_E_SEQ &&
		out->seq == 0xffffffffULL && out->st.packets == 1,
	    "%s: ... and then sealing fails with ESP_E_SEQ, never cycling",
	    c->name);
	esp_sa_free(out);
	out = esp_sa_new(&p, 1000);
	out->seq = UINT64_MAX - 1;
	ok(seal_random(out, x, buf, 30, NULL, &o, &olen) == ESP_OK &&
		seal_random(out, x, buf, 30, NULL, &o, &olen) == ESP_E_SEQ &&
		out->seq == UINT64_MAX,
	    "%s esn: 2^64-1 is the last number", c->name);
	esp_sa_free(out);
}

/* Hard lifetimes in packets and bytes: the packet that crosses the
 * limit passes, the next one does not, sealing or opening. */
static void
lifetimes(const struct cfg *c, uint64_t *x)
{
	static uint8_t	     buf[BUFSZ], pkts[4][256];
	struct esp_sa_params p = cfg_params(c, false, x);
	struct esp_sa	    *out, *in;
	uint8_t		    *o, *pl, nh;
	size_t		     olen[4], n, plen, i;
	enum esp_err	     e[4];

	p.hard.packets = 3;
	p.soft.packets = 1; /* soft limits never stop traffic */
	out = esp_sa_new(&p, 1000);
	for (i = 0; i < 4; i++) {
		e[i] = seal_random(out, x, buf, 60, NULL, &o, &n);
		if (e[i] == ESP_OK) {
			memcpy(pkts[i], o, n);
			olen[i] = n;
		}
	}
	ok(e[0] == ESP_OK && e[1] == ESP_OK && e[2] == ESP_OK &&
		e[3] == ESP_E_EXPIRED && out->st.packets == 3 && out->seq == 3,
	    "%s: hard 3 packets: 3 sealed, the 4th expired", c->name);
	p.hard.packets = 2;
	in = esp_sa_new(&p, 1000);
	for (i = 0; i < 3; i++)
		e[i] = esp_open(in, pkts[i], olen[i], 1000, &pl, &plen, &nh);
	ok(e[0] == ESP_OK && e[1] == ESP_OK && e[2] == ESP_E_EXPIRED &&
		in->st.packets == 2 && in->rp.top == 2,
	    "%s: hard 2 packets: 2 opened, the 3rd expired, the window "
	    "stays",
	    c->name);
	esp_sa_free(out);
	esp_sa_free(in);

	p.hard.packets = 0;
	p.hard.bytes = 100;
	out = esp_sa_new(&p, 1000);
	for (i = 0; i < 3; i++) {
		e[i] = seal_random(out, x, buf, 60, NULL, &o, &n);
		if (e[i] == ESP_OK) {
			memcpy(pkts[i], o, n);
			olen[i] = n;
		}
	}
	ok(e[0] == ESP_OK && e[1] == ESP_OK && e[2] == ESP_E_EXPIRED &&
		out->st.bytes == 120,
	    "%s: hard 100 bytes: 60 and 60 sealed (crossing), then expired",
	    c->name);
	in = esp_sa_new(&p, 1000);
	memcpy(pkts[2], pkts[1], olen[1]);
	olen[2] = olen[1];
	e[0] = esp_open(in, pkts[0], olen[0], 1000, &pl, &plen, &nh);
	e[1] = esp_open(in, pkts[1], olen[1], 1000, &pl, &plen, &nh);
	e[2] = esp_open(in, pkts[2], olen[2], 1000, &pl, &plen, &nh);
	ok(e[0] == ESP_OK && e[1] == ESP_OK && e[2] == ESP_E_EXPIRED &&
		in->st.bytes == 120 && in->st.replayed == 0,
	    "%s: hard 100 bytes: 60 and 60 opened, then expired (before "
	    "the replay check)",
	    c->name);
	esp_sa_free(out);
	esp_sa_free(in);
}

/* No room to seal, or too short to open: ESP_E_SHORT, nothing changes,
 * not a byte of the buffer. */
static void
short_buffers(const struct cfg *c, uint64_t *x)
{
	static uint8_t	     buf[BUFSZ], copy[BUFSZ];
	struct esp_sa_params p = cfg_params(c, false, x);
	struct esp_sa	    *out, *in;
	struct esp_sa_stats  st;
	uint8_t		    *o, *pl, nh;
	size_t		     olen, plen, need, len = 33, b, icvlen, min;

	b = block_of(c->enc);
	md_of(c->auth, &icvlen);
	if (is_aead(c->enc))
		icvlen = 16;
	need = ESP_HDR_ROOM + (len + 2 + b - 1) / b * b + icvlen;
	pair(&p, 7, &out, &in);
	fill(x, buf, sizeof(buf));
	memcpy(copy, buf, sizeof(buf));
	st = out->st;
	ok(esp_seal(out, buf, need - 1, len, 4, 1000, &o, &olen) ==
		    ESP_E_SHORT &&
		out->seq == 7 && stats_eq(&out->st, &st) &&
		memcmp(buf, copy, sizeof(buf)) == 0,
	    "%s: one byte short of room: ESP_E_SHORT, nothing changed",
	    c->name);
	ok(esp_seal(out, buf, need, len, 4, 1000, &o, &olen) == ESP_OK &&
		o + olen == buf + need,
	    "%s: exactly enough room seals", c->name);
	min = 8 + ivlen_of(c->enc) + icvlen + 4;
	memcpy(copy, o, olen);
	st = in->st;
	ok(esp_open(in, o, min - 1, 1000, &pl, &plen, &nh) == ESP_E_SHORT &&
		esp_open(in, o, 7, 1000, &pl, &plen, &nh) == ESP_E_SHORT &&
		esp_open(in, o, 0, 1000, &pl, &plen, &nh) == ESP_E_SHORT &&
		stats_eq(&in->st, &st) && in->rp.top == 7 &&
		memcmp(o, copy, olen) == 0,
	    "%s: a packet too short to open: ESP_E_SHORT, nothing changed",
	    c->name);
	ok(esp_open(in, o, olen, 1000, &pl, &plen, &nh) == ESP_OK &&
		plen == len,
	    "%s: the whole packet then opens", c->name);
	esp_sa_free(out);
	esp_sa_free(in);
}

/*
 * Authentic packets with a bad trailer, made by the reference: a pad
 * length beyond the plaintext is ESP_E_PAD (counted, and the number used
 * up), one that leaves an empty payload is fine, a ciphertext that is
 * not a whole number of blocks is ESP_E_PAD before anything.
 */
static void
padding(const struct cfg *c, uint64_t *x)
{
	static uint8_t	     pkt[512], pt[64];
	struct esp_sa_params p = cfg_params(c, false, x);
	struct esp_sa	    *in;
	uint8_t		     iv[16], *pl, nh;
	size_t		     b = block_of(c->enc), n, plen, ptlen = 2 * b;
	enum esp_err	     e;

	fill(x, iv, sizeof(iv));
	fill(x, pt, sizeof(pt));
	in = esp_sa_new(&p, 1000);
	pt[ptlen - 2] = (uint8_t)(ptlen - 1); /* one more than there is */
	n = ref_raw(&p, 1, iv, pt, ptlen, pkt);
	ok(esp_open(in, pkt, n, 1000, &pl, &plen, &nh) == ESP_E_PAD &&
		in->st.bad_pad == 1 && in->st.bad_icv == 0 &&
		in->st.packets == 0 && in->rp.top == 1,
	    "%s: pad length beyond the plaintext: ESP_E_PAD, bad_pad, the "
	    "number used up",
	    c->name);
	pt[ptlen - 2] = 0xff;
	n = ref_raw(&p, 2, iv, pt, ptlen, pkt);
	ok(esp_open(in, pkt, n, 1000, &pl, &plen, &nh) == ESP_E_PAD &&
		in->st.bad_pad == 2,
	    "%s: pad length 255: ESP_E_PAD", c->name);
	pt[ptlen - 2] = (uint8_t)(ptlen - 2);
	n = ref_raw(&p, 3, iv, pt, ptlen, pkt);
	ok(esp_open(in, pkt, n, 1000, &pl, &plen, &nh) == ESP_OK && plen == 0 &&
		nh == pt[ptlen - 1],
	    "%s: padding that fills the plaintext leaves an empty payload",
	    c->name);
	n = ref_raw(&p, 4, iv, pt, ptlen, pkt);
	e = esp_open(in, pkt, n - 2, 1000, &pl, &plen, &nh);
	ok(e == ESP_E_PAD && in->rp.top == 3 && in->st.bad_icv == 0,
	    "%s: a ciphertext of no whole blocks: ESP_E_PAD before the ICV "
	    "(%s)",
	    c->name, esp_err_str(e));
	esp_sa_free(in);
}

/* esp_sa_new refuses what is no transform, whoever built the params. */
static void
bad_params(void)
{
	static const uint8_t k[64] = { 1 };
	struct esp_sa_params p;
	struct esp_sa	    *sa;

	p = params(ESP_ENC_AES_GCM_16, ESP_AUTH_NONE, k, 30, NULL, 0, false);
	ok(esp_sa_new(&p, 0) == NULL, "AES-GCM with a 26-byte key: refused");
	p = params(ESP_ENC_AES_GCM_16, ESP_AUTH_HMAC_SHA256_128, k, 20, k, 32,
	    false);
	ok(esp_sa_new(&p, 0) == NULL, "an AEAD with an HMAC: refused");
	p = params(ESP_ENC_AES_CBC, ESP_AUTH_NONE, k, 16, NULL, 0, false);
	ok(esp_sa_new(&p, 0) == NULL, "AES-CBC without integrity: refused");
	p = params(ESP_ENC_NONE, ESP_AUTH_NONE, NULL, 0, NULL, 0, false);
	ok(esp_sa_new(&p, 0) == NULL, "no transform at all: refused");
	p = params(ESP_ENC_AES_CBC, ESP_AUTH_HMAC_SHA1_96, k, 16, k, 20, false);
	ok((sa = esp_sa_new(&p, 0)) != NULL &&
		esp_sa_memory(sa) == sizeof(*sa) + sa->rp.nblocks * 8 +
		    3 * 632,
	    "AES-CBC/HMAC-SHA1: memory counts three cipher contexts and the "
	    "HMAC states inside the SA");
	esp_sa_free(sa);
}

int
main(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t	 i;
	uint32_t spi;
	uint8_t	 hdr[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1 };

	for (i = 0; i < sizeof(aead_kats) / sizeof(aead_kats[0]); i++)
		kat_aead(&aead_kats[i]);
	for (i = 0; i < sizeof(cbc_kats) / sizeof(cbc_kats[0]); i++)
		kat_cbc(&cbc_kats[i]);
	for (i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++)
		kat_hmac(&hmac_kats[i]);
	kat_hmac_openssl();

	for (i = 0; i < NCFGS; i++) {
		roundtrip(&cfgs[i], false, &x);
		roundtrip(&cfgs[i], true, &x);
		tamper(&cfgs[i], false, &x);
		tamper(&cfgs[i], true, &x);
		replay_tests(&cfgs[i], false, &x);
		replay_tests(&cfgs[i], true, &x);
		esn_tests(&cfgs[i], &x);
		lifetimes(&cfgs[i], &x);
		short_buffers(&cfgs[i], &x);
		padding(&cfgs[i], &x);
	}
	bad_params();
	ok(esp_spi(hdr, 8, &spi) == 0 && spi == 0xdeadbeef &&
		esp_spi(hdr, 7, &spi) == -1,
	    "esp_spi reads the SPI of 8 bytes or more");
	for (i = ESP_OK; i <= ESP_E_EXPIRED; i++)
		if (esp_err_str((enum esp_err)i) == NULL)
			break;
	ok(i == ESP_E_EXPIRED + 1, "every error has a description");
	return done_testing();
}
