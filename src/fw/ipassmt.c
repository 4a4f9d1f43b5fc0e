/*
 * The --ipassmt file: `ip addr` (or `ip -4 addr show`) output as iproute2
 * prints it, with `ip route` lines allowed after it. What is read:
 *
 *   3: eth1: <BROADCAST,...> ...          an interface ("eth0.10@eth0" is
 *                                         eth0.10, as iptables sees it)
 *       inet 192.168.10.254/24 ...        its network and local address;
 *       inet 10.8.0.1 peer 10.8.0.2/32    point-to-point: the peer's network
 *       inet [PUBLIC IP HERE] ...         a placeholder: the external one
 *   default via 192.0.2.1 dev eth1        the default route: external
 *   10.20.0.0/16 via 10.0.1.2 dev eth0    a network routed behind eth0
 *
 * Everything else that iproute2 indents (inet6, link/, valid_lft ...) is
 * skipped; other lines are errors with the line number.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ipassmt.h"

#define IPA_MAXWORDS 32

/* Route types iproute2 prints before the destination: not a path to a
 * host, so they say nothing about where sources live. */
static const char *const route_types[] = { "unreachable", "blackhole",
	"prohibit", "throw", "local", "broadcast", "multicast", "anycast",
	"nat", NULL };

struct ipa_parse {
	struct fw_ipassmt *a;
	struct fw_diag	   d; /* file and line of the --ipassmt file */
	/* The interface of indented lines, by index: the array moves. */
	size_t cur;
	bool   has_cur;
};

static void __attribute__((format(printf, 2, 3)))
ipa_error(struct ipa_parse *p, const char *fmt, ...)
{
	char	buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fw_finding(&p->d, true, p->d.line, "ipassmt", NULL, "%s", buf);
}

/* v with room for element n (arrays grow by powers of two), or NULL. */
static void *
grow(void *v, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return v;
	return reallocarray(v, n == 0 ? 1 : 2 * n, size);
}

static struct fw_ipa_if *
find_if(struct fw_ipassmt *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nifs; i++)
		if (strcmp(a->ifs[i].name, name) == 0)
			return &a->ifs[i];
	return NULL;
}

/* The interface of that name, added at this line if it is new. */
static struct fw_ipa_if *
get_if(struct ipa_parse *p, const char *name)
{
	struct fw_ipa_if *f;

	if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ) {
		ipa_error(p, "'%s': not an interface name (1 to %d characters)",
		    name, IFNAMSIZ - 1);
		return NULL;
	}
	if ((f = find_if(p->a, name)) != NULL)
		return f;
	if ((f = grow(p->a->ifs, p->a->nifs, sizeof(*f))) == NULL) {
		ipa_error(p, "out of memory");
		return NULL;
	}
	p->a->ifs = f;
	f = &p->a->ifs[p->a->nifs++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->line = p->d.line;
	return f;
}

/* A.B.C.D or A.B.C.D/LEN; the network, and the address itself. */
static int
parse_net(const char *s, struct fw_ipa_net *n, uint32_t *host)
{
	char	    buf[32], *slash, *end;
	struct addr a;
	long	    len = 32;
	uint32_t    h, mask;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		errno = 0;
		len = strtol(slash, &end, 10);
		if (!isdigit((unsigned char)*slash) || *end != '\0' || len > 32)
			return -1;
	}
	if (addr_pton(AF_INET, buf, &a) == -1)
		return -1;
	h = ntohl(a.u.v4.s_addr);
	mask = len == 0 ? 0 : UINT32_MAX << (32 - len);
	n->net = h & mask;
	n->len = (int)len;
	if (host != NULL)
		*host = h;
	return 0;
}

static int
add_net(struct ipa_parse *p, struct fw_ipa_if *f, const struct fw_ipa_net *n)
{
	struct fw_ipa_net *nv;
	size_t		   i;

	for (i = 0; i < f->nnets; i++)
		if (f->nets[i].net == n->net && f->nets[i].len == n->len)
			return 0;
	if ((nv = grow(f->nets, f->nnets, sizeof(*nv))) == NULL) {
		ipa_error(p, "out of memory");
		return -1;
	}
	f->nets = nv;
	f->nets[f->nnets++] = *n;
	return 0;
}

static int
add_local(struct ipa_parse *p, struct fw_ipa_if *f, uint32_t h)
{
	uint32_t *nv;

	if ((nv = grow(f->local, f->nlocal, sizeof(*nv))) == NULL) {
		ipa_error(p, "out of memory");
		return -1;
	}
	f->local = nv;
	f->local[f->nlocal++] = h;
	return 0;
}

/* "inet ADDR[/LEN] [peer ADDR[/LEN]] ..." of the current interface. */
static int
inet_line(struct ipa_parse *p, char **w, int n)
{
	struct fw_ipa_net net;
	struct fw_ipa_if *f;
	uint32_t	  h;
	int		  i;

	if (!p->has_cur) {
		ipa_error(p,
		    "an 'inet' line before any interface line "
		    "(N: NAME: <FLAGS> ...)");
		return -1;
	}
	if (n < 2 || parse_net(w[1], &net, &h) == -1) {
		/* "[PUBLIC IP HERE]" and the like: an address kept secret
		 * is the one the world sees. */
		if (p->a->ifs[p->cur].ext == FW_IPA_INTERNAL)
			p->a->ifs[p->cur].ext = FW_IPA_PLACEHOLDER;
		return 0;
	}
	f = &p->a->ifs[p->cur];
	if (add_local(p, f, h) == -1)
		return -1;
	/* A point-to-point address: the peer's network is behind it, the
	 * local address alone is not a network. */
	for (i = 2; i + 1 < n; i++)
		if (strcmp(w[i], "peer") == 0) {
			if (parse_net(w[i + 1], &net, NULL) == -1) {
				ipa_error(p, "peer '%s': not an IPv4 address",
				    w[i + 1]);
				return -1;
			}
			break;
		}
	return add_net(p, f, &net);
}

/* "N: NAME[@PARENT]: <FLAGS> ...". */
static int
iface_line(struct ipa_parse *p, char *line)
{
	struct fw_ipa_if *f;
	char		 *s = line, *name, *end;

	while (isdigit((unsigned char)*s))
		s++;
	if (*s != ':')
		goto bad;
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	name = s;
	if ((end = strchr(name, ':')) == NULL || end == name)
		goto bad;
	*end = '\0';
	if ((s = strchr(name, '@')) != NULL)
		*s = '\0';
	if (strpbrk(name, " \t") != NULL)
		goto bad;
	if ((f = get_if(p, name)) == NULL)
		return -1;
	p->cur = (size_t)(f - p->a->ifs);
	p->has_cur = true;
	return 0;
bad:
	ipa_error(p, "not an interface line (N: NAME: <FLAGS> ...)");
	return -1;
}

/* "default ... dev IFACE" or "PREFIX ... dev IFACE". */
static int
route_line(struct ipa_parse *p, char **w, int n)
{
	struct fw_ipa_if *f;
	struct fw_ipa_net net;
	const char	 *dev = NULL;
	int		  i;

	for (i = 0; route_types[i] != NULL; i++)
		if (strcmp(w[0], route_types[i]) == 0)
			return 0;
	if (strcmp(w[0], "default") != 0 && parse_net(w[0], &net, NULL) == -1) {
		ipa_error(p,
		    "'%s': expected an interface (N: NAME: ...), an indented "
		    "address line, or a route (PREFIX|default ... dev IFACE)",
		    w[0]);
		return -1;
	}
	for (i = 1; i + 1 < n; i++)
		if (strcmp(w[i], "dev") == 0)
			dev = w[i + 1];
	if (dev == NULL) {
		ipa_error(p, "a route without 'dev IFACE'");
		return -1;
	}
	if ((f = get_if(p, dev)) == NULL)
		return -1;
	if (strcmp(w[0], "default") == 0) {
		f->ext = FW_IPA_DEFAULT;
		return 0;
	}
	return add_net(p, f, &net);
}

static int
split_words(char *s, char **w)
{
	char *save = NULL, *t;
	int   n = 0;

	for (t = strtok_r(s, " \t", &save); t != NULL && n < IPA_MAXWORDS;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

static int
parse_line(struct ipa_parse *p, char *line)
{
	char *w[IPA_MAXWORDS], copy[1024];
	int   n;

	line[strcspn(line, "\r\n")] = '\0';
	snprintf(copy, sizeof(copy), "%s", line);
	if ((n = split_words(copy, w)) == 0 || w[0][0] == '#')
		return 0;
	if (line[0] == ' ' || line[0] == '\t')
		return strcmp(w[0], "inet") == 0 ? inet_line(p, w, n) : 0;
	if (isdigit((unsigned char)line[0]) && strchr(w[0], '/') == NULL &&
	    w[0][strlen(w[0]) - 1] == ':')
		return iface_line(p, line);
	return route_line(p, w, n);
}

void
fw_ipassmt_free(struct fw_ipassmt *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nifs; i++) {
		free(a->ifs[i].nets);
		free(a->ifs[i].local);
	}
	free(a->ifs);
	free(a);
}

struct fw_ipassmt *
fw_ipassmt_read(FILE *f, const char *name, struct fw_diag *d)
{
	struct ipa_parse p = { 0 };
	char		*line = NULL;
	size_t		 cap = 0, i;
	int		 rc = -1;

	p.d.out = d->out;
	p.d.file = name;
	if ((p.a = calloc(1, sizeof(*p.a))) == NULL) {
		ipa_error(&p, "out of memory");
		goto out;
	}
	while (getline(&line, &cap, f) != -1) {
		p.d.line++;
		if (parse_line(&p, line) == -1)
			goto out;
	}
	p.d.line = 0;
	if (p.a->nifs == 0) {
		ipa_error(&p, "no interfaces (expected `ip addr` output)");
		goto out;
	}
	for (i = 0; i < p.a->nifs; i++)
		if (p.a->ifs[i].nnets == 0 &&
		    p.a->ifs[i].ext == FW_IPA_INTERNAL)
			p.a->ifs[i].ext = FW_IPA_UNKNOWN;
	rc = 0;
out:
	free(line);
	if (rc == -1) {
		d->nerr += p.d.nerr;
		fw_ipassmt_free(p.a);
		return NULL;
	}
	return p.a;
}

struct fw_ipassmt *
fw_ipassmt_load(const char *file, struct fw_diag *d)
{
	struct fw_diag	   fd = { .out = d->out, .file = file };
	struct fw_ipassmt *a;
	FILE		  *f;

	if ((f = fopen(file, "r")) == NULL) {
		fw_finding(
		    &fd, true, 0, "ipassmt", NULL, "%s", strerror(errno));
		d->nerr++;
		return NULL;
	}
	a = fw_ipassmt_read(f, file, d);
	fclose(f);
	return a;
}
