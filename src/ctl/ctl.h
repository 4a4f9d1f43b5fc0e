/* moatctl's verbs: each takes its own argc/argv (argv[0] is the verb) and
 * returns the exit status. */
#ifndef MOAT_CTL_H
#define MOAT_CTL_H

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

#endif
