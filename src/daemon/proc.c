/*
 * Programs that moatd runs (proc.h). A program's end is watched through
 * a pidfd (pidfd_open(2), Linux 5.3), so that moatd needs no SIGCHLD
 * handler and the event loop never blocks on it; its output comes
 * through a pipe and is logged a line at a time. The same steps serve a
 * blocking wait (poll(2) on the two descriptors), which moatd uses when
 * it stops and for the DNS tools, whose work must be done before it
 * carries on.
 */
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"

#define DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void
flush_line(struct proc *p)
{
	if (p->linelen == 0)
		return;
	p->line[p->linelen] = '\0';
	log_info("%s: %s", p->tag, p->line);
	p->linelen = 0;
}

/* What it wrote: whole lines are logged, a longer one in pieces. */
static void
read_out(struct proc *p)
{
	char	buf[1024];
	ssize_t n, i;

	while (p->outfd != -1) {
		n = read(p->outfd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			flush_line(p);
			if (p->loop != NULL)
				ev_io_del(p->loop, &p->outio);
			close(p->outfd);
			p->outfd = -1;
			return;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				flush_line(p);
				continue;
			}
			p->line[p->linelen++] = buf[i];
			if (p->linelen == sizeof(p->line) - 1)
				flush_line(p);
		}
	}
}

static void
finish(struct proc *p)
{
	read_out(p);
	flush_line(p);
	if (p->outfd != -1) { /* a child of the program holds the pipe */
		if (p->loop != NULL)
			ev_io_del(p->loop, &p->outio);
		close(p->outfd);
		p->outfd = -1;
	}
	if (p->loop != NULL) {
		ev_io_del(p->loop, &p->pidio);
		ev_timer_del(p->loop, &p->timer);
	}
	close(p->pidfd);
	p->pidfd = -1;
	/* What it left in its group goes with it when it was killed. */
	if (p->timed_out)
		kill(-p->pid, SIGKILL);
	p->running = false;
	if (p->done != NULL)
		p->done(p->arg, p);
}

static void
reap(struct proc *p)
{
	int st;

	if (waitpid(p->pid, &st, WNOHANG) != p->pid)
		return;
	p->status = st;
	finish(p);
}

/* The deadline passed: SIGTERM to the group, then SIGKILL. */
static void
step(struct proc *p)
{
	if (p->stage == 0) {
		log_warn("%s: still running after %u s, sending SIGTERM",
		    p->tag, p->timeout_ms / 1000);
		p->timed_out = true;
		kill(-p->pid, SIGTERM);
		p->stage = 1;
		p->when = ev_now_ms() + PROC_GRACE_MS;
	} else if (p->stage == 1) {
		log_warn("%s: still running, sending SIGKILL", p->tag);
		kill(-p->pid, SIGKILL);
		p->stage = 2;
		p->when = UINT64_MAX;
	}
	if (p->loop != NULL && p->when != UINT64_MAX)
		ev_timer_add(p->loop, &p->timer, p->when - ev_now_ms());
}

static void
on_pid(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	reap(arg);
}

static void
on_out(int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	read_out(arg);
}

static void
on_timer(void *arg)
{
	step(arg);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void
child(int in, int out, char *const argv[], char *const envp[])
{
	sigset_t none;

	sigemptyset(&none);
	/* moatd blocks SIGINT and SIGTERM for its signalfd: not the hook. */
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(127);
	close_range(3, ~0U, 0);
	execve(argv[0], argv, envp);
	_exit(127);
}

int
proc_start(struct proc *p, struct ev_loop *loop, const char *tag,
    char *const argv[], char *const envp[], const char *input,
    uint32_t timeout_ms, proc_done_cb *done, void *arg)
{
	int   out[2] = { -1, -1 }, in[2] = { -1, -1 };
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->pidfd = p->outfd = -1;
	snprintf(p->tag, sizeof(p->tag), "%s", tag);
	if (pipe2(out, O_CLOEXEC) == -1)
		goto fail;
	if (input != NULL) {
		/* The tools' input is a few lines: the pipe holds them. */
		if (pipe2(in, O_CLOEXEC) == -1 ||
		    write(in[1], input, strlen(input)) !=
			(ssize_t)strlen(input))
			goto fail;
		close(in[1]);
		in[1] = -1;
	} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		goto fail;
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0)
		child(in[0], out[1], argv, envp);
	close(in[0]);
	close(out[1]);
	p->pid = pid;
	p->outfd = out[0];
	p->running = true;
	p->timeout_ms = timeout_ms;
	p->when = ev_now_ms() + timeout_ms;
	p->done = done;
	p->arg = arg;
	fcntl(p->outfd, F_SETFL, O_NONBLOCK);
	if ((p->pidfd = pidfd_open(pid, 0)) == -1) {
		log_error("%s: pidfd_open: %s", tag, strerror(errno));
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p->outfd);
		p->outfd = -1;
		p->running = false;
		return -1;
	}
	if (loop != NULL) {
		p->loop = loop;
		ev_timer_init(&p->timer, on_timer, p);
		if (ev_io_add(loop, &p->pidio, p->pidfd, EPOLLIN, on_pid, p) ==
			-1 ||
		    ev_io_add(loop, &p->outio, p->outfd, EPOLLIN, on_out, p) ==
			-1 ||
		    ev_timer_add(loop, &p->timer, timeout_ms) == -1) {
			log_error("%s: cannot watch it, waiting for it", tag);
			proc_wait(p);
		}
	}
	return 0;
fail:
	log_error("%s: cannot start %s: %s", tag, argv[0], strerror(errno));
	close(out[0]);
	close(out[1]);
	close(in[0]);
	close(in[1]);
	return -1;
}

void
proc_wait(struct proc *p)
{
	struct pollfd pfd[2];
	uint64_t      now;
	int	      n, ms;

	if (!p->running)
		return;
	if (p->loop != NULL) {
		ev_io_del(p->loop, &p->pidio);
		if (p->outfd != -1)
			ev_io_del(p->loop, &p->outio);
		ev_timer_del(p->loop, &p->timer);
		p->loop = NULL;
	}
	while (p->running) {
		now = ev_now_ms();
		if (now >= p->when) {
			step(p);
			continue;
		}
		ms = p->when - now > INT_MAX ? -1 : (int)(p->when - now);
		pfd[0] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = p->outfd, .events = POLLIN };
		n = poll(pfd, p->outfd != -1 ? 2 : 1, ms);
		if (n == -1 && errno != EINTR) {
			log_error("%s: poll: %s", p->tag, strerror(errno));
			usleep(100000); /* the deadline's steps go on */
			continue;
		}
		if (n > 0 && p->outfd != -1 && pfd[1].revents != 0)
			read_out(p);
		if (n > 0 && pfd[0].revents != 0)
			reap(p);
	}
}

void
proc_stop(struct proc *p)
{
	if (!p->running)
		return;
	kill(-p->pid, SIGTERM);
	p->stage = 1;
	p->when = ev_now_ms() + PROC_GRACE_MS;
	proc_wait(p);
}

struct run_result {
	bool ok;
};

static void
run_done(void *arg, const struct proc *p)
{
	((struct run_result *)arg)->ok = proc_ok(p);
}

int
proc_run(const char *tag, char *const argv[], char *const envp[],
    const char *input, uint32_t timeout_ms)
{
	struct proc	  p;
	struct run_result r = { false };
	char		  why[64];

	if (proc_start(&p, NULL, tag, argv, envp, input, timeout_ms, run_done,
		&r) == -1)
		return -1;
	proc_wait(&p);
	if (!r.ok)
		log_error("%s: %s", tag, proc_result(&p, why, sizeof(why)));
	return r.ok ? 0 : -1;
}

bool
proc_ok(const struct proc *p)
{
	return !p->timed_out && WIFEXITED(p->status) &&
	    WEXITSTATUS(p->status) == 0;
}

const char *
proc_result(const struct proc *p, char *buf, size_t len)
{
	if (p->timed_out)
		snprintf(buf, len, "timed out after %u s (killed)",
		    p->timeout_ms / 1000);
	else if (WIFEXITED(p->status))
		snprintf(
		    buf, len, "exited with status %d", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(p->status));
	else
		snprintf(buf, len, "ended (status %#x)", p->status);
	return buf;
}

int
proc_which(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH"), *s, *e;
	int	    n;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_PATH;
	for (s = path; *s != '\0'; s = *e != '\0' ? e + 1 : e) {
		e = strchrnul(s, ':');
		if (e == s)
			continue;
		n = snprintf(out, len, "%.*s/%s", (int)(e - s), s, name);
		if (n > 0 && (size_t)n < len && access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}
