/* Hashing for the tables of the filter (conntrack, rate matches). */
#ifndef MOAT_HASH_H
#define MOAT_HASH_H

#include <stdint.h>

uint32_t hash_mix(uint32_t, uint32_t);

#endif
