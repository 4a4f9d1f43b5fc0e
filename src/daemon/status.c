/*
 * moatctl status and leases: what the engine says of each IKE_SA
 * (ike_status_each), with the data plane's counters of each CHILD_SA's
 * two SAs read on its own thread, printed as text or as JSON. The text
 * keeps one line per IKE_SA and per CHILD_SA in the form scripts grep
 * ("IKE_SA SPI_i SPI_r STATE: ADDR:PORT ID[ virtual VIP], AGE s" and
 * "  CHILD_SA reqid N in 0xSPI out 0xSPI ALGS, AGE s"); the details
 * follow on lines indented deeper. moatctl(8) has the JSON schema.
 */
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "pool.h"

struct dir_stats {
	bool	 found; /* the SA is in the SAD */
	uint64_t bytes, packets, last_ms;
};

struct child_stats {
	struct dir_stats in, out;
};

struct stats_call {
	struct moatd		 *d;
	const struct ike_sa_info *sa;
	struct child_stats	  st[IKE_MAXSPLIT];
};

struct walk {
	struct moatd *d;
	bool	      json;
	const char   *name;
	FILE	     *out;
	size_t	      n;
	uint64_t      now;
};

static void
dir_read(struct moatd *d, uint32_t spi, const struct addr *dst,
    struct dir_stats *s)
{
	const struct esp_sa	  *sa = esp_sa_lookup(d->sadb, spi, dst);
	const struct esp_sa_stats *st;

	if (sa == NULL)
		return;
	st = esp_sa_stats(sa);
	s->found = true;
	s->bytes = st->bytes;
	s->packets = st->packets;
	s->last_ms = st->last_ms;
}

/* On the data plane's thread, which owns the SAD. Inbound SAs are
 * addressed to us, outbound ones to the peer, at the IKE_SA's path. */
static void
stats_read(void *arg)
{
	struct stats_call	    *c = arg;
	const struct ike_child_info *ci;
	size_t			     i;

	for (i = 0; i < c->sa->nchild; i++) {
		ci = &c->sa->child[i];
		dir_read(c->d, ci->spi_in, &c->sa->path.local, &c->st[i].in);
		dir_read(c->d, ci->spi_out, &c->sa->path.remote, &c->st[i].out);
	}
}

static uint64_t
latest(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static unsigned long long
secs(uint64_t now, uint64_t t)
{
	return now > t ? (unsigned long long)((now - t) / 1000) : 0;
}

static const char *
ago(uint64_t now, uint64_t t, char *buf, size_t len)
{
	if (t == 0)
		return "never";
	snprintf(buf, len, "%llu s ago", secs(now, t));
	return buf;
}

static const char *
conn_name(const struct ike_sa_info *in)
{
	return in->conn != NULL ? in->conn : "gateway";
}

/* What NAME selects: a connection ("gateway" for the SAs clients made
 * with us) or the peer's identity. */
static bool
selected(const struct ike_sa_info *in, const char *name)
{
	return name == NULL || strcmp(conn_name(in), name) == 0 ||
	    (in->remote_id != NULL && strcmp(in->remote_id, name) == 0);
}

static void
print_ts(FILE *f, const struct prefix *ts, size_t n)
{
	char   b[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i > 0 ? "," : "",
		    prefix_ntop(&ts[i], b, sizeof(b)));
}

static void
text_dir(FILE *f, const char *label, const struct dir_stats *s, uint64_t now)
{
	char b[32];

	if (!s->found)
		fprintf(f, "%s: no SA in the data plane", label);
	else
		fprintf(f, "%s %llu bytes %llu packets, last %s", label,
		    (unsigned long long)s->bytes,
		    (unsigned long long)s->packets,
		    ago(now, s->last_ms, b, sizeof(b)));
}

static void
text_sa(struct walk *w, const struct ike_sa_info *in,
    const struct stats_call *c, uint64_t last)
{
	FILE			    *f = w->out;
	const struct ike_child_info *ci;
	char			     a[ADDR_STRLEN], v[ADDR_STRLEN], b[32];
	size_t			     i;

	fprintf(f, "IKE_SA %016llx_i %016llx_r %s: %s:%u %s%s%s, %llu s\n",
	    (unsigned long long)in->spi_i, (unsigned long long)in->spi_r,
	    in->state, addr_ntop(&in->path.remote, a, sizeof(a)),
	    in->path.rport,
	    in->remote_id != NULL && in->remote_id[0] != '\0' ? in->remote_id :
								"?",
	    in->vip.af != 0 ? " virtual " : "",
	    in->vip.af != 0 ? addr_ntop(&in->vip, v, sizeof(v)) : "",
	    secs(w->now, in->established));
	fprintf(f, "    connection %s, %s, local %s:%u %s%s\n", conn_name(in),
	    in->initiator ? "initiator" : "responder",
	    addr_ntop(&in->path.local, a, sizeof(a)), in->path.lport,
	    in->local_id != NULL ? in->local_id : "?",
	    in->nat ? ", NAT detected" : "");
	fprintf(f, "    %s", in->algs != NULL && in->algs[0] != '\0' ?
		in->algs :
		"no proposal chosen yet");
	for (i = 0; i < in->ndns; i++)
		fprintf(f, "%s%s", i == 0 ? ", DNS " : " ",
		    addr_ntop(&in->dns[i], a, sizeof(a)));
	fprintf(f, ", last traffic %s\n", ago(w->now, last, b, sizeof(b)));
	for (i = 0; i < in->nchild; i++) {
		ci = &in->child[i];
		fprintf(f, "  CHILD_SA reqid %u in 0x%08x out 0x%08x %s%s, %llu s\n",
		    ci->reqid, ci->spi_in, ci->spi_out,
		    ci->algs != NULL ? ci->algs : "?",
		    ci->rekeyed ? " (rekeyed)" : "",
		    secs(w->now, ci->established));
		fputs("    ", f);
		print_ts(f, ci->local_ts, ci->nlocal_ts);
		fputs(" === ", f);
		print_ts(f, ci->remote_ts, ci->nremote_ts);
		fputs("\n    ", f);
		text_dir(f, "in", &c->st[i].in, w->now);
		fputs("; ", f);
		text_dir(f, "out", &c->st[i].out, w->now);
		fputc('\n', f);
	}
}

/* ---- JSON ----------------------------------------------------------- */

/* The length of the UTF-8 sequence at s (RFC 3629 section 4), 0 if it
 * is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t	 n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void
json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t		     n;

	if (str == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*s != '\0') {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else if ((n = utf8_len(s)) == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		} else {
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

static void
json_addr(FILE *f, const struct addr *a)
{
	char b[ADDR_STRLEN];

	if (a->af == 0)
		fputs("null", f);
	else
		fprintf(f, "\"%s\"", addr_ntop(a, b, sizeof(b)));
}

static void
json_ago(FILE *f, uint64_t now, uint64_t t)
{
	if (t == 0)
		fputs("null", f);
	else
		fprintf(f, "%llu", secs(now, t));
}

static void
json_ts(FILE *f, const struct prefix *ts, size_t n)
{
	char   b[PREFIX_STRLEN];
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i > 0 ? ", " : "",
		    prefix_ntop(&ts[i], b, sizeof(b)));
	fputc(']', f);
}

static void
json_dir(FILE *f, const struct dir_stats *s, uint64_t now)
{
	if (!s->found) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"bytes\": %llu, \"packets\": %llu, \"last_s\": ",
	    (unsigned long long)s->bytes, (unsigned long long)s->packets);
	json_ago(f, now, s->last_ms);
	fputc('}', f);
}

static void
json_end(FILE *f, const char *id, const struct addr *a, uint16_t port)
{
	fputs("{\"address\": ", f);
	json_addr(f, a);
	fprintf(f, ", \"port\": %u, \"id\": ", port);
	json_str(f, id != NULL && id[0] != '\0' ? id : NULL);
	fputc('}', f);
}

static void
json_sa(struct walk *w, const struct ike_sa_info *in,
    const struct stats_call *c, uint64_t last)
{
	FILE			    *f = w->out;
	const struct ike_child_info *ci;
	size_t			     i;

	fputs(w->n > 0 ? ",\n    {" : "\n    {", f);
	fputs("\"connection\": ", f);
	json_str(f, conn_name(in));
	fprintf(f,
	    ", \"spi_i\": \"%016llx\", \"spi_r\": \"%016llx\", "
	    "\"role\": \"%s\", \"state\": ",
	    (unsigned long long)in->spi_i, (unsigned long long)in->spi_r,
	    in->initiator ? "initiator" : "responder");
	json_str(f, in->state);
	fputs(",\n     \"local\": ", f);
	json_end(f, in->local_id, &in->path.local, in->path.lport);
	fputs(",\n     \"remote\": ", f);
	json_end(f, in->remote_id, &in->path.remote, in->path.rport);
	fprintf(f, ",\n     \"nat\": %s, \"virtual_address\": ",
	    in->nat ? "true" : "false");
	json_addr(f, &in->vip);
	fputs(", \"dns\": [", f);
	for (i = 0; i < in->ndns; i++) {
		fputs(i > 0 ? ", " : "", f);
		json_addr(f, &in->dns[i]);
	}
	fputs("], \"algorithms\": ", f);
	json_str(f, in->algs != NULL && in->algs[0] != '\0' ? in->algs : NULL);
	fprintf(f, ",\n     \"established_s\": %llu, \"last_ike_s\": ",
	    secs(w->now, in->established));
	json_ago(f, w->now, in->last_rx);
	fputs(", \"last_traffic_s\": ", f);
	json_ago(f, w->now, last);
	fputs(",\n     \"child_sas\": [", f);
	for (i = 0; i < in->nchild; i++) {
		ci = &in->child[i];
		fprintf(f,
		    "%s\n      {\"reqid\": %u, \"spi_in\": \"0x%08x\", "
		    "\"spi_out\": \"0x%08x\", \"algorithms\": ",
		    i > 0 ? "," : "", ci->reqid, ci->spi_in, ci->spi_out);
		json_str(f, ci->algs);
		fprintf(f, ", \"rekeyed\": %s, \"established_s\": %llu,\n",
		    ci->rekeyed ? "true" : "false",
		    secs(w->now, ci->established));
		fputs("       \"local_ts\": ", f);
		json_ts(f, ci->local_ts, ci->nlocal_ts);
		fputs(", \"remote_ts\": ", f);
		json_ts(f, ci->remote_ts, ci->nremote_ts);
		fputs(",\n       \"in\": ", f);
		json_dir(f, &c->st[i].in, w->now);
		fputs(", \"out\": ", f);
		json_dir(f, &c->st[i].out, w->now);
		fputs(", \"last_traffic_s\": ", f);
		json_ago(f, w->now,
		    latest(c->st[i].in.last_ms, c->st[i].out.last_ms));
		fputc('}', f);
	}
	fputs(in->nchild > 0 ? "\n     ]}" : "]}", f);
}

static void
each(void *arg, const struct ike_sa_info *in)
{
	struct walk	  *w = arg;
	struct stats_call *c;
	uint64_t	   last = in->last_rx;
	size_t		   i;

	if (!selected(in, w->name))
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->d = w->d;
	c->sa = in;
	esp_dp_call(w->d->dp, stats_read, c);
	/* The IKE_SA's last traffic: an IKE message or an ESP packet. */
	for (i = 0; i < in->nchild; i++)
		last = latest(last,
		    latest(c->st[i].in.last_ms, c->st[i].out.last_ms));
	if (w->json)
		json_sa(w, in, c, last);
	else
		text_sa(w, in, c, last);
	w->n++;
	free(c);
}

/* Whether NAME is something status could select. */
static bool
known_name(struct moatd *d, const char *name)
{
	int i;

	if (strcmp(name, "gateway") == 0)
		return d->conf.nclients > 0;
	for (i = 0; i < d->conf.nconns; i++)
		if (strcmp(d->conf.conn[i].name, name) == 0)
			return true;
	for (i = 0; i < d->conf.nclients; i++)
		if (strcmp(d->conf.client[i].id, name) == 0)
			return true;
	return false;
}

static void
count(void *arg, const struct ike_sa_info *in)
{
	struct walk *w = arg;

	if (selected(in, w->name))
		w->n++;
}

int
control_status(struct moatd *d, bool json, const char *name, FILE *out)
{
	struct walk w = { d, json, name, out, 0, ev_now_ms() };

	if (name != NULL && !known_name(d, name)) {
		if (d->ike != NULL)
			ike_status_each(d->ike, count, &w);
		if (w.n == 0) {
			fprintf(out, "status: no connection or peer '%s'\n",
			    name);
			return -1;
		}
		w.n = 0;
	}
	if (json)
		fputs("{\"ike_sas\": [", out);
	if (d->ike != NULL)
		ike_status_each(d->ike, each, &w);
	if (json)
		fputs(w.n > 0 ? "\n]}\n" : "]}\n", out);
	return 0;
}

/* ---- leases ----------------------------------------------------------- */

int
control_leases(struct moatd *d, bool json, FILE *out)
{
	struct pool_lease *l = NULL;
	char		   a[ADDR_STRLEN], p[PREFIX_STRLEN];
	size_t		   i, n, total, online = 0;
	uint64_t	   now = ev_now_ms();

	if (d->pool == NULL) {
		fprintf(out, "leases: moatd has no pool (moat.conf's 'pool')\n");
		return -1;
	}
	pool_leases(d->pool, NULL, 0, &total);
	if (total > 0 && (l = calloc(total, sizeof(*l))) == NULL) {
		fprintf(out, "leases: out of memory\n");
		return -1;
	}
	n = pool_leases(d->pool, l, total, &total);
	for (i = 0; i < n; i++)
		online += l[i].holds > 0;
	prefix_ntop(&d->conf.pool, p, sizeof(p));
	if (json)
		fprintf(out, "{\"pool\": \"%s\", \"size\": %zu, \"leases\": [",
		    p, pool_size(d->pool));
	else
		fprintf(out,
		    "pool %s: %zu addresses, %zu leases, %zu online\n", p,
		    pool_size(d->pool), n, online);
	for (i = 0; i < n; i++) {
		addr_ntop(&l[i].addr, a, sizeof(a));
		if (json) {
			fprintf(out, "%s\n  {\"address\": \"%s\", \"identity\": ",
			    i > 0 ? "," : "", a);
			json_str(out, l[i].identity);
			fprintf(out,
			    ", \"state\": \"%s\", \"holds\": %u, "
			    "\"since_s\": %llu}",
			    l[i].holds > 0 ? "online" : "remembered",
			    l[i].holds, secs(now, l[i].since));
		} else
			fprintf(out, "  %-15s %-10s %6llu s  %s\n", a,
			    l[i].holds > 0 ? "online" : "remembered",
			    secs(now, l[i].since), l[i].identity);
	}
	if (json)
		fputs(n > 0 ? "\n]}\n" : "]}\n", out);
	free(l);
	return 0;
}
