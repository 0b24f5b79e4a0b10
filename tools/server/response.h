/* The headers every response of emailauth serve carries, in one table: the responses
 * libmicrohttpd sends for the handlers and the ones the front end (front.c) writes
 * itself (malformed requests, timeouts, /healthz) take them from here. */
#ifndef SRV_RESPONSE_H
#define SRV_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *name;
	const char *value;
} srv_header;

/* CSP, nosniff, Referrer-Policy, X-Frame-Options, Permissions-Policy, COOP, CORP
 * (docs/serve.md); NULL-terminated. Cache-Control is per response. */
extern const srv_header srv_security_headers[];

/* Every response closes its connection: each request is read and checked by the
 * front end before libmicrohttpd sees it (front.c), which a kept-alive connection
 * would bypass. */
#define SRV_CONNECTION_HEADER "close"

#define SRV_RAW_RESPONSE_MAX 4096   /* what the front end writes at most */

/* A whole response, status line to body, for the front end: the security headers,
 * Cache-Control: no-store, Connection: close, Content-Type and Content-Length; an
 * optional extra header (name NULL for none); no body for HEAD. Returns its length
 * (0 when it does not fit in cap). */
size_t srv_raw_response(char *out, size_t cap, unsigned status, const char *content_type,
                        const char *extra_name, const char *extra_value, const char *body,
                        size_t body_len, bool head_only);

/* The reason phrase of the statuses this server sends ("Bad Request"). */
const char *srv_reason(unsigned status);

#endif
