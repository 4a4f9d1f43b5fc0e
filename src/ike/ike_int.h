/* The engine's insides, shared by sa.c and the exchange files. */
#ifndef MOAT_IKE_INT_H
#define MOAT_IKE_INT_H

#include "crypto.h"
#include "ike.h"
#include "proposal.h"

#define IKE_RETRANS_MS 1000 /* first retransmission; doubles each time */
#define IKE_RETRANS_TRIES 5
#define IKE_HALFOPEN_MS 30000 /* an IKE_SA_INIT not followed by IKE_AUTH */
#define IKE_IDTEXT 256
#define IKE_COOKIE_AFTER 64 /* half-open SAs before COOKIEs are asked for */
#define IKE_HALFOPEN_MAX 4096 /* half-open SAs before none is taken */

enum ike_state {
	IKE_S_INIT, /* responder: IKE_SA_INIT answered, IKE_AUTH awaited */
	IKE_S_ESTABLISHED,
	IKE_S_REKEYED, /* replaced by a rekey, awaiting its Delete */
	IKE_S_DEAD, /* to be freed once back in the event loop */
};

struct ike_child {
	struct ike_child   *next;
	struct ike_sa	   *ike_sa;
	struct ev_timer	    rekey;
	struct ike_child_sa sa;
	struct ike_prop	    prop; /* as chosen, for the status */
	uint64_t	    established;
	bool		    installed;
	bool		    rekeyed; /* replaced; its Delete is due */
	/* For 2.8.1's collisions: who started the exchange that made it,
	 * and the lowest of that exchange's two nonces. */
	bool	by_peer;
	char	algs[96]; /* the proposal as status prints it */
	uint8_t nmin[IKE_NONCE_MAX];
	size_t	nminlen;
};

/* One request we sent and wait an answer for (2.1). */
struct ike_req {
	uint32_t	msgid;
	uint8_t		exch;
	uint8_t	       *msg;
	size_t		len;
	int		tries;
	struct ev_timer timer;
	/* What the answer completes. */
	int	 kind;
	uint32_t arg;
};

struct ike;

struct ike_sa {
	struct ike_sa	*next;
	struct ike	*ike;
	uint64_t	 spi_i, spi_r;
	bool		 initiator; /* we are the original initiator */
	enum ike_state	 state;
	struct ike_path	 path;
	bool		 nat; /* NAT detected: ESP goes in UDP */
	struct ike_suite suite;
	struct ike_prop	 prop;
	struct ike_keys	 keys;
	struct ike_sk	*sk_in, *sk_out;
	uint8_t		 ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t		 nilen, nrlen;
	/* The IKE_SA_INIT messages, for the AUTH payloads (2.15). */
	uint8_t	    *init_req, *init_resp;
	size_t	     init_reqlen, init_resplen;
	unsigned int sig_hashes; /* peer's SIGNATURE_HASH_ALGORITHMS */
	bool	     certreq; /* the peer asked for our certificate */
	/* Responder side of the window: requests from the peer. */
	uint32_t recv_msgid; /* next expected */
	uint8_t *resp; /* the answer to recv_msgid - 1 */
	uint8_t	 req_digest[32]; /* SHA-256 of that request */
	size_t	 resplen;
	/* Requester side: our requests (window of one). */
	uint32_t       send_msgid;
	struct ike_req req;
	bool	       req_busy;
	/* A connection of ours (the client role), with its PSK copied. */
	bool		has_conn;
	struct ike_conn conn;
	uint8_t		psk[256];
	uint8_t		gid[256]; /* the gateway's ID as it sent it */
	uint8_t		gidtype;
	size_t		gidlen;
	struct addr	dns[IKE_MAXDNS]; /* what the gateway pushed */
	size_t		ndns;
	char		algs[96];
	/* The peer. */
	char		  peer_id[IKE_IDTEXT];
	bool		  leased;
	struct addr	  vip;
	struct ike_child *children;
	/* A rekey of ours under way (CREATE_CHILD_SA we sent). */
	struct {
		uint8_t	       ni[32];
		uint32_t       spi; /* the new CHILD_SA's inbound SPI */
		uint64_t       spi_i; /* the new IKE_SA's SPI */
		struct ike_dh *dh;
	} pend;
	/* When the peer rekeyed this SA: the SA that replaced it and the
	 * lowest nonce of that exchange (2.8.2's collisions). */
	uint64_t	succ_i, succ_r;
	uint8_t		rk_nmin[IKE_NONCE_MAX];
	size_t		rk_nminlen;
	uint64_t	established, last_rx;
	struct ev_timer life; /* half-open expiry, or the IKE rekey */
	struct ev_timer dpd;
};

struct ike {
	struct ike_conf conf;
	struct ike_ops	ops;
	struct ev_loop *loop;
	struct ike_sa  *sas;
	struct ev_timer reap;
	uint32_t	next_reqid;
	FILE	       *keylog;
	char		conf_id[IKE_IDTEXT]; /* ours, as text */
	uint8_t		cookie_secret[32]; /* 2.6 */
	/* Scratch for building messages, one at a time. */
	uint8_t plain[IKE_MSG_MAX], out[IKE_MSG_MAX];
	/* The decrypted message being handled: its payloads point here
	 * while the answer is built in plain. */
	uint8_t in[IKE_MSG_MAX];
};

/* sa.c */
void	       ike_sa_info(const struct ike_sa *, struct ike_sa_info *);
struct ike_sa *ike_sa_new(
    struct ike *, const struct ike_path *, uint64_t spi_i);
struct ike_sa *ike_sa_find(struct ike *, uint64_t spi_i, uint64_t spi_r);
struct ike_sa *ike_sa_find_init(
    struct ike *, uint64_t spi_i, const struct ike_path *);
/* Marks the SA dead: its children are removed from the data plane, its
 * lease released, and it is freed from the event loop. */
void	 ike_sa_kill(struct ike_sa *, const char *why);
uint64_t ike_spi_new(void);
uint32_t ike_child_spi_new(struct ike *);
int	 ike_sa_keys(struct ike_sa *, const uint8_t *shared, size_t slen,
	 const uint8_t *old_skd, uint16_t old_prf);
void	 ike_keylog(struct ike_sa *);
void	 ike_sa_established(struct ike_sa *);

/* Sending (sa.c): an answer to the request msgid, encrypted when the SA
 * has keys (plain holds the inner chain of first), cached for
 * retransmissions; or a request of ours. */
void ike_send_response(struct ike_sa *, uint8_t exch, uint32_t msgid,
    uint8_t first, const uint8_t *plain, size_t plen);
int  ike_send_request(struct ike_sa *, uint8_t exch, uint8_t first,
     const uint8_t *plain, size_t plen, int kind, uint32_t arg);
/* An unencrypted answer outside any SA (IKE_SA_INIT errors). */
void ike_send_plain(struct ike *, const struct ike_path *,
    const struct ike_hdr *, const uint8_t *, size_t);
/* An encrypted answer made of one error notify. */
void ike_send_error(
    struct ike_sa *, uint8_t exch, uint32_t msgid, uint16_t notify);

/* The exchanges: each handles a request to us or the answer to ours. */
void ike_init_request(struct ike *, const struct ike_path *, struct ike_msg *);
void ike_init_response(struct ike_sa *, struct ike_msg *);
void ike_auth_response(struct ike_sa *, struct ike_msg *);
/* The initiator's IKE_AUTH request, once IKE_SA_INIT is done. */
void ike_auth_start(struct ike_sa *);
void ike_auth_request(struct ike_sa *, struct ike_msg *);
void ike_child_request(struct ike_sa *, struct ike_msg *);
void ike_info_request(struct ike_sa *, struct ike_msg *);
void ike_info_response(
    struct ike_sa *, struct ike_msg *, int kind, uint32_t arg);
void ike_child_response(
    struct ike_sa *, struct ike_msg *, int kind, uint32_t arg);
/* Ours to start. */
void ike_info_delete_ike(struct ike_sa *);
void ike_info_dpd(struct ike_sa *);
void ike_child_rekey(struct ike_sa *, struct ike_child *);
void ike_rekey_ike(struct ike_sa *);

/* Request kinds, for the answers. */
enum {
	IKE_REQ_DPD = 1,
	IKE_REQ_DELETE_IKE,
	IKE_REQ_DELETE_CHILD,
	IKE_REQ_REKEY_CHILD,
	IKE_REQ_REKEY_IKE
};

/* child.c: a new CHILD_SA from an SA payload and TS as a responder; on
 * success the reply's SA/TSi/TSr go into w. notify set on refusal. */
struct ike_child *ike_child_respond(struct ike_sa *, const struct ike_msg *,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    const uint8_t *shared, size_t slen, uint32_t reqid, struct ike_wr *w,
    uint16_t *notify);
int		  ike_child_install(struct ike_sa *, struct ike_child *);
void ike_child_remove(struct ike_sa *, struct ike_child *, bool keep_policy);
struct ike_child *ike_child_by_spi(struct ike_sa *, uint32_t spi, bool in);
/* Whether another installed CHILD_SA of the IKE_SA shares its reqid,
 * and with it the policies. */
bool ike_child_shared(struct ike_sa *, const struct ike_child *);
/* Removes (keeping the policies another CHILD_SA shares) and frees it. */
void ike_child_delete(struct ike_sa *, struct ike_child *);
void ike_info_delete_child(struct ike_sa *, struct ike_child *);
/* Starts a CHILD_SA's rekey timer. */
void ike_child_timer(struct ike_sa *, struct ike_child *);

#endif
