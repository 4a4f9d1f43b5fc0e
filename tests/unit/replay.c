/*
 * The anti-replay window: a truth table of hand-worked cases (RFC 4303
 * 3.4.3 and Appendix A2), then random sequences against a naive
 * reference (a set of every number accepted), with and without extended
 * sequence numbers, across the 2^32 boundary, for windows 0 to 4096.
 */
#include <stdlib.h>

#include "esp.h"
#include "tap.h"

/* The naive window: accepted numbers in a sorted array. */
struct naive {
	uint64_t *seen;
	size_t	  n, cap;
	uint64_t  top;
	uint32_t  window;
};

static bool
naive_seen(const struct naive *v, uint64_t s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->seen[i] == s)
			return true;
	return false;
}

static bool
naive_check(const struct naive *v, uint64_t s)
{
	if (s == 0)
		return false;
	if (v->window == 0 || s > v->top)
		return true;
	if (v->top - s >= v->window)
		return false;
	return !naive_seen(v, s);
}

static void
naive_update(struct naive *v, uint64_t s)
{
	size_t i, k = 0;

	if (s > v->top)
		v->top = s;
	if (v->window == 0)
		return;
	/* Keep only what is still inside the window. */
	for (i = 0; i < v->n; i++)
		if (v->top - v->seen[i] < v->window)
			v->seen[k++] = v->seen[i];
	v->n = k;
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->seen = realloc(v->seen, v->cap * sizeof(*v->seen));
		if (v->seen == NULL)
			abort();
	}
	v->seen[v->n++] = s;
}

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Accept s if the window does: check, then update, as after the ICV. */
static bool
offer(struct esp_replay *r, uint64_t s, uint64_t *got)
{
	if (!esp_replay_check(r, (uint32_t)s, got))
		return false;
	esp_replay_update(r, *got);
	return true;
}

static void
truth_table(void)
{
	struct esp_replay r;
	uint64_t	  s;

	ok(esp_replay_init(&r, 64, false) == 0, "a window of 64");
	ok(!esp_replay_check(&r, 0, &s), "sequence number 0 is never valid");
	ok(offer(&r, 1, &s) && s == 1, "1 is new");
	ok(!offer(&r, 1, &s), "1 again is a replay");
	ok(offer(&r, 100, &s), "100 moves the window to 37..100");
	ok(!offer(&r, 36, &s), "36 is older than the window");
	ok(offer(&r, 37, &s), "37 is the window's oldest, unseen");
	ok(!offer(&r, 37, &s), "37 again is a replay");
	ok(!esp_replay_check(&r, 100, &s), "100 again is a replay");
	ok(esp_replay_check(&r, 99, &s), "99 is unseen");
	ok(esp_replay_check(&r, 99, &s),
	    "a check alone does not move anything");
	ok(offer(&r, 100 + 64 * 40, &s), "a jump far beyond the ring");
	ok(esp_replay_check(&r, 100 + 64 * 40 - 63, &s),
	    "what the jump left in the window is unseen (stale bits cleared)");
	esp_replay_free(&r);

	ok(esp_replay_init(&r, 0, false) == 0, "window 0: no replay check");
	ok(offer(&r, 5, &s) && offer(&r, 5, &s) && offer(&r, 2, &s),
	    "window 0 accepts repeats and old numbers");
	esp_replay_free(&r);
	ok(esp_replay_init(&r, ESP_REPLAY_MAX + 1, false) == -1,
	    "a window over the maximum is refused");

	/* ESN: RFC 4303 A2.1, both cases of the window. */
	ok(esp_replay_init(&r, 32, true) == 0, "ESN, window 32");
	esp_replay_update(&r, 0xfffffff0ULL);
	ok(esp_replay_check(&r, 0x00000005, &s) && s == 0x100000005ULL,
	    "low bits below the window belong to the next subspace");
	ok(esp_replay_check(&r, 0xffffffe0, &s) && s == 0xffffffe0ULL,
	    "low bits inside the window stay in this subspace");
	esp_replay_update(&r, 0x100000003ULL);
	ok(esp_replay_check(&r, 0xfffffff9, &s) && s == 0xfffffff9ULL,
	    "window across the boundary: high low bits are the previous "
	    "subspace");
	ok(!esp_replay_check(&r, 0xfffffff0, &s), "... and seen there");
	ok(esp_replay_check(&r, 0x00000002, &s) && s == 0x100000002ULL,
	    "window across the boundary: low bits are this subspace");
	ok(esp_replay_check(&r, 0xffffff00, &s) && s == 0x1ffffff00ULL,
	    "low bits below a straddling window are read as far ahead (the "
	    "ICV then fails)");
	esp_replay_free(&r);
	ok(esp_replay_init(&r, 32, true) == 0, "ESN from the start");
	ok(!esp_replay_check(&r, 0xfffffff0, &s),
	    "before the first subspace there is nothing");
	ok(esp_replay_check(&r, 1, &s) && s == 1, "1 is the first number");
	esp_replay_free(&r);
}

/*
 * Random traffic: the sender's numbers advance with reordering, repeats
 * and jumps; each is offered with only its low 32 bits when ESN is on.
 * Window and reference must agree on every packet and on the number the
 * window infers.
 */
static void
randomized(uint32_t window, bool esn, uint64_t start, uint64_t seed)
{
	struct esp_replay r;
	struct naive	  v = { .window = window };
	uint64_t	  x = seed, sent = start, s, got;
	size_t		  i, bad = 0, acc = 0;
	bool		  a, b;

	if (esp_replay_init(&r, window, esn) == -1) {
		ok(0, "window %u initializes", window);
		return;
	}
	if (start > 0) { /* as if the SA had carried start packets */
		naive_update(&v, start);
		esp_replay_update(&r, start);
	}
	for (i = 0; i < 20000; i++) {
		switch (rnd(&x) % 8) {
		case 0: /* a jump forward */
			sent += rnd(&x) % (3 * (uint64_t)window + 200);
			break;
		case 1: /* a repeat or an old one, inside or outside */
			if (v.top > 0) {
				s = v.top - rnd(&x) % ((uint64_t)window + 70);
				if (s > v.top) /* wrapped below 0 */
					s = v.top;
				goto offer;
			}
			break;
		default:
			sent += 1 + rnd(&x) % 3;
		}
		s = sent;
	offer:
		if (esn && v.top > 0 && s + (window ? window : 1) <= v.top)
			continue; /* ESN cannot name numbers that old */
		a = naive_check(&v, s);
		b = esp_replay_check(&r, (uint32_t)s, &got);
		if (!esn && s > UINT32_MAX)
			continue;
		if (a != b || (b && got != s)) {
			if (bad++ < 3)
				diag("window %u esn %d: %llu: naive %d, window "
				     "%d "
				     "(inferred %llu)",
				    window, esn, (unsigned long long)s, a, b,
				    (unsigned long long)got);
			continue;
		}
		if (a && rnd(&x) % 16 != 0) { /* 1 in 16 fails its ICV */
			naive_update(&v, s);
			esp_replay_update(&r, s);
			acc++;
		}
	}
	ok(bad == 0 && acc > 1000,
	    "window %u, esn %d, from %llu: 20000 packets agree with the "
	    "naive set (%zu accepted, %zu differ)",
	    window, esn, (unsigned long long)start, acc, bad);
	free(v.seen);
	esp_replay_free(&r);
}

int
main(void)
{
	static const uint32_t windows[] = { 0, 1, 32, 64, 65, 128, 1000, 4096 };
	size_t		      i;

	truth_table();
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		randomized(windows[i], false, 0, 0x9e3779b97f4a7c15ULL + i);
		randomized(windows[i], true, 0, 0x2545f4914f6cdd1dULL + i);
		randomized(windows[i], true, 0xffffffffULL - 30000,
		    0x853c49e6748fea9bULL + i);
		randomized(windows[i], true, 0x3fffffff0ULL,
		    0xda3e39cb94b95bdbULL + i);
	}
	return done_testing();
}
