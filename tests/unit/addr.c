/*
 * Addresses: truth tables for the iptables parser (each row checked against
 * iptables 1.8.9 in a namespace: exit status and what iptables-save prints),
 * the strict configuration parser, and prefix arithmetic.
 */
#include <stdint.h>

#include "addr.h"
#include "tap.h"

struct row {
	int	    af;
	const char *in;
	const char *out; /* as iptables-save prints it; NULL: refused */
	int	    hostbits;
};

static const struct row ipt_rows[] = {
	{ AF_INET, "0.0.0.0/", NULL, 0 }, /* invalid mask `' */
	{ AF_INET, "10.0.0.1/", NULL, 0 },
	{ AF_INET, "10.0.1.1/24", "10.0.1.0/24", 1 },
	{ AF_INET, "10.0.1.0/24", "10.0.1.0/24", 0 },
	{ AF_INET, "10.0.0.0/255.255.0.0", "10.0.0.0/16", 0 },
	{ AF_INET, "10.0.0.0/255.0.255.0", "10.0.0.0/255.0.255.0", 0 },
	{ AF_INET, "10.1.2.3/255.0.255.0", "10.0.2.0/255.0.255.0", 1 },
	{ AF_INET, "10.0.0.0/255.255.0", NULL, 0 }, /* mask needs 4 bytes */
	{ AF_INET, "10.0.0.0/33", NULL, 0 },
	{ AF_INET, "10.0.0.1/-8", NULL, 0 },
	{ AF_INET, "10.0.0.1/+8", "10.0.0.0/8", 1 },
	{ AF_INET, "10.0.0.1/ 8", "10.0.0.0/8", 1 },
	{ AF_INET, "10.0.0.1/0x18", "10.0.0.0/24", 1 },
	{ AF_INET, "10.0.0.1/010", "10.0.0.0/8", 1 },
	{ AF_INET, "10.1", "10.1.0.0/32", 0 }, /* completed */
	{ AF_INET, "10", "10.0.0.0/32", 0 },
	{ AF_INET, "010.0.0.1", "8.0.0.1/32", 0 }, /* octal */
	{ AF_INET, "0x0a.0.0.1", "10.0.0.1/32", 0 }, /* hex */
	{ AF_INET, " 10.0.0.1", "10.0.0.1/32", 0 },
	{ AF_INET, "0/0", "0.0.0.0/0", 0 },
	{ AF_INET, "10.0.0.0/0", "0.0.0.0/0", 1 },
	{ AF_INET, "256.0.0.1", NULL, 0 },
	{ AF_INET, "1.2.3.4.5", NULL, 0 },
	{ AF_INET, "10..0.1", NULL, 0 },
	{ AF_INET, "1.2.3.", NULL, 0 },
	{ AF_INET, "example.com", NULL, 0 }, /* no DNS here */
	{ AF_INET, "", NULL, 0 },
	{ AF_INET6, "2001:db8::1/64", "2001:db8::/64", 1 },
	{ AF_INET6, "2001:db8::/ffff:ffff::", "2001:db8::/32", 0 },
	{ AF_INET6, "2001:db8::/ffff:0:ffff::", "2001::/ffff:0:ffff::", 1 },
	{ AF_INET6, "::/0", "::/0", 0 },
	{ AF_INET6, "::1", "::1/128", 0 },
	{ AF_INET6, "::ffff:1.2.3.4", "::ffff:1.2.3.4/128", 0 },
	{ AF_INET6, "2001:db8::1/0x40", "2001:db8::/64", 1 },
	{ AF_INET6, "2001:db8::/129", NULL, 0 },
	{ AF_INET6, "2001:db8::/", NULL, 0 },
	{ AF_INET6, "fe80::1%eth0", NULL, 0 },
	{ AF_INET6, "[::1]", NULL, 0 },
	{ AF_INET6, "10.0.0.1", NULL, 0 },
};

static void
ipt_table(void)
{
	char		  buf[PREFIX_STRLEN];
	const struct row *r;
	struct prefix	  p;
	const char	 *why;
	unsigned int	  flags;
	size_t		  i;
	int		  rc;

	for (i = 0; i < sizeof(ipt_rows) / sizeof(ipt_rows[0]); i++) {
		r = &ipt_rows[i];
		why = NULL;
		rc = ipt_prefix_parse(r->af, r->in, &p, &flags, &why);
		if (r->out == NULL) {
			ok(rc == -1 && why != NULL, "ipt '%s' refused (%s)",
			    r->in, why ? why : "no reason");
			continue;
		}
		if (!ok(rc == 0, "ipt '%s' accepted", r->in)) {
			diag("  why: %s", why);
			continue;
		}
		is_str(prefix_ntop(&p, buf, sizeof(buf)), r->out,
		    "ipt '%s' is %s", r->in, r->out);
		is_int(!!(flags & PREFIX_HOSTBITS), r->hostbits,
		    "ipt '%s' host bits flag", r->in);
	}
	ipt_prefix_parse(AF_INET, "0.0.0.0/", &p, &flags, &why);
	is_str(why, "invalid mask", "0.0.0.0/ says invalid mask, as iptables");
}

static const struct row strict_rows[] = {
	{ AF_INET, "10.0.2.0/24", "10.0.2.0/24", 0 },
	{ AF_INET, "10.0.2.1", "10.0.2.1/32", 0 },
	{ AF_INET, "0.0.0.0/0", "0.0.0.0/0", 0 },
	{ AF_INET, "10.0.2.1/24", NULL, 0 }, /* host bits are an error */
	{ AF_INET, "10.0.2.0/", NULL, 0 },
	{ AF_INET, "10.0.2.0/33", NULL, 0 },
	{ AF_INET, "10.0.2.0/+8", NULL, 0 },
	{ AF_INET, "10.0.2.0/0x8", NULL, 0 },
	{ AF_INET, "10.1", NULL, 0 },
	{ AF_INET, "010.0.0.1", NULL, 0 },
	{ AF_INET6, "fd00::/64", "fd00::/64", 0 },
	{ AF_INET6, "fd00::1/64", NULL, 0 },
	{ AF_INET6, "fd00::/129", NULL, 0 },
};

static void
strict_table(void)
{
	char		  buf[PREFIX_STRLEN];
	const struct row *r;
	struct prefix	  p;
	const char	 *why;
	size_t		  i;
	int		  rc;

	for (i = 0; i < sizeof(strict_rows) / sizeof(strict_rows[0]); i++) {
		r = &strict_rows[i];
		why = NULL;
		rc = prefix_parse(r->af, r->in, &p, &why);
		if (r->out == NULL)
			ok(rc == -1 && why != NULL, "strict '%s' refused (%s)",
			    r->in, why ? why : "no reason");
		else if (ok(rc == 0, "strict '%s' accepted", r->in))
			is_str(prefix_ntop(&p, buf, sizeof(buf)), r->out,
			    "strict '%s' is %s", r->in, r->out);
	}
}

static void
arithmetic(void)
{
	struct prefix p;
	struct addr   a;
	const char   *why;
	unsigned int  flags;
	int	      len, bad = 0;

	for (len = 0; len <= 32; len++) {
		prefix_from_len(AF_INET, len, &p);
		bad += prefix_len(&p) != len;
	}
	for (len = 0; len <= 128; len++) {
		prefix_from_len(AF_INET6, len, &p);
		bad += prefix_len(&p) != len;
	}
	is_int(bad, 0, "prefix_from_len/prefix_len round trip 0..32, 0..128");

	ipt_prefix_parse(AF_INET, "10.0.0.0/255.0.255.0", &p, &flags, &why);
	is_int(prefix_len(&p), -1, "a mask with holes has no length");
	addr_pton(AF_INET, "10.99.0.7", &a);
	ok(prefix_contains(&p, &a), "10.99.0.7 in 10.0.0.0/255.0.255.0");
	addr_pton(AF_INET, "10.0.1.7", &a);
	ok(!prefix_contains(&p, &a), "10.0.1.7 not in 10.0.0.0/255.0.255.0");

	prefix_parse(AF_INET, "10.0.1.0/24", &p, &why);
	addr_pton(AF_INET, "10.0.1.255", &a);
	ok(prefix_contains(&p, &a), "10.0.1.255 in 10.0.1.0/24");
	addr_pton(AF_INET, "10.0.2.0", &a);
	ok(!prefix_contains(&p, &a), "10.0.2.0 not in 10.0.1.0/24");
	addr_pton(AF_INET6, "::ffff:10.0.1.1", &a);
	ok(!prefix_contains(&p, &a), "an IPv6 address is in no IPv4 prefix");
	ok(!prefix_is_any(&p), "10.0.1.0/24 is not any");
	prefix_from_len(AF_INET6, 0, &p);
	ok(prefix_is_any(&p), "::/0 is any");
	addr_pton(AF_INET6, "2001:db8::1", &a);
	ok(prefix_contains(&p, &a), "::/0 contains 2001:db8::1");

	is_int(addr_pton(AF_INET, "1.2.3.4x", &a), -1, "addr_pton is strict");
	{
		struct addr b;

		addr_pton(AF_INET, "1.2.3.4", &a);
		addr_pton(AF_INET, "1.2.3.5", &b);
		ok(addr_cmp(&a, &b) < 0 && !addr_eq(&a, &b),
		    "1.2.3.4 sorts before 1.2.3.5");
	}
}

static void
numbers(void)
{
	static const struct {
		const char *in;
		int	    rc;
		uintmax_t   v;
	} rows[] = {
		{ "0", 0, 0 },
		{ "65535", 0, 65535 },
		{ "65536", -1, 0 },
		{ "0x10", 0, 16 },
		{ "010", 0, 8 },
		{ "+7", 0, 7 },
		{ " 7", 0, 7 },
		{ "-0", -1, 0 },
		{ " -1", -1, 0 },
		{ "7 ", -1, 0 },
		{ "", -1, 0 },
		{ "08", -1, 0 },
		{ "99999999999999999999999", -1, 0 },
	};
	uintmax_t v;
	size_t	  i;
	int	  rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v = 12345;
		rc = ipt_strtoui(rows[i].in, 0, 65535, &v);
		ok(rc == rows[i].rc && (rc != 0 || v == rows[i].v),
		    "ipt_strtoui '%s' -> %s", rows[i].in,
		    rows[i].rc ? "refused" : "accepted");
	}
}

int
main(void)
{
	ipt_table();
	strict_table();
	arithmetic();
	numbers();
	return done_testing();
}
