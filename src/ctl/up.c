/* moatctl up and down: start a connection of moat.conf; delete a
 * connection's IKE_SAs or one IKE_SA by its SPI. */
#include "ctl.h"

int
ctl_up(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: moatctl up NAME\n");
		return 2;
	}
	return ctl_request_args("up", 1, argv + 1, stdout);
}

int
ctl_down(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: moatctl down NAME|SPI\n");
		return 2;
	}
	return ctl_request_args("down", 1, argv + 1, stdout);
}
