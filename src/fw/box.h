/*
 * Header space: what a rule asks of the fields that the classifier and the
 * ruleset analyses reason about. Each field is a set of closed intervals;
 * a rule's conditions on one field intersect, so a rule is one box (the
 * product of its fields' sets), plus the interfaces, connection states and
 * IPsec policy it requires. Conditions a box cannot express make it
 * inexact: the rule then matches a subset of its box.
 */
#ifndef MOAT_FW_BOX_H
#define MOAT_FW_BOX_H

#include <stdbool.h>
#include <stdint.h>

#include "fw_int.h"

#define FW_IV_MAX 40 /* a negated 15-port multiport needs 16 */

struct fw_iv {
	uint32_t lo, hi; /* inclusive */
};

/* Sorted, disjoint and not adjacent; n == 0 is the empty set. */
struct fw_ivset {
	unsigned int n;
	struct fw_iv iv[FW_IV_MAX];
};

enum fw_dim {
	FW_DIM_SRC,
	FW_DIM_DST,
	FW_DIM_PROTO,
	FW_DIM_SPORT,
	FW_DIM_DPORT,
	FW_NDIM
};

extern const uint32_t fw_dim_max[FW_NDIM];

/* -i or -o as the rule has it: name "" is any interface. */
struct fw_ifc {
	char name[IFNAMSIZ];
	bool inv;
};

/* Which packets a policy match lets through, by whether they have a
 * security path for its direction. */
#define FW_BOX_PLAIN 0x1
#define FW_BOX_IPSEC 0x2

#define FW_CT_ALL \
	(FW_CT_INVALID | FW_CT_ESTABLISHED | FW_CT_RELATED | FW_CT_NEW | \
	    FW_CT_UNTRACKED)

struct fw_box {
	struct fw_ivset d[FW_NDIM];
	struct fw_ifc	iif, oif;
	unsigned int	ctstate; /* FW_CT_* a packet may have */
	unsigned int	ipsec_in, ipsec_out; /* FW_BOX_* */
	bool		exact;
	/* Classifier only: set when a match with state (limit, recent...)
	 * stopped the box before later matches, whose tests must not be
	 * moved before it. */
	bool stopped;
};

void fw_ivset_all(struct fw_ivset *, enum fw_dim);
void fw_ivset_range(struct fw_ivset *, uint32_t, uint32_t);
void fw_ivset_add(struct fw_ivset *, uint32_t, uint32_t);
void fw_ivset_intersect(struct fw_ivset *, const struct fw_ivset *);
void fw_ivset_invert(struct fw_ivset *, enum fw_dim);
bool fw_ivset_contains(const struct fw_ivset *, uint32_t);
bool fw_ivset_subset(const struct fw_ivset *, const struct fw_ivset *);
bool fw_ivset_is_all(const struct fw_ivset *, enum fw_dim);

/* Narrow one field to a set: the intersection, or its complement's. */
void fw_box_narrow(struct fw_box *, enum fw_dim, const struct fw_ivset *, bool);

void fw_box_all(struct fw_box *);
/* The box of a rule. With pure, it stops at the first match that has
 * state (and says so in stopped): what may be tested before it. */
void fw_rule_box(const struct fw_rule *, struct fw_box *, bool pure);
bool fw_box_empty(const struct fw_box *);
/* a within b, for every packet (interfaces by their names' patterns). */
bool fw_box_subset(const struct fw_box *, const struct fw_box *);
/* a and b share no packet. */
bool fw_box_disjoint(const struct fw_box *, const struct fw_box *);
/* Narrow a to what b admits too (interfaces as far as a pattern can). */
void fw_box_meet(struct fw_box *, const struct fw_box *);
/* The box has no conditions at all. */
bool fw_box_is_all(const struct fw_box *);

/* Interface patterns as sets of names. */
bool fw_ifc_subset(const struct fw_ifc *, const struct fw_ifc *);
bool fw_ifc_disjoint(const struct fw_ifc *, const struct fw_ifc *);

#endif
