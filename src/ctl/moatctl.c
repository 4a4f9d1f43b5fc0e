/* moatctl: the moat control tool, one verb per file, dispatched here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"

static const struct ctl_verb verbs[] = {
	{ "down", "delete a connection's IKE_SAs, or one IKE_SA by SPI",
	    ctl_down },
	{ "fw", "packet filter rulesets: check, save, eval, trace, iptables",
	    ctl_fw },
	{ "help", "show this help", ctl_help },
	{ "leases", "moatd's address pool: online and remembered leases",
	    ctl_leases },
	{ "reload", "moatd reads moat.conf and its ruleset again", ctl_reload },
	{ "setkey", "setkey(8) files for moatd's SAD and SPD", ctl_setkey },
	{ "stats", "moatd's data plane counters", ctl_stats },
	{ "status", "moatd's IKE_SAs and CHILD_SAs, their traffic [--json]",
	    ctl_status },
	{ "up", "start a connection of moat.conf", ctl_up },
	{ "version", "print the version", ctl_version },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

void
ctl_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: moatctl [-S SOCKET] VERB [ARGS...]\n\nverbs:\n");
	for (i = 0; i < NVERBS; i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].help);
}

int
ctl_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ctl_usage(stdout);
	return 0;
}

int
ctl_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("moat %s\n", MOAT_VERSION);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;

	log_init("moatctl", LOG_TO_STDERR, LOG_LVL_INFO);
	/* -S SOCKET: the control socket of the moatd to talk to. */
	if (argc >= 3 && strcmp(argv[1], "-S") == 0) {
		setenv("MOAT_SOCKET", argv[2], 1);
		argv[2] = argv[0];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		ctl_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return ctl_help(argc - 1, argv + 1);
	for (i = 0; i < NVERBS; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "moatctl: unknown verb '%s'\n", argv[1]);
	ctl_usage(stderr);
	return 2;
}
