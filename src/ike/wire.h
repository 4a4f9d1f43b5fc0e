/*
 * IKEv2's wire format (RFC 7296 section 3): the numbers, and the parsed
 * view of a message and of each payload.
 *
 * A received message is checked whole before anything reads it: the
 * header, then the payload chain (each generic header's length at least
 * the minimum for its type and at most what is left), then each known
 * payload's body by its own rules. Only then do the ike_pl_* functions
 * copy a body out into the structures below; they never point a struct at
 * packet bytes.
 */
#ifndef MOAT_IKE_WIRE_H
#define MOAT_IKE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"

#define IKE_HDR_LEN 28 /* 3.1 */
#define IKE_PLHDR_LEN 4 /* 3.2 */
#define IKE_VERSION 0x20 /* major 2, minor 0 */
#define IKE_MSG_MAX 65535
#define IKE_NONCE_MIN 16 /* 3.9 */
#define IKE_NONCE_MAX 256
#define IKE_SPI_LEN 8

/* 3.1: exchange types */
enum ike_exch {
	IKE_SA_INIT = 34,
	IKE_AUTH = 35,
	IKE_CREATE_CHILD_SA = 36,
	IKE_INFORMATIONAL = 37,
};

/* 3.1: flags */
#define IKE_F_INITIATOR 0x08
#define IKE_F_VERSION 0x10
#define IKE_F_RESPONSE 0x20

/* 3.2: payload types (and RFC 7383's SKF) */
enum ike_pt {
	IKE_PT_NONE = 0,
	IKE_PT_SA = 33,
	IKE_PT_KE = 34,
	IKE_PT_IDI = 35,
	IKE_PT_IDR = 36,
	IKE_PT_CERT = 37,
	IKE_PT_CERTREQ = 38,
	IKE_PT_AUTH = 39,
	IKE_PT_NONCE = 40,
	IKE_PT_N = 41,
	IKE_PT_D = 42,
	IKE_PT_V = 43,
	IKE_PT_TSI = 44,
	IKE_PT_TSR = 45,
	IKE_PT_SK = 46,
	IKE_PT_CP = 47,
	IKE_PT_EAP = 48,
	IKE_PT_SKF = 53,
};
#define IKE_PL_CRITICAL 0x80 /* 3.2: the C bit */

/* 3.3.1: protocol IDs */
enum ike_proto { IKE_PROTO_IKE = 1, IKE_PROTO_AH = 2, IKE_PROTO_ESP = 3 };

/* 3.3.2: transform types and IDs (IANA "IKEv2 Parameters") */
enum ike_xtype {
	IKE_XT_ENCR = 1,
	IKE_XT_PRF = 2,
	IKE_XT_INTEG = 3,
	IKE_XT_DH = 4,
	IKE_XT_ESN = 5,
};
enum ike_encr {
	IKE_ENCR_AES_CBC = 12,
	IKE_ENCR_AES_GCM_16 = 20, /* RFC 5282 */
	IKE_ENCR_CHACHA20_POLY1305 = 28, /* RFC 7634 */
};
enum ike_prf {
	IKE_PRF_HMAC_SHA1 = 2,
	IKE_PRF_HMAC_SHA2_256 = 5, /* RFC 4868 */
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
};
enum ike_integ {
	IKE_INTEG_NONE = 0,
	IKE_INTEG_HMAC_SHA1_96 = 2,
	IKE_INTEG_HMAC_SHA2_256_128 = 12,
	IKE_INTEG_HMAC_SHA2_384_192 = 13,
	IKE_INTEG_HMAC_SHA2_512_256 = 14,
};
enum ike_dhgroup { /* not ike_dh: crypto.h has struct ike_dh */
	IKE_DH_NONE = 0,
	IKE_DH_MODP2048 = 14, /* RFC 3526 */
	IKE_DH_ECP256 = 19, /* RFC 5903 */
	IKE_DH_ECP384 = 20,
	IKE_DH_CURVE25519 = 31, /* RFC 8031 */
};
enum ike_esn { IKE_ESN_NO = 0, IKE_ESN_YES = 1 };
#define IKE_ATTR_KEYLEN 14 /* 3.3.5, TV format (AF bit set) */

/* 3.5: ID types */
enum ike_idtype {
	IKE_ID_IPV4_ADDR = 1,
	IKE_ID_FQDN = 2,
	IKE_ID_RFC822_ADDR = 3,
	IKE_ID_IPV6_ADDR = 5,
	IKE_ID_DER_ASN1_DN = 9,
	IKE_ID_DER_ASN1_GN = 10,
	IKE_ID_KEY_ID = 11,
};

/* 3.6: certificate encodings */
enum ike_certenc { IKE_CERT_X509_SIG = 4 };

/* 3.8 and RFC 7427: authentication methods */
enum ike_authm {
	IKE_AUTH_RSA_SIG = 1,
	IKE_AUTH_PSK = 2,
	IKE_AUTH_ECDSA_256 = 9, /* RFC 4754 */
	IKE_AUTH_ECDSA_384 = 10,
	IKE_AUTH_ECDSA_521 = 11,
	IKE_AUTH_DIGITAL_SIG = 14, /* RFC 7427 */
};

/* 3.10.1: notify message types; errors below 16384 */
enum ike_notify {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI = 4,
	IKE_N_INVALID_MAJOR_VERSION = 5,
	IKE_N_INVALID_SYNTAX = 7,
	IKE_N_INVALID_MESSAGE_ID = 9,
	IKE_N_INVALID_SPI = 11,
	IKE_N_NO_PROPOSAL_CHOSEN = 14,
	IKE_N_INVALID_KE_PAYLOAD = 17,
	IKE_N_AUTHENTICATION_FAILED = 24,
	IKE_N_SINGLE_PAIR_REQUIRED = 34,
	IKE_N_NO_ADDITIONAL_SAS = 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE_N_FAILED_CP_REQUIRED = 37,
	IKE_N_TS_UNACCEPTABLE = 38,
	IKE_N_INVALID_SELECTORS = 39,
	IKE_N_TEMPORARY_FAILURE = 43,
	IKE_N_CHILD_SA_NOT_FOUND = 44,
	IKE_N_INITIAL_CONTACT = 16384,
	IKE_N_SET_WINDOW_SIZE = 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE_N_IPCOMP_SUPPORTED = 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE = 16390,
	IKE_N_USE_TRANSPORT_MODE = 16391,
	IKE_N_REKEY_SA = 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE_N_MOBIKE_SUPPORTED = 16396,
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430, /* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS = 16431, /* RFC 7427 */
};
#define IKE_N_ERROR_MAX 16383

/* 3.13.1: traffic selector types */
enum ike_tstype { IKE_TS_IPV4_ADDR_RANGE = 7, IKE_TS_IPV6_ADDR_RANGE = 8 };

/* 3.15: configuration payload */
enum ike_cfgtype {
	IKE_CFG_REQUEST = 1,
	IKE_CFG_REPLY = 2,
	IKE_CFG_SET = 3,
	IKE_CFG_ACK = 4,
};
enum ike_cfgattr {
	IKE_CA_INTERNAL_IP4_ADDRESS = 1,
	IKE_CA_INTERNAL_IP4_NETMASK = 2,
	IKE_CA_INTERNAL_IP4_DNS = 3,
	IKE_CA_INTERNAL_IP4_NBNS = 4,
	IKE_CA_INTERNAL_IP4_DHCP = 6,
	IKE_CA_APPLICATION_VERSION = 7,
	IKE_CA_INTERNAL_IP6_ADDRESS = 8,
	IKE_CA_INTERNAL_IP6_DNS = 10,
	IKE_CA_INTERNAL_IP4_SUBNET = 13,
	IKE_CA_SUPPORTED_ATTRIBUTES = 14,
	IKE_CA_INTERNAL_IP6_SUBNET = 15,
};

/* 3.10 and RFC 7427 3: hash algorithms of SIGNATURE_HASH_ALGORITHMS */
enum ike_hash {
	IKE_HASH_SHA1 = 1,
	IKE_HASH_SHA2_256 = 2,
	IKE_HASH_SHA2_384 = 3,
	IKE_HASH_SHA2_512 = 4,
};

/* ---- The parsed view --------------------------------------------- */

/* 3.1, in host byte order */
struct ike_hdr {
	uint64_t spi_i, spi_r;
	uint8_t	 next;
	uint8_t	 version;
	uint8_t	 exch;
	uint8_t	 flags;
	uint32_t msgid;
	uint32_t len;
};

/* One payload of a chain: where its body is in the message. */
struct ike_pl {
	uint8_t	 type;
	bool	 critical;
	size_t	 off; /* of the generic header, from the message start */
	size_t	 len; /* of the body, without the generic header */
	const uint8_t *body;
};

#define IKE_MAXPL 64 /* payloads in one chain; more is INVALID_SYNTAX */

struct ike_msg {
	struct ike_hdr hdr;
	const uint8_t *raw; /* the whole message, hdr.len bytes */
	size_t	       npl;
	struct ike_pl  pl[IKE_MAXPL];
	/* The SK payload, when the chain ends in one: its body is IV,
	 * ciphertext and ICV; inner chain starts with sk_next. */
	const struct ike_pl *sk;
	uint8_t	       sk_next;
};

/*
 * Why a message or payload was refused: the notify to answer with (0 for
 * none, that is, drop silently) and a sentence for the log naming the
 * field and its value.
 */
struct ike_err {
	uint16_t notify;
	uint8_t	 pltype; /* the payload at fault, 0 for the header */
	char	 why[128];
};

/*
 * msg.c. ike_msg_parse checks the header (length equal to the datagram,
 * version, a known exchange or a harmless unknown one) and the outer
 * chain; every known payload outside SK gets its body validated. An
 * unknown payload with the critical bit set is refused with
 * UNSUPPORTED_CRITICAL_PAYLOAD; without it, it is kept and ignored.
 * ike_msg_parse_inner does the same for the decrypted chain of an SK
 * payload: body is the plaintext (padding already removed) and first is
 * msg->sk_next; the inner payloads are appended to msg->pl (their off is
 * then from the start of the plaintext).
 */
int ike_msg_parse(const uint8_t *, size_t, struct ike_msg *, struct ike_err *);
int ike_msg_parse_inner(struct ike_msg *, const uint8_t *plain, size_t len,
    uint8_t first, struct ike_err *);

/* The first payload of a type, NULL if none; ike_msg_count how many. */
const struct ike_pl *ike_msg_find(const struct ike_msg *, uint8_t type);
size_t		     ike_msg_count(const struct ike_msg *, uint8_t type);
/* The first Notify of a type, NULL if none. */
const struct ike_pl *ike_msg_notify(const struct ike_msg *, uint16_t type);

/* ---- Payload bodies ------------------------------------------------ */

#define IKE_MAXPROP 16
#define IKE_MAXXF 64 /* strongSwan 5.9's default IKE proposals have 38 and 47 */

struct ike_xf {
	uint8_t	 type; /* enum ike_xtype */
	uint16_t id;
	uint16_t keylen; /* bits, from the key length attribute; 0: none */
};

struct ike_prop {
	uint8_t	     num; /* 1-based, as sent */
	uint8_t	     proto; /* enum ike_proto */
	uint8_t	     spisize; /* 0, 4 or 8 */
	uint8_t	     spi[8];
	size_t	     nxf;
	struct ike_xf xf[IKE_MAXXF];
};

/* 3.3 */
struct ike_sa_pl {
	size_t		nprop;
	struct ike_prop prop[IKE_MAXPROP];
};

/* 3.4 */
struct ike_ke_pl {
	uint16_t       group;
	const uint8_t *data;
	size_t	       len;
};

/* 3.5; body is the whole payload body, what AUTH's MACedID covers. */
struct ike_id_pl {
	uint8_t	       type;
	const uint8_t *data;
	size_t	       len;
	const uint8_t *body;
	size_t	       bodylen;
};

/* 3.6, 3.7 */
struct ike_cert_pl {
	uint8_t	       enc;
	const uint8_t *data;
	size_t	       len;
};

/* 3.8 */
struct ike_auth_pl {
	uint8_t	       method;
	const uint8_t *data;
	size_t	       len;
};

/* 3.10 */
struct ike_notify_pl {
	uint8_t	       proto;
	uint8_t	       spisize;
	uint16_t       type;
	uint8_t	       spi[8];
	const uint8_t *data;
	size_t	       len;
};

/* 3.11 */
#define IKE_MAXDEL 64
struct ike_delete_pl {
	uint8_t	 proto;
	uint8_t	 spisize;
	size_t	 nspi;
	uint32_t spi[IKE_MAXDEL]; /* ESP/AH; an IKE Delete has none */
};

/* 3.13.1 */
#define IKE_MAXTS 16
struct ike_ts {
	uint8_t	    type;
	uint8_t	    proto; /* 0: any */
	uint16_t    sport, eport;
	struct addr start, end;
};
struct ike_ts_pl {
	size_t	      nts;
	struct ike_ts ts[IKE_MAXTS];
};

/* 3.15.1 */
#define IKE_MAXATTR 32
struct ike_cfg_attr {
	uint16_t       type;
	const uint8_t *data;
	size_t	       len;
};
struct ike_cp_pl {
	uint8_t		    type;
	size_t		    nattr;
	struct ike_cfg_attr attr[IKE_MAXATTR];
};

/* Each returns 0, or -1 with e filled (the body was validated by
 * ike_msg_parse, so -1 means a limit above was passed). */
int ike_pl_sa(const struct ike_pl *, struct ike_sa_pl *, struct ike_err *);
int ike_pl_ke(const struct ike_pl *, struct ike_ke_pl *, struct ike_err *);
int ike_pl_id(const struct ike_pl *, struct ike_id_pl *, struct ike_err *);
int ike_pl_cert(const struct ike_pl *, struct ike_cert_pl *, struct ike_err *);
int ike_pl_auth(const struct ike_pl *, struct ike_auth_pl *, struct ike_err *);
int ike_pl_notify(
    const struct ike_pl *, struct ike_notify_pl *, struct ike_err *);
int ike_pl_delete(
    const struct ike_pl *, struct ike_delete_pl *, struct ike_err *);
int ike_pl_ts(const struct ike_pl *, struct ike_ts_pl *, struct ike_err *);
int ike_pl_cp(const struct ike_pl *, struct ike_cp_pl *, struct ike_err *);

/* ---- Building ------------------------------------------------------ */

/*
 * A chain of payloads being written: each ike_put_* appends one payload
 * and patches the previous one's Next Payload (or *first_next for the
 * first). Errors are sticky in w.err, so a builder checks once at the end.
 */
struct ike_wr {
	struct buf_wr w;
	size_t	      last; /* offset of the Next Payload byte to patch: the
			     * last generic header's or the IKE header's;
			     * SIZE_MAX none */
	uint8_t	      first; /* type of the first payload */
};

void ike_wr_init(struct ike_wr *, uint8_t *, size_t);
/* The IKE header, first in the buffer (its Next Payload patched by the
 * first ike_put_*, its length by ike_wr_hdr_len at the end; version 0
 * writes IKE_VERSION). */
void ike_wr_hdr(struct ike_wr *, const struct ike_hdr *);
void ike_wr_hdr_len(struct ike_wr *);

void ike_put_sa(struct ike_wr *, const struct ike_sa_pl *);
void ike_put_ke(struct ike_wr *, uint16_t group, const uint8_t *, size_t);
void ike_put_nonce(struct ike_wr *, const uint8_t *, size_t);
void ike_put_id(struct ike_wr *, uint8_t pltype, uint8_t idtype,
    const uint8_t *, size_t);
void ike_put_cert(struct ike_wr *, uint8_t pltype, uint8_t enc,
    const uint8_t *, size_t);
void ike_put_auth(struct ike_wr *, uint8_t method, const uint8_t *, size_t);
void ike_put_notify(struct ike_wr *, uint8_t proto, const uint8_t *spi,
    uint8_t spisize, uint16_t type, const uint8_t *, size_t);
void ike_put_delete(struct ike_wr *, uint8_t proto, const uint32_t *spi,
    size_t nspi);
void ike_put_ts(struct ike_wr *, uint8_t pltype, const struct ike_ts_pl *);
void ike_put_cp(struct ike_wr *, const struct ike_cp_pl *);
void ike_put_vendor(struct ike_wr *, const uint8_t *, size_t);
void ike_put_eap(struct ike_wr *, const uint8_t *, size_t);
/* 3.14: the SK payload, last of a chain: inner is the type of the first
 * payload inside; body NULL reserves len zero bytes (IV, ciphertext and
 * ICV are then written in place at w.off - len). Nothing may follow. */
void ike_put_sk(struct ike_wr *, uint8_t inner, const uint8_t *body,
    size_t len);

/* Names for logs: "IKE_SA_INIT", "NO_PROPOSAL_CHOSEN", "SA" ... or the
 * number when unknown (in a static buffer per call site is not allowed:
 * buf is the caller's, 16 bytes suffice). */
const char *ike_exch_name(uint8_t, char buf[16]);
const char *ike_pt_name(uint8_t, char buf[16]);
const char *ike_notify_name(uint16_t, char buf[16]);

#endif
