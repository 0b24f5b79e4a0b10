/* The verify check's DMARC (RFC 9989, through the DMARC evaluation and its tree
 * walk): From domain, policy, alignment of passing DKIM d= and of SPF. */
#include <stdio.h>
#include <string.h>

#include "verify/internal.h"
#include "util/util.h"

static const char SEC_DMARC[] = "dmarc";

int ea_verify_dmarc(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), SEC_DMARC);
	if (sec == NULL)
		return EA_ENOMEM;
	v->dmarc_done = false;
	v->dmarc_permerror = v->from_problem != NULL;
	if (v->from_problem != NULL) {
		ea_finding *f = ea_section_addf(sec, "verify.dmarc.from", EA_SEV_ERROR,
		                                "dmarc=permerror: %s, so DMARC cannot be evaluated", v->from_problem);
		if (f)
			f->primary = true;
		ea_section_set_summary(sec, "dmarc=permerror (From)");
		return EA_OK;
	}
	const char *dkim[EA_DMARC_MAX_IDENTIFIERS];
	size_t nd = 0;
	for (size_t i = 0; i < v->sig_count && nd < EA_DMARC_MAX_IDENTIFIERS; i++)
		if (v->sigs[i].out.result == EA_DKIM_PASS)
			dkim[nd++] = v->sigs[i].sig.d;
	const char *spf[1];
	size_t ns = 0;
	if (v->spf_done && v->spf_pass && v->spf_domain[0])
		spf[ns++] = v->spf_domain;
	ea_dmarc_message m = {
		.from_domain = v->from_domain,
		.dkim_domains = dkim, .dkim_count = nd,
		.spf_domains = spf, .spf_count = ns,
	};
	int rc = ea_dmarc_evaluate(job, &m, v->dmarc);
	if (rc == EA_EPENDING)
		return rc;
	if (rc != EA_OK) {
		v->dmarc_permerror = true;
		ea_section_addf(sec, "verify.dmarc.from", EA_SEV_ERROR,
		                "dmarc=permerror: the From domain %s cannot be evaluated", v->from_domain);
		return EA_OK;
	}
	v->dmarc_done = true;
	const ea_dmarc_result *r = v->dmarc;
	ea_severity sev = r->result == EA_DMARC_RESULT_PASS ? EA_SEV_OK
	                  : r->result == EA_DMARC_RESULT_NONE ? EA_SEV_WARNING : EA_SEV_ERROR;
	/* A fail without SPF rests on DKIM alone: say so (an aligned SPF pass would change it). */
	bool spf_unknown = r->result == EA_DMARC_RESULT_FAIL && !v->spf_done;
	ea_finding *f = ea_section_addf(sec, "verify.dmarc.result", sev, "dmarc=%s for %s: %s%s",
	                                ea_dmarc_result_name(r->result), v->from_domain, r->reason,
	                                spf_unknown ? "; SPF was not checked, and an aligned SPF pass would "
	                                              "make DMARC pass" : "");
	if (f) {
		f->primary = true;
		f->undetermined = r->result == EA_DMARC_RESULT_TEMPERROR;
		if (r->disc.outcome == EA_DMARC_FOUND) {
			ea_finding_set(&f->name, "_dmarc.%s", r->disc.policy_domain);
			ea_finding_set(&f->found, "%s", r->disc.record_text);
		}
	}
	if (r->disc.outcome == EA_DMARC_FOUND) {
		ea_section_addf(sec, "verify.dmarc.disposition",
		                r->result == EA_DMARC_RESULT_FAIL && r->applied_policy != EA_DMARC_P_NONE
		                    ? EA_SEV_ERROR : EA_SEV_INFO,
		                "policy %s=%s%s: %s", r->policy_tag ? r->policy_tag : "p",
		                ea_dmarc_policy_name(r->policy), r->disc.record.testing ? " (t=y: testing)" : "",
		                r->result == EA_DMARC_RESULT_FAIL
		                    ? (r->applied_policy == EA_DMARC_P_REJECT ? "receivers are asked to reject it"
		                       : r->applied_policy == EA_DMARC_P_QUARANTINE ? "receivers are asked to treat it as spam"
		                       : "receivers are asked to deliver it anyway (monitoring only)")
		                    : "the message passes, so the policy does not apply");
		ea_section_addf(sec, "verify.dmarc.alignment", EA_SEV_INFO,
		                "DKIM %s (adkim=%c%s%s), SPF %s (aspf=%c%s%s)",
		                r->dkim_aligned ? "aligned" : "not aligned", r->disc.record.adkim,
		                r->dkim_aligned ? ", d=" : "", r->dkim_aligned ? r->dkim_domain : "",
		                r->spf_aligned ? "aligned" : v->spf_done ? "not aligned" : "not checked",
		                r->disc.record.aspf, r->spf_aligned ? ", " : "", r->spf_aligned ? r->spf_domain : "");
	}
	ea_section_set_summary(sec, "dmarc=%s", ea_dmarc_result_name(r->result));
	return EA_OK;
}
