/*
 * The TUN device (Linux's Documentation/networking/tuntap.rst): opened
 * without packet information, non-blocking, then set up with its MTU.
 * Every packet is preceded by a struct virtio_net_hdr (IFF_VNET_HDR), and
 * the device takes checksum and TCPv4 segmentation offload
 * (TUNSETOFFLOAD), so the kernel may hand the data plane TCP packets of
 * up to 64 KB with their checksum left partial, as wireguard-go and
 * virtio-net devices take them; the data plane segments them (gso.c).
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <unistd.h>

#include "dp_int.h"
#include "log.h"

/* moat carries IPv4 only: without IPv6 on the device the kernel gives
 * it no link-local address and sends no router solicitations into it,
 * which the data plane could only count as bad packets. A kernel
 * without IPv6 has no such file, and nothing to turn off. */
static void
no_ipv6(const char *name)
{
	char path[64 + IFNAMSIZ];
	int  fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_info("TUN device '%s': IPv6 stays on: %s: %s", name,
			    path, strerror(errno));
		return;
	}
	if (write(fd, "1\n", 2) != 2)
		log_info("TUN device '%s': IPv6 stays on: %s: %s", name, path,
		    strerror(errno));
	close(fd);
}

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
	int	     fd, hsz = sizeof(struct virtio_net_hdr);

	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1) {
		log_error("/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		log_error("TUN device '%s': %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hsz) == -1) {
		log_error("TUN device '%s': virtio header: %s", name,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/* Without offloads the kernel segments and checksums itself. */
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) == -1)
		log_info("TUN device '%s': no offloads: %s", name,
		    strerror(errno));
	no_ipv6(ifr.ifr_name);
	if (link_up(name, mtu) == -1) {
		log_error("TUN device '%s': cannot set it up with MTU %u: %s",
		    name, mtu, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
