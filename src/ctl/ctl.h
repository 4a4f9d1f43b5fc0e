/* moatctl's verbs: each takes its own argc/argv (argv[0] is the verb) and
 * returns the exit status. */
#ifndef MOAT_CTL_H
#define MOAT_CTL_H

#include <stdbool.h>
#include <stdio.h>

#define MOAT_VERSION "0.1"

struct ctl_verb {
	const char *name;
	const char *help;
	int (*fn)(int, char **);
};

void ctl_usage(FILE *);
int  ctl_help(int, char **);
int  ctl_version(int, char **);
int  ctl_fw(int, char **);
int  ctl_fw_matrix(int, char **);
int  ctl_stats(int, char **);
int  ctl_status(int, char **);
int  ctl_setkey(int, char **);
int  ctl_up(int, char **);
int  ctl_down(int, char **);
int  ctl_leases(int, char **);
int  ctl_reload(int, char **);
struct fw_diag;
/* The ruleset of file ("-": standard input), or with file NULL the one
 * moatd runs (fw-list through the control socket, d->file "moatd"); its
 * errors on stderr, NULL if it has any. */
struct fw_ruleset *ctl_fw_load(const char *file, bool counters,
    struct fw_diag *d);
/* One request to moatd (client.c): its answer goes to out; 0 done, 1
 * refused (the reason on stderr), 2 moatd could not be reached. */
int ctl_request(const char *verb, const char *body, size_t len, FILE *out);
/* The same with the arguments as the body, one a line. */
int ctl_request_args(const char *verb, int argc, char **argv, FILE *out);

#endif
