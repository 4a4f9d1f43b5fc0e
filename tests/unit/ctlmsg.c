/* Control messages: the header both ways, a request split into verb,
 * body and arguments, and the refusals of what is not a request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctlmsg.h"
#include "tap.h"

/* A request as ctlmsg_recv leaves it: a copy with a NUL after it. */
static char *
msg(const char *s, size_t len)
{
	char *m = malloc(len + 1);

	if (m == NULL)
		abort();
	memcpy(m, s, len);
	m[len] = '\0';
	return m;
}

static void
parse_ok(const char *what, const char *s, size_t len, const char *verb,
    int argc, const char *const *argv)
{
	struct ctlmsg_req r;
	const char	 *why = NULL;
	char		 *m = msg(s, len);
	int		  i;

	if (!ok(ctlmsg_parse(m, len, &r, &why) == 0, "%s: parses", what)) {
		free(m);
		return;
	}
	ok(r.verblen == strlen(verb) && memcmp(r.verb, verb, r.verblen) == 0,
	    "%s: verb '%s'", what, verb);
	is_int(r.verblen + 1 + r.len, len, "%s: verb line and body are all",
	    what);
	ok(ctlmsg_args(&r, &why) == 0, "%s: arguments split", what);
	is_int(r.argc, argc, "%s: %d arguments", what, argc);
	for (i = 0; i < argc && i < r.argc; i++)
		is_str(r.argv[i], argv[i], "%s: argument %d", what, i + 1);
	free(m);
}

static void
args_refused(const char *what, const char *s, size_t len, const char *want)
{
	struct ctlmsg_req r;
	const char	 *why = NULL;
	char		 *m = msg(s, len);

	ok(ctlmsg_parse(m, len, &r, &why) == 0, "%s: a verb line", what);
	ok(ctlmsg_args(&r, &why) == -1, "%s: the arguments refused", what);
	is_str(why, want, "%s: why", what);
	free(m);
}

int
main(void)
{
	static const char *const st[] = { "--json", "home" };
	static const char *const dn[] = { "0123456789abcdef_r" };
	static const char *const empty[] = { "", "x" };
	struct ctlmsg_req	 r;
	const char		*why = NULL;
	uint8_t			 h[4];
	char			*m;
	int			 fd[2];
	size_t			 len;

	ctlmsg_hdr(h, 0x01020304);
	ok(h[0] == 1 && h[1] == 2 && h[2] == 3 && h[3] == 4,
	    "header: big-endian");
	is_int(ctlmsg_len(h), 0x01020304, "header: read back");
	ctlmsg_hdr(h, CTLMSG_MAX);
	is_int(ctlmsg_len(h), CTLMSG_MAX, "header: the limit read back");

	parse_ok("status", "status\n", 7, "status", 0, NULL);
	parse_ok("status --json home", "status\n--json\nhome\n", 19,
	    "status", 2, st);
	parse_ok("no trailing newline", "status\n--json\nhome", 18, "status",
	    2, st);
	parse_ok("down SPI", "down\n0123456789abcdef_r\n", 24, "down", 1, dn);
	parse_ok("an empty argument", "up\n\nx", 5, "up", 2, empty);
	parse_ok("an empty verb", "\n", 1, "", 0, NULL);

	m = msg("status", 6);
	ok(ctlmsg_parse(m, 6, &r, &why) == -1, "no verb line: refused");
	is_str(why, "no verb line", "no verb line: why");
	free(m);
	m = msg("", 0);
	ok(ctlmsg_parse(m, 0, &r, &why) == -1, "empty: refused");
	free(m);
	/* A NUL in the verb stays in verblen: no verb matches it. */
	m = msg("up\0x\n", 5);
	ok(ctlmsg_parse(m, 5, &r, &why) == 0 && r.verblen == 4,
	    "a NUL in the verb: its length is the line's");
	free(m);

	args_refused("a NUL byte", "up\nho\0me\n", 9,
	    "a NUL byte in its arguments");
	args_refused("five arguments", "status\na\nb\nc\nd\ne\n", 17,
	    "over 4 arguments");
	parse_ok("four arguments", "status\na\nb\nc\nd\n", 15, "status", 4,
	    (const char *const[]){ "a", "b", "c", "d" });

	/* The framing through a socket pair. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == -1)
		abort();
	ok(ctlmsg_send(fd[0], "leases\n", 7) == 0, "send a request");
	ok(ctlmsg_recv(fd[1], &m, &len) == 0 && len == 7 &&
		memcmp(m, "leases\n", 8) == 0,
	    "receive it, NUL-terminated");
	free(m);
	ctlmsg_hdr(h, CTLMSG_MAX + 1);
	ok(write(fd[0], h, 4) == 4 && ctlmsg_recv(fd[1], &m, &len) == -1,
	    "a length over CTLMSG_MAX refused");
	ctlmsg_hdr(h, 10);
	ok(write(fd[0], h, 4) == 4 && write(fd[0], "abc", 3) == 3,
	    "a header of 10 and 3 bytes sent");
	close(fd[0]);
	ok(ctlmsg_recv(fd[1], &m, &len) == -1, "cut short: refused");
	close(fd[1]);
	return done_testing();
}
