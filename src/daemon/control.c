/*
 * The control socket: a Unix stream socket that only root may open
 * (mode 0600), one request per connection (ctlmsg.h). A request the
 * daemon does not understand is answered with the reason and changes
 * nothing.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctlmsg.h"
#include "log.h"
#include "moatd.h"

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
do_setkey(struct moatd *d, char *body, size_t len, FILE *out)
{
	struct setkey_call c = { .d = d, .out = out };
	struct esp_op	  *ops = NULL;
	char		  *nl = memchr(body, '\n', len);
	FILE		  *f;
	int		   rc;

	if (nl == NULL) {
		fprintf(out, "setkey: the request names no file\n");
		return -1;
	}
	*nl = '\0';
	c.file = body;
	if ((f = fmemopen(nl + 1, len - (size_t)(nl + 1 - body), "r")) == NULL)
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
do_fw_list(struct moatd *d, char *body, size_t len, FILE *out)
{
	struct out_call c = { d, out, len == 8 && memcmp(body, "counters", 8) == 0 };

	esp_dp_call(d->dp, fw_list, &c);
	return 0;
}

static int
do_stats(struct moatd *d, char *body, size_t len, FILE *out)
{
	struct out_call c = { d, out, false };

	(void)body;
	(void)len;
	esp_dp_call(d->dp, stats, &c);
	return 0;
}

static int
do_status(struct moatd *d, char *body, size_t len, FILE *out)
{
	(void)body;
	(void)len;
	if (d->ike != NULL)
		ike_status(d->ike, out);
	return 0;
}

static const struct {
	const char *verb;
	int (*fn)(struct moatd *, char *, size_t, FILE *);
} verbs[] = {
	{ "setkey", do_setkey },
	{ "fw-list", do_fw_list },
	{ "stats", do_stats },
	{ "status", do_status },
};

static void
answer(int fd, struct moatd *d, char *req, size_t len)
{
	char  *nl = memchr(req, '\n', len), *text = NULL;
	size_t i, tlen = 0;
	FILE  *out;
	int    rc = -1;

	if ((out = open_memstream(&text, &tlen)) == NULL)
		return;
	fputs("1\n", out);
	if (nl == NULL)
		fprintf(out, "malformed request: no verb line\n");
	else {
		*nl = '\0';
		for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
			if (strcmp(req, verbs[i].verb) == 0)
				break;
		if (i == sizeof(verbs) / sizeof(verbs[0]))
			fprintf(out, "unknown request '%.64s'\n", req);
		else
			rc = verbs[i].fn(d, nl + 1,
			    len - (size_t)(nl + 1 - req), out);
	}
	fclose(out);
	if (rc == 0)
		text[0] = '0';
	if (ctlmsg_send(fd, text, tlen) == -1)
		log_warn("control: cannot answer: %s", strerror(errno));
	free(text);
}

static void
on_accept(int fd, uint32_t events, void *arg)
{
	struct moatd  *d = arg;
	struct timeval tv = { .tv_sec = 5 };
	char	      *req;
	size_t	       len;
	int	       c;

	(void)events;
	if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (ctlmsg_recv(c, &req, &len) == -1) {
		log_warn("control: a malformed or incomplete request");
		close(c);
		return;
	}
	answer(c, d, req, len);
	free(req);
	close(c);
}

int
control_listen(struct moatd *d)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char	  *path = d->conf.control;
	int		   fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("control socket '%s': path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* A socket nobody answers on is a stale one. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_error("control socket %s: another moatd is running", path);
		close(fd);
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0600) == -1 || listen(fd, 16) == -1 ||
	    ev_io_add(d->loop, &d->ctlio, fd, EPOLLIN, on_accept, d) == -1) {
		log_error("control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	d->ctlfd = fd;
	return 0;
}

void
control_close(struct moatd *d)
{
	if (d->ctlfd == -1)
		return;
	ev_io_del(d->loop, &d->ctlio);
	close(d->ctlfd);
	unlink(d->conf.control);
	d->ctlfd = -1;
}
