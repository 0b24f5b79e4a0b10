/*
 * emailauth scan FILE|- [--checks ses,spf,dmarc,dkim,mx] [--jobs N] [--qps N]
 *                      [--inflight N] [--threads N] [--format jsonl|csv] [--output FILE]
 *                      [--resume]
 *
 * Streams the input: worker threads (one per core by default) each keep a share of the
 * domains in flight (--jobs), as jobs over the worker's own resolver, whose cache joins
 * identical lookups and reuses answers. A resolver is not shared between threads: the
 * workers share only the input, the output and the counters, each under a lock. Results
 * are written as each domain finishes; memory does not grow with the input.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/sanitize.h"
#include "scan.h"
#include "cli.h"

#define SCAN_DEFAULT_JOBS 1000       /* domains in flight, all workers together */
#define SCAN_MAX_JOBS 100000
/* Queries in flight, all workers together: a round trip's worth of queries is what a scan
 * over a slow path needs (docs/performance.md); 1,000 stays under what one unbound
 * thread takes at once by default (num-queries-per-thread 1024). */
#define SCAN_DEFAULT_INFLIGHT 1000
#define SCAN_MAX_INFLIGHT 100000     /* the transport spreads them over c-ares channels */
#define SCAN_MAX_QPS 10000000
#define SCAN_MAX_THREADS 64
#define SCAN_CACHE_ENTRIES 16384     /* answers kept, all workers together (a provider's records stay hot) */
#define SCAN_MIN_CACHE_ENTRIES 1024  /* per worker, however many workers */
/* Room per domain in flight: a domain's jobs hold its answers (8 for ses,spf,dmarc) until
 * it is done, and a cache that jobs fill was walked on every new entry for one it may
 * drop (cache_trim: 2.3% of a scan's samples at 4,000 domains in flight, perf). */
#define SCAN_CACHE_PER_JOB 8
#define SCAN_HEAP_KEEP (64 * 1024 * 1024)  /* see cmd_scan: heap kept between jobs */
#define SCAN_POLL_MS 100             /* the longest a worker waits before it looks at Ctrl-C */
#define SCAN_RECHECK_INPUT_MS 5      /* a worker with room looks at the input this often */
#define SCAN_TICK_MS 100             /* progress is redrawn, and Ctrl-C seen, this often */
#define SCAN_FLUSH_MS 200.0          /* output is flushed this often */
#define COUNT_BUFFER (64 * 1024)

/* Set by SIGINT/SIGTERM, read by every thread: a lock-free atomic is both
 * async-signal-safe and free of data races. */
static atomic_int interrupted;

static void on_interrupt(int sig)
{
	int saved_errno = errno;
	(void)sig;
	atomic_store(&interrupted, 1);
	errno = saved_errno;
}

typedef struct {
	cli_globals g;
	const char *input_path;
	const char *output_path;
	unsigned checks;             /* asked for */
	bool checks_explicit;
	unsigned jobs, inflight, qps, threads;
	bool csv, resume, quiet;
} scan_opts;

/* One worker thread: its resolver and the domains it has in flight. */
typedef struct {
	scan_shared *sh;
	ea_resolver *r;
	scan_slot *slots;
	scan_slot **free_slots;
	size_t jobs, free_count, active;
	size_t inflight;             /* this worker's share of --inflight */
	scan_job_map map;
	bool input_done;             /* this worker saw the end of the input */
} scan_worker;

static void finish_slot(scan_worker *w, scan_slot *sl)
{
	scan_shared *sh = w->sh;
	sl->rep->elapsed_ms = ea_now_ms() - sl->started;
	size_t len = 0;
	char *text = scan_output_render(&sh->out, sl->rep, &len);
	int code = ea_status_exit_code(ea_report_status(sl->rep));
	pthread_mutex_lock(&sh->output_lock);
	if (sh->out.tty)
		scan_progress_clear(&sh->st);   /* the line gets a line of its own; the bar comes back */
	if (text == NULL || scan_output_put(&sh->out, text, len) != EA_OK)
		atomic_store(&sh->write_failed, true);
	scan_stats_domain(&sh->st, sl->rep);
	/* fail (2) outranks could-not-determine (3), as in the report's own order */
	int rank_new = code == 2 ? 4 : code, rank_old = sh->worst == 2 ? 4 : sh->worst;
	if (rank_new > rank_old)
		sh->worst = code;
	pthread_mutex_unlock(&sh->output_lock);
	free(text);
	scan_job_map_del(&w->map, sl->job);
	ea_job_free(sl->job);
	ea_report_free(sl->rep);
	sl->job = NULL;
	sl->rep = NULL;
	sl->busy = false;
	w->free_slots[w->free_count++] = sl;
	w->active--;
}

/* Runs a job once; finishes the slot if the job is done. */
static void step_slot(scan_worker *w, scan_slot *sl)
{
	if (ea_job_step(sl->job) != EA_EPENDING)
		finish_slot(w, sl);
}

/* Starts one domain in a free slot. Waits for the input only when the worker has
 * nothing in flight (a slow pipe must not stall lookups already sent). Returns false
 * when no domain was started. */
static bool start_next(scan_worker *w)
{
	scan_shared *sh = w->sh;
	scan_slot *sl = w->free_slots[w->free_count - 1];
	while (!interrupted) {
		scan_take took = scan_queue_take(sh, sl, w->active == 0 ? SCAN_POLL_MS : 0);
		if (took == SCAN_INPUT_ENDED)
			w->input_done = true;
		if (took != SCAN_TAKEN)
			return false;
		sl->rep = ea_report_new(sl->item.domain, sl->item.display);
		sl->started = ea_now_ms();
		sl->job = sl->rep ? ea_job_new(w->r, sl->rep, sl->started + sh->timeout_ms) : NULL;
		if (sl->job == NULL) {
			ea_report_free(sl->rep);
			sl->rep = NULL;
			scan_line_error(sh, sl->line, "out of memory", NULL);
			continue;
		}
		ea_job_set_trace(sl->job, false);
		if (scan_checks_add(sl->job, sh->run_checks, sh->checks_explicit, sl) == 0) {
			char msg[EA_NAME_MAX + 128];
			snprintf(msg, sizeof(msg), "nothing to check for %s: no SES tokens on the line, and no "
			         "other check asked for", sl->item.domain);
			ea_job_free(sl->job);
			ea_report_free(sl->rep);
			sl->job = NULL;
			sl->rep = NULL;
			scan_line_error(sh, sl->line, msg, &sh->st.no_checks);
			continue;
		}
		sl->busy = true;
		w->free_count--;
		w->active++;
		scan_job_map_put(&w->map, sl->job, sl);
		step_slot(w, sl);
		return true;
	}
	return false;
}

static void *worker_main(void *arg)
{
	scan_worker *w = arg;
	scan_shared *sh = w->sh;
	while (!interrupted && !atomic_load(&sh->write_failed)) {
		/* Start domains while there is room, and no query waits for a free place:
		 * a queue at the transport would only eat into the domains' deadlines. */
		bool starved = false;
		while (!w->input_done && !interrupted && w->free_count > 0 && ea_resolver_inflight(w->r) < w->inflight)
			if (!start_next(w)) {
				starved = !w->input_done;
				break;
			}
		if (w->active == 0 && w->input_done)
			break;
		/* room, but the reader is behind: come back for its lines soon */
		ea_job *job = ea_resolver_poll(w->r, starved ? SCAN_RECHECK_INPUT_MS : SCAN_POLL_MS);
		if (job != NULL) {
			scan_slot *sl = scan_job_map_get(&w->map, job);
			if (sl != NULL)
				step_slot(w, sl);
		} else if (w->active > 0 && ea_resolver_inflight(w->r) == 0) {
			/* Nothing in flight yet jobs wait: run them, they end what they have. */
			for (size_t i = 0; i < w->jobs; i++)
				if (w->slots[i].busy)
					step_slot(w, &w->slots[i]);
		}
	}
	scan_thread_done(sh);
	return NULL;
}

/* Counts the lines of a regular file for the progress bar (a quick streaming pass). */
static unsigned long count_lines(const char *path)
{
	struct stat sb;
	if (strcmp(path, "-") == 0 || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	static char buf[COUNT_BUFFER];
	unsigned long lines = 0;
	size_t n;
	char last = '\n';
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (const char *p = buf; (p = memchr(p, '\n', n - (size_t)(p - buf))) != NULL; p++)
			lines++;
		last = buf[n - 1];
	}
	fclose(f);
	return lines + (last != '\n');
}

static int parse_count(const char *opt, const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long n = v ? strtoul(v, &end, 10) : 0;
	if (v == NULL || *v == '\0' || *end != '\0' || errno || n < min || n > max) {
		cli_usage_error("%s takes a number from %u to %u", opt, min, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

/* One worker per core less one: the resolver a large scan should use (a local one) and
 * the kernel's packet work need a core too. Measured on 2 cores against a local Knot
 * (bench/scan_bench.py, 5,000 domains): 1 worker 7,968-9,344 domains/s, 2 workers
 * 7,722-8,067. Never more workers than domains in flight or queries a second (each
 * worker needs at least one of each): see parse_args. */
static unsigned default_threads(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	return cores < 1 ? 1 : cores > SCAN_MAX_THREADS ? SCAN_MAX_THREADS : (unsigned)cores;
}

static int parse_args(scan_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	cli_globals_init(&o->g);
	o->checks = SCAN_ALL;
	o->jobs = SCAN_DEFAULT_JOBS;
	o->inflight = SCAN_DEFAULT_INFLIGHT;
	bool threads_given = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		if (cli_option("--format", argc, argv, &i, &v)) {
			if (v == NULL || (strcmp(v, "jsonl") != 0 && strcmp(v, "json") != 0 && strcmp(v, "csv") != 0))
				return cli_usage_error("--format is jsonl or csv for scan");
			o->csv = strcmp(v, "csv") == 0;
		} else if (cli_option("--checks", argc, argv, &i, &v)) {
			const char *bad = "";
			size_t bad_len = 0;
			if (v == NULL || !scan_checks_parse(v, &o->checks, &bad, &bad_len))
				return cli_usage_error("--checks takes names from ses,spf,dmarc,dkim,mx ('%.*s' is not one)",
				                       (int)(bad_len > 40 ? 40 : bad_len), bad);
			o->checks_explicit = true;
		} else if (cli_option("--jobs", argc, argv, &i, &v)) {
			if (parse_count("--jobs", v, 1, SCAN_MAX_JOBS, &o->jobs) < 0)
				return EA_EXIT_USAGE;
		} else if (cli_option("--inflight", argc, argv, &i, &v)) {
			if (parse_count("--inflight", v, 1, SCAN_MAX_INFLIGHT, &o->inflight) < 0)
				return EA_EXIT_USAGE;
		} else if (cli_option("--qps", argc, argv, &i, &v)) {
			if (parse_count("--qps", v, 1, SCAN_MAX_QPS, &o->qps) < 0)
				return EA_EXIT_USAGE;
		} else if (cli_option("--threads", argc, argv, &i, &v)) {
			if (parse_count("--threads", v, 1, SCAN_MAX_THREADS, &o->threads) < 0)
				return EA_EXIT_USAGE;
			threads_given = true;
		} else if (cli_option("--output", argc, argv, &i, &v) || cli_option("-o", argc, argv, &i, &v)) {
			if (v == NULL)
				return cli_usage_error("--output needs a file");
			o->output_path = v;
		} else if (strcmp(a, "--resume") == 0) {
			o->resume = true;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o->quiet = true;
		} else {
			int gr = cli_global_option(&o->g, argc, argv, &i);
			if (gr < 0)
				return EA_EXIT_USAGE;
			if (gr > 0)
				continue;
			if (a[0] == '-' && a[1] != '\0')
				return cli_usage_error("unknown option '%s' for 'scan'", a);
			if (o->input_path != NULL)
				return cli_usage_error("scan reads one input ('%s' is extra)", a);
			o->input_path = a;
		}
	}
	if (o->input_path == NULL)
		return cli_usage_error("scan needs an input: emailauth scan domains.txt (or '-' for stdin)");
	if (o->resume && (o->output_path == NULL || strcmp(o->output_path, "-") == 0))
		return cli_usage_error("--resume needs --output FILE (the file it continues)");
	if (!threads_given)
		o->threads = default_threads();
	/* each worker needs a domain, a query in flight and, with --qps, a query a second */
	if (o->threads > o->jobs)
		o->threads = o->jobs;
	if (o->threads > o->inflight)
		o->threads = o->inflight;
	if (o->qps > 0 && o->threads > o->qps)
		o->threads = o->qps;
	cli_globals_finish(&o->g);
	/* the workers share the memory the cache may take */
	unsigned cache_entries = SCAN_CACHE_ENTRIES;
	if (o->jobs > cache_entries / SCAN_CACHE_PER_JOB)
		cache_entries = o->jobs * SCAN_CACHE_PER_JOB;   /* jobs <= SCAN_MAX_JOBS: no overflow */
	o->g.rcfg.cache_entries = cache_entries / o->threads;
	if (o->g.rcfg.cache_entries < SCAN_MIN_CACHE_ENTRIES)
		o->g.rcfg.cache_entries = SCAN_MIN_CACHE_ENTRIES;
	return 0;
}

/* The worker's share of a total: the total split evenly, the remainder to the first. */
static unsigned share(unsigned total, unsigned workers, unsigned index)
{
	return total / workers + (index < total % workers ? 1 : 0);
}

static bool worker_init(scan_worker *w, scan_shared *sh, const scan_opts *o, unsigned index)
{
	w->sh = sh;
	w->jobs = share(o->jobs, o->threads, index);
	cli_globals g = o->g;
	w->inflight = share(o->inflight, o->threads, index);
	g.rcfg.max_inflight = (unsigned)w->inflight;
	g.rcfg.qps = o->qps ? share(o->qps, o->threads, index) : 0;
	w->r = cli_resolver(&g);
	if (w->r == NULL)
		return false;
	w->slots = calloc(w->jobs, sizeof(*w->slots));
	w->free_slots = calloc(w->jobs, sizeof(*w->free_slots));
	if (w->slots == NULL || w->free_slots == NULL || !scan_job_map_init(&w->map, w->jobs)) {
		fprintf(stderr, "emailauth: scan: out of memory\n");
		return false;
	}
	for (size_t i = 0; i < w->jobs; i++)
		w->free_slots[w->free_count++] = &w->slots[w->jobs - 1 - i];
	return true;
}

static void worker_free(scan_worker *w)
{
	for (size_t i = 0; w->slots && i < w->jobs; i++) {
		ea_job_free(w->slots[i].job);
		ea_report_free(w->slots[i].rep);
	}
	free(w->slots);
	free(w->free_slots);
	scan_job_map_free(&w->map);
	ea_resolver_free(w->r);
}

/* The main thread draws progress, flushes the output and watches for Ctrl-C while the
 * reader and the workers run; on Ctrl-C it interrupts their waits (a read of stdin,
 * poll) with the same signal, again each tick until they are all out. */
static void supervise(scan_shared *sh, pthread_t *threads, const bool *started, unsigned count)
{
	double last_flush = ea_now_ms();
	pthread_mutex_lock(&sh->output_lock);
	while (sh->threads_running > 0) {
		struct timespec until = scan_deadline_in(SCAN_TICK_MS);
		pthread_cond_timedwait(&sh->thread_done, &sh->output_lock, &until);
		scan_progress(&sh->st, false);
		double now = ea_now_ms();
		if (now - last_flush >= SCAN_FLUSH_MS) {
			/* lines reach a reader soon after they finish, in whole-line batches */
			fflush(sh->out.f);
			last_flush = now;
		}
		if (interrupted && sh->threads_running > 0) {
			pthread_mutex_unlock(&sh->output_lock);
			for (unsigned i = 0; i < count; i++)
				if (started[i])
					pthread_kill(threads[i], SIGINT);
			pthread_mutex_lock(&sh->output_lock);
		}
	}
	pthread_mutex_unlock(&sh->output_lock);
}

/* Runs the reader (thread 0) and the workers; returns the domains left in flight and
 * the workers' resolver counters added up. */
static size_t run_threads(scan_shared *sh, scan_worker *workers, unsigned count, ea_resolver_stats *total)
{
	pthread_t threads[SCAN_MAX_THREADS + 1];
	bool started[SCAN_MAX_THREADS + 1] = {false};
	for (unsigned i = 0; i <= count; i++) {
		pthread_mutex_lock(&sh->output_lock);
		sh->threads_running++;
		pthread_mutex_unlock(&sh->output_lock);
		int rc = i == 0 ? pthread_create(&threads[0], NULL, scan_reader_main, sh)
		                : pthread_create(&threads[i], NULL, worker_main, &workers[i - 1]);
		if (rc != 0) {
			fprintf(stderr, "emailauth: scan: cannot start a thread\n");
			scan_thread_done(sh);
			if (i <= 1) {
				/* without the reader or any worker nothing would end the scan */
				atomic_store(&sh->write_failed, true);
				atomic_store(&interrupted, 1);
			}
			break;
		}
		started[i] = true;
	}
	supervise(sh, threads, started, count + 1);
	size_t abandoned = 0;
	memset(total, 0, sizeof(*total));
	for (unsigned i = 0; i <= count; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	for (unsigned i = 0; i < count; i++) {
		abandoned += workers[i].active;
		ea_resolver_stats rs;
		ea_resolver_get_stats(workers[i].r, &rs);
		total->sent += rs.sent;
		total->cache_hits += rs.cache_hits;
		total->failed += rs.failed;
		total->failures_reused += rs.failures_reused;
		total->servers_marked_down += rs.servers_marked_down;
		total->down_skipped += rs.down_skipped;
		for (size_t k = 0; k < EA_RESOLVER_MAX_SERVERS; k++)
			total->failed_by_server[k] += rs.failed_by_server[k];
	}
	return abandoned;
}

int cmd_scan(int argc, char **argv)
{
	scan_opts o;
	int prc = parse_args(&o, argc, argv);
	if (prc != 0)
		return prc;
	scan_shared *sh = calloc(1, sizeof(*sh));
	if (sh == NULL) {
		fprintf(stderr, "emailauth: scan: out of memory\n");
		return 3;
	}
	sh->input_path = o.input_path;
	sh->run_checks = o.checks;
	sh->checks_explicit = o.checks_explicit;
	sh->timeout_ms = o.g.timeout_s * 1000.0;
	sh->interrupted = &interrupted;
	pthread_mutex_init(&sh->queue_lock, NULL);
	pthread_cond_init(&sh->queue_filled, NULL);
	pthread_cond_init(&sh->queue_drained, NULL);
	pthread_mutex_init(&sh->output_lock, NULL);
	pthread_cond_init(&sh->thread_done, NULL);
	/* With glibc's malloc (-Dallocator=system): checks allocate and free large contexts
	 * on every run, and without this glibc mapped and unmapped them each time (page
	 * faults were a quarter of the scan's CPU). tcmalloc takes these calls as no-ops. */
	mallopt(M_MMAP_THRESHOLD, SCAN_HEAP_KEEP);
	mallopt(M_TRIM_THRESHOLD, SCAN_HEAP_KEEP);
	int rc = 3;
	scan_worker *workers = calloc(o.threads, sizeof(*workers));
	sh->in = strcmp(o.input_path, "-") == 0 ? stdin : fopen(o.input_path, "rb");
	if (sh->in == NULL) {
		fprintf(stderr, "emailauth: scan: cannot open %s: %s\n", o.input_path, strerror(errno));
		rc = EA_EXIT_USAGE;
		goto out;
	}
	sh->seen = ea_scan_seen_new(EA_SCAN_SEEN_SLOTS_LOG2);
	if (sh->seen == NULL || workers == NULL) {
		fprintf(stderr, "emailauth: scan: out of memory\n");
		goto out;
	}
	ea_scan_parser_init(&sh->parser);
	unsigned long resumed = 0;
	if (!scan_output_open(&sh->out, o.output_path, o.csv, o.resume, sh->seen, &resumed)) {
		rc = EA_EXIT_USAGE;   /* the --output named cannot be written (or read to resume) */
		goto out;
	}
	/* every resolver is made here, before any thread starts: a bad --resolver or --zone
	 * is reported once, as a usage error */
	for (unsigned i = 0; i < o.threads; i++)
		if (!worker_init(&workers[i], sh, &o, i))
			goto out;
	scan_stats_init(&sh->st, count_lines(o.input_path), o.quiet);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;   /* no SA_RESTART: a read of stdin returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ea_resolver_stats total;
	size_t abandoned = run_threads(sh, workers, o.threads, &total);
	if (scan_output_close(&sh->out) != EA_OK)
		atomic_store(&sh->write_failed, true);
	scan_summary(&sh->st, &total, workers[0].r, sh->run_checks, interrupted, abandoned);
	if (interrupted)
		rc = 130;
	else if (atomic_load(&sh->write_failed))
		rc = 3;
	else
		rc = sh->worst;
out:
	scan_output_close(&sh->out);
	for (unsigned i = 0; workers != NULL && i < o.threads; i++)
		worker_free(&workers[i]);
	free(workers);
	ea_scan_seen_free(sh->seen);
	if (sh->in && sh->in != stdin)
		fclose(sh->in);
	pthread_cond_destroy(&sh->thread_done);
	pthread_mutex_destroy(&sh->output_lock);
	pthread_cond_destroy(&sh->queue_drained);
	pthread_cond_destroy(&sh->queue_filled);
	pthread_mutex_destroy(&sh->queue_lock);
	free(sh);
	return rc;
}
