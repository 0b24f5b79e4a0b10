/*
 * A report as one line of compact JSON (JSONL, as `scan` writes). The text is byte for
 * byte what json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) gives, but jansson's dumper
 * decodes UTF-8 a character at a time and makes a call per token: it was a quarter of
 * an offline scan's CPU per domain. The report's walk (json_walk.c) is written here as
 * it goes: objects, arrays, ASCII strings, integers and the constants; reals and text past
 * ASCII by jansson, value by value.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/render.h>
#include "render/json_walk.h"
#include "util/buf.h"

#define JSONL_MAX_BYTES (16u << 20)   /* a longer line is left to jansson */
#define JSONL_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII)

/* jansson's own text for one value. */
static bool put_by_jansson(ea_buf *b, const json_t *v)
{
	char *t = json_dumps(v, JSONL_FLAGS | JSON_ENCODE_ANY);
	if (t == NULL)
		return false;
	bool ok = ea_buf_puts(b, t);
	free(t);
	return ok;
}

/* Whether eight bytes need no escape: no control (< 0x20), none past ASCII, no quote, no
 * backslash. The tests for "a byte below k" and "a zero byte" in a word are exact about
 * whether there is one (Hacker's Delight 6-1); a string was looked at a byte at a time,
 * and put_string was the largest single cost of a scan's JSON lines (callgrind). */
static bool word_is_plain(const char *p)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t w;
	memcpy(&w, p, sizeof(w));
	uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
	uint64_t below_space = (w - ones * 0x20) & ~w;
	uint64_t is_quote = (quote - ones) & ~quote;
	uint64_t is_backslash = (backslash - ones) & ~backslash;
	return ((below_space | is_quote | is_backslash | w) & highs) == 0;
}

/* A string (or key) with jansson's escapes (dump_string): \" \\ \b \f \n \r \t, and
 * \u00XX for the other controls. Text past ASCII: jansson writes it. */
static bool put_string(ea_buf *b, const char *s, size_t n)
{
	size_t mark = b->len;
	ea_buf_putc(b, '"');
	size_t run = 0;   /* start of the bytes not yet written */
	for (size_t i = 0; i < n; i++) {
		while (i + sizeof(uint64_t) <= n && word_is_plain(s + i))
			i += sizeof(uint64_t);
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			continue;
		if (c >= 0x80) {
			ea_buf_truncate(b, mark);
			json_t *t = json_stringn(s, n);
			bool ok = t != NULL && put_by_jansson(b, t);
			json_decref(t);
			return ok;
		}
		ea_buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': ea_buf_puts(b, "\\\""); break;
		case '\\': ea_buf_puts(b, "\\\\"); break;
		case '\b': ea_buf_puts(b, "\\b"); break;
		case '\f': ea_buf_puts(b, "\\f"); break;
		case '\n': ea_buf_puts(b, "\\n"); break;
		case '\r': ea_buf_puts(b, "\\r"); break;
		case '\t': ea_buf_puts(b, "\\t"); break;
		default: ea_buf_printf(b, "\\u%04X", c); break;
		}
	}
	ea_buf_append(b, s + run, n - run);
	return ea_buf_putc(b, '"');
}

/* An integer in decimal, as "%" JSON_INTEGER_FORMAT prints it: a report has some 135
 * a domain (TTLs, counts, lookups), and vsnprintf was a ninth of a scan's instructions
 * (callgrind). */
static bool put_integer(ea_buf *b, json_int_t value)
{
	char digits[24];   /* 19 digits of a 64-bit integer, and a sign */
	size_t at = sizeof(digits);
	/* in unsigned arithmetic, so that the most negative value has its magnitude too */
	unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
	do {
		digits[--at] = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude > 0);
	if (value < 0)
		digits[--at] = '-';
	return ea_buf_append(b, digits + at, sizeof(digits) - at);
}

/* The walk (json_walk.c) written as it goes: a comma before every value but the first
 * of its container. Text past ASCII goes through ea_json_text and jansson's escapes, as in
 * the tree. ok turns false when a value could not be written; then the line is jansson's. */
typedef struct {
	ea_json_sink sink;
	ea_buf *b;
	bool ok;
	bool first[EA_JSON_WALK_MAX_DEPTH + 1];   /* [depth]: no value yet in that container */
	bool array[EA_JSON_WALK_MAX_DEPTH + 1];   /* [depth]: it is an array (else an object) */
	size_t depth;
} line_sink;

static void line_member(line_sink *l, const char *key)
{
	if (!l->first[l->depth])
		ea_buf_putc(l->b, ',');
	l->first[l->depth] = false;
	if (key == NULL)
		return;
	/* a key is one of the walk's ASCII literals (json_walk.h): nothing in it to escape */
	ea_buf_putc(l->b, '"');
	ea_buf_append(l->b, key, strlen(key));
	if (!ea_buf_append(l->b, "\":", 2))
		l->ok = false;
}

static void line_open(ea_json_sink *s, const char *key, bool array)
{
	line_sink *l = (line_sink *)s;
	if (l->depth == EA_JSON_WALK_MAX_DEPTH) {
		l->ok = false;
		return;
	}
	if (l->depth > 0)
		line_member(l, key);
	ea_buf_putc(l->b, array ? '[' : '{');
	l->depth++;
	l->first[l->depth] = true;
	l->array[l->depth] = array;
}

static void line_close(ea_json_sink *s)
{
	line_sink *l = (line_sink *)s;
	if (l->depth == 0) {
		l->ok = false;
		return;
	}
	ea_buf_putc(l->b, l->array[l->depth] ? ']' : '}');
	l->depth--;
}

static void line_string(ea_json_sink *s, const char *key, const char *v, bool literal)
{
	line_sink *l = (line_sink *)s;
	line_member(l, key);
	size_t mark = l->b->len;
	if (put_string(l->b, v, strlen(v)))
		return;   /* ASCII, or UTF-8 that jansson took as it is */
	if (literal || l->b->error) {
		l->ok = false;
		return;
	}
	ea_buf_truncate(l->b, mark);   /* not UTF-8: its bytes as \xNN, as in the tree */
	json_t *j = ea_json_text(v);
	if (j == NULL || !put_string(l->b, json_string_value(j), json_string_length(j)))
		l->ok = false;
	json_decref(j);
}

static void line_integer(ea_json_sink *s, const char *key, json_int_t v)
{
	line_sink *l = (line_sink *)s;
	line_member(l, key);
	if (!put_integer(l->b, v))
		l->ok = false;
}

static void line_real(ea_json_sink *s, const char *key, double v)
{
	line_sink *l = (line_sink *)s;
	line_member(l, key);
	json_t *j = json_real(v);   /* jansson's digits for a real: its own "%.17g" and ".0" rules */
	if (j == NULL || !put_by_jansson(l->b, j))
		l->ok = false;
	json_decref(j);
}

static void line_boolean(ea_json_sink *s, const char *key, bool v)
{
	line_sink *l = (line_sink *)s;
	line_member(l, key);
	ea_buf_puts(l->b, v ? "true" : "false");
}

char *ea_report_json_line(const ea_report *rep, size_t *len)
{
	*len = 0;
	ea_buf b;
	ea_buf_init(&b, JSONL_MAX_BYTES);
	line_sink l = {.sink = {line_open, line_close, line_string, line_integer, line_real, line_boolean},
	               .b = &b, .ok = true};
	ea_json_walk_report(rep, false, &l.sink);
	char *text = NULL;
	if (l.ok && l.depth == 0 && !b.error) {
		*len = b.len;
		text = ea_buf_take(&b);
	}
	ea_buf_free(&b);
	if (text != NULL)
		return text;
	/* past the bound, out of memory, or text jansson would not take: jansson's line */
	json_t *root = ea_report_to_json(rep, false);
	text = root ? json_dumps(root, JSONL_FLAGS) : NULL;
	*len = text ? strlen(text) : 0;
	json_decref(root);
	return text;
}
