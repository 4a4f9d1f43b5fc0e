/*
 * Connection tracking as Linux 6.x netfilter conntrack classifies packets,
 * with the kernel's defaults (nf_conntrack_tcp_loose=1, be_liberal=0).
 *
 * Facts used, from the kernel sources and checked against Linux 6.18 in
 * network namespaces (the sequences are in tests/unit/conntrack.c):
 *  - nf_conntrack_core.c resolve_normal_ct: a packet matching an entry's
 *    reply tuple is ESTABLISHED (ctdir REPLY); in the original direction it
 *    is ESTABLISHED once a reply was seen, else NEW. The reply bit is set
 *    after the protocol accepted the packet, so the first reply is itself
 *    ESTABLISHED. A packet the protocol refuses is INVALID and changes
 *    nothing; a new entry is only inserted ("confirmed") when its first
 *    packet leaves the stack accepted.
 *  - nf_conntrack_core.c __nf_conntrack_alloc: at nf_conntrack_max the
 *    kernel evicts an unassured entry (early_drop); if there is none it
 *    drops the packet before any table sees it ("table full, dropping
 *    packet"). This happens before the protocol looks at the packet.
 *  - nf_conntrack_proto_tcp.c: the flag combinations of tcp_valid_flags
 *    (PSH, ECE and CWR ignored), the tcp_conntracks transition table, the
 *    handling of ignored packets (resync on a SYN/ACK answering an ignored
 *    SYN), reopening from TIME_WAIT/CLOSE, simultaneous open, RFC 5961
 *    challenge ACKs in LAST_ACK, the removal of an entry whose only answer
 *    is a RST, ASSURED, and the timeouts (tcp_timeouts; RST sets CLOSE's;
 *    a picked-up connection without reply is held for "unacknowledged").
 *  - nf_conntrack_proto_udp.c: 30 s until a reply; after a reply, 120 s
 *    ("stream") and ASSURED for packets more than 2 s after the first.
 *  - nf_conntrack_proto_icmp.c, nf_conntrack_proto_icmpv6.c: only requests
 *    (echo, timestamp, info, address mask; echo and node information for
 *    v6) create entries, keyed by id, type and code; errors are RELATED when
 *    the inverted quoted tuple is tracked and the outer destination is the
 *    quoted source (nf_conntrack_inet_error), else INVALID; ICMP types
 *    above 18 are INVALID; ICMPv6 neighbour discovery and MLD are
 *    UNTRACKED. Timeout 30 s.
 *  - nf_conntrack_proto_generic.c: other protocols by addresses, 600 s.
 *
 * Not reproduced (the kernel may answer differently):
 *  - TCP window tracking (tcp_in_window) and everything built on sequence
 *    numbers: out-of-window segments, which the kernel marks INVALID or
 *    ignores, are accepted here; a RST is always taken as exact (the kernel
 *    refuses a RST below the peer's highest ACK and keeps ESTABLISHED for a
 *    RST that is in the window but not exact); the SYN/ACK that resyncs an
 *    ignored SYN is assumed to acknowledge it; the challenge ACK to a SYN in
 *    SYN_SENT is not recognised; the shorter timeouts for retransmissions,
 *    unacknowledged data and zero windows (300 s) are not applied.
 *  - Checksums and truncated headers: the caller has validated the packet.
 *  - Protocols with their own kernel trackers other than TCP, UDP and ICMP
 *    (SCTP, UDP-Lite, DCCP, GRE) are generic here: no ports, 600 s.
 *  - Helpers and expectations (RELATED data connections), NAT, zones, CT
 *    templates and timeout policies.
 *  - ICMPv6 redirects: the kernel also wants hop limit 255, a link-local
 *    source and the redirected-header option; here code 0 and a quoted
 *    header suffice.
 *  - Early drop: the kernel looks at the 8 hash buckets after the new
 *    tuple's and evicts the first unassured entry there, so it can fail
 *    while other unassured entries exist; here the oldest unassured entry
 *    goes. Its GC worker's eviction of assured, closing TCP entries at 95 %
 *    is not done. The kernel also counts the unconfirmed entry towards the
 *    limit; here the one pending entry is not counted.
 *  - Expiry is lazy: an expired entry goes when a lookup meets it, when the
 *    incremental sweep (a few buckets per packet) reaches it, or in a full
 *    sweep when the table is full (at most once per second of packet time).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "conntrack.h"
#include "hash.h"
#include "log.h"

#define DIR_ORIG 0
#define DIR_REPLY 1

#define ST_CONFIRMED 0x1 /* in the table */
#define ST_SEEN_REPLY 0x2
#define ST_ASSURED 0x4

/* Default timeouts in seconds: nf_conntrack_proto_generic.c,
 * nf_conntrack_proto_udp.c udp_timeouts, nf_conntrack_proto_icmp.c and
 * _icmpv6.c, nf_conntrack_proto_tcp.c tcp_timeouts; the same values are in
 * /proc/sys/net/netfilter/ of a fresh 6.18 namespace. */
#define TIMEOUT_GENERIC 600
#define TIMEOUT_UDP 30
#define TIMEOUT_UDP_STREAM 120
#define UDP_STREAM_AFTER 2 /* udp stream_ts: 2 s after the first packet */
#define TIMEOUT_ICMP 30
#define TIMEOUT_TCP_UNACK 300

static const double tcp_timeout[CT_TCP_MAX] = {
	[CT_TCP_SYN_SENT] = 120,
	[CT_TCP_SYN_RECV] = 60,
	[CT_TCP_ESTABLISHED] = 432000,
	[CT_TCP_FIN_WAIT] = 120,
	[CT_TCP_CLOSE_WAIT] = 60,
	[CT_TCP_LAST_ACK] = 30,
	[CT_TCP_TIME_WAIT] = 120,
	[CT_TCP_CLOSE] = 10,
	[CT_TCP_SYN_SENT2] = 120,
};

/* Buckets the incremental sweep looks at per packet. */
#define GC_STEP 2
/* Largest bucket array; beyond it chains grow instead. */
#define MAX_BUCKETS (1u << 22)

/*
 * A tuple as the kernel keys an entry (struct nf_conntrack_tuple, without
 * zones): for ICMP the id stands in the source port and type and code in
 * the destination port, so that one comparison serves every protocol.
 */
struct ct_tuple {
	struct addr src, dst;
	uint16_t    sport, dport;
	uint8_t	    proto;
};

/* One direction of an entry in a hash chain. */
struct ct_node {
	struct ct_node	*next;
	struct ct_entry *entry;
	struct ct_tuple	 tuple;
};

/* Flags of struct ip_ct_tcp's last_flags that the state machine uses. */
#define TCP_SIMULTANEOUS_OPEN 0x1
#define TCP_EXP_CHALLENGE_ACK 0x2

struct ct_tcp {
	uint8_t state;
	uint8_t last_index; /* enum tcp_index of the last packet seen */
	uint8_t last_dir;
	uint8_t last_flags;
	bool	close_init[2]; /* that direction sent the first FIN */
};

struct ct_entry {
	struct ct_node	 node[2]; /* DIR_ORIG, DIR_REPLY */
	struct ct_entry *prev, *next; /* unassured list, oldest first */
	double		 expires;
	double		 udp_stream_ts;
	uint32_t	 mark;
	uint8_t		 status;
	struct ct_tcp	 tcp;
};

struct ct_table {
	struct ct_node **bucket;
	size_t		 nbucket; /* a power of two */
	size_t		 max, count;
	uint32_t	 seed;
	/* Confirmed entries that are not ASSURED: early drop candidates. */
	struct ct_entry *unassured_head, *unassured_tail;
	size_t		 gc_next;
	bool		 swept;
	double		 last_sweep;
	struct ct_stats	 stats;
};

/* What a protocol handler makes of a packet. */
enum verdict {
	V_ACCEPT,
	V_INVALID,
	V_REPEAT, /* remove the entry and classify the packet again */
	V_KILL, /* accept, then remove the entry */
};

static const char *const state_names[] = {
	[CT_INVALID] = "INVALID",
	[CT_NEW] = "NEW",
	[CT_ESTABLISHED] = "ESTABLISHED",
	[CT_RELATED] = "RELATED",
	[CT_UNTRACKED] = "UNTRACKED",
};

static const char *const tcp_state_names[] = {
	[CT_TCP_NONE] = "NONE",
	[CT_TCP_SYN_SENT] = "SYN_SENT",
	[CT_TCP_SYN_RECV] = "SYN_RECV",
	[CT_TCP_ESTABLISHED] = "ESTABLISHED",
	[CT_TCP_FIN_WAIT] = "FIN_WAIT",
	[CT_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[CT_TCP_LAST_ACK] = "LAST_ACK",
	[CT_TCP_TIME_WAIT] = "TIME_WAIT",
	[CT_TCP_CLOSE] = "CLOSE",
	[CT_TCP_SYN_SENT2] = "SYN_SENT2",
};

const char *
ct_state_name(enum ct_state s)
{
	if ((size_t)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[s];
}

const char *
ct_tcp_state_name(enum ct_tcp_state s)
{
	if ((size_t)s >= sizeof(tcp_state_names) / sizeof(tcp_state_names[0]))
		return "?";
	return tcp_state_names[s];
}

/* ---- tuples and the hash table ---------------------------------------- */

static bool
tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return a->proto == b->proto && a->sport == b->sport &&
	    a->dport == b->dport && addr_eq(&a->src, &b->src) &&
	    addr_eq(&a->dst, &b->dst);
}

static uint32_t
tuple_hash(const struct ct_table *ct, const struct ct_tuple *t)
{
	int	 i, n = addr_len(t->src.af) / 4;
	uint32_t h = ct->seed;

	h = hash_mix(h, (uint32_t)t->proto << 16 | t->src.af);
	for (i = 0; i < n; i++) {
		h = hash_mix(h, t->src.u.w[i]);
		h = hash_mix(h, t->dst.u.w[i]);
	}
	h = hash_mix(h, (uint32_t)t->sport << 16 | t->dport);
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static struct ct_node **
bucket_of(struct ct_table *ct, const struct ct_tuple *t)
{
	return &ct->bucket[tuple_hash(ct, t) & (ct->nbucket - 1)];
}

/* Only the address bytes of the family take part: the caller's struct addr
 * may hold anything beyond them. */
static void
addr_copy(struct addr *to, const struct addr *from)
{
	memset(to, 0, sizeof(*to));
	to->af = from->af;
	memcpy(to->u.b, from->u.b, addr_len(from->af));
}

static bool
is_icmp(const struct ct_pkt *p)
{
	return (p->proto == IPPROTO_ICMP && p->src.af == AF_INET) ||
	    (p->proto == IPPROTO_ICMPV6 && p->src.af == AF_INET6);
}

static void
tuple_of(const struct ct_pkt *p, struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	addr_copy(&t->src, &p->src);
	addr_copy(&t->dst, &p->dst);
	t->proto = p->proto;
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		t->sport = p->sport;
		t->dport = p->dport;
	} else if (is_icmp(p)) {
		t->sport = p->icmp_id;
		t->dport = (uint16_t)(p->icmp_type << 8 | p->icmp_code);
	}
}

/* The answer to a query type, plus one; 0: the type has none
 * (nf_conntrack_proto_icmp.c and _icmpv6.c invmap). */
static const uint8_t icmp_inverse[256] = {
	[8] = 0 + 1,
	[0] = 8 + 1,
	[13] = 14 + 1,
	[14] = 13 + 1,
	[15] = 16 + 1,
	[16] = 15 + 1,
	[17] = 18 + 1,
	[18] = 17 + 1,
};
static const uint8_t icmpv6_inverse[256] = {
	[128] = 129 + 1,
	[129] = 128 + 1,
	[139] = 140 + 1,
	[140] = 139 + 1,
};

static int
tuple_invert(const struct ct_tuple *t, struct ct_tuple *inv)
{
	*inv = *t;
	inv->src = t->dst;
	inv->dst = t->src;
	if (t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP) {
		inv->sport = t->dport;
		inv->dport = t->sport;
	} else if ((t->proto == IPPROTO_ICMP && t->src.af == AF_INET) ||
	    (t->proto == IPPROTO_ICMPV6 && t->src.af == AF_INET6)) {
		const uint8_t *map =
		    t->proto == IPPROTO_ICMP ? icmp_inverse : icmpv6_inverse;
		uint8_t type = t->dport >> 8;

		if (map[type] == 0)
			return -1;
		inv->dport =
		    (uint16_t)((map[type] - 1) << 8 | (t->dport & 0xff));
	}
	return 0;
}

static bool
expired(const struct ct_entry *e, double now)
{
	return now >= e->expires;
}

static void
unassured_add(struct ct_table *ct, struct ct_entry *e)
{
	e->next = NULL;
	e->prev = ct->unassured_tail;
	if (ct->unassured_tail != NULL)
		ct->unassured_tail->next = e;
	else
		ct->unassured_head = e;
	ct->unassured_tail = e;
}

static void
unassured_del(struct ct_table *ct, struct ct_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		ct->unassured_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		ct->unassured_tail = e->prev;
	e->prev = e->next = NULL;
}

static void
set_assured(struct ct_table *ct, struct ct_entry *e)
{
	if (e->status & ST_ASSURED)
		return;
	if (e->status & ST_CONFIRMED)
		unassured_del(ct, e);
	e->status |= ST_ASSURED;
}

static void
insert(struct ct_table *ct, struct ct_entry *e)
{
	struct ct_node **b;
	int		 d;

	for (d = DIR_ORIG; d <= DIR_REPLY; d++) {
		e->node[d].entry = e;
		b = bucket_of(ct, &e->node[d].tuple);
		e->node[d].next = *b;
		*b = &e->node[d];
	}
	e->status |= ST_CONFIRMED;
	if (!(e->status & ST_ASSURED))
		unassured_add(ct, e);
	ct->count++;
	ct->stats.inserted++;
}

/* Takes a confirmed entry out of the table; the caller frees it. */
static void
unlink_entry(struct ct_table *ct, struct ct_entry *e)
{
	struct ct_node **pp;
	int		 d;

	for (d = DIR_ORIG; d <= DIR_REPLY; d++) {
		for (pp = bucket_of(ct, &e->node[d].tuple); *pp != NULL;
		     pp = &(*pp)->next) {
			if (*pp == &e->node[d]) {
				*pp = e->node[d].next;
				break;
			}
		}
	}
	if (!(e->status & ST_ASSURED))
		unassured_del(ct, e);
	e->status &= ~ST_CONFIRMED;
	ct->count--;
}

static void
expire(struct ct_table *ct, struct ct_entry *e)
{
	unlink_entry(ct, e);
	ct->stats.expired++;
	free(e);
}

/* Removes the expired entries of one bucket. Each removal may take the next
 * node too (an entry's two tuples can share a bucket), so the walk starts
 * over after it. */
static void
sweep_bucket(struct ct_table *ct, size_t i, double now)
{
	struct ct_node *n;

again:
	for (n = ct->bucket[i]; n != NULL; n = n->next) {
		if (expired(n->entry, now)) {
			expire(ct, n->entry);
			goto again;
		}
	}
}

static void
gc_step(struct ct_table *ct, double now)
{
	int i;

	for (i = 0; i < GC_STEP; i++) {
		sweep_bucket(ct, ct->gc_next, now);
		ct->gc_next = (ct->gc_next + 1) & (ct->nbucket - 1);
	}
}

static struct ct_node *
lookup(struct ct_table *ct, const struct ct_tuple *t, double now)
{
	struct ct_node *n;

	for (n = *bucket_of(ct, t); n != NULL; n = n->next) {
		if (!tuple_eq(&n->tuple, t))
			continue;
		if (expired(n->entry, now)) {
			expire(ct, n->entry);
			return NULL;
		}
		return n;
	}
	return NULL;
}

/*
 * Room for one more entry, as __nf_conntrack_alloc makes it: expired
 * entries first, then the oldest unassured one. A full sweep costs the
 * whole table, so a table full of live entries gets one per second.
 */
static int
make_room(struct ct_table *ct, double now)
{
	size_t i;

	if (ct->count < ct->max)
		return 0;
	if (!ct->swept || now - ct->last_sweep >= 1.0) {
		for (i = 0; i < ct->nbucket; i++)
			sweep_bucket(ct, i, now);
		ct->swept = true;
		ct->last_sweep = now;
		if (ct->count < ct->max)
			return 0;
	}
	if (ct->unassured_head != NULL) {
		struct ct_entry *e = ct->unassured_head;

		unlink_entry(ct, e);
		free(e);
		ct->stats.early_drop++;
		return 0;
	}
	return -1;
}

/* ---- protocols -------------------------------------------------------- */

static void
refresh(struct ct_entry *e, double now, double timeout)
{
	e->expires = now + timeout;
}

/* The TCP flag classes of get_conntrack_index. */
enum tcp_index {
	IDX_SYN,
	IDX_SYNACK,
	IDX_FIN,
	IDX_ACK,
	IDX_RST,
	IDX_NONE,
};

static enum tcp_index
tcp_index(uint8_t f)
{
	if (f & CT_TCP_RST)
		return IDX_RST;
	if (f & CT_TCP_SYN)
		return f & CT_TCP_ACK ? IDX_SYNACK : IDX_SYN;
	if (f & CT_TCP_FIN)
		return IDX_FIN;
	if (f & CT_TCP_ACK)
		return IDX_ACK;
	return IDX_NONE;
}

/* tcp_valid_flags: the combinations of FIN, SYN, RST, ACK and URG that are
 * not INVALID whatever the state. A lone FIN or no flag at all is INVALID. */
static bool
tcp_flags_ok(uint8_t f)
{
	static const bool ok[CT_TCP_URG << 1] = {
		[CT_TCP_SYN] = true,
		[CT_TCP_SYN | CT_TCP_URG] = true,
		[CT_TCP_SYN | CT_TCP_ACK] = true,
		[CT_TCP_RST] = true,
		[CT_TCP_RST | CT_TCP_ACK] = true,
		[CT_TCP_FIN | CT_TCP_ACK] = true,
		[CT_TCP_FIN | CT_TCP_ACK | CT_TCP_URG] = true,
		[CT_TCP_ACK] = true,
		[CT_TCP_ACK | CT_TCP_URG] = true,
	};

	return ok[f & ~(CT_TCP_PSH | CT_TCP_ECE | CT_TCP_CWR)];
}

/* Short names for the transition table; IV: INVALID, IG: ignored (accepted
 * without a state change, the tracker may be out of sync). */
#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sS2 CT_TCP_SYN_SENT2
#define sIV CT_TCP_MAX
#define sIG (CT_TCP_MAX + 1)

/* The next state by direction, flag class and state: the facts of
 * nf_conntrack_proto_tcp.c tcp_conntracks (whose comments say why each
 * transition is what it is). */
/* clang-format off */
static const uint8_t tcp_next[2][IDX_NONE + 1][CT_TCP_MAX] = {
{ /* DIR_ORIG            sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
	[IDX_SYN] =    { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2 },
	[IDX_SYNACK] = { sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR },
	[IDX_FIN] =    { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
	[IDX_ACK] =    { sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV },
	[IDX_RST] =    { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
	[IDX_NONE] =   { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
}, { /* DIR_REPLY        sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL  sS2 */
	[IDX_SYN] =    { sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2 },
	[IDX_SYNACK] = { sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR },
	[IDX_FIN] =    { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV },
	[IDX_ACK] =    { sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG },
	[IDX_RST] =    { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
	[IDX_NONE] =   { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
} };
/* clang-format on */

/* A packet the table says to ignore: note it, so that a later SYN/ACK can
 * resync or a challenge ACK be recognised, and leave the state alone. */
static void
tcp_note_ignored(struct ct_tcp *tc, int dir, enum tcp_index index, int old)
{
	tc->last_index = index;
	tc->last_dir = dir;
	if (index == IDX_SYN && dir == DIR_ORIG) {
		/* The peer may answer a SYN in LAST_ACK with an RFC 5961
		 * challenge ACK, which must not count as the last ACK. */
		tc->last_flags = old == sLA ? TCP_EXP_CHALLENGE_ACK : 0;
	}
}

static enum verdict
tcp_packet(struct ct_table *ct, struct ct_entry *e, int dir,
    const struct ct_pkt *p, bool fresh)
{
	struct ct_tcp *tc = &e->tcp;
	enum tcp_index index = tcp_index(p->tcp_flags);
	int	       old, new;
	double	       timeout;

	if (!tcp_flags_ok(p->tcp_flags))
		return V_INVALID;
	if (fresh) {
		memset(tc, 0, sizeof(*tc));
		tc->last_index = IDX_NONE;
	}
	old = tc->state;
	new = tcp_next[dir][index][old];

	switch (new) {
	case sSS:
		if (old < sTW)
			break;
		/* A SYN in TIME_WAIT or CLOSE reopens the connection if it
		 * was closed by FIN or its sender reset it: the old entry goes
		 * and the SYN starts a new one. Otherwise it is ignored. */
		if (tc->close_init[DIR_ORIG] || tc->close_init[DIR_REPLY] ||
		    (tc->last_dir == dir && tc->last_index == IDX_RST))
			return V_REPEAT;
		tcp_note_ignored(tc, dir, index, old);
		return V_ACCEPT;
	case sIG:
		if (index == IDX_SYNACK && tc->last_index == IDX_SYN &&
		    tc->last_dir != dir) {
			/* Both ends agree on a connection the tracker ignored
			 * the SYN of: take the SYN as seen. (The kernel also
			 * checks that this SYN/ACK acknowledges that SYN.) */
			old = sSS;
			new = sSR;
			tc->last_flags &= ~TCP_EXP_CHALLENGE_ACK;
			break;
		}
		tcp_note_ignored(tc, dir, index, old);
		return V_ACCEPT;
	case sIV:
		return V_INVALID;
	case sTW:
		if (old == sLA && index == IDX_ACK && tc->last_dir != dir &&
		    tc->last_index == IDX_SYN &&
		    (tc->last_flags & TCP_EXP_CHALLENGE_ACK)) {
			tc->last_flags &= ~TCP_EXP_CHALLENGE_ACK;
			return V_ACCEPT;
		}
		break;
	case sS2:
		/* The table cannot tell the SYN_RECV of a simultaneous
		 * open from a normal one; remember it. */
		tc->last_flags |= TCP_SIMULTANEOUS_OPEN;
		break;
	case sSR:
		if (dir == DIR_REPLY && index == IDX_ACK &&
		    (tc->last_flags & TCP_SIMULTANEOUS_OPEN))
			new = sES;
		break;
	default:
		break;
	}

	tc->last_index = index;
	tc->last_dir = dir;
	tc->state = new;
	if (old != new &&new == sFW)
		tc->close_init[dir] = true;

	timeout = index == IDX_RST ? tcp_timeout[sCL] : tcp_timeout[new];
	if (!(e->status & ST_SEEN_REPLY)) {
		/* Only a RST came back, or a RST ends what was never
		 * answered: nothing worth keeping. */
		if (index == IDX_RST)
			return V_KILL;
		/* A retransmitted SYN does not extend the entry, so that port
		 * reuse cannot keep it alive forever. */
		if (index == IDX_SYN && old == sSS)
			return V_ACCEPT;
		/* A picked-up connection nobody answered is held only as
		 * long as unacknowledged data would be. */
		if (new == sES && timeout > TIMEOUT_TCP_UNACK)
			timeout = TIMEOUT_TCP_UNACK;
	} else if ((old == sSR || old == sES) && new == sES) {
		set_assured(ct, e);
	}
	refresh(e, p->t, timeout);
	return V_ACCEPT;
}

static enum verdict
udp_packet(
    struct ct_table *ct, struct ct_entry *e, const struct ct_pkt *p, bool fresh)
{
	if (fresh)
		e->udp_stream_ts = p->t + UDP_STREAM_AFTER;
	if (!(e->status & ST_SEEN_REPLY)) {
		refresh(e, p->t, TIMEOUT_UDP);
	} else if (p->t > e->udp_stream_ts) {
		/* Traffic both ways and still alive after two seconds: a
		 * stream, not a probe. */
		refresh(e, p->t, TIMEOUT_UDP_STREAM);
		set_assured(ct, e);
	} else {
		refresh(e, p->t, TIMEOUT_UDP);
	}
	return V_ACCEPT;
}

/* Query types that may create an entry (icmp_packet and icmpv6_packet
 * valid_new); answers only find one. */
static bool
icmp_starts(const struct ct_pkt *p)
{
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == 8 || p->icmp_type == 13 ||
		    p->icmp_type == 15 || p->icmp_type == 17;
	return p->icmp_type == 128 || p->icmp_type == 139;
}

/* Whether a packet that matches no entry may create one. */
static bool
can_start(const struct ct_pkt *p)
{
	if (p->proto == IPPROTO_TCP) {
		/* tcp_new: a SYN, or with tcp_loose an ACK (the pickup of a
		 * connection in progress). */
		return tcp_flags_ok(p->tcp_flags) &&
		    tcp_next[DIR_ORIG][tcp_index(p->tcp_flags)][sNO] != sIV;
	}
	if (is_icmp(p))
		return icmp_starts(p);
	return true;
}

static enum verdict
l4_packet(struct ct_table *ct, struct ct_entry *e, int dir,
    const struct ct_pkt *p, bool fresh)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		return tcp_packet(ct, e, dir, p, fresh);
	case IPPROTO_UDP:
		return udp_packet(ct, e, p, fresh);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		refresh(e, p->t, TIMEOUT_ICMP);
		return V_ACCEPT;
	default:
		refresh(e, p->t, TIMEOUT_GENERIC);
		return V_ACCEPT;
	}
}

/* ---- classification --------------------------------------------------- */

enum icmp_kind {
	ICMP_QUERY, /* tracked like any other flow */
	ICMP_ERROR, /* RELATED to the quoted flow, or INVALID */
	ICMP_UNTRACKED, /* neighbour discovery and MLD */
	ICMP_INVALID,
};

/* nf_conntrack_icmpv4_error and nf_conntrack_icmpv6_error. */
static enum icmp_kind
icmp_kind(const struct ct_pkt *p)
{
	if (!is_icmp(p))
		return ICMP_INVALID; /* ICMP over IPv6 or ICMPv6 over IPv4 */
	if (p->proto == IPPROTO_ICMP) {
		/* 18 is the highest type RFC 1122 lets a host know. */
		if (p->icmp_type > 18)
			return ICMP_INVALID;
		switch (p->icmp_type) {
		case 3: /* destination unreachable */
		case 4: /* source quench */
		case 5: /* redirect */
		case 11: /* time exceeded */
		case 12: /* parameter problem */
			return ICMP_ERROR;
		default:
			return ICMP_QUERY;
		}
	}
	switch (p->icmp_type) {
	case 130: /* MLD query, report, done */
	case 131:
	case 132:
	case 133: /* router and neighbour solicitation and advertisement */
	case 134:
	case 135:
	case 136:
	case 143: /* MLDv2 report */
	case 151: /* multicast router advertisement, solicitation */
	case 152:
		return ICMP_UNTRACKED;
	case 137: /* redirect */
		return p->icmp_code == 0 && p->inner != NULL ? ICMP_ERROR :
							       ICMP_INVALID;
	default:
		return p->icmp_type < 128 ? ICMP_ERROR : ICMP_QUERY;
	}
}

static int
invalid(struct ct_table *ct, struct ct_result *r)
{
	r->state = CT_INVALID;
	r->reply = false;
	r->entry = NULL;
	r->pending = false;
	ct->stats.invalid++;
	return 0;
}

/* nf_conntrack_inet_error: the error travels against the quoted packet,
 * so the entry is found by the quoted tuple inverted, in either
 * direction. The error must go to the quoted packet's sender. */
static int
related(struct ct_table *ct, const struct ct_pkt *p, struct ct_result *r)
{
	const struct ct_pkt *q = p->inner;
	struct ct_tuple	     qt, t;
	struct ct_node	    *n;

	if (q == NULL || q->src.af != p->src.af || q->dst.af != p->src.af)
		return invalid(ct, r);
	tuple_of(q, &qt);
	if (tuple_invert(&qt, &t) == -1)
		return invalid(ct, r);
	if ((n = lookup(ct, &t, p->t)) == NULL)
		return invalid(ct, r);
	if (!addr_eq(&p->dst, &n->tuple.dst))
		return invalid(ct, r);
	r->state = CT_RELATED;
	r->reply = n == &n->entry->node[DIR_REPLY];
	r->entry = n->entry;
	return 0;
}

/* resolve_normal_ct and nf_conntrack_handle_packet. */
static int
track(struct ct_table *ct, const struct ct_pkt *p, struct ct_result *r)
{
	struct ct_tuple	 t, rt;
	struct ct_node	*n;
	struct ct_entry *e;
	enum ct_state	 state;
	int		 dir;
	bool		 fresh;

	tuple_of(p, &t);
again:
	if ((n = lookup(ct, &t, p->t)) != NULL) {
		e = n->entry;
		dir = n == &e->node[DIR_REPLY] ? DIR_REPLY : DIR_ORIG;
		if (dir == DIR_REPLY || (e->status & ST_SEEN_REPLY))
			state = CT_ESTABLISHED;
		else
			state = CT_NEW;
		fresh = false;
	} else {
		if (tuple_invert(&t, &rt) == -1)
			return invalid(ct, r);
		if (make_room(ct, p->t) == -1) {
			r->state = CT_INVALID;
			r->drop = true;
			ct->stats.dropped_full++;
			return 0;
		}
		/* Validate before allocating, so that packets that cannot
		 * start a connection cost no allocation. */
		if (!can_start(p))
			return invalid(ct, r);
		if ((e = calloc(1, sizeof(*e))) == NULL) {
			log_error("conntrack: no memory for a new entry");
			r->state = CT_INVALID;
			r->drop = true;
			return 0;
		}
		e->node[DIR_ORIG].tuple = t;
		e->node[DIR_REPLY].tuple = rt;
		e->node[DIR_ORIG].entry = e->node[DIR_REPLY].entry = e;
		dir = DIR_ORIG;
		state = CT_NEW;
		fresh = true;
	}

	switch (l4_packet(ct, e, dir, p, fresh)) {
	case V_INVALID:
		if (fresh)
			free(e);
		return invalid(ct, r);
	case V_REPEAT:
		/* Only a confirmed entry in TIME_WAIT or CLOSE gets here,
		 * and its successor cannot, so this loops once at most. */
		unlink_entry(ct, e);
		free(r->dead);
		r->dead = e;
		goto again;
	case V_KILL:
		if (!fresh)
			unlink_entry(ct, e);
		free(r->dead);
		r->dead = e;
		fresh = false;
		break;
	case V_ACCEPT:
		break;
	}
	if (dir == DIR_REPLY)
		e->status |= ST_SEEN_REPLY;
	r->state = state;
	r->reply = dir == DIR_REPLY;
	r->entry = e;
	r->pending = fresh;
	return 0;
}

int
ct_classify(struct ct_table *ct, const struct ct_pkt *p, struct ct_result *r)
{
	memset(r, 0, sizeof(*r));
	if ((p->src.af != AF_INET && p->src.af != AF_INET6) ||
	    p->dst.af != p->src.af) {
		log_error("conntrack: packet with address families %d and %d",
		    p->src.af, p->dst.af);
		return -1;
	}
	if (p->notrack) {
		r->state = CT_UNTRACKED;
		return 0;
	}
	gc_step(ct, p->t);
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		switch (icmp_kind(p)) {
		case ICMP_ERROR:
			return related(ct, p, r);
		case ICMP_UNTRACKED:
			r->state = CT_UNTRACKED;
			return 0;
		case ICMP_INVALID:
			return invalid(ct, r);
		case ICMP_QUERY:
			break;
		}
	}
	return track(ct, p, r);
}

void
ct_commit(struct ct_table *ct, struct ct_result *r, bool accepted)
{
	if (r->pending && r->entry != NULL) {
		if (accepted)
			insert(ct, r->entry);
		else
			free(r->entry);
	}
	free(r->dead);
	r->entry = NULL;
	r->dead = NULL;
	r->pending = false;
}

/* ---- the table -------------------------------------------------------- */

struct ct_table *
ct_table_new(size_t max_entries)
{
	struct ct_table *ct;
	size_t		 n = 1;

	if (max_entries == 0) {
		log_error("conntrack: a table of 0 entries");
		return NULL;
	}
	while (n < max_entries && n < MAX_BUCKETS)
		n <<= 1;
	if ((ct = calloc(1, sizeof(*ct))) == NULL)
		goto fail;
	if ((ct->bucket = calloc(n, sizeof(*ct->bucket))) == NULL)
		goto fail;
	ct->nbucket = n;
	ct->max = max_entries;
	/* A secret seed keeps remote peers from choosing colliding tuples;
	 * without one the table still works, only slower under attack. */
	if (getrandom(&ct->seed, sizeof(ct->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(ct->seed))
		ct->seed = 0x6d6f6174;
	return ct;
fail:
	log_error(
	    "conntrack: no memory for a table of %zu entries", max_entries);
	free(ct);
	return NULL;
}

void
ct_table_free(struct ct_table *ct)
{
	struct ct_node **pp, *n;
	size_t		 i;

	if (ct == NULL)
		return;
	/* Every entry is in two chains: drop the reply nodes first, so that
	 * freeing through the original nodes leaves nothing pointing at
	 * freed memory. */
	for (i = 0; i < ct->nbucket; i++) {
		for (pp = &ct->bucket[i]; *pp != NULL;) {
			n = *pp;
			if (n == &n->entry->node[DIR_REPLY])
				*pp = n->next;
			else
				pp = &n->next;
		}
	}
	for (i = 0; i < ct->nbucket; i++) {
		while ((n = ct->bucket[i]) != NULL) {
			ct->bucket[i] = n->next;
			free(n->entry);
		}
	}
	free(ct->bucket);
	free(ct);
}

void
ct_get_stats(const struct ct_table *ct, struct ct_stats *st)
{
	*st = ct->stats;
	st->entries = ct->count;
}

uint32_t *
ct_entry_mark(struct ct_entry *e)
{
	return &e->mark;
}

enum ct_tcp_state
ct_entry_tcp_state(const struct ct_entry *e)
{
	if (e->node[DIR_ORIG].tuple.proto != IPPROTO_TCP)
		return CT_TCP_NONE;
	return e->tcp.state;
}

bool
ct_entry_assured(const struct ct_entry *e)
{
	return (e->status & ST_ASSURED) != 0;
}

double
ct_entry_expires(const struct ct_entry *e)
{
	return e->expires;
}

/* The original tuple, as nf_conncount stores ct->tuplehash[ORIGINAL]. */
void
ct_entry_key(const struct ct_entry *e, struct ct_key *k)
{
	const struct ct_tuple *t = &e->node[DIR_ORIG].tuple;

	memset(k, 0, sizeof(*k));
	k->src = t->src;
	k->dst = t->dst;
	k->sport = t->sport;
	k->dport = t->dport;
	k->proto = t->proto;
}

/*
 * Whether a confirmed entry still holds the tuple, in either direction
 * (nf_conntrack_find_get), at time now: an expired entry found on the way
 * is removed, as the kernel's lookup does. A pending entry is not in the
 * table yet and counts as gone. Safe between ct_classify and ct_commit:
 * the packet's own entry was refreshed by ct_classify.
 */
enum ct_liveness
ct_key_liveness(struct ct_table *ct, const struct ct_key *k, double now)
{
	struct ct_tuple	  t;
	struct ct_node	 *n;
	enum ct_tcp_state st;

	memset(&t, 0, sizeof(t));
	addr_copy(&t.src, &k->src);
	addr_copy(&t.dst, &k->dst);
	t.sport = k->sport;
	t.dport = k->dport;
	t.proto = k->proto;
	if ((t.src.af != AF_INET && t.src.af != AF_INET6) ||
	    t.dst.af != t.src.af || (n = lookup(ct, &t, now)) == NULL)
		return CT_GONE;
	st = ct_entry_tcp_state(n->entry);
	return st == CT_TCP_TIME_WAIT || st == CT_TCP_CLOSE ? CT_CLOSED :
							      CT_OPEN;
}
