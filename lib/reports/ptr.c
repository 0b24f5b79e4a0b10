/*
 * Reverse names (PTR, RFC 1035 3.5 and RFC 3596 2.5) of the busiest sources, all
 * asked in one round of one job, at most EA_REPORTS_MAX_PTR of them.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/agg.h"

typedef struct {
	ea_reports_agg *agg;
	uint32_t *which;
	size_t count;
} ptr_job;

static bool reverse_name(const char *ip, char *out, size_t size)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		return (size_t)snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]) < size;
	if (inet_pton(AF_INET6, ip, a) != 1 || size < 73)
		return false;
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[a[i] & 15];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", 9);
	return true;
}

static int check_ptr(ea_job *job, void *arg)
{
	ptr_job *pj = arg;
	const ea_dns_answer **answers = calloc(pj->count ? pj->count : 1, sizeof(*answers));
	if (answers == NULL)
		return EA_ENOMEM;
	for (size_t i = 0; i < pj->count; i++) {
		char name[80];
		if (reverse_name(pj->agg->sources[pj->which[i]].ip, name, sizeof(name)))
			answers[i] = ea_lookup(job, name, EA_RR_PTR, "reverse name of a report source");
	}
	if (ea_job_pending(job)) {
		free(answers);
		return EA_EPENDING;
	}
	for (size_t i = 0; i < pj->count; i++) {
		agg_source *s = &pj->agg->sources[pj->which[i]];
		const ea_dns_answer *ans = answers[i];
		s->ptr_looked_up = true;
		s->ptr_unknown = ans == NULL || ans->outcome == EA_DNS_UNKNOWN;
		const ea_dns_rr *rr = ans ? ea_dns_answer_get(ans, EA_RR_PTR, 0) : NULL;
		if (rr && rr->target && s->ptr == NULL)
			s->ptr = strdup(rr->target);
	}
	free(answers);
	return EA_OK;
}

static const ea_reports_agg *by_volume_agg;

static int by_volume(const void *x, const void *y)
{
	uint64_t a = by_volume_agg->sources[*(const uint32_t *)x].total;
	uint64_t b = by_volume_agg->sources[*(const uint32_t *)y].total;
	return (a < b) - (a > b);
}

int ea_reports_agg_resolve(ea_reports_agg *a, ea_resolver *r, double deadline_ms)
{
	uint32_t *order;
	size_t n = ea_agg_sorted(a, &order);
	if (order == NULL)
		return EA_ENOMEM;
	/* The busiest sources over every domain, one lookup per address. */
	by_volume_agg = a;
	qsort(order, n, sizeof(*order), by_volume);
	ptr_job pj = {.agg = a, .which = order, .count = 0};
	for (size_t i = 0; i < n && pj.count < EA_REPORTS_MAX_PTR; i++) {
		bool dup = false;
		for (size_t k = 0; k < pj.count && !dup; k++)
			dup = strcmp(a->sources[order[k]].ip, a->sources[order[i]].ip) == 0;
		if (!dup)
			order[pj.count++] = order[i];
	}
	ea_report *rep = ea_report_new("reports", "reports");
	ea_job *job = rep ? ea_job_new(r, rep, deadline_ms) : NULL;
	int rc = EA_ENOMEM;
	if (job) {
		ea_job_set_trace(job, false);
		rc = ea_job_add_check(job, check_ptr, &pj);
		if (rc == EA_OK)
			rc = ea_job_run(job);
	}
	/* Sources of the same address under other domains share the name (or its absence). */
	for (size_t i = 0; i < a->source_count; i++) {
		agg_source *s = &a->sources[i];
		for (size_t k = 0; k < pj.count && !s->ptr_looked_up; k++) {
			const agg_source *t = &a->sources[order[k]];
			if (t != s && t->ptr_looked_up && strcmp(t->ip, s->ip) == 0) {
				s->ptr_looked_up = true;
				s->ptr_unknown = t->ptr_unknown;
				s->ptr = t->ptr ? strdup(t->ptr) : NULL;
			}
		}
	}
	ea_job_free(job);
	ea_report_free(rep);
	free(order);
	return rc;
}
