/*
 * Proposals: moat.conf's strongSwan-style strings ("aes128-sha256-x25519",
 * several algorithms of one kind allowed, as in strongSwan's
 * ipsec.conf(5) ike= and esp=), their printer, and the choice among a
 * peer's proposals (RFC 7296 2.7, 3.3.3, 3.3.6).
 */
#include <string.h>

#include "proposal.h"

struct kw {
	const char *name;
	uint8_t	    type;
	uint16_t    id;
	uint16_t    keylen; /* bits of the key length attribute, 0: none */
	uint8_t	    protos; /* 1 << proto where the keyword may appear */
	uint16_t    prf; /* an integrity algorithm's PRF, implied for IKE */
};

#define P_IKE (1 << IKE_PROTO_IKE)
#define P_ESP (1 << IKE_PROTO_ESP)
#define P_BOTH (P_IKE | P_ESP)

/*
 * The first name of a transform is the one printed. sha384 is IKE only:
 * the ESP data plane has no HMAC-SHA-384 (esp.h).
 */
static const struct kw kws[] = {
	{ "aes128", IKE_XT_ENCR, IKE_ENCR_AES_CBC, 128, P_BOTH, 0 },
	{ "aes192", IKE_XT_ENCR, IKE_ENCR_AES_CBC, 192, P_BOTH, 0 },
	{ "aes256", IKE_XT_ENCR, IKE_ENCR_AES_CBC, 256, P_BOTH, 0 },
	{ "aes128gcm16", IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 128, P_BOTH, 0 },
	{ "aes192gcm16", IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 192, P_BOTH, 0 },
	{ "aes256gcm16", IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 256, P_BOTH, 0 },
	{ "aes128gcm", IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 128, P_BOTH, 0 },
	{ "aes256gcm", IKE_XT_ENCR, IKE_ENCR_AES_GCM_16, 256, P_BOTH, 0 },
	/* RFC 7634 2: no key length attribute */
	{ "chacha20poly1305", IKE_XT_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0,
	    P_BOTH, 0 },
	{ "sha1", IKE_XT_INTEG, IKE_INTEG_HMAC_SHA1_96, 0, P_BOTH,
	    IKE_PRF_HMAC_SHA1 },
	{ "sha256", IKE_XT_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, P_BOTH,
	    IKE_PRF_HMAC_SHA2_256 },
	{ "sha384", IKE_XT_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, P_IKE,
	    IKE_PRF_HMAC_SHA2_384 },
	{ "sha512", IKE_XT_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, P_BOTH,
	    IKE_PRF_HMAC_SHA2_512 },
	{ "prfsha1", IKE_XT_PRF, IKE_PRF_HMAC_SHA1, 0, P_IKE, 0 },
	{ "prfsha256", IKE_XT_PRF, IKE_PRF_HMAC_SHA2_256, 0, P_IKE, 0 },
	{ "prfsha384", IKE_XT_PRF, IKE_PRF_HMAC_SHA2_384, 0, P_IKE, 0 },
	{ "prfsha512", IKE_XT_PRF, IKE_PRF_HMAC_SHA2_512, 0, P_IKE, 0 },
	{ "x25519", IKE_XT_DH, IKE_DH_CURVE25519, 0, P_BOTH, 0 },
	{ "curve25519", IKE_XT_DH, IKE_DH_CURVE25519, 0, P_BOTH, 0 },
	{ "ecp256", IKE_XT_DH, IKE_DH_ECP256, 0, P_BOTH, 0 },
	{ "ecp384", IKE_XT_DH, IKE_DH_ECP384, 0, P_BOTH, 0 },
	{ "modp2048", IKE_XT_DH, IKE_DH_MODP2048, 0, P_BOTH, 0 },
	{ "esn", IKE_XT_ESN, IKE_ESN_YES, 0, P_ESP, 0 },
	{ "noesn", IKE_XT_ESN, IKE_ESN_NO, 0, P_ESP, 0 },
};

#define NKWS (sizeof(kws) / sizeof(kws[0]))

/* The order transforms are kept and printed in. */
static const uint8_t types[] = { IKE_XT_ENCR, IKE_XT_INTEG, IKE_XT_PRF,
	IKE_XT_DH, IKE_XT_ESN };
#define NTYPES (sizeof(types) / sizeof(types[0]))

static const struct kw *
kw_byname(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < NKWS; i++)
		if (strlen(kws[i].name) == len &&
		    memcmp(kws[i].name, s, len) == 0)
			return &kws[i];
	return NULL;
}

static const struct kw *
kw_byxf(const struct ike_xf *x)
{
	size_t i;

	for (i = 0; i < NKWS; i++)
		if (kws[i].type == x->type && kws[i].id == x->id &&
		    kws[i].keylen == x->keylen)
			return &kws[i];
	return NULL;
}

static bool
xf_eq(const struct ike_xf *a, const struct ike_xf *b)
{
	return a->type == b->type && a->id == b->id && a->keylen == b->keylen;
}

static bool
has_xf(const struct ike_xf *xf, size_t n, const struct ike_xf *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (xf_eq(&xf[i], x))
			return true;
	return false;
}

static size_t
count_type_xf(const struct ike_xf *xf, size_t n, uint8_t type)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (xf[i].type == type)
			c++;
	return c;
}

static size_t
count_type(const struct ike_prop *p, uint8_t type)
{
	return count_type_xf(p->xf, p->nxf, type);
}

static const struct ike_xf *
first_of(const struct ike_prop *p, uint8_t type)
{
	size_t i;

	for (i = 0; i < p->nxf; i++)
		if (p->xf[i].type == type)
			return &p->xf[i];
	return NULL;
}

/* Appends x unless it is there already; -1 when full. */
static int
add_xf(struct ike_xf *xf, size_t *n, const struct ike_xf *x)
{
	if (has_xf(xf, *n, x))
		return 0;
	if (*n == IKE_MAXXF)
		return -1;
	xf[(*n)++] = *x;
	return 0;
}

int
ike_proposal_parse(const char *s, uint8_t proto, struct ike_prop *p,
    const char **why)
{
	struct ike_xf	 got[IKE_MAXXF], x;
	const struct kw *k;
	const char	*tok, *end;
	size_t		 ngot = 0, i, t, len;
	bool		 aead = false, plain = false, explicit_prf = false;

	*why = NULL;
	memset(p, 0, sizeof(*p));
	memset(&x, 0, sizeof(x));
	if (proto != IKE_PROTO_IKE && proto != IKE_PROTO_ESP) {
		*why = "proposals are for IKE or ESP only";
		return -1;
	}
	if (s == NULL || *s == '\0') {
		*why = "empty proposal";
		return -1;
	}
	for (tok = s;; tok = end + 1) {
		end = strchr(tok, '-');
		if (end == NULL)
			end = tok + strlen(tok);
		len = (size_t)(end - tok);
		if (len == 0) {
			*why = "empty keyword (two dashes, or one at an end)";
			return -1;
		}
		if ((k = kw_byname(tok, len)) == NULL) {
			*why = "unknown algorithm keyword";
			return -1;
		}
		if ((k->protos & (1 << proto)) == 0) {
			*why = k->type == IKE_XT_ESN ?
			    "esn and noesn are for ESP proposals" :
			    k->type == IKE_XT_PRF ?
			    "a prf keyword is for IKE proposals" :
			    "sha384 has no ESP transform in moat";
			return -1;
		}
		x.type = k->type;
		x.id = k->id;
		x.keylen = k->keylen;
		if (has_xf(got, ngot, &x)) {
			*why = "an algorithm given twice";
			return -1;
		}
		if (add_xf(got, &ngot, &x) == -1) {
			*why = "too many algorithms in one proposal";
			return -1;
		}
		if (k->type == IKE_XT_ENCR) {
			if (ike_encr_aead(k->id))
				aead = true;
			else
				plain = true;
		}
		if (k->type == IKE_XT_PRF)
			explicit_prf = true;
		if (*end == '\0')
			break;
	}

	/* RFC 5282 8 and RFC 7296 3.3: AEADs go in proposals of their own. */
	if (aead && plain) {
		*why = "AEAD and non-AEAD ciphers need separate proposals";
		return -1;
	}
	if (aead && count_type_xf(got, ngot, IKE_XT_INTEG) != 0) {
		*why = "an AEAD cipher takes no integrity algorithm";
		return -1;
	}
	if (!aead && !plain) {
		*why = "no cipher";
		return -1;
	}
	if (plain && count_type_xf(got, ngot, IKE_XT_INTEG) == 0) {
		*why = "a non-AEAD cipher needs an integrity algorithm";
		return -1;
	}
	if (proto == IKE_PROTO_IKE) {
		/* strongSwan: without prf keywords the integrity
		 * algorithms' hashes are the PRFs. */
		if (!explicit_prf)
			for (i = 0; i < ngot; i++) {
				if (got[i].type != IKE_XT_INTEG)
					continue;
				k = kw_byxf(&got[i]);
				x.type = IKE_XT_PRF;
				x.id = k->prf;
				x.keylen = 0;
				if (add_xf(got, &ngot, &x) == -1) {
					*why = "too many algorithms in one "
					       "proposal";
					return -1;
				}
			}
		if (count_type_xf(got, ngot, IKE_XT_PRF) == 0) {
			*why = "no PRF (an AEAD needs a prf keyword)";
			return -1;
		}
		if (count_type_xf(got, ngot, IKE_XT_DH) == 0) {
			*why = "no key exchange group";
			return -1;
		}
	} else if (count_type_xf(got, ngot, IKE_XT_ESN) == 0) {
		x.type = IKE_XT_ESN;
		x.id = IKE_ESN_NO;
		x.keylen = 0;
		if (add_xf(got, &ngot, &x) == -1) {
			*why = "too many algorithms in one proposal";
			return -1;
		}
	}

	p->proto = proto;
	for (t = 0; t < NTYPES; t++)
		for (i = 0; i < ngot; i++)
			if (got[i].type == types[t])
				p->xf[p->nxf++] = got[i];
	return 0;
}

int
ike_proposal_print(const struct ike_prop *p, char *out, size_t cap)
{
	const struct kw *k;
	size_t		 t, i, off = 0, len;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (t = 0; t < NTYPES; t++)
		for (i = 0; i < p->nxf; i++) {
			if (p->xf[i].type != types[t])
				continue;
			/* A chosen proposal may carry the peer's NONE. */
			if ((p->xf[i].type == IKE_XT_INTEG ||
				p->xf[i].type == IKE_XT_DH) &&
			    p->xf[i].id == 0)
				continue;
			if ((k = kw_byxf(&p->xf[i])) == NULL)
				return -1;
			len = strlen(k->name);
			if (off + (off != 0) + len + 1 > cap)
				return -1;
			if (off != 0)
				out[off++] = '-';
			memcpy(out + off, k->name, len + 1);
			off += len;
		}
	return off != 0 ? 0 : -1;
}

static bool
type_known(uint8_t type)
{
	size_t t;

	for (t = 0; t < NTYPES; t++)
		if (types[t] == type)
			return true;
	return false;
}

/*
 * The transform of type t that theirs and ours agree on: the first of
 * theirs (their preference) that ours has. A type ours lacks is only
 * acceptable as the peer's NONE (INTEG with an AEAD, DH without PFS);
 * a peer lacking ESN means no ESN (3.3.3), if ours allows that. 1 with
 * *x set, 0 when the type is absent from both (or ESN taken as noesn),
 * -1 when there is nothing common.
 */
static int
choose(const struct ike_prop *theirs, const struct ike_prop *ours,
    uint8_t type, struct ike_xf *x)
{
	const struct ike_xf noesn = { IKE_XT_ESN, IKE_ESN_NO, 0 };
	size_t		    i, nours = count_type(ours, type);

	if (count_type(theirs, type) == 0) {
		if (nours == 0)
			return 0;
		if (type == IKE_XT_ESN &&
		    has_xf(ours->xf, ours->nxf, &noesn))
			return 0;
		return -1;
	}
	for (i = 0; i < theirs->nxf; i++) {
		const struct ike_xf *t = &theirs->xf[i];

		if (t->type != type)
			continue;
		if (nours == 0 ? (type == IKE_XT_INTEG || type == IKE_XT_DH) &&
			t->id == 0 :
				 has_xf(ours->xf, ours->nxf, t)) {
			*x = *t;
			return 1;
		}
	}
	return -1;
}

/* 3.3.3's mandatory types, and RFC 5282 8's AEAD without integrity. */
static bool
complete(const struct ike_prop *c)
{
	const struct ike_xf *e = first_of(c, IKE_XT_ENCR);
	const struct ike_xf *i = first_of(c, IKE_XT_INTEG);
	bool		     aead;

	if (e == NULL)
		return false;
	aead = ike_encr_aead(e->id);
	if (aead && i != NULL && i->id != IKE_INTEG_NONE)
		return false;
	if (!aead && (i == NULL || i->id == IKE_INTEG_NONE))
		return false;
	if (c->proto == IKE_PROTO_IKE) {
		const struct ike_xf *d = first_of(c, IKE_XT_DH);

		if (first_of(c, IKE_XT_PRF) == NULL || d == NULL ||
		    d->id == IKE_DH_NONE || first_of(c, IKE_XT_ESN) != NULL)
			return false;
	} else if (first_of(c, IKE_XT_PRF) != NULL)
		return false;
	return true;
}

static bool
match(const struct ike_prop *theirs, const struct ike_prop *ours,
    struct ike_prop *c)
{
	struct ike_xf x;
	size_t	      t;
	int	      r;

	memset(c, 0, sizeof(*c));
	c->num = theirs->num;
	c->proto = theirs->proto;
	c->spisize = theirs->spisize;
	memcpy(c->spi, theirs->spi, sizeof(c->spi));
	for (t = 0; t < NTYPES; t++) {
		if ((r = choose(theirs, ours, types[t], &x)) == -1)
			return false;
		if (r == 1)
			c->xf[c->nxf++] = x;
	}
	return complete(c);
}

int
ike_proposal_select(const struct ike_sa_pl *sa, uint8_t proto,
    const struct ike_prop *ours, size_t nours, struct ike_prop *chosen)
{
	size_t i, j, k;
	bool   unknown;

	for (i = 0; i < sa->nprop && i < IKE_MAXPROP; i++) {
		const struct ike_prop *p = &sa->prop[i];

		if (p->proto != proto || p->nxf > IKE_MAXXF)
			continue;
		unknown = false;
		for (k = 0; k < p->nxf; k++)
			if (!type_known(p->xf[k].type))
				unknown = true;
		if (unknown)
			continue;
		for (j = 0; j < nours; j++)
			if (ours[j].proto == proto &&
			    match(p, &ours[j], chosen))
				return 0;
	}
	memset(chosen, 0, sizeof(*chosen));
	return -1;
}

int
ike_proposal_suite(const struct ike_prop *p, struct ike_suite *s)
{
	const struct ike_xf *e = first_of(p, IKE_XT_ENCR);
	const struct ike_xf *f = first_of(p, IKE_XT_PRF);
	const struct ike_xf *i = first_of(p, IKE_XT_INTEG);
	const struct ike_xf *d = first_of(p, IKE_XT_DH);

	memset(s, 0, sizeof(*s));
	if (e == NULL || f == NULL || d == NULL)
		return -1;
	s->encr = e->id;
	s->encr_bits = e->keylen;
	s->prf = f->id;
	s->integ = i != NULL ? i->id : IKE_INTEG_NONE;
	s->dh = d->id;
	return ike_suite_ok(s) ? 0 : -1;
}

int
ike_proposal_esp(const struct ike_prop *p, enum esp_enc *enc,
    enum esp_auth *auth, size_t *ekeylen, size_t *akeylen, bool *esn)
{
	const struct ike_xf *e = first_of(p, IKE_XT_ENCR);
	const struct ike_xf *i = first_of(p, IKE_XT_INTEG);
	const struct ike_xf *n = first_of(p, IKE_XT_ESN);
	uint16_t	     integ = i != NULL ? i->id : IKE_INTEG_NONE;

	if (e == NULL)
		return -1;
	switch (e->id) {
	case IKE_ENCR_AES_GCM_16: /* RFC 4106 8.1: key and 4-byte salt */
		if (e->keylen != 128 && e->keylen != 192 && e->keylen != 256)
			return -1;
		*enc = ESP_ENC_AES_GCM_16;
		*ekeylen = e->keylen / 8 + 4;
		break;
	case IKE_ENCR_CHACHA20_POLY1305: /* RFC 7634 2 */
		if (e->keylen != 0)
			return -1;
		*enc = ESP_ENC_CHACHA20_POLY1305;
		*ekeylen = 32 + 4;
		break;
	case IKE_ENCR_AES_CBC:
		if (e->keylen != 128 && e->keylen != 192 && e->keylen != 256)
			return -1;
		*enc = ESP_ENC_AES_CBC;
		*ekeylen = e->keylen / 8;
		break;
	default:
		return -1;
	}
	switch (integ) {
	case IKE_INTEG_NONE:
		*auth = ESP_AUTH_NONE;
		*akeylen = 0;
		break;
	case IKE_INTEG_HMAC_SHA1_96: /* RFC 2404 */
		*auth = ESP_AUTH_HMAC_SHA1_96;
		*akeylen = 20;
		break;
	case IKE_INTEG_HMAC_SHA2_256_128: /* RFC 4868 */
		*auth = ESP_AUTH_HMAC_SHA256_128;
		*akeylen = 32;
		break;
	case IKE_INTEG_HMAC_SHA2_512_256:
		*auth = ESP_AUTH_HMAC_SHA512_256;
		*akeylen = 64;
		break;
	default:
		return -1;
	}
	if ((*auth == ESP_AUTH_NONE) != (*enc != ESP_ENC_AES_CBC))
		return -1;
	*esn = n != NULL && n->id == IKE_ESN_YES;
	return 0;
}

uint16_t
ike_proposal_dh(const struct ike_prop *p)
{
	const struct ike_xf *d = first_of(p, IKE_XT_DH);

	return d != NULL ? d->id : IKE_DH_NONE;
}

void
ike_proposal_nodh(const struct ike_prop *in, struct ike_prop *out)
{
	size_t i;

	*out = *in;
	out->nxf = 0;
	for (i = 0; i < in->nxf && i < IKE_MAXXF; i++)
		if (in->xf[i].type != IKE_XT_DH)
			out->xf[out->nxf++] = in->xf[i];
}
