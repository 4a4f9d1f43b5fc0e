/*
 * Addresses and prefixes.
 *
 * The iptables rules (ipt_*) follow libxtables 1.8.9 (xtables.c:
 * xtables_strtoui, __numeric_to_ipaddr, parse_ipmask, parse_ip6mask,
 * xtables_ipparse_multiple), checked against iptables 1.8.9 itself:
 *  - numbers are C literals, as strtoumax(base 0) reads them: leading
 *    blanks and '+' allowed, '-' refused, "010" is 8, "0x18" is 24;
 *  - an IPv4 address has at most four dotted bytes; fewer are completed
 *    with zeros ("10.1" is 10.1.0.0); an IPv6 address is what inet_pton
 *    takes;
 *  - the mask after the last '/' is a dotted address (exactly four bytes)
 *    or a bit count 0..32 (0..128 for IPv6); none means a host; an empty or
 *    out-of-range one is "invalid mask", so "0.0.0.0/" is an error;
 *  - bits outside the mask are cleared silently (10.0.1.1/24 is
 *    10.0.1.0/24); non-contiguous masks are kept;
 *  - host and network names are not resolved here (iptables would ask DNS);
 *    they are reported as not numeric.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int
addr_len(sa_family_t af)
{
	return af == AF_INET ? 4 : 16;
}

int
addr_pton(sa_family_t af, const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = af;
	return inet_pton(af, s, a->u.b) == 1 ? 0 : -1;
}

const char *
addr_ntop(const struct addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->af, a->u.b, buf, len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

bool
addr_eq(const struct addr *a, const struct addr *b)
{
	return a->af == b->af && memcmp(a->u.b, b->u.b, addr_len(a->af)) == 0;
}

int
addr_cmp(const struct addr *a, const struct addr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(a->u.b, b->u.b, addr_len(a->af));
}

void
prefix_from_len(sa_family_t af, int len, struct prefix *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	p->addr.af = p->mask.af = af;
	for (i = 0; i < addr_len(af) && len >= 8; i++, len -= 8)
		p->mask.u.b[i] = 0xff;
	if (i < addr_len(af) && len > 0)
		p->mask.u.b[i] = (uint8_t)(0xff << (8 - len));
}

/* The number of leading one bits of a contiguous mask, -1 if it has holes. */
int
prefix_len(const struct prefix *p)
{
	int	i, n = 0, alen = addr_len(p->mask.af);
	uint8_t b;

	for (i = 0; i < alen && p->mask.u.b[i] == 0xff; i++)
		n += 8;
	if (i == alen)
		return n;
	for (b = p->mask.u.b[i]; b & 0x80; b = (uint8_t)(b << 1))
		n++;
	if (b != 0)
		return -1;
	for (i++; i < alen; i++)
		if (p->mask.u.b[i] != 0)
			return -1;
	return n;
}

bool
prefix_contains(const struct prefix *p, const struct addr *a)
{
	int i;

	if (a->af != p->addr.af)
		return false;
	for (i = 0; i < addr_len(a->af); i++)
		if ((a->u.b[i] & p->mask.u.b[i]) != p->addr.u.b[i])
			return false;
	return true;
}

bool
prefix_is_any(const struct prefix *p)
{
	static const uint8_t zero[16];

	return memcmp(p->mask.u.b, zero, addr_len(p->mask.af)) == 0;
}

/* Clear the address bits outside the mask; true if any were set. */
static bool
apply_mask(struct prefix *p)
{
	bool	changed = false;
	uint8_t b;
	int	i;

	for (i = 0; i < addr_len(p->addr.af); i++) {
		b = p->addr.u.b[i] & p->mask.u.b[i];
		changed |= b != p->addr.u.b[i];
		p->addr.u.b[i] = b;
	}
	return changed;
}

/* Strict CIDR for configuration files: "ADDR" or "ADDR/LEN", host bits
 * clear. */
int
prefix_parse(sa_family_t af, const char *s, struct prefix *p, const char **why)
{
	char	    buf[PREFIX_STRLEN], *slash, *end;
	struct addr a;
	long	    len;

	if (strlen(s) >= sizeof(buf)) {
		*why = "too long for an address";
		return -1;
	}
	strcpy(buf, s);
	len = addr_len(af) * 8;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		errno = 0;
		len = strtol(slash, &end, 10);
		if (!isdigit((unsigned char)*slash) || *end != '\0' ||
		    len > addr_len(af) * 8) {
			*why = "invalid prefix length";
			return -1;
		}
	}
	if (addr_pton(af, buf, &a) == -1) {
		*why = af == AF_INET ? "not an IPv4 address" :
				       "not an IPv6 address";
		return -1;
	}
	prefix_from_len(af, (int)len, p);
	p->addr = a;
	if (apply_mask(p)) {
		*why = "host bits set beyond the prefix length";
		return -1;
	}
	return 0;
}

/*
 * An unsigned number as libxtables reads one (xtables_strtoul_base with
 * base 0): blanks and '+' may lead, '-' may not, and the whole string must
 * be the number.
 */
int
ipt_strtoui(const char *s, uintmax_t min, uintmax_t max, uintmax_t *out)
{
	const char *p;
	char	   *end;
	uintmax_t   v;

	for (p = s; isspace((unsigned char)*p); p++)
		;
	if (*p == '-')
		return -1;
	errno = 0;
	v = strtoumax(s, &end, 0);
	if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* IPv4 as __numeric_to_ipaddr: up to four bytes; a mask needs all four. */
static int
ipt_parse_v4(const char *s, bool is_mask, struct addr *a)
{
	char	  buf[20], *p, *dot;
	uintmax_t v;
	int	  i;

	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	/* libxtables copies into a 20-byte buffer, truncating; so do we. */
	snprintf(buf, sizeof(buf), "%s", s);
	for (p = buf, i = 0; i < 4; i++) {
		dot = i < 3 ? strchr(p, '.') : NULL;
		if (dot == NULL && i < 3 && is_mask)
			return -1;
		if (dot != NULL)
			*dot = '\0';
		if (ipt_strtoui(p, 0, UINT8_MAX, &v) == -1)
			return -1;
		a->u.b[i] = (uint8_t)v;
		if (dot == NULL)
			return 0;
		p = dot + 1;
	}
	return 0;
}

static int
ipt_parse_addr(sa_family_t af, const char *s, bool is_mask, struct addr *a)
{
	if (af == AF_INET)
		return ipt_parse_v4(s, is_mask, a);
	return addr_pton(AF_INET6, s, a);
}

int
ipt_prefix_parse(sa_family_t af, const char *s, struct prefix *p,
    unsigned int *flags, const char **why)
{
	char	    buf[256], *slash;
	uintmax_t   bits;
	struct addr a;

	*flags = 0;
	if (strlen(s) >= sizeof(buf)) {
		*why = "host/network not found";
		return -1;
	}
	strcpy(buf, s);
	prefix_from_len(af, addr_len(af) * 8, p);
	if ((slash = strrchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		if (ipt_parse_addr(af, slash, true, &p->mask) == 0)
			;
		else if (ipt_strtoui(slash, 0, addr_len(af) * 8, &bits) == 0)
			prefix_from_len(af, (int)bits, p);
		else {
			*why = "invalid mask";
			return -1;
		}
	}
	if (ipt_parse_addr(af, buf, false, &a) == -1) {
		*why = "host/network not found (only numeric addresses are "
		       "accepted)";
		return -1;
	}
	p->addr = a;
	if (apply_mask(p))
		*flags |= PREFIX_HOSTBITS;
	return 0;
}

/* As iptables-save prints it: ADDR/LEN, or ADDR/MASK when the mask has
 * holes. */
const char *
prefix_ntop(const struct prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN], m[ADDR_STRLEN];
	int  plen = prefix_len(p);

	addr_ntop(&p->addr, a, sizeof(a));
	if (plen >= 0)
		snprintf(buf, len, "%s/%d", a, plen);
	else
		snprintf(
		    buf, len, "%s/%s", a, addr_ntop(&p->mask, m, sizeof(m)));
	return buf;
}
