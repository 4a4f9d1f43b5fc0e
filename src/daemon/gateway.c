/*
 * The gateway role: the IKE engine wired to moatd. IKE messages come and
 * go over the data plane's channel; client identities and secrets come
 * from moat.conf's client lines; virtual addresses from the pool; a
 * CHILD_SA becomes two SAs and its policies in the data plane's SAD and
 * SPD, applied whole or not at all (esp_sadb_apply).
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ike.h"
#include "log.h"
#include "moatd.h"
#include "pool.h"

#define REPLAY_WINDOW 128
#define OPS_MAX (2 + 3 * IKE_MAXSPLIT * IKE_MAXSPLIT)

static void
gw_send(void *arg, const struct ike_path *p, const uint8_t *msg, size_t len)
{
	struct moatd	  *d = arg;
	struct esp_ike_hdr h = { .local = p->local,
		.remote = p->remote,
		.lport = p->lport,
		.rport = p->rport };
	struct iovec	   iov[2] = { { &h, sizeof(h) }, { (void *)msg, len } };
	struct msghdr	   m = { .msg_iov = iov, .msg_iovlen = 2 };

	if (sendmsg(d->ikefd, &m, MSG_DONTWAIT) == -1)
		log_error("IKE: cannot hand a message to the data plane: %s",
		    strerror(errno));
}

/* FQDN and e-mail identities compare without case, as DNS names do. */
static int
gw_peer(void *arg, const char *id, struct ike_peer *p)
{
	struct moatd		 *d = arg;
	const struct conf_client *c, *any = NULL;
	int			  i;

	for (i = 0; i < d->conf.nclients; i++) {
		c = &d->conf.client[i];
		if (strcmp(c->id, "*") == 0) {
			any = c;
			continue;
		}
		if (strcasecmp(c->id, id) == 0) {
			any = c;
			break;
		}
	}
	if (any == NULL)
		return -1;
	p->cert = any->auth == CONF_AUTH_CERT;
	p->psk = any->psk;
	p->psklen = any->psklen;
	return 0;
}

static int
gw_lease(void *arg, const char *id, struct addr *a)
{
	struct moatd *d = arg;

	return d->pool == NULL ? -1 : pool_acquire(d->pool, id, ev_now_ms(), a);
}

static void
gw_unlease(void *arg, const char *id)
{
	struct moatd *d = arg;

	if (d->pool != NULL)
		pool_release(d->pool, id, ev_now_ms());
}

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

static int
gw_child_add(void *arg, const struct ike_child_sa *c)
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

static void
gw_child_del(void *arg, const struct ike_child_sa *c, bool keep_policy)
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

static void
on_ike(int fd, uint32_t events, void *arg)
{
	struct moatd	  *d = arg;
	struct esp_ike_hdr h;
	struct ike_path	   p;
	struct iovec	   iov[2] = { { &h, sizeof(h) },
		      { d->ikebuf, sizeof(d->ikebuf) } };
	struct msghdr	   m = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t		   n;

	(void)events;
	while ((n = recvmsg(fd, &m, MSG_DONTWAIT)) > 0) {
		if ((size_t)n < sizeof(h) || (m.msg_flags & MSG_TRUNC))
			continue;
		p = (struct ike_path){ .local = h.local,
			.remote = h.remote,
			.lport = h.lport,
			.rport = h.rport };
		ike_input(d->ike, &p, d->ikebuf, (size_t)n - sizeof(h));
		m.msg_flags = 0;
	}
}

/* Everything the gateway needs from files, loaded before anything runs
 * (moatd -n stops after this). */
int
gateway_load(struct moatd *d)
{
	struct conf *c = &d->conf;
	const char  *cas[CONF_MAXCA];
	char	     err[512];
	int	     i;

	if (!c->ike)
		return 0;
	if (ike_id_parse(c->id, &d->idtype, d->id, sizeof(d->id), &d->idlen) ==
	    -1) {
		log_error("%s: identity '%s' is not an IKE identity",
		    d->conf_file, c->id);
		return -1;
	}
	if (c->cert[0] != '\0') {
		if (ike_cred_load(
			&d->cred, c->cert, c->key, err, sizeof(err)) == -1) {
			log_error("%s", err);
			return -1;
		}
		d->has_cred = true;
	}
	for (i = 0; i < c->nca; i++)
		cas[i] = c->ca[i];
	if (c->nca > 0 &&
	    (d->cas = ike_ca_load(cas, (size_t)c->nca, err, sizeof(err))) ==
		NULL) {
		log_error("%s", err);
		return -1;
	}
	if (c->pool.addr.af != 0 &&
	    (d->pool = pool_new(&c->pool, &c->local, 1)) == NULL) {
		log_error("%s: pool: no usable address", d->conf_file);
		return -1;
	}
	return 0;
}

int
gateway_start(struct moatd *d)
{
	struct conf    *c = &d->conf;
	struct ike_conf ic = { .local = c->local,
		.idtype = d->idtype,
		.idlen = d->idlen,
		.cred = d->has_cred ? &d->cred : NULL,
		.cas = d->cas,
		.ike_prop = c->ike_prop,
		.nike_prop = (size_t)c->nike_prop,
		.esp_prop = c->esp_prop,
		.nesp_prop = (size_t)c->nesp_prop,
		.pool = d->pool != NULL,
		.ike_lifetime = c->ike_lifetime,
		.child_lifetime = c->child_lifetime,
		.dpd = c->dpd,
		.keylog = c->keylog[0] != '\0' ? c->keylog : NULL };
	struct ike_ops	ops = { .arg = d,
		 .send = gw_send,
		 .peer = gw_peer,
		 .lease = gw_lease,
		 .unlease = gw_unlease,
		 .child_add = gw_child_add,
		 .child_del = gw_child_del };
	int		i;

	if (!c->ike)
		return 0;
	memcpy(ic.id, d->id, d->idlen);
	for (i = 0; i < c->ndns && i < IKE_MAXDNS; i++)
		ic.dns[ic.ndns++] = c->dns[i];
	for (i = 0; i < c->nsplit && i < IKE_MAXSPLIT; i++)
		ic.split[ic.nsplit++] = c->split[i];
	d->ikefd = esp_dp_ike_fd(d->dp);
	if ((d->ike = ike_new(&ic, &ops, d->loop)) == NULL ||
	    ev_io_add(d->loop, &d->ikeio, d->ikefd, EPOLLIN, on_ike, d) == -1)
		return -1;
	log_info("IKEv2 gateway %s on %s ports 500 and %u", c->id,
	    addr_ntop(&c->local, (char[ADDR_STRLEN]){ 0 }, ADDR_STRLEN),
	    c->natt_port);
	return 0;
}

void
gateway_stop(struct moatd *d)
{
	if (d->ike != NULL) {
		ike_free(d->ike);
		d->ike = NULL;
	}
	if (d->has_cred)
		ike_cred_free(&d->cred);
	d->has_cred = false;
	X509_STORE_free(d->cas);
	d->cas = NULL;
	pool_free(d->pool);
	d->pool = NULL;
}
