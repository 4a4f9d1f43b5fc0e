/*
 * Fuzz the --ipassmt parser: whatever it accepts has at least one
 * interface, each with a name iptables could match.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipassmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_diag	   d = { 0 };
	struct fw_ipassmt *a;
	FILE		  *f;
	size_t		   i;

	if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	if ((a = fw_ipassmt_read(f, "fuzz", &d)) != NULL) {
		if (a->nifs == 0 || d.nerr != 0)
			abort();
		for (i = 0; i < a->nifs; i++)
			if (a->ifs[i].name[0] == '\0' ||
			    strlen(a->ifs[i].name) >= IFNAMSIZ)
				abort();
	}
	fw_ipassmt_free(a);
	fclose(f);
	return 0;
}
