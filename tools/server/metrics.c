/*
 * /metrics: what `emailauth serve` has done since it started, as Prometheus counters,
 * a histogram and gauges. Relaxed atomics: each number is exact, and a scrape may see
 * one check's counters a moment apart, which Prometheus accepts.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/buf.h"
#include "metrics.h"

#define METRICS_TEXT_MAX (64 * 1024)   /* the whole exposition; about 6 KB today */
#define STATUS_COUNT 4                 /* ea_status: pass, warn, error, fail */
#define HTTP_CLASSES 6                 /* 1xx .. 5xx, and anything else */

/* Check durations, seconds: a check's deadline defaults to 10 s (SRV_DEFAULT_DEADLINE_S). */
static const double buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define BUCKET_COUNT (sizeof(buckets) / sizeof(buckets[0]))

static atomic_uint_fast64_t checks[SRV_KIND_COUNT][STATUS_COUNT];
static atomic_uint_fast64_t duration_bucket[SRV_KIND_COUNT][BUCKET_COUNT];   /* not cumulative */
static atomic_uint_fast64_t duration_us[SRV_KIND_COUNT];                     /* the sum, in µs */
static atomic_uint_fast64_t refused[SRV_REFUSED_COUNT];
static atomic_uint_fast64_t dns_queries, dns_cache_hits;
static atomic_uint_fast64_t responses[HTTP_CLASSES];

static void add(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

void srv_metrics_check(srv_kind kind, ea_status status, double seconds)
{
	if (kind >= SRV_KIND_COUNT || (unsigned)status >= STATUS_COUNT)
		return;
	add(&checks[kind][status], 1);
	if (!(seconds >= 0))
		seconds = 0;
	add(&duration_us[kind], (uint64_t)(seconds * 1e6));
	for (size_t b = 0; b < BUCKET_COUNT; b++)
		if (seconds <= buckets[b]) {
			add(&duration_bucket[kind][b], 1);
			break;
		}
}

void srv_metrics_refused(srv_refusal why)
{
	if (why < SRV_REFUSED_COUNT)
		add(&refused[why], 1);
}

void srv_metrics_dns(uint64_t queries, uint64_t cache_hits)
{
	add(&dns_queries, queries);
	add(&dns_cache_hits, cache_hits);
}

void srv_metrics_response(unsigned status)
{
	unsigned cls = status / 100;
	add(&responses[cls >= 1 && cls <= 5 ? cls - 1 : HTTP_CLASSES - 1], 1);
}

static void family(ea_buf *b, const char *name, const char *type, const char *help)
{
	ea_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *srv_metrics_render(unsigned checks_running, unsigned max_concurrent, size_t *len)
{
	ea_buf b;
	ea_buf_init(&b, METRICS_TEXT_MAX);
	family(&b, "emailauth_checks_total", "counter", "Checks finished, by kind and the report's status.");
	for (int k = 0; k < SRV_KIND_COUNT; k++)
		for (int s = 0; s < STATUS_COUNT; s++)
			ea_buf_printf(&b, "emailauth_checks_total{kind=\"%s\",status=\"%s\"} %llu\n",
			              srv_kind_name((srv_kind)k), ea_status_name((ea_status)s),
			              (unsigned long long)get(&checks[k][s]));
	family(&b, "emailauth_check_duration_seconds", "histogram", "How long checks took, by kind.");
	for (int k = 0; k < SRV_KIND_COUNT; k++) {
		const char *kind = srv_kind_name((srv_kind)k);
		uint64_t cumulative = 0, count = 0;
		for (int s = 0; s < STATUS_COUNT; s++)
			count += get(&checks[k][s]);
		for (size_t i = 0; i < BUCKET_COUNT; i++) {
			cumulative += get(&duration_bucket[k][i]);
			ea_buf_printf(&b, "emailauth_check_duration_seconds_bucket{kind=\"%s\",le=\"%g\"} %llu\n", kind,
			              buckets[i], (unsigned long long)cumulative);
		}
		ea_buf_printf(&b, "emailauth_check_duration_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %llu\n", kind,
		              (unsigned long long)count);
		ea_buf_printf(&b, "emailauth_check_duration_seconds_sum{kind=\"%s\"} %.6f\n", kind,
		              (double)get(&duration_us[k]) / 1e6);
		ea_buf_printf(&b, "emailauth_check_duration_seconds_count{kind=\"%s\"} %llu\n", kind,
		              (unsigned long long)count);
	}
	family(&b, "emailauth_refused_total", "counter",
	       "Checks refused: by the per-client rate limit (429), or with every check slot taken (503).");
	ea_buf_printf(&b, "emailauth_refused_total{reason=\"rate_limit\"} %llu\n",
	              (unsigned long long)get(&refused[SRV_REFUSED_RATE]));
	ea_buf_printf(&b, "emailauth_refused_total{reason=\"overload\"} %llu\n",
	              (unsigned long long)get(&refused[SRV_REFUSED_BUSY]));
	family(&b, "emailauth_dns_queries_total", "counter", "DNS queries sent by checks.");
	ea_buf_printf(&b, "emailauth_dns_queries_total %llu\n", (unsigned long long)get(&dns_queries));
	family(&b, "emailauth_dns_cache_hits_total", "counter",
	       "Lookups answered from a check's cache or joined to one in flight.");
	ea_buf_printf(&b, "emailauth_dns_cache_hits_total %llu\n", (unsigned long long)get(&dns_cache_hits));
	family(&b, "emailauth_http_responses_total", "counter", "HTTP responses sent, by status class.");
	static const char *const classes[HTTP_CLASSES] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
	for (int i = 0; i < HTTP_CLASSES; i++)
		ea_buf_printf(&b, "emailauth_http_responses_total{code=\"%s\"} %llu\n", classes[i],
		              (unsigned long long)get(&responses[i]));
	family(&b, "emailauth_checks_running", "gauge", "Checks running now.");
	ea_buf_printf(&b, "emailauth_checks_running %u\n", checks_running);
	family(&b, "emailauth_max_concurrent", "gauge", "Checks that may run at once (--max-concurrent).");
	ea_buf_printf(&b, "emailauth_max_concurrent %u\n", max_concurrent);
	family(&b, "emailauth_build_info", "gauge", "The version serving, as a label; always 1.");
	ea_buf_printf(&b, "emailauth_build_info{version=\"%s\"} 1\n", EA_VERSION);
	*len = b.len;
	return ea_buf_take(&b);   /* NULL (and the buffer freed) when it failed */
}
