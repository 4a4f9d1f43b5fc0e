/*
 * Fuzz moat.conf's parser. A file it accepts must satisfy the rules the
 * daemon relies on (an IKE gateway has an identity, clients, proposals,
 * secrets of 1 to 256 bytes, certificate clients have a certificate, a
 * key and a CA, a pool is /8 to /30, the numbers are in range; a client
 * role's connections have unique names, a gateway, the gateway's ID and
 * a secret or certificates, hook timeouts and DNS methods in range), and
 * parsing the same input twice gives the same configuration.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
parse(const uint8_t *data, size_t size, struct conf *c, FILE *err)
{
	FILE *f;
	int   rc;

	if (size == 0)
		f = fopen("/dev/null", "r");
	else
		f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		abort();
	rc = conf_read(f, "/fuzz/moat.conf", c, err);
	fclose(f);
	return rc;
}

static void
check(const struct conf *c)
{
	int i, j, plen;

	if (c->tunnel[0] == '\0' || c->rules[0] == '\0' ||
	    c->local.af != AF_INET)
		abort();
	if (!c->ike) {
		if (c->nclients != 0 || c->nike_prop != 0)
			abort();
		return;
	}
	if (c->id[0] == '\0' || (c->nclients < 1 && c->nconns < 1) ||
	    c->nconns > CONF_MAXCONNS || c->nclients > CONF_MAXCLIENTS ||
	    c->nike_prop < 1 || c->nike_prop > CONF_MAXPROP ||
	    c->nesp_prop < 1 || c->nesp_prop > CONF_MAXPROP ||
	    c->nca > CONF_MAXCA || c->ndns > CONF_MAXDNS ||
	    c->nsplit > CONF_MAXSPLIT)
		abort();
	if ((c->cert[0] == '\0') != (c->key[0] == '\0'))
		abort();
	if (c->ike_lifetime < 10 || c->ike_lifetime > 86400 ||
	    c->child_lifetime < 10 || c->child_lifetime > 86400 ||
	    c->dpd > 3600)
		abort();
	if (c->pool.addr.af != 0) {
		plen = prefix_len(&c->pool);
		if (c->pool.addr.af != AF_INET || plen < 8 || plen > 30)
			abort();
	}
	for (i = 0; i < c->nike_prop; i++)
		if (c->ike_prop[i].proto != IKE_PROTO_IKE)
			abort();
	for (i = 0; i < c->nesp_prop; i++)
		if (c->esp_prop[i].proto != IKE_PROTO_ESP)
			abort();
	for (i = 0; i < c->nclients; i++) {
		const struct conf_client *cl = &c->client[i];

		if (cl->id[0] == '\0' ||
		    memchr(cl->id, '\0', CONF_IDMAX) == NULL || cl->line == 0)
			abort();
		if (cl->auth == CONF_AUTH_PSK &&
		    (cl->psklen < 1 || cl->psklen > CONF_PSKMAX ||
			strcmp(cl->id, "*") == 0))
			abort();
		if (cl->auth == CONF_AUTH_CERT &&
		    (cl->psklen != 0 || c->cert[0] == '\0' || c->nca < 1))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(c->client[j].id, cl->id) == 0)
				abort();
	}
	for (i = 0; i < c->nconns; i++) {
		const struct conf_conn *k = &c->conn[i];

		if (k->name[0] == '\0' || k->line == 0 ||
		    k->gateway.af != AF_INET || k->rid[0] == '\0' ||
		    k->psklen > CONF_PSKMAX || k->nremote_ts < 0 ||
		    k->nremote_ts > CONF_MAXSPLIT || k->hook_timeout < 1 ||
		    k->hook_timeout > 600 || k->dns > CONF_DNS_NONE ||
		    (k->dns == CONF_DNS_FILE) != (k->dns_file[0] != '\0'))
			abort();
		if (k->psklen == 0 && (c->cert[0] == '\0' || c->nca < 1))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(c->conn[j].name, k->name) == 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf a, b;
	FILE		  *err;
	int		   rc;

	if ((err = fopen("/dev/null", "w")) == NULL)
		abort();
	rc = parse(data, size, &a, err);
	if (rc == 0)
		check(&a);
	if (parse(data, size, &b, err) != rc)
		abort();
	if (rc == 0 && memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	fclose(err);
	return 0;
}
