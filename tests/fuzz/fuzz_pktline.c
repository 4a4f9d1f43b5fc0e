/* Fuzz the eval packet-line parser, and evaluate what parses against the
 * story's gateway ruleset (kept small and fixed here). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char rules[] =
    "*filter\n:INPUT DROP [0:0]\n"
    ":FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n:vpn - [0:0]\n"
    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "-A INPUT -d 198.51.100.1/32 -p udp -m multiport --dports 500,4500 "
    "-j ACCEPT\n"
    "-A FORWARD -s 10.0.2.0/24 -m policy --dir in --pol ipsec --strict "
    "--mode tunnel --tunnel-dst 198.51.100.1 -j vpn\n"
    "-A vpn -p tcp -m tcp --tcp-flags SYN,ACK SYN -j LOG\n"
    "-A vpn -p icmp -m icmp --icmp-type 8 -j REJECT\n"
    "-A vpn -j ACCEPT\nCOMMIT\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_diag	     d = { 0 };
	struct fw_ruleset   *rs;
	struct fw_evaluator *e;
	struct fw_verdict    v;
	struct fw_pkt	     pk;
	const char	    *why;
	char		    *line, key[64];
	FILE		    *f;

	if ((line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (fw_pkt_parse(line, &pk, &why, key, sizeof(key)) == 1) {
		rs = fw_ruleset_new();
		f = fmemopen((void *)rules, sizeof(rules) - 1, "r");
		if (fw_restore(rs, f, &d) != 0)
			abort();
		fclose(f);
		e = fw_evaluator_new(rs, FW_FILTER, 4);
		fw_evaluate(e, &pk, &v, NULL);
		if (v.verdict[0] == '\0' || v.rule < 0)
			abort();
		fw_evaluator_free(e);
		fw_ruleset_free(rs);
	}
	free(line);
	return 0;
}
