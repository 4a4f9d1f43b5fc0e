/*
 * The gateway role: the IKE engine wired to moatd. IKE messages come and
 * go over the data plane's channel; client identities and secrets come
 * from moat.conf's client lines; virtual addresses from the pool; a
 * CHILD_SA becomes two SAs and its policies in the data plane's SAD and
 * SPD (sad.c, which the client role shares).
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
#include "sad.h"

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
		 .child_add = sad_child_add,
		 .child_del = sad_child_del,
		 .up = d->client != NULL ? client_on_up : NULL,
		 .down = d->client != NULL ? client_on_down : NULL };
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
	log_info("IKEv2 %s %s on %s ports 500 and %u",
	    c->nclients > 0 ? (c->nconns > 0 ? "gateway and client" : "gateway") :
			      "client",
	    c->id,
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
