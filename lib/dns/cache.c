/*
 * The answer cache: a bounded hash with an LRU list, which also joins identical
 * lookups in flight (one query, many waiters). An entry is freed when it has left the
 * hash (expired or trimmed) and no job holds it. Jobs (job.c) hold entries and are
 * woken from here when an answer comes in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver_internal.h"
#include "util/util.h"

static uint32_t entry_hash(const char *name, uint16_t type, const char *server)
{
	uint32_t h = 2166136261u;
	for (const char *s = name; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ type) * 16777619u;
	for (const char *s = server; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h & ((1u << CACHE_HASH_BITS) - 1);
}

static void lru_unlink(ea_resolver *r, cache_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else if (r->lru_head == e)
		r->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else if (r->lru_tail == e)
		r->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(ea_resolver *r, cache_entry *e)
{
	e->lru_next = r->lru_head;
	e->lru_prev = NULL;
	if (r->lru_head)
		r->lru_head->lru_prev = e;
	r->lru_head = e;
	if (r->lru_tail == NULL)
		r->lru_tail = e;
}

static void hash_unlink(ea_resolver *r, cache_entry *e)
{
	if (!e->in_hash)
		return;
	cache_entry **pp = &r->buckets[entry_hash(e->name, e->type, e->server)];
	while (*pp && *pp != e)
		pp = &(*pp)->next_in_bucket;
	if (*pp)
		*pp = e->next_in_bucket;
	e->in_hash = false;
	lru_unlink(r, e);
	r->entry_count--;
}

static void entry_free(cache_entry *e)
{
	ea_dns_answer_free(e->answer);
	free(e->waiters);
	free(e);
}

void ea_cache_release(ea_resolver *r, cache_entry *e)
{
	(void)r;
	if (e->refs > 0)
		e->refs--;
	if (e->refs == 0 && !e->in_hash && e->answer != NULL)
		entry_free(e);
}

/* Drops the least recently used entries that no job holds, down to the limit. Looks at
 * CACHE_TRIM_STEPS entries at most: with thousands of domains in flight most entries are
 * held (in flight, or kept by a job), and walking past them all on every new entry made
 * a scan quadratic. A held entry met at the tail goes to the front (it is in use), so
 * the next trim meets others; the cache is over its bound by what jobs hold, no more. */
static void cache_trim(ea_resolver *r)
{
	for (unsigned steps = 0; steps < CACHE_TRIM_STEPS && r->entry_count > r->max_entries; steps++) {
		cache_entry *e = r->lru_tail;
		if (e == NULL)
			return;
		if (e->refs == 0 && e->answer != NULL) {
			hash_unlink(r, e);
			entry_free(e);
		} else {
			ea_cache_touch(r, e);
		}
	}
}

cache_entry *ea_cache_find(ea_resolver *r, const char *name, uint16_t type, const char *server)
{
	for (cache_entry *e = r->buckets[entry_hash(name, type, server)]; e; e = e->next_in_bucket)
		if (e->type == type && strcmp(e->name, name) == 0 && strcmp(e->server, server) == 0)
			return e;
	return NULL;
}

/* A failure the server (or the path to it) gave, as RFC 9520 section 3 counts them:
 * kept briefly so that a dead server shared by many domains costs one wait. Not the
 * job's own deadline, a cancel, or a name we could not even ask. */
static bool failure_of_server(const ea_dns_answer *a)
{
	switch (a->reason) {
	case EA_DNS_R_TIMEOUT:
	case EA_DNS_R_SERVFAIL:
	case EA_DNS_R_REFUSED:
	case EA_DNS_R_OTHER_RCODE:
	case EA_DNS_R_MALFORMED:
	case EA_DNS_R_NETWORK:
		return true;
	default:
		return false;
	}
}

static double answer_lifetime_ms(const ea_resolver *r, const ea_dns_answer *a)
{
	if (a->outcome == EA_DNS_UNKNOWN)
		return failure_of_server(a) ? r->failure_lifetime_ms : 0;
	uint32_t ttl = UINT32_MAX;
	for (size_t i = 0; i < a->rr_count; i++)
		if (a->rrs[i].ttl < ttl)
			ttl = a->rrs[i].ttl;
	if (a->rr_count == 0)
		ttl = a->has_soa ? a->negative_ttl : 0;
	double ms = (double)ttl * 1000.0;
	return ms > CACHE_MAX_TTL_MS ? CACHE_MAX_TTL_MS : ms;
}

/* The trace. */

void ea_cache_remove_waiter(cache_entry *e, ea_job *job)
{
	for (size_t i = 0; i < e->waiter_count; i++) {
		if (e->waiters[i] == job) {
			e->waiters[i] = e->waiters[--e->waiter_count];
			return;
		}
	}
}

static void entry_send(ea_resolver *r, cache_entry *e);
static void on_answer(void *arg, ea_dns_answer *answer, int server_index);

/* The CNAME lookup that waited on e's answer: read off it when it tells, else asked. */
static void settle_deferred_cname(ea_resolver *r, cache_entry *e)
{
	cache_entry *d = e->deferred_cname;
	e->deferred_cname = NULL;
	const ea_dns_answer *a = e->answer;
	ea_dns_answer *derived = a->reason == EA_DNS_R_DEADLINE
	                         ? ea_dns_answer_failed(d->name, EA_RR_CNAME, EA_DNS_R_DEADLINE, "", 0)
	                         : ea_dns_answer_cname_from(a);
	if (derived == NULL) {
		entry_send(r, d);
		return;
	}
	r->stats.cache_hits++;
	on_answer(d, derived, -1);
}

static void on_answer(void *arg, ea_dns_answer *answer, int server_index)
{
	cache_entry *e = arg;
	ea_resolver *r = e->r;
	e->answer = answer;
	e->expires = ea_now_ms() + answer_lifetime_ms(r, answer);
	if (answer->outcome == EA_DNS_UNKNOWN) {
		r->stats.failed++;
		if (server_index >= 0 && server_index < EA_RESOLVER_MAX_SERVERS)
			r->stats.failed_by_server[server_index]++;
	}
	for (size_t i = 0; i < e->waiter_count; i++)
		ea_job_lookup_answered(e->waiters[i], e);
	e->waiter_count = 0;
	if (e->deferred_cname != NULL)
		settle_deferred_cname(r, e);
	if (!e->in_hash && e->refs == 0)
		entry_free(e);
}

static cache_entry *entry_make(ea_resolver *r, const char *name, uint16_t type, const char *server,
                               unsigned refs)
{
	cache_entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->r = r;
	e->type = type;
	ea_copy(e->name, sizeof(e->name), name);
	ea_copy(e->server, sizeof(e->server), server);
	e->refs = refs;
	uint32_t h = entry_hash(name, type, server);
	e->next_in_bucket = r->buckets[h];
	r->buckets[h] = e;
	e->in_hash = true;
	lru_push_front(r, e);
	r->entry_count++;
	return e;
}

/* Puts e's query on the wire; if the transport refuses it, e ends as a failure. */
static void entry_send(ea_resolver *r, cache_entry *e)
{
	r->stats.sent++;
	if (r->t->send(r->t, e->name, e->type, *e->server ? e->server : NULL, on_answer, e) != EA_OK)
		on_answer(e, ea_dns_answer_failed(e->name, e->type, EA_DNS_R_NETWORK, e->server, 0), -1);
}

/* A new cache entry for (name, type, server), its query sent. NULL if it could not be. */
cache_entry *ea_cache_start(ea_resolver *r, const char *name, uint16_t type, const char *server,
                                unsigned refs)
{
	cache_entry *e = entry_make(r, name, type, server, refs);
	if (e == NULL)
		return NULL;
	r->stats.sent++;
	if (r->t->send(r->t, name, type, *server ? server : NULL, on_answer, e) != EA_OK) {
		hash_unlink(r, e);
		entry_free(e);
		return NULL;
	}
	cache_trim(r);
	return e;
}

/* A CNAME lookup at a name whose TXT is asked too (the SES check asks both): the TXT
 * answer carries the name's CNAME, or says the name does not exist (RFC 1034 3.6.2),
 * so the CNAME query is sent only when it does not tell. Saves a query per SES token.
 * Returns the entry (answered, or waiting on the TXT), or NULL: ask as usual. */
cache_entry *ea_cache_cname_from_txt(ea_resolver *r, const char *name, const char *server,
                                     unsigned refs)
{
	if (*server != '\0')
		return NULL;   /* a direct question to one server is asked as it is */
	cache_entry *base = ea_cache_find(r, name, EA_RR_TXT, "");
	if (base == NULL || base->deferred_cname != NULL)
		return NULL;
	ea_dns_answer *derived = NULL;
	if (base->answer != NULL) {
		if (ea_now_ms() >= base->expires || (derived = ea_dns_answer_cname_from(base->answer)) == NULL)
			return NULL;
	}
	cache_entry *e = entry_make(r, name, EA_RR_CNAME, "", refs);
	if (e == NULL) {
		ea_dns_answer_free(derived);
		return NULL;
	}
	if (derived != NULL) {
		r->stats.cache_hits++;
		e->answer = derived;
		e->expires = ea_now_ms() + answer_lifetime_ms(r, derived);
	} else {
		base->deferred_cname = e;
	}
	cache_trim(r);
	return e;
}

cache_entry *ea_cache_find_live(ea_resolver *r, const char *name, uint16_t type, const char *server)
{
	cache_entry *e = ea_cache_find(r, name, type, server);
	if (e != NULL && e->answer != NULL && ea_now_ms() >= e->expires) {
		hash_unlink(r, e);
		if (e->refs == 0)
			entry_free(e);
		e = NULL;
	}
	return e;
}

void ea_cache_touch(ea_resolver *r, cache_entry *e)
{
	lru_unlink(r, e);
	lru_push_front(r, e);
}

int ea_cache_add_waiter(cache_entry *e, ea_job *job)
{
	if (e->waiter_count == e->waiter_cap) {
		size_t cap = e->waiter_cap ? e->waiter_cap * 2 : WAITERS_INITIAL;
		ea_job **w = realloc(e->waiters, cap * sizeof(*w));
		if (w == NULL)
			return EA_ENOMEM;
		e->waiters = w;
		e->waiter_cap = cap;
	}
	e->waiters[e->waiter_count++] = job;
	return EA_OK;
}

void ea_cache_free_all(ea_resolver *r)
{
	for (size_t b = 0; b < EA_ARRAY_SIZE(r->buckets); b++) {
		cache_entry *e = r->buckets[b];
		while (e) {
			cache_entry *n = e->next_in_bucket;
			entry_free(e);
			e = n;
		}
		r->buckets[b] = NULL;
	}
}
