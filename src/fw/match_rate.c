/*
 * Matches that count packets or connections over time: limit, hashlimit,
 * recent, connlimit. They are parsed and printed as iptables 1.8.9 does
 * (libxt_limit.c, libxt_hashlimit.c, libxt_recent.c, libxt_connlimit.c,
 * checked with iptables-save in a namespace) and refused by the evaluator
 * (no .match): their state is not implemented yet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fw_int.h"

/*
 * A rate "N[/second|minute|hour|day]" (any prefix of the unit, seconds by
 * default) as the period between packets in units of 1/scale second, as
 * libxt_limit's and libxt_hashlimit's parse_rate: N is read as atoi reads
 * it, and a period of 0 is too fast. *unit gets the unit in seconds.
 */
static int
parse_rate(const char *s, uint64_t scale, uint64_t *period, uint32_t *unit,
    const char **why)
{
	static const struct {
		const char *name;
		uint32_t    secs;
	} units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 },
		{ "day", 86400 } };
	const char *slash = strchr(s, '/');
	size_t	    i, n;
	long long   r;

	*unit = 1;
	if (slash != NULL) {
		n = strlen(slash + 1);
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (n > 0 &&
			    strncasecmp(slash + 1, units[i].name, n) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			*why = "bad rate (N/sec, N/min, N/hour or N/day)";
			return -1;
		}
		*unit = units[i].secs;
	}
	if ((r = atoll(s)) <= 0) {
		*why = "bad rate (N/sec, N/min, N/hour or N/day)";
		return -1;
	}
	if ((*period = scale * *unit / (uint64_t)r) == 0) {
		*why = "rate too fast";
		return -1;
	}
	return 0;
}

/* print_rate of libxt_limit and libxt_hashlimit: the largest unit that
 * still gives a whole number; returns that unit in milliseconds. */
static uint32_t
save_rate(FILE *f, uint64_t period, uint64_t scale)
{
	static const char *const names[] = { "day", "hour", "min", "sec" };
	const uint64_t mult[] = { scale * 86400, scale * 3600, scale * 60,
		scale };
	size_t	       i;

	for (i = 1; i < 4; i++)
		if (period > mult[i] || mult[i] / period < mult[i] % period)
			break;
	fprintf(f, " %ju/%s", (uintmax_t)(mult[i - 1] / period), names[i - 1]);
	return (uint32_t)(mult[i - 1] / scale * 1000);
}

/* limit: XT_LIMIT_SCALE periods; the default is 3/hour, burst 5, and a
 * burst of 5 (or 0, which nf_tables' limit turns into 5) is not printed. */
#define LIMIT_SCALE 10000
#define LIMIT_BURST 5

struct limit {
	uint64_t period;
	uint32_t burst;
	bool	 has_rate;
};

static const struct fw_opt limit_opts[] = { { "limit", 0, 1, false },
	{ "limit-burst", 1, 1, false }, { NULL, 0, 0, false } };

static int
limit_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct limit *l = d;
	const char   *why;
	uint32_t      unit;
	uintmax_t     v;

	(void)inv;
	if (id == 0) {
		if (parse_rate(args[0], LIMIT_SCALE, &l->period, &unit, &why) ==
		    -1) {
			fw_error(p->diag, "--limit '%s': %s", args[0], why);
			return -1;
		}
		l->has_rate = true;
		return 0;
	}
	if (ipt_strtoui(args[0], 0, 10000, &v) == -1) {
		fw_error(p->diag,
		    "--limit-burst '%s': a number from 0 to "
		    "10000",
		    args[0]);
		return -1;
	}
	l->burst = (uint32_t)v;
	return 0;
}

static int
limit_final(struct fw_parse *p, void *d)
{
	struct limit *l = d;

	(void)p;
	if (!l->has_rate)
		l->period = (uint64_t)LIMIT_SCALE * 3600 / 3;
	if (l->burst == 0)
		l->burst = LIMIT_BURST;
	return 0;
}

static void
limit_save(const void *d, FILE *f)
{
	const struct limit *l = d;

	fputs(" --limit", f);
	save_rate(f, l->period, LIMIT_SCALE);
	if (l->burst != LIMIT_BURST)
		fprintf(f, " --limit-burst %u", l->burst);
}

const struct fw_matchdef fw_match_limit = {
	.name = "limit",
	.opts = limit_opts,
	.size = sizeof(struct limit),
	.parse = limit_parse,
	.final = limit_final,
	.save = limit_save,
};

/*
 * hashlimit (revision 3): packet rates in 1/1000000 second periods, or
 * byte rates ("Nb/s", "Nkb/s", "Nmb/s") kept as xt_hashlimit's cost. An
 * expiry equal to the printed rate's unit (in ms) is not printed; when
 * not given it is that unit of the rate as written (15 s for byte rates,
 * 60 s with a byte burst), so "60/min" prints "1/sec" and the expiry.
 */
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
	unsigned int given; /* 1 << H_* */
	bool	     above, bytes;
	uint64_t     avg, burst;
	uint32_t     unit; /* of the rate as written, seconds */
	unsigned int mode;
	uint32_t     srcmask, dstmask, size, max, gcint, expire, interval;
	char	     name[HL_NAMEMAX];
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
		} else
			h->burst = 0;
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

const struct fw_matchdef fw_match_hashlimit = {
	.name = "hashlimit",
	.opts = hashlimit_opts,
	.size = sizeof(struct hashlimit),
	.parse = hashlimit_parse,
	.final = hashlimit_final,
	.save = hashlimit_save,
};

/*
 * recent: lists of recently seen addresses. The name defaults to DEFAULT
 * and the mask to 255.255.255.255, and both are always printed; the name
 * is printed as it is, unquoted. xt_recent's checkentry refuses --seconds,
 * --hitcount, --rttl and --reap with --set and --remove, and a hitcount
 * of 65536 or more (XT_RECENT_MAX_NSTAMPS).
 */
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
	int	       cmd; /* RC_SET ... RC_REMOVE, -1: none */
	bool	       inv, cmd_given, rdest, rttl, reap;
	uint32_t       seconds, hitcount;
	struct in_addr mask;
	bool	       mask_given;
	char	       name[RECENT_NAMELEN];
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

const struct fw_matchdef fw_match_recent = {
	.name = "recent",
	.opts = recent_opts,
	.size = sizeof(struct recent),
	.parse = recent_parse,
	.final = recent_final,
	.save = recent_save,
};

/*
 * connlimit: the number of connections per source (or destination)
 * group. All three options are always printed; the mask is read as a
 * prefix length up to 255 and printed as the IPv4 part of it, so 33 and
 * more print 32 (libxt_connlimit's count of the first word's bits).
 */
enum { CL_UPTO, CL_ABOVE, CL_MASK, CL_SADDR, CL_DADDR };

struct connlimit {
	uint32_t limit;
	bool	 above, given;
	uint32_t mask;
	bool	 daddr, mask_given, side_given;
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

const struct fw_matchdef fw_match_connlimit = {
	.name = "connlimit",
	.opts = connlimit_opts,
	.size = sizeof(struct connlimit),
	.parse = connlimit_parse,
	.final = connlimit_final,
	.save = connlimit_save,
};
