/*
 * The one list of the full check's sections, for `emailauth check` and the
 * server's /api/v1/check (check_sections.h).
 */
#include <stdio.h>
#include <string.h>

#include <emailauth/check.h>
#include "util/util.h"

size_t ea_full_check_sections(ea_full_check *req, ea_check_fn fns[], void *args[])
{
	static const ea_check_fn audit[] = {ea_check_senders, ea_check_mail_from, ea_check_mx,
	                                    ea_check_policy_records, ea_check_dnssec, ea_check_settle};
	const ea_audit_request *a = &req->audit;
	ea_copy(req->ses.domain, sizeof(req->ses.domain), a->domain);
	ea_copy(req->spf.domain, sizeof(req->spf.domain), a->domain);
	req->ses.token_count = 0;
	for (size_t i = 0; i < a->token_count && i < EA_SES_MAX_TOKENS; i++) {
		/* What the token was given as is kept while the token stays the same. */
		if (strcmp(req->ses.tokens[i], a->tokens[i]) != 0)
			req->ses.token_given[i][0] = '\0';
		snprintf(req->ses.tokens[req->ses.token_count++], sizeof(req->ses.tokens[0]), "%s",
		         a->tokens[i]);
	}
	ea_copy(req->ses.region, sizeof(req->ses.region), a->region);
	size_t n = 0;
	if (req->ses.token_count > 0) {
		fns[n] = ea_check_ses_dkim;
		args[n++] = &req->ses;
	}
	fns[n] = ea_check_dmarc;
	args[n++] = req->audit.domain;
	fns[n] = ea_check_spf_audit;
	args[n++] = &req->spf;
	for (size_t i = 0; i < sizeof(audit) / sizeof(audit[0]); i++) {   /* dnssec, then settle, last */
		fns[n] = audit[i];
		args[n++] = &req->audit;
	}
	return n;
}

int ea_job_add_full_check(ea_job *job, ea_full_check *req)
{
	ea_check_fn fns[EA_FULL_CHECK_MAX_SECTIONS];
	void *args[EA_FULL_CHECK_MAX_SECTIONS];
	size_t n = ea_full_check_sections(req, fns, args);
	int rc = EA_OK;
	for (size_t i = 0; rc == EA_OK && i < n; i++)
		rc = ea_job_add_check(job, fns[i], args[i]);
	return rc;
}
