/*
 * Matches on what the host knows about a packet beyond its headers, and on
 * IP header fields: addrtype, pkttype, owner, physdev, rpfilter, sctp,
 * dscp, tos, ttl. Options and save formats are those of
 * iptables-extensions(8) and libxt_*.c of iptables 1.8.9, checked with
 * iptables-save in a namespace; the match semantics are those of the
 * kernel's xt_*.c, cited where they are not obvious.
 */
#include <ctype.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>

#include "fw_int.h"

#define HOOK(h) (1u << (h))

static bool
in_range(uint32_t v, const uint32_t r[2])
{
	return v >= r[0] && v <= r[1];
}

/*
 * addrtype: the route type of the source or destination address. The
 * names and their bits are those of xt_addrtype.h (1 << RTN_*), printed
 * in that order. moatd fills the packet's src-type/dst-type from its own
 * addresses (LOCAL for an address of the gateway, BROADCAST for a
 * directed or limited broadcast, MULTICAST for 224.0.0.0/4, else
 * UNICAST); `moatctl fw eval` takes them as keys.
 */
static const char *const rtn_names[] = { "UNSPEC", "UNICAST", "LOCAL",
	"BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE",
	"PROHIBIT", "THROW", "NAT", "XRESOLVE" };

#define NRTN (sizeof(rtn_names) / sizeof(rtn_names[0]))

/* On error the offending name is copied into bad. */
int
fw_parse_addrtypes(const char *s, uint16_t *mask, char *bad, size_t badlen)
{
	char   buf[256], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NRTN; i++)
			if (strcasecmp(tok, rtn_names[i]) == 0)
				break;
		if (i == NRTN) {
			snprintf(bad, badlen, "%s", tok);
			return -1;
		}
		*mask |= (uint16_t)(1u << i);
	}
	if (*mask == 0) {
		snprintf(bad, badlen, "%s", s);
		return -1;
	}
	return 0;
}

enum { A_SRC, A_DST, A_IIN, A_IOUT };

struct addrtype {
	uint16_t type[2]; /* A_SRC, A_DST */
	bool	 has[2], inv[2];
	bool	 iface_in, iface_out;
};

static const struct fw_opt addrtype_opts[] = { { "src-type", A_SRC, 1, true },
	{ "dst-type", A_DST, 1, true }, { "limit-iface-in", A_IIN, 0, false },
	{ "limit-iface-out", A_IOUT, 0, false }, { NULL, 0, 0, false } };

static int
addrtype_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct addrtype *a = d;
	char		 bad[64];

	switch (id) {
	case A_SRC:
	case A_DST:
		if (fw_parse_addrtypes(
			args[0], &a->type[id], bad, sizeof(bad)) == -1) {
			fw_error(p->diag, "--%s-type '%s': bad type '%s' (%s)",
			    id == A_SRC ? "src" : "dst", args[0], bad,
			    "UNSPEC, UNICAST, LOCAL, BROADCAST, ANYCAST, "
			    "MULTICAST, BLACKHOLE, UNREACHABLE, PROHIBIT, "
			    "THROW, NAT, XRESOLVE");
			return -1;
		}
		a->has[id] = true;
		a->inv[id] = inv;
		return 0;
	case A_IIN:
	case A_IOUT:
		if (id == A_IIN ? a->iface_out : a->iface_in) {
			fw_error(p->diag,
			    "--limit-iface-in and "
			    "--limit-iface-out cannot be used together");
			return -1;
		}
		*(id == A_IIN ? &a->iface_in : &a->iface_out) = true;
		return 0;
	}
	return -1;
}

static int
addrtype_final(struct fw_parse *p, void *d)
{
	const struct addrtype *a = d;

	if (!a->has[A_SRC] && !a->has[A_DST]) {
		fw_error(p->diag, "-m addrtype needs --src-type or --dst-type");
		return -1;
	}
	return 0;
}

static void
save_types(FILE *f, uint16_t mask)
{
	const char *sep = " ";
	size_t	    i;

	for (i = 0; i < NRTN; i++)
		if (mask & (1u << i)) {
			fprintf(f, "%s%s", sep, rtn_names[i]);
			sep = ",";
		}
}

static void
addrtype_save(const void *d, FILE *f)
{
	const struct addrtype *a = d;
	int		       i;

	for (i = A_SRC; i <= A_DST; i++)
		if (a->has[i]) {
			fprintf(f, "%s --%s-type", a->inv[i] ? " !" : "",
			    i == A_SRC ? "src" : "dst");
			save_types(f, a->type[i]);
		}
	if (a->iface_in)
		fputs(" --limit-iface-in", f);
	if (a->iface_out)
		fputs(" --limit-iface-out", f);
}

static bool
addrtype_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct addrtype *a = d;

	(void)ev;
	if (a->has[A_SRC] &&
	    ((a->type[A_SRC] & pk->src_type) != 0) == a->inv[A_SRC])
		return false;
	if (a->has[A_DST] &&
	    ((a->type[A_DST] & pk->dst_type) != 0) == a->inv[A_DST])
		return false;
	return true;
}

/* xt_addrtype's checkentry: the incoming interface is unknown in OUTPUT
 * and POSTROUTING, the outgoing one in PREROUTING and INPUT. */
static unsigned int
addrtype_hooks(const void *d)
{
	const struct addrtype *a = d;

	if (a->iface_in)
		return ~(HOOK(FW_OUTPUT) | HOOK(FW_POSTROUTING));
	if (a->iface_out)
		return ~(HOOK(FW_PREROUTING) | HOOK(FW_INPUT));
	return ~0u;
}

static const char *
addrtype_unsupported(const void *d)
{
	const struct addrtype *a = d;

	return a->iface_in || a->iface_out ?
	    "--limit-iface-in/out (the "
	    "packet's address types are not looked up per interface)" :
	    NULL;
}

const struct fw_matchdef fw_match_addrtype = {
	.name = "addrtype",
	.opts = addrtype_opts,
	.size = sizeof(struct addrtype),
	.parse = addrtype_parse,
	.final = addrtype_final,
	.save = addrtype_save,
	.match = addrtype_match,
	.hookmask = addrtype_hooks,
	.unsupported = addrtype_unsupported,
};

/* pkttype: the link-layer class (PACKET_* of linux/if_packet.h). libxt_
 * pkttype takes the aliases host, bcast and mcast and prints the first
 * name of the table. */
static const struct {
	const char *name;
	uint8_t	    type;
} pkttypes[] = {
	{ "unicast", FW_PKTTYPE_UNICAST },
	{ "broadcast", FW_PKTTYPE_BROADCAST },
	{ "multicast", FW_PKTTYPE_MULTICAST },
	{ "otherhost", FW_PKTTYPE_OTHERHOST },
	{ "bcast", FW_PKTTYPE_BROADCAST },
	{ "mcast", FW_PKTTYPE_MULTICAST },
	{ "host", FW_PKTTYPE_UNICAST },
};

int
fw_parse_pkttype(const char *s, uint8_t *type)
{
	size_t i;

	for (i = 0; i < sizeof(pkttypes) / sizeof(pkttypes[0]); i++)
		if (strcasecmp(s, pkttypes[i].name) == 0) {
			*type = pkttypes[i].type;
			return 0;
		}
	return -1;
}

struct pkttype {
	uint8_t type;
	bool	inv, given;
};

static const struct fw_opt pkttype_opts[] = { { "pkt-type", 0, 1, true },
	{ NULL, 0, 0, false } };

static int
pkttype_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct pkttype *pt = d;

	(void)id;
	if (fw_parse_pkttype(args[0], &pt->type) == -1) {
		fw_error(p->diag,
		    "--pkt-type '%s': unicast, broadcast, "
		    "multicast or otherhost",
		    args[0]);
		return -1;
	}
	pt->inv = inv;
	pt->given = true;
	return 0;
}

static int
pkttype_final(struct fw_parse *p, void *d)
{
	if (!((struct pkttype *)d)->given) {
		fw_error(p->diag, "-m pkttype needs --pkt-type");
		return -1;
	}
	return 0;
}

static void
pkttype_save(const void *d, FILE *f)
{
	const struct pkttype *pt = d;

	fprintf(f, "%s --pkt-type %s", pt->inv ? " !" : "",
	    pkttypes[pt->type].name);
}

static bool
pkttype_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct pkttype *pt = d;

	(void)ev;
	return (pk->pkttype == pt->type) != pt->inv;
}

const struct fw_matchdef fw_match_pkttype = {
	.name = "pkttype",
	.opts = pkttype_opts,
	.size = sizeof(struct pkttype),
	.parse = pkttype_parse,
	.final = pkttype_final,
	.save = pkttype_save,
	.match = pkttype_match,
};

/*
 * owner: the socket of a locally generated packet (xt_owner, revision 1).
 * Only OUTPUT and POSTROUTING see one. IDs are numbers or names looked up
 * on this machine, as iptables does; the largest ID is 2^32-2.
 */
enum { O_UID, O_GID, O_SOCK, O_SUPPL };

struct owner {
	uint32_t     uid[2], gid[2];
	unsigned int given, inv; /* bits 1 << O_* */
};

static const struct fw_opt owner_opts[] = { { "uid-owner", O_UID, 1, true },
	{ "gid-owner", O_GID, 1, true }, { "socket-exists", O_SOCK, 0, true },
	{ "suppl-groups", O_SUPPL, 0, false }, { NULL, 0, 0, false } };

static int
owner_id(const char *s, bool uid, uint32_t *out)
{
	struct passwd *pw;
	struct group  *gr;
	uintmax_t      v;

	if (ipt_strtoui(s, 0, UINT32_MAX - 1, &v) == 0) {
		*out = (uint32_t)v;
		return 0;
	}
	if (uid && (pw = getpwnam(s)) != NULL) {
		*out = pw->pw_uid;
		return 0;
	}
	if (!uid && (gr = getgrnam(s)) != NULL) {
		*out = gr->gr_gid;
		return 0;
	}
	return -1;
}

static int
owner_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct owner *o = d;
	char	      buf[256], *dash;
	uint32_t     *r;

	switch (id) {
	case O_UID:
	case O_GID:
		r = id == O_UID ? o->uid : o->gid;
		snprintf(buf, sizeof(buf), "%s", args[0]);
		if ((dash = strchr(buf, '-')) != NULL && dash != buf)
			*dash++ = '\0';
		else
			dash = NULL;
		if (owner_id(buf, id == O_UID, &r[0]) == -1 ||
		    owner_id(dash != NULL ? dash : buf, id == O_UID, &r[1]) ==
			-1) {
			fw_error(p->diag,
			    "--%s-owner '%s': not a %s name, "
			    "number or range N-M",
			    id == O_UID ? "uid" : "gid", args[0],
			    id == O_UID ? "user" : "group");
			return -1;
		}
		break;
	case O_SUPPL:
		if (!(o->given & (1u << O_GID))) {
			fw_error(p->diag,
			    "--suppl-groups needs --gid-owner "
			    "before it");
			return -1;
		}
		break;
	}
	o->given |= 1u << id;
	o->inv |= inv ? 1u << id : 0;
	return 0;
}

static int
owner_final(struct fw_parse *p, void *d)
{
	const struct owner *o = d;

	if (!(o->given & (1u << O_UID | 1u << O_GID | 1u << O_SOCK))) {
		fw_error(p->diag,
		    "-m owner needs --uid-owner, --gid-owner or "
		    "--socket-exists");
		return -1;
	}
	/* xt_owner's checkentry refuses a reversed range (EINVAL). */
	if (((o->given & (1u << O_UID)) && o->uid[0] > o->uid[1]) ||
	    ((o->given & (1u << O_GID)) && o->gid[0] > o->gid[1])) {
		fw_error(p->diag,
		    "-m owner: range %u-%u is reversed (the "
		    "kernel refuses it)",
		    (o->given & (1u << O_UID)) && o->uid[0] > o->uid[1] ?
			o->uid[0] :
			o->gid[0],
		    (o->given & (1u << O_UID)) && o->uid[0] > o->uid[1] ?
			o->uid[1] :
			o->gid[1]);
		return -1;
	}
	return 0;
}

static void
save_idrange(FILE *f, const char *opt, const uint32_t r[2], bool inv)
{
	fprintf(f, "%s %s %u", inv ? " !" : "", opt, r[0]);
	if (r[1] != r[0])
		fprintf(f, "-%u", r[1]);
}

static void
owner_save(const void *d, FILE *f)
{
	const struct owner *o = d;

	if (o->given & (1u << O_SOCK))
		fprintf(f, "%s --socket-exists",
		    o->inv & (1u << O_SOCK) ? " !" : "");
	if (o->given & (1u << O_UID))
		save_idrange(f, "--uid-owner", o->uid, o->inv & (1u << O_UID));
	if (o->given & (1u << O_GID))
		save_idrange(f, "--gid-owner", o->gid, o->inv & (1u << O_GID));
	if (o->given & (1u << O_SUPPL))
		fputs(" --suppl-groups", f);
}

/*
 * owner_mt: without a socket (forwarded packets, and packets without
 * uid=/gid=) the rule matches only if every option given is negated; with
 * one, "! --socket-exists" fails and the ranges are tested.
 */
static bool
owner_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct owner *o = d;
	unsigned int	    given = o->given & ~(1u << O_SUPPL);

	(void)ev;
	if (!pk->has_owner)
		return (given & ~o->inv) == 0;
	if (given & o->inv & (1u << O_SOCK))
		return false;
	if ((given & (1u << O_UID)) &&
	    in_range(pk->uid, o->uid) == !!(o->inv & (1u << O_UID)))
		return false;
	if ((given & (1u << O_GID)) &&
	    in_range(pk->gid, o->gid) == !!(o->inv & (1u << O_GID)))
		return false;
	return true;
}

static const char *
owner_unsupported(const void *d)
{
	const struct owner *o = d;

	return o->given & (1u << O_SUPPL) ? "--suppl-groups (packets carry "
					    "no supplementary groups)" :
					    NULL;
}

const struct fw_matchdef fw_match_owner = {
	.name = "owner",
	.opts = owner_opts,
	.size = sizeof(struct owner),
	.hooks = HOOK(FW_OUTPUT) | HOOK(FW_POSTROUTING),
	.parse = owner_parse,
	.final = owner_final,
	.save = owner_save,
	.match = owner_match,
	.unsupported = owner_unsupported,
};

/*
 * physdev: the bridge ports of a bridged packet (xt_physdev). A packet
 * has bridge information when physin=, physout= or bridged=1 is given;
 * it is being bridged (--physdev-is-bridged, --physdev-is-out) when it
 * leaves by a bridge port: physout= or bridged=1.
 */
enum { P_IN, P_OUT, P_ISIN, P_ISOUT, P_BRIDGED };

struct physdev {
	char	     in[IFNAMSIZ], out[IFNAMSIZ];
	unsigned int given, inv;
};

static const struct fw_opt physdev_opts[] = { { "physdev-in", P_IN, 1, true },
	{ "physdev-out", P_OUT, 1, true }, { "physdev-is-in", P_ISIN, 0, true },
	{ "physdev-is-out", P_ISOUT, 0, true },
	{ "physdev-is-bridged", P_BRIDGED, 0, true }, { NULL, 0, 0, false } };

static int
physdev_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct physdev *ph = d;
	size_t		n;

	if (id == P_IN || id == P_OUT) {
		n = strlen(args[0]);
		if (n == 0 || n >= IFNAMSIZ) {
			fw_error(p->diag,
			    "--physdev-%s '%s': an interface "
			    "name of 1 to %d characters",
			    id == P_IN ? "in" : "out", args[0], IFNAMSIZ - 1);
			return -1;
		}
		memcpy(id == P_IN ? ph->in : ph->out, args[0], n + 1);
	}
	ph->given |= 1u << id;
	ph->inv |= inv ? 1u << id : 0;
	return 0;
}

static int
physdev_final(struct fw_parse *p, void *d)
{
	if (((struct physdev *)d)->given == 0) {
		fw_error(p->diag, "-m physdev needs a --physdev option");
		return -1;
	}
	return 0;
}

static void
physdev_save(const void *d, FILE *f)
{
	static const int order[] = { P_ISIN, P_IN, P_ISOUT, P_OUT, P_BRIDGED };
	static const char *const names[] = { "--physdev-in", "--physdev-out",
		"--physdev-is-in", "--physdev-is-out", "--physdev-is-bridged" };
	const struct physdev	*ph = d;
	size_t			 i;
	int			 id;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		id = order[i];
		if (!(ph->given & (1u << id)))
			continue;
		fprintf(
		    f, "%s %s", ph->inv & (1u << id) ? " !" : "", names[id]);
		if (id == P_IN || id == P_OUT)
			fprintf(f, " %s", id == P_IN ? ph->in : ph->out);
	}
}

static bool
physdev_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct physdev *ph = d;
	bool		      has_in = pk->physin[0] != '\0';
	bool		      has_out = pk->physout[0] != '\0' || pk->bridged;
	unsigned int	      g = ph->given, inv = ph->inv;

	(void)ev;
	/* No bridge information: only negated options match. */
	if (!has_in && !has_out)
		return (g & ~inv) == 0;
	if ((g & (1u << P_BRIDGED)) && has_out == !!(inv & (1u << P_BRIDGED)))
		return false;
	if ((g & (1u << P_ISIN)) && has_in == !!(inv & (1u << P_ISIN)))
		return false;
	if ((g & (1u << P_ISOUT)) && has_out == !!(inv & (1u << P_ISOUT)))
		return false;
	/* A missing port name is not compared (physdev_mt skips it). */
	if ((g & (1u << P_IN)) && has_in &&
	    fw_iface_match(ph->in, pk->physin) == !!(inv & (1u << P_IN)))
		return false;
	if ((g & (1u << P_OUT)) && has_out &&
	    fw_iface_match(ph->out, pk->physout) == !!(inv & (1u << P_OUT)))
		return false;
	return true;
}

/* physdev_mt_check: the output port is unknown in OUTPUT unless the rule
 * asks for a bridged packet. */
static unsigned int
physdev_hooks(const void *d)
{
	const struct physdev *ph = d;

	if ((ph->given & (1u << P_OUT | 1u << P_ISOUT)) &&
	    (!(ph->given & (1u << P_BRIDGED)) || (ph->inv & (1u << P_BRIDGED))))
		return ~HOOK(FW_OUTPUT);
	return ~0u;
}

const struct fw_matchdef fw_match_physdev = {
	.name = "physdev",
	.opts = physdev_opts,
	.size = sizeof(struct physdev),
	.parse = physdev_parse,
	.final = physdev_final,
	.save = physdev_save,
	.match = physdev_match,
	.hookmask = physdev_hooks,
};

/* rpfilter: a reverse-path route lookup, only in raw and mangle
 * PREROUTING (xt_rpfilter). moat has no routing table to ask. */
enum { R_LOOSE, R_VALIDMARK, R_ACCEPTLOCAL, R_INVERT };

struct rpfilter {
	unsigned int flags;
};

static const struct fw_opt rpfilter_opts[] = { { "loose", R_LOOSE, 0, false },
	{ "validmark", R_VALIDMARK, 0, false },
	{ "accept-local", R_ACCEPTLOCAL, 0, false },
	{ "invert", R_INVERT, 0, false }, { NULL, 0, 0, false } };

static int
rpfilter_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	(void)p;
	(void)args;
	(void)inv;
	((struct rpfilter *)d)->flags |= 1u << id;
	return 0;
}

static void
rpfilter_save(const void *d, FILE *f)
{
	static const char *const names[] = { " --loose", " --validmark",
		" --accept-local", " --invert" };
	const struct rpfilter	*r = d;
	int			 i;

	for (i = R_LOOSE; i <= R_INVERT; i++)
		if (r->flags & (1u << i))
			fputs(names[i], f);
}

const struct fw_matchdef fw_match_rpfilter = {
	.name = "rpfilter",
	.opts = rpfilter_opts,
	.size = sizeof(struct rpfilter),
	.hooks = HOOK(FW_PREROUTING),
	.tables = 1u << FW_RAW | 1u << FW_MANGLE,
	.parse = rpfilter_parse,
	.save = rpfilter_save,
};

/*
 * sctp: ports as tcp and udp, and chunk types (libxt_sctp's table; the
 * flag letters are those of each chunk's flags byte, high bit first).
 * Unlike tcp, a port range covering everything is printed as given.
 */
static const struct {
	const char *name;
	uint8_t	    type;
	const char *flags;
} sctp_chunks[] = {
	{ "DATA", 0, "----IUBE" },
	{ "INIT", 1, "--------" },
	{ "INIT_ACK", 2, "--------" },
	{ "SACK", 3, "--------" },
	{ "HEARTBEAT", 4, "--------" },
	{ "HEARTBEAT_ACK", 5, "--------" },
	{ "ABORT", 6, "-------T" },
	{ "SHUTDOWN", 7, "--------" },
	{ "SHUTDOWN_ACK", 8, "--------" },
	{ "ERROR", 9, "--------" },
	{ "COOKIE_ECHO", 10, "--------" },
	{ "COOKIE_ACK", 11, "--------" },
	{ "ECN_ECNE", 12, "--------" },
	{ "ECN_CWR", 13, "--------" },
	{ "SHUTDOWN_COMPLETE", 14, "-------T" },
	{ "ASCONF", 193, "--------" },
	{ "ASCONF_ACK", 128, "--------" },
	{ "FORWARD_TSN", 192, "--------" },
	{ "I_DATA", 64, "----IUBE" },
	{ "RE_CONFIG", 130, "--------" },
	{ "PAD", 132, "--------" },
	{ "I_FORWARD_TSN", 194, "--------" },
};

#define NCHUNKS (sizeof(sctp_chunks) / sizeof(sctp_chunks[0]))
#define SCTP_FLAGMAX 4 /* XT_NUM_SCTP_FLAGS */

enum { S_SPORT, S_DPORT, S_CHUNKS };
enum { S_ANY, S_ALL, S_ONLY };

struct sctp {
	uint16_t     spts[2], dpts[2];
	unsigned int given, inv;
	int	     mtype;
	uint32_t     map[8]; /* chunk types, bit per type */
	int	     nflags;
	struct {
		uint8_t type, flag, mask;
	} fl[SCTP_FLAGMAX];
};

static const struct fw_opt sctp_opts[] = { { "sport", S_SPORT, 1, true },
	{ "source-port", S_SPORT, 1, true }, { "dport", S_DPORT, 1, true },
	{ "destination-port", S_DPORT, 1, true },
	{ "chunk-types", S_CHUNKS, 2, true }, { NULL, 0, 0, false } };

static const char *const sctp_mtypes[] = { "any", "all", "only" };

static int
sctp_flags(struct fw_parse *p, struct sctp *s, size_t ci, const char *fl)
{
	const char *pos;
	size_t	    k;
	int	    bit, j;

	for (k = 0; fl[k] != '\0'; k++) {
		pos = strchr(
		    sctp_chunks[ci].flags, (char)toupper((unsigned char)fl[k]));
		if (fl[k] == '-' || pos == NULL) {
			fw_error(p->diag,
			    "--chunk-types: invalid flag '%c' "
			    "for chunk %s (valid: %s)",
			    fl[k], sctp_chunks[ci].name, sctp_chunks[ci].flags);
			return -1;
		}
		bit = 7 - (int)(pos - sctp_chunks[ci].flags);
		for (j = 0;
		     j < s->nflags && s->fl[j].type != sctp_chunks[ci].type;
		     j++)
			;
		if (j == s->nflags) {
			if (s->nflags == SCTP_FLAGMAX) {
				fw_error(p->diag,
				    "--chunk-types: flags on "
				    "more than %d chunk types",
				    SCTP_FLAGMAX);
				return -1;
			}
			s->fl[j].type = sctp_chunks[ci].type;
			s->nflags++;
		}
		s->fl[j].mask |= (uint8_t)(1u << bit);
		if (isupper((unsigned char)fl[k]))
			s->fl[j].flag |= (uint8_t)(1u << bit);
		else
			s->fl[j].flag &= (uint8_t) ~(1u << bit);
	}
	return 0;
}

static int
sctp_chunklist(struct fw_parse *p, struct sctp *s, const char *list)
{
	char   buf[512], *tok, *save = NULL, *colon;
	size_t ci;

	if (strcasecmp(list, "ALL") == 0) {
		memset(s->map, 0xff, sizeof(s->map));
		return 0;
	}
	if (strcasecmp(list, "NONE") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if ((colon = strchr(tok, ':')) != NULL)
			*colon++ = '\0';
		for (ci = 0; ci < NCHUNKS; ci++)
			if (strcasecmp(tok, sctp_chunks[ci].name) == 0)
				break;
		if (ci == NCHUNKS) {
			fw_error(p->diag,
			    "--chunk-types: unknown sctp chunk "
			    "'%s'",
			    tok);
			return -1;
		}
		s->map[sctp_chunks[ci].type / 32] |= 1u
		    << (sctp_chunks[ci].type % 32);
		if (colon != NULL && sctp_flags(p, s, ci, colon) == -1)
			return -1;
	}
	return 0;
}

static int
sctp_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct sctp *s = d;
	int	     i;

	s->given |= 1u << id;
	s->inv |= inv ? 1u << id : 0;
	switch (id) {
	case S_SPORT:
		return fw_parse_ports(p, "--sport", args[0], s->spts);
	case S_DPORT:
		return fw_parse_ports(p, "--dport", args[0], s->dpts);
	case S_CHUNKS:
		for (i = S_ANY; i <= S_ONLY; i++)
			if (strcasecmp(args[0], sctp_mtypes[i]) == 0)
				break;
		if (i > S_ONLY) {
			fw_error(p->diag,
			    "--chunk-types '%s': the match type "
			    "is all, any or only",
			    args[0]);
			return -1;
		}
		s->mtype = i;
		return sctp_chunklist(p, s, args[1]);
	}
	return -1;
}

static int
sctp_final(struct fw_parse *p, void *d)
{
	(void)d;
	if (p->rule->proto != IPPROTO_SCTP || (p->rule->inv & FW_INV_PROTO)) {
		fw_error(p->diag, "-m sctp needs -p sctp (without '!')");
		return -1;
	}
	return 0;
}

static void
sctp_save_ports(FILE *f, const char *opt, const uint16_t r[2], bool inv)
{
	fprintf(f, "%s %s %u", inv ? " !" : "", opt, r[0]);
	if (r[1] != r[0])
		fprintf(f, ":%u", r[1]);
}

static void
sctp_save_chunk(FILE *f, const struct sctp *s, unsigned int type)
{
	size_t ci;
	int    j, bit;

	for (ci = 0; ci < NCHUNKS && sctp_chunks[ci].type != type; ci++)
		;
	if (ci == NCHUNKS) {
		fprintf(f, "%u", type);
		return;
	}
	fputs(sctp_chunks[ci].name, f);
	for (j = 0; j < s->nflags; j++) {
		if (s->fl[j].type != type)
			continue;
		fputc(':', f);
		for (bit = 7; bit >= 0; bit--)
			if (s->fl[j].mask & (1u << bit))
				fputc(s->fl[j].flag & (1u << bit) ?
					sctp_chunks[ci].flags[7 - bit] :
					tolower((unsigned char)sctp_chunks[ci]
						    .flags[7 - bit]),
				    f);
	}
}

static void
sctp_save(const void *d, FILE *f)
{
	const struct sctp *s = d;
	unsigned int	   i, n = 0, set = 0;

	if (s->given & (1u << S_SPORT))
		sctp_save_ports(
		    f, "--sport", s->spts, s->inv & (1u << S_SPORT));
	if (s->given & (1u << S_DPORT))
		sctp_save_ports(
		    f, "--dport", s->dpts, s->inv & (1u << S_DPORT));
	if (!(s->given & (1u << S_CHUNKS)))
		return;
	fprintf(f, "%s --chunk-types %s", s->inv & (1u << S_CHUNKS) ? " !" : "",
	    sctp_mtypes[s->mtype]);
	for (i = 0; i < 256; i++)
		set += (s->map[i / 32] >> (i % 32)) & 1;
	if (set == 0 || set == 256) {
		fputs(set ? " ALL" : " NONE", f);
		return;
	}
	for (i = 0; i < 256; i++)
		if ((s->map[i / 32] >> (i % 32)) & 1) {
			fputs(n++ ? "," : " ", f);
			sctp_save_chunk(f, s, i);
		}
}

static bool
sctp_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct sctp *s = d;

	(void)ev;
	if (pk->fragment)
		return false;
	if ((s->given & (1u << S_SPORT)) &&
	    (pk->sport >= s->spts[0] && pk->sport <= s->spts[1]) ==
		!!(s->inv & (1u << S_SPORT)))
		return false;
	if ((s->given & (1u << S_DPORT)) &&
	    (pk->dport >= s->dpts[0] && pk->dport <= s->dpts[1]) ==
		!!(s->inv & (1u << S_DPORT)))
		return false;
	return true;
}

static const char *
sctp_unsupported(const void *d)
{
	const struct sctp *s = d;

	return s->given & (1u << S_CHUNKS) ? "--chunk-types (packets carry "
					     "no SCTP chunks)" :
					     NULL;
}

const struct fw_matchdef fw_match_sctp = {
	.name = "sctp",
	.opts = sctp_opts,
	.size = sizeof(struct sctp),
	.parse = sctp_parse,
	.final = sctp_final,
	.save = sctp_save,
	.match = sctp_match,
	.unsupported = sctp_unsupported,
};

/* dscp: the upper six bits of the TOS byte; classes as libxt_dscp's
 * dscp_helper.c (RFC 2474 class selectors, RFC 2597 AF, RFC 3246 EF). */
static const struct {
	const char *name;
	uint8_t	    dscp;
} dscp_classes[] = {
	{ "CS0", 0x00 },
	{ "CS1", 0x08 },
	{ "CS2", 0x10 },
	{ "CS3", 0x18 },
	{ "CS4", 0x20 },
	{ "CS5", 0x28 },
	{ "CS6", 0x30 },
	{ "CS7", 0x38 },
	{ "BE", 0x00 },
	{ "AF11", 0x0a },
	{ "AF12", 0x0c },
	{ "AF13", 0x0e },
	{ "AF21", 0x12 },
	{ "AF22", 0x14 },
	{ "AF23", 0x16 },
	{ "AF31", 0x1a },
	{ "AF32", 0x1c },
	{ "AF33", 0x1e },
	{ "AF41", 0x22 },
	{ "AF42", 0x24 },
	{ "AF43", 0x26 },
	{ "EF", 0x2e },
};

struct dscp {
	uint8_t dscp;
	bool	inv, given;
};

static const struct fw_opt dscp_opts[] = { { "dscp", 0, 1, true },
	{ "dscp-class", 1, 1, true }, { NULL, 0, 0, false } };

/* A DSCP as a number (0-63) or, if is_class, a class name. */
int
fw_parse_dscp(const char *s, bool is_class, uint8_t *out)
{
	uintmax_t v;
	size_t	  i;

	if (!is_class) {
		if (ipt_strtoui(s, 0, 63, &v) == -1)
			return -1;
		*out = (uint8_t)v;
		return 0;
	}
	for (i = 0; i < sizeof(dscp_classes) / sizeof(dscp_classes[0]); i++)
		if (strcasecmp(s, dscp_classes[i].name) == 0) {
			*out = dscp_classes[i].dscp;
			return 0;
		}
	return -1;
}

static int
dscp_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct dscp *ds = d;

	if (ds->given) {
		fw_error(p->diag, "only one of --dscp and --dscp-class");
		return -1;
	}
	if (fw_parse_dscp(args[0], id == 1, &ds->dscp) == -1) {
		fw_error(p->diag,
		    id == 0 ?
			"--dscp '%s': a number from 0 to "
			"63" :
			"--dscp-class '%s': not CS0-CS7, BE, AF11-AF43 or "
			"EF",
		    args[0]);
		return -1;
	}
	ds->inv = inv;
	ds->given = true;
	return 0;
}

static int
dscp_final(struct fw_parse *p, void *d)
{
	if (!((struct dscp *)d)->given) {
		fw_error(p->diag, "-m dscp needs --dscp or --dscp-class");
		return -1;
	}
	return 0;
}

static void
dscp_save(const void *d, FILE *f)
{
	const struct dscp *ds = d;

	fprintf(f, "%s --dscp 0x%02x", ds->inv ? " !" : "", ds->dscp);
}

static bool
dscp_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct dscp *ds = d;

	(void)ev;
	return ((pk->tos >> 2) == ds->dscp) != ds->inv;
}

const struct fw_matchdef fw_match_dscp = {
	.name = "dscp",
	.opts = dscp_opts,
	.size = sizeof(struct dscp),
	.parse = dscp_parse,
	.final = dscp_final,
	.save = dscp_save,
	.match = dscp_match,
};

/* tos (revision 1): (tos & mask) == value. The RFC 1349 names of
 * libxt_tos imply the mask 0x3f; a bare number the mask 0xff. */
static const struct {
	const char *name;
	uint8_t	    value;
} tos_names[] = {
	{ "Minimize-Cost", 0x02 },
	{ "Maximize-Reliability", 0x04 },
	{ "Maximize-Throughput", 0x08 },
	{ "Minimize-Delay", 0x10 },
	{ "Normal-Service", 0x00 },
};

struct tos {
	uint8_t value, mask;
	bool	inv, given;
};

static const struct fw_opt tos_opts[] = { { "tos", 0, 1, true },
	{ NULL, 0, 0, false } };

/* A TOS as a name (mask 0x3f) or VALUE[/MASK] (mask 0xff by default). */
int
fw_parse_tos(const char *s, uint8_t *value, uint8_t *mask)
{
	char	  buf[64], *slash;
	uintmax_t v, m = 0xff;
	size_t	  i;

	for (i = 0; i < sizeof(tos_names) / sizeof(tos_names[0]); i++)
		if (strcasecmp(s, tos_names[i].name) == 0) {
			*value = tos_names[i].value;
			*mask = 0x3f;
			return 0;
		}
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (ipt_strtoui(buf, 0, 0xff, &v) == -1 ||
	    (slash != NULL && ipt_strtoui(slash, 0, 0xff, &m) == -1))
		return -1;
	*value = (uint8_t)v;
	*mask = (uint8_t)m;
	return 0;
}

static int
tos_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct tos *t = d;

	(void)id;
	t->inv = inv;
	t->given = true;
	if (fw_parse_tos(args[0], &t->value, &t->mask) == -1) {
		fw_error(p->diag,
		    "--tos '%s': VALUE[/MASK] of 8 bits, or a "
		    "name (Minimize-Delay, Maximize-Throughput, "
		    "Maximize-Reliability, Minimize-Cost, Normal-Service)",
		    args[0]);
		return -1;
	}
	return 0;
}

static int
tos_final(struct fw_parse *p, void *d)
{
	if (!((struct tos *)d)->given) {
		fw_error(p->diag, "-m tos needs --tos");
		return -1;
	}
	return 0;
}

static void
tos_save(const void *d, FILE *f)
{
	const struct tos *t = d;

	fprintf(
	    f, "%s --tos 0x%02x/0x%02x", t->inv ? " !" : "", t->value, t->mask);
}

static bool
tos_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct tos *t = d;

	(void)ev;
	return ((pk->tos & t->mask) == t->value) != t->inv;
}

const struct fw_matchdef fw_match_tos = {
	.name = "tos",
	.opts = tos_opts,
	.size = sizeof(struct tos),
	.parse = tos_parse,
	.final = tos_final,
	.save = tos_save,
	.match = tos_match,
};

/* ttl: one comparison; only --ttl-eq may be negated (it is then "not
 * equal", IPT_TTL_NE). */
enum { TTL_EQ, TTL_LT, TTL_GT };

struct ttl {
	int	op;
	uint8_t value;
	bool	inv, given;
};

static const struct fw_opt ttl_opts[] = { { "ttl-eq", TTL_EQ, 1, true },
	{ "ttl-lt", TTL_LT, 1, false }, { "ttl-gt", TTL_GT, 1, false },
	{ NULL, 0, 0, false } };

static const char *const ttl_optname[] = { "--ttl-eq", "--ttl-lt", "--ttl-gt" };

static int
ttl_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct ttl *t = d;
	uintmax_t   v;

	if (t->given) {
		fw_error(
		    p->diag, "only one of --ttl-eq, --ttl-lt and --ttl-gt");
		return -1;
	}
	if (ipt_strtoui(args[0], 0, 255, &v) == -1) {
		fw_error(p->diag, "%s '%s': a number from 0 to 255",
		    ttl_optname[id], args[0]);
		return -1;
	}
	t->op = id;
	t->value = (uint8_t)v;
	t->inv = inv;
	t->given = true;
	return 0;
}

static int
ttl_final(struct fw_parse *p, void *d)
{
	if (!((struct ttl *)d)->given) {
		fw_error(p->diag,
		    "-m ttl needs --ttl-eq, --ttl-lt or "
		    "--ttl-gt");
		return -1;
	}
	return 0;
}

static void
ttl_save(const void *d, FILE *f)
{
	const struct ttl *t = d;

	fprintf(
	    f, "%s %s %u", t->inv ? " !" : "", ttl_optname[t->op], t->value);
}

static bool
ttl_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct ttl *t = d;

	(void)ev;
	switch (t->op) {
	case TTL_EQ:
		return (pk->ttl == t->value) != t->inv;
	case TTL_LT:
		return pk->ttl < t->value;
	default:
		return pk->ttl > t->value;
	}
}

const struct fw_matchdef fw_match_ttl = {
	.name = "ttl",
	.opts = ttl_opts,
	.size = sizeof(struct ttl),
	.parse = ttl_parse,
	.final = ttl_final,
	.save = ttl_save,
	.match = ttl_match,
};
