/*
 * The packet filter: iptables rulesets loaded from iptables-save files or
 * iptables command lines, printed back as iptables-save prints them, and
 * evaluated as netfilter would evaluate them, including -m policy against
 * the packet's IPsec security path.
 */
#ifndef MOAT_FW_H
#define MOAT_FW_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

struct fw_ruleset;

enum fw_hook {
	FW_PREROUTING,
	FW_INPUT,
	FW_FORWARD,
	FW_OUTPUT,
	FW_POSTROUTING,
	FW_NHOOKS
};

enum fw_tableid {
	FW_FILTER,
	FW_NAT,
	FW_MANGLE,
	FW_RAW,
	FW_SECURITY,
	FW_NTABLES
};

/* Diagnostics as "FILE:LINE: error|warning: text [code]", counted. */
struct fw_diag {
	FILE	    *out;
	const char  *file;
	unsigned int line;
	unsigned int nerr;
	unsigned int nwarn;
	bool	     demote; /* report errors as warnings (fw check) */
};

void fw_error(struct fw_diag *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void fw_warn(struct fw_diag *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* A finding with its own code and, if not NULL, a suggested fix; line 0
 * is the file as a whole. fw_error's code is "reject" (iptables refuses
 * it too), fw_warn's "suspicious". */
void fw_finding(struct fw_diag *, bool, unsigned int, const char *,
    const char *, const char *, ...) __attribute__((format(printf, 6, 7)));

/* One SA of a security path (xt_policy's view), outermost first. */
#define FW_SP_MAX 6

enum fw_ipsec_mode { FW_MODE_TRANSPORT, FW_MODE_TUNNEL };

struct fw_sa {
	enum fw_ipsec_mode mode;
	uint8_t		   proto; /* IPPROTO_ESP, _AH, _COMP */
	struct addr	   tsrc, tdst; /* tunnel endpoints */
	uint32_t	   spi;
	uint32_t	   reqid;
};

struct fw_secpath {
	int	     n;
	struct fw_sa sa[FW_SP_MAX];
};

/* Link-layer classes of -m pkttype (PACKET_* of linux/if_packet.h). */
#define FW_PKTTYPE_UNICAST 0
#define FW_PKTTYPE_BROADCAST 1
#define FW_PKTTYPE_MULTICAST 2
#define FW_PKTTYPE_OTHERHOST 3

struct fw_pkt {
	enum fw_hook	  hook;
	char		  in[IFNAMSIZ];
	char		  out[IFNAMSIZ];
	struct addr	  src, dst;
	uint8_t		  proto;
	uint16_t	  sport, dport;
	uint8_t		  tcp_flags;
	int		  icmp_type; /* -1 when not ICMP */
	int		  icmp_code;
	uint32_t	  len;
	uint8_t		  ttl;
	uint8_t		  tos;
	bool		  fragment; /* a non-first fragment */
	uint32_t	  mark;
	bool		  has_mac;
	uint8_t		  mac[6];
	uint32_t	  spi; /* ESP/AH SPI when proto is one */
	uint16_t	  icmp_id; /* echo identifier */
	bool		  has_inner; /* an ICMP error quoting a header: */
	uint8_t		  inner_proto;
	struct addr	  inner_src, inner_dst;
	uint16_t	  inner_sport, inner_dport;
	uint8_t		  inner_icmp_type, inner_icmp_code;
	uint16_t	  inner_icmp_id;
	struct fw_secpath ipsec_in; /* dir in: the path it arrived by */
	struct fw_secpath ipsec_out; /* dir out: the SAs that will protect it */
	bool		  has_ipsec_out;
	double		  t;
	uint8_t		  pkttype; /* FW_PKTTYPE_*, default unicast */
	bool		  has_owner; /* a local socket: uid and gid */
	uint32_t	  uid, gid;
	uint16_t	  src_type; /* -m addrtype: 1 << RTN_*, default */
	uint16_t	  dst_type; /* UNICAST */
	char		  physin[IFNAMSIZ]; /* bridge ports */
	char		  physout[IFNAMSIZ];
	bool		  bridged; /* leaves by a bridge port */
};

/* Connection states as bits, for -m state and -m conntrack. */
#define FW_CT_INVALID 0x01
#define FW_CT_ESTABLISHED 0x02
#define FW_CT_RELATED 0x04
#define FW_CT_NEW 0x08
#define FW_CT_UNTRACKED 0x10

struct fw_verdict {
	char	     verdict[96]; /* ACCEPT, DROP, REJECT(kind) ... */
	const char  *chain; /* the ruleset's (valid while it is) or a hook's */
	int	     rule; /* 1-based; 0: the chain's policy */
	unsigned int line; /* the deciding rule's line in its file, or 0 */
};

struct fw_ruleset *fw_ruleset_new(void);
void		   fw_ruleset_free(struct fw_ruleset *);
int		   fw_restore(struct fw_ruleset *, FILE *, struct fw_diag *);
int  fw_restore_opts(struct fw_ruleset *, FILE *, struct fw_diag *, bool);
int  fw_command(struct fw_ruleset *, int, char **, struct fw_diag *);
void fw_save(const struct fw_ruleset *, FILE *, bool);
int  fw_import(struct fw_ruleset *, FILE *, char **, int, char **, int, bool,
     struct fw_diag *);
int  fw_pkt_parse(const char *, struct fw_pkt *, const char **, char *, size_t);
/* A packet with nothing known yet: not ICMP, ttl 64, unicast. */
void fw_pkt_init(struct fw_pkt *);
/* The filter's view of an IPv4 packet's bytes (pkt_ip.c); the caller
 * sets hook, interfaces, security paths and time. -1 if it is not a
 * whole IPv4 header. */
int fw_pkt_from_ip(const uint8_t *, size_t, struct fw_pkt *);

/* The evaluator: one ruleset table, its connection tracking, counters. */
struct fw_evaluator;

struct fw_evaluator *fw_evaluator_new(
    struct fw_ruleset *, enum fw_tableid, size_t);
void fw_evaluator_free(struct fw_evaluator *);
void fw_evaluator_set_log(struct fw_evaluator *, FILE *);
void fw_evaluator_ct_stats(const struct fw_evaluator *, FILE *);
int  fw_evaluable(const struct fw_ruleset *, enum fw_tableid, struct fw_diag *);
void fw_evaluate(
    struct fw_evaluator *, const struct fw_pkt *, struct fw_verdict *, FILE *);
/* One packet through the table's chain for its hook, in the given
 * connection state (FW_CT_*), without the raw table or connection
 * tracking: what bench/fw times, and the probe of fw check's analyses.
 * Rate matches still count the packet. */
void fw_lookup(struct fw_evaluator *, const struct fw_pkt *, unsigned int,
    struct fw_verdict *);
/* The evaluator compiles its table into a classifier when it is made;
 * this switches it to the linear reference walk (and back). */
void   fw_evaluator_linear(struct fw_evaluator *, bool);
/* Replace the ruleset (a reload): 0 and the old one in the last argument
 * to free, or -1 with the running ruleset unchanged and the reason
 * reported. */
int fw_evaluator_swap(struct fw_evaluator *, struct fw_ruleset *,
    struct fw_ruleset **, struct fw_diag *);
size_t fw_evaluator_memory(const struct fw_evaluator *);
int    fw_table_byname(const char *);
int    fw_ruleset_check(struct fw_ruleset *, struct fw_diag *);

/* What fw check is told about the network (moatctl.8). */
#define FW_CHECK_MAXVPN 16

struct fw_check_opts {
	enum fw_tableid table;
	struct prefix	vpn[FW_CHECK_MAXVPN]; /* --vpn */
	int		nvpn;
	const char     *ipassmt; /* --ipassmt FILE */
	bool		gateway; /* --gateway ADDR@IFACE */
	struct addr	gw_addr;
	char		gw_if[IFNAMSIZ];
	bool		has_pool; /* --pool PREFIX */
	struct prefix	pool;
	bool		has_lan; /* --lan PREFIX@IFACE */
	struct prefix	lan;
	char		lan_if[IFNAMSIZ];
	bool		has_dns; /* --dns ADDR */
	struct addr	dns;
};

/* fw check's analyses; each reports findings to the diag and returns -1
 * only if it could not run (out of memory, unreadable --ipassmt). */
int fw_lint(
    struct fw_ruleset *, const struct fw_check_opts *, struct fw_diag *);
int fw_spoof_check(
    struct fw_ruleset *, const struct fw_check_opts *, struct fw_diag *);
int fw_walk(struct fw_ruleset *, const struct fw_check_opts *, struct fw_diag *,
    FILE *);

/* moatctl fw matrix (matrix.c): which source addresses reach which
 * destinations through one built-in chain, per service, interface and
 * IPsec mode, for new connections; exact over the address space. */
struct fw_matrix_opts {
	enum fw_tableid	  table;
	enum fw_hook	  hook; /* the chain */
	uint16_t	  sport;
	bool		  json;
	bool		  has_sa_in, has_sa_out; /* else taken from the rules */
	struct fw_secpath sa_in, sa_out;
	const char	 *in, *out; /* fixed interfaces, or NULL: all classes */
	unsigned int	  verify; /* random packets compared with fw_lookup */
	uint64_t	  seed;
};

/* 0; 1 if verify found a packet the matrix gets wrong; -1 if it could not
 * run: a rule the chain reaches cannot be evaluated (reported to the
 * diag), or another reason said on stderr. */
int fw_matrix(struct fw_ruleset *, const struct fw_matrix_opts *, FILE *,
    struct fw_diag *);

#endif
