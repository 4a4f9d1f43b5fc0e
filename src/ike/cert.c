/*
 * Certificates: our credential (key, certificate, chain), the trusted
 * CAs, chain verification, and whether a peer's ID is one its
 * certificate names.
 *
 * Verification accepts any purpose (IKE has no EKU of its own that peers
 * agree on; RFC 4945 5.1.3.12 says not to require one), trusts every
 * configured CA certificate as an anchor even if it is an intermediate
 * (X509_V_FLAG_PARTIAL_CHAIN, as strongSwan treats its cacerts), and
 * refuses a leaf whose keyUsage, when present, allows neither
 * digitalSignature nor nonRepudiation (RFC 4945 5.1.3.2).
 *
 * IDs (RFC 4945 3.1 and 5.1.2): an FQDN must equal a dNSName, an
 * RFC822_ADDR an rfc822Name (both ASCII case-insensitively, as strongSwan
 * compares them), an address an iPAddress of the same family, and a
 * DER_ASN1_DN the subject's DER byte for byte. The subject's CN is never
 * taken for an FQDN, SANs or not: RFC 4945 3.1.2 says the FQDN belongs in
 * subjectAltName, strongSwan does the same, and accepting a CN would let
 * a certificate issued for a person's name match a host ID.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "wire.h"

static void
set_err(char *err, size_t errlen, const char *file, const char *why)
{
	unsigned long e = ERR_peek_last_error();
	const char   *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (r != NULL)
		snprintf(err, errlen, "%s: %s (%s)", file, why, r);
	else
		snprintf(err, errlen, "%s: %s", file, why);
	ERR_clear_error();
}

/* Every certificate of a PEM file, in order; -1 if it cannot be read or
 * holds none. */
static int
read_certs(const char *file, STACK_OF(X509) *out, char *err, size_t errlen)
{
	unsigned long e;
	BIO	     *bio;
	X509	     *x;
	int	      n = 0, rc = -1;

	if ((bio = BIO_new_file(file, "r")) == NULL) {
		set_err(err, errlen, file, "cannot open");
		return -1;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(out, x) == 0) {
			X509_free(x);
			set_err(err, errlen, file, "out of memory");
			goto out;
		}
		n++;
	}
	/* The end of the file reads as "no start line"; anything else is a
	 * broken certificate. */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		set_err(err, errlen, file, "not a PEM certificate");
		goto out;
	}
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, "%s: no certificate in the file", file);
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

int
ike_cred_load(struct ike_cred *c, const char *certfile, const char *keyfile,
    char *err, size_t errlen)
{
	STACK_OF(X509) *certs;
	BIO	       *bio = NULL;
	int		rc = -1;

	memset(c, 0, sizeof(*c));
	if ((certs = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", certfile);
		return -1;
	}
	if (read_certs(certfile, certs, err, errlen) == -1)
		goto out;
	c->cert = sk_X509_shift(certs);
	c->chain = certs;
	certs = NULL;
	if ((bio = BIO_new_file(keyfile, "r")) == NULL) {
		set_err(err, errlen, keyfile, "cannot open");
		goto out;
	}
	/* No passphrase callback: an encrypted key is refused, not asked
	 * for on a terminal the daemon does not have. */
	if ((c->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"")) ==
	    NULL) {
		set_err(err, errlen, keyfile, "not a PEM private key");
		goto out;
	}
	if (X509_check_private_key(c->cert, c->key) != 1) {
		set_err(err, errlen, keyfile,
		    "the key is not the certificate's");
		goto out;
	}
	rc = 0;
out:
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	if (rc == -1)
		ike_cred_free(c);
	ERR_clear_error();
	return rc;
}

void
ike_cred_free(struct ike_cred *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	sk_X509_pop_free(c->chain, X509_free);
	memset(c, 0, sizeof(*c));
}

X509_STORE *
ike_ca_load(const char *const *files, size_t n, char *err, size_t errlen)
{
	STACK_OF(X509) *certs = NULL;
	X509_STORE     *st;
	X509	       *x;
	size_t		i;

	if ((st = X509_STORE_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if ((certs = sk_X509_new_null()) == NULL) {
			snprintf(err, errlen, "%s: out of memory", files[i]);
			goto fail;
		}
		if (read_certs(files[i], certs, err, errlen) == -1)
			goto fail;
		while ((x = sk_X509_shift(certs)) != NULL) {
			/* The store takes its own reference. */
			if (X509_STORE_add_cert(st, x) != 1) {
				X509_free(x);
				set_err(err, errlen, files[i],
				    "cannot add the certificate");
				goto fail;
			}
			X509_free(x);
		}
		sk_X509_free(certs);
		certs = NULL;
	}
	return st;
fail:
	sk_X509_pop_free(certs, X509_free);
	X509_STORE_free(st);
	ERR_clear_error();
	return NULL;
}

size_t
ike_certreq_hashes(X509_STORE *store, uint8_t *out, size_t cap)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
	X509	    *x;
	uint8_t	    *der = NULL;
	unsigned int hl;
	size_t	     n = 0;
	int	     i, len;

	for (i = 0; i < sk_X509_OBJECT_num(objs) && n + 20 <= cap; i++) {
		if ((x = X509_OBJECT_get0_X509(
			 sk_X509_OBJECT_value(objs, i))) == NULL)
			continue;
		if ((len = i2d_PUBKEY(X509_get0_pubkey(x), &der)) <= 0)
			continue;
		if (EVP_Digest(
			der, (size_t)len, out + n, &hl, EVP_sha1(), NULL) == 1)
			n += 20;
		OPENSSL_free(der);
		der = NULL;
	}
	return n;
}

int
ike_cert_verify(X509_STORE *st, X509 *leaf, STACK_OF(X509) *intermediates,
    char *err, size_t errlen)
{
	X509_STORE_CTX *ctx;
	uint32_t	ku;
	int		rc = -1;

	if ((ctx = X509_STORE_CTX_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (X509_STORE_CTX_init(ctx, st, leaf, intermediates) != 1) {
		snprintf(err, errlen, "cannot set up the verification");
		goto out;
	}
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	if (X509_verify_cert(ctx) != 1) {
		snprintf(err, errlen, "%s",
		    X509_verify_cert_error_string(
			X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0) {
		ku = X509_get_key_usage(leaf);
		if ((ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
			snprintf(err, errlen,
			    "the certificate's key usage does not allow "
			    "digital signatures");
			goto out;
		}
	}
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

static bool
dn_match(X509 *x, const uint8_t *data, size_t len)
{
	unsigned char *der = NULL;
	int	       n;
	bool	       same;

	if ((n = i2d_X509_NAME(X509_get_subject_name(x), &der)) <= 0)
		return false;
	same = (size_t)n == len && memcmp(der, data, len) == 0;
	OPENSSL_free(der);
	return same;
}

/* Whether SAN entry g of kind type holds data: text compared without
 * case, addresses byte for byte. */
static bool
san_match(const GENERAL_NAME *g, int type, const uint8_t *data, size_t len)
{
	const ASN1_STRING *s;
	int		   t;

	s = GENERAL_NAME_get0_value(g, &t);
	if (t != type || s == NULL || (size_t)ASN1_STRING_length(s) != len)
		return false;
	if (type == GEN_IPADD)
		return memcmp(ASN1_STRING_get0_data(s), data, len) == 0;
	/* strncasecmp stops at a NUL; an embedded one must match too. */
	if (memchr(data, '\0', len) != NULL ||
	    memchr(ASN1_STRING_get0_data(s), '\0', len) != NULL)
		return false;
	return strncasecmp((const char *)ASN1_STRING_get0_data(s),
		   (const char *)data, len) == 0;
}

bool
ike_cert_id_match(X509 *x, uint8_t idtype, const uint8_t *data, size_t len)
{
	GENERAL_NAMES *sans;
	int	       type, i;
	bool	       found = false;

	switch (idtype) {
	case IKE_ID_DER_ASN1_DN:
		return dn_match(x, data, len);
	case IKE_ID_FQDN:
		type = GEN_DNS;
		break;
	case IKE_ID_RFC822_ADDR:
		type = GEN_EMAIL;
		break;
	case IKE_ID_IPV4_ADDR:
		if (len != 4)
			return false;
		type = GEN_IPADD;
		break;
	case IKE_ID_IPV6_ADDR:
		if (len != 16)
			return false;
		type = GEN_IPADD;
		break;
	default:
		return false;
	}
	if (len == 0)
		return false;
	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++)
		if (san_match(sk_GENERAL_NAME_value(sans, i), type, data,
			len)) {
			found = true;
			break;
		}
	GENERAL_NAMES_free(sans);
	ERR_clear_error();
	return found;
}
