/*
 * Import of firewall shell scripts: the iptables commands of a script,
 * expanded as sh(1) would expand them, applied to an empty ruleset.
 *
 * What is understood: comments; '\' line continuations; a line starting
 * with an option after an iptables line continues it even without the
 * backslash (with a warning: the shell would run it as a command of its
 * own and fail); single and double quotes and backslash escapes; $NAME and
 * ${NAME} from --var, assignments in the script, or the environment, in
 * that order; $1..$9 and ${N} as the shell expands them (empty when not
 * given, with a warning: "$10.0.1.1" is "${1}0.0.1.1"); field splitting of
 * unquoted expansions; "sudo" before the command; NAME=VALUE and
 * export NAME=VALUE assignments. A command ends at an
 * unquoted ';', '&', '|' or redirection, and the rest of the line is
 * ignored with a warning. Every other shell line is skipped with a
 * warning that names it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fw_int.h"

#define IMP_MAXWORDS 512

struct var {
	char *name;
	char *value;
	bool  fixed; /* from --var: assignments keep it */
};

struct importer {
	struct fw_ruleset *rs;
	struct fw_diag	  *d;
	struct var	  *vars;
	size_t		   nvars;
	char		 **pos; /* positional parameters $1.. */
	int		   npos;
	bool		   env;
};

/* A growing string. */
struct str {
	char  *p;
	size_t len, cap;
};

static int
str_addn(struct str *s, const char *p, size_t n)
{
	char  *np;
	size_t cap;

	if (s->len + n + 1 > s->cap) {
		cap = s->cap ? s->cap : 64;
		while (cap < s->len + n + 1)
			cap *= 2;
		if ((np = realloc(s->p, cap)) == NULL)
			return -1;
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
	return 0;
}

static int
str_addc(struct str *s, char c)
{
	return str_addn(s, &c, 1);
}

static struct var *
var_find(struct importer *im, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < im->nvars; i++)
		if (strlen(im->vars[i].name) == n &&
		    strncmp(im->vars[i].name, name, n) == 0)
			return &im->vars[i];
	return NULL;
}

static int
var_set(struct importer *im, const char *name, size_t n, const char *value,
    bool fixed)
{
	struct var *v, *nv;

	if ((v = var_find(im, name, n)) != NULL) {
		if (v->fixed && !fixed) {
			fw_warn(im->d,
			    "assignment to %.*s ignored: --var %.*s "
			    "fixes its value",
			    (int)n, name, (int)n, name);
			return 0;
		}
		free(v->value);
		v->value = strdup(value);
		v->fixed = fixed;
		return v->value ? 0 : -1;
	}
	if ((nv = reallocarray(im->vars, im->nvars + 1, sizeof(*nv))) == NULL)
		return -1;
	im->vars = nv;
	v = &im->vars[im->nvars];
	v->name = strndup(name, n);
	v->value = strdup(value);
	v->fixed = fixed;
	if (v->name == NULL || v->value == NULL) {
		free(v->name);
		free(v->value);
		return -1;
	}
	im->nvars++;
	return 0;
}

/* The value of $NAME or of a positional parameter; NULL if unset. */
static const char *
lookup(struct importer *im, const char *name, size_t n, bool *positional)
{
	struct var *v;
	char	    buf[128];
	long	    k;

	*positional = isdigit((unsigned char)name[0]);
	if (*positional) {
		k = strtol(name, NULL, 10);
		return k >= 1 && k <= im->npos ? im->pos[k - 1] : NULL;
	}
	if ((v = var_find(im, name, n)) != NULL)
		return v->value;
	if (im->env && n < sizeof(buf)) {
		memcpy(buf, name, n);
		buf[n] = '\0';
		return getenv(buf);
	}
	return NULL;
}

/*
 * Expand a $ reference at s (s[0] == '$'). Appends the value to out and
 * returns the characters consumed. *split tells the caller whether the
 * value came unquoted (for field splitting).
 */
static size_t
expand(struct importer *im, const char *s, struct str *out)
{
	const char *name, *val;
	size_t	    n, used;
	bool	    positional;

	if (s[1] == '{') {
		name = s + 2;
		for (n = 0; name[n] != '\0' && name[n] != '}'; n++)
			;
		if (name[n] != '}' || n == 0) {
			fw_warn(im->d,
			    "'${' without a closing '}' taken as "
			    "it is");
			str_addc(out, '$');
			return 1;
		}
		used = n + 3;
	} else if (isdigit((unsigned char)s[1])) {
		name = s + 1;
		n = 1; /* the shell reads one digit: $10 is ${1}0 */
		used = 2;
		if (isdigit((unsigned char)s[2]))
			fw_finding(im->d, false, im->d->line,
			    "shell-positional",
			    "write the literal value, or ${NAME} for a "
			    "variable",
			    "'$%c%c' is the positional parameter $%c "
			    "followed by '%c', as the shell reads it "
			    "(${%c}%c)",
			    s[1], s[2], s[1], s[2], s[1], s[2]);
	} else if (isalpha((unsigned char)s[1]) || s[1] == '_') {
		name = s + 1;
		for (n = 0; isalnum((unsigned char)name[n]) || name[n] == '_';
		     n++)
			;
		used = n + 1;
	} else if (s[1] != '\0' && strchr("@*#?$!-", s[1]) != NULL) {
		fw_warn(im->d,
		    "'$%c' is not known here; it expands to "
		    "nothing",
		    s[1]);
		return 2;
	} else {
		str_addc(out, '$');
		return 1;
	}
	if ((val = lookup(im, name, n, &positional)) == NULL) {
		if (positional)
			fw_warn(im->d,
			    "positional parameter $%.*s is not set "
			    "and expands to nothing (pass it after the "
			    "script's name)",
			    (int)n, name);
		else
			fw_warn(im->d,
			    "variable $%.*s is not set and expands "
			    "to nothing (give it with --var %.*s=VALUE)",
			    (int)n, name, (int)n, name);
		return used;
	}
	str_addn(out, val, strlen(val));
	return used;
}

struct words {
	char *w[IMP_MAXWORDS];
	int   n;
};

static int
word_end(struct words *ws, struct str *cur, bool *inword)
{
	if (!*inword)
		return 0;
	if (ws->n == IMP_MAXWORDS - 1)
		return -1;
	if ((ws->w[ws->n++] = strdup(cur->p ? cur->p : "")) == NULL)
		return -1;
	cur->len = 0;
	if (cur->p != NULL)
		cur->p[0] = '\0';
	*inword = false;
	return 0;
}

/* Split an expanded unquoted value on blanks into the current word and
 * further words. */
static int
add_split(struct words *ws, struct str *cur, bool *inword, const char *v)
{
	for (; *v != '\0'; v++) {
		if (isspace((unsigned char)*v)) {
			if (word_end(ws, cur, inword) == -1)
				return -1;
			continue;
		}
		*inword = true;
		if (str_addc(cur, *v) == -1)
			return -1;
	}
	return 0;
}

static void
words_free(struct words *ws)
{
	int i;

	for (i = 0; i < ws->n; i++)
		free(ws->w[i]);
	ws->n = 0;
}

/* Words of one logical line, as the shell would make them; stops at the
 * end of the first command. On error no words are left. */
static int
shell_words(
    struct importer *im, const char *s, struct words *ws, const char **rest)
{
	struct str cur = { 0 }, val = { 0 };
	bool	   inword = false;
	char	   q = 0;
	int	   rc = -1;

	ws->n = 0;
	*rest = NULL;
	for (; *s != '\0'; s++) {
		if (q == '\'') {
			if (*s == '\'')
				q = 0;
			else if (str_addc(&cur, *s) == -1)
				goto out;
			continue;
		}
		if (q == '"') {
			if (*s == '"') {
				q = 0;
			} else if (*s == '\\' && s[1] != '\0' &&
			    strchr("$`\"\\", s[1]) != NULL) {
				if (str_addc(&cur, *++s) == -1)
					goto out;
			} else if (*s == '$') {
				s += expand(im, s, &cur) - 1;
			} else if (str_addc(&cur, *s) == -1)
				goto out;
			continue;
		}
		if (isspace((unsigned char)*s)) {
			if (word_end(ws, &cur, &inword) == -1)
				goto out;
			continue;
		}
		if (*s == '#' && !inword)
			break;
		if (strchr(";&|<>", *s) != NULL ||
		    (isdigit((unsigned char)*s) && !inword && s[1] == '>')) {
			*rest = s;
			break;
		}
		if (*s == '$') {
			/* Unquoted: split into fields; empty makes no word. */
			val.len = 0;
			if (val.p != NULL)
				val.p[0] = '\0';
			s += expand(im, s, &val) - 1;
			if (val.p != NULL &&
			    add_split(ws, &cur, &inword, val.p) == -1)
				goto out;
			continue;
		}
		inword = true;
		if (*s == '\'' || *s == '"') {
			q = *s;
		} else if (*s == '\\' && s[1] != '\0') {
			if (str_addc(&cur, *++s) == -1)
				goto out;
		} else if (str_addc(&cur, *s) == -1)
			goto out;
	}
	if (q != 0) {
		fw_error(im->d, "unterminated %s quote",
		    q == '"' ? "double" : "single");
		goto out;
	}
	if (word_end(ws, &cur, &inword) == -1)
		goto out;
	ws->w[ws->n] = NULL;
	rc = 0;
out:
	if (rc == -1)
		words_free(ws);
	free(cur.p);
	free(val.p);
	return rc;
}

static bool
is_iptables(const char *w)
{
	const char *base = strrchr(w, '/');

	base = base ? base + 1 : w;
	return strcmp(base, "iptables") == 0 ||
	    strcmp(base, "iptables-legacy") == 0 ||
	    strcmp(base, "iptables-nft") == 0;
}

/* NAME=VALUE as the only word(s) of a command: an assignment. */
static bool
assignment(const char *line, size_t *namelen)
{
	size_t n;

	while (isspace((unsigned char)*line))
		line++;
	if (!isalpha((unsigned char)line[0]) && line[0] != '_')
		return false;
	for (n = 0; isalnum((unsigned char)line[n]) || line[n] == '_'; n++)
		;
	*namelen = n;
	return line[n] == '=';
}

/* One logical line (continuations joined). */
static int
import_line(struct importer *im, const char *line)
{
	struct words ws = { .n = 0 };
	const char  *rest, *p;
	size_t	     n;
	int	     first, rc = -1;

	for (p = line; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0' || *p == '#')
		return 0;
	if (strncmp(p, "export ", 7) == 0 && assignment(p + 7, &n))
		for (p += 7; isspace((unsigned char)*p); p++)
			;
	if (assignment(p, &n)) {
		if (shell_words(im, p + n + 1, &ws, &rest) == -1)
			return -1;
		if (ws.n > 1 || rest != NULL)
			fw_warn(im->d,
			    "line skipped: only simple assignments "
			    "(NAME=VALUE) are understood");
		else
			rc = var_set(im, p, n, ws.n ? ws.w[0] : "", false);
		if (ws.n > 1 || rest != NULL)
			rc = 0;
		words_free(&ws);
		return rc;
	}
	if (shell_words(im, p, &ws, &rest) == -1)
		return -1;
	first = ws.n > 0 && strcmp(ws.w[0], "sudo") == 0 ? 1 : 0;
	if (ws.n <= first || !is_iptables(ws.w[first])) {
		fw_warn(im->d, "shell line skipped: '%s'", ws.n ? ws.w[0] : p);
		words_free(&ws);
		return 0;
	}
	if (rest != NULL)
		fw_warn(im->d,
		    "'%s' and what follows it is shell, not part of "
		    "the iptables command; ignored",
		    rest);
	rc = fw_command_in(
	    im->rs, -1, ws.n - first - 1, ws.w + first + 1, im->d, im->d->line);
	words_free(&ws);
	return rc;
}

static bool
starts_with_option(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return (s[0] == '-' && s[1] != '\0') || (s[0] == '!' && s[1] == ' ');
}

/* The next line without its newline; false at the end of the file. */
static bool
read_line(FILE *f, char **line, size_t *cap, size_t *n, unsigned int *lineno)
{
	if (getline(line, cap, f) == -1) {
		*n = 0;
		return false;
	}
	(*lineno)++;
	*n = strcspn(*line, "\r\n");
	(*line)[*n] = '\0';
	return true;
}

/* Whether a logical line is an iptables command, without reporting. */
static bool
is_iptables_line(struct importer *im, const char *line)
{
	struct fw_diag quiet = { 0 }, *saved = im->d;
	struct words   ws;
	const char    *rest;
	bool	       yes = false;
	int	       first;

	im->d = &quiet;
	if (shell_words(im, line, &ws, &rest) == 0) {
		first = ws.n > 0 && strcmp(ws.w[0], "sudo") == 0 ? 1 : 0;
		yes = ws.n > first && is_iptables(ws.w[first]);
		words_free(&ws);
	}
	im->d = saved;
	return yes;
}

/*
 * Import a script: every iptables command is applied to an empty ruleset,
 * which replaces rs if the whole script went well. vars are NAME=VALUE
 * strings, pos the positional parameters; env allows the environment.
 * Every error is reported; on any error rs is left as it was.
 */
int
fw_import(struct fw_ruleset *rs, FILE *f, char **vars, int nvars, char **pos,
    int npos, bool env, struct fw_diag *d)
{
	struct importer im = { .d = d, .pos = pos, .npos = npos, .env = env };
	struct str	logical = { 0 };
	char	       *line = NULL, *eq;
	size_t		cap = 0, n;
	unsigned int	start = 0, lineno = 0;
	bool		got, was_iptables = false;
	int		i, rc = -1;

	if ((im.rs = fw_ruleset_new()) == NULL)
		return -1;
	for (i = 0; i < nvars; i++) {
		if ((eq = strchr(vars[i], '=')) == NULL || eq == vars[i]) {
			fw_error(d, "--var '%s': NAME=VALUE", vars[i]);
			goto out;
		}
		if (var_set(&im, vars[i], (size_t)(eq - vars[i]), eq + 1,
			true) == -1)
			goto out;
	}
	for (;;) {
		got = read_line(f, &line, &cap, &n, &lineno);
		/* A line that starts with an option continues an iptables
		 * command that lacked its backslash. */
		if (got && logical.len > 0 && was_iptables &&
		    starts_with_option(line)) {
			d->line = lineno;
			fw_warn(d,
			    "this line continues the iptables command "
			    "of line %u without a '\\'; taken as part of it "
			    "(sh would run it on its own)",
			    start);
			if (str_addc(&logical, ' ') == -1 ||
			    str_addn(&logical, line, n) == -1)
				goto out;
			continue;
		}
		if (logical.len > 0) {
			d->line = start;
			import_line(&im, logical.p);
			logical.len = 0;
		}
		if (!got)
			break;
		start = lineno;
		while (n > 0 && line[n - 1] == '\\') {
			if (str_addn(&logical, line, n - 1) == -1)
				goto out;
			if (!read_line(f, &line, &cap, &n, &lineno))
				break;
		}
		if (str_addn(&logical, line, n) == -1)
			goto out;
		was_iptables = is_iptables_line(&im, logical.p);
	}
	if (d->nerr > 0)
		goto out;
	if (fw_ruleset_check(im.rs, d) == -1)
		goto out;
	fw_ruleset_move(rs, im.rs);
	rc = 0;
out:
	for (n = 0; n < im.nvars; n++) {
		free(im.vars[n].name);
		free(im.vars[n].value);
	}
	free(im.vars);
	free(line);
	free(logical.p);
	fw_ruleset_free(im.rs);
	return rc;
}
