/*
 * Fuzz the iptables command-line parser: the input is split into words at
 * NUL bytes and applied as one command to a small ruleset. A refused
 * command must leave the ruleset exactly as it was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char base[] =
    "*filter\n:INPUT DROP [0:0]\n:vpn - [0:0]\n"
    "-A INPUT -i lo -j ACCEPT\n-A INPUT -j vpn\n"
    "-A vpn -m policy --dir in --pol ipsec -j ACCEPT\nCOMMIT\n";

static char *
save_text(struct fw_ruleset *rs)
{
	char  *buf = NULL;
	size_t len;
	FILE  *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	fw_save(rs, f, true);
	fclose(f);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_diag	   d = { 0 };
	struct fw_ruleset *rs;
	char		  *copy, *argv[64], *before, *after;
	size_t		   i;
	int		   argc = 0;
	FILE		  *f;

	if (size > 4096 || (copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = copy;
	for (i = 0; i < size && argc < 64; i++)
		if (copy[i] == '\0')
			argv[argc++] = &copy[i + 1];
	rs = fw_ruleset_new();
	f = fmemopen((void *)base, sizeof(base) - 1, "r");
	if (fw_restore(rs, f, &d) != 0)
		abort();
	fclose(f);
	before = save_text(rs);
	if (fw_command(rs, argc, argv, &d) == -1) {
		after = save_text(rs);
		if (strcmp(before, after) != 0)
			abort();
		free(after);
	}
	free(before);
	fw_ruleset_free(rs);
	free(copy);
	return 0;
}
