/*
 * Jobs: how checks run their lookups.
 *
 * A check is a function written as straight-line code over ea_lookup(). A lookup
 * whose answer is not known yet is sent, and the check returns EA_EPENDING; when
 * all the job's lookups are answered the check runs again from the top with the
 * answers in hand. So all the independent lookups of one round are in flight
 * together, and a check's wall time is the depth of its chain of dependent
 * lookups, not their count. Findings are cleared before every run: only the last
 * run's findings stay.
 */
#ifndef EMAILAUTH_JOB_H
#define EMAILAUTH_JOB_H

#include <emailauth/emailauth.h>

typedef struct ea_job ea_job;

/* A check: adds findings to the job's report. Returns EA_OK when done, EA_EPENDING
 * when it is waiting for lookups, or another error. */
typedef int (*ea_check_fn)(ea_job *job, void *arg);

#define EA_JOB_MAX_CHECKS 16
#define EA_JOB_MAX_ROUNDS 64      /* backstop: a check that keeps asking is cut off */
#define EA_JOB_MAX_LOOKUPS 1024   /* distinct lookups one job may make */

EA_PUBLIC ea_job *ea_job_new(ea_resolver *r, ea_report *rep, double deadline_ms) EA_MUSTCHECK;
EA_PUBLIC void ea_job_free(ea_job *job);
EA_PUBLIC int ea_job_add_check(ea_job *job, ea_check_fn fn, void *arg);
/* Keep a trace of every lookup in the report (always on; off saves memory in scans). */
EA_PUBLIC void ea_job_set_trace(ea_job *job, bool on);
EA_PUBLIC ea_report *ea_job_report(ea_job *job);

/* Runs the job's checks to the end, blocking, within the deadline. */
EA_PUBLIC int ea_job_run(ea_job *job);

/* Non-blocking use, for many jobs at once (scan, server):
 * ea_job_step() runs the checks once; it returns EA_OK when finished or EA_EPENDING.
 * ea_resolver_poll() processes network events for up to timeout_ms and returns the
 * next job whose lookups are all answered (or whose deadline passed), or NULL. */
EA_PUBLIC int ea_job_step(ea_job *job);
EA_PUBLIC bool ea_job_done(const ea_job *job);
EA_PUBLIC ea_job *ea_resolver_poll(ea_resolver *r, int timeout_ms);
EA_PUBLIC size_t ea_resolver_inflight(const ea_resolver *r);

/* The inside of a check. */

/* Asks (name, type) of the resolver. Returns the answer, or NULL while it is pending.
 * `why` says what the lookup is for (kept in the trace). The name is in presentation
 * form; a trailing dot is ignored and case does not matter. */
EA_PUBLIC const ea_dns_answer *ea_lookup(ea_job *job, const char *name, uint16_t type,
                                         const char *why);
/* The same, asked directly and without recursion of one server (an authoritative
 * name server), given by IP address. */
EA_PUBLIC const ea_dns_answer *ea_lookup_at(ea_job *job, const char *server_ip,
                                            const char *name, uint16_t type, const char *why);
/* Speculation: starts the lookup (name, type) in the resolver's shared cache, unless it is
 * cached or in flight already, WITHOUT making the job wait for it: the job is not woken by
 * its answer and it is not in the job's trace. A later ea_lookup() of the same name joins
 * it (or finds its answer). Returns the cached answer if there is one (valid until the
 * job's next lookup or prefetch), else NULL. Nothing is sent once the deadline passed. */
EA_PUBLIC const ea_dns_answer *ea_prefetch(ea_job *job, const char *name, uint16_t type);
/* True if a lookup of this run is still pending. */
EA_PUBLIC bool ea_job_pending(const ea_job *job);
/* True when the resolver has no network (zone files only). */
EA_PUBLIC bool ea_job_offline(const ea_job *job);
/* Milliseconds left before the job's deadline. */
EA_PUBLIC double ea_job_remaining_ms(const ea_job *job);

/* A check that finds the zone of the report's domain and where it is hosted (its NS
 * against the table of DNS hosts): sets rep->zone and rep->dns_host, adds no finding.
 * Run beside checks whose fixes a person types into a provider's form. */
EA_PUBLIC int ea_check_dns_hosting(ea_job *job, void *arg);

/* Monotonic clock in milliseconds. */
EA_PUBLIC double ea_now_ms(void);

#endif
