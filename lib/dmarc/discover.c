/*
 * DMARC policy discovery and the Organizational Domain by the DNS tree walk
 * (RFC 9989 4.10), over ea_lookup. All the walk's queries (at most 8) are
 * independent, so they are asked in one round; the results are then read in the
 * order the RFC's sequential walk would read them.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/dmarc.h>
#include "dmarc/internal.h"
#include "util/util.h"

static size_t label_count(const char *d)
{
	if (*d == '\0')
		return 0;
	size_t n = 1;
	for (const char *p = d; *p; p++)
		n += *p == '.';
	return n;
}

/* The suffix of d with k labels. */
static const char *suffix_labels(const char *d, size_t k)
{
	size_t total = label_count(d);
	const char *p = d;
	while (total > k && (p = strchr(p, '.')) != NULL) {
		p++;
		total--;
	}
	return p ? p : d;
}

size_t ea_dmarc_walk_names(const char *domain, char out[][EA_NAME_MAX + 1], size_t max)
{
	size_t labels = label_count(domain), n = 0;
	if (labels == 0 || max == 0 || strlen(domain) > EA_NAME_MAX)
		return 0;
	ea_copy(out[n++], EA_NAME_MAX + 1, domain);
	/* RFC 9989 4.10: with 8 or more labels, jump to the 7-label suffix. */
	size_t next = labels - 1 > EA_DMARC_WALK_MAX - 1 ? EA_DMARC_WALK_MAX - 1 : labels - 1;
	for (size_t k = next; k >= 1 && n < max && n < EA_DMARC_WALK_MAX; k--)
		ea_copy(out[n++], EA_NAME_MAX + 1, suffix_labels(domain, k));
	return n;
}

bool ea_dmarc_norm_domain(const char *in, char *out, size_t size)
{
	if (in == NULL)
		return false;
	size_t l = strlen(in);
	if (l && in[l - 1] == '.')
		l--;
	if (l == 0 || l > EA_NAME_MAX || l >= size)
		return false;
	memcpy(out, in, l);
	out[l] = '\0';
	ea_ascii_lower(out);
	return true;
}

/* One level of the walk: what _dmarc.<name> holds. */
void ea_dmarc_level_read(const ea_dns_answer *a, ea_dmarc_level *lv)
{
	memset(lv, 0, sizeof(*lv));
	lv->answer = a;
	if (a == NULL || a->outcome == EA_DNS_UNKNOWN) {
		lv->kind = EA_DMARC_LEVEL_FAILED;
		return;
	}
	const ea_dns_rr *cn = ea_dns_answer_cname(a);
	if (cn)
		lv->cname_target = cn->target;
	size_t n = ea_dns_answer_count(a, EA_RR_TXT);
	size_t found = 0;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		/* Cheap filter before the full parse: a DMARC record starts with v. */
		size_t k = 0;
		while (k < rr->txt_len && (rr->txt[k] == ' ' || rr->txt[k] == '\t'))
			k++;
		if (k >= rr->txt_len || (rr->txt[k] | 0x20) != 'v')
			continue;
		ea_dmarc_record probe;
		ea_dmarc_parse((const char *)rr->txt, rr->txt_len, &probe);
		if (!probe.is_dmarc)
			continue;
		if (found == 0) {
			lv->rr = rr;
			lv->psd = probe.psd;
		}
		found++;
	}
	lv->dmarc_count = found;
	lv->kind = found == 0 ? EA_DMARC_LEVEL_NONE
	                      : (found == 1 ? EA_DMARC_LEVEL_ONE : EA_DMARC_LEVEL_MULTIPLE);
}

int ea_dmarc_walk(ea_job *job, const char *domain, ea_dmarc_walk_state *w)
{
	memset(w, 0, sizeof(*w));
	if (!ea_dmarc_norm_domain(domain, w->domain, sizeof(w->domain)))
		return EA_EINVAL;
	w->count = ea_dmarc_walk_names(w->domain, w->names, EA_DMARC_WALK_MAX);
	if (w->count == 0)
		return EA_EINVAL;
	bool pending = false;
	for (size_t i = 0; i < w->count; i++) {
		char q[EA_NAME_MAX + 8];
		snprintf(q, sizeof(q), "_dmarc.%s", w->names[i]);
		const ea_dns_answer *a = ea_lookup(job, q, EA_RR_TXT, "DMARC policy (RFC 9989 tree walk)");
		if (a == NULL)
			pending = true;
		else
			ea_dmarc_level_read(a, &w->level[i]);
	}
	if (pending)
		return EA_EPENDING;
	/* Zone-file mode: the parents of a name the files serve are outside them only because
	 * their zones were not given; the files are the whole DNS then, so those parents have
	 * no record (without this, every walk past the files' apex would end unknown). */
	bool served = false;
	for (size_t i = 0; i < w->count; i++) {
		const ea_dns_answer *a = w->level[i].answer;
		bool outside = a && a->reason == EA_DNS_R_NOT_SERVED;
		if (served && outside)
			w->level[i].kind = EA_DMARC_LEVEL_NONE;
		served |= a && !outside;
	}
	return EA_OK;
}

void ea_dmarc_walk_org(const ea_dmarc_walk_state *w, char *out, size_t size, bool *known,
                       char *reason, size_t rsize, size_t *consulted)
{
	*known = true;
	long fewest = -1;
	size_t i = 0;
	for (; i < w->count; i++) {
		const ea_dmarc_level *lv = &w->level[i];
		if (lv->kind == EA_DMARC_LEVEL_FAILED) {
			*known = false;
			ea_copy(out, size, w->domain);
			snprintf(reason, rsize, "the lookup of _dmarc.%s failed, so the walk could not finish",
			         w->names[i]);
			*consulted = i + 1;
			return;
		}
		if (lv->kind != EA_DMARC_LEVEL_ONE)
			continue;
		if (lv->psd == 'n') {
			ea_copy(out, size, w->names[i]);
			snprintf(reason, rsize, "_dmarc.%s has psd=n", w->names[i]);
			*consulted = i + 1;
			return;
		}
		if (lv->psd == 'y' && i > 0) {
			size_t labels = label_count(w->names[i]);
			ea_copy(out, size, suffix_labels(w->domain, labels + 1));
			snprintf(reason, rsize, "_dmarc.%s has psd=y (a public suffix domain), so the "
			         "Organizational Domain is the name one label below it", w->names[i]);
			*consulted = i + 1;
			return;
		}
		fewest = (long)i;
	}
	*consulted = w->count;
	if (fewest >= 0) {
		ea_copy(out, size, w->names[fewest]);
		snprintf(reason, rsize, "_dmarc.%s is the DMARC record highest in the tree",
		         w->names[fewest]);
	} else {
		ea_copy(out, size, w->domain);
		snprintf(reason, rsize, "no DMARC record on the way up, so the domain itself");
	}
}

/* RFC 9989 4.10.1: the record that applies is the Author Domain's; without one, the
 * Organizational Domain's (4.10.2: psd=n, one label below psd=y, else the record with
 * the fewest labels), else the Public Suffix Domain's (the psd=y record). Several
 * records at the Author Domain end it with none, higher up they are discarded; a failed
 * lookup before the walk can end leaves the policy unknown. Returns the level to use,
 * or -1 with out->outcome NOT_FOUND, MULTIPLE or TEMPERROR. */
static long policy_level(const ea_dmarc_walk_state *w, ea_dmarc_discovery *out,
                         size_t *consulted)
{
	long psd_y = -1;
	bool any = false;
	for (size_t i = 0; i < w->count; i++) {
		const ea_dmarc_level *lv = &w->level[i];
		if (lv->kind == EA_DMARC_LEVEL_FAILED) {
			out->outcome = EA_DMARC_TEMPERROR;
			snprintf(out->failed_name, sizeof(out->failed_name), "_dmarc.%s", w->names[i]);
			*consulted = i + 1;
			return -1;
		}
		if (lv->kind == EA_DMARC_LEVEL_MULTIPLE && i == 0) {
			/* Several records at the Author Domain end discovery with none (RFC 7489 6.6.3
			 * step 5, as the gated suite reads RFC 9989 4.10 step 2) */
			out->outcome = EA_DMARC_MULTIPLE;
			ea_copy(out->multiple_at, sizeof(out->multiple_at), w->names[i]);
			*consulted = 1;
			return -1;
		}
		/* higher up, several records at one name are discarded and the walk goes on
		 * (RFC 9989 4.10 step 6), as ea_dmarc_walk_org reads them */
		if (lv->kind != EA_DMARC_LEVEL_ONE)
			continue;
		any = true;
		if (i == 0) {
			*consulted = 1;
			return 0;
		}
		if (lv->psd == 'y' || lv->psd == 'n') {
			psd_y = lv->psd == 'y' ? (long)i : -1;
			*consulted = i + 1;
			break;
		}
	}
	if (!any)
		return -1;
	for (size_t i = 1; i < w->count; i++)
		if (w->level[i].kind == EA_DMARC_LEVEL_ONE && ea_name_equal(w->names[i], out->org_domain))
			return (long)i;
	return psd_y;   /* the Organizational Domain has no record: the PSD's applies */
}

int ea_dmarc_discover(ea_job *job, const char *domain, ea_dmarc_discovery *out)
{
	ea_dmarc_walk_state *w = malloc(sizeof(*w));   /* ea_dmarc_walk zeroes it */
	if (w == NULL)
		return EA_ENOMEM;
	int rc = ea_dmarc_walk(job, domain, w);
	if (rc != EA_OK) {
		free(w);
		return rc;
	}
	/* All but the record's arrays, which are set as they fill (ea_dmarc_record). */
	memset(out, 0, offsetof(ea_dmarc_discovery, record) + offsetof(ea_dmarc_record, rua));
	ea_copy(out->domain, sizeof(out->domain), w->domain);
	out->outcome = EA_DMARC_NOT_FOUND;
	size_t org_consulted = 0;
	ea_dmarc_walk_org(w, out->org_domain, sizeof(out->org_domain), &out->org_known,
	                  out->org_reason, sizeof(out->org_reason), &org_consulted);
	size_t policy_consulted = w->count;
	long use = policy_level(w, out, &policy_consulted);
	if (use >= 0) {
		const ea_dmarc_level *lv = &w->level[use];
		out->outcome = EA_DMARC_FOUND;
		ea_copy(out->policy_domain, sizeof(out->policy_domain), w->names[use]);
		size_t l = EA_MIN(lv->rr->txt_len, (size_t)EA_DMARC_RECORD_MAX);
		memcpy(out->record_text, lv->rr->txt, l);
		out->record_text[l] = '\0';
		ea_dmarc_parse((const char *)lv->rr->txt, lv->rr->txt_len, &out->record);
		if (lv->cname_target) {
			out->via_cname = true;
			ea_copy(out->cname_target, sizeof(out->cname_target), lv->cname_target);
		}
	}
	out->walk_count = EA_MAX(policy_consulted, org_consulted);
	for (size_t i = 0; i < out->walk_count; i++)
		snprintf(out->walk[i], sizeof(out->walk[i]), "_dmarc.%s", w->names[i]);
	free(w);
	return EA_OK;
}

int ea_dmarc_org_domain(ea_job *job, const char *domain, char *out, size_t size, bool *known)
{
	ea_dmarc_walk_state *w = malloc(sizeof(*w));   /* ea_dmarc_walk zeroes it */
	if (w == NULL)
		return EA_ENOMEM;
	int rc = ea_dmarc_walk(job, domain, w);
	if (rc == EA_OK) {
		char reason[160];
		size_t consulted;
		ea_dmarc_walk_org(w, out, size, known, reason, sizeof(reason), &consulted);
	}
	free(w);
	return rc;
}
