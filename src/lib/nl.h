/*
 * rtnetlink requests with libmnl: one socket, one request at a time, the
 * answers handed to a callback and the kernel's error returned.
 */
#ifndef MOAT_NL_H
#define MOAT_NL_H

#include <libmnl/libmnl.h>

#define NL_BUFSZ 8192

struct nl;

struct nl *nl_open(void);
void	   nl_close(struct nl *);
/* A request header in buf (NL_BUFSZ bytes) with a fresh sequence number
 * and NLM_F_REQUEST | NLM_F_ACK | flags. */
struct nlmsghdr *nl_request(struct nl *, void *buf, uint16_t type, uint16_t flags);
/* Send it and read until the ack: 0, or -1 with errno the kernel's. cb
 * (may be NULL) sees every answer. */
int nl_talk(struct nl *, struct nlmsghdr *, mnl_cb_t cb, void *arg);

#endif
