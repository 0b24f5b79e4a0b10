/* The verify check's private state, shared by its files: verify.c (the request and
 * the DKIM part), spf.c (SPF), policy.c (DMARC), ar.c
 * (Authentication-Results). */
#ifndef EA_VERIFY_INTERNAL_H
#define EA_VERIFY_INTERNAL_H

#include <emailauth/emailauth.h>
#include <emailauth/dmarc.h>
#include <emailauth/verify.h>
#include "dkim/message.h"
#include "dkim/sig.h"
#include "dkim/verify.h"
#include "verify/received.h"

#define VERIFY_AR_MAX 4096    /* our Authentication-Results header */
#define VERIFY_FIELD_SHOWN_MAX 1000   /* a header field shown in a finding (RFC 5322 2.1.1: 998) */
#define VERIFY_MAIL_FROM_MAX 512   /* RFC 5321 4.5.3.1.3: a path is at most 256 octets */

typedef struct {
	const ea_msg_field *field;
	ea_dkim_sig sig;
	ea_dkim_outcome out;
	bool done;                 /* out is final (kept across the job's re-runs) */
	char key_name[2 * EA_NAME_MAX + 16];
} verify_sig;

struct ea_verify_request {
	ea_message msg;
	int parse_rc;
	verify_sig *sigs;
	size_t sig_count;          /* verified: at most EA_VERIFY_MAX_SIGNATURES */
	size_t sigs_skipped;       /* past the limit */
	char from_domain[EA_NAME_MAX + 1];
	const char *from_problem;
	bool has_ip;
	char ip[64];
	char helo[EA_NAME_MAX + 1];
	bool ip_given;             /* the address came from the options, not the message */
	ea_connection conn;        /* what the receiver's Received field says (conn.text points into msg) */
	bool conn_found;
	char mail_from[VERIFY_MAIL_FROM_MAX + 1];
	bool mail_from_known;      /* from --mail-from or Return-Path */
	const char *mail_from_source;
	int64_t now;
	bool headers_only;
	/* SPF and DMARC outcomes of the last run. */
	void *spf_state;           /* spf.c's, freed by ea_verify_spf_free() */
	bool spf_done;
	bool spf_pass;
	const char *spf_result;    /* RFC 8601 name, when spf_done */
	char spf_domain[EA_NAME_MAX + 1];     /* the domain SPF checked */
	char spf_sender[1200];      /* as SPF evaluated it */
	ea_dmarc_result *dmarc;
	bool dmarc_done;
	bool dmarc_permerror;      /* no usable From domain */
	char *auth_results;
};

/* policy.c: SPF then DMARC; EA_EPENDING while lookups are in flight. */
int ea_verify_spf(ea_job *job, ea_verify_request *v);
void ea_verify_spf_free(ea_verify_request *v);
int ea_verify_dmarc(ea_job *job, ea_verify_request *v);
/* ar.c: builds v->auth_results and the side-by-side section. */
void ea_verify_auth_results_section(ea_job *job, ea_verify_request *v);

#endif
