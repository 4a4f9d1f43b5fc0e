/*
 * moatd: the moat daemon. For now it runs its event loop and stops cleanly
 * on SIGINT or SIGTERM; the gateway and client roles build on this loop.
 */
#include <sys/signalfd.h>
#include <sys/epoll.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"

struct moatd {
	struct ev_loop *loop;
	struct ev_io	sigio;
	int		sigfd;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: moatd [-sv]\n"
	    "  -s  log to syslog instead of standard error\n"
	    "  -v  log debug messages too\n");
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

int
main(int argc, char **argv)
{
	struct moatd   d = { .sigfd = -1 };
	enum log_dest  dest = LOG_TO_STDERR;
	enum log_level level = LOG_LVL_INFO;
	sigset_t       mask;
	int	       ch, rc = 1;

	while ((ch = getopt(argc, argv, "hsv")) != -1) {
		switch (ch) {
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
	log_info("started, pid %ld", (long)getpid());
	if (ev_run(d.loop) == 0)
		rc = 0;
out:
	ev_loop_free(d.loop);
	if (d.sigfd != -1)
		close(d.sigfd);
	return rc;
}
