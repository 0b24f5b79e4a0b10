/* Small helpers shared by every part of the library. */
#ifndef EA_UTIL_UTIL_H
#define EA_UTIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EA_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EA_MIN(a, b) ((a) < (b) ? (a) : (b))
#define EA_MAX(a, b) ((a) > (b) ? (a) : (b))

/* A view of bytes that came from outside: never assume a NUL. */
typedef struct {
	const char *p;
	size_t len;
} ea_str;

static inline ea_str ea_str_make(const char *p, size_t len)
{
	ea_str s = {p, len};
	return s;
}

char *ea_strdup_n(const char *p, size_t len);   /* NULL-safe; NULL on no memory */
char *ea_strdup0(const char *s);                /* NULL stays NULL */
/* What snprintf(out, size, "%s", s) writes (NULL as "(null)"), without a stream: a copy
 * cut to size - 1 bytes, always ended. A scan made some 50 such calls a domain, each
 * several hundred instructions (callgrind). size must be at least 1. */
void ea_copy(char *out, size_t size, const char *s);
char *ea_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool ea_str_ieq(ea_str a, const char *b);       /* ASCII case-insensitive equality */
bool ea_str_istarts(ea_str a, const char *prefix);
void ea_ascii_lower(char *s);
void ea_ascii_lower_n(char *s, size_t n);      /* the first n bytes */
/* A domain, selector or host name as a record or header writes it: dot-separated labels
 * of letters, digits, '-' and '_' (real selectors and host names use the underscore),
 * each 1..63 bytes, no trailing dot. Lowercased into out; out untouched when v is not one. */
bool ea_name_take(ea_str v, char *out, size_t size);
/* Edit distance with adjacent transpositions (optimal string alignment), capped:
 * returns cap + 1 as soon as the distance must exceed cap. Inputs up to 255 bytes. */
unsigned ea_edit_distance(const char *a, const char *b, unsigned cap);

#endif
