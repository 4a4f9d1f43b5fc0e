/*
 * Messages on moatd's control socket: a 4-byte big-endian length, then
 * that many bytes. A request is "VERB\n" and a body; an answer is "0\n"
 * (done) or "1\n" (refused) and text for the user.
 */
#ifndef MOAT_CTLMSG_H
#define MOAT_CTLMSG_H

#include <stddef.h>

#define CTLMSG_MAX (16u << 20)
#define CTL_SOCKET "/run/moatd.sock"

int ctlmsg_send(int, const void *, size_t);
/* A message in a fresh NUL-terminated buffer; -1 on a short read, an
 * error, or a length over CTLMSG_MAX. */
int ctlmsg_recv(int, char **, size_t *);

#endif
