/* The filter's rule model and the interface of match and target modules. */
#ifndef MOAT_FW_INT_H
#define MOAT_FW_INT_H

#include <stddef.h>
#include <string.h>

#include "fw.h"

#define FW_CHAIN_NAMEMAX 29 /* iptables: "must be under 29 chars" */

/* Negation flags of the rule's own fields (struct ipt_ip's invflags). */
#define FW_INV_SRC 0x01
#define FW_INV_DST 0x02
#define FW_INV_IIF 0x04
#define FW_INV_OIF 0x08
#define FW_INV_PROTO 0x10
#define FW_INV_FRAG 0x20

/* What a rule's target tells the traversal. */
enum fw_action {
	FW_ACT_VERDICT, /* terminal: ACCEPT, DROP, REJECT, ... */
	FW_ACT_CONTINUE, /* non-terminating: LOG, MARK, ... */
	FW_ACT_RETURN,
	FW_ACT_JUMP,
	FW_ACT_GOTO,
	FW_ACT_NONE, /* no -j: only counts */
};

struct fw_parse;
struct fw_eval;
struct fw_box;
struct fw_rate;
struct ct_table;
struct ct_entry;

/* An option of a module: its name, how many arguments, and flags: '!'
 * may precede it (FW_OPT_INV, also written true), it may be given more
 * than once (FW_OPT_REPEAT). */
#define FW_OPT_INV 0x1
#define FW_OPT_REPEAT 0x2

struct fw_opt {
	const char  *name;
	int	     id;
	int	     nargs;
	unsigned int flags;
};

struct fw_matchdef {
	const char	    *name;
	const struct fw_opt *opts;
	size_t		     size; /* of the per-rule data */
	unsigned int	     hooks; /* allowed hooks, 0: any */
	unsigned int	     tables; /* allowed tables, 0: any */
	int (*parse)(struct fw_parse *, void *, int, char **, bool);
	int (*final)(struct fw_parse *, void *);
	void (*save)(const void *, FILE *);
	/* NULL: parsed and printed, but moat cannot evaluate it. The data is
	 * mutable: rate matches keep their per-rule state in it. */
	bool (*match)(void *, const struct fw_pkt *, struct fw_eval *);
	/* Optional, for matches with state: called by fw_evaluator_new for
	 * every rule of the ruleset, in table and rule order, before any
	 * packet. It resets the rule's state and ties the rule to the
	 * evaluator's registry (shared tables are looked up by name here, so
	 * the first rule with a name configures the table, as in the
	 * kernel). A ruleset is evaluated by one evaluator at a time. */
	int (*bind)(void *, struct fw_rate *);
	/* Optional: hooks allowed for this rule's data (e.g. policy --dir). */
	unsigned int (*hookmask)(const void *);
	/* Optional: why this rule's options cannot be evaluated, or NULL. */
	const char *(*unsupported)(const void *);
	/* Optional: fold a later instance into an earlier one (0), or
	 * leave both (-1); called after final. */
	int (*merge)(struct fw_parse *, void *, const void *);
	/* Optional: narrow a box (box.h) to what the match asks of the
	 * packet, clearing its exact flag for what a box cannot say.
	 * Without it a match leaves the box as it is, inexact. */
	void (*box)(const void *, struct fw_box *);
};

struct fw_targetdef {
	const char	    *name;
	const struct fw_opt *opts;
	size_t		     size;
	unsigned int	     hooks;
	unsigned int	     tables;
	enum fw_action	     action;
	int (*parse)(struct fw_parse *, void *, int, char **, bool);
	int (*final)(struct fw_parse *, void *);
	void (*save)(const void *, FILE *);
	/* Runs the target; for FW_ACT_VERDICT it names the verdict. NULL
	 * for targets moat cannot carry out in the filter path. */
	void (*run)(const void *, const struct fw_pkt *, struct fw_eval *,
	    char *, size_t);
	/* Optional: why this rule's options cannot be carried out, or
	 * NULL. */
	const char *(*unsupported)(const void *);
};

struct fw_match {
	const struct fw_matchdef *def;
	void			 *data;
	uint64_t		  seen; /* option ids given */
};

struct fw_chain;

struct fw_rule {
	struct prefix		   src, dst;
	char			   iif[IFNAMSIZ], oif[IFNAMSIZ];
	uint8_t			   proto; /* 0: all */
	bool			   frag; /* -f given */
	unsigned int		   inv; /* FW_INV_* */
	struct fw_match		  *m;
	size_t			   nm;
	const struct fw_targetdef *tdef; /* NULL: jump, goto or none */
	void			  *tdata;
	enum fw_action		   action;
	char			   jump[FW_CHAIN_NAMEMAX + 3];
	struct fw_chain		  *dest; /* resolved jump or goto */
	uint64_t		   pkts, bytes;
	unsigned int		   line;
};

struct cls_chain;

struct fw_chain {
	char		  name[FW_CHAIN_NAMEMAX + 3];
	int		  hook; /* -1: user chain */
	bool		  policy_accept;
	uint64_t	  pkts, bytes;
	struct fw_rule	**rules;
	size_t		  nrules, caprules;
	struct cls_chain *cls; /* compiled by an evaluator (classify.h) */
};

struct fw_table {
	bool		  present;
	struct fw_chain **chains; /* built-ins in hook order first */
	size_t		  nchains, capchains;
};

struct fw_ruleset {
	struct fw_table t[FW_NTABLES];
};

/* The state of one command being parsed. */
struct fw_parse {
	struct fw_diag	  *diag;
	struct fw_ruleset *rs;
	enum fw_tableid	   table;
	struct fw_rule	  *rule;
};

/* Also as -m conntrack's virtual states. */
#define FW_CT_SNAT 0x20
#define FW_CT_DNAT 0x40

/* What the traversal of one packet knows besides the packet, and what
 * targets change on the way (marks). */
struct fw_eval {
	unsigned int ctstate;
	bool	     ct_reply;
	uint32_t     mark;
	uint32_t     ctmark;
	bool	     notrack; /* set by the raw table */
	FILE	    *log; /* LOG and NFLOG lines, or NULL */
	bool	     hotdrop; /* a match dropped the packet itself */
	/* State of limit, hashlimit, recent and connlimit (NULL when the
	 * ruleset has none), and the packet's conntrack entry (NULL before
	 * conntrack, and for INVALID and UNTRACKED packets). */
	struct fw_rate	*rate;
	struct ct_entry *ct;
};

/* The registry of rate matches' state, owned by an evaluator
 * (match_rate.c): recent lists and hashlimit tables by name, connlimit's
 * counted connections by rule. ct is the evaluator's connection table. */
struct fw_rate *fw_rate_new(struct ct_table *);
void		fw_rate_free(struct fw_rate *);
/* Tests only: linear scans instead of hash tables (the reference). */
void fw_rate_naive(struct fw_rate *);

/* A bounded string copy without printf's cost, for the per-packet path
 * (verdict names). */
static inline void
fw_copy_str(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

extern const char *const fw_table_names[FW_NTABLES];
extern const char *const fw_hook_names[FW_NHOOKS];

const struct fw_matchdef  *fw_match_find(const char *);
const struct fw_matchdef  *fw_match_proto(uint8_t);
const struct fw_targetdef *fw_target_find(const char *);

struct fw_chain *fw_chain_find(
    const struct fw_ruleset *, enum fw_tableid, const char *);
struct fw_chain *fw_chain_new(
    struct fw_ruleset *, enum fw_tableid, const char *);
int  fw_table_init(struct fw_ruleset *, enum fw_tableid);
void fw_table_clear(struct fw_ruleset *, enum fw_tableid);
int  fw_chain_insert(struct fw_chain *, size_t, struct fw_rule *);
void fw_rule_free(struct fw_rule *);

void fw_ruleset_move(struct fw_ruleset *, struct fw_ruleset *);

int fw_command_in(
    struct fw_ruleset *, int, int, char **, struct fw_diag *, unsigned int);
void fw_save_rule(const struct fw_rule *, FILE *);
int  fw_parse_ports(struct fw_parse *, const char *, const char *, uint16_t[2]);
int  fw_parse_mark(
     struct fw_parse *, const char *, const char *, uint32_t *, uint32_t *);
int fw_parse_mac(const char *, uint8_t[6]);
int fw_parse_range(
    struct fw_parse *, const char *, const char *, uint16_t[2], bool);
int	    fw_parse_dscp(const char *, bool, uint8_t *);
int	    fw_parse_tos(const char *, uint8_t *, uint8_t *);
int	    fw_parse_tcp_flags(const char *, uint8_t *);
void	    fw_save_tcp_flags(FILE *, uint8_t);
int	    fw_parse_proto(const char *, uint8_t *);
const char *fw_proto_name(uint8_t, char *, size_t);
int	    fw_split_args(const char *, char ***, int *, const char **);
void	    fw_free_args(char **, int);
bool	    fw_iface_match(const char *, const char *);
void	    fw_save_string(FILE *, const char *);
void	    fw_log_packet(FILE *, const char *, const struct fw_pkt *);
struct ct_pkt;
void fw_to_ct(const struct fw_pkt *, bool, struct ct_pkt *, struct ct_pkt *);
int  fw_parse_addrtypes(const char *, uint16_t *, char *, size_t);
int  fw_parse_pkttype(const char *, uint8_t *);

#endif
