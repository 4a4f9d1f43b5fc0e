/*
 * The service matrix of one built-in chain (moatctl fw matrix): which
 * source addresses reach which destination addresses, per service
 * (protocol and destination port class), per interface class and per IPsec
 * mode. matrix.c analyses the rules and decides what lies beyond their
 * boxes, matrix_paint.c computes the results, matrix_print.c prints them,
 * matrix_verify.c checks them against the evaluator, matrix_util.c holds
 * what they share. This header is theirs alone.
 */
#ifndef MOAT_FW_MATRIX_H
#define MOAT_FW_MATRIX_H

#include <stdio.h>

#include "box.h"

#define MX_MAXDEPTH 64 /* jumps deeper are skipped, as in eval.c */
#define MX_CTMAX 16 /* connection table of the evaluators made here */
#define TCP_SYN 0x02
#define ICMP_ECHO 8

/* What a rule does to the cells it matches. */
enum mx_kind {
	MK_NOP, /* no target, LOG, NFLOG: nothing a verdict depends on */
	MK_ACCEPT,
	MK_DENY, /* DROP, REJECT and every other verdict */
	MK_RETURN,
	MK_JUMP,
	MK_GOTO,
	MK_LOOKUP, /* a target with effects on later rules: fw_lookup */
};

struct mx_rule {
	const struct fw_rule *r;
	struct fw_box	      box;
	size_t		      chain, dest; /* dest: of a jump or goto */
	enum mx_kind	      kind;
	unsigned int	      flags;
	int		      in_rep, out_rep; /* first class admitted */
	uint32_t	      src_rep, dst_rep; /* addresses inside the box */
};

struct mx_chain {
	struct fw_chain *c;
	size_t		 first, n;
};

/* What the inner loops read of a rule, packed for the cache. */
struct mx_rinfo {
	uint32_t chain, dest;
	uint8_t	 kind;
};

/* Open addressing over 32-bit values (value + 1; 0 is a free slot). */
struct mx_htab {
	uint64_t *hash;
	uint32_t *val;
	size_t	  cap, n;
};

/* Bits. */
#define NWORDS(n) (((n) + 63) / 64)

static inline bool
bit_get(const uint64_t *b, size_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static inline void
bit_set(uint64_t *b, size_t i)
{
	b[i / 64] |= 1ull << (i % 64);
}

/* For each bit k set in set (nw words); w and bits are the loop's. */
#define FOR_BITS(set, nw, k, w, bits) \
	for ((w) = 0; (w) < (nw); (w)++) \
		for ((bits) = (set)[w]; (bits) != 0 && \
		     ((k) = (w)*64 + (size_t)__builtin_ctzll(bits), 1); \
		     (bits) &= (bits)-1)

/* Cut points: sorted, unique; each starts an elementary interval. */
struct mx_cuts {
	uint32_t *v;
	size_t	  n, cap;
};

/* Hash tables of 32-bit values; eq says whether a value is the key. */
typedef bool (*mx_ht_eq)(const void *, uint32_t);

/* A growable list of sorted, disjoint, non-adjacent intervals. */
struct ivl {
	struct fw_iv *iv;
	size_t	      n, cap;
};

/* One line of a result: every source in src reaches every destination in
 * dst; the sources of different lines reach different sets. */
struct mx_line {
	struct ivl src, dst;
};

/* A result: what is accepted for one service, mode and interface pair.
 * Results are interned; id 0 is the empty one (nothing reaches). */
struct mx_result {
	struct mx_line *line;
	size_t		n;
	uint64_t	hash;
};

/* Interface names that every rule's -i (or -o) treats alike. */
struct mx_ifcls {
	char rep[IFNAMSIZ]; /* a name of the class, for packets */
	char label[IFNAMSIZ + 8]; /* "eth0", "eth+", "(other)" */
};

struct mx_ifdim {
	bool present; /* the hook has this interface */
	bool fixed; /* one name given: --in, --out */
	char (*pat)[IFNAMSIZ]; /* the rules' patterns, sorted */
	size_t		 npat;
	struct mx_ifcls *cls;
	unsigned char	*sig; /* ncls * npat: which patterns match */
	size_t		 ncls;
	uint64_t	*ok; /* ncls * nw: rules whose -i/-o admits it */
};

/* A service: an elementary interval of protocols and, for protocols with
 * ports, of destination ports; proto and dport are its representative. */
struct mx_svc {
	uint8_t	 plo, phi, proto;
	bool	 ports;
	bool	 named; /* by a rule: else one of "all other protocols" */
	uint16_t dlo, dhi, dport;
};

/* IPsec modes as bits: the packet arrived by an SA, leaves by one. */
#define MX_IPSEC_IN 0x1
#define MX_IPSEC_OUT 0x2

struct mx_memo;
struct fw_evaluator;

struct mx {
	struct fw_ruleset	    *rs;
	const struct fw_matrix_opts *o;
	struct fw_chain		    *start;
	struct mx_chain		    *chain; /* reachable from start, it first */
	size_t			     nchain;
	struct mx_rule		    *rule; /* theirs, chain by chain */
	struct mx_rinfo		    *ri; /* the same, what loops read */
	size_t			     nrule;
	size_t			     nw; /* words of a set of rules */
	struct mx_ifdim		     in, out;
	bool			     din, dout; /* some rule tests it */
	int			     mode[4];
	size_t			     nmode;
	struct fw_secpath	     sa_in, sa_out;
	struct mx_svc		    *svc;
	size_t			     nsvc;
	size_t			     ncombo; /* nmode * in.ncls * out.ncls */
	uint32_t		    *res; /* nsvc * ncombo result ids */
	struct mx_result	    *result; /* [0] is the empty result */
	size_t			     nresult, capresult;
	struct mx_memo		    *memo;
	char			   **note; /* what is not exact, and why */
	size_t			     nnote;
	bool			     rate; /* the chain reaches rate matches */
	struct fw_evaluator	    *ev; /* for per-packet decisions */
};

/* The combination of a mode (index) and an interface pair. */
static inline size_t
mx_combo(const struct mx *m, size_t mi, size_t i, size_t o)
{
	return (mi * m->in.ncls + i) * m->out.ncls + o;
}

/* matrix_util.c */
void	*mx_calloc(size_t, size_t);
int	 mx_grow(void *, size_t *, size_t, size_t);
uint64_t mx_mix(uint64_t, uint64_t);
int	 mx_cmp_u32(const void *, const void *);
int	 ivl_push(struct ivl *, uint32_t, uint32_t);
void	 ivl_free(struct ivl *);
bool	 ivl_contains(const struct ivl *, uint32_t);
int	 mx_cut_add(struct mx_cuts *, uint32_t);
int	 mx_cut_set(struct mx_cuts *, const struct fw_ivset *, uint32_t);
int	 mx_cut_finish(struct mx_cuts *);
size_t	 mx_cut_index(const struct mx_cuts *, uint32_t);
size_t	 mx_find(const uint32_t *, size_t, uint32_t);
int	 mx_ht_add(struct mx_htab *, uint64_t, uint32_t);
void	 mx_ht_free(struct mx_htab *);
bool mx_ht_find(struct mx_htab *, uint64_t, mx_ht_eq, const void *, uint32_t *);

/* matrix.c */
bool   mx_port_proto(uint32_t);
void   mx_base_pkt(const struct mx *, uint8_t, uint16_t, int, struct fw_pkt *);
void   mx_set_addr(struct addr *, uint32_t);
size_t mx_if_class(const struct mx_ifdim *, const char *, unsigned char *);
/* The evaluator's verdict on one packet: accepted or not. */
int mx_lookup(struct mx *, const struct fw_pkt *, bool *, struct fw_verdict *);

/* matrix_paint.c: every service, mode and interface pair into m->res,
 * from the rules live and those boxed for each service and mode. */
int  mx_solve_all(struct mx *, const uint64_t *, const uint64_t *);
void mx_result_free(struct mx_result *);
void mx_memo_free(struct mx_memo *);

/* matrix_verify.c: 0 agreed, 1 some packet differed, -1 error. */
int mx_verify(struct mx *, FILE *);

/* matrix_print.c */
void mx_print_text(const struct mx *, FILE *);
int  mx_print_json(const struct mx *, FILE *);
/* The SAs as fw eval writes them: tunnel:esp:A>B:spi=0x1:reqid=1 */
void mx_print_sa(const struct fw_secpath *, FILE *);

#endif
