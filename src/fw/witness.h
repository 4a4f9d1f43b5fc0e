/*
 * Witness packets for fw check's analyses (spoof.c): candidate packets
 * built from the boxes (box.h) of the rules that accept, and decided by
 * the evaluator exactly as `moatctl fw eval` decides a packet line (raw
 * table, connection tracking, the filter table). An analysis says which
 * packets it wants (a set of sources, an in-interface) and what to do with
 * one that is accepted; the search is bounded, so finding nothing is not a
 * proof.
 */
#ifndef MOAT_FW_WITNESS_H
#define MOAT_FW_WITNESS_H

#include "box.h"

#define FW_WIT_LIST 24 /* representatives of one field */

/* Sets of IPv4 addresses (host byte order) as sorted, disjoint,
 * non-adjacent closed intervals. Unlike fw_ivset they never grow to make
 * room: a forged source must be outside an allowed set exactly. An
 * allocation failure is sticky in err. */
struct fw_span {
	uint32_t lo, hi;
};

struct fw_spans {
	struct fw_span *v;
	size_t		n, cap;
	bool		err;
};

/* Appends; fw_spans_norm sorts and merges what was appended. */
void fw_spans_push(struct fw_spans *, uint32_t, uint32_t);
void fw_spans_norm(struct fw_spans *);
void fw_spans_free(struct fw_spans *);
void fw_spans_all(struct fw_spans *);
/* out = a without b; fw_spans_cut does it in place. */
void fw_spans_minus(
    struct fw_spans *, const struct fw_spans *, const struct fw_span *, size_t);
void fw_spans_cut(struct fw_spans *, const struct fw_span *, size_t);
/* out = a within the box's set. */
void fw_spans_meet(
    struct fw_spans *, const struct fw_spans *, const struct fw_ivset *);
bool fw_spans_has(const struct fw_spans *, uint32_t);
/* "10.0.2.0/24" when [lo, hi] is a network, else "LO-HI". */
const char *fw_span_str(uint32_t, uint32_t, char *, size_t);
const char *fw_addr_str(uint32_t, char *, size_t);

/* Sources the kernel drops before any table, destinations it does not
 * route. */
#define FW_NMARTIAN 3
extern const struct fw_span fw_martian_src[FW_NMARTIAN];
extern const struct fw_span fw_martian_dst[FW_NMARTIAN];

/* An accepting rule (idx < chain->nrules) or policy of the filter table,
 * with the conditions of the jumps on the way to it from INPUT or FORWARD.
 */
struct fw_wit_target {
	const struct fw_chain *chain;
	size_t		       idx;
	enum fw_hook	       hook;
	struct fw_box	       box;
};

struct fw_wit_cuts {
	uint32_t *v;
	size_t	  n, cap;
	bool	  err;
};

struct fw_wit_fpset {
	uint64_t *v;
	size_t	  mask;
};

struct fw_wit_gen;

struct fw_wit {
	struct fw_ruleset *rs;
	/* Where the fields of raw's and filter's rules begin and end. */
	struct fw_wit_cuts cut[FW_NDIM];
	char (*names)[IFNAMSIZ]; /* interfaces the rules name */
	size_t		      nnames;
	struct fw_wit_target *tg; /* in the order packets meet them */
	size_t		      ntg, captg;
	/* The gateway's own addresses: what INPUT packets are for, what
	 * forwarded ones are not, what no forged source can be. */
	struct fw_spans	     local;
	uint32_t	     localv[FW_WIT_LIST];
	size_t		     nlocalv;
	struct fw_spans	     fwd_avoid; /* local and martian destinations */
	bool		     notrack; /* raw can make packets UNTRACKED */
	struct fw_evaluator *e;
	bool		     stateful; /* rules with rate state */
	struct fw_wit_fpset  tried; /* candidates, to try each once */
	struct fw_wit_fpset  conns; /* connections e's conntrack holds */
	unsigned int	     budget; /* packets left */
	struct fw_wit_gen   *g;
	bool		     err;
};

/* The candidates of one target. An analysis's prep sets srcs (the
 * sources to forge, within the target's box), found, and optionally in
 * (else the names the box allows), dpref and route. */
struct fw_wit_gen {
	struct fw_wit		   *w;
	const struct fw_wit_target *t;
	void			   *arg;
	const struct fw_spans	   *srcs;
	char			    in[FW_WIT_LIST][IFNAMSIZ];
	size_t			    nin;
	const uint32_t		   *dpref; /* INPUT destinations first */
	size_t			    ndpref;
	/* Optional: where a packet that leaves by out can be going; a
	 * forwarded packet's destinations are tried there first. */
	void (*route)(
	    const struct fw_wit_gen *, const char *, struct fw_spans *);
	/* Each candidate the evaluator accepted; set stop to end the
	 * target's search. */
	void (*found)(struct fw_wit_gen *, const struct fw_pkt *,
	    const struct fw_verdict *);
	bool stop;
	/* The generator's own. */
	uint32_t     src[FW_WIT_LIST], dst[FW_WIT_LIST];
	uint16_t     sport[FW_WIT_LIST], dport[FW_WIT_LIST];
	uint8_t	     proto[FW_WIT_LIST];
	char	     out[FW_WIT_LIST][IFNAMSIZ];
	size_t	     n[7];
	unsigned int tried, steps;
	char	     wall[32];
	int	     wall_rule;
	unsigned int wall_hits;
};

/* What the analyses need before any packet: cut points, interface names
 * (the rules' and the ones given), accepting targets, local addresses (given,
 * else guessed from INPUT's destinations and OUTPUT's sources). */
int fw_wit_init(struct fw_wit *, struct fw_ruleset *, const uint32_t *, size_t,
    const char (*)[IFNAMSIZ], size_t);
/* The evaluator, for up to n packets in all. */
int  fw_wit_start(struct fw_wit *, unsigned int);
void fw_wit_free(struct fw_wit *);

/* Every target in order, prep setting up each (false: nothing to try),
 * until *done or the budget is spent; the policies get a budget of their
 * own after the rules. */
typedef bool fw_wit_prep(struct fw_wit_gen *, void *);

void fw_wit_search(
    struct fw_wit *, unsigned int, fw_wit_prep *, void *, const bool *);

/* One packet: 1 accepted, 0 not, -1 not tried (budget, or conntrack
 * would not see it as a replay of it alone would). */
int fw_wit_eval(struct fw_wit *, const struct fw_pkt *, struct fw_verdict *);
/* Whether a replay of this packet alone is accepted, after fw_wit_eval
 * accepted it: on a fresh evaluator (v is its verdict) if rate matches
 * may remember the packets before; else v, fw_wit_eval's, stands. */
bool fw_wit_confirm(
    struct fw_wit *, const struct fw_pkt *, struct fw_verdict *);

bool   fw_wit_ifc_match(const struct fw_ifc *, const char *);
size_t fw_wit_pick_ifs(
    const struct fw_wit *, const struct fw_ifc *, char (*)[IFNAMSIZ], size_t);
bool fw_wit_list_has(const uint32_t *, size_t, uint32_t);
void fw_wit_set_addr(struct addr *, uint32_t);
/* The packet as a line of `moatctl fw eval`. */
void fw_wit_fmt(const struct fw_pkt *, char *, size_t);
/* The rule number a verdict gives the target (0: the policy). */
int fw_wit_target_rule(const struct fw_wit_target *);

#endif
