#include <string.h>

#include "head.h"

size_t srv_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return i + 4;
	return 0;
}

unsigned srv_head_incomplete(const char *buf, size_t len, bool over_limit)
{
	if (memchr(buf, '\n', len) == NULL)
		return over_limit ? 414 : 400;
	return over_limit ? 431 : 400;
}

/* tchar (RFC 9110 5.6.2). */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void refuse(srv_head *h, unsigned status, const char *message)
{
	if (h->status == 0) {
		h->status = status;
		h->message = message;
	}
}

static bool name_is(const char *name, size_t n, const char *want)
{
	size_t w = strlen(want);
	if (n != w)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
		if (c != want[i])
			return false;
	}
	return true;
}

/* origin-form only (RFC 9112 3.2.1): visible ASCII, no fragment, well-formed
 * percent-escapes and no %00 (the path is decoded into a C string downstream). */
static void read_target(srv_head *h)
{
	const char *t = h->target;
	size_t n = h->target_len;
	if (n > SRV_TARGET_MAX) {
		refuse(h, 414, "the address is too long");
		return;
	}
	if (n == 0 || t[0] != '/') {
		refuse(h, 400, "the request target must be a path starting with '/'");
		return;
	}
	h->path_len = n;
	size_t params = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= 0x20 || c >= 0x7f || c == '#') {
			refuse(h, 400, "the address holds a character it may not");
			return;
		}
		if (c == '%') {
			if (i + 2 >= n || !is_hex((unsigned char)t[i + 1]) || !is_hex((unsigned char)t[i + 2])) {
				refuse(h, 400, "the address holds a broken percent-escape");
				return;
			}
			if (t[i + 1] == '0' && t[i + 2] == '0') {
				refuse(h, 400, "the address holds a NUL byte (%00)");
				return;
			}
		}
		if (c == '?' && h->path_len == n) {
			h->path_len = i;
			params = 1;
		} else if (c == '&' && params > 0) {
			params++;
		}
	}
	if (params > SRV_QUERY_MAX_PARAMS)
		refuse(h, 414, "the address has too many parameters");
}

static bool request_line(const char *p, size_t n, srv_head *h)
{
	size_t m = 0;
	while (m < n && is_tchar((unsigned char)p[m]))
		m++;
	if (m == 0 || m >= n || p[m] != ' ') {
		refuse(h, 400, "the request line is malformed");
		return false;
	}
	if (m > SRV_METHOD_MAX) {
		refuse(h, 501, "unknown method");
		return false;
	}
	memcpy(h->method, p, m);
	h->method[m] = '\0';
	const char *t = p + m + 1;
	const char *sp = memchr(t, ' ', n - m - 1);
	if (sp == NULL) {
		refuse(h, 400, "the request line is malformed");
		return false;
	}
	h->target = t;
	h->target_len = (size_t)(sp - t);
	const char *v = sp + 1;
	size_t vn = n - (size_t)(v - p);
	if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9') {
		refuse(h, 400, "the request line is malformed");
		return false;
	}
	if (memcmp(v, "HTTP/1.1", 8) == 0)
		h->http11 = true;
	else if (memcmp(v, "HTTP/1.0", 8) != 0) {
		refuse(h, 505, "only HTTP/1.0 and HTTP/1.1 are served");
		return false;
	}
	read_target(h);
	return h->status == 0;
}

/* uri-host [":" port]: reg-name, IPv4 or an IP literal in brackets (RFC 3986 3.2.2). */
static bool host_valid(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-._~%!$&'()*+,;=:[]", c) != NULL) || c == 0)
			return false;
	}
	return true;
}

static bool digits_value(const char *v, size_t n, uint64_t *out)
{
	if (n == 0 || n > 18)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

typedef struct {
	unsigned host, length, transfer, fields;
} field_counts;

static void field_line(const char *p, size_t n, srv_head *h, field_counts *fc)
{
	if (++fc->fields > SRV_HEAD_MAX_FIELDS) {
		refuse(h, 431, "too many header fields");
		return;
	}
	if (n > SRV_FIELD_LINE_MAX) {
		refuse(h, 431, "a header field is too long");
		return;
	}
	if (p[0] == ' ' || p[0] == '\t') {
		refuse(h, 400, "folded header lines are not accepted (RFC 9112 5.2)");
		return;
	}
	size_t k = 0;
	while (k < n && is_tchar((unsigned char)p[k]))
		k++;
	if (k == 0 || k >= n || p[k] != ':') {
		refuse(h, 400, "a header field is malformed");
		return;
	}
	const char *v = p + k + 1;
	size_t vn = n - k - 1;
	for (size_t i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			refuse(h, 400, "a header field holds a control character");
			return;
		}
	}
	while (vn > 0 && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn > 0 && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (name_is(p, k, "host")) {
		fc->host++;
		if (!host_valid(v, vn))
			refuse(h, 400, "the Host header is not a host name");
	} else if (name_is(p, k, "content-length")) {
		if (++fc->length > 1)
			refuse(h, 400, "more than one Content-Length (RFC 9112 6.3)");
		else if (!digits_value(v, vn, &h->content_length))
			refuse(h, 400, "Content-Length is not a number");
		h->has_length = true;
	} else if (name_is(p, k, "transfer-encoding")) {
		fc->transfer++;
	} else if (name_is(p, k, "expect")) {
		if (!(vn == 12 && name_is(v, vn, "100-continue")))
			refuse(h, 417, "the only expectation served is 100-continue");
	}
}

void srv_head_parse(const char *buf, size_t len, srv_head *h)
{
	memset(h, 0, sizeof(*h));
	field_counts fc = {0};
	bool first = true;
	size_t i = 0;
	while (i < len && h->status == 0) {
		const char *lf = memchr(buf + i, '\n', len - i);
		if (lf == NULL || lf == buf + i || lf[-1] != '\r') {
			refuse(h, 400, "lines must end with CRLF");
			break;
		}
		size_t n = (size_t)(lf - (buf + i)) - 1;
		if (memchr(buf + i, '\r', n) != NULL) {
			refuse(h, 400, "a bare CR in the request head");
			break;
		}
		if (n == 0) {
			if (first)
				refuse(h, 400, "the request line is empty");
			break;     /* the blank line: end of the head */
		}
		if (first) {
			if (!request_line(buf + i, n, h))
				break;
			first = false;
		} else {
			field_line(buf + i, n, h, &fc);
		}
		i = (size_t)(lf - buf) + 1;
	}
	if (h->status != 0)
		return;
	if (first)
		refuse(h, 400, "no request line");
	else if (h->http11 && fc.host == 0)
		refuse(h, 400, "an HTTP/1.1 request needs a Host header (RFC 9112 3.2)");
	else if (fc.host > 1)
		refuse(h, 400, "more than one Host header (RFC 9112 3.2)");
	else if (fc.transfer > 0 && fc.length > 0)
		refuse(h, 400, "both Transfer-Encoding and Content-Length (RFC 9112 6.3)");
	else if (fc.transfer > 0)
		refuse(h, 411, "send the body with a Content-Length");
}

bool srv_head_path_is(const srv_head *h, const char *p)
{
	size_t n = strlen(p);
	return h->path_len == n && memcmp(h->target, p, n) == 0;
}
