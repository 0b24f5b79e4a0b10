/* A received message split into header fields and body (RFC 5322 2.2, 2.3).
 * Pure: no I/O. Every limit is named; a message past one still parses into a
 * clear result (error set, or the excess counted), never a crash or a hang. */
#ifndef EA_DKIM_MESSAGE_H
#define EA_DKIM_MESSAGE_H

#include "util/util.h"

#define EA_MSG_MAX_BYTES (64u * 1024 * 1024)     /* whole message: past any provider's size limit */
#define EA_MSG_MAX_HEADER_BYTES (1024u * 1024)   /* header section: real ones stay under 100 kB */
#define EA_MSG_MAX_FIELDS 4096                   /* header fields kept (1,000 signatures fit) */

typedef struct {
	ea_str name;    /* field name as written (WSP before the colon removed) */
	ea_str raw;     /* the whole field as written: name, colon, value, folding, final CRLF */
	ea_str value;   /* after the colon, up to the final CRLF (folding kept) */
} ea_msg_field;

typedef struct {
	char *data;             /* the message with every bare LF made CRLF (owned) */
	size_t len;
	ea_msg_field *fields;   /* in message order, top first (owned) */
	size_t field_count;
	ea_str body;            /* after the empty line; empty when there is none */
	bool has_separator;     /* an empty line ends the header section */
	size_t bare_lf;         /* LFs without a CR before them (converted, as RFC 5322 forbids them) */
	size_t nul_bytes;       /* NUL bytes anywhere (RFC 5322 forbids them) */
	size_t bad_lines;       /* header lines that are not fields (no colon), skipped */
	size_t fields_dropped;  /* fields past EA_MSG_MAX_FIELDS */
	const char *error;      /* set when the message cannot be used at all: why */
} ea_message;

/* Parses in (len bytes, any content). Returns EA_OK, EA_ENOMEM, or EA_ERANGE/EA_EPARSE
 * with out->error saying why; the message must be freed with ea_message_free() in
 * every case. */
int ea_message_parse(const char *in, size_t len, ea_message *out);
void ea_message_free(ea_message *m);

/* Field name equality, ASCII case-insensitive (RFC 5322 1.2.2). */
bool ea_msg_field_is(const ea_msg_field *f, const char *name);
/* How many fields have that name. */
size_t ea_message_count(const ea_message *m, const char *name);
/* The first field with that name, or NULL. */
const ea_msg_field *ea_message_first(const ea_message *m, const char *name);

/* The RFC5322.From domain for DMARC (RFC 9989 4.1): exactly one From field with
 * exactly one address. Writes the lowercase domain to out and returns NULL, or
 * returns why there is none (no From, several From fields, several addresses,
 * no domain). */
const char *ea_message_from_domain(const ea_message *m, char *out, size_t size);
/* The address of the first Return-Path (between < and >; "" for the null sender).
 * False when there is no Return-Path or it does not fit. */
bool ea_message_return_path(const ea_message *m, char *out, size_t size);

#endif
