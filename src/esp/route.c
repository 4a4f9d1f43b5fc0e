/*
 * Route lookups for the packet path: which interface a destination
 * leaves by and whether it is one of ours, as the kernel answers
 * RTM_GETROUTE. Answers are kept for a second in a small direct-mapped
 * cache, so a flow costs one lookup a second; interface names by index
 * likewise.
 */
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "dp_int.h"
#include "hash.h"

#define RT_TTL_MS 1000

struct rt_answer {
	uint32_t oif;
	uint8_t	 type;
	uint32_t mtu;
};

static int
attr_cb(const struct nlattr *a, void *arg)
{
	struct rt_answer *r = arg;
	struct nlattr	 *m;

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		r->oif = mnl_attr_get_u32(a);
		break;
	case RTA_METRICS:
		mnl_attr_for_each_nested(m, a)
			if (mnl_attr_get_type(m) == RTAX_MTU)
			r->mtu = mnl_attr_get_u32(m);
		break;
	}
	return MNL_CB_OK;
}

static int
route_cb(const struct nlmsghdr *h, void *arg)
{
	struct rt_answer *r = arg;
	struct rtmsg	 *rm = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->type = rm->rtm_type;
	mnl_attr_parse(h, sizeof(*rm), attr_cb, r);
	return MNL_CB_OK;
}

static int
ask(struct nl *nl, const struct addr *dst, struct dp_route *out)
{
	char		 buf[NL_BUFSZ];
	struct nlmsghdr *h = nl_request(nl, buf, RTM_GETROUTE, 0);
	struct rtmsg	*rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));
	struct rt_answer r = { 0 };

	rm->rtm_family = AF_INET;
	rm->rtm_dst_len = 32;
	mnl_attr_put(h, RTA_DST, 4, dst->u.b);
	if (nl_talk(nl, h, route_cb, &r) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->local = r.type == RTN_LOCAL;
	out->mtu = r.mtu;
	if (r.oif == 0 || if_indextoname(r.oif, out->ifname) == NULL)
		out->ifname[0] = '\0';
	if (out->local) /* as Linux reports it, but the filter's out is lo */
		strcpy(out->ifname, "lo");
	return 0;
}

int
dp_route(struct dp_rtcache *c, struct nl *nl, const struct addr *dst,
    uint64_t now, struct dp_route *out)
{
	struct dp_rtent *e = &c->e[hash_mix(0, dst->u.w[0]) % DP_RTCACHE];

	if (e->expires > now && addr_eq(&e->dst, dst)) {
		*out = e->r;
		return 0;
	}
	if (ask(nl, dst, out) == -1) {
		/* Unreachable: no route, no interface. */
		memset(out, 0, sizeof(*out));
		return -1;
	}
	e->dst = *dst;
	e->r = *out;
	e->expires = now + RT_TTL_MS;
	return 0;
}

/*
 * if_indextoname opens a socket for every question; the data plane asks
 * for every datagram it receives, so answers are kept for RT_TTL_MS like
 * routes (a renamed interface is seen within a second).
 */
const char *
dp_ifname(struct dp_ifcache *c, unsigned int index, uint64_t now)
{
	struct dp_ifent *e = &c->e[index % DP_IFCACHE];

	if (e->expires > now && e->index == index)
		return e->name;
	if (if_indextoname(index, e->name) == NULL)
		e->name[0] = '\0';
	e->index = index;
	e->expires = now + RT_TTL_MS;
	return e->name;
}
