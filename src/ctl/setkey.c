/*
 * moatctl setkey: setkey(8) files for moatd's SAD and SPD.
 *   setkey -f FILE | -c       send the file (standard input) to moatd
 *   setkey -n -f FILE | -c    parse only: print each operation
 *   setkey -D | -DP           dump the SAD | the SPD
 *   setkey -F | -FP           flush the SAD | the SPD
 *
 * A file is parsed here first, so that moatd is asked nothing when it has
 * an error; moatd parses it again and applies it whole or not at all.
 * The request's body is the file's name on one line, then its text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "esp.h"

#define SETKEY_FILE_MAX (256u << 20) /* the largest file sent */

static int
usage(FILE *f, int rc)
{
	fprintf(f,
	    "usage: moatctl setkey [-n] -f FILE\n"
	    "       moatctl setkey [-n] -c          (the file on standard "
	    "input)\n"
	    "       moatctl setkey -D | -DP          dump the SAD | the SPD\n"
	    "       moatctl setkey -F | -FP          flush the SAD | the "
	    "SPD\n");
	return rc;
}

/* The name line and the whole text of f, in one buffer. */
static char *
slurp(FILE *f, const char *name, size_t *len)
{
	char  *buf = NULL, *nb;
	size_t cap = 0, n, got;

	n = strlen(name);
	cap = n + 1 + 4096;
	if ((buf = malloc(cap)) == NULL)
		return NULL;
	memcpy(buf, name, n);
	buf[n++] = '\n';
	for (;;) {
		if (n == cap) {
			if (cap >= SETKEY_FILE_MAX) {
				fprintf(stderr,
				    "moatctl: %s: larger than %u MiB\n", name,
				    SETKEY_FILE_MAX >> 20);
				goto fail;
			}
			if ((nb = malloc(2 * cap)) == NULL)
				goto fail;
			/* The text holds keys: no copy is left behind. */
			memcpy(nb, buf, n);
			explicit_bzero(buf, cap);
			free(buf);
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "moatctl: %s: %s\n", name, strerror(errno));
		goto fail;
	}
	*len = n;
	return buf;
fail:
	explicit_bzero(buf, cap);
	free(buf);
	return NULL;
}

static int
run_file(const char *path, bool parse_only)
{
	const char    *name = path != NULL ? path : "stdin";
	struct esp_op *ops = NULL;
	size_t	       nops = 0, len = 0, i, skip;
	char	      *text = NULL;
	FILE	      *f, *mf = NULL;
	int	       rc = 1;

	if (path == NULL)
		f = stdin;
	else if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "moatctl: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if ((text = slurp(f, name, &len)) == NULL)
		goto out;
	skip = strlen(name) + 1;
	if ((mf = fmemopen(text + skip, len - skip, "r")) == NULL &&
	    len > skip) {
		fprintf(stderr, "moatctl: %s: %s\n", name, strerror(errno));
		goto out;
	}
	if (mf == NULL)
		mf = fopen("/dev/null", "r"); /* an empty file */
	if (mf == NULL || esp_setkey_parse(mf, name, &ops, &nops, stderr) == -1)
		goto out;
	if (parse_only) {
		for (i = 0; i < nops; i++)
			esp_op_print(&ops[i], stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
		goto out;
	}
	rc = ctl_request("setkey", text, len, stdout);
out:
	if (mf != NULL)
		fclose(mf);
	if (f != stdin)
		fclose(f);
	if (ops != NULL) {
		explicit_bzero(ops, nops * sizeof(*ops));
		free(ops);
	}
	if (text != NULL) {
		explicit_bzero(text, len);
		free(text);
	}
	return rc;
}

/* -D, -DP, -F, -FP: one operation, named after the option. */
static int
run_one(const char *opt, const char *op)
{
	char body[64];
	int  n;

	n = snprintf(body, sizeof(body), "%s\n%s ;\n", opt, op);
	return ctl_request("setkey", body, (size_t)n, stdout);
}

int
ctl_setkey(int argc, char **argv)
{
	const char *file = NULL;
	bool	    c = false, n = false, D = false, F = false, P = false;
	int	    i;
	const char *a;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return usage(stdout, 0);
		if (a[0] != '-' || a[1] == '\0') {
			fprintf(stderr, "moatctl setkey: unexpected '%s'\n", a);
			return usage(stderr, 2);
		}
		for (a++; *a != '\0'; a++) {
			switch (*a) {
			case 'f':
				if (a[1] != '\0')
					file = a + 1;
				else if (i + 1 < argc)
					file = argv[++i];
				else {
					fprintf(stderr,
					    "moatctl setkey: -f "
					    "needs a file\n");
					return usage(stderr, 2);
				}
				a += strlen(a) - 1;
				break;
			case 'c':
				c = true;
				break;
			case 'n':
				n = true;
				break;
			case 'D':
				D = true;
				break;
			case 'F':
				F = true;
				break;
			case 'P':
				P = true;
				break;
			default:
				fprintf(stderr,
				    "moatctl setkey: unknown option '-%c'\n",
				    *a);
				return usage(stderr, 2);
			}
		}
	}
	if ((file != NULL) + c + D + F != 1) {
		fprintf(stderr,
		    "moatctl setkey: give one of -f FILE, -c, -D "
		    "and -F\n");
		return usage(stderr, 2);
	}
	if (P && !D && !F) {
		fprintf(stderr, "moatctl setkey: -P goes with -D or -F\n");
		return usage(stderr, 2);
	}
	if (n && (D || F)) {
		fprintf(stderr, "moatctl setkey: -n goes with -f or -c\n");
		return usage(stderr, 2);
	}
	if (D)
		return run_one(P ? "-DP" : "-D", P ? "spddump" : "dump");
	if (F)
		return run_one(P ? "-FP" : "-F", P ? "spdflush" : "flush");
	return run_file(file, n);
}
