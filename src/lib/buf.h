/*
 * Bounded readers and writers for network byte order.
 *
 * A read or write past the end fails with -1, leaves the position where it
 * was and sets the sticky err flag, so a parser may check once at the end.
 */
#ifndef MOAT_BUF_H
#define MOAT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf_rd {
	const uint8_t *p;
	size_t	       len;
	size_t	       off;
	bool	       err;
};

struct buf_wr {
	uint8_t *p;
	size_t	 cap;
	size_t	 off;
	bool	 err;
};

void	       buf_rd_init(struct buf_rd *, const void *, size_t);
size_t	       buf_left(const struct buf_rd *);
int	       buf_get_u8(struct buf_rd *, uint8_t *);
int	       buf_get_u16(struct buf_rd *, uint16_t *);
int	       buf_get_u32(struct buf_rd *, uint32_t *);
int	       buf_get_u64(struct buf_rd *, uint64_t *);
int	       buf_get_bytes(struct buf_rd *, void *, size_t);
const uint8_t *buf_get_ptr(struct buf_rd *, size_t);
int	       buf_skip(struct buf_rd *, size_t);
int	       buf_sub(struct buf_rd *, struct buf_rd *, size_t);

void   buf_wr_init(struct buf_wr *, void *, size_t);
size_t buf_room(const struct buf_wr *);
int    buf_put_u8(struct buf_wr *, uint8_t);
int    buf_put_u16(struct buf_wr *, uint16_t);
int    buf_put_u32(struct buf_wr *, uint32_t);
int    buf_put_u64(struct buf_wr *, uint64_t);
int    buf_put_bytes(struct buf_wr *, const void *, size_t);
int    buf_put_zero(struct buf_wr *, size_t);
int    buf_patch_u16(struct buf_wr *, size_t, uint16_t);
int    buf_patch_u32(struct buf_wr *, size_t, uint32_t);

#endif
