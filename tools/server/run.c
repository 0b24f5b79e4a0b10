#include <stdio.h>
#include <string.h>

#include <emailauth/check.h>
#include <emailauth/verify.h>
#include "metrics.h"
#include "run.h"

bool srv_kind_available(srv_kind kind)
{
	switch (kind) {
	case SRV_KIND_SES:
	case SRV_KIND_SPF:
	case SRV_KIND_VERIFY:
	case SRV_KIND_CHECK:
	case SRV_KIND_DKIM:
		return true;
	case SRV_KIND_COUNT:
		break;
	}
	return false;
}

/* What the checks read while the job runs. */
typedef struct {
	ea_spf_request spf;
	ea_spf_audit_request spf_audit;     /* spf without an IP: the policy audit */
	ea_full_check check;                /* check: the library's list of its sections */
	char sender[EA_NAME_MAX + 16];
	ea_verify_request *verify;
} run_args;

/* Pasted headers usually stop at (or before) the blank line: then there is no body
 * to check the body hash against. */
static bool has_body(const char *msg, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		size_t sep = msg[i] == '\n' && msg[i + 1] == '\n' ? 2
		           : i + 3 < len && memcmp(msg + i, "\r\n\r\n", 4) == 0 ? 4 : 0;
		if (sep == 0)
			continue;
		for (size_t k = i + sep; k < len; k++)
			if (msg[k] != ' ' && msg[k] != '\t' && msg[k] != '\r' && msg[k] != '\n')
				return true;
		return false;
	}
	return false;
}

static int add_checks(ea_job *job, srv_params *p, run_args *a)
{
	switch (p->kind) {
	case SRV_KIND_SES:
		return ea_job_add_check(job, ea_check_ses_dkim, &p->ses);
	case SRV_KIND_SPF:
		/* No IP: what `emailauth spf DOMAIN` does, the audit of the policy. */
		if (p->ip[0] == '\0') {
			const char *at = strrchr(p->mailfrom, '@');
			snprintf(a->spf_audit.domain, sizeof(a->spf_audit.domain), "%s",
			         at ? at + 1 : p->mailfrom[0] ? p->mailfrom : p->domain);
			return ea_job_add_check(job, ea_check_spf_audit, &a->spf_audit);
		}
		return ea_job_add_check(job, ea_check_spf_evaluate, &a->spf);
	case SRV_KIND_VERIFY:
		return ea_job_add_check(job, ea_check_verify, a->verify);
	case SRV_KIND_DKIM:
		/* The DKIM keys of the given and the well-known selectors. */
		return ea_job_add_check(job, ea_check_senders, &p->audit);
	case SRV_KIND_CHECK:
		/* The sections of `emailauth check`, from the same list (ea_full_check). */
		a->check.audit = p->audit;
		a->check.ses = p->ses;
		return ea_job_add_full_check(job, &a->check);
	case SRV_KIND_COUNT:
		break;
	}
	return EA_EINVAL;
}

int srv_run(const srv_run_config *c, srv_params *p, ea_report **out)
{
	*out = NULL;
	run_args a = {0};
	const char *domain = p->domain, *display = p->domain_in[0] ? p->domain_in : p->domain;
	if (p->kind == SRV_KIND_SPF) {
		/* The MAIL FROM domain is the one SPF speaks for (RFC 7208 2.4); a bare domain is
		 * postmaster@ it (RFC 7208 4.3), and the domain alone is postmaster@domain. */
		const char *at = strrchr(p->mailfrom, '@');
		if (at != NULL)
			snprintf(a.sender, sizeof(a.sender), "%s", p->mailfrom);
		else
			snprintf(a.sender, sizeof(a.sender), "postmaster@%s", p->mailfrom[0] ? p->mailfrom : p->domain);
		a.spf.ip = p->ip;
		a.spf.sender = a.sender;
		a.spf.helo = p->helo[0] ? p->helo : NULL;
		if (p->mailfrom[0])   /* the report is the sender domain's, as `emailauth spf --sender` */
			domain = display = at ? at + 1 : p->mailfrom;
	} else if (p->kind == SRV_KIND_VERIFY) {
		int err = 0;
		ea_verify_options o = {.message = p->headers, .message_len = p->headers_len,
		                       .headers_only = !has_body(p->headers, p->headers_len),
		                       .ip = p->ip[0] ? p->ip : NULL, .helo = p->helo[0] ? p->helo : NULL,
		                       .mail_from = p->mailfrom[0] ? p->mailfrom : NULL};
		a.verify = ea_verify_request_new(&o, &err);
		if (a.verify == NULL)
			return err ? err : EA_ENOMEM;
		domain = display = ea_verify_from_domain(a.verify);
	}
	int err = 0;
	char msg[256];
	ea_resolver *r = ea_resolver_new(&c->rcfg, &err, msg, sizeof(msg));
	if (r == NULL) {
		ea_verify_request_free(a.verify);
		return err ? err : EA_EDNS;
	}
	ea_report *rep = ea_report_new(domain, display);
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + c->deadline_ms) : NULL;
	int rc = job ? add_checks(job, p, &a) : EA_ENOMEM;
	/* Where the zone is hosted, so that fixes are said in that host's terms. */
	if (rc == EA_OK && p->kind != SRV_KIND_VERIFY)
		rc = ea_job_add_check(job, ea_check_dns_hosting, NULL);
	if (rc == EA_OK) {
		double t0 = ea_now_ms();
		ea_job_run(job);
		rep->elapsed_ms = ea_now_ms() - t0;
		ea_resolver_stats rs;
		ea_resolver_get_stats(r, &rs);
		srv_metrics_dns(rs.sent, rs.cache_hits);
		srv_metrics_check(p->kind, ea_report_status(rep), rep->elapsed_ms / 1000.0);
		*out = rep;
		rep = NULL;
	}
	ea_job_free(job);
	ea_verify_request_free(a.verify);
	ea_report_free(rep);
	ea_resolver_free(r);
	return rc;
}
