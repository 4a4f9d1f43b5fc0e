/*
 * IKEv2 messages (RFC 7296 section 3): the header, the payload chain and
 * the validation of every known payload's body, all before anything
 * reads a field. payload.c copies validated bodies into structures and
 * builds messages.
 *
 * Where the RFC leaves a choice, moat is strict about structure (lengths
 * exact, flags as specified) and lenient about content it does not use:
 * unknown attributes, notify types, ID and certificate types pass here
 * and are judged, or ignored, by the code that reads them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

struct chk {
	const struct ike_msg *msg;
	uint8_t		      type;
	const char	     *name;
	struct ike_err	     *e;
};

struct pl_rule {
	uint8_t	    type;
	uint8_t	    min; /* body bytes below which the length is wrong */
	const char *name;
	int (*check)(struct chk *, struct buf_rd *);
};

static int chk_sa(struct chk *, struct buf_rd *);
static int chk_ke(struct chk *, struct buf_rd *);
static int chk_id(struct chk *, struct buf_rd *);
static int chk_cert(struct chk *, struct buf_rd *);
static int chk_auth(struct chk *, struct buf_rd *);
static int chk_nonce(struct chk *, struct buf_rd *);
static int chk_notify(struct chk *, struct buf_rd *);
static int chk_delete(struct chk *, struct buf_rd *);
static int chk_ts(struct chk *, struct buf_rd *);
static int chk_skf(struct chk *, struct buf_rd *);
static int chk_cp(struct chk *, struct buf_rd *);
static int chk_eap(struct chk *, struct buf_rd *);

/* 3.2's payload types; min is each body's fixed part (3.3 to 3.16). */
/* clang-format off */
static const struct pl_rule pl_rules[] = {
	{ IKE_PT_SA, 8, "SA", chk_sa },
	{ IKE_PT_KE, 4, "KE", chk_ke },
	{ IKE_PT_IDI, 4, "IDi", chk_id },
	{ IKE_PT_IDR, 4, "IDr", chk_id },
	{ IKE_PT_CERT, 1, "CERT", chk_cert },
	{ IKE_PT_CERTREQ, 1, "CERTREQ", chk_cert },
	{ IKE_PT_AUTH, 4, "AUTH", chk_auth },
	{ IKE_PT_NONCE, 0, "Nonce", chk_nonce },
	{ IKE_PT_N, 4, "Notify", chk_notify },
	{ IKE_PT_D, 4, "Delete", chk_delete },
	{ IKE_PT_V, 0, "Vendor ID", NULL },
	{ IKE_PT_TSI, 4, "TSi", chk_ts },
	{ IKE_PT_TSR, 4, "TSr", chk_ts },
	{ IKE_PT_SK, 1, "SK", NULL },
	{ IKE_PT_CP, 4, "CP", chk_cp },
	{ IKE_PT_EAP, 4, "EAP", chk_eap },
	{ IKE_PT_SKF, 5, "SKF", chk_skf }, /* RFC 7383 2.5 */
};
/* clang-format on */

#define NRULES (sizeof(pl_rules) / sizeof(pl_rules[0]))

static const struct name {
	uint16_t    num;
	const char *name;
} exch_names[] = {
	{ IKE_SA_INIT, "IKE_SA_INIT" },
	{ IKE_AUTH, "IKE_AUTH" },
	{ IKE_CREATE_CHILD_SA, "CREATE_CHILD_SA" },
	{ IKE_INFORMATIONAL, "INFORMATIONAL" },
	{ 38, "IKE_SESSION_RESUME" }, /* RFC 5723 */
	{ 43, "IKE_INTERMEDIATE" }, /* RFC 9242 */
}, notify_names[] = {
	{ IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
	{ IKE_N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
	{ IKE_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
	{ IKE_N_INVALID_SYNTAX, "INVALID_SYNTAX" },
	{ IKE_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
	{ IKE_N_INVALID_SPI, "INVALID_SPI" },
	{ IKE_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
	{ IKE_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
	{ IKE_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
	{ IKE_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
	{ IKE_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
	{ IKE_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
	{ IKE_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
	{ IKE_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
	{ IKE_N_INVALID_SELECTORS, "INVALID_SELECTORS" },
	{ IKE_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
	{ IKE_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
	{ IKE_N_INITIAL_CONTACT, "INITIAL_CONTACT" },
	{ IKE_N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE" },
	{ IKE_N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE" },
	{ IKE_N_IPCOMP_SUPPORTED, "IPCOMP_SUPPORTED" },
	{ IKE_N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP" },
	{ IKE_N_NAT_DETECTION_DESTINATION_IP,
	    "NAT_DETECTION_DESTINATION_IP" },
	{ IKE_N_COOKIE, "COOKIE" },
	{ IKE_N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE" },
	{ IKE_N_REKEY_SA, "REKEY_SA" },
	{ IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED,
	    "ESP_TFC_PADDING_NOT_SUPPORTED" },
	{ IKE_N_NON_FIRST_FRAGMENTS_ALSO, "NON_FIRST_FRAGMENTS_ALSO" },
	{ IKE_N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED" },
	{ 16403, "AUTH_LIFETIME" }, /* RFC 4478 */
	{ 16404, "MULTIPLE_AUTH_SUPPORTED" }, /* RFC 4739 */
	{ 16405, "ANOTHER_AUTH_FOLLOWS" },
	{ 16406, "REDIRECT_SUPPORTED" }, /* RFC 5685 */
	{ 16417, "EAP_ONLY_AUTHENTICATION" }, /* RFC 5998 */
	{ 16418, "CHILDLESS_IKEV2_SUPPORTED" }, /* RFC 6023 */
	{ IKE_N_IKEV2_FRAGMENTATION_SUPPORTED,
	    "IKEV2_FRAGMENTATION_SUPPORTED" },
	{ IKE_N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS" },
};

static const char *
name_of(const struct name *t, size_t n, uint16_t num, char buf[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	snprintf(buf, 16, "%u", num);
	return buf;
}

const char *
ike_exch_name(uint8_t x, char buf[16])
{
	return name_of(
	    exch_names, sizeof(exch_names) / sizeof(exch_names[0]), x, buf);
}

const char *
ike_notify_name(uint16_t n, char buf[16])
{
	return name_of(notify_names,
	    sizeof(notify_names) / sizeof(notify_names[0]), n, buf);
}

static const struct pl_rule *
rule_of(uint8_t type)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (pl_rules[i].type == type)
			return &pl_rules[i];
	return NULL;
}

const char *
ike_pt_name(uint8_t type, char buf[16])
{
	const struct pl_rule *r;

	if ((r = rule_of(type)) != NULL)
		return r->name;
	snprintf(buf, 16, "%u", type);
	return buf;
}

static int __attribute__((format(printf, 4, 5)))
fail(struct ike_err *e, uint16_t notify, uint8_t pltype, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->notify = notify;
	e->pltype = pltype;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* INVALID_SYNTAX in the body being checked; why starts with its name. */
static int __attribute__((format(printf, 2, 3)))
bad(struct chk *c, const char *fmt, ...)
{
	va_list ap;
	int	n;

	if (c->e == NULL)
		return -1;
	c->e->notify = IKE_N_INVALID_SYNTAX;
	c->e->pltype = c->type;
	n = snprintf(c->e->why, sizeof(c->e->why), "%s: ", c->name);
	if (n < 0 || (size_t)n >= sizeof(c->e->why))
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->e->why + n, sizeof(c->e->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- 3.3: Security Association --------------------------------------- */

/* 3.3.5: attributes TV (AF set, 2-byte value) or TLV; key length is TV. */
static int
chk_attrs(struct chk *c, struct buf_rd *r, unsigned int pn, unsigned int xn)
{
	uint16_t at, v;
	bool	 keylen = false;

	while (buf_left(r) > 0) {
		if (buf_left(r) < 4)
			return bad(c,
			    "proposal %u transform %u: attribute of %zu bytes, "
			    "fewer than 4",
			    pn, xn, buf_left(r));
		buf_get_u16(r, &at);
		buf_get_u16(r, &v);
		if ((at & 0x7fff) == IKE_ATTR_KEYLEN) {
			if (!(at & 0x8000))
				return bad(c,
				    "proposal %u transform %u: key length "
				    "attribute without the AF bit",
				    pn, xn);
			if (keylen)
				return bad(c,
				    "proposal %u transform %u: two key length "
				    "attributes",
				    pn, xn);
			keylen = true;
		}
		if (!(at & 0x8000) && buf_skip(r, v) == -1)
			return bad(c,
			    "proposal %u transform %u: attribute type %u of "
			    "%u bytes past the end",
			    pn, xn, at & 0x7fff, v);
	}
	return 0;
}

/* 3.3.2: each transform but the last says 3, the last 0. */
static int
chk_xf(struct chk *c, struct buf_rd *r, unsigned int pn, unsigned int xn,
    bool last)
{
	struct buf_rd a;
	uint8_t	      more, res, type;
	uint16_t      len, id;

	if (buf_left(r) < 8)
		return bad(c,
		    "proposal %u transform %u: %zu bytes, fewer "
		    "than 8",
		    pn, xn, buf_left(r));
	buf_get_u8(r, &more);
	buf_get_u8(r, &res);
	buf_get_u16(r, &len);
	buf_get_u8(r, &type);
	buf_get_u8(r, &res);
	buf_get_u16(r, &id);
	if (more != (last ? 0 : 3))
		return bad(c,
		    "proposal %u transform %u: last substructure "
		    "%u, want %u",
		    pn, xn, more, last ? 0 : 3);
	if (len < 8 || (size_t)len - 8 > buf_left(r))
		return bad(c,
		    "proposal %u transform %u: length %u, want 8 "
		    "to %zu",
		    pn, xn, len, buf_left(r) + 8);
	buf_sub(r, &a, len - 8);
	return chk_attrs(c, &a, pn, xn);
}

static int
chk_prop(struct chk *c, struct buf_rd *p, unsigned int pn, uint8_t proto,
    uint8_t spisize, uint8_t nxf)
{
	unsigned int i;

	if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_AH &&
	    proto != IKE_PROTO_ESP)
		return bad(c, "proposal %u: protocol %u unknown", pn, proto);
	/* 3.3.1: none in IKE_SA_INIT, 8 when rekeying the IKE SA */
	if (proto == IKE_PROTO_IKE ? spisize != 0 && spisize != 8 :
				     spisize != 4)
		return bad(c, "proposal %u: SPI size %u for %s", pn, spisize,
		    proto == IKE_PROTO_IKE    ? "IKE" :
			proto == IKE_PROTO_AH ? "AH" :
						"ESP");
	if (buf_skip(p, spisize) == -1)
		return bad(c, "proposal %u: SPI of %u bytes past the end", pn,
		    spisize);
	if (nxf == 0)
		return bad(c, "proposal %u: no transforms", pn);
	for (i = 1; i <= nxf; i++)
		if (chk_xf(c, p, pn, i, i == nxf) == -1)
			return -1;
	if (buf_left(p) > 0)
		return bad(c, "proposal %u: %zu bytes after its %u transforms",
		    pn, buf_left(p), nxf);
	return 0;
}

/*
 * 3.3.1: a request numbers its proposals 1, 2, ...; a response carries
 * the one chosen, under the number it had in the request.
 */
static int
chk_sa(struct chk *c, struct buf_rd *r)
{
	struct buf_rd p;
	uint8_t	      more = 2, res, num, prev = 0, proto, spisize, nxf;
	uint16_t      len;
	size_t	      n;
	bool	      resp = c->msg->hdr.flags & IKE_F_RESPONSE;

	for (n = 0; buf_left(r) > 0; n++) {
		if (more == 0)
			return bad(c, "%zu bytes after the last proposal",
			    buf_left(r));
		if (buf_left(r) < 8)
			return bad(c, "proposal %zu: %zu bytes, fewer than 8",
			    n + 1, buf_left(r));
		buf_get_u8(r, &more);
		buf_get_u8(r, &res);
		buf_get_u16(r, &len);
		buf_get_u8(r, &num);
		buf_get_u8(r, &proto);
		buf_get_u8(r, &spisize);
		buf_get_u8(r, &nxf);
		if (more != 0 && more != 2)
			return bad(c,
			    "proposal %u: last substructure %u, not "
			    "0 or 2",
			    num, more);
		if (len < 8 || (size_t)len - 8 > buf_left(r))
			return bad(c, "proposal %u: length %u, want 8 to %zu",
			    num, len, buf_left(r) + 8);
		if (n == 0 && !resp && num != 1)
			return bad(c, "first proposal number %u, not 1", num);
		if (n == 0 && num == 0)
			return bad(c, "proposal number 0");
		if (n > 0 && resp)
			return bad(c,
			    "a response with more than one "
			    "proposal");
		if (n > 0 && num != prev + 1)
			return bad(c, "proposal number %u after %u", num, prev);
		buf_sub(r, &p, len - 8);
		if (chk_prop(c, &p, num, proto, spisize, nxf) == -1)
			return -1;
		prev = num;
	}
	if (more != 0)
		return bad(c,
		    "proposal %u says more follow, but the payload "
		    "ends",
		    prev);
	return 0;
}

/* ---- 3.4 to 3.12 -------------------------------------------------- */

static int
chk_ke(struct chk *c, struct buf_rd *r)
{
	uint16_t group, res;

	buf_get_u16(r, &group);
	buf_get_u16(r, &res);
	if (buf_left(r) == 0)
		return bad(c, "group %u with no key exchange data", group);
	return 0;
}

static int
chk_id(struct chk *c, struct buf_rd *r)
{
	uint8_t type;

	buf_get_u8(r, &type);
	buf_skip(r, 3);
	if (type == IKE_ID_IPV4_ADDR && buf_left(r) != 4)
		return bad(c, "IPv4 address of %zu bytes, not 4", buf_left(r));
	if (type == IKE_ID_IPV6_ADDR && buf_left(r) != 16)
		return bad(c, "IPv6 address of %zu bytes, not 16", buf_left(r));
	if (buf_left(r) == 0)
		return bad(c, "type %u with no identification data", type);
	return 0;
}

/* A CERTREQ may be empty (any CA will do); a CERT may not. */
static int
chk_cert(struct chk *c, struct buf_rd *r)
{
	uint8_t enc;

	buf_get_u8(r, &enc);
	if (c->type == IKE_PT_CERT && buf_left(r) == 0)
		return bad(c, "encoding %u with no data", enc);
	return 0;
}

static int
chk_auth(struct chk *c, struct buf_rd *r)
{
	uint8_t method;

	buf_get_u8(r, &method);
	buf_skip(r, 3);
	if (buf_left(r) == 0)
		return bad(c, "method %u with no authentication data", method);
	return 0;
}

static int
chk_nonce(struct chk *c, struct buf_rd *r)
{
	if (buf_left(r) < IKE_NONCE_MIN)
		return bad(
		    c, "%zu bytes, fewer than %d", buf_left(r), IKE_NONCE_MIN);
	if (buf_left(r) > IKE_NONCE_MAX)
		return bad(
		    c, "%zu bytes, more than %d", buf_left(r), IKE_NONCE_MAX);
	return 0;
}

static int
chk_notify(struct chk *c, struct buf_rd *r)
{
	uint8_t	 proto, spisize;
	uint16_t type;
	char	 nb[16];

	buf_get_u8(r, &proto);
	buf_get_u8(r, &spisize);
	buf_get_u16(r, &type);
	if (spisize != 0 && spisize != 4 && spisize != 8)
		return bad(c, "%s: SPI size %u, not 0, 4 or 8",
		    ike_notify_name(type, nb), spisize);
	if (buf_skip(r, spisize) == -1)
		return bad(c, "%s: SPI of %u bytes past the end",
		    ike_notify_name(type, nb), spisize);
	return 0;
}

/* 3.11: an IKE SA is named by the header's SPIs; ESP and AH by 4 bytes. */
static int
chk_delete(struct chk *c, struct buf_rd *r)
{
	uint8_t	 proto, spisize;
	uint16_t n;

	buf_get_u8(r, &proto);
	buf_get_u8(r, &spisize);
	buf_get_u16(r, &n);
	switch (proto) {
	case IKE_PROTO_IKE:
		if (spisize != 0)
			return bad(
			    c, "IKE SA with SPI size %u, not 0", spisize);
		if (n != 0)
			return bad(c, "IKE SA with %u SPIs, not 0", n);
		if (buf_left(r) > 0)
			return bad(c,
			    "IKE SA with %zu bytes after the "
			    "header",
			    buf_left(r));
		return 0;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (spisize != 4)
			return bad(c, "%s SA with SPI size %u, not 4",
			    proto == IKE_PROTO_AH ? "AH" : "ESP", spisize);
		if ((size_t)n * 4 != buf_left(r))
			return bad(c, "%u SPIs of 4 bytes, %zu bytes follow", n,
			    buf_left(r));
		return 0;
	default:
		return bad(c, "protocol %u unknown", proto);
	}
}

/* ---- 3.13: Traffic Selectors ------------------------------------ */

static int
chk_sel(struct chk *c, struct buf_rd *r, unsigned int i)
{
	struct addr   start, end;
	struct buf_rd s;
	uint8_t	      type, proto;
	uint16_t      len, want, sport, eport;
	size_t	      alen;
	char	      a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (buf_left(r) < 4)
		return bad(
		    c, "selector %u: %zu bytes, fewer than 4", i, buf_left(r));
	buf_get_u8(r, &type);
	buf_get_u8(r, &proto);
	buf_get_u16(r, &len);
	if (type == IKE_TS_IPV4_ADDR_RANGE) {
		want = 16;
		alen = 4;
	} else if (type == IKE_TS_IPV6_ADDR_RANGE) {
		want = 40;
		alen = 16;
	} else
		return bad(c, "selector %u: type %u unknown", i, type);
	if (len != want)
		return bad(c, "selector %u: length %u, not %u for type %u", i,
		    len, want, type);
	if (buf_sub(r, &s, len - 4) == -1)
		return bad(c,
		    "selector %u: length %u past the end (%zu "
		    "bytes left)",
		    i, len, buf_left(r) + 4);
	memset(&start, 0, sizeof(start));
	memset(&end, 0, sizeof(end));
	start.af = end.af = alen == 4 ? AF_INET : AF_INET6;
	buf_get_u16(&s, &sport);
	buf_get_u16(&s, &eport);
	buf_get_bytes(&s, start.u.b, alen);
	buf_get_bytes(&s, end.u.b, alen);
	if (memcmp(start.u.b, end.u.b, alen) > 0)
		return bad(c, "selector %u: start %s above end %s", i,
		    addr_ntop(&start, a, sizeof(a)),
		    addr_ntop(&end, b, sizeof(b)));
	/* RFC 4301 4.4.1.1: start 65535, end 0 is OPAQUE */
	if (sport > eport && !(sport == 65535 && eport == 0))
		return bad(c, "selector %u: start port %u above end port %u", i,
		    sport, eport);
	return 0;
}

static int
chk_ts(struct chk *c, struct buf_rd *r)
{
	uint8_t	     n;
	unsigned int i;

	buf_get_u8(r, &n);
	buf_skip(r, 3);
	if (n == 0)
		return bad(c, "no traffic selectors");
	for (i = 1; i <= n; i++)
		if (chk_sel(c, r, i) == -1)
			return -1;
	if (buf_left(r) > 0)
		return bad(c, "%zu bytes after %u selectors", buf_left(r), n);
	return 0;
}

/* ---- 3.15, 3.16, RFC 7383 ---------------------------------------- */

/* RFC 7383 2.5: numbered from 1 up to the total. */
static int
chk_skf(struct chk *c, struct buf_rd *r)
{
	uint16_t num, total;

	buf_get_u16(r, &num);
	buf_get_u16(r, &total);
	if (num == 0 || num > total)
		return bad(c, "fragment %u of %u", num, total);
	return 0;
}

/* 3.15.1: the lengths a known attribute may have besides 0. */
static const struct {
	uint16_t    type;
	uint16_t    len; /* 0: any multiple of mult */
	uint16_t    mult;
	const char *name;
} cp_attrs[] = {
	{ IKE_CA_INTERNAL_IP4_ADDRESS, 4, 0, "INTERNAL_IP4_ADDRESS" },
	{ IKE_CA_INTERNAL_IP4_NETMASK, 4, 0, "INTERNAL_IP4_NETMASK" },
	{ IKE_CA_INTERNAL_IP4_DNS, 4, 0, "INTERNAL_IP4_DNS" },
	{ IKE_CA_INTERNAL_IP4_NBNS, 4, 0, "INTERNAL_IP4_NBNS" },
	{ IKE_CA_INTERNAL_IP4_DHCP, 4, 0, "INTERNAL_IP4_DHCP" },
	{ IKE_CA_APPLICATION_VERSION, 0, 1, "APPLICATION_VERSION" },
	{ IKE_CA_INTERNAL_IP6_ADDRESS, 17, 0, "INTERNAL_IP6_ADDRESS" },
	{ IKE_CA_INTERNAL_IP6_DNS, 16, 0, "INTERNAL_IP6_DNS" },
	{ 12, 16, 0, "INTERNAL_IP6_DHCP" },
	{ IKE_CA_INTERNAL_IP4_SUBNET, 8, 0, "INTERNAL_IP4_SUBNET" },
	{ IKE_CA_SUPPORTED_ATTRIBUTES, 0, 2, "SUPPORTED_ATTRIBUTES" },
	{ IKE_CA_INTERNAL_IP6_SUBNET, 17, 0, "INTERNAL_IP6_SUBNET" },
};

static int
chk_cp_attr(struct chk *c, uint16_t type, uint16_t len)
{
	size_t i;

	for (i = 0; i < sizeof(cp_attrs) / sizeof(cp_attrs[0]); i++) {
		if (cp_attrs[i].type != type || len == 0)
			continue;
		if (cp_attrs[i].len != 0 && len != cp_attrs[i].len)
			return bad(c, "%s of %u bytes, not 0 or %u",
			    cp_attrs[i].name, len, cp_attrs[i].len);
		if (cp_attrs[i].len == 0 && len % cp_attrs[i].mult != 0)
			return bad(c, "%s of %u bytes, not a multiple of %u",
			    cp_attrs[i].name, len, cp_attrs[i].mult);
	}
	return 0;
}

static int
chk_cp(struct chk *c, struct buf_rd *r)
{
	uint8_t	     type;
	uint16_t     at, len;
	unsigned int i;

	buf_get_u8(r, &type);
	buf_skip(r, 3);
	if (type < IKE_CFG_REQUEST || type > IKE_CFG_ACK)
		return bad(c, "type %u unknown", type);
	for (i = 1; buf_left(r) > 0; i++) {
		if (buf_left(r) < 4)
			return bad(c, "attribute %u: %zu bytes, fewer than 4",
			    i, buf_left(r));
		buf_get_u16(r, &at);
		buf_get_u16(r, &len);
		if (at & 0x8000)
			return bad(c, "attribute %u (type %u): R bit set", i,
			    at & 0x7fff);
		if (buf_skip(r, len) == -1)
			return bad(c,
			    "attribute %u (type %u): length %u past "
			    "the end (%zu bytes left)",
			    i, at, len, buf_left(r));
		if (chk_cp_attr(c, at, len) == -1)
			return -1;
	}
	return 0;
}

/* RFC 3748 4: Code, Identifier, Length (of the whole EAP packet). */
static int
chk_eap(struct chk *c, struct buf_rd *r)
{
	uint16_t len;
	size_t	 have = buf_left(r);

	buf_skip(r, 2);
	buf_get_u16(r, &len);
	if (len != have)
		return bad(
		    c, "length field %u, payload body %zu bytes", len, have);
	return 0;
}

/* ---- The chain ----------------------------------------------------- */

/*
 * Walk a chain from base + start to base + len, appending to msg->pl.
 * outer: the message itself, where SK and SKF may end the chain.
 */
static int
walk(struct ike_msg *msg, const uint8_t *base, size_t len, size_t start,
    uint8_t next, bool outer, struct ike_err *e)
{
	const struct pl_rule *rule;
	struct ike_pl	     *pl;
	struct buf_rd	      r, body;
	struct chk	      c;
	uint8_t		      type = IKE_PT_NONE, flags;
	uint16_t	      plen;
	unsigned int	      min;
	const char	     *name;
	char		      nb[16];

	buf_rd_init(&r, base, len);
	buf_skip(&r, start);
	while (next != IKE_PT_NONE) {
		type = next;
		rule = rule_of(type);
		name = ike_pt_name(type, nb);
		min = IKE_PLHDR_LEN + (rule != NULL ? rule->min : 0);
		if (msg->npl == IKE_MAXPL)
			return fail(e, IKE_N_INVALID_SYNTAX, type,
			    "%s: more than %d payloads in the message", name,
			    IKE_MAXPL);
		if (buf_left(&r) < IKE_PLHDR_LEN)
			return fail(e, IKE_N_INVALID_SYNTAX, type,
			    "%s: generic header past the end (%zu bytes "
			    "left)",
			    name, buf_left(&r));
		pl = &msg->pl[msg->npl];
		pl->off = r.off;
		buf_get_u8(&r, &next);
		buf_get_u8(&r, &flags);
		buf_get_u16(&r, &plen);
		if (plen < min)
			return fail(e, IKE_N_INVALID_SYNTAX, type,
			    "%s: length %u, fewer than %u", name, plen, min);
		if ((size_t)plen - IKE_PLHDR_LEN > buf_left(&r))
			return fail(e, IKE_N_INVALID_SYNTAX, type,
			    "%s: length %u past the end (%zu bytes left)", name,
			    plen, buf_left(&r) + IKE_PLHDR_LEN);
		if (rule == NULL && (flags & IKE_PL_CRITICAL))
			return fail(e, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, type,
			    "payload type %u unknown and critical", type);
		pl->type = type;
		pl->critical = flags & IKE_PL_CRITICAL;
		pl->len = plen - IKE_PLHDR_LEN;
		pl->body = buf_get_ptr(&r, pl->len);
		msg->npl++;
		if (type == IKE_PT_SK || type == IKE_PT_SKF) {
			if (!outer)
				return fail(e, IKE_N_INVALID_SYNTAX, type,
				    "%s inside an encrypted payload", name);
			if (msg->hdr.exch == IKE_SA_INIT)
				return fail(e, IKE_N_INVALID_SYNTAX, type,
				    "%s in IKE_SA_INIT", name);
			if (buf_left(&r) > 0)
				return fail(e, IKE_N_INVALID_SYNTAX, type,
				    "%s not last: %zu bytes follow", name,
				    buf_left(&r));
			msg->sk = pl;
			msg->sk_next = next;
			next = IKE_PT_NONE; /* it names the inner chain */
		}
		if (rule == NULL || rule->check == NULL)
			continue;
		c.msg = msg;
		c.type = type;
		c.name = name;
		c.e = e;
		buf_rd_init(&body, pl->body, pl->len);
		if (rule->check(&c, &body) == -1)
			return -1;
	}
	if (buf_left(&r) > 0)
		return fail(e, IKE_N_INVALID_SYNTAX, type,
		    "payload chain ends at byte %zu of %zu", r.off, len);
	return 0;
}

int
ike_msg_parse(
    const uint8_t *buf, size_t len, struct ike_msg *msg, struct ike_err *e)
{
	struct ike_hdr *h = &msg->hdr;
	struct buf_rd	r;

	memset(msg, 0, sizeof(*msg));
	if (e != NULL)
		memset(e, 0, sizeof(*e));
	if (len < IKE_HDR_LEN)
		return fail(e, 0, 0, "header: %zu bytes, fewer than %d", len,
		    IKE_HDR_LEN);
	buf_rd_init(&r, buf, len);
	buf_get_u64(&r, &h->spi_i);
	buf_get_u64(&r, &h->spi_r);
	buf_get_u8(&r, &h->next);
	buf_get_u8(&r, &h->version);
	buf_get_u8(&r, &h->exch);
	buf_get_u8(&r, &h->flags);
	buf_get_u32(&r, &h->msgid);
	buf_get_u32(&r, &h->len);
	/* 3.1: a newer major version is answered, an older one dropped;
	 * the minor version is ignored */
	if (h->version >> 4 > IKE_VERSION >> 4)
		return fail(e, IKE_N_INVALID_MAJOR_VERSION, 0,
		    "header: version %u.%u, major above 2", h->version >> 4,
		    h->version & 0xf);
	if (h->version >> 4 < IKE_VERSION >> 4)
		return fail(e, 0, 0, "header: version %u.%u, not IKEv2",
		    h->version >> 4, h->version & 0xf);
	if (h->len != len)
		return fail(e, IKE_N_INVALID_SYNTAX, 0,
		    "header: length %u, datagram of %zu bytes", h->len, len);
	if (h->spi_i == 0)
		return fail(e, 0, 0, "header: initiator SPI is zero");
	msg->raw = buf;
	return walk(msg, buf, len, IKE_HDR_LEN, h->next, true, e);
}

int
ike_msg_parse_inner(struct ike_msg *msg, const uint8_t *plain, size_t len,
    uint8_t first, struct ike_err *e)
{
	if (e != NULL)
		memset(e, 0, sizeof(*e));
	return walk(msg, plain, len, 0, first, false, e);
}

const struct ike_pl *
ike_msg_find(const struct ike_msg *msg, uint8_t type)
{
	size_t i;

	for (i = 0; i < msg->npl; i++)
		if (msg->pl[i].type == type)
			return &msg->pl[i];
	return NULL;
}

size_t
ike_msg_count(const struct ike_msg *msg, uint8_t type)
{
	size_t i, n = 0;

	for (i = 0; i < msg->npl; i++)
		if (msg->pl[i].type == type)
			n++;
	return n;
}

const struct ike_pl *
ike_msg_notify(const struct ike_msg *msg, uint16_t type)
{
	struct buf_rd r;
	uint16_t      t;
	size_t	      i;

	for (i = 0; i < msg->npl; i++) {
		if (msg->pl[i].type != IKE_PT_N)
			continue;
		buf_rd_init(&r, msg->pl[i].body, msg->pl[i].len);
		if (buf_skip(&r, 2) == 0 && buf_get_u16(&r, &t) == 0 &&
		    t == type)
			return &msg->pl[i];
	}
	return NULL;
}
