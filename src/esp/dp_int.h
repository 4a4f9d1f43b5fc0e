/* The data plane's pieces (dp.c, route.c, tun.c). */
#ifndef MOAT_DP_INT_H
#define MOAT_DP_INT_H

#include <sys/uio.h>

#include <linux/virtio_net.h>
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

/* Interface names by index, kept as long as routes. */
#define DP_IFCACHE 16

struct dp_ifent {
	unsigned int index;
	char	     name[IFNAMSIZ];
	uint64_t     expires;
};

struct dp_ifcache {
	struct dp_ifent e[DP_IFCACHE];
};

/* The name of interface index, or "" if it has none. */
const char *dp_ifname(struct dp_ifcache *, unsigned int index, uint64_t now);

/*
 * gso.c: TCP super-packets of the TUN device's offloads cut into
 * segments, and segments coalesced into one.
 */
#define DP_GRO_MAX 64 /* segments in one super-packet */

/* The RFC 1071 sum of len bytes added to sum (network order, unfolded);
 * chunks after the first must start at an even offset. */
uint32_t dp_csum_add(uint32_t sum, const uint8_t *, size_t len);
/* The checksum of a sum: folded to 16 bits and complemented. */
uint16_t dp_csum_fold(uint32_t sum);
/* VIRTIO_NET_HDR_F_NEEDS_CSUM: the sum from start to len, whose field
 * at start + off holds the pseudo-header's, stored there; -1 if the
 * offsets are outside the packet. */
int dp_csum_complete(uint8_t *, size_t len, size_t start, size_t off);

struct dp_tso {
	const uint8_t *pkt;
	size_t	       iphl, hl; /* IPv4 header, IPv4 and TCP headers */
	size_t	       plen, mss; /* the payload, and of one segment */
	unsigned int   n; /* segments */
};

/* A whole IPv4 TCP packet of len bytes to cut into payloads of mss; -1
 * if it is not one. */
int dp_tso_init(struct dp_tso *, const uint8_t *, size_t len, size_t mss);
/* Segment i < n written to out (room for hl + mss); its length. */
size_t dp_tso_seg(const struct dp_tso *, unsigned int i, uint8_t *out);

struct dp_gro {
	uint8_t	    *head; /* the first segment: its headers are kept */
	size_t	     hl, mss, len; /* headers, payload of one, in all */
	uint32_t     next_seq;
	uint16_t     next_id;
	unsigned int n;
	bool	     psh, closed;
	struct iovec iov[1 + DP_GRO_MAX]; /* the virtio header, then data */
};

/* Whether the packet can begin a super-packet (then it has begun one). */
bool dp_gro_start(struct dp_gro *, uint8_t *, size_t len);
/* Whether the packet joined the super-packet; it must stay in place. */
bool dp_gro_append(struct dp_gro *, uint8_t *, size_t len);
/* Writes the virtio header (GSO_TCPV4, or none for one segment), fixes
 * the first segment's headers, and returns the length of iov. */
int dp_gro_finish(struct dp_gro *, struct virtio_net_hdr *);

/* nfq.c: cleartext packets that the kernel queues to the filter. */
struct dp_nfq;
struct fw_evaluator;

struct dp_nfq *dp_nfq_open(uint16_t queue);
void	       dp_nfq_close(struct dp_nfq *);
int	       dp_nfq_fd(const struct dp_nfq *);
void dp_nfq_read(struct dp_nfq *, struct fw_evaluator *, uint64_t now,
    uint64_t *dropped);

#endif
