/* moatd's context: everything the daemon owns, in one place. */
#ifndef MOAT_MOATD_H
#define MOAT_MOATD_H

#include "conf.h"
#include "esp.h"
#include "ev.h"
#include "fw.h"
#include "ike.h"

struct moatd {
	struct conf	     conf;
	const char	    *conf_file;
	struct ev_loop	    *loop;
	struct ev_io	     sigio, ctlio;
	int		     sigfd, ctlfd, tunfd;
	struct fw_ruleset   *rs;
	struct fw_evaluator *fw;
	struct esp_sadb	    *sadb;
	struct esp_dp	    *dp;
	int		     routes; /* how many of conf.route are added */
	/* The IKEv2 gateway (gateway.c), when moat.conf asks for it. */
	struct ike	    *ike;
	int		     ikefd;
	struct ev_io	     ikeio;
	uint8_t		     idtype;
	uint8_t		     id[256];
	size_t		     idlen;
	struct ike_cred	     cred;
	bool		     has_cred;
	X509_STORE	    *cas;
	struct pool	    *pool;
	struct client	    *client; /* the client role (client.c) */
	struct control	    *ctl; /* the control socket's clients (control.c) */
	uint8_t		     ikebuf[IKE_MSG_MAX];
};

/* moatd.c: what start and moatctl reload share. */
struct fw_ruleset *moatd_rules_read(const char *path, FILE *err);
int moatd_pool_route(struct conf *, const char *file, FILE *err);

/* gateway.c */
int  gateway_load(struct moatd *);
int  gateway_start(struct moatd *);
void gateway_stop(struct moatd *);

/* client.c: moat.conf's connections. load checks them (moatd -n), start
 * connects those with "auto start"; connect and disconnect are moatctl
 * up and down; stop ends them all before the TUN device goes. */
int  client_load(struct moatd *);
void client_start(struct moatd *);
int  client_connect(struct moatd *, const char *name);
int  client_disconnect(struct moatd *, const char *name);
void client_stop(struct moatd *);
void client_free(struct moatd *);
/* The IKE engine's ops.up and ops.down; arg is the struct moatd. */
void client_on_up(void *, const struct ike_sa_info *);
void client_on_down(void *, const struct ike_sa_info *, const char *why);

/* control.c: the control socket. */
int  control_listen(struct moatd *);
void control_close(struct moatd *);

#endif
