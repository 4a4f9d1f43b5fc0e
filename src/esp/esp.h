/*
 * ESP (RFC 4303) in userspace: the security association and policy
 * databases of RFC 4301, the transforms, and the anti-replay window.
 *
 * An SA is added from esp_sa_params (setkey(8) or, later, IKE) and keyed
 * once: each SA holds one OpenSSL context for its direction, and a packet
 * is sealed or opened in place in the caller's buffer, with no allocation.
 * The SAD and the SPD are owned by one thread, the data plane's; the
 * control plane changes them through esp_sadb_apply, which either applies
 * a whole list of operations or none.
 */
#ifndef MOAT_ESP_H
#define MOAT_ESP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

/* ---- The anti-replay window (replay.c) ---------------------------- */

/*
 * Kept as in RFC 6479: a ring of 64-bit blocks, so that sliding the
 * window clears whole blocks instead of shifting bits. With extended
 * sequence numbers the receiver infers the high 32 bits from the window
 * (RFC 4303 Appendix A2). A packet is checked before its ICV and the
 * window moves only after the ICV has verified.
 */
#define ESP_REPLAY_MAX 8192 /* largest window, in packets */

struct esp_replay {
	uint64_t  top; /* highest sequence number accepted; 0: none yet */
	uint32_t  window; /* 0: no replay check */
	bool	  esn;
	uint32_t  nblocks; /* a power of two */
	uint64_t *ring;
};

/* -1 if window is over ESP_REPLAY_MAX or memory is short. */
int  esp_replay_init(struct esp_replay *, uint32_t window, bool esn);
void esp_replay_free(struct esp_replay *);

/*
 * Whether a packet with the low 32 bits seql may be new, and its full
 * sequence number. Nothing changes: call esp_replay_update with *seq once
 * the ICV has verified.
 */
bool esp_replay_check(const struct esp_replay *, uint32_t seql, uint64_t *seq);
void esp_replay_update(struct esp_replay *, uint64_t seq);

/* ---- Algorithms (alg.c) ------------------------------------------- */

/* Encryption transforms (RFC 8221 names in comments). */
enum esp_enc {
	ESP_ENC_NONE,
	ESP_ENC_AES_GCM_16, /* RFC 4106: key + 4-byte salt */
	ESP_ENC_CHACHA20_POLY1305, /* RFC 7634: 32-byte key + 4-byte salt */
	ESP_ENC_AES_CBC, /* RFC 3602, with an HMAC below */
	ESP_ENC_NULL, /* RFC 2410, with an HMAC: integrity only */
};

enum esp_auth {
	ESP_AUTH_NONE, /* with an AEAD */
	ESP_AUTH_HMAC_SHA1_96, /* RFC 2404 */
	ESP_AUTH_HMAC_SHA256_128, /* RFC 4868 */
	ESP_AUTH_HMAC_SHA512_256, /* RFC 4868 */
};

#define ESP_KEY_MAX 64 /* bytes of one key, salt included */

/* What a name in setkey's -E/-A stands for, and its key lengths. */
struct esp_algdef {
	const char *name; /* setkey's */
	int	    enc; /* enum esp_enc, or -1 for an auth algorithm */
	int	    auth; /* enum esp_auth, or -1 */
	uint16_t    keybits[3]; /* accepted key lengths, 0 ends */
};

const struct esp_algdef *esp_alg_byname(const char *, bool enc);
const char		*esp_enc_name(enum esp_enc);
const char		*esp_auth_name(enum esp_auth);
/* Whether a key of this many bytes fits the algorithm. */
bool esp_enc_keylen_ok(enum esp_enc, size_t);
bool esp_auth_keylen_ok(enum esp_auth, size_t);

/* ---- Security associations ---------------------------------------- */

enum esp_mode { ESP_MODE_TRANSPORT, ESP_MODE_TUNNEL, ESP_MODE_ANY };

/* Lifetimes; 0 is no limit. add_s counts from the SA's addition
 * (setkey's -lh/-ls), use_s from its first packet; bytes are setkey's
 * -bh/-bs. */
struct esp_lifetime {
	uint64_t bytes;
	uint64_t packets;
	uint64_t add_s;
	uint64_t use_s;
};

struct esp_sa_params {
	struct addr	    src, dst; /* outer addresses, the SA's direction */
	uint16_t	    sport, dport; /* UDP encapsulation (RFC 3948) */
	bool		    udp_encap;
	uint32_t	    spi;
	enum esp_mode	    mode;
	uint32_t	    reqid;
	uint32_t	    replay; /* window in packets; 0: none */
	bool		    esn;
	enum esp_enc	    enc;
	enum esp_auth	    auth;
	uint8_t		    ekey[ESP_KEY_MAX];
	size_t		    ekeylen;
	uint8_t		    akey[ESP_KEY_MAX];
	size_t		    akeylen;
	struct esp_lifetime soft, hard;
};

/* Per-SA counters, as setkey -D and moatctl status show them. */
struct esp_sa_stats {
	uint64_t packets, bytes; /* protected payload, sealed or opened */
	uint64_t replayed; /* dropped: already seen or older than the window */
	uint64_t bad_icv; /* dropped: integrity check failed */
	uint64_t bad_sel; /* dropped: inner packet outside the SA's policy */
	uint64_t bad_pad; /* dropped: malformed trailer after decryption */
	uint64_t dropped; /* by the filter */
	uint64_t last_ms; /* ev_now_ms() of the last packet counted; 0: none */
};

struct esp_sa;

/* Expiry events, delivered by esp_sadb_expire. */
enum esp_event { ESP_EV_SOFT, ESP_EV_HARD };

/* ---- Security policies --------------------------------------------- */

enum esp_dir { ESP_DIR_IN, ESP_DIR_OUT, ESP_DIR_FWD };
enum esp_action { ESP_ACT_DISCARD, ESP_ACT_BYPASS, ESP_ACT_PROTECT };
/* setkey's levels; unique binds the policy to SAs of its reqid. */
enum esp_level {
	ESP_LEVEL_DEFAULT,
	ESP_LEVEL_USE,
	ESP_LEVEL_REQUIRE,
	ESP_LEVEL_UNIQUE
};

#define ESP_PROTO_ANY 255 /* setkey's "any" upper-layer protocol */

struct esp_sel {
	struct prefix src, dst;
	uint16_t      sport, dport; /* 0: any */
	uint8_t	      proto; /* ESP_PROTO_ANY: any */
};

struct esp_spd_params {
	struct esp_sel	sel;
	enum esp_dir	dir;
	enum esp_action action;
	int32_t		priority; /* lower is looked at first */
	/* The SA template of a protect policy (one ESP SA). */
	enum esp_mode  mode;
	struct addr    tsrc, tdst; /* tunnel mode: the SA's endpoints */
	enum esp_level level;
	uint32_t       reqid;
};

/* ---- The databases (sadb.c) ----------------------------------------- */

struct esp_sadb;

/* One setkey operation (setkey.c parses them, sadb.c applies them). */
enum esp_op_kind {
	ESP_OP_ADD,
	ESP_OP_GET,
	ESP_OP_DELETE,
	ESP_OP_DELETEALL,
	ESP_OP_FLUSH,
	ESP_OP_DUMP,
	ESP_OP_SPDADD,
	ESP_OP_SPDDELETE,
	ESP_OP_SPDFLUSH,
	ESP_OP_SPDDUMP,
};

struct esp_op {
	enum esp_op_kind      kind;
	unsigned int	      line; /* in its file, for errors */
	struct esp_sa_params  sa; /* add; get/delete: src, dst, spi */
	struct esp_spd_params sp; /* spdadd; spddelete: sel and dir */
};

/*
 * setkey.c: a setkey(8) file, parsed whole. 0 and the operations in
 * *ops (free with free()); -1 with every error reported to err as
 * "FILE:LINE: why" and nothing returned. esp_op_print writes one
 * operation in the syntax it was parsed from (the printer's output parses
 * back to the same operation).
 */
int esp_setkey_parse(
    FILE *, const char *file, struct esp_op **ops, size_t *nops, FILE *err);
void esp_op_print(const struct esp_op *, FILE *);

struct esp_sadb *esp_sadb_new(void);
void		 esp_sadb_free(struct esp_sadb *);

/*
 * Apply a list of operations in order, or none of them: on the first
 * failure every earlier change is undone, the reason is written to err
 * as "FILE:LINE: why" and -1 returned. Output of get and dump goes to
 * out. now is ev_now_ms() time, for lifetimes.
 */
int esp_sadb_apply(struct esp_sadb *, const struct esp_op *, size_t,
    const char *file, uint64_t now, FILE *out, FILE *err);

/* Soft and hard lifetimes in seconds, checked once a second: calls cb
 * for each event; an SA past its hard lifetime is then deleted. */
typedef void esp_event_cb(void *, enum esp_event, const struct esp_sa *);
void esp_sadb_expire(struct esp_sadb *, uint64_t now, esp_event_cb *, void *);

/* The SA of an inbound packet by its SPI and outer destination. */
struct esp_sa *esp_sa_lookup(
    const struct esp_sadb *, uint32_t spi, const struct addr *dst);

/* The policy of a packet in a direction, and for protect policies the SA
 * that carries it out (NULL: no SA, the packet is dropped). */
const struct esp_spd_params *esp_spd_lookup(
    struct esp_sadb *, enum esp_dir, const struct esp_sel *, struct esp_sa **);

/* Whether an inner packet opened by sa may pass (RFC 4301 5.2, and the
 * way Linux checks its in and fwd policies after decryption). */
bool esp_spd_admits(struct esp_sadb *, enum esp_dir, const struct esp_sel *,
    const struct esp_sa *);

const struct esp_sa_params *esp_sa_params(const struct esp_sa *);
const struct esp_sa_stats  *esp_sa_stats(const struct esp_sa *);
size_t			    esp_sa_count(const struct esp_sadb *);
size_t			    esp_sa_memory(const struct esp_sa *);

/* ---- The transforms (esp.c) ---------------------------------------- */

/* Room a sealed packet needs beyond its payload: header, IV, the most
 * padding, trailer and ICV. */
#define ESP_OVERHEAD_MAX (8 + 16 + 17 + 32)

enum esp_err {
	ESP_OK,
	ESP_E_SHORT, /* not even an ESP header, or no room to seal */
	ESP_E_REPLAY,
	ESP_E_ICV,
	ESP_E_PAD,
	ESP_E_SEQ, /* outbound: the sequence number would cycle */
	ESP_E_EXPIRED, /* past a hard lifetime in bytes or packets */
};

const char *esp_err_str(enum esp_err);

/*
 * Seal: buf holds the payload (an IP packet in tunnel mode, the upper
 * layer in transport mode) at offset ESP_HDR_ROOM, with cap bytes in all;
 * on success *out and *outlen give the ESP packet (header to ICV), still
 * inside buf. next is the Next Header value.
 */
#define ESP_HDR_ROOM 24 /* header and the largest IV */

enum esp_err esp_seal(struct esp_sa *, uint8_t *buf, size_t cap, size_t len,
    uint8_t next, uint64_t now, uint8_t **out, size_t *outlen);

/*
 * Open an ESP packet in place: on success *payload and *plen give the
 * decrypted payload and *next its Next Header. The replay window moves
 * and the counters count only for a packet whose ICV verified.
 */
enum esp_err esp_open(struct esp_sa *, uint8_t *pkt, size_t len, uint64_t now,
    uint8_t **payload, size_t *plen, uint8_t *next);

/* The SPI of an ESP packet, -1 if too short to have one. */
int esp_spi(const uint8_t *, size_t, uint32_t *);

/* Count a packet that the filter or the selector check dropped. */
void esp_sa_count_drop(struct esp_sa *, bool selector);

/* ---- The data plane (dp.c, tun.c) ---------------------------------- */

/*
 * One thread moves packets between the TUN device and the ESP sockets
 * (raw IP protocol 50, and UDP with RFC 3948 encapsulation), in batches,
 * and puts each through the filter as DESIGN.md's packet path says. It
 * owns the SAD, the SPD and the evaluator while it runs; the control
 * plane reaches them through esp_dp_call.
 */
struct fw_evaluator;

struct esp_dp_conf {
	char	    tun[IFNAMSIZ];
	struct addr local; /* the tunnel endpoint the sockets bind to */
	uint16_t    natt_port; /* UDP encapsulation; 0: none */
	uint32_t    outer_mtu; /* the path MTU towards the peers */
	int	    queue; /* NFQUEUE queue of cleartext traffic, or -1 */
	uint16_t    ike_port; /* IKE's own port (500); 0: no IKE */
};

/*
 * IKE datagrams pass through the data plane too, so that the filter sees
 * them as INPUT and OUTPUT packets: the data plane owns the UDP sockets
 * (IKE's port and natt_port) and exchanges IKE messages with the control
 * plane over a SOCK_SEQPACKET pair, each record this header and then the
 * IKE message (without RFC 3948's non-ESP marker, which the data plane
 * strips and adds on natt_port).
 */
struct esp_ike_hdr {
	struct addr local, remote;
	uint16_t    lport, rport;
};

struct esp_dp_stats {
	uint64_t rx, tx; /* ESP packets received and sent */
	uint64_t tun_rx, tun_tx; /* packets read from and written to TUN,
				  * a TCP super-packet (gso.c) once */
	uint64_t fw_in, fw_out; /* dropped by the filter, in and out */
	uint64_t no_sa; /* inbound SPI unknown */
	uint64_t no_policy; /* outbound: no policy, or discard */
	uint64_t no_out_sa; /* outbound: a protect policy without an SA */
	uint64_t bad; /* not IPv4, truncated, bad trailer ... */
	uint64_t too_big; /* DF set and over the MTU: ICMP sent back */
	uint64_t nonesp; /* UDP: keepalives and IKE with no IKE handler */
	uint64_t ike_rx, ike_tx; /* IKE datagrams handed over and sent */
	uint64_t fw_ike; /* IKE datagrams the filter dropped, in or out */
	uint64_t errors; /* sends and writes that failed */
	uint64_t fw_clear; /* queued cleartext packets the filter dropped */
};

int	       esp_tun_open(const char *name, uint32_t mtu);
struct esp_dp *esp_dp_new(const struct esp_dp_conf *, int tunfd,
    struct esp_sadb *, struct fw_evaluator *);
int	       esp_dp_start(struct esp_dp *);
/* Stops the thread; the SAD and the evaluator remain the caller's. */
void esp_dp_free(struct esp_dp *);
/* Run fn(arg) on the data plane's thread between two batches, and wait. */
void esp_dp_call(struct esp_dp *, void (*fn)(void *), void *);
const struct esp_dp_stats *esp_dp_stats(const struct esp_dp *);
/* The control plane's end of the IKE channel; -1 without ike_port. */
int esp_dp_ike_fd(const struct esp_dp *);
/* SAD events from the data plane (expiry), run on its thread. */
void esp_dp_on_event(struct esp_dp *, esp_event_cb *, void *);

#endif
