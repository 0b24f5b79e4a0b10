/*
 * Received header fields (RFC 5321 4.4) as common MTAs write them, and which one
 * records the connection that delivered a message to its receiver.
 *
 * The from clause is read in the shapes MTAs use:
 *   Postfix   from HELO (RDNS [IP])            from HELO (unknown [IPv6:2001:db8::1]:port)
 *   Sendmail  from HELO (RDNS [IP] (may be forged))   from HELO (user@RDNS [IP])
 *   Exim      from RDNS ([IP] helo=HELO)       from [IP] (port=N helo=HELO)
 *   Microsoft from HELO (IP) by X.outlook.com (IP) with Microsoft SMTP Server
 *   Gmail     from HELO (RDNS. [IP]) by mx.google.com with ESMTPS
 *   SES       from HELO (RDNS [IP]) by inbound-smtp.us-east-1.amazonaws.com with SMTP
 *   Yahoo     from IP (EHLO HELO) by IP with SMTPs
 * Pure: no I/O. Every byte is hostile; fields and counts are bounded.
 */
#ifndef EA_VERIFY_RECEIVED_H
#define EA_VERIFY_RECEIVED_H

#include <emailauth/emailauth.h>
#include "dkim/message.h"
#include "util/util.h"

#define EA_RECEIVED_MAX_BYTES 4096     /* a longer Received field is not read: real ones are < 1 kB */
#define EA_RECEIVED_MAX_FIELDS 100     /* Received fields looked at (RFC 5321 6.3: a loop past 100 hops) */
#define EA_RECEIVED_MAX_DEPTH 8        /* nested comments followed */
#define EA_RECEIVED_IP_MAX 46          /* INET6_ADDRSTRLEN */

typedef struct {
	bool has_from;                  /* a from clause was read */
	char ip[EA_RECEIVED_IP_MAX];    /* the connecting address, normalised; "" when none */
	bool ip_public;                 /* not loopback, private, link-local or unspecified */
	char helo[EA_NAME_MAX + 1];     /* the name the client greeted with, when a host name */
	char rdns[EA_NAME_MAX + 1];     /* the name the receiver found for the address, or "" */
	char by[EA_NAME_MAX + 1];       /* the host that added the field, or "" */
	const char *problem;            /* why it was not read, or NULL */
} ea_received;

/* Reads one Received field's value (after the colon, folding kept). Returns true when a
 * from clause with an address was found; *out is filled as far as it was read. */
bool ea_received_parse(const char *p, size_t len, ea_received *out);

/* An address is "public" for this purpose when it can be the receiver's view of a
 * sender on the internet: not 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.168/16, ::, ::1, fc00::/7, fe80::/10. ip is normalised text. */
bool ea_received_ip_public(const char *ip);

/* How the receiver's Received field was told apart (docs/codes-verify.md). */
typedef enum {
	EA_CONN_NONE = 0,        /* not found: reason says why */
	EA_CONN_BY,              /* its "by" host is the receiver named by the Authentication-Results */
	EA_CONN_AR_IP,           /* it records the address the receiver's Authentication-Results names */
	EA_CONN_AR_ONLY,         /* no Received records it: the address is the Authentication-Results' own */
	EA_CONN_NEXT,            /* the only Received next to the receiver's Authentication-Results */
} ea_conn_method;

typedef struct {
	ea_conn_method method;
	char ip[EA_RECEIVED_IP_MAX];
	char helo[EA_NAME_MAX + 1];
	char receiver[EA_NAME_MAX + 1];   /* the A-R's authserv-id, or "" */
	size_t field;            /* 1-based index of the field used among all header fields */
	size_t received_index;   /* 1-based index among the Received fields (0: none) */
	size_t received_count;   /* Received fields in the message */
	size_t line;             /* 1-based line of the field in the header */
	ea_str text;             /* the field used, as written */
	const char *reason;      /* when not found: why, in words */
} ea_connection;

/* Finds the connecting address and HELO the receiver saw: from the receiver's own
 * Received field, the one its (top-most) Authentication-Results stands next to. Never
 * takes one from a field the sender's side added; when it cannot tell, says why.
 * Returns true when found. */
bool ea_connection_find(const ea_message *m, ea_connection *out);

/* A header field as one line for display: folding and runs of white space made one
 * space, the final CRLF dropped (no stray CR for a renderer to show), cut to size. */
void ea_field_one_line(ea_str raw, char *out, size_t size);

#endif
