#include <stdio.h>
#include <string.h>

#include "response.h"

/* The page has no inline script or style, so the policy allows only this server's
 * own files. */
const srv_header srv_security_headers[] = {
	{"Content-Security-Policy",
	 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
	 "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Permissions-Policy",
	 "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
	 "microphone=(), payment=(), usb=(), interest-cohort=()"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{NULL, NULL},
};

const char *srv_reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

size_t srv_raw_response(char *out, size_t cap, unsigned status, const char *content_type,
                        const char *extra_name, const char *extra_value, const char *body,
                        size_t body_len, bool head_only)
{
	size_t n = 0;
	int w = snprintf(out, cap, "HTTP/1.1 %u %s\r\n", status, srv_reason(status));
	for (const srv_header *h = srv_security_headers; w >= 0 && (size_t)w < cap - n && h->name; h++) {
		n += (size_t)w;
		w = snprintf(out + n, cap - n, "%s: %s\r\n", h->name, h->value);
	}
	if (w < 0 || (size_t)w >= cap - n)
		return 0;
	n += (size_t)w;
	w = snprintf(out + n, cap - n, "Cache-Control: no-store\r\nConnection: %s\r\n"
	             "Content-Type: %s\r\nContent-Length: %zu\r\n%s%s%s%s\r\n",
	             SRV_CONNECTION_HEADER, content_type, body_len, extra_name ? extra_name : "",
	             extra_name ? ": " : "", extra_name ? extra_value : "", extra_name ? "\r\n" : "");
	if (w < 0 || (size_t)w >= cap - n)
		return 0;
	n += (size_t)w;
	if (!head_only) {
		if (body_len > cap - n)
			return 0;
		memcpy(out + n, body, body_len);
		n += body_len;
	}
	return n;
}
