/*
 * The control socket: a Unix stream socket that only root may open
 * (mode 0600, and the peer's credentials checked), one request per
 * connection (ctlmsg.h). Connections are read and answered without
 * blocking from the event loop, each with a deadline, so a client that
 * sends half a request or nothing at all holds one slot for a few
 * seconds and never holds moatd. A request the daemon does not
 * understand is answered with the reason and changes nothing.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "ctlmsg.h"
#include "log.h"

#define CTL_CONNS 16 /* clients at once; more wait in the backlog */
#define CTL_DEADLINE_MS 5000 /* to send the request and read the answer */

struct ctlconn {
	struct control *ctl;
	int		fd;
	struct ev_io	io;
	struct ev_timer deadline;
	uint8_t		hdr[4];
	uint32_t	len;
	size_t		got; /* of the header, then of the body */
	char	       *req; /* len + 1, NUL-terminated */
	uint8_t	       *ans; /* the framed answer */
	size_t		anslen, sent;
};

struct control {
	struct moatd   *d;
	struct ctlconn *conn[CTL_CONNS];
};

/* ---- the verbs -------------------------------------------------------- */

struct setkey_call {
	struct moatd	    *d;
	const struct esp_op *ops;
	size_t		     nops;
	const char	    *file;
	FILE		    *out;
	int		     rc;
};

static void
setkey_apply(void *arg)
{
	struct setkey_call *c = arg;

	c->rc = esp_sadb_apply(c->d->sadb, c->ops, c->nops, c->file,
	    ev_now_ms(), c->out, c->out);
}

/* Body: the file's name on the first line, then its text. */
static int
do_setkey(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	struct setkey_call c = { .d = d, .out = out };
	struct esp_op	  *ops = NULL;
	char		  *nl = memchr(r->body, '\n', r->len);
	FILE		  *f;
	int		   rc;

	if (nl == NULL) {
		fprintf(out, "setkey: the request names no file\n");
		return -1;
	}
	*nl = '\0';
	c.file = r->body;
	if ((f = fmemopen(nl + 1, r->len - (size_t)(nl + 1 - r->body), "r")) ==
	    NULL)
		return -1;
	rc = esp_setkey_parse(f, c.file, &ops, &c.nops, out);
	fclose(f);
	if (rc == -1)
		return -1;
	c.ops = ops;
	esp_dp_call(d->dp, setkey_apply, &c);
	explicit_bzero(ops, c.nops * sizeof(*ops));
	free(ops);
	if (c.rc == 0)
		log_info("setkey: %s: %zu operations applied, %zu SAs", c.file,
		    c.nops, esp_sa_count(d->sadb));
	return c.rc;
}

struct out_call {
	struct moatd *d;
	FILE	     *out;
	bool	      counters;
};

static void
fw_list(void *arg)
{
	struct out_call *c = arg;

	fw_save(c->d->rs, c->out, c->counters);
}

static void
stats(void *arg)
{
	struct out_call		  *c = arg;
	const struct esp_dp_stats *s = esp_dp_stats(c->d->dp);

	fprintf(c->out,
	    "esp-rx %llu\nesp-tx %llu\ntun-rx %llu\ntun-tx %llu\n"
	    "filtered-in %llu\nfiltered-out %llu\nno-sa %llu\n"
	    "no-policy %llu\nno-out-sa %llu\nbad %llu\ntoo-big %llu\n"
	    "non-esp %llu\nerrors %llu\nfiltered-cleartext %llu\n"
	    "ike-rx %llu\nike-tx %llu\nfiltered-ike %llu\n",
	    (unsigned long long)s->rx, (unsigned long long)s->tx,
	    (unsigned long long)s->tun_rx, (unsigned long long)s->tun_tx,
	    (unsigned long long)s->fw_in, (unsigned long long)s->fw_out,
	    (unsigned long long)s->no_sa, (unsigned long long)s->no_policy,
	    (unsigned long long)s->no_out_sa, (unsigned long long)s->bad,
	    (unsigned long long)s->too_big, (unsigned long long)s->nonesp,
	    (unsigned long long)s->errors, (unsigned long long)s->fw_clear,
	    (unsigned long long)s->ike_rx, (unsigned long long)s->ike_tx,
	    (unsigned long long)s->fw_ike);
}

static int
do_fw_list(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	struct out_call c = { d, out, false };

	if (r->argc > 1 || (r->argc == 1 && strcmp(r->argv[0], "counters"))) {
		fprintf(out, "fw-list: the only argument is 'counters'\n");
		return -1;
	}
	c.counters = r->argc == 1;
	esp_dp_call(d->dp, fw_list, &c);
	return 0;
}

static int
do_stats(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	struct out_call c = { d, out, false };

	(void)r;
	esp_dp_call(d->dp, stats, &c);
	return 0;
}

/* [--json] [NAME], in any order. */
static int
json_and_name(const char *verb, struct ctlmsg_req *r, bool *json, const char **name,
    FILE *out)
{
	int i;

	*json = false;
	*name = NULL;
	for (i = 0; i < r->argc; i++) {
		if (strcmp(r->argv[i], "--json") == 0 && !*json)
			*json = true;
		else if (r->argv[i][0] != '-' && *name == NULL &&
		    name != NULL)
			*name = r->argv[i];
		else {
			fprintf(out, "%s: unexpected argument '%s'\n", verb,
			    r->argv[i]);
			return -1;
		}
	}
	return 0;
}

static int
do_status(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	const char *name;
	bool	    json;

	if (json_and_name("status", r, &json, &name, out) == -1)
		return -1;
	return control_status(d, json, name, out);
}

static int
do_leases(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	const char *name;
	bool	    json;

	if (json_and_name("leases", r, &json, &name, out) == -1)
		return -1;
	if (name != NULL) {
		fprintf(out, "leases: unexpected argument '%s'\n", name);
		return -1;
	}
	return control_leases(d, json, out);
}

static bool
is_conn(const struct moatd *d, const char *name)
{
	int i;

	for (i = 0; i < d->conf.nconns; i++)
		if (strcmp(d->conf.conn[i].name, name) == 0)
			return true;
	return false;
}

static int
do_up(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	if (r->argc != 1) {
		fprintf(out, "up: one connection name\n");
		return -1;
	}
	if (!is_conn(d, r->argv[0]) || client_connect(d, r->argv[0]) == -1) {
		fprintf(out, "up: no connection '%s' in %s\n", r->argv[0],
		    d->conf_file);
		return -1;
	}
	fprintf(out, "connection '%s': connecting\n", r->argv[0]);
	return 0;
}

/* An IKE_SA's SPI as status prints it: 16 hex digits, with "_i" or
 * "_r" saying which of the pair (initiator's when neither), "0x"
 * allowed in front. */
struct spi_find {
	uint64_t spi;
	int	 side; /* 'i', 'r', or 0: either */
	uint64_t spi_i;
	size_t	 n;
};

static int
spi_parse(const char *s, struct spi_find *f)
{
	char   hex[17];
	size_t len = strlen(s), i;

	f->side = 0;
	if (len > 2 && s[len - 2] == '_' && (s[len - 1] == 'i' || s[len - 1] == 'r')) {
		f->side = s[len - 1];
		len -= 2;
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 16)
		return -1;
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	memcpy(hex, s, len);
	hex[len] = '\0';
	f->spi = strtoull(hex, NULL, 16);
	return 0;
}

static void
spi_match(void *arg, const struct ike_sa_info *in)
{
	struct spi_find *f = arg;

	if ((f->side != 'r' && in->spi_i == f->spi) ||
	    (f->side != 'i' && in->spi_r == f->spi)) {
		f->spi_i = in->spi_i;
		f->n++;
	}
}

static int
do_down(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	struct spi_find f = { 0 };
	const char     *a;
	int		n;

	if (r->argc != 1) {
		fprintf(out, "down: one connection name or IKE_SA SPI\n");
		return -1;
	}
	a = r->argv[0];
	if (is_conn(d, a)) {
		if ((n = client_disconnect(d, a)) == -1) {
			fprintf(out, "down: connection '%s' is not loaded\n", a);
			return -1;
		}
		fprintf(out, "connection '%s': %d IKE_SA%s deleted\n", a, n,
		    n == 1 ? "" : "s");
		return 0;
	}
	if (d->ike != NULL && spi_parse(a, &f) == 0)
		ike_status_each(d->ike, spi_match, &f);
	if (f.n == 0) {
		fprintf(out, "down: no connection or IKE_SA '%s'\n", a);
		return -1;
	}
	if (f.n > 1) {
		fprintf(out,
		    "down: %zu IKE_SAs have the SPI '%s': name it with _i "
		    "or _r\n",
		    f.n, a);
		return -1;
	}
	n = (int)ike_disconnect(d->ike, NULL, f.spi_i);
	fprintf(out, "IKE_SA %016" PRIx64 "_i: %d deleted\n", f.spi_i, n);
	return 0;
}

static int
do_reload(struct moatd *d, struct ctlmsg_req *r, FILE *out)
{
	if (r->argc != 0) {
		fprintf(out, "reload: no arguments\n");
		return -1;
	}
	return control_reload(d, out);
}

static const struct {
	const char *verb;
	bool	    raw; /* the body is the verb's, not arguments */
	int (*fn)(struct moatd *, struct ctlmsg_req *, FILE *);
} verbs[] = {
	{ "setkey", true, do_setkey },
	{ "fw-list", false, do_fw_list },
	{ "stats", false, do_stats },
	{ "status", false, do_status },
	{ "leases", false, do_leases },
	{ "up", false, do_up },
	{ "down", false, do_down },
	{ "reload", false, do_reload },
};

/* ---- requests and answers --------------------------------------------- */

/* What a refusal quotes of the client's bytes: printable ones only. */
static void
quote(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < 64; i++)
		fputc(isprint((unsigned char)s[i]) ? s[i] : '?', out);
	if (len > 64)
		fputs("...", out);
}

/* The answer's text for the request in c->req. */
static int
run(struct moatd *d, char *req, size_t len, FILE *out)
{
	struct ctlmsg_req r;
	const char	 *why;
	size_t		  i;

	if (ctlmsg_parse(req, len, &r, &why) == -1) {
		fprintf(out, "malformed request: %s\n", why);
		return -1;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].verb) == r.verblen &&
		    memcmp(r.verb, verbs[i].verb, r.verblen) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		fputs("unknown request '", out);
		quote(out, r.verb, r.verblen);
		fputs("'\n", out);
		return -1;
	}
	if (!verbs[i].raw && ctlmsg_args(&r, &why) == -1) {
		fprintf(out, "malformed request: %s\n", why);
		return -1;
	}
	return verbs[i].fn(d, &r, out);
}

static void
conn_close(struct ctlconn *c)
{
	struct control *ctl = c->ctl;
	size_t		i;

	for (i = 0; i < CTL_CONNS; i++)
		if (ctl->conn[i] == c)
			ctl->conn[i] = NULL;
	ev_timer_del(ctl->d->loop, &c->deadline);
	ev_io_del(ctl->d->loop, &c->io);
	close(c->fd);
	free(c->req);
	free(c->ans);
	free(c);
}

static void on_conn(int, uint32_t, void *);

/* Sends what the socket takes; closes when all went or it failed. */
static void
conn_send(struct ctlconn *c)
{
	ssize_t n;

	while (c->sent < c->anslen) {
		n = send(c->fd, c->ans + c->sent, c->anslen - c->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			log_warn("control: the client left before its answer: %s",
			    strerror(errno));
			break;
		}
		c->sent += (size_t)n;
	}
	conn_close(c);
}

/* Frames text (whose first line is "0" or "1") and starts sending it. */
static void
conn_answer(struct ctlconn *c, const char *text, size_t tlen)
{
	struct moatd *d = c->ctl->d;
	static const char toolong[] = "1\nthe answer is over the limit\n";

	if (tlen > CTLMSG_MAX) {
		text = toolong;
		tlen = sizeof(toolong) - 1;
	}
	if ((c->ans = malloc(4 + tlen)) == NULL) {
		conn_close(c);
		return;
	}
	ctlmsg_hdr(c->ans, (uint32_t)tlen);
	memcpy(c->ans + 4, text, tlen);
	c->anslen = 4 + tlen;
	ev_io_del(d->loop, &c->io);
	if (ev_io_add(d->loop, &c->io, c->fd, EPOLLOUT, on_conn, c) == -1) {
		conn_close(c);
		return;
	}
	conn_send(c);
}

/* A refusal of the request before it could be run. */
static void
conn_refuse(struct ctlconn *c, const char *why)
{
	char   text[160];
	size_t n;

	log_warn("control: %s", why);
	n = (size_t)snprintf(text, sizeof(text), "1\n%s\n", why);
	conn_answer(c, text, n < sizeof(text) ? n : sizeof(text) - 1);
}

static void
conn_run(struct ctlconn *c)
{
	char  *text = NULL;
	size_t tlen = 0;
	FILE  *out;
	int    rc;

	if ((out = open_memstream(&text, &tlen)) == NULL) {
		conn_close(c);
		return;
	}
	fputs("1\n", out);
	rc = run(c->ctl->d, c->req, c->len, out);
	fclose(out);
	if (rc == 0)
		text[0] = '0';
	conn_answer(c, text, tlen);
	free(text);
}

/* Reads what has come; runs the request once it is whole. */
static void
conn_read(struct ctlconn *c)
{
	char	why[96];
	ssize_t n;

	for (;;) {
		if (c->req == NULL)
			n = recv(c->fd, c->hdr + c->got, 4 - c->got, MSG_DONTWAIT);
		else
			n = recv(c->fd, c->req + c->got, c->len - c->got,
			    MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			log_warn("control: a request cut short (%zu of %s "
				 "bytes)",
			    c->got,
			    c->req == NULL ? "4 length" : "its");
			conn_close(c);
			return;
		}
		c->got += (size_t)n;
		if (c->req == NULL && c->got == 4) {
			c->len = ctlmsg_len(c->hdr);
			if (c->len > CTLMSG_MAX) {
				snprintf(why, sizeof(why),
				    "a request of %" PRIu32
				    " bytes is over the limit of %u",
				    c->len, CTLMSG_MAX);
				conn_refuse(c, why);
				return;
			}
			if ((c->req = malloc((size_t)c->len + 1)) == NULL) {
				conn_close(c);
				return;
			}
			c->got = 0;
		}
		if (c->req != NULL && c->got == c->len) {
			c->req[c->len] = '\0';
			conn_run(c);
			return;
		}
	}
}

static void
on_conn(int fd, uint32_t events, void *arg)
{
	struct ctlconn *c = arg;

	(void)fd;
	if (c->ans != NULL)
		conn_send(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c);
}

static void
on_deadline(void *arg)
{
	struct ctlconn *c = arg;

	log_warn("control: a client %s within %d s; closed",
	    c->ans == NULL ? "sent no whole request" : "did not read its answer",
	    CTL_DEADLINE_MS / 1000);
	conn_close(c);
}

/* Root only: the socket's mode says so, and the peer's uid is checked
 * too, in case the mode was changed. */
static bool
peer_is_root(int fd)
{
	struct ucred cr;
	socklen_t    len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return false;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	log_warn("control: uid %u (pid %d) is not root; refused",
	    (unsigned)cr.uid, (int)cr.pid);
	return false;
}

static void
on_accept(int fd, uint32_t events, void *arg)
{
	struct control *ctl = arg;
	struct ctlconn *c;
	size_t		i;
	int		s;

	(void)events;
	if ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1)
		return;
	for (i = 0; i < CTL_CONNS && ctl->conn[i] != NULL; i++)
		;
	if (i == CTL_CONNS) {
		log_warn("control: %d clients already; one more closed",
		    CTL_CONNS);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(s);
		return;
	}
	c->ctl = ctl;
	c->fd = s;
	ev_timer_init(&c->deadline, on_deadline, c);
	if (ev_io_add(ctl->d->loop, &c->io, s, EPOLLIN, on_conn, c) == -1 ||
	    ev_timer_add(ctl->d->loop, &c->deadline, CTL_DEADLINE_MS) == -1) {
		ev_io_del(ctl->d->loop, &c->io);
		close(s);
		free(c);
		return;
	}
	ctl->conn[i] = c;
	if (!peer_is_root(s))
		conn_refuse(c, "permission denied: the control socket is root's");
}

int
control_listen(struct moatd *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char	  *path = d->conf.control;
	mode_t		   um;
	int		   fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("control socket '%s': path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		 0)) == -1)
		return -1;
	/* A socket nobody answers on is a stale one. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_error("control socket %s: another moatd is running", path);
		close(fd);
		return -1;
	}
	if ((d->ctl = calloc(1, sizeof(*d->ctl))) == NULL) {
		close(fd);
		return -1;
	}
	d->ctl->d = d;
	unlink(path);
	/* Made 0600 from the start: no moment when others could connect. */
	um = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(um);
	if (rc == -1 || chmod(path, 0600) == -1 || listen(fd, 16) == -1 ||
	    ev_io_add(d->loop, &d->ctlio, fd, EPOLLIN, on_accept, d->ctl) ==
		-1) {
		log_error("control socket %s: %s", path, strerror(errno));
		close(fd);
		free(d->ctl);
		d->ctl = NULL;
		return -1;
	}
	d->ctlfd = fd;
	return 0;
}

void
control_close(struct moatd *d)
{
	size_t i;

	if (d->ctlfd == -1)
		return;
	for (i = 0; i < CTL_CONNS; i++)
		if (d->ctl->conn[i] != NULL)
			conn_close(d->ctl->conn[i]);
	free(d->ctl);
	d->ctl = NULL;
	ev_io_del(d->loop, &d->ctlio);
	close(d->ctlfd);
	unlink(d->conf.control);
	d->ctlfd = -1;
}
