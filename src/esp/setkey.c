/*
 * setkey(8) files: the SAD and SPD operations of ipsec-tools' setkey, as
 * its manual page (NetBSD setkey.8 1.36, the text ipsec-tools 0.8 ships)
 * and its parsers describe them, and the printer that writes them back.
 *
 * Facts taken from ipsec-tools (src/setkey/token.l, parse.y and
 * src/libipsec/policy_parse.y, policy_token.l, libpfkey.h):
 *  - '#' starts a comment anywhere outside a quoted string; an operation
 *    ends with ';' and may span lines;
 *  - a key is a "quoted string" or 0x and hex digits; with an odd number
 *    of digits the first one is a byte of its own (0xabc is 0a bc);
 *  - -E null takes no key;
 *  - esp-udp without a port (or with [any] or [0]) uses 4500 (parse.y's
 *    get_port, DEFAULT_NATT_PORT);
 *  - SPIs 0 to 255 are reserved (setkey.8; RFC 4303 2.1);
 *  - -m defaults to any; -r 0 or no -r means no replay check;
 *  - policy priorities are kept by the kernel as an unsigned 32-bit
 *    number, lower first, with def 0x80000000, high 0x40000000 and low
 *    0xC0000000; "prio N" is def - N, "prio -N" def + N, "prio B + N" is
 *    B - N (N up to 0x40000000) and "prio B - N" B + N (N up to
 *    0x3fffffff); a policy without a priority gets def.
 *
 * moat keeps a priority as a signed number, lower first, centred on def:
 * the kernel's value minus 0x80000000. So def is 0, high -1073741824 and
 * low 1073741824, and the order is the kernel's.
 *
 * -r counts packets. setkey passes the number as sadb_sa_replay; Linux
 * makes it the window in bits of its bitmap, that is packets (net/key/
 * af_key.c, pfkey_msg2xfrm_state, capped there at 32); setkey.8 speaks
 * of bytes, which is what the BSD kernels do with it.
 *
 * A file is parsed whole: each operation that has an error is reported
 * once, as FILE:LINE: and the operation's name, then parsing goes on after
 * the operation's ';'. Keys are never quoted in messages.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"

#define TOK_MAX 512 /* longest word or quoted string */
#define NATT_PORT 4500
#define REQID_UNIQUE_MAX 32767 /* setkey.8: unique:N, 1 to 32767 */

/* The kernel's priority constants, moved to moat's scale. */
#define PRIO_HIGH (-1073741824L)
#define PRIO_LOW 1073741824L
#define PRIO_PLUS_MAX 0x40000000L /* "prio B + N" */
#define PRIO_MINUS_MAX 0x3fffffffL /* "prio B - N" */

enum tok { T_EOF, T_WORD, T_STR, T_SEMI, T_ERR };

struct lex {
	FILE	     *f;
	const char   *file;
	FILE	     *err;
	unsigned int  line; /* where the reader is */
	enum tok      t;
	bool	      have; /* t and buf hold a token not yet consumed */
	char	      buf[TOK_MAX + 1];
	size_t	      len;
	unsigned int  tline; /* the token's line */
	const char   *op; /* the operation being parsed, for messages */
	unsigned int  opline;
	unsigned long nerr;
};

static int __attribute__((format(printf, 3, 4)))
perr(struct lex *lx, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(lx->err, "%s:%u: ", lx->file, line);
	if (lx->op != NULL)
		fprintf(lx->err, "%s: ", lx->op);
	va_start(ap, fmt);
	vfprintf(lx->err, fmt, ap);
	va_end(ap);
	fputc('\n', lx->err);
	lx->nerr++;
	return -1;
}

/* A word as messages quote it: printable, and not too long. */
static const char *
q(char *b, size_t n, const char *s)
{
	size_t i = 0;

	for (; *s != '\0' && i + 5 < n; s++) {
		if (isprint((unsigned char)*s))
			b[i++] = *s;
		else
			i += (size_t)snprintf(
			    b + i, n - i, "\\x%02x", (unsigned char)*s);
	}
	if (*s != '\0' && i + 4 <= n)
		i += (size_t)snprintf(b + i, n - i, "...");
	b[i] = '\0';
	return b;
}

/* ---- The tokenizer ------------------------------------------------- */

static bool
word_char(int c)
{
	return c != EOF && !isspace(c) && c != ';' && c != '#' && c != '"';
}

static enum tok
lex_read(struct lex *lx)
{
	bool toolong = false;
	int  c;

	/* The last token may have been a key. */
	explicit_bzero(lx->buf, lx->len);
	lx->len = 0;
	for (;;) {
		c = getc(lx->f);
		if (c == '\n')
			lx->line++;
		else if (c == '#') {
			while ((c = getc(lx->f)) != EOF && c != '\n')
				;
			if (c == '\n')
				lx->line++;
		} else if (c == EOF || !isspace(c))
			break;
	}
	lx->tline = lx->line;
	if (c == EOF)
		return T_EOF;
	if (c == '\0') {
		perr(lx, lx->line, "a NUL byte in the file");
		return T_ERR;
	}
	if (c == ';')
		return T_SEMI;
	if (c == '"') {
		while ((c = getc(lx->f)) != '"') {
			if (c == EOF || c == '\n' || c == '\0') {
				if (c == '\n')
					ungetc(c, lx->f);
				perr(lx, lx->tline,
				    c == '\0' ?
					"a NUL byte in a quoted string" :
					"unterminated quoted string");
				return T_ERR;
			}
			if (lx->len < TOK_MAX)
				lx->buf[lx->len++] = (char)c;
			else
				toolong = true;
		}
		lx->buf[lx->len] = '\0';
		if (toolong) {
			perr(lx, lx->tline,
			    "quoted string longer than %d bytes", TOK_MAX);
			return T_ERR;
		}
		return T_STR;
	}
	for (; word_char(c); c = getc(lx->f)) {
		if (c == '\0') {
			perr(lx, lx->line, "a NUL byte in the file");
			return T_ERR;
		}
		if (lx->len < TOK_MAX)
			lx->buf[lx->len++] = (char)c;
		else
			toolong = true;
	}
	if (c != EOF)
		ungetc(c, lx->f);
	lx->buf[lx->len] = '\0';
	if (toolong) {
		perr(lx, lx->tline, "word longer than %d characters", TOK_MAX);
		return T_ERR;
	}
	return T_WORD;
}

/* The current token, read if needed; adv() consumes it. */
static enum tok
tok(struct lex *lx)
{
	if (!lx->have) {
		lx->t = lex_read(lx);
		lx->have = true;
	}
	return lx->t;
}

static void
adv(struct lex *lx)
{
	lx->have = false;
}

static bool
is_word(struct lex *lx, const char *w)
{
	return tok(lx) == T_WORD && strcmp(lx->buf, w) == 0;
}

/* ---- Operations, protocols and other tables ------------------------- */

struct opdef;
typedef int parse_fn(struct lex *, const struct opdef *, struct esp_op *);

struct opdef {
	const char	*name;
	enum esp_op_kind kind;
	parse_fn	*parse; /* NULL: known to setkey, not to moat */
};

static parse_fn p_add, p_sa, p_deleteall, p_all, p_spd, p_spdall;

static const struct opdef ops[] = {
	{ "add", ESP_OP_ADD, p_add },
	{ "get", ESP_OP_GET, p_sa },
	{ "delete", ESP_OP_DELETE, p_sa },
	{ "deleteall", ESP_OP_DELETEALL, p_deleteall },
	{ "flush", ESP_OP_FLUSH, p_all },
	{ "dump", ESP_OP_DUMP, p_all },
	{ "spdadd", ESP_OP_SPDADD, p_spd },
	{ "spddelete", ESP_OP_SPDDELETE, p_spd },
	{ "spdflush", ESP_OP_SPDFLUSH, p_spdall },
	{ "spddump", ESP_OP_SPDDUMP, p_spdall },
	{ "update", 0, NULL },
	{ "getspi", 0, NULL },
	{ "spdupdate", 0, NULL },
	{ "exit", 0, NULL },
	{ "quit", 0, NULL },
	{ "bye", 0, NULL },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static const struct opdef *
op_byname(const char *w)
{
	size_t i;

	for (i = 0; i < NOPS; i++)
		if (strcmp(ops[i].name, w) == 0)
			return &ops[i];
	return NULL;
}

static const struct opdef *
op_bykind(enum esp_op_kind k)
{
	size_t i;

	for (i = 0; i < NOPS; i++)
		if (ops[i].parse != NULL && ops[i].kind == k)
			return &ops[i];
	return NULL;
}

/* The SA protocols of setkey.8; only ESP is moat's. */
struct protodef {
	const char *name;
	bool	    udp; /* esp-udp */
	const char *no; /* why not, NULL if supported */
};

static const struct protodef protos[] = {
	{ "esp", false, NULL },
	{ "esp-udp", true, NULL },
	{ "ah", false, "AH is not supported (moat does ESP only)" },
	{ "ah-old", false, "AH is not supported (moat does ESP only)" },
	{ "esp-old", false, "esp-old (RFC 1827) is not supported" },
	{ "ipcomp", false, "IPComp is not supported" },
	{ "tcp", false, "TCP-MD5 is not supported" },
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static const struct {
	const char   *name;
	enum esp_mode mode;
} modes[] = {
	{ "transport", ESP_MODE_TRANSPORT },
	{ "tunnel", ESP_MODE_TUNNEL },
	{ "any", ESP_MODE_ANY },
};

#define NMODES (sizeof(modes) / sizeof(modes[0]))

static const char *
mode_name(enum esp_mode m)
{
	size_t i;

	for (i = 0; i < NMODES; i++)
		if (modes[i].mode == m)
			return modes[i].name;
	return "any";
}

/* Upper-layer protocols by name (/etc/protocols' numbers); the first
 * name of a number is the one printed. */
static const struct {
	const char *name;
	uint8_t	    proto;
} uppers[] = {
	{ "any", ESP_PROTO_ANY },
	{ "icmp", 1 },
	{ "igmp", 2 },
	{ "ipencap", 4 },
	{ "ip4", 4 },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "sctp", 132 },
};

#define NUPPERS (sizeof(uppers) / sizeof(uppers[0]))

static const char *const dirs[] = {
	[ESP_DIR_IN] = "in",
	[ESP_DIR_OUT] = "out",
	[ESP_DIR_FWD] = "fwd",
};

static const char *const actions[] = {
	[ESP_ACT_DISCARD] = "discard",
	[ESP_ACT_BYPASS] = "none",
	[ESP_ACT_PROTECT] = "ipsec",
};

static const char *const levels[] = {
	[ESP_LEVEL_DEFAULT] = "default",
	[ESP_LEVEL_USE] = "use",
	[ESP_LEVEL_REQUIRE] = "require",
	[ESP_LEVEL_UNIQUE] = "unique",
};

static int
index_of(const char *const *tab, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i] != NULL && strcmp(tab[i], w) == 0)
			return (int)i;
	return -1;
}

#define INDEX_OF(tab, w) index_of(tab, sizeof(tab) / sizeof(tab[0]), w)

/*
 * The extensions of add. The numbers are setkey's (-m, -r, -u, -lh, -ls,
 * -bh, -bs) and moat's: -ph/-ps, hard and soft lifetimes in packets. The
 * -f words are setkey's pad and sequence options and moat's "esn".
 */
enum ext_kind { X_MODE, X_NUM32, X_NUM64, X_FLAG, X_NO };

struct extdef {
	const char   *name;
	enum ext_kind kind;
	size_t	      off; /* X_NUM*: the field in esp_sa_params */
	uint64_t      max;
	const char   *no; /* X_NO: why not */
};

static const struct extdef exts[] = {
	{ "-m", X_MODE, 0, 0, NULL },
	{ "-r", X_NUM32, offsetof(struct esp_sa_params, replay), ESP_REPLAY_MAX,
	    NULL },
	{ "-u", X_NUM32, offsetof(struct esp_sa_params, reqid), UINT32_MAX,
	    NULL },
	{ "-f", X_FLAG, 0, 0, NULL },
	{ "-lh", X_NUM64, offsetof(struct esp_sa_params, hard.add_s),
	    UINT64_MAX, NULL },
	{ "-ls", X_NUM64, offsetof(struct esp_sa_params, soft.add_s),
	    UINT64_MAX, NULL },
	{ "-bh", X_NUM64, offsetof(struct esp_sa_params, hard.bytes),
	    UINT64_MAX, NULL },
	{ "-bs", X_NUM64, offsetof(struct esp_sa_params, soft.bytes),
	    UINT64_MAX, NULL },
	{ "-ph", X_NUM64, offsetof(struct esp_sa_params, hard.packets),
	    UINT64_MAX, NULL },
	{ "-ps", X_NUM64, offsetof(struct esp_sa_params, soft.packets),
	    UINT64_MAX, NULL },
	{ "-ctx", X_NO, 0, 0, "security contexts (-ctx) are not supported" },
	{ "-C", X_NO, 0, 0, "IPComp (-C) is not supported" },
	{ "-R", X_NO, 0, 0, "IPComp (-R) is not supported" },
};

#define NEXTS (sizeof(exts) / sizeof(exts[0]))

/* -f's words: esn sets the SA's flag; what moat always does is accepted;
 * the rest is refused with the reason. */
static const struct {
	const char *name;
	bool	    esn;
	const char *no;
} fwords[] = {
	{ "esn", true, NULL },
	/* RFC 4303 2.4: padding bytes 1, 2, 3, ...; esp.c pads so. */
	{ "seq-pad", false, NULL },
	/* esp.c never lets an outbound sequence number cycle. */
	{ "nocyclic-seq", false, NULL },
	{ "zero-pad", false,
	    "-f zero-pad is not supported (moat pads 1, 2, 3, ... as RFC "
	    "4303 2.4 says)" },
	{ "random-pad", false,
	    "-f random-pad is not supported (moat pads 1, 2, 3, ... as RFC "
	    "4303 2.4 says)" },
};

#define NFWORDS (sizeof(fwords) / sizeof(fwords[0]))

/* ---- Small parsers --------------------------------------------------- */

/* What the current token is, for "expected X, not Y". */
static const char *
tokdesc(struct lex *lx, char *b, size_t n)
{
	char w[80];

	switch (tok(lx)) {
	case T_EOF:
		return "the end of the file";
	case T_SEMI:
		return "';'";
	case T_STR:
		return "a quoted string";
	default:
		snprintf(b, n, "'%s'", q(w, sizeof(w), lx->buf));
		return b;
	}
}

/* Report that the current token is not what was wanted; -1. */
static int
unexpected(struct lex *lx, const char *what)
{
	char d[96];

	switch (tok(lx)) {
	case T_ERR:
		return -1; /* reported by the tokenizer */
	case T_EOF:
		if (strcmp(what, "';'") == 0)
			return perr(lx, lx->opline,
			    "missing ';' at the end of the file");
		return perr(lx, lx->opline,
		    "missing %s and ';' at the end of the file", what);
	case T_SEMI:
		return perr(lx, lx->tline, "missing %s before ';'", what);
	case T_WORD:
		if (op_byname(lx->buf) == NULL)
			break;
		if (strcmp(what, "';'") == 0)
			return perr(lx, lx->opline,
			    "missing ';' before '%s' on line %u", lx->buf,
			    lx->tline);
		return perr(lx, lx->opline,
		    "missing %s and ';' before '%s' on line %u", what, lx->buf,
		    lx->tline);
	default:
		break;
	}
	return perr(lx, lx->tline, "expected %s, not %s", what,
	    tokdesc(lx, d, sizeof(d)));
}

/* The current word, consumed; NULL (reported) if it is not a word. The
 * text stays in lx->buf until the next tok(). */
static const char *
need_word(struct lex *lx, const char *what)
{
	if (tok(lx) != T_WORD) {
		unexpected(lx, what);
		return NULL;
	}
	adv(lx);
	return lx->buf;
}

static int
need_semi(struct lex *lx)
{
	if (tok(lx) != T_SEMI)
		return unexpected(lx, "';'");
	adv(lx);
	return 0;
}

/* Decimal digits only, as setkey's DECSTRING, at most max. */
static int
dec(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) ||
		    n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > max)
		return -1;
	*v = n;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
p_spi_value(struct lex *lx, uint32_t *spi)
{
	const char *w;
	uint64_t    v = 0;
	char	    b[80];
	size_t	    i;

	if ((w = need_word(lx, "an SPI")) == NULL)
		return -1;
	if (w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
		for (i = 2;
		     w[i] != '\0' && hexval(w[i]) >= 0 && v <= 0xffffffff; i++)
			v = v * 16 + (uint64_t)hexval(w[i]);
		if (i == 2 || w[i] != '\0')
			v = UINT64_MAX;
	} else if (dec(w, UINT64_MAX, &v) == -1)
		v = UINT64_MAX;
	if (v > 0xffffffff)
		return perr(lx, lx->tline,
		    "SPI '%s': not a 32-bit number (decimal, or hex after 0x)",
		    q(b, sizeof(b), w));
	if (v < 256)
		return perr(lx, lx->tline,
		    "SPI %s: 0 to 255 are reserved (RFC 4303 2.1)",
		    q(b, sizeof(b), w));
	*spi = (uint32_t)v;
	return 0;
}

/* -4, -6, -n and their combinations: addresses are numeric and IPv4. */
static int
p_flags46(struct lex *lx)
{
	size_t i;

	while (tok(lx) == T_WORD && lx->buf[0] == '-' &&
	    strspn(lx->buf + 1, "46n") == lx->len - 1 && lx->len > 1) {
		for (i = 1; i < lx->len; i++)
			if (lx->buf[i] == '6')
				return perr(lx, lx->tline,
				    "-6: IPv6 is not supported yet");
		adv(lx);
	}
	return 0;
}

/*
 * ADDR, ADDR/LEN, ADDR[PORT], ADDR/LEN[PORT]; PORT may be "any". The
 * host part goes to host; *port is -1 without a port, 0 for any.
 */
static int
split_port(struct lex *lx, const char *w, const char *what, char *host,
    size_t n, long *port)
{
	const char *br = strchr(w, '[');
	uint64_t    v;
	char	    b[80], pb[16];
	size_t	    hl, pl;

	*port = -1;
	hl = br != NULL ? (size_t)(br - w) : strlen(w);
	if (hl >= n)
		return perr(lx, lx->tline, "%s '%s': too long for an address",
		    what, q(b, sizeof(b), w));
	memcpy(host, w, hl);
	host[hl] = '\0';
	if (memchr(host, ':', hl) != NULL)
		return perr(lx, lx->tline, "%s '%s': IPv6 is not supported yet",
		    what, q(b, sizeof(b), w));
	if (br == NULL)
		return 0;
	pl = strlen(br + 1);
	if (pl < 2 || br[pl] != ']' || pl - 1 >= sizeof(pb))
		return perr(lx, lx->tline,
		    "%s '%s': a port is [NUMBER] or [any]", what,
		    q(b, sizeof(b), w));
	memcpy(pb, br + 1, pl - 1);
	pb[pl - 1] = '\0';
	if (strcmp(pb, "any") == 0)
		*port = 0;
	else if (dec(pb, 65535, &v) == 0)
		*port = (long)v;
	else
		return perr(lx, lx->tline,
		    "%s '%s': port '%s' is not a number from 0 to 65535", what,
		    q(b, sizeof(b), w), pb);
	return 0;
}

/* One IPv4 host, as add, get and the tunnel endpoints take it. */
static int
host_addr(struct lex *lx, const char *what, const char *w, const char *host,
    struct addr *a)
{
	char b[80];

	if (strchr(host, '/') != NULL)
		return perr(lx, lx->tline, "%s '%s': a host, not a prefix",
		    what, q(b, sizeof(b), w));
	if (addr_pton(AF_INET, host, a) == -1)
		return perr(lx, lx->tline,
		    "%s '%s': not an IPv4 address (names are not resolved)",
		    what, q(b, sizeof(b), w));
	return 0;
}

/* An SA's address; ports only where allowed (the caller checks). */
static int
p_sa_addr(struct lex *lx, const char *what, struct addr *a, long *port)
{
	char	    host[PREFIX_STRLEN], w[TOK_MAX + 1];
	const char *s;

	if ((s = need_word(lx, what)) == NULL)
		return -1;
	snprintf(w, sizeof(w), "%s", s);
	if (split_port(lx, w, what, host, sizeof(host), port) == -1 ||
	    host_addr(lx, what, w, host, a) == -1)
		return -1;
	return 0;
}

static const struct protodef *
p_proto(struct lex *lx)
{
	const char *w;
	char	    b[80];
	size_t	    i;

	if ((w = need_word(lx, "a protocol (esp or esp-udp)")) == NULL)
		return NULL;
	for (i = 0; i < NPROTOS; i++)
		if (strcmp(protos[i].name, w) == 0) {
			if (protos[i].no != NULL) {
				perr(lx, lx->tline, "%s", protos[i].no);
				return NULL;
			}
			return &protos[i];
		}
	perr(lx, lx->tline, "unknown protocol '%s' (esp or esp-udp)",
	    q(b, sizeof(b), w));
	return NULL;
}

static int
no_ports(struct lex *lx, long sport, long dport, const char *why)
{
	if (sport >= 0 || dport >= 0)
		return perr(lx, lx->tline, "%s", why);
	return 0;
}

/* ---- add ----------------------------------------------------------------- */

static bool
is_aead(enum esp_enc e)
{
	return e == ESP_ENC_AES_GCM_16 || e == ESP_ENC_CHACHA20_POLY1305;
}

/* A key: "quoted" or 0xHEX, at most ESP_KEY_MAX bytes. */
static int
p_key(
    struct lex *lx, const char *opt, const char *alg, uint8_t *key, size_t *len)
{
	const char *w;
	size_t	    i, n;

	if (tok(lx) == T_STR) {
		if (lx->len > ESP_KEY_MAX)
			return perr(lx, lx->tline,
			    "%s %s: the key is longer than %d bytes", opt, alg,
			    ESP_KEY_MAX);
		memcpy(key, lx->buf, lx->len);
		*len = lx->len;
		adv(lx);
		return 0;
	}
	if (tok(lx) != T_WORD || lx->buf[0] != '0' ||
	    (lx->buf[1] != 'x' && lx->buf[1] != 'X'))
		return unexpected(lx,
		    "a key (0x and hex digits, or a quoted "
		    "string)");
	w = lx->buf + 2;
	n = strlen(w);
	if (n == 0 || strspn(w, "0123456789abcdefABCDEF") != n)
		return perr(lx, lx->tline,
		    "%s %s: the key is not hexadecimal after 0x", opt, alg);
	if ((n + 1) / 2 > ESP_KEY_MAX)
		return perr(lx, lx->tline,
		    "%s %s: the key is longer than %d bytes", opt, alg,
		    ESP_KEY_MAX);
	*len = (n + 1) / 2;
	i = 0;
	if (n % 2 == 1) /* setkey: the odd first digit is a byte */
		key[i++] = (uint8_t)hexval(*w++);
	for (; *w != '\0'; w += 2)
		key[i++] = (uint8_t)(hexval(w[0]) << 4 | hexval(w[1]));
	adv(lx);
	return 0;
}

static int
keylen_err(struct lex *lx, unsigned int line, const char *opt,
    const struct esp_algdef *a, size_t len)
{
	char   bits[48];
	size_t i, n = 0;

	bits[0] = '\0';
	for (i = 0; i < 3 && a->keybits[i] != 0; i++)
		n += (size_t)snprintf(bits + n, sizeof(bits) - n, "%s%u",
		    i == 0				      ? "" :
			(i + 1 < 3 && a->keybits[i + 1] != 0) ? ", " :
								" or ",
		    a->keybits[i]);
	return perr(lx, line,
	    "%s %s: a key of %zu bytes (%zu bits) does not fit; it takes %s "
	    "bits",
	    opt, a->name, len, len * 8, bits);
}

static int
p_ext(struct lex *lx, const struct extdef *x, struct esp_sa_params *sa,
    unsigned int *fseen)
{
	const char *w;
	uint64_t    v;
	char	    b[80], what[48];
	size_t	    i;

	snprintf(what, sizeof(what), "the value of %s", x->name);
	if ((w = need_word(lx, what)) == NULL)
		return -1;
	switch (x->kind) {
	case X_MODE:
		for (i = 0; i < NMODES; i++)
			if (strcmp(modes[i].name, w) == 0) {
				sa->mode = modes[i].mode;
				return 0;
			}
		return perr(lx, lx->tline,
		    "-m '%s': the mode is transport, tunnel or any",
		    q(b, sizeof(b), w));
	case X_FLAG:
		for (i = 0; i < NFWORDS; i++)
			if (strcmp(fwords[i].name, w) == 0)
				break;
		if (i == NFWORDS)
			return perr(lx, lx->tline,
			    "-f '%s': unknown (esn, seq-pad, nocyclic-seq)",
			    q(b, sizeof(b), w));
		if (fwords[i].no != NULL)
			return perr(lx, lx->tline, "%s", fwords[i].no);
		if (*fseen & 1u << i)
			return perr(
			    lx, lx->tline, "-f %s given twice", fwords[i].name);
		*fseen |= 1u << i;
		if (fwords[i].esn)
			sa->esn = true;
		return 0;
	default:
		if (dec(w, x->max, &v) == -1)
			return perr(lx, lx->tline,
			    "%s '%s': not a decimal number from 0 to %" PRIu64,
			    x->name, q(b, sizeof(b), w), x->max);
		if (x->kind == X_NUM32) {
			uint32_t v32 = (uint32_t)v;

			memcpy((char *)sa + x->off, &v32, sizeof(v32));
		} else
			memcpy((char *)sa + x->off, &v, sizeof(v));
		return 0;
	}
}

static const struct extdef *
ext_byname(const char *w)
{
	size_t i;

	for (i = 0; i < NEXTS; i++)
		if (strcmp(exts[i].name, w) == 0)
			return &exts[i];
	return NULL;
}

static int
p_algs(struct lex *lx, struct esp_sa_params *sa)
{
	const struct esp_algdef *e, *a;
	const char		*w;
	char			 name[64], b[80];
	unsigned int		 line;

	if (is_word(lx, "-A"))
		return perr(lx, lx->tline,
		    "-A without -E: ESP needs an encryption algorithm (or "
		    "-E null)");
	if (!is_word(lx, "-E"))
		return unexpected(lx, "-E and an encryption algorithm");
	adv(lx);
	if ((w = need_word(lx, "an encryption algorithm")) == NULL)
		return -1;
	line = lx->tline;
	if ((e = esp_alg_byname(w, true)) == NULL) {
		if (esp_alg_byname(w, false) != NULL)
			return perr(lx, line,
			    "-E '%s': an authentication algorithm (for -A)",
			    q(b, sizeof(b), w));
		return perr(lx, line,
		    "-E '%s': unknown or unsupported encryption algorithm",
		    q(b, sizeof(b), w));
	}
	sa->enc = (enum esp_enc)e->enc;
	if (sa->enc == ESP_ENC_NULL) {
		if (tok(lx) == T_STR ||
		    (tok(lx) == T_WORD && lx->buf[0] == '0' &&
			(lx->buf[1] == 'x' || lx->buf[1] == 'X')))
			return perr(lx, lx->tline,
			    "-E null takes no key (as in setkey)");
	} else {
		if (p_key(lx, "-E", e->name, sa->ekey, &sa->ekeylen) == -1)
			return -1;
		/* Not left to esp_enc_keylen_ok: its table ends in zeros. */
		if (sa->ekeylen == 0 ||
		    !esp_enc_keylen_ok(sa->enc, sa->ekeylen))
			return keylen_err(lx, line, "-E", e, sa->ekeylen);
	}
	if (!is_word(lx, "-A")) {
		if (!is_aead(sa->enc))
			return perr(lx, line,
			    "-E %s needs -A: moat does not run ESP without "
			    "integrity",
			    e->name);
		return 0;
	}
	adv(lx);
	if ((w = need_word(lx, "an authentication algorithm")) == NULL)
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)sizeof(name) - 1, w);
	line = lx->tline;
	if (is_aead(sa->enc))
		return perr(lx, line,
		    "-E %s is an AEAD (it has its own integrity): no -A %s",
		    e->name, q(b, sizeof(b), name));
	if ((a = esp_alg_byname(name, false)) == NULL) {
		if (strcmp(name, "null") == 0)
			return perr(lx, line,
			    "-A null: moat does not run ESP without integrity");
		if (esp_alg_byname(name, true) != NULL)
			return perr(lx, line,
			    "-A '%s': an encryption algorithm (for -E)",
			    q(b, sizeof(b), name));
		return perr(lx, line,
		    "-A '%s': unknown or unsupported authentication algorithm",
		    q(b, sizeof(b), name));
	}
	sa->auth = (enum esp_auth)a->auth;
	if (p_key(lx, "-A", a->name, sa->akey, &sa->akeylen) == -1)
		return -1;
	if (sa->akeylen == 0 || !esp_auth_keylen_ok(sa->auth, sa->akeylen))
		return keylen_err(lx, line, "-A", a, sa->akeylen);
	return 0;
}

static int
p_add(struct lex *lx, const struct opdef *d, struct esp_op *op)
{
	struct esp_sa_params  *sa = &op->sa;
	const struct protodef *pr;
	const struct extdef   *x;
	unsigned int	       seen = 0, fseen = 0;
	long		       sport, dport;
	size_t		       i;

	(void)d;
	sa->mode = ESP_MODE_ANY;
	if (p_flags46(lx) == -1 ||
	    p_sa_addr(lx, "source", &sa->src, &sport) == -1 ||
	    p_sa_addr(lx, "destination", &sa->dst, &dport) == -1 ||
	    (pr = p_proto(lx)) == NULL)
		return -1;
	if (pr->udp) {
		/* parse.y: esp-udp ADDR names the NAT-OA. */
		if (tok(lx) == T_WORD && strchr(lx->buf, '.') != NULL)
			return perr(lx, lx->tline,
			    "esp-udp with an original address (NAT-OA) is "
			    "not supported");
		sa->udp_encap = true;
		sa->sport = sport > 0 ? (uint16_t)sport : NATT_PORT;
		sa->dport = dport > 0 ? (uint16_t)dport : NATT_PORT;
	} else if (no_ports(lx, sport, dport,
		       "ports are for esp-udp only (UDP encapsulation)") == -1)
		return -1;
	if (p_spi_value(lx, &sa->spi) == -1)
		return -1;
	while (tok(lx) == T_WORD && (x = ext_byname(lx->buf)) != NULL) {
		i = (size_t)(x - exts);
		if (x->kind == X_NO)
			return perr(lx, lx->tline, "%s", x->no);
		if (x->kind != X_FLAG && (seen & 1u << i))
			return perr(lx, lx->tline, "%s given twice", x->name);
		seen |= 1u << i;
		adv(lx);
		if (p_ext(lx, x, sa, &fseen) == -1)
			return -1;
	}
	if (tok(lx) == T_WORD && lx->buf[0] == '-' && !is_word(lx, "-E") &&
	    !is_word(lx, "-A")) {
		char b[80];

		return perr(lx, lx->tline, "unknown extension '%s'",
		    q(b, sizeof(b), lx->buf));
	}
	if (p_algs(lx, sa) == -1)
		return -1;
	if (tok(lx) == T_WORD && ext_byname(lx->buf) != NULL)
		return perr(lx, lx->tline,
		    "%s after the algorithms: extensions come before -E",
		    lx->buf);
	if (sa->esn && sa->replay == 0)
		return perr(lx, op->line,
		    "-f esn needs a replay window (-r): the receiver infers "
		    "the high 32 bits from it (RFC 4303 A2)");
	return need_semi(lx);
}

/* ---- get, delete, deleteall, flush, dump ---------------------------- */

static int
p_sa(struct lex *lx, const struct opdef *d, struct esp_op *op)
{
	long sport, dport;

	(void)d;
	if (p_flags46(lx) == -1 ||
	    p_sa_addr(lx, "source", &op->sa.src, &sport) == -1 ||
	    p_sa_addr(lx, "destination", &op->sa.dst, &dport) == -1 ||
	    no_ports(lx, sport, dport,
		"an SA is named by its addresses and SPI; no ports") == -1 ||
	    p_proto(lx) == NULL || p_spi_value(lx, &op->sa.spi) == -1)
		return -1;
	return need_semi(lx);
}

static int
p_deleteall(struct lex *lx, const struct opdef *d, struct esp_op *op)
{
	long sport, dport;

	(void)d;
	if (p_flags46(lx) == -1 ||
	    p_sa_addr(lx, "source", &op->sa.src, &sport) == -1 ||
	    p_sa_addr(lx, "destination", &op->sa.dst, &dport) == -1 ||
	    no_ports(lx, sport, dport,
		"SAs are named by their addresses; no ports") == -1 ||
	    p_proto(lx) == NULL)
		return -1;
	return need_semi(lx);
}

/* flush and dump: every SA of moat's is ESP, so "esp" changes nothing. */
static int
p_all(struct lex *lx, const struct opdef *d, struct esp_op *op)
{
	(void)d;
	(void)op;
	if (tok(lx) == T_WORD && p_proto(lx) == NULL)
		return -1;
	return need_semi(lx);
}

static int
p_spdall(struct lex *lx, const struct opdef *d, struct esp_op *op)
{
	(void)d;
	(void)op;
	return need_semi(lx);
}

/* ---- spdadd, spddelete --------------------------------------------- */

static int
p_range(struct lex *lx, const char *what, struct prefix *p, uint16_t *port)
{
	char	    host[PREFIX_STRLEN], w[TOK_MAX + 1], b[80];
	const char *s, *why;
	long	    pt;

	if ((s = need_word(lx, what)) == NULL)
		return -1;
	snprintf(w, sizeof(w), "%s", s);
	if (split_port(lx, w, what, host, sizeof(host), &pt) == -1)
		return -1;
	if (prefix_parse(AF_INET, host, p, &why) == -1)
		return perr(lx, lx->tline, "%s '%s': %s", what,
		    q(b, sizeof(b), w), why);
	*port = pt > 0 ? (uint16_t)pt : 0;
	return 0;
}

static int
p_upper(struct lex *lx, uint8_t *proto)
{
	const char *w;
	uint64_t    v;
	char	    b[80];
	size_t	    i;

	if ((w = need_word(lx, "an upper-layer protocol")) == NULL)
		return -1;
	for (i = 0; i < NUPPERS; i++)
		if (strcmp(uppers[i].name, w) == 0) {
			*proto = uppers[i].proto;
			return 0;
		}
	if (strcmp(w, "icmp6") == 0 || strcmp(w, "ipv6-icmp") == 0)
		return perr(lx, lx->tline, "%s: IPv6 is not supported yet", w);
	if (dec(w, 255, &v) == -1)
		return perr(lx, lx->tline,
		    "upper-layer protocol '%s': not a known name or a number "
		    "from 0 to 255",
		    q(b, sizeof(b), w));
	/* Linux keeps 255 (setkey's any) as 0, and 0 matches any. */
	*proto = v == 0 ? ESP_PROTO_ANY : (uint8_t)v;
	return 0;
}

/* "prio ..." or "priority ...", after the direction. */
static int
p_prio(struct lex *lx, int32_t *prio)
{
	const char *w;
	char	    b[80];
	long	    base = 0;
	uint64_t    n;
	int	    sign = 0;
	bool	    based = true;
	int64_t	    v;

	adv(lx);
	if ((w = need_word(lx, "a priority")) == NULL)
		return -1;
	if (strcmp(w, "def") == 0)
		base = 0;
	else if (strcmp(w, "high") == 0)
		base = PRIO_HIGH;
	else if (strcmp(w, "low") == 0)
		base = PRIO_LOW;
	else
		based = false;
	if (based) {
		if (tok(lx) != T_WORD ||
		    (lx->buf[0] != '+' && lx->buf[0] != '-')) {
			*prio = (int32_t)base;
			return 0;
		}
		w = lx->buf;
		adv(lx);
	}
	if (w[0] == '+' && based)
		sign = 1;
	else if (w[0] == '-')
		sign = -1;
	if (sign != 0 && w[1] == '\0') {
		if ((w = need_word(lx, "a priority offset")) == NULL)
			return -1;
	} else if (sign != 0)
		w++;
	if (based) {
		if (dec(w, sign > 0 ? PRIO_PLUS_MAX : PRIO_MINUS_MAX, &n) == -1)
			return perr(lx, lx->tline,
			    "priority offset '%s': not a number from 0 to %ld",
			    q(b, sizeof(b), w),
			    sign > 0 ? PRIO_PLUS_MAX : PRIO_MINUS_MAX);
		/* "B + N" comes first: B - N on the kernel's scale. */
		v = (int64_t)base + (sign > 0 ? -(int64_t)n : (int64_t)n);
	} else {
		if (dec(w, sign < 0 ? 2147483647 : 2147483648u, &n) == -1)
			return perr(lx, lx->tline,
			    "priority '%s%s': not a number from -2147483647 to "
			    "2147483648, or def, high or low",
			    sign < 0 ? "-" : "", q(b, sizeof(b), w));
		v = sign < 0 ? (int64_t)n : -(int64_t)n;
	}
	*prio = (int32_t)v;
	return 0;
}

/* esp/MODE/[SRC-DST]/[LEVEL[:REQID]], as ipsec_set_policy(3) takes it. */
static int
p_request(struct lex *lx, struct esp_spd_params *sp)
{
	char	    w[TOK_MAX + 1], b[80], *f[5], *s, *dash, *colon;
	const char *t;
	int	    nf = 0, i;
	uint64_t    v;

	if ((t = need_word(lx, "an IPsec request (esp/MODE/SRC-DST/LEVEL)")) ==
	    NULL)
		return -1;
	snprintf(w, sizeof(w), "%s", t);
	for (s = w; nf < 5;) {
		f[nf++] = s;
		if ((s = strchr(s, '/')) == NULL)
			break;
		*s++ = '\0';
	}
	if (nf == 5)
		return perr(lx, lx->tline,
		    "request '%s': too many '/' (esp/MODE/SRC-DST/LEVEL)",
		    q(b, sizeof(b), t));
	if (strcmp(f[0], "ah") == 0)
		return perr(lx, lx->tline,
		    "AH is not supported (moat does ESP "
		    "only)");
	if (strcmp(f[0], "ipcomp") == 0)
		return perr(lx, lx->tline, "IPComp is not supported");
	if (strcmp(f[0], "esp") != 0)
		return perr(lx, lx->tline, "request '%s': the protocol is esp",
		    q(b, sizeof(b), t));
	if (nf < 2 || f[1][0] == '\0')
		return perr(lx, lx->tline,
		    "request '%s': esp needs a mode (transport or tunnel)",
		    q(b, sizeof(b), t));
	if (strcmp(f[1], "transport") == 0)
		sp->mode = ESP_MODE_TRANSPORT;
	else if (strcmp(f[1], "tunnel") == 0)
		sp->mode = ESP_MODE_TUNNEL;
	else
		return perr(lx, lx->tline,
		    "request '%s': the mode is transport or tunnel",
		    q(b, sizeof(b), t));
	if (nf > 2 && f[2][0] != '\0') {
		if (sp->mode == ESP_MODE_TRANSPORT)
			return perr(lx, lx->tline,
			    "request '%s': transport mode takes no endpoints "
			    "(esp/transport//LEVEL)",
			    q(b, sizeof(b), t));
		if ((dash = strchr(f[2], '-')) == NULL)
			return perr(lx, lx->tline,
			    "request '%s': the endpoints are SRC-DST",
			    q(b, sizeof(b), t));
		*dash++ = '\0';
		if (strchr(f[2], ':') != NULL || strchr(dash, ':') != NULL)
			return perr(lx, lx->tline,
			    "request '%s': IPv6 is not supported yet",
			    q(b, sizeof(b), t));
		if (strchr(f[2], '[') != NULL || strchr(dash, '[') != NULL)
			return perr(lx, lx->tline,
			    "request '%s': ports in the endpoints are not "
			    "supported (moat finds the SA by its addresses)",
			    q(b, sizeof(b), t));
		if (addr_pton(AF_INET, f[2], &sp->tsrc) == -1 ||
		    addr_pton(AF_INET, dash, &sp->tdst) == -1)
			return perr(lx, lx->tline,
			    "request '%s': the endpoints are two IPv4 "
			    "addresses (me and any are not supported)",
			    q(b, sizeof(b), t));
	} else if (sp->mode == ESP_MODE_TUNNEL)
		return perr(lx, lx->tline,
		    "request '%s': tunnel mode needs the endpoints "
		    "(esp/tunnel/SRC-DST/LEVEL)",
		    q(b, sizeof(b), t));
	sp->level = ESP_LEVEL_DEFAULT;
	if (nf > 3 && f[3][0] != '\0') {
		if ((colon = strchr(f[3], ':')) != NULL)
			*colon++ = '\0';
		if ((i = INDEX_OF(levels, f[3])) < 0)
			return perr(lx, lx->tline,
			    "request '%s': the level is default, use, require "
			    "or unique",
			    q(b, sizeof(b), t));
		sp->level = (enum esp_level)i;
		if (colon != NULL) {
			if (sp->level != ESP_LEVEL_UNIQUE ||
			    dec(colon, REQID_UNIQUE_MAX, &v) == -1 || v == 0)
				return perr(lx, lx->tline,
				    "request '%s': only unique takes an id, "
				    "unique:N with N from 1 to %d",
				    q(b, sizeof(b), t), REQID_UNIQUE_MAX);
			sp->reqid = (uint32_t)v;
		}
	}
	if (tok(lx) == T_WORD && op_byname(lx->buf) == NULL)
		return perr(lx, lx->tline,
		    "only one IPsec request (one ESP SA) per policy");
	return 0;
}

/* -P DIRECTION [PRIORITY] discard|none|ipsec REQUEST; spddelete stops
 * after the direction, or takes the whole policy and keeps the
 * direction. */
static int
p_policy(struct lex *lx, struct esp_spd_params *sp, bool del)
{
	const char *w;
	char	    b[80];
	int	    i;

	if (is_word(lx, "-ctx"))
		return perr(lx, lx->tline,
		    "security contexts (-ctx) are not supported");
	if (tok(lx) == T_WORD && lx->buf[0] != '-' &&
	    INDEX_OF(actions, lx->buf) < 0)
		return perr(lx, lx->tline,
		    "'%s' after the upper-layer protocol: ICMP types and GRE "
		    "keys are not supported",
		    q(b, sizeof(b), lx->buf));
	if (!is_word(lx, "-P"))
		return unexpected(lx, "-P and a direction");
	adv(lx);
	if ((w = need_word(lx, "a direction (in, out or fwd)")) == NULL)
		return -1;
	if ((i = INDEX_OF(dirs, w)) < 0)
		return perr(lx, lx->tline, "direction '%s': in, out or fwd",
		    q(b, sizeof(b), w));
	sp->dir = (enum esp_dir)i;
	if (del && tok(lx) == T_SEMI)
		return 0;
	if ((is_word(lx, "prio") || is_word(lx, "priority")) &&
	    p_prio(lx, &sp->priority) == -1)
		return -1;
	if ((w = need_word(lx, "discard, none or ipsec")) == NULL)
		return -1;
	if ((i = INDEX_OF(actions, w)) < 0)
		return perr(lx, lx->tline,
		    "policy '%s': discard, none or ipsec%s", q(b, sizeof(b), w),
		    strcmp(w, "bypass") == 0 || strcmp(w, "entrust") == 0 ?
			" (bypass and entrust are for sockets)" :
			"");
	sp->action = (enum esp_action)i;
	if (sp->action != ESP_ACT_PROTECT) {
		if (tok(lx) == T_WORD && op_byname(lx->buf) == NULL)
			return perr(lx, lx->tline, "%s takes no IPsec request",
			    actions[i]);
		return 0;
	}
	if (tok(lx) != T_WORD || op_byname(lx->buf) != NULL)
		return unexpected(lx, "an IPsec request after ipsec");
	return p_request(lx, sp);
}

static int
p_spd(struct lex *lx, const struct opdef *d, struct esp_op *op)
{
	struct esp_spd_params *sp = &op->sp;
	bool		       del = d->kind == ESP_OP_SPDDELETE;

	if (is_word(lx, "tagged"))
		return perr(lx, lx->tline, "tagged policies are not supported");
	if (p_flags46(lx) == -1 ||
	    p_range(lx, "source range", &sp->sel.src, &sp->sel.sport) == -1 ||
	    p_range(lx, "destination range", &sp->sel.dst, &sp->sel.dport) ==
		-1 ||
	    p_upper(lx, &sp->sel.proto) == -1)
		return -1;
	if ((sp->sel.sport != 0 || sp->sel.dport != 0) && sp->sel.proto != 6 &&
	    sp->sel.proto != 17)
		return perr(lx, lx->tline,
		    "ports need tcp or udp as the upper-layer protocol");
	if (p_policy(lx, sp, del) == -1)
		return -1;
	if (del) {
		/* spddelete names a policy by its selectors and direction. */
		enum esp_dir   dir = sp->dir;
		struct esp_sel sel = sp->sel;

		memset(sp, 0, sizeof(*sp));
		sp->sel = sel;
		sp->dir = dir;
	}
	return need_semi(lx);
}

/* ---- The file ------------------------------------------------------------ */

/* After an error: on to the operation's ';', or to the next operation's
 * name if the ';' is missing. */
static void
recover(struct lex *lx)
{
	for (;;) {
		switch (tok(lx)) {
		case T_EOF:
			return;
		case T_SEMI:
			adv(lx);
			return;
		case T_WORD:
			if (op_byname(lx->buf) != NULL)
				return;
			/* FALLTHROUGH */
		default:
			adv(lx);
		}
	}
}

static void
ops_free(struct esp_op *v, size_t n)
{
	if (v != NULL) {
		explicit_bzero(v, n * sizeof(*v));
		free(v);
	}
}

/* Double the array; the old one is wiped, since it holds keys. */
static int
ops_grow(struct esp_op **v, size_t n, size_t *cap)
{
	struct esp_op *nv;
	size_t	       ncap = *cap != 0 ? 2 * *cap : 16;

	if (ncap > SIZE_MAX / sizeof(*nv) ||
	    (nv = malloc(ncap * sizeof(*nv))) == NULL)
		return -1;
	if (n > 0)
		memcpy(nv, *v, n * sizeof(*nv));
	ops_free(*v, n);
	*v = nv;
	*cap = ncap;
	return 0;
}

int
esp_setkey_parse(
    FILE *f, const char *file, struct esp_op **opsp, size_t *nops, FILE *err)
{
	struct lex lx = { .f = f, .file = file, .err = err, .line = 1 };
	const struct opdef *d;
	struct esp_op	   *v = NULL, op;
	size_t		    n = 0, cap = 0;
	char		    b[80];
	int		    rc = -1;

	*opsp = NULL;
	*nops = 0;
	for (;;) {
		lx.op = NULL;
		switch (tok(&lx)) {
		case T_EOF:
			goto done;
		case T_ERR:
			recover(&lx);
			continue;
		case T_SEMI:
			perr(&lx, lx.tline, "';' without an operation");
			adv(&lx);
			continue;
		case T_STR:
			perr(&lx, lx.tline,
			    "a quoted string where an operation should be");
			recover(&lx);
			continue;
		case T_WORD:
			break;
		}
		if ((d = op_byname(lx.buf)) == NULL || d->parse == NULL) {
			perr(&lx, lx.tline,
			    d == NULL ? "unknown operation '%s'" :
					"'%s' is not supported by moat",
			    q(b, sizeof(b), lx.buf));
			adv(&lx);
			recover(&lx);
			continue;
		}
		memset(&op, 0, sizeof(op));
		op.kind = d->kind;
		op.line = lx.tline;
		lx.op = d->name;
		lx.opline = lx.tline;
		adv(&lx);
		if (d->parse(&lx, d, &op) == -1) {
			recover(&lx);
			continue;
		}
		if (lx.nerr > 0)
			continue; /* nothing will be returned */
		if (n == cap && ops_grow(&v, n, &cap) == -1) {
			lx.op = NULL;
			perr(&lx, op.line, "out of memory");
			break;
		}
		v[n++] = op;
	}
done:
	lx.op = NULL;
	if (ferror(f))
		perr(&lx, lx.line, "read error: %s", strerror(errno));
	if (lx.nerr == 0) {
		*opsp = v;
		*nops = n;
		v = NULL;
		rc = 0;
	}
	ops_free(v, n);
	explicit_bzero(&op, sizeof(op));
	explicit_bzero(lx.buf, sizeof(lx.buf));
	return rc;
}

/* ---- The printer --------------------------------------------------------- */

static void
print_key(const uint8_t *k, size_t n, FILE *f)
{
	size_t i;

	fputs(" 0x", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", k[i]);
}

static void
print_sa_addrs(const struct esp_sa_params *sa, bool ports, FILE *f)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];

	addr_ntop(&sa->src, s, sizeof(s));
	addr_ntop(&sa->dst, d, sizeof(d));
	if (ports)
		fprintf(f, " %s[%u] %s[%u]", s, sa->sport, d, sa->dport);
	else
		fprintf(f, " %s %s", s, d);
}

static void
print_add(const struct esp_sa_params *sa, FILE *f)
{
	uint64_t v;
	uint32_t v32;
	size_t	 i;

	print_sa_addrs(sa, sa->udp_encap, f);
	fprintf(f, " %s 0x%x", sa->udp_encap ? "esp-udp" : "esp", sa->spi);
	for (i = 0; i < NEXTS; i++) {
		switch (exts[i].kind) {
		case X_MODE:
			if (sa->mode != ESP_MODE_ANY)
				fprintf(f, " -m %s", mode_name(sa->mode));
			break;
		case X_FLAG:
			if (sa->esn)
				fputs(" -f esn", f);
			break;
		case X_NUM32:
			memcpy(
			    &v32, (const char *)sa + exts[i].off, sizeof(v32));
			if (v32 != 0)
				fprintf(f, " %s %" PRIu32, exts[i].name, v32);
			break;
		case X_NUM64:
			memcpy(&v, (const char *)sa + exts[i].off, sizeof(v));
			if (v != 0)
				fprintf(f, " %s %" PRIu64, exts[i].name, v);
			break;
		case X_NO:
			break;
		}
	}
	fprintf(f, " -E %s", esp_enc_name(sa->enc));
	if (sa->enc != ESP_ENC_NULL)
		print_key(sa->ekey, sa->ekeylen, f);
	if (sa->auth != ESP_AUTH_NONE) {
		fprintf(f, " -A %s", esp_auth_name(sa->auth));
		print_key(sa->akey, sa->akeylen, f);
	}
}

static void
print_range(const struct prefix *p, uint16_t port, FILE *f)
{
	char b[PREFIX_STRLEN];

	fprintf(f, " %s", prefix_ntop(p, b, sizeof(b)));
	if (port != 0)
		fprintf(f, "[%u]", port);
}

/* As ipsec_dump_policy(3) writes it: the nearest of high, def and low,
 * then the offset, "+" towards the front. */
static void
print_prio(int32_t prio, FILE *f)
{
	const char *base;
	int64_t	    off;

	if (prio == 0)
		return;
	if (prio < -(1L << 29)) {
		base = "high";
		off = (int64_t)prio - PRIO_HIGH;
	} else if (prio < (1L << 29)) {
		base = "def";
		off = prio;
	} else {
		base = "low";
		off = (int64_t)prio - PRIO_LOW;
	}
	if (off == 0)
		fprintf(f, " prio %s", base);
	else
		fprintf(f, " prio %s %c %" PRId64, base, off < 0 ? '+' : '-',
		    off < 0 ? -off : off);
}

static const char *
upper_name(uint8_t proto, char *b, size_t n)
{
	size_t i;

	for (i = 0; i < NUPPERS; i++)
		if (uppers[i].proto == proto)
			return uppers[i].name;
	snprintf(b, n, "%u", proto);
	return b;
}

static void
print_spd(const struct esp_op *op, FILE *f)
{
	const struct esp_spd_params *sp = &op->sp;
	char			     s[ADDR_STRLEN], d[ADDR_STRLEN], u[8];

	print_range(&sp->sel.src, sp->sel.sport, f);
	print_range(&sp->sel.dst, sp->sel.dport, f);
	fprintf(f, " %s -P %s", upper_name(sp->sel.proto, u, sizeof(u)),
	    sp->dir <= ESP_DIR_FWD ? dirs[sp->dir] : "?");
	if (op->kind == ESP_OP_SPDDELETE)
		return;
	print_prio(sp->priority, f);
	fprintf(f, " %s",
	    sp->action <= ESP_ACT_PROTECT ? actions[sp->action] : "?");
	if (sp->action != ESP_ACT_PROTECT)
		return;
	if (sp->mode == ESP_MODE_TUNNEL)
		fprintf(f, " esp/tunnel/%s-%s/",
		    addr_ntop(&sp->tsrc, s, sizeof(s)),
		    addr_ntop(&sp->tdst, d, sizeof(d)));
	else
		fputs(" esp/transport//", f);
	fputs(sp->level <= ESP_LEVEL_UNIQUE ? levels[sp->level] : "?", f);
	if (sp->level == ESP_LEVEL_UNIQUE && sp->reqid != 0)
		fprintf(f, ":%" PRIu32, sp->reqid);
}

void
esp_op_print(const struct esp_op *op, FILE *f)
{
	const struct opdef *d = op_bykind(op->kind);

	fputs(d != NULL ? d->name : "?", f);
	switch (op->kind) {
	case ESP_OP_ADD:
		print_add(&op->sa, f);
		break;
	case ESP_OP_GET:
	case ESP_OP_DELETE:
		print_sa_addrs(&op->sa, false, f);
		fprintf(f, " esp 0x%x", op->sa.spi);
		break;
	case ESP_OP_DELETEALL:
		print_sa_addrs(&op->sa, false, f);
		fputs(" esp", f);
		break;
	case ESP_OP_SPDADD:
	case ESP_OP_SPDDELETE:
		print_spd(op, f);
		break;
	default:
		break;
	}
	fputs(" ;\n", f);
}
