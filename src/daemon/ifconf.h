/* The client role's address and routes on the TUN device (ifconf.c). */
#ifndef MOAT_IFCONF_H
#define MOAT_IFCONF_H

#include <stdbool.h>

#include "addr.h"

/* addr/32 on dev. Adding one that exists fails with errno EEXIST and is
 * not logged; other failures are. */
int ifconf_addr(bool add, const struct addr *, const char *dev);
/* A route to p through dev with source src (af 0: none). Adding one
 * that exists (to p in the main table, by any device) fails with errno
 * EEXIST and is not logged: moatd never takes a route over. */
int ifconf_route(
    bool add, const struct prefix *p, const struct addr *src, const char *dev);

#endif
