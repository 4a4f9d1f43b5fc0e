/*
 * Fuzz the shell-script importer. Whatever it accepts must print as a
 * ruleset that the restore parser loads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	  *vars[] = { "EXTIF=extif", "VPN=10.0.2.0/24" };
	static char	  *pos[] = { "198.51.100.1" };
	struct fw_diag	   d = { 0 };
	struct fw_ruleset *rs, *again;
	char		  *buf = NULL;
	size_t		   len;
	FILE		  *f, *out;

	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	rs = fw_ruleset_new();
	if (fw_import(rs, f, vars, 2, pos, 1, false, &d) == 0) {
		if ((out = open_memstream(&buf, &len)) == NULL)
			abort();
		fw_save(rs, out, false);
		fclose(out);
		fclose(f);
		if ((f = fmemopen(buf, len, "r")) == NULL)
			abort();
		again = fw_ruleset_new();
		/* A comment with a newline (an unclosed quote) is the one
		 * thing iptables itself cannot load back. */
		if (fw_restore(again, f, &d) != 0 && d.nwarn == 0)
			abort();
		fw_ruleset_free(again);
		free(buf);
	}
	fclose(f);
	fw_ruleset_free(rs);
	return 0;
}
