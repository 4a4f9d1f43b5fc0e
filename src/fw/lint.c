/* PLACEHOLDER (being written): shadowed, redundant, unreachable rules. */
#include "fw.h"

int
fw_lint(struct fw_ruleset *rs, const struct fw_check_opts *c,
    struct fw_diag *d)
{
	(void)rs;
	(void)c;
	(void)d;
	return 0;
}
