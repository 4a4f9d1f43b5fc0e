/* The event loop: fd readiness, timer order, re-arming, and removal of fds
 * and timers from inside callbacks. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ev.h"
#include "tap.h"

struct ctx;

struct tmr {
	struct ctx     *c;
	int		id;
	struct ev_timer t;
};

struct ctx {
	struct ev_loop *loop;
	struct ev_io	io[2];
	int		fds[2][2];
	int		reads;
	struct tmr	tm[5];
	int		order[8];
	int		norder;
};

/* Both pipes are ready at once; whichever runs first removes both fds, so
 * the other callback must not run. */
static void
on_read(int fd, uint32_t events, void *arg)
{
	struct ctx *c = arg;
	char	    b;

	(void)events;
	if (read(fd, &b, 1) == 1)
		c->reads++;
	ev_io_del(c->loop, &c->io[0]);
	ev_io_del(c->loop, &c->io[1]);
}

static void
on_timer(void *arg)
{
	struct tmr *m = arg;
	struct ctx *c = m->c;

	c->order[c->norder++] = m->id;
	if (m->id == 1)
		ev_timer_del(c->loop, &c->tm[2].t); /* due later */
	if (m->id == 3 && c->norder == 2)
		ev_timer_add(c->loop, &m->t, 1); /* re-arm once */
	if (m->id == 4 || c->norder == 8)
		ev_break(c->loop);
}

int
main(void)
{
	static const int delays[5] = { 30, 10, 40, 20, 80 };
	struct ctx	 c = { 0 };
	uint64_t	 t0, dt;
	int		 i, rc;

	c.loop = ev_loop_new();
	ok(c.loop != NULL, "loop created");
	for (i = 0; i < 2; i++) {
		if (pipe(c.fds[i]) == -1 || write(c.fds[i][1], "x", 1) != 1)
			return 1;
		ev_io_add(c.loop, &c.io[i], c.fds[i][0], EPOLLIN, on_read, &c);
	}
	for (i = 0; i < 5; i++) {
		c.tm[i].c = &c;
		c.tm[i].id = i;
		ev_timer_init(&c.tm[i].t, on_timer, &c.tm[i]);
		ev_timer_add(c.loop, &c.tm[i].t, delays[i]);
	}
	ok(ev_timer_armed(&c.tm[0].t), "an added timer is armed");
	/* Re-adding moves a timer: 0 now fires after 3 (20 ms) but before 4. */
	ev_timer_add(c.loop, &c.tm[0].t, 25);

	t0 = ev_now_ms();
	rc = ev_run(c.loop);
	dt = ev_now_ms() - t0;

	is_int(rc, 0, "ev_run returns 0 after ev_break");
	is_int(c.reads, 1,
	    "a fd removed by an earlier callback of the same "
	    "batch is not dispatched");
	/* 1 (10ms) deletes 2; 3 (20ms) re-arms itself for 1 ms; 0 (25ms); 4. */
	is_int(c.norder, 5, "five timer callbacks ran");
	ok(c.order[0] == 1 && c.order[1] == 3 && c.order[2] == 3 &&
		c.order[3] == 0 && c.order[4] == 4,
	    "timers fire in due order, deleted one never, re-armed one twice "
	    "(got %d %d %d %d %d)",
	    c.order[0], c.order[1], c.order[2], c.order[3], c.order[4]);
	ok(!ev_timer_armed(&c.tm[2].t), "the deleted timer is not armed");
	ok(dt >= 80, "the loop ran until the last timer was due (%llu ms)",
	    (unsigned long long)dt);

	ev_timer_del(c.loop, &c.tm[2].t); /* deleting twice is harmless */
	for (i = 0; i < 2; i++) {
		close(c.fds[i][0]);
		close(c.fds[i][1]);
	}
	ev_loop_free(c.loop);
	return done_testing();
}
