/*
 * Packet lines of `moatctl fw eval`: blank-separated key=value pairs, '#'
 * starts a comment. The keys are those of DESIGN.md's contract plus a few
 * compatible ones (ttl, tos, frag, icmp-id, inner, pkttype, uid, gid,
 * src-type, dst-type, physin, physout, bridged); see moatctl(8).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fw_int.h"

enum {
	K_HOOK,
	K_IN,
	K_OUT,
	K_SRC,
	K_DST,
	K_PROTO,
	K_SPORT,
	K_DPORT,
	K_FLAGS,
	K_T,
	K_LEN,
	K_MAC,
	K_ICMP,
	K_IPSEC,
	K_IPSEC_OUT,
	K_MARK,
	K_SPI,
	K_TTL,
	K_TOS,
	K_FRAG,
	K_ICMPID,
	K_INNER,
	K_PKTTYPE,
	K_UID,
	K_GID,
	K_SRCTYPE,
	K_DSTTYPE,
	K_PHYSIN,
	K_PHYSOUT,
	K_BRIDGED,
	K_INNERICMP,
	K_INNERID,
};

static const char *const keys[] = {
	[K_HOOK] = "hook",
	[K_IN] = "in",
	[K_OUT] = "out",
	[K_SRC] = "src",
	[K_DST] = "dst",
	[K_PROTO] = "proto",
	[K_SPORT] = "sport",
	[K_DPORT] = "dport",
	[K_FLAGS] = "flags",
	[K_T] = "t",
	[K_LEN] = "len",
	[K_MAC] = "mac",
	[K_ICMP] = "icmp",
	[K_IPSEC] = "ipsec",
	[K_IPSEC_OUT] = "ipsec-out",
	[K_MARK] = "mark",
	[K_SPI] = "spi",
	[K_TTL] = "ttl",
	[K_TOS] = "tos",
	[K_FRAG] = "frag",
	[K_ICMPID] = "icmp-id",
	[K_INNER] = "inner",
	[K_PKTTYPE] = "pkttype",
	[K_UID] = "uid",
	[K_GID] = "gid",
	[K_SRCTYPE] = "src-type",
	[K_DSTTYPE] = "dst-type",
	[K_PHYSIN] = "physin",
	[K_PHYSOUT] = "physout",
	[K_BRIDGED] = "bridged",
	[K_INNERICMP] = "inner-icmp",
	[K_INNERID] = "inner-id",
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* TCP flags by letter, as tcpdump prints them (plus U, E, C). */
static int
parse_flags(const char *s, uint8_t *out)
{
	static const char letters[] = "FSRPAUEC";
	const char	 *c;

	*out = 0;
	if (strcmp(s, "-") == 0 || strcasecmp(s, "none") == 0)
		return 0;
	for (; *s != '\0'; s++) {
		if ((c = strchr(letters, *s)) == NULL)
			return fw_parse_tcp_flags(s, out);
		*out |= (uint8_t)(1u << (c - letters));
	}
	return 0;
}

static int
parse_num(const char *s, uintmax_t max, uintmax_t *v)
{
	return ipt_strtoui(s, 0, max, v);
}

/* One SA: MODE:PROTO:TSRC>TDST[:spi=N][:reqid=N]. */
static int
parse_sa(char *s, struct fw_sa *sa, const char **why)
{
	char	 *f[5], *gt, *save = NULL;
	uintmax_t v;
	int	  n = 0, i;

	memset(sa, 0, sizeof(*sa));
	for (f[n] = strtok_r(s, ":", &save); f[n] != NULL && n < 4;
	     f[++n] = strtok_r(NULL, ":", &save))
		;
	if (n < 3) {
		*why = "an SA is MODE:PROTO:SRC>DST[:spi=N][:reqid=N]";
		return -1;
	}
	if (strcmp(f[0], "tunnel") == 0)
		sa->mode = FW_MODE_TUNNEL;
	else if (strcmp(f[0], "transport") == 0)
		sa->mode = FW_MODE_TRANSPORT;
	else {
		*why = "SA mode is tunnel or transport";
		return -1;
	}
	if (strcmp(f[1], "esp") == 0)
		sa->proto = IPPROTO_ESP;
	else if (strcmp(f[1], "ah") == 0)
		sa->proto = IPPROTO_AH;
	else if (strcmp(f[1], "ipcomp") == 0)
		sa->proto = IPPROTO_COMP;
	else {
		*why = "SA protocol is esp, ah or ipcomp";
		return -1;
	}
	if ((gt = strchr(f[2], '>')) == NULL) {
		*why = "SA endpoints are SRC>DST";
		return -1;
	}
	*gt++ = '\0';
	if (addr_pton(AF_INET, f[2], &sa->tsrc) == -1 ||
	    addr_pton(AF_INET, gt, &sa->tdst) == -1) {
		*why = "SA endpoints must be IPv4 addresses";
		return -1;
	}
	for (i = 3; i < n; i++) {
		if (strncmp(f[i], "spi=", 4) == 0 &&
		    parse_num(f[i] + 4, UINT32_MAX, &v) == 0)
			sa->spi = (uint32_t)v;
		else if (strncmp(f[i], "reqid=", 6) == 0 &&
		    parse_num(f[i] + 6, UINT32_MAX, &v) == 0)
			sa->reqid = (uint32_t)v;
		else {
			*why = "SA option is spi=N or reqid=N";
			return -1;
		}
	}
	return 0;
}

static int
parse_path(const char *s, struct fw_secpath *sp, const char **why)
{
	char buf[512], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf)) {
		*why = "security path too long";
		return -1;
	}
	strcpy(buf, s);
	sp->n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (sp->n == FW_SP_MAX) {
			*why = "more than 6 SAs in one path";
			return -1;
		}
		if (parse_sa(tok, &sp->sa[sp->n++], why) == -1)
			return -1;
	}
	if (sp->n == 0) {
		*why = "empty security path";
		return -1;
	}
	return 0;
}

/* inner=PROTO:SRC[:SPORT]>DST[:DPORT], the header an ICMP error quotes. */
static int
parse_inner(const char *s, struct fw_pkt *pk, const char **why)
{
	char	  buf[128], *gt, *c, *sp, *dp;
	uintmax_t v;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((c = strchr(buf, ':')) == NULL || (gt = strchr(c, '>')) == NULL)
		goto bad;
	*c++ = '\0';
	*gt++ = '\0';
	if (fw_parse_proto(buf, &pk->inner_proto) == -1)
		goto bad;
	if ((sp = strchr(c, ':')) != NULL)
		*sp++ = '\0';
	if ((dp = strchr(gt, ':')) != NULL)
		*dp++ = '\0';
	if (addr_pton(AF_INET, c, &pk->inner_src) == -1 ||
	    addr_pton(AF_INET, gt, &pk->inner_dst) == -1)
		goto bad;
	if (sp != NULL) {
		if (parse_num(sp, 65535, &v) == -1)
			goto bad;
		pk->inner_sport = (uint16_t)v;
	}
	if (dp != NULL) {
		if (parse_num(dp, 65535, &v) == -1)
			goto bad;
		pk->inner_dport = (uint16_t)v;
	}
	pk->has_inner = true;
	return 0;
bad:
	*why = "inner is PROTO:SRC[:SPORT]>DST[:DPORT]";
	return -1;
}

/* TYPE or TYPE/CODE. */
static int
parse_icmp(const char *v, uint8_t *type, uint8_t *code)
{
	char	  buf[32], *slash;
	uintmax_t t, c = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (parse_num(buf, 255, &t) == -1 ||
	    (slash != NULL && parse_num(slash, 255, &c) == -1))
		return -1;
	*type = (uint8_t)t;
	*code = (uint8_t)c;
	return 0;
}

static int
parse_hook(const char *s, enum fw_hook *h)
{
	int i;

	for (i = 0; i < FW_NHOOKS; i++)
		if (strcasecmp(s, fw_hook_names[i]) == 0) {
			*h = i;
			return 0;
		}
	return -1;
}

static int
set_key(struct fw_pkt *pk, int k, const char *v, const char **why)
{
	uintmax_t n;
	char	 *end;

	switch (k) {
	case K_HOOK:
		if (parse_hook(v, &pk->hook) == -1) {
			*why = "hook is PREROUTING, INPUT, FORWARD, OUTPUT or "
			       "POSTROUTING";
			return -1;
		}
		return 0;
	case K_IN:
	case K_OUT:
	case K_PHYSIN:
	case K_PHYSOUT:
		if (strlen(v) >= IFNAMSIZ || (v[0] == '\0' && k >= K_PHYSIN)) {
			*why = "interface name empty or too long";
			return -1;
		}
		strcpy(k == K_IN      ? pk->in :
			k == K_OUT    ? pk->out :
			k == K_PHYSIN ? pk->physin :
					pk->physout,
		    v);
		return 0;
	case K_PKTTYPE:
		if (fw_parse_pkttype(v, &pk->pkttype) == -1) {
			*why = "pkttype is unicast, broadcast, multicast or "
			       "otherhost";
			return -1;
		}
		return 0;
	case K_SRCTYPE:
	case K_DSTTYPE: {
		char bad[64];

		if (fw_parse_addrtypes(v,
			k == K_SRCTYPE ? &pk->src_type : &pk->dst_type, bad,
			sizeof(bad)) == -1) {
			*why =
			    "address types are UNICAST, LOCAL, BROADCAST, "
			    "MULTICAST ... (as -m addrtype), comma-separated";
			return -1;
		}
		return 0;
	}
	case K_SRC:
	case K_DST:
		if (addr_pton(AF_INET, v, k == K_SRC ? &pk->src : &pk->dst) ==
		    -1) {
			*why = strchr(v, ':') ?
			    "IPv6 packets are not "
			    "supported yet (the ruleset is iptables, IPv4)" :
			    "not an IPv4 address";
			return -1;
		}
		return 0;
	case K_PROTO:
		if (fw_parse_proto(v, &pk->proto) == -1) {
			*why = "unknown protocol";
			return -1;
		}
		return 0;
	case K_T:
		pk->t = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || pk->t < 0) {
			*why = "time is seconds, a number >= 0";
			return -1;
		}
		return 0;
	case K_FLAGS:
		if (parse_flags(v, &pk->tcp_flags) == -1) {
			*why = "flags are letters of FSRPAUEC, or names";
			return -1;
		}
		return 0;
	case K_MAC:
		if (fw_parse_mac(v, pk->mac) == -1) {
			*why = "mac is XX:XX:XX:XX:XX:XX";
			return -1;
		}
		pk->has_mac = true;
		return 0;
	case K_ICMP:
	case K_INNERICMP: {
		uint8_t t, c;

		if (parse_icmp(v, &t, &c) == -1) {
			*why = "an ICMP type is TYPE/CODE";
			return -1;
		}
		if (k == K_ICMP) {
			pk->icmp_type = t;
			pk->icmp_code = c;
		} else {
			pk->inner_icmp_type = t;
			pk->inner_icmp_code = c;
		}
		return 0;
	}
	case K_IPSEC:
		return parse_path(v, &pk->ipsec_in, why);
	case K_IPSEC_OUT:
		pk->has_ipsec_out = true;
		return parse_path(v, &pk->ipsec_out, why);
	case K_INNER:
		return parse_inner(v, pk, why);
	}
	/* The rest are plain numbers. */
	{
		static const uintmax_t max[] = { [K_SPORT] = 65535,
			[K_DPORT] = 65535,
			[K_LEN] = 65535,
			[K_MARK] = UINT32_MAX,
			[K_SPI] = UINT32_MAX,
			[K_TTL] = 255,
			[K_TOS] = 255,
			[K_FRAG] = 1,
			[K_ICMPID] = 65535,
			[K_INNERID] = 65535,
			[K_UID] = UINT32_MAX - 1,
			[K_GID] = UINT32_MAX - 1,
			[K_BRIDGED] = 1 };

		if (parse_num(v, max[k], &n) == -1) {
			*why = "not a number in range";
			return -1;
		}
	}
	switch (k) {
	case K_SPORT:
		pk->sport = (uint16_t)n;
		break;
	case K_DPORT:
		pk->dport = (uint16_t)n;
		break;
	case K_LEN:
		pk->len = (uint32_t)n;
		break;
	case K_MARK:
		pk->mark = (uint32_t)n;
		break;
	case K_SPI:
		pk->spi = (uint32_t)n;
		break;
	case K_TTL:
		pk->ttl = (uint8_t)n;
		break;
	case K_TOS:
		pk->tos = (uint8_t)n;
		break;
	case K_FRAG:
		pk->fragment = n != 0;
		break;
	case K_INNERID:
		pk->inner_icmp_id = (uint16_t)n;
		break;
	case K_ICMPID:
		pk->icmp_id = (uint16_t)n;
		break;
	case K_UID:
		pk->uid = (uint32_t)n;
		break;
	case K_GID:
		pk->gid = (uint32_t)n;
		break;
	case K_BRIDGED:
		pk->bridged = n != 0;
		break;
	}
	return 0;
}

/* The IP total length when len= is not given: IP header plus the usual
 * transport header. */
static uint32_t
default_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 40;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		return 28;
	default:
		return 20;
	}
}

void
fw_pkt_init(struct fw_pkt *pk)
{
	memset(pk, 0, sizeof(*pk));
	pk->icmp_type = -1;
	pk->ttl = 64;
	pk->src_type = pk->dst_type = 1u << 1; /* RTN_UNICAST */
}

/*
 * Parse one packet line. Returns 1 for a packet, 0 for a blank or comment
 * line, -1 with *why (and errkey, the offending pair) on error.
 */
int
fw_pkt_parse(const char *line, struct fw_pkt *pk, const char **why,
    char *errkey, size_t errlen)
{
	char   **argv = NULL, *eq;
	uint64_t seen = 0;
	int	 argc, i, rc = -1;
	size_t	 k;

	fw_pkt_init(pk);
	errkey[0] = '\0';
	if (fw_split_args(line, &argv, &argc, why) == -1)
		return -1;
	for (i = 0; i < argc && argv[i][0] != '#'; i++) {
		snprintf(errkey, errlen, "%s", argv[i]);
		if ((eq = strchr(argv[i], '=')) == NULL) {
			*why = "not key=value";
			goto out;
		}
		*eq++ = '\0';
		for (k = 0; k < NKEYS; k++)
			if (strcmp(argv[i], keys[k]) == 0)
				break;
		if (k == NKEYS) {
			*why = "unknown key";
			goto out;
		}
		if (seen & (1ull << k)) {
			*why = "key given twice";
			goto out;
		}
		seen |= 1ull << k;
		if (set_key(pk, (int)k, eq, why) == -1)
			goto out;
	}
	errkey[0] = '\0';
	if (seen == 0) {
		rc = 0;
		goto out;
	}
	if ((seen &
		(1ull << K_HOOK | 1ull << K_SRC | 1ull << K_DST |
		    1ull << K_PROTO)) !=
	    (1ull << K_HOOK | 1ull << K_SRC | 1ull << K_DST |
		1ull << K_PROTO)) {
		*why = "hook, src, dst and proto are required";
		goto out;
	}
	if (pk->proto == IPPROTO_ICMP && pk->icmp_type < 0) {
		*why = "proto=icmp needs icmp=TYPE/CODE";
		goto out;
	}
	/* A socket has both owners; without them there is none (xt_owner
	 * sees a forwarded packet so). */
	if (!!(seen & (1ull << K_UID)) != !!(seen & (1ull << K_GID))) {
		*why = "uid= and gid= go together (they describe the sending "
		       "socket)";
		goto out;
	}
	pk->has_owner = (seen & (1ull << K_UID)) != 0;
	if (!(seen & (1ull << K_LEN)))
		pk->len = default_len(pk->proto);
	rc = 1;
out:
	fw_free_args(argv, argc);
	return rc;
}
