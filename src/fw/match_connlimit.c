/*
 * connlimit: the number of connections per source (or destination)
 * group. All three options are always printed; the mask is read as a
 * prefix length up to 255 and printed as the IPv4 part of it, so 33 and
 * more print 32 (libxt_connlimit's count of the first word's bits).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rate.h"

enum { CL_UPTO, CL_ABOVE, CL_MASK, CL_SADDR, CL_DADDR };

struct connlimit {
	uint32_t	 limit;
	bool		 above, given;
	uint32_t	 mask;
	bool		 daddr, mask_given, side_given;
	struct cl_state *st; /* set by bind */
};

static const struct fw_opt connlimit_opts[] = { { "connlimit-upto", CL_UPTO, 1,
						    true },
	{ "connlimit-above", CL_ABOVE, 1, true },
	{ "connlimit-mask", CL_MASK, 1, false },
	{ "connlimit-saddr", CL_SADDR, 0, false },
	{ "connlimit-daddr", CL_DADDR, 0, false }, { NULL, 0, 0, false } };

static int
connlimit_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct connlimit *c = d;
	uintmax_t	  v;

	switch (id) {
	case CL_UPTO:
	case CL_ABOVE:
		if (c->given) {
			fw_error(p->diag,
			    "only one of --connlimit-upto and "
			    "--connlimit-above");
			return -1;
		}
		if (ipt_strtoui(args[0], 0, UINT32_MAX, &v) == -1) {
			fw_error(p->diag,
			    "--connlimit-%s '%s': a 32-bit "
			    "number",
			    id == CL_UPTO ? "upto" : "above", args[0]);
			return -1;
		}
		c->limit = (uint32_t)v;
		c->above = (id == CL_ABOVE) != inv;
		c->given = true;
		return 0;
	case CL_MASK:
		if (ipt_strtoui(args[0], 0, 255, &v) == -1) {
			fw_error(p->diag,
			    "--connlimit-mask '%s': a prefix "
			    "length",
			    args[0]);
			return -1;
		}
		c->mask = (uint32_t)v;
		c->mask_given = true;
		return 0;
	case CL_SADDR:
	case CL_DADDR:
		if (c->side_given && c->daddr != (id == CL_DADDR)) {
			fw_error(p->diag,
			    "--connlimit-saddr and "
			    "--connlimit-daddr cannot be used together");
			return -1;
		}
		c->daddr = id == CL_DADDR;
		c->side_given = true;
		return 0;
	}
	return -1;
}

static int
connlimit_final(struct fw_parse *p, void *d)
{
	struct connlimit *c = d;

	if (!c->given) {
		fw_error(p->diag,
		    "-m connlimit needs --connlimit-above or "
		    "--connlimit-upto");
		return -1;
	}
	if (!c->mask_given)
		c->mask = 32;
	return 0;
}

static void
connlimit_save(const void *d, FILE *f)
{
	const struct connlimit *c = d;

	fprintf(f, " --connlimit-%s %u --connlimit-mask %u --connlimit-%s",
	    c->above ? "above" : "upto", c->limit, c->mask > 32 ? 32 : c->mask,
	    c->daddr ? "daddr" : "saddr");
}

/*
 * Evaluation, as xt_connlimit.c and nf_conncount.c before Linux 6.13's
 * "nf_conncount: reduce unnecessary GC" (the behaviour later kernels keep
 * for the first packet of each connection, the packets `-p tcp --syn`
 * rules see). Each rule keeps, per masked source (or destination with
 * --connlimit-daddr) address of the packets it sees, the list of the
 * connections it counted: the original tuple of the packet's conntrack
 * entry, or the packet's own tuple when it has none. For each packet the
 * list is walked in order (__nf_conncount_add): a connection conntrack no
 * longer holds is dropped (this process is "the same CPU", which drops at
 * once), so is a TCP connection in TIME_WAIT or CLOSE (already_closed),
 * unless it is the packet's own; finding the packet's own stops the walk
 * and adds nothing; more than 8 drops (CONNCOUNT_GC_MAX_NODES) stop it
 * too; otherwise the connection is appended. The count is the list's
 * length, and the rule matches if count > limit (--connlimit-above) or
 * count <= limit (--connlimit-upto).
 *
 * Not reproduced: kernels since 6.13 skip the walk within the jiffy of the
 * list's last one, and the 2025 rework (stable kernels too) does not add
 * packets of connections conntrack has confirmed, so a rule that first
 * sees a connection after its first packet counts it differently.
 */
#define CL_GC_MAX_NODES 8

struct cl_conn {
	struct cl_conn *next;
	struct ct_key	key;
};

struct cl_node {
	struct kitem	it; /* key[0]: the masked address */
	struct cl_conn *head, *tail;
	size_t		count;
};

struct cl_state {
	struct cl_state *next;
	struct kmap	 map;
	/* Connections in all lists, and when to sweep them all: dead ones
	 * of addresses that send no more packets would stay forever (the
	 * kernel's tree_gc_worker collects them). */
	size_t total, sweep_at;
};

static bool
cl_key_eq(const struct ct_key *a, const struct ct_key *b)
{
	return a->proto == b->proto && a->sport == b->sport &&
	    a->dport == b->dport && addr_eq(&a->src, &b->src) &&
	    addr_eq(&a->dst, &b->dst);
}

/* A packet without an entry: nf_ct_get_tuplepr's tuple, as conntrack.c
 * keys its own (ICMP: the id, and type << 8 | code). */
static void
cl_pkt_key(const struct fw_pkt *pk, struct ct_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src = pk->src;
	k->dst = pk->dst;
	k->proto = pk->proto;
	if (pk->proto == IPPROTO_TCP || pk->proto == IPPROTO_UDP) {
		k->sport = pk->sport;
		k->dport = pk->dport;
	} else if (pk->proto == IPPROTO_ICMP && pk->icmp_type >= 0) {
		k->sport = pk->icmp_id;
		k->dport = (uint16_t)(pk->icmp_type << 8 | pk->icmp_code);
	}
}

static void
cl_unlink(struct cl_state *st, struct cl_node *n, struct cl_conn *prev,
    struct cl_conn *c)
{
	if (prev != NULL)
		prev->next = c->next;
	else
		n->head = c->next;
	if (n->tail == c)
		n->tail = prev;
	n->count--;
	st->total--;
	free(c);
}

/* nf_conncount_gc_list for every address: what conntrack no longer holds
 * or holds closed goes, and so do the addresses left without any. */
static void
cl_sweep(struct cl_state *st, struct ct_table *ct, double now)
{
	struct kitem   *it, *inext;
	struct cl_node *n;
	struct cl_conn *c, *prev, *next;

	for (it = st->map.head; it != NULL; it = inext) {
		inext = it->next;
		n = (struct cl_node *)(void *)it;
		for (prev = NULL, c = n->head; c != NULL; c = next) {
			next = c->next;
			if (ct_key_liveness(ct, &c->key, now) != CT_OPEN)
				cl_unlink(st, n, prev, c);
			else
				prev = c;
		}
		if (n->count == 0) {
			kmap_del(&st->map, it);
			free(n);
		}
	}
	st->sweep_at = 2 * st->total + 64;
}

/* count_tree and __nf_conncount_add; 0 when memory ran out. */
static size_t
cl_count(struct cl_state *st, struct ct_table *ct, uint32_t addr,
    const struct ct_key *key, double now)
{
	struct cl_node	*n;
	struct cl_conn	*c, *prev, *next;
	uint32_t	 k[KEYWORDS] = { addr, 0, 0 };
	unsigned int	 collect = 0;
	enum ct_liveness live;

	if (st->total >= st->sweep_at)
		cl_sweep(st, ct, now);
	if ((n = (struct cl_node *)(void *)kmap_find(&st->map, k)) == NULL) {
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return 0;
		memcpy(n->it.key, k, sizeof(k));
		kmap_add(&st->map, &n->it);
	}
	for (prev = NULL, c = n->head; c != NULL; c = next) {
		next = c->next;
		if (collect > CL_GC_MAX_NODES)
			break;
		live = ct_key_liveness(ct, &c->key, now);
		if (live != CT_GONE && cl_key_eq(&c->key, key))
			return n->count; /* counted already */
		if (live != CT_OPEN) {
			cl_unlink(st, n, prev, c);
			collect++;
			continue;
		}
		prev = c;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	c->key = *key;
	if (n->tail != NULL)
		n->tail->next = c;
	else
		n->head = c;
	n->tail = c;
	n->count++;
	st->total++;
	return n->count;
}

static bool
connlimit_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct connlimit *cl = d;
	struct ct_key		key;
	uint32_t		addr;
	size_t			count;

	if (ev->rate == NULL || cl->st == NULL)
		return false;
	(void)rate_now(ev->rate, pk);
	if (ev->ct != NULL)
		ct_entry_key(ev->ct, &key);
	else
		cl_pkt_key(pk, &key);
	addr = mask_len(cl->daddr ? pk->dst.u.w[0] : pk->src.u.w[0], cl->mask);
	/* 0: the kernel drops the packet (no memory). */
	if ((count = cl_count(cl->st, ev->rate->ct, addr, &key, pk->t)) == 0)
		return false;
	return cl->above ? count > cl->limit : count <= cl->limit;
}

static int
connlimit_bind(void *d, struct fw_rate *reg)
{
	struct connlimit *cl = d;
	struct cl_state	 *st;

	/* Each rule counts on its own (nf_conncount_init per rule). */
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	kmap_init(&st->map, reg);
	st->sweep_at = 64;
	st->next = reg->cl;
	reg->cl = st;
	cl->st = st;
	return 0;
}

const struct fw_matchdef fw_match_connlimit = {
	.name = "connlimit",
	.opts = connlimit_opts,
	.size = sizeof(struct connlimit),
	.parse = connlimit_parse,
	.final = connlimit_final,
	.save = connlimit_save,
	.match = connlimit_match,
	.bind = connlimit_bind,
};

static void
cl_node_free(struct kitem *it)
{
	struct cl_node *n = (struct cl_node *)(void *)it;
	struct cl_conn *c, *next;

	for (c = n->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(n);
}

void
rate_free_connlimit(struct fw_rate *reg)
{
	struct cl_state *c;

	while ((c = reg->cl) != NULL) {
		reg->cl = c->next;
		kmap_free_all(&c->map, cl_node_free);
		free(c);
	}
}
