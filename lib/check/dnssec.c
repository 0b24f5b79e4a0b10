/*
 * DNSSEC, honestly: whether the zone publishes keys (DNSKEY at its apex) and
 * whether the resolver marked the answers validated (the AD bit). The AD bit
 * only means something from a validating resolver the path to which is trusted;
 * a resolver that does not validate never sets it.
 */
#include <stdio.h>
#include <string.h>

#include "check/internal.h"
#include "util/util.h"

#define EA_RR_DNSKEY 48

/* The zone apex holding name: name itself when it has an SOA, else the SOA owner
 * of a negative answer. NULL when unknown. */
static const char *zone_of(const ea_dns_answer *soa)
{
	if (soa->outcome == EA_DNS_FOUND)
		return soa->final_name ? soa->final_name : soa->qname;
	return soa->has_soa ? soa->soa_owner : NULL;
}

int ea_check_dnssec(ea_job *job, void *arg)
{
	const ea_audit_request *req = arg;
	ea_section *sec = ea_report_section(ea_job_report(job), "dnssec");
	if (sec == NULL)
		return EA_ENOMEM;
	const char *names[2] = {req->domain, req->mail_from[0] ? req->mail_from : NULL};
	const ea_dns_answer *soa[2] = {0};
	bool pending = false;
	for (size_t i = 0; i < 2; i++)
		if (names[i]) {
			soa[i] = ea_lookup(job, names[i], EA_RR_SOA, "which zone (for DNSSEC)");
			pending |= soa[i] == NULL;
		}
	if (pending)
		return EA_EPENDING;
	const char *zones[2] = {0};
	const ea_dns_answer *key[2] = {0};
	for (size_t i = 0; i < 2; i++) {
		if (!soa[i])
			continue;
		zones[i] = zone_of(soa[i]);
		if (zones[i] == NULL || (i == 1 && zones[0] && ea_name_equal(zones[0], zones[i]))) {
			zones[i] = NULL;
			continue;
		}
		key[i] = ea_lookup(job, zones[i], EA_RR_DNSKEY, "DNSSEC keys of the zone");
		pending |= key[i] == NULL;
	}
	if (pending)
		return EA_EPENDING;
	for (size_t i = 0; i < 2; i++) {
		if (!soa[i])
			continue;
		ea_finding *f;
		if (zones[i] == NULL && i == 0) {
			f = ea_section_addf(sec, "dnssec.undetermined", EA_SEV_INFO,
			    "could not tell which zone holds %s (the SOA lookup %s)", names[i],
			    soa[i]->outcome == EA_DNS_UNKNOWN ? "failed" : "gave no zone");
			continue;
		}
		if (zones[i] == NULL)
			continue;
		const ea_dns_answer *k = key[i];
		if (k->outcome == EA_DNS_UNKNOWN) {
			f = ea_section_addf(sec, "dnssec.lookup_failed", EA_SEV_WARNING,
			    "the DNSKEY lookup for zone %s failed (%s); with a validating resolver, SERVFAIL "
			    "can mean the zone's DNSSEC is broken", zones[i], ea_dns_reason_text(k->reason));
			if (f)
				f->undetermined = true;
		} else if (k->outcome == EA_DNS_ABSENT) {
			f = ea_section_addf(sec, "dnssec.unsigned", EA_SEV_INFO,
			    "zone %s is not signed (no DNSKEY): answers about it cannot be validated. Signing "
			    "is optional, and needed for DANE", zones[i]);
		} else if (k->ad && soa[i]->ad) {
			f = ea_section_addf(sec, "dnssec.validated", EA_SEV_OK,
			    "zone %s is signed and the resolver validated its answers (AD bit set)", zones[i]);
		} else {
			f = ea_section_addf(sec, "dnssec.not_validated", EA_SEV_INFO,
			    "zone %s publishes DNSKEY records, but the resolver did not mark the answers "
			    "validated (no AD bit). Either this resolver does not validate DNSSEC (then this "
			    "says nothing about the zone), or the chain of trust (DS at the parent) is missing; "
			    "ask a validating resolver to tell them apart", zones[i]);
		}
		if (f)
			ea_finding_set(&f->subject, "%s", zones[i]);
	}
	return EA_OK;
}
