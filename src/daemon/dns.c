/*
 * DNS servers from a gateway (dns.h). systemd-resolved gets them as the
 * TUN device's servers with the routing domain "~.", so that it sends
 * every query there (resolvectl(1)); resolvconf(8) gets a record of its
 * own named DEV.moat; the file method writes tagged lines at the top of
 * a resolv.conf, where the resolver reads the first servers first.
 *
 * The file is rewritten in place, not renamed over: /etc/resolv.conf is
 * often a symlink or a bind mount (containers, test namespaces), which a
 * rename would replace or fail on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "proc.h"

#define TOOL_TIMEOUT_MS 5000
#define RESOLVCONF "/sbin/resolvconf"
#define MAXDNS 8
#define LINE_MAX_ 128

static char *const tool_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	NULL
};

enum conf_dns
dns_resolve(enum conf_dns m, const char *conf_file, char *file)
{
	struct stat st;
	char	    p[PATH_MAX];

	if (m == CONF_DNS_FILE)
		snprintf(file, PATH_MAX, "%s", conf_file);
	if (m != CONF_DNS_AUTO)
		return m;
	if (stat("/run/systemd/resolve", &st) == 0 && S_ISDIR(st.st_mode) &&
	    proc_which("resolvectl", p, sizeof(p)) == 0)
		return CONF_DNS_RESOLVED;
	if (access(RESOLVCONF, X_OK) == 0)
		return CONF_DNS_RESOLVCONF;
	snprintf(file, PATH_MAX, "%s", "/etc/resolv.conf");
	return CONF_DNS_FILE;
}

static int
our_line(char *buf, size_t len, const char *dev, const struct addr *a)
{
	char s[ADDR_STRLEN];
	int  n = snprintf(buf, len, "nameserver %s  # moat %s\n",
	     addr_ntop(a, s, sizeof(s)), dev);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The file whole, in a malloc'd string; an absent file is empty. */
static char *
slurp(int fd, size_t *len)
{
	char   *s = NULL, *t;
	size_t	cap = 0;
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap * 2 + 4096 + 1;
			if ((t = realloc(s, cap)) == NULL)
				goto fail;
			s = t;
		}
		n = read(fd, s + *len, cap - *len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (s == NULL && (s = malloc(1)) == NULL)
		return NULL;
	s[*len] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

/*
 * Rewrites path without our lines for these addresses and, if add, with
 * them first. Lines are compared whole, so a line the user wrote is never
 * taken for ours.
 */
static int
rewrite(
    const char *path, const char *dev, const struct addr *a, size_t n, bool add)
{
	char   ours[MAXDNS][LINE_MAX_];
	char  *old = NULL, *out = NULL, *s, *e;
	size_t len, olen = 0, i, l;
	int    fd, rc = -1;
	FILE  *f = NULL;

	if (n > MAXDNS)
		n = MAXDNS;
	for (i = 0; i < n; i++)
		if (our_line(ours[i], sizeof(ours[i]), dev, &a[i]) == -1)
			return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_error("DNS: %s: %s", path, strerror(errno));
		return -1;
	}
	if ((old = slurp(fd, &len)) == NULL ||
	    (f = open_memstream(&out, &olen)) == NULL)
		goto out;
	for (i = 0; add && i < n; i++)
		fputs(ours[i], f);
	for (s = old; *s != '\0'; s = e) {
		e = strchrnul(s, '\n');
		if (*e == '\n')
			e++;
		l = (size_t)(e - s);
		for (i = 0; i < n; i++)
			if (strlen(ours[i]) == l && memcmp(ours[i], s, l) == 0)
				break;
		if (i == n)
			fwrite(s, 1, l, f);
	}
	if (fclose(f) == -1) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if (pwrite(fd, out, olen, 0) != (ssize_t)olen ||
	    ftruncate(fd, (off_t)olen) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		log_error("DNS: cannot rewrite %s: %s", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	free(out);
	free(old);
	close(fd);
	return rc;
}

int
dns_file_add(const char *path, const char *dev, const struct addr *a, size_t n)
{
	return rewrite(path, dev, a, n, true);
}

int
dns_file_remove(
    const char *path, const char *dev, const struct addr *a, size_t n)
{
	return rewrite(path, dev, a, n, false);
}

static int
resolved(const char *dev, const struct addr *a, size_t n)
{
	char   tool[PATH_MAX], s[MAXDNS][ADDR_STRLEN];
	char  *argv[4 + MAXDNS] = { tool, "dns", (char *)dev };
	char  *dom[] = { tool, "domain", (char *)dev, "~.", NULL };
	size_t i;

	if (proc_which("resolvectl", tool, sizeof(tool)) == -1) {
		log_error("DNS: resolvectl is not on PATH");
		return -1;
	}
	for (i = 0; i < n && i < MAXDNS; i++)
		argv[3 + i] = (char *)addr_ntop(&a[i], s[i], sizeof(s[i]));
	argv[3 + i] = NULL;
	if (proc_run("resolvectl dns", argv, tool_env, NULL, TOOL_TIMEOUT_MS) ==
		-1 ||
	    proc_run("resolvectl domain", dom, tool_env, NULL,
		TOOL_TIMEOUT_MS) == -1)
		return -1;
	return 0;
}

static int
resolvconf(const char *dev, const struct addr *a, size_t n, bool add)
{
	char   rec[IFNAMSIZ + 8], s[ADDR_STRLEN], in[MAXDNS * 40] = "";
	char  *argv[] = { RESOLVCONF, add ? "-a" : "-d", rec, NULL };
	size_t i, used = 0;

	snprintf(rec, sizeof(rec), "%s.moat", dev);
	for (i = 0; add && i < n && i < MAXDNS; i++)
		used += (size_t)snprintf(in + used, sizeof(in) - used,
		    "nameserver %s\n", addr_ntop(&a[i], s, sizeof(s)));
	return proc_run(add ? "resolvconf -a" : "resolvconf -d", argv, tool_env,
	    add ? in : NULL, TOOL_TIMEOUT_MS);
}

int
dns_set(enum conf_dns m, const char *file, const char *dev,
    const struct addr *a, size_t n)
{
	switch (m) {
	case CONF_DNS_RESOLVED:
		return resolved(dev, a, n);
	case CONF_DNS_RESOLVCONF:
		return resolvconf(dev, a, n, true);
	case CONF_DNS_FILE:
		return dns_file_add(file, dev, a, n);
	default:
		return 0;
	}
}

void
dns_unset(enum conf_dns m, const char *file, const char *dev,
    const struct addr *a, size_t n)
{
	char  tool[PATH_MAX];
	char *argv[] = { tool, "revert", (char *)dev, NULL };

	switch (m) {
	case CONF_DNS_RESOLVED:
		/* The link's DNS and domains were ours alone. */
		if (proc_which("resolvectl", tool, sizeof(tool)) == 0)
			proc_run("resolvectl revert", argv, tool_env, NULL,
			    TOOL_TIMEOUT_MS);
		break;
	case CONF_DNS_RESOLVCONF:
		resolvconf(dev, a, n, false);
		break;
	case CONF_DNS_FILE:
		dns_file_remove(file, dev, a, n);
		break;
	default:
		break;
	}
}
