/*
 * The HTTP side of emailauth serve. One thread per connection (libmicrohttpd), so a
 * check may block its own thread; every check has its own resolver and deadline.
 * What keeps it standing: a cap on connections (total and per address), an idle
 * timeout, a memory limit per connection (request line and headers), body caps per
 * route, a per-client rate limit and a global cap on checks running at once.
 * What keeps the promise: no cookies, strict headers, and log lines that say a
 * request happened, never what it asked.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
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
#include "limits.h"
#include "metrics.h"
#include "page.h"
#include "params.h"
#include "run.h"
#include "server.h"

#define SRV_MAX_CONNECTIONS 256        /* threads at most: one per connection */
#define SRV_PER_IP_CONNECTIONS 32      /* one address cannot take them all */
#define SRV_CONN_TIMEOUT_S 15          /* idle or slow connections are closed */
/* Tests shorten the two limits above (never lengthen them) with this variable, in
 * seconds, so a stalled client is seen cut off in a short test. */
#define SRV_TIMEOUT_ENV "EMAILAUTH_SERVE_IDLE_TIMEOUT"
#define SRV_CONN_MEMORY (64 * 1024)    /* request line + headers of one request */
#define SRV_UPLOAD_MAX_MS 15000        /* a request body must arrive within this */
#define SRV_PAGE_BODY_MAX (3 * SRV_HEADERS_MAX + 4096)  /* the form, percent-encoded */
#define SRV_API_BODY_MAX SRV_HEADERS_MAX
#define SRV_BUSY_RETRY_S 2             /* Retry-After when every check slot is taken */
#define SRV_SHUTDOWN_GRACE_MS 2000     /* past the deadline, for checks to finish */

/* Every response carries these. The page has no inline script or style, so the
 * policy allows only this server's own files. */
static const char CSP[] =
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
static const char PERMISSIONS[] =
	"accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
	"microphone=(), payment=(), usb=(), interest-cohort=()";

typedef enum { R_PAGE, R_STATIC, R_HEALTH, R_METRICS, R_OPENAPI, R_API, R_NOT_FOUND } route_type;

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
	unsigned max_concurrent;
	volatile sig_atomic_t stopping;
} srv_state;

typedef struct {
	const route *rt;
	const char *method;       /* one of a fixed set, so the log holds nothing a client wrote */
	bool is_post;
	double start_ms;
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
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Permissions-Policy", PERMISSIONS);
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", o->cache ? o->cache : "no-store");
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

/* The limits, in order: rate (429), then the global gate (503). On success the caller
 * holds a gate slot and must leave it. */
typedef enum { ADMIT_OK, ADMIT_RATE, ADMIT_BUSY } admit_result;

static admit_result admit(srv_state *st, struct MHD_Connection *c, unsigned *retry_after)
{
	if (!srv_rate_take(st->limits, client_addr(c), ea_now_ms(), retry_after)) {
		srv_metrics_refused(SRV_REFUSED_RATE);
		return ADMIT_RATE;
	}
	if (!srv_gate_enter(st->limits)) {
		*retry_after = SRV_BUSY_RETRY_S;
		srv_metrics_refused(SRV_REFUSED_BUSY);
		return ADMIT_BUSY;
	}
	return ADMIT_OK;
}

static int run_admitted(srv_state *st, srv_params *p, ea_report **rep)
{
	int rc = srv_run(&st->run, p, rep);
	srv_gate_leave(st->limits);
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
	switch (admit(st, c, &retry)) {
	case ADMIT_RATE:
		ret = json_error(c, rq, 429, "rate_limited", NULL,
		                 "too many checks from your address: wait Retry-After seconds", retry);
		goto out;
	case ADMIT_BUSY:
		ret = json_error(c, rq, 503, "busy", NULL,
		                 "the server is running as many checks as it may: try again shortly", retry);
		goto out;
	case ADMIT_OK:
		break;
	}
	ea_report *rep = NULL;
	if (run_admitted(st, p, &rep) != EA_OK) {
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
		         : "The server is running as many checks as it may. Try again in %u seconds.", retry);
		srv_notice n = {a == ADMIT_RATE ? "Too many checks" : "Busy", msg};
		ret = respond_page(c, rq, a == ADMIT_RATE ? 429 : 503, kind, p, &n, NULL, NULL, retry);
		goto out;
	}
	ea_report *rep = NULL;
	if (run_admitted(st, p, &rep) != EA_OK) {
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

static enum MHD_Result handle_health(srv_state *st, struct MHD_Connection *c, req_ctx *rq)
{
	json_t *doc = json_pack("{s:s, s:s, s:i, s:i}", "status", st->stopping ? "stopping" : "ok",
	                        "version", EA_VERSION, "checks_running", (int)srv_gate_active(st->limits),
	                        "max_concurrent", (int)st->max_concurrent);
	return respond_json(c, rq, st->stopping ? 503 : 200, doc, 0);
}

/* Prometheus scrapes /metrics; the OpenAPI document is docs/openapi.yaml, embedded. */
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
	case R_HEALTH: return handle_health(st, c, rq);
	case R_METRICS: return handle_metrics(st, c, rq);
	case R_OPENAPI: return handle_static(c, rq, "/static/openapi.yaml");
	case R_API: return handle_api(st, c, rq);
	case R_NOT_FOUND: break;
	}
	return MHD_NO;
}

static enum MHD_Result too_large(struct MHD_Connection *c, req_ctx *rq)
{
	if (rq->rt->type == R_API)
		return json_error(c, rq, 413, "too_large", NULL, "the request body is too large", 0);
	srv_notice n = {"Too much text", "The form is larger than this server accepts."};
	return respond_page(c, rq, 413, SRV_KIND_VERIFY, NULL, &n, NULL, NULL, 0);
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
		rq->rt = route_find(url);
		rq->method = method_name(method);
		rq->is_post = strcmp(rq->method, "POST") == 0;
		*con_cls = rq;
		if (rq->is_post && rq->rt->post) {
			ea_buf_init(&rq->body, rq->rt->body_max);
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
			if (cl && strtoull(cl, NULL, 10) > rq->rt->body_max)
				return too_large(c, rq);
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
		if (ea_now_ms() - rq->start_ms > fmin(SRV_UPLOAD_MAX_MS, st->idle_timeout_s * 1000.0))
			return MHD_NO;    /* a slow sender: the connection is closed */
		if (!rq->is_post || !rq->rt->post) {
			*upload_size = 0;
			return MHD_YES;
		}
		bool ok = ea_buf_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return ok ? MHD_YES : too_large(c, rq);
	}
	return dispatch(st, c, rq, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	req_ctx *rq = *con_cls;
	if (rq == NULL)
		return;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	/* Method, route name, status, time: never the URL, query, body or address. */
	srv_metrics_response(rq->status);
	if (rq->status)
		fprintf(stderr, "%s %s %s %u %.1fms\n", when, rq->method, rq->rt->log_name, rq->status,
		        ea_now_ms() - rq->start_ms);
	else
		fprintf(stderr, "%s %s %s aborted(%d) %.1fms\n", when, rq->method, rq->rt->log_name, (int)toe,
		        ea_now_ms() - rq->start_ms);
	ea_buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* libmicrohttpd's own messages: the format only, so no request data reaches the log. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)ap;
	size_t n = strcspn(fmt, "\n");
	fprintf(stderr, "libmicrohttpd: %.*s\n", (int)n, fmt);
}

static bool parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
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

int srv_main(const srv_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (!parse_listen(cfg->listen, &ss, &sslen)) {
		fprintf(stderr, "emailauth: --listen takes ADDR:PORT or [ADDR6]:PORT\n");
		return 1;
	}
	/* One resolver made here, before any thread: checks the configuration and sets up
	 * the DNS library once. */
	int err = 0;
	char msg[256];
	ea_resolver *probe = ea_resolver_new(&cfg->rcfg, &err, msg, sizeof(msg));
	if (probe == NULL) {
		fprintf(stderr, "emailauth: %s\n", msg[0] ? msg : ea_strerror(err));
		return 1;
	}
	ea_resolver_free(probe);

	srv_state st = {0};
	st.run.rcfg = cfg->rcfg;
	st.run.rcfg.qps = SRV_RESOLVER_QPS;
	st.run.rcfg.max_inflight = SRV_RESOLVER_INFLIGHT;
	st.run.deadline_ms = cfg->deadline_s * 1000.0;
	st.max_concurrent = cfg->max_concurrent;
	st.idle_timeout_s = SRV_CONN_TIMEOUT_S;
	const char *idle = getenv(SRV_TIMEOUT_ENV);
	if (idle && atoi(idle) >= 1 && atoi(idle) < SRV_CONN_TIMEOUT_S)
		st.idle_timeout_s = (unsigned)atoi(idle);
	st.limits = srv_limits_new(cfg->rate_per_minute, cfg->max_concurrent);
	if (st.limits == NULL)
		return 1;

	/* SIGTERM and SIGINT are taken by sigwait() below; every thread inherits the mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
	                 MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &st,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)SRV_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SRV_PER_IP_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, st.idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &st,
		MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "emailauth: cannot listen on %s\n", cfg->listen);
		srv_limits_free(st.limits);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	fprintf(stderr, "emailauth serve: listening on http://%s%s%s:%u/ (at most %u checks at once, "
	        "%u per client per minute)\n", ss.ss_family == AF_INET6 ? "[" : "", host,
	        ss.ss_family == AF_INET6 ? "]" : "", info ? (unsigned)info->port : 0,
	        cfg->max_concurrent, cfg->rate_per_minute);

	int sig = 0;
	sigwait(&stop, &sig);
	st.stopping = 1;
	fprintf(stderr, "emailauth serve: stopping (signal %d): finishing the checks in flight\n", sig);
	MHD_socket ls = MHD_quiesce_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	double until = ea_now_ms() + st.run.deadline_ms + SRV_SHUTDOWN_GRACE_MS;
	while (srv_gate_active(st.limits) > 0 && ea_now_ms() < until) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	srv_limits_free(st.limits);
	fprintf(stderr, "emailauth serve: stopped\n");
	return 0;
}
