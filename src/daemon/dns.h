/*
 * A connection's DNS servers set on the system the way it expects, and
 * exactly those removed again (dns.c; the methods are moat.conf's "dns").
 */
#ifndef MOAT_DNS_H
#define MOAT_DNS_H

#include <limits.h>
#include <stddef.h>

#include "addr.h"
#include "conf.h"

/* What "auto" is on this system: resolved, resolvconf or the file
 * /etc/resolv.conf (into file, PATH_MAX bytes); other methods stay. */
enum conf_dns dns_resolve(enum conf_dns, const char *conf_file, char *file);
/* 0, or -1 (logged) if the method's tool or the file refused. */
int  dns_set(enum conf_dns, const char *file, const char *dev,
     const struct addr *, size_t);
void dns_unset(enum conf_dns, const char *file, const char *dev,
    const struct addr *, size_t);
/* The file method: "nameserver ADDR  # moat DEV" lines at the top of
 * path; remove takes out exactly such lines for these addresses. */
int dns_file_add(
    const char *path, const char *dev, const struct addr *, size_t);
int dns_file_remove(
    const char *path, const char *dev, const struct addr *, size_t);

#endif
