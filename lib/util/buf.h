/* A growable byte buffer with a mandatory maximum (after curl's dynbuf). */
#ifndef EA_UTIL_BUF_H
#define EA_UTIL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	char *data;      /* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
	size_t max;      /* the buffer never grows past this many bytes */
	bool error;      /* sticky: set once an append failed (too long or no memory) */
} ea_buf;

void ea_buf_init(ea_buf *b, size_t max);
void ea_buf_free(ea_buf *b);
void ea_buf_reset(ea_buf *b);
/* Drops the bytes past len (kept: the sticky error). */
void ea_buf_truncate(ea_buf *b, size_t len);
bool ea_buf_append(ea_buf *b, const void *p, size_t n);
bool ea_buf_puts(ea_buf *b, const char *s);
bool ea_buf_putc_grow(ea_buf *b, char c);
/* One byte. Inline while the buffer has room: the JSON writer puts some 460 a domain, and
 * a call each was 3% of a scan's instructions (callgrind). */
static inline bool ea_buf_putc(ea_buf *b, char c)
{
	if (b->error || b->len + 1 >= b->cap)
		return ea_buf_putc_grow(b, c);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return true;
}
bool ea_buf_printf(ea_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool ea_buf_vprintf(ea_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the string over to the caller (free()); the buffer is empty after. NULL on error. */
char *ea_buf_take(ea_buf *b);

#endif
