/*
 * moat.conf's parser: the IKEv2 gateway's keywords, their defaults and
 * rules, the secrets' bytes (quoted strings with escapes, hex), and every
 * error's exact message on a table of bad files, none of which may show
 * a secret; the client role's connection blocks, their defaults, scopes
 * and errors (file:line). conf.c is moatd's, not libmoat.a's; it is included here so
 * that this test links with the unit tests' one rule.
 */
#include "../../src/daemon/conf.c"

#include "tap.h"

#define BASE "tunnel moat0\nlocal 198.51.100.1\nrules gw.rules\n"

/* Parses text as /etc/moat/t.conf; *err gets what it reported. */
static int
parse(const char *text, struct conf *out_conf, char **err)
{
	FILE  *in, *out;
	size_t len;
	int    rc;

	if ((in = fmemopen((void *)text, strlen(text), "r")) == NULL ||
	    (out = open_memstream(err, &len)) == NULL)
		abort();
	rc = conf_read(in, "/etc/moat/t.conf", out_conf, out);
	fclose(in);
	fclose(out);
	return rc;
}

static struct conf cf;

static void
test_good(void)
{
	char	   *err, buf[128];
	const char *want[] = { "aes128gcm16-prfsha256-x25519",
		"aes256gcm16-prfsha384-ecp384",
		"aes256-sha256-prfsha256-modp2048", "aes128gcm16-noesn",
		"aes256gcm16-noesn", "chacha20poly1305-noesn",
		"aes256-sha256-noesn" }; /* as the printer says them */
	int	    i;

	is_int(parse(BASE, &cf, &err), 0, "a static tunnel's file");
	ok(!cf.ike && cf.nclients == 0 && cf.nike_prop == 0,
	    "... is no IKE gateway and needs no identity");
	ok(cf.natt_port == 4500, "... natt-port 4500");
	free(err);

	is_int(
	    parse(BASE "identity gw.example\n"
		       "client rw.example psk \"a secret # with \\\"quotes\\\" "
		       "and \\\\ \\n\"\n"
		       "client laptop.example psk 0x00ff10Ab\n"
		       "keylog keys/ike.table\n",
		&cf, &err),
	    0, "a PSK gateway");
	is_str(err, "", "... without a word");
	ok(cf.ike, "... is an IKE gateway");
	is_str(cf.id, "gw.example", "... identity");
	is_int(cf.nclients, 2, "... two clients");
	is_str(cf.client[0].id, "rw.example", "... the first");
	ok(cf.client[0].auth == CONF_AUTH_PSK && cf.client[0].line == 5,
	    "... with a PSK, on line 5");
	is_int(cf.client[0].psklen, 33, "... its secret's length");
	ok(memcmp(cf.client[0].psk, "a secret # with \"quotes\" and \\ \\n",
	       33) == 0,
	    "... blanks and '#' kept, \\\" and \\\\ unescaped, \\n left");
	is_int(cf.client[1].psklen, 4, "a hex secret's length");
	ok(memcmp(cf.client[1].psk, "\x00\xff\x10\xab", 4) == 0,
	    "... and bytes");
	is_int(cf.ike_lifetime, 14400, "ike-lifetime's default");
	is_int(cf.child_lifetime, 3600, "child-lifetime's default");
	is_int(cf.dpd, 30, "dpd's default");
	is_int(cf.natt_port, 4500, "natt-port's default");
	is_str(cf.keylog, "/etc/moat/keys/ike.table",
	    "keylog, relative to the file's directory");
	ok(cf.pool.addr.af == 0 && cf.ndns == 0 && cf.nsplit == 0,
	    "no pool, no DNS, no split");
	is_int(cf.nike_prop, 3, "three default IKE proposals");
	is_int(cf.nesp_prop, 4, "four default ESP proposals");
	for (i = 0; i < 3; i++) {
		ike_proposal_print(&cf.ike_prop[i], buf, sizeof(buf));
		is_str(buf, want[i], "IKE default %d", i + 1);
	}
	for (i = 0; i < 4; i++) {
		ike_proposal_print(&cf.esp_prop[i], buf, sizeof(buf));
		is_str(buf, want[3 + i], "ESP default %d", i + 1);
	}
	free(err);

	is_int(parse(BASE "identity \"C=CH, O=Example, CN=gw\"\n"
			  "certificate /etc/ssl/gw.pem\nprivate-key gw.key\n"
			  "ca ca1.pem\nca ca2.pem\n"
			  "client * certificate\n"
			  "client \"C=CH, O=Example, CN=alice\" certificate\n"
			  "ike-proposal aes256-sha256-ecp256\n"
			  "esp-proposal aes128gcm16-esn\n"
			  "esp-proposal aes256-sha512\n"
			  "pool 10.0.0.0/8\ndns 10.0.1.1\ndns 10.0.1.2\n"
			  "split 10.0.1.0/24\nsplit 0.0.0.0/0\n"
			  "ike-lifetime 10\nchild-lifetime 86400\ndpd 0\n"
			  "natt-port 4501\n",
		   &cf, &err),
	    0, "a certificate gateway");
	is_str(err, "", "... without a word");
	is_str(cf.id, "C=CH, O=Example, CN=gw", "... a quoted DN identity");
	is_str(cf.cert, "/etc/ssl/gw.pem", "... an absolute path stays");
	is_str(cf.key, "/etc/moat/gw.key", "... a relative one is the file's");
	is_int(cf.nca, 2, "... two CAs");
	ok(cf.nclients == 2 && cf.client[0].auth == CONF_AUTH_CERT &&
		strcmp(cf.client[0].id, "*") == 0 &&
		strcmp(cf.client[1].id, "C=CH, O=Example, CN=alice") == 0,
	    "... '*' and a DN with certificates");
	ike_proposal_print(&cf.ike_prop[0], buf, sizeof(buf));
	ok(cf.nike_prop == 1 && cf.nesp_prop == 2,
	    "given proposals replace the defaults (%s)", buf);
	ok(prefix_len(&cf.pool) == 8 && cf.ndns == 2 && cf.nsplit == 2,
	    "... a /8 pool, two DNS, two splits");
	ok(cf.ike_lifetime == 10 && cf.child_lifetime == 86400 && cf.dpd == 0,
	    "... the lifetimes' limits and dpd off");
	is_int(cf.natt_port, 4501, "... natt-port given stays");
	free(err);
}

static const struct {
	const char *in, *err;
} bad[] = {
	{ BASE "pool 10.0.2.0/24\n",
	    "/etc/moat/t.conf: 'identity' is missing\n"
	    "/etc/moat/t.conf: 'client' is missing\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\nclient A psk 0x01\n"
	       "client b certificate\nclient b psk 0x02\n",
	    "/etc/moat/t.conf:6: 'client A psk ...': client a given twice "
	    "(line 5)\n"
	    "/etc/moat/t.conf:8: 'client b psk ...': client b given twice "
	    "(line 7)\n"
	    "/etc/moat/t.conf:7: 'client b certificate': needs "
	    "'certificate', 'private-key' and 'ca'\n" },
	{ BASE "identity gw.example\nclient b certificate\nca ca.pem\n",
	    "/etc/moat/t.conf:5: 'client b certificate': needs "
	    "'certificate' and 'private-key'\n" },
	{ BASE "identity gw.example\nclient b certificate\n"
	       "certificate c.pem\nprivate-key k.pem\n",
	    "/etc/moat/t.conf:5: 'client b certificate': needs 'ca'\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\n"
	       "certificate gw.pem\n",
	    "/etc/moat/t.conf:6: 'certificate': given without "
	    "'private-key'\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\nprivate-key k\n",
	    "/etc/moat/t.conf:6: 'private-key': given without "
	    "'certificate'\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\n"
	       "pool 10.0.2.1/24\npool 10.0.2.0/31\npool 10.0.0.0/7\n"
	       "pool 10.0.2.0\npool 10.0.2.0/24\npool 10.0.3.0/24\n",
	    "/etc/moat/t.conf:6: 'pool 10.0.2.1/24': host bits set beyond "
	    "the prefix length\n"
	    "/etc/moat/t.conf:7: 'pool 10.0.2.0/31': not a prefix from /8 "
	    "to /30\n"
	    "/etc/moat/t.conf:8: 'pool 10.0.0.0/7': not a prefix from /8 "
	    "to /30\n"
	    "/etc/moat/t.conf:9: 'pool 10.0.2.0': not a prefix from /8 to "
	    "/30\n"
	    "/etc/moat/t.conf:11: 'pool 10.0.3.0/24': given twice\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\n"
	       "dns ns1\ndns 1.1.1.1\ndns 1.1.1.2\ndns 1.1.1.3\ndns 1.1.1.4\n"
	       "dns 1.1.1.5\nsplit 10.0.1.1/24\n",
	    "/etc/moat/t.conf:6: 'dns ns1': not an IPv4 address\n"
	    "/etc/moat/t.conf:11: 'dns 1.1.1.5': too many DNS servers (at "
	    "most 4)\n"
	    "/etc/moat/t.conf:12: 'split 10.0.1.1/24': host bits set beyond "
	    "the prefix length\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\n"
	       "ike-proposal aes128-frob-x25519\nesp-proposal aes128\n"
	       "ike-proposal aes128gcm16-x25519\n",
	    "/etc/moat/t.conf:6: 'ike-proposal aes128-frob-x25519': unknown "
	    "algorithm keyword\n"
	    "/etc/moat/t.conf:7: 'esp-proposal aes128': a non-AEAD cipher "
	    "needs an integrity algorithm\n"
	    "/etc/moat/t.conf:8: 'ike-proposal aes128gcm16-x25519': no PRF "
	    "(an AEAD needs a prf keyword)\n" },
	{ BASE "identity gw.example\nclient a psk \"x\"\n"
	       "ike-lifetime 9\nchild-lifetime 86401\ndpd 3601\n"
	       "dpd 10\ndpd 20\nidentity a b\n",
	    "/etc/moat/t.conf:6: 'ike-lifetime 9': not a number in range\n"
	    "/etc/moat/t.conf:7: 'child-lifetime 86401': not a number in "
	    "range\n"
	    "/etc/moat/t.conf:8: 'dpd 3601': not a number in range\n"
	    "/etc/moat/t.conf:10: 'dpd 20': given twice\n"
	    "/etc/moat/t.conf:11: 'identity a b': takes one value\n" },
	{ BASE "identity @\nclient a psk \"x\"\n",
	    "/etc/moat/t.conf:4: 'identity @': an empty ID\n"
	    "/etc/moat/t.conf: 'identity' is missing\n" },
	/* Secrets: every one of these holds "SeCrEt" or its hex. */
	{ BASE "identity gw.example\n"
	       "client a psk \"SeCrEt\n"
	       "client b psk SeCrEt\n"
	       "client c \"SeCrEt\"\n"
	       "client d 0x536543724574\n"
	       "client * psk \"SeCrEt\"\n"
	       "client e psk \"SeCrEt\" 0x536543724574\n"
	       "client f psk \"SeCrEt\"x\n"
	       "clinet g psk \"SeCrEt\"\n"
	       "client h psk \"\"\n"
	       "client i psk 0x\n"
	       "client j psk 0x5365437\n"
	       "client k\n"
	       "client l certificate 0x536543724574\n"
	       "client @ psk \"SeCrEt\"\n",
	    "/etc/moat/t.conf:5: 'client a psk ...': unterminated quoted "
	    "string\n"
	    "/etc/moat/t.conf:6: 'client b psk ...': the secret is neither a "
	    "\"quoted string\" nor 0x and pairs of hex digits\n"
	    "/etc/moat/t.conf:7: 'client c ...': the method is 'psk SECRET' "
	    "or 'certificate'\n"
	    "/etc/moat/t.conf:8: 'client d ...': the method is 'psk SECRET' "
	    "or 'certificate'\n"
	    "/etc/moat/t.conf:9: 'client * psk ...': '*' is only for "
	    "clients with a certificate\n"
	    "/etc/moat/t.conf:10: 'client e psk ... ...': too many values\n"
	    "/etc/moat/t.conf:11: 'client f psk ...': text right after a "
	    "closing quote\n"
	    "/etc/moat/t.conf:12: 'clinet g psk ...': unknown keyword\n"
	    "/etc/moat/t.conf:13: 'client h psk ...': the secret is empty\n"
	    "/etc/moat/t.conf:14: 'client i psk ...': the secret is neither "
	    "a \"quoted string\" nor 0x and pairs of hex digits\n"
	    "/etc/moat/t.conf:15: 'client j psk ...': the secret is neither "
	    "a \"quoted string\" nor 0x and pairs of hex digits\n"
	    "/etc/moat/t.conf:16: 'client k': needs an identity and 'psk "
	    "SECRET' or 'certificate'\n"
	    "/etc/moat/t.conf:17: 'client l certificate ...': certificate "
	    "takes no value\n"
	    "/etc/moat/t.conf:18: 'client @ psk ...': an empty ID\n"
	    "/etc/moat/t.conf: 'client' is missing\n" },
};

static void
test_bad(void)
{
	char  *err, *s;
	size_t i;
	int    j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(
		    parse(bad[i].in, &cf, &err), -1, "bad file %zu fails", i);
		is_str(err, bad[i].err, "... naming every error");
		s = strstr(bad[i].in, "SeCrEt");
		ok(strstr(err, "SeCrEt") == NULL &&
			strstr(err, "536543") == NULL,
		    "... and no secret%s", s ? " (it has some)" : "");
		for (j = 0; j < CONF_MAXCLIENTS; j++)
			if (cf.client[j].psklen != 0)
				break;
		is_int(j, CONF_MAXCLIENTS, "... whose copies are wiped");
		free(err);
	}
}

static void
test_limits(void)
{
	char  *text, *err;
	size_t len, i;
	FILE  *f;

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	fprintf(f, BASE "identity gw.example\n");
	for (i = 0; i <= CONF_MAXCLIENTS; i++)
		fprintf(f, "client c%zu.example psk 0x%02zx\n", i, i & 0xff);
	fclose(f);
	is_int(parse(text, &cf, &err), -1, "257 clients are too many");
	is_str(err,
	    "/etc/moat/t.conf:261: 'client c256.example psk ...': "
	    "too many clients (at most 256)\n",
	    "... says the 257th");
	free(err);
	free(text);

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	fprintf(f, BASE "identity gw.example\nclient a psk \"");
	for (i = 0; i < CONF_PSKMAX; i++)
		fputc('x', f);
	fprintf(f, "\"\nclient b psk 0x");
	for (i = 0; i <= CONF_PSKMAX; i++)
		fprintf(f, "ab");
	fprintf(f, "\n");
	fclose(f);
	is_int(parse(text, &cf, &err), -1, "a 257-byte secret is too long");
	is_str(err,
	    "/etc/moat/t.conf:6: 'client b psk ...': the secret is "
	    "longer than 256 bytes\n",
	    "... a 256-byte one is not");
	free(err);
	free(text);
}

static void
test_conns(void)
{
	char		       *err;
	const struct conf_conn *k;
	char			s[PREFIX_STRLEN];

	is_int(parse(BASE "identity rw.example\n"
			  "connection home\n"
			  "gateway 198.51.100.1\n"
			  "remote-identity gw.example\n"
			  "psk \"a secret\"\n"
			  "remote-ts 10.0.1.0/24\n"
			  "remote-ts 10.0.3.0/24 # and a comment\n"
			  "up-script /bin/true\n"
			  "down-script /bin/false\n"
			  "hook-timeout 3\n"
			  "hook-failure down\n"
			  "dns file run/resolv.conf\n"
			  "auto add\n"
			  "connection office\n"
			  "gateway 203.0.113.1\n"
			  "remote-identity \"C=CH, O=Example, CN=gw\"\n"
			  "psk 0x0102\n",
		   &cf, &err),
	    0, "a client with two connections");
	is_str(err, "", "... without a word");
	ok(cf.ike && cf.nclients == 0, "... needs the engine, no client line");
	is_int(cf.nconns, 2, "... two connections");
	k = &cf.conn[0];
	is_str(k->name, "home", "... the first's name");
	is_int(k->line, 5, "... and line");
	is_str(addr_ntop(&k->gateway, s, sizeof(s)), "198.51.100.1",
	    "... gateway");
	is_str(k->rid, "gw.example", "... remote-identity");
	ok(k->psklen == 8 && memcmp(k->psk, "a secret", 8) == 0, "... psk");
	is_int(k->nremote_ts, 2, "... two remote-ts");
	is_str(prefix_ntop(&k->remote_ts[1], s, sizeof(s)), "10.0.3.0/24",
	    "... the second");
	is_str(k->up_script, "/bin/true", "... up-script");
	is_str(k->down_script, "/bin/false", "... down-script");
	ok(k->hook_timeout == 3 && k->hook_down, "... hook-timeout, failure");
	ok(k->dns == CONF_DNS_FILE &&
		strcmp(k->dns_file, "/etc/moat/run/resolv.conf") == 0,
	    "... dns file, relative to the file's directory");
	ok(!k->autostart, "... auto add");
	k = &cf.conn[1];
	ok(strcmp(k->name, "office") == 0 && k->line == 17 && k->psklen == 2 &&
		k->nremote_ts == 0,
	    "the second connection");
	ok(k->hook_timeout == 10 && !k->hook_down && k->dns == CONF_DNS_AUTO &&
		k->autostart && k->up_script[0] == '\0',
	    "... its defaults: 10 s, ignore, dns auto, auto start, no hooks");
	free(err);

	is_int(parse(BASE "identity gw.example\n"
			  "client rw.example psk 0x01\n"
			  "dns 10.0.1.1\npool 10.0.2.0/24\n"
			  "certificate c.pem\nprivate-key k.pem\nca ca.pem\n"
			  "connection up\ngateway 203.0.113.1\n"
			  "remote-identity up.example\ndns none\n",
		   &cf, &err),
	    0, "a gateway that is a client too, by certificate");
	ok(cf.nclients == 1 && cf.ndns == 1 && cf.nconns == 1 &&
		cf.conn[0].psklen == 0 && cf.conn[0].dns == CONF_DNS_NONE,
	    "... 'dns' is the gateway's at the top, the connection's inside");
	free(err);
}

static const struct {
	const char *in, *err;
} badconn[] = {
	{ BASE "identity rw.example\nconnection home\npsk \"x\"\n",
	    "/etc/moat/t.conf:5: connection home: 'gateway' is missing\n"
	    "/etc/moat/t.conf:5: connection home: 'remote-identity' is "
	    "missing\n" },
	{ BASE "connection home\ngateway 198.51.100.1\n"
	       "remote-identity gw.example\npsk 0x01\n",
	    "/etc/moat/t.conf: 'identity' is missing\n" },
	{ BASE "identity rw.example\n"
	       "connection a/b\ngateway gw\nremote-identity @\n"
	       "psk \"SeCrEt\" 0x536543724574\npsk SeCrEt\n"
	       "remote-ts 10.0.1.1/24\nup-script /nonexistent/up\n"
	       "down-script /dev/null\nhook-timeout 0\n"
	       "hook-failure maybe\ndns file\ndns resolved x\ndns dhcp\n"
	       "auto never\ngateway 198.51.100.1\ngateway 198.51.100.2\n"
	       "remote-identity gw.example\n",
	    "/etc/moat/t.conf:5: 'connection a/b': a connection's name is 1 "
	    "to 63 letters, digits, '.', '_' and '-'\n"
	    "/etc/moat/t.conf:6: 'gateway gw': not an IPv4 address\n"
	    "/etc/moat/t.conf:7: 'remote-identity @': an empty ID\n"
	    "/etc/moat/t.conf:8: 'psk ... ...': takes one value\n"
	    "/etc/moat/t.conf:9: 'psk ...': the secret is neither a \"quoted "
	    "string\" nor 0x and pairs of hex digits\n"
	    "/etc/moat/t.conf:10: 'remote-ts 10.0.1.1/24': host bits set "
	    "beyond the prefix length\n"
	    "/etc/moat/t.conf:11: 'up-script /nonexistent/up': no such file\n"
	    "/etc/moat/t.conf:12: 'down-script /dev/null': not an "
	    "executable file\n"
	    "/etc/moat/t.conf:13: 'hook-timeout 0': not a number in range\n"
	    "/etc/moat/t.conf:14: 'hook-failure maybe': neither 'ignore' nor "
	    "'down'\n"
	    "/etc/moat/t.conf:15: 'dns file': file needs a path\n"
	    "/etc/moat/t.conf:16: 'dns resolved x': takes one value\n"
	    "/etc/moat/t.conf:17: 'dns dhcp': not auto, resolved, "
	    "resolvconf, file PATH or none\n"
	    "/etc/moat/t.conf:18: 'auto never': neither 'start' nor 'add'\n"
	    "/etc/moat/t.conf:20: 'gateway 198.51.100.2': given twice\n"
	    "/etc/moat/t.conf:5: connection a/b: without 'psk' it needs "
	    "'certificate', 'private-key' and 'ca'\n" },
	{ BASE "identity rw.example\npsk 0x536543724574\n"
	       "gateway 198.51.100.1\n"
	       "connection a\ngateway 198.51.100.1\nremote-identity g\n"
	       "psk 0x01\npool 10.0.2.0/24\npks \"SeCrEt\"\n"
	       "connection a\ngateway 198.51.100.1\nremote-identity g\n"
	       "psk 0x01\n",
	    "/etc/moat/t.conf:5: 'psk ...': only in a connection (after a "
	    "'connection' line)\n"
	    "/etc/moat/t.conf:6: 'gateway 198.51.100.1': only in a "
	    "connection (after a 'connection' line)\n"
	    "/etc/moat/t.conf:11: 'pool 10.0.2.0/24': not a connection's "
	    "keyword (a connection runs to the next 'connection': put it "
	    "before the first)\n"
	    "/etc/moat/t.conf:12: 'pks ...': unknown keyword\n"
	    "/etc/moat/t.conf:13: 'connection a': connection a given twice "
	    "(line 7)\n" },
};

static void
test_badconn(void)
{
	char  *err, *text;
	size_t i, len;
	int    j;
	FILE  *f;

	for (i = 0; i < sizeof(badconn) / sizeof(badconn[0]); i++) {
		is_int(parse(badconn[i].in, &cf, &err), -1,
		    "bad connection file %zu fails", i);
		is_str(err, badconn[i].err, "... naming every error");
		ok(strstr(err, "SeCrEt") == NULL &&
			strstr(err, "536543") == NULL,
		    "... and no secret");
		for (j = 0; j < CONF_MAXCONNS; j++)
			if (cf.conn[j].psklen != 0)
				break;
		is_int(j, CONF_MAXCONNS, "... whose copies are wiped");
		free(err);
	}

	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	fprintf(f, BASE "identity rw.example\n");
	for (i = 0; i <= CONF_MAXCONNS; i++)
		fprintf(f,
		    "connection c%zu\ngateway 198.51.100.1\n"
		    "remote-identity gw\npsk 0x01\n",
		    i);
	fclose(f);
	is_int(parse(text, &cf, &err), -1, "17 connections are too many");
	is_str(err,
	    "/etc/moat/t.conf:69: 'connection c16': too many connections "
	    "(at most 16)\n",
	    "... says the 17th, and nothing of its lines");
	free(err);
	free(text);
}

int
main(void)
{
	test_good();
	test_conns();
	test_badconn();
	test_bad();
	test_limits();
	return done_testing();
}
