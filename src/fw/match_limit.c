/* limit: XT_LIMIT_SCALE periods; the default is 3/hour, burst 5, and a
 * burst of 5 (or 0, which nf_tables' limit turns into 5) is not printed. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rate.h"

#define LIMIT_SCALE 10000
#define LIMIT_BURST 5

struct limit {
	uint64_t period;
	uint32_t burst;
	bool	 has_rate;
	/* nft_limit's bucket, in ns; set by bind. */
	uint64_t cost, tokens_max, tokens, last;
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

/*
 * iptables-nft 1.8.9 loads -m limit as nft_limit with the rate and unit it
 * prints (add_nft_limit), so the bucket is nft_limit_init's: a packet costs
 * unit * 10^9 / rate ns, the bucket holds cost * burst and starts full
 * (tokens_max; the same model as xt_limit's credit_cap = burst * cost, in
 * ns instead of jiffies). nft_limit_eval: tokens grow by the ns elapsed, up
 * to the cap; a packet matches if tokens >= cost and then takes cost.
 */
static int
limit_bind(void *d, struct fw_rate *reg)
{
	struct limit *l = d;
	size_t	      i = rate_unit(l->period, LIMIT_SCALE);
	uint64_t      rate = LIMIT_SCALE * rate_secs[i] / l->period;

	(void)reg;
	l->cost = rate_secs[i] * NSEC_PER_SEC / rate;
	l->tokens_max = l->cost * l->burst;
	l->tokens = l->tokens_max;
	l->last = 0; /* loaded at time 0, before every packet */
	return 0;
}

static bool
limit_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	struct limit *l = d;
	uint64_t      now, tokens;

	if (ev->rate == NULL)
		return false;
	now = rate_now(ev->rate, pk);
	tokens = l->tokens + (now - l->last);
	if (tokens > l->tokens_max)
		tokens = l->tokens_max;
	l->last = now;
	if (tokens >= l->cost) {
		l->tokens = tokens - l->cost;
		return true;
	}
	l->tokens = tokens;
	return false;
}

const struct fw_matchdef fw_match_limit = {
	.name = "limit",
	.opts = limit_opts,
	.size = sizeof(struct limit),
	.parse = limit_parse,
	.final = limit_final,
	.save = limit_save,
	.match = limit_match,
	.bind = limit_bind,
};
