/*
 * bench/ike-load: the load generator of bench/ike. N roadwarriors, at
 * most K of them connecting at a time, each an IKE_SA_INIT, an IKE_AUTH
 * with a configuration request and the first CHILD_SA against one
 * gateway, moat's or strongSwan's: the same messages either way.
 *
 * Each connection is moat's own initiator (ike_connect) with its own
 * identity, rwI.DOMAIN for I = 1..N, because a roadwarrior gateway gives
 * each identity one virtual address and a second tunnel to the same
 * address would need the same policies twice. One engine per
 * connection, since an engine has one identity of its own; all of them
 * share one event loop and two UDP sockets, on ports 500 and 4500 (with
 * the 4-byte non-ESP marker of RFC 3948 2.2 on 4500), and an answer goes
 * to the engine whose IKE SPI it carries. There is no data plane:
 * CHILD_SAs are counted, not installed.
 *
 * Authentication: PSK (-p SECRET: connection I uses "SECRET-I") or an
 * ECDSA P-256 certificate per connection (-c CA.pem -K CA.key), made
 * here before the clock starts, naming DNS:rwI.DOMAIN and signed by the
 * CA that also vouches for the gateway.
 *
 * It prints one "result" line of key=value pairs: setups per second as
 * established tunnels over the wall time from the first IKE_SA_INIT to
 * the last tunnel up, failures, and percentiles of the time from a
 * connection's IKE_SA_INIT to its tunnel up. With -w the tunnels stay up
 * after "established N" until a line or end of file on standard input,
 * so that the gateway's memory can be read; then every IKE_SA is deleted.
 *
 * Run without arguments (as make bench runs every bench program) it says
 * what it is and exits 0: bench/ike runs it in namespaces.
 */
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "ev.h"
#include "ike.h"
#include "log.h"
#include "proposal.h"
#include "wire.h"

#define IKE_PORT 500
#define NATT_PORT 4500
#define MAXCONN 65536
#define SHOW_FAILS 5 /* reasons printed */
#define SOCKBUF (4 << 20)
#define IKE_PROPOSAL "aes128gcm16-prfsha256-x25519"
#define ESP_PROPOSAL "aes128gcm16"
#define REMOTE_TS "10.0.1.0/24"

enum cstate { C_IDLE, C_CONNECTING, C_UP, C_FAILED };

struct load;

struct conn {
	struct load    *l;
	unsigned int	idx; /* 1..N */
	struct ike     *ike;
	struct ike_conf conf;
	struct ike_cred cred;
	char		psk[128];
	uint64_t	spi_i;
	enum cstate	state;
	uint64_t	t_start, t_up; /* us */
};

struct load {
	struct ev_loop *loop;
	int		fd500, fd4500;
	struct ev_io	io500, io4500, ioin;
	struct ev_timer kick, deadline;
	struct addr	local, gw;
	uint8_t		gwidtype, gwid[256];
	size_t		gwidlen;
	const char     *domain;
	const char     *secret; /* NULL: certificates */
	EVP_PKEY       *cakey;
	X509	       *cacert;
	X509_STORE     *cas;
	struct ike_prop ike_prop, esp_prop;
	struct conn    *c;
	unsigned int	n, k, next, inflight, ok, failed, lost, shown;
	uint64_t	t_first, t_last;
	bool		stopping, waiting;
	/* Answers whose SPI matches no connection. */
	unsigned long	strays;
	/* Open addressing from our IKE SPI to a connection. */
	struct conn   **bucket;
	size_t		nbucket;
	uint8_t		buf[IKE_MSG_MAX + 4];
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static size_t
spi_slot(const struct load *l, uint64_t spi)
{
	/* The SPIs are random: their low bits spread well enough. */
	return (size_t)(spi ^ (spi >> 29)) & (l->nbucket - 1);
}

static void
spi_put(struct load *l, struct conn *c)
{
	size_t i = spi_slot(l, c->spi_i);

	while (l->bucket[i] != NULL)
		i = (i + 1) & (l->nbucket - 1);
	l->bucket[i] = c;
}

static struct conn *
spi_find(const struct load *l, uint64_t spi)
{
	size_t i = spi_slot(l, spi);

	for (; l->bucket[i] != NULL; i = (i + 1) & (l->nbucket - 1))
		if (l->bucket[i]->spi_i == spi)
			return l->bucket[i];
	return NULL;
}

/* ---- the engines' callbacks ------------------------------------------ */

static void
op_send(void *arg, const struct ike_path *p, const uint8_t *msg, size_t len)
{
	struct conn	  *c = arg;
	struct load	  *l = c->l;
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons(p->rport),
		.sin_addr = p->remote.u.v4 };
	struct iovec	   iov[2] = { { (uint8_t[4]){ 0 }, 4 },
		  { (void *)msg, len } };
	struct msghdr	   m = { .msg_name = &sin,
		  .msg_namelen = sizeof(sin),
		  .msg_iov = iov,
		  .msg_iovlen = 2 };
	int		   fd = l->fd500;

	/* RFC 3948 2.2: on the NAT-T port IKE carries a zero marker. */
	if (p->lport == NATT_PORT)
		fd = l->fd4500;
	else {
		m.msg_iov = &iov[1];
		m.msg_iovlen = 1;
	}
	if (sendmsg(fd, &m, 0) == -1)
		fprintf(stderr, "ike-load: rw%u: sendmsg: %s\n", c->idx,
		    strerror(errno));
}

/* The generator is no gateway: nobody connects to it. */
static int
op_peer(void *arg, const char *id, struct ike_peer *p)
{
	(void)arg;
	(void)id;
	(void)p;
	return -1;
}

static int
op_lease(void *arg, const char *id, struct addr *a)
{
	(void)arg;
	(void)id;
	(void)a;
	return -1;
}

static void
op_unlease(void *arg, const char *id)
{
	(void)arg;
	(void)id;
}

static int
op_child_add(void *arg, const struct ike_child_sa *sa)
{
	(void)arg;
	(void)sa;
	return 0;
}

static void
op_child_del(void *arg, const struct ike_child_sa *sa, bool keep)
{
	(void)arg;
	(void)sa;
	(void)keep;
}

static void
finished(struct load *l)
{
	if (l->inflight > 0)
		l->inflight--;
	if (!l->stopping)
		ev_timer_add(l->loop, &l->kick, 0);
}

static void
op_up(void *arg, const struct ike_sa_info *info)
{
	struct conn *c = arg;
	struct load *l = c->l;

	(void)info;
	if (c->state != C_CONNECTING)
		return;
	c->state = C_UP;
	c->t_up = now_us();
	l->t_last = c->t_up;
	l->ok++;
	finished(l);
}

static void
op_down(void *arg, const struct ike_sa_info *info, const char *why)
{
	struct conn *c = arg;
	struct load *l = c->l;

	(void)info;
	if (l->stopping)
		return;
	if (c->state == C_UP) {
		/* The gateway deleted an established tunnel. */
		l->lost++;
		c->state = C_FAILED;
		if (l->shown++ < SHOW_FAILS)
			fprintf(stderr, "ike-load: rw%u: lost after up: %s\n",
			    c->idx, why);
		return;
	}
	if (c->state != C_CONNECTING)
		return;
	c->state = C_FAILED;
	l->failed++;
	if (l->shown++ < SHOW_FAILS)
		fprintf(stderr, "ike-load: rw%u: failed: %s\n", c->idx, why);
	finished(l);
}

static const struct ike_ops OPS = { .send = op_send,
	.peer = op_peer,
	.lease = op_lease,
	.unlease = op_unlease,
	.child_add = op_child_add,
	.child_del = op_child_del,
	.up = op_up,
	.down = op_down };

/* ---- connections ----------------------------------------------------- */

/* A P-256 key and a certificate for rwI.DOMAIN signed by the CA, as a
 * roadwarrior's would be (tests/interop/lib.sh's pki_cert). */
static int
make_cred(struct load *l, struct conn *c, const char *id)
{
	X509V3_CTX     ctx;
	X509_EXTENSION *ext;
	X509_NAME      *name;
	uint8_t		serial[8];
	BIGNUM	       *bn = NULL;
	char		san[300];
	static const struct {
		int	    nid;
		const char *value;
	} exts[] = { { NID_subject_alt_name, NULL },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "clientAuth" } };
	size_t		i;
	int		rc = -1;

	if ((c->cred.key = EVP_EC_gen("P-256")) == NULL ||
	    (c->cred.cert = X509_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    !X509_set_version(c->cred.cert, 2) ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c->cred.cert)) ==
		NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(c->cred.cert), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(c->cred.cert), 30 * 86400) ==
		NULL ||
	    !X509_set_pubkey(c->cred.cert, c->cred.key) ||
	    !X509_set_issuer_name(
		c->cred.cert, X509_get_subject_name(l->cacert)))
		goto out;
	name = X509_get_subject_name(c->cred.cert);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
		(const unsigned char *)"moat bench", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)id, -1, -1, 0))
		goto out;
	snprintf(san, sizeof(san), "DNS:%s", id);
	X509V3_set_ctx(&ctx, l->cacert, c->cred.cert, NULL, NULL, 0);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, exts[i].nid,
		    exts[i].value != NULL ? exts[i].value : san);
		if (ext == NULL)
			goto out;
		if (!X509_add_ext(c->cred.cert, ext, -1)) {
			X509_EXTENSION_free(ext);
			goto out;
		}
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(c->cred.cert, l->cakey, EVP_sha256()) <= 0)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/* Connection I's engine: its identity and proof, moat's proposals. */
static int
conn_init(struct load *l, struct conn *c, unsigned int idx)
{
	char id[256];
	int  n;

	c->l = l;
	c->idx = idx;
	n = snprintf(id, sizeof(id), "rw%u.%s", idx, l->domain);
	if (n < 0 || (size_t)n >= sizeof(id) ||
	    ike_id_parse(id, &c->conf.idtype, c->conf.id, sizeof(c->conf.id),
		&c->conf.idlen) == -1) {
		fprintf(stderr, "ike-load: %s: not an identity\n", id);
		return -1;
	}
	c->conf.local = l->local;
	c->conf.ike_prop = &l->ike_prop;
	c->conf.nike_prop = 1;
	c->conf.esp_prop = &l->esp_prop;
	c->conf.nesp_prop = 1;
	/* moat.conf's default lifetimes; no DPD from the generator. */
	c->conf.ike_lifetime = 14400;
	c->conf.child_lifetime = 3600;
	c->conf.dpd = 0;
	if (l->secret != NULL) {
		n = snprintf(c->psk, sizeof(c->psk), "%s-%u", l->secret, idx);
		if (n < 0 || (size_t)n >= sizeof(c->psk)) {
			fprintf(stderr, "ike-load: the secret is too long\n");
			return -1;
		}
	} else {
		if (make_cred(l, c, id) == -1) {
			fprintf(stderr, "ike-load: %s: cannot make a "
					"certificate\n",
			    id);
			return -1;
		}
		c->conf.cred = &c->cred;
		c->conf.cas = l->cas;
	}
	return 0;
}

static void
spi_of(void *arg, const struct ike_sa_info *info)
{
	struct conn *c = arg;

	c->spi_i = info->spi_i;
}

static int
conn_start(struct load *l, struct conn *c)
{
	struct ike_conn ic = { .remote = l->gw,
		.port = IKE_PORT,
		.natt_port = NATT_PORT,
		.ridtype = l->gwidtype,
		.ridlen = l->gwidlen,
		.nremote_ts = 1 };
	struct ike_ops	ops = OPS;
	const char     *why;

	snprintf(ic.name, sizeof(ic.name), "rw%u", c->idx);
	memcpy(ic.rid, l->gwid, l->gwidlen);
	if (prefix_parse(AF_INET, REMOTE_TS, &ic.remote_ts[0], &why) == -1)
		return -1;
	if (l->secret != NULL) {
		ic.psk = (const uint8_t *)c->psk;
		ic.psklen = strlen(c->psk);
	}
	/* ike_new copies the ops: each engine's arg is its connection. */
	ops.arg = c;
	if ((c->ike = ike_new(&c->conf, &ops, l->loop)) == NULL)
		return -1;
	c->state = C_CONNECTING;
	c->t_start = now_us();
	if (l->t_first == 0)
		l->t_first = c->t_start;
	if (ike_connect(c->ike, &ic) == -1)
		return -1;
	ike_status_each(c->ike, spi_of, c);
	spi_put(l, c);
	return 0;
}

static void
kick(void *arg)
{
	struct load *l = arg;
	struct conn *c;

	while (!l->stopping && l->inflight < l->k && l->next < l->n) {
		c = &l->c[l->next++];
		l->inflight++;
		if (conn_start(l, c) == -1) {
			c->state = C_FAILED;
			l->failed++;
			l->inflight--;
			if (l->shown++ < SHOW_FAILS)
				fprintf(stderr, "ike-load: rw%u: cannot "
						"start\n",
				    c->idx);
		}
	}
	if (l->ok + l->failed == l->n && !l->waiting)
		ev_break(l->loop);
}

static void
on_deadline(void *arg)
{
	struct load *l = arg;

	fprintf(stderr, "ike-load: deadline: %u of %u not done\n",
	    l->n - l->ok - l->failed, l->n);
	ev_break(l->loop);
}

/* ---- the sockets ----------------------------------------------------- */

static void
on_udp(int fd, uint32_t events, void *arg)
{
	struct load	  *l = arg;
	struct sockaddr_in from;
	socklen_t	   flen;
	struct ike_path	   p;
	struct conn	  *c;
	const uint8_t	  *msg;
	uint64_t	   spi;
	ssize_t		   n;
	size_t		   len, i;

	(void)events;
	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, l->buf, sizeof(l->buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;
		msg = l->buf;
		len = (size_t)n;
		if (fd == l->fd4500) {
			/* Without the zero marker it is ESP, none of ours. */
			if (len < 4 || memcmp(msg, "\0\0\0\0", 4) != 0)
				continue;
			msg += 4;
			len -= 4;
		}
		if (len < 28 || from.sin_family != AF_INET)
			continue;
		for (spi = 0, i = 0; i < 8; i++)
			spi = spi << 8 | msg[i];
		if ((c = spi_find(l, spi)) == NULL || c->ike == NULL) {
			l->strays++;
			continue;
		}
		p = (struct ike_path){ .local = l->local,
			.lport = fd == l->fd4500 ? NATT_PORT : IKE_PORT,
			.rport = ntohs(from.sin_port) };
		p.remote.af = AF_INET;
		p.remote.u.v4 = from.sin_addr;
		ike_input(c->ike, &p, msg, len);
	}
}

static void
on_stdin(int fd, uint32_t events, void *arg)
{
	struct load *l = arg;
	char	     b[256];
	ssize_t	     n;

	(void)events;
	/* A line or end of file: the tunnels may go. */
	n = read(fd, b, sizeof(b));
	(void)n;
	ev_break(l->loop);
}

static int
udp_socket(const struct addr *local, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr = local->u.v4 };
	int		   fd, sz = SOCKBUF;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* K handshakes at once: room for their bursts either way. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the figures ----------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least q of them at or below. */
static double
pct_ms(const uint64_t *v, size_t n, double q)
{
	size_t r;

	if (n == 0)
		return 0;
	r = (size_t)(q * (double)n + 0.999999);
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return (double)v[r - 1] / 1000.0;
}

static void
report(const struct load *l)
{
	uint64_t     *lat;
	size_t	      m = 0;
	unsigned int  i;
	double	      wall = 0, rate = 0;
	struct rusage ru;

	if ((lat = calloc(l->n + 1, sizeof(*lat))) == NULL)
		return;
	for (i = 0; i < l->n; i++)
		if (l->c[i].t_up != 0)
			lat[m++] = l->c[i].t_up - l->c[i].t_start;
	qsort(lat, m, sizeof(*lat), cmp_u64);
	if (l->ok > 0 && l->t_last > l->t_first) {
		wall = (double)(l->t_last - l->t_first) / 1e6;
		rate = (double)l->ok / wall;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("result n=%u k=%u ok=%u failed=%u pending=%u lost=%u "
	       "wall_s=%.3f rate=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f "
	       "cpu_s=%.2f strays=%lu\n",
	    l->n, l->k, l->ok, l->failed, l->n - l->ok - l->failed, l->lost,
	    wall, rate,
	    pct_ms(lat, m, 0.50), pct_ms(lat, m, 0.90), pct_ms(lat, m, 0.99),
	    m > 0 ? (double)lat[m - 1] / 1000.0 : 0.0,
	    (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	    l->strays);
	fflush(stdout);
	free(lat);
}

/* ---- main ------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ike-load -l LOCAL -g GATEWAY -r GATEWAY-ID -n N -k K\n"
	    "           [-d DOMAIN] [-t SECONDS] [-w] "
	    "(-p SECRET | -c CA.pem -K CA.key)\n");
}

static int
load_ca(struct load *l, const char *certfile, const char *keyfile)
{
	FILE	   *f;
	const char *files[1] = { certfile };
	char	    err[512];

	if ((f = fopen(certfile, "r")) == NULL) {
		fprintf(stderr, "ike-load: %s: %s\n", certfile,
		    strerror(errno));
		return -1;
	}
	l->cacert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if ((f = fopen(keyfile, "r")) == NULL) {
		fprintf(stderr, "ike-load: %s: %s\n", keyfile,
		    strerror(errno));
		return -1;
	}
	l->cakey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (l->cacert == NULL || l->cakey == NULL) {
		fprintf(stderr, "ike-load: %s, %s: not a PEM certificate and "
				"key\n",
		    certfile, keyfile);
		return -1;
	}
	if ((l->cas = ike_ca_load(files, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ike-load: %s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct load *l;
	const char  *local = NULL, *gw = NULL, *gwid = NULL, *why;
	const char  *cafile = NULL, *cakeyfile = NULL;
	unsigned int i;
	long	     timeout = 120;
	bool	     hold = false;
	int	     ch, rc = 2;

	if (argc == 1) {
		printf("ike-load: the load generator of bench/ike, which runs "
		       "it against moatd and charon in namespaces "
		       "(sh bench/ike)\n");
		return 0;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return 2;
	l->domain = "bench.example";
	l->fd500 = l->fd4500 = -1;
	while ((ch = getopt(argc, argv, "c:d:g:k:K:l:n:p:r:t:w")) != -1) {
		switch (ch) {
		case 'c':
			cafile = optarg;
			break;
		case 'd':
			l->domain = optarg;
			break;
		case 'g':
			gw = optarg;
			break;
		case 'k':
			l->k = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'K':
			cakeyfile = optarg;
			break;
		case 'l':
			local = optarg;
			break;
		case 'n':
			l->n = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			l->secret = optarg;
			break;
		case 'r':
			gwid = optarg;
			break;
		case 't':
			timeout = strtol(optarg, NULL, 10);
			break;
		case 'w':
			hold = true;
			break;
		default:
			usage();
			goto out;
		}
	}
	if (optind != argc || local == NULL || gw == NULL || gwid == NULL ||
	    l->n == 0 || l->n > MAXCONN || l->k == 0 || timeout <= 0 ||
	    (l->secret == NULL) == (cafile == NULL) ||
	    (cafile == NULL) != (cakeyfile == NULL)) {
		usage();
		goto out;
	}
	/* The engine logs every IKE_SA; only its warnings here. */
	log_init("ike-load", LOG_TO_STDERR, LOG_LVL_WARN);
	if (addr_pton(AF_INET, local, &l->local) == -1 ||
	    addr_pton(AF_INET, gw, &l->gw) == -1 ||
	    ike_id_parse(gwid, &l->gwidtype, l->gwid, sizeof(l->gwid),
		&l->gwidlen) == -1) {
		fprintf(stderr, "ike-load: -l and -g take IPv4 addresses, -r "
				"an identity\n");
		goto out;
	}
	if (ike_proposal_parse(
		IKE_PROPOSAL, IKE_PROTO_IKE, &l->ike_prop, &why) == -1 ||
	    ike_proposal_parse(
		ESP_PROPOSAL, IKE_PROTO_ESP, &l->esp_prop, &why) == -1) {
		fprintf(stderr, "ike-load: proposal: %s\n", why);
		goto out;
	}
	if (cafile != NULL && load_ca(l, cafile, cakeyfile) == -1)
		goto out;
	for (l->nbucket = 16; l->nbucket < 2 * (size_t)l->n; l->nbucket *= 2)
		;
	if ((l->c = calloc(l->n, sizeof(*l->c))) == NULL ||
	    (l->bucket = calloc(l->nbucket, sizeof(*l->bucket))) == NULL ||
	    (l->loop = ev_loop_new()) == NULL)
		goto out;
	/* Keys and certificates before the clock starts. */
	for (i = 0; i < l->n; i++)
		if (conn_init(l, &l->c[i], i + 1) == -1)
			goto out;
	if ((l->fd500 = udp_socket(&l->local, IKE_PORT)) == -1 ||
	    (l->fd4500 = udp_socket(&l->local, NATT_PORT)) == -1) {
		fprintf(stderr, "ike-load: %s ports %u and %u: %s\n", local,
		    IKE_PORT, NATT_PORT, strerror(errno));
		goto out;
	}
	if (ev_io_add(l->loop, &l->io500, l->fd500, EPOLLIN, on_udp, l) ==
		-1 ||
	    ev_io_add(l->loop, &l->io4500, l->fd4500, EPOLLIN, on_udp, l) ==
		-1)
		goto out;
	ev_timer_init(&l->kick, kick, l);
	ev_timer_init(&l->deadline, on_deadline, l);
	ev_timer_add(l->loop, &l->deadline, (uint64_t)timeout * 1000);
	printf("ike-load: %u connections, %u at a time, %s to %s (%s)\n",
	    l->n, l->k, l->secret != NULL ? "PSK" : "ECDSA P-256", gw, gwid);
	fflush(stdout);
	kick(l);
	ev_run(l->loop);
	ev_timer_del(l->loop, &l->deadline);
	report(l);
	if (hold) {
		/* The tunnels stay up (and answer) while the gateway's
		 * memory is read. */
		printf("established %u\n", l->ok);
		fflush(stdout);
		l->waiting = true;
		if (ev_io_add(l->loop, &l->ioin, 0, EPOLLIN, on_stdin, l) == 0)
			ev_run(l->loop);
	}
	rc = l->ok == l->n && l->lost == 0 ? 0 : 1;
out:
	if (l != NULL) {
		l->stopping = true;
		for (i = 0; l->c != NULL && i < l->n; i++) {
			/* Deletes each IKE_SA at the gateway. */
			ike_free(l->c[i].ike);
			ike_cred_free(&l->c[i].cred);
			explicit_bzero(l->c[i].psk, sizeof(l->c[i].psk));
		}
		free(l->c);
		free(l->bucket);
		if (l->loop != NULL)
			ev_loop_free(l->loop);
		if (l->fd500 != -1)
			close(l->fd500);
		if (l->fd4500 != -1)
			close(l->fd4500);
		X509_STORE_free(l->cas);
		X509_free(l->cacert);
		EVP_PKEY_free(l->cakey);
		free(l);
	}
	return rc;
}
