#include <stdio.h>

#include "run.h"

bool srv_kind_available(srv_kind kind)
{
	switch (kind) {
	case SRV_KIND_SES:
		return true;
	case SRV_KIND_CHECK:   /* wired when include/emailauth/dmarc.h lands */
	case SRV_KIND_SPF:     /* ... spf.h */
	case SRV_KIND_DKIM:
	case SRV_KIND_VERIFY:  /* ... verify.h */
	case SRV_KIND_COUNT:
		break;
	}
	return false;
}

static int add_checks(ea_job *job, srv_params *p)
{
	switch (p->kind) {
	case SRV_KIND_SES:
		return ea_job_add_check(job, ea_check_ses_dkim, &p->ses);
	case SRV_KIND_CHECK:
	case SRV_KIND_SPF:
	case SRV_KIND_DKIM:
	case SRV_KIND_VERIFY:
	case SRV_KIND_COUNT:
		break;
	}
	return EA_EINVAL;
}

int srv_run(const srv_run_config *c, srv_params *p, ea_report **out)
{
	*out = NULL;
	int err = 0;
	char msg[256];
	ea_resolver *r = ea_resolver_new(&c->rcfg, &err, msg, sizeof(msg));
	if (r == NULL)
		return err ? err : EA_EDNS;
	ea_report *rep = ea_report_new(p->domain, p->domain_in[0] ? p->domain_in : p->domain);
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + c->deadline_ms) : NULL;
	int rc = job ? add_checks(job, p) : EA_ENOMEM;
	if (rc == EA_OK) {
		double t0 = ea_now_ms();
		ea_job_run(job);
		rep->elapsed_ms = ea_now_ms() - t0;
		*out = rep;
		rep = NULL;
	}
	ea_job_free(job);
	ea_report_free(rep);
	ea_resolver_free(r);
	return rc;
}
