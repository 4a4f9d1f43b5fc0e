/* The tables of match and target modules moat knows. */
#include <netinet/in.h>
#include <string.h>

#include "fw_int.h"

extern const struct fw_matchdef fw_match_tcp, fw_match_udp, fw_match_icmp,
    fw_match_multiport, fw_match_policy, fw_match_state, fw_match_conntrack,
    fw_match_comment, fw_match_iprange, fw_match_length, fw_match_mark,
    fw_match_mac, fw_match_limit, fw_match_hashlimit, fw_match_recent,
    fw_match_connlimit, fw_match_addrtype, fw_match_pkttype, fw_match_owner,
    fw_match_physdev, fw_match_rpfilter, fw_match_sctp, fw_match_dscp,
    fw_match_tos, fw_match_ttl;
extern const struct fw_targetdef fw_target_accept, fw_target_drop,
    fw_target_return, fw_target_reject, fw_target_log, fw_target_nflog,
    fw_target_mark, fw_target_connmark, fw_target_masquerade, fw_target_snat,
    fw_target_dnat, fw_target_redirect, fw_target_notrack, fw_target_ct,
    fw_target_checksum, fw_target_tcpmss, fw_target_tos, fw_target_dscp;

static const struct fw_matchdef *const matches[] = {
	&fw_match_tcp,
	&fw_match_udp,
	&fw_match_icmp,
	&fw_match_multiport,
	&fw_match_policy,
	&fw_match_state,
	&fw_match_conntrack,
	&fw_match_comment,
	&fw_match_iprange,
	&fw_match_length,
	&fw_match_mark,
	&fw_match_mac,
	&fw_match_limit,
	&fw_match_hashlimit,
	&fw_match_recent,
	&fw_match_connlimit,
	&fw_match_addrtype,
	&fw_match_pkttype,
	&fw_match_owner,
	&fw_match_physdev,
	&fw_match_rpfilter,
	&fw_match_sctp,
	&fw_match_dscp,
	&fw_match_tos,
	&fw_match_ttl,
};

static const struct fw_targetdef *const targets[] = {
	&fw_target_accept,
	&fw_target_drop,
	&fw_target_return,
	&fw_target_reject,
	&fw_target_log,
	&fw_target_nflog,
	&fw_target_mark,
	&fw_target_connmark,
	&fw_target_masquerade,
	&fw_target_snat,
	&fw_target_dnat,
	&fw_target_redirect,
	&fw_target_notrack,
	&fw_target_ct,
	&fw_target_checksum,
	&fw_target_tcpmss,
	&fw_target_tos,
	&fw_target_dscp,
};

const struct fw_matchdef *
fw_match_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++)
		if (strcmp(matches[i]->name, name) == 0)
			return matches[i];
	return NULL;
}

/* The match that -p loads implicitly when one of its options is used. */
const struct fw_matchdef *
fw_match_proto(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return &fw_match_tcp;
	case IPPROTO_UDP:
		return &fw_match_udp;
	case IPPROTO_ICMP:
		return &fw_match_icmp;
	case IPPROTO_SCTP:
		return &fw_match_sctp;
	default:
		return NULL;
	}
}

const struct fw_targetdef *
fw_target_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(targets[i]->name, name) == 0)
			return targets[i];
	return NULL;
}
