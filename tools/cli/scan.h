/* emailauth scan: the parts of the command (checks, output, progress). */
#ifndef EA_CLI_SCAN_H
#define EA_CLI_SCAN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <emailauth/emailauth.h>
#include <emailauth/check_sections.h>
#include <emailauth/dmarc.h>
#include <emailauth/spf.h>
#include "scan/scan.h"

#define SCAN_SLOWEST_KEPT 5        /* slowest domains listed in the summary */

/* The checks a scan can run, by name (--checks). */
enum { SCAN_SES = 1u << 0, SCAN_SPF = 1u << 1, SCAN_DMARC = 1u << 2, SCAN_DKIM = 1u << 3,
       SCAN_MX = 1u << 4, SCAN_ALL = 0x1f };

/* One domain in flight: its input, the requests its checks read, its report and job. */
typedef struct {
	ea_scan_item item;
	unsigned long line;
	ea_ses_request ses;
	ea_spf_audit_request spf;
	ea_audit_request audit;      /* dkim (selectors and tokens of the line) and mx */
	ea_report *rep;
	ea_job *job;
	double started;
	bool busy;
} scan_slot;

/* Job -> slot (scan_jobmap.c): ea_resolver_poll hands back a job, the worker needs its slot. */
typedef struct {
	ea_job **keys;
	scan_slot **values;
	size_t mask;
} scan_job_map;
bool scan_job_map_init(scan_job_map *m, size_t slots);
void scan_job_map_put(scan_job_map *m, ea_job *job, scan_slot *s);
scan_slot *scan_job_map_get(const scan_job_map *m, const ea_job *job);
void scan_job_map_del(scan_job_map *m, const ea_job *job);
void scan_job_map_free(scan_job_map *m);

/* Parses "ses,spf,..." into a mask; returns false (with the bad name in *bad) if a
 * name is unknown. */
bool scan_checks_parse(const char *list, unsigned *mask, const char **bad, size_t *bad_len);
/* "spf, dmarc": the names in mask, for messages. */
void scan_checks_names(unsigned mask, char *out, size_t size);
/* Adds the checks of mask that apply to the slot's domain; returns how many. */
int scan_checks_add(ea_job *job, unsigned mask, bool explicit_ses, scan_slot *s);

/* Output: JSON lines or CSV, whole lines only. */
typedef struct {
	FILE *f;
	bool csv;
	bool to_stdout;
	bool tty;                /* stdout on a terminal: lines share it with the progress bar */
	const char *path;
	char *buffer;            /* the file's stdio buffer (glibc ignores setvbuf's size without one) */
} scan_output;
/* Opens the output. With resume, reads the domains already there into seen, cuts a
 * partial last line, and appends. Returns false (message printed) on failure. */
bool scan_output_open(scan_output *o, const char *path, bool csv, bool resume,
                      ea_scan_seen *seen, unsigned long *resumed);
/* The line for one report, in the output's format, in a new string (free it): made by
 * each worker in parallel, then written whole with scan_output_put under a lock. */
char *scan_output_render(const scan_output *o, const ea_report *rep, size_t *len);
int scan_output_put(scan_output *o, const char *line, size_t len);
int scan_output_close(scan_output *o);

/* Progress and the final summary, on stderr. */
typedef struct {
	bool tty, quiet;
	bool drawn;                    /* the bar is on stderr's last line, unfinished */
	double started, last_tick;
	unsigned long total_lines;     /* 0: unknown (stdin) */
	unsigned long lines_done;      /* lines read and settled (domain finished, or rejected) */
	unsigned long domains_done, by_status[4];
	unsigned long rejected, duplicates, resumed_skipped, no_checks;
	struct { double ms; char domain[EA_NAME_MAX + 1]; } slowest[SCAN_SLOWEST_KEPT];
} scan_stats;
void scan_stats_init(scan_stats *st, unsigned long total_lines, bool quiet);
void scan_stats_domain(scan_stats *st, const ea_report *rep);
void scan_progress(scan_stats *st, bool force);
/* Before a warning on stderr: clears the bar's line, so the warning gets a line of its
 * own (scan_progress(st, true) after it draws the bar again). Under the output lock. */
void scan_progress_clear(scan_stats *st);
/* rs: the counters of every worker's resolver, added up; r: one of them, for the names. */
void scan_summary(const scan_stats *st, const ea_resolver_stats *rs, const ea_resolver *r,
                  unsigned checks, bool interrupted, size_t abandoned);

/* What the scan's threads share: the input queue (filled by the reader thread), the
 * output, the counters. Lock order: queue before output, never the other way. */
#define SCAN_QUEUE_ITEMS 256       /* domains read ahead of the workers */

typedef struct {
	ea_scan_item item;
	unsigned long line;
} scan_queued;

typedef struct {
	const char *input_path;
	unsigned run_checks;
	bool checks_explicit;
	double timeout_ms;
	atomic_int *interrupted;        /* Ctrl-C */
	/* the input: the reader thread alone reads it, and fills the queue */
	FILE *in;
	ea_scan_parser parser;
	ea_scan_seen *seen;
	pthread_mutex_t queue_lock;
	pthread_cond_t queue_filled, queue_drained;
	scan_queued queue[SCAN_QUEUE_ITEMS];
	size_t queue_head, queue_count;
	bool input_ended;
	/* the output, the counters, the exit code */
	pthread_mutex_t output_lock;
	pthread_cond_t thread_done;
	scan_output out;
	scan_stats st;
	int worst;                   /* worst exit code of the domains */
	atomic_bool write_failed;
	unsigned threads_running;    /* the reader and the workers */
} scan_shared;

/* The reader thread (scan_reader.c): reads and parses lines, rejects bad ones and
 * duplicates, and queues the domains. */
void *scan_reader_main(void *shared);
typedef enum { SCAN_TAKEN, SCAN_NONE_YET, SCAN_INPUT_ENDED } scan_take;
/* Takes the next queued domain into sl; waits up to wait_ms for one. */
scan_take scan_queue_take(scan_shared *sh, scan_slot *sl, int wait_ms);
/* Rejects a line: the message goes to stderr, the line counts as settled, and as
 * *counter (a counter of sh->st; NULL: rejected). */
void scan_line_error(scan_shared *sh, unsigned long line_no, const char *msg, unsigned long *counter);
/* The CLOCK_REALTIME time ms from now, for pthread_cond_timedwait. */
struct timespec scan_deadline_in(int ms);
/* A thread of the scan ends: the main thread is told. */
void scan_thread_done(scan_shared *sh);

#endif
