/*
 * Fuzz the control request parser on the bytes a client may send: what
 * parses must account for every byte (verb line, body), the verb must
 * hold no newline, and the arguments, joined by newlines, must give the
 * body back (less one trailing newline), none with a newline or a NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctlmsg_req r;
	const char	 *why;
	char		 *m, *body, *join;
	size_t		  blen, off = 0;
	int		  i;

	if ((m = malloc(size + 1)) == NULL)
		return 0;
	memcpy(m, data, size);
	m[size] = '\0';
	if (ctlmsg_parse(m, size, &r, &why) == -1) {
		if (memchr(data, '\n', size) != NULL || why == NULL)
			abort();
		goto out;
	}
	if (r.verb != m || memchr(r.verb, '\n', r.verblen) != NULL ||
	    r.verblen + 1 + r.len != size || r.body != m + r.verblen + 1 ||
	    r.body[r.len] != '\0')
		abort();
	blen = r.len;
	if ((body = malloc(blen + 1)) == NULL)
		goto out;
	memcpy(body, r.body, blen + 1);
	if (ctlmsg_args(&r, &why) == -1) {
		if (why == NULL || (memchr(body, '\0', blen) == NULL &&
				       r.argc != CTLMSG_MAXARGS))
			abort();
		free(body);
		goto out;
	}
	if (r.argc > CTLMSG_MAXARGS || (blen > 0) != (r.argc > 0))
		abort();
	if ((join = malloc(blen + 2)) == NULL) {
		free(body);
		goto out;
	}
	for (i = 0; i < r.argc; i++) {
		size_t n = strlen(r.argv[i]);

		if (memchr(r.argv[i], '\n', n) != NULL || off + n + 1 > blen + 1)
			abort();
		memcpy(join + off, r.argv[i], n);
		off += n;
		join[off++] = '\n';
	}
	/* The last argument's newline is the body's, if it had one. */
	if (off > 0 && (blen == 0 || body[blen - 1] != '\n'))
		off--;
	if (off != blen || memcmp(join, body, blen) != 0)
		abort();
	free(join);
	free(body);
out:
	free(m);
	return 0;
}
