/*
 * The HTTP side of emailauth serve. A front end (front.c) accepts connections and
 * holds them until their request head is complete and valid; then libmicrohttpd
 * takes over, one thread per connection, so a check may block its own thread; every
 * check has its own resolver and deadline.
 * What keeps it standing: a deadline for the whole request, caps on connections
 * (still sending their head, and served; in all and per address), a memory limit
 * per connection, body caps per route, a per-client rate limit and a gate on checks
 * running at once that is fair between addresses.
 * What keeps the promise: no cookies, strict headers, and log lines that say a
 * request happened, never what it asked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "form.h"
#include "front.h"
#include "limits.h"
#include "metrics.h"
#include "page.h"
#include "params.h"
#include "response.h"
#include "run.h"
#include "server.h"

#define SRV_MAX_CONNECTIONS 256        /* threads at most: one per connection served */
#define SRV_PER_IP_CONNECTIONS 32      /* one address cannot take them all */
/* libmicrohttpd's own caps sit above ours: it would close without an answer. */
#define SRV_MHD_CONNECTION_SLACK 32
#define SRV_CONN_TIMEOUT_S 15          /* idle or slow connections are closed */
#define SRV_REQUEST_DEADLINE_MS 10000  /* the whole request, head and body, from accept */
/* Tests shorten the limits above (never lengthen them) with this variable, in
 * seconds, so a stalled client is seen cut off in a short test. */
#define SRV_TIMEOUT_ENV "EMAILAUTH_SERVE_IDLE_TIMEOUT"
/* libmicrohttpd's pool per connection: the head (SRV_HEAD_MAX), its parsed fields
 * and the read buffer of the body. */
#define SRV_CONN_MEMORY (128 * 1024)
#define SRV_LISTEN_BACKLOG 1024
#define SRV_FD_TABLE 65536             /* accept times kept by descriptor */
#define SRV_PAGE_BODY_MAX (3 * SRV_HEADERS_MAX + 4096)  /* the form, percent-encoded */
#define SRV_API_BODY_MAX SRV_HEADERS_MAX
#define SRV_GATE_WAIT_ROUNDS 3         /* see srv_limits_new below */
#define SRV_BUSY_RETRY_S 2             /* Retry-After when every check slot is taken */
#define SRV_SHUTDOWN_GRACE_MS 2000     /* past the deadline, for checks to finish */

typedef enum { R_PAGE, R_STATIC, R_HEALTH, R_METRICS, R_OPENAPI, R_CODES, R_API, R_NOT_FOUND } route_type;

typedef struct {
	const char *path;
	const char *log_name;     /* what the log says instead of the URL */
	route_type type;
	srv_kind kind;
	bool get;                 /* GET and HEAD allowed */
	bool post;
	size_t body_max;
} route;

static const route routes[] = {
	{"/", "page", R_PAGE, SRV_KIND_SES, true, true, SRV_PAGE_BODY_MAX},
	{"/healthz", "healthz", R_HEALTH, SRV_KIND_SES, true, false, 0},
	{"/metrics", "metrics", R_METRICS, SRV_KIND_SES, true, false, 0},
	{"/openapi.yaml", "openapi", R_OPENAPI, SRV_KIND_SES, true, false, 0},
	{"/codes", "codes", R_CODES, SRV_KIND_SES, true, false, 0},
	{"/api/v1/ses", "api-ses", R_API, SRV_KIND_SES, true, false, 0},
	{"/api/v1/check", "api-check", R_API, SRV_KIND_CHECK, true, false, 0},
	{"/api/v1/spf", "api-spf", R_API, SRV_KIND_SPF, true, false, 0},
	{"/api/v1/dkim", "api-dkim", R_API, SRV_KIND_DKIM, true, false, 0},
	{"/api/v1/verify", "api-verify", R_API, SRV_KIND_VERIFY, false, true, SRV_API_BODY_MAX},
};
static const route static_route = {"/static/", "static", R_STATIC, SRV_KIND_SES, true, false, 0};
static const route missing_route = {NULL, "not-found", R_NOT_FOUND, SRV_KIND_SES, true, true, 0};

typedef struct {
	srv_run_config run;
	srv_limits *limits;
	unsigned idle_timeout_s;  /* SRV_CONN_TIMEOUT_S, or shorter for tests */
	double request_deadline_ms;
	unsigned max_concurrent;
	volatile sig_atomic_t stopping;
	struct MHD_Daemon *mhd;
	pthread_mutex_t conns_mu; /* connections libmicrohttpd serves, by address */
	unsigned conns_total;
	srv_addr_counts *conns_by_addr;
	double *accept_ms;        /* by descriptor, set before libmicrohttpd takes it */
} srv_state;

typedef struct {
	const route *rt;
	const char *method;       /* one of a fixed set, so the log holds nothing a client wrote */
	bool is_post;
	unsigned idle_timeout_s;
	double start_ms;
	double deadline_ms;       /* the whole request must have arrived by then */
	unsigned status;
	ea_buf body;
	bool responded;
} req_ctx;

static const route *route_find(const char *url)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, url) == 0)
			return &routes[i];
	if (strncmp(url, static_route.path, strlen(static_route.path)) == 0)
		return &static_route;
	return &missing_route;
}

static const char *method_name(const char *m)
{
	static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(m, known[i]) == 0)
			return known[i];
	return "OTHER";
}

/* Responses. */

typedef struct {
	const char *content_type;
	const char *cache;            /* Cache-Control; default no-store */
	unsigned retry_after;         /* seconds; 0: no header */
	const char *location;
	const char *allow;
	const char *etag;
} resp_opts;

/* Sends body (malloc'd; taken over, NULL for none) with the headers every response has. */
static enum MHD_Result respond(struct MHD_Connection *c, req_ctx *rq, unsigned status, char *body,
                               size_t len, const resp_opts *o)
{
	static char empty[1];
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body ? body : empty,
	                                                         body ? MHD_RESPMEM_MUST_FREE
	                                                              : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	for (const srv_header *h = srv_security_headers; h->name; h++)
		MHD_add_response_header(r, h->name, h->value);
	MHD_add_response_header(r, "Cache-Control", o->cache ? o->cache : "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, SRV_CONNECTION_HEADER);
	if (o->content_type)
		MHD_add_response_header(r, "Content-Type", o->content_type);
	if (o->retry_after) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", o->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (o->location)
		MHD_add_response_header(r, "Location", o->location);
	if (o->allow)
		MHD_add_response_header(r, "Allow", o->allow);
	if (o->etag)
		MHD_add_response_header(r, "ETag", o->etag);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	/* The request's deadline no longer applies: the answer goes out at the idle pace. */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, rq->idle_timeout_s);
	rq->status = status;
	rq->responded = true;
	return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *c, req_ctx *rq, unsigned status,
                                    json_t *doc, unsigned retry_after)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (text == NULL)
		return MHD_NO;
	size_t n = strlen(text);
	char *body = realloc(text, n + 2);
	if (body == NULL) {
		free(text);
		return MHD_NO;
	}
	body[n] = '\n';
	body[n + 1] = '\0';
	resp_opts o = {.content_type = "application/json", .retry_after = retry_after};
	return respond(c, rq, status, body, n + 1, &o);
}

/* {"error": {"status": 400, "code": "invalid_domain", "field": "domain", "message": "..."}} */
static enum MHD_Result json_error(struct MHD_Connection *c, req_ctx *rq, unsigned status,
                                  const char *code, const char *field, const char *message,
                                  unsigned retry_after)
{
	json_t *e = json_object();
	json_object_set_new(e, "status", json_integer(status));
	json_object_set_new(e, "code", json_string(code));
	if (field)
		json_object_set_new(e, "field", json_string(field));
	json_t *msg = json_string(message);
	json_object_set_new(e, "message", msg ? msg : json_string("invalid input"));
	json_t *doc = json_object();
	json_object_set_new(doc, "error", e);
	return respond_json(c, rq, status, doc, retry_after);
}

static enum MHD_Result respond_page(struct MHD_Connection *c, req_ctx *rq, unsigned status,
                                    srv_kind kind, const srv_params *p, const srv_notice *n,
                                    const ea_report *rep, const char *self_url, unsigned retry_after)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (m == NULL)
		return MHD_NO;
	srv_page_write(m, kind, p, n, rep, self_url);
	if (fclose(m) != 0) {
		free(buf);
		return MHD_NO;
	}
	resp_opts o = {.content_type = "text/html; charset=utf-8", .retry_after = retry_after};
	return respond(c, rq, status, buf, len, &o);
}

/* Reading the request. */

static const char *query_get(void *ctx, const char *key, size_t *len)
{
	const char *v = NULL;
	size_t n = 0;
	if (MHD_lookup_connection_value_n(ctx, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v, &n) != MHD_YES)
		return NULL;
	*len = v ? n : 0;
	return v ? v : "";
}

static const char *form_get(void *ctx, const char *key, size_t *len)
{
	const srv_form_field *f = srv_form_get(ctx, key);
	if (f == NULL)
		return NULL;
	*len = f->len;
	return f->value;
}

/* POST /api/v1/verify: the raw body is the message (or just its headers); ip, helo
 * and mailfrom come in the query string. */
typedef struct {
	const ea_buf *body;
	struct MHD_Connection *c;
} verify_source;

static const char *body_get(void *ctx, const char *key, size_t *len)
{
	const verify_source *v = ctx;
	if (strcmp(key, "headers") != 0)
		return query_get(v->c, key, len);
	*len = v->body->len;
	return v->body->data ? v->body->data : "";
}

typedef struct {
	srv_kind kind;
	const char *unknown;      /* the first field the route does not take */
	char unknown_copy[64];
	size_t count;
} arg_scan;

static enum MHD_Result scan_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	arg_scan *s = cls;
	s->count++;
	for (const char *const *f = srv_params_fields(s->kind); *f; f++)
		if (strcmp(*f, key) == 0)
			return MHD_YES;
	if (s->unknown == NULL) {
		/* Only the name goes back to the client, never into the log. */
		snprintf(s->unknown_copy, sizeof(s->unknown_copy), "%s", key);
		s->unknown = s->unknown_copy;
	}
	return MHD_YES;
}

static const struct sockaddr *client_addr(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	return ci ? ci->client_addr : NULL;
}

/* The limits, in order: rate (429), then the gate (503: the address's share is
 * taken, or no slot came free in time). On success the caller holds a gate slot and
 * must leave it. */
typedef enum { ADMIT_OK, ADMIT_RATE, ADMIT_BUSY, ADMIT_MINE } admit_result;

static const char *const busy_message[] = {
	[ADMIT_BUSY] = "the server is running as many checks as it may: try again shortly",
	[ADMIT_MINE] = "your address already has as many checks running as it may: wait for them",
};

static admit_result admit(srv_state *st, struct MHD_Connection *c, unsigned *retry_after)
{
	if (!srv_rate_take(st->limits, client_addr(c), ea_now_ms(), retry_after)) {
		srv_metrics_refused(SRV_REFUSED_RATE);
		return ADMIT_RATE;
	}
	srv_gate_result g = srv_gate_enter(st->limits, client_addr(c));
	if (g != SRV_GATE_OK) {
		*retry_after = SRV_BUSY_RETRY_S;
		srv_metrics_refused(SRV_REFUSED_BUSY);
		return g == SRV_GATE_ADDRESS_BUSY ? ADMIT_MINE : ADMIT_BUSY;
	}
	return ADMIT_OK;
}

static int run_admitted(srv_state *st, struct MHD_Connection *c, srv_params *p, ea_report **rep)
{
	double t0 = ea_now_ms();
	int rc = srv_run(&st->run, p, rep);
	srv_usage_add(st->limits, client_addr(c), ea_now_ms() - t0, ea_now_ms());
	srv_gate_leave(st->limits, client_addr(c));
	return rc;
}

/* The API. */

static enum MHD_Result handle_api(srv_state *st, struct MHD_Connection *c, req_ctx *rq)
{
	srv_kind kind = rq->rt->kind;
	srv_params *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MHD_NO;
	enum MHD_Result ret;
	arg_scan s = {.kind = kind};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, scan_arg, &s);
	if (s.count > SRV_FORM_MAX_FIELDS) {
		ret = json_error(c, rq, 400, "too_many_fields", NULL, "too many query parameters", 0);
		goto out;
	}
	if (s.unknown) {
		char msg[128];
		snprintf(msg, sizeof(msg), "unknown parameter '%s'", s.unknown);
		ret = json_error(c, rq, 400, "unknown_field", s.unknown, msg, 0);
		goto out;
	}
	verify_source v = {&rq->body, c};
	int prc = kind == SRV_KIND_VERIFY ? srv_params_read(p, kind, body_get, &v)
	                                  : srv_params_read(p, kind, query_get, c);
	if (prc != EA_OK) {
		ret = json_error(c, rq, 400, p->error_code, p->error_field, p->error, 0);
		goto out;
	}
	if (!srv_kind_available(kind)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "the '%s' check is not in this version of the server yet",
		         srv_kind_name(kind));
		ret = json_error(c, rq, 501, "not_implemented", NULL, msg, 0);
		goto out;
	}
	unsigned retry = 0;
	admit_result a = admit(st, c, &retry);
	switch (a) {
	case ADMIT_RATE:
		ret = json_error(c, rq, 429, "rate_limited", NULL,
		                 "too many checks from your address: wait Retry-After seconds", retry);
		goto out;
	case ADMIT_BUSY:
	case ADMIT_MINE:
		ret = json_error(c, rq, 503, "busy", NULL, busy_message[a], retry);
		goto out;
	case ADMIT_OK:
		break;
	}
	ea_report *rep = NULL;
	if (run_admitted(st, c, p, &rep) != EA_OK) {
		ret = json_error(c, rq, 500, "internal", NULL, "the check could not be run", 0);
		goto out;
	}
	ret = respond_json(c, rq, 200, ea_report_to_json(rep, true), 0);
	ea_report_free(rep);
out:
	free(p);
	return ret;
}

/* The page. */

static enum MHD_Result handle_page(srv_state *st, struct MHD_Connection *c, req_ctx *rq)
{
	srv_form form = {0};
	srv_get_fn get = query_get;
	void *ctx = c;
	if (rq->is_post) {
		if (srv_form_parse(rq->body.data ? rq->body.data : "", rq->body.len, &form) != EA_OK) {
			srv_form_free(&form);
			srv_notice n = {"The form could not be read", "It has too many fields."};
			return respond_page(c, rq, 400, SRV_KIND_VERIFY, NULL, &n, NULL, NULL, 0);
		}
		get = form_get;
		ctx = &form;
	}
	size_t tl = 0;
	const char *tab = get(ctx, "tab", &tl);
	srv_kind kind = rq->is_post ? SRV_KIND_VERIFY : SRV_KIND_SES;
	if (tab && tl < 16 && !srv_kind_from_name(tab, &kind))
		kind = SRV_KIND_SES;
	enum MHD_Result ret;
	srv_params *p = calloc(1, sizeof(*p));
	ea_buf self;
	ea_buf_init(&self, SRV_CONN_MEMORY);
	if (p == NULL) {
		ret = MHD_NO;
		goto out;
	}
	if (!rq->is_post && srv_params_blank(kind, get, ctx)) {
		ret = respond_page(c, rq, 200, kind, NULL, NULL, NULL, NULL, 0);
		goto out;
	}
	if (srv_params_read(p, kind, get, ctx) != EA_OK) {
		ret = respond_page(c, rq, 400, kind, p, NULL, NULL, NULL, 0);
		goto out;
	}
	if (!rq->is_post) {
		ea_buf_puts(&self, "/?");
		srv_params_query(p, &self);
		ea_buf_puts(&self, "#ea-result");
	}
	/* Pasted JSON becomes a short address holding only the tokens: shareable, and
	 * the JSON does not stay in the browser's history. */
	if (p->tokens_from_json && !rq->is_post && !self.error) {
		resp_opts o = {.location = self.data, .content_type = "text/plain; charset=utf-8"};
		ret = respond(c, rq, 303, NULL, 0, &o);
		goto out;
	}
	if (!srv_kind_available(kind)) {
		srv_notice n = {"Not available yet", "This check is not in this version of the server yet."};
		ret = respond_page(c, rq, 501, kind, p, &n, NULL, NULL, 0);
		goto out;
	}
	unsigned retry = 0;
	admit_result a = admit(st, c, &retry);
	if (a != ADMIT_OK) {
		char msg[160];
		snprintf(msg, sizeof(msg), a == ADMIT_RATE
		         ? "You have made many checks in a short time. Try again in %u seconds."
		         : a == ADMIT_MINE ? "Your address already has checks running. Try again in %u seconds."
		         : "The server is running as many checks as it may. Try again in %u seconds.", retry);
		srv_notice n = {a == ADMIT_RATE ? "Too many checks" : "Busy", msg};
		ret = respond_page(c, rq, a == ADMIT_RATE ? 429 : 503, kind, p, &n, NULL, NULL, retry);
		goto out;
	}
	ea_report *rep = NULL;
	if (run_admitted(st, c, p, &rep) != EA_OK) {
		srv_notice n = {"The check could not run", "Something went wrong on the server. Try again."};
		ret = respond_page(c, rq, 500, kind, p, &n, NULL, NULL, 0);
		goto out;
	}
	ret = respond_page(c, rq, 200, kind, p, NULL, rep, self.error ? NULL : self.data, 0);
	ea_report_free(rep);
out:
	ea_buf_free(&self);
	free(p);
	srv_form_free(&form);
	return ret;
}

static enum MHD_Result handle_static(struct MHD_Connection *c, req_ctx *rq, const char *url)
{
	const srv_asset *a = srv_asset_find(url);
	if (a == NULL) {
		resp_opts o = {.content_type = "text/plain; charset=utf-8"};
		return respond(c, rq, 404, strdup("not found\n"), 10, &o);
	}
	char etag[40];
	snprintf(etag, sizeof(etag), "\"%s\"", a->version);
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	resp_opts o = {.content_type = a->content_type, .cache = "public, max-age=86400", .etag = etag};
	if (inm && strcmp(inm, etag) == 0)
		return respond(c, rq, 304, NULL, 0, &o);
	char *body = malloc(a->len ? a->len : 1);
	if (body == NULL)
		return MHD_NO;
	memcpy(body, a->data, a->len);
	return respond(c, rq, 200, body, a->len, &o);
}

/* /healthz is answered by the front end, without a thread: it holds when every
 * thread is busy. */
static size_t health_response(srv_state *st, bool head_only, char *out, size_t cap, unsigned *status)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "{\"status\":\"%s\",\"version\":\"%s\",\"checks_running\":%u,"
	                 "\"max_concurrent\":%u}\n", st->stopping ? "stopping" : "ok", EA_VERSION,
	                 srv_gate_active(st->limits), st->max_concurrent);
	*status = st->stopping ? 503 : 200;
	return srv_raw_response(out, cap, *status, "application/json", NULL, NULL, body,
	                        n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0, head_only);
}

/* Prometheus scrapes /metrics; the OpenAPI document is docs/openapi.yaml, embedded, and
 * /codes is docs/finding-codes.md and docs/codes-*.md as a page. */
static enum MHD_Result handle_metrics(srv_state *st, struct MHD_Connection *c, req_ctx *rq)
{
	size_t len = 0;
	char *text = srv_metrics_render(srv_gate_active(st->limits), st->max_concurrent, &len);
	resp_opts o = {.content_type = "text/plain; version=0.0.4; charset=utf-8"};
	return text ? respond(c, rq, 200, text, len, &o) : MHD_NO;
}

static enum MHD_Result dispatch(srv_state *st, struct MHD_Connection *c, req_ctx *rq, const char *url)
{
	const route *rt = rq->rt;
	bool get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
	if (rt->type == R_NOT_FOUND) {
		if (strncmp(url, "/api/", 5) == 0)
			return json_error(c, rq, 404, "not_found", NULL, "no such endpoint", 0);
		resp_opts o = {.content_type = "text/plain; charset=utf-8"};
		return respond(c, rq, 404, strdup("not found\n"), 10, &o);
	}
	if ((get && !rt->get) || (rq->is_post && !rt->post) || (!get && !rq->is_post)) {
		const char *allow = rt->get && rt->post ? "GET, HEAD, POST" : rt->post ? "POST" : "GET, HEAD";
		if (rt->type == R_API) {
			resp_opts o = {.allow = allow};
			char *msg = strdup("{\"error\":{\"status\":405,\"code\":\"method_not_allowed\","
			                   "\"message\":\"method not allowed\"}}\n");
			o.content_type = "application/json";
			return respond(c, rq, 405, msg, msg ? strlen(msg) : 0, &o);
		}
		resp_opts o = {.allow = allow, .content_type = "text/plain; charset=utf-8"};
		return respond(c, rq, 405, strdup("method not allowed\n"), 19, &o);
	}
	switch (rt->type) {
	case R_PAGE: return handle_page(st, c, rq);
	case R_STATIC: return handle_static(c, rq, url);
	case R_HEALTH: break;     /* GET and HEAD are answered by the front end */
	case R_METRICS: return handle_metrics(st, c, rq);
	case R_OPENAPI: return handle_static(c, rq, "/static/openapi.yaml");
	/* The finding codes' documentation, built from docs/ (tools/server/codes_page.py). */
	case R_CODES: return handle_static(c, rq, "/static/codes.html");
	case R_API: return handle_api(st, c, rq);
	case R_NOT_FOUND: break;
	}
	return MHD_NO;
}

/* libmicrohttpd 0.9.75 takes no response while a body is arriving (MHD_queue_response
 * refuses it until the body is complete, and a slow client may never complete it): the
 * answer is written on the socket here, the input drained a moment so that closing
 * does not reset the answer away, and the connection closed. */
static enum MHD_Result respond_mid_body(struct MHD_Connection *c, req_ctx *rq, unsigned status,
                                        const char *message)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char out[SRV_RAW_RESPONSE_MAX];
	size_t len = srv_raw_response(out, sizeof(out), status, "text/plain; charset=utf-8", NULL, NULL,
	                              message, strlen(message), false);
	rq->status = status;
	rq->responded = true;
	if (ci == NULL || len == 0)
		return MHD_NO;
	int fd = ci->connect_fd;
	(void)send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	double until = ea_now_ms() + SRV_LINGER_MS;
	for (double now = ea_now_ms(); now < until; now = ea_now_ms()) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)(until - now) + 1) <= 0)
			break;
		char sink[4096];
		ssize_t n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
	return MHD_NO;
}

/* Over the body cap: on the first call (Content-Length) a normal response; once the
 * body is arriving, respond_mid_body. */
static enum MHD_Result too_large(struct MHD_Connection *c, req_ctx *rq, bool arriving)
{
	if (arriving)
		return respond_mid_body(c, rq, 413, "413 Content Too Large: the request body is too large\n");
	if (rq->rt->type == R_API)
		return json_error(c, rq, 413, "too_large", NULL, "the request body is too large", 0);
	srv_notice n = {"Too much text", "The form is larger than this server accepts."};
	return respond_page(c, rq, 413, SRV_KIND_VERIFY, NULL, &n, NULL, NULL, 0);
}

/* The deadline of the whole request, head and body, counted from accept (the front
 * end noted the time); libmicrohttpd's timeout is shortened to it meanwhile. */
static double request_deadline(srv_state *st, struct MHD_Connection *c, double now)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	double accepted = now;
	if (ci && ci->connect_fd >= 0 && ci->connect_fd < SRV_FD_TABLE && st->accept_ms[ci->connect_fd] > 0)
		accepted = st->accept_ms[ci->connect_fd];
	double deadline = accepted + st->request_deadline_ms;
	unsigned left_s = deadline > now ? (unsigned)ceil((deadline - now) / 1000.0) : 1;
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, left_s ? left_s : 1u);
	return deadline;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)version;
	srv_state *st = cls;
	req_ctx *rq = *con_cls;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		rq->start_ms = ea_now_ms();
		rq->idle_timeout_s = st->idle_timeout_s;
		rq->deadline_ms = request_deadline(st, c, rq->start_ms);
		rq->rt = route_find(url);
		rq->method = method_name(method);
		rq->is_post = strcmp(rq->method, "POST") == 0;
		*con_cls = rq;
		if (rq->is_post && rq->rt->post) {
			ea_buf_init(&rq->body, rq->rt->body_max);
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
			if (cl && strtoull(cl, NULL, 10) > rq->rt->body_max)
				return too_large(c, rq, false);
		}
		/* Answer on a later call, once the whole request is read: a response queued
		 * on this first call makes libmicrohttpd close the connection (no keep-alive). */
		return MHD_YES;
	}
	if (rq->responded) {
		*upload_size = 0;     /* what is left of a refused body is dropped */
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (ea_now_ms() > rq->deadline_ms)     /* a slow sender: answered, then closed */
			return respond_mid_body(c, rq, 408, "408 Request Timeout: the request took too long to arrive\n");
		if (!rq->is_post || !rq->rt->post) {
			*upload_size = 0;
			return MHD_YES;
		}
		bool ok = ea_buf_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return ok ? MHD_YES : too_large(c, rq, true);
	}
	return dispatch(st, c, rq, url);
}

/* Method, route name, status, time: never the URL, query, body or address. */
static void log_request(const char *method, const char *route_name, unsigned status, int aborted, double ms)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (status)
		fprintf(stderr, "%s %s %s %u %.1fms\n", when, method, route_name, status, ms);
	else
		fprintf(stderr, "%s %s %s aborted(%d) %.1fms\n", when, method, route_name, aborted, ms);
	srv_metrics_response(status);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	req_ctx *rq = *con_cls;
	if (rq == NULL)
		return;
	if (rq->status)
		log_request(rq->method, rq->rt->log_name, rq->status, -1, ea_now_ms() - rq->start_ms);
	else
		log_request(rq->method, rq->rt->log_name, 0, (int)toe, ea_now_ms() - rq->start_ms);
	ea_buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* Connections libmicrohttpd serves, counted by address for our caps (checked by the
 * front end before it hands one over). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	(void)socket_context;
	srv_state *st = cls;
	uint8_t key[16];
	srv_client_key(client_addr(c), key);
	pthread_mutex_lock(&st->conns_mu);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		st->conns_total++;
		srv_addr_counts_add(st->conns_by_addr, key, 1);
	} else {
		st->conns_total--;
		srv_addr_counts_add(st->conns_by_addr, key, -1);
	}
	pthread_mutex_unlock(&st->conns_mu);
}

static void front_log(void *ctx, const char *method, const char *route_name, unsigned status, double ms)
{
	(void)ctx;
	log_request(method_name(method), route_name, status, -1, ms);
}

/* A complete, valid request head: /healthz is answered here; the rest goes to
 * libmicrohttpd unless the caps on served connections are reached. */
static srv_front_action front_head(void *ctx, int fd, const struct sockaddr *addr, socklen_t addr_len,
                                   double accept_ms, const srv_head *h, char *out, size_t *out_len)
{
	srv_state *st = ctx;
	bool head = strcmp(h->method, "HEAD") == 0;
	if (srv_head_path_is(h, "/healthz") && (head || strcmp(h->method, "GET") == 0)) {
		unsigned status;
		*out_len = health_response(st, head, out, SRV_RAW_RESPONSE_MAX, &status);
		log_request(head ? "HEAD" : "GET", "healthz", status, -1, ea_now_ms() - accept_ms);
		return SRV_FRONT_ANSWERED;
	}
	uint8_t key[16];
	srv_client_key(addr, key);
	pthread_mutex_lock(&st->conns_mu);
	bool full = st->conns_total >= SRV_MAX_CONNECTIONS ||
	            srv_addr_counts_get(st->conns_by_addr, key) >= SRV_PER_IP_CONNECTIONS;
	pthread_mutex_unlock(&st->conns_mu);
	if (full) {
		static const char msg[] = "503 Service Unavailable: too many requests in progress\n";
		*out_len = srv_raw_response(out, SRV_RAW_RESPONSE_MAX, 503, "text/plain; charset=utf-8", "Retry-After",
		                            "2", msg, sizeof(msg) - 1, head);
		log_request(method_name(h->method), "front", 503, -1, ea_now_ms() - accept_ms);
		return SRV_FRONT_ANSWERED;
	}
	if (fd < SRV_FD_TABLE)
		st->accept_ms[fd] = accept_ms;
	/* On failure libmicrohttpd closes the socket itself. */
	(void)MHD_add_connection(st->mhd, fd, addr, addr_len);
	return SRV_FRONT_PASS;
}

/* libmicrohttpd's own messages: the format only, so no request data reaches the log. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)ap;
	size_t n = strcspn(fmt, "\n");
	fprintf(stderr, "libmicrohttpd: %.*s\n", (int)n, fmt);
}

bool srv_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (end == NULL || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
			return false;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
			return false;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
	}
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || p > 65535)
		return false;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		*len = sizeof(*v4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*v6);
		return true;
	}
	return false;
}

/* The listening socket, non-blocking, for the front end. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SRV_LISTEN_BACKLOG) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void srv_state_free(srv_state *st)
{
	srv_limits_free(st->limits);
	srv_addr_counts_free(st->conns_by_addr);
	free(st->accept_ms);
	pthread_mutex_destroy(&st->conns_mu);
	free(st);
}

struct srv_server {
	srv_state *st;
	srv_front *front;
};

srv_server *srv_start(const srv_config *cfg, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (!srv_parse_listen(cfg->listen, &ss, &sslen)) {
		fprintf(stderr, "emailauth: --listen takes ADDR:PORT or [ADDR6]:PORT\n");
		return NULL;
	}
	/* One resolver made here, before any thread: checks the configuration and sets up
	 * the DNS library once. */
	int err = 0;
	char msg[256];
	ea_resolver *probe = ea_resolver_new(&cfg->rcfg, &err, msg, sizeof(msg));
	if (probe == NULL) {
		fprintf(stderr, "emailauth: %s\n", msg[0] ? msg : ea_strerror(err));
		return NULL;
	}
	ea_resolver_free(probe);

	srv_server *sv = calloc(1, sizeof(*sv));
	srv_state *st = calloc(1, sizeof(*st));
	if (sv == NULL || st == NULL) {
		free(sv);
		free(st);
		return NULL;
	}
	sv->st = st;
	st->run.rcfg = cfg->rcfg;
	st->run.rcfg.qps = SRV_RESOLVER_QPS;
	st->run.rcfg.max_inflight = SRV_RESOLVER_INFLIGHT;
	st->run.deadline_ms = cfg->deadline_s * 1000.0;
	st->max_concurrent = cfg->max_concurrent;
	st->idle_timeout_s = SRV_CONN_TIMEOUT_S;
	st->request_deadline_ms = SRV_REQUEST_DEADLINE_MS;
	const char *idle = getenv(SRV_TIMEOUT_ENV);
	if (idle && atoi(idle) >= 1 && atoi(idle) < SRV_CONN_TIMEOUT_S) {
		st->idle_timeout_s = (unsigned)atoi(idle);
		st->request_deadline_ms = fmin(st->request_deadline_ms, st->idle_timeout_s * 1000.0);
	}
	/* A request waits for a check slot up to SRV_GATE_WAIT_ROUNDS deadlines: when many
	 * new addresses arrive at once, none has used anything yet and they are served in
	 * order of arrival, a round of slow checks at a time; after that the least used
	 * go first. */
	st->limits = srv_limits_new(cfg->rate_per_minute, cfg->max_concurrent,
	                            SRV_GATE_WAIT_ROUNDS * st->run.deadline_ms);
	st->conns_by_addr = srv_addr_counts_new(SRV_MAX_CONNECTIONS + SRV_MHD_CONNECTION_SLACK);
	st->accept_ms = calloc(SRV_FD_TABLE, sizeof(double));
	pthread_mutex_init(&st->conns_mu, NULL);
	int lfd = st->limits && st->conns_by_addr && st->accept_ms ? listen_on(&ss, sslen) : -1;
	if (lfd < 0) {
		fprintf(stderr, "emailauth: cannot listen on %s\n", cfg->listen);
		srv_state_free(st);
		free(sv);
		return NULL;
	}
	/* Connections come from the front end (MHD_add_connection), never from a socket
	 * of libmicrohttpd's own. */
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
	                 MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
	st->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, st,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)(SRV_MAX_CONNECTIONS + SRV_MHD_CONNECTION_SLACK),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(SRV_PER_IP_CONNECTIONS + SRV_MHD_CONNECTION_SLACK),
		MHD_OPTION_CONNECTION_TIMEOUT, st->idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, st,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, st,
		MHD_OPTION_END);
	srv_front_config fc = {.listen_fd = lfd, .head_timeout_ms = (unsigned)st->request_deadline_ms,
	                       .on_head = front_head, .on_log = front_log, .ctx = st};
	sv->front = st->mhd ? srv_front_start(&fc) : NULL;
	if (sv->front == NULL) {
		fprintf(stderr, "emailauth: cannot start the server on %s\n", cfg->listen);
		if (st->mhd)
			MHD_stop_daemon(st->mhd);
		close(lfd);
		srv_state_free(st);
		free(sv);
		return NULL;
	}
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	*port = 0;
	if (getsockname(lfd, (struct sockaddr *)&bound, &blen) == 0)
		*port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
		                                         : ((struct sockaddr_in6 *)&bound)->sin6_port);
	return sv;
}

void srv_stop(srv_server *sv)
{
	srv_state *st = sv->st;
	st->stopping = 1;
	srv_front_stop(sv->front);    /* closes the listening socket */
	double until = ea_now_ms() + st->run.deadline_ms + SRV_SHUTDOWN_GRACE_MS;
	while (srv_gate_active(st->limits) > 0 && ea_now_ms() < until) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(st->mhd);
	srv_state_free(st);
	free(sv);
}

int srv_main(const srv_config *cfg)
{
	/* SIGTERM and SIGINT are taken by sigwait() below; every thread inherits the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	unsigned port = 0;
	srv_server *sv = srv_start(cfg, &port);
	if (sv == NULL)
		return 1;
	struct sockaddr_storage ss;
	socklen_t sslen;
	srv_parse_listen(cfg->listen, &ss, &sslen);
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	fprintf(stderr, "emailauth serve: listening on http://%s%s%s:%u/ (at most %u checks at once, "
	        "%u per client per minute)\n", ss.ss_family == AF_INET6 ? "[" : "", host,
	        ss.ss_family == AF_INET6 ? "]" : "", port, cfg->max_concurrent, cfg->rate_per_minute);
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "emailauth serve: stopping (signal %d): finishing the checks in flight\n", sig);
	srv_stop(sv);
	fprintf(stderr, "emailauth serve: stopped\n");
	return 0;
}
