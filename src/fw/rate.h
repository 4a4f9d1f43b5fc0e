/*
 * What the matches that count packets or connections over time share:
 * limit, hashlimit, recent and connlimit (match_limit.c,
 * match_hashlimit.c, match_recent.c, match_connlimit.c). They are parsed and printed as iptables 1.8.9 does
 * (libxt_limit.c, libxt_hashlimit.c, libxt_recent.c, libxt_connlimit.c,
 * checked with iptables-save in a namespace) and evaluated as Linux 6.18
 * does, with time taken from the packets (fw_pkt.t), never the clock.
 *
 * Where the kernel counts in jiffies (xt_hashlimit, xt_recent), time is
 * jiffies at HZ 250, the value of Debian 12's kernel and of the 6.18
 * kernel the tests were checked on: jiffies = floor(t * 250). -m limit is
 * what iptables-nft 1.8.9 loads it as, nft_limit (add_nft_limit in
 * iptables/nft.c), whose token bucket counts nanoseconds.
 *
 * State lives in two places: per-rule numbers (limit's bucket) in the
 * rule's data, and everything allocated in the evaluator's registry
 * (struct fw_rate): recent lists and hashlimit tables by name, and one set
 * of counted connections per connlimit rule. bind ties each rule to it
 * before the first packet.
 *
 * When a hashlimit table is full (--hashlimit-htable-max) the kernel drops
 * the packet in the match ("hotdrop"); so does moat, reporting the rule.
 * See each module for its own differences.
 */
#ifndef MOAT_RATE_H
#define MOAT_RATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conntrack.h"
#include "fw_int.h"

#define RATE_HZ 250
#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_JIFFY (NSEC_PER_SEC / RATE_HZ)
/* Packet times are clamped to 10^9 s, so that nanoseconds and credits
 * cannot overflow where the kernel's would not. */
#define RATE_TMAX 1e9

/*
 * An index of fixed-size keys: a chained hash table, or with naive set a
 * linear scan of the insertion-ordered list, the reference the randomized
 * unit test compares the table with. Items are owned by the caller.
 */
#define KEYWORDS 3

struct kitem {
	struct kitem *hnext; /* bucket chain */
	struct kitem *prev, *next; /* all items, oldest first */
	uint32_t      key[KEYWORDS];
};

struct kmap {
	struct kitem **bucket;
	size_t	       nbucket, count;
	struct kitem  *head, *tail;
	bool	       naive;
	uint32_t       seed;
};

struct hl_table;
struct recent_table;
struct cl_state;

struct fw_rate {
	struct ct_table	    *ct;
	uint64_t	     now; /* ns: the latest packet time */
	bool		     naive;
	uint32_t	     seed;
	struct hl_table	    *hl;
	struct recent_table *recent;
	struct cl_state	    *cl;
};

extern const uint32_t rate_secs[4];

struct kitem *kmap_find(const struct kmap *, const uint32_t *);
void	      kmap_add(struct kmap *, struct kitem *);
void	      kmap_del(struct kmap *, struct kitem *);
void	      kmap_init(struct kmap *, const struct fw_rate *);
void	      kmap_free_all(struct kmap *, void (*)(struct kitem *));
uint64_t      rate_now(struct fw_rate *, const struct fw_pkt *);
uint64_t      rate_jiffies(struct fw_rate *, const struct fw_pkt *);
uint64_t      ms_to_jiffies(uint64_t);
uint64_t      pow2_below(uint64_t);
uint32_t      mask_len(uint32_t, uint32_t);
int parse_rate(const char *, uint64_t, uint64_t *, uint32_t *, const char **);
size_t	 rate_unit(uint64_t, uint64_t);
uint32_t save_rate(FILE *, uint64_t, uint64_t);
void	 rate_free_hashlimit(struct fw_rate *);
void	 rate_free_recent(struct fw_rate *);
void	 rate_free_connlimit(struct fw_rate *);

#endif
