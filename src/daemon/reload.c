/*
 * moatctl reload: moat.conf and the ruleset read again. Both are read
 * and checked whole before anything changes; the new ruleset replaces
 * the running one in one step on the data plane's thread
 * (fw_evaluator_swap, through esp_dp_call), then the new configuration
 * replaces the old, which changes the client lines that future IKE_SAs
 * are checked against. Settings that the TUN device, the data plane,
 * the IKE engine or a connection were started with need a restart: a
 * file that changes one of them is refused and names them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"

#define F(kw, field)                                      \
	{                                                 \
		kw, offsetof(struct conf, field),         \
		    sizeof(((struct conf *)NULL)->field) \
	}

/* What a reload cannot change, by moat.conf(5)'s keywords; the client
 * lines and the rules path are left out. */
static const struct {
	const char *kw;
	size_t	    off, len;
} fixed[] = {
	F("tunnel", tunnel),
	F("mtu", mtu),
	F("local", local),
	F("outer-mtu", outer_mtu),
	F("natt-port", natt_port),
	F("queue", queue),
	F("keys", keys),
	F("route", route),
	F("route", nroutes),
	F("identity", id),
	F("identity", ike),
	F("certificate", cert),
	F("private-key", key),
	F("ca", ca),
	F("ca", nca),
	F("ike-proposal", ike_prop),
	F("ike-proposal", nike_prop),
	F("esp-proposal", esp_prop),
	F("esp-proposal", nesp_prop),
	F("pool", pool),
	F("dns", dns),
	F("dns", ndns),
	F("split", split),
	F("split", nsplit),
	F("ike-lifetime", ike_lifetime),
	F("child-lifetime", child_lifetime),
	F("dpd", dpd),
	F("keylog", keylog),
	F("connection", nconns),
};

/* A connection block as written, without where it was written. */
static bool
conn_same(const struct conf_conn *a, const struct conf_conn *b)
{
	size_t o = offsetof(struct conf_conn, gateway);

	return strcmp(a->name, b->name) == 0 &&
	    memcmp((const char *)a + o, (const char *)b + o, sizeof(*a) - o) ==
	    0;
}

/* The keywords whose values differ, to out; how many. conf_read zeroes
 * the whole struct first, so its padding compares equal. */
static int
changed(const struct conf *old, const struct conf *new, FILE *out)
{
	const char *last = NULL;
	size_t	    i;
	int	    n = 0;

	bool	    pool = !addr_eq(&old->pool.addr, &new->pool.addr) ||
	    !addr_eq(&old->pool.mask, &new->pool.mask);

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (memcmp((const char *)old + fixed[i].off,
			(const char *)new + fixed[i].off, fixed[i].len) == 0 ||
		    (last != NULL && strcmp(last, fixed[i].kw) == 0))
			continue;
		/* The pool brings its own route: say pool, not route. */
		if (pool && strcmp(fixed[i].kw, "route") == 0)
			continue;
		fprintf(out, "%s'%s'", n > 0 ? ", " : "", fixed[i].kw);
		last = fixed[i].kw;
		n++;
	}
	if (old->nconns == new->nconns)
		for (i = 0; i < (size_t)old->nconns; i++)
			if (!conn_same(&old->conn[i], &new->conn[i])) {
				fprintf(out, "%sconnection '%s'",
				    n > 0 ? ", " : "", old->conn[i].name);
				n++;
			}
	return n;
}

struct swap_call {
	struct moatd	  *d;
	struct fw_ruleset *rs, *old;
	struct fw_diag	   diag;
	int		   rc;
};

/* On the data plane's thread: between two batches, so every packet
 * meets either the old ruleset or the new one. */
static void
swap(void *arg)
{
	struct swap_call *c = arg;

	c->rc = fw_evaluator_swap(c->d->fw, c->rs, &c->old, &c->diag);
	if (c->rc == 0)
		c->d->rs = c->rs;
}

static size_t
nrules(const struct fw_ruleset *rs)
{
	char  *s = NULL;
	size_t len = 0, n = 0, i;
	FILE  *f;

	if ((f = open_memstream(&s, &len)) == NULL)
		return 0;
	fw_save(rs, f, false);
	fclose(f);
	for (i = 0; i < len; i++)
		n += s[i] == '-' && (i == 0 || s[i - 1] == '\n');
	free(s);
	return n;
}

int
control_reload(struct moatd *d, FILE *out)
{
	struct conf	*nc;
	struct swap_call c = { .d = d };
	FILE		*f;
	size_t		 n;
	int		 rc = -1;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		fprintf(out, "reload: out of memory\n");
		return -1;
	}
	if ((f = fopen(d->conf_file, "r")) == NULL) {
		fprintf(out, "%s: %s\n", d->conf_file, strerror(errno));
		goto refused;
	}
	rc = conf_read(f, d->conf_file, nc, out);
	fclose(f);
	if (rc == -1 || moatd_pool_route(nc, d->conf_file, out) == -1)
		goto refused;
	rc = -1;
	/* The socket is the one moatd listens on (-S may have named it). */
	memcpy(nc->control, d->conf.control, sizeof(nc->control));
	if (changed(&d->conf, nc, out) > 0) {
		fprintf(out,
		    " changed in %s: a restart of moatd applies that; "
		    "nothing was reloaded\n",
		    d->conf_file);
		goto out;
	}
	if ((c.rs = moatd_rules_read(nc->rules, out)) == NULL)
		goto refused;
	n = nrules(c.rs); /* now, while only this thread knows it */
	c.diag = (struct fw_diag){ .out = out, .file = nc->rules };
	esp_dp_call(d->dp, swap, &c);
	if (c.rc == -1) {
		fw_ruleset_free(c.rs);
		goto refused;
	}
	fw_ruleset_free(c.old);
	memcpy(&d->conf, nc, sizeof(d->conf));
	log_info("reload: %s and %s (%zu rules), %d clients", d->conf_file,
	    d->conf.rules, n, d->conf.nclients);
	fprintf(out, "reloaded %s: ruleset %s (%zu rules), %d clients\n",
	    d->conf_file, d->conf.rules, n, d->conf.nclients);
	rc = 0;
	goto out;
refused:
	fprintf(out, "reload: the running configuration and ruleset stay\n");
out:
	explicit_bzero(nc, sizeof(*nc));
	free(nc);
	return rc;
}
