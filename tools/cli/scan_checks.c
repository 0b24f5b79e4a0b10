/* The checks a scan runs, by name. Checks written by other parts of the library are
 * referenced weakly: a build without them reports them as unavailable. */
#include <string.h>

#include "scan.h"

#ifdef SCAN_HAVE_SPF
#pragma weak ea_check_spf_audit
#define SPF_CHECK ea_check_spf_audit
#else
#define SPF_CHECK NULL
#endif
#ifdef SCAN_HAVE_DMARC
#pragma weak ea_check_dmarc
#define DMARC_CHECK ea_check_dmarc
#else
#define DMARC_CHECK NULL
#endif

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

unsigned scan_checks_available(unsigned mask)
{
	unsigned have = SCAN_SES;
	ea_check_fn spf = SPF_CHECK, dmarc = DMARC_CHECK;
	if (spf != NULL)
		have |= SCAN_SPF;
	if (dmarc != NULL)
		have |= SCAN_DMARC;
	/* DKIM keys by selector and MX: no check in the library yet. */
	return mask & have;
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
#ifdef SCAN_HAVE_SPF
	if ((mask & SCAN_SPF) && ea_check_spf_audit != NULL) {
		memset(&s->spf, 0, sizeof(s->spf));
		memcpy(s->spf.domain, s->item.domain, sizeof(s->spf.domain));
		if (ea_job_add_check(job, ea_check_spf_audit, &s->spf) == EA_OK)
			added++;
	}
#endif
#ifdef SCAN_HAVE_DMARC
	if ((mask & SCAN_DMARC) && ea_check_dmarc != NULL)
		if (ea_job_add_check(job, ea_check_dmarc, s->item.domain) == EA_OK)
			added++;
#endif
	return added;
}
