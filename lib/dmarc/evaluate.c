/*
 * The DMARC result of one message (RFC 9989 4.4, 4.10, 5): discovery, identifier
 * alignment, which policy applies (p, sp, or np for a non-existent subdomain),
 * and the t=y downgrade.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/dmarc.h>
#include "dmarc/internal.h"
#include "util/util.h"

/* True if a and b end in the same last label: only then can their
 * Organizational Domains be equal (each is a suffix of its name). */
static bool share_tld(const char *a, const char *b)
{
	const char *da = strrchr(a, '.'), *db = strrchr(b, '.');
	da = da ? da + 1 : a;
	db = db ? db + 1 : b;
	return strcasecmp(da, db) == 0;
}

int ea_dmarc_aligned(ea_job *job, const char *from_domain, const char *id_domain, char mode,
                     bool *aligned, bool *known)
{
	*aligned = false;
	*known = true;
	if (ea_name_equal(from_domain, id_domain)) {
		*aligned = true;
		return EA_OK;
	}
	if (mode == 's' || !share_tld(from_domain, id_domain))
		return EA_OK;
	char a[EA_NAME_MAX + 1], b[EA_NAME_MAX + 1];
	bool ka = false, kb = false;
	int ra = ea_dmarc_org_domain(job, from_domain, a, sizeof(a), &ka);
	int rb = ea_dmarc_org_domain(job, id_domain, b, sizeof(b), &kb);
	if (ra == EA_EPENDING || rb == EA_EPENDING)
		return EA_EPENDING;
	if (ra != EA_OK || rb != EA_OK)
		return ra != EA_OK ? ra : rb;
	*known = ka && kb;
	*aligned = ka && kb && ea_name_equal(a, b);
	return EA_OK;
}

/* RFC 9989 4.7 np: a name is non-existent when A, AAAA and MX all give NXDOMAIN. */
static int from_exists(ea_job *job, const char *d, bool *exists, bool *known)
{
	static const uint16_t types[] = {EA_RR_A, EA_RR_AAAA, EA_RR_MX};
	const ea_dns_answer *a[3];
	bool pending = false;
	for (size_t i = 0; i < 3; i++) {
		a[i] = ea_lookup(job, d, types[i], "does the From domain exist (DMARC np=)");
		pending |= a[i] == NULL;
	}
	if (pending)
		return EA_EPENDING;
	*exists = false;
	*known = true;
	for (size_t i = 0; i < 3; i++) {
		if (a[i]->outcome == EA_DNS_UNKNOWN)
			*known = false;
		else if (a[i]->reason != EA_DNS_R_NXDOMAIN)
			*exists = true;
	}
	if (!*known)
		*exists = true;   /* cannot prove it absent: sp, the safer reading */
	return EA_OK;
}

static ea_dmarc_policy lower_one_step(ea_dmarc_policy p)
{
	return p == EA_DMARC_P_REJECT ? EA_DMARC_P_QUARANTINE : EA_DMARC_P_NONE;
}

/* Aligned identifiers of one kind; returns EA_EPENDING or EA_OK. */
static int align_list(ea_job *job, const char *from, const char *const *ids, size_t n, char mode,
                      bool *aligned, char *which, size_t wsize, bool *unknown)
{
	bool pending = false;
	for (size_t i = 0; i < n && i < EA_DMARC_MAX_IDENTIFIERS; i++) {
		char id[EA_NAME_MAX + 1];
		if (!ea_dmarc_norm_domain(ids[i], id, sizeof(id)))
			continue;
		bool al = false, kn = true;
		int rc = ea_dmarc_aligned(job, from, id, mode, &al, &kn);
		if (rc == EA_EPENDING) {
			pending = true;
			continue;
		}
		if (rc != EA_OK)
			continue;
		if (!kn)
			*unknown = true;
		if (al && !*aligned) {
			*aligned = true;
			ea_copy(which, wsize, id);
		}
	}
	return pending ? EA_EPENDING : EA_OK;
}

int ea_dmarc_evaluate(ea_job *job, const ea_dmarc_message *msg, ea_dmarc_result *out)
{
	char from[EA_NAME_MAX + 1];
	if (msg == NULL || !ea_dmarc_norm_domain(msg->from_domain, from, sizeof(from)))
		return EA_EINVAL;
	memset(out, 0, sizeof(*out));
	out->policy_tag = "p";
	out->from_exists = true;
	int rc = ea_dmarc_discover(job, from, &out->disc);
	if (rc == EA_EPENDING) {
		/* Ask the identifiers' walks in the same round (relaxed is the default). */
		bool a, k;
		for (size_t i = 0; i < msg->dkim_count && i < EA_DMARC_MAX_IDENTIFIERS; i++)
			(void)ea_dmarc_aligned(job, from, msg->dkim_domains[i], 'r', &a, &k);
		for (size_t i = 0; i < msg->spf_count && i < EA_DMARC_MAX_IDENTIFIERS; i++)
			(void)ea_dmarc_aligned(job, from, msg->spf_domains[i], 'r', &a, &k);
		return EA_EPENDING;
	}
	if (rc != EA_OK)
		return rc;
	const ea_dmarc_discovery *d = &out->disc;
	const ea_dmarc_record *r = &d->record;
	switch (d->outcome) {
	case EA_DMARC_TEMPERROR:
		out->result = EA_DMARC_RESULT_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason), "the lookup of %s failed", d->failed_name);
		return EA_OK;
	case EA_DMARC_NOT_FOUND:
		out->result = EA_DMARC_RESULT_NONE;
		snprintf(out->reason, sizeof(out->reason), "no DMARC record for %s or its parents", from);
		return EA_OK;
	case EA_DMARC_MULTIPLE:
		out->result = EA_DMARC_RESULT_NONE;
		snprintf(out->reason, sizeof(out->reason),
		         "_dmarc.%s has more than one DMARC record, so none applies", d->multiple_at);
		return EA_OK;
	case EA_DMARC_FOUND:
		break;
	}
	char why[200];
	ea_dmarc_applies applies = ea_dmarc_record_applies(r, why, sizeof(why));
	if (applies == EA_DMARC_NOT_APPLIED) {
		out->result = EA_DMARC_RESULT_NONE;
		snprintf(out->reason, sizeof(out->reason), "the record at _dmarc.%s: %s",
		         d->policy_domain, why);
		return EA_OK;
	}
	bool policy_ok = applies == EA_DMARC_APPLIED;
	/* Which policy: p for the domain itself, else sp, or np when From does not exist. */
	bool unknown = false;
	bool pending = false;
	if (!ea_name_equal(d->policy_domain, from)) {
		bool known = true;
		rc = from_exists(job, from, &out->from_exists, &known);
		if (rc == EA_EPENDING)
			pending = true;
	}
	bool dk = false, sk = false;
	if (align_list(job, from, msg->dkim_domains, msg->dkim_count, r->adkim, &out->dkim_aligned,
	               out->dkim_domain, sizeof(out->dkim_domain), &dk) == EA_EPENDING)
		pending = true;
	if (align_list(job, from, msg->spf_domains, msg->spf_count, r->aspf, &out->spf_aligned,
	               out->spf_domain, sizeof(out->spf_domain), &sk) == EA_EPENDING)
		pending = true;
	if (pending)
		return EA_EPENDING;
	unknown = dk || sk;

	if (!policy_ok) {
		out->policy = EA_DMARC_P_NONE;
		out->policy_tag = "p";
	} else if (ea_name_equal(d->policy_domain, from)) {
		out->policy = r->p;
		out->policy_tag = "p";
	} else if (!out->from_exists) {
		out->policy = r->np;
		out->policy_tag = r->np_present ? "np" : (r->sp_present ? "sp" : "p");
	} else {
		out->policy = r->sp;
		out->policy_tag = r->sp_present ? "sp" : "p";
	}
	out->applied_policy = r->testing ? lower_one_step(out->policy) : out->policy;

	if (out->dkim_aligned || out->spf_aligned) {
		out->result = EA_DMARC_RESULT_PASS;
		snprintf(out->reason, sizeof(out->reason), "%s%s%s%s aligns with %s",
		         out->dkim_aligned ? "DKIM d=" : "", out->dkim_aligned ? out->dkim_domain : "",
		         out->dkim_aligned ? "" : "SPF ", out->dkim_aligned ? "" : out->spf_domain, from);
	} else if (unknown) {
		out->result = EA_DMARC_RESULT_TEMPERROR;
		snprintf(out->reason, sizeof(out->reason),
		         "a lookup for the Organizational Domain failed, so alignment is unknown");
	} else {
		out->result = EA_DMARC_RESULT_FAIL;
		snprintf(out->reason, sizeof(out->reason),
		         "no passing DKIM or SPF domain aligns with %s (adkim=%c, aspf=%c)", from,
		         r->adkim, r->aspf);
	}
	return EA_OK;
}
