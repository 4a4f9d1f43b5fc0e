/* Routes through the TUN device (rtnl.h): RTM_NEWROUTE refuses one that
 * exists, so moatd never takes over a route it did not add. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "nl.h"
#include "rtnl.h"

int
rtnl_route(bool add, const struct prefix *p, const char *ifname)
{
	char		 buf[NL_BUFSZ], s[PREFIX_STRLEN];
	struct nl	*nl;
	struct nlmsghdr *h;
	struct rtmsg	*rm;
	unsigned int	 oif = if_nametoindex(ifname);
	int		 rc = -1;

	if (oif == 0 || (nl = nl_open()) == NULL) {
		log_error("route via %s: %s", ifname, strerror(errno));
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
	if (nl_talk(nl, h, NULL, NULL) == 0)
		rc = 0;
	else
		log_error("%s route %s via %s: %s", add ? "cannot add" :
		    "cannot remove", prefix_ntop(p, s, sizeof(s)), ifname,
		    strerror(errno));
	nl_close(nl);
	return rc;
}
