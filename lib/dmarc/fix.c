/*
 * The DMARC record corrected from what DNS holds, for the fix lines of parser
 * warnings: the part that is not tag=value, the repeated tag (the first one is
 * kept), pct= below 100 (removed by RFC 9989), the report URIs that cannot work
 * (invalid, not mailto:, empty entries, past the EA_DMARC_MAX_URIS-th), control
 * bytes and white space before v=DMARC1 are left out. Pure string work.
 */
#include <stdio.h>
#include <string.h>

#include "dmarc/internal.h"
#include "util/buf.h"
#include "util/util.h"

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_bad_byte(unsigned char c)
{
	return c < 0x20 || c >= 0x7f;
}

/* Marks [from, to) of the record as left out. */
static void drop(bool *gone, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		gone[i] = true;
}

/* The ';'-separated part around byte at. */
static void part_bounds(const char *t, size_t len, size_t at, size_t *from, size_t *to)
{
	size_t a = at, b = at;
	while (a > 0 && t[a - 1] != ';')
		a--;
	while (b < len && t[b] != ';')
		b++;
	*from = a;
	*to = b;
}

/* The ','-separated list element around byte at (inside a tag value). */
static void element_bounds(const char *t, size_t len, size_t at, size_t *from, size_t *to)
{
	size_t a = at, b = at;
	while (a > 0 && t[a - 1] != ',' && t[a - 1] != ';' && t[a - 1] != '=')
		a--;
	while (b < len && t[b] != ',' && t[b] != ';')
		b++;
	*from = a;
	*to = b;
}

/* uri.too_many at the start of a list value: everything after the kept URIs. */
static void drop_extra_uris(const char *t, size_t len, size_t at, bool *gone)
{
	size_t seen = 0, i = at;
	while (i < len && t[i] != ';') {
		size_t start = i;
		bool empty = true;
		while (i < len && t[i] != ',' && t[i] != ';')
			empty &= is_ws(t[i++]);
		if (!empty && ++seen > EA_DMARC_MAX_URIS)
			drop(gone, start, i);
		if (i < len && t[i] == ',')
			i++;
	}
}

bool ea_dmarc_note_repairable(const char *code)
{
	return strcmp(code, "dmarc.syntax") == 0 || strcmp(code, "dmarc.tag.duplicate") == 0 ||
	       strcmp(code, "dmarc.pct.partial") == 0 || strncmp(code, "dmarc.uri.", 10) == 0;
}

/* Appends one kept part, trimmed; the lists of rua= and ruf= without empty entries. */
static void put_part(ea_buf *out, const char *p, size_t len)
{
	while (len && is_ws(*p)) {
		p++;
		len--;
	}
	while (len && is_ws(p[len - 1]))
		len--;
	const char *eq = memchr(p, '=', len);
	if (len == 0 || eq == NULL)
		return;
	size_t nl = (size_t)(eq - p);
	while (nl && is_ws(p[nl - 1]))
		nl--;
	ea_str name = ea_str_make(p, nl);
	bool list = ea_str_ieq(name, "rua") || ea_str_ieq(name, "ruf");
	ea_buf val;
	ea_buf_init(&val, EA_DMARC_RECORD_MAX);
	const char *v = eq + 1, *end = p + len;
	while (v < end) {
		const char *e = v;
		while (e < end && (!list || *e != ','))
			e++;
		const char *a = v, *b = e;
		while (a < b && is_ws(*a))
			a++;
		while (b > a && is_ws(b[-1]))
			b--;
		if (b > a)
			ea_buf_printf(&val, "%s%.*s", val.len ? "," : "", (int)(b - a), a);
		v = e < end ? e + 1 : e;
	}
	if (val.len)   /* a tag whose every value was left out goes too */
		ea_buf_printf(out, "%s%.*s=%s", out->len ? "; " : "", (int)nl, p, val.data);
	ea_buf_free(&val);
}

bool ea_dmarc_record_repaired(const char *text, const ea_dmarc_record *r, char *out, size_t size)
{
	char t[EA_DMARC_RECORD_MAX + 1];
	bool gone[EA_DMARC_RECORD_MAX + 1] = {false};
	ea_copy(t, sizeof(t), text ? text : "");
	size_t len = strlen(t);
	ea_copy(out, size, "");
	if (!r->is_dmarc || len == 0)
		return false;
	bool any = false;
	for (size_t i = 0; i < r->note_count; i++) {
		const ea_dmarc_note *n = &r->notes[i];
		size_t at = n->offset, from, to;
		if (!ea_dmarc_note_repairable(n->code) || at >= len)
			continue;   /* beyond the text kept ("more than N tags"): nothing to derive */
		any = true;
		if (strcmp(n->code, "dmarc.syntax") == 0 && is_bad_byte((unsigned char)t[at])) {
			for (size_t k = 0; k < len; k++)
				gone[k] |= is_bad_byte((unsigned char)t[k]);
		} else if (strcmp(n->code, "dmarc.syntax") == 0 && strcmp(n->tag, "v") == 0) {
			for (size_t k = 0; k < len && is_ws(t[k]); k++)
				gone[k] = true;   /* white space before v=DMARC1 */
		} else if (strcmp(n->code, "dmarc.uri.too_many") == 0) {
			drop_extra_uris(t, len, at, gone);
		} else if (strncmp(n->code, "dmarc.uri.", 10) == 0) {
			element_bounds(t, len, at, &from, &to);
			drop(gone, t[at] == '!' ? at : from, to);   /* a bad size suffix: only the suffix */
		} else {
			part_bounds(t, len, at, &from, &to);
			drop(gone, from, to);
		}
	}
	char kept[EA_DMARC_RECORD_MAX + 1];
	size_t k = 0;
	for (size_t i = 0; i < len; i++)
		if (!gone[i])
			kept[k++] = t[i];
	kept[k] = '\0';
	/* v=DMARC1 first, then every other part trimmed. */
	ea_buf b;
	ea_buf_init(&b, EA_DMARC_RECORD_MAX);
	const char *p = kept;
	bool first = true;
	while (*p) {
		const char *semi = strchr(p, ';');
		size_t pl = semi ? (size_t)(semi - p) : strlen(p);
		if (first) {
			ea_buf_puts(&b, "v=DMARC1");
			first = false;
		} else {
			put_part(&b, p, pl);
		}
		p += pl + (semi ? 1 : 0);
	}
	/* An empty list entry drops no byte: the lists are rewritten without it. */
	bool changed = any && b.data != NULL && strcmp(b.data, t) != 0;
	if (changed)
		ea_copy(out, size, b.data);
	ea_buf_free(&b);
	return changed;
}
