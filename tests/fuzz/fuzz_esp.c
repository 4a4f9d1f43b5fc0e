/*
 * Fuzz the ESP input path: the first byte picks an SA (every algorithm,
 * with and without ESN), the rest is an ESP packet opened in place; what
 * opens is parsed as the inner packet the filter would see. Half the
 * inputs are sealed first, so that the fuzzer also reaches past the ICV
 * with payloads of its choice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_int.h"
#include "fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct {
	enum esp_enc  enc;
	size_t	      ekeylen;
	enum esp_auth auth;
	size_t	      akeylen;
} sas[] = {
	{ ESP_ENC_AES_GCM_16, 20, ESP_AUTH_NONE, 0 },
	{ ESP_ENC_AES_GCM_16, 36, ESP_AUTH_NONE, 0 },
	{ ESP_ENC_CHACHA20_POLY1305, 36, ESP_AUTH_NONE, 0 },
	{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA256_128, 32 },
	{ ESP_ENC_AES_CBC, 32, ESP_AUTH_HMAC_SHA512_256, 64 },
	{ ESP_ENC_AES_CBC, 16, ESP_AUTH_HMAC_SHA1_96, 20 },
	{ ESP_ENC_NULL, 0, ESP_AUTH_HMAC_SHA256_128, 32 },
};

#define NSAS (sizeof(sas) / sizeof(sas[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	     buf[ESP_HDR_ROOM + 9216 + ESP_OVERHEAD_MAX];
	struct esp_sa_params p = { .spi = 0x1000, .mode = ESP_MODE_TUNNEL,
		.replay = 64 };
	struct esp_sa	    *sa;
	struct fw_pkt	     pk;
	uint8_t		    *pl, *pkt = buf, next;
	size_t		     plen, len;
	unsigned	     k;

	if (size < 1 || size - 1 > 9216)
		return 0;
	k = data[0] % (2 * NSAS);
	p.esn = (data[0] >> 4) & 1;
	p.enc = sas[k % NSAS].enc;
	p.ekeylen = sas[k % NSAS].ekeylen;
	p.auth = sas[k % NSAS].auth;
	p.akeylen = sas[k % NSAS].akeylen;
	memset(p.ekey, 0x11, p.ekeylen);
	memset(p.akey, 0x22, p.akeylen);
	if ((sa = esp_sa_new(&p, 0)) == NULL)
		abort();
	len = size - 1;
	if (k >= NSAS) {
		memcpy(buf + ESP_HDR_ROOM, data + 1, len);
		if (esp_seal(sa, buf, sizeof(buf), len, 4, 0, &pkt, &len) !=
		    ESP_OK)
			abort();
	} else
		memcpy(buf, data + 1, len);
	if (esp_open(sa, pkt, len, 0, &pl, &plen, &next) == ESP_OK) {
		if (k >= NSAS && (plen != size - 1 ||
		    memcmp(pl, data + 1, plen) != 0 || next != 4))
			abort(); /* a sealed packet must open to itself */
		fw_pkt_from_ip(pl, plen, &pk);
	} else if (k >= NSAS)
		abort();
	esp_sa_free(sa);
	return 0;
}
