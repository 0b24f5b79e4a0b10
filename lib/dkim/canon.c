/* Canonicalization (RFC 6376 3.4). */
#include <string.h>

#include "dkim/canon.h"

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 6376 3.4.2: lowercase name, unfold, WSP runs to one SP, no WSP around the
 * colon or at the end of the value. */
static bool header_relaxed(ea_str raw, ea_buf *out)
{
	const char *colon = memchr(raw.p, ':', raw.len);
	size_t name_end = colon ? (size_t)(colon - raw.p) : raw.len;
	size_t ne = name_end;
	while (ne > 0 && is_wsp(raw.p[ne - 1]))
		ne--;
	for (size_t i = 0; i < ne; i++) {
		char c = raw.p[i];
		ea_buf_putc(out, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
	}
	ea_buf_putc(out, ':');
	size_t i = colon ? name_end + 1 : raw.len;
	bool pending_space = false, started = false;
	for (; i < raw.len; i++) {
		char c = raw.p[i];
		if (c == '\r' || c == '\n')
			continue;     /* unfolding: CRLF goes, the WSP after it stays (then squeezed) */
		if (is_wsp(c)) {
			pending_space = started;
			continue;
		}
		if (pending_space)
			ea_buf_putc(out, ' ');
		pending_space = false;
		started = true;
		ea_buf_putc(out, c);
	}
	return ea_buf_append(out, "\r\n", 2);
}

bool ea_canon_header(ea_canon c, ea_str raw, ea_buf *out)
{
	if (c == EA_CANON_RELAXED)
		return header_relaxed(raw, out);
	ea_buf_append(out, raw.p, raw.len);
	if (raw.len < 2 || raw.p[raw.len - 2] != '\r' || raw.p[raw.len - 1] != '\n')
		ea_buf_append(out, "\r\n", 2);   /* the last field of a header with no body */
	return !out->error;
}

/* One line (without its CRLF) in relaxed form: WSP runs to one SP, none at the end. */
static void line_relaxed(const char *p, size_t n, ea_buf *out)
{
	while (n > 0 && is_wsp(p[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (is_wsp(p[i])) {
			while (i + 1 < n && is_wsp(p[i + 1]))
				i++;
			ea_buf_putc(out, ' ');
		} else {
			ea_buf_putc(out, p[i]);
		}
	}
}

bool ea_canon_body(ea_canon c, ea_str body, ea_buf *out)
{
	size_t pending_empty = 0;   /* empty lines held back: kept only if content follows */
	bool any = false;
	size_t i = 0;
	while (i < body.len && !out->error) {
		const char *nl = memchr(body.p + i, '\n', body.len - i);
		size_t end = nl ? (size_t)(nl - body.p) : body.len;   /* index of LF or len */
		size_t content = end;
		if (nl && content > i && body.p[content - 1] == '\r')
			content--;
		bool terminated = nl != NULL;
		const char *line = body.p + i;
		size_t n = content - i;
		i = nl ? end + 1 : body.len;
		bool empty;
		if (c == EA_CANON_RELAXED) {
			size_t k = n;
			while (k > 0 && is_wsp(line[k - 1]))
				k--;
			empty = k == 0;
		} else {
			empty = n == 0;
		}
		if (empty && terminated) {
			pending_empty++;
			continue;
		}
		if (empty && !terminated)
			break;   /* nothing after the last CRLF */
		for (; pending_empty > 0; pending_empty--)
			ea_buf_append(out, "\r\n", 2);
		if (c == EA_CANON_RELAXED)
			line_relaxed(line, n, out);
		else
			ea_buf_append(out, line, n);
		/* A line without CRLF at the end of the body gets one (RFC 6376 3.4.3). */
		ea_buf_append(out, "\r\n", 2);
		any = true;
	}
	if (!any && c == EA_CANON_SIMPLE)
		ea_buf_append(out, "\r\n", 2);   /* RFC 6376 3.4.3: an empty body is one CRLF */
	return !out->error;
}
