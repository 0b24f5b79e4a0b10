/*
 * Whether a return path set up with an MX (the SES custom MAIL FROM) works: SES
 * uses it only with exactly one MX to its feedback endpoint and an SPF record that
 * includes amazonses.com; otherwise it falls back to its own bounce domain
 * (amazonses.com), and SPF no longer aligns. Shared by the mail-from section
 * (mail.c) and the alignment verdict (senders.c).
 */
#include <stdio.h>
#include <string.h>

#include "check/internal.h"
#include "profiles/profiles.h"
#include "util/util.h"

size_t ea_audit_spf_records(const ea_dns_answer *txt, const char *include, bool *includes)
{
	size_t n = 0, il = include ? strlen(include) : 0;
	*includes = false;
	for (size_t i = 0; txt && i < ea_dns_answer_count(txt, EA_RR_TXT); i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(txt, EA_RR_TXT, i);
		if (rr->txt_len < 6 || strncasecmp((const char *)rr->txt, "v=spf1", 6) != 0 ||
		    (rr->txt_len != 6 && rr->txt[6] != ' '))
			continue;
		n++;
		for (size_t k = 0; il && k + 8 + il <= rr->txt_len; k++)
			if (strncasecmp((const char *)rr->txt + k, "include:", 8) == 0 &&
			    strncasecmp((const char *)rr->txt + k + 8, include, il) == 0 &&
			    (k + 8 + il == rr->txt_len || rr->txt[k + 8 + il] == ' '))
				*includes = true;
	}
	return n;
}

ea_rp_verdict ea_audit_return_path(const char *mx_pattern, const char *spf_include,
                                   const ea_dns_answer *mx, const ea_dns_answer *txt,
                                   char *why, size_t why_size)
{
	ea_copy(why, why_size, "");
	if (mx->outcome == EA_DNS_UNKNOWN || txt->outcome == EA_DNS_UNKNOWN) {
		snprintf(why, why_size, "its %s lookup failed", mx->outcome == EA_DNS_UNKNOWN ? "MX" : "TXT");
		return EA_RP_UNKNOWN;
	}
	size_t nmx = ea_dns_answer_count(mx, EA_RR_MX);
	const ea_dns_rr *rr = nmx == 1 ? ea_dns_answer_get(mx, EA_RR_MX, 0) : NULL;
	bool includes;
	size_t nspf = ea_audit_spf_records(txt, spf_include, &includes);
	if (nmx == 0)
		snprintf(why, why_size, "it has no MX record");
	else if (nmx > 1)
		snprintf(why, why_size, "it has %zu MX records, not exactly one", nmx);
	else if (mx_pattern && (rr->target == NULL || !ea_profile_match(mx_pattern, rr->target)))
		snprintf(why, why_size, "its MX is not the feedback endpoint %s", mx_pattern);
	else if (spf_include && nspf == 0)
		snprintf(why, why_size, "it has no SPF record");
	else if (spf_include && nspf > 1)
		snprintf(why, why_size, "it has %zu SPF records (a permanent error)", nspf);
	else if (spf_include && !includes)
		snprintf(why, why_size, "its SPF record does not include %s", spf_include);
	else
		return EA_RP_WORKS;
	return EA_RP_BROKEN;
}

void ea_audit_mail_from_region(const ea_dns_answer *mx, const char *given, char *out, size_t size)
{
	ea_copy(out, size, given);
	for (size_t k = 0; !out[0] && k < ea_dns_answer_count(mx, EA_RR_MX); k++) {
		const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, k);
		char region[32];
		if (rr->target && sscanf(rr->target, "feedback-smtp.%31[a-z0-9-].amazonses.com", region) == 1)
			ea_copy(out, size, region);
	}
}

void ea_audit_mail_from_lines(ea_buf *out, const char *mf, const char *region, bool mx, bool spf)
{
	if (mx)
		ea_buf_printf(out, "; exactly one MX%s:\n%s. %d IN MX 10 feedback-smtp.%s.amazonses.com.",
		              region[0] ? "" : " (<region>: the AWS region of your SES identity, e.g. "
		              "eu-west-1)", mf, EA_AUDIT_FIX_TTL, region[0] ? region : "<region>");
	if (spf)
		ea_buf_printf(out, "%s%s. %d IN TXT \"v=spf1 include:amazonses.com ~all\"", mx ? "\n" : "",
		              mf, EA_AUDIT_FIX_TTL);
}
