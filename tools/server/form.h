/* application/x-www-form-urlencoded: reading a POST body, writing a query string. */
#ifndef SRV_FORM_H
#define SRV_FORM_H

#include <stddef.h>

#include "util/buf.h"

#define SRV_FORM_MAX_FIELDS 32   /* the page's forms have fewer than 12 */

typedef struct {
	char *key;
	char *value;                 /* decoded; NUL-terminated, may hold NULs (see len) */
	size_t len;
} srv_form_field;

typedef struct {
	srv_form_field fields[SRV_FORM_MAX_FIELDS];
	size_t count;
} srv_form;

/* Parses body (not NUL-terminated). Returns EA_OK, EA_ERANGE when it has more than
 * SRV_FORM_MAX_FIELDS fields, or EA_ENOMEM. out is always safe to srv_form_free(). */
int srv_form_parse(const char *body, size_t len, srv_form *out);
/* The first value of key, or NULL. */
const srv_form_field *srv_form_get(const srv_form *f, const char *key);
void srv_form_free(srv_form *f);

/* Appends "key=value" (percent-encoded) to a query string, with '&' when needed. */
void srv_query_add(ea_buf *q, const char *key, const char *value);

#endif
