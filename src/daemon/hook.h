/*
 * The environment of a connection's up-script and down-script (hook.c):
 * built from what the IKE engine says of the IKE_SA, documented in
 * moatd(8).
 */
#ifndef MOAT_HOOK_H
#define MOAT_HOOK_H

#include <stddef.h>

#include "addr.h"
#include "ike.h"

#define HOOK_NENV 24
#define HOOK_MAXSPLIT (IKE_MAXSPLIT * 4)

/* envp points into buf: build one in place, never copy it. */
struct hook_env {
	char  *envp[HOOK_NENV + 1];
	size_t n;
	char   buf[8192];
	size_t used;
};

void hook_env_init(struct hook_env *);
/* NAME=value, printf-style; -1 if it is full. */
int hook_env_add(struct hook_env *, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The whole environment for event "up" or "down" of connection conn on
 * TUN device tunnel: PATH and the MOAT_ variables. */
int hook_env_build(struct hook_env *, const char *event, const char *conn,
    const char *tunnel, const struct ike_sa_info *);
/* The split networks: the remote selectors of every CHILD_SA, each once,
 * in the order given; how many. */
size_t hook_split(const struct ike_sa_info *, struct prefix *, size_t max);

#endif
