/*
 * Fuzz the setkey(8) parser. A file that parses must print as something
 * that parses again to the same operations, field by field (the line
 * aside), and a file that does not parse returns nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
addr_same(const struct addr *a, const struct addr *b)
{
	return a->af == b->af && memcmp(a->u.b, b->u.b, sizeof(a->u.b)) == 0;
}

static bool
prefix_same(const struct prefix *a, const struct prefix *b)
{
	return addr_same(&a->addr, &b->addr) && addr_same(&a->mask, &b->mask);
}

static bool
life_same(const struct esp_lifetime *a, const struct esp_lifetime *b)
{
	return a->bytes == b->bytes && a->packets == b->packets &&
	    a->add_s == b->add_s && a->use_s == b->use_s;
}

static bool
sa_same(const struct esp_sa_params *a, const struct esp_sa_params *b)
{
	return addr_same(&a->src, &b->src) && addr_same(&a->dst, &b->dst) &&
	    a->sport == b->sport && a->dport == b->dport &&
	    a->udp_encap == b->udp_encap && a->spi == b->spi &&
	    a->mode == b->mode && a->reqid == b->reqid &&
	    a->replay == b->replay && a->esn == b->esn && a->enc == b->enc &&
	    a->auth == b->auth && a->ekeylen == b->ekeylen &&
	    memcmp(a->ekey, b->ekey, sizeof(a->ekey)) == 0 &&
	    a->akeylen == b->akeylen &&
	    memcmp(a->akey, b->akey, sizeof(a->akey)) == 0 &&
	    life_same(&a->soft, &b->soft) && life_same(&a->hard, &b->hard);
}

static bool
sp_same(const struct esp_spd_params *a, const struct esp_spd_params *b)
{
	return prefix_same(&a->sel.src, &b->sel.src) &&
	    prefix_same(&a->sel.dst, &b->sel.dst) &&
	    a->sel.sport == b->sel.sport && a->sel.dport == b->sel.dport &&
	    a->sel.proto == b->sel.proto && a->dir == b->dir &&
	    a->action == b->action && a->priority == b->priority &&
	    a->mode == b->mode && addr_same(&a->tsrc, &b->tsrc) &&
	    addr_same(&a->tdst, &b->tdst) && a->level == b->level &&
	    a->reqid == b->reqid;
}

static void
free_ops(struct esp_op *ops, size_t n)
{
	if (ops != NULL)
		explicit_bzero(ops, n * sizeof(*ops));
	free(ops);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esp_op *ops, *again;
	size_t	       n, n2, len, i;
	char	      *text = NULL;
	FILE	      *f, *err;

	if ((err = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((f = fmemopen((void *)data, size, "r")) == NULL) {
		fclose(err);
		return 0;
	}
	if (esp_setkey_parse(f, "fuzz", &ops, &n, err) == -1) {
		if (ops != NULL || n != 0)
			abort();
		fclose(f);
		fclose(err);
		return 0;
	}
	fclose(f);
	if ((f = open_memstream(&text, &len)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		esp_op_print(&ops[i], f);
	fclose(f);
	if ((f = fmemopen(text, len, "r")) == NULL && len > 0)
		abort();
	if (f == NULL && (f = fopen("/dev/null", "r")) == NULL)
		abort();
	if (esp_setkey_parse(f, "printed", &again, &n2, stderr) == -1) {
		fprintf(stderr, "the printed form does not parse:\n%s", text);
		abort();
	}
	if (n2 != n)
		abort();
	for (i = 0; i < n; i++)
		if (ops[i].kind != again[i].kind ||
		    !sa_same(&ops[i].sa, &again[i].sa) ||
		    !sp_same(&ops[i].sp, &again[i].sp)) {
			fprintf(
			    stderr, "operation %zu differs once printed\n", i);
			abort();
		}
	fclose(f);
	fclose(err);
	if (text != NULL)
		explicit_bzero(text, len);
	free(text);
	free_ops(ops, n);
	free_ops(again, n2);
	return 0;
}
