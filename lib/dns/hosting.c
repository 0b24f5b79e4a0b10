/*
 * Where the domain's DNS is hosted: the NS of its zone, matched against the table of
 * DNS hosts (lib/report/dns_hosts.c), so that fixes can be said in that host's terms.
 * Two lookups at most: NS at the domain, and when that is not a zone apex, NS at the
 * apex the negative answer's SOA names. It adds no finding: it sets rep->zone and
 * rep->dns_host, which renderers read.
 */
#include <stdio.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "util/util.h"

#define HOSTING_MAX_NS 8   /* name servers compared with the table */

int ea_check_dns_hosting(ea_job *job, void *arg)
{
	(void)arg;
	ea_report *rep = ea_job_report(job);
	const char *why = "name servers of the zone, to say where its DNS is hosted";
	const ea_dns_answer *ns = ea_lookup(job, rep->domain, EA_RR_NS, why);
	if (ns == NULL)
		return EA_EPENDING;
	char zone[EA_NAME_MAX + 1];
	ea_copy(zone, sizeof(zone), rep->domain);
	if (ns->outcome == EA_DNS_ABSENT && ns->has_soa && ns->soa_owner && *ns->soa_owner) {
		ea_copy(zone, sizeof(zone), ns->soa_owner);
		ns = ea_lookup(job, zone, EA_RR_NS, why);
		if (ns == NULL)
			return EA_EPENDING;
	}
	if (ns->outcome != EA_DNS_FOUND)
		return EA_OK;   /* unknown host: the generic form */
	const char *names[HOSTING_MAX_NS];
	size_t n = 0;
	for (size_t i = 0; i < ea_dns_answer_count(ns, EA_RR_NS) && n < HOSTING_MAX_NS; i++)
		names[n++] = ea_dns_answer_get(ns, EA_RR_NS, i)->target;
	return ea_report_set_zone(rep, zone, ea_dns_host_find(names, n));
}
