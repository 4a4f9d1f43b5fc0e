/* Bounded readers and writers for network byte order. */
#include <string.h>

#include "buf.h"

void
buf_rd_init(struct buf_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}

size_t
buf_left(const struct buf_rd *r)
{
	return r->len - r->off;
}

const uint8_t *
buf_get_ptr(struct buf_rd *r, size_t n)
{
	const uint8_t *p;

	if (n > buf_left(r)) {
		r->err = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

int
buf_get_bytes(struct buf_rd *r, void *out, size_t n)
{
	const uint8_t *p;

	if ((p = buf_get_ptr(r, n)) == NULL) {
		memset(out, 0, n);
		return -1;
	}
	memcpy(out, p, n);
	return 0;
}

/* Big-endian integer of n bytes; *v is 0 when the reader is short. */
static int
get_be(struct buf_rd *r, size_t n, uint64_t *v)
{
	const uint8_t *p;
	size_t	       i;

	*v = 0;
	if ((p = buf_get_ptr(r, n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		*v = (*v << 8) | p[i];
	return 0;
}

int
buf_get_u8(struct buf_rd *r, uint8_t *out)
{
	uint64_t v;
	int	 rc = get_be(r, 1, &v);

	*out = (uint8_t)v;
	return rc;
}

int
buf_get_u16(struct buf_rd *r, uint16_t *out)
{
	uint64_t v;
	int	 rc = get_be(r, 2, &v);

	*out = (uint16_t)v;
	return rc;
}

int
buf_get_u32(struct buf_rd *r, uint32_t *out)
{
	uint64_t v;
	int	 rc = get_be(r, 4, &v);

	*out = (uint32_t)v;
	return rc;
}

int
buf_get_u64(struct buf_rd *r, uint64_t *out)
{
	return get_be(r, 8, out);
}

int
buf_skip(struct buf_rd *r, size_t n)
{
	return buf_get_ptr(r, n) == NULL ? -1 : 0;
}

int
buf_sub(struct buf_rd *r, struct buf_rd *sub, size_t n)
{
	const uint8_t *p;

	if ((p = buf_get_ptr(r, n)) == NULL) {
		buf_rd_init(sub, NULL, 0);
		sub->err = true;
		return -1;
	}
	buf_rd_init(sub, p, n);
	return 0;
}

void
buf_wr_init(struct buf_wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->off = 0;
	w->err = false;
}

size_t
buf_room(const struct buf_wr *w)
{
	return w->cap - w->off;
}

/* Space for n more bytes, or NULL (and err) when there is not. */
static uint8_t *
reserve(struct buf_wr *w, size_t n)
{
	uint8_t *p;

	if (n > buf_room(w)) {
		w->err = true;
		return NULL;
	}
	p = w->p + w->off;
	w->off += n;
	return p;
}

static void
store_be(uint8_t *p, size_t n, uint64_t v)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static int
put_be(struct buf_wr *w, size_t n, uint64_t v)
{
	uint8_t *p;

	if ((p = reserve(w, n)) == NULL)
		return -1;
	store_be(p, n, v);
	return 0;
}

int
buf_put_u8(struct buf_wr *w, uint8_t v)
{
	return put_be(w, 1, v);
}

int
buf_put_u16(struct buf_wr *w, uint16_t v)
{
	return put_be(w, 2, v);
}

int
buf_put_u32(struct buf_wr *w, uint32_t v)
{
	return put_be(w, 4, v);
}

int
buf_put_u64(struct buf_wr *w, uint64_t v)
{
	return put_be(w, 8, v);
}

int
buf_put_bytes(struct buf_wr *w, const void *src, size_t n)
{
	uint8_t *p;

	if ((p = reserve(w, n)) == NULL)
		return -1;
	if (n > 0)
		memcpy(p, src, n);
	return 0;
}

int
buf_put_zero(struct buf_wr *w, size_t n)
{
	uint8_t *p;

	if ((p = reserve(w, n)) == NULL)
		return -1;
	memset(p, 0, n);
	return 0;
}

/* Overwrite bytes already written, e.g. a length known only at the end. */
static int
patch_be(struct buf_wr *w, size_t at, size_t n, uint64_t v)
{
	if (at > w->off || n > w->off - at) {
		w->err = true;
		return -1;
	}
	store_be(w->p + at, n, v);
	return 0;
}

int
buf_patch_u16(struct buf_wr *w, size_t at, uint16_t v)
{
	return patch_be(w, at, 2, v);
}

int
buf_patch_u32(struct buf_wr *w, size_t at, uint32_t v)
{
	return patch_be(w, at, 4, v);
}
