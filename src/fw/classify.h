/*
 * The compiled classifier: for one chain and one packet, the next rule at
 * or after a position that may match. The evaluator walks the chain as
 * before but jumps straight to those rules; each is still matched in
 * full, so verdicts, counters and rate matches are those of the linear
 * walk. See classify.c for the structure.
 */
#ifndef MOAT_FW_CLASSIFY_H
#define MOAT_FW_CLASSIFY_H

#include "fw_int.h"

#define CLS_NDIMS 10

struct cls_chain;

/* What a packet is in each dimension of one chain; ok is false when the
 * classifier cannot place the packet (not IPv4): walk it linearly. */
struct cls_key {
	bool	 ok;
	bool	 fragment;
	uint32_t cid[CLS_NDIMS];
};

/* Compile every chain of table t with enough rules to gain from it;
 * a chain's classifier hangs off fw_chain.cls. -1: out of memory. */
int    cls_build(struct fw_ruleset *, enum fw_tableid);
void   cls_free(struct fw_ruleset *, enum fw_tableid);
size_t cls_memory(const struct fw_ruleset *, enum fw_tableid);

void cls_key(const struct cls_chain *, const struct fw_pkt *,
    const struct fw_eval *, struct cls_key *);
/* The first rule index >= from that may match, or the chain's length. */
size_t cls_next(const struct cls_chain *, const struct cls_key *, size_t);
/* For a rule cls_next found: what of it is known to hold already (its
 * -s, -d, -i, -o and -p, or all its conditions). */
enum cls_known { CLS_NONE, CLS_HEADER, CLS_RULE };

enum cls_known cls_known(
    const struct cls_chain *, const struct cls_key *, size_t);

#endif
