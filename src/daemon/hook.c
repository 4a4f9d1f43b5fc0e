/*
 * The hooks' environment (hook.h). Each value is one word or a list
 * separated by single blanks, so that a shell script can use $MOAT_SPLIT
 * unquoted in a for loop. The SPIs and the reqid are the first CHILD_SA's
 * (the one IKE_AUTH made), the SPIs in hex as ip-xfrm(8) prints them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hook.h"

#define HOOK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void
hook_env_init(struct hook_env *e)
{
	memset(e->envp, 0, sizeof(e->envp));
	e->n = 0;
	e->used = 0;
}

int
hook_env_add(struct hook_env *e, const char *name, const char *fmt, ...)
{
	va_list ap;
	size_t	left = sizeof(e->buf) - e->used;
	int	a, b;

	if (e->n == HOOK_NENV)
		return -1;
	a = snprintf(e->buf + e->used, left, "%s=", name);
	if (a < 0 || (size_t)a >= left)
		return -1;
	va_start(ap, fmt);
	b = vsnprintf(e->buf + e->used + a, left - (size_t)a, fmt, ap);
	va_end(ap);
	if (b < 0 || (size_t)b >= left - (size_t)a)
		return -1;
	e->envp[e->n++] = e->buf + e->used;
	e->envp[e->n] = NULL;
	e->used += (size_t)a + (size_t)b + 1;
	return 0;
}

size_t
hook_split(const struct ike_sa_info *in, struct prefix *out, size_t max)
{
	const struct ike_child_info *c;
	size_t			     i, j, k, n = 0;

	for (i = 0; i < in->nchild && i < IKE_MAXSPLIT; i++) {
		c = &in->child[i];
		for (j = 0; j < c->nremote_ts; j++) {
			for (k = 0; k < n; k++)
				if (addr_eq(
					&out[k].addr, &c->remote_ts[j].addr) &&
				    addr_eq(
					&out[k].mask, &c->remote_ts[j].mask))
					break;
			if (k == n && n < max)
				out[n++] = c->remote_ts[j];
		}
	}
	return n;
}

/* A list of words into buf: "" when empty. */
static const char *
words_prefix(const struct prefix *p, size_t n, char *buf, size_t len)
{
	char   s[PREFIX_STRLEN];
	size_t i, used = 0;
	int    w;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
		    prefix_ntop(&p[i], s, sizeof(s)));
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

static const char *
words_addr(const struct addr *a, size_t n, char *buf, size_t len)
{
	char   s[ADDR_STRLEN];
	size_t i, used = 0;
	int    w;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
		    addr_ntop(&a[i], s, sizeof(s)));
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

int
hook_env_build(struct hook_env *e, const char *event, const char *conn,
    const char *tunnel, const struct ike_sa_info *in)
{
	struct prefix		     split[HOOK_MAXSPLIT];
	const struct ike_child_info *c = in->nchild > 0 ? &in->child[0] : NULL;
	char l[ADDR_STRLEN], r[ADDR_STRLEN], v[ADDR_STRLEN],
	    list[HOOK_MAXSPLIT * PREFIX_STRLEN];
	char   spi_in[16] = "", spi_out[16] = "", reqid[16] = "";
	size_t n = hook_split(in, split, HOOK_MAXSPLIT);

	hook_env_init(e);
	addr_ntop(&in->path.local, l, sizeof(l));
	addr_ntop(&in->path.remote, r, sizeof(r));
	if (in->vip.af != 0)
		addr_ntop(&in->vip, v, sizeof(v));
	else
		v[0] = '\0';
	if (c != NULL) {
		snprintf(spi_in, sizeof(spi_in), "0x%08x", c->spi_in);
		snprintf(spi_out, sizeof(spi_out), "0x%08x", c->spi_out);
		snprintf(reqid, sizeof(reqid), "%u", c->reqid);
	}
	if (hook_env_add(e, "PATH", "%s", HOOK_PATH) == -1 ||
	    hook_env_add(e, "MOAT_EVENT", "%s", event) == -1 ||
	    hook_env_add(e, "MOAT_CONNECTION", "%s", conn) == -1 ||
	    hook_env_add(e, "MOAT_TUNNEL", "%s", tunnel) == -1 ||
	    hook_env_add(e, "MOAT_LOCAL", "%s", l) == -1 ||
	    hook_env_add(e, "MOAT_REMOTE", "%s", r) == -1 ||
	    hook_env_add(e, "MOAT_LOCAL_ID", "%s",
		in->local_id != NULL ? in->local_id : "") == -1 ||
	    hook_env_add(e, "MOAT_REMOTE_ID", "%s",
		in->remote_id != NULL ? in->remote_id : "") == -1 ||
	    hook_env_add(e, "MOAT_VIRTUAL_IP", "%s", v) == -1 ||
	    hook_env_add(e, "MOAT_SPLIT", "%s",
		words_prefix(split, n, list, sizeof(list))) == -1 ||
	    hook_env_add(e, "MOAT_DNS", "%s",
		words_addr(in->dns,
		    in->ndns < IKE_MAXDNS ? in->ndns : IKE_MAXDNS, list,
		    sizeof(list))) == -1 ||
	    hook_env_add(e, "MOAT_SPI_IN", "%s", spi_in) == -1 ||
	    hook_env_add(e, "MOAT_SPI_OUT", "%s", spi_out) == -1 ||
	    hook_env_add(e, "MOAT_REQID", "%s", reqid) == -1)
		return -1;
	return 0;
}
