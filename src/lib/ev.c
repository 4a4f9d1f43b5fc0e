/* An epoll event loop with a binary min-heap of timers. */
#include <sys/epoll.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"

#define EV_BATCH 64

struct ev_loop {
	int		  epfd;
	bool		  stop;
	struct ev_timer **heap;
	size_t		  nheap;
	size_t		  capheap;
	/* The batch being dispatched, so that ev_io_del can void entries. */
	struct epoll_event batch[EV_BATCH];
	int		   nbatch;
};

uint64_t
ev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct ev_loop *
ev_loop_new(void)
{
	struct ev_loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_error("event loop: out of memory");
		return NULL;
	}
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_error("epoll_create1: %s", strerror(errno));
		free(l);
		return NULL;
	}
	return l;
}

void
ev_loop_free(struct ev_loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->heap);
	free(l);
}

int
ev_io_add(struct ev_loop *l, struct ev_io *io, int fd, uint32_t events,
    ev_io_cb *cb, void *arg)
{
	struct epoll_event ee = { .events = events, .data.ptr = io };

	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ee) == -1) {
		log_error("epoll_ctl add fd %d: %s", fd, strerror(errno));
		return -1;
	}
	return 0;
}

int
ev_io_del(struct ev_loop *l, struct ev_io *io)
{
	int i;

	for (i = 0; i < l->nbatch; i++)
		if (l->batch[i].data.ptr == io)
			l->batch[i].data.ptr = NULL;
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL) == -1) {
		log_error("epoll_ctl del fd %d: %s", io->fd, strerror(errno));
		return -1;
	}
	return 0;
}

static void
heap_set(struct ev_loop *l, size_t i, struct ev_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct ev_loop *l, size_t i)
{
	struct ev_timer *t = l->heap[i];
	size_t		 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (l->heap[parent]->when <= t->when)
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, t);
}

static void
heap_down(struct ev_loop *l, size_t i)
{
	struct ev_timer *t = l->heap[i];
	size_t		 child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= l->nheap)
			break;
		if (child + 1 < l->nheap &&
		    l->heap[child + 1]->when < l->heap[child]->when)
			child++;
		if (t->when <= l->heap[child]->when)
			break;
		heap_set(l, i, l->heap[child]);
		i = child;
	}
	heap_set(l, i, t);
}

void
ev_timer_init(struct ev_timer *t, ev_timer_cb *cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

bool
ev_timer_armed(const struct ev_timer *t)
{
	return t->slot != 0;
}

void
ev_timer_del(struct ev_loop *l, struct ev_timer *t)
{
	struct ev_timer *last;
	size_t		 i;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	if (i == --l->nheap)
		return;
	last = l->heap[l->nheap];
	heap_set(l, i, last);
	heap_down(l, i);
	heap_up(l, last->slot - 1);
}

/* Arm (or re-arm) t to fire delay_ms from now. */
int
ev_timer_add(struct ev_loop *l, struct ev_timer *t, uint64_t delay_ms)
{
	struct ev_timer **h;
	size_t		  cap;

	ev_timer_del(l, t);
	if (l->nheap == l->capheap) {
		cap = l->capheap ? 2 * l->capheap : 16;
		if ((h = reallocarray(l->heap, cap, sizeof(*h))) == NULL) {
			log_error("event loop: out of memory for timers");
			return -1;
		}
		l->heap = h;
		l->capheap = cap;
	}
	t->when = ev_now_ms() + delay_ms;
	heap_set(l, l->nheap++, t);
	heap_up(l, l->nheap - 1);
	return 0;
}

void
ev_break(struct ev_loop *l)
{
	l->stop = true;
}

static void
run_timers(struct ev_loop *l)
{
	uint64_t	 now = ev_now_ms();
	struct ev_timer *t;

	while (!l->stop && l->nheap > 0 && l->heap[0]->when <= now) {
		t = l->heap[0];
		ev_timer_del(l, t);
		t->cb(t->arg);
	}
}

static int
next_timeout(const struct ev_loop *l)
{
	uint64_t now, when;

	if (l->nheap == 0)
		return -1;
	now = ev_now_ms();
	when = l->heap[0]->when;
	if (when <= now)
		return 0;
	return when - now > 60000 ? 60000 : (int)(when - now);
}

/* Dispatch until ev_break; 0 then, -1 if epoll fails. */
int
ev_run(struct ev_loop *l)
{
	struct ev_io *io;
	int	      i, n;

	l->stop = false;
	while (!l->stop) {
		n = epoll_wait(l->epfd, l->batch, EV_BATCH, next_timeout(l));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return -1;
		}
		l->nbatch = n;
		for (i = 0; i < n && !l->stop; i++) {
			if ((io = l->batch[i].data.ptr) != NULL)
				io->cb(io->fd, l->batch[i].events, io->arg);
		}
		l->nbatch = 0;
		run_timers(l);
	}
	return 0;
}
