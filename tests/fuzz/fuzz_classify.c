/*
 * Fuzz the compiled classifier against the linear walk: a ruleset that
 * loads and can be evaluated goes into two evaluators, one compiled and
 * one linear, and packets made from the corners of every rule's box (and
 * a few fixed ones) must get the same verdict from the same rule.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXPKTS 256

static struct fw_ruleset *
load(const uint8_t *data, size_t size)
{
	struct fw_diag	   d = { 0 };
	struct fw_ruleset *rs;
	FILE		  *f;

	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return NULL;
	rs = fw_ruleset_new();
	if (rs != NULL &&
	    (fw_restore(rs, f, &d) == -1 ||
		fw_evaluable(rs, FW_FILTER, &d) == -1)) {
		fw_ruleset_free(rs);
		rs = NULL;
	}
	fclose(f);
	return rs;
}

/* An interface name a pattern admits ("eth+" gives "eth"). */
static void
name_for(const struct fw_ifc *f, char *out)
{
	size_t n = strlen(f->name);

	snprintf(out, IFNAMSIZ, "%s", f->inv || n == 0 ? "fz0" : f->name);
	if (!f->inv && n > 0 && out[n - 1] == '+')
		out[n - 1] = '\0';
}

/* A packet at a corner of box b: low or high ends, by which. */
static void
corner(const struct fw_box *b, unsigned int which, enum fw_hook h,
    struct fw_pkt *pk)
{
	uint32_t v[FW_NDIM];
	int	 d;

	memset(pk, 0, sizeof(*pk));
	for (d = 0; d < FW_NDIM; d++) {
		v[d] = 0;
		if (b->d[d].n > 0)
			v[d] = which & (1u << d) ?
			    b->d[d].iv[b->d[d].n - 1].hi :
			    b->d[d].iv[0].lo;
	}
	pk->hook = h;
	pk->src.af = pk->dst.af = AF_INET;
	pk->src.u.v4.s_addr = htonl(v[FW_DIM_SRC]);
	pk->dst.u.v4.s_addr = htonl(v[FW_DIM_DST]);
	pk->proto = (uint8_t)v[FW_DIM_PROTO];
	pk->sport = (uint16_t)v[FW_DIM_SPORT];
	pk->dport = (uint16_t)v[FW_DIM_DPORT];
	pk->icmp_type = pk->proto == 1 ? 8 : -1;
	pk->tcp_flags = 0x02;
	pk->len = 100;
	pk->ttl = 64;
	pk->src_type = pk->dst_type = 1u << 1;
	if (h != FW_OUTPUT)
		name_for(&b->iif, pk->in);
	if (h != FW_INPUT)
		name_for(&b->oif, pk->out);
	if (which & 0x20) {
		pk->ipsec_in.n = 1;
		pk->ipsec_in.sa[0].mode = FW_MODE_TUNNEL;
		pk->ipsec_in.sa[0].proto = 50;
	}
	pk->fragment = (which & 0x40) != 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fw_hook hooks[] = { FW_INPUT, FW_FORWARD, FW_OUTPUT };
	struct fw_ruleset	 *rs[2];
	struct fw_evaluator	 *e[2] = { NULL, NULL };
	struct fw_verdict	  v[2];
	struct fw_pkt		  pk;
	const struct fw_table	 *tb;
	struct fw_box		  b;
	size_t			  i, j, n = 0;
	int			  k, h;

	rs[0] = load(data, size);
	rs[1] = load(data, size);
	if (rs[0] == NULL || rs[1] == NULL ||
	    (e[0] = fw_evaluator_new(rs[0], FW_FILTER, 64)) == NULL ||
	    (e[1] = fw_evaluator_new(rs[1], FW_FILTER, 64)) == NULL)
		goto out;
	fw_evaluator_linear(e[1], true);
	tb = &rs[0]->t[FW_FILTER];
	for (i = 0; tb != NULL && i < tb->nchains && n < MAXPKTS; i++)
		for (j = 0; j < tb->chains[i]->nrules && n < MAXPKTS; j++) {
			fw_rule_box(tb->chains[i]->rules[j], &b, false);
			for (h = 0; h < 3; h++, n++) {
				corner(&b, (unsigned int)(n * 37 + j), hooks[h],
				    &pk);
				for (k = 0; k < 2; k++)
					fw_lookup(e[k], &pk, FW_CT_NEW, &v[k]);
				if (strcmp(v[0].verdict, v[1].verdict) != 0 ||
				    strcmp(v[0].chain, v[1].chain) != 0 ||
				    v[0].rule != v[1].rule)
					abort();
			}
		}
out:
	for (k = 0; k < 2; k++) {
		fw_evaluator_free(e[k]);
		fw_ruleset_free(rs[k]);
	}
	return 0;
}
