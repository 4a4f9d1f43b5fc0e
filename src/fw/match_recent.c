/*
 * recent: lists of recently seen addresses. The name defaults to DEFAULT
 * and the mask to 255.255.255.255, and both are always printed; the name
 * is printed as it is, unquoted. xt_recent's checkentry refuses --seconds,
 * --hitcount, --rttl and --reap with --set and --remove, and a hitcount
 * of 65536 or more (XT_RECENT_MAX_NSTAMPS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rate.h"

#define RECENT_NAMELEN 200

enum {
	RC_SET,
	RC_RCHECK,
	RC_UPDATE,
	RC_REMOVE,
	RC_SECONDS,
	RC_HITCOUNT,
	RC_RTTL,
	RC_REAP,
	RC_NAME,
	RC_MASK,
	RC_RSOURCE,
	RC_RDEST
};

struct recent {
	int		     cmd; /* RC_SET ... RC_REMOVE, -1: none */
	bool		     inv, cmd_given, rdest, rttl, reap;
	uint32_t	     seconds, hitcount;
	struct in_addr	     mask;
	bool		     mask_given;
	char		     name[RECENT_NAMELEN];
	struct recent_table *tbl; /* set by bind */
};

static const struct fw_opt recent_opts[] = { { "set", RC_SET, 0, true },
	{ "rcheck", RC_RCHECK, 0, true }, { "update", RC_UPDATE, 0, true },
	{ "remove", RC_REMOVE, 0, true }, { "seconds", RC_SECONDS, 1, false },
	{ "hitcount", RC_HITCOUNT, 1, false }, { "rttl", RC_RTTL, 0, false },
	{ "reap", RC_REAP, 0, false }, { "name", RC_NAME, 1, false },
	{ "mask", RC_MASK, 1, false }, { "rsource", RC_RSOURCE, 0, false },
	{ "rdest", RC_RDEST, 0, false }, { NULL, 0, 0, false } };

static const char *const recent_cmds[] = { "--set", "--rcheck", "--update",
	"--remove" };

static int
recent_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct recent *rc = d;
	uintmax_t      v;

	switch (id) {
	case RC_SET:
	case RC_RCHECK:
	case RC_UPDATE:
	case RC_REMOVE:
		if (rc->cmd_given) {
			fw_error(p->diag, "%s cannot be used together with %s",
			    recent_cmds[id], recent_cmds[rc->cmd]);
			return -1;
		}
		rc->cmd = id;
		rc->cmd_given = true;
		rc->inv = inv;
		return 0;
	case RC_SECONDS:
	case RC_HITCOUNT:
		if (ipt_strtoui(args[0], 0, UINT32_MAX, &v) == -1) {
			fw_error(p->diag, "--%s '%s': a 32-bit number",
			    id == RC_SECONDS ? "seconds" : "hitcount", args[0]);
			return -1;
		}
		*(id == RC_SECONDS ? &rc->seconds : &rc->hitcount) =
		    (uint32_t)v;
		return 0;
	case RC_RTTL:
		rc->rttl = true;
		return 0;
	case RC_REAP:
		rc->reap = true;
		return 0;
	case RC_NAME:
		if (args[0][0] == '\0' || strlen(args[0]) >= RECENT_NAMELEN) {
			fw_error(p->diag, "--name '%s': 1 to %d bytes", args[0],
			    RECENT_NAMELEN - 1);
			return -1;
		}
		/* iptables-save prints the name bare, so a name with a
		 * blank saves as a file that no longer loads. */
		if (strpbrk(args[0], " \t") != NULL)
			fw_warn(p->diag,
			    "--name '%s' has a blank; iptables-save "
			    "prints it unquoted and the saved file will not "
			    "load again",
			    args[0]);
		snprintf(rc->name, sizeof(rc->name), "%s", args[0]);
		return 0;
	case RC_MASK:
		/* A host address as getaddrinfo reads it ("24" is
		 * 0.0.0.24), not a prefix length. */
		if (inet_aton(args[0], &rc->mask) == 0) {
			fw_error(p->diag, "--mask '%s': an IPv4 address mask",
			    args[0]);
			return -1;
		}
		rc->mask_given = true;
		return 0;
	case RC_RSOURCE:
	case RC_RDEST:
		rc->rdest = id == RC_RDEST;
		return 0;
	}
	return -1;
}

static int
recent_final(struct fw_parse *p, void *d)
{
	struct recent *rc = d;

	if (!rc->cmd_given) {
		fw_error(p->diag,
		    "-m recent needs one of --set, --rcheck, "
		    "--update and --remove");
		return -1;
	}
	if (rc->reap && rc->seconds == 0) {
		fw_error(p->diag, "--reap needs --seconds");
		return -1;
	}
	if ((rc->cmd == RC_SET || rc->cmd == RC_REMOVE) &&
	    (rc->seconds || rc->hitcount || rc->rttl || rc->reap)) {
		fw_error(p->diag,
		    "%s takes no --seconds, --hitcount, --rttl "
		    "or --reap (the kernel refuses them)",
		    recent_cmds[rc->cmd]);
		return -1;
	}
	if (rc->hitcount > 65535) {
		fw_error(p->diag,
		    "--hitcount %u: at most 65535 (the kernel "
		    "refuses more)",
		    rc->hitcount);
		return -1;
	}
	if (rc->name[0] == '\0')
		snprintf(rc->name, sizeof(rc->name), "DEFAULT");
	if (!rc->mask_given)
		rc->mask.s_addr = INADDR_BROADCAST;
	return 0;
}

static void
recent_save(const void *d, FILE *f)
{
	const struct recent *rc = d;
	char		     buf[INET_ADDRSTRLEN];

	fprintf(f, "%s %s", rc->inv ? " !" : "", recent_cmds[rc->cmd]);
	if (rc->seconds)
		fprintf(f, " --seconds %u", rc->seconds);
	if (rc->reap)
		fputs(" --reap", f);
	if (rc->hitcount)
		fprintf(f, " --hitcount %u", rc->hitcount);
	if (rc->rttl)
		fputs(" --rttl", f);
	fprintf(f, " --name %s --mask %s %s", rc->name,
	    inet_ntop(AF_INET, &rc->mask, buf, sizeof(buf)),
	    rc->rdest ? "--rdest" : "--rsource");
}

/*
 * Evaluation, as xt_recent.c (Linux 6.18, with "xt_recent: Fix attempt to
 * update deleted entry" and 65536 time stamps). Rules with the same --name
 * share one list, whose --mask is the first rule's (recent_mt_check copies
 * it when it creates the table; recent_mt masks with the table's). A list
 * holds ip_list_tot addresses (100: /sys/module/xt_recent/parameters on
 * 6.18), the least recently set or updated one is dropped for a new one;
 * each address keeps the last nstamps_max_mask + 1 time stamps, where the
 * mask is the largest over the list's rules of roundup_pow_of_two(hitcount)
 * - 1, or 31 without --hitcount (ip_pkt_list_tot is 0 by default now).
 * The list's entries are searched linearly: there are at most 100.
 */
#define RECENT_LIST_TOT 100
#define RECENT_NSTAMPS_DEF 32

struct recent_ent {
	struct recent_ent *prev, *next; /* least recently updated first */
	uint32_t	   addr;
	uint8_t		   ttl;
	uint16_t	   index, nstamps; /* u16 as in the kernel: they wrap */
	int64_t		   stamps[]; /* jiffies */
};

struct recent_table {
	struct recent_table *next;
	char		     name[RECENT_NAMELEN];
	uint32_t	     mask;
	uint32_t	     nstamps_mask;
	unsigned int	     entries;
	struct recent_ent   *head, *tail;
};

static void
recent_unlink(struct recent_table *t, struct recent_ent *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
}

static void
recent_append(struct recent_table *t, struct recent_ent *e)
{
	e->next = NULL;
	e->prev = t->tail;
	if (t->tail != NULL)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
}

static void
recent_remove(struct recent_table *t, struct recent_ent *e)
{
	recent_unlink(t, e);
	free(e);
	t->entries--;
}

/* recent_entry_lookup: a TTL of 0 on either side matches any. */
static struct recent_ent *
recent_lookup(const struct recent_table *t, uint32_t addr, uint8_t ttl)
{
	struct recent_ent *e;

	for (e = t->head; e != NULL; e = e->next)
		if (e->addr == addr &&
		    (ttl == e->ttl || ttl == 0 || e->ttl == 0))
			return e;
	return NULL;
}

static struct recent_ent *
recent_new(struct recent_table *t, uint32_t addr, uint8_t ttl, int64_t now)
{
	struct recent_ent *e;

	if (t->entries >= RECENT_LIST_TOT)
		recent_remove(t, t->head);
	e = calloc(1, sizeof(*e) + (t->nstamps_mask + 1) * sizeof(int64_t));
	if (e == NULL)
		return NULL;
	e->addr = addr;
	e->ttl = ttl;
	e->stamps[0] = now;
	e->nstamps = 1;
	e->index = 1;
	recent_append(t, e);
	t->entries++;
	return e;
}

/* recent_entry_update: the stamps are a ring; the entry becomes the most
 * recently used. */
static void
recent_update(struct recent_table *t, struct recent_ent *e, int64_t now)
{
	e->index &= t->nstamps_mask;
	e->stamps[e->index++] = now;
	if (e->index > e->nstamps)
		e->nstamps = e->index;
	recent_unlink(t, e);
	recent_append(t, e);
}

/* recent_entry_reap: only the least recently used entry, if its newest
 * stamp is older than the window, and not if it is about to be updated.
 * (The kernel reads stamps[index - 1], out of bounds once a 65536-stamp
 * ring wraps index to 0; here that is the newest stamp too.) */
static void
recent_reap(struct recent_table *t, int64_t time, struct recent_ent *working,
    bool update)
{
	struct recent_ent *e = t->head;

	if (e == NULL || (e == working && update))
		return;
	if (time > e->stamps[(uint16_t)(e->index - 1) & t->nstamps_mask])
		recent_remove(t, e);
}

static bool
recent_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct recent *rc = d;
	struct recent_table *t = rc->tbl;
	struct recent_ent   *e;
	uint32_t	     addr;
	uint8_t		     ttl = pk->ttl;
	int64_t		     now, time;
	unsigned int	     i, hits = 0;
	bool		     ret = rc->inv;

	if (ev->rate == NULL || t == NULL)
		return false;
	now = (int64_t)rate_jiffies(ev->rate, pk);
	addr = (rc->rdest ? pk->dst.u.w[0] : pk->src.u.w[0]) & t->mask;
	/* "use TTL as seen before forwarding": a packet that leaves and has
	 * no local socket (forwarded) counts one more, in a u8. */
	if (pk->hook == FW_FORWARD ||
	    (pk->hook == FW_POSTROUTING && !pk->has_owner))
		ttl++;
	e = recent_lookup(t, addr, rc->rttl ? ttl : 0);
	if (e == NULL) {
		if (rc->cmd != RC_SET)
			return ret;
		if (recent_new(t, addr, ttl, now) == NULL)
			return false; /* the kernel drops the packet */
		return !ret;
	}
	if (rc->cmd == RC_SET) {
		ret = !ret;
	} else if (rc->cmd == RC_REMOVE) {
		recent_remove(t, e);
		return !ret;
	} else {
		/* jiffies - seconds * HZ, the product in 32 bits as the
		 * kernel computes it; a stamp older than that is out. */
		time = now - (int64_t)(uint32_t)(rc->seconds * RATE_HZ);
		for (i = 0; i < e->nstamps; i++) {
			if (rc->seconds && time > e->stamps[i])
				continue;
			if (!rc->hitcount || ++hits >= rc->hitcount) {
				ret = !ret;
				break;
			}
		}
		if (rc->reap)
			recent_reap(t, time, e, rc->cmd == RC_UPDATE && ret);
	}
	if (rc->cmd == RC_SET || (rc->cmd == RC_UPDATE && ret)) {
		recent_update(t, e, now);
		e->ttl = ttl;
	}
	return ret;
}

static int
recent_bind(void *d, struct fw_rate *reg)
{
	struct recent	    *rc = d;
	struct recent_table *t;
	uint32_t	     mask = RECENT_NSTAMPS_DEF - 1, n;

	if (rc->hitcount) {
		for (n = 1; n < rc->hitcount; n <<= 1)
			;
		mask = n - 1;
	}
	for (t = reg->recent; t != NULL; t = t->next)
		if (strcmp(t->name, rc->name) == 0)
			break;
	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return -1;
		snprintf(t->name, sizeof(t->name), "%s", rc->name);
		t->mask = rc->mask.s_addr;
		t->nstamps_mask = mask;
		t->next = reg->recent;
		reg->recent = t;
	} else if (mask > t->nstamps_mask) {
		/* The kernel flushes the list here; it is empty yet. */
		t->nstamps_mask = mask;
	}
	rc->tbl = t;
	return 0;
}

const struct fw_matchdef fw_match_recent = {
	.name = "recent",
	.opts = recent_opts,
	.size = sizeof(struct recent),
	.parse = recent_parse,
	.final = recent_final,
	.save = recent_save,
	.match = recent_match,
	.bind = recent_bind,
};

void
rate_free_recent(struct fw_rate *reg)
{
	struct recent_table *r;
	struct recent_ent   *e;

	while ((r = reg->recent) != NULL) {
		reg->recent = r->next;
		while ((e = r->head) != NULL) {
			r->head = e->next;
			free(e);
		}
		free(r);
	}
}
