/* moatctl status: moatd's IKE_SAs and CHILD_SAs, as text or JSON. */
#include <string.h>

#include "ctl.h"

int
ctl_status(int argc, char **argv)
{
	int i, json = 0, names = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json++;
		else if (argv[i][0] != '-')
			names++;
		else
			break;
	}
	if (i < argc || json > 1 || names > 1) {
		fprintf(stderr, "usage: moatctl status [--json] [NAME]\n");
		return 2;
	}
	return ctl_request_args("status", argc - 1, argv + 1, stdout);
}
