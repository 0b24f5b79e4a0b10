/*
 * The job engine: checks that re-run until their lookups are answered.
 *
 * A job holds a list of checks and runs them all, top to bottom, in one step
 * (ea_job_step). A lookup whose answer is not in hand is sent (or joins the same
 * lookup in flight in the cache) and returns NULL; the check then returns
 * EA_EPENDING. When every lookup of the step is answered, or the deadline passes,
 * the job is put on the resolver's ready queue and ea_resolver_poll() hands it back,
 * to be stepped again. The rounds are bounded (EA_JOB_MAX_ROUNDS), and so are the
 * lookups of one job (EA_JOB_MAX_LOOKUPS).
 *
 * What a check may assume when it is re-run:
 *  - every lookup it made in an earlier round of this job returns the same answer
 *    (the job keeps its own reference: an answer never changes under a check, even
 *    if the cache entry expires or is trimmed);
 *  - the report's findings were cleared before the step (only the last run's
 *    findings stay), but the trace of lookups is kept;
 *  - once the deadline has passed, every new lookup ends at once as a failure
 *    (EA_DNS_R_DEADLINE), never as "absent".
 * What it must not do:
 *  - keep state between runs in its arg except what it can rebuild from the
 *    answers (a re-run starts from the top; memoise only pure functions of answers);
 *  - keep an answer pointer past the job (answers belong to the job and the cache);
 *  - print or block: it adds findings to the report and returns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver_internal.h"
#include "util/buf.h"
#include "util/util.h"

#define TRACE_ANSWER_MAX 4096             /* bytes of answer text kept per trace line */

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
	ea_copy(l->server, sizeof(l->server), server);
	l->local = ea_dns_answer_failed(name, type, why, "", 0);
	l->why = text;
	if (l->local == NULL) {
		job->lookup_count--;
		return NULL;
	}
	trace_add(job, l);
	return l->local;
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

	cache_entry *e = ea_cache_find_live(r, name, type, server);
	l = job_add(job);
	if (l == NULL)
		return job_local(job, server, name, type, EA_DNS_R_NETWORK, why);
	l->why = why;
	ea_copy(l->server, sizeof(l->server), server);
	if (e != NULL) {
		r->stats.cache_hits++;
		if (e->answer != NULL && e->answer->outcome == EA_DNS_UNKNOWN)
			r->stats.failures_reused++;   /* RFC 9520: one wait for a dead server, not one each */
		e->refs++;
		l->entry = e;
		ea_cache_touch(r, e);
		if (e->answer) {
			trace_add(job, l);
			return e->answer;
		}
	} else {
		e = type == EA_RR_CNAME ? ea_cache_cname_from_txt(r, name, server, 1) : NULL;
		if (e == NULL)
			e = ea_cache_start(r, name, type, server, 1);
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
	if (ea_cache_add_waiter(e, job) != EA_OK) {
		ea_cache_release(r, e);
		job->lookup_count--;
		return job_local(job, server, name, type, EA_DNS_R_NETWORK, why);
	}
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
	cache_entry *e = ea_cache_find_live(r, name, type, "");
	if (e != NULL)
		return e->answer;
	/* in the cache with no job holding it and no waiter: on_answer keeps it there */
	ea_cache_start(r, name, type, "", 0);
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
			ea_cache_remove_waiter(l->entry, job);
			ea_cache_release(r, l->entry);
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
			ea_cache_remove_waiter(l->entry, job);
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
	/* timeout_ms bounds the whole call, not one round: answers that complete no job
	 * (a check still waiting on others) must not keep the caller from its own work,
	 * such as seeing Ctrl-C */
	double started = ea_now_ms();
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
		if (timeout_ms >= 0 && started + timeout_ms - now < wait)
			wait = started + timeout_ms - now;
		if (expired)
			continue;
		if (r->t->inflight(r->t) == 0)
			return NULL;
		int ran = r->t->process(r->t, wait < 0 ? 0 : (int)(wait + 1));
		if (r->ready_head == NULL && timeout_ms >= 0 && ea_now_ms() - started >= timeout_ms)
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

void ea_job_lookup_answered(ea_job *job, cache_entry *e)
{
	for (size_t k = 0; k < job->lookup_count; k++)
		if (job->lookups[k].entry == e && job->lookups[k].local == NULL)
			trace_add(job, &job->lookups[k]);
	if (job->pending > 0 && --job->pending == 0)
		ready_push(job->r, job);
}
