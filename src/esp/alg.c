/*
 * The algorithms an SA may use: setkey's names and key lengths in bits
 * (ipsec-tools setkey(8); chacha20-poly1305 is moat's, with RFC 7634's
 * 256-bit key and 32-bit salt), and the names printed back.
 */
#include <string.h>

#include "esp.h"

static const struct esp_algdef algs[] = {
	/* RFC 4106: 128/192/256-bit AES key followed by a 32-bit salt. */
	{ "aes-gcm-16", ESP_ENC_AES_GCM_16, -1, { 160, 224, 288 } },
	{ "chacha20-poly1305", ESP_ENC_CHACHA20_POLY1305, -1, { 288 } },
	{ "aes-cbc", ESP_ENC_AES_CBC, -1, { 128, 192, 256 } },
	{ "rijndael-cbc", ESP_ENC_AES_CBC, -1, { 128, 192, 256 } },
	{ "null", ESP_ENC_NULL, -1, { 0 } },
	{ "hmac-sha1", -1, ESP_AUTH_HMAC_SHA1_96, { 160 } },
	{ "hmac-sha256", -1, ESP_AUTH_HMAC_SHA256_128, { 256 } },
	{ "hmac-sha512", -1, ESP_AUTH_HMAC_SHA512_256, { 512 } },
};

#define NALGS (sizeof(algs) / sizeof(algs[0]))

const struct esp_algdef *
esp_alg_byname(const char *name, bool enc)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (strcmp(algs[i].name, name) == 0 &&
		    (enc ? algs[i].enc != -1 : algs[i].auth != -1))
			return &algs[i];
	return NULL;
}

static const struct esp_algdef *
find(int enc, int auth)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if ((enc != -1 && algs[i].enc == enc) ||
		    (auth != -1 && algs[i].auth == auth))
			return &algs[i];
	return NULL;
}

const char *
esp_enc_name(enum esp_enc e)
{
	const struct esp_algdef *a = find((int)e, -1);

	return a != NULL ? a->name : "none";
}

const char *
esp_auth_name(enum esp_auth x)
{
	const struct esp_algdef *a = find(-1, (int)x);

	return a != NULL ? a->name : "none";
}

static bool
keylen_ok(const struct esp_algdef *a, size_t len)
{
	size_t i;

	if (a == NULL)
		return len == 0;
	if (a->keybits[0] == 0) /* null: no key */
		return len == 0;
	for (i = 0; i < 3 && a->keybits[i] != 0; i++)
		if (a->keybits[i] == len * 8)
			return true;
	return false;
}

bool
esp_enc_keylen_ok(enum esp_enc e, size_t len)
{
	return keylen_ok(e == ESP_ENC_NONE ? NULL : find((int)e, -1), len);
}

bool
esp_auth_keylen_ok(enum esp_auth x, size_t len)
{
	return keylen_ok(x == ESP_AUTH_NONE ? NULL : find(-1, (int)x), len);
}
