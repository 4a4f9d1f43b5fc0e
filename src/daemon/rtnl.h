/* Routes that moatd adds through its TUN device, and removes again. */
#ifndef MOAT_RTNL_H
#define MOAT_RTNL_H

#include <stdbool.h>

#include "addr.h"

int rtnl_route(bool add, const struct prefix *, const char *ifname);

#endif
