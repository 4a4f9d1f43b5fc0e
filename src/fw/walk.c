/* PLACEHOLDER (being written): the gateway walk-through. */
#include "fw.h"

int
fw_walk(struct fw_ruleset *rs, const struct fw_check_opts *c,
    struct fw_diag *d, FILE *out)
{
	(void)rs;
	(void)c;
	(void)d;
	(void)out;
	return 0;
}
