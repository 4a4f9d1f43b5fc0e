/*
 * moatd: the moat daemon. It reads its configuration, the ruleset and
 * the key file whole before it touches the system; then it brings up the
 * TUN device and its routes, starts the data plane's thread with the
 * manual SAs, and serves the control socket until SIGINT or SIGTERM,
 * when it removes exactly the routes it added.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "moatd.h"
#include "rtnl.h"

#define CT_MAX 65536

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: moatd [-nsv] [-f FILE] [-S SOCKET]\n"
	    "  -f FILE  the configuration (moat.conf(5)), default "
	    "/etc/moat/moat.conf\n"
	    "  -n       check the configuration, the ruleset and the keys, "
	    "then exit\n"
	    "  -S PATH  the control socket, instead of the configuration's\n"
	    "  -s       log to syslog instead of standard error\n"
	    "  -v       log debug messages too\n");
}

static void
on_signal(int fd, uint32_t events, void *arg)
{
	struct moatd	       *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("%s received, stopping", strsignal((int)si.ssi_signo));
	ev_break(d->loop);
}

/* The ruleset, refused whole if anything in it is wrong or if the
 * filter table has a rule moat cannot evaluate (at start and reload). */
struct fw_ruleset *
moatd_rules_read(const char *path, FILE *err)
{
	struct fw_diag	   d2 = { .out = err, .file = path };
	struct fw_ruleset *rs;
	FILE		  *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((rs = fw_ruleset_new()) != NULL &&
	    (fw_restore(rs, f, &d2) == -1 ||
		fw_evaluable(rs, FW_FILTER, &d2) == -1)) {
		fw_ruleset_free(rs);
		rs = NULL;
	}
	fclose(f);
	return rs;
}

static int
load_rules(struct moatd *d)
{
	if ((d->rs = moatd_rules_read(d->conf.rules, stderr)) == NULL ||
	    (d->fw = fw_evaluator_new(d->rs, FW_FILTER, CT_MAX)) == NULL)
		return -1;
	return 0;
}

/* The key file: parsed now, applied once the data plane exists. */
static int
load_keys(struct moatd *d, struct esp_op **ops, size_t *n)
{
	FILE *f;
	int   rc;

	*ops = NULL;
	*n = 0;
	if (d->conf.keys[0] == '\0')
		return 0;
	if ((f = fopen(d->conf.keys, "r")) == NULL) {
		log_error("%s: %s", d->conf.keys, strerror(errno));
		return -1;
	}
	rc = esp_setkey_parse(f, d->conf.keys, ops, n, stderr);
	fclose(f);
	return rc;
}

/* The pool's addresses are reached through the tunnel: a route of its
 * own unless the configuration has it already (at start and reload). */
int
moatd_pool_route(struct conf *c, const char *file, FILE *err)
{
	int i;

	if (c->pool.addr.af == 0)
		return 0;
	for (i = 0; i < c->nroutes; i++)
		if (addr_eq(&c->route[i].addr, &c->pool.addr) &&
		    addr_eq(&c->route[i].mask, &c->pool.mask))
			return 0;
	if (c->nroutes == CONF_MAXROUTES) {
		fprintf(err, "%s: no room for the pool's route\n", file);
		return -1;
	}
	c->route[c->nroutes++] = c->pool;
	return 0;
}

static int
bring_up(struct moatd *d, struct esp_op *ops, size_t nops)
{
	struct esp_dp_conf dc = { .local = d->conf.local,
		.natt_port = d->conf.natt_port,
		.outer_mtu = d->conf.outer_mtu,
		.queue = d->conf.queue,
		.ike_port = d->conf.ike ? 500 : 0 };

	snprintf(dc.tun, sizeof(dc.tun), "%s", d->conf.tunnel);
	if ((d->sadb = esp_sadb_new()) == NULL ||
	    esp_sadb_apply(d->sadb, ops, nops, d->conf.keys, ev_now_ms(),
		stdout, stderr) == -1)
		return -1;
	if ((d->tunfd = esp_tun_open(d->conf.tunnel, d->conf.mtu)) == -1)
		return -1;
	for (; d->routes < d->conf.nroutes; d->routes++)
		if (rtnl_route(true, &d->conf.route[d->routes], d->conf.tunnel) ==
		    -1)
			return -1;
	if ((d->dp = esp_dp_new(&dc, d->tunfd, d->sadb, d->fw)) == NULL ||
	    control_listen(d) == -1 || esp_dp_start(d->dp) == -1 ||
	    gateway_start(d) == -1)
		return -1;
	log_info("tunnel %s up: %zu SAs, %d routes, control socket %s",
	    d->conf.tunnel, esp_sa_count(d->sadb), d->routes,
	    d->conf.control);
	return 0;
}

static void
tear_down(struct moatd *d)
{
	control_close(d);
	client_stop(d); /* Deletes, down-scripts, what up added removed */
	gateway_stop(d); /* its Deletes leave through the data plane */
	client_free(d);
	esp_dp_free(d->dp);
	while (d->routes > 0)
		rtnl_route(false, &d->conf.route[--d->routes], d->conf.tunnel);
	if (d->tunfd != -1)
		close(d->tunfd);
	esp_sadb_free(d->sadb);
	fw_evaluator_free(d->fw);
	fw_ruleset_free(d->rs);
}

int
main(int argc, char **argv)
{
	static struct moatd d = { .sigfd = -1, .ctlfd = -1, .tunfd = -1,
		.ikefd = -1 };
	enum log_dest  dest = LOG_TO_STDERR;
	enum log_level level = LOG_LVL_INFO;
	struct esp_op *ops = NULL;
	size_t	       nops = 0;
	sigset_t       mask;
	const char    *sock = NULL;
	bool	       check = false;
	int	       ch, rc = 1;

	d.conf_file = "/etc/moat/moat.conf";
	while ((ch = getopt(argc, argv, "f:hnS:sv")) != -1) {
		switch (ch) {
		case 'f':
			d.conf_file = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'S':
			sock = optarg;
			break;
		case 's':
			dest = LOG_TO_SYSLOG;
			break;
		case 'v':
			level = LOG_LVL_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(
		    stderr, "moatd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	log_init("moatd", dest, level);
	if (conf_load(d.conf_file, &d.conf) == -1)
		goto out;
	if (sock != NULL &&
	    snprintf(d.conf.control, sizeof(d.conf.control), "%s", sock) >=
		(int)sizeof(d.conf.control)) {
		log_error("-S '%s': path too long", sock);
		goto out;
	}
	if (load_rules(&d) == -1 || load_keys(&d, &ops, &nops) == -1 ||
	    gateway_load(&d) == -1 || client_load(&d) == -1 ||
	    moatd_pool_route(&d.conf, d.conf_file, stderr) == -1)
		goto out;
	if (check) {
		printf("%s: configuration OK (%zu key operations)\n",
		    d.conf_file, nops);
		rc = 0;
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (d.sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		log_error("signalfd: %s", strerror(errno));
		goto out;
	}
	if ((d.loop = ev_loop_new()) == NULL ||
	    ev_io_add(d.loop, &d.sigio, d.sigfd, EPOLLIN, on_signal, &d) == -1)
		goto out;
	if (bring_up(&d, ops, nops) == -1)
		goto out;
	log_info("started, pid %ld", (long)getpid());
	client_start(&d);
	if (ev_run(d.loop) == 0)
		rc = 0;
out:
	if (ops != NULL) {
		explicit_bzero(ops, nops * sizeof(*ops));
		free(ops);
	}
	tear_down(&d);
	ev_loop_free(d.loop);
	if (d.sigfd != -1)
		close(d.sigfd);
	return rc;
}
