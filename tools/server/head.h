/* Reading a request head (request line and header fields, RFC 9112) before
 * libmicrohttpd sees it: what it would refuse without our headers, or accept
 * though HTTP says no, is answered here. A pure parser over (pointer, length). */
#ifndef SRV_HEAD_H
#define SRV_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_HEAD_MAX (32 * 1024)     /* request line + header fields */
#define SRV_TARGET_MAX (28 * 1024)   /* the request target: pasted AWS JSON percent-encoded fits */
#define SRV_QUERY_MAX_PARAMS 64      /* the page's forms have fewer than 12 fields */
#define SRV_HEAD_MAX_FIELDS 64       /* header field lines */
#define SRV_FIELD_LINE_MAX 8192      /* one header field line */
#define SRV_METHOD_MAX 16

typedef struct {
	unsigned status;                 /* 0: a request to serve; else the answer */
	const char *message;             /* why, in plain words (a constant) */
	char method[SRV_METHOD_MAX + 1];
	const char *target;              /* into the buffer parsed, not NUL-terminated */
	size_t target_len;
	size_t path_len;                 /* target up to '?' */
	bool http11;
	bool has_length;
	uint64_t content_length;
} srv_head;

/* The length of the head (through its blank line) when buf[0..len) holds all of
 * it; 0 when more is needed. */
size_t srv_head_end(const char *buf, size_t len);

/* What to do when the head is not complete and no more will come (limit reached or
 * the client stopped sending): 414 while the request line is incomplete, else 431
 * (over the limit) or 400 (cut short). */
unsigned srv_head_incomplete(const char *buf, size_t len, bool over_limit);

/* Parses a complete head, buf[0..len) as srv_head_end() measured it. */
void srv_head_parse(const char *buf, size_t len, srv_head *h);

/* True when the path is exactly p (the target up to '?'). */
bool srv_head_path_is(const srv_head *h, const char *p);

#endif
