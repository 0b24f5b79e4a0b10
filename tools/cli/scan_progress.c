/* Scan progress on stderr (a bar on a terminal, plain lines otherwise) and the summary. */
#include <string.h>
#include <unistd.h>

#include "scan.h"

#define TICK_TTY_MS 200.0        /* redraw the bar this often */
#define TICK_PLAIN_MS 10000.0    /* a plain progress line this often when not a terminal */
#define BAR_WIDTH 24

void scan_stats_init(scan_stats *st, unsigned long total_lines, bool quiet)
{
	memset(st, 0, sizeof(*st));
	st->tty = isatty(STDERR_FILENO);
	st->quiet = quiet;
	st->started = st->last_tick = ea_now_ms();
	st->total_lines = total_lines;
}

void scan_stats_domain(scan_stats *st, const ea_report *rep)
{
	ea_status s = ea_report_status(rep);
	if ((unsigned)s < 4)
		st->by_status[s]++;
	st->domains_done++;
	st->lines_done++;
	/* Keep the slowest few, slowest first. */
	size_t n = SCAN_SLOWEST_KEPT;
	if (rep->elapsed_ms <= st->slowest[n - 1].ms)
		return;
	size_t i = n - 1;
	while (i > 0 && st->slowest[i - 1].ms < rep->elapsed_ms) {
		st->slowest[i] = st->slowest[i - 1];
		i--;
	}
	st->slowest[i].ms = rep->elapsed_ms;
	snprintf(st->slowest[i].domain, sizeof(st->slowest[i].domain), "%s", rep->domain);
}

static void format_eta(char *out, size_t size, double seconds)
{
	if (!(seconds >= 0) || seconds > 99 * 3600.0) {
		snprintf(out, size, "--:--");
		return;
	}
	unsigned long s = (unsigned long)seconds;
	if (s >= 3600)
		snprintf(out, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, size, "%lu:%02lu", s / 60, s % 60);
}

void scan_progress_clear(scan_stats *st)
{
	if (st->tty && st->drawn)
		fputs("\r\033[K", stderr);
	st->drawn = false;
}

void scan_progress(scan_stats *st, bool force)
{
	if (st->quiet)
		return;
	double now = ea_now_ms();
	double every = st->tty ? TICK_TTY_MS : TICK_PLAIN_MS;
	if (!force && now - st->last_tick < every)
		return;
	st->last_tick = now;
	double secs = (now - st->started) / 1000.0;
	double rate = secs > 0 ? (double)st->domains_done / secs : 0;
	double line_rate = secs > 0 ? (double)st->lines_done / secs : 0;
	unsigned long failures = st->by_status[EA_STATUS_ERROR];
	char eta[24] = "--:--";
	if (st->total_lines > 0 && line_rate > 0)
		format_eta(eta, sizeof(eta),
		           (double)(st->total_lines > st->lines_done ? st->total_lines - st->lines_done : 0) /
		           line_rate);
	if (st->tty) {
		char bar[BAR_WIDTH + 1];
		size_t fill = 0;
		if (st->total_lines > 0)
			fill = (size_t)((double)BAR_WIDTH * (double)st->lines_done / (double)st->total_lines);
		for (size_t i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : (st->total_lines ? '.' : ' ');
		bar[BAR_WIDTH] = '\0';
		if (st->total_lines > 0)
			fprintf(stderr, "\r\033[K[%s] %lu/%lu lines  %.0f domains/s  ETA %s  %lu undetermined",
			        bar, st->lines_done, st->total_lines, rate, eta, failures);
		else
			fprintf(stderr, "\r\033[K%lu domains  %.0f domains/s  %lu undetermined",
			        st->domains_done, rate, failures);
		st->drawn = true;
	} else if (st->total_lines > 0) {
		fprintf(stderr, "scan: %lu/%lu lines, %lu domains, %.0f domains/s, ETA %s, %lu undetermined\n",
		        st->lines_done, st->total_lines, st->domains_done, rate, eta, failures);
	} else {
		fprintf(stderr, "scan: %lu domains, %.0f domains/s, %lu undetermined\n",
		        st->domains_done, rate, failures);
	}
}

void scan_summary(const scan_stats *st, const ea_resolver_stats *rs, const ea_resolver *r,
                  unsigned checks, bool interrupted, size_t abandoned)
{
	if (st->tty && !st->quiet)
		fputs("\r\033[K", stderr);
	double secs = (ea_now_ms() - st->started) / 1000.0;
	char names[64];
	scan_checks_names(checks, names, sizeof(names));
	fprintf(stderr, "scan: %lu domains in %.1f s (%.0f/s); checks: %s\n", st->domains_done,
	        secs, secs > 0 ? (double)st->domains_done / secs : 0.0, names);
	fprintf(stderr, "scan: pass %lu, warn %lu, fail %lu, unknown (could not determine) %lu\n",
	        st->by_status[EA_STATUS_PASS], st->by_status[EA_STATUS_WARN],
	        st->by_status[EA_STATUS_FAIL], st->by_status[EA_STATUS_ERROR]);
	if (st->rejected || st->duplicates || st->resumed_skipped || st->no_checks)
		fprintf(stderr, "scan: input lines rejected %lu, duplicates %lu, nothing to check %lu, "
		        "already in the output %lu\n", st->rejected, st->duplicates, st->no_checks,
		        st->resumed_skipped);
	if (st->slowest[0].ms > 0) {
		fputs("scan: slowest:", stderr);
		for (size_t i = 0; i < SCAN_SLOWEST_KEPT && st->slowest[i].ms > 0; i++)
			fprintf(stderr, "%s %s %.0f ms", i ? "," : "", st->slowest[i].domain, st->slowest[i].ms);
		fputc('\n', stderr);
	}
	fprintf(stderr, "scan: lookups sent %llu, answered from the scan's cache %llu, failed %llu, "
	        "failures reused for 5 s %llu", (unsigned long long)rs->sent,
	        (unsigned long long)rs->cache_hits, (unsigned long long)rs->failed,
	        (unsigned long long)rs->failures_reused);
	for (size_t i = 0; i < EA_RESOLVER_MAX_SERVERS; i++) {
		const char *name = ea_resolver_server_name(r, i);
		if (name == NULL)
			break;
		fprintf(stderr, "%s%s %llu", i ? ", " : "; failures by resolver: ", name,
		        (unsigned long long)rs->failed_by_server[i]);
	}
	fputc('\n', stderr);
	if (rs->servers_marked_down)
		fprintf(stderr, "scan: servers marked down (timeouts in a row) %llu, queries not sent to them %llu\n",
		        (unsigned long long)rs->servers_marked_down, (unsigned long long)rs->down_skipped);
	if (interrupted)
		fprintf(stderr, "scan: interrupted; %zu domains in flight were not written: run again "
		        "with --resume to continue\n", abandoned);
}
