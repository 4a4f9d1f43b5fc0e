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
	uint8_t		     ikebuf[IKE_MSG_MAX];
};

/* gateway.c */
int  gateway_load(struct moatd *);
int  gateway_start(struct moatd *);
void gateway_stop(struct moatd *);

/* control.c: the control socket. */
int  control_listen(struct moatd *);
void control_close(struct moatd *);

#endif
