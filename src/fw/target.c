/*
 * Targets of the filter path: ACCEPT, DROP, RETURN, REJECT, LOG, NFLOG,
 * MARK, CONNMARK. Save formats are iptables 1.8.9's (REJECT always prints
 * its kind, LOG leaves out the default level 4, MARK and CONNMARK print
 * --set-xmark); checked with iptables-save in a namespace.
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "fw_int.h"

#define HOOKS_LOCAL (1u << FW_INPUT | 1u << FW_FORWARD | 1u << FW_OUTPUT)

static void
verdict_name(const char *name, char *out, size_t len)
{
	fw_copy_str(out, name, len);
}

static void
accept_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev,
    char *out, size_t len)
{
	(void)d;
	(void)pk;
	(void)ev;
	verdict_name("ACCEPT", out, len);
}

static void
drop_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev, char *out,
    size_t len)
{
	(void)d;
	(void)pk;
	(void)ev;
	verdict_name("DROP", out, len);
}

const struct fw_targetdef fw_target_accept = {
	.name = "ACCEPT",
	.action = FW_ACT_VERDICT,
	.run = accept_run,
};

const struct fw_targetdef fw_target_drop = {
	.name = "DROP",
	.action = FW_ACT_VERDICT,
	.run = drop_run,
};

const struct fw_targetdef fw_target_return = {
	.name = "RETURN",
	.action = FW_ACT_RETURN,
};

/* REJECT: the kinds of libipt_REJECT, with their short aliases. */
static const struct {
	const char *name, *alias;
} reject_kinds[] = {
	{ "icmp-net-unreachable", "net-unreach" },
	{ "icmp-host-unreachable", "host-unreach" },
	{ "icmp-proto-unreachable", "proto-unreach" },
	{ "icmp-port-unreachable", "port-unreach" },
	{ "icmp-net-prohibited", "net-prohib" },
	{ "icmp-host-prohibited", "host-prohib" },
	{ "tcp-reset", "tcp-rst" },
	{ "icmp-admin-prohibited", "admin-prohib" },
};

#define REJECT_DEFAULT 3
#define REJECT_TCPRESET 6

struct reject {
	int  kind;
	bool given;
};

static const struct fw_opt reject_opts[] = { { "reject-with", 0, 1, false },
	{ NULL, 0, 0, false } };

static int
reject_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct reject *r = d;
	size_t	       i;

	(void)id;
	(void)inv;
	for (i = 0; i < sizeof(reject_kinds) / sizeof(reject_kinds[0]); i++)
		if (strcasecmp(args[0], reject_kinds[i].name) == 0 ||
		    strcasecmp(args[0], reject_kinds[i].alias) == 0) {
			r->kind = (int)i;
			r->given = true;
			return 0;
		}
	fw_error(p->diag, "unknown reject type '%s'", args[0]);
	return -1;
}

static int
reject_final(struct fw_parse *p, void *d)
{
	struct reject *r = d;

	if (!r->given)
		r->kind = REJECT_DEFAULT;
	if (r->kind == REJECT_TCPRESET &&
	    (p->rule->proto != IPPROTO_TCP || (p->rule->inv & FW_INV_PROTO))) {
		fw_error(p->diag,
		    "REJECT --reject-with tcp-reset needs -p tcp "
		    "(the kernel refuses it otherwise)");
		return -1;
	}
	return 0;
}

static void
reject_save(const void *d, FILE *f)
{
	fprintf(f, " --reject-with %s",
	    reject_kinds[((const struct reject *)d)->kind].name);
}

static void
reject_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev,
    char *out, size_t len)
{
	(void)pk;
	(void)ev;
	snprintf(out, len, "REJECT(%s)",
	    reject_kinds[((const struct reject *)d)->kind].name);
}

const struct fw_targetdef fw_target_reject = {
	.name = "REJECT",
	.opts = reject_opts,
	.size = sizeof(struct reject),
	.hooks = HOOKS_LOCAL,
	.tables = 1u << FW_FILTER,
	.action = FW_ACT_VERDICT,
	.parse = reject_parse,
	.final = reject_final,
	.save = reject_save,
	.run = reject_run,
};

/* LOG: syslog levels by name or number; the prefix holds 29 bytes. */
static const char *const log_levels[8] = { "emerg", "alert", "crit", "error",
	"warning", "notice", "info", "debug" };

#define LOG_PREFIXMAX 29
#define LOG_DEFLEVEL 4

enum { L_LEVEL, L_PREFIX, L_TCPSEQ, L_TCPOPT, L_IPOPT, L_UID, L_MACDEC };

struct log {
	int	     level;
	bool	     level_given;
	char	     prefix[LOG_PREFIXMAX + 1];
	unsigned int flags; /* 1 << L_TCPSEQ ... */
};

static const struct fw_opt log_opts[] = { { "log-level", L_LEVEL, 1, false },
	{ "log-prefix", L_PREFIX, 1, false },
	{ "log-tcp-sequence", L_TCPSEQ, 0, false },
	{ "log-tcp-options", L_TCPOPT, 0, false },
	{ "log-ip-options", L_IPOPT, 0, false }, { "log-uid", L_UID, 0, false },
	{ "log-macdecode", L_MACDEC, 0, false }, { NULL, 0, 0, false } };

static const char *const log_flagopt[] = { NULL, NULL, "--log-tcp-sequence",
	"--log-tcp-options", "--log-ip-options", "--log-uid",
	"--log-macdecode" };

static int
log_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct log *l = d;
	uintmax_t   v;
	size_t	    i;

	(void)inv;
	switch (id) {
	case L_LEVEL:
		for (i = 0; i < 8; i++)
			if (strcasecmp(args[0], log_levels[i]) == 0)
				break;
		if (i < 8)
			v = i;
		else if (ipt_strtoui(args[0], 0, 7, &v) == -1) {
			fw_error(p->diag,
			    "--log-level '%s': 0 to 7 or a "
			    "syslog level name",
			    args[0]);
			return -1;
		}
		l->level = (int)v;
		l->level_given = true;
		return 0;
	case L_PREFIX:
		if (strlen(args[0]) > LOG_PREFIXMAX)
			fw_warn(p->diag,
			    "--log-prefix is cut to %d bytes, as "
			    "iptables does",
			    LOG_PREFIXMAX);
		snprintf(l->prefix, sizeof(l->prefix), "%s", args[0]);
		return 0;
	default:
		l->flags |= 1u << id;
		return 0;
	}
}

static int
log_final(struct fw_parse *p, void *d)
{
	struct log *l = d;

	(void)p;
	if (!l->level_given)
		l->level = LOG_DEFLEVEL;
	return 0;
}

static void
log_save(const void *d, FILE *f)
{
	const struct log *l = d;
	int		  i;

	if (l->prefix[0] != '\0') {
		fputs(" --log-prefix", f);
		fw_save_string(f, l->prefix);
	}
	if (l->level != LOG_DEFLEVEL)
		fprintf(f, " --log-level %d", l->level);
	for (i = L_TCPSEQ; i <= L_MACDEC; i++)
		if (l->flags & (1u << i))
			fprintf(f, " %s", log_flagopt[i]);
}

/* Non-terminating: the evaluator reports that it logged and goes on. */
/*
 * A packet as the kernel's LOG target writes it (nf_log_ipv4.c: IN= OUT=
 * SRC= DST= LEN= TOS= TTL= PROTO= and the ports or ICMP type), for the
 * fields moat knows.
 */
void
fw_log_packet(FILE *f, const char *prefix, const struct fw_pkt *pk)
{
	char	    src[ADDR_STRLEN], dst[ADDR_STRLEN], num[4];
	const char *proto;

	fprintf(f, "%sIN=%s OUT=%s SRC=%s DST=%s LEN=%u TOS=0x%02X TTL=%u",
	    prefix, pk->in, pk->out, addr_ntop(&pk->src, src, sizeof(src)),
	    addr_ntop(&pk->dst, dst, sizeof(dst)), pk->len, pk->tos, pk->ttl);
	proto = fw_proto_name(pk->proto, num, sizeof(num));
	if (pk->proto == IPPROTO_TCP || pk->proto == IPPROTO_UDP)
		fprintf(f, " PROTO=%s SPT=%u DPT=%u",
		    pk->proto == IPPROTO_TCP ? "TCP" : "UDP", pk->sport,
		    pk->dport);
	else if (pk->proto == IPPROTO_ICMP)
		fprintf(f, " PROTO=ICMP TYPE=%d CODE=%d", pk->icmp_type,
		    pk->icmp_code);
	else
		fprintf(f, " PROTO=%s", proto);
	fputc('\n', f);
}

static void
log_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev, char *out,
    size_t len)
{
	const struct log *l = d;

	if (ev->log != NULL)
		fw_log_packet(ev->log, l->prefix, pk);
	snprintf(out, len, "LOG prefix \"%s\" level %d", l->prefix, l->level);
}

const struct fw_targetdef fw_target_log = {
	.name = "LOG",
	.opts = log_opts,
	.size = sizeof(struct log),
	.action = FW_ACT_CONTINUE,
	.parse = log_parse,
	.final = log_final,
	.save = log_save,
	.run = log_run,
};

/* NFLOG: group 0 is the default and is not printed. */
enum { N_GROUP, N_PREFIX, N_RANGE, N_SIZE, N_THRESHOLD };

struct nflog {
	uint16_t     group;
	char	     prefix[64];
	uint32_t     size;
	uint16_t     threshold;
	unsigned int given;
};

static const struct fw_opt nflog_opts[] = { { "nflog-group", N_GROUP, 1,
						false },
	{ "nflog-prefix", N_PREFIX, 1, false },
	{ "nflog-range", N_RANGE, 1, false },
	{ "nflog-size", N_SIZE, 1, false },
	{ "nflog-threshold", N_THRESHOLD, 1, false }, { NULL, 0, 0, false } };

static int
nflog_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	static const uintmax_t	 max[] = { 65535, 0, UINT32_MAX, UINT32_MAX,
		  65535 };
	static const char *const names[] = { "--nflog-group", "--nflog-prefix",
		"--nflog-range", "--nflog-size", "--nflog-threshold" };
	struct nflog		*n = d;
	uintmax_t		 v;

	(void)inv;
	if (id == N_PREFIX) {
		if (strlen(args[0]) >= sizeof(n->prefix)) {
			fw_error(p->diag,
			    "--nflog-prefix is longer than 63 "
			    "bytes");
			return -1;
		}
		snprintf(n->prefix, sizeof(n->prefix), "%s", args[0]);
		return 0;
	}
	if (ipt_strtoui(args[0], 0, max[id], &v) == -1) {
		fw_error(p->diag, "%s '%s': a number up to %ju", names[id],
		    args[0], max[id]);
		return -1;
	}
	if (id == N_RANGE) {
		fw_warn(p->diag,
		    "--nflog-range never worked and is ignored "
		    "(iptables drops it too); use --nflog-size");
		return 0;
	}
	n->given |= 1u << id;
	if (id == N_GROUP)
		n->group = (uint16_t)v;
	else if (id == N_SIZE)
		n->size = (uint32_t)v;
	else
		n->threshold = (uint16_t)v;
	return 0;
}

static void
nflog_save(const void *d, FILE *f)
{
	const struct nflog *n = d;

	if (n->prefix[0] != '\0') {
		fputs(" --nflog-prefix", f);
		fw_save_string(f, n->prefix);
	}
	if (n->group != 0)
		fprintf(f, " --nflog-group %u", n->group);
	if (n->given & (1u << N_SIZE))
		fprintf(f, " --nflog-size %u", n->size);
	if (n->given & (1u << N_THRESHOLD))
		fprintf(f, " --nflog-threshold %u", n->threshold);
}

static void
nflog_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev, char *out,
    size_t len)
{
	const struct nflog *n = d;
	char		    head[96];

	snprintf(head, sizeof(head), "nflog group %u: %s", n->group, n->prefix);
	if (ev->log != NULL)
		fw_log_packet(ev->log, head, pk);
	snprintf(out, len, "NFLOG group %u prefix \"%s\"", n->group, n->prefix);
}

const struct fw_targetdef fw_target_nflog = {
	.name = "NFLOG",
	.opts = nflog_opts,
	.size = sizeof(struct nflog),
	.action = FW_ACT_CONTINUE,
	.parse = nflog_parse,
	.save = nflog_save,
	.run = nflog_run,
};

/* MARK and CONNMARK's set forms reduce to mark = (mark & ~mask) ^ value,
 * which is what --set-xmark prints (xt_MARK, xt_CONNMARK). */
enum {
	K_SETX,
	K_SET,
	K_AND,
	K_OR,
	K_XOR,
	K_SAVE,
	K_RESTORE,
	K_NFMASK,
	K_CTMASK,
	K_MASK
};

struct xmark {
	uint32_t value, mask;
	int	 mode; /* K_SETX, K_SAVE or K_RESTORE */
	uint32_t nfmask, ctmask;
	bool	 given;
};

static const struct fw_opt mark_opts[] = { { "set-xmark", K_SETX, 1, false },
	{ "set-mark", K_SET, 1, false }, { "and-mark", K_AND, 1, false },
	{ "or-mark", K_OR, 1, false }, { "xor-mark", K_XOR, 1, false },
	{ NULL, 0, 0, false } };

static const struct fw_opt connmark_opts[] = {
	{ "set-xmark", K_SETX, 1, false }, { "set-mark", K_SET, 1, false },
	{ "and-mark", K_AND, 1, false }, { "or-mark", K_OR, 1, false },
	{ "xor-mark", K_XOR, 1, false }, { "save-mark", K_SAVE, 0, false },
	{ "restore-mark", K_RESTORE, 0, false },
	{ "nfmask", K_NFMASK, 1, false }, { "ctmask", K_CTMASK, 1, false },
	{ "mask", K_MASK, 1, false }, { NULL, 0, 0, false }
};

static int
xmark_parse(struct fw_parse *p, void *d, int id, char **args, bool inv)
{
	struct xmark *x = d;
	uint32_t      v, m;

	(void)inv;
	if (id <= K_RESTORE && x->given) {
		fw_error(p->diag,
		    "only one of --set-xmark, --set-mark, "
		    "--and-mark, --or-mark, --xor-mark, --save-mark and "
		    "--restore-mark");
		return -1;
	}
	if (id == K_SAVE || id == K_RESTORE) {
		x->mode = id;
		x->given = true;
		if (x->nfmask == 0 && x->ctmask == 0)
			x->nfmask = x->ctmask = UINT32_MAX;
		return 0;
	}
	if (fw_parse_mark(p, "mark", args[0], &v, &m) == -1)
		return -1;
	switch (id) {
	case K_NFMASK:
		x->nfmask = v;
		return 0;
	case K_CTMASK:
		x->ctmask = v;
		return 0;
	case K_MASK:
		x->nfmask = x->ctmask = v;
		return 0;
	case K_SETX:
		x->value = v;
		x->mask = m;
		break;
	case K_SET: /* mark = (mark & ~m) | v */
		x->value = v;
		x->mask = m | v;
		break;
	case K_AND: /* mark &= v */
		x->value = 0;
		x->mask = ~v;
		break;
	case K_OR: /* mark |= v */
		x->value = v;
		x->mask = v;
		break;
	case K_XOR: /* mark ^= v */
		x->value = v;
		x->mask = 0;
		break;
	}
	x->mode = K_SETX;
	x->given = true;
	return 0;
}

static int
xmark_final(struct fw_parse *p, void *d)
{
	if (!((struct xmark *)d)->given) {
		fw_error(p->diag,
		    "MARK/CONNMARK needs one of --set-xmark, "
		    "--set-mark, --and-mark, --or-mark, --xor-mark");
		return -1;
	}
	return 0;
}

static void
xmark_save(const void *d, FILE *f)
{
	const struct xmark *x = d;

	if (x->mode == K_SETX)
		fprintf(f, " --set-xmark 0x%x/0x%x", x->value, x->mask);
	else
		fprintf(f, " --%s-mark --nfmask 0x%x --ctmask 0x%x",
		    x->mode == K_SAVE ? "save" : "restore", x->nfmask,
		    x->ctmask);
}

static void
mark_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev, char *out,
    size_t len)
{
	const struct xmark *x = d;

	(void)pk;
	ev->mark = (ev->mark & ~x->mask) ^ x->value;
	snprintf(out, len, "MARK set 0x%x", ev->mark);
}

static void
connmark_run(const void *d, const struct fw_pkt *pk, struct fw_eval *ev,
    char *out, size_t len)
{
	const struct xmark *x = d;

	(void)pk;
	if (x->mode == K_SETX)
		ev->ctmark = (ev->ctmark & ~x->mask) ^ x->value;
	else if (x->mode == K_SAVE)
		ev->ctmark = (ev->ctmark & ~x->ctmask) ^ (ev->mark & x->nfmask);
	else
		ev->mark = (ev->mark & ~x->nfmask) ^ (ev->ctmark & x->ctmask);
	snprintf(
	    out, len, "CONNMARK ctmark 0x%x mark 0x%x", ev->ctmark, ev->mark);
}

const struct fw_targetdef fw_target_mark = {
	.name = "MARK",
	.opts = mark_opts,
	.size = sizeof(struct xmark),
	.action = FW_ACT_CONTINUE,
	.parse = xmark_parse,
	.final = xmark_final,
	.save = xmark_save,
	.run = mark_run,
};

const struct fw_targetdef fw_target_connmark = {
	.name = "CONNMARK",
	.opts = connmark_opts,
	.size = sizeof(struct xmark),
	.action = FW_ACT_CONTINUE,
	.parse = xmark_parse,
	.final = xmark_final,
	.save = xmark_save,
	.run = connmark_run,
};
