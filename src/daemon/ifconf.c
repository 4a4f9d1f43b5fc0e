/*
 * Addresses and routes through rtnetlink (ifconf.h). NLM_F_EXCL makes
 * the kernel refuse an address or a route that exists, so that what
 * moatd removes later is only what it added.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "ifconf.h"
#include "log.h"
#include "nl.h"

int
ifconf_addr(bool add, const struct addr *a, const char *dev)
{
	char		  buf[NL_BUFSZ], s[ADDR_STRLEN];
	struct nl	 *nl;
	struct nlmsghdr	 *h;
	struct ifaddrmsg *ifa;
	unsigned int	  ifi = if_nametoindex(dev);
	int		  rc = -1, e;

	if (ifi == 0 || (nl = nl_open()) == NULL) {
		log_error("address on %s: %s", dev, strerror(errno));
		return -1;
	}
	h = nl_request(nl, buf, add ? RTM_NEWADDR : RTM_DELADDR,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifi;
	mnl_attr_put(h, IFA_LOCAL, 4, a->u.b);
	mnl_attr_put(h, IFA_ADDRESS, 4, a->u.b);
	if (nl_talk(nl, h, NULL, NULL) == 0)
		rc = 0;
	e = errno;
	if (rc == -1 && !(add && e == EEXIST))
		log_error("%s address %s/32 on %s: %s",
		    add ? "cannot add" : "cannot remove",
		    addr_ntop(a, s, sizeof(s)), dev, strerror(e));
	nl_close(nl);
	errno = e;
	return rc;
}

int
ifconf_route(
    bool add, const struct prefix *p, const struct addr *src, const char *dev)
{
	char		 buf[NL_BUFSZ], s[PREFIX_STRLEN];
	struct nl	*nl;
	struct nlmsghdr *h;
	struct rtmsg	*rm;
	unsigned int	 oif = if_nametoindex(dev);
	int		 rc = -1, e;

	if (oif == 0 || (nl = nl_open()) == NULL) {
		log_error("route via %s: %s", dev, strerror(errno));
		return -1;
	}
	h = nl_request(nl, buf, add ? RTM_NEWROUTE : RTM_DELROUTE,
	    add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	rm = mnl_nlmsg_put_extra_header(h, sizeof(*rm));
	rm->rtm_family = AF_INET;
	rm->rtm_dst_len = (unsigned char)prefix_len(p);
	rm->rtm_table = RT_TABLE_MAIN;
	rm->rtm_protocol = RTPROT_STATIC;
	rm->rtm_scope = RT_SCOPE_LINK;
	rm->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_DST, 4, p->addr.u.b);
	mnl_attr_put_u32(h, RTA_OIF, oif);
	if (src != NULL && src->af != 0)
		mnl_attr_put(h, RTA_PREFSRC, 4, src->u.b);
	if (nl_talk(nl, h, NULL, NULL) == 0)
		rc = 0;
	e = errno;
	if (rc == -1 && !(add && e == EEXIST))
		log_error("%s route %s via %s: %s",
		    add ? "cannot add" : "cannot remove",
		    prefix_ntop(p, s, sizeof(s)), dev, strerror(e));
	nl_close(nl);
	errno = e;
	return rc;
}
