/*
 * Findings of one section that the evidence of another makes untrue, settled
 * once every section has spoken (the job runs its checks in order each round, and
 * this one is added last). A domain that does not exist (NXDOMAIN for its TXT and
 * its MX; or a registrable domain that is not delegated and holds nothing) is one
 * finding, not a cascade of "publish DMARC, SPF, MX, DKIM". And the
 * apex publishes no SPF record while every
 * sender in use bounces to its own domain or to a return-path subdomain, so no
 * mail of the domain is judged by an apex SPF record; "cannot tell its mail from
 * forgeries" is then untrue, and the advice (v=spf1 -all) is only a good habit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/check_sections.h>
#include <emailauth/dmarc.h>

#include "profiles/profiles.h"
#include "util/util.h"

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

static bool nodata(const ea_dns_answer *a)
{
	return a->outcome == EA_DNS_ABSENT && a->reason == EA_DNS_R_NODATA &&
	       ea_dns_answer_cname(a) == NULL;
}

/* Every finding replaced by one (code, message): the DMARC policy that covers the
 * name (np= for non-existent subdomains) is still what receivers apply to mail
 * claiming it, and is kept when one was found. */
static void replace_all(ea_report *rep, const char *domain, const char *code, const char *message,
                        const char *found)
{
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
	ea_finding *f = sec ? ea_section_addf(sec, code, EA_SEV_ERROR, "%s%s", message,
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
		ea_finding_set(&f->found, "%s", found);
	}
	if (sec)
		ea_section_set_summary(sec, "the domain does not exist");
}

/* A registrable domain (by the Public Suffix List) that is not delegated: its own
 * SOA query answers from a zone above it (the public suffix's), and it holds no
 * record of any type asked. A name inside its parent's zone that holds anything
 * exists; a subdomain is never judged this way; an unknown answer judges nothing. */
static bool not_delegated(ea_job *job, const char *domain, bool *pending, char *zone, size_t size)
{
	char registrable[EA_NAME_MAX + 1];
	if (!ea_dmarc_org_domain_psl(domain, registrable, sizeof(registrable)) ||
	    !ea_name_equal(registrable, domain))
		return false;
	const ea_dns_answer *soa = ea_lookup(job, domain, EA_RR_SOA, "is the domain delegated (its own SOA)?");
	const ea_dns_answer *v4 = ea_lookup(job, domain, EA_RR_A, "does the domain hold any record?");
	const ea_dns_answer *v6 = ea_lookup(job, domain, EA_RR_AAAA, "does the domain hold any record?");
	if (soa == NULL || v4 == NULL || v6 == NULL) {
		*pending = true;
		return false;
	}
	if (!nodata(soa) || !soa->has_soa || soa->soa_owner == NULL || !nodata(v4) || !nodata(v6) ||
	    ea_name_equal(soa->soa_owner, domain) || !ea_name_is_subdomain(domain, soa->soa_owner))
		return false;
	ea_copy(zone, size, soa->soa_owner[0] ? soa->soa_owner : ".");
	return true;
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
	char msg[2 * EA_NAME_MAX + 400], found[2 * EA_NAME_MAX + 200];
	if (nxdomain(txt) && nxdomain(mx)) {
		snprintf(msg, sizeof(msg), "%s does not exist (NXDOMAIN): nothing else was checked. Check "
		         "the spelling; if the domain is new, its registration or delegation is not in DNS "
		         "yet", domain);
		snprintf(found, sizeof(found), "NXDOMAIN for %s TXT and MX", domain);
		replace_all(rep, domain, "domain.nxdomain", msg, found);
		return true;
	}
	char zone[EA_NAME_MAX + 1];
	if (!nodata(txt) || !nodata(mx) || !not_delegated(job, domain, pending, zone, sizeof(zone)))
		return false;
	snprintf(msg, sizeof(msg), "%s does not exist as a domain: it is not delegated (it has no zone of "
	         "its own; the zone %s answers for it) and holds no record at all, so it is not "
	         "registered, or registered without name servers: nothing else was checked. Check the "
	         "spelling, or the registration and its name servers", domain, zone);
	snprintf(found, sizeof(found), "no SOA of its own (the SOA query answers from the zone %s); "
	         "TXT, MX, A and AAAA: no data", zone);
	replace_all(rep, domain, "domain.not_delegated", msg, found);
	return true;
}

/* The profile whose documented SPF include this is, or NULL. */
static const ea_profile *profile_of_include(const ea_profiles *pr, const char *include)
{
	for (size_t i = 0; i < pr->count; i++)
		for (size_t k = 0; k < pr->s[i].spf_includes.count; k++)
			if (ea_name_equal(pr->s[i].spf_includes.items[k], include))
				return &pr->s[i];
	return NULL;
}

/* Over the SPF limit, each include the plan leaves to the user ("if you no longer send
 * through it", "once it uses a return path", "without a dedicated IP") gets what the rest
 * of the check saw of its sender: a DKIM key, an MX or a return path of its own is
 * evidence it is in use; with the include alone the check saw nothing either way, and
 * says so (a key at a selector it does not know is not seen). */
static void settle_plan_evidence(const ea_profiles *pr, const ea_section *snd, ea_section *spf)
{
	static const char *const OTHER[] = {"DKIM selector ", "MX ", "return path ", "Easy DKIM tokens"};
	for (size_t i = 0; i < spf->finding_count; i++) {
		ea_finding *f = &spf->findings[i];
		if (strncmp(f->code, "spf.plan.", 9) != 0 || strcmp(f->code, "spf.plan.drop") == 0 ||
		    strcmp(f->code, "spf.plan.replace") == 0 || f->subject == NULL ||
		    strncmp(f->subject, "include:", 8) != 0)
			continue;
		const ea_profile *p = profile_of_include(pr, f->subject + 8);
		const ea_finding *used = NULL;
		for (size_t k = 0; p && k < snd->finding_count && used == NULL; k++)
			if (strcmp(snd->findings[k].code, "sender.found") == 0 && snd->findings[k].subject &&
			    strcmp(snd->findings[k].subject, p->name) == 0)
				used = &snd->findings[k];
		if (used == NULL || used->found == NULL)
			continue;
		bool other = false;
		for (size_t k = 0; k < sizeof(OTHER) / sizeof(OTHER[0]); k++)
			other |= strstr(used->found, OTHER[k]) != NULL;
		char *old = f->message;
		f->message = NULL;
		if (other)
			ea_finding_set(&f->message, "%s; the check sees %s in use here (%s)", old ? old : "",
			               p->name, used->found);
		else
			ea_finding_set(&f->message, "%s; the check sees no other sign of %s here than this "
			               "include (a DKIM key at a selector it does not know is not seen)",
			               old ? old : "", p->name);
		if (f->message == NULL)
			f->message = old;
		else
			free(old);
	}
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
	settle_plan_evidence(pr, snd, spf);
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
