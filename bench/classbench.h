/*
 * ClassBench-style rulesets and packet traces for the classifier's
 * benchmark and tests (Taylor and Turner, "ClassBench: a packet
 * classification benchmark", IEEE/ACM ToN 15(3), 2007). Everything is
 * derived from an explicit seed: the same seed gives the same bytes.
 */
#ifndef MOAT_BENCH_CLASSBENCH_H
#define MOAT_BENCH_CLASSBENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fw.h"

enum cb_kind {
	CB_ACL, /* after ClassBench's acl1 seed: hosts, exact ports */
	CB_FW, /* firewall-like: wildcards, port classes, interfaces */
	CB_NKINDS
};

/* "acl" or "fw". */
const char *cb_kind_name(enum cb_kind);

/*
 * An iptables-restore file with a filter table whose FORWARD chain holds
 * nrules rules (policy DROP). Every file loads with fw_restore. -1 if
 * out cannot be written or kind is unknown.
 */
int cb_generate(FILE *out, enum cb_kind kind, size_t nrules, uint64_t seed);

/*
 * n packets for table t of a loaded ruleset, as ClassBench's trace
 * generator makes them: most lie inside the box of a random rule that
 * some hook reaches (a random point or a corner; for a rule in a user
 * chain, also inside a jump that leads there), the rest are random
 * headers. Fields are set as fw_pkt_parse defaults them; TCP packets
 * carry SYN, and packets that arrive by an interface a MAC (the one a -m
 * mac rule binds to their source, if any). Returns n, or 0 when out of
 * memory.
 */
size_t cb_packets(const struct fw_ruleset *rs, enum fw_tableid t,
    struct fw_pkt *out, size_t n, uint64_t seed);

#endif
