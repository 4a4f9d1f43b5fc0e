/*
 * Targets of the nat, raw and mangle tables: MASQUERADE, SNAT, DNAT,
 * REDIRECT, NOTRACK, CT, CHECKSUM, TCPMSS, TOS, DSCP. moat parses and
 * prints them as iptables 1.8.9 does (libxt_NAT.c, libxt_MASQUERADE.c,
 * libxt_REDIRECT.c, libxt_CT.c, libxt_CHECKSUM.c, libxt_TCPMSS.c,
 * libxt_TOS.c, libxt_DSCP.c, checked with iptables-save in a namespace)
 * and checks the tables and hooks the kernel allows (xt_nat.c,
 * xt_MASQUERADE.c, xt_REDIRECT.c, xt_CT.c, xt_CHECKSUM.c, xt_TCPMSS.c,
 * xt_DSCP.c). The filter path does not carry them out (.run = NULL).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "fw_int.h"

#define HOOK(h) (1u << (h))

/* libxt_NAT's portok: the rule's -p at the time the option is read
 * (a later -p does not count; '!' is not looked at). */
static bool
ports_ok(const struct fw_parse *p)
{
	switch (p->rule->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_ICMP:
		return true;
	default:
		return false;
	}
}

struct natrange {
	bool	       ips, ports, base;
	struct in_addr min, max;
	uint16_t       pmin, pmax, pbase;
	unsigned int   flags; /* 1 << N_RANDOM ... */
};

enum { N_TO, N_RANDOM, N_RANDOM_FULLY, N_PERSISTENT };

/* PORT[-PORT[/BASE]], numbers only (iptables also takes service names). */
static int
parse_natports(struct fw_parse *p, const char *opt, const char *s,
    struct natrange *r, bool base_ok)
{
	char	  buf[64], *dash, *slash;
	uintmax_t lo, hi, b;

	snprintf(buf, sizeof(buf), "%s", s);
	if (strchr(buf, ':') != NULL) {
		fw_error(p->diag,
		    "%s '%s': a port range is written with a "
		    "dash",
		    opt, s);
		return -1;
	}
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	slash = dash != NULL ? strchr(dash, '/') : NULL;
	if (slash != NULL)
		*slash++ = '\0';
	if (ipt_strtoui(buf, 0, 65535, &lo) == -1 ||
	    (dash != NULL && ipt_strtoui(dash, 0, 65535, &hi) == -1) ||
	    (slash != NULL &&
		(!base_ok || ipt_strtoui(slash, 1, 65535, &b) == -1))) {
		fw_error(p->diag,
		    "%s '%s': not a port, PORT-PORT%s (numbers "
		    "only)",
		    opt, s, base_ok ? " or PORT-PORT/BASE" : "");
		return -1;
	}
	if (dash == NULL)
		hi = lo;
	if (hi < lo) {
		fw_error(p->diag, "%s '%s': port range is reversed", opt, s);
		return -1;
	}
	r->ports = true;
	r->pmin = (uint16_t)lo;
	r->pmax = (uint16_t)hi;
	if (slash != NULL) {
		r->base = true;
		r->pbase = (uint16_t)b;
	}
	return 0;
}

/* ADDR[-ADDR][:PORT[-PORT[/BASE]]], or :PORTS alone. */
static int
parse_natto(
    struct fw_parse *p, const char *opt, const char *s, struct natrange *r)
{
	char buf[128], *colon, *dash;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((colon = strchr(buf, ':')) != NULL) {
		if (strchr(colon + 1, ':') != NULL) {
			fw_error(p->diag, "%s '%s': bad IP address", opt, s);
			return -1;
		}
		if (!ports_ok(p)) {
			fw_error(p->diag,
			    "%s '%s': a port needs -p tcp, udp, "
			    "sctp, dccp or icmp before it",
			    opt, s);
			return -1;
		}
		*colon++ = '\0';
		if (parse_natports(p, opt, colon, r, true) == -1)
			return -1;
		if (buf[0] == '\0')
			return 0;
	}
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	if (inet_pton(AF_INET, buf, &r->min) != 1 ||
	    (dash != NULL && inet_pton(AF_INET, dash, &r->max) != 1)) {
		fw_error(p->diag,
		    "%s '%s': bad IP address (ADDR[-ADDR]"
		    "[:PORT[-PORT]])",
		    opt, s);
		return -1;
	}
	if (dash == NULL)
		r->max = r->min;
	r->ips = true;
	return 0;
}

static void
save_natrange(FILE *f, const struct natrange *r)
{
	char a[INET_ADDRSTRLEN];

	if (r->ips) {
		fputs(inet_ntop(AF_INET, &r->min, a, sizeof(a)), f);
		if (r->max.s_addr != r->min.s_addr)
			fprintf(f, "-%s",
			    inet_ntop(AF_INET, &r->max, a, sizeof(a)));
	}
	if (r->ports) {
		fprintf(f, ":%u", r->pmin);
		if (r->pmax != r->pmin)
			fprintf(f, "-%u", r->pmax);
		if (r->base)
			fprintf(f, "/%u", r->pbase);
	}
}

static void
save_natflags(FILE *f, const struct natrange *r, bool persistent)
{
	if (r->flags & (1u << N_RANDOM))
		fputs(" --random", f);
	if (r->flags & (1u << N_RANDOM_FULLY))
		fputs(" --random-fully", f);
	if (persistent && (r->flags & (1u << N_PERSISTENT)))
		fputs(" --persistent", f);
}

/* SNAT and DNAT: one --to-source/--to-destination (revision 2 of
 * libxt_NAT takes one range). */
static const struct fw_opt snat_opts[] = { { "to-source", N_TO, 1, false },
	{ "to", N_TO, 1, false }, { "random", N_RANDOM, 0, false },
	{ "random-fully", N_RANDOM_FULLY, 0, false },
	{ "persistent", N_PERSISTENT, 0, false }, { NULL, 0, 0, false } };

static const struct fw_opt dnat_opts[] = { { "to-destination", N_TO, 1, false },
	{ "random", N_RANDOM, 0, false },
	{ "random-fully", N_RANDOM_FULLY, 0, false },
	{ "persistent", N_PERSISTENT, 0, false }, { NULL, 0, 0, false } };

static int
nat_parse(struct fw_parse *p, struct natrange *r, int id, char **args,
    const char *opt)
{
	if (id == N_TO) {
		if (r->ips || r->ports) {
			fw_error(p->diag, "%s can only be given once", opt);
			return -1;
		}
		return parse_natto(p, opt, args[0], r);
	}
	r->flags |= 1u << id;
	return 0;
}

static int
snat_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	(void)inv;
	return nat_parse(p, d, id, args, "--to-source");
}

static int
dnat_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	(void)inv;
	return nat_parse(p, d, id, args, "--to-destination");
}

static int
snat_final(struct fw_parse *p, void *d)
{
	const struct natrange *r = d;

	if (!r->ips && !r->ports) {
		fw_error(p->diag, "-j SNAT needs --to-source");
		return -1;
	}
	return 0;
}

static int
dnat_final(struct fw_parse *p, void *d)
{
	const struct natrange *r = d;

	if (!r->ips && !r->ports) {
		fw_error(p->diag, "-j DNAT needs --to-destination");
		return -1;
	}
	return 0;
}

static void
snat_save(const void *d, FILE *f)
{
	fputs(" --to-source ", f);
	save_natrange(f, d);
	save_natflags(f, d, true);
}

static void
dnat_save(const void *d, FILE *f)
{
	fputs(" --to-destination ", f);
	save_natrange(f, d);
	save_natflags(f, d, true);
}

const struct fw_targetdef fw_target_snat = {
	.name = "SNAT",
	.opts = snat_opts,
	.size = sizeof(struct natrange),
	.hooks = HOOK(FW_POSTROUTING) | HOOK(FW_INPUT),
	.tables = 1u << FW_NAT,
	.action = FW_ACT_VERDICT,
	.parse = snat_parse,
	.final = snat_final,
	.save = snat_save,
};

const struct fw_targetdef fw_target_dnat = {
	.name = "DNAT",
	.opts = dnat_opts,
	.size = sizeof(struct natrange),
	.hooks = HOOK(FW_PREROUTING) | HOOK(FW_OUTPUT),
	.tables = 1u << FW_NAT,
	.action = FW_ACT_VERDICT,
	.parse = dnat_parse,
	.final = dnat_final,
	.save = dnat_save,
};

/* MASQUERADE and REDIRECT: only ports. */
static const struct fw_opt masq_opts[] = { { "to-ports", N_TO, 1, false },
	{ "random", N_RANDOM, 0, false },
	{ "random-fully", N_RANDOM_FULLY, 0, false }, { NULL, 0, 0, false } };

static const struct fw_opt redirect_opts[] = { { "to-ports", N_TO, 1, false },
	{ "random", N_RANDOM, 0, false }, { NULL, 0, 0, false } };

static int
ports_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct natrange *r = d;

	(void)inv;
	if (id != N_TO) {
		r->flags |= 1u << id;
		return 0;
	}
	if (!ports_ok(p)) {
		fw_error(p->diag,
		    "--to-ports '%s' needs -p tcp, udp, sctp, "
		    "dccp or icmp before it",
		    args[0]);
		return -1;
	}
	return parse_natports(p, "--to-ports", args[0], r, false);
}

static void
ports_save(const void *d, FILE *f)
{
	const struct natrange *r = d;

	if (r->ports) {
		fprintf(f, " --to-ports %u", r->pmin);
		if (r->pmax != r->pmin)
			fprintf(f, "-%u", r->pmax);
	}
	save_natflags(f, r, false);
}

const struct fw_targetdef fw_target_masquerade = {
	.name = "MASQUERADE",
	.opts = masq_opts,
	.size = sizeof(struct natrange),
	.hooks = HOOK(FW_POSTROUTING),
	.tables = 1u << FW_NAT,
	.action = FW_ACT_VERDICT,
	.parse = ports_parse,
	.save = ports_save,
};

const struct fw_targetdef fw_target_redirect = {
	.name = "REDIRECT",
	.opts = redirect_opts,
	.size = sizeof(struct natrange),
	.hooks = HOOK(FW_PREROUTING) | HOOK(FW_OUTPUT),
	.tables = 1u << FW_NAT,
	.action = FW_ACT_VERDICT,
	.parse = ports_parse,
	.save = ports_save,
};

/* NOTRACK: CT --notrack under its old name, printed as NOTRACK. The
 * packet then skips connection tracking: UNTRACKED for the filter. */
static void
notrack_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev,
    char *out, size_t len)
{
	(void)d;
	(void)pk;
	ev->notrack = true;
	snprintf(out, len, "NOTRACK");
}

const struct fw_targetdef fw_target_notrack = {
	.name = "NOTRACK",
	.tables = 1u << FW_RAW,
	.action = FW_ACT_CONTINUE,
	.run = notrack_run,
};

/*
 * CT (revision 2). A helper must exist in the kernel for the rule's
 * protocol (xt_ct_set_helper: -p without '!'); the table lists the
 * helpers of nf_conntrack_*.c with their protocols. Timeout policies are
 * kernel objects moat cannot check, so --timeout is refused.
 */
static const struct {
	const char *name;
	uint8_t	    proto, proto2;
} ct_helpers[] = {
	{ "amanda", IPPROTO_UDP, 0 },
	{ "ftp", IPPROTO_TCP, 0 },
	{ "H.245", IPPROTO_UDP, 0 },
	{ "Q.931", IPPROTO_TCP, 0 },
	{ "RAS", IPPROTO_UDP, 0 },
	{ "irc", IPPROTO_TCP, 0 },
	{ "netbios-ns", IPPROTO_UDP, 0 },
	{ "pptp", IPPROTO_TCP, 0 },
	{ "sane", IPPROTO_TCP, 0 },
	{ "sip", IPPROTO_UDP, IPPROTO_TCP },
	{ "snmp", IPPROTO_UDP, 0 },
	{ "snmp_trap", IPPROTO_UDP, 0 },
	{ "tftp", IPPROTO_UDP, 0 },
};

static const char *const ct_events[] = { "new", "related", "destroy", "reply",
	"assured", "protoinfo", "helper", "mark", "natseqinfo", "secmark" };

enum {
	CT_NOTRACK,
	CT_HELPER,
	CT_CTEVENTS,
	CT_EXPEVENTS,
	CT_ZONE_ORIG,
	CT_ZONE_REPLY,
	CT_ZONE,
	CT_TIMEOUT
};

struct ct {
	bool	     notrack;
	char	     helper[16];
	unsigned int ctevents, expevents;
	bool	     zone_orig, zone_reply, zone_mark;
	uint16_t     zone;
};

static const struct fw_opt ct_opts[] = { { "notrack", CT_NOTRACK, 0, false },
	{ "helper", CT_HELPER, 1, false },
	{ "ctevents", CT_CTEVENTS, 1, false },
	{ "expevents", CT_EXPEVENTS, 1, false },
	{ "zone-orig", CT_ZONE_ORIG, 1, false },
	{ "zone-reply", CT_ZONE_REPLY, 1, false },
	{ "zone", CT_ZONE, 1, false }, { "timeout", CT_TIMEOUT, 1, false },
	{ NULL, 0, 0, false } };

static int
ct_eventlist(struct fw_parse *p, const char *opt, const char *s, size_t nnames,
    unsigned int *bits)
{
	char   buf[256], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < nnames; i++)
			if (strcmp(tok, ct_events[i]) == 0)
				break;
		if (i == nnames) {
			fw_error(
			    p->diag, "%s: unknown event type '%s'", opt, tok);
			return -1;
		}
		*bits |= 1u << i;
	}
	return 0;
}

static int
ct_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct ct *ct = d;
	uintmax_t  v;
	size_t	   i;

	(void)inv;
	switch (id) {
	case CT_NOTRACK:
		ct->notrack = true;
		return 0;
	case CT_HELPER:
		for (i = 0; i < sizeof(ct_helpers) / sizeof(ct_helpers[0]); i++)
			if (strcmp(args[0], ct_helpers[i].name) == 0)
				break;
		if (i == sizeof(ct_helpers) / sizeof(ct_helpers[0]) ||
		    (p->rule->inv & FW_INV_PROTO) || p->rule->proto == 0 ||
		    (p->rule->proto != ct_helpers[i].proto &&
			p->rule->proto != ct_helpers[i].proto2)) {
			fw_error(p->diag,
			    "--helper '%s': no such conntrack "
			    "helper for this rule's -p (the kernel looks a "
			    "helper up by name and protocol)",
			    args[0]);
			return -1;
		}
		snprintf(ct->helper, sizeof(ct->helper), "%s", args[0]);
		return 0;
	case CT_CTEVENTS:
		return ct_eventlist(p, "--ctevents", args[0],
		    sizeof(ct_events) / sizeof(ct_events[0]), &ct->ctevents);
	case CT_EXPEVENTS:
		return ct_eventlist(
		    p, "--expevents", args[0], 1, &ct->expevents);
	case CT_ZONE_ORIG:
	case CT_ZONE_REPLY:
	case CT_ZONE:
		if (strcmp(args[0], "mark") == 0)
			ct->zone_mark = true;
		else if (ipt_strtoui(args[0], 0, 65535, &v) == -1) {
			fw_error(p->diag,
			    "--%s '%s': a zone from 0 to 65535, "
			    "or mark",
			    ct_opts[id].name, args[0]);
			return -1;
		} else {
			ct->zone = (uint16_t)v;
			ct->zone_mark = false;
		}
		if (id == CT_ZONE_ORIG)
			ct->zone_orig = true;
		else if (id == CT_ZONE_REPLY)
			ct->zone_reply = true;
		return 0;
	case CT_TIMEOUT:
		fw_error(p->diag,
		    "--timeout '%s': timeout policies are kernel "
		    "objects moat does not know",
		    args[0]);
		return -1;
	}
	return -1;
}

static void
ct_save(const void *d, FILE *f)
{
	const struct ct *ct = d;
	const char	*dir = "";
	const char	*sep;
	size_t		 i;

	if (ct->notrack)
		fputs(" --notrack", f);
	if (ct->helper[0] != '\0')
		fprintf(f, " --helper %s", ct->helper);
	if (ct->ctevents != 0) {
		sep = " --ctevents ";
		for (i = 0; i < sizeof(ct_events) / sizeof(ct_events[0]); i++)
			if (ct->ctevents & (1u << i)) {
				fprintf(f, "%s%s", sep, ct_events[i]);
				sep = ",";
			}
	}
	if (ct->expevents != 0)
		fputs(" --expevents new", f);
	if (ct->zone_orig && !ct->zone_reply)
		dir = "-orig";
	else if (ct->zone_reply && !ct->zone_orig)
		dir = "-reply";
	if (ct->zone_mark)
		fprintf(f, " --zone%s mark", dir);
	else if (ct->zone != 0)
		fprintf(f, " --zone%s %u", dir, ct->zone);
}

static void
ct_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev, char *out,
    size_t len)
{
	(void)d;
	(void)pk;
	ev->notrack = true;
	snprintf(out, len, "CT --notrack");
}

/* Only --notrack is carried out: moat has no helpers, zones or event
 * masks. */
static const char *
ct_unsupported(const void *d)
{
	const struct ct *ct = d;

	return ct->notrack ? NULL : "only CT --notrack is carried out";
}

const struct fw_targetdef fw_target_ct = {
	.name = "CT",
	.opts = ct_opts,
	.size = sizeof(struct ct),
	.tables = 1u << FW_RAW,
	.action = FW_ACT_CONTINUE,
	.parse = ct_parse,
	.save = ct_save,
	.run = ct_run,
	.unsupported = ct_unsupported,
};

/* CHECKSUM: fills in the checksum of a packet; mangle only. */
struct checksum {
	bool fill;
};

static const struct fw_opt checksum_opts[] = { { "checksum-fill", 0, 0, false },
	{ NULL, 0, 0, false } };

static int
checksum_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	(void)p;
	(void)id;
	(void)args;
	(void)inv;
	((struct checksum *)d)->fill = true;
	return 0;
}

static int
checksum_final(struct fw_parse *p, void *d)
{
	if (!((struct checksum *)d)->fill) {
		fw_error(p->diag, "-j CHECKSUM needs --checksum-fill");
		return -1;
	}
	return 0;
}

static void
checksum_save(const void *d, FILE *f)
{
	(void)d;
	fputs(" --checksum-fill", f);
}

const struct fw_targetdef fw_target_checksum = {
	.name = "CHECKSUM",
	.opts = checksum_opts,
	.size = sizeof(struct checksum),
	.tables = 1u << FW_MANGLE,
	.action = FW_ACT_CONTINUE,
	.parse = checksum_parse,
	.final = checksum_final,
	.save = checksum_save,
};

/*
 * TCPMSS: --set-mss (at most 65515, 65535 less the IP and TCP headers) or
 * --clamp-mss-to-pmtu, on -p tcp without '!' (the target's .proto). With
 * nf_tables the kernel does not ask for a SYN match (nft_compat skips
 * that check). Clamping is valid only in FORWARD, OUTPUT and POSTROUTING,
 * which struct fw_targetdef cannot say per rule yet: not checked.
 */
struct tcpmss {
	uint16_t mss;
	bool	 clamp, set;
};

static const struct fw_opt tcpmss_opts[] = { { "set-mss", 0, 1, false },
	{ "clamp-mss-to-pmtu", 1, 0, false }, { NULL, 0, 0, false } };

static int
tcpmss_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct tcpmss *t = d;
	uintmax_t      v;

	(void)inv;
	if (t->set || t->clamp) {
		fw_error(p->diag,
		    "only one of --set-mss and "
		    "--clamp-mss-to-pmtu");
		return -1;
	}
	if (id == 1) {
		t->clamp = true;
		return 0;
	}
	if (ipt_strtoui(args[0], 0, 65515, &v) == -1) {
		fw_error(p->diag, "--set-mss '%s': a number from 0 to 65515",
		    args[0]);
		return -1;
	}
	t->mss = (uint16_t)v;
	t->set = true;
	return 0;
}

static int
tcpmss_final(struct fw_parse *p, void *d)
{
	const struct tcpmss *t = d;

	if (!t->set && !t->clamp) {
		fw_error(p->diag,
		    "-j TCPMSS needs --set-mss or "
		    "--clamp-mss-to-pmtu");
		return -1;
	}
	if (p->rule->proto != IPPROTO_TCP || (p->rule->inv & FW_INV_PROTO)) {
		fw_error(p->diag,
		    "-j TCPMSS needs -p tcp (without '!'; the "
		    "kernel refuses it otherwise)");
		return -1;
	}
	return 0;
}

static void
tcpmss_save(const void *d, FILE *f)
{
	const struct tcpmss *t = d;

	if (t->clamp)
		fputs(" --clamp-mss-to-pmtu", f);
	else
		fprintf(f, " --set-mss %u", t->mss);
}

const struct fw_targetdef fw_target_tcpmss = {
	.name = "TCPMSS",
	.opts = tcpmss_opts,
	.size = sizeof(struct tcpmss),
	.action = FW_ACT_CONTINUE,
	.parse = tcpmss_parse,
	.final = tcpmss_final,
	.save = tcpmss_save,
};

/* TOS: tos = (tos & ~mask) ^ value; --and/--or/--xor reduce to that, and
 * iptables-save prints every form as --set-tos VALUE/MASK. */
enum { TOS_SET, TOS_AND, TOS_OR, TOS_XOR };

struct tos_target {
	uint8_t value, mask;
	bool	given;
};

static const struct fw_opt tos_target_opts[] = { { "set-tos", TOS_SET, 1,
						     false },
	{ "and-tos", TOS_AND, 1, false }, { "or-tos", TOS_OR, 1, false },
	{ "xor-tos", TOS_XOR, 1, false }, { NULL, 0, 0, false } };

static int
tos_target_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct tos_target *t = d;
	uintmax_t	   v;

	(void)inv;
	if (t->given) {
		fw_error(p->diag,
		    "TOS takes one of --set-tos, --and-tos, "
		    "--or-tos and --xor-tos");
		return -1;
	}
	t->given = true;
	if (id == TOS_SET) {
		if (fw_parse_tos(args[0], &t->value, &t->mask) == 0)
			return 0;
		fw_error(p->diag,
		    "--set-tos '%s': VALUE[/MASK] of 8 bits or a "
		    "TOS name",
		    args[0]);
		return -1;
	}
	if (ipt_strtoui(args[0], 0, 0xff, &v) == -1) {
		fw_error(p->diag, "'%s': an 8-bit value", args[0]);
		return -1;
	}
	t->value = id == TOS_AND ? 0 : (uint8_t)v;
	t->mask = id == TOS_AND ? (uint8_t)~v : id == TOS_OR ? (uint8_t)v : 0;
	return 0;
}

static int
tos_target_final(struct fw_parse *p, void *d)
{
	if (!((struct tos_target *)d)->given) {
		fw_error(p->diag,
		    "TOS needs --set-tos, --and-tos, --or-tos or "
		    "--xor-tos");
		return -1;
	}
	return 0;
}

static void
tos_target_save(const void *d, FILE *f)
{
	const struct tos_target *t = d;

	fprintf(f, " --set-tos 0x%02x/0x%02x", t->value, t->mask);
}

const struct fw_targetdef fw_target_tos = {
	.name = "TOS",
	.opts = tos_target_opts,
	.size = sizeof(struct tos_target),
	.tables = 1u << FW_MANGLE,
	.action = FW_ACT_CONTINUE,
	.parse = tos_target_parse,
	.final = tos_target_final,
	.save = tos_target_save,
};

/* DSCP: a number 0-63 or a class; printed as two hex digits. */
struct dscp_target {
	uint8_t dscp;
	bool	given;
};

static const struct fw_opt dscp_target_opts[] = { { "set-dscp", 0, 1, false },
	{ "set-dscp-class", 1, 1, false }, { NULL, 0, 0, false } };

static int
dscp_target_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct dscp_target *t = d;

	(void)inv;
	if (t->given) {
		fw_error(p->diag,
		    "DSCP takes one of --set-dscp and "
		    "--set-dscp-class");
		return -1;
	}
	if (fw_parse_dscp(args[0], id == 1, &t->dscp) == -1) {
		fw_error(p->diag,
		    id == 0 ? "--set-dscp '%s': a number from 0 "
			      "to 63" :
			      "--set-dscp-class '%s': not CS0-CS7, BE, "
			      "AF11-AF43 or EF",
		    args[0]);
		return -1;
	}
	t->given = true;
	return 0;
}

static int
dscp_target_final(struct fw_parse *p, void *d)
{
	if (!((struct dscp_target *)d)->given) {
		fw_error(p->diag, "DSCP needs --set-dscp or --set-dscp-class");
		return -1;
	}
	return 0;
}

static void
dscp_target_save(const void *d, FILE *f)
{
	fprintf(f, " --set-dscp 0x%02x", ((const struct dscp_target *)d)->dscp);
}

const struct fw_targetdef fw_target_dscp = {
	.name = "DSCP",
	.opts = dscp_target_opts,
	.size = sizeof(struct dscp_target),
	.tables = 1u << FW_MANGLE,
	.action = FW_ACT_CONTINUE,
	.parse = dscp_target_parse,
	.final = dscp_target_final,
	.save = dscp_target_save,
};
