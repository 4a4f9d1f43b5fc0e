/*
 * A minimal TAP producer for unit tests: ok(), is_int(), is_str(), and
 * done_testing() as the return value of main.
 */
#ifndef MOAT_TAP_H
#define MOAT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

#define is_int(got, want, ...) \
	do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__)) \
			diag("  got %lld, want %lld (%s:%d)", g_, w_, \
			    __FILE__, __LINE__); \
	} while (0)

#define is_str(got, want, ...) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if (!ok(g_ != NULL && strcmp(g_, w_) == 0, __VA_ARGS__)) \
			diag("  got '%s', want '%s' (%s:%d)", \
			    g_ ? g_ : "(null)", w_, __FILE__, __LINE__); \
	} while (0)

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
