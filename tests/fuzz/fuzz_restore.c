/*
 * Fuzz the restore parser. Whatever loads must print as something that
 * loads again and prints the same (load, save, load, save is stable),
 * unless the input needed a warning (an unclosed quote keeps a newline,
 * which iptables cannot load again either).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
save_text(struct fw_ruleset *rs, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL)
		abort();
	fw_save(rs, f, false);
	fclose(f);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_diag	   d = { 0 };
	struct fw_ruleset *rs, *again;
	char		  *first, *second;
	size_t		   n1, n2;
	FILE		  *f;

	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	rs = fw_ruleset_new();
	if (fw_restore(rs, f, &d) == 0 && d.nwarn == 0) {
		first = save_text(rs, &n1);
		again = fw_ruleset_new();
		fclose(f);
		if ((f = fmemopen(first, n1, "r")) == NULL)
			abort();
		if (fw_restore(again, f, &d) != 0)
			abort();
		second = save_text(again, &n2);
		if (n1 != n2 || memcmp(first, second, n1) != 0)
			abort();
		free(second);
		free(first);
		fw_ruleset_free(again);
	}
	fclose(f);
	fw_ruleset_free(rs);
	return 0;
}
