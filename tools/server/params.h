/* What a request asks for: read from a query string or a form, length-capped and
 * validated (domain syntax, IDN to A-labels) before any lookup is made. */
#ifndef SRV_PARAMS_H
#define SRV_PARAMS_H

#include <emailauth/emailauth.h>
#include <emailauth/check_sections.h>
#include "util/buf.h"

typedef enum {
	SRV_KIND_SES,      /* Amazon SES Easy DKIM */
	SRV_KIND_CHECK,    /* the whole-domain audit */
	SRV_KIND_SPF,      /* SPF evaluation */
	SRV_KIND_DKIM,     /* DKIM keys by selector */
	SRV_KIND_VERIFY,   /* pasted message headers */
	SRV_KIND_COUNT,
} srv_kind;

#define SRV_INPUT_MAX 512            /* any one-line field, as typed */
#define SRV_AWS_JSON_MAX 8192        /* a get-email-identity document is about 1 KB */
#define SRV_HEADERS_MAX (256 * 1024) /* pasted message headers */
#define SRV_MAX_SELECTORS 8          /* DKIM selectors in one request */
#define SRV_FORM_TOKENS 3            /* token fields on the page: SES issues three */

typedef struct {
	srv_kind kind;
	/* As typed, to fill the form in again (escaped when shown). */
	char domain_in[SRV_INPUT_MAX + 1];
	char token_in[SRV_FORM_TOKENS][SRV_INPUT_MAX + 1];
	char tokens_in[SRV_INPUT_MAX + 1];
	char region_in[SRV_INPUT_MAX + 1];
	char selectors_in[SRV_INPUT_MAX + 1];
	char mailfrom_in[SRV_INPUT_MAX + 1];
	char ip_in[SRV_INPUT_MAX + 1];
	char helo_in[SRV_INPUT_MAX + 1];
	/* Large fields stay where the request keeps them. */
	const char *aws_json;
	size_t aws_json_len;
	const char *headers;
	size_t headers_len;
	/* Validated. */
	char domain[EA_NAME_MAX + 1];
	bool domain_from_input;          /* taken from a URL, an address or a mailto: (said so) */
	ea_ses_request ses;
	bool tokens_from_json;           /* the page then redirects to a short URL */
	ea_audit_request audit;          /* check and dkim: domain, selectors, MAIL FROM */
	char mailfrom[EA_NAME_MAX + 1];  /* check: a domain; spf, verify: the address (or a bare
	                                  * domain) as given, its domain checked */
	char ip[64];                     /* "" when not given */
	char helo[EA_NAME_MAX + 1];      /* spf, verify: the HELO name, "" when not given */
	/* The first problem found: which field, a stable code, and plain words. */
	const char *error_field;
	const char *error_code;
	char error[512];
} srv_params;

/* Looks up one field of the request: its value and length, or NULL. */
typedef const char *(*srv_get_fn)(void *ctx, const char *key, size_t *len);

/* Reads and validates the fields `kind` takes. Returns EA_OK, or EA_EINVAL with
 * error_field, error_code and error set. p is zeroed first. */
int srv_params_read(srv_params *p, srv_kind kind, srv_get_fn get, void *ctx);
/* True when the request names nothing to check (the page shows the empty form). */
bool srv_params_blank(srv_kind kind, srv_get_fn get, void *ctx);
/* The field names each kind takes (NULL-terminated), for rejecting unknown ones. */
const char *const *srv_params_fields(srv_kind kind);
/* The page's query string for p (without '?'), written to q. */
void srv_params_query(const srv_params *p, ea_buf *q);

const char *srv_kind_name(srv_kind kind);   /* "ses", "check", ... */
bool srv_kind_from_name(const char *name, srv_kind *kind);

#endif
