/* PLACEHOLDER (being written): moatctl fw matrix. */
#include "ctl.h"

int
ctl_fw_matrix(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
