/* moatd's configuration file, moat.conf(5). */
#ifndef MOAT_CONF_H
#define MOAT_CONF_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>

#include "addr.h"
#include "wire.h"

#define CONF_MAXROUTES 64
#define CONF_MAXCA 8
#define CONF_MAXPROP 8
#define CONF_MAXDNS 4
#define CONF_MAXSPLIT 16
#define CONF_MAXCLIENTS 256
#define CONF_IDMAX 256
#define CONF_PSKMAX 256
#define CONF_MAXCONNS 16
#define CONF_NAMEMAX 64

/* Who may connect, and how they prove it (moat.conf's "client" lines). */
enum conf_auth { CONF_AUTH_PSK, CONF_AUTH_CERT };

struct conf_client {
	char id[CONF_IDMAX]; /* as written; "*" any (CONF_AUTH_CERT) */
	enum conf_auth auth;
	uint8_t	       psk[CONF_PSKMAX];
	size_t	       psklen;
	unsigned int   line;
};

/* How a connection sets the DNS servers it was given (its "dns" line). */
enum conf_dns {
	CONF_DNS_AUTO,
	CONF_DNS_RESOLVED,
	CONF_DNS_RESOLVCONF,
	CONF_DNS_FILE,
	CONF_DNS_NONE
};

/* A connection to a gateway: the client role ("connection" blocks). */
struct conf_conn {
	char	      name[CONF_NAMEMAX];
	unsigned int  line;
	struct addr   gateway;
	char	      rid[CONF_IDMAX]; /* the gateway's ID, as written */
	uint8_t	      psk[CONF_PSKMAX];
	size_t	      psklen; /* 0: certificates */
	struct prefix remote_ts[CONF_MAXSPLIT];
	int	      nremote_ts; /* 0: ask for 0.0.0.0/0 */
	char	      up_script[PATH_MAX], down_script[PATH_MAX]; /* "" */
	uint32_t      hook_timeout; /* seconds */
	bool	      hook_down; /* a failing up-script takes it down */
	enum conf_dns dns;
	char	      dns_file[PATH_MAX]; /* CONF_DNS_FILE */
	bool	      autostart; /* "auto start", else "auto add" */
};

struct conf {
	char	      tunnel[IFNAMSIZ];
	uint32_t      mtu;
	struct addr   local;
	uint32_t      outer_mtu;
	uint16_t      natt_port; /* 0: off */
	int	      queue; /* NFQUEUE queue, -1: none */
	char	      rules[PATH_MAX];
	char	      keys[PATH_MAX]; /* "" when none */
	char	      control[PATH_MAX];
	struct prefix route[CONF_MAXROUTES];
	int	      nroutes;

	/* The IKEv2 gateway; ike is set by any of its keywords. */
	bool		   ike;
	char		   id[CONF_IDMAX]; /* ours, as written */
	char		   cert[PATH_MAX], key[PATH_MAX]; /* "" when none */
	char		   ca[CONF_MAXCA][PATH_MAX];
	int		   nca;
	struct ike_prop	   ike_prop[CONF_MAXPROP]; /* in preference order */
	int		   nike_prop;
	struct ike_prop	   esp_prop[CONF_MAXPROP];
	int		   nesp_prop;
	struct prefix	   pool; /* addr.af 0 when none */
	struct addr	   dns[CONF_MAXDNS];
	int		   ndns;
	struct prefix	   split[CONF_MAXSPLIT];
	int		   nsplit;
	struct conf_client client[CONF_MAXCLIENTS];
	int		   nclients;
	uint32_t ike_lifetime; /* seconds until the IKE_SA is rekeyed */
	uint32_t child_lifetime; /* seconds until a CHILD_SA is rekeyed */
	uint32_t dpd; /* seconds of silence before a liveness check */
	char	 keylog[PATH_MAX]; /* ikev2_decryption_table; "" none */

	/* The client role; each connection also sets ike. */
	struct conf_conn conn[CONF_MAXCONNS];
	int		 nconns;
};

/* 0, or -1 with every error reported to stderr as FILE:LINE: why. */
int conf_load(const char *path, struct conf *);
/* The same from an open file that path names (for messages and relative
 * paths), errors to err. */
int conf_read(FILE *, const char *path, struct conf *, FILE *err);

#endif
