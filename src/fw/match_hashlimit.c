/*
 * hashlimit (revision 3): packet rates in 1/1000000 second periods, or
 * byte rates ("Nb/s", "Nkb/s", "Nmb/s") kept as xt_hashlimit's cost. An
 * expiry equal to the printed rate's unit (in ms) is not printed; when
 * not given it is that unit of the rate as written (15 s for byte rates,
 * 60 s with a byte burst), so "60/min" prints "1/sec" and the expiry.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rate.h"

#define HL_SCALE 1000000
#define HL_BURST 5
#define HL_BURSTMAX 1000000
#define HL_GCINTERVAL 1000
#define HL_BYTESHIFT 4
#define HL_NAMEMAX 255

enum {
	H_UPTO,
	H_ABOVE,
	H_MODE,
	H_SRCMASK,
	H_DSTMASK,
	H_NAME,
	H_BURST,
	H_SIZE,
	H_MAX,
	H_GCINT,
	H_EXPIRE,
	H_RATEMATCH,
	H_INTERVAL
};

#define HM_SIP 0x1 /* XT_HASHLIMIT_HASH_* */
#define HM_DIP 0x2
#define HM_SPT 0x4
#define HM_DPT 0x8

struct hashlimit {
	unsigned int	 given; /* 1 << H_* */
	bool		 above, bytes;
	uint64_t	 avg, burst;
	uint32_t	 unit; /* of the rate as written, seconds */
	unsigned int	 mode;
	uint32_t	 srcmask, dstmask, size, max, gcint, expire, interval;
	char		 name[HL_NAMEMAX];
	struct hl_table *tbl; /* set by bind */
};

static const struct fw_opt hashlimit_opts[] = { { "hashlimit-upto", H_UPTO, 1,
						    true },
	{ "hashlimit-above", H_ABOVE, 1, true },
	{ "hashlimit", H_UPTO, 1, true },
	{ "hashlimit-srcmask", H_SRCMASK, 1, false },
	{ "hashlimit-dstmask", H_DSTMASK, 1, false },
	{ "hashlimit-burst", H_BURST, 1, false },
	{ "hashlimit-htable-size", H_SIZE, 1, false },
	{ "hashlimit-htable-max", H_MAX, 1, false },
	{ "hashlimit-htable-gcinterval", H_GCINT, 1, false },
	{ "hashlimit-htable-expire", H_EXPIRE, 1, false },
	{ "hashlimit-mode", H_MODE, 1, false },
	{ "hashlimit-name", H_NAME, 1, false },
	{ "hashlimit-rate-match", H_RATEMATCH, 0, false },
	{ "hashlimit-rate-interval", H_INTERVAL, 1, false },
	{ NULL, 0, 0, false } };

static const char *const hl_optname[] = { "hashlimit-upto", "hashlimit-above",
	"hashlimit-mode", "hashlimit-srcmask", "hashlimit-dstmask",
	"hashlimit-name", "hashlimit-burst", "hashlimit-htable-size",
	"hashlimit-htable-max", "hashlimit-htable-gcinterval",
	"hashlimit-htable-expire", "hashlimit-rate-match",
	"hashlimit-rate-interval" };

static uint64_t
cost_to_bytes(uint64_t cost)
{
	uint64_t r = cost ? UINT32_MAX / cost : UINT32_MAX;

	return (r - 1) << HL_BYTESHIFT;
}

static uint64_t
bytes_to_cost(uint64_t bytes)
{
	uint32_t r = (uint32_t)(bytes >> HL_BYTESHIFT);

	return UINT32_MAX / ((uint64_t)r + 1);
}

/* parse_bytes: "N[k|m]b/s"; 0 if it is not a byte rate. */
static int
hl_bytes(const char *s, uint64_t *cost)
{
	const char *b = strstr(s, "b/s");
	uint64_t    r, factor = 1;

	if (b == NULL || b == s || (r = strtoull(s, NULL, 10)) == 0)
		return 0;
	if (b[-1] == 'm')
		factor = 1024 * 1024;
	else if (b[-1] == 'k')
		factor = 1024;
	if (r > UINT64_MAX / factor || (*cost = bytes_to_cost(r * factor)) == 0)
		return -1;
	return 1;
}

static int
hl_mode(const char *s, unsigned int *mode)
{
	static const struct {
		const char  *name;
		unsigned int bit;
	} modes[] = { { "srcip", HM_SIP }, { "srcport", HM_SPT },
		{ "dstip", HM_DIP }, { "dstport", HM_DPT } };
	char   buf[128], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	*mode = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (strcmp(tok, modes[i].name) == 0)
				break;
		if (i == sizeof(modes) / sizeof(modes[0]))
			return -1;
		*mode |= modes[i].bit;
	}
	return 0;
}

static int
hashlimit_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct hashlimit *h = d;
	const char	 *why;
	char		 *end;
	uintmax_t	  v;
	int		  rc;

	if ((id == H_UPTO && (h->given & (1u << H_ABOVE))) ||
	    (id == H_ABOVE && (h->given & (1u << H_UPTO)))) {
		fw_error(p->diag,
		    "only one of --hashlimit-upto and "
		    "--hashlimit-above");
		return -1;
	}
	h->given |= 1u << id;
	switch (id) {
	case H_UPTO:
	case H_ABOVE:
		/* "! --hashlimit-upto" is --hashlimit-above, and back. */
		h->above = (id == H_ABOVE) != inv;
		if ((rc = hl_bytes(args[0], &h->avg)) == 1) {
			h->bytes = true;
			h->unit = 15; /* XT_HASHLIMIT_BYTE_EXPIRE */
			return 0;
		}
		if (rc == 0 &&
		    parse_rate(args[0], HL_SCALE, &h->avg, &h->unit, &why) == 0)
			return 0;
		fw_error(p->diag, "--hashlimit-%s '%s': %s",
		    id == H_UPTO ? "upto" : "above", args[0],
		    rc == -1 ? "byte rate too "
			       "high" :
			       why);
		return -1;
	case H_MODE:
		if (hl_mode(args[0], &h->mode) == -1) {
			fw_error(p->diag,
			    "--hashlimit-mode '%s': a list of "
			    "srcip, srcport, dstip, dstport",
			    args[0]);
			return -1;
		}
		return 0;
	case H_NAME:
		if (args[0][0] == '\0' || strlen(args[0]) >= HL_NAMEMAX) {
			fw_error(p->diag,
			    "--hashlimit-name '%s': 1 to %d "
			    "bytes",
			    args[0], HL_NAMEMAX - 1);
			return -1;
		}
		snprintf(h->name, sizeof(h->name), "%s", args[0]);
		return 0;
	case H_BURST:
		/* parse_burst: a count, or bytes with a k or m suffix. */
		errno = 0;
		v = strtoumax(args[0], &end, 0);
		if (end == args[0] || args[0][0] == '-' || errno != 0 ||
		    v == 0 || (*end == '\0' && v > HL_BURSTMAX) ||
		    (*end != '\0' && strchr("kKmM", *end) == NULL)) {
			fw_error(p->diag,
			    "--hashlimit-burst '%s': 1 to %d, "
			    "or bytes as Nk or Nm",
			    args[0], HL_BURSTMAX);
			return -1;
		}
		h->burst = (uint64_t)v << (*end == 'k' || *end == 'K' ? 10 :
				   *end == 'm' || *end == 'M'	      ? 20 :
									0);
		return 0;
	case H_RATEMATCH:
		return 0;
	case H_INTERVAL:
		if (atoi(args[0]) <= 0) {
			fw_error(p->diag,
			    "--hashlimit-rate-interval '%s': "
			    "seconds, more than 0",
			    args[0]);
			return -1;
		}
		h->interval = (uint32_t)atoi(args[0]);
		return 0;
	}
	if (ipt_strtoui(args[0], 0,
		id == H_SRCMASK || id == H_DSTMASK ? 32 : UINT32_MAX,
		&v) == -1) {
		fw_error(p->diag, "--%s '%s': %s", hl_optname[id], args[0],
		    id == H_SRCMASK || id == H_DSTMASK ? "a prefix "
							 "length from 0 to 32" :
							 "a 32-bit number");
		return -1;
	}
	switch (id) {
	case H_SRCMASK:
		h->srcmask = (uint32_t)v;
		break;
	case H_DSTMASK:
		h->dstmask = (uint32_t)v;
		break;
	case H_SIZE:
		h->size = (uint32_t)v;
		break;
	case H_MAX:
		h->max = (uint32_t)v;
		break;
	case H_GCINT:
		h->gcint = (uint32_t)v;
		break;
	case H_EXPIRE:
		h->expire = (uint32_t)v;
		break;
	}
	return 0;
}

static int
hashlimit_final(struct fw_parse *p, void *d)
{
	struct hashlimit *h = d;
	uint64_t	  unit;

	if (!(h->given & (1u << H_NAME))) {
		fw_error(p->diag, "-m hashlimit needs --hashlimit-name");
		return -1;
	}
	if (!(h->given & (1u << H_UPTO | 1u << H_ABOVE))) {
		fw_error(p->diag,
		    "-m hashlimit needs --hashlimit-upto or "
		    "--hashlimit-above");
		return -1;
	}
	if (!(h->given & (1u << H_SRCMASK)))
		h->srcmask = 32;
	if (!(h->given & (1u << H_DSTMASK)))
		h->dstmask = 32;
	if (!(h->given & (1u << H_GCINT)))
		h->gcint = HL_GCINTERVAL;
	if (!(h->given & (1u << H_EXPIRE)))
		h->expire = h->unit * 1000;
	if (h->bytes) {
		/* The byte burst becomes a multiple of the rate, rounded
		 * up (hashlimit_mt_check). */
		if (h->given & (1u << H_BURST)) {
			unit = cost_to_bytes(h->avg);
			/* A rate below what a cost can hold rounds to 0b/s;
			 * iptables 1.8.9 then divides by zero (SIGFPE). */
			if (unit == 0) {
				fw_error(p->diag,
				    "a byte rate this small is "
				    "0b/s, which cannot have a "
				    "--hashlimit-burst (iptables 1.8.9 "
				    "crashes on it)");
				return -1;
			}
			if (h->burst < unit) {
				fw_error(p->diag,
				    "--hashlimit-burst cannot be "
				    "smaller than the rate, %jub",
				    (uintmax_t)unit);
				return -1;
			}
			h->burst = h->burst / unit + (h->burst % unit != 0);
			if (!(h->given & (1u << H_EXPIRE)))
				h->expire = 60 * 1000;
		} else {
			h->burst = 0;
			if (cost_to_bytes(h->avg) == 0)
				fw_warn(p->diag,
				    "a byte rate under 16b/s is "
				    "printed as 0b/s, which neither iptables "
				    "nor moat loads again");
		}
	} else if (!(h->given & (1u << H_BURST)))
		h->burst = HL_BURST;
	else if (h->burst > HL_BURSTMAX) {
		fw_error(p->diag, "--hashlimit-burst %ju: at most %d packets",
		    (uintmax_t)h->burst, HL_BURSTMAX);
		return -1;
	}
	if (h->given & (1u << H_RATEMATCH)) {
		if (!h->bytes)
			h->avg /= h->unit;
		if (h->interval == 0)
			h->interval = h->bytes ? 1 : h->unit;
	}
	return 0;
}

/* print_bytes: the largest unit that gives the rate back exactly. */
static uint32_t
save_bytes(FILE *f, const struct hashlimit *h)
{
	static const struct {
		const char *name;
		uint64_t    thresh;
	} units[] = { { "m", 1024 * 1024 }, { "k", 1024 }, { "", 1 } };
	uint64_t r = cost_to_bytes(h->avg);
	size_t	 i;

	for (i = 0; i < 2; i++)
		if (r >= units[i].thresh &&
		    bytes_to_cost(r & ~(units[i].thresh - 1)) == h->avg)
			break;
	fprintf(
	    f, " %ju%sb/s", (uintmax_t)(r / units[i].thresh), units[i].name);
	if (h->burst == 0)
		return 15 * 1000;
	r *= h->burst;
	for (i = 0; i < 2; i++)
		if (r >= units[i].thresh)
			break;
	fprintf(f, " --hashlimit-burst %ju%sb",
	    (uintmax_t)(r / units[i].thresh), units[i].name);
	return 60 * 1000;
}

static void
hashlimit_save(const void *d, FILE *f)
{
	static const struct {
		const char  *name;
		unsigned int bit;
	} modes[] = { { "srcip", HM_SIP }, { "srcport", HM_SPT },
		{ "dstip", HM_DIP }, { "dstport", HM_DPT } };
	const struct hashlimit *h = d;
	const char	       *sep = " --hashlimit-mode ";
	uint32_t		quantum;
	size_t			i;

	fprintf(f, " --hashlimit-%s", h->above ? "above" : "upto");
	if (h->bytes)
		quantum = save_bytes(f, h);
	else {
		quantum = save_rate(f, h->avg, HL_SCALE);
		fprintf(f, " --hashlimit-burst %ju", (uintmax_t)h->burst);
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (h->mode & modes[i].bit) {
			fprintf(f, "%s%s", sep, modes[i].name);
			sep = ",";
		}
	fprintf(f, " --hashlimit-name %s", h->name);
	if (h->size != 0)
		fprintf(f, " --hashlimit-htable-size %u", h->size);
	if (h->max != 0)
		fprintf(f, " --hashlimit-htable-max %u", h->max);
	if (h->gcint != HL_GCINTERVAL)
		fprintf(f, " --hashlimit-htable-gcinterval %u", h->gcint);
	if (h->expire != quantum)
		fprintf(f, " --hashlimit-htable-expire %u", h->expire);
	if (h->srcmask != 32)
		fprintf(f, " --hashlimit-srcmask %u", h->srcmask);
	if (h->dstmask != 32)
		fprintf(f, " --hashlimit-dstmask %u", h->dstmask);
	if (h->given & (1u << H_RATEMATCH)) {
		fputs(" --hashlimit-rate-match", f);
		if (h->interval != 1)
			fprintf(
			    f, " --hashlimit-rate-interval %u", h->interval);
	}
}

/*
 * Evaluation, as xt_hashlimit.c revision 3 (Linux 6.18). Rules with the
 * same --hashlimit-name share one table, and the table keeps the
 * configuration of the rule that created it (htable_find_get looks up
 * the name only): the key (mode, masks), expiry, garbage collection, rate,
 * burst and interval of every entry come from that first rule, while each
 * rule's own --hashlimit-above, byte mode and --hashlimit-rate-match decide
 * how it reads the entry (hashlimit_mt_common gets both).
 *
 * Credits at HZ 250: CREDITS_PER_JIFFY = POW2_BELOW64(2^64 / (HZ * 86400))
 * = 2^39 and a packet costs user2credits(avg) = avg * (HZ * 2^39 / 10^6);
 * byte mode has CREDITS_PER_JIFFY_BYTES = POW2_BELOW32(2^32 / HZ) = 2^24,
 * one second of credit at most, and the burst is a count of refills of
 * that second (hashlimit_byte_cost).
 */
#define HL_MAXSIZE 1048576 /* HASHLIMIT_MAX_SIZE */
#define HL_DEFSIZE 8192 /* htable_create on a machine with > 1 GiB */

struct hl_ent {
	struct kitem it; /* key: source, destination, ports */
	uint64_t     expires, prev; /* jiffies */
	/* rateinfo: packet and byte modes */
	uint64_t credit, credit_cap, cost;
	/* rateinfo: --hashlimit-rate-match */
	uint64_t interval, current_rate, rate;
	int64_t	 burst;
	bool	 prev_window;
};

struct hl_table {
	struct hl_table *next;
	struct hashlimit cfg; /* of the rule that created it */
	uint64_t	 expire_j, gc_j, next_gc, max;
	uint64_t	 cpj, cpj_bytes;
	struct kmap	 map;
};

static uint64_t
hl_user2credits(const struct hl_table *t, uint64_t user)
{
	/* The constant operands first, as the kernel avoids overflow. */
	if ((uint64_t)HL_SCALE >= RATE_HZ * t->cpj)
		return user / (HL_SCALE / (RATE_HZ * t->cpj));
	return user * (RATE_HZ * t->cpj / HL_SCALE);
}

static uint64_t
hl_user2credits_byte(const struct hl_table *t, uint32_t user)
{
	return (uint32_t)(((uint64_t)user * RATE_HZ * t->cpj_bytes) >> 32);
}

static void
hl_init(struct hl_table *t, struct hl_ent *e, uint64_t now)
{
	const struct hashlimit *c = &t->cfg;

	e->prev = now;
	if (c->given & (1u << H_RATEMATCH)) {
		e->prev_window = false;
		e->current_rate = 0;
		if (c->bytes) {
			/* user2rate_bytes */
			uint64_t r = (uint32_t)c->avg ?
			    UINT32_MAX / (uint32_t)c->avg :
			    UINT32_MAX;

			e->rate = (r - 1) << HL_BYTESHIFT;
			e->burst =
			    (int64_t)(c->burst ? c->burst * e->rate : e->rate);
		} else {
			e->rate = c->avg ? HL_SCALE / c->avg : 0;
			e->burst = (int64_t)(c->burst + e->rate);
		}
		e->interval = c->interval;
	} else if (c->bytes) {
		e->credit = t->cpj_bytes * RATE_HZ;
		e->cost = hl_user2credits_byte(t, (uint32_t)c->avg);
		e->credit_cap = c->burst;
	} else {
		e->credit = hl_user2credits(t, c->avg * c->burst);
		e->cost = hl_user2credits(t, c->avg);
		e->credit_cap = e->credit;
	}
}

/* rateinfo_recalc, with the table's mode. Unsigned arithmetic wraps
 * where the kernel's does. */
static void
hl_recalc(struct hl_table *t, struct hl_ent *e, uint64_t now)
{
	uint64_t delta = now - e->prev, cap, old;

	if (delta == 0)
		return;
	if (t->cfg.given & (1u << H_RATEMATCH)) {
		uint64_t interval = e->interval * RATE_HZ;

		if (delta < interval)
			return;
		e->prev = now;
		e->prev_window = e->current_rate * interval > delta * e->rate;
		e->current_rate = 0;
		return;
	}
	e->prev = now;
	if (t->cfg.bytes) {
		old = e->credit;
		e->credit += t->cpj_bytes * delta;
		cap = t->cpj_bytes * RATE_HZ;
		if (old >= e->credit) { /* overflow */
			e->credit = cap;
			return;
		}
	} else {
		e->credit += delta * t->cpj;
		cap = e->credit_cap;
	}
	if (e->credit > cap)
		e->credit = cap;
}

/* hashlimit_byte_cost: a packet's cost in 16-byte chunks; when it cannot
 * be paid, one of the burst's refills tops the credit up to a second. */
static uint64_t
hl_byte_cost(struct hl_table *t, struct hl_ent *e, uint32_t len)
{
	uint64_t tmp = ((uint64_t)(len >> HL_BYTESHIFT) + 1) * e->cost;
	uint64_t second = t->cpj_bytes * RATE_HZ;

	if (tmp > second)
		tmp = second;
	if (e->credit < tmp && e->credit_cap) {
		e->credit_cap--;
		e->credit = second;
	}
	return (uint32_t)tmp;
}

/*
 * The table's garbage collector (htable_gc) runs every gcinterval ms from
 * the table's creation (time 0 here) and removes the entries whose expiry
 * has come (time_after_eq). Between two packets the entries do not
 * change, so the last run before now stands for all of them.
 */
static void
hl_gc(struct hl_table *t, uint64_t now)
{
	struct kitem *it, *next;
	uint64_t      g;

	if (now < t->next_gc)
		return;
	g = now / t->gc_j * t->gc_j;
	for (it = t->map.head; it != NULL; it = next) {
		next = it->next;
		if (g >= ((struct hl_ent *)(void *)it)->expires) {
			kmap_del(&t->map, it);
			free(it);
		}
	}
	t->next_gc = g + t->gc_j;
}

/* hashlimit_init_dst: ports where proto_ports_offset finds them (TCP,
 * UDP, UDP-Lite, SCTP, DCCP: the ports; ESP and AH: the SPI's halves);
 * other protocols have port 0. */
static void
hl_key(const struct hashlimit *c, const struct fw_pkt *pk, uint32_t *key)
{
	uint16_t sp = 0, dp = 0;

	memset(key, 0, KEYWORDS * sizeof(*key));
	if (c->mode & HM_SIP)
		key[0] = mask_len(pk->src.u.w[0], c->srcmask);
	if (c->mode & HM_DIP)
		key[1] = mask_len(pk->dst.u.w[0], c->dstmask);
	if (!(c->mode & (HM_SPT | HM_DPT)))
		return;
	switch (pk->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		sp = pk->sport;
		dp = pk->dport;
		break;
	case IPPROTO_ESP:
	case IPPROTO_AH:
		sp = (uint16_t)(pk->spi >> 16);
		dp = (uint16_t)pk->spi;
		break;
	}
	if (c->mode & HM_SPT)
		key[2] |= (uint32_t)sp << 16;
	if (c->mode & HM_DPT)
		key[2] |= dp;
}

static bool
hashlimit_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct hashlimit *h = d;
	struct hl_table	       *t = h->tbl;
	struct hl_ent	       *e;
	uint32_t		key[KEYWORDS];
	uint64_t		now, cost;

	if (ev->rate == NULL || t == NULL)
		return false;
	now = rate_jiffies(ev->rate, pk);
	hl_gc(t, now);
	hl_key(&t->cfg, pk, key);
	if ((e = (struct hl_ent *)(void *)kmap_find(&t->map, key)) == NULL) {
		/* dsthash_alloc_init: a full table drops the packet
		 * ("hotdrop"), whatever the rule's target. */
		if (t->map.count >= t->max ||
		    (e = calloc(1, sizeof(*e))) == NULL) {
			ev->hotdrop = true;
			return false;
		}
		memcpy(e->it.key, key, sizeof(key));
		kmap_add(&t->map, &e->it);
		e->expires = now + t->expire_j;
		hl_init(t, e, now);
	} else {
		e->expires = now + t->expire_j;
		hl_recalc(t, e, now);
	}
	if (h->given & (1u << H_RATEMATCH)) {
		e->current_rate += h->bytes ? pk->len : 1;
		if (!e->prev_window && e->current_rate <= (uint64_t)e->burst)
			return !h->above;
		return h->above;
	}
	cost = h->bytes ? hl_byte_cost(t, e, pk->len) : e->cost;
	if (e->credit >= cost) {
		e->credit -= cost;
		return !h->above;
	}
	return h->above;
}

static int
hashlimit_bind(void *d, struct fw_rate *reg)
{
	struct hashlimit *h = d;
	struct hl_table	 *t;
	uint64_t	  size;

	for (t = reg->hl; t != NULL; t = t->next)
		if (strcmp(t->cfg.name, h->name) == 0)
			break;
	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return -1;
		t->cfg = *h;
		t->cfg.tbl = NULL;
		/* htable_create: sizes truncated to HASHLIMIT_MAX_SIZE, at
		 * most 8 entries per bucket by default, never fewer than
		 * the buckets. */
		size = h->size ? h->size : HL_DEFSIZE;
		if (size > HL_MAXSIZE)
			size = HL_MAXSIZE;
		t->max = h->max > HL_MAXSIZE ? HL_MAXSIZE : h->max;
		if (t->max == 0)
			t->max = 8 * size;
		else if (t->max < size)
			t->max = size;
		t->expire_j = ms_to_jiffies(h->expire);
		t->gc_j = ms_to_jiffies(h->gcint);
		if (t->gc_j == 0)
			t->gc_j = 1; /* the kernel refuses 0 (unsupported) */
		t->next_gc = t->gc_j;
		t->cpj = pow2_below(UINT64_MAX / (RATE_HZ * 86400ull));
		t->cpj_bytes = pow2_below(UINT32_MAX / RATE_HZ);
		kmap_init(&t->map, reg);
		t->next = reg->hl;
		reg->hl = t;
	}
	h->tbl = t;
	return 0;
}

/* hashlimit_mt_check_common refuses these when the rule is loaded. */
static const char *
hashlimit_unsupported(const void *d)
{
	const struct hashlimit *h = d;
	struct hl_table		t = { .cpj =
					  pow2_below(UINT64_MAX / (RATE_HZ * 86400ull)),
			.cpj_bytes = pow2_below(UINT32_MAX / RATE_HZ) };

	if (h->gcint == 0 || h->expire == 0)
		return "the kernel refuses a gcinterval or expire of 0";
	if (h->given & (1u << H_RATEMATCH)) {
		if (h->avg == 0 || h->avg > UINT32_MAX)
			return "the kernel refuses this rate (ERANGE)";
	} else if (h->bytes) {
		if (hl_user2credits_byte(&t, (uint32_t)h->avg) == 0)
			return "the kernel refuses this rate (too high)";
	} else if (h->burst == 0 ||
	    hl_user2credits(&t, h->avg * h->burst) <
		hl_user2credits(&t, h->avg)) {
		return "the kernel refuses this rate and burst (overflow, "
		       "ERANGE)";
	}
	return NULL;
}

const struct fw_matchdef fw_match_hashlimit = {
	.name = "hashlimit",
	.opts = hashlimit_opts,
	.size = sizeof(struct hashlimit),
	.parse = hashlimit_parse,
	.final = hashlimit_final,
	.save = hashlimit_save,
	.match = hashlimit_match,
	.bind = hashlimit_bind,
	.unsupported = hashlimit_unsupported,
};

static void
plain_free(struct kitem *it)
{
	free(it);
}

void
rate_free_hashlimit(struct fw_rate *reg)
{
	struct hl_table *h;

	while ((h = reg->hl) != NULL) {
		reg->hl = h->next;
		kmap_free_all(&h->map, plain_free);
		free(h);
	}
}
