/* moatctl status: moatd's IKE_SAs and CHILD_SAs. */
#include "ctl.h"

int
ctl_status(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: moatctl status\n");
		return 2;
	}
	return ctl_request("status", "", 0, stdout);
}
