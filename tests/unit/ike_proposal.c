/*
 * Proposals (proposal.c): the strongSwan-style strings moat.conf holds,
 * their printer (round trips), and the choice among a peer's proposals
 * (RFC 7296 2.7, 3.3.3, 3.3.6) on a table of offers against ours.
 *
 * The peer's side is written in a small notation of wire numbers so that
 * it can hold what moat's syntax cannot (unknown types and IDs, AES
 * without a key length, AEAD with integrity, INTEG/DH NONE):
 * "IKE E20/128 P5 D31" is proto, then TYPE-letter ID[/keylen] with
 * E=ENCR P=PRF I=INTEG D=DH N=ESN, or Tn:id for a type by number.
 *
 * strongSwan's default proposals are those docs.strongswan.org lists for
 * the "default" keyword (5.9/6.0, config/proposals): IKE
 * aes128-aes192-aes256-sha256-sha384-sha512-prfsha256-prfsha384-prfsha512-
 * x25519-x448-ecp256-ecp384-ecp521-modp3072-modp4096-modp6144-modp8192-
 * modp2048 and the AEAD one aes128gcm16-aes192gcm16-aes256gcm16-
 * chacha20poly1305-prfsha256-prfsha384-prfsha512 with the same groups;
 * x448 (32), ecp521 (21) and modp3072..8192 (15..18) are IDs moat lacks.
 */
#include <stdlib.h>
#include <string.h>

#include "proposal.h"
#include "tap.h"

#define SS_GROUPS "D31 D32 D19 D20 D21 D15 D16 D17 D18 D14"
#define SS_IKE \
	"IKE E12/128 E12/192 E12/256 I12 I13 I14 P5 P6 P7 " SS_GROUPS
#define SS_IKE_AEAD "IKE E20/128 E20/192 E20/256 E28 P5 P6 P7 " SS_GROUPS
#define SS_ESP_AEAD "ESP E20/128 E20/192 E20/256 E28 N0"
#define SS_ESP "ESP E12/128 E12/192 E12/256 I12 I13 I14 N0"

static void
mkprop(const char *s, uint8_t num, struct ike_prop *p)
{
	char *dup = strdup(s), *tok, *save = NULL, *slash;

	memset(p, 0, sizeof(*p));
	p->num = num;
	for (tok = strtok_r(dup, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		struct ike_xf *x;

		if (strcmp(tok, "IKE") == 0) {
			p->proto = IKE_PROTO_IKE;
			continue;
		}
		if (strcmp(tok, "ESP") == 0) {
			p->proto = IKE_PROTO_ESP;
			p->spisize = 4;
			p->spi[0] = 0xc0;
			p->spi[3] = num;
			continue;
		}
		if (strcmp(tok, "AH") == 0) {
			p->proto = IKE_PROTO_AH;
			continue;
		}
		x = &p->xf[p->nxf++];
		switch (tok[0]) {
		case 'E':
			x->type = IKE_XT_ENCR;
			break;
		case 'P':
			x->type = IKE_XT_PRF;
			break;
		case 'I':
			x->type = IKE_XT_INTEG;
			break;
		case 'D':
			x->type = IKE_XT_DH;
			break;
		case 'N':
			x->type = IKE_XT_ESN;
			break;
		case 'T':
			x->type = (uint8_t)strtoul(tok + 1, &slash, 10);
			x->id = (uint16_t)strtoul(slash + 1, NULL, 10);
			continue;
		default:
			abort();
		}
		x->id = (uint16_t)strtoul(tok + 1, &slash, 10);
		if (*slash == '/')
			x->keylen = (uint16_t)strtoul(slash + 1, NULL, 10);
	}
	free(dup);
}

/* Up to four peer proposals, separated by '|'. */
static void
mksa(const char *s, struct ike_sa_pl *sa)
{
	char *dup = strdup(s), *tok, *save = NULL;

	memset(sa, 0, sizeof(*sa));
	for (tok = strtok_r(dup, "|", &save); tok != NULL;
	     tok = strtok_r(NULL, "|", &save)) {
		mkprop(tok, (uint8_t)(sa->nprop + 1), &sa->prop[sa->nprop]);
		sa->nprop++;
	}
	free(dup);
}

/* Ours: moat.conf strings separated by ','. */
static size_t
mkours(const char *s, uint8_t proto, struct ike_prop *ours)
{
	char	   *dup = strdup(s), *tok, *save = NULL;
	const char *why;
	size_t	    n = 0;

	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		if (ike_proposal_parse(tok, proto, &ours[n], &why) == 0)
			n++;
		else
			diag("ours '%s': %s", tok, why);
	free(dup);
	return n;
}

struct selcase {
	const char *what;
	uint8_t	    proto;
	const char *ours;
	const char *theirs;
	int	    num; /* peer's proposal chosen, 0: none */
	const char *printed; /* of the chosen proposal */
	int	    nxf; /* transforms in the choice, -1 unchecked */
};

static const struct selcase selcases[] = {
	{ "strongSwan defaults, ours AEAD", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", SS_IKE "|" SS_IKE_AEAD, 2,
	    "aes128gcm16-prfsha256-x25519", 3 },
	{ "strongSwan defaults, ours CBC", IKE_PROTO_IKE,
	    "aes256-sha256-ecp256", SS_IKE "|" SS_IKE_AEAD, 1,
	    "aes256-sha256-prfsha256-ecp256", 4 },
	{ "strongSwan defaults, their preference within a proposal",
	    IKE_PROTO_IKE,
	    "aes256-aes128-sha512-sha256-prfsha512-prfsha256-modp2048-x25519",
	    SS_IKE "|" SS_IKE_AEAD, 1, "aes128-sha256-prfsha256-x25519", 4 },
	{ "strongSwan defaults, only their last group in common",
	    IKE_PROTO_IKE, "aes256gcm16-prfsha512-modp2048",
	    SS_IKE "|" SS_IKE_AEAD, 2, "aes256gcm16-prfsha512-modp2048", 3 },
	{ "strongSwan defaults, chacha20poly1305 and ecp384", IKE_PROTO_IKE,
	    "chacha20poly1305-prfsha384-ecp384", SS_IKE "|" SS_IKE_AEAD, 2,
	    "chacha20poly1305-prfsha384-ecp384", 3 },
	{ "their proposal order beats ours", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519,aes256gcm16-prfsha256-x25519",
	    "IKE E20/256 P5 D31|IKE E20/128 P5 D31", 1,
	    "aes256gcm16-prfsha256-x25519", 3 },
	{ "ours tried in our order for each of theirs", IKE_PROTO_IKE,
	    "aes256-sha512-x25519,aes256-sha256-x25519",
	    "IKE E12/256 I12 I14 P5 P7 D31", 1,
	    "aes256-sha512-prfsha512-x25519", 4 },
	{ "no common group", IKE_PROTO_IKE, "aes128gcm16-prfsha256-x25519",
	    "IKE E20/128 P5 D15 D16 D32", 0, NULL, -1 },
	{ "no common PRF", IKE_PROTO_IKE, "aes128gcm16-prfsha256-x25519",
	    "IKE E20/128 P7 D31", 0, NULL, -1 },
	{ "no common cipher", IKE_PROTO_IKE, "aes128gcm16-prfsha256-x25519",
	    "IKE E12/128 I12 P5 D31", 0, NULL, -1 },
	{ "AEAD offered with integrity", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "IKE E20/128 I12 P5 D31", 0,
	    NULL, -1 },
	{ "AEAD with INTEG NONE is fine and kept", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "IKE E20/128 I0 P5 D31", 1,
	    "aes128gcm16-prfsha256-x25519", 4 },
	{ "CBC offered with INTEG NONE only", IKE_PROTO_IKE,
	    "aes128-sha256-x25519", "IKE E12/128 I0 P5 D31", 0, NULL, -1 },
	{ "CBC offered without integrity", IKE_PROTO_IKE,
	    "aes128-sha256-x25519", "IKE E12/128 P5 D31", 0, NULL, -1 },
	{ "unknown transform type refuses the proposal", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519",
	    "IKE E20/128 P5 D31 T6:31|IKE E20/128 P5 D31", 2,
	    "aes128gcm16-prfsha256-x25519", 3 },
	{ "unknown type 0 refuses too", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "IKE E20/128 P5 D31 T0:0", 0,
	    NULL, -1 },
	{ "unknown IDs are skipped", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519",
	    "IKE E99/128 E20/128 P99 P5 D999 D31", 1,
	    "aes128gcm16-prfsha256-x25519", 3 },
	{ "key length must match", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "IKE E20/192 E20/256 P5 D31", 0,
	    NULL, -1 },
	{ "AES without a key length attribute", IKE_PROTO_IKE,
	    "aes128-sha256-x25519", "IKE E12 I12 P5 D31", 0, NULL, -1 },
	{ "chacha20poly1305 with a key length attribute", IKE_PROTO_IKE,
	    "chacha20poly1305-prfsha256-x25519", "IKE E28/256 P5 D31", 0, NULL,
	    -1 },
	{ "IKE offer with DH NONE only", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "IKE E20/128 P5 D0", 0, NULL, -1 },
	{ "IKE offer with an ESN transform", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "IKE E20/128 P5 D31 N0", 0, NULL,
	    -1 },
	{ "ESP proposals do not answer IKE", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519", "ESP E20/128 N0", 0, NULL, -1 },
	{ "empty SA payload", IKE_PROTO_IKE, "aes128gcm16-prfsha256-x25519",
	    "", 0, NULL, -1 },

	{ "ESP: strongSwan defaults, ours AEAD", IKE_PROTO_ESP, "aes256gcm16",
	    SS_ESP_AEAD "|" SS_ESP, 1, "aes256gcm16-noesn", 2 },
	{ "ESP: strongSwan defaults, ours CBC", IKE_PROTO_ESP,
	    "aes128-sha512", SS_ESP_AEAD "|" SS_ESP, 2, "aes128-sha512-noesn",
	    3 },
	{ "ESP: sha384 offered first, sha256 taken", IKE_PROTO_ESP,
	    "aes128-sha256", "ESP E12/128 I13 I12 N0", 1,
	    "aes128-sha256-noesn", 3 },
	{ "ESP: their esn first, ours both", IKE_PROTO_ESP,
	    "aes128gcm16-noesn-esn", "ESP E20/128 N1 N0", 1,
	    "aes128gcm16-esn", 2 },
	{ "ESP: their noesn, ours esn only", IKE_PROTO_ESP, "aes128gcm16-esn",
	    "ESP E20/128 N0", 0, NULL, -1 },
	{ "ESP: no ESN offered is noesn", IKE_PROTO_ESP, "aes128gcm16",
	    "ESP E20/128", 1, "aes128gcm16", 1 },
	{ "ESP: no ESN offered, ours esn only", IKE_PROTO_ESP,
	    "aes128gcm16-esn", "ESP E20/128", 0, NULL, -1 },
	{ "ESP: CBC without integrity", IKE_PROTO_ESP, "aes128-sha256",
	    "ESP E12/128 N0", 0, NULL, -1 },
	{ "ESP: AEAD with integrity", IKE_PROTO_ESP, "aes128gcm16",
	    "ESP E20/128 I12 N0", 0, NULL, -1 },
	{ "ESP: their PFS, ours none", IKE_PROTO_ESP, "aes128gcm16",
	    "ESP E20/128 D31 N0", 0, NULL, -1 },
	{ "ESP: their PFS or NONE, ours none", IKE_PROTO_ESP, "aes128gcm16",
	    "ESP E20/128 D31 D0 N0", 1, "aes128gcm16-noesn", 3 },
	{ "ESP: our PFS, theirs none (CREATE_CHILD_SA)", IKE_PROTO_ESP,
	    "aes128gcm16-x25519", "ESP E20/128 N0", 0, NULL, -1 },
	{ "ESP: our PFS, theirs too", IKE_PROTO_ESP, "aes128gcm16-x25519",
	    "ESP E20/128 D19 D31 N0", 1, "aes128gcm16-x25519-noesn", 3 },
	{ "ESP: a PRF in an ESP proposal", IKE_PROTO_ESP, "aes128gcm16",
	    "ESP E20/128 P5 N0", 0, NULL, -1 },
	{ "ESP: unknown type", IKE_PROTO_ESP, "aes128gcm16",
	    "ESP E20/128 N0 T9:1", 0, NULL, -1 },
	{ "ESP: AH proposals skipped", IKE_PROTO_ESP, "aes128-sha256",
	    "AH I12 N0|ESP E12/128 I12 N0", 2, "aes128-sha256-noesn", 3 },
};

static void
test_select(void)
{
	struct ike_prop ours[8], c;
	struct ike_sa_pl sa;
	char		 buf[256];
	size_t		 i, n;
	int		 rc;

	for (i = 0; i < sizeof(selcases) / sizeof(selcases[0]); i++) {
		const struct selcase *t = &selcases[i];

		n = mkours(t->ours, t->proto, ours);
		mksa(t->theirs, &sa);
		rc = ike_proposal_select(&sa, t->proto, ours, n, &c);
		if (t->num == 0) {
			is_int(rc, -1, "select: %s: none", t->what);
			continue;
		}
		is_int(rc, 0, "select: %s: chosen", t->what);
		is_int(c.num, t->num, "select: %s: their proposal %d", t->what,
		    t->num);
		buf[0] = '\0';
		is_int(ike_proposal_print(&c, buf, sizeof(buf)), 0,
		    "select: %s: printable", t->what);
		is_str(buf, t->printed, "select: %s: %s", t->what, t->printed);
		if (t->nxf >= 0)
			is_int(c.nxf, t->nxf, "select: %s: %d transforms",
			    t->what, t->nxf);
		if (t->proto == IKE_PROTO_ESP) {
			const struct ike_prop *p = &sa.prop[t->num - 1];

			ok(c.spisize == 4 && memcmp(c.spi, p->spi, 4) == 0,
			    "select: %s: their SPI kept", t->what);
		}
	}
}

static void
test_select_handmade(void)
{
	struct ike_prop ours, c, nodh;
	struct ike_sa_pl sa;
	const char	*why;

	/* Ours not from the parser: AEAD with integrity is still refused. */
	mkprop("IKE E20/128 I12 P5 D31", 0, &ours);
	mksa("IKE E20/128 I12 P5 D31", &sa);
	is_int(ike_proposal_select(&sa, IKE_PROTO_IKE, &ours, 1, &c), -1,
	    "select: AEAD+integ in both is refused");
	/* An IKE proposal without PRF or DH is never complete. */
	mkprop("IKE E20/128 D31", 0, &ours);
	mksa("IKE E20/128 D31", &sa);
	is_int(ike_proposal_select(&sa, IKE_PROTO_IKE, &ours, 1, &c), -1,
	    "select: IKE without PRF is refused");
	mkprop("IKE E20/128 P5", 0, &ours);
	mksa("IKE E20/128 P5", &sa);
	is_int(ike_proposal_select(&sa, IKE_PROTO_IKE, &ours, 1, &c), -1,
	    "select: IKE without DH is refused");
	mkprop("ESP N0", 0, &ours);
	mksa("ESP N0", &sa);
	is_int(ike_proposal_select(&sa, IKE_PROTO_ESP, &ours, 1, &c), -1,
	    "select: ESP without ENCR is refused");

	/* IKE_AUTH's CHILD_SA: our PFS proposal without its DH. */
	is_int(ike_proposal_parse("aes256gcm16-ecp256-esn", IKE_PROTO_ESP,
		   &ours, &why),
	    0, "parse the PFS proposal");
	mksa("ESP E20/256 N1", &sa);
	is_int(ike_proposal_select(&sa, IKE_PROTO_ESP, &ours, 1, &c), -1,
	    "select: PFS proposal against IKE_AUTH's offer");
	ike_proposal_nodh(&ours, &nodh);
	is_int(nodh.nxf, 2, "nodh: the DH is gone");
	is_int(ike_proposal_dh(&nodh), IKE_DH_NONE, "nodh: no group");
	is_int(ike_proposal_dh(&ours), IKE_DH_ECP256, "nodh: ours untouched");
	is_int(ike_proposal_select(&sa, IKE_PROTO_ESP, &nodh, 1, &c), 0,
	    "select: without DH for IKE_AUTH");

	/* More proposals than IKE_MAXPROP is not read past. */
	mksa("IKE E20/128 P5 D31", &sa);
	sa.nprop = IKE_MAXPROP + 5;
	mkprop("IKE E20/128 P5 D15", 0, &ours);
	is_int(ike_proposal_select(&sa, IKE_PROTO_IKE, &ours, 1, &c), -1,
	    "select: nprop past the array is bounded");
}

static bool
prop_eq(const struct ike_prop *a, const struct ike_prop *b)
{
	size_t i;

	if (a->num != b->num || a->proto != b->proto ||
	    a->spisize != b->spisize || a->nxf != b->nxf)
		return false;
	for (i = 0; i < a->nxf; i++)
		if (a->xf[i].type != b->xf[i].type ||
		    a->xf[i].id != b->xf[i].id ||
		    a->xf[i].keylen != b->xf[i].keylen)
			return false;
	return true;
}

struct parsecase {
	const char *in;
	uint8_t	    proto;
	const char *out; /* printed; NULL: refused */
};

static const struct parsecase parsecases[] = {
	{ "aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-x25519" },
	{ "aes256-sha256-ecp256", IKE_PROTO_IKE,
	    "aes256-sha256-prfsha256-ecp256" },
	{ "aes128-sha256-sha1-modp2048", IKE_PROTO_IKE,
	    "aes128-sha256-sha1-prfsha256-prfsha1-modp2048" },
	{ "aes128-sha256-prfsha512-x25519", IKE_PROTO_IKE,
	    "aes128-sha256-prfsha512-x25519" },
	{ "curve25519-aes128gcm16-prfsha384", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha384-x25519" },
	{ "aes128gcm-prfsha256-ecp384", IKE_PROTO_IKE,
	    "aes128gcm16-prfsha256-ecp384" },
	{ "aes128-aes192-aes256-sha256-sha384-sha512-prfsha256-prfsha384-"
	  "prfsha512-x25519-ecp256-ecp384-modp2048",
	    IKE_PROTO_IKE,
	    "aes128-aes192-aes256-sha256-sha384-sha512-prfsha256-prfsha384-"
	    "prfsha512-x25519-ecp256-ecp384-modp2048" },
	{ "aes128-aes192-aes256-sha256-sha384-sha512-x25519", IKE_PROTO_IKE,
	    "aes128-aes192-aes256-sha256-sha384-sha512-prfsha256-prfsha384-"
	    "prfsha512-x25519" },
	{ "aes128gcm16-aes192gcm16-aes256gcm16-chacha20poly1305-prfsha256-"
	  "prfsha384-prfsha512-x25519-ecp256-ecp384-modp2048",
	    IKE_PROTO_IKE,
	    "aes128gcm16-aes192gcm16-aes256gcm16-chacha20poly1305-prfsha256-"
	    "prfsha384-prfsha512-x25519-ecp256-ecp384-modp2048" },
	{ "aes128gcm16", IKE_PROTO_ESP, "aes128gcm16-noesn" },
	{ "aes256gcm16-esn-noesn", IKE_PROTO_ESP, "aes256gcm16-esn-noesn" },
	{ "noesn-esn-aes256gcm16", IKE_PROTO_ESP, "aes256gcm16-noesn-esn" },
	{ "aes128-sha256-esn", IKE_PROTO_ESP, "aes128-sha256-esn" },
	{ "aes192-sha1-sha512", IKE_PROTO_ESP, "aes192-sha1-sha512-noesn" },
	{ "chacha20poly1305-x25519", IKE_PROTO_ESP,
	    "chacha20poly1305-x25519-noesn" },

	{ "", IKE_PROTO_IKE, NULL },
	{ "aes128", IKE_PROTO_IKE, NULL },
	{ "aes128-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128gcm16-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128gcm16-prfsha256", IKE_PROTO_IKE, NULL },
	{ "aes128-sha256", IKE_PROTO_IKE, NULL },
	{ "sha256-prfsha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128gcm16-sha256-prfsha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128-aes128gcm16-sha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128--sha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128-sha256-x25519-", IKE_PROTO_IKE, NULL },
	{ "-aes128-sha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128-sha256-x25519-foo", IKE_PROTO_IKE, NULL },
	{ "AES128-sha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128-sha256-x25519-esn", IKE_PROTO_IKE, NULL },
	{ "aes128-aes128-sha256-x25519", IKE_PROTO_IKE, NULL },
	{ "aes128-sha256-x25519-curve25519", IKE_PROTO_IKE, NULL },
	{ "aes128-sha384", IKE_PROTO_ESP, NULL },
	{ "aes128gcm16-prfsha256", IKE_PROTO_ESP, NULL },
	{ "aes128", IKE_PROTO_ESP, NULL },
	{ "aes128gcm16-sha256", IKE_PROTO_ESP, NULL },
	{ "x25519-noesn", IKE_PROTO_ESP, NULL },
	{ "aes128gcm16", IKE_PROTO_AH, NULL },
	{ "aes128gcm16", 0, NULL },
};

static void
test_parse(void)
{
	struct ike_prop p, q;
	const char	*why;
	char		 buf[512], small[8];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(parsecases) / sizeof(parsecases[0]); i++) {
		const struct parsecase *t = &parsecases[i];

		why = NULL;
		rc = ike_proposal_parse(t->in, t->proto, &p, &why);
		if (t->out == NULL) {
			ok(rc == -1 && why != NULL, "parse '%s' (%u) refused",
			    t->in, t->proto);
			if (why != NULL)
				diag("  why: %s", why);
			continue;
		}
		if (!ok(rc == 0, "parse '%s' (%u)", t->in, t->proto)) {
			diag("  why: %s", why);
			continue;
		}
		is_int(p.proto, t->proto, "parse '%s': proto", t->in);
		is_int(p.num, 0, "parse '%s': num 0", t->in);
		is_int(p.spisize, 0, "parse '%s': no SPI", t->in);
		is_int(ike_proposal_print(&p, buf, sizeof(buf)), 0,
		    "print '%s'", t->in);
		is_str(buf, t->out, "print '%s'", t->in);
		rc = ike_proposal_parse(buf, t->proto, &q, &why);
		ok(rc == 0 && prop_eq(&p, &q),
		    "'%s' parses back to the same proposal", buf);
		is_int(ike_proposal_print(&p, small, sizeof(small)), -1,
		    "print '%s' into 8 bytes fails", t->in);
		if (strlen(t->out) >= 1) {
			char *exact = malloc(strlen(t->out) + 1);

			is_int(ike_proposal_print(&p, exact,
				   strlen(t->out) + 1),
			    0, "print '%s' into exactly its size", t->in);
			is_int(ike_proposal_print(&p, exact, strlen(t->out)),
			    -1, "print '%s' one byte short fails", t->in);
			free(exact);
		}
	}

	/* Each wire transform of a parsed proposal, checked once. */
	is_int(ike_proposal_parse("aes256-sha512-ecp384", IKE_PROTO_IKE, &p,
		   &why),
	    0, "parse aes256-sha512-ecp384");
	ok(p.nxf == 4 && p.xf[0].type == IKE_XT_ENCR &&
		p.xf[0].id == IKE_ENCR_AES_CBC && p.xf[0].keylen == 256 &&
		p.xf[1].type == IKE_XT_INTEG &&
		p.xf[1].id == IKE_INTEG_HMAC_SHA2_512_256 &&
		p.xf[2].type == IKE_XT_PRF &&
		p.xf[2].id == IKE_PRF_HMAC_SHA2_512 &&
		p.xf[3].type == IKE_XT_DH && p.xf[3].id == IKE_DH_ECP384,
	    "aes256-sha512-ecp384: ENCR 12/256, INTEG 14, PRF 7, DH 20");
	is_int(ike_proposal_parse("chacha20poly1305-prfsha256-x25519",
		   IKE_PROTO_IKE, &p, &why),
	    0, "parse chacha20poly1305");
	ok(p.xf[0].id == IKE_ENCR_CHACHA20_POLY1305 && p.xf[0].keylen == 0,
	    "chacha20poly1305: ENCR 28 without a key length");
}

static void
test_convert(void)
{
	struct ike_prop	 p;
	struct ike_suite s;
	enum esp_enc	 enc;
	enum esp_auth	 auth;
	size_t		 ek, ak;
	bool		 esn;
	const char	*why;

	ike_proposal_parse("aes256gcm16-prfsha384-ecp384", IKE_PROTO_IKE, &p,
	    &why);
	is_int(ike_proposal_suite(&p, &s), 0, "suite: aes256gcm16");
	ok(s.encr == IKE_ENCR_AES_GCM_16 && s.encr_bits == 256 &&
		s.prf == IKE_PRF_HMAC_SHA2_384 && s.integ == IKE_INTEG_NONE &&
		s.dh == IKE_DH_ECP384,
	    "suite: aes256gcm16-prfsha384-ecp384 fields");
	is_int(ike_proposal_dh(&p), IKE_DH_ECP384, "dh of an IKE proposal");
	ike_proposal_parse("aes128-sha1-modp2048", IKE_PROTO_IKE, &p, &why);
	is_int(ike_proposal_suite(&p, &s), 0, "suite: aes128-sha1");
	ok(s.encr == IKE_ENCR_AES_CBC && s.encr_bits == 128 &&
		s.prf == IKE_PRF_HMAC_SHA1 &&
		s.integ == IKE_INTEG_HMAC_SHA1_96 && s.dh == IKE_DH_MODP2048,
	    "suite: aes128-sha1-modp2048 fields");
	mkprop("IKE E20/128 P5", 0, &p);
	is_int(ike_proposal_suite(&p, &s), -1, "suite: no DH");
	mkprop("IKE E20/128 D31", 0, &p);
	is_int(ike_proposal_suite(&p, &s), -1, "suite: no PRF");
	mkprop("IKE E12/128 P5 D31", 0, &p);
	is_int(ike_proposal_suite(&p, &s), -1, "suite: CBC without INTEG");
	mkprop("IKE E12/128 I12 P5 D31", 0, &p);
	is_int(ike_proposal_suite(&p, &s), 0, "suite: CBC with INTEG");
	mkprop("IKE E20/128 I12 P5 D31", 0, &p);
	is_int(ike_proposal_suite(&p, &s), -1, "suite: AEAD with INTEG");
	mkprop("IKE E20/128 P5 D32", 0, &p);
	is_int(ike_proposal_suite(&p, &s), -1, "suite: unknown group");

	mkprop("ESP E20/128 N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), 0,
	    "esp: aes128gcm16");
	ok(enc == ESP_ENC_AES_GCM_16 && auth == ESP_AUTH_NONE && ek == 20 &&
		ak == 0 && !esn,
	    "esp: aes128gcm16 is GCM, 16+4 key bytes, no ESN");
	mkprop("ESP E20/256 N1", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), 0,
	    "esp: aes256gcm16-esn");
	ok(enc == ESP_ENC_AES_GCM_16 && ek == 36 && esn,
	    "esp: aes256gcm16-esn is 32+4 key bytes with ESN");
	mkprop("ESP E28", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), 0,
	    "esp: chacha20poly1305 without ESN transform");
	ok(enc == ESP_ENC_CHACHA20_POLY1305 && ek == 36 && !esn,
	    "esp: chacha20poly1305 is 32+4 key bytes, no ESN");
	mkprop("ESP E12/192 I14 N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), 0,
	    "esp: aes192-sha512");
	ok(enc == ESP_ENC_AES_CBC && auth == ESP_AUTH_HMAC_SHA512_256 &&
		ek == 24 && ak == 64,
	    "esp: aes192-sha512 is CBC 24, HMAC-SHA-512 64");
	mkprop("ESP E12/128 I2 N0", 0, &p);
	ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn);
	ok(auth == ESP_AUTH_HMAC_SHA1_96 && ak == 20 && ek == 16,
	    "esp: aes128-sha1 is CBC 16, HMAC-SHA1 20");
	mkprop("ESP E12/128 I12 N0", 0, &p);
	ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn);
	ok(auth == ESP_AUTH_HMAC_SHA256_128 && ak == 32,
	    "esp: sha256 is 32 key bytes");
	mkprop("ESP E12/128 I13 N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), -1,
	    "esp: sha384 is not the data plane's");
	mkprop("ESP E12/128 N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), -1,
	    "esp: CBC without integrity");
	mkprop("ESP E20/128 I12 N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), -1,
	    "esp: GCM with integrity");
	mkprop("ESP E20/64 N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), -1,
	    "esp: GCM with 64-bit key");
	mkprop("ESP N0", 0, &p);
	is_int(ike_proposal_esp(&p, &enc, &auth, &ek, &ak, &esn), -1,
	    "esp: no cipher");
	is_int(ike_proposal_dh(&p), IKE_DH_NONE, "dh: none");
}

int
main(void)
{
	test_parse();
	test_select();
	test_select_handmade();
	test_convert();
	return done_testing();
}
