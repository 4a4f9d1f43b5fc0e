/* rtnetlink requests (nl.h). */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"

struct nl {
	struct mnl_socket *s;
	uint32_t	   portid;
	uint32_t	   seq;
};

struct nl *
nl_open(void)
{
	struct nl *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(n->s, 0, MNL_SOCKET_AUTOPID) == -1) {
		nl_close(n);
		return NULL;
	}
	n->portid = mnl_socket_get_portid(n->s);
	n->seq = (uint32_t)time(NULL);
	return n;
}

void
nl_close(struct nl *n)
{
	if (n == NULL)
		return;
	if (n->s != NULL)
		mnl_socket_close(n->s);
	free(n);
}

struct nlmsghdr *
nl_request(struct nl *n, void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++n->seq;
	return h;
}

int
nl_talk(struct nl *n, struct nlmsghdr *h, mnl_cb_t cb, void *arg)
{
	char	buf[NL_BUFSZ];
	ssize_t len;
	int	rc;

	if (mnl_socket_sendto(n->s, h, h->nlmsg_len) < 0)
		return -1;
	do {
		if ((len = mnl_socket_recvfrom(n->s, buf, sizeof(buf))) < 0)
			return -1;
		rc = mnl_cb_run(buf, (size_t)len, h->nlmsg_seq, n->portid, cb, arg);
	} while (rc > 0);
	return rc < 0 ? -1 : 0;
}
