/*
 * Programs that moatd runs: the hooks and the DNS tools. A program runs
 * in a session of its own with stdin from /dev/null (or a given text),
 * its output logged line by line under a tag, and a deadline: at the
 * deadline its process group gets SIGTERM, two seconds later SIGKILL.
 */
#ifndef MOAT_PROC_H
#define MOAT_PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "ev.h"

#define PROC_GRACE_MS 2000 /* from SIGTERM to SIGKILL */

struct proc;
typedef void proc_done_cb(void *, const struct proc *);

struct proc {
	struct ev_loop *loop; /* NULL: not watched by a loop */
	pid_t		pid;
	int		pidfd, outfd;
	struct ev_io	pidio, outio;
	struct ev_timer timer;
	uint64_t	when; /* the next step's time: SIGTERM, SIGKILL */
	int		stage; /* 0 running, 1 SIGTERM sent, 2 SIGKILL sent */
	bool		running, timed_out;
	int		status; /* waitpid's, once it ended */
	uint32_t	timeout_ms;
	char		tag[96];
	char		line[512];
	size_t		linelen;
	proc_done_cb   *done;
	void	       *arg;
};

/*
 * Starts argv[0] (an absolute path) with exactly envp. With a loop the
 * program is watched from it and done is called when it has ended;
 * without one, call proc_wait. input (NULL: /dev/null) is its stdin.
 * -1 (logged) if it could not be started; done is not called then.
 */
int proc_start(struct proc *, struct ev_loop *, const char *tag,
    char *const argv[], char *const envp[], const char *input,
    uint32_t timeout_ms, proc_done_cb *, void *);
/* Blocks until it has ended (at most its deadline and the grace), takes
 * it off its loop, and calls done. */
void proc_wait(struct proc *);
/* Ends it now: SIGTERM, then what proc_wait does. */
void proc_stop(struct proc *);
/* Runs it to its end without a loop: 0 if it exited with status 0. */
int  proc_run(const char *tag, char *const argv[], char *const envp[],
     const char *input, uint32_t timeout_ms);
bool proc_ok(const struct proc *);
/* "exited with status 3", "killed by signal 9", "timed out after 10 s". */
const char *proc_result(const struct proc *, char *, size_t);
/* An absolute path for name from PATH (a default if unset); -1 if none. */
int proc_which(const char *name, char *out, size_t len);

#endif
