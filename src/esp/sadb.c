/*
 * The SAD and the SPD (RFC 4301 4.4), and setkey's operations on them.
 *
 * SAs are found by SPI through a hash table and kept on one list; the
 * policies are a list sorted by priority, then by age. A protect policy
 * remembers the SA it last chose until the SAD changes (gen). Operations
 * are applied in order with an undo log, so a list either applies whole
 * or leaves the databases as they were; what they removed is freed only
 * once the whole list has applied.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "esp_int.h"
#include "hash.h"

#define SPI_BUCKETS 1024

struct esp_pol {
	struct esp_spd_params p;
	uint64_t	      order;
	struct esp_sa	     *cache; /* the SA chosen at generation cache_gen */
	uint64_t	      cache_gen;
	struct esp_pol	     *next;
};

struct esp_sadb {
	struct esp_sa  *hash[SPI_BUCKETS];
	struct esp_sa  *all;
	size_t		nsa;
	struct esp_pol *pol;
	uint64_t	gen; /* changes with the SAD */
	uint64_t	order;
};

enum undo_kind { U_SA_ADDED, U_SA_DELETED, U_POL_ADDED, U_POL_DELETED };

struct undo {
	enum undo_kind kind;
	void	      *obj;
};

struct apply {
	struct esp_sadb *db;
	struct undo	*u;
	size_t		 nu, capu;
	const char	*file;
	FILE		*out, *err;
	uint64_t	 now;
};

struct esp_sadb *
esp_sadb_new(void)
{
	return calloc(1, sizeof(struct esp_sadb));
}

void
esp_sadb_free(struct esp_sadb *db)
{
	struct esp_sa  *sa;
	struct esp_pol *p;

	if (db == NULL)
		return;
	while ((sa = db->all) != NULL) {
		db->all = sa->next;
		esp_sa_free(sa);
	}
	while ((p = db->pol) != NULL) {
		db->pol = p->next;
		free(p);
	}
	free(db);
}

static struct esp_sa **
bucket(const struct esp_sadb *db, uint32_t spi)
{
	return (struct esp_sa **)&db->hash[hash_mix(0, spi) &
	    (SPI_BUCKETS - 1)];
}

/* The list of every SA stays newest first: an added SA goes to the head,
 * one that a failed list had deleted back to where it was. */
static void
sa_link(struct esp_sadb *db, struct esp_sa *sa)
{
	struct esp_sa **b = bucket(db, sa->p.spi), **pp;

	sa->hnext = *b;
	*b = sa;
	for (pp = &db->all; *pp != NULL && (*pp)->order > sa->order;
	    pp = &(*pp)->next)
		;
	sa->next = *pp;
	*pp = sa;
	db->nsa++;
	db->gen++;
}

static void
sa_unlink(struct esp_sadb *db, struct esp_sa *sa)
{
	struct esp_sa **pp;

	for (pp = bucket(db, sa->p.spi); *pp != sa; pp = &(*pp)->hnext)
		;
	*pp = sa->hnext;
	for (pp = &db->all; *pp != sa; pp = &(*pp)->next)
		;
	*pp = sa->next;
	db->nsa--;
	db->gen++;
}

static bool
pol_before(const struct esp_pol *a, const struct esp_pol *b)
{
	return a->p.priority < b->p.priority ||
	    (a->p.priority == b->p.priority && a->order < b->order);
}

static void
pol_link(struct esp_sadb *db, struct esp_pol *p)
{
	struct esp_pol **pp;

	for (pp = &db->pol; *pp != NULL && pol_before(*pp, p);
	    pp = &(*pp)->next)
		;
	p->next = *pp;
	*pp = p;
}

static void
pol_unlink(struct esp_sadb *db, struct esp_pol *p)
{
	struct esp_pol **pp;

	for (pp = &db->pol; *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
}

static int
record(struct apply *a, enum undo_kind k, void *obj)
{
	struct undo *u;
	size_t	     cap;

	if (a->nu == a->capu) {
		cap = a->capu ? 2 * a->capu : 16;
		if ((u = reallocarray(a->u, cap, sizeof(*u))) == NULL)
			return -1;
		a->u = u;
		a->capu = cap;
	}
	a->u[a->nu].kind = k;
	a->u[a->nu++].obj = obj;
	return 0;
}

static void
rollback(struct apply *a)
{
	struct undo *u;

	while (a->nu > 0) {
		u = &a->u[--a->nu];
		switch (u->kind) {
		case U_SA_ADDED:
			sa_unlink(a->db, u->obj);
			esp_sa_free(u->obj);
			break;
		case U_SA_DELETED:
			sa_link(a->db, u->obj);
			break;
		case U_POL_ADDED:
			pol_unlink(a->db, u->obj);
			free(u->obj);
			break;
		case U_POL_DELETED:
			pol_link(a->db, u->obj);
			break;
		}
	}
}

static void
commit(struct apply *a)
{
	size_t i;

	for (i = 0; i < a->nu; i++) {
		if (a->u[i].kind == U_SA_DELETED)
			esp_sa_free(a->u[i].obj);
		else if (a->u[i].kind == U_POL_DELETED)
			free(a->u[i].obj);
	}
	a->nu = 0;
}

static int __attribute__((format(printf, 3, 4)))
fail(struct apply *a, const struct esp_op *op, const char *fmt, ...)
{
	va_list ap;

	fprintf(a->err, "%s:%u: ", a->file, op->line);
	va_start(ap, fmt);
	vfprintf(a->err, fmt, ap);
	va_end(ap);
	fputc('\n', a->err);
	return -1;
}

static const char *
sa_name(const struct esp_sa_params *p, char *buf, size_t len)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];

	snprintf(buf, len, "SA %s %s spi 0x%08x", addr_ntop(&p->src, s, sizeof(s)),
	    addr_ntop(&p->dst, d, sizeof(d)), p->spi);
	return buf;
}

static struct esp_sa *
sa_find(const struct esp_sadb *db, const struct esp_sa_params *p)
{
	struct esp_sa *sa;

	for (sa = *bucket(db, p->spi); sa != NULL; sa = sa->hnext)
		if (sa->p.spi == p->spi && addr_eq(&sa->p.dst, &p->dst) &&
		    addr_eq(&sa->p.src, &p->src))
			return sa;
	return NULL;
}

/* An SPI is unique per destination (RFC 4301 4.1), dead SAs too. */
static bool
spi_taken(const struct esp_sadb *db, const struct esp_sa_params *p)
{
	struct esp_sa *sa;

	for (sa = *bucket(db, p->spi); sa != NULL; sa = sa->hnext)
		if (sa->p.spi == p->spi && addr_eq(&sa->p.dst, &p->dst))
			return true;
	return false;
}

struct esp_sa *
esp_sa_lookup(const struct esp_sadb *db, uint32_t spi, const struct addr *dst)
{
	struct esp_sa *sa;

	for (sa = *bucket(db, spi); sa != NULL; sa = sa->hnext)
		if (sa->p.spi == spi && addr_eq(&sa->p.dst, dst) && !sa->hard)
			return sa;
	return NULL;
}

/* An SA as setkey's add, and its counters as a comment. */
static void
sa_print(const struct esp_sa *sa, uint64_t now, FILE *f)
{
	struct esp_op op = { .kind = ESP_OP_ADD, .sa = sa->p };

	esp_op_print(&op, f);
	fprintf(f,
	    "#\tseq=%llu replay-top=%llu packets=%llu bytes=%llu "
	    "replayed=%llu bad-icv=%llu bad-selector=%llu bad-pad=%llu "
	    "filtered=%llu age=%llus%s\n",
	    (unsigned long long)sa->seq, (unsigned long long)sa->rp.top,
	    (unsigned long long)sa->st.packets,
	    (unsigned long long)sa->st.bytes,
	    (unsigned long long)sa->st.replayed,
	    (unsigned long long)sa->st.bad_icv,
	    (unsigned long long)sa->st.bad_sel,
	    (unsigned long long)sa->st.bad_pad,
	    (unsigned long long)sa->st.dropped,
	    (unsigned long long)((now - sa->added_ms) / 1000),
	    sa->hard ? " state=dead" : "");
	OPENSSL_cleanse(&op, sizeof(op));
}

static int
del_sa(struct apply *a, struct esp_sa *sa)
{
	if (record(a, U_SA_DELETED, sa) == -1)
		return -1;
	sa_unlink(a->db, sa);
	return 0;
}

static bool
sel_eq(const struct esp_sel *x, const struct esp_sel *y)
{
	return addr_eq(&x->src.addr, &y->src.addr) &&
	    addr_eq(&x->src.mask, &y->src.mask) &&
	    addr_eq(&x->dst.addr, &y->dst.addr) &&
	    addr_eq(&x->dst.mask, &y->dst.mask) && x->sport == y->sport &&
	    x->dport == y->dport && x->proto == y->proto;
}

static struct esp_pol *
pol_find(const struct esp_sadb *db, const struct esp_spd_params *sp)
{
	struct esp_pol *p;

	for (p = db->pol; p != NULL; p = p->next)
		if (p->p.dir == sp->dir && sel_eq(&p->p.sel, &sp->sel))
			return p;
	return NULL;
}

static int
apply_sa(struct apply *a, const struct esp_op *op)
{
	struct esp_sa *sa, *nx;
	char	       n[128];

	switch (op->kind) {
	case ESP_OP_ADD:
		if (spi_taken(a->db, &op->sa))
			return fail(a, op, "%s: already exists",
			    sa_name(&op->sa, n, sizeof(n)));
		if ((sa = esp_sa_new(&op->sa, a->now)) == NULL)
			return fail(a, op, "%s: cannot be keyed",
			    sa_name(&op->sa, n, sizeof(n)));
		sa->order = ++a->db->order;
		if (record(a, U_SA_ADDED, sa) == -1) {
			esp_sa_free(sa);
			return fail(a, op, "out of memory");
		}
		sa_link(a->db, sa);
		return 0;
	case ESP_OP_GET:
	case ESP_OP_DELETE:
		if ((sa = sa_find(a->db, &op->sa)) == NULL)
			return fail(a, op, "%s: no such SA",
			    sa_name(&op->sa, n, sizeof(n)));
		if (op->kind == ESP_OP_GET) {
			sa_print(sa, a->now, a->out);
			return 0;
		}
		return del_sa(a, sa);
	case ESP_OP_DELETEALL:
	case ESP_OP_FLUSH:
		for (sa = a->db->all; sa != NULL; sa = nx) {
			nx = sa->next;
			if (op->kind == ESP_OP_DELETEALL &&
			    (!addr_eq(&sa->p.src, &op->sa.src) ||
				!addr_eq(&sa->p.dst, &op->sa.dst)))
				continue;
			if (del_sa(a, sa) == -1)
				return fail(a, op, "out of memory");
		}
		return 0;
	case ESP_OP_DUMP:
		for (sa = a->db->all; sa != NULL; sa = sa->next)
			sa_print(sa, a->now, a->out);
		return 0;
	default:
		return -1;
	}
}

static int
apply_sp(struct apply *a, const struct esp_op *op)
{
	struct esp_op	op2 = { .kind = ESP_OP_SPDADD };
	struct esp_pol *p, *nx;

	switch (op->kind) {
	case ESP_OP_SPDADD:
		if (pol_find(a->db, &op->sp) != NULL)
			return fail(a, op, "a policy for these selectors and "
					   "direction already exists");
		if ((p = calloc(1, sizeof(*p))) == NULL ||
		    record(a, U_POL_ADDED, p) == -1) {
			free(p);
			return fail(a, op, "out of memory");
		}
		p->p = op->sp;
		p->order = ++a->db->order;
		pol_link(a->db, p);
		return 0;
	case ESP_OP_SPDDELETE:
		if ((p = pol_find(a->db, &op->sp)) == NULL)
			return fail(a, op, "no policy for these selectors "
					   "and direction");
		if (record(a, U_POL_DELETED, p) == -1)
			return fail(a, op, "out of memory");
		pol_unlink(a->db, p);
		return 0;
	case ESP_OP_SPDFLUSH:
		for (p = a->db->pol; p != NULL; p = nx) {
			nx = p->next;
			if (record(a, U_POL_DELETED, p) == -1)
				return fail(a, op, "out of memory");
			pol_unlink(a->db, p);
		}
		return 0;
	case ESP_OP_SPDDUMP:
		for (p = a->db->pol; p != NULL; p = p->next) {
			op2.sp = p->p;
			esp_op_print(&op2, a->out);
		}
		return 0;
	default:
		return -1;
	}
}

int
esp_sadb_apply(struct esp_sadb *db, const struct esp_op *ops, size_t n,
    const char *file, uint64_t now, FILE *out, FILE *err)
{
	struct apply a = {
		.db = db, .file = file, .out = out, .err = err, .now = now
	};
	size_t	     i;
	int	     rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = ops[i].kind >= ESP_OP_SPDADD ? apply_sp(&a, &ops[i]) :
						    apply_sa(&a, &ops[i]);
	if (rc == -1)
		rollback(&a);
	else
		commit(&a);
	free(a.u);
	return rc;
}

static bool
past(uint64_t since, uint64_t secs, uint64_t now)
{
	return secs != 0 && now - since >= secs * 1000;
}

static bool
expired(const struct esp_sa *sa, const struct esp_lifetime *l, uint64_t now)
{
	return past(sa->added_ms, l->add_s, now) ||
	    (sa->st.packets != 0 && past(sa->used_ms, l->use_s, now)) ||
	    (l->bytes != 0 && sa->st.bytes >= l->bytes) ||
	    (l->packets != 0 && sa->st.packets >= l->packets);
}

void
esp_sadb_expire(
    struct esp_sadb *db, uint64_t now, esp_event_cb *cb, void *arg)
{
	struct esp_sa *sa, *nx;

	for (sa = db->all; sa != NULL; sa = nx) {
		nx = sa->next;
		if (!sa->soft_done && expired(sa, &sa->p.soft, now)) {
			sa->soft_done = true;
			cb(arg, ESP_EV_SOFT, sa);
		}
		if (sa->hard || expired(sa, &sa->p.hard, now)) {
			cb(arg, ESP_EV_HARD, sa);
			sa_unlink(db, sa);
			esp_sa_free(sa);
		}
	}
}

static bool
sel_match(const struct esp_sel *pol, const struct esp_sel *pk)
{
	return prefix_contains(&pol->src, &pk->src.addr) &&
	    prefix_contains(&pol->dst, &pk->dst.addr) &&
	    (pol->proto == ESP_PROTO_ANY || pol->proto == pk->proto) &&
	    (pol->sport == 0 || pol->sport == pk->sport) &&
	    (pol->dport == 0 || pol->dport == pk->dport);
}

static const struct esp_pol *
pol_match(const struct esp_sadb *db, enum esp_dir dir,
    const struct esp_sel *pk)
{
	const struct esp_pol *p;

	for (p = db->pol; p != NULL; p = p->next)
		if (p->p.dir == dir && sel_match(&p->p.sel, pk))
			return p;
	return NULL;
}

/* Whether sa can carry out the template of p for a packet pk (in
 * transport mode the SA's ends are the packet's). */
static bool
tmpl_match(const struct esp_spd_params *p, const struct esp_sel *pk,
    const struct esp_sa *sa)
{
	if (sa->hard)
		return false;
	if (p->mode != ESP_MODE_ANY && sa->p.mode != ESP_MODE_ANY &&
	    sa->p.mode != p->mode)
		return false;
	if (p->level == ESP_LEVEL_UNIQUE && p->reqid != 0 &&
	    sa->p.reqid != p->reqid)
		return false;
	if (p->mode == ESP_MODE_TUNNEL)
		return addr_eq(&sa->p.src, &p->tsrc) &&
		    addr_eq(&sa->p.dst, &p->tdst);
	return addr_eq(&sa->p.src, &pk->src.addr) &&
	    addr_eq(&sa->p.dst, &pk->dst.addr);
}

const struct esp_spd_params *
esp_spd_lookup(struct esp_sadb *db, enum esp_dir dir,
    const struct esp_sel *pk, struct esp_sa **sap)
{
	struct esp_pol *p = (struct esp_pol *)pol_match(db, dir, pk);
	struct esp_sa  *sa, *best = NULL;

	*sap = NULL;
	if (p == NULL || p->p.action != ESP_ACT_PROTECT)
		return p != NULL ? &p->p : NULL;
	/* Tunnel mode picks the same SA for every packet until the SAD
	 * changes; transport mode depends on the packet's addresses. */
	if (p->p.mode == ESP_MODE_TUNNEL && p->cache_gen == db->gen &&
	    p->cache != NULL && !p->cache->hard) {
		*sap = p->cache;
		return &p->p;
	}
	for (sa = db->all; sa != NULL; sa = sa->next)
		if (tmpl_match(&p->p, pk, sa) &&
		    (best == NULL || sa->order > best->order))
			best = sa;
	p->cache = best;
	p->cache_gen = db->gen;
	*sap = best;
	return &p->p;
}

bool
esp_spd_admits(struct esp_sadb *db, enum esp_dir dir,
    const struct esp_sel *pk, const struct esp_sa *sa)
{
	const struct esp_pol *p = pol_match(db, dir, pk);

	/* As Linux's xfrm_policy_check: with no policy, or a bypass one,
	 * only what came through transport mode may pass. */
	if (p == NULL || p->p.action == ESP_ACT_BYPASS)
		return sa->p.mode == ESP_MODE_TRANSPORT;
	if (p->p.action == ESP_ACT_DISCARD)
		return false;
	return tmpl_match(&p->p, pk, sa);
}

size_t
esp_sa_count(const struct esp_sadb *db)
{
	return db->nsa;
}
