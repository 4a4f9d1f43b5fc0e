/*
 * CHILD_SAs in the data plane, for both roles: a CHILD_SA becomes two SAs
 * (in and out) and, unless it rekeys one, three policies per pair of its
 * selectors, applied whole or not at all (esp_sadb_apply) on the data
 * plane's thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "moatd.h"
#include "sad.h"

#define REPLAY_WINDOW 128
#define OPS_MAX (2 + 3 * IKE_MAXSPLIT * IKE_MAXSPLIT)

struct apply_call {
	struct moatd	    *d;
	const struct esp_op *ops;
	size_t		     nops;
	FILE		    *err;
	int		     rc;
};

static void
apply(void *arg)
{
	struct apply_call *c = arg;

	c->rc = esp_sadb_apply(
	    c->d->sadb, c->ops, c->nops, "IKE", ev_now_ms(), c->err, c->err);
}

/* Applies a list on the data plane's thread; its errors are logged. */
static int
run_ops(struct moatd *d, const struct esp_op *ops, size_t n)
{
	struct apply_call c = { .d = d, .ops = ops, .nops = n };
	char		 *buf = NULL;
	size_t		  len = 0;

	if ((c.err = open_memstream(&buf, &len)) == NULL)
		return -1;
	esp_dp_call(d->dp, apply, &c);
	fclose(c.err);
	if (c.rc == -1)
		log_error("CHILD_SA: the data plane refused it: %s",
		    buf != NULL ? buf : "");
	free(buf);
	return c.rc;
}

static void
sa_op(struct esp_op *op, const struct ike_child_sa *c, bool in)
{
	struct esp_sa_params *p = &op->sa;

	memset(op, 0, sizeof(*op));
	op->kind = ESP_OP_ADD;
	p->src = in ? c->remote : c->local;
	p->dst = in ? c->local : c->remote;
	p->udp_encap = c->udp_encap;
	p->sport = in ? c->rport : c->lport;
	p->dport = in ? c->lport : c->rport;
	p->spi = in ? c->spi_in : c->spi_out;
	p->mode = ESP_MODE_TUNNEL;
	p->reqid = c->reqid;
	p->replay = REPLAY_WINDOW;
	p->esn = c->esn;
	p->enc = c->enc;
	p->auth = c->auth;
	memcpy(p->ekey, in ? c->ekey_in : c->ekey_out, c->ekeylen);
	p->ekeylen = c->ekeylen;
	memcpy(p->akey, in ? c->akey_in : c->akey_out, c->akeylen);
	p->akeylen = c->akeylen;
}

/* The policies of a CHILD_SA: out, in and fwd for each pair of its
 * selectors, bound to it by reqid (setkey's "unique"). */
static size_t
sp_ops(struct esp_op *op, const struct ike_child_sa *c, enum esp_op_kind k)
{
	static const enum esp_dir dirs[] = { ESP_DIR_OUT, ESP_DIR_IN,
		ESP_DIR_FWD };
	struct esp_spd_params	 *s;
	size_t			  i, j, n = 0;
	int			  di;

	for (i = 0; i < c->nlocal_ts; i++)
		for (j = 0; j < c->nremote_ts; j++)
			for (di = 0; di < 3; di++, n++) {
				memset(&op[n], 0, sizeof(op[n]));
				op[n].kind = k;
				s = &op[n].sp;
				s->dir = dirs[di];
				s->sel.proto = ESP_PROTO_ANY;
				s->sel.src =
				    di == 0 ? c->local_ts[i] : c->remote_ts[j];
				s->sel.dst =
				    di == 0 ? c->remote_ts[j] : c->local_ts[i];
				s->action = ESP_ACT_PROTECT;
				s->mode = ESP_MODE_TUNNEL;
				s->tsrc = di == 0 ? c->local : c->remote;
				s->tdst = di == 0 ? c->remote : c->local;
				s->level = ESP_LEVEL_UNIQUE;
				s->reqid = c->reqid;
			}
	return n;
}

int
sad_child_add(void *arg, const struct ike_child_sa *c)
{
	struct moatd  *d = arg;
	struct esp_op *ops;
	size_t	       n = 2;
	int	       rc;

	if ((ops = calloc(OPS_MAX, sizeof(*ops))) == NULL)
		return -1;
	sa_op(&ops[0], c, true);
	sa_op(&ops[1], c, false);
	if (c->rekeys_spi_in == 0)
		n += sp_ops(ops + 2, c, ESP_OP_SPDADD);
	rc = run_ops(d, ops, n);
	explicit_bzero(ops, OPS_MAX * sizeof(*ops));
	free(ops);
	return rc;
}

void
sad_child_del(void *arg, const struct ike_child_sa *c, bool keep_policy)
{
	struct moatd  *d = arg;
	struct esp_op *ops;
	size_t	       n = 2;
	int	       i;

	if ((ops = calloc(OPS_MAX, sizeof(*ops))) == NULL)
		return;
	for (i = 0; i < 2; i++) {
		ops[i].kind = ESP_OP_DELETE;
		ops[i].sa.src = i == 0 ? c->remote : c->local;
		ops[i].sa.dst = i == 0 ? c->local : c->remote;
		ops[i].sa.spi = i == 0 ? c->spi_in : c->spi_out;
	}
	if (!keep_policy)
		n += sp_ops(ops + 2, c, ESP_OP_SPDDELETE);
	run_ops(d, ops, n);
	free(ops);
}
