/* The verify check's SPF: the SPF evaluator (lib/spf) is not in the build yet.
 * verify_spf.c replaces this file once it is. */
#include "check/verify_internal.h"

void ea_verify_spf_free(ea_verify_request *v)
{
	(void)v;
}

int ea_verify_spf(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), "spf");
	v->spf_done = false;
	if (sec != NULL)
		ea_section_addf(sec, "verify.spf.not_checked", EA_SEV_INFO,
		                "SPF was not checked: this build has no SPF evaluator yet");
	return EA_OK;
}
