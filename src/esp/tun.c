/* The TUN device (Linux's Documentation/networking/tuntap.rst): opened
 * without packet information, non-blocking, then set up with its MTU. */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <unistd.h>

#include "dp_int.h"
#include "log.h"

static int
link_up(const char *name, uint32_t mtu)
{
	char		  buf[NL_BUFSZ];
	struct nl	 *nl;
	struct nlmsghdr	 *h;
	struct ifinfomsg *ifi;
	int		  rc = -1;

	if ((nl = nl_open()) == NULL)
		return -1;
	h = nl_request(nl, buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)if_nametoindex(name);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_u32(h, IFLA_MTU, mtu);
	if (ifi->ifi_index != 0 && nl_talk(nl, h, NULL, NULL) == 0)
		rc = 0;
	nl_close(nl);
	return rc;
}

int
esp_tun_open(const char *name, uint32_t mtu)
{
	struct ifreq ifr;
	int	     fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_error("/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		log_error("TUN device '%s': %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (link_up(name, mtu) == -1) {
		log_error("TUN device '%s': cannot set it up with MTU %u: %s",
		    name, mtu, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
