/* Parsing scan input lines: "domain [token|selector ...]" or CSV with a header. */
#include <stdio.h>
#include <string.h>

#include "scan/scan.h"
#include "util/util.h"

#define SNIPPET_MAX 60   /* bytes of an offending field quoted in an error */

typedef struct {
	const char *p;
	size_t len;
} field;

/* Copies a field for an error message: printable ASCII only, shortened. */
static void snippet(char *dst, size_t size, const char *p, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && i < SNIPPET_MAX && o + 4 < size; i++) {
		unsigned char c = (unsigned char)p[i];
		dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (len > SNIPPET_MAX && o + 4 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static field trim(field f)
{
	while (f.len > 0 && is_space(f.p[0])) {
		f.p++;
		f.len--;
	}
	while (f.len > 0 && is_space(f.p[f.len - 1]))
		f.len--;
	return f;
}

/* Plain lines: fields separated by spaces, tabs, commas or semicolons. */
static size_t split_plain(const char *s, size_t len, field *out, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len && n < max) {
		while (i < len && (is_space(s[i]) || s[i] == ',' || s[i] == ';'))
			i++;
		size_t start = i;
		while (i < len && !(is_space(s[i]) || s[i] == ',' || s[i] == ';'))
			i++;
		if (i > start)
			out[n++] = (field){s + start, i - start};
	}
	return n;
}

/* CSV (RFC 4180): commas, fields optionally in double quotes with "" for a quote.
 * Quoted fields are unescaped into buf (as large as the line). Returns the count,
 * or (size_t)-1 for an unterminated quote. */
static size_t split_csv(const char *s, size_t len, char *buf, field *out, size_t max)
{
	size_t n = 0, i = 0, b = 0;
	for (;;) {
		if (n >= max)
			return n;
		while (i < len && is_space(s[i]))
			i++;
		if (i < len && s[i] == '"') {
			size_t start = b;
			i++;
			for (;;) {
				if (i >= len)
					return (size_t)-1;
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						buf[b++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				buf[b++] = s[i++];
			}
			out[n++] = (field){buf + start, b - start};
			while (i < len && s[i] != ',')
				i++;
		} else {
			size_t start = i;
			while (i < len && s[i] != ',')
				i++;
			out[n++] = trim((field){s + start, i - start});
		}
		if (i >= len)
			return n;
		i++;   /* the comma */
	}
}

static bool field_is(field f, const char *name)
{
	return ea_str_ieq(ea_str_make(f.p, f.len), name);
}

bool ea_scan_is_ses_token(const char *s, size_t len)
{
	if (len != 32)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
			return false;
	}
	return true;
}

/* A DKIM selector: one or more labels of letters, digits, '-' and '_' (RFC 6376 3.1). */
static bool is_selector(const char *s, size_t len)
{
	if (len == 0 || len > EA_LABEL_MAX || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '-' || c == '_' || (c == '.' && s[i - 1] != '.');
		if (!ok)
			return false;
	}
	return true;
}

static void copy_lower(char *dst, const char *p, size_t len)
{
	memcpy(dst, p, len);
	dst[len] = '\0';
	ea_ascii_lower(dst);
}

/* "'<field>' <what>": the offending field, quoted, then what is wrong with it. */
static ea_scan_line_kind fail(char *err, size_t size, field f, const char *what)
{
	char snip[SNIPPET_MAX + 8];
	snippet(snip, sizeof(snip), f.p, f.len);
	snprintf(err, size, "'%s' %s", snip, what);
	return EA_SCAN_LINE_ERROR;
}

static ea_scan_line_kind add_token(ea_scan_item *it, field f, char *err, size_t size)
{
	if (it->token_count >= EA_SES_MAX_TOKENS) {
		snprintf(err, size, "more than %d SES tokens", EA_SES_MAX_TOKENS);
		return EA_SCAN_LINE_ERROR;
	}
	if (f.len == 0 || f.len > EA_SES_TOKEN_MAX || !is_selector(f.p, f.len) || memchr(f.p, '.', f.len))
		return fail(err, size, f, "is not an SES token (one DNS label)");
	copy_lower(it->tokens[it->token_count++], f.p, f.len);
	return EA_SCAN_LINE_ITEM;
}

static ea_scan_line_kind add_selector(ea_scan_item *it, field f, char *err, size_t size)
{
	if (it->selector_count >= EA_SCAN_MAX_SELECTORS) {
		snprintf(err, size, "more than %d DKIM selectors", EA_SCAN_MAX_SELECTORS);
		return EA_SCAN_LINE_ERROR;
	}
	if (!is_selector(f.p, f.len))
		return fail(err, size, f, "is neither an SES token nor a DKIM selector");
	copy_lower(it->selectors[it->selector_count++], f.p, f.len);
	return EA_SCAN_LINE_ITEM;
}

static ea_scan_line_kind set_region(ea_scan_item *it, field f, char *err, size_t size)
{
	if (f.len == 0)
		return EA_SCAN_LINE_ITEM;
	if (f.len >= sizeof(it->region) || !is_selector(f.p, f.len))
		return fail(err, size, f, "is not an AWS region name");
	copy_lower(it->region, f.p, f.len);
	return EA_SCAN_LINE_ITEM;
}

static ea_scan_line_kind set_domain(ea_scan_item *it, field f, char *err, size_t size)
{
	if (f.len == 0) {
		snprintf(err, size, "no domain on this line");
		return EA_SCAN_LINE_ERROR;
	}
	if (f.len > EA_SCAN_DISPLAY_MAX)
		return fail(err, size, f, "is too long to be a domain name");
	memcpy(it->display, f.p, f.len);
	it->display[f.len] = '\0';
	if (memchr(f.p, '\0', f.len) != NULL)
		return fail(err, size, f, "contains a NUL byte");
	const char *why = NULL;
	if (ea_domain_normalize(it->display, it->domain, sizeof(it->domain), &why) != EA_OK) {
		char msg[160];
		snprintf(msg, sizeof(msg), "is not a domain name: %s", why ? why : "invalid");
		return fail(err, size, f, msg);
	}
	if (strchr(it->domain, '.') == NULL)
		return fail(err, size, f, "is a single label, not a mail domain");
	return EA_SCAN_LINE_ITEM;
}

/* Splits a cell holding several values ("t1 t2 t3", "t1;t2") and adds each. */
static ea_scan_line_kind add_list(ea_scan_item *it, field cell, bool tokens, char *err, size_t size)
{
	field parts[EA_SCAN_MAX_FIELDS];
	size_t n = split_plain(cell.p, cell.len, parts, EA_SCAN_MAX_FIELDS);
	for (size_t i = 0; i < n; i++) {
		ea_scan_line_kind k = tokens ? add_token(it, parts[i], err, size)
		                             : add_selector(it, parts[i], err, size);
		if (k != EA_SCAN_LINE_ITEM)
			return k;
	}
	return EA_SCAN_LINE_ITEM;
}

static ea_scan_line_kind read_header(ea_scan_parser *p, field *f, size_t n, char *err, size_t size)
{
	p->col_domain = p->col_tokens = p->col_selectors = p->col_region = -1;
	for (size_t i = 0; i < n; i++) {
		if (field_is(f[i], "domain"))
			p->col_domain = (int)i;
		else if (field_is(f[i], "tokens") || field_is(f[i], "ses_tokens") || field_is(f[i], "token"))
			p->col_tokens = (int)i;
		else if (field_is(f[i], "selectors") || field_is(f[i], "selector"))
			p->col_selectors = (int)i;
		else if (field_is(f[i], "region"))
			p->col_region = (int)i;
	}
	p->columns = (int)n;
	p->csv = true;
	(void)err;
	(void)size;
	return EA_SCAN_LINE_HEADER;
}

static ea_scan_line_kind parse_csv(const ea_scan_parser *p, field *f, size_t n, ea_scan_item *it,
                                   char *err, size_t size)
{
	if ((int)n <= p->col_domain) {
		snprintf(err, size, "%zu fields; the domain column is number %d", n, p->col_domain + 1);
		return EA_SCAN_LINE_ERROR;
	}
	ea_scan_line_kind k = set_domain(it, f[p->col_domain], err, size);
	if (k == EA_SCAN_LINE_ITEM && p->col_tokens >= 0 && (int)n > p->col_tokens)
		k = add_list(it, f[p->col_tokens], true, err, size);
	if (k == EA_SCAN_LINE_ITEM && p->col_selectors >= 0 && (int)n > p->col_selectors)
		k = add_list(it, f[p->col_selectors], false, err, size);
	if (k == EA_SCAN_LINE_ITEM && p->col_region >= 0 && (int)n > p->col_region)
		k = set_region(it, f[p->col_region], err, size);
	return k;
}

static ea_scan_line_kind parse_plain(field *f, size_t n, ea_scan_item *it, char *err, size_t size)
{
	if (n == 0) {   /* only separators (";", ",;"): no field to read, nothing to scan */
		snprintf(err, size, "no domain on the line (only separators)");
		return EA_SCAN_LINE_ERROR;
	}
	ea_scan_line_kind k = set_domain(it, f[0], err, size);
	for (size_t i = 1; i < n && k == EA_SCAN_LINE_ITEM; i++) {
		if (f[i].len > 7 && ea_str_istarts(ea_str_make(f[i].p, f[i].len), "region="))
			k = set_region(it, (field){f[i].p + 7, f[i].len - 7}, err, size);
		else if (ea_scan_is_ses_token(f[i].p, f[i].len))
			k = add_token(it, f[i], err, size);
		else
			k = add_selector(it, f[i], err, size);
	}
	return k;
}

void ea_scan_parser_init(ea_scan_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->col_domain = p->col_tokens = p->col_selectors = p->col_region = -1;
}

ea_scan_line_kind ea_scan_parse_line(ea_scan_parser *p, const char *line, size_t len,
                                     ea_scan_item *out, char *err, size_t err_size)
{
	memset(out, 0, sizeof(*out));
	if (err_size > 0)
		err[0] = '\0';
	if (len > EA_SCAN_LINE_MAX) {
		snprintf(err, err_size, "the line is longer than %d bytes", EA_SCAN_LINE_MAX);
		return EA_SCAN_LINE_ERROR;
	}
	field whole = trim((field){line, len});
	if (whole.len >= 3 && memcmp(whole.p, "\xef\xbb\xbf", 3) == 0 && !p->first_seen)
		whole = trim((field){whole.p + 3, whole.len - 3});   /* a UTF-8 byte order mark */
	if (whole.len == 0 || whole.p[0] == '#')
		return EA_SCAN_LINE_SKIP;
	bool first = !p->first_seen;
	p->first_seen = true;
	field f[EA_SCAN_MAX_FIELDS];
	char buf[EA_SCAN_LINE_MAX];
	bool commas = memchr(whole.p, ',', whole.len) != NULL;
	if (first && commas) {
		size_t n = split_csv(whole.p, whole.len, buf, f, EA_SCAN_MAX_FIELDS);
		for (size_t i = 0; n != (size_t)-1 && i < n; i++)
			if (field_is(f[i], "domain"))
				return read_header(p, f, n, err, err_size);
	}
	if (p->csv) {
		size_t n = split_csv(whole.p, whole.len, buf, f, EA_SCAN_MAX_FIELDS);
		if (n == (size_t)-1) {
			snprintf(err, err_size, "a quoted field is not closed");
			return EA_SCAN_LINE_ERROR;
		}
		return parse_csv(p, f, n, out, err, err_size);
	}
	size_t n = split_plain(whole.p, whole.len, f, EA_SCAN_MAX_FIELDS);
	return parse_plain(f, n, out, err, err_size);
}
