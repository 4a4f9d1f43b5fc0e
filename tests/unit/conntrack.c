/*
 * Connection tracking: a truth table of packet sequences and the ctstate
 * and ctdir of each packet.
 *
 * Every sequence marked "Linux 6.18" was checked against the kernel's
 * conntrack: three namespaces, a client (198.51.100.2 and .3) and a server
 * (198.51.100.130) whose own stacks drop everything in the raw table, and
 * between them a router counting `-m conntrack --ctstate X` and `--ctdir
 * REPLY` in FORWARD. Scapy sent each packet from the client or the server
 * with consistent sequence numbers (the kernel tracks TCP windows; the
 * module does not), and the counters said how the router classified it.
 * Timeout sequences ran with lowered sysctls in the router's namespace and
 * are scaled to the defaults here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "tap.h"

#define O 0 /* original direction */
#define R 1 /* reply direction */

static const char *const client = "198.51.100.2";
static const char *const client2 = "198.51.100.3";
static const char *const server = "198.51.100.130";
static const char *const client6 = "2001:db8::2";
static const char *const server6 = "2001:db8:1::130";

/* Sets a packet's addresses from who sends it: c (client to server), s
 * (server to client), x (server to the client's other address), and c6, s6
 * for IPv6. */
static int
set_who(const char *who, struct ct_pkt *p)
{
	const char *src, *dst;
	int	    af = AF_INET;

	if (strcmp(who, "c") == 0) {
		src = client;
		dst = server;
	} else if (strcmp(who, "s") == 0) {
		src = server;
		dst = client;
	} else if (strcmp(who, "x") == 0) {
		src = server;
		dst = client2;
	} else if (strcmp(who, "c6") == 0) {
		src = client6;
		dst = server6;
		af = AF_INET6;
	} else if (strcmp(who, "s6") == 0) {
		src = server6;
		dst = client6;
		af = AF_INET6;
	} else {
		return -1;
	}
	if (addr_pton(af, src, &p->src) == -1 ||
	    addr_pton(af, dst, &p->dst) == -1)
		return -1;
	return 0;
}

static uint8_t
tcp_flags(const char *s)
{
	static const char letters[] = "FSRPAUEC";
	uint8_t		  f = 0;
	const char	 *l;

	for (; *s != '\0'; s++)
		if ((l = strchr(letters, *s)) != NULL)
			f |= (uint8_t)(1 << (l - letters));
	return f;
}

/*
 * One packet, from words: WHO tcp SPORT DPORT FLAGS | WHO udp SPORT DPORT |
 * WHO icmp TYPE/CODE [ID] [quote PACKET] | WHO proto NUMBER, then
 * optionally "notrack". FLAGS are letters of FSRPAUEC, "-" for none. An
 * ICMP error quotes the packet after "quote" (into inner).
 */
static int
parse_words(char **w, struct ct_pkt *p, struct ct_pkt *inner)
{
	memset(p, 0, sizeof(*p));
	if (w[0] == NULL || w[1] == NULL || set_who(w[0], p) == -1)
		return -1;
	if (strcmp(w[1], "tcp") == 0 || strcmp(w[1], "udp") == 0) {
		if (w[2] == NULL || w[3] == NULL)
			return -1;
		p->proto = w[1][0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
		p->sport = (uint16_t)atoi(w[2]);
		p->dport = (uint16_t)atoi(w[3]);
		w += 4;
		if (p->proto == IPPROTO_TCP) {
			if (w[0] == NULL)
				return -1;
			p->tcp_flags = tcp_flags(*w++);
		}
	} else if (strcmp(w[1], "icmp") == 0) {
		unsigned int type, code;

		if (w[2] == NULL || sscanf(w[2], "%u/%u", &type, &code) != 2)
			return -1;
		p->proto = p->src.af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		p->icmp_type = (uint8_t)type;
		p->icmp_code = (uint8_t)code;
		w += 3;
		if (w[0] != NULL && strcmp(w[0], "quote") != 0 &&
		    strcmp(w[0], "notrack") != 0)
			p->icmp_id = (uint16_t)atoi(*w++);
		if (w[0] != NULL && strcmp(w[0], "quote") == 0) {
			if (inner == NULL || parse_words(w + 1, inner, NULL))
				return -1;
			p->inner = inner;
			return 0;
		}
	} else if (strcmp(w[1], "proto") == 0) {
		if (w[2] == NULL)
			return -1;
		p->proto = (uint8_t)atoi(w[2]);
		w += 3;
	} else {
		return -1;
	}
	if (w[0] != NULL && strcmp(w[0], "notrack") == 0)
		p->notrack = *++w == NULL;
	return w[0] == NULL ? 0 : -1;
}

static int
parse_pkt(const char *spec, struct ct_pkt *p, struct ct_pkt *inner)
{
	char  buf[256], *w[32], *save = NULL;
	char *tok;
	int   n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok != NULL && n < 31;
	     tok = strtok_r(NULL, " ", &save))
		w[n++] = tok;
	w[n] = NULL;
	return parse_words(w, p, inner);
}

struct step {
	double	      t;
	const char   *pkt;
	enum ct_state state;
	int	      dir;
};

struct seq {
	const char	  *name;
	const struct step *steps;
};

#define END \
	{ \
		0, NULL, 0, 0 \
	}

/* Linux 6.18: handshake, data, close from the client, a retransmitted last
 * ACK in TIME_WAIT, then a SYN that reopens the connection. */
static const struct step tcp_close[] = {
	{ 0.0, "c tcp 40001 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40001 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40001 80 A", CT_ESTABLISHED, O },
	{ 0.3, "c tcp 40001 80 PA", CT_ESTABLISHED, O },
	{ 0.4, "s tcp 80 40001 A", CT_ESTABLISHED, R },
	{ 0.5, "c tcp 40001 80 FA", CT_ESTABLISHED, O },
	{ 0.6, "s tcp 80 40001 A", CT_ESTABLISHED, R },
	{ 0.7, "s tcp 80 40001 FA", CT_ESTABLISHED, R },
	{ 0.8, "c tcp 40001 80 A", CT_ESTABLISHED, O },
	{ 0.9, "c tcp 40001 80 A", CT_ESTABLISHED, O },
	{ 1.0, "c tcp 40001 80 S", CT_NEW, O },
	{ 1.1, "s tcp 80 40001 SA", CT_ESTABLISHED, R },
	{ 1.2, "c tcp 40001 80 A", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18: nf_conntrack_tcp_loose picks up a connection from an ACK;
 * it stays NEW until the other side answers. */
static const struct step tcp_loose[] = {
	{ 0.0, "c tcp 40002 80 A", CT_NEW, O },
	{ 0.1, "c tcp 40002 80 PA", CT_NEW, O },
	{ 0.2, "s tcp 80 40002 A", CT_ESTABLISHED, R },
	{ 0.3, "c tcp 40002 80 A", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18: packets that cannot start a connection, and flag
 * combinations the TCP tracker refuses. */
static const struct step tcp_refused[] = {
	{ 0.0, "c tcp 40003 80 SA", CT_INVALID, O },
	{ 0.1, "c tcp 40004 80 SF", CT_INVALID, O },
	{ 0.2, "c tcp 40005 80 R", CT_INVALID, O },
	{ 0.3, "c tcp 40006 80 RA", CT_INVALID, O },
	{ 0.4, "c tcp 40007 80 FA", CT_INVALID, O },
	{ 0.5, "c tcp 40008 80 F", CT_INVALID, O },
	{ 0.6, "c tcp 40009 80 -", CT_INVALID, O },
	END,
};

/* Linux 6.18: a retransmitted SYN is NEW; the client cannot ACK before
 * the SYN/ACK. */
static const struct step tcp_syn_ack[] = {
	{ 0.0, "c tcp 40010 80 S", CT_NEW, O },
	{ 0.1, "c tcp 40010 80 S", CT_NEW, O },
	{ 0.2, "c tcp 40010 80 A", CT_INVALID, O },
	END,
};

/* Linux 6.18: a RST as the only answer removes the entry, so the next ACK
 * is picked up as a new connection. */
static const struct step tcp_rst_answer[] = {
	{ 0.0, "c tcp 40011 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40011 RA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40011 80 A", CT_NEW, O },
	END,
};

/* Linux 6.18: a SYN in ESTABLISHED is ignored; after the client's RST
 * (CLOSE) its data is still ESTABLISHED, and a SYN after that data is
 * ignored too, because the RST was not the last thing the client sent. */
static const struct step tcp_rst_then_data[] = {
	{ 0.0, "c tcp 40012 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40012 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40012 80 A", CT_ESTABLISHED, O },
	{ 0.3, "c tcp 40012 80 S", CT_ESTABLISHED, O },
	{ 0.4, "c tcp 40012 80 RA", CT_ESTABLISHED, O },
	{ 0.5, "c tcp 40012 80 PA", CT_ESTABLISHED, O },
	{ 0.6, "c tcp 40012 80 S", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18: a SYN right after the client's own RST reopens. */
static const struct step tcp_rst_reopen[] = {
	{ 0.0, "c tcp 40013 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40013 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40013 80 A", CT_ESTABLISHED, O },
	{ 0.3, "c tcp 40013 80 R", CT_ESTABLISHED, O },
	{ 0.4, "c tcp 40013 80 S", CT_NEW, O },
	END,
};

/* Linux 6.18: after the server's RST the client's SYN is ignored, and the
 * server's SYN/ACK to it brings the tracker back in sync. */
static const struct step tcp_resync[] = {
	{ 0.0, "c tcp 40014 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40014 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40014 80 A", CT_ESTABLISHED, O },
	{ 0.3, "s tcp 80 40014 R", CT_ESTABLISHED, R },
	{ 0.4, "c tcp 40014 80 S", CT_ESTABLISHED, O },
	{ 0.5, "s tcp 80 40014 SA", CT_ESTABLISHED, R },
	{ 0.6, "c tcp 40014 80 A", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18: simultaneous open. */
static const struct step tcp_simultaneous[] = {
	{ 0.0, "c tcp 40015 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40015 S", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40015 80 SA", CT_ESTABLISHED, O },
	{ 0.3, "s tcp 80 40015 SA", CT_ESTABLISHED, R },
	{ 0.4, "c tcp 40015 80 A", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18: a late SYN/ACK is ignored, a lone FIN is refused, the server
 * closes first, and its SYN in TIME_WAIT starts a connection the other way
 * round. */
static const struct step tcp_server_close[] = {
	{ 0.0, "c tcp 40016 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40016 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40016 80 A", CT_ESTABLISHED, O },
	{ 0.3, "s tcp 80 40016 SA", CT_ESTABLISHED, R },
	{ 0.4, "c tcp 40016 80 F", CT_INVALID, O },
	{ 0.5, "s tcp 80 40016 FA", CT_ESTABLISHED, R },
	{ 0.6, "c tcp 40016 80 A", CT_ESTABLISHED, O },
	{ 0.7, "c tcp 40016 80 FA", CT_ESTABLISHED, O },
	{ 0.8, "s tcp 80 40016 A", CT_ESTABLISHED, R },
	{ 0.9, "s tcp 80 40016 S", CT_NEW, O },
	END,
};

/* Linux 6.18: in a simultaneous open the server's ACK completes the
 * connection, after which a SYN/ACK from the client is INVALID; in a normal
 * open the client's SYN/ACK in SYN_RECV is accepted. */
static const struct step tcp_simultaneous_ack[] = {
	{ 0.0, "c tcp 40400 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40400 S", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40400 80 SA", CT_ESTABLISHED, O },
	{ 0.3, "s tcp 80 40400 A", CT_ESTABLISHED, R },
	{ 0.4, "c tcp 40400 80 SA", CT_INVALID, O },
	{ 0.5, "c tcp 40401 80 S", CT_NEW, O },
	{ 0.6, "s tcp 80 40401 SA", CT_ESTABLISHED, R },
	{ 0.7, "c tcp 40401 80 SA", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18: in LAST_ACK an ACK answering a SYN is an RFC 5961 challenge
 * ACK, not the last ACK, so a SYN after it is still ignored; after a real
 * last ACK (TIME_WAIT) the SYN reopens. */
static const struct step tcp_challenge_ack[] = {
	{ 0.0, "c tcp 40500 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40500 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40500 80 A", CT_ESTABLISHED, O },
	{ 0.3, "s tcp 80 40500 FA", CT_ESTABLISHED, R },
	{ 0.4, "c tcp 40500 80 A", CT_ESTABLISHED, O },
	{ 0.5, "c tcp 40500 80 FA", CT_ESTABLISHED, O },
	{ 0.6, "c tcp 40500 80 S", CT_ESTABLISHED, O },
	{ 0.7, "s tcp 80 40500 A", CT_ESTABLISHED, R },
	{ 0.8, "c tcp 40500 80 S", CT_ESTABLISHED, O },
	{ 1.0, "c tcp 40501 80 S", CT_NEW, O },
	{ 1.1, "s tcp 80 40501 SA", CT_ESTABLISHED, R },
	{ 1.2, "c tcp 40501 80 A", CT_ESTABLISHED, O },
	{ 1.3, "s tcp 80 40501 FA", CT_ESTABLISHED, R },
	{ 1.4, "c tcp 40501 80 A", CT_ESTABLISHED, O },
	{ 1.5, "c tcp 40501 80 FA", CT_ESTABLISHED, O },
	{ 1.6, "s tcp 80 40501 A", CT_ESTABLISHED, R },
	{ 1.7, "c tcp 40501 80 S", CT_NEW, O },
	END,
};

/* Linux 6.18: SYN/ACK from the SYN's sender, and a SYN from the server in
 * SYN_RECV, are INVALID and change nothing. */
static const struct step tcp_wrong_side[] = {
	{ 0.0, "c tcp 40017 80 S", CT_NEW, O },
	{ 0.1, "c tcp 40017 80 SA", CT_INVALID, O },
	{ 0.2, "s tcp 80 40017 SA", CT_ESTABLISHED, R },
	{ 0.3, "s tcp 80 40017 S", CT_INVALID, O },
	{ 0.4, "s tcp 80 40017 A", CT_ESTABLISHED, R },
	{ 0.5, "c tcp 40017 80 A", CT_ESTABLISHED, O },
	END,
};

/* Linux 6.18 (syn_sent timeout 3 s, SYNs at 0 and 2 s, SYN/ACK at 3.5 s):
 * a retransmitted SYN does not extend the entry. */
static const struct step tcp_syn_timeout[] = {
	{ 0.0, "c tcp 40200 80 S", CT_NEW, O },
	{ 80.0, "c tcp 40200 80 S", CT_NEW, O },
	{ 121.0, "s tcp 80 40200 SA", CT_INVALID, O },
	END,
};

/* Linux 6.18 (unacknowledged timeout 3 s, answers after 2 s and 4 s): a
 * picked-up connection without answer lives 300 s, not 5 days. */
static const struct step tcp_loose_timeout[] = {
	{ 0.0, "c tcp 40301 80 A", CT_NEW, O },
	{ 301.0, "s tcp 80 40301 A", CT_NEW, O },
	{ 400.0, "c tcp 40302 80 A", CT_NEW, O },
	{ 600.0, "s tcp 80 40302 A", CT_ESTABLISHED, R },
	END,
};

/* Linux 6.18 (close timeout 3 s; ACK 2.2 s after the RST, another RST,
 * ACK 3.2 s after it): in CLOSE every packet refreshes the entry for
 * 10 s. */
static const struct step tcp_close_timeout[] = {
	{ 0.0, "c tcp 40202 80 S", CT_NEW, O },
	{ 0.1, "s tcp 80 40202 SA", CT_ESTABLISHED, R },
	{ 0.2, "c tcp 40202 80 A", CT_ESTABLISHED, O },
	{ 0.3, "s tcp 80 40202 R", CT_ESTABLISHED, R },
	{ 9.0, "c tcp 40202 80 A", CT_ESTABLISHED, O },
	{ 9.1, "s tcp 80 40202 R", CT_ESTABLISHED, R },
	{ 19.2, "c tcp 40202 80 A", CT_NEW, O },
	END,
};

/* Linux 6.18: UDP request, reply, request; requests without reply. */
static const struct step udp_basic[] = {
	{ 0.0, "c udp 5000 53", CT_NEW, O },
	{ 0.1, "s udp 53 5000", CT_ESTABLISHED, R },
	{ 0.2, "c udp 5000 53", CT_ESTABLISHED, O },
	{ 0.3, "c udp 5001 53", CT_NEW, O },
	{ 0.4, "c udp 5001 53", CT_NEW, O },
	END,
};

/* Linux 6.18 (udp timeout 3 s, 4 s pauses): an unanswered flow expires;
 * a late reply then starts a flow of its own. */
static const struct step udp_expiry[] = {
	{ 0.0, "c udp 5002 53", CT_NEW, O },
	{ 31.0, "c udp 5002 53", CT_NEW, O },
	{ 62.0, "s udp 53 5002", CT_NEW, O },
	END,
};

/* Linux 6.18 (udp timeout 3 s, stream 8 s): a flow still active 2 s after
 * it began is a stream and gets 120 s; otherwise an answered flow has 30 s
 * from its last packet, also when that packet came within the 2 s. */
static const struct step udp_stream[] = {
	{ 0.0, "c udp 5100 53", CT_NEW, O },
	{ 0.2, "s udp 53 5100", CT_ESTABLISHED, R },
	{ 2.5, "c udp 5100 53", CT_ESTABLISHED, O },
	{ 102.5, "c udp 5100 53", CT_ESTABLISHED, O },
	{ 150.0, "c udp 5102 53", CT_NEW, O },
	{ 150.2, "s udp 53 5102", CT_ESTABLISHED, R },
	{ 150.5, "c udp 5102 53", CT_ESTABLISHED, O },
	{ 181.0, "c udp 5102 53", CT_NEW, O },
	{ 200.0, "c udp 5101 53", CT_NEW, O },
	{ 200.2, "s udp 53 5101", CT_ESTABLISHED, R },
	{ 231.2, "c udp 5101 53", CT_NEW, O },
	END,
};

/* Linux 6.18: raw-table NOTRACK, and the answer, which nothing exempts. */
static const struct step udp_notrack[] = {
	{ 0.0, "c udp 5003 9999 notrack", CT_UNTRACKED, O },
	{ 0.1, "s udp 9999 5003", CT_NEW, O },
	END,
};

/* Linux 6.18: echo and its replies, replies without request or with
 * another id, other queries, unknown types. */
static const struct step icmp_echo[] = {
	{ 0.0, "c icmp 8/0 11", CT_NEW, O },
	{ 0.1, "s icmp 0/0 11", CT_ESTABLISHED, R },
	{ 0.2, "s icmp 0/0 11", CT_ESTABLISHED, R },
	{ 0.3, "c icmp 8/0 11", CT_ESTABLISHED, O },
	{ 0.4, "s icmp 0/0 12", CT_INVALID, O },
	{ 0.5, "c icmp 8/0 13", CT_NEW, O },
	{ 0.6, "s icmp 0/0 14", CT_INVALID, O },
	{ 0.7, "c icmp 13/0 15", CT_NEW, O },
	{ 0.8, "c icmp 9/0 16", CT_INVALID, O },
	{ 0.9, "c icmp 40/0 7", CT_INVALID, O },
	{ 1.0, "c icmp 16/0 17", CT_INVALID, O },
	END,
};

/* Linux 6.18 (icmp timeout 3 s, reply after 4 s). */
static const struct step icmp_timeout[] = {
	{ 0.0, "c icmp 8/0 30", CT_NEW, O },
	{ 31.0, "s icmp 0/0 30", CT_INVALID, O },
	END,
};

/* Linux 6.18: ICMP errors about a tracked flow are RELATED, in the
 * direction of the flow they answer; errors that go elsewhere than to the
 * quoted packet's sender, or quote nothing tracked, are INVALID. */
static const struct step icmp_related[] = {
	{ 0.0, "c udp 5010 53", CT_NEW, O },
	{ 0.1, "s icmp 3/3 quote c udp 5010 53", CT_RELATED, R },
	{ 0.2, "s icmp 11/0 quote c udp 5010 53", CT_RELATED, R },
	{ 0.3, "c icmp 3/3 quote s udp 53 5010", CT_RELATED, O },
	{ 0.4, "x icmp 3/3 quote c udp 5010 53", CT_INVALID, O },
	{ 0.5, "s icmp 3/3 quote c udp 5011 53", CT_INVALID, O },
	{ 0.6, "c tcp 40100 80 S", CT_NEW, O },
	{ 0.7, "s icmp 3/1 quote c tcp 40100 80 S", CT_RELATED, R },
	{ 0.8, "s tcp 80 40100 SA", CT_ESTABLISHED, R },
	{ 0.9, "c icmp 8/0 20", CT_NEW, O },
	{ 1.0, "s icmp 11/0 quote c icmp 8/0 20", CT_RELATED, R },
	END,
};

/* Linux 6.18 (the expiry with generic timeout 3 s, 4 s later): a protocol
 * without a tracker of its own. */
static const struct step generic[] = {
	{ 0.0, "c proto 253", CT_NEW, O },
	{ 0.1, "s proto 253", CT_ESTABLISHED, R },
	{ 0.2, "c proto 253", CT_ESTABLISHED, O },
	{ 600.2, "s proto 253", CT_NEW, O },
	END,
};

/* Not checked against the kernel (no IPv6 in the test topology); from
 * nf_conntrack_proto_icmpv6.c and the same TCP and UDP code as IPv4. */
static const struct step ipv6[] = {
	{ 0.0, "c6 icmp 128/0 5", CT_NEW, O },
	{ 0.1, "s6 icmp 129/0 5", CT_ESTABLISHED, R },
	{ 0.2, "s6 icmp 129/0 6", CT_INVALID, O },
	{ 0.3, "c6 icmp 135/0", CT_UNTRACKED, O },
	{ 0.4, "s6 icmp 136/0", CT_UNTRACKED, O },
	{ 0.5, "c6 icmp 134/0", CT_UNTRACKED, O },
	{ 0.6, "c6 icmp 200/0", CT_INVALID, O },
	{ 0.7, "c6 udp 5000 53", CT_NEW, O },
	{ 0.8, "s6 icmp 1/4 quote c6 udp 5000 53", CT_RELATED, R },
	{ 0.9, "s6 icmp 3/0 quote c6 udp 5001 53", CT_INVALID, O },
	{ 1.0, "s6 icmp 137/0 quote c6 udp 5000 53", CT_RELATED, R },
	{ 1.1, "s6 icmp 137/0", CT_INVALID, O },
	{ 1.2, "c6 tcp 40000 443 S", CT_NEW, O },
	{ 1.3, "s6 tcp 443 40000 SA", CT_ESTABLISHED, R },
	{ 1.4, "c6 tcp 40000 443 A", CT_ESTABLISHED, O },
	{ 1.5, "c tcp 40000 443 A", CT_NEW, O },
	END,
};

static const struct seq seqs[] = {
	{ "tcp handshake, data, close, reopen", tcp_close },
	{ "tcp loose pickup", tcp_loose },
	{ "tcp refused flags", tcp_refused },
	{ "tcp ACK before SYN/ACK", tcp_syn_ack },
	{ "tcp RST answer", tcp_rst_answer },
	{ "tcp RST then data", tcp_rst_then_data },
	{ "tcp RST then reopen", tcp_rst_reopen },
	{ "tcp resync", tcp_resync },
	{ "tcp simultaneous open", tcp_simultaneous },
	{ "tcp server closes", tcp_server_close },
	{ "tcp simultaneous open, ACK", tcp_simultaneous_ack },
	{ "tcp challenge ACK", tcp_challenge_ack },
	{ "tcp wrong side", tcp_wrong_side },
	{ "tcp SYN timeout", tcp_syn_timeout },
	{ "tcp loose timeout", tcp_loose_timeout },
	{ "tcp close timeout", tcp_close_timeout },
	{ "udp basic", udp_basic },
	{ "udp expiry", udp_expiry },
	{ "udp stream", udp_stream },
	{ "udp notrack", udp_notrack },
	{ "icmp echo", icmp_echo },
	{ "icmp timeout", icmp_timeout },
	{ "icmp related", icmp_related },
	{ "generic", generic },
	{ "ipv6", ipv6 },
};

static void
run_seq(const struct seq *s)
{
	struct ct_table	  *ct = ct_table_new(1024);
	const struct step *st;
	struct ct_pkt	   p, inner;
	struct ct_result   r;

	if (!ok(ct != NULL, "%s: table", s->name))
		return;
	for (st = s->steps; st->pkt != NULL; st++) {
		if (!ok(parse_pkt(st->pkt, &p, &inner) == 0, "parse '%s'",
			st->pkt))
			continue;
		p.t = st->t;
		if (ct_classify(ct, &p, &r) == -1) {
			ok(0, "%s: t=%g %s: classify", s->name, st->t, st->pkt);
			continue;
		}
		if (!ok(r.state == st->state && r.reply == (st->dir == R),
			"%s: t=%g %s -> %s%s", s->name, st->t, st->pkt,
			ct_state_name(st->state), st->dir == R ? " REPLY" : ""))
			diag("  got %s%s", ct_state_name(r.state),
			    r.reply ? " REPLY" : "");
		ok((r.entry == NULL) ==
			(r.state == CT_INVALID || r.state == CT_UNTRACKED),
		    "%s: t=%g %s: entry iff tracked", s->name, st->t, st->pkt);
		ct_commit(ct, &r, true);
	}
	ct_table_free(ct);
}

/* Classifies and commits one packet; returns the state, -1 on error. */
static int
pkt(struct ct_table *ct, double t, const char *spec, bool accept,
    struct ct_result *out)
{
	struct ct_pkt	 p, inner;
	struct ct_result r;
	int		 state;

	if (parse_pkt(spec, &p, &inner) == -1)
		return -1;
	p.t = t;
	if (ct_classify(ct, &p, &r) == -1)
		return -1;
	state = r.state;
	if (out != NULL)
		*out = r;
	ct_commit(ct, &r, accept);
	return state;
}

/* Classifies one packet and leaves the result uncommitted. */
static int
classify(struct ct_table *ct, double t, const char *spec, struct ct_result *r)
{
	struct ct_pkt p, inner;

	if (parse_pkt(spec, &p, &inner) == -1)
		return -1;
	p.t = t;
	return ct_classify(ct, &p, r);
}

/* The TCP states along a whole connection, with their timeouts
 * (nf_conntrack_proto_tcp.c tcp_timeouts), and ASSURED. */
static void
test_tcp_states(void)
{
	static const struct {
		const char	 *pkt;
		enum ct_tcp_state state;
		double		  timeout;
		bool		  assured;
	} rows[] = {
		{ "c tcp 1 2 S", CT_TCP_SYN_SENT, 120, false },
		{ "s tcp 2 1 SA", CT_TCP_SYN_RECV, 60, false },
		{ "c tcp 1 2 A", CT_TCP_ESTABLISHED, 432000, true },
		{ "c tcp 1 2 FA", CT_TCP_FIN_WAIT, 120, true },
		{ "s tcp 2 1 A", CT_TCP_CLOSE_WAIT, 60, true },
		{ "s tcp 2 1 FA", CT_TCP_LAST_ACK, 30, true },
		{ "c tcp 1 2 A", CT_TCP_TIME_WAIT, 120, true },
		{ "c tcp 1 2 R", CT_TCP_CLOSE, 10, true },
	};
	struct ct_table *ct = ct_table_new(16);
	struct ct_result r;
	struct ct_pkt	 p;
	size_t		 i;
	double		 t = 100;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++, t += 1) {
		if (parse_pkt(rows[i].pkt, &p, NULL) == -1)
			continue;
		p.t = t;
		if (ct_classify(ct, &p, &r) == -1 || r.entry == NULL) {
			ok(0, "tcp state after %s", rows[i].pkt);
			ct_commit(ct, &r, true);
			continue;
		}
		is_str(ct_tcp_state_name(ct_entry_tcp_state(r.entry)),
		    ct_tcp_state_name(rows[i].state), "tcp state after %s",
		    rows[i].pkt);
		ok(ct_entry_expires(r.entry) == t + rows[i].timeout,
		    "timeout %g after %s", rows[i].timeout, rows[i].pkt);
		ok(ct_entry_assured(r.entry) == rows[i].assured,
		    "assured %d after %s", rows[i].assured, rows[i].pkt);
		ct_commit(ct, &r, true);
	}
	ct_table_free(ct);
}

/* The filter's verdict: a NEW entry is confirmed only if its packet was
 * accepted; changes to an existing entry stick whatever the verdict. */
static void
test_commit(void)
{
	struct ct_table *ct = ct_table_new(16);
	struct ct_stats	 st;
	struct ct_result r;

	is_int(pkt(ct, 0, "c tcp 1 2 S", false, NULL), CT_NEW,
	    "dropped SYN is NEW");
	is_int(pkt(ct, 1, "s tcp 2 1 SA", true, NULL), CT_INVALID,
	    "no entry for the SYN/ACK to a dropped SYN");
	is_int(pkt(ct, 2, "c tcp 1 2 S", true, NULL), CT_NEW,
	    "accepted SYN is NEW");
	is_int(pkt(ct, 3, "s tcp 2 1 SA", false, &r), CT_ESTABLISHED,
	    "dropped SYN/ACK is ESTABLISHED");
	is_int(pkt(ct, 4, "c tcp 1 2 A", true, &r), CT_ESTABLISHED,
	    "ACK after the dropped SYN/ACK");
	ct_get_stats(ct, &st);
	is_int(st.inserted, 1, "one entry inserted");
	is_int(st.entries, 1, "one entry in the table");
	is_int(st.invalid, 1, "one invalid packet");

	/* A pending entry carries its mark into the table (connmark set on
	 * the first packet), and both directions find it. */
	if (ok(classify(ct, 5, "c udp 7 53", &r) == 0 && r.entry != NULL &&
		    r.pending,
		"pending entry for a new flow"))
		*ct_entry_mark(r.entry) = 0x2a;
	ct_commit(ct, &r, true);
	if (ok(classify(ct, 6, "s udp 53 7", &r) == 0 && r.entry != NULL,
		"reply finds the flow"))
		is_int(*ct_entry_mark(r.entry), 0x2a, "mark kept");
	ct_commit(ct, &r, true);
	if (ok(classify(ct, 7, "s icmp 3/3 quote c udp 7 53", &r) == 0 &&
		    r.state == CT_RELATED && r.entry != NULL,
		"related error finds the flow"))
		is_int(
		    *ct_entry_mark(r.entry), 0x2a, "mark of a related packet");
	ct_commit(ct, &r, true);

	/* A RST answering a SYN removes the entry in classification; the
	 * result's entry stays readable until the commit. */
	is_int(pkt(ct, 8, "c tcp 3 4 S", true, NULL), CT_NEW, "SYN");
	if (ok(classify(ct, 9, "s tcp 4 3 RA", &r) == 0 && r.entry != NULL,
		"RST answer"))
		is_int(*ct_entry_mark(r.entry), 0, "its entry is readable");
	ct_commit(ct, &r, true);
	ct_get_stats(ct, &st);
	is_int(st.entries, 2, "RST answer removed its entry");
	ct_table_free(ct);
}

/* A full table evicts the oldest unassured entry; full of assured
 * entries, it drops the packet; expired entries make room. */
static void
test_full(void)
{
	struct ct_table *ct = ct_table_new(2);
	struct ct_stats	 st;
	struct ct_result r;

	is_int(pkt(ct, 0, "c udp 1 53", true, NULL), CT_NEW, "flow 1");
	is_int(pkt(ct, 1, "c udp 2 53", true, NULL), CT_NEW, "flow 2");
	is_int(pkt(ct, 2, "c udp 3 53", true, NULL), CT_NEW, "flow 3");
	ct_get_stats(ct, &st);
	is_int(st.early_drop, 1, "one early drop");
	is_int(st.entries, 2, "table holds 2");
	is_int(pkt(ct, 3, "s udp 53 2", true, NULL), CT_ESTABLISHED,
	    "flow 2 kept");
	is_int(pkt(ct, 4, "s udp 53 1", true, NULL), CT_NEW,
	    "flow 1 was evicted: its reply is a new flow");
	ct_get_stats(ct, &st);
	is_int(st.early_drop, 2, "flow 3 evicted for it");

	/* Make both entries assured: UDP streams answered and alive after
	 * 2 s. */
	ct_table_free(ct);
	ct = ct_table_new(2);
	pkt(ct, 0, "c udp 1 53", true, NULL);
	pkt(ct, 0, "s udp 53 1", true, NULL);
	pkt(ct, 0, "c udp 2 53", true, NULL);
	pkt(ct, 0, "s udp 53 2", true, NULL);
	pkt(ct, 3, "c udp 1 53", true, &r);
	ok(r.entry != NULL && ct_entry_assured(r.entry), "flow 1 assured");
	pkt(ct, 3, "c udp 2 53", true, &r);
	ok(r.entry != NULL && ct_entry_assured(r.entry), "flow 2 assured");
	if (ok(classify(ct, 4, "c udp 3 53", &r) == 0, "flow 3"))
		ok(r.drop && r.state == CT_INVALID && r.entry == NULL,
		    "table full of assured entries: packet dropped");
	ct_commit(ct, &r, false);
	is_int(
	    pkt(ct, 4, "c tcp 5 6 S", true, NULL), CT_INVALID, "and the next");
	is_int(pkt(ct, 4, "c icmp 3/3 quote s udp 53 1", true, NULL),
	    CT_RELATED, "related packets need no room");
	is_int(pkt(ct, 5, "c udp 1 53", true, NULL), CT_ESTABLISHED,
	    "existing flows go on");
	ct_get_stats(ct, &st);
	is_int(st.dropped_full, 2, "two packets dropped");
	/* Flow 2 expires at 123, flow 1 (refreshed at 5) at 125. */
	is_int(pkt(ct, 124, "c udp 3 53", true, NULL), CT_NEW,
	    "after expiry there is room");
	ct_get_stats(ct, &st);
	is_int(st.expired, 1, "flow 2 expired");
	is_int(st.entries, 2, "flow 1 (refreshed) and flow 3");
	is_int(st.early_drop, 0, "nothing evicted");
	ct_table_free(ct);
}

/* Many flows in few buckets: every chain holds several tuples, and
 * removing entries from the middle of chains leaves the others findable. */
static void
test_collisions(void)
{
	struct ct_table *ct = ct_table_new(8);
	struct ct_stats	 st;
	char		 spec[64];
	int		 i, bad = 0;

	/* Flows 0..7: the even ones are answered at 1 s and active again at
	 * 20 s, a stream (120 s); the odd ones are never answered (30 s). */
	for (i = 0; i < 8; i++) {
		snprintf(spec, sizeof(spec), "c udp %d 53", 1000 + i);
		if (pkt(ct, 0, spec, true, NULL) != CT_NEW)
			bad++;
	}
	ok(bad == 0, "8 flows in 8 buckets");
	for (i = 0, bad = 0; i < 8; i += 2) {
		snprintf(spec, sizeof(spec), "s udp 53 %d", 1000 + i);
		if (pkt(ct, 1, spec, true, NULL) != CT_ESTABLISHED)
			bad++;
		snprintf(spec, sizeof(spec), "c udp %d 53", 1000 + i);
		if (pkt(ct, 20, spec, true, NULL) != CT_ESTABLISHED)
			bad++;
	}
	ok(bad == 0, "replies find their flows");
	for (i = 0, bad = 0; i < 8; i++) {
		snprintf(spec, sizeof(spec), "s udp 53 %d", 1000 + i);
		if (pkt(ct, 40, spec, true, NULL) !=
		    (i % 2 == 0 ? CT_ESTABLISHED : CT_NEW))
			bad++;
	}
	ok(bad == 0, "at 40 s the answered flows live, the others expired");
	ct_get_stats(ct, &st);
	is_int(st.expired, 4, "4 expired");
	is_int(st.entries, 8, "4 old and 4 new entries");
	is_int(st.early_drop, 0, "no eviction");
	ct_table_free(ct);

	/* Expired entries go even if nothing looks them up: each packet
	 * sweeps a few buckets. */
	ct = ct_table_new(64);
	for (i = 0, bad = 0; i < 4; i++) {
		snprintf(spec, sizeof(spec), "c udp %d 53", 1000 + i);
		pkt(ct, 0, spec, true, NULL);
	}
	pkt(ct, 99, "c proto 99", true, NULL);
	for (i = 0; i < 64; i++)
		pkt(ct, 100, "c proto 99", true, NULL);
	ct_get_stats(ct, &st);
	is_int(st.expired, 4, "the sweep found the 4 expired flows");
	is_int(st.entries, 1, "one entry left");
	ct_table_free(ct);
}

/*
 * A naive reference for UDP: a list of flows, searched linearly, with the
 * timeouts of nf_conntrack_proto_udp.c. Random packets between a few
 * hosts and ports must get the same state from both.
 */
struct ref_flow {
	int    a, b; /* endpoint indices of the original direction */
	bool   live, seen_reply;
	double expires, stream_ts;
};

static void
test_random(void)
{
	enum { NEP = 12, NPKT = 20000 };
	static struct ref_flow ref[NEP * NEP];
	struct ct_table	      *ct = ct_table_new(NEP * NEP);
	struct ct_result       r;
	struct ct_pkt	       p;
	int		       i, j, bad = 0, nref = 0;
	double		       t = 0;
	unsigned int	       seed = 1;

	for (i = 0; i < NPKT && ct != NULL; i++) {
		int a = rand_r(&seed) % NEP, b = rand_r(&seed) % NEP;
		struct ref_flow *f = NULL;
		int		 want, dir = O;

		if (a == b)
			continue;
		t += (rand_r(&seed) % 1000) / 100.0;
		/* Endpoint k is host 198.51.100.(k / 3) port 1000 + k % 3. */
		memset(&p, 0, sizeof(p));
		addr_pton(AF_INET, "198.51.100.0", &p.src);
		p.dst = p.src;
		p.src.u.b[3] = (uint8_t)(a / 3);
		p.dst.u.b[3] = (uint8_t)(b / 3);
		p.proto = IPPROTO_UDP;
		p.sport = (uint16_t)(1000 + a % 3);
		p.dport = (uint16_t)(1000 + b % 3);
		p.t = t;
		for (j = 0; j < nref; j++) {
			struct ref_flow *g = &ref[j];

			if (!g->live)
				continue;
			if (t >= g->expires) {
				g->live = false;
				continue;
			}
			if ((g->a == a && g->b == b) ||
			    (g->a == b && g->b == a))
				f = g;
		}
		if (f == NULL) {
			for (j = 0; j < nref && ref[j].live; j++)
				;
			if (j == nref)
				nref++;
			f = &ref[j];
			*f = (struct ref_flow){ a, b, true, false, t + 30,
				t + 2 };
			want = CT_NEW;
		} else if (f->a != a) {
			dir = R;
			want = CT_ESTABLISHED;
			f->expires = t + 30;
		} else {
			want = f->seen_reply ? CT_ESTABLISHED : CT_NEW;
			f->expires =
			    t + (f->seen_reply && t > f->stream_ts ? 120 : 30);
		}
		if (dir == R) {
			/* As the kernel: the first reply does not yet
			 * count as seen for its own timeout. */
			if (f->seen_reply && t > f->stream_ts)
				f->expires = t + 120;
			f->seen_reply = true;
		}
		if (ct_classify(ct, &p, &r) == -1 || (int)r.state != want ||
		    r.reply != (dir == R)) {
			if (bad++ < 5)
				diag("packet %d: %d>%d at %g: got %s%s, want "
				     "%s%s",
				    i, a, b, t, ct_state_name(r.state),
				    r.reply ? " REPLY" : "",
				    ct_state_name(want),
				    dir == R ? " REPLY" : "");
		}
		ct_commit(ct, &r, true);
	}
	ok(ct != NULL && bad == 0,
	    "%d random UDP packets agree with the "
	    "reference",
	    NPKT);
	ct_table_free(ct);
}

static void
test_misc(void)
{
	struct ct_table *ct = ct_table_new(4);
	struct ct_result r;
	struct ct_pkt	 p;
	struct ct_stats	 st;

	ok(ct_table_new(0) == NULL, "a table needs room");
	memset(&p, 0, sizeof(p));
	addr_pton(AF_INET, client, &p.src);
	addr_pton(AF_INET6, server6, &p.dst);
	p.proto = IPPROTO_UDP;
	is_int(ct_classify(ct, &p, &r), -1, "mixed families refused");
	ct_commit(ct, &r, true);
	is_int(pkt(ct, 0, "c6 tcp 1 2 S notrack", true, NULL), CT_UNTRACKED,
	    "notrack");
	is_str(ct_state_name(CT_RELATED), "RELATED", "state name");
	is_str(
	    ct_tcp_state_name(CT_TCP_SYN_SENT2), "SYN_SENT2", "tcp state name");
	/* Pending entries of dropped packets and entries left in the table
	 * are freed (ASan would complain). */
	pkt(ct, 0, "c udp 1 2", false, NULL);
	pkt(ct, 0, "c udp 1 3", true, NULL);
	ct_get_stats(ct, &st);
	is_int(st.entries, 1, "one entry left for ct_table_free");
	ct_table_free(ct);
	ct_table_free(NULL);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++)
		run_seq(&seqs[i]);
	test_tcp_states();
	test_commit();
	test_full();
	test_collisions();
	test_random();
	test_misc();
	return done_testing();
}
