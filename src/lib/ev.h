/*
 * An epoll event loop with timers on the monotonic clock.
 *
 * The caller owns struct ev_io and struct ev_timer; the loop only keeps
 * pointers to them, so registering costs no allocation beyond the timer
 * heap's growth. Either may be removed from inside any callback.
 */
#ifndef MOAT_EV_H
#define MOAT_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;

typedef void ev_io_cb(int, uint32_t, void *);
typedef void ev_timer_cb(void *);

struct ev_io {
	int	  fd;
	ev_io_cb *cb;
	void	 *arg;
};

struct ev_timer {
	uint64_t     when; /* ev_now_ms() at which it fires */
	size_t	     slot; /* heap index + 1; 0 when not armed */
	ev_timer_cb *cb;
	void	    *arg;
};

uint64_t	ev_now_ms(void);
struct ev_loop *ev_loop_new(void);
void		ev_loop_free(struct ev_loop *);
int		ev_io_add(
		struct ev_loop *, struct ev_io *, int, uint32_t, ev_io_cb *, void *);
int  ev_io_del(struct ev_loop *, struct ev_io *);
void ev_timer_init(struct ev_timer *, ev_timer_cb *, void *);
int  ev_timer_add(struct ev_loop *, struct ev_timer *, uint64_t);
void ev_timer_del(struct ev_loop *, struct ev_timer *);
bool ev_timer_armed(const struct ev_timer *);
int  ev_run(struct ev_loop *);
void ev_break(struct ev_loop *);

#endif
