/*
 * Finding report attachments in a message (RFC 2045, RFC 2046) and messages in an
 * mbox. Pure: bytes in, decoded attachments out. Every loop is bounded by the
 * message length, nesting by EA_MIME_MAX_DEPTH and parts by EA_MIME_MAX_PARTS.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <emailauth/reports.h>

#include "reports/internal.h"

#define HEADER_VALUE_MAX 1024   /* bytes of one unfolded header value kept */
#define PARAM_MAX 256           /* boundary (RFC 2046: at most 70) or file name */

typedef struct {
	char type[HEADER_VALUE_MAX];
	char encoding[64];
	char disposition[HEADER_VALUE_MAX];
} part_headers;

typedef struct {
	ea_mime_part_fn fn;
	void *arg;
	int found;
	unsigned parts;
	bool stop;
} walk;

static bool ieq_prefix(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && strncasecmp(s, prefix, k) == 0;
}

/* Where the header block ends and the body begins. */
static size_t body_start(const char *m, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (m[i] != '\n')
			continue;
		if (i + 1 < len && m[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && m[i + 1] == '\r' && m[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* Copies a header's unfolded value into dst (cut at size). */
static void copy_value(const char *v, size_t n, char *dst, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		char c = v[i];
		if (c == '\r' || c == '\n')
			continue;
		dst[o++] = c == '\t' ? ' ' : c;
	}
	dst[o] = '\0';
}

static void read_headers(const char *m, size_t hlen, part_headers *h)
{
	memset(h, 0, sizeof(*h));
	size_t i = 0;
	while (i < hlen) {
		size_t start = i;
		/* A field runs until a line that does not start with white space. */
		while (i < hlen) {
			const char *nl = memchr(m + i, '\n', hlen - i);
			i = nl ? (size_t)(nl - m) + 1 : hlen;
			if (i >= hlen || (m[i] != ' ' && m[i] != '\t'))
				break;
		}
		const char *f = m + start;
		size_t n = i - start;
		const char *colon = memchr(f, ':', n);
		if (colon == NULL)
			continue;
		size_t name_len = (size_t)(colon - f), vlen = n - name_len - 1;
		const char *v = colon + 1;
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		if (name_len == 12 && ieq_prefix(f, name_len, "content-type"))
			copy_value(v, vlen, h->type, sizeof(h->type));
		else if (name_len == 25 && ieq_prefix(f, name_len, "content-transfer-encoding"))
			copy_value(v, vlen, h->encoding, sizeof(h->encoding));
		else if (name_len == 19 && ieq_prefix(f, name_len, "content-disposition"))
			copy_value(v, vlen, h->disposition, sizeof(h->disposition));
	}
}

/* A parameter of a structured header (boundary=, name=, filename=, filename*=). */
static bool param(const char *value, const char *name, char *out, size_t size)
{
	size_t k = strlen(name);
	for (const char *p = strchr(value, ';'); p != NULL; p = strchr(p + 1, ';')) {
		const char *q = p + 1;
		while (*q == ' ')
			q++;
		if (strncasecmp(q, name, k) != 0)
			continue;
		q += k;
		bool extended = *q == '*';   /* RFC 2231: charset'lang'value */
		if (extended)
			q++;
		if (*q != '=')
			continue;
		q++;
		if (extended) {
			const char *tick = strrchr(q, '\'');
			const char *semi = strchr(q, ';');
			if (tick && (!semi || tick < semi))
				q = tick + 1;
		}
		size_t o = 0;
		if (*q == '"') {
			for (q++; *q && *q != '"' && o + 1 < size; q++)
				out[o++] = *q == '\\' && q[1] ? *++q : *q;
		} else {
			for (; *q && *q != ';' && *q != ' ' && o + 1 < size; q++)
				out[o++] = *q;
		}
		out[o] = '\0';
		return o > 0;
	}
	return false;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* RFC 2045 6.8: characters outside the alphabet are ignored; '=' ends the data. */
static size_t b64_decode(const char *in, size_t n, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* RFC 2045 6.7 */
static size_t qp_decode(const char *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '=') {
			out[o++] = (uint8_t)in[i];
			continue;
		}
		if (i + 2 < n && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
			out[o++] = (uint8_t)(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
			i += 2;
		} else if (i + 1 < n && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
			i += in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n' ? 2 : 1;   /* soft break */
		} else {
			out[o++] = '=';
		}
	}
	return o;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* Report attachments: RFC 9990 section 3.1.1 names gzip and zip; plain XML is seen too. */
static bool is_report_part(const char *type, const char *filename)
{
	static const char *const types[] = {
		"application/gzip", "application/x-gzip", "application/zip",
		"application/x-zip-compressed", "application/x-zip", "text/xml", "application/xml",
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ieq_prefix(type, strlen(type), types[i]))
			return true;
	return ends_with(filename, ".xml") || ends_with(filename, ".gz") ||
	       ends_with(filename, ".zip") || ends_with(filename, ".xml.gz");
}

static void walk_entity(walk *w, const char *m, size_t len, unsigned depth);

static void walk_multipart(walk *w, const char *body, size_t len, const char *boundary,
                           unsigned depth)
{
	char delim[PARAM_MAX + 3];
	size_t dlen = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
	const char *part = NULL;
	size_t i = 0;
	while (i < len && !w->stop) {
		const char *line = body + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t line_len = nl ? (size_t)(nl - line) : len - i;
		size_t next = nl ? i + line_len + 1 : len;
		if (line_len >= dlen && memcmp(line, delim, dlen) == 0) {
			if (part != NULL) {
				size_t plen = (size_t)(line - part);
				/* The CRLF before the delimiter belongs to it (RFC 2046 5.1.1). */
				if (plen && part[plen - 1] == '\n')
					plen--;
				if (plen && part[plen - 1] == '\r')
					plen--;
				if (++w->parts > EA_MIME_MAX_PARTS) {
					w->stop = true;
					return;
				}
				walk_entity(w, part, plen, depth + 1);
			}
			if (line_len >= dlen + 2 && line[dlen] == '-' && line[dlen + 1] == '-')
				return;   /* close delimiter */
			part = body + next;
		}
		i = next;
	}
}

static void walk_entity(walk *w, const char *m, size_t len, unsigned depth)
{
	if (depth > EA_MIME_MAX_DEPTH || w->stop)
		return;
	size_t b = body_start(m, len);
	part_headers h;
	read_headers(m, b, &h);
	const char *body = m + b;
	size_t blen = len - b;
	char boundary[PARAM_MAX];
	if (ieq_prefix(h.type, strlen(h.type), "multipart/")) {
		if (param(h.type, "boundary", boundary, sizeof(boundary)))
			walk_multipart(w, body, blen, boundary, depth);
		return;
	}
	if (ieq_prefix(h.type, strlen(h.type), "message/rfc822")) {
		walk_entity(w, body, blen, depth + 1);
		return;
	}
	char filename[PARAM_MAX] = "";
	if (!param(h.disposition, "filename", filename, sizeof(filename)))
		param(h.type, "name", filename, sizeof(filename));
	if (!is_report_part(h.type, filename))
		return;
	if (w->found >= EA_REPORTS_MAX_ATTACHMENTS) {
		w->stop = true;
		return;
	}
	uint8_t *data = malloc(blen ? blen : 1);
	if (data == NULL) {
		w->stop = true;
		return;
	}
	size_t n;
	if (strcasecmp(h.encoding, "base64") == 0)
		n = b64_decode(body, blen, data);
	else if (strcasecmp(h.encoding, "quoted-printable") == 0)
		n = qp_decode(body, blen, data);
	else
		memcpy(data, body, n = blen);
	w->found++;
	if (!w->fn(w->arg, filename, data, n))
		w->stop = true;
	free(data);
}

int ea_mime_attachments(const char *msg, size_t len, ea_mime_part_fn fn, void *arg)
{
	walk w = {.fn = fn, .arg = arg};
	walk_entity(&w, msg, len, 0);
	return w.found;
}

/* mbox (RFC 4155): a message starts at a line "From " at the start of the file or
 * after a line break. */
size_t ea_mbox_split(const char *data, size_t len,
                     bool (*fn)(void *arg, const char *msg, size_t len), void *arg)
{
	size_t count = 0, i = 0;
	const char *msg = NULL;
	while (i < len) {
		const char *line = data + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t next = nl ? (size_t)(nl - data) + 1 : len;
		if (len - i >= 5 && memcmp(line, "From ", 5) == 0) {
			if (msg != NULL) {
				if (count >= EA_REPORTS_MAX_MESSAGES || !fn(arg, msg, (size_t)(line - msg)))
					return count;
				count++;
			}
			msg = data + next;
		} else if (msg == NULL) {
			msg = line;   /* no leading "From ": one message */
		}
		i = next;
	}
	if (msg != NULL && msg < data + len && count < EA_REPORTS_MAX_MESSAGES && fn(arg, msg, (size_t)(data + len - msg)))
		count++;
	return count;
}
