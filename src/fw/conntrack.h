/*
 * Userspace connection tracking: classifies each packet as netfilter's
 * conntrack does for `-m conntrack --ctstate` and `-m state` (NEW,
 * ESTABLISHED, RELATED, INVALID, UNTRACKED) and its direction (--ctdir).
 *
 * The caller runs ct_classify before the filter and ct_commit with the
 * verdict after it, once per packet, before the next packet's ct_classify:
 * like the kernel, a new entry only enters the table ("is confirmed") when
 * its first packet was accepted. A result with drop set is a packet the
 * kernel would have dropped before the filter (table full); it still goes
 * to ct_commit. See conntrack.c for what is and is not reproduced.
 */
#ifndef MOAT_CONNTRACK_H
#define MOAT_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum ct_state {
	CT_INVALID,
	CT_NEW,
	CT_ESTABLISHED,
	CT_RELATED,
	CT_UNTRACKED,
};

/* The TCP tracker's states, in the kernel's order (enum tcp_conntrack). */
enum ct_tcp_state {
	CT_TCP_NONE,
	CT_TCP_SYN_SENT,
	CT_TCP_SYN_RECV,
	CT_TCP_ESTABLISHED,
	CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT,
	CT_TCP_LAST_ACK,
	CT_TCP_TIME_WAIT,
	CT_TCP_CLOSE,
	CT_TCP_SYN_SENT2,
	CT_TCP_MAX,
};

/* TCP header flags as in the header's 13th byte. */
#define CT_TCP_FIN 0x01
#define CT_TCP_SYN 0x02
#define CT_TCP_RST 0x04
#define CT_TCP_PSH 0x08
#define CT_TCP_ACK 0x10
#define CT_TCP_URG 0x20
#define CT_TCP_ECE 0x40
#define CT_TCP_CWR 0x80

/* What the tracker needs of one packet. */
struct ct_pkt {
	/* IPv4 or IPv6, both of the same family. */
	struct addr src, dst;
	/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, or any other. */
	uint8_t	 proto;
	uint16_t sport, dport;
	/* CT_TCP_*. */
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	/* Echo and other queries. */
	uint16_t icmp_id;
	/* For ICMP errors, the quoted packet's header; else NULL. */
	const struct ct_pkt *inner;
	/* Seconds, monotonic, from the caller. */
	double	 t;
	uint32_t len;
	/* The raw table said NOTRACK or CT --notrack. */
	bool notrack;
};

struct ct_entry;

struct ct_result {
	enum ct_state	 state;
	bool		 reply; /* reply direction (--ctdir REPLY) */
	struct ct_entry *entry; /* NULL for INVALID and UNTRACKED */
	/* The kernel drops the packet before any table sees it: the table was
	 * full and no entry could be evicted. state is CT_INVALID. */
	bool drop;
	/* For ct_commit: entry is new and not in the table yet (pending), and
	 * an entry this packet removed from the table, to free. */
	bool		 pending;
	struct ct_entry *dead;
};

struct ct_stats {
	uint64_t entries; /* in the table now */
	uint64_t inserted; /* new entries confirmed */
	uint64_t dropped_full; /* packets dropped: table full, none evicted */
	uint64_t early_drop; /* unassured entries evicted to make room */
	uint64_t invalid; /* packets classified INVALID */
	uint64_t expired; /* entries removed by their timeout */
};

struct ct_table *ct_table_new(size_t);
void		 ct_table_free(struct ct_table *);

/* Before the filter. Returns -1 only for a packet the caller built wrongly
 * (unknown or mixed address families); the packet is then not tracked. */
int ct_classify(struct ct_table *, const struct ct_pkt *, struct ct_result *);
/* After the verdict: confirms a pending entry if accepted, frees it if not,
 * and frees what classification removed. Entry pointers of the result are
 * invalid afterwards. */
void ct_commit(struct ct_table *, struct ct_result *, bool);

uint32_t	 *ct_entry_mark(struct ct_entry *);
enum ct_tcp_state ct_entry_tcp_state(const struct ct_entry *);
bool		  ct_entry_assured(const struct ct_entry *);
double		  ct_entry_expires(const struct ct_entry *);

void ct_get_stats(const struct ct_table *, struct ct_stats *);

/*
 * For -m connlimit (nf_conncount keeps the original-direction tuple of each
 * connection it counted and asks conntrack about it later). A key is an
 * entry's tuple: ports for TCP and UDP, and for ICMP the id as the source
 * port and type << 8 | code as the destination port; other protocols have
 * zero ports.
 */
struct ct_key {
	struct addr src, dst;
	uint16_t    sport, dport;
	uint8_t	    proto;
};

enum ct_liveness {
	CT_GONE, /* no entry has this tuple (or it expired) */
	CT_OPEN,
	CT_CLOSED, /* TCP in TIME_WAIT or CLOSE: nf_conncount's already_closed */
};

void		 ct_entry_key(const struct ct_entry *, struct ct_key *);
enum ct_liveness ct_key_liveness(
    struct ct_table *, const struct ct_key *, double);

const char *ct_state_name(enum ct_state);
const char *ct_tcp_state_name(enum ct_tcp_state);

#endif
