/*
 * What the reports mean, in plain words (section "reports"): per domain and sender,
 * did DKIM align, and if it changed, from which day. Codes: docs/codes-reports.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/agg.h"

#define DAY_GOOD_PCT 95          /* a day "aligns" when this share of its mail did */
#define DAY_BAD_PCT 50           /* a day "fails" when less than this share did */
#define FAIL_SIGNIFICANT_PCT 2   /* failing share of a sender worth an error */
#define MAX_FILE_FINDINGS 100    /* per-file errors listed; more are counted */
#define MAX_LISTED_SOURCES 3     /* sources named in one sentence */

typedef struct {
	uint16_t domain;
	const char *sender;           /* NULL: unknown sources */
	uint64_t total, dmarc_pass, dkim_aligned, spf_aligned;
	uint64_t quarantined, rejected;
	size_t sources;
	const char *auth_domain;      /* a DKIM/SPF domain other than the From domain */
	agg_day *days;
	size_t day_count;
} group;

static void count_text(uint64_t n, char *out, size_t size)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* "on 3 May 2026", "from 3 to 5 May 2026", "from 30 April to 2 May 2026" */
static void span_text(int32_t from, int32_t to, char *out, size_t size)
{
	char a[40], b[40];
	ea_agg_day_text(from, a, sizeof(a));
	ea_agg_day_text(to, b, sizeof(b));
	if (from == to) {
		snprintf(out, size, "on %s", a);
		return;
	}
	const char *sa = strchr(a, ' '), *sb = strchr(b, ' ');
	if (sa && sb && strcmp(sa, sb) == 0) {   /* same month and year */
		snprintf(out, size, "from %.*s to %s", (int)(sa - a), a, b);
		return;
	}
	const char *ya = strrchr(a, ' '), *yb = strrchr(b, ' ');
	if (ya && yb && strcmp(ya, yb) == 0)
		snprintf(out, size, "from %.*s to %s", (int)(ya - a), a, b);
	else
		snprintf(out, size, "from %s to %s", a, b);
}

static int by_day(const void *x, const void *y)
{
	int32_t a = ((const agg_day *)x)->day, b = ((const agg_day *)y)->day;
	return (a > b) - (a < b);
}

/* Adds the source's days into g's (merged, sorted). */
static bool merge_days(group *g, const agg_source *s)
{
	agg_day *d = realloc(g->days, (g->day_count + s->day_count + 1) * sizeof(*d));
	if (d == NULL)
		return false;
	g->days = d;
	if (s->day_count)
		memcpy(g->days + g->day_count, s->days, s->day_count * sizeof(*d));
	g->day_count += s->day_count;
	qsort(g->days, g->day_count, sizeof(*d), by_day);
	size_t o = 0;
	for (size_t i = 0; i < g->day_count; i++) {
		if (o > 0 && g->days[o - 1].day == g->days[i].day) {
			g->days[o - 1].total += g->days[i].total;
			g->days[o - 1].dkim_aligned += g->days[i].dkim_aligned;
			g->days[o - 1].dmarc_pass += g->days[i].dmarc_pass;
		} else {
			g->days[o++] = g->days[i];
		}
	}
	g->day_count = o;
	return true;
}

static bool day_good(const agg_day *d)
{
	return d->dkim_aligned * 100 >= d->total * DAY_GOOD_PCT;
}

static bool day_bad(const agg_day *d)
{
	return d->dkim_aligned * 100 < d->total * DAY_BAD_PCT;
}

/* Failing days, then only aligning days to the end: the day it was fixed. */
static bool find_fixed(const group *g, size_t *first_bad, size_t *last_bad)
{
	size_t i = g->day_count;
	while (i > 0 && day_good(&g->days[i - 1]))
		i--;
	if (i == g->day_count || i == 0 || !day_bad(&g->days[i - 1]))
		return false;
	*last_bad = i - 1;
	size_t k = i - 1;
	while (k > 0 && day_bad(&g->days[k - 1]))
		k--;
	*first_bad = k;
	return true;
}

/* Aligning days, then only failing days to the end: the day it broke. */
static bool find_broke(const group *g, size_t *first_bad)
{
	size_t i = g->day_count;
	while (i > 0 && day_bad(&g->days[i - 1]))
		i--;
	if (i == g->day_count || i == 0 || !day_good(&g->days[i - 1]))
		return false;
	*first_bad = i;
	return true;
}

static void sender_finding(ea_section *sec, const ea_reports_agg *a, const group *g)
{
	const char *dom = a->domains[g->domain].name;
	char total[32], n[32], span[96], since[48];
	count_text(g->total, total, sizeof(total));
	span_text(g->days[0].day, g->days[g->day_count - 1].day, span, sizeof(span));
	size_t fb, lb;
	ea_finding *f;
	if (find_fixed(g, &fb, &lb)) {
		uint64_t failed = 0, after = 0;
		for (size_t i = fb; i <= lb; i++)
			failed += g->days[i].total - g->days[i].dkim_aligned;
		for (size_t i = lb + 1; i < g->day_count; i++)
			after += g->days[i].total;
		char fail_span[96], after_n[32];
		count_text(failed, n, sizeof(n));
		count_text(after, after_n, sizeof(after_n));
		span_text(g->days[fb].day, g->days[lb].day, fail_span, sizeof(fail_span));
		ea_agg_day_text(g->days[lb + 1].day, since, sizeof(since));
		f = ea_section_addf(sec, "reports.sender.dkim_fixed", EA_SEV_OK,
		                    "%s sent %s messages that failed DKIM alignment %s; from %s DKIM "
		                    "aligns (%s messages since)", g->sender, n, fail_span, since, after_n);
	} else if (find_broke(g, &fb)) {
		uint64_t failed = 0;
		for (size_t i = fb; i < g->day_count; i++)
			failed += g->days[i].total - g->days[i].dkim_aligned;
		char until[48];
		count_text(failed, n, sizeof(n));
		ea_agg_day_text(g->days[fb - 1].day, until, sizeof(until));
		ea_agg_day_text(g->days[fb].day, since, sizeof(since));
		f = ea_section_addf(sec, "reports.sender.dkim_broke", EA_SEV_ERROR,
		                    "%s's mail for %s aligned DKIM until %s; from %s, %s messages failed "
		                    "DKIM alignment", g->sender, dom, until, since, n);
		if (f)
			ea_finding_set(&f->fix, "Check the DKIM records this sender needs at %s (for Amazon SES: "
			               "emailauth ses %s --tokens ...) and that it still signs with %s.",
			               dom, dom, dom);
	} else if (g->dkim_aligned == g->total) {
		f = ea_section_addf(sec, "reports.sender.pass", EA_SEV_OK,
		                    "%s sent %s messages %s; DKIM aligned for all of them", g->sender,
		                    total, span);
	} else if ((g->total - g->dmarc_pass) * 100 >= g->total * FAIL_SIGNIFICANT_PCT) {
		count_text(g->total - g->dmarc_pass, n, sizeof(n));
		f = ea_section_addf(sec, "reports.sender.dmarc_fail", EA_SEV_ERROR,
		                    "%s sent %s messages %s that failed DMARC: neither DKIM nor SPF "
		                    "aligned with %s%s%s%s", g->sender, n, span, dom,
		                    g->auth_domain ? " (they carried " : "",
		                    g->auth_domain ? g->auth_domain : "", g->auth_domain ? ")" : "");
		if (f)
			ea_finding_set(&f->fix, "Set up DKIM with your own domain %s at %s (and a custom "
			               "MAIL FROM under %s for SPF alignment).", dom, g->sender, dom);
	} else {
		count_text(g->total - g->dkim_aligned, n, sizeof(n));
		f = ea_section_addf(sec, "reports.sender.dkim_unaligned", EA_SEV_WARNING,
		                    "%s sent %s messages %s that passed DMARC through SPF only: DKIM did "
		                    "not align with %s%s%s%s; forwarded copies of them will fail",
		                    g->sender, n, span, dom, g->auth_domain ? " (signed by " : "",
		                    g->auth_domain ? g->auth_domain : "", g->auth_domain ? ")" : "");
		if (f)
			ea_finding_set(&f->fix, "Set up DKIM signing with %s at %s.", dom, g->sender);
	}
	if (f) {
		f->primary = true;
		ea_finding_set(&f->subject, "%s", g->sender);
		ea_finding_set(&f->name, "%s", dom);
	}
}

/* "203.0.113.9 (mail.example.net), 198.51.100.7 and 2 more" */
static void list_sources(const ea_reports_agg *a, const uint32_t *order, size_t n, uint16_t domain,
                         bool failing, char *out, size_t size)
{
	size_t o = 0, listed = 0, more = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const agg_source *s = &a->sources[order[i]];
		if (s->domain != domain || s->sender || (failing ? s->dmarc_pass == s->total : s->dmarc_pass == 0))
			continue;
		if (listed++ >= MAX_LISTED_SOURCES) {
			more++;
			continue;
		}
		int w = snprintf(out + o, size - o, "%s%s%s%s%s", o ? ", " : "", s->ip, s->ptr ? " (" : "",
		                 s->ptr ? s->ptr : "", s->ptr ? ")" : "");
		if (w < 0 || (size_t)w >= size - o)
			return;
		o += (size_t)w;
	}
	if (more)
		snprintf(out + o, size - o, " and %zu more", more);
}

static void unknown_findings(ea_section *sec, const ea_reports_agg *a, const uint32_t *order,
                             size_t n, uint16_t domain)
{
	uint64_t fail = 0, pass = 0;
	size_t fail_sources = 0, pass_sources = 0;
	for (size_t i = 0; i < n; i++) {
		const agg_source *s = &a->sources[order[i]];
		if (s->domain != domain || s->sender)
			continue;
		fail += s->total - s->dmarc_pass;
		pass += s->dmarc_pass;
		fail_sources += s->dmarc_pass < s->total;
		pass_sources += s->dmarc_pass > 0;
	}
	const char *dom = a->domains[domain].name;
	char list[600], count[32];
	ea_finding *f;
	if (fail) {
		list_sources(a, order, n, domain, true, list, sizeof(list));
		count_text(fail, count, sizeof(count));
		f = ea_section_addf(sec, "reports.unknown.fail", EA_SEV_WARNING,
		                    "An unknown source sends as %s and fails: %s messages from %zu source%s "
		                    "failed DMARC (%s). This is spoofing, or a sender you forgot", dom, count,
		                    fail_sources, fail_sources == 1 ? "" : "s", list);
		if (f) {
			ea_finding_set(&f->name, "%s", dom);
			ea_finding_set(&f->fix, "If you know the source, set up DKIM (and SPF) for %s there. "
			               "If not, p=quarantine or p=reject in _dmarc.%s stops it.", dom, dom);
		}
	}
	if (pass) {
		list_sources(a, order, n, domain, false, list, sizeof(list));
		count_text(pass, count, sizeof(count));
		f = ea_section_addf(sec, "reports.unknown.pass", EA_SEV_INFO,
		                    "%s messages from %zu source%s not matched to a known sender passed DMARC "
		                    "(%s): your own servers, or forwarders that kept your DKIM signature",
		                    count, pass_sources, pass_sources == 1 ? "" : "s", list);
		if (f)
			ea_finding_set(&f->name, "%s", dom);
	}
}

static void domain_summary(ea_section *sec, const ea_reports_agg *a, uint16_t domain,
                           const uint32_t *order, size_t n)
{
	const agg_domain *d = &a->domains[domain];
	uint64_t total = 0, pass = 0, dkim = 0, none_fail = 0, quarantined = 0, rejected = 0;
	int32_t first = INT32_MAX, last = INT32_MIN;
	for (size_t i = 0; i < n; i++) {
		const agg_source *s = &a->sources[order[i]];
		if (s->domain != domain)
			continue;
		total += s->total;
		pass += s->dmarc_pass;
		dkim += s->dkim_aligned;
		quarantined += s->disp_quarantine;
		rejected += s->disp_reject;
		first = s->first_day < first ? s->first_day : first;
		last = s->last_day > last ? s->last_day : last;
	}
	if (total == 0)
		return;
	none_fail = total - pass;
	char count[32], span[96];
	count_text(total, count, sizeof(count));
	span_text(first, last, span, sizeof(span));
	ea_finding *f = ea_section_addf(sec, "reports.domain.summary", EA_SEV_INFO,
	                    "%s: %s messages %s in %llu report%s; %.1f%% passed DMARC, %.1f%% with DKIM "
	                    "aligned; receivers quarantined %llu and rejected %llu", d->name, count, span,
	                    (unsigned long long)d->reports, d->reports == 1 ? "" : "s",
	                    100.0 * (double)pass / (double)total, 100.0 * (double)dkim / (double)total,
	                    (unsigned long long)quarantined, (unsigned long long)rejected);
	if (f)
		ea_finding_set(&f->name, "%s", d->name);
	if (none_fail && (d->p[0] == '\0' || strcmp(d->p, "none") == 0)) {
		count_text(none_fail, count, sizeof(count));
		f = ea_section_addf(sec, "reports.policy.none", EA_SEV_INFO,
		                    "%s publishes p=none: the %s messages that failed DMARC were not "
		                    "stopped for that reason", d->name, count);
		if (f) {
			ea_finding_set(&f->name, "_dmarc.%s", d->name);
			ea_finding_set(&f->fix, "Once every sender you use aligns, move to p=quarantine, "
			               "then p=reject.");
		}
	}
}

static void file_findings(ea_section *sec, const ea_reports_agg *a)
{
	for (size_t i = 0; i < a->error_count && i < MAX_FILE_FINDINGS; i++) {
		const agg_error *e = &a->errors[i];
		ea_finding *f = ea_section_addf(sec, e->code, EA_SEV_WARNING, "%s: %s", e->path, e->message);
		if (f)
			ea_finding_set(&f->subject, "%s", e->path);
	}
	uint64_t more = a->failed > MAX_FILE_FINDINGS ? a->failed - MAX_FILE_FINDINGS : 0;
	if (more)
		ea_section_addf(sec, "reports.file.more", EA_SEV_WARNING,
		                "%llu more files could not be read (not listed)", (unsigned long long)more);
}

int ea_reports_agg_findings(ea_reports_agg *a, ea_report *rep)
{
	ea_section *sec = ea_report_section(rep, "reports");
	if (sec == NULL)
		return EA_ENOMEM;
	ea_agg_identify(a);
	uint32_t *order;
	size_t n = ea_agg_sorted(a, &order);
	if (order == NULL)
		return EA_ENOMEM;
	uint64_t messages = 0, dkim = 0;
	for (uint16_t d = 0; d < a->domain_count; d++) {
		domain_summary(sec, a, d, order, n);
		/* One group per known sender of this domain, in order of volume. */
		for (size_t i = 0; i < n; i++) {
			const agg_source *s = &a->sources[order[i]];
			if (s->domain != d)
				continue;
			messages += s->total;
			dkim += s->dkim_aligned;
			if (s->sender == NULL)
				continue;
			bool seen = false;
			for (size_t k = 0; k < i && !seen; k++)
				seen = a->sources[order[k]].domain == d && a->sources[order[k]].sender == s->sender;
			if (seen)
				continue;
			group g = {.domain = d, .sender = s->sender};
			for (size_t k = i; k < n; k++) {
				const agg_source *t = &a->sources[order[k]];
				if (t->domain != d || t->sender != s->sender)
					continue;
				g.total += t->total;
				g.dmarc_pass += t->dmarc_pass;
				g.dkim_aligned += t->dkim_aligned;
				g.sources++;
				if (!g.auth_domain && t->auth_domains[0][0])
					g.auth_domain = t->auth_domains[0];
				if (!merge_days(&g, t))
					break;
			}
			if (g.day_count)
				sender_finding(sec, a, &g);
			free(g.days);
		}
		unknown_findings(sec, a, order, n, d);
	}
	free(order);
	file_findings(sec, a);
	if (a->reports == 0)
		ea_section_addf(sec, "reports.none", EA_SEV_WARNING,
		                "No DMARC aggregate report was read%s",
		                a->skipped ? " (every report was left out by --since or --domain)" : "");
	ea_section_set_summary(sec, "%llu report%s read, %llu with errors; %llu messages, %.1f%% with "
	                       "DKIM aligned", (unsigned long long)a->reports, a->reports == 1 ? "" : "s",
	                       (unsigned long long)a->failed, (unsigned long long)messages,
	                       messages ? 100.0 * (double)dkim / (double)messages : 0.0);
	return EA_OK;
}
