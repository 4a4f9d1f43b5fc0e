/*
 * Messages on moatd's control socket: a 4-byte big-endian length, then
 * that many bytes. A request is "VERB\n" and a body, which for most
 * verbs is its arguments, one a line; an answer is "0\n" (done) or "1\n"
 * (refused) and text for the user.
 */
#ifndef MOAT_CTLMSG_H
#define MOAT_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#define CTLMSG_MAX (16u << 20)
#define CTLMSG_MAXARGS 4
#define CTL_SOCKET "/run/moatd.sock"

int ctlmsg_send(int, const void *, size_t);
/* A message in a fresh NUL-terminated buffer; -1 on a short read, an
 * error, or a length over CTLMSG_MAX. */
int ctlmsg_recv(int, char **, size_t *);

/* The header of a message of len bytes, and the length a header gives. */
void	 ctlmsg_hdr(uint8_t h[4], uint32_t len);
uint32_t ctlmsg_len(const uint8_t h[4]);

/* A request, split in place: the verb (verblen bytes, NUL-terminated,
 * but the bytes are the client's and may hold another NUL) and the body
 * after its line; argv once ctlmsg_args has split the body. */
struct ctlmsg_req {
	const char *verb;
	size_t	    verblen;
	char	   *body;
	size_t	    len;
	char	   *argv[CTLMSG_MAXARGS];
	int	    argc;
};

/* msg is len bytes and a NUL after them, as ctlmsg_recv gives it; -1
 * with the reason if it has no verb line. */
int ctlmsg_parse(char *msg, size_t len, struct ctlmsg_req *, const char **why);
/* The body as arguments, one a line (a trailing newline ends the last);
 * -1 with the reason for a NUL byte or over CTLMSG_MAXARGS of them. */
int ctlmsg_args(struct ctlmsg_req *, const char **why);

#endif
