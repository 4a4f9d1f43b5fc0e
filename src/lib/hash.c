/* Hashing for the tables of the filter. */
#include "hash.h"

/* One 32-bit word into the running hash h: MurmurHash3's block step, with
 * its published constants. Callers seed h with a secret. */
uint32_t
hash_mix(uint32_t h, uint32_t w)
{
	w *= 0xcc9e2d51;
	w = (w << 15) | (w >> 17);
	w *= 0x1b873593;
	h ^= w;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64;
}
