/* Bounded buffers: truth tables of every read and write against its bound. */
#include <stdint.h>

#include "buf.h"
#include "tap.h"

static const uint8_t data[9] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09 };

/* One read of width w at offset off of a len-byte buffer. */
static int
read_one(struct buf_rd *r, int w, uint64_t *v)
{
	uint8_t	 v8;
	uint16_t v16;
	uint32_t v32;
	int	 rc;

	switch (w) {
	case 1:
		rc = buf_get_u8(r, &v8);
		*v = v8;
		return rc;
	case 2:
		rc = buf_get_u16(r, &v16);
		*v = v16;
		return rc;
	case 4:
		rc = buf_get_u32(r, &v32);
		*v = v32;
		return rc;
	default:
		return buf_get_u64(r, v);
	}
}

static uint64_t
expect_be(size_t off, int w)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < w; i++)
		v = (v << 8) | data[off + i];
	return v;
}

static void
reader_table(void)
{
	static const int widths[] = { 1, 2, 4, 8 };
	size_t		 len, off, i, bad = 0, cases = 0;
	struct buf_rd	 r;
	uint64_t	 v;
	int		 w, rc, fits;

	for (len = 0; len <= sizeof(data); len++)
		for (off = 0; off <= len; off++)
			for (i = 0; i < 4; i++) {
				w = widths[i];
				buf_rd_init(&r, data, len);
				buf_skip(&r, off);
				rc = read_one(&r, w, &v);
				fits = off + w <= len;
				cases++;
				if (fits &&
				    (rc != 0 || v != expect_be(off, w) ||
					r.off != off + w || r.err))
					bad++;
				if (!fits &&
				    (rc != -1 || v != 0 || r.off != off ||
					!r.err))
					bad++;
			}
	ok(bad == 0, "reader: %zu (len, offset, width) cases, %zu wrong", cases,
	    bad);
}

static void
reader_misc(void)
{
	struct buf_rd  r, sub;
	uint8_t	       out[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
	const uint8_t *p;
	uint8_t	       b;

	buf_rd_init(&r, data, 3);
	is_int(buf_get_bytes(&r, out, 4), -1, "get_bytes past the end fails");
	ok(out[0] == 0 && out[3] == 0, "failed get_bytes zeroes the output");
	is_int(r.off, 0, "failed get_bytes does not move");
	is_int(
	    buf_get_bytes(&r, out, 3), 0, "get_bytes of exactly what is left");
	is_int(buf_left(&r), 0, "nothing left after it");
	ok(buf_get_ptr(&r, 0) != NULL, "a zero-length read at the end is fine");

	buf_rd_init(&r, data, 5);
	is_int(buf_sub(&r, &sub, 3), 0, "sub-reader of 3 of 5");
	is_int(buf_left(&sub), 3, "sub-reader has 3");
	is_int(buf_left(&r), 2, "parent moved by 3");
	buf_skip(&sub, 3);
	is_int(buf_get_u8(&sub, &b), -1, "sub-reader stops at its own end");
	is_int(buf_left(&r), 2, "... and does not consume the parent");
	is_int(buf_sub(&r, &sub, 3), -1, "sub-reader larger than what is left");
	ok(sub.err && buf_left(&sub) == 0, "failed sub-reader is empty, err");
	is_int(buf_skip(&r, (size_t)-1), -1, "skip of SIZE_MAX fails");
	is_int(r.off, 3, "... without moving");
	p = buf_get_ptr(&r, 2);
	ok(p == data + 3, "get_ptr returns the bytes in place");
	is_int(buf_get_u8(&r, &b), -1, "reading on after the end fails");
	ok(r.err, "err is sticky");
}

static void
writer_table(void)
{
	static const int widths[] = { 1, 2, 4, 8 };
	uint8_t		 buf[9];
	struct buf_wr	 w;
	size_t		 cap, off, i, bad = 0, cases = 0;
	int		 width, rc, fits;
	uint64_t	 v = 0x0102030405060708ULL;

	for (cap = 0; cap <= sizeof(buf); cap++)
		for (off = 0; off <= cap; off++)
			for (i = 0; i < 4; i++) {
				width = widths[i];
				memset(buf, 0xee, sizeof(buf));
				buf_wr_init(&w, buf, cap);
				buf_put_zero(&w, off);
				switch (width) {
				case 1:
					rc = buf_put_u8(&w, 0x08);
					break;
				case 2:
					rc = buf_put_u16(&w, 0x0708);
					break;
				case 4:
					rc = buf_put_u32(&w, 0x05060708);
					break;
				default:
					rc = buf_put_u64(&w, v);
				}
				fits = off + width <= cap;
				cases++;
				if (fits &&
				    (rc != 0 || w.off != off + width ||
					buf[off + width - 1] != 0x08 ||
					(width > 1 && buf[off] != 9 - width)))
					bad++;
				if (!fits &&
				    (rc != -1 || w.off != off || !w.err))
					bad++;
				/* Nothing is ever written past cap. */
				if (cap < sizeof(buf) && buf[cap] != 0xee)
					bad++;
			}
	ok(bad == 0, "writer: %zu (cap, offset, width) cases, %zu wrong", cases,
	    bad);
}

static void
writer_misc(void)
{
	uint8_t	      buf[8];
	struct buf_wr w;

	buf_wr_init(&w, buf, sizeof(buf));
	buf_put_u16(&w, 0);
	buf_put_bytes(&w, "abcd", 4);
	is_int(
	    buf_patch_u16(&w, 0, 0x1234), 0, "patch inside what was written");
	ok(buf[0] == 0x12 && buf[1] == 0x34, "patch stores big-endian");
	is_int(buf_patch_u32(&w, 3, 1), -1, "patch beyond what was written");
	is_int(buf_patch_u16(&w, (size_t)-1, 1), -1, "patch at SIZE_MAX");
	is_int(buf_room(&w), 2, "room left");
	is_int(buf_put_bytes(&w, "xyz", 3), -1, "put_bytes larger than room");
	is_int(w.off, 6, "... writes nothing");
	is_int(buf_put_bytes(&w, NULL, 0), 0, "empty put is fine");
}

int
main(void)
{
	reader_table();
	reader_misc();
	writer_table();
	writer_misc();
	return done_testing();
}
