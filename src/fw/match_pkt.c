/*
 * Matches on packet and connection fields: state and conntrack, comment,
 * iprange, length, mark, mac. Save formats and canonical orders are those
 * iptables 1.8.9 prints (checked against iptables-save in a namespace).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "box.h"
#include "conntrack.h"
#include "fw_int.h"

/* Connection states in the order iptables prints them. */
static const struct {
	const char  *name;
	unsigned int bit;
	bool	     state_ok; /* -m state accepts it too */
} ctstates[] = {
	{ "INVALID", FW_CT_INVALID, true },
	{ "NEW", FW_CT_NEW, true },
	{ "RELATED", FW_CT_RELATED, true },
	{ "ESTABLISHED", FW_CT_ESTABLISHED, true },
	{ "UNTRACKED", FW_CT_UNTRACKED, true },
	{ "SNAT", FW_CT_SNAT, false },
	{ "DNAT", FW_CT_DNAT, false },
};

#define NCTSTATES (sizeof(ctstates) / sizeof(ctstates[0]))

static int
parse_states(struct fw_parse *p, const char *opt, const char *s, bool conntrack,
    unsigned int *mask)
{
	char   buf[256], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NCTSTATES; i++)
			if (strcasecmp(tok, ctstates[i].name) == 0 &&
			    (conntrack || ctstates[i].state_ok))
				break;
		if (i == NCTSTATES) {
			fw_error(p->diag,
			    "%s: bad state '%s' (INVALID, NEW, "
			    "RELATED, ESTABLISHED, UNTRACKED%s)",
			    opt, tok, conntrack ? ", SNAT, DNAT" : "");
			return -1;
		}
		*mask |= ctstates[i].bit;
	}
	if (*mask == 0) {
		fw_error(p->diag, "%s: no state given", opt);
		return -1;
	}
	return 0;
}

static void
save_states(FILE *f, unsigned int mask)
{
	const char *sep = " ";
	size_t	    i;

	for (i = 0; i < NCTSTATES; i++)
		if (mask & ctstates[i].bit) {
			fprintf(f, "%s%s", sep, ctstates[i].name);
			sep = ",";
		}
}

struct state {
	unsigned int mask;
	bool	     inv;
};

static const struct fw_opt state_opts[] = { { "state", 0, 1, true },
	{ NULL, 0, 0, false } };

static int
state_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct state *st = d;

	(void)id;
	st->inv = inv;
	return parse_states(p, "--state", args[0], false, &st->mask);
}

static int
state_final(struct fw_parse *p, void *d)
{
	const struct state *st = d;

	if (st->mask == 0) {
		fw_error(p->diag, "-m state needs --state");
		return -1;
	}
	return 0;
}

static void
state_save(const void *d, FILE *f)
{
	const struct state *st = d;

	fprintf(f, "%s --state", st->inv ? " !" : "");
	save_states(f, st->mask);
}

static bool
state_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct state *st = d;

	(void)pk;
	return ((st->mask & ev->ctstate) != 0) != st->inv;
}

static void
ctstate_box(struct fw_box *b, unsigned int mask, bool inv)
{
	if (mask & ~FW_CT_ALL)
		b->exact = false; /* SNAT, DNAT: not a state of the box */
	b->ctstate &= inv ? FW_CT_ALL & ~mask : mask;
}

static void
state_box(const void *d, struct fw_box *b)
{
	const struct state *st = d;

	ctstate_box(b, st->mask, st->inv);
}

const struct fw_matchdef fw_match_state = {
	.name = "state",
	.opts = state_opts,
	.size = sizeof(struct state),
	.parse = state_parse,
	.final = state_final,
	.save = state_save,
	.match = state_match,
	.box = state_box,
};

/*
 * conntrack: the connection's state, protocol, tuples, status, expiry and
 * direction. Options are printed in libxt_conntrack's order, the order of
 * the enum; addresses keep their host bits, as the kernel compares them
 * under the mask (conntrack_addrcmp) and iptables-save prints them so.
 */
enum {
	C_STATE,
	C_PROTO,
	C_OSRC,
	C_ODST,
	C_RSRC,
	C_RDST,
	C_OSPORT,
	C_ODPORT,
	C_RSPORT,
	C_RDPORT,
	C_STATUS,
	C_EXPIRE,
	C_DIR,
	C_N
};

static const struct fw_opt conntrack_opts[] = { { "ctstate", C_STATE, 1, true },
	{ "ctproto", C_PROTO, 1, true }, { "ctorigsrc", C_OSRC, 1, true },
	{ "ctorigdst", C_ODST, 1, true }, { "ctreplsrc", C_RSRC, 1, true },
	{ "ctrepldst", C_RDST, 1, true },
	{ "ctorigsrcport", C_OSPORT, 1, true },
	{ "ctorigdstport", C_ODPORT, 1, true },
	{ "ctreplsrcport", C_RSPORT, 1, true },
	{ "ctrepldstport", C_RDPORT, 1, true },
	{ "ctstatus", C_STATUS, 1, true }, { "ctexpire", C_EXPIRE, 1, true },
	{ "ctdir", C_DIR, 1, false }, { NULL, 0, 0, false } };

/* Connection status bits in the order iptables prints them. */
static const struct {
	const char  *name;
	unsigned int bit;
} ctstatus[] = {
	{ "NONE", 0 },
	{ "EXPECTED", 1 },
	{ "SEEN_REPLY", 2 },
	{ "ASSURED", 4 },
	{ "CONFIRMED", 8 },
};

struct conntrack {
	unsigned int  given, inv; /* bits 1 << C_* */
	unsigned int  mask; /* --ctstate */
	unsigned int  status; /* --ctstatus */
	uint8_t	      proto;
	struct prefix addr[4]; /* C_OSRC .. C_RDST, unmasked */
	uint16_t      port[4][2]; /* C_OSPORT .. C_RDPORT */
	uint32_t      expire[2];
	bool	      reply;
};

static int
parse_ctaddr(
    struct fw_parse *p, const char *opt, const char *s, struct prefix *out)
{
	char	      buf[PREFIX_STRLEN], *slash;
	struct prefix host;
	unsigned int  flags;
	const char   *why;

	if (ipt_prefix_parse(AF_INET, s, out, &flags, &why) == -1) {
		fw_error(p->diag, "%s '%s': %s", opt, s, why);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strrchr(buf, '/')) != NULL)
		*slash = '\0';
	if (ipt_prefix_parse(AF_INET, buf, &host, &flags, &why) == 0)
		out->addr = host.addr;
	return 0;
}

static int
parse_ctstatus(struct fw_parse *p, const char *s, unsigned int *out)
{
	char   buf[128], *tok, *save = NULL;
	size_t i, n = sizeof(ctstatus) / sizeof(ctstatus[0]);

	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n; i++)
			if (strcasecmp(tok, ctstatus[i].name) == 0)
				break;
		if (i == n) {
			fw_error(p->diag,
			    "--ctstatus: bad status '%s' (NONE, "
			    "EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED)",
			    tok);
			return -1;
		}
		*out |= ctstatus[i].bit;
	}
	return 0;
}

static int
conntrack_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct conntrack *ct = d;
	uintmax_t	  lo, hi;
	char		  buf[64], *colon;

	ct->given |= 1u << id;
	ct->inv |= inv ? 1u << id : 0;
	switch (id) {
	case C_STATE:
		return parse_states(p, "--ctstate", args[0], true, &ct->mask);
	case C_PROTO:
		if (fw_parse_proto(args[0], &ct->proto) == -1) {
			fw_error(p->diag, "--ctproto '%s': unknown protocol",
			    args[0]);
			return -1;
		}
		return 0;
	case C_OSRC:
	case C_ODST:
	case C_RSRC:
	case C_RDST:
		return parse_ctaddr(
		    p, "conntrack address", args[0], &ct->addr[id - C_OSRC]);
	case C_OSPORT:
	case C_ODPORT:
	case C_RSPORT:
	case C_RDPORT:
		return fw_parse_ports(
		    p, "conntrack port", args[0], ct->port[id - C_OSPORT]);
	case C_STATUS:
		return parse_ctstatus(p, args[0], &ct->status);
	case C_EXPIRE:
		snprintf(buf, sizeof(buf), "%s", args[0]);
		if ((colon = strchr(buf, ':')) != NULL)
			*colon++ = '\0';
		if (ipt_strtoui(buf, 0, UINT32_MAX, &lo) == -1 ||
		    (colon != NULL &&
			ipt_strtoui(colon, 0, UINT32_MAX, &hi) == -1)) {
			fw_error(p->diag, "--ctexpire '%s': SECONDS or MIN:MAX",
			    args[0]);
			return -1;
		}
		ct->expire[0] = (uint32_t)lo;
		ct->expire[1] = colon != NULL ? (uint32_t)hi : (uint32_t)lo;
		return 0;
	case C_DIR:
		if (strcasecmp(args[0], "ORIGINAL") != 0 &&
		    strcasecmp(args[0], "REPLY") != 0) {
			fw_error(p->diag, "--ctdir '%s': ORIGINAL or REPLY",
			    args[0]);
			return -1;
		}
		ct->reply = strcasecmp(args[0], "REPLY") == 0;
		return 0;
	}
	return -1;
}

static int
conntrack_final(struct fw_parse *p, void *d)
{
	const struct conntrack *ct = d;

	if (ct->given == 0) {
		fw_error(p->diag, "-m conntrack needs at least one option");
		return -1;
	}
	return 0;
}

static void
save_ctaddr(FILE *f, const struct prefix *pr)
{
	char a[ADDR_STRLEN];
	int  len = prefix_len(pr);

	/* libxt_conntrack prints no mask for /32, and none either for a
	 * mask with holes (the rule keeps it; iptables-save loses it). */
	addr_ntop(&pr->addr, a, sizeof(a));
	if (len == 32 || len < 0)
		fprintf(f, " %s", a);
	else
		fprintf(f, " %s/%d", a, len);
}

static void
save_ctstatus(FILE *f, unsigned int status)
{
	const char *sep = " ";
	size_t	    i;

	if (status == 0) {
		fputs(" NONE", f);
		return;
	}
	for (i = 1; i < sizeof(ctstatus) / sizeof(ctstatus[0]); i++)
		if (status & ctstatus[i].bit) {
			fprintf(f, "%s%s", sep, ctstatus[i].name);
			sep = ",";
		}
}

static void
conntrack_save(const void *d, FILE *f)
{
	const struct conntrack *ct = d;
	const uint16_t	       *r;
	int			id;

	for (id = 0; id < C_N; id++) {
		if (!(ct->given & (1u << id)))
			continue;
		fprintf(f, "%s --%s", ct->inv & (1u << id) ? " !" : "",
		    conntrack_opts[id].name);
		switch (id) {
		case C_STATE:
			save_states(f, ct->mask);
			break;
		case C_PROTO:
			fprintf(f, " %u", ct->proto);
			break;
		case C_OSRC:
		case C_ODST:
		case C_RSRC:
		case C_RDST:
			save_ctaddr(f, &ct->addr[id - C_OSRC]);
			break;
		case C_OSPORT:
		case C_ODPORT:
		case C_RSPORT:
		case C_RDPORT:
			r = ct->port[id - C_OSPORT];
			fprintf(f, " %u", r[0]);
			if (r[1] != r[0])
				fprintf(f, ":%u", r[1]);
			break;
		case C_STATUS:
			save_ctstatus(f, ct->status);
			break;
		case C_EXPIRE:
			fprintf(f, " %u", ct->expire[0]);
			if (ct->expire[1] != ct->expire[0])
				fprintf(f, ":%u", ct->expire[1]);
			break;
		case C_DIR:
			fputs(ct->reply ? " REPLY" : " ORIGINAL", f);
			break;
		}
	}
}

/*
 * xt_conntrack: a packet without an entry (INVALID, UNTRACKED) is judged
 * by --ctstate alone, and matches no rule without it; with an entry,
 * --ctproto is the entry's protocol (an ICMP error RELATED to a TCP
 * connection has protocol tcp). fw_lookup has no entry: a packet's own
 * protocol stands for its connection's.
 */
static bool
conntrack_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct conntrack *ct = d;
	struct ct_key		k;
	uint8_t			proto = pk->proto;

	if ((ct->given & (1u << C_STATE)) &&
	    ((ct->mask & ev->ctstate) != 0) == !!(ct->inv & (1u << C_STATE)))
		return false;
	if (ev->ctstate & (FW_CT_INVALID | FW_CT_UNTRACKED))
		return (ct->given & (1u << C_STATE)) != 0;
	if (ev->ct != NULL) {
		ct_entry_key(ev->ct, &k);
		proto = k.proto;
	}
	if ((ct->given & (1u << C_PROTO)) &&
	    (ct->proto == proto) == !!(ct->inv & (1u << C_PROTO)))
		return false;
	if ((ct->given & (1u << C_DIR)) && ct->reply != ev->ct_reply)
		return false;
	return true;
}

/* Only --ctstate is a field of the box: --ctproto is the connection's
 * protocol, not always the packet's, and neither it nor --ctdir counts
 * for a packet without an entry. */
static void
conntrack_box(const void *d, struct fw_box *b)
{
	const struct conntrack *ct = d;

	if (ct->given & (1u << C_STATE))
		ctstate_box(b, ct->mask, ct->inv & (1u << C_STATE));
	if (ct->given & ~(1u << C_STATE))
		b->exact = false;
}

/* The tuples, status and expiry of the entry are not evaluated yet. */
static const char *
conntrack_unsupported(const void *d)
{
	const struct conntrack *ct = d;

	if (ct->given & ~(1u << C_STATE | 1u << C_PROTO | 1u << C_DIR))
		return "only --ctstate, --ctproto and --ctdir are evaluated";
	return NULL;
}

const struct fw_matchdef fw_match_conntrack = {
	.name = "conntrack",
	.opts = conntrack_opts,
	.size = sizeof(struct conntrack),
	.parse = conntrack_parse,
	.final = conntrack_final,
	.save = conntrack_save,
	.match = conntrack_match,
	.box = conntrack_box,
	.unsupported = conntrack_unsupported,
};

/* comment: matches always; iptables limits the text to 255 bytes. */
struct comment {
	char text[256];
};

static const struct fw_opt comment_opts[] = { { "comment", 0, 1, false },
	{ NULL, 0, 0, false } };

static int
comment_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct comment *c = d;

	(void)id;
	(void)inv;
	if (strlen(args[0]) >= sizeof(c->text)) {
		fw_error(p->diag, "--comment is longer than 255 bytes");
		return -1;
	}
	snprintf(c->text, sizeof(c->text), "%s", args[0]);
	return 0;
}

static void
comment_save(const void *d, FILE *f)
{
	fputs(" --comment", f);
	fw_save_string(f, ((const struct comment *)d)->text);
}

static bool
always(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	(void)d;
	(void)pk;
	(void)ev;
	return true;
}

static void
no_box(const void *d, struct fw_box *b)
{
	(void)d;
	(void)b;
}

const struct fw_matchdef fw_match_comment = {
	.name = "comment",
	.opts = comment_opts,
	.size = sizeof(struct comment),
	.parse = comment_parse,
	.save = comment_save,
	.match = always,
	.box = no_box,
};

/* iprange: inclusive address ranges; a reversed one never matches. */
struct iprange {
	bool	    has[2], inv[2];
	struct addr lo[2], hi[2];
};

static const struct fw_opt iprange_opts[] = { { "src-range", 0, 1, true },
	{ "dst-range", 1, 1, true }, { NULL, 0, 0, false } };

static int
iprange_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct iprange *ir = d;
	char		buf[64], *dash;

	snprintf(buf, sizeof(buf), "%s", args[0]);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	if (addr_pton(AF_INET, buf, &ir->lo[id]) == -1 ||
	    addr_pton(AF_INET, dash != NULL ? dash : buf, &ir->hi[id]) == -1) {
		fw_error(p->diag, "--%s-range '%s': not FROM-TO addresses",
		    id ? "dst" : "src", args[0]);
		return -1;
	}
	if (addr_cmp(&ir->lo[id], &ir->hi[id]) > 0)
		fw_warn(p->diag,
		    "--%s-range %s is reversed and will never "
		    "match",
		    id ? "dst" : "src", args[0]);
	ir->has[id] = true;
	ir->inv[id] = inv;
	return 0;
}

static void
iprange_save(const void *d, FILE *f)
{
	const struct iprange *ir = d;
	char		      a[ADDR_STRLEN], b[ADDR_STRLEN];
	int		      i;

	for (i = 0; i < 2; i++)
		if (ir->has[i])
			fprintf(f, "%s --%s-range %s-%s",
			    ir->inv[i] ? " !" : "", i ? "dst" : "src",
			    addr_ntop(&ir->lo[i], a, sizeof(a)),
			    addr_ntop(&ir->hi[i], b, sizeof(b)));
}

static bool
iprange_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct iprange *ir = d;
	const struct addr    *a;
	bool		      in;
	int		      i;

	(void)ev;
	for (i = 0; i < 2; i++) {
		if (!ir->has[i])
			continue;
		a = i ? &pk->dst : &pk->src;
		in = addr_cmp(a, &ir->lo[i]) >= 0 &&
		    addr_cmp(a, &ir->hi[i]) <= 0;
		if (in == ir->inv[i])
			return false;
	}
	return true;
}

static void
iprange_box(const void *d, struct fw_box *b)
{
	const struct iprange *ir = d;
	struct fw_ivset	      s;
	int		      i;

	for (i = 0; i < 2; i++)
		if (ir->has[i]) {
			fw_ivset_range(&s, ntohl(ir->lo[i].u.v4.s_addr),
			    ntohl(ir->hi[i].u.v4.s_addr));
			fw_box_narrow(
			    b, i ? FW_DIM_DST : FW_DIM_SRC, &s, ir->inv[i]);
		}
}

const struct fw_matchdef fw_match_iprange = {
	.name = "iprange",
	.opts = iprange_opts,
	.size = sizeof(struct iprange),
	.parse = iprange_parse,
	.save = iprange_save,
	.match = iprange_match,
	.box = iprange_box,
};

/* length: the IP total length, MIN or MIN:MAX. */
struct length {
	uint16_t r[2];
	bool	 inv, given;
};

static const struct fw_opt length_opts[] = { { "length", 0, 1, true },
	{ NULL, 0, 0, false } };

static int
length_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct length *l = d;

	(void)id;
	l->inv = inv;
	l->given = true;
	/* libxt_length takes a reversed range; it never matches. */
	return fw_parse_range(p, "--length", args[0], l->r, true);
}

static int
length_final(struct fw_parse *p, void *d)
{
	if (!((struct length *)d)->given) {
		fw_error(p->diag, "-m length needs --length");
		return -1;
	}
	return 0;
}

static void
length_save(const void *d, FILE *f)
{
	const struct length *l = d;

	fprintf(f, "%s --length %u", l->inv ? " !" : "", l->r[0]);
	if (l->r[1] != l->r[0])
		fprintf(f, ":%u", l->r[1]);
}

static bool
length_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct length *l = d;

	(void)ev;
	return (pk->len >= l->r[0] && pk->len <= l->r[1]) != l->inv;
}

const struct fw_matchdef fw_match_length = {
	.name = "length",
	.opts = length_opts,
	.size = sizeof(struct length),
	.parse = length_parse,
	.final = length_final,
	.save = length_save,
	.match = length_match,
};

/* mark: (packet mark & mask) == value. */
struct mark {
	uint32_t value, mask;
	bool	 inv, given;
};

static const struct fw_opt mark_opts[] = { { "mark", 0, 1, true },
	{ NULL, 0, 0, false } };

int
fw_parse_mark(struct fw_parse *p, const char *opt, const char *s,
    uint32_t *value, uint32_t *mask)
{
	char	  buf[64], *slash;
	uintmax_t v, m = UINT32_MAX;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (ipt_strtoui(buf, 0, UINT32_MAX, &v) == -1 ||
	    (slash != NULL && ipt_strtoui(slash, 0, UINT32_MAX, &m) == -1)) {
		fw_error(p->diag,
		    "%s '%s': VALUE or VALUE/MASK, 32-bit "
		    "numbers",
		    opt, s);
		return -1;
	}
	*value = (uint32_t)v;
	*mask = (uint32_t)m;
	return 0;
}

static int
mark_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct mark *mk = d;

	(void)id;
	mk->inv = inv;
	mk->given = true;
	return fw_parse_mark(p, "--mark", args[0], &mk->value, &mk->mask);
}

static int
mark_final(struct fw_parse *p, void *d)
{
	if (!((struct mark *)d)->given) {
		fw_error(p->diag, "-m mark needs --mark");
		return -1;
	}
	return 0;
}

static void
mark_save(const void *d, FILE *f)
{
	const struct mark *mk = d;

	fprintf(f, "%s --mark 0x%x", mk->inv ? " !" : "", mk->value);
	if (mk->mask != UINT32_MAX)
		fprintf(f, "/0x%x", mk->mask);
}

static bool
mark_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct mark *mk = d;

	(void)pk;
	return ((ev->mark & mk->mask) == mk->value) != mk->inv;
}

const struct fw_matchdef fw_match_mark = {
	.name = "mark",
	.opts = mark_opts,
	.size = sizeof(struct mark),
	.parse = mark_parse,
	.final = mark_final,
	.save = mark_save,
	.match = mark_match,
};

/* mac: the source MAC of an Ethernet frame; not in OUTPUT/POSTROUTING. */
struct mac {
	uint8_t a[6];
	bool	inv, given;
};

static const struct fw_opt mac_opts[] = { { "mac-source", 0, 1, true },
	{ NULL, 0, 0, false } };

int
fw_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int	     i, n = 0;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		&b[4], &b[5], &n) != 6 ||
	    n != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) ||
		    !isxdigit((unsigned char)s[3 * i + 1]))
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int
mac_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct mac *m = d;

	(void)id;
	m->inv = inv;
	m->given = true;
	if (fw_parse_mac(args[0], m->a) == -1) {
		fw_error(p->diag, "--mac-source '%s': not XX:XX:XX:XX:XX:XX",
		    args[0]);
		return -1;
	}
	return 0;
}

static int
mac_final(struct fw_parse *p, void *d)
{
	if (!((struct mac *)d)->given) {
		fw_error(p->diag, "-m mac needs --mac-source");
		return -1;
	}
	return 0;
}

static void
mac_save(const void *d, FILE *f)
{
	const struct mac *m = d;

	fprintf(f, "%s --mac-source %02x:%02x:%02x:%02x:%02x:%02x",
	    m->inv ? " !" : "", m->a[0], m->a[1], m->a[2], m->a[3], m->a[4],
	    m->a[5]);
}

static bool
mac_match(void *d, const struct fw_pkt *pk, struct fw_eval *ev)
{
	const struct mac *m = d;

	(void)ev;
	return (pk->has_mac && memcmp(pk->mac, m->a, 6) == 0) != m->inv;
}

const struct fw_matchdef fw_match_mac = {
	.name = "mac",
	.opts = mac_opts,
	.size = sizeof(struct mac),
	.hooks = 1u << FW_PREROUTING | 1u << FW_INPUT | 1u << FW_FORWARD,
	.parse = mac_parse,
	.final = mac_final,
	.save = mac_save,
	.match = mac_match,
};
