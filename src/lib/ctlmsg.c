/* Framed messages on the control socket (ctlmsg.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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

int
ctlmsg_send(int fd, const void *p, size_t len)
{
	uint8_t h[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
		(uint8_t)(len >> 8), (uint8_t)len };

	if (len > CTLMSG_MAX)
		return -1;
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
	len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
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
