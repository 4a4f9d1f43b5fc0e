/*
 * IKEv2 (RFC 7296): the engine that keeps IKE_SAs and their CHILD_SAs.
 *
 * The engine owns no socket and no SA of the data plane: it is given
 * datagrams (ike_input) and answers through the callbacks of struct
 * ike_ops, which send datagrams, look up who a peer is, lease addresses
 * and install or remove CHILD_SAs. It runs on one thread, the control
 * plane's, with the event loop's timers for retransmission, rekeying and
 * liveness.
 */
#ifndef MOAT_IKE_H
#define MOAT_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "auth.h"
#include "esp.h"
#include "ev.h"
#include "wire.h"

/* Where a datagram came from or goes to (the data plane's header). */
struct ike_path {
	struct addr local, remote;
	uint16_t    lport, rport;
};

/* What the gateway knows of a client identity (from moat.conf). */
struct ike_peer {
	bool	       cert; /* must authenticate by certificate */
	const uint8_t *psk;
	size_t	       psklen;
};

#define IKE_MAXSPLIT 16
#define IKE_MAXDNS 4

/* A CHILD_SA pair as the data plane gets it. */
struct ike_child_sa {
	uint32_t      reqid;
	uint32_t      spi_in, spi_out;
	struct addr   local, remote; /* the tunnel's ends */
	bool	      udp_encap;
	uint16_t      lport, rport;
	enum esp_enc  enc;
	enum esp_auth auth;
	bool	      esn;
	uint8_t	      ekey_in[ESP_KEY_MAX], ekey_out[ESP_KEY_MAX];
	uint8_t	      akey_in[ESP_KEY_MAX], akey_out[ESP_KEY_MAX];
	size_t	      ekeylen, akeylen;
	/* Traffic selectors, as prefixes: the peer's side and ours. */
	struct prefix remote_ts[IKE_MAXSPLIT], local_ts[IKE_MAXSPLIT];
	size_t	      nremote_ts, nlocal_ts;
	/* The SA this one replaces, 0 if none: its policies stay. */
	uint32_t rekeys_spi_in;
};

struct ike_ops {
	void *arg;
	void (*send)(void *, const struct ike_path *, const uint8_t *, size_t);
	/* The client with this ID (text form, as moat.conf writes it):
	 * 0 and *p, or -1 if no client line names it. */
	int (*peer)(void *, const char *id, struct ike_peer *);
	/* A virtual address for the identity, -1 if the pool is empty or
	 * there is none; unlease gives one hold back. */
	int (*lease)(void *, const char *id, struct addr *);
	void (*unlease)(void *, const char *id);
	/* Install a CHILD_SA (both directions and, unless it rekeys one,
	 * its policies); -1 if the data plane refused it. */
	int (*child_add)(void *, const struct ike_child_sa *);
	/* Remove one: its SAs and, unless keep_policy, its policies. */
	void (*child_del)(
	    void *, const struct ike_child_sa *, bool keep_policy);
};

struct ike_conf {
	struct addr	       local;
	uint8_t		       idtype; /* ours */
	uint8_t		       id[256];
	size_t		       idlen;
	struct ike_cred	      *cred; /* NULL: PSK only */
	X509_STORE	      *cas; /* NULL: no certificate clients */
	const struct ike_prop *ike_prop, *esp_prop;
	size_t		       nike_prop, nesp_prop;
	bool		       pool; /* answer CP requests */
	struct addr	       dns[IKE_MAXDNS];
	size_t		       ndns;
	struct prefix	       split[IKE_MAXSPLIT];
	size_t		       nsplit;
	uint32_t	       ike_lifetime, child_lifetime, dpd; /* seconds */
	const char	      *keylog; /* NULL: none */
};

struct ike;

struct ike *ike_new(
    const struct ike_conf *, const struct ike_ops *, struct ev_loop *);
/* Deletes every IKE_SA (sending Delete to each peer) and frees. */
void ike_free(struct ike *);
void ike_input(struct ike *, const struct ike_path *, const uint8_t *, size_t);

/* What status shows, one line per IKE_SA and per CHILD_SA. */
void   ike_status(const struct ike *, FILE *);
size_t ike_sa_count(const struct ike *);

#endif
