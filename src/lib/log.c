/* Logging with levels, to standard error or syslog. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static const struct {
	const char *prefix;
	int	    priority;
} levels[] = {
	[LOG_LVL_ERROR] = { "error: ", LOG_ERR },
	[LOG_LVL_WARN] = { "warning: ", LOG_WARNING },
	[LOG_LVL_INFO] = { "", LOG_INFO },
	[LOG_LVL_DEBUG] = { "debug: ", LOG_DEBUG },
};

static const char    *log_ident = "moat";
static enum log_dest  log_dest = LOG_TO_STDERR;
static enum log_level log_level = LOG_LVL_INFO;

void
log_init(const char *ident, enum log_dest dest, enum log_level level)
{
	if (log_dest == LOG_TO_SYSLOG && dest != LOG_TO_SYSLOG)
		closelog();
	log_ident = ident;
	log_dest = dest;
	log_level = level;
	if (dest == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char	msg[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_dest == LOG_TO_SYSLOG)
		syslog(
		    levels[level].priority, "%s%s", levels[level].prefix, msg);
	else
		fprintf(
		    stderr, "%s: %s%s\n", log_ident, levels[level].prefix, msg);
}
