/*
 * Fuzz the ID text parser (configuration input) and the printer (peer
 * input). An ID that parses must print, and the printed form must parse
 * to the same type and bytes. The same input is also printed as an ID
 * payload of the type its first byte names, as a peer could send it:
 * the printer must not fail on the buffer or write past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	    id[1024], id2[1024];
	char	    text[2048], out[8192], small[16];
	const char *why;
	size_t	    n, n2;
	uint8_t	    t, t2;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ike_id_parse_why(text, &t, id, sizeof(id), &n, &why) == 0) {
		if (ike_id_print(t, id, n, out, sizeof(out)) == -1) {
			fprintf(
			    stderr, "'%s' parses but does not print\n", text);
			abort();
		}
		if (ike_id_parse(out, &t2, id2, sizeof(id2), &n2) == -1 ||
		    t2 != t || n2 != n || memcmp(id, id2, n) != 0) {
			fprintf(stderr,
			    "'%s' prints as '%s', which parses "
			    "to something else\n",
			    text, out);
			abort();
		}
		if (!ike_id_eq(t, id, n, t2, id2, n2))
			abort();
	}
	if (size > 0) {
		if (ike_id_print(
			data[0], data + 1, size - 1, out, sizeof(out)) == 0 &&
		    strlen(out) >= sizeof(out))
			abort();
		if (ike_id_print(data[0], data + 1, size - 1, small,
			sizeof(small)) == 0 &&
		    strlen(small) >= sizeof(small))
			abort();
	}
	return 0;
}
