/* moatd's configuration file, moat.conf(5). */
#ifndef MOAT_CONF_H
#define MOAT_CONF_H

#include <limits.h>
#include <net/if.h>

#include "addr.h"

#define CONF_MAXROUTES 64

struct conf {
	char	      tunnel[IFNAMSIZ];
	uint32_t      mtu;
	struct addr   local;
	uint32_t      outer_mtu;
	uint16_t      natt_port; /* 0: off */
	int	      queue; /* NFQUEUE queue, -1: none */
	char	      rules[PATH_MAX];
	char	      keys[PATH_MAX]; /* "" when none */
	char	      control[PATH_MAX];
	struct prefix route[CONF_MAXROUTES];
	int	      nroutes;
};

/* 0, or -1 with every error reported to stderr as FILE:LINE: why. */
int conf_load(const char *path, struct conf *);

#endif
