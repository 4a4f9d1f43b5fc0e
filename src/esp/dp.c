/*
 * The data plane (esp.h): one thread, a TUN device and two sockets, and
 * the packet path of DESIGN.md.
 *
 * Out: a packet read from TUN is looked up in the SPD; a protect policy
 * names the SA; the filter sees it as OUTPUT (a local source) or FORWARD
 * with the SA as its dir-out path; it is sealed, and the ESP datagram is
 * an OUTPUT packet of its own before it is sent. In: an ESP datagram is
 * an INPUT packet first (dropped there means never decrypted); it is
 * opened, its inner packet must fit the in or fwd policy of its SA, and
 * the filter sees it as INPUT or FORWARD with the SA as its dir-in path
 * before it is written to TUN.
 *
 * Sockets are read and written in batches (recvmmsg, sendmmsg); TUN has
 * no batch calls, so it is read until a batch is full or it is empty.
 * Buffers are the data plane's own; nothing is allocated per packet.
 *
 * TUN carries a virtio header with every packet (tun.c). A TCP
 * super-packet read from it is one packet for the SPD and the filter and
 * is cut into segments of the size the kernel asked for, each sealed into
 * an ESP datagram of its own; a batch's opened in-order segments of one
 * flow and SA are written to TUN as one super-packet. That is where Linux
 * runs netfilter on such traffic too: a GSO packet is forwarded (FORWARD,
 * OUTPUT) once and only xfrm_output_gso segments it, each segment then
 * an ESP packet of its own through LOCAL_OUT and POSTROUTING; and
 * xfrm_input hands a tunnel's decrypted packets to gro_cells_receive, so
 * they reach PREROUTING, INPUT and FORWARD coalesced.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_int.h"
#include "ev.h"
#include "fw.h"
#include "log.h"

#define BATCH 64 /* datagrams per recvmmsg */
#define OUTQ 64 /* ESP datagrams per sendmmsg */
#define TUN_READS 32 /* TUN reads per wakeup */
#define SLOT 9216 /* the largest packet, plus room below and after it */
#define TUNBUF (sizeof(struct virtio_net_hdr) + 65535)
#define SOCKBUF (4 << 20) /* bytes: a burst of 64 KB packets, cut up */
#define HEADROOM 64 /* an IPv4 header and an ESP header below a payload */
#define NEXT_IPV4 4
#define NEXT_NONE 59 /* RFC 4303 2.6: a dummy packet */
#define TICK_MS 1000

struct slot {
	uint8_t b[HEADROOM + SLOT + ESP_OVERHEAD_MAX];
};

/* An opened inner packet waiting for the end of its batch. */
struct pend {
	struct esp_sa *sa;
	char	       in[IFNAMSIZ];
	uint8_t	      *pkt;
	size_t	       len;
};

struct esp_dp {
	struct esp_dp_conf   conf;
	int		     tun, raw, udp, ep, wake;
	int		     ike, ikech[2]; /* IKE's port; the channel */
	int		     icmp; /* IPPROTO_RAW: errors moatd sends */
	struct esp_sadb	    *sadb;
	struct fw_evaluator *fw;
	struct nl	    *nl;
	struct dp_nfq	    *nfq;
	struct dp_rtcache    rt;
	struct dp_ifcache    ifc;
	struct esp_dp_stats  st;
	esp_event_cb	    *on_event;
	void		    *event_arg;
	uint64_t	     now, next_tick;
	pthread_t	     thread;
	bool		     running;
	bool		     stop; /* under lock */
	pthread_mutex_t	     lock;
	pthread_cond_t	     cond;
	void (*call)(void *); /* the pending call, under lock */
	void *call_arg;
	/* Receive and send batches. */
	struct slot	   *in, *out;
	uint8_t		   *tunbuf; /* a packet read from TUN */
	unsigned int	    nslot; /* of out, queued */
	struct pend	    pend[BATCH];
	unsigned int	    npend;
	struct dp_gro	    gro;
	struct mmsghdr	    msg[BATCH];
	struct iovec	    iov[BATCH];
	struct sockaddr_in  from[BATCH];
	uint8_t		    cmsg[BATCH][64];
	struct mmsghdr	    omsg[2][OUTQ]; /* raw, udp */
	struct iovec	    oiov[2][OUTQ];
	struct sockaddr_in  oto[2][OUTQ];
	unsigned int	    nout[2];
};

static void
log_event(void *arg, enum esp_event ev, const struct esp_sa *sa)
{
	(void)arg;
	log_info("SA 0x%08x: %s lifetime reached%s", esp_sa_params(sa)->spi,
	    ev == ESP_EV_SOFT ? "soft" : "hard",
	    ev == ESP_EV_HARD ? ", deleted" : "");
}

static int
sock_open(int type, int proto, const struct addr *local, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int		   fd, one = 1, dont = IP_PMTUDISC_DONT, sz = SOCKBUF;

	if ((fd = socket(
		 AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto)) == -1)
		return -1;
	/* Beyond net.core.[rw]mem_max when root; a smaller buffer is only
	 * slower, so a refusal is not an error. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sin.sin_addr = local->u.v4;
	sin.sin_port = htons(port);
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &dont, sizeof(dont)) ==
		-1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
watch(int ep, int fd)
{
	struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

struct esp_dp *
esp_dp_new(const struct esp_dp_conf *conf, int tunfd, struct esp_sadb *sadb,
    struct fw_evaluator *fw)
{
	struct esp_dp *dp;
	char	       a[ADDR_STRLEN];

	if ((dp = calloc(1, sizeof(*dp))) == NULL)
		return NULL;
	dp->conf = *conf;
	dp->tun = tunfd;
	dp->sadb = sadb;
	dp->fw = fw;
	dp->raw = dp->udp = dp->ep = dp->wake = dp->icmp = -1;
	dp->ike = dp->ikech[0] = dp->ikech[1] = -1;
	dp->on_event = log_event;
	pthread_mutex_init(&dp->lock, NULL);
	pthread_cond_init(&dp->cond, NULL);
	addr_ntop(&conf->local, a, sizeof(a));
	if ((dp->in = calloc(BATCH, sizeof(struct slot))) == NULL ||
	    (dp->out = calloc(OUTQ, sizeof(struct slot))) == NULL ||
	    (dp->tunbuf = malloc(TUNBUF)) == NULL ||
	    (dp->nl = nl_open()) == NULL)
		goto fail;
	if ((dp->raw = sock_open(SOCK_RAW, IPPROTO_ESP, &conf->local, 0)) ==
	    -1) {
		log_error("ESP socket on %s: %s", a, strerror(errno));
		goto fail;
	}
	/* Send only: the kernel hands IPPROTO_RAW sockets nothing. */
	if ((dp->icmp = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 IPPROTO_RAW)) == -1) {
		log_error("raw IP socket: %s", strerror(errno));
		goto fail;
	}
	if (conf->natt_port != 0 &&
	    (dp->udp = sock_open(
		 SOCK_DGRAM, 0, &conf->local, conf->natt_port)) == -1) {
		log_error("UDP socket on %s port %u: %s", a, conf->natt_port,
		    strerror(errno));
		goto fail;
	}
	if (conf->ike_port != 0 &&
	    (dp->ike = sock_open(
		 SOCK_DGRAM, 0, &conf->local, conf->ike_port)) == -1) {
		log_error("UDP socket on %s port %u: %s", a, conf->ike_port,
		    strerror(errno));
		goto fail;
	}
	if (conf->ike_port != 0 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		0, dp->ikech) == -1) {
		log_error("IKE channel: %s", strerror(errno));
		goto fail;
	}
	if (conf->queue >= 0 &&
	    (dp->nfq = dp_nfq_open((uint16_t)conf->queue)) == NULL)
		goto fail;
	if ((dp->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (dp->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    watch(dp->ep, dp->tun) == -1 || watch(dp->ep, dp->raw) == -1 ||
	    (dp->udp != -1 && watch(dp->ep, dp->udp) == -1) ||
	    (dp->nfq != NULL && watch(dp->ep, dp_nfq_fd(dp->nfq)) == -1) ||
	    (dp->ike != -1 &&
		(watch(dp->ep, dp->ike) == -1 ||
		    watch(dp->ep, dp->ikech[0]) == -1)) ||
	    watch(dp->ep, dp->wake) == -1) {
		log_error("data plane: %s", strerror(errno));
		goto fail;
	}
	return dp;
fail:
	esp_dp_free(dp);
	return NULL;
}

void
esp_dp_on_event(struct esp_dp *dp, esp_event_cb *cb, void *arg)
{
	dp->on_event = cb;
	dp->event_arg = arg;
}

const struct esp_dp_stats *
esp_dp_stats(const struct esp_dp *dp)
{
	return &dp->st;
}

int
esp_dp_ike_fd(const struct esp_dp *dp)
{
	return dp->ikech[1];
}

static bool
filter(struct esp_dp *dp, struct fw_pkt *pk)
{
	struct fw_verdict v;

	pk->t = (double)dp->now / 1000;
	fw_evaluate(dp->fw, pk, &v, NULL);
	return strcmp(v.verdict, "ACCEPT") == 0;
}

static void
secpath(struct fw_secpath *sp, const struct esp_sa *sa)
{
	const struct esp_sa_params *p = esp_sa_params(sa);

	sp->n = 1;
	sp->sa[0].mode =
	    p->mode == ESP_MODE_TUNNEL ? FW_MODE_TUNNEL : FW_MODE_TRANSPORT;
	sp->sa[0].proto = IPPROTO_ESP;
	sp->sa[0].tsrc = p->src;
	sp->sa[0].tdst = p->dst;
	sp->sa[0].spi = p->spi;
	sp->sa[0].reqid = p->reqid;
}

static void
sel_of(const struct fw_pkt *pk, struct esp_sel *s)
{
	memset(s, 0, sizeof(*s));
	prefix_from_len(AF_INET, 32, &s->src);
	prefix_from_len(AF_INET, 32, &s->dst);
	s->src.addr = pk->src;
	s->dst.addr = pk->dst;
	s->proto = pk->proto;
	s->sport = pk->sport;
	s->dport = pk->dport;
}

static void
ifname(char *dst, const char *src)
{
	size_t n = strnlen(src, IFNAMSIZ - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A packet into TUN, iov[0] its virtio header; -1 (counted) if the
 * write failed. */
static int
tun_write(struct esp_dp *dp, const struct iovec *iov, int n)
{
	ssize_t want = 0;
	int	i;

	for (i = 0; i < n; i++)
		want += (ssize_t)iov[i].iov_len;
	if (writev(dp->tun, iov, n) != want) {
		dp->st.errors++;
		return -1;
	}
	return 0;
}

/* One packet that needs nothing of the kernel: no segmentation, and its
 * checksums are to be verified as they would be on any interface. */
static int
tun_write1(struct esp_dp *dp, uint8_t *pkt, size_t len)
{
	struct virtio_net_hdr vh = { 0 };
	struct iovec	      iov[2] = { { &vh, sizeof(vh) }, { pkt, len } };

	return tun_write(dp, iov, 2);
}

static uint16_t
csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * RFC 792 "fragmentation needed and DF set" with RFC 1191's next-hop
 * MTU, from the tunnel endpoint to the sender of a packet too big for
 * the tunnel. It is sent as the gateway's own packet, as Linux's
 * icmp_send would: written into TUN, its source, a local address, would
 * be a martian there (fib_validate_source without accept_local).
 */
static void
too_big(struct esp_dp *dp, const uint8_t *pkt, size_t len, uint32_t mtu)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t		   ic[20 + 8 + 60 + 8];
	size_t		   quote = (size_t)(pkt[0] & 15) * 4 + 8, n;

	if (quote > len)
		quote = len;
	n = 28 + quote;
	memset(ic, 0, 28);
	ic[0] = 0x45;
	put16(ic + 2, (uint16_t)n);
	ic[8] = 64;
	ic[9] = IPPROTO_ICMP;
	memcpy(ic + 12, dp->conf.local.u.b, 4);
	memcpy(ic + 16, pkt + 12, 4);
	put16(ic + 10, csum(ic, 20));
	ic[20] = 3;
	ic[21] = 4;
	put16(ic + 26, (uint16_t)mtu);
	memcpy(ic + 28, pkt, quote);
	put16(ic + 22, csum(ic + 20, 8 + quote));
	dp->st.too_big++;
	memcpy(&to.sin_addr, pkt + 12, 4);
	if (sendto(dp->icmp, ic, n, 0, (struct sockaddr *)&to, sizeof(to)) !=
	    (ssize_t)n)
		dp->st.errors++;
}

static void
queue_out(
    struct esp_dp *dp, const struct esp_sa_params *p, uint8_t *esp, size_t len)
{
	int		    k = p->udp_encap && dp->udp != -1;
	unsigned int	    i = dp->nout[k];
	struct sockaddr_in *to = &dp->oto[k][i];

	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_addr = p->dst.u.v4;
	to->sin_port = k ? htons(p->dport) : 0;
	dp->oiov[k][i].iov_base = esp;
	dp->oiov[k][i].iov_len = len;
	memset(&dp->omsg[k][i], 0, sizeof(dp->omsg[k][i]));
	dp->omsg[k][i].msg_hdr.msg_name = to;
	dp->omsg[k][i].msg_hdr.msg_namelen = sizeof(*to);
	dp->omsg[k][i].msg_hdr.msg_iov = &dp->oiov[k][i];
	dp->omsg[k][i].msg_hdr.msg_iovlen = 1;
	dp->nout[k]++;
}

static void
flush_out(struct esp_dp *dp)
{
	int	     k, fd, n;
	unsigned int off;

	for (k = 0; k < 2; k++) {
		fd = k ? dp->udp : dp->raw;
		for (off = 0; off < dp->nout[k]; off += (unsigned int)n) {
			n = sendmmsg(
			    fd, dp->omsg[k] + off, dp->nout[k] - off, 0);
			if (n <= 0) {
				dp->st.errors += dp->nout[k] - off;
				break;
			}
			dp->st.tx += (unsigned int)n;
		}
		dp->nout[k] = 0;
	}
	dp->nslot = 0;
}

/* A slot of out for the next ESP datagram; a full batch is sent first. */
static struct slot *
out_slot(struct esp_dp *dp)
{
	if (dp->nslot == OUTQ)
		flush_out(dp);
	return &dp->out[dp->nslot++];
}

/* The ESP datagram that an SA sends: an OUTPUT packet of the filter,
 * pk.len left to set for each. */
static void
outer_pkt(const struct esp_sa_params *p, const struct dp_route *rt,
    struct fw_pkt *pk)
{
	fw_pkt_init(pk);
	pk->hook = FW_OUTPUT;
	ifname(pk->out, rt->ifname);
	pk->src = p->src;
	pk->dst = p->dst;
	pk->spi = p->spi;
	if (p->udp_encap) {
		pk->proto = IPPROTO_UDP;
		pk->sport = p->sport;
		pk->dport = p->dport;
	} else
		pk->proto = IPPROTO_ESP;
}

/*
 * The packet read from TUN (after its virtio header vh): nothing to
 * segment, or a TCPv4 super-packet to cut into segments of
 * vh->gso_size. -1 if it is neither or its offsets are wrong.
 */
static int
offload(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len,
    struct dp_tso *tso, size_t *seglen)
{
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		/* The checksum the kernel left partial for the device. */
		if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    dp_csum_complete(pkt, len, vh->csum_start,
			vh->csum_offset) == -1)
			return -1;
		tso->n = 0;
		*seglen = len;
		return 0;
	}
	/* ECN: CWR is on the first segment only, as dp_tso_seg has it. */
	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) !=
		VIRTIO_NET_HDR_GSO_TCPV4 ||
	    dp_tso_init(tso, pkt, len, vh->gso_size) == -1)
		return -1;
	*seglen = tso->hl + (tso->plen < tso->mss ? tso->plen : tso->mss);
	return 0;
}

/*
 * One packet read from TUN: one for the SPD and the filter, even when it
 * is a super-packet (see the top of the file), then one ESP datagram per
 * segment, each an OUTPUT packet of the filter.
 */
static void
outbound(struct esp_dp *dp, const struct virtio_net_hdr *vh, uint8_t *pkt,
    size_t len)
{
	const struct esp_spd_params *pol;
	const struct esp_sa_params  *p;
	struct esp_sa		    *sa;
	struct esp_sel		     sel;
	struct dp_route		     rt, rs;
	struct dp_tso		     tso;
	struct fw_pkt		     pk;
	struct slot		    *s;
	uint8_t			    *in, *esp;
	size_t			     seglen, esplen, over, n;
	uint32_t		     mtu;
	unsigned int		     i;
	enum esp_err		     e;

	if (offload(vh, pkt, len, &tso, &seglen) == -1 || seglen > SLOT ||
	    fw_pkt_from_ip(pkt, len, &pk) == -1 || pk.len != len) {
		dp->st.bad++;
		return;
	}
	sel_of(&pk, &sel);
	pol = esp_spd_lookup(dp->sadb, ESP_DIR_OUT, &sel, &sa);
	if (pol == NULL || pol->action != ESP_ACT_PROTECT) {
		dp->st.no_policy++;
		return;
	}
	if (sa == NULL) {
		dp->st.no_out_sa++;
		return;
	}
	p = esp_sa_params(sa);
	dp_route(&dp->rt, dp->nl, &p->dst, dp->now, &rt);
	dp_route(&dp->rt, dp->nl, &pk.src, dp->now, &rs);
	pk.hook = rs.local ? FW_OUTPUT : FW_FORWARD;
	if (!rs.local)
		ifname(pk.in, rs.ifname);
	ifname(pk.out, rt.ifname);
	pk.has_ipsec_out = true;
	secpath(&pk.ipsec_out, sa);
	if (!filter(dp, &pk)) {
		dp->st.fw_out++;
		esp_sa_count_drop(sa, false);
		return;
	}
	/* Outer IPv4 header, UDP header, and ESP's own overhead. As Linux's
	 * ip_forward does with skb_gso_validate_network_len, a
	 * super-packet is too big when its segments are. */
	over = 20 + (p->udp_encap ? 8 : 0) + 8 + sa->ivlen + sa->block + 1 +
	    sa->icvlen;
	mtu = rt.mtu != 0 ? rt.mtu : dp->conf.outer_mtu;
	if (seglen + over > mtu && (pkt[6] & 0x40)) {
		too_big(dp, pkt, len, mtu > over + 68 ? mtu - (uint32_t)over : 68);
		return;
	}
	outer_pkt(p, &rt, &pk);
	for (i = 0; i < (tso.n != 0 ? tso.n : 1); i++) {
		s = out_slot(dp);
		in = s->b + HEADROOM;
		if (tso.n != 0)
			n = dp_tso_seg(&tso, i, in);
		else {
			memcpy(in, pkt, len);
			n = len;
		}
		/* seal wants the payload ESP_HDR_ROOM into its buffer. */
		e = esp_seal(sa, in - ESP_HDR_ROOM, sizeof(s->b) - HEADROOM +
		    ESP_HDR_ROOM, n, NEXT_IPV4, dp->now, &esp, &esplen);
		if (e != ESP_OK) {
			log_debug("SA 0x%08x: not sealed: %s", p->spi,
			    esp_err_str(e));
			dp->st.errors++;
			dp->nslot--;
			return;
		}
		pk.len = (uint32_t)(esplen + (p->udp_encap ? 28 : 20));
		if (!filter(dp, &pk)) {
			dp->st.fw_out++;
			dp->nslot--;
			continue;
		}
		queue_out(dp, p, esp, esplen);
	}
}

static void
read_tun(struct esp_dp *dp)
{
	struct virtio_net_hdr vh;
	const size_t	      hl = sizeof(vh);
	ssize_t		      n;
	int		      i;

	for (i = 0; i < TUN_READS; i++) {
		n = read(dp->tun, dp->tunbuf, TUNBUF);
		if (n <= 0)
			break;
		dp->st.tun_rx++;
		if ((size_t)n < hl) {
			dp->st.bad++;
			continue;
		}
		memcpy(&vh, dp->tunbuf, hl);
		outbound(dp, &vh, dp->tunbuf + hl, (size_t)n - hl);
	}
	flush_out(dp);
}

/* The interface and local address a datagram arrived by (IP_PKTINFO). */
static void
arrival(struct esp_dp *dp, const struct msghdr *m, char *in, struct addr *dst)
{
	struct cmsghdr	 *c;
	struct in_pktinfo pi;

	in[0] = '\0';
	for (c = CMSG_FIRSTHDR(m); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)m, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ifname(in, dp_ifname(&dp->ifc,
			    (unsigned int)pi.ipi_ifindex, dp->now));
			dst->af = AF_INET;
			dst->u.v4 = pi.ipi_addr;
		}
}

/*
 * An opened tunnel-mode packet, or the first of the segments g coalesced
 * (g->n > 1): its policy, the filter, then TUN.
 */
static void
deliver(struct esp_dp *dp, struct pend *q, struct dp_gro *g)
{
	struct virtio_net_hdr vh;
	struct fw_pkt	      pk;
	struct esp_sel	      sel;
	struct dp_route	      rt;
	struct esp_sa	     *sa = q->sa;
	size_t		      len = q->len;
	bool		      local;
	int		      n;

	if (fw_pkt_from_ip(q->pkt, len, &pk) == -1 || pk.len > len) {
		esp_sa_count_drop(sa, true);
		dp->st.bad++;
		return;
	}
	len = pk.len; /* TFC padding after the inner packet is dropped */
	if (g != NULL && g->n > 1) {
		/* The super-packet as the kernel's GRO makes it. */
		pk.len = (uint32_t)g->len;
		if (g->psh)
			pk.tcp_flags |= 0x08;
	}
	dp_route(&dp->rt, dp->nl, &pk.dst, dp->now, &rt);
	local = rt.local;
	sel_of(&pk, &sel);
	if (!esp_spd_admits(
		dp->sadb, local ? ESP_DIR_IN : ESP_DIR_FWD, &sel, sa)) {
		esp_sa_count_drop(sa, true);
		return;
	}
	pk.hook = local ? FW_INPUT : FW_FORWARD;
	ifname(pk.in, q->in);
	if (!local)
		ifname(pk.out, rt.ifname);
	else
		pk.dst_type = 1u << 2; /* RTN_LOCAL */
	secpath(&pk.ipsec_in, sa);
	if (!filter(dp, &pk)) {
		dp->st.fw_in++;
		esp_sa_count_drop(sa, false);
		return;
	}
	if (g != NULL) {
		n = dp_gro_finish(g, &vh);
		if (tun_write(dp, g->iov, n) == 0)
			dp->st.tun_tx++;
	} else if (tun_write1(dp, q->pkt, len) == 0)
		dp->st.tun_tx++;
}

/* An opened packet, delivered once its batch is read. */
static void
pend(struct esp_dp *dp, struct esp_sa *sa, const char *in, uint8_t *pkt,
    size_t len)
{
	struct pend *q = &dp->pend[dp->npend++];

	q->sa = sa;
	ifname(q->in, in);
	q->pkt = pkt;
	q->len = len;
}

/* The batch's opened packets in order, runs of segments coalesced. */
static void
deliver_batch(struct esp_dp *dp)
{
	struct pend *q, *head = NULL;
	unsigned int i;

	for (i = 0; i < dp->npend; i++) {
		q = &dp->pend[i];
		if (head != NULL && q->sa == head->sa &&
		    strcmp(q->in, head->in) == 0 &&
		    dp_gro_append(&dp->gro, q->pkt, q->len))
			continue;
		if (head != NULL)
			deliver(dp, head, &dp->gro);
		head = dp_gro_start(&dp->gro, q->pkt, q->len) ? q : NULL;
		if (head == NULL)
			deliver(dp, q, NULL);
	}
	if (head != NULL)
		deliver(dp, head, &dp->gro);
	dp->npend = 0;
}

/*
 * One ESP packet esp of len bytes from src to dst, arrived by in;
 * udp gives its ports when it was UDP-encapsulated. The datagram is an
 * INPUT packet of the filter before anything else.
 */
static void
inbound(struct esp_dp *dp, const char *in, const struct addr *src,
    const struct addr *dst, const uint16_t *udp, uint8_t *esp, size_t len)
{
	struct esp_sa *sa;
	struct fw_pkt  pk;
	uint8_t	      *pl, next;
	size_t	       plen;
	uint32_t       spi;
	enum esp_err   e;

	if (esp_spi(esp, len, &spi) == -1) {
		dp->st.bad++;
		return;
	}
	fw_pkt_init(&pk);
	pk.hook = FW_INPUT;
	ifname(pk.in, in);
	pk.src = *src;
	pk.dst = *dst;
	pk.dst_type = 1u << 2; /* RTN_LOCAL */
	pk.spi = spi;
	if (udp != NULL) {
		pk.proto = IPPROTO_UDP;
		pk.sport = udp[0];
		pk.dport = udp[1];
		pk.len = (uint32_t)len + 28;
	} else {
		pk.proto = IPPROTO_ESP;
		pk.len = (uint32_t)len + 20;
	}
	if (!filter(dp, &pk)) {
		dp->st.fw_in++;
		return;
	}
	if ((sa = esp_sa_lookup(dp->sadb, spi, dst)) == NULL ||
	    sa->p.udp_encap != (udp != NULL)) {
		dp->st.no_sa++;
		return;
	}
	if ((e = esp_open(sa, esp, len, dp->now, &pl, &plen, &next)) !=
	    ESP_OK) {
		log_debug("SA 0x%08x: dropped: %s", spi, esp_err_str(e));
		return;
	}
	if (next == NEXT_NONE)
		return;
	if (next != NEXT_IPV4 || sa->p.mode == ESP_MODE_TRANSPORT) {
		/* This data plane carries tunnels: IPv4 in ESP. */
		sa->st.bad_pad++;
		dp->st.bad++;
		return;
	}
	pend(dp, sa, in, pl, plen);
}

/* An IKE datagram as the filter sees it, in or out. */
static bool
ike_allowed(struct esp_dp *dp, enum fw_hook hook, const char *ifn,
    const struct esp_ike_hdr *h, size_t len)
{
	struct fw_pkt pk;

	fw_pkt_init(&pk);
	pk.hook = hook;
	pk.proto = IPPROTO_UDP;
	pk.len = (uint32_t)len + 28;
	if (hook == FW_INPUT) {
		ifname(pk.in, ifn);
		pk.src = h->remote;
		pk.dst = h->local;
		pk.sport = h->rport;
		pk.dport = h->lport;
		pk.dst_type = 1u << 2; /* RTN_LOCAL */
	} else {
		ifname(pk.out, ifn);
		pk.src = h->local;
		pk.dst = h->remote;
		pk.sport = h->lport;
		pk.dport = h->rport;
	}
	return filter(dp, &pk);
}

/* A received IKE message: INPUT, then over the channel. */
static void
ike_in(struct esp_dp *dp, const char *in, const struct addr *src,
    const struct addr *dst, uint16_t sport, uint16_t dport, uint8_t *msg,
    size_t len)
{
	struct esp_ike_hdr h = {
		.local = *dst, .remote = *src, .lport = dport, .rport = sport
	};
	struct iovec  iov[2] = { { &h, sizeof(h) }, { msg, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };

	if (dp->ikech[0] == -1) {
		dp->st.nonesp++;
		return;
	}
	if (!ike_allowed(dp, FW_INPUT, in, &h,
		len + (dport == dp->conf.natt_port ? 4 : 0))) {
		dp->st.fw_ike++;
		return;
	}
	if (sendmsg(dp->ikech[0], &m, MSG_DONTWAIT) == -1)
		dp->st.errors++;
	else
		dp->st.ike_rx++;
}

/* IKE messages from the control plane: OUTPUT, then sent, with the
 * non-ESP marker on natt_port. */
static void
ike_out(struct esp_dp *dp)
{
	static const uint8_t marker[4];
	struct esp_ike_hdr   h;
	struct sockaddr_in   to = { .sin_family = AF_INET };
	struct dp_route	     rt;
	struct iovec	     iov[2];
	struct msghdr	     m;
	uint8_t		    *b = dp->in[0].b;
	ssize_t		     n;
	size_t		     len;
	int		     i, fd;

	for (i = 0; i < BATCH; i++) {
		iov[0] = (struct iovec){ &h, sizeof(h) };
		iov[1] = (struct iovec){ b, SLOT };
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = 2;
		if ((n = recvmsg(dp->ikech[0], &m, MSG_DONTWAIT)) <= 0)
			return;
		if ((size_t)n < sizeof(h) || (m.msg_flags & MSG_TRUNC) ||
		    h.remote.af != AF_INET) {
			dp->st.errors++;
			continue;
		}
		len = (size_t)n - sizeof(h);
		fd = h.lport == dp->conf.natt_port ? dp->udp : dp->ike;
		dp_route(&dp->rt, dp->nl, &h.remote, dp->now, &rt);
		if (!ike_allowed(dp, FW_OUTPUT, rt.ifname, &h,
			len + (fd == dp->udp ? 4 : 0))) {
			dp->st.fw_ike++;
			continue;
		}
		to.sin_addr = h.remote.u.v4;
		to.sin_port = htons(h.rport);
		iov[0] = (struct iovec){ (void *)marker, sizeof(marker) };
		iov[1] = (struct iovec){ b, len };
		memset(&m, 0, sizeof(m));
		m.msg_name = &to;
		m.msg_namelen = sizeof(to);
		m.msg_iov = fd == dp->udp ? iov : iov + 1;
		m.msg_iovlen = fd == dp->udp ? 2 : 1;
		if (sendmsg(fd, &m, 0) == -1)
			dp->st.errors++;
		else
			dp->st.ike_tx++;
	}
}

static void
read_sock(struct esp_dp *dp, int fd)
{
	char	    in[IFNAMSIZ];
	struct addr src, dst = dp->conf.local;
	uint16_t    ports[2];
	uint8_t	   *p;
	size_t	    len, hl;
	int	    n, i;

	for (i = 0; i < BATCH; i++) {
		dp->iov[i].iov_base = dp->in[i].b + HEADROOM;
		dp->iov[i].iov_len = SLOT;
		memset(&dp->msg[i], 0, sizeof(dp->msg[i]));
		dp->msg[i].msg_hdr.msg_name = &dp->from[i];
		dp->msg[i].msg_hdr.msg_namelen = sizeof(dp->from[i]);
		dp->msg[i].msg_hdr.msg_iov = &dp->iov[i];
		dp->msg[i].msg_hdr.msg_iovlen = 1;
		dp->msg[i].msg_hdr.msg_control = dp->cmsg[i];
		dp->msg[i].msg_hdr.msg_controllen = sizeof(dp->cmsg[i]);
	}
	if ((n = recvmmsg(fd, dp->msg, BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		p = dp->in[i].b + HEADROOM;
		len = dp->msg[i].msg_len;
		src.af = AF_INET;
		src.u.v4 = dp->from[i].sin_addr;
		arrival(dp, &dp->msg[i].msg_hdr, in, &dst);
		dp->st.rx++;
		if (fd == dp->ike) {
			ike_in(dp, in, &src, &dst, ntohs(dp->from[i].sin_port),
			    dp->conf.ike_port, p, len);
			continue;
		}
		if (fd == dp->raw) {
			/* A raw socket hands over the IP header too. */
			if (len < 20 || (hl = (size_t)(p[0] & 15) * 4) < 20 ||
			    hl > len) {
				dp->st.bad++;
				continue;
			}
			inbound(dp, in, &src, &dst, NULL, p + hl, len - hl);
			continue;
		}
		/* RFC 3948 2.2: a keepalive is one 0xff byte; RFC 3948 2.2
		 * and RFC 7296 3.1: IKE begins with the 4-byte non-ESP
		 * marker; ESP's SPI is never zero. */
		if (len >= 4 + 28 && (p[0] | p[1] | p[2] | p[3]) == 0) {
			ike_in(dp, in, &src, &dst, ntohs(dp->from[i].sin_port),
			    dp->conf.natt_port, p + 4, len - 4);
			continue;
		}
		if (len < 8 || (p[0] | p[1] | p[2] | p[3]) == 0) {
			dp->st.nonesp++;
			continue;
		}
		ports[0] = ntohs(dp->from[i].sin_port);
		ports[1] = dp->conf.natt_port;
		inbound(dp, in, &src, &dst, ports, p, len);
	}
	deliver_batch(dp);
}

static void
run_call(struct esp_dp *dp)
{
	uint64_t v;

	if (read(dp->wake, &v, sizeof(v)) != sizeof(v))
		return;
	pthread_mutex_lock(&dp->lock);
	if (dp->call != NULL) {
		dp->call(dp->call_arg);
		dp->call = NULL;
		pthread_cond_broadcast(&dp->cond);
	}
	pthread_mutex_unlock(&dp->lock);
}

static void *
loop(void *arg)
{
	struct esp_dp	  *dp = arg;
	struct epoll_event ev[8];
	bool		   stop = false;
	int		   n, i;

	while (!stop) {
		n = epoll_wait(dp->ep, ev, 8, TICK_MS);
		dp->now = ev_now_ms();
		for (i = 0; i < n; i++) {
			if (ev[i].data.fd == dp->tun)
				read_tun(dp);
			else if (ev[i].data.fd == dp->wake)
				run_call(dp);
			else if (ev[i].data.fd == dp->ikech[0])
				ike_out(dp);
			else if (dp->nfq != NULL &&
			    ev[i].data.fd == dp_nfq_fd(dp->nfq))
				dp_nfq_read(
				    dp->nfq, dp->fw, dp->now, &dp->st.fw_clear);
			else
				read_sock(dp, ev[i].data.fd);
		}
		if (dp->now >= dp->next_tick) {
			esp_sadb_expire(
			    dp->sadb, dp->now, dp->on_event, dp->event_arg);
			dp->next_tick = dp->now + TICK_MS;
		}
		pthread_mutex_lock(&dp->lock);
		stop = dp->stop;
		pthread_mutex_unlock(&dp->lock);
	}
	return NULL;
}

int
esp_dp_start(struct esp_dp *dp)
{
	dp->now = ev_now_ms();
	if (pthread_create(&dp->thread, NULL, loop, dp) != 0) {
		log_error("data plane: cannot start its thread");
		return -1;
	}
	dp->running = true;
	return 0;
}

static void
poke(struct esp_dp *dp)
{
	uint64_t one = 1;

	if (write(dp->wake, &one, sizeof(one)) != sizeof(one))
		log_error("data plane: cannot wake it: %s", strerror(errno));
}

void
esp_dp_call(struct esp_dp *dp, void (*fn)(void *), void *arg)
{
	if (!dp->running) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&dp->lock);
	dp->call = fn;
	dp->call_arg = arg;
	poke(dp);
	while (dp->call != NULL)
		pthread_cond_wait(&dp->cond, &dp->lock);
	pthread_mutex_unlock(&dp->lock);
}

void
esp_dp_free(struct esp_dp *dp)
{
	if (dp == NULL)
		return;
	if (dp->running) {
		pthread_mutex_lock(&dp->lock);
		dp->stop = true;
		pthread_mutex_unlock(&dp->lock);
		poke(dp);
		pthread_join(dp->thread, NULL);
	}
	if (dp->raw != -1)
		close(dp->raw);
	if (dp->icmp != -1)
		close(dp->icmp);
	if (dp->udp != -1)
		close(dp->udp);
	if (dp->ike != -1)
		close(dp->ike);
	if (dp->ikech[0] != -1)
		close(dp->ikech[0]);
	if (dp->ikech[1] != -1)
		close(dp->ikech[1]);
	if (dp->ep != -1)
		close(dp->ep);
	if (dp->wake != -1)
		close(dp->wake);
	nl_close(dp->nl);
	dp_nfq_close(dp->nfq);
	pthread_mutex_destroy(&dp->lock);
	pthread_cond_destroy(&dp->cond);
	free(dp->in);
	free(dp->out);
	free(dp->tunbuf);
	free(dp);
}
