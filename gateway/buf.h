/* buf.h: a bounded, growing, always NUL-terminated string buffer */
#ifndef FLAGPOST_BUF_H
#define FLAGPOST_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A buffer never holds more than `max` bytes (not counting the final NUL).
 * Every append either adds all of its bytes or none and returns -1, so a
 * caller can build a header, a query or a message and fail cleanly at the
 * limit.  An unused buffer needs no free; buf_free() accepts any state.
 */
struct buf {
	char *data;	/* NUL-terminated; "" before the first append */
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT(m) { NULL, 0, 0, (m) }

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* the contents; never NULL */
const char *buf_str(const struct buf *b);
/* hands the string over to the caller (never NULL) and empties the buffer */
char *buf_detach(struct buf *b, size_t *len_r);
/* drops trailing spaces, tabs, CR and LF */
void buf_rtrim(struct buf *b);

#endif
