/* moatctl reload: moatd reads moat.conf and its ruleset again. */
#include "ctl.h"

int
ctl_reload(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: moatctl reload\n");
		return 2;
	}
	return ctl_request("reload", "", 0, stdout);
}
