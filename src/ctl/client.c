/*
 * Requests to a running moatd over its control socket (ctlmsg.h): the
 * socket is CTL_SOCKET, or MOAT_SOCKET from the environment, which
 * moatctl's -S sets.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctlmsg.h"

int
ctl_request(const char *verb, const char *body, size_t len, FILE *out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char	  *path = getenv("MOAT_SOCKET");
	char		  *req = NULL, *ans = NULL;
	size_t		   vlen = strlen(verb), alen;
	int		   fd = -1, rc = 2;

	if (path == NULL || path[0] == '\0')
		path = CTL_SOCKET;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "moatctl: %s: socket path too long\n", path);
		return 2;
	}
	strcpy(sun.sun_path, path);
	if ((req = malloc(vlen + 1 + len)) == NULL)
		goto out;
	memcpy(req, verb, vlen);
	req[vlen] = '\n';
	memcpy(req + vlen + 1, body, len);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "moatctl: cannot reach moatd at %s: %s\n",
		    path, strerror(errno));
		goto out;
	}
	/* A refusal may come before the request is all sent (moatd checks
	 * who connects first): read it even when sending failed. */
	signal(SIGPIPE, SIG_IGN);
	(void)ctlmsg_send(fd, req, vlen + 1 + len);
	if (ctlmsg_recv(fd, &ans, &alen) == -1 || alen < 2 ||
	    (ans[0] != '0' && ans[0] != '1') || ans[1] != '\n') {
		fprintf(stderr, "moatctl: no answer from moatd at %s\n", path);
		goto out;
	}
	fwrite(ans + 2, 1, alen - 2, ans[0] == '0' ? out : stderr);
	rc = ans[0] == '0' ? 0 : 1;
out:
	free(ans);
	free(req);
	if (fd != -1)
		close(fd);
	return rc;
}

/* A request whose body is the arguments, one a line. */
int
ctl_request_args(const char *verb, int argc, char **argv, FILE *out)
{
	char  *body = NULL;
	size_t len = 0;
	FILE  *f;
	int    i, rc;

	for (i = 0; i < argc; i++)
		if (strchr(argv[i], '\n') != NULL || argv[i][0] == '\0') {
			fprintf(stderr, "moatctl %s: argument %d is %s\n", verb,
			    i + 1, argv[i][0] == '\0' ? "empty" : "more than a line");
			return 2;
		}
	if ((f = open_memstream(&body, &len)) == NULL)
		return 2;
	for (i = 0; i < argc; i++)
		fprintf(f, "%s\n", argv[i]);
	fclose(f);
	rc = ctl_request(verb, body, len, out);
	free(body);
	return rc;
}
