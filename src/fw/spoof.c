/* PLACEHOLDER (being written): spoofable accepts, --ipassmt. */
#include "fw.h"

int
fw_spoof_check(struct fw_ruleset *rs, const struct fw_check_opts *c,
    struct fw_diag *d)
{
	(void)rs;
	(void)c;
	(void)d;
	return 0;
}
