#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void ea_buf_init(ea_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void ea_buf_free(ea_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void ea_buf_reset(ea_buf *b)
{
	b->len = 0;
	b->error = false;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void ea_buf_truncate(ea_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

static bool buf_reserve(ea_buf *b, size_t extra)
{
	if (b->error)
		return false;
	if (extra > b->max || b->len > b->max - extra) {
		b->error = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = realloc(b->data, cap);
	if (p == NULL) {
		b->error = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

bool ea_buf_append(ea_buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool ea_buf_puts(ea_buf *b, const char *s)
{
	return ea_buf_append(b, s, strlen(s));
}

bool ea_buf_putc_grow(ea_buf *b, char c)
{
	if (!buf_reserve(b, 1))
		return false;
	b->data[b->len++] = c;   /* not a memcpy call per byte: JSON writes many */
	b->data[b->len] = '\0';
	return true;
}

bool ea_buf_vprintf(ea_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->error = true;
		return false;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return true;
}

bool ea_buf_printf(ea_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = ea_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ok;
}

char *ea_buf_take(ea_buf *b)
{
	if (b->error) {
		ea_buf_free(b);
		return NULL;
	}
	if (b->data == NULL && !ea_buf_append(b, "", 0))
		return NULL;
	char *s = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
