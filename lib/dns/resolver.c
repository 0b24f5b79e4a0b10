/*
 * The resolver front: a bounded answer cache that also joins identical lookups in
 * flight, the jobs that wait on it, and deadlines. Transports (network, zone
 * files) sit behind it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"
#include "util/buf.h"
#include "util/util.h"

#define CACHE_DEFAULT_ENTRIES 65536
#define CACHE_HASH_BITS 16
#define CACHE_MAX_TTL_MS (300.0 * 1000)   /* answers are reused for 5 minutes at most */
#define WAITERS_INITIAL 4
#define TRACE_ANSWER_MAX 4096             /* bytes of answer text kept per trace line */

typedef struct cache_entry cache_entry;

struct cache_entry {
	cache_entry *next_in_bucket;
	cache_entry *lru_prev, *lru_next;
	char name[EA_NAME_MAX + 1];
	char server[48];            /* "" for the resolvers; else the address asked directly */
	uint16_t type;
	bool in_hash;
	ea_dns_answer *answer;      /* NULL while in flight */
	double expires;
	unsigned refs;              /* job lookups holding this entry */
	cache_entry *deferred_cname; /* the CNAME lookup of this name, waiting on this answer */
	ea_job **waiters;
	size_t waiter_count, waiter_cap;
	ea_resolver *r;
};

typedef struct {
	cache_entry *entry;
	ea_dns_answer *local;       /* an answer for this job only (deadline, limits) */
	const char *why;            /* static text from the check */
	char server[48];            /* "" for the resolvers; else the address asked directly */
	bool traced;
} job_lookup;

struct ea_job {
	ea_resolver *r;
	ea_report *rep;
	double deadline;
	struct { ea_check_fn fn; void *arg; } checks[EA_JOB_MAX_CHECKS];
	size_t check_count;
	job_lookup *lookups;
	size_t lookup_count, lookup_cap;
	size_t pending;             /* lookups of this job still in flight */
	bool round_pending;         /* a lookup of the current run returned NULL */
	bool done, ready, trace, expired;
	unsigned rounds;
	ea_job *ready_next;
	ea_job *active_prev, *active_next;
};

struct ea_resolver {
	ea_transport *t;
	bool offline;
	cache_entry *buckets[1u << CACHE_HASH_BITS];
	cache_entry *lru_head, *lru_tail;   /* head: most recently used */
	size_t entry_count, max_entries;
	ea_job *ready_head, *ready_tail;
	ea_job *active;                     /* jobs waiting for lookups */
	/* No active job's deadline is before this (a lower bound, lowered as jobs join):
	 * a poll before it need not look at every job. */
	double earliest_deadline;
	ea_resolver_stats stats;
};

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

static void entry_release(ea_resolver *r, cache_entry *e)
{
	(void)r;
	if (e->refs > 0)
		e->refs--;
	if (e->refs == 0 && !e->in_hash && e->answer != NULL)
		entry_free(e);
}

/* Drops the least recently used entries that no job holds, down to the limit. */
static void cache_trim(ea_resolver *r)
{
	cache_entry *e = r->lru_tail;
	while (r->entry_count > r->max_entries && e != NULL) {
		cache_entry *prev = e->lru_prev;
		if (e->refs == 0 && e->answer != NULL) {
			hash_unlink(r, e);
			entry_free(e);
		}
		e = prev;
	}
}

static cache_entry *cache_find(ea_resolver *r, const char *name, uint16_t type, const char *server)
{
	for (cache_entry *e = r->buckets[entry_hash(name, type, server)]; e; e = e->next_in_bucket)
		if (e->type == type && strcmp(e->name, name) == 0 && strcmp(e->server, server) == 0)
			return e;
	return NULL;
}

static double answer_lifetime_ms(const ea_dns_answer *a)
{
	if (a->outcome == EA_DNS_UNKNOWN)
		return 0;   /* failures are never reused */
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

static void trace_add(ea_job *job, job_lookup *l)
{
	if (!job->trace || l->traced || job->rep == NULL)
		return;
	const ea_dns_answer *a = l->local ? l->local : l->entry->answer;
	if (a == NULL)
		return;
	l->traced = true;
	ea_report *rep = job->rep;
	if (rep->lookup_count >= EA_REPORT_MAX_LOOKUPS) {
		rep->lookups_dropped++;
		return;
	}
	if (rep->lookup_count == rep->lookup_cap) {
		size_t cap = rep->lookup_cap ? rep->lookup_cap * 2 : 32;
		ea_lookup_record *n = realloc(rep->lookups, cap * sizeof(*n));
		if (n == NULL)
			return;
		rep->lookups = n;
		rep->lookup_cap = cap;
	}
	ea_lookup_record *t = &rep->lookups[rep->lookup_count];
	memset(t, 0, sizeof(*t));
	t->name = ea_strdup0(a->qname);
	t->type = a->qtype;
	t->server = ea_strdup0(a->server);
	t->rcode = a->rcode;
	t->outcome = a->outcome;
	t->reason = a->reason;
	t->ms = a->ms;
	t->ad = a->ad;
	t->direct = l->entry != NULL && l->entry->server[0] != '\0';
	t->why = ea_strdup0(l->why);
	ea_buf b;
	ea_buf_init(&b, TRACE_ANSWER_MAX);
	uint32_t ttl = UINT32_MAX;
	for (size_t i = 0; i < a->rr_count; i++) {
		const ea_dns_rr *rr = &a->rrs[i];
		ea_buf_printf(&b, "%s%s. %u %s %s", i ? "\n" : "", rr->owner, rr->ttl,
		              ea_rr_type_name(rr->type), rr->rdata_text);
		if (rr->ttl < ttl)
			ttl = rr->ttl;
	}
	if (a->rr_count == 0 && a->has_soa)
		ttl = a->negative_ttl;
	t->ttl = ttl == UINT32_MAX ? 0 : ttl;
	if (b.error) {
		/* keep what fit: the trace shows a truncated answer rather than none */
		b.error = false;
	}
	t->answer = ea_buf_take(&b);
	rep->lookup_count++;
}

/* Jobs. */

static void ready_push(ea_resolver *r, ea_job *job)
{
	if (job->ready || job->done)
		return;
	job->ready = true;
	job->ready_next = NULL;
	if (r->ready_tail)
		r->ready_tail->ready_next = job;
	else
		r->ready_head = job;
	r->ready_tail = job;
}

/* Takes a job out of the ready queue, wherever it stands in it. */
static void ready_remove(ea_resolver *r, ea_job *job)
{
	ea_job **pp = &r->ready_head, *prev = NULL;
	while (*pp && *pp != job) {
		prev = *pp;
		pp = &(*pp)->ready_next;
	}
	if (*pp) {
		*pp = job->ready_next;
		if (r->ready_tail == job)
			r->ready_tail = prev;
	}
}

static void active_unlink(ea_resolver *r, ea_job *job)
{
	if (job->active_prev)
		job->active_prev->active_next = job->active_next;
	else if (r->active == job)
		r->active = job->active_next;
	if (job->active_next)
		job->active_next->active_prev = job->active_prev;
	job->active_prev = job->active_next = NULL;
}

static void active_link(ea_resolver *r, ea_job *job)
{
	if (job->active_prev || r->active == job)
		return;
	job->active_next = r->active;
	if (r->active)
		r->active->active_prev = job;
	r->active = job;
	if (job->deadline < r->earliest_deadline)
		r->earliest_deadline = job->deadline;
}

static void waiter_remove(cache_entry *e, ea_job *job)
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
	e->expires = ea_now_ms() + answer_lifetime_ms(answer);
	if (answer->outcome == EA_DNS_UNKNOWN) {
		r->stats.failed++;
		if (server_index >= 0 && server_index < EA_RESOLVER_MAX_SERVERS)
			r->stats.failed_by_server[server_index]++;
	}
	for (size_t i = 0; i < e->waiter_count; i++) {
		ea_job *job = e->waiters[i];
		for (size_t k = 0; k < job->lookup_count; k++)
			if (job->lookups[k].entry == e && job->lookups[k].local == NULL)
				trace_add(job, &job->lookups[k]);
		if (job->pending > 0 && --job->pending == 0)
			ready_push(r, job);
	}
	e->waiter_count = 0;
	if (e->deferred_cname != NULL)
		settle_deferred_cname(r, e);
	if (!e->in_hash && e->refs == 0)
		entry_free(e);
}

static job_lookup *job_find(ea_job *job, const char *name, uint16_t type, const char *server)
{
	for (size_t i = 0; i < job->lookup_count; i++) {
		job_lookup *l = &job->lookups[i];
		const ea_dns_answer *a = l->local;
		const char *n = a ? a->qname : l->entry->name;
		uint16_t t = a ? a->qtype : l->entry->type;
		if (t == type && strcmp(n, name) == 0 && strcmp(l->server, server) == 0)
			return l;
	}
	return NULL;
}

static job_lookup *job_add(ea_job *job)
{
	if (job->lookup_count == job->lookup_cap) {
		size_t cap = job->lookup_cap ? job->lookup_cap * 2 : 16;
		job_lookup *n = realloc(job->lookups, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		job->lookups = n;
		job->lookup_cap = cap;
	}
	job_lookup *l = &job->lookups[job->lookup_count++];
	memset(l, 0, sizeof(*l));
	return l;
}

static const ea_dns_answer *job_local(ea_job *job, const char *server, const char *name,
                                      uint16_t type, ea_dns_reason why, const char *text)
{
	job_lookup *l = job_add(job);
	if (l == NULL)
		return NULL;
	snprintf(l->server, sizeof(l->server), "%s", server);
	l->local = ea_dns_answer_failed(name, type, why, "", 0);
	l->why = text;
	if (l->local == NULL) {
		job->lookup_count--;
		return NULL;
	}
	trace_add(job, l);
	return l->local;
}

/* A new cache entry for (name, type, server), in the cache, not asked yet. */
static cache_entry *entry_make(ea_resolver *r, const char *name, uint16_t type, const char *server,
                               unsigned refs)
{
	cache_entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->r = r;
	e->type = type;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->server, sizeof(e->server), "%s", server);
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
static cache_entry *entry_start(ea_resolver *r, const char *name, uint16_t type, const char *server,
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
static cache_entry *cname_from_txt(ea_resolver *r, const char *name, const char *server, unsigned refs)
{
	if (*server != '\0')
		return NULL;   /* a direct question to one server is asked as it is */
	cache_entry *base = cache_find(r, name, EA_RR_TXT, "");
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
		e->expires = ea_now_ms() + answer_lifetime_ms(derived);
	} else {
		base->deferred_cname = e;
	}
	cache_trim(r);
	return e;
}

static const ea_dns_answer *lookup(ea_job *job, const char *server, const char *name_in,
                                   uint16_t type, const char *why)
{
	ea_resolver *r = job->r;
	char name[EA_NAME_MAX + 1];
	if (!ea_dns_name_key(name_in, name, sizeof(name))) {
		static const char too_long[] = "(name too long)";
		job_lookup *l = job_find(job, too_long, type, server);
		if (l)
			return l->local;
		return job_local(job, server, too_long, type, EA_DNS_R_BAD_NAME, why);
	}
	job_lookup *l = job_find(job, name, type, server);
	if (l != NULL) {
		if (l->local)
			return l->local;
		if (l->entry->answer)
			return l->entry->answer;
		job->round_pending = true;
		return NULL;
	}
	if (job->expired || ea_now_ms() >= job->deadline)
		return job_local(job, server, name, type, EA_DNS_R_DEADLINE, why);
	if (job->lookup_count >= EA_JOB_MAX_LOOKUPS)
		return job_local(job, server, name, type, EA_DNS_R_DEADLINE, why);

	cache_entry *e = cache_find(r, name, type, server);
	if (e != NULL && e->answer != NULL && ea_now_ms() >= e->expires) {
		hash_unlink(r, e);
		if (e->refs == 0)
			entry_free(e);
		e = NULL;
	}
	l = job_add(job);
	if (l == NULL)
		return job_local(job, server, name, type, EA_DNS_R_NETWORK, why);
	l->why = why;
	snprintf(l->server, sizeof(l->server), "%s", server);
	if (e != NULL) {
		r->stats.cache_hits++;
		e->refs++;
		l->entry = e;
		lru_unlink(r, e);
		lru_push_front(r, e);
		if (e->answer) {
			trace_add(job, l);
			return e->answer;
		}
	} else {
		e = type == EA_RR_CNAME ? cname_from_txt(r, name, server, 1) : NULL;
		if (e == NULL)
			e = entry_start(r, name, type, server, 1);
		if (e == NULL) {
			/* could not even queue it: end it now, as a failure for this job only */
			job->lookup_count--;
			return job_local(job, server, name, type, EA_DNS_R_NETWORK, why);
		}
		l->entry = e;
		if (e->answer) {
			trace_add(job, l);
			return e->answer;
		}
	}
	/* in flight: wait for it */
	if (e->waiter_count == e->waiter_cap) {
		size_t cap = e->waiter_cap ? e->waiter_cap * 2 : WAITERS_INITIAL;
		ea_job **w = realloc(e->waiters, cap * sizeof(*w));
		if (w == NULL) {
			entry_release(r, e);
			job->lookup_count--;
			return job_local(job, server, name, type, EA_DNS_R_NETWORK, why);
		}
		e->waiters = w;
		e->waiter_cap = cap;
	}
	e->waiters[e->waiter_count++] = job;
	job->pending++;
	job->round_pending = true;
	return NULL;
}

const ea_dns_answer *ea_prefetch(ea_job *job, const char *name_in, uint16_t type)
{
	ea_resolver *r = job->r;
	char name[EA_NAME_MAX + 1];
	if (!ea_dns_name_key(name_in, name, sizeof(name)) || job->expired || ea_now_ms() >= job->deadline)
		return NULL;
	cache_entry *e = cache_find(r, name, type, "");
	if (e != NULL && e->answer != NULL && ea_now_ms() >= e->expires) {
		hash_unlink(r, e);
		if (e->refs == 0)
			entry_free(e);
		e = NULL;
	}
	if (e != NULL)
		return e->answer;
	/* in the cache with no job holding it and no waiter: on_answer keeps it there */
	entry_start(r, name, type, "", 0);
	return NULL;
}

const ea_dns_answer *ea_lookup(ea_job *job, const char *name, uint16_t type, const char *why)
{
	return lookup(job, "", name, type, why);
}

const ea_dns_answer *ea_lookup_at(ea_job *job, const char *server_ip, const char *name,
                                  uint16_t type, const char *why)
{
	if (server_ip == NULL || strlen(server_ip) >= 48)
		return job_local(job, "", name, type, EA_DNS_R_NETWORK, why);
	return lookup(job, server_ip, name, type, why);
}

bool ea_job_pending(const ea_job *job)
{
	return job->round_pending;
}

bool ea_job_offline(const ea_job *job)
{
	return job->r->offline;
}

double ea_job_remaining_ms(const ea_job *job)
{
	double left = job->deadline - ea_now_ms();
	return left > 0 ? left : 0;
}

ea_job *ea_job_new(ea_resolver *r, ea_report *rep, double deadline_ms)
{
	ea_job *job = calloc(1, sizeof(*job));
	if (job == NULL)
		return NULL;
	job->r = r;
	job->rep = rep;
	job->deadline = deadline_ms;
	job->trace = true;
	return job;
}

void ea_job_set_trace(ea_job *job, bool on)
{
	job->trace = on;
}

ea_report *ea_job_report(ea_job *job)
{
	return job->rep;
}

int ea_job_add_check(ea_job *job, ea_check_fn fn, void *arg)
{
	if (job->check_count >= EA_JOB_MAX_CHECKS)
		return EA_ERANGE;
	job->checks[job->check_count].fn = fn;
	job->checks[job->check_count].arg = arg;
	job->check_count++;
	return EA_OK;
}

static void job_detach(ea_job *job)
{
	ea_resolver *r = job->r;
	active_unlink(r, job);
	for (size_t i = 0; i < job->lookup_count; i++) {
		job_lookup *l = &job->lookups[i];
		if (l->entry) {
			waiter_remove(l->entry, job);
			entry_release(r, l->entry);
			l->entry = NULL;
		}
		ea_dns_answer_free(l->local);
		l->local = NULL;
	}
	job->lookup_count = 0;
	job->pending = 0;
}

void ea_job_free(ea_job *job)
{
	if (job == NULL)
		return;
	ea_resolver *r = job->r;
	if (job->ready)
		ready_remove(r, job);
	job_detach(job);
	free(job->lookups);
	free(job);
}

/* The deadline passed while lookups were in flight: this job stops waiting. */
static void job_expire(ea_job *job)
{
	job->expired = true;
	for (size_t i = 0; i < job->lookup_count; i++) {
		job_lookup *l = &job->lookups[i];
		if (l->entry && l->entry->answer == NULL && l->local == NULL) {
			waiter_remove(l->entry, job);
			l->local = ea_dns_answer_failed(l->entry->name, l->entry->type,
			                                 EA_DNS_R_DEADLINE, "", 0);
			trace_add(job, l);
		}
	}
	job->pending = 0;
	active_unlink(job->r, job);
	ready_push(job->r, job);
}

int ea_job_step(ea_job *job)
{
	if (job->done)
		return EA_OK;
	job->ready = false;
	job->round_pending = false;
	job->rounds++;
	if (job->rep)
		ea_report_clear_findings(job->rep);
	int rc = EA_OK;
	for (size_t i = 0; i < job->check_count; i++) {
		int crc = job->checks[i].fn(job, job->checks[i].arg);
		if (crc == EA_EPENDING)
			rc = EA_EPENDING;
		else if (crc != EA_OK && rc == EA_OK)
			rc = crc;
	}
	if (rc == EA_EPENDING && job->pending == 0 && !job->round_pending)
		rc = EA_OK;  /* a check said pending with nothing in flight: do not spin */
	if (rc == EA_EPENDING && job->rounds >= EA_JOB_MAX_ROUNDS) {
		job->expired = true;   /* every further lookup ends at once */
	}
	if (rc == EA_EPENDING) {
		if (job->pending == 0)
			ready_push(job->r, job);   /* everything was cached: run again */
		else
			active_link(job->r, job);
		return EA_EPENDING;
	}
	job->done = true;
	if (job->rep) {
		ea_report_finish(job->rep);
	}
	active_unlink(job->r, job);
	return rc;
}

bool ea_job_done(const ea_job *job)
{
	return job->done;
}

ea_job *ea_resolver_poll(ea_resolver *r, int timeout_ms)
{
	for (;;) {
		ea_job *job = r->ready_head;
		if (job != NULL) {
			r->ready_head = job->ready_next;
			if (r->ready_head == NULL)
				r->ready_tail = NULL;
			job->ready_next = NULL;
			return job;
		}
		double now = ea_now_ms();
		double wait = timeout_ms;
		bool expired = false;
		if (now >= r->earliest_deadline) {
			r->earliest_deadline = INFINITY;
			for (ea_job *j = r->active, *next; j; j = next) {
				next = j->active_next;
				if (j->pending > 0 && now >= j->deadline) {
					job_expire(j);
					expired = true;
				} else if (j->deadline < r->earliest_deadline) {
					r->earliest_deadline = j->deadline;
				}
			}
		}
		if (r->earliest_deadline - now < wait)
			wait = r->earliest_deadline - now;
		if (expired)
			continue;
		if (r->t->inflight(r->t) == 0)
			return NULL;
		int ran = r->t->process(r->t, wait < 0 ? 0 : (int)(wait + 1));
		if (ran == 0 && r->ready_head == NULL && timeout_ms >= 0 && ea_now_ms() - now >= timeout_ms)
			return NULL;
		if (ran == 0 && r->ready_head == NULL && r->active == NULL)
			return NULL;
	}
}

size_t ea_resolver_inflight(const ea_resolver *r)
{
	return r->t->inflight(r->t);
}

int ea_job_run(ea_job *job)
{
	for (;;) {
		int rc = ea_job_step(job);
		if (rc != EA_EPENDING)
			return rc;
		while (!job->ready && !job->done) {
			ea_job *j = ea_resolver_poll(job->r, 1000);
			if (j == job)
				break;
			if (j == NULL && job->pending > 0 && job->r->t->inflight(job->r->t) == 0) {
				/* nothing is in flight, yet we wait: end this job's lookups */
				job_expire(job);
			}
		}
		if (job->ready)
			ready_remove(job->r, job);   /* it may still sit in the ready queue */
	}
}

/* The resolver. */

ea_resolver *ea_resolver_new_with_transport(ea_transport *t, const ea_resolver_config *cfg)
{
	ea_resolver *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->t = t;
	r->earliest_deadline = INFINITY;
	r->max_entries = cfg && cfg->cache_entries ? cfg->cache_entries : CACHE_DEFAULT_ENTRIES;
	return r;
}

ea_resolver *ea_resolver_new(const ea_resolver_config *cfg, int *err, char *errmsg,
                             size_t errmsg_size)
{
	int dummy;
	if (err == NULL)
		err = &dummy;
	*err = EA_OK;
	char dummymsg[8];
	if (errmsg == NULL) {
		errmsg = dummymsg;
		errmsg_size = sizeof(dummymsg);
	}
	errmsg[0] = '\0';
	ea_transport *net = NULL, *t = NULL;
	bool offline = false;
	if (cfg->zone_file_count == 0 || cfg->server_count > 0) {
		net = ea_transport_net_new(cfg, err, errmsg, errmsg_size);
		if (net == NULL)
			return NULL;
	}
	if (cfg->zone_file_count > 0) {
		ea_zone_store *z = ea_zone_store_new();
		if (z == NULL) {
			*err = EA_ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < cfg->zone_file_count; i++) {
			char msg[256];
			int rc = ea_zone_store_load_file(z, cfg->zone_files[i], msg, sizeof(msg));
			if (rc != EA_OK) {
				*err = rc;
				snprintf(errmsg, errmsg_size, "%s: %s", cfg->zone_files[i], msg);
				ea_zone_store_free(z);
				goto fail;
			}
		}
		t = ea_transport_zone_new(z, net);
		if (t == NULL) {
			ea_zone_store_free(z);
			*err = EA_ENOMEM;
			goto fail;
		}
		net = NULL;
		offline = cfg->server_count == 0;
	} else {
		t = net;
		net = NULL;
	}
	ea_resolver *r = ea_resolver_new_with_transport(t, cfg);
	if (r == NULL) {
		t->free(t);
		*err = EA_ENOMEM;
		return NULL;
	}
	r->offline = offline;
	return r;
fail:
	if (net)
		net->free(net);
	return NULL;
}

bool ea_resolver_offline(const ea_resolver *r)
{
	return r->offline;
}

void ea_resolver_free(ea_resolver *r)
{
	if (r == NULL)
		return;
	/* Jobs must be freed first; then nothing waits on the cache. */
	r->t->cancel_all(r->t, EA_DNS_R_DEADLINE);
	r->t->free(r->t);
	for (size_t b = 0; b < EA_ARRAY_SIZE(r->buckets); b++) {
		cache_entry *e = r->buckets[b];
		while (e) {
			cache_entry *n = e->next_in_bucket;
			entry_free(e);
			e = n;
		}
	}
	free(r);
}

void ea_resolver_get_stats(const ea_resolver *r, ea_resolver_stats *out)
{
	*out = r->stats;
}

const char *ea_resolver_server_name(const ea_resolver *r, size_t i)
{
	return r->t->server_name(r->t, i);
}
