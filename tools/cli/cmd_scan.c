/*
 * emailauth scan FILE|- [--checks ses,spf,dmarc,dkim,mx] [--jobs N] [--qps N]
 *                      [--inflight N] [--format jsonl|csv] [--output FILE] [--resume]
 *
 * Streams the input: a few domains at a time are in flight (--jobs), each a job over
 * ONE shared resolver whose cache joins identical lookups and reuses answers. Results
 * are written as each domain finishes; memory does not grow with the input.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "render/sanitize.h"
#include "scan.h"
#include "cli.h"

#define SCAN_DEFAULT_JOBS 256        /* domains in flight */
#define SCAN_MAX_JOBS 10000
#define SCAN_DEFAULT_INFLIGHT 128    /* queries in flight: past ~256 answers were lost (bench/) */
#define SCAN_MAX_INFLIGHT 1000
#define SCAN_MAX_QPS 10000000
#define SCAN_CACHE_ENTRIES 16384     /* shared answers kept (a provider's records stay hot) */
#define SCAN_HEAP_KEEP (64 * 1024 * 1024)  /* see main: heap kept between jobs */
#define SCAN_POLL_MS 100             /* the longest wait before progress is redrawn */
#define SCAN_FLUSH_MS 200.0         /* output is flushed this often */
#define COUNT_BUFFER (64 * 1024)

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

typedef struct {
	cli_globals g;
	const char *input_path;
	const char *output_path;
	unsigned checks;             /* asked for */
	bool checks_explicit;
	unsigned jobs, inflight, qps;
	bool csv, resume, quiet;
} scan_opts;

/* Job -> slot, by the job's address: open addressing, twice as many buckets as slots. */
typedef struct {
	ea_job **keys;
	scan_slot **values;
	size_t mask;
} job_map;

static size_t job_hash(const ea_job *job, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)job * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 20) & mask;
}

static bool job_map_init(job_map *m, size_t slots)
{
	size_t n = 16;
	while (n < slots * 2)
		n *= 2;
	m->keys = calloc(n, sizeof(*m->keys));
	m->values = calloc(n, sizeof(*m->values));
	m->mask = n - 1;
	return m->keys != NULL && m->values != NULL;
}

static void job_map_put(job_map *m, ea_job *job, scan_slot *s)
{
	size_t i = job_hash(job, m->mask);
	while (m->keys[i] != NULL)
		i = (i + 1) & m->mask;
	m->keys[i] = job;
	m->values[i] = s;
}

static scan_slot *job_map_get(const job_map *m, const ea_job *job)
{
	for (size_t i = job_hash(job, m->mask), n = 0; n <= m->mask; i = (i + 1) & m->mask, n++) {
		if (m->keys[i] == job)
			return m->values[i];
		if (m->keys[i] == NULL)
			return NULL;
	}
	return NULL;
}

/* Removes with backward shift, so probes never meet a hole. */
static void job_map_del(job_map *m, const ea_job *job)
{
	size_t i = job_hash(job, m->mask);
	while (m->keys[i] != job) {
		if (m->keys[i] == NULL)
			return;
		i = (i + 1) & m->mask;
	}
	m->keys[i] = NULL;
	for (size_t j = (i + 1) & m->mask; m->keys[j] != NULL; j = (j + 1) & m->mask) {
		size_t home = job_hash(m->keys[j], m->mask);
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			m->keys[i] = m->keys[j];
			m->values[i] = m->values[j];
			m->keys[j] = NULL;
			i = j;
		}
	}
}

static void job_map_free(job_map *m)
{
	free(m->keys);
	free(m->values);
}

/* The state of one scan. */
typedef struct {
	const scan_opts *o;
	unsigned run_checks;         /* asked for */
	FILE *in;
	bool eof;
	char *line;
	size_t line_cap;
	unsigned long line_no;
	ea_scan_parser parser;
	ea_scan_seen *seen;
	ea_resolver *r;
	scan_slot *slots;
	scan_slot **free_slots;
	size_t free_count, active;
	job_map map;
	scan_output out;
	scan_stats st;
	int worst;                   /* worst exit code of the domains */
	bool write_failed;
} scan_state;

static void line_error(scan_state *s, const char *msg)
{
	fprintf(stderr, "emailauth: %s:%lu: ", strcmp(s->o->input_path, "-") ? s->o->input_path : "stdin",
	        s->line_no);
	ea_write_terminal_safe(stderr, msg, 0);
	fputc('\n', stderr);
	s->st.rejected++;
	s->st.lines_done++;
}

/* Reads one line, refusing overlong ones without holding them: the rest of such a
 * line is read and dropped in bounded pieces. Returns the length, or -1 at the end. */
static ssize_t read_line(scan_state *s, bool *overlong)
{
	*overlong = false;
	size_t n = 0;
	for (;;) {
		int c = getc(s->in);
		if (c == EOF) {
			if (n == 0 && !*overlong)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n < EA_SCAN_LINE_MAX)
			s->line[n++] = (char)c;
		else
			*overlong = true;
	}
	s->line[n] = '\0';
	return (ssize_t)n;
}

static void finish_slot(scan_state *s, scan_slot *sl)
{
	sl->rep->elapsed_ms = ea_now_ms() - sl->started;
	if (scan_output_write(&s->out, sl->rep) != EA_OK)
		s->write_failed = true;
	scan_stats_domain(&s->st, sl->rep);
	int code = ea_status_exit_code(ea_report_status(sl->rep));
	/* fail (2) outranks could-not-determine (3), as in the report's own order */
	int rank_new = code == 2 ? 4 : code, rank_old = s->worst == 2 ? 4 : s->worst;
	if (rank_new > rank_old)
		s->worst = code;
	job_map_del(&s->map, sl->job);
	ea_job_free(sl->job);
	ea_report_free(sl->rep);
	sl->job = NULL;
	sl->rep = NULL;
	sl->busy = false;
	s->free_slots[s->free_count++] = sl;
	s->active--;
}

/* Runs a job once; finishes the slot if the job is done. */
static void step_slot(scan_state *s, scan_slot *sl)
{
	if (ea_job_step(sl->job) != EA_EPENDING)
		finish_slot(s, sl);
}

/* Reads lines until one domain is started, or the input ends. */
static void start_next(scan_state *s)
{
	scan_slot *sl = s->free_slots[s->free_count - 1];
	while (!s->eof && !interrupted) {
		bool overlong;
		ssize_t n = read_line(s, &overlong);
		if (n < 0) {
			if (ferror(s->in) && errno != EINTR)
				fprintf(stderr, "emailauth: scan: error reading %s\n", s->o->input_path);
			s->eof = true;
			return;
		}
		s->line_no++;
		if (overlong) {
			char msg[80];
			snprintf(msg, sizeof(msg), "the line is longer than %d bytes", EA_SCAN_LINE_MAX);
			line_error(s, msg);
			continue;
		}
		char err[256];
		ea_scan_line_kind k = ea_scan_parse_line(&s->parser, s->line, (size_t)n, &sl->item, err,
		                                         sizeof(err));
		if (k == EA_SCAN_LINE_SKIP || k == EA_SCAN_LINE_HEADER) {
			s->st.lines_done++;
			continue;
		}
		if (k == EA_SCAN_LINE_ERROR) {
			line_error(s, err);
			continue;
		}
		unsigned long first = 0;
		int added = ea_scan_seen_add(s->seen, sl->item.domain, s->line_no, &first);
		if (added == 0) {
			s->st.lines_done++;
			if (first == 0) {
				s->st.resumed_skipped++;
				continue;
			}
			char msg[EA_NAME_MAX + 64];
			snprintf(msg, sizeof(msg), "%s is a duplicate of line %lu; skipped", sl->item.domain, first);
			line_error(s, msg);
			s->st.rejected--;
			s->st.duplicates++;
			continue;
		}
		sl->line = s->line_no;
		sl->rep = ea_report_new(sl->item.domain, sl->item.display);
		sl->started = ea_now_ms();
		sl->job = sl->rep ? ea_job_new(s->r, sl->rep, sl->started + s->o->g.timeout_s * 1000.0) : NULL;
		if (sl->job == NULL) {
			ea_report_free(sl->rep);
			sl->rep = NULL;
			line_error(s, "out of memory");
			continue;
		}
		ea_job_set_trace(sl->job, false);
		if (scan_checks_add(sl->job, s->run_checks, s->o->checks_explicit, sl) == 0) {
			char msg[EA_NAME_MAX + 128];
			snprintf(msg, sizeof(msg), "nothing to check for %s: no SES tokens on the line, and no "
			         "other check asked for", sl->item.domain);
			ea_job_free(sl->job);
			ea_report_free(sl->rep);
			sl->job = NULL;
			sl->rep = NULL;
			line_error(s, msg);
			s->st.rejected--;
			s->st.no_checks++;
			continue;
		}
		sl->busy = true;
		s->free_count--;
		s->active++;
		job_map_put(&s->map, sl->job, sl);
		step_slot(s, sl);
		return;
	}
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

static int parse_args(scan_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	cli_globals_init(&o->g);
	o->checks = SCAN_ALL;
	o->jobs = SCAN_DEFAULT_JOBS;
	o->inflight = SCAN_DEFAULT_INFLIGHT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		size_t name_len = eq && a[0] == '-' ? (size_t)(eq - a) : strlen(a);
		const char *v = eq && a[0] == '-' ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
		bool inline_v = eq && a[0] == '-';
#define IS(opt) (name_len == strlen(opt) && strncmp(a, opt, name_len) == 0)
#define TAKE() do { if (!inline_v) i++; } while (0)
		if (IS("--format")) {
			if (v == NULL || (strcmp(v, "jsonl") != 0 && strcmp(v, "json") != 0 && strcmp(v, "csv") != 0))
				return cli_usage_error("--format is jsonl or csv for scan");
			o->csv = strcmp(v, "csv") == 0;
			TAKE();
		} else if (IS("--checks")) {
			const char *bad = "";
			size_t bad_len = 0;
			if (v == NULL || !scan_checks_parse(v, &o->checks, &bad, &bad_len))
				return cli_usage_error("--checks takes names from ses,spf,dmarc,dkim,mx ('%.*s' is not one)",
				                       (int)(bad_len > 40 ? 40 : bad_len), bad);
			o->checks_explicit = true;
			TAKE();
		} else if (IS("--jobs")) {
			if (parse_count("--jobs", v, 1, SCAN_MAX_JOBS, &o->jobs) < 0)
				return EA_EXIT_USAGE;
			TAKE();
		} else if (IS("--inflight")) {
			if (parse_count("--inflight", v, 1, SCAN_MAX_INFLIGHT, &o->inflight) < 0)
				return EA_EXIT_USAGE;
			TAKE();
		} else if (IS("--qps")) {
			if (parse_count("--qps", v, 1, SCAN_MAX_QPS, &o->qps) < 0)
				return EA_EXIT_USAGE;
			TAKE();
		} else if (IS("--output") || IS("-o")) {
			if (v == NULL)
				return cli_usage_error("--output needs a file");
			o->output_path = v;
			TAKE();
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
#undef IS
#undef TAKE
	}
	if (o->input_path == NULL)
		return cli_usage_error("scan needs an input: emailauth scan domains.txt (or '-' for stdin)");
	if (o->resume && (o->output_path == NULL || strcmp(o->output_path, "-") == 0))
		return cli_usage_error("--resume needs --output FILE (the file it continues)");
	cli_globals_finish(&o->g);
	o->g.rcfg.max_inflight = o->inflight;
	o->g.rcfg.cache_entries = SCAN_CACHE_ENTRIES;
	o->g.rcfg.qps = o->qps;
	return 0;
}

static void scan_free(scan_state *s)
{
	for (size_t i = 0; s->slots && i < s->o->jobs; i++) {
		ea_job_free(s->slots[i].job);
		ea_report_free(s->slots[i].rep);
	}
	free(s->slots);
	free(s->free_slots);
	job_map_free(&s->map);
	ea_resolver_free(s->r);
	ea_scan_seen_free(s->seen);
	free(s->line);
	if (s->in && s->in != stdin)
		fclose(s->in);
}

static void main_loop(scan_state *s)
{
	size_t admit = s->o->inflight;
	double last_flush = ea_now_ms();
	while (!interrupted && !s->write_failed) {
		/* Start domains while there is room, and no query waits for a free place:
		 * a queue at the transport would only eat into the domains' deadlines. */
		while (!s->eof && !interrupted && s->free_count > 0 && ea_resolver_inflight(s->r) < admit)
			start_next(s);
		if (s->active == 0 && s->eof)
			break;
		ea_job *job = ea_resolver_poll(s->r, SCAN_POLL_MS);
		if (job != NULL) {
			scan_slot *sl = job_map_get(&s->map, job);
			if (sl != NULL)
				step_slot(s, sl);
		} else if (s->active > 0 && ea_resolver_inflight(s->r) == 0) {
			/* Nothing in flight yet jobs wait: run them, they end what they have. */
			for (size_t i = 0; i < s->o->jobs; i++)
				if (s->slots[i].busy)
					step_slot(s, &s->slots[i]);
		}
		scan_progress(&s->st, false);
		double now = ea_now_ms();
		if (now - last_flush >= SCAN_FLUSH_MS) {
			/* lines reach a reader soon after they finish, in whole-line batches */
			fflush(s->out.f);
			last_flush = now;
		}
	}
}

int cmd_scan(int argc, char **argv)
{
	scan_opts o;
	int prc = parse_args(&o, argc, argv);
	if (prc != 0)
		return prc;
	scan_state s;
	memset(&s, 0, sizeof(s));
	s.o = &o;
	s.run_checks = o.checks;
	/* Checks allocate and free large contexts on every run; without this glibc maps
	 * and unmaps them each time, and page faults were a quarter of the scan's CPU. */
	mallopt(M_MMAP_THRESHOLD, SCAN_HEAP_KEEP);
	mallopt(M_TRIM_THRESHOLD, SCAN_HEAP_KEEP);
	int rc = 3;
	s.in = strcmp(o.input_path, "-") == 0 ? stdin : fopen(o.input_path, "rb");
	if (s.in == NULL) {
		fprintf(stderr, "emailauth: scan: cannot open %s: %s\n", o.input_path, strerror(errno));
		return EA_EXIT_USAGE;
	}
	s.line = malloc(EA_SCAN_LINE_MAX + 1);
	s.seen = ea_scan_seen_new(EA_SCAN_SEEN_SLOTS_LOG2);
	s.slots = calloc(o.jobs, sizeof(*s.slots));
	s.free_slots = calloc(o.jobs, sizeof(*s.free_slots));
	if (s.line == NULL || s.seen == NULL || s.slots == NULL || s.free_slots == NULL ||
	    !job_map_init(&s.map, o.jobs)) {
		fprintf(stderr, "emailauth: scan: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < o.jobs; i++)
		s.free_slots[s.free_count++] = &s.slots[o.jobs - 1 - i];
	ea_scan_parser_init(&s.parser);
	unsigned long resumed = 0;
	if (!scan_output_open(&s.out, o.output_path, o.csv, o.resume, s.seen, &resumed))
		goto out;
	s.r = cli_resolver(&o.g);
	if (s.r == NULL)
		goto out;
	scan_stats_init(&s.st, count_lines(o.input_path), o.quiet);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;   /* no SA_RESTART: a read of stdin returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	main_loop(&s);

	size_t abandoned = s.active;
	if (scan_output_close(&s.out) != EA_OK)
		s.write_failed = true;
	scan_summary(&s.st, s.r, s.run_checks, interrupted, abandoned);
	if (interrupted)
		rc = 130;
	else if (s.write_failed)
		rc = 3;
	else
		rc = s.worst;
out:
	scan_output_close(&s.out);
	scan_free(&s);
	return rc;
}
