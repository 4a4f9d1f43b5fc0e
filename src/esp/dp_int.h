/* The data plane's pieces (dp.c, route.c, tun.c). */
#ifndef MOAT_DP_INT_H
#define MOAT_DP_INT_H

#include <net/if.h>

#include "esp_int.h"
#include "nl.h"

#define DP_RTCACHE 256

struct dp_route {
	char	 ifname[IFNAMSIZ]; /* "" when there is no route */
	bool	 local;
	uint32_t mtu; /* of the route, 0 when it sets none */
};

struct dp_rtent {
	struct addr	dst;
	struct dp_route r;
	uint64_t	expires;
};

struct dp_rtcache {
	struct dp_rtent e[DP_RTCACHE];
};

/* The route to dst, from the cache or the kernel; -1 if there is none. */
int dp_route(struct dp_rtcache *, struct nl *, const struct addr *,
    uint64_t now, struct dp_route *);

/* nfq.c: cleartext packets that the kernel queues to the filter. */
struct dp_nfq;
struct fw_evaluator;

struct dp_nfq *dp_nfq_open(uint16_t queue);
void	       dp_nfq_close(struct dp_nfq *);
int	       dp_nfq_fd(const struct dp_nfq *);
void dp_nfq_read(struct dp_nfq *, struct fw_evaluator *, uint64_t now,
    uint64_t *dropped);

#endif
