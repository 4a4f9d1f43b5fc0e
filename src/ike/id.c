/*
 * IDs as text (RFC 7296 3.5), for logs and moat.conf.
 *
 * Parsing follows strongSwan's rules of thumb: "@#hex" is a KEY_ID, any
 * other leading '@' forces an FQDN (and is dropped), an IPv4 or IPv6
 * address is IPV4_ADDR or IPV6_ADDR, text with '=' is a DN, with '@' an
 * RFC822_ADDR, and anything else an FQDN.
 *
 * A DN is written as strongSwan writes it, RDNs in their DER order (not
 * reversed as RFC 4514 does), ", " between RDNs and " + " inside a
 * multi-valued one, short attribute names (the table below; other
 * attributes as a dotted OID): "C=CH, O=moat, CN=gw.example". Values are
 * escaped as RFC 4514 2.4 says (\, \+ \" \\ \< \> \; a leading \# or
 * space and a trailing space), and so is every byte outside printable
 * ASCII, as \XX, so that a peer's DN never puts control characters or
 * raw UTF-8 into a log. A value OpenSSL cannot turn into UTF-8 prints as
 * '#' and its DER (RFC 4514 2.4), which the parser refuses. Parsed values
 * become what X509_NAME_add_entry makes of UTF-8 (UTF8String, or
 * PrintableString and IA5String where the attribute requires them), as
 * "openssl req" does. print(parse(s)) parses to the same DER.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "wire.h"

#define VALUE_MAX 1024 /* one attribute value, unescaped */

/* Attribute names: the first of a NID is what we print; the others are
 * accepted too (strongSwan's and OpenSSL's long names). Case does not
 * matter when parsing. */
static const struct dnattr {
	const char *name;
	int	    nid;
} dnattrs[] = {
	{ "C", NID_countryName },
	{ "ST", NID_stateOrProvinceName },
	{ "L", NID_localityName },
	{ "O", NID_organizationName },
	{ "OU", NID_organizationalUnitName },
	{ "CN", NID_commonName },
	{ "DC", NID_domainComponent },
	{ "E", NID_pkcs9_emailAddress },
	{ "SN", NID_surname },
	{ "GN", NID_givenName },
	{ "T", NID_title },
	{ "UID", NID_userId },
	{ "serialNumber", NID_serialNumber },
	{ "street", NID_streetAddress },
	{ "initials", NID_initials },
	{ "dnQualifier", NID_dnQualifier },
	{ "pseudonym", NID_pseudonym },
	{ "name", NID_name },
	/* Aliases, parse only. */
	{ "S", NID_stateOrProvinceName },
	{ "Email", NID_pkcs9_emailAddress },
	{ "emailAddress", NID_pkcs9_emailAddress },
	{ "G", NID_givenName },
	{ "title", NID_title },
	{ "commonName", NID_commonName },
	{ "countryName", NID_countryName },
	{ "organizationName", NID_organizationName },
	{ "organizationalUnitName", NID_organizationalUnitName },
	{ "localityName", NID_localityName },
	{ "stateOrProvinceName", NID_stateOrProvinceName },
	{ "domainComponent", NID_domainComponent },
};

#define NATTRS (sizeof(dnattrs) / sizeof(dnattrs[0]))

/* ---- Printing ------------------------------------------------------ */

struct out {
	char  *p;
	size_t n, cap;
	bool   over;
};

static void
put(struct out *o, const char *s, size_t len)
{
	if (o->over || len >= o->cap - o->n) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->n, s, len);
	o->n += len;
	o->p[o->n] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A byte in hex after prefix ("", "\\" or "\\x"); lowercase unless
 * upper. */
static void
put_hexbyte(struct out *o, const char *prefix, bool upper, uint8_t b)
{
	static const char lc[] = "0123456789abcdef", uc[] = "0123456789ABCDEF";
	const char	 *d = upper ? uc : lc;
	char		  h[2] = { d[b >> 4], d[b & 15] };

	puts_(o, prefix);
	put(o, h, 2);
}

static const char *
attr_name(int nid)
{
	size_t i;

	for (i = 0; i < NATTRS; i++)
		if (dnattrs[i].nid == nid)
			return dnattrs[i].name;
	return NULL;
}

static void
put_value(struct out *o, const uint8_t *v, size_t len)
{
	size_t i;
	char   c;

	for (i = 0; i < len; i++) {
		c = (char)v[i];
		if (v[i] < 0x20 || v[i] >= 0x7f)
			put_hexbyte(o, "\\", true, v[i]);
		else if (strchr(",+\"\\<>;", c) != NULL ||
		    (i == 0 && (c == '#' || c == ' ')) ||
		    (i == len - 1 && c == ' ')) {
			put(o, "\\", 1);
			put(o, &c, 1);
		} else
			put(o, &c, 1);
	}
}

/* A value that is no string OpenSSL can convert: '#' and its DER. */
static void
put_der_value(struct out *o, const ASN1_STRING *s)
{
	unsigned char *der = NULL;
	ASN1_TYPE     *t;
	int	       n, i;

	if ((t = ASN1_TYPE_new()) == NULL ||
	    ASN1_TYPE_set1(t, ASN1_STRING_type(s), s) != 1 ||
	    (n = i2d_ASN1_TYPE(t, &der)) <= 0) {
		o->over = true;
		goto out;
	}
	put(o, "#", 1);
	for (i = 0; i < n; i++)
		put_hexbyte(o, "", false, der[i]);
out:
	OPENSSL_free(der);
	ASN1_TYPE_free(t);
}

static int
print_dn(const uint8_t *data, size_t len, struct out *o)
{
	const unsigned char   *p = data;
	const X509_NAME_ENTRY *e;
	const ASN1_OBJECT     *obj;
	const char	      *nm;
	unsigned char	      *u;
	X509_NAME	      *name;
	char		       oid[128];
	int		       i, n, ulen, prevset = -1;

	if ((name = d2i_X509_NAME(NULL, &p, (long)len)) == NULL ||
	    p != data + len) {
		X509_NAME_free(name);
		ERR_clear_error();
		return -1;
	}
	n = X509_NAME_entry_count(name);
	for (i = 0; i < n; i++) {
		e = X509_NAME_get_entry(name, i);
		if (i > 0)
			puts_(o,
			    X509_NAME_ENTRY_set(e) == prevset ? " + " : ", ");
		prevset = X509_NAME_ENTRY_set(e);
		obj = X509_NAME_ENTRY_get_object(e);
		if ((nm = attr_name(OBJ_obj2nid(obj))) == NULL) {
			if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0 ||
			    strlen(oid) >= sizeof(oid) - 1)
				o->over = true;
			nm = oid;
		}
		puts_(o, nm);
		put(o, "=", 1);
		ulen = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
		if (ulen < 0) {
			ERR_clear_error();
			put_der_value(o, X509_NAME_ENTRY_get_data(e));
			continue;
		}
		put_value(o, u, (size_t)ulen);
		OPENSSL_free(u);
	}
	X509_NAME_free(name);
	return 0;
}

/* Text of an FQDN or RFC822_ADDR we accept from configuration. */
static bool
text_ok(const uint8_t *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '#')
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '\\')
			return false;
	return true;
}

static bool
is_address(const char *s)
{
	uint8_t b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* An FQDN or RFC822 text; a peer's odd bytes come out as \xHH. */
static void
print_text(struct out *o, const uint8_t *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '\\')
			put_hexbyte(o, "\\x", false, s[i]);
		else
			put(o, (const char *)&s[i], 1);
}

static void
print_fqdn(struct out *o, const uint8_t *s, size_t len)
{
	char plain[256];

	/* The '@' keeps it an FQDN when the bare text would read as
	 * something else. */
	if (memchr(s, '@', len) != NULL || memchr(s, '=', len) != NULL)
		put(o, "@", 1);
	else if (len < sizeof(plain)) {
		memcpy(plain, s, len);
		plain[len] = '\0';
		if (strlen(plain) == len && is_address(plain))
			put(o, "@", 1);
	}
	print_text(o, s, len);
}

int
ike_id_print(
    uint8_t idtype, const uint8_t *data, size_t len, char *buf, size_t size)
{
	struct out o = { buf, 0, size, size == 0 };
	char	   a[INET6_ADDRSTRLEN];
	size_t	   i;

	if (size > 0)
		buf[0] = '\0';
	switch (idtype) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (len != (idtype == IKE_ID_IPV4_ADDR ? 4u : 16u) ||
		    inet_ntop(idtype == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6,
			data, a, sizeof(a)) == NULL)
			return -1;
		puts_(&o, a);
		break;
	case IKE_ID_FQDN:
		if (len == 0)
			return -1;
		print_fqdn(&o, data, len);
		break;
	case IKE_ID_RFC822_ADDR:
		if (len == 0)
			return -1;
		print_text(&o, data, len);
		break;
	case IKE_ID_KEY_ID:
		if (len == 0)
			return -1;
		puts_(&o, "@#");
		for (i = 0; i < len; i++)
			put_hexbyte(&o, "", false, data[i]);
		break;
	case IKE_ID_DER_ASN1_DN:
		if (print_dn(data, len, &o) == -1)
			return -1;
		break;
	default:
		return -1;
	}
	return o.over ? -1 : 0;
}

/* ---- Parsing ------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const struct dnattr *
attr_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NATTRS; i++)
		if (strlen(dnattrs[i].name) == len &&
		    strncasecmp(dnattrs[i].name, s, len) == 0)
			return &dnattrs[i];
	return NULL;
}

/* Digits and single dots, at least two arcs: what OBJ_obj2txt prints
 * back no longer than it was (OpenSSL takes "1..2" as 1.0.2). */
static bool
oid_syntax(const char *s, size_t len)
{
	size_t i, dots = 0;

	if (len == 0 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
			dots++;
		} else if (!isdigit((unsigned char)s[i]))
			return false;
	return dots > 0;
}

/* The attribute type before '=': a name of the table or a dotted OID. */
static ASN1_OBJECT *
parse_attr(const char **pp, const char **why)
{
	const struct dnattr *a;
	const char	    *p = *pp, *start;
	char		     oid[128];
	size_t		     len;
	ASN1_OBJECT	    *obj;

	while (*p == ' ')
		p++;
	start = p;
	while (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
		p++;
	len = (size_t)(p - start);
	while (*p == ' ')
		p++;
	if (*p != '=' || len == 0) {
		*why = "a DN is a list of TYPE=value separated by ','";
		return NULL;
	}
	*pp = p + 1;
	if ((a = attr_find(start, len)) != NULL)
		return OBJ_nid2obj(a->nid);
	if (!oid_syntax(start, len) || len >= sizeof(oid)) {
		*why = "unknown DN attribute type";
		return NULL;
	}
	memcpy(oid, start, len);
	oid[len] = '\0';
	if ((obj = OBJ_txt2obj(oid, 1)) == NULL) {
		ERR_clear_error();
		*why = "a DN attribute type is neither a name nor an OID";
	}
	return obj;
}

/* A value up to an unescaped ',' or '+' or the end; *sep gets which. */
static int
parse_value(
    const char **pp, uint8_t *v, size_t *vlen, char *sep, const char **why)
{
	const char *p = *pp;
	size_t	    n = 0, keep = 0; /* keep: length without trailing spaces */
	int	    hi, lo;

	while (*p == ' ')
		p++;
	if (*p == '#') {
		*why = "a DN value in DER (#...) is not supported";
		return -1;
	}
	for (; *p != '\0' && *p != ',' && *p != '+'; p++) {
		if (n == VALUE_MAX) {
			*why = "a DN value is too long";
			return -1;
		}
		if (*p == '\\') {
			p++;
			if ((hi = hexval(*p)) >= 0) {
				if ((lo = hexval(p[1])) < 0) {
					*why = "a DN escape \\XX needs two hex "
					       "digits";
					return -1;
				}
				v[n++] = (uint8_t)(hi << 4 | lo);
				p++;
			} else if (*p != '\0' && strchr(" \"#+,;<=>\\", *p)) {
				v[n++] = (uint8_t)*p;
			} else {
				*why = "a DN escape is \\ and a special "
				       "character or two hex digits";
				return -1;
			}
			keep = n;
			continue;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f ||
		    strchr("\"<>;", *p) != NULL) {
			*why = "a DN value has a character that must be "
			       "escaped";
			return -1;
		}
		v[n++] = (uint8_t)*p;
		if (*p != ' ')
			keep = n;
	}
	if (memchr(v, '\0', keep) != NULL) {
		*why = "a DN value contains a NUL";
		return -1;
	}
	*vlen = keep;
	*sep = *p;
	*pp = *p == '\0' ? p : p + 1;
	return 0;
}

static int
parse_dn(
    const char *s, uint8_t *data, size_t cap, size_t *len, const char **why)
{
	uint8_t	       v[VALUE_MAX];
	unsigned char *der = NULL;
	ASN1_OBJECT   *obj;
	X509_NAME     *name;
	size_t	       vlen;
	char	       sep = ',', prev;
	int	       n, rc = -1;

	if ((name = X509_NAME_new()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	while (sep != '\0') {
		prev = sep;
		if ((obj = parse_attr(&s, why)) == NULL)
			goto out;
		if (parse_value(&s, v, &vlen, &sep, why) == -1) {
			ASN1_OBJECT_free(obj);
			goto out;
		}
		/* set -1 joins the RDN before (after a '+'), 0 starts one. */
		n = X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8, v,
		    (int)vlen, -1, prev == '+' ? -1 : 0);
		ASN1_OBJECT_free(obj);
		if (n != 1) {
			ERR_clear_error();
			*why = "a DN value is not valid for its attribute "
			       "(length or characters)";
			goto out;
		}
	}
	if ((n = i2d_X509_NAME(name, &der)) <= 0) {
		*why = "the DN cannot be encoded";
		goto out;
	}
	if ((size_t)n > cap) {
		*why = "the DN is too long";
		goto out;
	}
	memcpy(data, der, (size_t)n);
	*len = (size_t)n;
	rc = 0;
out:
	OPENSSL_free(der);
	X509_NAME_free(name);
	ERR_clear_error();
	return rc;
}

static int
parse_text(
    const char *s, uint8_t *data, size_t cap, size_t *len, const char **why)
{
	size_t n = strlen(s);

	if (!text_ok((const uint8_t *)s, n)) {
		*why = n == 0	? "an empty ID" :
		    s[0] == '#' ? "an FQDN or e-mail ID cannot start with '#'" :
				  "an FQDN or e-mail ID is printable ASCII "
				  "without spaces or '\\'";
		return -1;
	}
	if (n > cap) {
		*why = "the ID is too long";
		return -1;
	}
	memcpy(data, s, n);
	*len = n;
	return 0;
}

static int
parse_keyid(
    const char *s, uint8_t *data, size_t cap, size_t *len, const char **why)
{
	size_t n = 0;
	int    hi, lo;

	if (*s == '\0') {
		*why = "a key ID (@#) needs hex digits";
		return -1;
	}
	for (; *s != '\0'; s += 2) {
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0) {
			*why = "a key ID (@#) is an even number of hex digits";
			return -1;
		}
		if (n == cap) {
			*why = "the ID is too long";
			return -1;
		}
		data[n++] = (uint8_t)(hi << 4 | lo);
	}
	*len = n;
	return 0;
}

int
ike_id_parse_why(const char *s, uint8_t *idtype, uint8_t *data, size_t cap,
    size_t *len, const char **why)
{
	const char *at;
	uint8_t	    a[16];

	if (s[0] == '@' && s[1] == '#') {
		*idtype = IKE_ID_KEY_ID;
		return parse_keyid(s + 2, data, cap, len, why);
	}
	if (s[0] == '@') {
		*idtype = IKE_ID_FQDN;
		return parse_text(s + 1, data, cap, len, why);
	}
	if (inet_pton(AF_INET, s, a) == 1) {
		*idtype = IKE_ID_IPV4_ADDR;
		*len = 4;
	} else if (inet_pton(AF_INET6, s, a) == 1) {
		*idtype = IKE_ID_IPV6_ADDR;
		*len = 16;
	} else
		*len = 0;
	if (*len != 0) {
		if (*len > cap) {
			*why = "the ID is too long";
			return -1;
		}
		memcpy(data, a, *len);
		return 0;
	}
	if (strchr(s, '=') != NULL) {
		*idtype = IKE_ID_DER_ASN1_DN;
		return parse_dn(s, data, cap, len, why);
	}
	if ((at = strchr(s, '@')) != NULL) {
		*idtype = IKE_ID_RFC822_ADDR;
		if (at[1] == '\0') {
			*why = "nothing after '@' in an e-mail ID";
			return -1;
		}
		return parse_text(s, data, cap, len, why);
	}
	*idtype = IKE_ID_FQDN;
	return parse_text(s, data, cap, len, why);
}

int
ike_id_parse(
    const char *s, uint8_t *idtype, uint8_t *data, size_t cap, size_t *len)
{
	const char *why;

	return ike_id_parse_why(s, idtype, data, cap, len, &why);
}

/* ASCII case-insensitive comparison that does not stop at a NUL. */
static bool
caseeq(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

bool
ike_id_eq(uint8_t at, const uint8_t *a, size_t alen, uint8_t bt,
    const uint8_t *b, size_t blen)
{
	const unsigned char *p;
	X509_NAME	    *na = NULL, *nb = NULL;
	bool		     same = false;

	if (at != bt)
		return false;
	switch (at) {
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return alen == blen && caseeq(a, b, alen);
	case IKE_ID_DER_ASN1_DN:
		if (alen == blen && memcmp(a, b, alen) == 0)
			return true;
		p = a;
		if ((na = d2i_X509_NAME(NULL, &p, (long)alen)) == NULL ||
		    p != a + alen)
			goto out;
		p = b;
		if ((nb = d2i_X509_NAME(NULL, &p, (long)blen)) == NULL ||
		    p != b + blen)
			goto out;
		same = X509_NAME_cmp(na, nb) == 0;
	out:
		X509_NAME_free(na);
		X509_NAME_free(nb);
		ERR_clear_error();
		return same;
	default:
		return alen == blen && memcmp(a, b, alen) == 0;
	}
}
