/*
 * Findings of one section that the evidence of another makes untrue, settled
 * once every section has spoken (the job runs its checks in order each round, and
 * this one is added last). A domain that does not exist (NXDOMAIN for its TXT and
 * its MX) is one finding, not a cascade of "publish DMARC, SPF, MX, DKIM". And the
 * apex publishes no SPF record while every
 * sender in use bounces to its own domain or to a return-path subdomain, so no
 * mail of the domain is judged by an apex SPF record; "cannot tell its mail from
 * forgeries" is then untrue, and the advice (v=spf1 -all) is only a good habit.
 */
#include <stdlib.h>
#include <string.h>

#include <emailauth/check_sections.h>

#include "profiles/profiles.h"

static ea_section *find_section(ea_report *rep, const char *check)
{
	for (size_t i = 0; i < rep->section_count; i++)
		if (strcmp(rep->sections[i].check, check) == 0)
			return &rep->sections[i];
	return NULL;
}

static const ea_profile *profile_named(const ea_profiles *pr, const char *name)
{
	for (size_t i = 0; name && i < pr->count; i++)
		if (strcmp(pr->s[i].name, name) == 0)
			return &pr->s[i];
	return NULL;
}

static bool nxdomain(const ea_dns_answer *a)
{
	return a->outcome == EA_DNS_ABSENT && a->reason == EA_DNS_R_NXDOMAIN &&
	       ea_dns_answer_cname(a) == NULL;
}

/* True when the domain does not exist: every finding is replaced by one. */
static bool settle_nonexistent(ea_job *job, ea_report *rep, const char *domain, bool *pending)
{
	const ea_dns_answer *txt = ea_lookup(job, domain, EA_RR_TXT, "does the domain exist?");
	const ea_dns_answer *mx = ea_lookup(job, domain, EA_RR_MX, "does the domain exist?");
	if (txt == NULL || mx == NULL) {
		*pending = true;
		return false;
	}
	if (!nxdomain(txt) || !nxdomain(mx))
		return false;
	/* The DMARC policy that covers the name (np= for non-existent subdomains) is
	 * still what receivers apply to mail claiming it: kept when one was found. */
	ea_section kept = {0};
	ea_section *d = find_section(rep, "dmarc");
	bool keep = d != NULL;
	for (size_t i = 0; d && i < d->finding_count; i++)
		keep &= strcmp(d->findings[i].code, "dmarc.missing") != 0;
	if (keep) {
		kept = *d;   /* moved out, so that clearing the report leaves it alone */
		d->findings = NULL;
		d->finding_count = d->finding_cap = 0;
		d->summary = NULL;
	}
	ea_report_clear_findings(rep);
	ea_section *sec = ea_report_section(rep, "domain");
	ea_finding *f = sec ? ea_section_addf(sec, "domain.nxdomain", EA_SEV_ERROR,
	    "%s does not exist (NXDOMAIN): nothing else was checked. Check the spelling; if the domain "
	    "is new, its registration or delegation is not in DNS yet%s", domain,
	    keep ? ". The DMARC policy below is what receivers apply to mail that claims it" : "") : NULL;
	/* Never NULL: the report holds one section now, of EA_REPORT_MAX_SECTIONS. */
	ea_section *back = keep ? ea_report_section(rep, "dmarc") : NULL;
	if (back) {
		free(back->findings);
		free(back->summary);
		back->findings = kept.findings;
		back->finding_count = kept.finding_count;
		back->finding_cap = kept.finding_cap;
		back->summary = kept.summary;
	}
	if (f) {
		f->primary = true;
		ea_finding_set(&f->name, "%s", domain);
		ea_finding_set(&f->found, "NXDOMAIN for %s TXT and MX", domain);
	}
	if (sec)
		ea_section_set_summary(sec, "the domain does not exist");
	return true;
}

int ea_check_settle(ea_job *job, void *arg)
{
	const ea_audit_request *req = arg;
	const ea_profiles *pr = req && req->profiles ? req->profiles : ea_profiles_builtin();
	ea_report *rep = ea_job_report(job);
	bool pending = false;
	if (rep && req && settle_nonexistent(job, rep, req->domain, &pending))
		return EA_OK;
	if (pending)
		return EA_EPENDING;
	ea_section *snd = rep ? find_section(rep, "senders") : NULL;
	ea_section *spf = rep ? find_section(rep, "spf") : NULL;
	if (pr == NULL || snd == NULL || spf == NULL)
		return EA_OK;
	size_t used = 0, apex_envelope = 0;
	for (size_t i = 0; i < snd->finding_count; i++) {
		const ea_finding *f = &snd->findings[i];
		if (strcmp(f->code, "sender.found") != 0)
			continue;
		const ea_profile *p = profile_named(pr, f->subject);
		used++;
		apex_envelope += p == NULL || p->envelope == EA_ENVELOPE_DOMAIN;
	}
	if (used == 0 || apex_envelope > 0)
		return EA_OK;
	for (size_t i = 0; i < spf->finding_count; i++) {
		ea_finding *f = &spf->findings[i];
		if (strcmp(f->code, "spf.record.missing") != 0 || f->severity != EA_SEV_WARNING)
			continue;
		f->severity = EA_SEV_INFO;
		ea_finding_set(&f->message, "%s publishes no SPF record; every sender in use here bounces "
		               "to its own domain or to a return-path subdomain with its own SPF, so none of "
		               "its mail is judged by this one. Publishing v=spf1 -all still tells receivers "
		               "that nothing sends with the bare domain as return path", req->domain);
	}
	return EA_OK;
}
