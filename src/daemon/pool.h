/*
 * The address pool of the gateway: virtual addresses handed to clients in
 * the configuration payload. A lease belongs to an identity; when its
 * IKE_SA goes the lease is released but remembered, so the same identity
 * gets the same address back while no one else needed it. Two identities
 * never hold the same address.
 */
#ifndef MOAT_POOL_H
#define MOAT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct pool;

/* The IPv4 prefix's addresses without its network and broadcast
 * addresses and without the excluded ones (the gateway's own). NULL if
 * the prefix holds no usable address or memory is short. */
struct pool *pool_new(const struct prefix *, const struct addr *exclude,
    size_t nexclude);
void	     pool_free(struct pool *);

/*
 * An address for identity: its current lease if it holds one (a second
 * IKE_SA of the same identity shares it), else its remembered one if
 * still free, else the lowest address never leased, else the one
 * released longest ago. -1 when every address is held (the answer is
 * INTERNAL_ADDRESS_FAILURE). now is ev_now_ms() time.
 */
int pool_acquire(struct pool *, const char *identity, uint64_t now,
    struct addr *);
/* Releases one hold of identity's lease (acquire counts holds). */
void pool_release(struct pool *, const char *identity, uint64_t now);

struct pool_lease {
	struct addr addr;
	const char *identity;
	unsigned    holds; /* 0: released, remembered */
	uint64_t    since; /* acquired or released at */
};
/* The leases, online and remembered, in address order; returns how many
 * were written (at most n) and *total how many there are. */
size_t pool_leases(const struct pool *, struct pool_lease *, size_t n,
    size_t *total);
size_t pool_size(const struct pool *);

#endif
