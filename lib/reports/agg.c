/*
 * Adding reports up per source (domain, sending IP), streaming: a report's records
 * wait in a pending list and count only when the report ends well, so a file that
 * fails half way adds nothing. Memory grows with distinct sources and days, never
 * with the number of files.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "profiles/profiles.h"
#include "reports/agg.h"
#include "reports/internal.h"
#include "util/util.h"

#define INDEX_MIN 1024

static uint64_t hash_key(uint16_t domain, const char *ip)
{
	uint64_t h = 1469598103934665603ull ^ domain;   /* FNV-1a */
	for (const char *p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

ea_reports_agg *ea_reports_agg_new(const ea_reports_filter *f)
{
	ea_reports_agg *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	if (f) {
		a->filter = *f;
		if (f->domain) {
			ea_copy(a->filter_domain, sizeof(a->filter_domain), f->domain);
			for (char *p = a->filter_domain; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			size_t n = strlen(a->filter_domain);
			if (n && a->filter_domain[n - 1] == '.')
				a->filter_domain[n - 1] = '\0';
			a->filter.domain = a->filter_domain;
		}
	}
	a->first_day = INT32_MAX;
	a->last_day = INT32_MIN;
	a->cur_domain = -1;
	return a;
}

void ea_reports_agg_free(ea_reports_agg *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->source_count; i++) {
		free(a->sources[i].ptr);
		free(a->sources[i].days);
	}
	free(a->sources);
	free(a->index);
	free(a->domains);
	for (size_t i = 0; i < a->org_count; i++)
		free(a->orgs[i]);
	for (size_t i = 0; i < a->error_count; i++) {
		free(a->errors[i].path);
		free(a->errors[i].code);
		free(a->errors[i].message);
	}
	free(a->pending);
	free(a);
}

static int find_domain(ea_reports_agg *a, const ea_rua_meta *m)
{
	for (size_t i = 0; i < a->domain_count; i++)
		if (strcmp(a->domains[i].name, m->domain) == 0)
			return (int)i;
	if (a->domain_count >= EA_REPORTS_MAX_DOMAINS)
		return -1;
	agg_domain *d = realloc(a->domains, (a->domain_count + 1) * sizeof(*d));
	if (d == NULL)
		return -1;
	a->domains = d;
	d = &a->domains[a->domain_count];
	memset(d, 0, sizeof(*d));
	ea_copy(d->name, sizeof(d->name), m->domain);
	return (int)a->domain_count++;
}

static int find_org(ea_reports_agg *a, const char *name)
{
	const char *n = name[0] ? name : "(unnamed)";
	for (size_t i = 0; i < a->org_count; i++)
		if (strcmp(a->orgs[i], n) == 0)
			return (int)i;
	if (a->org_count >= EA_REPORTS_MAX_ORGS)
		return -1;
	char *copy = strdup(n);
	if (copy == NULL)
		return -1;
	a->orgs[a->org_count] = copy;
	return (int)a->org_count++;
}

static bool on_meta(void *arg, const ea_rua_meta *m)
{
	ea_reports_agg *a = arg;
	a->pending_count = 0;
	a->cur_domain = -1;
	if (a->filter.domain && strcmp(a->filter.domain, m->domain) != 0)
		return false;
	if (a->filter.since && m->end < a->filter.since)
		return false;
	a->cur_domain = find_domain(a, m);
	a->cur_org = find_org(a, m->org_name);
	/* A record counts on the day in the middle of its report's range. */
	a->cur_day = (int32_t)((m->begin / 2 + m->end / 2) / AGG_DAY_SECONDS);
	if (a->cur_domain >= 0) {
		agg_domain *d = &a->domains[a->cur_domain];
		/* The latest report says the policy now. */
		if (m->end < d->policy_end)
			return true;
		d->policy_end = m->end;
		ea_copy(d->p, sizeof(d->p), m->p);
		ea_copy(d->sp, sizeof(d->sp), m->sp);
		ea_copy(d->np, sizeof(d->np), m->np);
		d->testing = m->testing;
		if (m->format == EA_RUA_FORMAT_RFC9990)
			d->format = m->format;
	}
	return true;
}

static bool grow_index(ea_reports_agg *a)
{
	size_t cap = a->index_cap ? a->index_cap * 2 : INDEX_MIN;
	uint64_t *idx = malloc(cap * sizeof(*idx));
	if (idx == NULL)
		return false;
	memset(idx, 0xff, cap * sizeof(*idx));
	for (size_t i = 0; i < a->index_cap; i++) {
		if (a->index[i] == UINT64_MAX)
			continue;
		size_t h = (size_t)(a->index[i] >> 32) & (cap - 1);
		while (idx[h] != UINT64_MAX)
			h = (h + 1) & (cap - 1);
		idx[h] = a->index[i];
	}
	free(a->index);
	a->index = idx;
	a->index_cap = cap;
	return true;
}

/* The source for (domain, ip), created on first sight; -1 past the limits. */
static long find_source(ea_reports_agg *a, uint16_t domain, const char *ip)
{
	if (a->source_count * 2 >= a->index_cap && !grow_index(a))
		return -1;
	uint32_t hash = (uint32_t)hash_key(domain, ip);
	size_t h = hash & (a->index_cap - 1);
	while (a->index[h] != UINT64_MAX) {
		uint32_t si = (uint32_t)a->index[h];
		if ((uint32_t)(a->index[h] >> 32) == hash && a->sources[si].domain == domain &&
		    strcmp(a->sources[si].ip, ip) == 0)
			return si;
		h = (h + 1) & (a->index_cap - 1);
	}
	if (a->source_count >= EA_REPORTS_MAX_SOURCES)
		return -1;
	if (a->source_count == a->source_cap) {
		size_t cap = a->source_cap ? a->source_cap * 2 : 64;
		agg_source *s = realloc(a->sources, cap * sizeof(*s));
		if (s == NULL)
			return -1;
		a->sources = s;
		a->source_cap = cap;
	}
	agg_source *s = &a->sources[a->source_count];
	memset(s, 0, sizeof(*s));
	s->domain = domain;
	ea_copy(s->ip, sizeof(s->ip), ip);
	s->first_day = INT32_MAX;
	s->last_day = INT32_MIN;
	a->index[h] = (uint64_t)hash << 32 | a->source_count;
	return (long)a->source_count++;
}

static void note_auth_domain(agg_source *s, const char *domain, const char *from_domain)
{
	if (!domain[0] || strcmp(domain, from_domain) == 0)
		return;
	for (size_t i = 0; i < AGG_AUTH_DOMAINS; i++) {
		if (strcmp(s->auth_domains[i], domain) == 0)
			return;
		if (!s->auth_domains[i][0]) {
			ea_copy(s->auth_domains[i], sizeof(s->auth_domains[i]), domain);
			return;
		}
	}
}

static bool on_record(void *arg, const ea_rua_meta *m, const ea_rua_record *r)
{
	ea_reports_agg *a = arg;
	if (a->cur_domain < 0)
		return true;
	long si = find_source(a, (uint16_t)a->cur_domain, r->source_ip);
	if (si < 0) {
		a->sources_dropped += r->count;
		return true;
	}
	agg_source *s = &a->sources[si];
	uint8_t flags = (r->dkim_aligned ? PEND_DKIM : 0) | (r->spf_aligned ? PEND_SPF : 0);
	for (size_t i = 0; i < r->dkim_count; i++) {
		if (strcmp(r->dkim[i].result, "pass") == 0)
			flags |= PEND_DKIM_ANY;
		note_auth_domain(s, r->dkim[i].domain, m->domain);
	}
	for (size_t i = 0; i < r->spf_count; i++)
		note_auth_domain(s, r->spf[i].domain, m->domain);
	if (a->pending_count == a->pending_cap) {
		size_t cap = a->pending_cap ? a->pending_cap * 2 : 256;
		agg_pending *p = realloc(a->pending, cap * sizeof(*p));
		if (p == NULL)
			return false;
		a->pending = p;
		a->pending_cap = cap;
	}
	const char *d = r->disposition;
	a->pending[a->pending_count++] = (agg_pending){
		.source = (uint32_t)si, .day = a->cur_day, .count = r->count, .flags = flags,
		.disposition = strcmp(d, "none") == 0 || !d[0] ? 'n' : strcmp(d, "quarantine") == 0 ? 'q'
		             : strcmp(d, "reject") == 0 ? 'r' : 'o'};
	return true;
}

static agg_day *day_of(agg_source *s, int32_t day)
{
	size_t i = s->day_count;
	while (i > 0 && s->days[i - 1].day > day)
		i--;
	if (i > 0 && s->days[i - 1].day == day)
		return &s->days[i - 1];
	if (s->day_count >= EA_REPORTS_MAX_DAYS)
		return NULL;
	if (s->day_count == s->day_cap) {
		size_t cap = s->day_cap ? s->day_cap * 2 : 4;
		agg_day *d = realloc(s->days, cap * sizeof(*d));
		if (d == NULL)
			return NULL;
		s->days = d;
		s->day_cap = cap;
	}
	memmove(&s->days[i + 1], &s->days[i], (s->day_count - i) * sizeof(*s->days));
	s->day_count++;
	memset(&s->days[i], 0, sizeof(s->days[i]));
	s->days[i].day = day;
	return &s->days[i];
}

static void commit(ea_reports_agg *a)
{
	for (size_t i = 0; i < a->pending_count; i++) {
		const agg_pending *p = &a->pending[i];
		agg_source *s = &a->sources[p->source];
		bool dkim = p->flags & PEND_DKIM, spf = p->flags & PEND_SPF;
		s->total += p->count;
		s->dkim_aligned += dkim ? p->count : 0;
		s->spf_aligned += spf ? p->count : 0;
		s->dmarc_pass += dkim || spf ? p->count : 0;
		s->dkim_pass_any += p->flags & PEND_DKIM_ANY ? p->count : 0;
		*(p->disposition == 'n' ? &s->disp_none : p->disposition == 'q' ? &s->disp_quarantine
		  : p->disposition == 'r' ? &s->disp_reject : &s->disp_other) += p->count;
		s->first_day = EA_MIN(s->first_day, p->day);
		s->last_day = EA_MAX(s->last_day, p->day);
		a->first_day = EA_MIN(a->first_day, p->day);
		a->last_day = EA_MAX(a->last_day, p->day);
		if (a->cur_org >= 0)
			s->orgs[a->cur_org / 64] |= 1ull << (a->cur_org % 64);
		agg_day *d = day_of(s, p->day);
		if (d) {
			d->total += p->count;
			d->dkim_aligned += dkim ? p->count : 0;
			d->dmarc_pass += dkim || spf ? p->count : 0;
		}
		a->records++;
	}
	if (a->cur_domain >= 0)
		a->domains[a->cur_domain].reports++;
	a->pending_count = 0;
}

static void keep_error(ea_reports_agg *a, const ea_reports_input *in)
{
	if (a->error_count >= AGG_MAX_FILE_ERRORS)
		return;
	agg_error *e = &a->errors[a->error_count];
	e->path = strdup(in->path ? in->path : "?");
	e->code = strdup(in->code);
	e->message = strdup(in->message ? in->message : "");
	if (e->path && e->code && e->message)
		a->error_count++;
	else
		free(e->path), free(e->code), free(e->message);
}

void ea_reports_agg_input(void *arg, const ea_reports_input *in)
{
	ea_reports_agg *a = arg;
	if (in->code) {
		a->failed++;
		keep_error(a, in);
	} else if (in->ignored) {
		a->ignored++;
	} else if (in->skipped || a->cur_domain < 0) {
		a->skipped++;
	} else {
		a->reports++;
		commit(a);
	}
	a->pending_count = 0;
	a->cur_domain = -1;
}

const ea_rua_sink *ea_reports_agg_sink(void)
{
	static const ea_rua_sink sink = {on_meta, on_record};
	return &sink;
}

static const ea_reports_agg *sort_agg;

static int by_domain_volume(const void *x, const void *y)
{
	const agg_source *a = &sort_agg->sources[*(const uint32_t *)x];
	const agg_source *b = &sort_agg->sources[*(const uint32_t *)y];
	int dc = strcmp(sort_agg->domains[a->domain].name, sort_agg->domains[b->domain].name);
	if (dc)
		return dc;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->ip, b->ip);
}

size_t ea_agg_sorted(const ea_reports_agg *a, uint32_t **out)
{
	size_t n = 0;
	uint32_t *v = malloc((a->source_count ? a->source_count : 1) * sizeof(*v));
	*out = v;
	if (v == NULL)
		return 0;
	for (size_t i = 0; i < a->source_count; i++)
		if (a->sources[i].total > 0)
			v[n++] = (uint32_t)i;
	sort_agg = a;
	qsort(v, n, sizeof(*v), by_domain_volume);
	sort_agg = NULL;
	return n;
}

void ea_agg_day_text(int32_t day, char *out, size_t size)
{
	time_t t = (time_t)day * AGG_DAY_SECONDS;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%e %B %Y", &tm);
	if (out[0] == ' ')
		memmove(out, out + 1, strlen(out));
}

void ea_agg_day_iso(int32_t day, char *out, size_t size)
{
	time_t t = (time_t)day * AGG_DAY_SECONDS;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%d", &tm);
}

/* Which sender profile (data/senders.json) a source belongs to. The reverse name and
 * the address say who sent; DKIM and SPF domains come last, as a forwarder passes on
 * another sender's signatures. */
static const char *sender_of(const agg_source *s)
{
	const char *who = ea_profiles_sender_of_reverse_name(NULL, s->ptr);
	if (who == NULL)
		who = ea_profiles_sender_of_address(NULL, s->ip);
	for (size_t k = 0; who == NULL && k < AGG_AUTH_DOMAINS; k++)
		if (s->auth_domains[k][0])
			who = ea_profiles_sender_of(NULL, s->auth_domains[k]);
	return who;
}

void ea_agg_identify(ea_reports_agg *a)
{
	for (size_t i = 0; i < a->source_count; i++)
		a->sources[i].sender = sender_of(&a->sources[i]);
}
