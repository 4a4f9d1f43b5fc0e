/*
 * Printing the service matrix (matrix.c). Services whose matrices are the
 * same for every interface pair and IPsec mode are printed together
 * ("tcp 80,443; udp 53"); within a service, each distinct result once,
 * under the interface and IPsec conditions it holds for ("in extif, out
 * wirif, IPsec in"), as lines "SOURCES -> DESTINATIONS", sources that reach
 * the same destinations on one line. --json says the same with address
 * classes: the coarsest partition of the address space in which every
 * printed set is a union of classes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

/* A group of services with the same results. */
struct sgroup {
	size_t *svc;
	size_t	n;
};

/* A product of conditions: modes (indexes) x in classes x out classes. */
struct product {
	unsigned int   modes; /* bits of mode indexes */
	unsigned char *in, *out; /* by class */
};

/* The largest CIDR block that starts at a and ends by end: its size. */
static uint64_t
cidr_size(uint64_t a, uint64_t end)
{
	uint64_t size = a == 0 ? 1ull << 32 : a & -a;

	while (size > end - a)
		size >>= 1;
	return size;
}

/* How many CIDR blocks [lo, hi] takes; the first one's length. */
static size_t
cidr_blocks(uint32_t lo, uint32_t hi, uint32_t *len0)
{
	uint64_t a = lo, end = (uint64_t)hi + 1, size;
	size_t	 n = 0;

	while (a < end) {
		size = cidr_size(a, end);
		if (n == 0 && len0 != NULL)
			*len0 = 32 - (uint32_t)__builtin_ctzll(size);
		a += size;
		n++;
	}
	return n;
}

/* An interval as items: its CIDR blocks if one or two, else a range. */
static size_t
iv_items(uint32_t lo, uint32_t hi)
{
	size_t n = cidr_blocks(lo, hi, NULL);

	return n <= 2 ? n : 1;
}

static void
print_addr(FILE *f, uint32_t a)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
	    a & 0xff);
}

/* Items of [lo, hi], each quoted if json, separated by sep. */
static void
print_iv(FILE *f, uint32_t lo, uint32_t hi, bool json, const char *sep)
{
	uint64_t a = lo, end = (uint64_t)hi + 1;
	uint32_t len;
	size_t	 n = cidr_blocks(lo, hi, NULL);

	if (n > 2) {
		fputs(json ? "\"" : "", f);
		print_addr(f, lo);
		fputc('-', f);
		print_addr(f, hi);
		fputs(json ? "\"" : "", f);
		return;
	}
	while (a < end) {
		cidr_blocks((uint32_t)a, hi, &len);
		fputs(json ? "\"" : "", f);
		print_addr(f, (uint32_t)a);
		if (len < 32)
			fprintf(f, "/%u", len);
		fputs(json ? "\"" : "", f);
		a += 1ull << (32 - len);
		if (a < end)
			fputs(sep, f);
	}
}

static size_t
ivl_items(const struct ivl *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += iv_items(l->iv[i].lo, l->iv[i].hi);
	return n;
}

static int
ivl_invert(const struct ivl *l, uint32_t max, struct ivl *out)
{
	uint64_t next = 0;
	size_t	 i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < l->n; i++) {
		if (l->iv[i].lo > next &&
		    ivl_push(out, (uint32_t)next, l->iv[i].lo - 1) == -1)
			return -1;
		next = (uint64_t)l->iv[i].hi + 1;
	}
	if (next <= max && ivl_push(out, (uint32_t)next, max) == -1)
		return -1;
	return 0;
}

static void
print_ivl(FILE *f, const struct ivl *l, bool json)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i > 0)
			fputs(json ? ", " : ", ", f);
		print_iv(f, l->iv[i].lo, l->iv[i].hi, json, ", ");
	}
}

/* An address set, or "0.0.0.0/0 except ..." when that is shorter. */
static void
print_set(FILE *f, const struct ivl *l)
{
	struct ivl c;

	if (ivl_invert(l, UINT32_MAX, &c) == 0 && c.n > 0 &&
	    ivl_items(&c) + 1 <= ivl_items(l)) {
		fputs("0.0.0.0/0 except ", f);
		print_ivl(f, &c, false);
	} else
		print_ivl(f, l, false);
	ivl_free(&c);
}

/* Ports or protocol numbers: "22,80", "1024:65535", "except 22". */
static void
print_nums(FILE *f, const struct ivl *l, uint32_t max)
{
	struct ivl c;
	size_t	   i;

	if (ivl_invert(l, max, &c) == 0 && c.n > 0 && c.n < l->n) {
		fputs("except ", f);
		l = &c;
	}
	for (i = 0; i < l->n; i++) {
		fprintf(f, "%s%u", i > 0 ? "," : "", l->iv[i].lo);
		if (l->iv[i].hi != l->iv[i].lo)
			fprintf(f, ":%u", l->iv[i].hi);
	}
	ivl_free(&c);
}

void
mx_print_sa(const struct fw_secpath *sp, FILE *f)
{
	const struct fw_sa *sa;
	char		    a[ADDR_STRLEN], b[ADDR_STRLEN];
	int		    i;

	for (i = 0; i < sp->n; i++) {
		sa = &sp->sa[i];
		fprintf(f, "%s%s:%s:%s>%s:spi=0x%x:reqid=%u", i > 0 ? "," : "",
		    sa->mode == FW_MODE_TUNNEL ? "tunnel" : "transport",
		    sa->proto == IPPROTO_AH	  ? "ah" :
			sa->proto == IPPROTO_COMP ? "ipcomp" :
						    "esp",
		    addr_ntop(&sa->tsrc, a, sizeof(a)),
		    addr_ntop(&sa->tdst, b, sizeof(b)), sa->spi, sa->reqid);
	}
}

/* Whether a row has any result. */
static bool
memchr_u32(const uint32_t *row, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (row[i] != 0)
			return true;
	return false;
}

/* Services with equal results, in the order of their first one. */
static int
group_services(const struct mx *m, struct sgroup **gp, size_t *ngp)
{
	struct sgroup *g = NULL;
	size_t	       ng = 0, s, j, *first;

	if ((first = calloc(m->nsvc + 1, sizeof(*first))) == NULL ||
	    (g = calloc(m->nsvc + 1, sizeof(*g))) == NULL)
		goto fail;
	for (s = 0; s < m->nsvc; s++) {
		for (j = 0; j < ng; j++)
			if (memcmp(m->res + first[j] * m->ncombo,
				m->res + s * m->ncombo,
				m->ncombo * sizeof(*m->res)) == 0)
				break;
		if (j == ng) {
			first[ng] = s;
			if ((g[ng].svc = calloc(m->nsvc, sizeof(size_t))) ==
			    NULL)
				goto fail;
			ng++;
		}
		g[j].svc[g[j].n++] = s;
	}
	/* Services nothing reaches go last. */
	for (s = 0, j = 0; j < ng; j++)
		if (memchr_u32(m->res + first[j] * m->ncombo, m->ncombo)) {
			struct sgroup t = g[j];

			memmove(&g[s + 1], &g[s], (j - s) * sizeof(*g));
			g[s++] = t;
		}
	free(first);
	*gp = g;
	*ngp = ng;
	return 0;
fail:
	fprintf(stderr, "moatctl: fw matrix: out of memory\n");
	for (j = 0; g != NULL && j < ng; j++)
		free(g[j].svc);
	free(g);
	free(first);
	return -1;
}

static void
free_groups(struct sgroup *g, size_t ng)
{
	size_t j;

	for (j = 0; j < ng; j++)
		free(g[j].svc);
	free(g);
}

static bool
ivl_same(const struct ivl *a, const struct ivl *b)
{
	return a->n == b->n &&
	    memcmp(a->iv, b->iv, a->n * sizeof(a->iv[0])) == 0;
}

/* The first service of protocol piece plo, and how many there are. */
static size_t
proto_services(const struct mx *m, uint8_t plo, size_t *first)
{
	size_t s, n = 0;

	for (s = 0; s < m->nsvc; s++)
		if (m->svc[s].plo == plo && n++ == 0)
			*first = s;
	return n;
}

/* "tcp 22; udp 53; icmp; all other protocols" */
static void
service_label(const struct mx *m, const struct sgroup *g, FILE *f)
{
	const struct mx_svc *s;
	struct ivl	     ports = { 0 }, other = { 0 }, allother = { 0 };
	char		     buf[8];
	size_t		     i, n, first = 0;
	bool		     sep = false;

	if (g->n == m->nsvc) {
		fputs("all traffic", f);
		return;
	}
	for (i = 0; i < m->nsvc; i++)
		if (!m->svc[i].named)
			ivl_push(&allother, m->svc[i].plo, m->svc[i].phi);
	for (i = 0; i < g->n; i += n) {
		s = &m->svc[g->svc[i]];
		n = 1;
		if (!s->named) {
			ivl_push(&other, s->plo, s->phi);
			continue;
		}
		for (n = 0; i + n < g->n && m->svc[g->svc[i + n]].plo == s->plo;
		     n++)
			ivl_push(&ports, m->svc[g->svc[i + n]].dlo,
			    m->svc[g->svc[i + n]].dhi);
		/* A protocol without a name reads as a port otherwise. */
		if (fw_proto_name(s->proto, buf, sizeof(buf)) == buf)
			fprintf(f, "%sprotocol %s", sep ? "; " : "", buf);
		else
			fprintf(f, "%s%s", sep ? "; " : "",
			    fw_proto_name(s->proto, buf, sizeof(buf)));
		if (s->ports && n < proto_services(m, s->plo, &first)) {
			fputc(' ', f);
			print_nums(f, &ports, 65535);
		}
		ivl_free(&ports);
		sep = true;
	}
	if (other.n > 0) {
		fputs(sep ? "; " : "", f);
		if (ivl_same(&other, &allother))
			fputs("all other protocols", f);
		else {
			fputs("protocols ", f);
			print_nums(f, &other, 255);
		}
	}
	ivl_free(&other);
	ivl_free(&allother);
}

/* The distinct non-empty results of a row, in order of appearance. */
static size_t
row_results(const struct mx *m, const uint32_t *row, uint32_t *ids)
{
	size_t c, j, n = 0;

	for (c = 0; c < m->ncombo; c++) {
		if (row[c] == 0)
			continue;
		for (j = 0; j < n && ids[j] != row[c]; j++)
			;
		if (j == n)
			ids[n++] = row[c];
	}
	return n;
}

/* Whether a set of modes is "these inbound x these outbound". */
static bool
modes_product(const struct mx *m, unsigned int bits)
{
	unsigned int din = 0, dout = 0, n = 0;
	size_t	     mi;

	for (mi = 0; mi < m->nmode; mi++)
		if (bits & (1u << mi)) {
			din |= 1u << (m->mode[mi] & 1);
			dout |= 1u << ((m->mode[mi] >> 1) & 1);
			n++;
		}
	return n ==
	    (unsigned int)__builtin_popcount(din) *
	    (unsigned int)__builtin_popcount(dout);
}

static int
add_product(struct product **pp, size_t *np, size_t *cap, unsigned int modes,
    const unsigned char *in, const unsigned char *out)
{
	if (*np == *cap) {
		struct product *q;

		*cap = *cap == 0 ? 8 : *cap * 2;
		if ((q = reallocarray(*pp, *cap, sizeof(*q))) == NULL)
			return -1;
		*pp = q;
	}
	(*pp)[*np].modes = modes;
	(*pp)[*np].in = (unsigned char *)in;
	(*pp)[*np].out = (unsigned char *)out;
	(*np)++;
	return 0;
}

/*
 * The combinations with result id as a few products "modes x in classes x
 * out classes": pairs (mode, in class) with the same out classes, then
 * modes with the same in classes. sel is the scratch they point into.
 */
static int
products(const struct mx *m, const uint32_t *row, uint32_t id,
    unsigned char *sel, struct product **pp, size_t *np)
{
	size_t	       nI = m->in.ncls, nO = m->out.ncls, nM = m->nmode;
	size_t	       ng = 0, cap = 0, mi, mj, i, o, g;
	unsigned char *oset = sel, *iset = sel + nM * nI * nO;
	size_t	      *grp = NULL;
	unsigned int   bits;
	bool	       any;
	int	       rc = -1;

	/* oset[g]: out classes of group g; iset[g][mi]: its in classes */
	if ((grp = calloc(nM * nI + 1, sizeof(*grp))) == NULL)
		goto out;
	memset(sel, 0, nM * nI * nO + nM * nI * nM * nI);
	for (mi = 0; mi < nM; mi++)
		for (i = 0; i < nI; i++) {
			unsigned char *cur = oset + ng * nO;

			for (any = false, o = 0; o < nO; o++)
				any |= cur[o] =
				    row[mx_combo(m, mi, i, o)] == id;
			if (!any)
				continue;
			for (g = 0; g < ng; g++)
				if (memcmp(oset + g * nO, cur, nO) == 0)
					break;
			if (g == ng)
				ng++;
			iset[(g * nM + mi) * nI + i] = 1;
		}
	for (g = 0; g < ng; g++) {
		memset(grp, 0, nM * sizeof(*grp));
		for (mi = 0; mi < nM; mi++) {
			unsigned char *is = iset + (g * nM + mi) * nI;

			if (grp[mi] || memchr(is, 1, nI) == NULL)
				continue;
			bits = 1u << mi;
			for (mj = mi + 1; mj < nM; mj++)
				if (memcmp(is, iset + (g * nM + mj) * nI, nI) ==
				    0) {
					bits |= 1u << mj;
					grp[mj] = 1;
				}
			if (modes_product(m, bits)) {
				if (add_product(pp, np, &cap, bits, is,
					oset + g * nO) == -1)
					goto out;
				continue;
			}
			for (mj = 0; mj < nM; mj++)
				if ((bits & (1u << mj)) &&
				    add_product(pp, np, &cap, 1u << mj, is,
					oset + g * nO) == -1)
					goto out;
		}
	}
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
	free(grp);
	return rc;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Interface classes: their labels, or "any except ..." when shorter. */
static void
print_classes(
    FILE *f, const struct mx_ifdim *d, const unsigned char *sel, bool json)
{
	size_t i, n = 0;
	bool   except, sep = false;

	for (i = 0; i < d->ncls; i++)
		n += sel[i];
	except = !json && d->ncls - n < n;
	if (except)
		fputs("any except ", f);
	for (i = 0; i < d->ncls; i++) {
		if (sel[i] == except)
			continue;
		fputs(sep ? "," : "", f);
		if (json)
			json_str(f, d->cls[i].label);
		else
			fputs(d->cls[i].label, f);
		sep = true;
	}
}

static bool
all_of(const unsigned char *sel, size_t n)
{
	return memchr(sel, 0, n) == NULL;
}

/* The IPsec part of a product: the directions it fixes. */
static void
product_ipsec(const struct mx *m, unsigned int bits, int *din, int *dout)
{
	unsigned int in = 0, out = 0;
	size_t	     mi;

	for (mi = 0; mi < m->nmode; mi++)
		if (bits & (1u << mi)) {
			in |= 1u << (m->mode[mi] & 1);
			out |= 1u << ((m->mode[mi] >> 1) & 1);
		}
	*din = m->din && in != 3 ? in == 2 : -1;
	*dout = m->dout && out != 3 ? out == 2 : -1;
}

static void
print_product(const struct mx *m, const struct product *p, FILE *f)
{
	const char *sep = "";
	int	    din, dout;

	if (m->in.present && !all_of(p->in, m->in.ncls)) {
		fputs("in ", f);
		print_classes(f, &m->in, p->in, false);
		sep = ", ";
	}
	if (m->out.present && !all_of(p->out, m->out.ncls)) {
		fprintf(f, "%sout ", sep);
		print_classes(f, &m->out, p->out, false);
		sep = ", ";
	}
	product_ipsec(m, p->modes, &din, &dout);
	if (din >= 0) {
		fprintf(f, "%s%sIPsec in", sep, din ? "" : "no ");
		sep = ", ";
	}
	if (dout >= 0)
		fprintf(f, "%s%sIPsec out", sep, dout ? "" : "no ");
}

static void
print_product_json(const struct mx *m, const struct product *p, FILE *f)
{
	const char *sep = "";
	int	    din, dout;

	fputc('{', f);
	if (m->in.present && !all_of(p->in, m->in.ncls)) {
		fputs("\"in\": [", f);
		print_classes(f, &m->in, p->in, true);
		fputc(']', f);
		sep = ", ";
	}
	if (m->out.present && !all_of(p->out, m->out.ncls)) {
		fprintf(f, "%s\"out\": [", sep);
		print_classes(f, &m->out, p->out, true);
		fputc(']', f);
		sep = ", ";
	}
	product_ipsec(m, p->modes, &din, &dout);
	if (din >= 0) {
		fprintf(f, "%s\"ipsec_in\": %s", sep, din ? "true" : "false");
		sep = ", ";
	}
	if (dout >= 0)
		fprintf(f, "%s\"ipsec_out\": %s", sep, dout ? "true" : "false");
	fputc('}', f);
}

/* The assumptions a reader must know, as one phrase. */
static void
print_assumptions(const struct mx *m, FILE *f)
{
	fprintf(f,
	    "state NEW, source port %u, TCP flags SYN, ICMP echo-request, "
	    "no mark, no MAC address, unicast addresses, TTL 64, "
	    "not a fragment, ",
	    m->o->sport);
	if (m->o->hook >= FW_OUTPUT)
		fputs("no socket owner, ", f);
	fputs("rate matches see their first packet", f);
}

static void
print_header(const struct mx *m, FILE *f)
{
	size_t i;

	fprintf(f,
	    "table %s, chain %s (policy %s): who reaches whom with a new "
	    "connection\n",
	    fw_table_names[m->o->table], m->start->name,
	    m->start->policy_accept ? "ACCEPT" : "DROP");
	fputs("decided for: ", f);
	print_assumptions(m, f);
	fputc('\n', f);
	if (m->din) {
		fputs("IPsec in: arrived by ", f);
		mx_print_sa(&m->sa_in, f);
		fputc('\n', f);
	}
	if (m->dout) {
		fputs("IPsec out: leaves by ", f);
		mx_print_sa(&m->sa_out, f);
		fputc('\n', f);
	}
	for (i = 0; i < 2; i++) {
		const struct mx_ifdim *d = i == 0 ? &m->in : &m->out;
		size_t		       j;

		if (d->fixed) {
			fprintf(f, "interface %s: %s (given)\n",
			    i == 0 ? "in" : "out", d->cls[0].rep);
			continue;
		}
		if (!d->present || d->ncls < 2)
			continue;
		fprintf(f, "interfaces %s:", i == 0 ? "in" : "out");
		for (j = 0; j < d->ncls; j++)
			fprintf(f, " %s", d->cls[j].label);
		fputc('\n', f);
	}
	for (i = 0; i < m->nnote; i++)
		fprintf(f, "note: %s\n", m->note[i]);
}

static void
print_lines(const struct mx_result *r, const char *indent, FILE *f)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		fputs(indent, f);
		print_set(f, &r->line[i].src);
		fputs(" -> ", f);
		print_set(f, &r->line[i].dst);
		fputc('\n', f);
	}
}

/* Scratch for products: selections and result ids. */
struct scratch {
	unsigned char *sel;
	uint32_t      *ids;
};

static int
scratch_new(const struct mx *m, struct scratch *s)
{
	size_t nMI = m->nmode * m->in.ncls;

	s->sel = calloc(nMI * m->out.ncls + nMI * nMI + 1, 1);
	s->ids = calloc(m->ncombo + 1, sizeof(*s->ids));
	if (s->sel == NULL || s->ids == NULL) {
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
		free(s->sel);
		free(s->ids);
		return -1;
	}
	return 0;
}

static size_t
count_id(const struct mx *m, const uint32_t *row, uint32_t id)
{
	size_t c, n = 0;

	for (c = 0; c < m->ncombo; c++)
		n += row[c] == id;
	return n;
}

void
mx_print_text(const struct mx *m, FILE *f)
{
	struct sgroup  *g;
	struct scratch	sc;
	struct product *p = NULL;
	const uint32_t *row;
	size_t		ng, j, k, n, np, q;

	if (group_services(m, &g, &ng) == -1)
		return;
	if (scratch_new(m, &sc) == -1) {
		free_groups(g, ng);
		return;
	}
	print_header(m, f);
	for (j = 0; j < ng; j++) {
		row = m->res + g[j].svc[0] * m->ncombo;
		fputc('\n', f);
		service_label(m, &g[j], f);
		fputs(":\n", f);
		n = row_results(m, row, sc.ids);
		if (n == 0)
			fputs("  nothing\n", f);
		if (n == 1 && count_id(m, row, sc.ids[0]) == m->ncombo) {
			print_lines(&m->result[sc.ids[0]], "  ", f);
			continue;
		}
		for (k = 0; k < n; k++) {
			np = 0;
			if (products(m, row, sc.ids[k], sc.sel, &p, &np) == -1)
				break;
			fputs("  ", f);
			for (q = 0; q < np; q++) {
				fputs(q > 0 ? " | " : "", f);
				print_product(m, &p[q], f);
			}
			fputs(":\n", f);
			print_lines(&m->result[sc.ids[k]], "    ", f);
		}
	}
	free(p);
	free(sc.sel);
	free(sc.ids);
	free_groups(g, ng);
}

/*
 * Address classes for --json: every printed set's bounds cut the space
 * into pieces, pieces are refined by each set, and classes are numbered
 * by their lowest address.
 */
struct aclasses {
	uint32_t *start; /* pieces */
	size_t	  n;
	uint32_t *cls; /* class of each piece, 1-based */
	size_t	  ncls;
	uint32_t *stamp; /* by class: the last set that listed it */
	uint32_t *list; /* scratch: a set's classes */
	uint32_t  nset;
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The pieces [*a, *z] of interval iv. */
static void
pieces(const struct aclasses *ac, const struct fw_iv *iv, size_t *a, size_t *z)
{
	*a = mx_find(ac->start, ac->n, iv->lo);
	*z = iv->hi == UINT32_MAX ? ac->n - 1 :
				    mx_find(ac->start, ac->n, iv->hi + 1) - 1;
}

static int
refine(
    struct aclasses *ac, const struct ivl *s, uint32_t **newid, size_t *capnew)
{
	uint32_t *touched = ac->list;
	size_t	  nt = 0, i, a, z, p;

	for (i = 0; i < s->n; i++) {
		pieces(ac, &s->iv[i], &a, &z);
		for (p = a; p <= z; p++) {
			uint32_t old = ac->cls[p];

			if ((*newid)[old] == 0) {
				if (ac->ncls + 1 >= *capnew) {
					uint32_t *q;
					size_t	  nc = *capnew * 2;

					if ((q = reallocarray(*newid, nc,
						 sizeof(*q))) == NULL)
						return -1;
					memset(q + *capnew, 0,
					    (nc - *capnew) * sizeof(*q));
					*newid = q;
					*capnew = nc;
				}
				(*newid)[old] = (uint32_t)++ac->ncls;
				touched[nt++] = old;
			}
			ac->cls[p] = (*newid)[old];
		}
	}
	for (i = 0; i < nt; i++)
		(*newid)[touched[i]] = 0;
	return 0;
}

static int
add_bounds(uint32_t **v, size_t *n, size_t *cap, const struct ivl *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (*n + 2 > *cap) {
			uint32_t *q;

			*cap = *cap == 0 ? 64 : *cap * 2;
			if ((q = reallocarray(*v, *cap, sizeof(*q))) == NULL)
				return -1;
			*v = q;
		}
		(*v)[(*n)++] = l->iv[i].lo;
		if (l->iv[i].hi < UINT32_MAX)
			(*v)[(*n)++] = l->iv[i].hi + 1;
	}
	return 0;
}

/* The sets of the printed results, one after another. */
static const struct ivl *
set_at(const struct mx *m, size_t id, size_t k)
{
	const struct mx_result *r = &m->result[id];

	return k % 2 == 0 ? &r->line[k / 2].src : &r->line[k / 2].dst;
}

static int
classes_build(
    const struct mx *m, const unsigned char *printed, struct aclasses *ac)
{
	uint32_t *newid = NULL, *map = NULL;
	size_t	  cap = 0, id, k, i, n = 0, capnew;
	int	  rc = -1;

	memset(ac, 0, sizeof(*ac));
	if ((ac->start = malloc(64 * sizeof(*ac->start))) == NULL)
		goto out;
	cap = 64;
	ac->start[n++] = 0;
	for (id = 1; id < m->nresult; id++)
		for (k = 0; printed[id] && k < 2 * m->result[id].n; k++)
			if (add_bounds(
				&ac->start, &n, &cap, set_at(m, id, k)) == -1)
				goto out;
	qsort(ac->start, n, sizeof(*ac->start), cmp_u32);
	for (i = 0; i < n; i++)
		if (ac->n == 0 || ac->start[i] != ac->start[ac->n - 1])
			ac->start[ac->n++] = ac->start[i];
	capnew = ac->n + 2;
	if ((ac->cls = calloc(ac->n, sizeof(*ac->cls))) == NULL ||
	    (ac->list = calloc(ac->n, sizeof(*ac->list))) == NULL ||
	    (newid = calloc(capnew, sizeof(*newid))) == NULL)
		goto out;
	for (id = 1; id < m->nresult; id++)
		for (k = 0; printed[id] && k < 2 * m->result[id].n; k++)
			if (refine(ac, set_at(m, id, k), &newid, &capnew) == -1)
				goto out;
	/* Number the classes by their lowest piece, from 1. */
	if ((map = calloc(ac->ncls + 1, sizeof(*map))) == NULL ||
	    (ac->stamp = calloc(ac->n + 1, sizeof(*ac->stamp))) == NULL)
		goto out;
	for (k = 0, i = 0; i < ac->n; i++) {
		if (map[ac->cls[i]] == 0)
			map[ac->cls[i]] = (uint32_t)++k;
		ac->cls[i] = map[ac->cls[i]];
	}
	ac->ncls = k;
	rc = 0;
out:
	if (rc == -1)
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
	free(newid);
	free(map);
	return rc;
}

static void
classes_free(struct aclasses *ac)
{
	free(ac->start);
	free(ac->cls);
	free(ac->stamp);
	free(ac->list);
}

/* A set as its classes: ["c1", "c4"]. */
static void
print_set_classes(FILE *f, struct aclasses *ac, const struct ivl *s)
{
	size_t i, a, z, p, n = 0;

	ac->nset++;
	for (i = 0; i < s->n; i++) {
		pieces(ac, &s->iv[i], &a, &z);
		for (p = a; p <= z; p++)
			if (ac->stamp[ac->cls[p]] != ac->nset) {
				ac->stamp[ac->cls[p]] = ac->nset;
				ac->list[n++] = ac->cls[p];
			}
	}
	qsort(ac->list, n, sizeof(*ac->list), cmp_u32);
	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\"c%u\"", i > 0 ? ", " : "", ac->list[i]);
	fputc(']', f);
}

static void
print_classes_json(FILE *f, const struct aclasses *ac)
{
	struct ivl r = { 0 };
	size_t	   c, p;

	fputs("  \"classes\": {", f);
	for (c = 1; c <= ac->ncls; c++) {
		r.n = 0;
		for (p = 0; p < ac->n; p++)
			if (ac->cls[p] == c)
				ivl_push(&r, ac->start[p],
				    p + 1 < ac->n ? ac->start[p + 1] - 1 :
						    UINT32_MAX);
		fprintf(f, "%s\n    \"c%zu\": [", c > 1 ? "," : "", c);
		print_ivl(f, &r, true);
		fputc(']', f);
	}
	fputs("\n  },\n", f);
	ivl_free(&r);
}

static void
print_header_json(const struct mx *m, FILE *f)
{
	char   buf[512];
	FILE  *s;
	size_t i, j;

	fprintf(f, "{\n  \"table\": \"%s\",\n  \"chain\": ",
	    fw_table_names[m->o->table]);
	json_str(f, m->start->name);
	fprintf(f, ",\n  \"policy\": \"%s\",\n  \"decided_for\": ",
	    m->start->policy_accept ? "ACCEPT" : "DROP");
	if ((s = fmemopen(buf, sizeof(buf), "w")) != NULL) {
		print_assumptions(m, s);
		fclose(s);
	}
	buf[sizeof(buf) - 1] = '\0';
	json_str(f, buf);
	fputs(",\n", f);
	if (m->din) {
		fputs("  \"ipsec_in\": \"", f);
		mx_print_sa(&m->sa_in, f);
		fputs("\",\n", f);
	}
	if (m->dout) {
		fputs("  \"ipsec_out\": \"", f);
		mx_print_sa(&m->sa_out, f);
		fputs("\",\n", f);
	}
	fputs("  \"interfaces\": {", f);
	for (i = 0; i < 2; i++) {
		const struct mx_ifdim *d = i == 0 ? &m->in : &m->out;

		fprintf(
		    f, "%s\"%s\": [", i > 0 ? ", " : "", i == 0 ? "in" : "out");
		for (j = 0; d->present && j < d->ncls; j++) {
			fputs(j > 0 ? ", " : "", f);
			json_str(f, d->cls[j].label);
		}
		fputc(']', f);
	}
	fputs("},\n  \"notes\": [", f);
	for (i = 0; i < m->nnote; i++) {
		fputs(i > 0 ? ", " : "", f);
		json_str(f, m->note[i]);
	}
	fputs("],\n", f);
}

/* The services exactly: [{"proto": [6, 6], "dports": [[22, 22]]}, ...],
 * one object per protocol piece. */
static void
print_protocols_json(const struct mx *m, const struct sgroup *g, FILE *f)
{
	const struct mx_svc *s;
	size_t		     i, n;

	fputs(", \"protocols\": [", f);
	for (i = 0; i < g->n; i += n) {
		s = &m->svc[g->svc[i]];
		fprintf(f, "%s{\"proto\": [%u, %u]", i > 0 ? ", " : "", s->plo,
		    s->phi);
		for (n = 0; i + n < g->n && m->svc[g->svc[i + n]].plo == s->plo;
		     n++) {
			if (!s->ports)
				continue;
			fprintf(f, "%s[%u, %u]",
			    n > 0 ? ", " : ", \"dports\": [",
			    m->svc[g->svc[i + n]].dlo,
			    m->svc[g->svc[i + n]].dhi);
		}
		fputs(s->ports ? "]}" : "}", f);
	}
	fputc(']', f);
}

static int
print_service_json(const struct mx *m, const struct sgroup *g,
    struct scratch *sc, struct aclasses *ac, struct product **pp, FILE *f)
{
	const uint32_t *row = m->res + g->svc[0] * m->ncombo;
	char	       *label = NULL;
	size_t		len = 0, n, k, np, q, i;
	FILE	       *s;
	bool		all;

	if ((s = open_memstream(&label, &len)) == NULL)
		return -1;
	service_label(m, g, s);
	fclose(s);
	fputs("    {\"service\": ", f);
	json_str(f, label);
	free(label);
	print_protocols_json(m, g, f);
	fputs(", \"edges\": [", f);
	n = row_results(m, row, sc->ids);
	all = n == 1 && count_id(m, row, sc->ids[0]) == m->ncombo;
	for (k = 0; k < n; k++) {
		const struct mx_result *r = &m->result[sc->ids[k]];

		np = 0;
		if (!all &&
		    products(m, row, sc->ids[k], sc->sel, pp, &np) == -1)
			return -1;
		for (i = 0; i < r->n; i++) {
			fprintf(f, "%s\n      {\"when\": [",
			    k > 0 || i > 0 ? "," : "");
			for (q = 0; q < np; q++) {
				fputs(q > 0 ? ", " : "", f);
				print_product_json(m, &(*pp)[q], f);
			}
			fputs("], \"from\": ", f);
			print_set_classes(f, ac, &r->line[i].src);
			fputs(", \"to\": ", f);
			print_set_classes(f, ac, &r->line[i].dst);
			fputc('}', f);
		}
	}
	fputs(n > 0 ? "\n    ]}" : "]}", f);
	return 0;
}

int
mx_print_json(const struct mx *m, FILE *f)
{
	struct aclasses ac = { 0 };
	struct sgroup  *g = NULL;
	struct scratch	sc = { 0 };
	struct product *p = NULL;
	unsigned char  *printed = NULL;
	size_t		ng = 0, j, k, n;
	int		rc = -1;

	if (group_services(m, &g, &ng) == -1)
		return -1;
	if (scratch_new(m, &sc) == -1 ||
	    (printed = calloc(m->nresult + 1, 1)) == NULL)
		goto out;
	for (j = 0; j < ng; j++) {
		n = row_results(m, m->res + g[j].svc[0] * m->ncombo, sc.ids);
		for (k = 0; k < n; k++)
			printed[sc.ids[k]] = 1;
	}
	if (classes_build(m, printed, &ac) == -1)
		goto out;
	print_header_json(m, f);
	print_classes_json(f, &ac);
	fputs("  \"services\": [", f);
	for (j = 0; j < ng; j++) {
		fputs(j > 0 ? ",\n" : "\n", f);
		if (print_service_json(m, &g[j], &sc, &ac, &p, f) == -1)
			goto out;
	}
	fputs("\n  ]\n}\n", f);
	rc = 0;
out:
	if (rc == -1 && printed == NULL)
		fprintf(stderr, "moatctl: fw matrix: out of memory\n");
	classes_free(&ac);
	free(p);
	free(printed);
	free(sc.sel);
	free(sc.ids);
	free_groups(g, ng);
	return rc;
}
