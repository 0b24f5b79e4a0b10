#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

char *ea_strdup_n(const char *p, size_t len)
{
	char *s = malloc(len + 1);
	if (s == NULL)
		return NULL;
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

char *ea_strdup0(const char *s)
{
	return s == NULL ? NULL : ea_strdup_n(s, strlen(s));
}

void ea_copy(char *out, size_t size, const char *s)
{
	if (s == NULL)
		s = "(null)";
	size_t n = strnlen(s, size - 1);
	memmove(out, s, n);   /* memmove: a caller may copy a string onto its own buffer */
	out[n] = '\0';
}

char *ea_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool ea_str_ieq(ea_str a, const char *b)
{
	size_t n = strlen(b);
	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(a.p[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

bool ea_str_istarts(ea_str a, const char *prefix)
{
	size_t n = strlen(prefix);
	if (a.len < n)
		return false;
	return ea_str_ieq(ea_str_make(a.p, n), prefix);
}

/* Eight bytes at once (names are keyed on every lookup and answer: a byte loop was a
 * scan's top cost after malloc). A byte in 'A'..'Z' gains 0x20; every other byte, those
 * from 0x80 too, is left as it is. The sums stay inside their byte (7-bit values plus
 * at most 0x3f), so each byte's high bit answers for that byte alone. */
static uint64_t lower8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t low7 = w & ~high;
	uint64_t from_a = low7 + ones * (0x80 - 'A');   /* high bit: byte >= 'A' */
	uint64_t past_z = low7 + ones * (0x7f - 'Z');   /* high bit: byte > 'Z' */
	uint64_t upper = from_a & ~past_z & ~w & high;
	return w | (upper >> 2);
}

void ea_ascii_lower_n(char *s, size_t n)
{
	uint64_t w;
	if (n < 8) {
		w = 0;
		memcpy(&w, s, n);
		w = lower8(w);
		memcpy(s, &w, n);
		return;
	}
	for (size_t i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		w = lower8(w);
		memcpy(s + i, &w, 8);
	}
	memcpy(&w, s + n - 8, 8);   /* the last 8, overlapping: lowering twice changes nothing */
	w = lower8(w);
	memcpy(s + n - 8, &w, 8);
}

void ea_ascii_lower(char *s)
{
	ea_ascii_lower_n(s, strlen(s));
}

#define EDIT_MAX_LEN 255

unsigned ea_edit_distance(const char *a, const char *b, unsigned cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > EDIT_MAX_LEN || lb > EDIT_MAX_LEN)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	/* Three rows of the optimal-string-alignment table. */
	unsigned rows[3][EDIT_MAX_LEN + 1];
	unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		unsigned row_min = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > cap)
			return cap + 1;
		unsigned *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > cap ? cap + 1 : prev[lb];
}
