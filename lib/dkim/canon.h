/* DKIM canonicalization, simple and relaxed, of header fields and body
 * (RFC 6376 3.4). Pure: no I/O. */
#ifndef EA_DKIM_CANON_H
#define EA_DKIM_CANON_H

#include "util/buf.h"
#include "util/util.h"

typedef enum { EA_CANON_SIMPLE = 0, EA_CANON_RELAXED = 1 } ea_canon;

/* Appends one header field (raw: name, colon, value, folding and the final CRLF as
 * written) in canonical form, ending in CRLF. False when out grows past its maximum. */
bool ea_canon_header(ea_canon c, ea_str raw, ea_buf *out);
/* Appends the canonical body (RFC 6376 3.4.3, 3.4.4: trailing empty lines removed;
 * simple: an empty body becomes one CRLF). False when out grows past its maximum. */
bool ea_canon_body(ea_canon c, ea_str body, ea_buf *out);

#endif
