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

/* What status shows of an IKE_SA, and what a client is told. */
struct ike_child_info {
	uint32_t	     reqid, spi_in, spi_out;
	const char	    *algs; /* the proposal, strongSwan's syntax */
	bool		     rekeyed;
	uint64_t	     established; /* ev_now_ms() */
	const struct prefix *local_ts, *remote_ts;
	size_t		     nlocal_ts, nremote_ts;
};

struct ike_sa_info {
	const char     *conn; /* ours to start: its name; else NULL */
	uint64_t	spi_i, spi_r;
	bool		initiator;
	const char     *state; /* "connecting", "established", "rekeyed" */
	struct ike_path path;
	const char     *local_id, *remote_id;
	const char     *algs;
	bool		nat;
	struct addr	vip; /* af 0: none; ours as a client, the peer's
				   as a gateway */
	struct addr	dns[IKE_MAXDNS];
	size_t		ndns;
	uint64_t	established, last_rx; /* ev_now_ms() */
	struct ike_child_info child[IKE_MAXSPLIT];
	size_t		      nchild;
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
	/* The client role: a connection of ours is up (its first CHILD_SA
	 * installed), or went down (why says how); NULL for a gateway. */
	void (*up)(void *, const struct ike_sa_info *);
	void (*down)(void *, const struct ike_sa_info *, const char *why);
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

/* A connection we start: the client role. The gateway's ID must be rid
 * (ridlen 0: any it proves); psk NULL means certificates, conf's cred
 * and cas. remote_ts is what we ask to reach (none: 0.0.0.0/0), and the
 * gateway narrows it. */
struct ike_conn {
	char	       name[64];
	struct addr    remote;
	uint16_t       port, natt_port; /* 500 and 4500 */
	uint8_t	       ridtype;
	uint8_t	       rid[256];
	size_t	       ridlen;
	const uint8_t *psk;
	size_t	       psklen;
	struct prefix  remote_ts[IKE_MAXSPLIT];
	size_t	       nremote_ts;
};

struct ike;

struct ike *ike_new(
    const struct ike_conf *, const struct ike_ops *, struct ev_loop *);
/* Deletes every IKE_SA (sending Delete to each peer) and frees. */
void ike_free(struct ike *);
void ike_input(struct ike *, const struct ike_path *, const uint8_t *, size_t);

/* Starts an IKE_SA for the connection (IKE_SA_INIT, then IKE_AUTH with
 * a configuration request and the first CHILD_SA); ops.up or ops.down
 * tells how it ended. -1 if it cannot even start. */
int ike_connect(struct ike *, const struct ike_conn *);
/* Deletes the IKE_SAs of a connection, or the one whose initiator SPI
 * is spi_i (name NULL): a Delete to the peer, its CHILD_SAs removed.
 * Returns how many went. */
size_t ike_disconnect(struct ike *, const char *name, uint64_t spi_i);

/* Each IKE_SA as a struct, for moatctl status. */
void ike_status_each(
    const struct ike *, void (*cb)(void *, const struct ike_sa_info *), void *);
size_t ike_sa_count(const struct ike *);

#endif
