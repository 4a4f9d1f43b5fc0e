/*
 * The client role's pure parts: the hooks' environment (every variable,
 * the split networks each once, empty values, a full environment), the
 * programs moatd runs (exit status, exactly the environment given, stdin
 * from /dev/null or a text, output logged line by line, a timeout with
 * SIGTERM and then SIGKILL, SIGTERM unblocked in the child, from an
 * event loop and blocking), and the resolv.conf file method (our lines
 * on top, exactly they removed, the user's look-alike lines kept). The
 * daemon's files are not in libmoat.a: they are included here.
 */
#include "../../src/daemon/dns.c"
#include "../../src/daemon/hook.c"
#include "../../src/daemon/proc.c"

#include <sys/wait.h>

#include "tap.h"

static struct prefix
pfx(const char *s)
{
	struct prefix p;
	const char   *why;

	if (prefix_parse(AF_INET, s, &p, &why) == -1)
		abort();
	return p;
}

static struct addr
ad(const char *s)
{
	struct addr a;

	if (addr_pton(AF_INET, s, &a) == -1)
		abort();
	return a;
}

static const char *
env_get(const struct hook_env *e, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < e->n; i++)
		if (strncmp(e->envp[i], name, n) == 0 && e->envp[i][n] == '=')
			return e->envp[i] + n + 1;
	return NULL;
}

static void
test_env(void)
{
	static struct hook_env e;
	struct ike_sa_info     in;
	struct prefix	       lts[1] = { pfx("10.0.2.7/32") },
		      r0[2] = { pfx("10.0.1.0/24"), pfx("10.0.4.0/24") },
		      r1[2] = { pfx("10.0.4.0/24"), pfx("192.168.0.0/16") },
		      split[HOOK_MAXSPLIT];
	size_t i;

	memset(&in, 0, sizeof(in));
	in.conn = "home";
	in.path.local = ad("198.51.100.2");
	in.path.remote = ad("198.51.100.1");
	in.local_id = "rw.example";
	in.remote_id = "C=CH, O=Example, CN=gw";
	in.vip = ad("10.0.2.7");
	in.dns[0] = ad("10.0.1.1");
	in.dns[1] = ad("10.0.1.2");
	in.ndns = 2;
	in.nchild = 2;
	in.child[0] = (struct ike_child_info){ .reqid = 7,
		.spi_in = 0xc0ffee01,
		.spi_out = 0x0000beef,
		.local_ts = lts,
		.nlocal_ts = 1,
		.remote_ts = r0,
		.nremote_ts = 2 };
	in.child[1] = (struct ike_child_info){ .reqid = 8,
		.spi_in = 1,
		.spi_out = 2,
		.local_ts = lts,
		.nlocal_ts = 1,
		.remote_ts = r1,
		.nremote_ts = 2 };

	is_int(hook_split(&in, split, HOOK_MAXSPLIT), 3,
	    "split: three networks of four selectors");
	is_int(hook_split(&in, split, 2), 2, "... at most max");
	is_int(hook_env_build(&e, "up", "home", "moat1", &in), 0, "env built");
	is_int(e.n, 14, "PATH and 13 MOAT_ variables");
	ok(e.envp[14] == NULL, "... NULL-terminated");
	is_str(env_get(&e, "PATH"),
	    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	    "PATH");
	is_str(env_get(&e, "MOAT_EVENT"), "up", "MOAT_EVENT");
	is_str(env_get(&e, "MOAT_CONNECTION"), "home", "MOAT_CONNECTION");
	is_str(env_get(&e, "MOAT_TUNNEL"), "moat1", "MOAT_TUNNEL");
	is_str(env_get(&e, "MOAT_LOCAL"), "198.51.100.2", "MOAT_LOCAL");
	is_str(env_get(&e, "MOAT_REMOTE"), "198.51.100.1", "MOAT_REMOTE");
	is_str(env_get(&e, "MOAT_LOCAL_ID"), "rw.example", "MOAT_LOCAL_ID");
	is_str(env_get(&e, "MOAT_REMOTE_ID"), "C=CH, O=Example, CN=gw",
	    "MOAT_REMOTE_ID with blanks, as one value");
	is_str(env_get(&e, "MOAT_VIRTUAL_IP"), "10.0.2.7", "MOAT_VIRTUAL_IP");
	is_str(env_get(&e, "MOAT_SPLIT"),
	    "10.0.1.0/24 10.0.4.0/24 192.168.0.0/16",
	    "MOAT_SPLIT: every CHILD_SA's remote selectors, each once");
	is_str(env_get(&e, "MOAT_DNS"), "10.0.1.1 10.0.1.2", "MOAT_DNS");
	is_str(env_get(&e, "MOAT_SPI_IN"), "0xc0ffee01",
	    "MOAT_SPI_IN: the first CHILD_SA's, in hex");
	is_str(env_get(&e, "MOAT_SPI_OUT"), "0x0000beef",
	    "MOAT_SPI_OUT: eight digits");
	is_str(env_get(&e, "MOAT_REQID"), "7", "MOAT_REQID: the first's");
	is_int(hook_env_add(&e, "MOAT_REASON", "%s", "the peer deleted it"), 0,
	    "a variable added later");
	is_str(
	    env_get(&e, "MOAT_REASON"), "the peer deleted it", "... is there");
	ok(e.envp[15] == NULL, "... still NULL-terminated");

	memset(&in, 0, sizeof(in));
	in.conn = "bare";
	is_int(hook_env_build(&e, "down", "bare", "moat1", &in), 0,
	    "env of an IKE_SA without address, DNS or CHILD_SA");
	ok(strcmp(env_get(&e, "MOAT_VIRTUAL_IP"), "") == 0 &&
		strcmp(env_get(&e, "MOAT_SPLIT"), "") == 0 &&
		strcmp(env_get(&e, "MOAT_DNS"), "") == 0 &&
		strcmp(env_get(&e, "MOAT_SPI_IN"), "") == 0 &&
		strcmp(env_get(&e, "MOAT_REQID"), "") == 0 &&
		strcmp(env_get(&e, "MOAT_LOCAL_ID"), "") == 0,
	    "... has them empty, not missing");

	hook_env_init(&e);
	for (i = 0; i < HOOK_NENV; i++)
		if (hook_env_add(&e, "V", "%zu", i) == -1)
			break;
	is_int(i, HOOK_NENV, "%d variables fit", HOOK_NENV);
	is_int(hook_env_add(&e, "V", "x"), -1, "... one more does not");
	hook_env_init(&e);
	memset(split, 0, sizeof(split));
	is_int(hook_env_add(&e, "BIG", "%8200s", "x"), -1,
	    "a value larger than the buffer is refused");
	is_int(e.n, 0, "... and leaves nothing");
}

struct res {
	bool		done;
	int		status;
	bool		timed_out;
	struct ev_loop *loop;
};

static void
on_done(void *arg, const struct proc *p)
{
	struct res *r = arg;

	r->done = true;
	r->status = p->status;
	r->timed_out = p->timed_out;
	if (r->loop != NULL)
		ev_break(r->loop);
}

static struct res
run_sh(const char *script, char *const envp[], const char *input,
    uint32_t timeout_ms, struct ev_loop *loop)
{
	char	   *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct proc p;
	struct res  r = { .loop = loop };

	if (proc_start(&p, loop, "t", argv, envp, input, timeout_ms, on_done,
		&r) == -1)
		return r;
	if (loop != NULL)
		ev_run(loop);
	else
		proc_wait(&p);
	return r;
}

/* What fd 2 got while fn ran. */
static char *
stderr_of(void (*fn)(void))
{
	char   path[] = "/tmp/moat-unit-client.XXXXXX", *s;
	int    fd = mkstemp(path), save = dup(2);
	size_t len;

	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(save, 2);
	close(save);
	lseek(fd, 0, SEEK_SET);
	s = slurp(fd, &len);
	close(fd);
	unlink(path);
	return s;
}

static void
chatty(void)
{
	static char *env[] = { NULL };

	run_sh("echo one; echo two >&2; printf 'no newline'", env, NULL, 5000,
	    NULL);
}

static void
test_proc(void)
{
	static char    *none[] = { NULL }, *foo[] = { "FOO=bar", NULL };
	struct ev_loop *loop = ev_loop_new();
	struct res	r;
	struct proc	p;
	sigset_t	term;
	uint64_t	t0;
	char		buf[64], *s, *argv[] = { "/nonexistent/hook", NULL };
	char		sleep[PATH_MAX], *sl[] = { sleep, "30", NULL };

	r = run_sh("exit 3", none, NULL, 5000, NULL);
	ok(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3 &&
		!r.timed_out,
	    "exit status 3 is reported");
	p.status = r.status;
	p.timed_out = false;
	ok(!proc_ok(&p), "... as a failure");
	is_str(proc_result(&p, buf, sizeof(buf)), "exited with status 3",
	    "... in words");
	r = run_sh("test \"$FOO\" = bar && test -z \"$HOME$USER\"", foo, NULL,
	    5000, NULL);
	ok(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
	    "the environment is exactly the one given");
	r = run_sh("read x", none, NULL, 5000, NULL);
	ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0,
	    "stdin is /dev/null");
	r = run_sh("read x && read y && test \"$x $y\" = \"nameserver 1 ns2\"",
	    none, "nameserver 1\nns2\n", 5000, NULL);
	ok(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
	    "or the text given");
	r = run_sh("exit 0", none, NULL, 5000, loop);
	ok(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
	    "watched from an event loop, done is called");

	/* moatd blocks SIGTERM for its signalfd: the child must not. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	t0 = ev_now_ms();
	/* sleep itself, not a shell: dash clears its signal mask. */
	if (proc_which("sleep", sleep, sizeof(sleep)) == -1 ||
	    proc_start(&p, loop, "t", sl, none, NULL, 1000, on_done, &r) == -1)
		abort();
	r.loop = loop;
	ev_run(loop);
	ok(r.timed_out && WIFSIGNALED(r.status) &&
		WTERMSIG(r.status) == SIGTERM,
	    "a program past its deadline gets SIGTERM (from the loop)");
	ok(ev_now_ms() - t0 < 1000 + PROC_GRACE_MS,
	    "... and ends before the grace is over");
	p.status = r.status;
	p.timed_out = true;
	p.timeout_ms = 1000;
	is_str(proc_result(&p, buf, sizeof(buf)),
	    "timed out after 1 s (killed)", "... in words");
	t0 = ev_now_ms();
	r = run_sh(
	    "trap '' TERM; sleep 30 & wait; sleep 30", none, NULL, 500, NULL);
	ok(r.timed_out && WIFSIGNALED(r.status) &&
		WTERMSIG(r.status) == SIGKILL,
	    "one that ignores SIGTERM gets SIGKILL after the grace (blocking)");
	ok(ev_now_ms() - t0 >= 500 + PROC_GRACE_MS &&
		ev_now_ms() - t0 < 500 + PROC_GRACE_MS + 2000,
	    "... after %u ms", (unsigned)(ev_now_ms() - t0));
	sigprocmask(SIG_UNBLOCK, &term, NULL);

	is_int(proc_start(&p, loop, "t", argv, none, NULL, 1000, on_done, &r),
	    0, "a missing program starts (exec fails in the child)");
	r.done = false;
	r.loop = loop;
	p.arg = &r;
	ev_run(loop);
	ok(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127,
	    "... and exits 127");

	s = stderr_of(chatty);
	is_str(s, "t: t: one\nt: t: two\nt: t: no newline\n",
	    "stdout and stderr are logged a line at a time");
	free(s);
	ok(proc_which("sh", buf, sizeof(buf)) == 0 && buf[0] == '/',
	    "proc_which finds sh (%s)", buf);
	ok(proc_which("no-such-tool-moat", buf, sizeof(buf)) == -1,
	    "... and not what is not there");
	ev_loop_free(loop);
}

static char *
file_text(const char *path)
{
	int    fd = open(path, O_RDONLY);
	size_t len;
	char  *s;

	if (fd == -1)
		return strdup("(none)");
	s = slurp(fd, &len);
	close(fd);
	return s;
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void
test_dns_file(void)
{
	char dir[] = "/tmp/moat-unit-dns.XXXXXX", path[PATH_MAX],
	     file[PATH_MAX], *s;
	struct addr ns[2] = { ad("10.0.1.1"), ad("10.0.1.2") };
	const char *user = "# the user's\n"
			   "nameserver 10.0.1.1\n"
			   "nameserver 10.0.1.1  # moat moat9\n"
			   "nameserver 192.0.2.53\n"
			   "search example\n"
			   "options ndots:1"; /* no newline at the end */

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	put(path, user);
	is_int(dns_file_add(path, "moat1", ns, 2), 0, "file: add two servers");
	s = file_text(path);
	is_str(s,
	    "nameserver 10.0.1.1  # moat moat1\n"
	    "nameserver 10.0.1.2  # moat moat1\n"
	    "# the user's\n"
	    "nameserver 10.0.1.1\n"
	    "nameserver 10.0.1.1  # moat moat9\n"
	    "nameserver 192.0.2.53\n"
	    "search example\n"
	    "options ndots:1",
	    "... on top, tagged with the device, the rest as it was");
	free(s);
	is_int(dns_file_add(path, "moat1", ns, 2), 0, "add them again");
	s = file_text(path);
	ok(strncmp(s,
	       "nameserver 10.0.1.1  # moat moat1\n"
	       "nameserver 10.0.1.2  # moat moat1\n# the user's\n",
	       81) == 0 &&
		strstr(s + 70, "# moat moat1") == NULL,
	    "... once: an earlier copy is replaced");
	free(s);
	is_int(dns_file_remove(path, "moat1", ns, 2), 0, "remove them");
	s = file_text(path);
	is_str(s, user,
	    "... exactly ours: the user's untagged copy, another device's "
	    "and a last line without newline stay");
	free(s);
	is_int(dns_file_remove(path, "moat1", ns, 2), 0,
	    "removing again is harmless");
	s = file_text(path);
	is_str(s, user, "... and changes nothing");
	free(s);

	snprintf(path, sizeof(path), "%s/new.conf", dir);
	is_int(dns_file_add(path, "moat1", ns, 1), 0, "a missing file");
	s = file_text(path);
	is_str(s, "nameserver 10.0.1.1  # moat moat1\n", "... is created");
	free(s);
	dns_file_remove(path, "moat1", ns, 1);
	s = file_text(path);
	is_str(s, "", "... and left empty");
	free(s);
	unlink(path);

	/* A symlink is written through, not replaced. */
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	snprintf(file, sizeof(file), "%s/link.conf", dir);
	if (symlink(path, file) == -1)
		abort();
	is_int(dns_file_add(file, "moat1", ns + 1, 1), 0, "through a symlink");
	s = file_text(path);
	ok(strncmp(s, "nameserver 10.0.1.2  # moat moat1\n# the user's", 46) ==
		0,
	    "... its target has the line");
	free(s);
	dns_file_remove(file, "moat1", ns + 1, 1);
	s = file_text(path);
	is_str(s, user, "... and not after");
	free(s);
	ok(readlink(file, path, sizeof(path)) > 0, "... the link stays a link");
	unlink(file);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nodir/x.conf", dir);
	is_int(dns_file_add(path, "moat1", ns, 1), -1,
	    "a file that cannot be made is an error");
	rmdir(dir);

	is_int(dns_resolve(CONF_DNS_FILE, "/x/r.conf", file), CONF_DNS_FILE,
	    "dns_resolve: file stays");
	is_str(file, "/x/r.conf", "... with its path");
	is_int(dns_resolve(CONF_DNS_NONE, "", file), CONF_DNS_NONE,
	    "... none stays");
	file[0] = '\0';
	switch (dns_resolve(CONF_DNS_AUTO, "", file)) {
	case CONF_DNS_FILE:
		is_str(file, "/etc/resolv.conf", "auto: /etc/resolv.conf here");
		break;
	case CONF_DNS_RESOLVED:
		ok(access("/run/systemd/resolve", F_OK) == 0,
		    "auto: resolved here");
		break;
	case CONF_DNS_RESOLVCONF:
		ok(access("/sbin/resolvconf", X_OK) == 0,
		    "auto: resolvconf here");
		break;
	default:
		ok(0, "auto is resolved, resolvconf or a file");
	}
}

int
main(void)
{
	log_init("t", LOG_TO_STDERR, LOG_LVL_INFO);
	test_env();
	test_proc();
	test_dns_file();
	return done_testing();
}
