/*
 * moat.conf(5): one setting a line, "keyword value...", '#' to the end of
 * a line is a comment. A value may be a double-quoted string, which can
 * hold blanks and '#' (\" and \\ inside stand for " and \). The whole
 * file is read and checked before moatd touches anything; each error
 * names its line. Relative paths are taken from the configuration file's
 * directory. Pre-shared keys are never echoed in an error.
 *
 * A "connection NAME" line starts a block of the client role: the lines
 * after it are that connection's, until the next "connection" or the end
 * of the file. Keywords are looked up in the block's scope, so "dns" is
 * the gateway's pushed server at the top and a connection's DNS method
 * inside one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "conf.h"
#include "ctlmsg.h"
#include "proposal.h"

enum kw {
	K_TUNNEL,
	K_MTU,
	K_LOCAL,
	K_OUTER_MTU,
	K_NATT,
	K_RULES,
	K_KEYS,
	K_CONTROL,
	K_ROUTE,
	K_QUEUE,
	K_IDENTITY,
	K_CERT,
	K_KEY,
	K_CA,
	K_IKE_PROP,
	K_ESP_PROP,
	K_POOL,
	K_DNS,
	K_SPLIT,
	K_CLIENT,
	K_IKE_LIFE,
	K_CHILD_LIFE,
	K_DPD,
	K_KEYLOG,
	K_CONNECTION,
	K_C_GATEWAY,
	K_C_RID,
	K_C_PSK,
	K_C_TS,
	K_C_UP,
	K_C_DOWN,
	K_C_HTIMEOUT,
	K_C_HFAILURE,
	K_C_DNS,
	K_C_AUTO,
	NKW
};

/* ike: the keyword is the IKE engine's, and sets conf->ike; required
 * then means required with ike. conn: the keyword is a connection's,
 * and required means required in each connection. */
static const struct {
	const char *name;
	bool	    repeat;
	bool	    required;
	bool	    ike;
	int	    maxv; /* values after the keyword, at least 1 */
	bool	    conn;
} kws[NKW] = {
	[K_TUNNEL] = { "tunnel", false, true, false, 1, false },
	[K_MTU] = { "mtu", false, false, false, 1, false },
	[K_LOCAL] = { "local", false, true, false, 1, false },
	[K_OUTER_MTU] = { "outer-mtu", false, false, false, 1, false },
	[K_NATT] = { "natt-port", false, false, false, 1, false },
	[K_RULES] = { "rules", false, true, false, 1, false },
	[K_KEYS] = { "keys", false, false, false, 1, false },
	[K_CONTROL] = { "control", false, false, false, 1, false },
	[K_ROUTE] = { "route", true, false, false, 1, false },
	[K_QUEUE] = { "queue", false, false, false, 1, false },
	[K_IDENTITY] = { "identity", false, true, true, 1, false },
	[K_CERT] = { "certificate", false, false, true, 1, false },
	[K_KEY] = { "private-key", false, false, true, 1, false },
	[K_CA] = { "ca", true, false, true, 1, false },
	[K_IKE_PROP] = { "ike-proposal", true, false, true, 1, false },
	[K_ESP_PROP] = { "esp-proposal", true, false, true, 1, false },
	[K_POOL] = { "pool", false, false, true, 1, false },
	[K_DNS] = { "dns", true, false, true, 1, false },
	[K_SPLIT] = { "split", true, false, true, 1, false },
	[K_CLIENT] = { "client", true, true, true, 3, false },
	[K_IKE_LIFE] = { "ike-lifetime", false, false, true, 1, false },
	[K_CHILD_LIFE] = { "child-lifetime", false, false, true, 1, false },
	[K_DPD] = { "dpd", false, false, true, 1, false },
	[K_KEYLOG] = { "keylog", false, false, true, 1, false },
	[K_CONNECTION] = { "connection", true, false, true, 1, false },
	[K_C_GATEWAY] = { "gateway", false, true, false, 1, true },
	[K_C_RID] = { "remote-identity", false, true, false, 1, true },
	[K_C_PSK] = { "psk", false, false, false, 1, true },
	[K_C_TS] = { "remote-ts", true, false, false, 1, true },
	[K_C_UP] = { "up-script", false, false, false, 1, true },
	[K_C_DOWN] = { "down-script", false, false, false, 1, true },
	[K_C_HTIMEOUT] = { "hook-timeout", false, false, false, 1, true },
	[K_C_HFAILURE] = { "hook-failure", false, false, false, 1, true },
	[K_C_DNS] = { "dns", false, false, false, 2, true },
	[K_C_AUTO] = { "auto", false, false, false, 1, true },
};

static const char *const dns_methods[] = { [CONF_DNS_AUTO] = "auto",
	[CONF_DNS_RESOLVED] = "resolved",
	[CONF_DNS_RESOLVCONF] = "resolvconf",
	[CONF_DNS_FILE] = "file",
	[CONF_DNS_NONE] = "none" };

/* What moat offers when moat.conf names no proposal: AEADs first, then
 * one CBC suite for peers without them (Windows' defaults, RFC 8247's
 * MUST-level algorithms). */
static const char *const ike_default[] = { "aes128gcm16-prfsha256-x25519",
	"aes256gcm16-prfsha384-ecp384", "aes256-sha256-modp2048" };
static const char *const esp_default[] = { "aes128gcm16", "aes256gcm16",
	"chacha20poly1305", "aes256-sha256" };

#define MAXWORDS 4 /* the keyword and up to 3 values; one more is "extra" */

struct line {
	char	*w[MAXWORDS + 1];
	bool	 quoted[MAXWORDS + 1];
	int	 n;
	unsigned no;
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

static bool
blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * Splits s into words in place: blanks separate them, '#' outside quotes
 * ends the line, a word that starts with '"' runs to the next unescaped
 * '"' (a backslash before anything else is itself). Up to MAXWORDS + 1
 * words are kept, so that one too many can be told apart.
 */
static int
split(char *s, struct line *l, const char **why)
{
	char *out;

	for (l->n = 0;;) {
		while (blank(*s))
			s++;
		if (*s == '\0' || *s == '#' || l->n == MAXWORDS + 1)
			return 0;
		l->quoted[l->n] = *s == '"';
		if (*s != '"') {
			l->w[l->n++] = s;
			while (*s != '\0' && !blank(*s) && *s != '#')
				s++;
			if (*s == '\0' || *s == '#') {
				*s = '\0';
				return 0;
			}
			*s++ = '\0';
			continue;
		}
		l->w[l->n] = out = ++s;
		for (;;) {
			if (*s == '\0' || *s == '\n') {
				*out = '\0';
				l->n++;
				*why = "unterminated quoted string";
				return -1;
			}
			if (*s == '"')
				break;
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*out++ = *s++;
		}
		*out = '\0';
		l->n++;
		if (*++s != '\0' && !blank(*s) && *s != '#') {
			*why = "text right after a closing quote";
			return -1;
		}
	}
}

/* Whether word i of a line may be echoed: beyond a client's identity
 * only the words "psk" and "certificate" are, wherever the secret went
 * (a line whose keyword is unknown may be a client line misspelled, or
 * a connection's psk line: a quoted or 0x word is not shown then); a
 * connection's psk line shows only its keyword. */
static bool
echoable(const struct line *l, int i, enum kw k)
{
	if (k == K_C_PSK)
		return i == 0;
	if (k != K_CLIENT && k != NKW)
		return true;
	if (k == NKW && i > 0 &&
	    (l->quoted[i] || strncmp(l->w[i], "0x", 2) == 0))
		return false;
	return i < 2 ||
	    (i == 2 && !l->quoted[2] &&
		(strcmp(l->w[2], "psk") == 0 ||
		    strcmp(l->w[2], "certificate") == 0));
}

static void
report(FILE *err, const char *file, const struct line *l, enum kw k,
    const char *why)
{
	const char *q;
	int	    i;

	fprintf(err, "%s:%u: '", file, l->no);
	for (i = 0; i < l->n && i < MAXWORDS; i++) {
		q = l->quoted[i] ? "\"" : "";
		if (echoable(l, i, k))
			fprintf(err, "%s%s%s%s", i ? " " : "", q, l->w[i], q);
		else
			fprintf(err, "%s...", i ? " " : "");
	}
	fprintf(err, "%s': %s\n", l->n > MAXWORDS ? " ..." : "", why);
}

static int
prop(const char *v, uint8_t proto, struct ike_prop *p, int *n, const char **why)
{
	if (*n == CONF_MAXPROP) {
		*why = "too many proposals (at most 8)";
		return -1;
	}
	if (ike_proposal_parse(v, proto, &p[*n], why) == -1)
		return -1;
	(*n)++;
	return 0;
}

/* A secret: a quoted string as it stands, or 0x and pairs of hex digits. */
static int
psk(const char *v, bool quoted, uint8_t *out, size_t *len, const char **why)
{
	size_t	     i, n = strlen(v);
	unsigned int b;

	if (quoted) {
		if (n == 0 || n > CONF_PSKMAX) {
			*why = n == 0 ? "the secret is empty" :
					"the secret is longer than 256 bytes";
			return -1;
		}
		memcpy(out, v, n);
		*len = n;
		return 0;
	}
	if (strncmp(v, "0x", 2) != 0 || n == 2 || n % 2 != 0 ||
	    strspn(v + 2, "0123456789abcdefABCDEF") != n - 2) {
		*why = "the secret is neither a \"quoted string\" nor 0x and "
		       "pairs of hex digits";
		return -1;
	}
	if ((n - 2) / 2 > CONF_PSKMAX) {
		*why = "the secret is longer than 256 bytes";
		return -1;
	}
	for (i = 0; i < (n - 2) / 2; i++) {
		sscanf(v + 2 + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
	*len = (n - 2) / 2;
	return 0;
}

struct id {
	uint8_t type;
	uint8_t data[1024];
	size_t	len;
};

static int
id_parse(const char *v, struct id *id, const char **why)
{
	if (strlen(v) >= CONF_IDMAX) {
		*why = "the identity is longer than 255 characters";
		return -1;
	}
	return ike_id_parse_why(
	    v, &id->type, id->data, sizeof(id->data), &id->len, why);
}

/* Whether two clients' identities are one, as the engine compares a
 * peer's (FQDNs without regard to case, DNs as X.509 names). */
static bool
id_same(const char *a, const struct id *b)
{
	struct id   ia;
	const char *why;

	if (strcmp(a, "*") == 0 || b == NULL)
		return strcmp(a, "*") == 0 && b == NULL;
	return id_parse(a, &ia, &why) == 0 &&
	    ike_id_eq(ia.type, ia.data, ia.len, b->type, b->data, b->len);
}

/* client ID psk SECRET | client ID certificate */
static int
client(struct conf *c, const struct line *l, char *whybuf, size_t len,
    const char **why)
{
	struct conf_client *cl;
	struct id	    parsed, *pid = NULL;
	const char	   *id = l->w[1], *m = l->w[2];
	int		    i;

	if (l->n < 3) {
		*why = "needs an identity and 'psk SECRET' or 'certificate'";
		return -1;
	}
	if (strcmp(id, "*") != 0) {
		if (id_parse(id, &parsed, why) == -1)
			return -1;
		pid = &parsed;
	}
	if (l->quoted[2] ||
	    (strcmp(m, "psk") != 0 && strcmp(m, "certificate") != 0)) {
		*why = "the method is 'psk SECRET' or 'certificate'";
		return -1;
	}
	if (strcmp(m, "psk") == 0 && l->n != 4) {
		*why = "psk needs one secret";
		return -1;
	}
	if (strcmp(m, "certificate") == 0 && l->n != 3) {
		*why = "certificate takes no value";
		return -1;
	}
	if (strcmp(id, "*") == 0 && strcmp(m, "psk") == 0) {
		*why = "'*' is only for clients with a certificate";
		return -1;
	}
	for (i = 0; i < c->nclients; i++)
		if (id_same(c->client[i].id, pid)) {
			snprintf(whybuf, len, "client %s given twice (line %u)",
			    c->client[i].id, c->client[i].line);
			*why = whybuf;
			return -1;
		}
	if (c->nclients == CONF_MAXCLIENTS) {
		*why = "too many clients (at most 256)";
		return -1;
	}
	cl = &c->client[c->nclients];
	if (strcmp(m, "psk") == 0) {
		if (psk(l->w[3], l->quoted[3], cl->psk, &cl->psklen, why) ==
		    -1) {
			explicit_bzero(cl->psk, sizeof(cl->psk));
			return -1;
		}
		cl->auth = CONF_AUTH_PSK;
	} else
		cl->auth = CONF_AUTH_CERT;
	snprintf(cl->id, sizeof(cl->id), "%s", id);
	cl->line = l->no;
	c->nclients++;
	return 0;
}

/* connection NAME: a name moatctl and the hooks can carry as it is. */
static int
conn_name(struct conf *c, struct conf_conn *cur, const char *v, char *whybuf,
    size_t len, const char **why)
{
	int i;

	/* As written, for the messages at the block's end. */
	snprintf(cur->name, sizeof(cur->name), "%s", v);
	if (cur < c->conn || cur >= c->conn + CONF_MAXCONNS) {
		*why = "too many connections (at most 16)";
		return -1;
	}
	if (v[0] == '\0' || strlen(v) >= CONF_NAMEMAX ||
	    strspn(v,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") != strlen(v)) {
		*why = "a connection's name is 1 to 63 letters, digits, '.', "
		       "'_' and '-'";
		return -1;
	}
	for (i = 0; &c->conn[i] != cur; i++)
		if (strcmp(c->conn[i].name, v) == 0) {
			snprintf(whybuf, len,
			    "connection %s given twice (line %u)", v,
			    c->conn[i].line);
			*why = whybuf;
			return -1;
		}
	return 0;
}

static int
script(const char *dir, const char *v, char *out, const char **why)
{
	struct stat st;

	errno = 0;
	if (path(dir, v, out, why) == -1)
		return -1;
	/* Not access(2): for root X_OK holds when any execute bit does. */
	if (stat(out, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 0111) == 0) {
		*why =
		    errno == ENOENT ? "no such file" : "not an executable file";
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* The keywords of a connection block, for the connection cur. */
static int
set_conn(struct conf_conn *cur, enum kw k, const struct line *l,
    const char *dir, const char **why)
{
	const char *v = l->w[1];
	size_t	    i;

	if (k != K_C_DNS && l->n > 2) {
		*why = "takes one value";
		return -1;
	}
	switch (k) {
	case K_C_GATEWAY:
		if (addr_pton(AF_INET, v, &cur->gateway) == -1) {
			*why = "not an IPv4 address";
			return -1;
		}
		return 0;
	case K_C_RID:
		if (id_parse(v, &(struct id){ 0 }, why) == -1)
			return -1;
		strcpy(cur->rid, v);
		return 0;
	case K_C_PSK:
		if (psk(v, l->quoted[1], cur->psk, &cur->psklen, why) == -1) {
			explicit_bzero(cur->psk, sizeof(cur->psk));
			cur->psklen = 0;
			return -1;
		}
		return 0;
	case K_C_TS:
		if (cur->nremote_ts == CONF_MAXSPLIT) {
			*why = "too many remote-ts (at most 16)";
			return -1;
		}
		if (prefix_parse(AF_INET, v, &cur->remote_ts[cur->nremote_ts],
			why) == -1)
			return -1;
		cur->nremote_ts++;
		return 0;
	case K_C_UP:
		return script(dir, v, cur->up_script, why);
	case K_C_DOWN:
		return script(dir, v, cur->down_script, why);
	case K_C_HTIMEOUT:
		return number(v, 1, 600, &cur->hook_timeout, why);
	case K_C_HFAILURE:
		if (strcmp(v, "ignore") != 0 && strcmp(v, "down") != 0) {
			*why = "neither 'ignore' nor 'down'";
			return -1;
		}
		cur->hook_down = strcmp(v, "down") == 0;
		return 0;
	case K_C_DNS:
		for (i = 0; i < sizeof(dns_methods) / sizeof(dns_methods[0]);
		     i++)
			if (!l->quoted[1] && strcmp(v, dns_methods[i]) == 0)
				break;
		if (i == sizeof(dns_methods) / sizeof(dns_methods[0])) {
			*why = "not auto, resolved, resolvconf, file PATH or "
			       "none";
			return -1;
		}
		if ((i == CONF_DNS_FILE) != (l->n == 3)) {
			*why = i == CONF_DNS_FILE ? "file needs a path" :
						    "takes one value";
			return -1;
		}
		if (i == CONF_DNS_FILE &&
		    path(dir, l->w[2], cur->dns_file, why) == -1)
			return -1;
		cur->dns = (enum conf_dns)i;
		return 0;
	case K_C_AUTO:
		if (strcmp(v, "start") != 0 && strcmp(v, "add") != 0) {
			*why = "neither 'start' nor 'add'";
			return -1;
		}
		cur->autostart = strcmp(v, "start") == 0;
		return 0;
	default:
		return -1;
	}
}

static int
set(struct conf *c, enum kw k, const struct line *l, const char *dir,
    char *whybuf, size_t len, const char **why)
{
	const char *v = l->w[1];
	uint32_t    n;

	switch (k) {
	case K_TUNNEL:
		/* What the kernel's dev_valid_name refuses, now that a
		 * quoted value may hold blanks. */
		if (v[0] == '\0' || strlen(v) >= IFNAMSIZ ||
		    strpbrk(v, "/: \t") != NULL) {
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
	case K_IDENTITY:
		if (id_parse(v, &(struct id){ 0 }, why) == -1)
			return -1;
		strcpy(c->id, v);
		return 0;
	case K_CERT:
		return path(dir, v, c->cert, why);
	case K_KEY:
		return path(dir, v, c->key, why);
	case K_CA:
		if (c->nca == CONF_MAXCA) {
			*why = "too many CA files (at most 8)";
			return -1;
		}
		return path(dir, v, c->ca[c->nca++], why);
	case K_IKE_PROP:
		return prop(v, IKE_PROTO_IKE, c->ike_prop, &c->nike_prop, why);
	case K_ESP_PROP:
		return prop(v, IKE_PROTO_ESP, c->esp_prop, &c->nesp_prop, why);
	case K_POOL:
		if (prefix_parse(AF_INET, v, &c->pool, why) == -1)
			goto nopool;
		if (prefix_len(&c->pool) < 8 || prefix_len(&c->pool) > 30) {
			*why = "not a prefix from /8 to /30";
			goto nopool;
		}
		return 0;
	nopool:
		memset(&c->pool, 0, sizeof(c->pool));
		return -1;
	case K_DNS:
		if (c->ndns == CONF_MAXDNS) {
			*why = "too many DNS servers (at most 4)";
			return -1;
		}
		if (addr_pton(AF_INET, v, &c->dns[c->ndns]) == -1) {
			*why = "not an IPv4 address";
			return -1;
		}
		c->ndns++;
		return 0;
	case K_SPLIT:
		if (c->nsplit == CONF_MAXSPLIT) {
			*why = "too many split networks (at most 16)";
			return -1;
		}
		return prefix_parse(AF_INET, v, &c->split[c->nsplit++], why);
	case K_CLIENT:
		return client(c, l, whybuf, len, why);
	case K_IKE_LIFE:
		return number(v, 10, 86400, &c->ike_lifetime, why);
	case K_CHILD_LIFE:
		return number(v, 10, 86400, &c->child_lifetime, why);
	case K_DPD:
		return number(v, 0, 3600, &c->dpd, why);
	case K_KEYLOG:
		return path(dir, v, c->keylog, why);
	default:
		return -1;
	}
}

/* " 'a', 'b' and 'c'": the names of need[] that are not NULL. */
static void
needs(FILE *err, const char *const *need, size_t n)
{
	size_t j;
	int    left = 0;

	for (j = 0; j < n; j++)
		left += need[j] != NULL;
	for (j = 0; j < n; j++) {
		if (need[j] == NULL)
			continue;
		left--;
		fprintf(err, " %s%s", need[j],
		    left > 1 ? "," : (left == 1 ? " and" : ""));
	}
	fputc('\n', err);
}

/* The end of a connection block: what it must have said. */
static int
end_conn(const struct conf_conn *cur, const char *file, const unsigned *cseen,
    FILE *err)
{
	int k, nerr = 0;

	for (k = 0; k < NKW; k++)
		if (kws[k].conn && kws[k].required && !cseen[k]) {
			fprintf(err, "%s:%u: connection %s: '%s' is missing\n",
			    file, cur->line, cur->name, kws[k].name);
			nerr++;
		}
	return nerr;
}

/* What the gateway's settings need of each other, once the whole file
 * is read; seen[] holds the line of each keyword's first use. */
static int
check_ike(struct conf *c, const char *file, const unsigned *seen, FILE *err)
{
	const char *why, *need[3];
	int	    i, nerr = 0;
	size_t	    j;

	if (seen[K_CERT] && !seen[K_KEY]) {
		fprintf(err,
		    "%s:%u: 'certificate': given without "
		    "'private-key'\n",
		    file, seen[K_CERT]);
		nerr++;
	}
	if (seen[K_KEY] && !seen[K_CERT]) {
		fprintf(err,
		    "%s:%u: 'private-key': given without "
		    "'certificate'\n",
		    file, seen[K_KEY]);
		nerr++;
	}
	need[0] = seen[K_CERT] ? NULL : "'certificate'";
	need[1] = seen[K_KEY] ? NULL : "'private-key'";
	need[2] = c->nca > 0 ? NULL : "'ca'";
	for (i = 0; i < c->nclients; i++) {
		if (c->client[i].auth != CONF_AUTH_CERT ||
		    (!need[0] && !need[1] && !need[2]))
			continue;
		fprintf(err, "%s:%u: 'client %s certificate': needs", file,
		    c->client[i].line, c->client[i].id);
		needs(err, need, 3);
		nerr++;
	}
	for (i = 0; i < c->nconns; i++) {
		if (c->conn[i].psklen != 0 ||
		    (!need[0] && !need[1] && !need[2]))
			continue;
		fprintf(err, "%s:%u: connection %s: without 'psk' it needs",
		    file, c->conn[i].line, c->conn[i].name);
		needs(err, need, 3);
		nerr++;
	}
	for (j = 0; c->nike_prop == 0 &&
	     j < sizeof(ike_default) / sizeof(ike_default[0]);
	     j++)
		if (ike_proposal_parse(ike_default[j], IKE_PROTO_IKE,
			&c->ike_prop[j], &why) == -1) {
			fprintf(err, "%s: default '%s': %s\n", file,
			    ike_default[j], why);
			return -1;
		}
	if (c->nike_prop == 0)
		c->nike_prop = (int)j;
	for (j = 0; c->nesp_prop == 0 &&
	     j < sizeof(esp_default) / sizeof(esp_default[0]);
	     j++)
		if (ike_proposal_parse(esp_default[j], IKE_PROTO_ESP,
			&c->esp_prop[j], &why) == -1) {
			fprintf(err, "%s: default '%s': %s\n", file,
			    esp_default[j], why);
			return -1;
		}
	if (c->nesp_prop == 0)
		c->nesp_prop = (int)j;
	return nerr == 0 ? 0 : -1;
}

/* The keyword of a line in the scope it is in (a connection block or the
 * top); one of the other scope is returned with *why saying so. */
static int
keyword(const struct line *l, bool inconn, const char **why)
{
	int k, other = NKW;

	if (l->quoted[0])
		return NKW;
	for (k = 0; k < NKW; k++) {
		if (strcmp(kws[k].name, l->w[0]) != 0)
			continue;
		if (kws[k].conn == inconn || k == K_CONNECTION)
			return k;
		other = k;
	}
	if (other != NKW)
		*why = inconn ? "not a connection's keyword (a connection runs "
				"to the next 'connection': put it before the "
				"first)" :
				"only in a connection (after a 'connection' "
				"line)";
	return other;
}

int
conf_read(FILE *f, const char *file, struct conf *c, FILE *err)
{
	struct line	  l;
	char		 *buf = NULL, *dup, *dir, whybuf[CONF_IDMAX + 64];
	const char	 *why, *why2;
	size_t		  cap = 0;
	unsigned	  seen[NKW] = { 0 }, cseen[NKW] = { 0 }, *sn;
	int		  k, nerr = 0;
	struct conf_conn *cur = NULL, *scratch;

	memset(c, 0, sizeof(*c));
	c->mtu = 1400;
	c->outer_mtu = 1500;
	c->natt_port = 4500;
	c->queue = -1;
	c->ike_lifetime = 14400;
	c->child_lifetime = 3600;
	c->dpd = 30;
	snprintf(c->control, sizeof(c->control), "%s", CTL_SOCKET);
	if ((dup = strdup(file)) == NULL ||
	    (scratch = calloc(1, sizeof(*scratch))) == NULL) {
		fprintf(err, "%s: %s\n", file, strerror(errno));
		free(dup);
		return -1;
	}
	dir = dirname(dup);
	memset(&l, 0, sizeof(l));
	while (getline(&buf, &cap, f) != -1) {
		l.no++;
		why = NULL;
		if (split(buf, &l, &why) == 0 && l.n == 0)
			goto next;
		why2 = NULL;
		k = keyword(&l, cur != NULL, &why2);
		if (k < NKW && kws[k].ike)
			c->ike = true;
		if (k == K_CONNECTION) {
			if (cur != NULL && cur != scratch)
				nerr += end_conn(cur, file, cseen, err);
			cur = c->nconns < CONF_MAXCONNS ?
			    &c->conn[c->nconns++] :
			    scratch;
			memset(cur, 0, sizeof(*cur));
			cur->line = l.no;
			cur->hook_timeout = 10;
			cur->autostart = true;
			memset(cseen, 0, sizeof(cseen));
		}
		sn = k < NKW && kws[k].conn ? cseen : seen;
		if (why != NULL)
			;
		else if (why2 != NULL)
			why = why2;
		else if (k == NKW)
			why = "unknown keyword";
		else if (l.n == 1)
			why = "needs a value";
		else if (l.n - 1 > kws[k].maxv)
			why = kws[k].maxv == 1 ? "takes one value" :
						 "too many values";
		else if (sn[k] && !kws[k].repeat)
			why = "given twice";
		if (why == NULL &&
		    (k == K_CONNECTION	? conn_name(c, cur, l.w[1], whybuf,
					      sizeof(whybuf), &why) :
			    kws[k].conn ? set_conn(
					      cur, (enum kw)k, &l, dir, &why) :
					  set(c, (enum kw)k, &l, dir, whybuf,
					      sizeof(whybuf), &why)) == 0) {
			if (!sn[k])
				sn[k] = l.no;
			goto next;
		}
		report(err, file, &l, (enum kw)k, why);
		nerr++;
	next:
		explicit_bzero(buf, cap);
	}
	if (cur != NULL && cur != scratch)
		nerr += end_conn(cur, file, cseen, err);
	for (k = 0; k < NKW; k++)
		if (kws[k].required && !kws[k].conn && !seen[k] &&
		    (!kws[k].ike || c->ike) &&
		    (k != K_CLIENT || c->nconns == 0)) {
			fprintf(
			    err, "%s: '%s' is missing\n", file, kws[k].name);
			nerr++;
		}
	if (c->ike && check_ike(c, file, seen, err) == -1)
		nerr++;
	free(buf);
	free(dup);
	explicit_bzero(scratch, sizeof(*scratch));
	free(scratch);
	if (nerr > 0) {
		explicit_bzero(c->client, sizeof(c->client));
		explicit_bzero(c->conn, sizeof(c->conn));
		return -1;
	}
	return 0;
}

int
conf_load(const char *file, struct conf *c)
{
	FILE *f;
	int   rc;

	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return -1;
	}
	rc = conf_read(f, file, c, stderr);
	fclose(f);
	return rc;
}
