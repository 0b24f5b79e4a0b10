/*
 * Private to the resolver's three parts: the answer cache (cache.c), the job engine
 * (job.c) and the resolver that owns them both and its transport (resolver.c).
 */
#ifndef EA_DNS_RESOLVER_INTERNAL_H
#define EA_DNS_RESOLVER_INTERNAL_H

#include "dns/internal.h"

#define CACHE_DEFAULT_ENTRIES 65536
#define CACHE_HASH_BITS 16
#define CACHE_MAX_TTL_MS (300.0 * 1000)   /* answers are reused for 5 minutes at most */
/* A failure (timeout, SERVFAIL, REFUSED...) is reused this long: RFC 9520 section 3.2 asks
 * for at least 1 s and at most 5 minutes; short, so that a retry soon asks again. */
#define CACHE_FAILURE_LIFETIME_MS 5000.0
#define WAITERS_INITIAL 4
#define CACHE_TRIM_STEPS 8                /* entries looked at per trim (cache.c) */

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
	double failure_lifetime_ms;         /* CACHE_FAILURE_LIFETIME_MS; tests shorten it */
	ea_resolver_stats stats;
};

/* cache.c */

/* The entry for (name, type, server), answered or in flight, or NULL. An answer past
 * its lifetime is dropped from the cache first (and freed when no job holds it). */
cache_entry *ea_cache_find_live(ea_resolver *r, const char *name, uint16_t type, const char *server);
cache_entry *ea_cache_find(ea_resolver *r, const char *name, uint16_t type, const char *server);
/* Marks e as most recently used. */
void ea_cache_touch(ea_resolver *r, cache_entry *e);
/* A new entry, its query sent; NULL if it could not be. refs: jobs holding it. */
cache_entry *ea_cache_start(ea_resolver *r, const char *name, uint16_t type, const char *server,
                            unsigned refs);
/* A CNAME lookup read off (or waiting on) the same name's TXT lookup; NULL: ask as usual. */
cache_entry *ea_cache_cname_from_txt(ea_resolver *r, const char *name, const char *server,
                                     unsigned refs);
/* Adds job to the jobs woken by e's answer. EA_OK or EA_ENOMEM. */
int ea_cache_add_waiter(cache_entry *e, ea_job *job);
void ea_cache_remove_waiter(cache_entry *e, ea_job *job);
/* A job lets go of e; e is freed if nothing else keeps it. */
void ea_cache_release(ea_resolver *r, cache_entry *e);
/* Frees every entry (the resolver is going away). */
void ea_cache_free_all(ea_resolver *r);

/* job.c */

/* e, which job waits on, is answered: trace it and wake the job when it was the last. */
void ea_job_lookup_answered(ea_job *job, cache_entry *e);

#endif
