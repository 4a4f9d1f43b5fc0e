/* Logging: levels filter, prefixes name the level, output goes to stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

int
main(void)
{
	char   out[512];
	FILE  *f;
	size_t n;
	int    saved;

	if ((f = tmpfile()) == NULL)
		return 1;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);

	log_init("t", LOG_TO_STDERR, LOG_LVL_WARN);
	log_error("bad value '%s'", "x");
	log_warn("odd %d", 7);
	log_info("hidden");
	log_debug("hidden too");
	log_init("t2", LOG_TO_STDERR, LOG_LVL_DEBUG);
	log_info("shown");
	log_debug("detail");

	fflush(stderr);
	dup2(saved, 2);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	is_str(out,
	    "t: error: bad value 'x'\nt: warning: odd 7\n"
	    "t2: shown\nt2: debug: detail\n",
	    "levels filter and prefixes name the level");
	return done_testing();
}
