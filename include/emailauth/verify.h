/*
 * Verifying a received message: every DKIM-Signature (RFC 6376, RFC 8301,
 * RFC 8463), SPF for the connecting IP (RFC 7208), DMARC (RFC 9989), and an
 * Authentication-Results header (RFC 8601) to compare with the receiver's.
 *
 * The web server and the CLI use it the same way:
 *
 *     ea_verify_options o = {.message = text, .message_len = len, .ip = "192.0.2.1"};
 *     ea_verify_request *v = ea_verify_request_new(&o, &err);   (copies the message)
 *     ea_job_add_check(job, ea_check_verify, v);  ea_job_run(job);
 *     ... the report holds sections dkim, spf, dmarc, authentication-results;
 *     ea_verify_auth_results(v) is our header ...
 *     ea_verify_request_free(v);                 (after the job is freed)
 *
 * Pasted headers without a body work: signatures over the header are verified
 * and the body hash is reported as not checked.
 */
#ifndef EMAILAUTH_VERIFY_H
#define EMAILAUTH_VERIFY_H

#include <emailauth/emailauth.h>

#define EA_VERIFY_MAX_SIGNATURES 32   /* verified per message; more are counted, not checked */
#define EA_VERIFY_MAX_AR 16           /* the message's own Authentication-Results shown */

typedef struct {
	const char *message;      /* the raw message (or its header section), any bytes */
	size_t message_len;
	const char *ip;           /* connecting IP for SPF, or NULL: read from the receiver's
	                           * Received field (lib/verify/received.h), else SPF is not checked */
	const char *helo;         /* HELO/EHLO name, or NULL: the one in that Received field */
	const char *mail_from;    /* MAIL FROM; NULL: taken from Return-Path */
	int64_t now;              /* Unix seconds for x= and t=; 0: the clock */
	bool headers_only;        /* the body is not given (pasted headers) */
} ea_verify_options;

typedef struct ea_verify_request ea_verify_request;

/* Parses the message (copied). Returns NULL only when out of memory (*err set); a
 * message that does not parse still gives a request whose check reports why. */
EA_PUBLIC ea_verify_request *ea_verify_request_new(const ea_verify_options *o, int *err) EA_MUSTCHECK;
EA_PUBLIC void ea_verify_request_free(ea_verify_request *v);
/* The From domain (lowercase) for the report title, or "" when there is none. */
EA_PUBLIC const char *ea_verify_from_domain(const ea_verify_request *v);

/* The check for ea_job_add_check(): arg is an ea_verify_request *. */
EA_PUBLIC int ea_check_verify(ea_job *job, void *arg);

/* After the job ran: our "Authentication-Results: ..." header, one line, no CRLF
 * (owned by v), or NULL. */
EA_PUBLIC const char *ea_verify_auth_results(const ea_verify_request *v);

#endif
