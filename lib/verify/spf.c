/* The verify check's SPF (RFC 7208) for --ip, with MAIL FROM from --mail-from or
 * Return-Path, through the SPF evaluator (include/emailauth/spf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/spf.h>
#include "verify/internal.h"

static const char SEC_SPF[] = "spf";

typedef struct {
	ea_spf_request req;
	ea_spf_outcome out;
} spf_state;

void ea_verify_spf_free(ea_verify_request *v)
{
	free(v->spf_state);
	v->spf_state = NULL;
}

static ea_severity spf_severity(ea_spf_result r)
{
	switch (r) {
	case EA_SPF_PASS: return EA_SEV_OK;
	case EA_SPF_NONE: case EA_SPF_NEUTRAL: case EA_SPF_SOFTFAIL: return EA_SEV_WARNING;
	case EA_SPF_FAIL: case EA_SPF_PERMERROR: case EA_SPF_TEMPERROR: break;
	}
	return EA_SEV_ERROR;
}

int ea_verify_spf(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), SEC_SPF);
	if (sec == NULL)
		return EA_ENOMEM;
	v->spf_done = false;
	if (!v->has_ip) {
		ea_section_addf(sec, "verify.spf.not_checked", EA_SEV_INFO,
		                "SPF was not checked: the connecting server's address is needed "
		                "(the first Received line written by the receiver shows it)");
		ea_section_set_summary(sec, "not checked (no connecting IP)");
		return EA_OK;
	}
	spf_state *st = v->spf_state;
	if (st == NULL && (st = v->spf_state = calloc(1, sizeof(*st))) == NULL)
		return EA_ENOMEM;
	st->req = (ea_spf_request){
		.ip = v->ip,
		.sender = v->mail_from,
		.helo = v->helo[0] ? v->helo : NULL,
		.now = v->now,
	};
	int rc = ea_spf_evaluate(job, &st->req, &st->out);
	if (rc == EA_EPENDING)
		return rc;
	if (rc != EA_OK) {
		ea_section_addf(sec, "verify.spf.bad_input", EA_SEV_ERROR,
		                "SPF cannot be evaluated for '%s': it is not an IP address", v->ip);
		return EA_OK;
	}
	const ea_spf_outcome *o = &st->out;
	v->spf_done = true;
	v->spf_pass = o->result == EA_SPF_PASS;
	v->spf_result = ea_spf_result_name(o->result);
	snprintf(v->spf_domain, sizeof(v->spf_domain), "%s", o->domain);
	snprintf(v->spf_sender, sizeof(v->spf_sender), "%s", o->sender);
	ea_finding *f = ea_section_addf(sec, "verify.spf.result", spf_severity(o->result),
	                                "spf=%s for %s from %s%s%s%s", ea_spf_result_name(o->result),
	                                o->sender, v->ip, o->term[0] ? " (decided by " : "", o->term,
	                                o->term[0] ? ")" : "");
	if (f) {
		f->primary = true;
		f->undetermined = o->result == EA_SPF_TEMPERROR;
		ea_finding_set(&f->name, "%s", o->domain);
		if (o->problem[0])
			ea_finding_set(&f->found, "%s", o->problem);
		else if (o->explanation[0])
			ea_finding_set(&f->found, "%s", o->explanation);
	}
	if (!v->mail_from_known)
		ea_section_addf(sec, "verify.spf.no_mail_from", EA_SEV_INFO,
		                "no MAIL FROM was given and the message has no Return-Path: "
		                "SPF was checked for the null sender (the HELO name)");
	ea_section_set_summary(sec, "spf=%s (%s)", ea_spf_result_name(o->result), o->domain);
	return EA_OK;
}
