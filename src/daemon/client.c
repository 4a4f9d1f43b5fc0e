/*
 * The client role: moat.conf's connections, started through the IKE
 * engine (ike_connect), and what the engine's up and down callbacks do
 * on this host. Up puts the virtual address on the TUN device, a route
 * through it for each split network (the CHILD_SAs' remote selectors)
 * and the DNS servers where the system reads them, then runs the
 * up-script. Down runs the down-script, then removes exactly what up
 * added, in reverse order, and reconnects with a backoff of 1, 2, 4 ...
 * 60 seconds unless moatctl down or a stopping moatd ended it.
 *
 * A connection has one IKE_SA at a time: it is started only when idle,
 * so the engine's down for its name is the end of what up did (an IKE_SA
 * rekey changes the SPIs but calls neither). Hooks run as children
 * watched from the event loop (proc.c); only while moatd stops are they
 * waited for, each at most its hook-timeout and the grace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "hook.h"
#include "ifconf.h"
#include "log.h"
#include "moatd.h"
#include "proc.h"

#define BACKOFF_MAX 60 /* seconds */
/* What the engine says when ike_disconnect ended an IKE_SA. */
#define WHY_USER "deleted by moatctl down"

enum cstate {
	C_IDLE,
	C_CONNECTING,
	C_UP,
	C_DOWN_HOOK /* the down-script runs; the undo follows it */
};

struct cconn {
	struct client	       *cl;
	const struct conf_conn *cc;
	struct ike_conn		ic;
	enum cstate		state;
	bool			want; /* to be up: auto start, moatctl up */
	uint64_t		spi_i;
	uint32_t		backoff; /* seconds until the next attempt */
	struct ev_timer		retry;
	/* What up added, which down removes. */
	struct addr   vip;
	bool	      vip_added;
	struct prefix route[HOOK_MAXSPLIT];
	size_t	      nroutes;
	bool	      dns_set;
	enum conf_dns dns_method;
	char	      dns_file[PATH_MAX];
	struct addr   dns[IKE_MAXDNS];
	size_t	      ndns;
	/* The down-script's environment, from what up was told. */
	struct hook_env env_down;
	struct proc	hook;
	char		tag[CONF_NAMEMAX + 32];
};

struct client {
	struct moatd *d;
	struct cconn  conn[CONF_MAXCONNS];
	int	      n;
	bool	      stopping;
	struct cconn *dns_owner; /* the TUN device has one DNS setting */
};

static void connect_now(struct cconn *);

static struct cconn *
find(struct client *cl, const char *name)
{
	int i;

	for (i = 0; name != NULL && i < cl->n; i++)
		if (strcmp(cl->conn[i].cc->name, name) == 0)
			return &cl->conn[i];
	return NULL;
}

static void
schedule(struct cconn *k)
{
	log_info(
	    "connection %s: connecting again in %u s", k->cc->name, k->backoff);
	ev_timer_add(k->cl->d->loop, &k->retry, (uint64_t)k->backoff * 1000);
	k->backoff =
	    k->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : k->backoff * 2;
}

static void
on_retry(void *arg)
{
	struct cconn *k = arg;

	if (k->want && k->state == C_IDLE && !k->cl->stopping)
		connect_now(k);
}

static void
connect_now(struct cconn *k)
{
	k->state = C_CONNECTING;
	/* A start that fails at once may have told us through down. */
	if (ike_connect(k->cl->d->ike, &k->ic) == -1 &&
	    k->state == C_CONNECTING) {
		log_error(
		    "connection %s: cannot start IKE_SA_INIT", k->cc->name);
		k->state = C_IDLE;
		schedule(k);
	}
}

static const char *
prefixes(const struct prefix *p, size_t n, char *buf, size_t len)
{
	char   s[PREFIX_STRLEN];
	size_t i, used = 0;
	int    w;

	snprintf(buf, len, "none");
	for (i = 0; i < n; i++) {
		w = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
		    prefix_ntop(&p[i], s, sizeof(s)));
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

static void
set_dns(struct cconn *k, const struct ike_sa_info *in)
{
	struct client *cl = k->cl;
	const char    *dev = cl->d->conf.tunnel;
	enum conf_dns  m;
	size_t	       n = in->ndns < IKE_MAXDNS ? in->ndns : IKE_MAXDNS;

	if (n == 0)
		return;
	m = dns_resolve(k->cc->dns, k->cc->dns_file, k->dns_file);
	if (m == CONF_DNS_NONE)
		return;
	if (cl->dns_owner != NULL && cl->dns_owner != k) {
		log_warn("connection %s: DNS servers not set: connection %s "
			 "holds %s's",
		    k->cc->name, cl->dns_owner->cc->name, dev);
		return;
	}
	if (dns_set(m, k->dns_file, dev, in->dns, n) == -1)
		return;
	k->dns_set = true;
	k->dns_method = m;
	memcpy(k->dns, in->dns, n * sizeof(k->dns[0]));
	k->ndns = n;
	cl->dns_owner = k;
}

/* Up's changes to the host, each remembered only if it was made. */
static void
apply(struct cconn *k, const struct ike_sa_info *in)
{
	const char   *dev = k->cl->d->conf.tunnel;
	struct prefix split[HOOK_MAXSPLIT];
	char	      s[ADDR_STRLEN], p[PREFIX_STRLEN],
	    list[HOOK_MAXSPLIT * PREFIX_STRLEN];
	size_t i, n;

	k->vip = in->vip;
	if (k->vip.af != 0) {
		if (ifconf_addr(true, &k->vip, dev) == 0)
			k->vip_added = true;
		else if (errno == EEXIST)
			log_warn("connection %s: %s/32 is on %s already: "
				 "used, and left there at down",
			    k->cc->name, addr_ntop(&k->vip, s, sizeof(s)), dev);
	}
	n = hook_split(in, split, HOOK_MAXSPLIT);
	for (i = 0; i < n; i++) {
		if (ifconf_route(true, &split[i], &k->vip, dev) == 0)
			k->route[k->nroutes++] = split[i];
		else if (errno == EEXIST)
			log_warn("connection %s: a route to %s exists: not "
				 "taken over",
			    k->cc->name, prefix_ntop(&split[i], p, sizeof(p)));
	}
	set_dns(k, in);
	log_info("connection %s: up: address %s, routes via %s: %s, DNS: %s",
	    k->cc->name,
	    k->vip.af != 0 ? addr_ntop(&k->vip, s, sizeof(s)) : "none", dev,
	    prefixes(k->route, k->nroutes, list, sizeof(list)),
	    k->dns_set ?
		(k->dns_method == CONF_DNS_RESOLVED	     ? "resolved" :
			k->dns_method == CONF_DNS_RESOLVCONF ? "resolvconf" :
							       k->dns_file) :
		"not set");
}

/* Down's undo: exactly what apply recorded, in reverse order. */
static void
undo(struct cconn *k)
{
	const char *dev = k->cl->d->conf.tunnel;

	if (k->dns_set) {
		dns_unset(k->dns_method, k->dns_file, dev, k->dns, k->ndns);
		k->dns_set = false;
		if (k->cl->dns_owner == k)
			k->cl->dns_owner = NULL;
	}
	while (k->nroutes > 0)
		ifconf_route(false, &k->route[--k->nroutes], &k->vip, dev);
	if (k->vip_added)
		ifconf_addr(false, &k->vip, dev);
	k->vip_added = false;
	log_info("connection %s: its address, routes and DNS are removed",
	    k->cc->name);
}

static void
down_finish(struct cconn *k)
{
	undo(k);
	k->state = C_IDLE;
	if (k->want && !k->cl->stopping)
		schedule(k);
}

static void
down_done(void *arg, const struct proc *p)
{
	struct cconn *k = arg;
	char	      r[64];

	if (!proc_ok(p))
		log_error("%s %s", k->tag, proc_result(p, r, sizeof(r)));
	down_finish(k);
}

static void
up_done(void *arg, const struct proc *p)
{
	struct cconn *k = arg;
	char	      r[64];

	if (proc_ok(p)) {
		log_info("%s done", k->tag);
		return;
	}
	log_error("%s %s (hook-failure %s)", k->tag,
	    proc_result(p, r, sizeof(r)),
	    k->cc->hook_down ? "down: taking the connection down" :
			       "ignore: the tunnel stays up");
	if (!k->cc->hook_down || k->state != C_UP)
		return;
	k->want = false; /* until moatctl up: the script would fail again */
	ike_disconnect(k->cl->d->ike, k->cc->name, 0);
}

static int
run_hook(struct cconn *k, const char *which, const char *script,
    char *const envp[], proc_done_cb *done)
{
	char *argv[] = { (char *)script, NULL };

	snprintf(
	    k->tag, sizeof(k->tag), "connection %s: %s", k->cc->name, which);
	return proc_start(&k->hook, k->cl->stopping ? NULL : k->cl->d->loop,
	    k->tag, argv, envp, NULL, k->cc->hook_timeout * 1000, done, k);
}

void
client_on_up(void *arg, const struct ike_sa_info *in)
{
	struct moatd	*d = arg;
	struct cconn	*k;
	struct hook_env *env;

	if (d->client == NULL || (k = find(d->client, in->conn)) == NULL)
		return;
	if (k->state == C_UP || k->state == C_DOWN_HOOK) {
		log_warn("connection %s: up again: replacing what it added",
		    in->conn);
		proc_stop(&k->hook);
		undo(k);
	}
	ev_timer_del(d->loop, &k->retry);
	k->state = C_UP;
	k->spi_i = in->spi_i;
	k->backoff = 1;
	apply(k, in);
	if (hook_env_build(
		&k->env_down, "down", k->cc->name, d->conf.tunnel, in) == -1)
		log_error("connection %s: the hooks' environment is too large",
		    k->cc->name);
	if (k->cc->up_script[0] == '\0')
		return;
	if ((env = malloc(sizeof(*env))) == NULL)
		return;
	if (hook_env_build(env, "up", k->cc->name, d->conf.tunnel, in) == 0 &&
	    run_hook(k, "up-script", k->cc->up_script, env->envp, up_done) ==
		0 &&
	    d->client->stopping)
		proc_wait(&k->hook);
	free(env);
}

void
client_on_down(void *arg, const struct ike_sa_info *in, const char *why)
{
	struct moatd *d = arg;
	struct cconn *k;

	if (d->client == NULL || (k = find(d->client, in->conn)) == NULL)
		return;
	if (strcmp(why, WHY_USER) == 0)
		k->want = false;
	switch (k->state) {
	case C_CONNECTING:
		log_info(
		    "connection %s: not established: %s", k->cc->name, why);
		k->state = C_IDLE;
		if (k->want && !k->cl->stopping)
			schedule(k);
		return;
	case C_UP:
		break;
	default:
		return;
	}
	log_info("connection %s: down: %s", k->cc->name, why);
	if (k->hook.running) {
		log_info("%s: still running, stopping it", k->tag);
		proc_stop(&k->hook);
	}
	k->state = C_DOWN_HOOK;
	if (k->cc->down_script[0] != '\0' &&
	    hook_env_add(&k->env_down, "MOAT_REASON", "%s", why) == 0 &&
	    run_hook(k, "down-script", k->cc->down_script, k->env_down.envp,
		down_done) == 0) {
		if (k->cl->stopping)
			proc_wait(&k->hook);
		return;
	}
	down_finish(k);
}

int
client_load(struct moatd *d)
{
	struct conf  *c = &d->conf;
	struct cconn *k;
	int	      i;

	if (c->nconns == 0)
		return 0;
	if ((d->client = calloc(1, sizeof(*d->client))) == NULL)
		return -1;
	d->client->d = d;
	for (i = 0; i < c->nconns; i++) {
		k = &d->client->conn[d->client->n++];
		k->cl = d->client;
		k->cc = &c->conn[i];
		k->backoff = 1;
		k->hook.pidfd = k->hook.outfd = -1;
		ev_timer_init(&k->retry, on_retry, k);
		snprintf(k->ic.name, sizeof(k->ic.name), "%s", k->cc->name);
		k->ic.remote = k->cc->gateway;
		k->ic.port = 500;
		k->ic.natt_port = c->natt_port != 0 ? c->natt_port : 4500;
		if (ike_id_parse(k->cc->rid, &k->ic.ridtype, k->ic.rid,
			sizeof(k->ic.rid), &k->ic.ridlen) == -1) {
			log_error("%s:%u: connection %s: remote-identity '%s' "
				  "is not an IKE identity",
			    d->conf_file, k->cc->line, k->cc->name, k->cc->rid);
			return -1;
		}
		if (k->cc->psklen > 0) {
			k->ic.psk = k->cc->psk;
			k->ic.psklen = k->cc->psklen;
		}
		memcpy(k->ic.remote_ts, k->cc->remote_ts,
		    (size_t)k->cc->nremote_ts * sizeof(k->ic.remote_ts[0]));
		k->ic.nremote_ts = (size_t)k->cc->nremote_ts;
	}
	return 0;
}

void
client_start(struct moatd *d)
{
	int i;

	if (d->client == NULL || d->ike == NULL)
		return;
	for (i = 0; i < d->client->n; i++) {
		d->client->conn[i].want = d->client->conn[i].cc->autostart;
		if (d->client->conn[i].want)
			connect_now(&d->client->conn[i]);
	}
}

int
client_connect(struct moatd *d, const char *name)
{
	struct cconn *k;

	if (d->client == NULL || (k = find(d->client, name)) == NULL)
		return -1;
	k->want = true;
	k->backoff = 1;
	if (k->state == C_IDLE) {
		ev_timer_del(d->loop, &k->retry);
		connect_now(k);
	}
	return 0;
}

int
client_disconnect(struct moatd *d, const char *name)
{
	struct cconn *k;

	if (d->client == NULL || (k = find(d->client, name)) == NULL)
		return -1;
	k->want = false;
	ev_timer_del(d->loop, &k->retry);
	return (int)ike_disconnect(d->ike, name, 0);
}

/* SIGTERM: each connection's Delete sent, its hooks run to their end
 * and what it added removed, before the TUN device goes. */
void
client_stop(struct moatd *d)
{
	struct cconn *k;
	int	      i;

	if (d->client == NULL)
		return;
	d->client->stopping = true;
	for (i = 0; i < d->client->n; i++) {
		k = &d->client->conn[i];
		k->want = false;
		if (d->loop != NULL)
			ev_timer_del(d->loop, &k->retry);
		proc_wait(&k->hook);
		if ((k->state == C_UP || k->state == C_CONNECTING) &&
		    d->ike != NULL)
			ike_disconnect(d->ike, k->cc->name, 0);
		proc_wait(&k->hook);
		if (k->state != C_IDLE) /* the engine did not say down */
			down_finish(k);
	}
}

void
client_free(struct moatd *d)
{
	if (d->client == NULL)
		return;
	explicit_bzero(d->client, sizeof(*d->client));
	free(d->client);
	d->client = NULL;
}
