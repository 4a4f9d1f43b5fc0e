/*
 * fw check --gateway: the walk-through. One roadwarrior client connects
 * and uses the tunnel, step by step, through the filter table with a fresh
 * evaluator, so that connection tracking sees every answer as the reply of
 * its request. Each step's packet is written as a `moatctl fw eval` line
 * and parsed back with fw_pkt_parse, so the report shows exactly what was
 * evaluated and can be replayed by hand. The packets are placed where
 * DESIGN.md's packet path puts them: IKE and ESP as INPUT/OUTPUT on the
 * external interface, decrypted traffic with its security path in FORWARD
 * (or INPUT for the gateway's own DNS).
 *
 * Ports and exchanges: RFC 7296 2.23 (IKE on UDP 500, moving to 4500 when
 * a NAT is found), RFC 3948 (ESP inside UDP 4500; to the filter the same
 * flow as IKE on 4500), RFC 4303 (ESP as IP protocol 50).
 */
#include <arpa/inet.h>
#include <string.h>

#include "fw_int.h"
#include "log.h"

/* The values a step's packet, finding and fix are written with. */
enum walk_var {
	W_CLIENT, /* the client's public address */
	W_GW, /* the gateway's public address */
	W_EXT, /* its interface */
	W_LANIF,
	W_POOL, /* the pool prefix */
	W_VPN, /* the client's address from the pool */
	W_LAN, /* the LAN prefix */
	W_HOST, /* a LAN host */
	W_DNS,
	W_SAIN, /* the security path of a decrypted packet */
	W_SAOUT, /* the SA that will encrypt an answer */
	W_NVARS
};

static const char *const walk_var_names[W_NVARS] = {
	[W_CLIENT] = "client",
	[W_GW] = "gw",
	[W_EXT] = "ext",
	[W_LANIF] = "lanif",
	[W_POOL] = "pool",
	[W_VPN] = "vpn",
	[W_LAN] = "lan",
	[W_HOST] = "host",
	[W_DNS] = "dns",
	[W_SAIN] = "sain",
	[W_SAOUT] = "saout",
};

/* A documentation address (RFC 5737) and SPIs as in DESIGN.md's
 * examples: the gateway picks the inbound one, the client the other. */
#define WALK_CLIENT "203.0.113.9"
#define WALK_SPI_IN "0xc0ffee01"
#define WALK_SPI_OUT "0xc0ffee02"

#define WALK_VARLEN 128
#define WALK_LINELEN 512
#define WALK_WHERELEN 48 /* CHAIN:N of a fw_verdict */
#define WALK_CTMAX 64 /* connections: the walk makes five */
#define WALK_NONE (-1)

struct walk_step {
	const char *name; /* for the reader; no IPsec knowledge assumed */
	const char *pkt; /* the fw eval line */
	int	    req; /* the step this answers, or WALK_NONE */
	int	    same; /* an earlier step with the same flow, or WALK_NONE */
	const char *code;
	const char *what; /* finding: "WHAT is dropped in CHAIN (RULE): " */
	const char *effect; /* ... and whom it hurts */
	const char *fix; /* the rule, after "-A CHAIN" or "-I CHAIN N" */
};

/*
 * The steps, in the order a connection makes them. A finding for a step
 * whose `same` step was already reported is left out: one fix covers
 * both.
 */
static const struct walk_step walk_steps[] = {
	{ "IKE_SA_INIT, client to gateway",
	    "hook=INPUT in={ext} src={client} dst={gw} proto=udp sport=500 "
	    "dport=500",
	    WALK_NONE, WALK_NONE, "gateway-ike",
	    "the client's first IKE message (IKE_SA_INIT, UDP port 500)",
	    "nobody can connect, since every VPN connection starts with it",
	    "-d {gw}/32 -i {ext} -p udp -m udp --dport 500 -j ACCEPT" },
	{ "IKE_SA_INIT, gateway's answer",
	    "hook=OUTPUT out={ext} src={gw} dst={client} proto=udp "
	    "sport=500 dport=500",
	    0, WALK_NONE, "gateway-ike",
	    "the gateway's IKE answer (UDP port 500)",
	    "nobody can connect, since the client never hears back",
	    "-s {gw}/32 -o {ext} -p udp -m udp --sport 500 -j ACCEPT" },
	{ "IKE_AUTH (NAT-T), client to gateway",
	    "hook=INPUT in={ext} src={client} dst={gw} proto=udp sport=4500 "
	    "dport=4500",
	    WALK_NONE, WALK_NONE, "gateway-natt",
	    "IKE on UDP port 4500 (NAT traversal: IKE_AUTH and all later "
	    "messages of a client behind NAT)",
	    "clients behind NAT (most home, hotel and mobile networks) "
	    "cannot connect",
	    "-d {gw}/32 -i {ext} -p udp -m udp --dport 4500 -j ACCEPT" },
	{ "IKE_AUTH (NAT-T), gateway's answer",
	    "hook=OUTPUT out={ext} src={gw} dst={client} proto=udp "
	    "sport=4500 dport=4500",
	    2, WALK_NONE, "gateway-natt",
	    "the gateway's IKE answer on UDP port 4500 (NAT traversal)",
	    "clients behind NAT (most home, hotel and mobile networks) "
	    "cannot connect",
	    "-s {gw}/32 -o {ext} -p udp -m udp --sport 4500 -j ACCEPT" },
	{ "ESP, client to gateway",
	    "hook=INPUT in={ext} src={client} dst={gw} proto=esp "
	    "spi=" WALK_SPI_IN,
	    WALK_NONE, WALK_NONE, "gateway-esp",
	    "ESP without UDP encapsulation (IP protocol 50: the encrypted "
	    "traffic of clients not behind NAT)",
	    "clients not behind NAT connect but cannot pass traffic",
	    "-d {gw}/32 -i {ext} -p esp -j ACCEPT" },
	{ "ESP, gateway to client",
	    "hook=OUTPUT out={ext} src={gw} dst={client} proto=esp "
	    "spi=" WALK_SPI_OUT,
	    4, WALK_NONE, "gateway-esp",
	    "ESP to the client without UDP encapsulation (IP protocol 50)",
	    "clients not behind NAT connect, but nothing comes back to them "
	    "through the tunnel",
	    "-s {gw}/32 -o {ext} -p esp -j ACCEPT" },
	{ "ESP in UDP, client to gateway",
	    "hook=INPUT in={ext} src={client} dst={gw} proto=udp sport=4500 "
	    "dport=4500",
	    WALK_NONE, 2, "gateway-natt",
	    "ESP in UDP from the client (port 4500, the same flow as IKE on "
	    "4500, which passed)",
	    "clients behind NAT connect but cannot pass traffic",
	    "-d {gw}/32 -i {ext} -p udp -m udp --dport 4500 -j ACCEPT" },
	{ "ESP in UDP, gateway to client",
	    "hook=OUTPUT out={ext} src={gw} dst={client} proto=udp "
	    "sport=4500 dport=4500",
	    6, 3, "gateway-natt",
	    "ESP in UDP to the client (port 4500, the same flow as IKE on "
	    "4500, which passed)",
	    "clients behind NAT connect, but nothing comes back to them "
	    "through the tunnel",
	    "-s {gw}/32 -o {ext} -p udp -m udp --sport 4500 -j ACCEPT" },
	{ "VPN client to LAN host",
	    "hook=FORWARD in={ext} out={lanif} src={vpn} dst={host} "
	    "proto=tcp sport=40000 dport=445 flags=S ipsec={sain}",
	    WALK_NONE, WALK_NONE, "gateway-forward",
	    "traffic from a VPN client to the LAN ({vpn} to {host}, "
	    "decrypted from the tunnel)",
	    "the tunnel comes up but the LAN cannot be reached through it",
	    "-s {pool} -d {lan} -i {ext} -o {lanif} -m policy --dir in "
	    "--pol ipsec --mode tunnel --tunnel-dst {gw} -j ACCEPT" },
	{ "LAN host's answer",
	    "hook=FORWARD in={lanif} out={ext} src={host} dst={vpn} "
	    "proto=tcp sport=445 dport=40000 flags=SA ipsec-out={saout}",
	    8, WALK_NONE, "gateway-forward",
	    "the LAN's answer to a VPN client ({host} to {vpn}, to be "
	    "encrypted into the tunnel)",
	    "the tunnel comes up and requests reach the LAN, but no answer "
	    "comes back, so connections to the LAN hang",
	    "-s {lan} -d {pool} -i {lanif} -o {ext} -m policy --dir out "
	    "--pol ipsec --mode tunnel --tunnel-src {gw} -j ACCEPT" },
	{ "DNS query, VPN client to gateway",
	    "hook=INPUT in={ext} src={vpn} dst={dns} proto=udp sport=40001 "
	    "dport=53 ipsec={sain}",
	    WALK_NONE, WALK_NONE, "gateway-dns",
	    "a DNS query from a VPN client to {dns} (through the tunnel)",
	    "VPN clients are told to ask {dns} for names, so names do not "
	    "resolve for them",
	    "-s {pool} -d {dns}/32 -i {ext} -p udp -m udp --dport 53 -m "
	    "policy --dir in --pol ipsec --mode tunnel --tunnel-dst {gw} -j "
	    "ACCEPT" },
	{ "DNS answer",
	    "hook=OUTPUT out={ext} src={dns} dst={vpn} proto=udp sport=53 "
	    "dport=40001 ipsec-out={saout}",
	    10, WALK_NONE, "gateway-dns",
	    "the DNS answer from {dns} to a VPN client (to be encrypted into "
	    "the tunnel)",
	    "VPN clients are told to ask {dns} for names, so names do not "
	    "resolve for them",
	    "-s {dns}/32 -d {pool} -o {ext} -p udp -m udp --sport 53 -m "
	    "policy --dir out --pol ipsec --mode tunnel --tunnel-src {gw} -j "
	    "ACCEPT" },
};

#define WALK_NSTEPS (sizeof(walk_steps) / sizeof(walk_steps[0]))

/* What happened to one step. */
struct walk_result {
	char		  pkt[WALK_LINELEN]; /* as evaluated */
	struct fw_verdict v;
	char		  where[WALK_WHERELEN];
	enum fw_hook	  hook;
	bool		  passed;
	bool		  probed; /* its request was dropped: see walk_one */
};

/* Replace each {name} of tmpl by its value; -1 if it does not fit or
 * names no value (a mistake in the table). */
static int
walk_expand(
    const char *tmpl, char vars[W_NVARS][WALK_VARLEN], char *out, size_t len)
{
	const char *end;
	size_t	    n = 0, k, w;
	int	    i;

	for (; *tmpl != '\0'; tmpl += k) {
		if (*tmpl != '{' || (end = strchr(tmpl, '}')) == NULL) {
			k = 1;
			if (n + 1 >= len)
				return -1;
			out[n++] = *tmpl;
			continue;
		}
		k = (size_t)(end - tmpl) + 1;
		for (i = 0; i < W_NVARS; i++)
			if (strlen(walk_var_names[i]) == k - 2 &&
			    strncmp(tmpl + 1, walk_var_names[i], k - 2) == 0)
				break;
		if (i == W_NVARS || n + (w = strlen(vars[i])) >= len)
			return -1;
		memcpy(out + n, vars[i], w);
		n += w;
	}
	out[n] = '\0';
	return 0;
}

/* The n-th address of a prefix, short of its broadcast address when it
 * has one (/30 and wider). */
static void
walk_host(const struct prefix *p, uint32_t n, struct addr *a)
{
	uint32_t hostmask = ~ntohl(p->mask.u.w[0]);
	uint32_t last = hostmask >= 3 ? hostmask - 1 : hostmask;

	*a = p->addr;
	a->u.w[0] = htonl(ntohl(p->addr.u.w[0]) + (n < last ? n : last));
}

/* The gateway's DNS is --dns, else the LAN's first host, where the story
 * puts the gateway; the LAN host is the tenth, or another that is not the
 * DNS server in a small LAN. */
static void
walk_addrs(const struct fw_check_opts *c, struct addr *vpn, struct addr *dns,
    struct addr *host)
{
	static const uint32_t candidates[] = { 10, 11, 2, 3, 1, 0 };
	size_t		      i;

	walk_host(&c->pool, 1, vpn);
	if (c->has_dns)
		*dns = c->dns;
	else
		walk_host(&c->lan, 1, dns);
	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		walk_host(&c->lan, candidates[i], host);
		if (!addr_eq(host, dns))
			break;
	}
}

static void
walk_vars(const struct fw_check_opts *c, char vars[W_NVARS][WALK_VARLEN])
{
	struct addr vpn, dns, host;
	char	    gw[ADDR_STRLEN];

	walk_addrs(c, &vpn, &dns, &host);
	addr_ntop(&c->gw_addr, gw, sizeof(gw));
	snprintf(vars[W_CLIENT], WALK_VARLEN, "%s", WALK_CLIENT);
	snprintf(vars[W_GW], WALK_VARLEN, "%s", gw);
	snprintf(vars[W_EXT], WALK_VARLEN, "%s", c->gw_if);
	snprintf(vars[W_LANIF], WALK_VARLEN, "%s", c->lan_if);
	prefix_ntop(&c->pool, vars[W_POOL], WALK_VARLEN);
	addr_ntop(&vpn, vars[W_VPN], WALK_VARLEN);
	prefix_ntop(&c->lan, vars[W_LAN], WALK_VARLEN);
	addr_ntop(&host, vars[W_HOST], WALK_VARLEN);
	addr_ntop(&dns, vars[W_DNS], WALK_VARLEN);
	snprintf(vars[W_SAIN], WALK_VARLEN,
	    "tunnel:esp:%s>%s:spi=" WALK_SPI_IN ":reqid=1", WALK_CLIENT, gw);
	snprintf(vars[W_SAOUT], WALK_VARLEN,
	    "tunnel:esp:%s>%s:spi=" WALK_SPI_OUT ":reqid=1", gw, WALK_CLIENT);
}

/*
 * Evaluate one step. An answer whose request was dropped would meet the
 * filter as a new connection, which says nothing about the gateway once
 * the request is let through; it is looked up as the established reply
 * instead (without the raw table), so that one run reports every fix.
 */
static int
walk_one(struct fw_evaluator *e, size_t i, struct walk_result *res,
    char vars[W_NVARS][WALK_VARLEN])
{
	struct walk_result *r = &res[i];
	struct fw_pkt	    pk;
	const char	   *why;
	char		    key[64];
	int		    req = walk_steps[i].req;

	if (walk_expand(walk_steps[i].pkt, vars, r->pkt, sizeof(r->pkt)) ==
	    -1) {
		log_error("gateway walk-through: step %zu does not fit", i + 1);
		return -1;
	}
	if (fw_pkt_parse(r->pkt, &pk, &why, key, sizeof(key)) != 1) {
		log_error(
		    "gateway walk-through: '%s': %s: %s", r->pkt, key, why);
		return -1;
	}
	r->hook = pk.hook;
	r->probed = req != WALK_NONE && !res[req].passed;
	if (r->probed)
		fw_lookup(e, &pk, FW_CT_ESTABLISHED, &r->v);
	else
		fw_evaluate(e, &pk, &r->v, NULL);
	r->passed = strcmp(r->v.verdict, "ACCEPT") == 0;
	/* As fw eval prints the deciding rule. */
	if (r->v.rule > 0)
		snprintf(
		    r->where, sizeof(r->where), "%s:%d", r->v.chain, r->v.rule);
	else
		snprintf(r->where, sizeof(r->where), "%s:policy", r->v.chain);
	return 0;
}

static void
walk_header(FILE *out, char vars[W_NVARS][WALK_VARLEN])
{
	fprintf(out,
	    "gateway walk-through (filter table): a VPN client at %s "
	    "connects to %s on %s,\n"
	    "gets the address %s, reaches LAN host %s on %s and asks %s "
	    "for names.\n"
	    "IKE (UDP 500, then 4500 when the client is behind NAT) sets the "
	    "tunnel up;\n"
	    "ESP (IP protocol 50, or inside UDP 4500 behind NAT) carries the "
	    "traffic.\n",
	    vars[W_CLIENT], vars[W_GW], vars[W_EXT], vars[W_VPN], vars[W_HOST],
	    vars[W_LANIF], vars[W_DNS]);
}

/* One line a step: number, name, verdict and deciding rule in a column as
 * wide as the widest, then the packet last, since it is long. */
static void
walk_report(FILE *out, const struct walk_result *res, size_t npassed)
{
	char   verdict[sizeof(res->v.verdict) + sizeof(res->where) + 1];
	int    width = (int)strlen("verdict");
	size_t i;

	for (i = 0; i < WALK_NSTEPS; i++) {
		snprintf(verdict, sizeof(verdict), "%s %s", res[i].v.verdict,
		    res[i].where);
		if ((int)strlen(verdict) > width)
			width = (int)strlen(verdict);
	}
	fprintf(out, "%-4s %-36s %-*s %s\n", "step", "what", width, "verdict",
	    "packet (as moatctl fw eval reads it)");
	for (i = 0; i < WALK_NSTEPS; i++) {
		snprintf(verdict, sizeof(verdict), "%s %s", res[i].v.verdict,
		    res[i].where);
		fprintf(out, "%4zu %-36s %-*s %s", i + 1, walk_steps[i].name,
		    width, verdict, res[i].pkt);
		if (res[i].probed)
			fprintf(out,
			    "  # looked up as the reply: step %d was not "
			    "accepted",
			    walk_steps[i].req + 1);
		fputc('\n', out);
	}
	fprintf(out, "%zu of %zu steps accepted\n", npassed, WALK_NSTEPS);
}

/* The deciding rule, if a rule decided: its chain is in the filter table,
 * or in the raw table for a packet dropped before conntrack. */
static const struct fw_rule *
walk_rule(const struct fw_ruleset *rs, const struct fw_verdict *v)
{
	static const enum fw_tableid tables[] = { FW_FILTER, FW_RAW };
	const struct fw_chain	    *ch;
	size_t			     i;

	if (v->rule <= 0)
		return NULL;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if ((ch = fw_chain_find(rs, tables[i], v->chain)) != NULL &&
		    (size_t)v->rule <= ch->nrules)
			return ch->rules[v->rule - 1];
	return NULL;
}

static const char *
walk_dropped(const char *verdict)
{
	if (strcmp(verdict, "DROP") == 0)
		return "dropped";
	if (strncmp(verdict, "REJECT", 6) == 0)
		return "rejected";
	return "not accepted";
}

/*
 * One finding for a step that was not accepted. The fix goes in front of
 * the rule that decided (ACCEPT ends the table's traversal from any
 * chain), or at the end of the hook's chain when its policy decided.
 */
static int
walk_finding(const struct fw_ruleset *rs, struct fw_diag *d, size_t i,
    const struct walk_result *r, char vars[W_NVARS][WALK_VARLEN])
{
	const struct walk_step *s = &walk_steps[i];
	const struct fw_rule   *rule = walk_rule(rs, &r->v);
	char what[WALK_LINELEN], effect[WALK_LINELEN], rest[WALK_LINELEN];
	char fix[WALK_LINELEN + 64];

	if (walk_expand(s->what, vars, what, sizeof(what)) == -1 ||
	    walk_expand(s->effect, vars, effect, sizeof(effect)) == -1 ||
	    walk_expand(s->fix, vars, rest, sizeof(rest)) == -1)
		return -1;
	if (rule != NULL && fw_chain_find(rs, FW_FILTER, r->v.chain) != NULL)
		snprintf(fix, sizeof(fix), "-I %s %d %s", r->v.chain, r->v.rule,
		    rest);
	else
		snprintf(
		    fix, sizeof(fix), "-A %s %s", fw_hook_names[r->hook], rest);
	fw_finding(d, false, rule != NULL ? rule->line : 0, s->code, fix,
	    "%s is %s in %s (%s, step %zu of the walk-through): %s", what,
	    walk_dropped(r->v.verdict), fw_hook_names[r->hook], r->where, i + 1,
	    effect);
	return 0;
}

static int
walk_run(struct fw_ruleset *rs, struct fw_evaluator *e, struct fw_diag *d,
    FILE *out, char vars[W_NVARS][WALK_VARLEN])
{
	struct walk_result res[WALK_NSTEPS];
	size_t		   i, npassed = 0;
	int		   same;

	memset(res, 0, sizeof(res));
	for (i = 0; i < WALK_NSTEPS; i++) {
		if (walk_one(e, i, res, vars) == -1)
			return -1;
		npassed += res[i].passed;
	}
	walk_header(out, vars);
	walk_report(out, res, npassed);
	for (i = 0; i < WALK_NSTEPS; i++) {
		same = walk_steps[i].same;
		if (res[i].passed || (same != WALK_NONE && !res[same].passed))
			continue;
		if (walk_finding(rs, d, i, &res[i], vars) == -1)
			return -1;
	}
	return 0;
}

int
fw_walk(struct fw_ruleset *rs, const struct fw_check_opts *c, struct fw_diag *d,
    FILE *out)
{
	struct fw_diag	     quiet = { 0 };
	struct fw_evaluator *e;
	char		     vars[W_NVARS][WALK_VARLEN];
	int		     rc;

	/* Quiet: fw check names such rules itself, and so does fw eval. */
	if (fw_evaluable(rs, FW_FILTER, &quiet) == -1) {
		fw_finding(d, false, 0, "walk-skipped", NULL,
		    "the gateway walk-through was skipped: the filter table, "
		    "or the raw table before it, has rules moat cannot "
		    "evaluate");
		return 0;
	}
	if ((e = fw_evaluator_new(rs, FW_FILTER, WALK_CTMAX)) == NULL) {
		log_error("gateway walk-through: out of memory");
		return -1;
	}
	walk_vars(c, vars);
	rc = walk_run(rs, e, d, out, vars);
	fw_evaluator_free(e);
	return rc;
}
