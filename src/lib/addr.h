/*
 * IPv4 and IPv6 addresses and prefixes: strict parsing for configuration
 * files, iptables-compatible parsing for rules, and printing.
 */
#ifndef MOAT_ADDR_H
#define MOAT_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct addr {
	sa_family_t af;
	union {
		uint8_t		b[16];
		uint32_t	w[4]; /* network byte order */
		struct in_addr	v4;
		struct in6_addr v6;
	} u;
};

/* A prefix is an address and a mask; iptables allows any mask, not only
 * contiguous ones, so the mask is kept whole. addr has no bits outside it. */
struct prefix {
	struct addr addr;
	struct addr mask;
};

#define ADDR_STRLEN INET6_ADDRSTRLEN
#define PREFIX_STRLEN (2 * INET6_ADDRSTRLEN + 1)

/* Flags that ipt_prefix_parse reports to its caller, for lint. */
#define PREFIX_HOSTBITS 0x1 /* bits outside the mask were cleared */

int	    addr_len(sa_family_t);
int	    addr_pton(sa_family_t, const char *, struct addr *);
const char *addr_ntop(const struct addr *, char *, size_t);
bool	    addr_eq(const struct addr *, const struct addr *);
int	    addr_cmp(const struct addr *, const struct addr *);

void prefix_from_len(sa_family_t, int, struct prefix *);
int  prefix_len(const struct prefix *);
bool prefix_contains(const struct prefix *, const struct addr *);
bool prefix_is_any(const struct prefix *);
int  prefix_parse(sa_family_t, const char *, struct prefix *, const char **);
int  ipt_prefix_parse(
     sa_family_t, const char *, struct prefix *, unsigned int *, const char **);
const char *prefix_ntop(const struct prefix *, char *, size_t);

int ipt_strtoui(const char *, uintmax_t, uintmax_t, uintmax_t *);

#endif
