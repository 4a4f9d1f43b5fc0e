/*
 * --verify N of moatctl fw matrix: random packets, many on the edges of
 * the rules' address and port sets and with interface names beside the
 * rules' own, each compared with what the evaluator says (fw_lookup).
 * The matrix's answer for a packet is that of its service, its interface
 * classes and its IPsec mode.
 */
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

/*
 * --verify: random packets, many on the edges of the rules' address and
 * port sets, compared with the evaluator. The matrix's answer for a
 * packet is its service's, its interfaces' classes', its mode's.
 */
static uint64_t
rnd(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd_addr(const struct mx *m, uint64_t *st, enum fw_dim d)
{
	const struct fw_ivset *s;
	const struct fw_iv    *iv;
	uint64_t	       r = rnd(st);

	if (r % 2 == 0 || m->nrule == 0)
		return (uint32_t)(r >> 32);
	s = &m->rule[(r >> 8) % m->nrule].box.d[d];
	if (s->n == 0)
		return (uint32_t)(r >> 32);
	iv = &s->iv[(r >> 20) % s->n];
	switch ((r >> 40) % 4) {
	case 0:
		return iv->lo;
	case 1:
		return iv->hi;
	case 2:
		return iv->lo - 1;
	default:
		return iv->hi + 1;
	}
}

static void
rnd_name(const struct mx_ifdim *d, uint64_t *st, char *name)
{
	static const char *const names[] = { "lo", "eth0", "wlan0", "ppp7",
		"other", "x" };
	uint64_t		 r = rnd(st);
	const char		*p;
	size_t			 n;

	name[0] = '\0';
	if (!d->present)
		return;
	if (d->fixed) {
		snprintf(name, IFNAMSIZ, "%s", d->cls[0].rep);
		return;
	}
	if (r % 4 == 0)
		snprintf(name, IFNAMSIZ, "%s", d->cls[(r >> 8) % d->ncls].rep);
	else if (r % 4 == 1 || d->npat == 0)
		snprintf(name, IFNAMSIZ, "%s",
		    names[(r >> 8) % (sizeof(names) / sizeof(names[0]))]);
	else {
		/* A rule's name, or one just beside it. */
		p = d->pat[(r >> 8) % d->npat];
		n = strlen(p);
		if (p[n - 1] == '+')
			n--;
		if (n + 1 < IFNAMSIZ && (r >> 16) % 2)
			snprintf(name, IFNAMSIZ, "%.*s%c", (int)n, p,
			    "07x"[(r >> 17) % 3]);
		else
			snprintf(name, IFNAMSIZ, "%.*s", (int)n, p);
	}
	if (name[0] == '\0')
		snprintf(name, IFNAMSIZ, "x0");
}

static size_t
find_service(const struct mx *m, uint8_t proto, uint16_t dport)
{
	size_t s;

	for (s = 0; s < m->nsvc; s++)
		if (proto >= m->svc[s].plo && proto <= m->svc[s].phi &&
		    (!m->svc[s].ports ||
			(dport >= m->svc[s].dlo && dport <= m->svc[s].dhi)))
			return s;
	return SIZE_MAX;
}

static bool
result_accepts(const struct mx_result *r, uint32_t src, uint32_t dst)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (ivl_contains(&r->line[i].src, src))
			return ivl_contains(&r->line[i].dst, dst);
	return false;
}

static void
print_pkt(const struct fw_pkt *pk, FILE *out)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], pb[8];

	fprintf(out, "hook=%s", fw_hook_names[pk->hook]);
	if (pk->in[0] != '\0')
		fprintf(out, " in=%s", pk->in);
	if (pk->out[0] != '\0')
		fprintf(out, " out=%s", pk->out);
	fprintf(out, " src=%s dst=%s proto=%s",
	    addr_ntop(&pk->src, a, sizeof(a)),
	    addr_ntop(&pk->dst, b, sizeof(b)),
	    fw_proto_name(pk->proto, pb, sizeof(pb)));
	if (mx_port_proto(pk->proto))
		fprintf(out, " sport=%u dport=%u", pk->sport, pk->dport);
	if (pk->proto == IPPROTO_TCP)
		fputs(" flags=S", out);
	if (pk->proto == IPPROTO_ICMP)
		fprintf(out, " icmp=%d/%d", pk->icmp_type, pk->icmp_code);
	if (pk->ipsec_in.n > 0) {
		fputs(" ipsec=", out);
		mx_print_sa(&pk->ipsec_in, out);
	}
	if (pk->has_ipsec_out) {
		fputs(" ipsec-out=", out);
		mx_print_sa(&pk->ipsec_out, out);
	}
}

/* One random packet: 0 agreed, 1 differed, -1 could not evaluate. */
static int
verify_one(struct mx *m, uint64_t *st, unsigned char *sig, FILE *out)
{
	struct fw_verdict v;
	struct fw_pkt	  pk;
	uint64_t	  r = rnd(st);
	size_t		  s, mi = (r >> 8) % m->nmode, i, o;
	uint32_t	  src, dst;
	uint16_t	  dport;
	uint8_t		  proto;
	bool		  want = false, got;

	s = (r >> 16) % m->nsvc;
	proto = m->svc[s].proto;
	dport = (uint16_t)(r >> 32);
	if (r % 4 == 0)
		proto = (uint8_t)(r >> 48);
	else if (m->svc[s].ports)
		dport = r % 4 == 1 ? m->svc[s].dlo :
		    r % 4 == 2	   ? m->svc[s].dhi :
				     dport;
	src = rnd_addr(m, st, FW_DIM_SRC);
	dst = rnd_addr(m, st, FW_DIM_DST);
	mx_base_pkt(m, proto, dport, m->mode[mi], &pk);
	mx_set_addr(&pk.src, src);
	mx_set_addr(&pk.dst, dst);
	rnd_name(&m->in, st, pk.in);
	rnd_name(&m->out, st, pk.out);
	s = find_service(m, proto, pk.dport);
	i = mx_if_class(&m->in, pk.in, sig);
	o = mx_if_class(&m->out, pk.out, sig);
	if (s == SIZE_MAX || i == SIZE_MAX || o == SIZE_MAX) {
		fprintf(out, "verify: no class for ");
		print_pkt(&pk, out);
		fputc('\n', out);
		return 1;
	}
	want = result_accepts(
	    &m->result[m->res[s * m->ncombo + mx_combo(m, mi, i, o)]], src,
	    dst);
	if (mx_lookup(m, &pk, &got, &v) == -1)
		return -1;
	if (got == want)
		return 0;
	fprintf(out, "verify: ");
	print_pkt(&pk, out);
	fprintf(out, ": the matrix says %s, the evaluator %s (%s:%d)\n",
	    want ? "ACCEPT" : "not ACCEPT", v.verdict, v.chain, v.rule);
	return 1;
}

int
mx_verify(struct mx *m, FILE *out)
{
	unsigned char *sig;
	uint64_t       st = m->o->seed;
	unsigned int   n, bad = 0;
	int	       r;

	if ((sig = mx_calloc(m->in.npat + m->out.npat + 1, 1)) == NULL)
		return -1;
	for (n = 0; n < m->o->verify; n++) {
		if ((r = verify_one(m, &st, sig, out)) == -1) {
			free(sig);
			return -1;
		}
		bad += (unsigned int)r;
	}
	free(sig);
	fprintf(out, "verify: %u packets, %u differ\n", m->o->verify, bad);
	return bad > 0;
}
