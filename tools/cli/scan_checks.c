/* The checks a scan runs, by name, and the requests they read from a slot. */
#include <string.h>

#include "scan.h"

static const struct { const char *name; unsigned bit; } check_names[] = {
	{"ses", SCAN_SES}, {"spf", SCAN_SPF}, {"dmarc", SCAN_DMARC}, {"dkim", SCAN_DKIM}, {"mx", SCAN_MX},
};

bool scan_checks_parse(const char *list, unsigned *mask, const char **bad, size_t *bad_len)
{
	*mask = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ", ");
		bool known = n == 0;
		for (size_t i = 0; i < sizeof(check_names) / sizeof(check_names[0]) && !known; i++)
			if (strlen(check_names[i].name) == n && strncmp(check_names[i].name, p, n) == 0) {
				*mask |= check_names[i].bit;
				known = true;
			}
		if (!known) {
			*bad = p;
			*bad_len = n;
			return false;
		}
		p += n;
		if (*p)
			p++;
	}
	return *mask != 0;
}

void scan_checks_names(unsigned mask, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(check_names) / sizeof(check_names[0]); i++) {
		if (!(mask & check_names[i].bit))
			continue;
		int n = snprintf(out + o, size - o, "%s%s", o ? ", " : "", check_names[i].name);
		if (n < 0 || (size_t)n >= size - o)
			return;
		o += (size_t)n;
	}
}

/* The audit request of a line: its domain, DKIM selectors, SES tokens and region. */
static void audit_request(ea_audit_request *req, const ea_scan_item *it)
{
	memset(req, 0, sizeof(*req));
	memcpy(req->domain, it->domain, sizeof(req->domain));
	_Static_assert(EA_SCAN_MAX_SELECTORS <= EA_AUDIT_MAX_SELECTORS, "selectors fit the request");
	_Static_assert(EA_LABEL_MAX <= EA_AUDIT_SELECTOR_MAX, "a selector fits the request");
	for (size_t i = 0; i < it->selector_count; i++)
		memcpy(req->selectors[i], it->selectors[i], sizeof(it->selectors[i]));
	req->selector_count = it->selector_count;
	for (size_t i = 0; i < it->token_count; i++)
		memcpy(req->tokens[i], it->tokens[i], sizeof(it->tokens[i]));
	req->token_count = it->token_count;
	_Static_assert(sizeof(req->region) == sizeof(it->region), "same region size");
	memcpy(req->region, it->region, sizeof(req->region));
}

int scan_checks_add(ea_job *job, unsigned mask, bool explicit_ses, scan_slot *s)
{
	int added = 0;
	/* SES needs tokens: run it for lines that give some, or when asked by name. */
	if ((mask & SCAN_SES) && (s->item.token_count > 0 || explicit_ses)) {
		memset(&s->ses, 0, sizeof(s->ses));
		memcpy(s->ses.domain, s->item.domain, sizeof(s->ses.domain));
		for (size_t i = 0; i < s->item.token_count; i++)
			memcpy(s->ses.tokens[i], s->item.tokens[i], sizeof(s->ses.tokens[i]));
		s->ses.token_count = s->item.token_count;
		memcpy(s->ses.region, s->item.region, sizeof(s->ses.region));
		if (ea_job_add_check(job, ea_check_ses_dkim, &s->ses) == EA_OK)
			added++;
	}
	if (mask & SCAN_SPF) {
		memset(&s->spf, 0, sizeof(s->spf));
		memcpy(s->spf.domain, s->item.domain, sizeof(s->spf.domain));
		if (ea_job_add_check(job, ea_check_spf_audit, &s->spf) == EA_OK)
			added++;
	}
	if ((mask & SCAN_DMARC) && ea_job_add_check(job, ea_check_dmarc, s->item.domain) == EA_OK)
		added++;
	if (mask & (SCAN_DKIM | SCAN_MX))
		audit_request(&s->audit, &s->item);
	/* dkim: the keys at the line's selectors and tokens and at the common selectors of
	 * known senders (sections dkim-keys, senders, alignment). */
	if ((mask & SCAN_DKIM) && ea_job_add_check(job, ea_check_senders, &s->audit) == EA_OK)
		added++;
	if ((mask & SCAN_MX) && ea_job_add_check(job, ea_check_mx, &s->audit) == EA_OK)
		added++;
	if ((mask & SCAN_SPF) && (mask & SCAN_DKIM))   /* last: reads what the others found */
		ea_job_add_check(job, ea_check_settle, &s->audit);
	return added;
}
