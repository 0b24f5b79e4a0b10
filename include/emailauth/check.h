/*
 * The full check (`emailauth check`, the server's /api/v1/check) as one list of
 * sections. Not in the umbrella header: it needs ses.h, spf.h and check_sections.h complete,
 * which the umbrella cannot promise while one of them is being read.
 */
#ifndef EMAILAUTH_CHECK_H
#define EMAILAUTH_CHECK_H

#include <emailauth/emailauth.h>
#include <emailauth/ses.h>
#include <emailauth/spf.h>
#include <emailauth/check_sections.h>

/* ONE list of the full check's sections, so the CLI and the API cannot drift
 * apart. The caller fills audit (and may set ses's other fields, e.g. from the
 * AWS JSON); the rest is derived from audit when the sections are listed. Must
 * outlive the job. */
typedef struct {
	ea_audit_request audit;
	ea_ses_request ses;          /* domain, tokens and region copied from audit */
	ea_spf_audit_request spf;    /* domain copied from audit */
} ea_full_check;
#define EA_FULL_CHECK_MAX_SECTIONS 12
/* Fills fns and args (room for EA_FULL_CHECK_MAX_SECTIONS each) with the checks in
 * report order: SES Easy DKIM (with tokens), DMARC, SPF, senders (dkim-keys,
 * senders, alignment), mail-from, mx, mta-sts/tls-rpt/bimi, dnssec (last).
 * Returns how many. */
EA_PUBLIC size_t ea_full_check_sections(ea_full_check *req, ea_check_fn fns[], void *args[]);
/* The same sections added to job. EA_OK or the first error of ea_job_add_check(). */
EA_PUBLIC int ea_job_add_full_check(ea_job *job, ea_full_check *req);

#endif
