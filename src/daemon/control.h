/*
 * The control socket's verbs that read or change the running daemon
 * (control.c dispatches them): status and leases (status.c), reload
 * (reload.c). Each writes what the user is told to out and returns 0
 * (done) or -1 (refused, the reason in out).
 */
#ifndef MOAT_CONTROL_H
#define MOAT_CONTROL_H

#include <stdbool.h>
#include <stdio.h>

#include "moatd.h"

/* The IKE_SAs (all, or those of one connection or peer identity; the
 * gateway's are connection "gateway") with their CHILD_SAs and the
 * data plane's counters of each, as text or JSON (moatctl(8)). */
int control_status(struct moatd *, bool json, const char *name, FILE *out);
/* The gateway's pool: every lease, online or remembered. */
int control_leases(struct moatd *, bool json, FILE *out);
/* Reads moat.conf and the ruleset again; nothing changes unless both
 * are good and no setting that needs a restart differs. */
int control_reload(struct moatd *, FILE *out);
/* A JSON string, escaped; bytes that are not UTF-8 become U+FFFD. */
void json_str(FILE *, const char *);

#endif
