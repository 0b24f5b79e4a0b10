/* Counters for GET /metrics, in the Prometheus text exposition format (0.0.4).
 * Numbers only, by fixed labels (check kind, status, refusal reason, status class):
 * never a domain, an address or anything a client sent. Safe from any thread. */
#ifndef SRV_METRICS_H
#define SRV_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <emailauth/emailauth.h>
#include "params.h"

typedef enum { SRV_REFUSED_RATE, SRV_REFUSED_BUSY, SRV_REFUSED_COUNT } srv_refusal;

/* One check finished: its kind, the report's status and how long it took. */
void srv_metrics_check(srv_kind kind, ea_status status, double seconds);
/* A check refused by the per-client rate limit (429) or because every slot was taken (503). */
void srv_metrics_refused(srv_refusal why);
/* The DNS work of one check: queries sent, answers from the cache (or joined in flight). */
void srv_metrics_dns(uint64_t queries, uint64_t cache_hits);
/* A response sent, by its HTTP status. */
void srv_metrics_response(unsigned status);
/* The exposition text (malloc'd, *len bytes), or NULL when out of memory. checks_running
 * and max_concurrent are gauges the caller knows. */
char *srv_metrics_render(unsigned checks_running, unsigned max_concurrent, size_t *len);

#endif
