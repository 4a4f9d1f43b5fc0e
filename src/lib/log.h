/*
 * Logging with levels, to standard error or syslog.
 *
 * The destination and the level are set once by main() through log_init;
 * they are the only process-wide state of the library.
 */
#ifndef MOAT_LOG_H
#define MOAT_LOG_H

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

enum log_dest {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
};

void log_init(const char *, enum log_dest, enum log_level);
void log_msg(enum log_level, const char *, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
