/* moatctl stats: the data plane's counters from a running moatd. */
#include <string.h>

#include "ctl.h"

int
ctl_stats(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: moatctl stats\n");
		return 2;
	}
	return ctl_request("stats", "", 0, stdout);
}
