/*
 * Diagnostics: "FILE:LINE: error|warning: WHY [CODE]", and for findings
 * that know one, an indented "fix:" line below. Codes name the kind of
 * finding, as a compiler's warning options do; man/moatctl.8 lists them.
 */
#include <stdarg.h>

#include "fw.h"

static void __attribute__((format(printf, 6, 0)))
vdiag(struct fw_diag *d, bool error, const char *code, const char *fix,
    unsigned int line, const char *fmt, va_list ap)
{
	const char *kind;

	if (error && !d->demote)
		d->nerr++;
	else
		d->nwarn++;
	if (d->out == NULL)
		return;
	kind = error && !d->demote ? "error" : "warning";
	if (d->file != NULL && line > 0)
		fprintf(d->out, "%s:%u: %s: ", d->file, line, kind);
	else if (d->file != NULL)
		fprintf(d->out, "%s: %s: ", d->file, kind);
	else
		fprintf(d->out, "%s: ", kind);
	vfprintf(d->out, fmt, ap);
	fprintf(d->out, " [%s]\n", code);
	if (fix != NULL)
		fprintf(d->out, "    fix: %s\n", fix);
}

void
fw_error(struct fw_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(d, true, "reject", NULL, d->line, fmt, ap);
	va_end(ap);
}

void
fw_warn(struct fw_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(d, false, "suspicious", NULL, d->line, fmt, ap);
	va_end(ap);
}

void
fw_finding(struct fw_diag *d, bool error, unsigned int line, const char *code,
    const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(d, error, code, fix, line, fmt, ap);
	va_end(ap);
}
