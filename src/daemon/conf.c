/*
 * moat.conf(5): one setting a line, "keyword value", '#' to the end of a
 * line is a comment. The whole file is read and checked before moatd
 * touches anything; each error names its line. Relative paths are taken
 * from the configuration file's directory.
 */
#include <errno.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctlmsg.h"

enum kw { K_TUNNEL, K_MTU, K_LOCAL, K_OUTER_MTU, K_NATT, K_RULES, K_KEYS,
	K_CONTROL, K_ROUTE, K_QUEUE, NKW };

static const struct {
	const char *name;
	bool	    repeat;
	bool	    required;
} kws[NKW] = {
	[K_TUNNEL] = { "tunnel", false, true },
	[K_MTU] = { "mtu", false, false },
	[K_LOCAL] = { "local", false, true },
	[K_OUTER_MTU] = { "outer-mtu", false, false },
	[K_NATT] = { "natt-port", false, false },
	[K_RULES] = { "rules", false, true },
	[K_KEYS] = { "keys", false, false },
	[K_CONTROL] = { "control", false, false },
	[K_ROUTE] = { "route", true, false },
	[K_QUEUE] = { "queue", false, false },
};

static int
number(const char *v, unsigned long lo, unsigned long hi, uint32_t *out,
    const char **why)
{
	char	     *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n < lo ||
	    n > hi) {
		*why = "not a number in range";
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int
path(const char *dir, const char *v, char *out, const char **why)
{
	int n = v[0] == '/' ? snprintf(out, PATH_MAX, "%s", v) :
			      snprintf(out, PATH_MAX, "%s/%s", dir, v);

	if (n < 0 || n >= PATH_MAX) {
		*why = "path too long";
		return -1;
	}
	return 0;
}

static int
set(struct conf *c, enum kw k, const char *v, const char *dir,
    const char **why)
{
	uint32_t n;

	switch (k) {
	case K_TUNNEL:
		if (strlen(v) >= IFNAMSIZ || strchr(v, '/') != NULL) {
			*why = "not an interface name (at most 15 characters)";
			return -1;
		}
		strcpy(c->tunnel, v);
		return 0;
	case K_MTU:
		return number(v, 576, 9000, &c->mtu, why);
	case K_OUTER_MTU:
		return number(v, 576, 65535, &c->outer_mtu, why);
	case K_NATT:
		if (strcmp(v, "off") == 0) {
			c->natt_port = 0;
			return 0;
		}
		if (number(v, 1, 65535, &n, why) == -1)
			return -1;
		c->natt_port = (uint16_t)n;
		return 0;
	case K_LOCAL:
		if (addr_pton(AF_INET, v, &c->local) == -1) {
			*why = "not an IPv4 address";
			return -1;
		}
		return 0;
	case K_RULES:
		return path(dir, v, c->rules, why);
	case K_KEYS:
		return path(dir, v, c->keys, why);
	case K_CONTROL:
		return path(dir, v, c->control, why);
	case K_QUEUE:
		if (number(v, 0, 65535, &n, why) == -1)
			return -1;
		c->queue = (int)n;
		return 0;
	case K_ROUTE:
		if (c->nroutes == CONF_MAXROUTES) {
			*why = "too many routes";
			return -1;
		}
		return prefix_parse(AF_INET, v, &c->route[c->nroutes++], why);
	default:
		return -1;
	}
}

int
conf_load(const char *file, struct conf *c)
{
	char	   *line = NULL, *dup, *dir, *kw, *v, *extra, *save;
	const char *why;
	size_t	    cap = 0;
	unsigned    lineno = 0, seen[NKW] = { 0 };
	int	    k, nerr = 0;
	FILE	   *f;

	memset(c, 0, sizeof(*c));
	c->mtu = 1400;
	c->outer_mtu = 1500;
	c->natt_port = 4500;
	c->queue = -1;
	snprintf(c->control, sizeof(c->control), "%s", CTL_SOCKET);
	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return -1;
	}
	if ((dup = strdup(file)) == NULL) {
		fclose(f);
		return -1;
	}
	dir = dirname(dup);
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		if ((kw = strtok_r(line, " \t", &save)) == NULL)
			continue;
		v = strtok_r(NULL, " \t", &save);
		extra = strtok_r(NULL, " \t", &save);
		for (k = 0; k < NKW && strcmp(kws[k].name, kw) != 0; k++)
			;
		why = NULL;
		if (k == NKW)
			why = "unknown keyword";
		else if (v == NULL)
			why = "needs a value";
		else if (extra != NULL)
			why = "takes one value";
		else if (seen[k] && !kws[k].repeat)
			why = "given twice";
		if (why == NULL && set(c, (enum kw)k, v, dir, &why) == 0) {
			seen[k] = lineno;
			continue;
		}
		fprintf(stderr, "%s:%u: '%s%s%s': %s\n", file, lineno, kw,
		    v != NULL ? " " : "", v != NULL ? v : "", why);
		nerr++;
	}
	for (k = 0; k < NKW; k++)
		if (kws[k].required && !seen[k]) {
			fprintf(stderr, "%s: '%s' is missing\n", file,
			    kws[k].name);
			nerr++;
		}
	free(line);
	free(dup);
	fclose(f);
	return nerr == 0 ? 0 : -1;
}
