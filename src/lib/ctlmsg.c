/* Framed messages on the control socket (ctlmsg.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlmsg.h"

static int
full(int fd, void *p, size_t len, bool wr)
{
	uint8_t *b = p;
	ssize_t	 n;

	while (len > 0) {
		n = wr ? write(fd, b, len) : read(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

void
ctlmsg_hdr(uint8_t h[4], uint32_t len)
{
	h[0] = (uint8_t)(len >> 24);
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
}

uint32_t
ctlmsg_len(const uint8_t h[4])
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
}

int
ctlmsg_send(int fd, const void *p, size_t len)
{
	uint8_t h[4];

	if (len > CTLMSG_MAX)
		return -1;
	ctlmsg_hdr(h, (uint32_t)len);
	return full(fd, h, 4, true) == 0 && full(fd, (void *)p, len, true) == 0 ?
	    0 :
	    -1;
}

int
ctlmsg_recv(int fd, char **out, size_t *outlen)
{
	uint8_t	 h[4];
	uint32_t len;
	char	*b;

	if (full(fd, h, 4, false) == -1)
		return -1;
	len = ctlmsg_len(h);
	if (len > CTLMSG_MAX || (b = malloc((size_t)len + 1)) == NULL)
		return -1;
	if (full(fd, b, len, false) == -1) {
		free(b);
		return -1;
	}
	b[len] = '\0';
	*out = b;
	*outlen = len;
	return 0;
}

int
ctlmsg_parse(char *msg, size_t len, struct ctlmsg_req *r, const char **why)
{
	char *nl = memchr(msg, '\n', len);

	if (nl == NULL) {
		*why = "no verb line";
		return -1;
	}
	*nl = '\0';
	r->verb = msg;
	r->verblen = (size_t)(nl - msg);
	r->body = nl + 1;
	r->len = len - r->verblen - 1;
	r->argc = 0;
	return 0;
}

#define STR(x) STR1(x)
#define STR1(x) #x

int
ctlmsg_args(struct ctlmsg_req *r, const char **why)
{
	char *p = r->body, *end = r->body + r->len, *nl;

	r->argc = 0;
	if (memchr(r->body, '\0', r->len) != NULL) {
		*why = "a NUL byte in its arguments";
		return -1;
	}
	while (p < end) {
		if (r->argc == CTLMSG_MAXARGS) {
			*why = "over " STR(CTLMSG_MAXARGS) " arguments";
			return -1;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL)
			*nl = '\0';
		r->argv[r->argc++] = p;
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}
