/* The registry of the rate matches and the helpers they share; see
 * rate.h. */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "hash.h"
#include "rate.h"

static size_t
khash(const struct kmap *m, const uint32_t *key)
{
	uint32_t h = m->seed;
	int	 i;

	for (i = 0; i < KEYWORDS; i++)
		h = hash_mix(h, key[i]);
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	return h & (m->nbucket - 1);
}

struct kitem *
kmap_find(const struct kmap *m, const uint32_t *key)
{
	struct kitem *it;

	if (m->naive || m->nbucket == 0) {
		for (it = m->head; it != NULL; it = it->next)
			if (memcmp(it->key, key, sizeof(it->key)) == 0)
				return it;
		return NULL;
	}
	for (it = m->bucket[khash(m, key)]; it != NULL; it = it->hnext)
		if (memcmp(it->key, key, sizeof(it->key)) == 0)
			return it;
	return NULL;
}

/* Twice as many buckets, rebuilt from the list; without memory the old
 * ones stay (longer chains, same answers). */
static void
kmap_grow(struct kmap *m)
{
	struct kitem **b, *it;
	size_t	       n = m->nbucket ? m->nbucket * 2 : 16, i;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return;
	free(m->bucket);
	m->bucket = b;
	m->nbucket = n;
	for (it = m->head; it != NULL; it = it->next) {
		i = khash(m, it->key);
		it->hnext = b[i];
		b[i] = it;
	}
}

void
kmap_add(struct kmap *m, struct kitem *it)
{
	size_t i;

	it->next = NULL;
	it->prev = m->tail;
	if (m->tail != NULL)
		m->tail->next = it;
	else
		m->head = it;
	m->tail = it;
	m->count++;
	if (m->naive)
		return;
	if (m->count > 2 * m->nbucket) {
		kmap_grow(m); /* links the new item too */
		return;
	}
	i = khash(m, it->key);
	it->hnext = m->bucket[i];
	m->bucket[i] = it;
}

void
kmap_del(struct kmap *m, struct kitem *it)
{
	struct kitem **pp;

	if (it->prev != NULL)
		it->prev->next = it->next;
	else
		m->head = it->next;
	if (it->next != NULL)
		it->next->prev = it->prev;
	else
		m->tail = it->prev;
	m->count--;
	if (m->naive || m->nbucket == 0)
		return;
	for (pp = &m->bucket[khash(m, it->key)]; *pp != NULL;
	     pp = &(*pp)->hnext)
		if (*pp == it) {
			*pp = it->hnext;
			break;
		}
}

void
kmap_init(struct kmap *m, const struct fw_rate *reg)
{
	memset(m, 0, sizeof(*m));
	m->naive = reg->naive;
	m->seed = reg->seed;
}

/* The packet's time in ns; never earlier than a packet before it, since
 * the kernel's clocks do not go back. */
uint64_t
rate_now(struct fw_rate *reg, const struct fw_pkt *pk)
{
	uint64_t ns;

	if (!(pk->t > 0)) /* also NaN */
		ns = 0;
	else if (pk->t >= RATE_TMAX)
		ns = (uint64_t)RATE_TMAX * NSEC_PER_SEC;
	else
		ns = (uint64_t)(pk->t * 1e9 + 0.5);
	if (ns < reg->now)
		ns = reg->now;
	reg->now = ns;
	return ns;
}

uint64_t
rate_jiffies(struct fw_rate *reg, const struct fw_pkt *pk)
{
	return rate_now(reg, pk) / NSEC_PER_JIFFY;
}

/* msecs_to_jiffies when HZ divides 1000: rounded up. */
uint64_t
ms_to_jiffies(uint64_t ms)
{
	return (ms + 1000 / RATE_HZ - 1) / (1000 / RATE_HZ);
}

/* The kernel's POW2_BELOW32/64: the largest power of two <= x. */
uint64_t
pow2_below(uint64_t x)
{
	uint64_t p = 1;

	while (p <= x / 2)
		p <<= 1;
	return p;
}

/* An IPv4 address (network order) under a prefix length, as xt_hashlimit's
 * maskl and xt_connlimit's mask do; 0 keeps nothing. */
uint32_t
mask_len(uint32_t a, uint32_t len)
{
	if (len == 0)
		return 0;
	if (len >= 32)
		return a;
	return htonl(ntohl(a) & ~0u << (32 - len));
}

/*
 * A rate "N[/second|minute|hour|day]" (any prefix of the unit, seconds by
 * default) as the period between packets in units of 1/scale second, as
 * libxt_limit's and libxt_hashlimit's parse_rate: N is read as atoi reads
 * it, and a period of 0 is too fast. *unit gets the unit in seconds.
 */
int
parse_rate(const char *s, uint64_t scale, uint64_t *period, uint32_t *unit,
    const char **why)
{
	static const struct {
		const char *name;
		uint32_t    secs;
	} units[] = { { "second", 1 }, { "minute", 60 }, { "hour", 3600 },
		{ "day", 86400 } };
	const char *slash = strchr(s, '/');
	size_t	    i, n;
	long long   r;

	*unit = 1;
	if (slash != NULL) {
		n = strlen(slash + 1);
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (n > 0 &&
			    strncasecmp(slash + 1, units[i].name, n) == 0)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			*why = "bad rate (N/sec, N/min, N/hour or N/day)";
			return -1;
		}
		*unit = units[i].secs;
	}
	if ((r = atoll(s)) <= 0) {
		*why = "bad rate (N/sec, N/min, N/hour or N/day)";
		return -1;
	}
	if ((*period = scale * *unit / (uint64_t)r) == 0) {
		*why = "rate too fast";
		return -1;
	}
	return 0;
}

/* The units of print_rate, largest first, in seconds. */
const uint32_t rate_secs[4] = { 86400, 3600, 60, 1 };

/* print_rate of libxt_limit and libxt_hashlimit, and add_nft_limit of
 * iptables-nft: the largest unit (index into rate_secs) in which the rate
 * is still a whole number of packets. */
size_t
rate_unit(uint64_t period, uint64_t scale)
{
	size_t i;

	for (i = 1; i < 4; i++)
		if (period > scale * rate_secs[i] ||
		    scale * rate_secs[i] / period <
			scale * rate_secs[i] % period)
			break;
	return i - 1;
}

/* Prints the rate; returns its unit in milliseconds. */
uint32_t
save_rate(FILE *f, uint64_t period, uint64_t scale)
{
	static const char *const names[] = { "day", "hour", "min", "sec" };
	size_t			 i = rate_unit(period, scale);

	fprintf(
	    f, " %ju/%s", (uintmax_t)(scale * rate_secs[i] / period), names[i]);
	return rate_secs[i] * 1000;
}

/* ---- the registry --------------------------------------------------------- */

struct fw_rate *
fw_rate_new(struct ct_table *ct)
{
	struct fw_rate *reg;

	if ((reg = calloc(1, sizeof(*reg))) == NULL)
		return NULL;
	reg->ct = ct;
	/* A secret seed keeps peers from choosing colliding keys. */
	if (getrandom(&reg->seed, sizeof(reg->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(reg->seed))
		reg->seed = 0x72617465;
	return reg;
}

/* For the unit tests: linear scans instead of hash tables, the reference
 * the tables are compared with. Before any bind. */
void
fw_rate_naive(struct fw_rate *reg)
{
	reg->naive = true;
}

void
kmap_free_all(struct kmap *m, void (*item_free)(struct kitem *))
{
	struct kitem *it, *next;

	for (it = m->head; it != NULL; it = next) {
		next = it->next;
		item_free(it);
	}
	free(m->bucket);
}

void
fw_rate_free(struct fw_rate *reg)
{
	if (reg == NULL)
		return;
	rate_free_hashlimit(reg);
	rate_free_recent(reg);
	rate_free_connlimit(reg);
	free(reg);
}
