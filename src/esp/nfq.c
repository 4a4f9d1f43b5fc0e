/*
 * Cleartext traffic through the filter: packets that the kernel hands to
 * an NFQUEUE queue (linux/netfilter/nfnetlink_queue.h) are decided by the
 * same evaluator as the tunnel's, at the hook they were queued from,
 * without a security path, so a forged packet with a VPN source address
 * meets the rules that ask for one. The kernel side is one rule that the
 * operator adds (moat.conf(5)); packets queued while moatd is not there
 * are dropped.
 */
#include <netinet/in.h> /* before the linux headers, which then defer */

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_int.h"
#include "fw.h"
#include "log.h"

struct dp_nfq {
	struct mnl_socket *s;
	uint32_t	   portid;
	uint16_t	   queue;
};

static struct nlmsghdr *
header(char *buf, uint16_t type, uint16_t queue)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	h->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	h->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(queue);
	return h;
}

struct dp_nfq *
dp_nfq_open(uint16_t queue)
{
	char			 buf[NL_BUFSZ];
	struct dp_nfq		*q;
	struct nlmsghdr		*h;
	struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND,
		.pf = htons(AF_INET) };
	struct nfqnl_msg_config_params par = { .copy_range = htonl(0xffff),
		.copy_mode = NFQNL_COPY_PACKET };

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->queue = queue;
	if ((q->s = mnl_socket_open2(NETLINK_NETFILTER,
		 SOCK_NONBLOCK | SOCK_CLOEXEC)) == NULL ||
	    mnl_socket_bind(q->s, 0, MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	q->portid = mnl_socket_get_portid(q->s);
	h = header(buf, NFQNL_MSG_CONFIG, queue);
	mnl_attr_put(h, NFQA_CFG_CMD, sizeof(cmd), &cmd);
	mnl_attr_put(h, NFQA_CFG_PARAMS, sizeof(par), &par);
	if (mnl_socket_sendto(q->s, h, h->nlmsg_len) < 0)
		goto fail;
	return q;
fail:
	log_error("NFQUEUE queue %u: %s", queue, strerror(errno));
	dp_nfq_close(q);
	return NULL;
}

void
dp_nfq_close(struct dp_nfq *q)
{
	if (q == NULL)
		return;
	if (q->s != NULL)
		mnl_socket_close(q->s);
	free(q);
}

int
dp_nfq_fd(const struct dp_nfq *q)
{
	return mnl_socket_get_fd(q->s);
}

struct queued {
	uint32_t       id;
	uint8_t	       hook;
	uint32_t       in, out;
	const uint8_t *payload;
	size_t	       len;
	bool	       has_hdr;
};

static int
attr_cb(const struct nlattr *a, void *arg)
{
	struct queued		     *p = arg;
	struct nfqnl_msg_packet_hdr ph;

	switch (mnl_attr_get_type(a)) {
	case NFQA_PACKET_HDR:
		if (mnl_attr_get_payload_len(a) < sizeof(ph))
			break;
		memcpy(&ph, mnl_attr_get_payload(a), sizeof(ph));
		p->id = ntohl(ph.packet_id);
		p->hook = ph.hook;
		p->has_hdr = true;
		break;
	case NFQA_IFINDEX_INDEV:
		if (mnl_attr_get_payload_len(a) >= 4)
			p->in = ntohl(mnl_attr_get_u32(a));
		break;
	case NFQA_IFINDEX_OUTDEV:
		if (mnl_attr_get_payload_len(a) >= 4)
			p->out = ntohl(mnl_attr_get_u32(a));
		break;
	case NFQA_PAYLOAD:
		p->payload = mnl_attr_get_payload(a);
		p->len = mnl_attr_get_payload_len(a);
		break;
	}
	return MNL_CB_OK;
}

static void
verdict(struct dp_nfq *q, uint32_t id, bool accept)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*h = header(buf, NFQNL_MSG_VERDICT, q->queue);
	struct nfqnl_msg_verdict_hdr v = { .verdict = htonl(accept ? NF_ACCEPT :
									 NF_DROP),
		.id = htonl(id) };

	mnl_attr_put(h, NFQA_VERDICT_HDR, sizeof(v), &v);
	if (mnl_socket_sendto(q->s, h, h->nlmsg_len) < 0)
		log_warn("NFQUEUE verdict: %s", strerror(errno));
}

struct run {
	struct dp_nfq	    *q;
	struct fw_evaluator *fw;
	double		     t;
	uint64_t	    *dropped;
};

static int
packet_cb(const struct nlmsghdr *h, void *arg)
{
	struct run	 *r = arg;
	struct queued	  p = { 0 };
	struct fw_pkt	  pk;
	struct fw_verdict v;
	bool		  accept = false;

	if ((h->nlmsg_type & 0xff) != NFQNL_MSG_PACKET)
		return MNL_CB_OK;
	mnl_attr_parse(h, sizeof(struct nfgenmsg), attr_cb, &p);
	if (!p.has_hdr)
		return MNL_CB_OK;
	if (p.payload != NULL && p.hook < FW_NHOOKS &&
	    fw_pkt_from_ip(p.payload, p.len, &pk) == 0) {
		pk.hook = (enum fw_hook)p.hook; /* NF_INET_* order */
		if (p.in == 0 || if_indextoname(p.in, pk.in) == NULL)
			pk.in[0] = '\0';
		if (p.out == 0 || if_indextoname(p.out, pk.out) == NULL)
			pk.out[0] = '\0';
		pk.t = r->t;
		fw_evaluate(r->fw, &pk, &v, NULL);
		accept = strcmp(v.verdict, "ACCEPT") == 0;
	}
	if (!accept)
		(*r->dropped)++;
	verdict(r->q, p.id, accept);
	return MNL_CB_OK;
}

void
dp_nfq_read(struct dp_nfq *q, struct fw_evaluator *fw, uint64_t now,
    uint64_t *dropped)
{
	char	   buf[0xffff + 512];
	struct run r = { q, fw, (double)now / 1000, dropped };
	ssize_t	   n;
	int	   i;

	for (i = 0; i < 32; i++) {
		if ((n = mnl_socket_recvfrom(q->s, buf, sizeof(buf))) <= 0)
			break;
		mnl_cb_run(buf, (size_t)n, 0, q->portid, packet_cb, &r);
	}
}
