/*
 * The service matrix of one built-in chain (moatctl fw matrix): which
 * source addresses reach which destinations, for new connections, per
 * service, interface pair and IPsec mode. The idea is that of ITVal and of
 * Diekmann et al., "Verified iptables Firewall Analysis": cut each
 * dimension where some rule's condition changes, so that every rule treats
 * the pieces alike, and decide one representative of each piece.
 *
 * Dimensions and why each is exact:
 *  - Services: the protocol field cut by every rule's protocol set, and for
 *    protocols with ports the destination port cut by every rule's port
 *    set (fw_rule_box), plus the ports where a match the box cannot hold
 *    (multiport --ports, sctp) changes its answer, found by trying all
 *    65,536 ports. Source port, TCP flags (SYN), ICMP type (echo-request),
 *    mark, MAC address and the like are fixed by assumption, printed in the
 *    header.
 *  - Interfaces: names that match the same -i (-o) patterns of the rules
 *    are alike; one name of each class is tried (mx_ifdim).
 *  - IPsec: without a security path, or with one representative SA per
 *    direction (--ipsec, or what the rules' --tunnel-src/-dst say).
 *  - Addresses: for each service, mode and interface pair, the rules that
 *    can match (their other conditions decided) cut the source and
 *    destination spaces into elementary intervals. All those rules'
 *    address conditions are constant on each cell (one source interval by
 *    one destination interval), so each cell has one verdict, computed
 *    for a whole row at once (matrix_paint.c).
 *
 * This file decides, for each service and IPsec mode, which rules can
 * match: a rule's box says most (addresses, ports, protocol, interfaces,
 * state, whether there is an SA); its other conditions (tcp flags, limit,
 * mac, policy elements, ...) do not depend on addresses, so they are
 * decided on one packet inside the box (decide_beyond). Rate matches are
 * decided as for the first packet after loading (a fresh registry each
 * time). What stays approximate (non-contiguous masks, unknown matches) is
 * listed in the output's notes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "matrix.h"
#include "rate.h"

#define MR_DECIDE 0x1 /* conditions beyond the box, decided per packet */
#define MR_RATE 0x2 /* ... among them matches with state */
#define MR_PORTS 0x4 /* ... among them port matches the box cannot hold */
#define MR_NEVER 0x8 /* no address, interface or -p can match */

static const uint8_t port_protos[] = { IPPROTO_TCP, IPPROTO_UDP, 33 /* DCCP */,
	IPPROTO_SCTP, 136 /* UDP-Lite */ };

/* The matches whose conditions beyond the box depend only on what the
 * matrix fixes (flags, state, mark, MAC, TTL, the SA...), on ports, or on
 * state kept between packets. */
enum { DEP_FIXED, DEP_PORTS, DEP_RATE, DEP_UNKNOWN };

static const struct {
	const char *name;
	int	    dep;
} match_deps[] = {
	{ "addrtype", DEP_FIXED },
	{ "comment", DEP_FIXED },
	{ "conntrack", DEP_FIXED },
	{ "dscp", DEP_FIXED },
	{ "icmp", DEP_FIXED },
	{ "iprange", DEP_FIXED },
	{ "length", DEP_FIXED },
	{ "mac", DEP_FIXED },
	{ "mark", DEP_FIXED },
	{ "multiport", DEP_PORTS },
	{ "owner", DEP_FIXED },
	{ "physdev", DEP_FIXED },
	{ "pkttype", DEP_FIXED },
	{ "policy", DEP_FIXED },
	{ "sctp", DEP_PORTS },
	{ "state", DEP_FIXED },
	{ "tcp", DEP_FIXED },
	{ "tos", DEP_FIXED },
	{ "ttl", DEP_FIXED },
	{ "udp", DEP_FIXED },
};

/* Targets that continue and change nothing later rules test. */
static const char *const harmless_targets[] = { "LOG", "NFLOG" };

/* A note on what is not exact, once. */
static int add_note(struct mx *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
add_note(struct mx *m, const char *fmt, ...)
{
	va_list ap;
	char	buf[256];
	size_t	i, cap = m->nnote;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; i < m->nnote; i++)
		if (strcmp(m->note[i], buf) == 0)
			return 0;
	if (mx_grow(&m->note, &cap, m->nnote + 1, sizeof(*m->note)) == -1)
		return -1;
	if ((m->note[m->nnote] = strdup(buf)) == NULL) {
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
		return -1;
	}
	m->nnote++;
	return 0;
}

/*
 * The chains the start chain reaches, it first, and their rules in one
 * array, chain by chain.
 */
static size_t
chain_find(const struct mx *m, const struct fw_chain *c)
{
	size_t i;

	for (i = 0; i < m->nchain; i++)
		if (m->chain[i].c == c)
			return i;
	return SIZE_MAX;
}

static int
collect(struct mx *m)
{
	size_t cap = 0, i, j, k = 0;

	if (mx_grow(&m->chain, &cap, 1, sizeof(*m->chain)) == -1)
		return -1;
	m->chain[m->nchain++].c = m->start;
	for (i = 0; i < m->nchain; i++) {
		struct fw_chain *c = m->chain[i].c;

		m->chain[i].first = m->nrule;
		m->chain[i].n = c->nrules;
		m->nrule += c->nrules;
		for (j = 0; j < c->nrules; j++) {
			struct fw_chain *d = c->rules[j]->dest;

			if (d == NULL ||
			    (c->rules[j]->action != FW_ACT_JUMP &&
				c->rules[j]->action != FW_ACT_GOTO))
				continue;
			if (chain_find(m, d) != SIZE_MAX)
				continue;
			if (mx_grow(&m->chain, &cap, m->nchain + 1,
				sizeof(*m->chain)) == -1)
				return -1;
			memset(&m->chain[m->nchain], 0, sizeof(m->chain[0]));
			m->chain[m->nchain++].c = d;
		}
	}
	m->nw = NWORDS(m->nrule);
	if ((m->rule = mx_calloc(m->nrule, sizeof(*m->rule))) == NULL ||
	    (m->ri = mx_calloc(m->nrule, sizeof(*m->ri))) == NULL)
		return -1;
	for (i = 0; i < m->nchain; i++)
		for (j = 0; j < m->chain[i].n; j++, k++) {
			m->rule[k].r = m->chain[i].c->rules[j];
			m->rule[k].chain = i;
			if (m->rule[k].r->dest != NULL)
				m->rule[k].dest =
				    chain_find(m, m->rule[k].r->dest);
		}
	return 0;
}

static bool
contiguous(const struct prefix *p)
{
	uint32_t mask = ntohl(p->mask.u.v4.s_addr);

	return (~mask & (~mask + 1)) == 0;
}

static int
match_dep(const struct fw_match *mt)
{
	size_t i;

	if (mt->def->bind != NULL)
		return DEP_RATE;
	for (i = 0; i < sizeof(match_deps) / sizeof(match_deps[0]); i++)
		if (strcmp(match_deps[i].name, mt->def->name) == 0)
			return match_deps[i].dep;
	return DEP_UNKNOWN;
}

/* Whether a match says all it asks in a box, alone. */
static bool
match_exact(const struct fw_match *mt)
{
	struct fw_box b;

	if (mt->def->box == NULL)
		return false;
	fw_box_all(&b);
	mt->def->box(mt->data, &b);
	return b.exact;
}

static enum mx_kind
rule_kind(const struct fw_rule *r)
{
	size_t i;

	switch (r->action) {
	case FW_ACT_VERDICT:
		return strcmp(r->tdef->name, "ACCEPT") == 0 ? MK_ACCEPT :
							      MK_DENY;
	case FW_ACT_CONTINUE:
		for (i = 0;
		     i < sizeof(harmless_targets) / sizeof(harmless_targets[0]);
		     i++)
			if (strcmp(r->tdef->name, harmless_targets[i]) == 0)
				return MK_NOP;
		return MK_LOOKUP;
	case FW_ACT_RETURN:
		return MK_RETURN;
	case FW_ACT_JUMP:
		return MK_JUMP;
	case FW_ACT_GOTO:
		return MK_GOTO;
	default:
		return MK_NOP;
	}
}

/* Rule k as fw eval names it: CHAIN:N. */
static const char *
rule_name(const struct mx *m, size_t k, char *buf, size_t len)
{
	const struct mx_chain *c = &m->chain[m->rule[k].chain];

	snprintf(buf, len, "%s:%zu", c->c->name, k - c->first + 1);
	return buf;
}

static int
classify_rule(struct mx *m, size_t k)
{
	struct mx_rule	     *mr = &m->rule[k];
	const struct fw_rule *r = mr->r;
	char		      name[64];
	size_t		      i;
	int		      d;

	fw_rule_box(r, &mr->box, false);
	mr->kind = rule_kind(r);
	m->ri[k].kind = (uint8_t)mr->kind;
	m->ri[k].chain = (uint32_t)mr->chain;
	m->ri[k].dest = (uint32_t)mr->dest;
	rule_name(m, k, name, sizeof(name));
	if (!mr->box.exact || r->frag)
		mr->flags |= MR_DECIDE;
	if (!contiguous(&r->src) || !contiguous(&r->dst)) {
		mr->flags |= MR_DECIDE;
		if (add_note(m,
			"%s: -s or -d with a non-contiguous mask is decided "
			"for one address of each class; not exact",
			name) == -1)
			return -1;
	}
	for (d = 0; d < FW_NDIM; d++)
		if (mr->box.d[d].n == FW_IV_MAX &&
		    add_note(m,
			"%s: more than %d intervals in one field; not exact",
			name, FW_IV_MAX - 1) == -1)
			return -1;
	for (i = 0; i < r->nm; i++) {
		if (match_exact(&r->m[i]))
			continue;
		mr->flags |= MR_DECIDE;
		switch (match_dep(&r->m[i])) {
		case DEP_RATE:
			mr->flags |= MR_RATE;
			m->rate = true;
			break;
		case DEP_PORTS:
			mr->flags |= MR_PORTS;
			break;
		case DEP_UNKNOWN:
			if (add_note(m,
				"%s: -m %s is decided on one packet per "
				"service, assuming it does not look at "
				"addresses",
				name, r->m[i].def->name) == -1)
				return -1;
			break;
		}
	}
	if (mr->box.d[FW_DIM_SRC].n == 0 || mr->box.d[FW_DIM_DST].n == 0)
		mr->flags |= MR_NEVER;
	else {
		mr->src_rep = mr->box.d[FW_DIM_SRC].iv[0].lo;
		mr->dst_rep = mr->box.d[FW_DIM_DST].iv[0].lo;
		if (!contiguous(&r->src) && !(r->inv & FW_INV_SRC))
			mr->src_rep = ntohl(r->src.addr.u.v4.s_addr);
		if (!contiguous(&r->dst) && !(r->inv & FW_INV_DST))
			mr->dst_rep = ntohl(r->dst.addr.u.v4.s_addr);
	}
	return 0;
}

/*
 * Interface classes. Names are alike when the same patterns of the rules
 * match them; one name per class is found among the names the rules give,
 * names under each prefix pattern, and names under none.
 */
static bool
pat_has(const struct mx_ifdim *d, const char *p)
{
	size_t i;

	for (i = 0; i < d->npat; i++)
		if (strcmp(d->pat[i], p) == 0)
			return true;
	return false;
}

static int
cmp_pat(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
if_sig(const struct mx_ifdim *d, const char *name, unsigned char *sig)
{
	size_t i;

	for (i = 0; i < d->npat; i++)
		sig[i] = fw_iface_match(d->pat[i], name);
}

/* The class of a name, or SIZE_MAX (a name no class was found for). */
size_t
mx_if_class(const struct mx_ifdim *d, const char *name, unsigned char *sig)
{
	size_t i;

	if (!d->present)
		return 0;
	if_sig(d, name, sig);
	for (i = 0; i < d->ncls; i++)
		if (memcmp(d->sig + i * d->npat, sig, d->npat) == 0)
			return i;
	return SIZE_MAX;
}

/* The longest prefix pattern that matches name: its label. */
static void
if_label(const struct mx_ifdim *d, const char *name, char *label, size_t len)
{
	size_t i, best = 0, n;

	snprintf(label, len, "(other)");
	for (i = 0; i < d->npat; i++) {
		n = strlen(d->pat[i]);
		if (n > 1 && d->pat[i][n - 1] == '+' && n > best &&
		    fw_iface_match(d->pat[i], name)) {
			best = n;
			snprintf(label, len, "%s", d->pat[i]);
		}
	}
}

static int
if_try(struct mx_ifdim *d, const char *name, bool given, size_t *cap,
    unsigned char *sig)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ || mx_if_class(d, name, sig) != SIZE_MAX)
		return 0;
	if (mx_grow(&d->cls, cap, d->ncls + 1, sizeof(*d->cls)) == -1 ||
	    (d->sig = realloc(d->sig, (d->ncls + 1) * (d->npat + 1))) == NULL) {
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
		return -1;
	}
	memcpy(d->sig + d->ncls * d->npat, sig, d->npat);
	snprintf(d->cls[d->ncls].rep, IFNAMSIZ, "%s", name);
	if (given)
		snprintf(
		    d->cls[d->ncls].label, sizeof(d->cls[0].label), "%s", name);
	else
		if_label(
		    d, name, d->cls[d->ncls].label, sizeof(d->cls[0].label));
	d->ncls++;
	return 0;
}

static bool
has_unmatched(const struct mx_ifdim *d)
{
	size_t i;

	for (i = 0; i < d->ncls; i++)
		if (d->npat == 0 ||
		    memchr(d->sig + i * d->npat, 1, d->npat) == NULL)
			return true;
	return false;
}

static int
if_candidates(struct mx_ifdim *d, unsigned char *sig)
{
	static const char  more[] = "0123456789abcdefghijklmnopqrstuvwxyz_-.";
	static const char *other[] = { "other", "x", "if0", "moat0", "zz9" };
	char		   name[IFNAMSIZ + 4];
	size_t		   cap = 0, i, j, n;
	int		   rc = 0;

	for (i = 0; i < d->npat && rc == 0; i++)
		if (d->pat[i][strlen(d->pat[i]) - 1] != '+')
			rc = if_try(d, d->pat[i], true, &cap, sig);
	for (i = 0; i < d->npat && rc == 0; i++) {
		n = strlen(d->pat[i]) - 1;
		if (d->pat[i][n] != '+')
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)n, d->pat[i]);
		rc = if_try(d, name, false, &cap, sig);
		for (j = 0; more[j] != '\0' && rc == 0; j++) {
			snprintf(name, sizeof(name), "%.*s%c", (int)n,
			    d->pat[i], more[j]);
			rc = if_try(d, name, false, &cap, sig);
		}
		for (j = 0; j < 100 && rc == 0; j++) {
			snprintf(name, sizeof(name), "%.*s%c%c", (int)n,
			    d->pat[i], more[j % 10 + 10], more[j / 10]);
			rc = if_try(d, name, false, &cap, sig);
		}
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]) && rc == 0; i++)
		rc = if_try(d, other[i], false, &cap, sig);
	/* Names under no pattern, unless the rules' patterns took those
	 * tried so far (or "+" takes every name). */
	for (i = 0; i < 1000 && rc == 0 && !has_unmatched(d); i++) {
		snprintf(name, sizeof(name), "o%zu", i);
		rc = if_try(d, name, false, &cap, sig);
	}
	return rc;
}

static int
ifdim_build(
    struct mx *m, struct mx_ifdim *d, bool present, bool out, const char *fixed)
{
	const struct fw_rule *r;
	unsigned char	     *sig = NULL;
	size_t		      cap = 0, k, i;
	const char	     *p;
	bool		      inv;
	int		      rc = -1;

	d->present = present;
	for (k = 0; k < m->nrule; k++) {
		p = out ? m->rule[k].r->oif : m->rule[k].r->iif;
		if (p[0] == '\0' || pat_has(d, p))
			continue;
		if (mx_grow(&d->pat, &cap, d->npat + 1, sizeof(*d->pat)) == -1)
			goto out;
		snprintf(d->pat[d->npat++], IFNAMSIZ, "%s", p);
	}
	if (d->npat > 0)
		qsort(d->pat, d->npat, sizeof(*d->pat), cmp_pat);
	if ((sig = mx_calloc(d->npat + 1, 1)) == NULL)
		goto out;
	cap = 0;
	if (!present || fixed != NULL) {
		/* One class: no interface (OUTPUT has no -i), or the one
		 * given (--in, --out). */
		if (mx_grow(&d->cls, &cap, 1, sizeof(*d->cls)) == -1 ||
		    (d->sig = mx_calloc(1, d->npat + 1)) == NULL)
			goto out;
		memset(&d->cls[0], 0, sizeof(d->cls[0]));
		d->ncls = 1;
		d->fixed = fixed != NULL;
		if (d->fixed) {
			snprintf(d->cls[0].rep, IFNAMSIZ, "%s", fixed);
			snprintf(d->cls[0].label, sizeof(d->cls[0].label), "%s",
			    fixed);
			if_sig(d, fixed, d->sig);
		}
	} else if (if_candidates(d, sig) == -1)
		goto out;
	if ((d->ok = mx_calloc(d->ncls * m->nw, sizeof(*d->ok))) == NULL)
		goto out;
	for (i = 0; i < d->ncls; i++)
		for (k = 0; k < m->nrule; k++) {
			r = m->rule[k].r;
			p = out ? r->oif : r->iif;
			inv = p[0] != '\0' &&
			    (r->inv & (out ? FW_INV_OIF : FW_INV_IIF));
			if (fw_iface_match(p, d->cls[i].rep) != inv)
				bit_set(d->ok + i * m->nw, k);
		}
	rc = 0;
out:
	free(sig);
	return rc;
}

static void
ifdim_free(struct mx_ifdim *d)
{
	free(d->pat);
	free(d->cls);
	free(d->sig);
	free(d->ok);
}

/* The first class that rule k's -i (-o) admits, or -1. */
static int
first_class(const struct mx *m, const struct mx_ifdim *d, size_t k)
{
	size_t i;

	for (i = 0; i < d->ncls; i++)
		if (bit_get(d->ok + i * m->nw, k))
			return (int)i;
	return -1;
}

/*
 * The representative SAs. Without --ipsec, fields come from the rules'
 * policy matches (the first value given, not negated, in either
 * direction: an inbound tunnel's destination is an outbound one's
 * source), else documentation addresses (RFC 5737), tunnel mode, ESP.
 */
struct sa_hint {
	bool	    has_tsrc, has_tdst, has_spi, has_reqid, has_proto, has_mode;
	struct addr tsrc, tdst;
	uint32_t    spi, reqid;
	uint8_t	    proto;
	enum fw_ipsec_mode mode;
};

static void
hint_field(struct sa_hint *h, const char *opt, const char *arg)
{
	char	      a[64];
	unsigned long v;

	snprintf(a, sizeof(a), "%s", arg);
	a[strcspn(a, "/")] = '\0';
	if (strcmp(opt, "--tunnel-src") == 0 && !h->has_tsrc)
		h->has_tsrc = addr_pton(AF_INET, a, &h->tsrc) == 0;
	else if (strcmp(opt, "--tunnel-dst") == 0 && !h->has_tdst)
		h->has_tdst = addr_pton(AF_INET, a, &h->tdst) == 0;
	else if (strcmp(opt, "--spi") == 0 && !h->has_spi) {
		v = strtoul(a, NULL, 0);
		h->spi = (uint32_t)v;
		h->has_spi = true;
	} else if (strcmp(opt, "--reqid") == 0 && !h->has_reqid) {
		v = strtoul(a, NULL, 0);
		h->reqid = (uint32_t)v;
		h->has_reqid = true;
	} else if (strcmp(opt, "--proto") == 0 && !h->has_proto) {
		h->proto = strcmp(a, "ah") == 0 ? IPPROTO_AH :
		    strcmp(a, "ipcomp") == 0	? IPPROTO_COMP :
						  IPPROTO_ESP;
		h->has_proto = true;
	} else if (strcmp(opt, "--mode") == 0 && !h->has_mode) {
		h->mode = strcmp(a, "transport") == 0 ? FW_MODE_TRANSPORT :
							FW_MODE_TUNNEL;
		h->has_mode = true;
	}
}

/* Read a policy match's fields from what it prints (its data is its
 * module's own). */
static int
policy_hints(const struct fw_match *mt, struct sa_hint h[2])
{
	char  *buf = NULL, *tok, *save = NULL, *opt = NULL;
	size_t len = 0;
	FILE  *f;
	int    dir = 0;
	bool   neg = false;

	if ((f = open_memstream(&buf, &len)) == NULL) {
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
		return -1;
	}
	mt->def->save(mt->data, f);
	fclose(f);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "!") == 0)
			neg = true;
		else if (opt == NULL && strncmp(tok, "--", 2) == 0 &&
		    strcmp(tok, "--next") != 0 && strcmp(tok, "--strict") != 0)
			opt = tok;
		else if (opt != NULL) {
			if (strcmp(opt, "--dir") == 0)
				dir = strcmp(tok, "out") == 0;
			else if (!neg)
				hint_field(&h[dir], opt, tok);
			opt = NULL;
			neg = false;
		}
	}
	free(buf);
	return 0;
}

static void
default_sa(struct fw_secpath *sp, const struct sa_hint *h,
    const struct sa_hint *other, bool out)
{
	struct fw_sa *sa = &sp->sa[0];
	const char   *peer = "192.0.2.1", *self = "192.0.2.2";

	memset(sp, 0, sizeof(*sp));
	sp->n = 1;
	sa->mode = h->has_mode ? h->mode : FW_MODE_TUNNEL;
	sa->proto = h->has_proto ? h->proto : IPPROTO_ESP;
	sa->spi = h->has_spi ? h->spi : 0x100;
	sa->reqid = h->has_reqid ? h->reqid : 1;
	if (h->has_tsrc)
		sa->tsrc = h->tsrc;
	else if (other->has_tdst)
		sa->tsrc = other->tdst;
	else
		addr_pton(AF_INET, out ? self : peer, &sa->tsrc);
	if (h->has_tdst)
		sa->tdst = h->tdst;
	else if (other->has_tsrc)
		sa->tdst = other->tsrc;
	else
		addr_pton(AF_INET, out ? peer : self, &sa->tdst);
}

static int
choose_modes(struct mx *m)
{
	struct sa_hint h[2] = { { 0 } };
	enum fw_hook   hk = m->o->hook;
	bool	       hin, hout;
	size_t	       k, i;
	int	       a, b;

	hin = hk == FW_PREROUTING || hk == FW_INPUT || hk == FW_FORWARD;
	hout = hk == FW_FORWARD || hk == FW_OUTPUT || hk == FW_POSTROUTING;
	for (k = 0; k < m->nrule; k++) {
		const struct fw_rule *r = m->rule[k].r;

		if (m->rule[k].box.ipsec_in != (FW_BOX_PLAIN | FW_BOX_IPSEC))
			m->din = hin;
		if (m->rule[k].box.ipsec_out != (FW_BOX_PLAIN | FW_BOX_IPSEC))
			m->dout = hout;
		for (i = 0; i < r->nm; i++)
			if (strcmp(r->m[i].def->name, "policy") == 0 &&
			    policy_hints(&r->m[i], h) == -1)
				return -1;
	}
	if (m->o->has_sa_in)
		m->sa_in = m->o->sa_in;
	else
		default_sa(&m->sa_in, &h[0], &h[1], false);
	if (m->o->has_sa_out)
		m->sa_out = m->o->sa_out;
	else
		default_sa(&m->sa_out, &h[1], &h[0], true);
	for (a = 0; a <= (int)m->din; a++)
		for (b = 0; b <= (int)m->dout; b++)
			m->mode[m->nmode++] = a | b << 1;
	/* Modes in the order plain, in, out, both. */
	if (m->nmode == 4) {
		m->mode[1] = MX_IPSEC_IN;
		m->mode[2] = MX_IPSEC_OUT;
	}
	return 0;
}

bool
mx_port_proto(uint32_t p)
{
	size_t i;

	for (i = 0; i < sizeof(port_protos); i++)
		if (port_protos[i] == p)
			return true;
	return false;
}

static uint32_t
default_len(uint8_t proto)
{
	/* As fw eval's default: IP header and the usual transport header. */
	return proto == IPPROTO_TCP			  ? 40 :
	    proto == IPPROTO_UDP || proto == IPPROTO_ICMP ? 28 :
							    20;
}

/* The packet of a service and mode, addresses and interfaces left to the
 * caller; what the header of the output lists. */
void
mx_base_pkt(const struct mx *m, uint8_t proto, uint16_t dport, int mode,
    struct fw_pkt *pk)
{
	memset(pk, 0, sizeof(*pk));
	pk->hook = m->o->hook;
	pk->src.af = pk->dst.af = AF_INET;
	pk->proto = proto;
	if (mx_port_proto(proto)) {
		pk->sport = m->o->sport;
		pk->dport = dport;
	}
	pk->tcp_flags = proto == IPPROTO_TCP ? TCP_SYN : 0;
	pk->icmp_type = proto == IPPROTO_ICMP ? ICMP_ECHO : -1;
	pk->len = default_len(proto);
	pk->ttl = 64;
	pk->src_type = pk->dst_type = 1u << 1; /* RTN_UNICAST */
	pk->pkttype = FW_PKTTYPE_UNICAST;
	if (mode & MX_IPSEC_IN)
		pk->ipsec_in = m->sa_in;
	if (mode & MX_IPSEC_OUT) {
		pk->has_ipsec_out = true;
		pk->ipsec_out = m->sa_out;
	}
}

void
mx_set_addr(struct addr *a, uint32_t v)
{
	a->af = AF_INET;
	a->u.v4.s_addr = htonl(v);
}

/*
 * Ports where the port matches a box cannot hold (multiport --ports,
 * sctp) change their answer: every port is tried, so the cuts are exact.
 */
static int
scan_ports(struct mx *m, size_t k, uint8_t proto, struct mx_cuts *c)
{
	const struct fw_rule *r = m->rule[k].r;
	struct fw_eval	      ev = { .ctstate = FW_CT_NEW };
	struct fw_pkt	      pk;
	size_t		      i;
	uint32_t	      port;
	bool		      v, prev = false;

	mx_base_pkt(m, proto, 0, 0, &pk);
	for (i = 0; i < r->nm; i++) {
		if (match_dep(&r->m[i]) != DEP_PORTS || match_exact(&r->m[i]))
			continue;
		for (port = 0; port <= 65535; port++) {
			pk.dport = (uint16_t)port;
			v = r->m[i].def->match(r->m[i].data, &pk, &ev);
			if (port > 0 && v != prev && mx_cut_add(c, port) == -1)
				return -1;
			prev = v;
		}
	}
	return 0;
}

static int
add_service(struct mx *m, size_t *cap, const struct mx_svc *s)
{
	if (mx_grow(&m->svc, cap, m->nsvc + 1, sizeof(*m->svc)) == -1)
		return -1;
	m->svc[m->nsvc++] = *s;
	return 0;
}

/* A protocol for a piece of several: one with no meaning of its own to
 * the evaluator, 253 (RFC 3692, for experiments) if there. */
static uint8_t
other_proto(uint32_t lo, uint32_t hi)
{
	uint32_t p;

	if (lo <= 253 && 253 <= hi)
		return 253;
	for (p = lo; p <= hi; p++)
		if (p != 0 && p != IPPROTO_ICMP && p != IPPROTO_ESP &&
		    p != IPPROTO_AH && !mx_port_proto(p))
			return (uint8_t)p;
	return (uint8_t)lo;
}

/* A protocol some rule names (-p, --ctproto), not one that is only a
 * piece between two named ones. */
static bool
proto_named(const struct mx *m, uint32_t p)
{
	const struct fw_ivset *s;
	size_t		       k;
	unsigned int	       i;

	for (k = 0; k < m->nrule; k++) {
		if (p != 0 && m->rule[k].r->proto == p)
			return true;
		s = &m->rule[k].box.d[FW_DIM_PROTO];
		for (i = 0; i < s->n; i++)
			if (s->iv[i].lo == p && s->iv[i].hi == p)
				return true;
	}
	return false;
}

static int
port_services(struct mx *m, size_t *cap, uint8_t p)
{
	struct mx_cuts c = { 0 };
	struct mx_svc  s = { .plo = p,
		 .phi = p,
		 .proto = p,
		 .ports = true,
		 .named = proto_named(m, p) };
	size_t	       k, i;
	int	       rc = -1;

	for (k = 0; k < m->nrule; k++) {
		if (!fw_ivset_contains(&m->rule[k].box.d[FW_DIM_PROTO], p))
			continue;
		if (mx_cut_set(&c, &m->rule[k].box.d[FW_DIM_DPORT], 65535) ==
		    -1)
			goto out;
		if ((m->rule[k].flags & MR_PORTS) &&
		    scan_ports(m, k, p, &c) == -1)
			goto out;
	}
	if (mx_cut_finish(&c) == -1)
		goto out;
	for (i = 0; i < c.n; i++) {
		s.dlo = s.dport = (uint16_t)c.v[i];
		s.dhi = (uint16_t)(i + 1 < c.n ? c.v[i + 1] - 1 : 65535);
		if (add_service(m, cap, &s) == -1)
			goto out;
	}
	rc = 0;
out:
	free(c.v);
	return rc;
}

static int
build_services(struct mx *m)
{
	struct mx_cuts c = { 0 };
	struct mx_svc  s;
	size_t	       cap = 0, k, i;
	uint32_t       hi;
	int	       rc = -1;

	for (k = 0; k < m->nrule; k++)
		if (mx_cut_set(&c, &m->rule[k].box.d[FW_DIM_PROTO], 255) == -1)
			goto out;
	if (mx_cut_finish(&c) == -1)
		goto out;
	for (i = 0; i < c.n; i++) {
		hi = i + 1 < c.n ? c.v[i + 1] - 1 : 255;
		if (c.v[i] == hi && mx_port_proto(hi)) {
			if (port_services(m, &cap, (uint8_t)hi) == -1)
				goto out;
			continue;
		}
		memset(&s, 0, sizeof(s));
		s.plo = (uint8_t)c.v[i];
		s.phi = (uint8_t)hi;
		s.proto = c.v[i] == hi ? s.plo : other_proto(c.v[i], hi);
		s.named = c.v[i] == hi && proto_named(m, hi);
		if (add_service(m, &cap, &s) == -1)
			goto out;
	}
	rc = 0;
out:
	free(c.v);
	return rc;
}

/* The evaluator's test of one rule (eval.c's rule_mismatch, which is its
 * own): the rule matches the packet. */
static bool
rule_matches(
    const struct fw_rule *r, const struct fw_pkt *pk, struct fw_eval *ev)
{
	size_t i;

	if (prefix_contains(&r->src, &pk->src) == !!(r->inv & FW_INV_SRC) ||
	    prefix_contains(&r->dst, &pk->dst) == !!(r->inv & FW_INV_DST) ||
	    fw_iface_match(r->iif, pk->in) == !!(r->inv & FW_INV_IIF) ||
	    fw_iface_match(r->oif, pk->out) == !!(r->inv & FW_INV_OIF))
		return false;
	if (r->proto != 0 &&
	    (pk->proto == r->proto) == !!(r->inv & FW_INV_PROTO))
		return false;
	if (r->frag && pk->fragment == !!(r->inv & FW_INV_FRAG))
		return false;
	for (i = 0; i < r->nm; i++)
		if (!r->m[i].def->match(r->m[i].data, pk, ev))
			return false;
	return true;
}

static bool
in_box(const struct fw_box *b, const struct fw_pkt *pk, int mode)
{
	return fw_ivset_contains(&b->d[FW_DIM_PROTO], pk->proto) &&
	    fw_ivset_contains(&b->d[FW_DIM_SPORT], pk->sport) &&
	    fw_ivset_contains(&b->d[FW_DIM_DPORT], pk->dport) &&
	    (b->ctstate & FW_CT_NEW) &&
	    (b->ipsec_in &
		(mode & MX_IPSEC_IN ? FW_BOX_IPSEC : FW_BOX_PLAIN)) &&
	    (b->ipsec_out &
		(mode & MX_IPSEC_OUT ? FW_BOX_IPSEC : FW_BOX_PLAIN));
}

/*
 * Rule k's conditions beyond its box, on a packet inside the box. Matches
 * with state see a registry of their own, as after loading: their first
 * packet. The registry is freed at once; the rule's data then points into
 * it until the next bind, so every evaluator is made after all decisions.
 */
static int
decide_beyond(struct mx *m, size_t k, struct fw_pkt *pk, bool *live)
{
	struct mx_rule	*mr = &m->rule[k];
	struct fw_eval	 ev = { .ctstate = FW_CT_NEW, .mark = pk->mark };
	struct ct_table *ct = NULL;
	struct fw_rate	*reg = NULL;
	size_t		 i;
	int		 rc = -1;

	snprintf(pk->in, IFNAMSIZ, "%s", m->in.cls[mr->in_rep].rep);
	snprintf(pk->out, IFNAMSIZ, "%s", m->out.cls[mr->out_rep].rep);
	mx_set_addr(&pk->src, mr->src_rep);
	mx_set_addr(&pk->dst, mr->dst_rep);
	if (mr->flags & MR_RATE) {
		if ((ct = ct_table_new(MX_CTMAX)) == NULL ||
		    (reg = fw_rate_new(ct)) == NULL)
			goto out;
		for (i = 0; i < mr->r->nm; i++)
			if (mr->r->m[i].def->bind != NULL &&
			    mr->r->m[i].def->bind(mr->r->m[i].data, reg) == -1)
				goto out;
		ev.rate = reg;
	}
	*live = rule_matches(mr->r, pk, &ev);
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
	fw_rate_free(reg);
	ct_table_free(ct);
	return rc;
}

/* The rules that can match packets of service s in mode, and those whose
 * box alone admits them (what a change of mark could make match). */
static int
live_rules(struct mx *m, const struct mx_svc *s, int mode, uint64_t *live,
    uint64_t *boxed)
{
	struct mx_rule *mr;
	struct fw_pkt	pk;
	size_t		k;
	bool		on;

	mx_base_pkt(m, s->proto, s->dport, mode, &pk);
	for (k = 0; k < m->nrule; k++) {
		mr = &m->rule[k];
		if (mr->kind == MK_NOP || (mr->flags & MR_NEVER) ||
		    mr->in_rep < 0 || mr->out_rep < 0)
			continue;
		if (!in_box(&mr->box, &pk, mode))
			continue;
		bit_set(boxed, k);
		on = true;
		if ((mr->flags & MR_DECIDE) &&
		    decide_beyond(m, k, &pk, &on) == -1)
			return -1;
		if (on)
			bit_set(live, k);
	}
	return 0;
}

int
mx_lookup(
    struct mx *m, const struct fw_pkt *pk, bool *accept, struct fw_verdict *vp)
{
	struct fw_evaluator *e = m->ev;
	struct fw_verdict    v;

	/* With rate matches each packet is the first after loading. */
	if (e == NULL || m->rate) {
		if ((e = fw_evaluator_new(m->rs, m->o->table, MX_CTMAX)) ==
		    NULL) {
			fprintf(stderr,
			    "moatctl: fw matrix: cannot make an evaluator\n");
			return -1;
		}
		if (!m->rate)
			m->ev = e;
	}
	fw_lookup(e, pk, FW_CT_NEW, &v);
	if (e != m->ev)
		fw_evaluator_free(e);
	*accept = strcmp(v.verdict, "ACCEPT") == 0;
	if (vp != NULL)
		*vp = v;
	return 0;
}

/*
 * Every rule the chain reaches must be one moat can evaluate, as
 * fw_evaluable asks of the whole table (the same tests and words); rules
 * the chain does not reach cannot change its matrix.
 */
static int
check_evaluable(const struct mx *m, struct fw_diag *d)
{
	const struct mx_chain *c;
	const struct fw_rule  *r;
	const char	      *why;
	size_t		       k, i;
	int		       rc = 0;

	for (k = 0; k < m->nrule; k++) {
		r = m->rule[k].r;
		c = &m->chain[m->rule[k].chain];
		for (i = 0; i < r->nm; i++) {
			why = r->m[i].def->match == NULL ?
			    "not implemented yet" :
			    r->m[i].def->unsupported == NULL ?
			    NULL :
			    r->m[i].def->unsupported(r->m[i].data);
			if (why == NULL)
				continue;
			fw_finding(d, true, r->line, "unevaluable", NULL,
			    "%s rule %zu: moat cannot evaluate -m %s: %s",
			    c->c->name, k - c->first + 1, r->m[i].def->name,
			    why);
			rc = -1;
		}
		if (r->tdef == NULL || r->action == FW_ACT_RETURN)
			continue;
		why = r->tdef->run == NULL ?
		    "not carried out in the filter path" :
		    r->tdef->unsupported == NULL ?
		    NULL :
		    r->tdef->unsupported(r->tdata);
		if (why == NULL)
			continue;
		fw_finding(d, true, r->line, "unevaluable", NULL,
		    "%s rule %zu: moat cannot carry out -j %s: %s", c->c->name,
		    k - c->first + 1, r->tdef->name, why);
		rc = -1;
	}
	return rc;
}

/* The raw table runs before the filter in the kernel; fw_lookup and so
 * the matrix leave it out, which the reader must know if it has rules. */
static int
note_raw(struct mx *m)
{
	const char *hook = m->o->hook >= FW_OUTPUT ? "OUTPUT" : "PREROUTING";
	struct fw_chain *c;

	if (m->o->table == FW_RAW || !m->rs->t[FW_RAW].present ||
	    (c = fw_chain_find(m->rs, FW_RAW, hook)) == NULL || c->nrules == 0)
		return 0;
	return add_note(m,
	    "the raw table's %s chain (%zu rules) is not applied; it may "
	    "drop packets or exempt them from connection tracking",
	    hook, c->nrules);
}

static int
analyse(struct mx *m, struct fw_diag *d)
{
	enum fw_hook hk = m->o->hook;
	uint64_t    *live = NULL, *boxed = NULL;
	size_t	     k, s, mi;
	int	     rc = -1;

	if (collect(m) == -1)
		return -1;
	if (check_evaluable(m, d) == -1) {
		fprintf(stderr,
		    "moatctl: fw matrix: chain %s of table %s reaches rules "
		    "moat cannot evaluate (above), so it cannot say what the "
		    "chain accepts\n",
		    m->start->name, fw_table_names[m->o->table]);
		return -1;
	}
	if (note_raw(m) == -1)
		return -1;
	for (k = 0; k < m->nrule; k++)
		if (classify_rule(m, k) == -1)
			return -1;
	if (ifdim_build(m, &m->in, hk <= FW_FORWARD, false, m->o->in) == -1 ||
	    ifdim_build(m, &m->out, hk >= FW_FORWARD, true, m->o->out) == -1 ||
	    choose_modes(m) == -1 || build_services(m) == -1)
		return -1;
	for (k = 0; k < m->nrule; k++) {
		m->rule[k].in_rep = first_class(m, &m->in, k);
		m->rule[k].out_rep = first_class(m, &m->out, k);
	}
	m->ncombo = m->nmode * m->in.ncls * m->out.ncls;
	if ((m->res = mx_calloc(m->nsvc * m->ncombo, sizeof(*m->res))) ==
		NULL ||
	    (live = mx_calloc(m->nsvc * m->nmode * m->nw, sizeof(*live))) ==
		NULL ||
	    (boxed = mx_calloc(m->nsvc * m->nmode * m->nw, sizeof(*boxed))) ==
		NULL ||
	    mx_grow(&m->result, &m->capresult, 1, sizeof(*m->result)) == -1)
		goto out;
	memset(&m->result[0], 0, sizeof(m->result[0]));
	m->nresult = 1; /* the empty result */
	/* Every decision before any evaluator is made (decide_beyond). */
	for (s = 0; s < m->nsvc; s++)
		for (mi = 0; mi < m->nmode; mi++)
			if (live_rules(m, &m->svc[s], m->mode[mi],
				live + (s * m->nmode + mi) * m->nw,
				boxed + (s * m->nmode + mi) * m->nw) == -1)
				goto out;
	rc = mx_solve_all(m, live, boxed);
out:
	free(live);
	free(boxed);
	return rc;
}

static void
mx_free(struct mx *m)
{
	size_t i;

	for (i = 1; i < m->nresult; i++)
		mx_result_free(&m->result[i]);
	free(m->result);
	mx_memo_free(m->memo);
	for (i = 0; i < m->nnote; i++)
		free(m->note[i]);
	free(m->note);
	ifdim_free(&m->in);
	ifdim_free(&m->out);
	free(m->svc);
	free(m->res);
	free(m->rule);
	free(m->ri);
	free(m->chain);
	fw_evaluator_free(m->ev);
}

int
fw_matrix(struct fw_ruleset *rs, const struct fw_matrix_opts *o, FILE *out,
    struct fw_diag *d)
{
	struct mx	 m = { .rs = rs, .o = o };
	struct fw_chain *c;
	int		 rc = -1;

	if (!rs->t[o->table].present ||
	    (c = fw_chain_find(rs, o->table, fw_hook_names[o->hook])) == NULL ||
	    c->hook == -1) {
		fprintf(stderr,
		    "moatctl: fw matrix: table %s has no chain %s\n",
		    fw_table_names[o->table], fw_hook_names[o->hook]);
		return -1;
	}
	m.start = c;
	if (analyse(&m, d) == -1)
		goto out;
	if (o->json) {
		if (mx_print_json(&m, out) == -1)
			goto out;
	} else
		mx_print_text(&m, out);
	rc = o->verify > 0 ? mx_verify(&m, o->json ? stderr : out) : 0;
out:
	mx_free(&m);
	return rc;
}
