/*
 * Fuzz the address parsers. The first byte picks the family; the rest is
 * the string. Whatever parses must print and parse back to the same prefix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
roundtrip(sa_family_t af, const struct prefix *p)
{
	char	      buf[PREFIX_STRLEN];
	struct prefix q;
	unsigned int  flags;
	const char   *why;

	prefix_ntop(p, buf, sizeof(buf));
	if (ipt_prefix_parse(af, buf, &q, &flags, &why) == -1 ||
	    !addr_eq(&p->addr, &q.addr) || !addr_eq(&p->mask, &q.mask) ||
	    flags != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sa_family_t   af;
	struct prefix p;
	unsigned int  flags;
	const char   *why;
	char	     *s;

	if (size < 1)
		return 0;
	af = data[0] & 1 ? AF_INET6 : AF_INET;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (ipt_prefix_parse(af, s, &p, &flags, &why) == 0)
		roundtrip(af, &p);
	if (prefix_parse(af, s, &p, &why) == 0)
		roundtrip(af, &p);
	free(s);
	return 0;
}
