/*
 * fw check --ipassmt FILE: which addresses sit behind which interface, read
 * from `ip addr` output (optionally followed by `ip route` lines), for the
 * spoofing check (spoof.c). The notion is the "IP assignment" of Diekmann
 * et al., "Verified iptables Firewall Analysis" (IFIP Networking 2016).
 */
#ifndef MOAT_FW_IPASSMT_H
#define MOAT_FW_IPASSMT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw.h"

/* A network in host byte order: net/len. */
struct fw_ipa_net {
	uint32_t net;
	int	 len;
};

/* Whether an interface leads to the rest of the world, and why. */
enum fw_ipa_ext {
	FW_IPA_INTERNAL,
	FW_IPA_PLACEHOLDER, /* inet [PUBLIC IP HERE]: the external one */
	FW_IPA_DEFAULT, /* a default route leaves by it: external */
	FW_IPA_UNKNOWN, /* no IPv4 network: anything but the others' */
};

struct fw_ipa_if {
	char		   name[IFNAMSIZ];
	unsigned int	   line; /* where the file first names it */
	enum fw_ipa_ext	   ext;
	struct fw_ipa_net *nets; /* connected networks and routes */
	size_t		   nnets;
	uint32_t	  *local; /* the gateway's own addresses on it */
	size_t		   nlocal;
};

struct fw_ipassmt {
	struct fw_ipa_if *ifs; /* in the order of the file */
	size_t		  nifs;
};

/* NULL after reporting FILE:LINE: error: ... to d's stream (and counting
 * it in d). fw_ipassmt_read reads an open stream, named so in messages. */
struct fw_ipassmt *fw_ipassmt_load(const char *, struct fw_diag *);
struct fw_ipassmt *fw_ipassmt_read(FILE *, const char *, struct fw_diag *);
void		   fw_ipassmt_free(struct fw_ipassmt *);

#endif
