/* Protocol names and the tokenizer shared by the file front ends. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fw_int.h"

/*
 * Protocol keywords. iptables looks numbers up in /etc/protocols first
 * (getprotobynumber) and falls back to its own short list
 * (xtables_chain_protos); moat carries both so that its output does not
 * depend on the machine. The netbase keywords are IANA's protocol numbers
 * as Debian 12's /etc/protocols spells them.
 */
static const char *const netbase[256] = {
	[1] = "icmp",
	[2] = "igmp",
	[3] = "ggp",
	[4] = "ipencap",
	[5] = "st",
	[6] = "tcp",
	[8] = "egp",
	[9] = "igp",
	[12] = "pup",
	[17] = "udp",
	[20] = "hmp",
	[22] = "xns-idp",
	[27] = "rdp",
	[29] = "iso-tp4",
	[33] = "dccp",
	[36] = "xtp",
	[37] = "ddp",
	[38] = "idpr-cmtp",
	[41] = "ipv6",
	[43] = "ipv6-route",
	[44] = "ipv6-frag",
	[45] = "idrp",
	[46] = "rsvp",
	[47] = "gre",
	[50] = "esp",
	[51] = "ah",
	[57] = "skip",
	[58] = "ipv6-icmp",
	[59] = "ipv6-nonxt",
	[60] = "ipv6-opts",
	[73] = "rspf",
	[81] = "vmtp",
	[88] = "eigrp",
	[89] = "ospf",
	[93] = "ax.25",
	[94] = "ipip",
	[97] = "etherip",
	[98] = "encap",
	[103] = "pim",
	[108] = "ipcomp",
	[112] = "vrrp",
	[115] = "l2tp",
	[124] = "isis",
	[132] = "sctp",
	[133] = "fc",
	[135] = "mobility-header",
	[136] = "udplite",
	[137] = "mpls-in-ip",
	[138] = "manet",
	[139] = "hip",
	[140] = "shim6",
	[141] = "wesp",
	[142] = "rohc",
	[143] = "ethernet",
};

static const struct {
	const char *name;
	uint8_t	    num;
} chain_protos[] = {
	{ "tcp", 6 },
	{ "sctp", 132 },
	{ "udp", 17 },
	{ "udplite", 136 },
	{ "icmp", 1 },
	{ "icmpv6", 58 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "mh", 135 },
	{ "all", 0 },
};

int
fw_parse_proto(const char *s, uint8_t *out)
{
	uintmax_t v;
	size_t	  i;

	/* iptables lower-cases the name first, so TCP works. */
	for (i = 0; i < 256; i++)
		if (netbase[i] != NULL && strcasecmp(s, netbase[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	for (i = 0; i < sizeof(chain_protos) / sizeof(chain_protos[0]); i++)
		if (strcasecmp(s, chain_protos[i].name) == 0) {
			*out = chain_protos[i].num;
			return 0;
		}
	if (ipt_strtoui(s, 0, 255, &v) == -1)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* The name iptables-save prints, or the number in buf. */
const char *
fw_proto_name(uint8_t num, char *buf, size_t len)
{
	if (netbase[num] != NULL)
		return netbase[num];
	snprintf(buf, len, "%u", num);
	return buf;
}

void
fw_free_args(char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/*
 * Split a line into words as iptables-restore 1.8.9 does: blanks separate;
 * double quotes group and may join with what touches them (x"y z" is one
 * word); inside them a backslash takes the next character as it is ("a\xb"
 * is axb, "it\'s" is it's). Single quotes, and backslashes outside double
 * quotes, are ordinary characters (checked against iptables-restore).
 * On success *why is NULL, or a warning to report.
 */
int
fw_split_args(const char *line, char ***argvp, int *argcp, const char **why)
{
	*why = NULL;
	char	  **argv = NULL, **nv, *w = NULL;
	size_t	    wl = 0, n = strlen(line);
	int	    argc = 0;
	bool	    q = false, inword = false;
	const char *s;

	if ((w = malloc(n + 2)) == NULL)
		goto nomem;
	for (s = line;; s++) {
		if (*s == '\0' || (!q && isspace((unsigned char)*s))) {
			/* iptables-restore takes an unclosed quote to the
			 * end of the line, newline included; so do we, and
			 * say so. */
			if (q) {
				*why =
				    "unterminated double quote: the rest of "
				    "the line and its newline are one word, as "
				    "iptables-restore takes them";
				w[wl++] = '\n';
				q = false;
			}
			if (inword) {
				w[wl] = '\0';
				if ((nv = reallocarray(argv, argc + 2,
					 sizeof(*argv))) == NULL)
					goto nomem;
				argv = nv;
				if ((argv[argc] = strdup(w)) == NULL)
					goto nomem;
				argv[++argc] = NULL;
				wl = 0;
				inword = false;
			}
			if (*s == '\0')
				break;
			continue;
		}
		inword = true;
		if (*s == '"') {
			q = !q;
			continue;
		}
		if (q && *s == '\\' && s[1] != '\0')
			s++;
		w[wl++] = *s;
	}
	free(w);
	if (argv == NULL && (argv = calloc(1, sizeof(*argv))) == NULL)
		goto nomem;
	*argvp = argv;
	*argcp = argc;
	return 0;
nomem:
	*why = "out of memory";
	free(w);
	fw_free_args(argv, argc);
	return -1;
}
