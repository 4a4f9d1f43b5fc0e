/* moatctl leases: the gateway's pool, online and remembered leases. */
#include <string.h>

#include "ctl.h"

int
ctl_leases(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		fprintf(stderr, "usage: moatctl leases [--json]\n");
		return 2;
	}
	return ctl_request_args("leases", argc - 1, argv + 1, stdout);
}
