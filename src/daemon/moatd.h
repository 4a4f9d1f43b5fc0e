/* moatd's context: everything the daemon owns, in one place. */
#ifndef MOAT_MOATD_H
#define MOAT_MOATD_H

#include "conf.h"
#include "esp.h"
#include "ev.h"
#include "fw.h"

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
};

/* control.c: the control socket. */
int  control_listen(struct moatd *);
void control_close(struct moatd *);

#endif
