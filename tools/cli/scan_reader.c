/*
 * The scan's input: one reader thread reads and parses the lines into a bounded queue,
 * and the workers take domains from it. A worker never waits on the input while it has
 * domains in flight, so a slow pipe does not stall lookups already sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/sanitize.h"
#include "scan.h"

#define READER_WAIT_MS 100   /* a reader waiting on a full queue looks at Ctrl-C this often */

void scan_line_error(scan_shared *sh, unsigned long line_no, const char *msg, unsigned long *counter)
{
	pthread_mutex_lock(&sh->output_lock);
	/* A line of its own: never into the progress bar's line; the bar comes back below. */
	bool bar = sh->st.drawn;
	scan_progress_clear(&sh->st);
	fprintf(stderr, "emailauth: %s:%lu: ", strcmp(sh->input_path, "-") ? sh->input_path : "stdin", line_no);
	ea_write_terminal_safe(stderr, msg, 0);
	fputc('\n', stderr);
	(*(counter ? counter : &sh->st.rejected))++;
	sh->st.lines_done++;
	if (bar)
		scan_progress(&sh->st, true);
	pthread_mutex_unlock(&sh->output_lock);
}

static void line_settled(scan_shared *sh, unsigned long *counter)
{
	pthread_mutex_lock(&sh->output_lock);
	sh->st.lines_done++;
	if (counter != NULL)
		(*counter)++;
	pthread_mutex_unlock(&sh->output_lock);
}

void scan_thread_done(scan_shared *sh)
{
	pthread_mutex_lock(&sh->output_lock);
	sh->threads_running--;
	pthread_cond_signal(&sh->thread_done);
	pthread_mutex_unlock(&sh->output_lock);
}

struct timespec scan_deadline_in(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Reads one line, refusing overlong ones without holding them: the rest of such a
 * line is read and dropped in bounded pieces. Returns the length, or -1 at the end. */
static ssize_t read_line(FILE *in, char *line, bool *overlong)
{
	*overlong = false;
	size_t n = 0;
	for (;;) {
		int c = getc_unlocked(in);   /* this thread alone reads the input */
		if (c == EOF) {
			if (n == 0 && !*overlong)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n < EA_SCAN_LINE_MAX)
			line[n++] = (char)c;
		else
			*overlong = true;
	}
	line[n] = '\0';
	return (ssize_t)n;
}

/* Queues one domain; waits while the queue is full. False on Ctrl-C. */
static bool queue_put(scan_shared *sh, const scan_queued *q)
{
	pthread_mutex_lock(&sh->queue_lock);
	while (sh->queue_count == SCAN_QUEUE_ITEMS && !*sh->interrupted) {
		/* woken at half empty (scan_queue_take), or by the timeout to look at Ctrl-C */
		struct timespec until = scan_deadline_in(READER_WAIT_MS);
		pthread_cond_timedwait(&sh->queue_drained, &sh->queue_lock, &until);
	}
	bool put = sh->queue_count < SCAN_QUEUE_ITEMS;
	if (put) {
		sh->queue[(sh->queue_head + sh->queue_count) % SCAN_QUEUE_ITEMS] = *q;
		sh->queue_count++;
		if (sh->queue_count == 1)
			pthread_cond_broadcast(&sh->queue_filled);   /* only an empty queue has waiters */
	}
	pthread_mutex_unlock(&sh->queue_lock);
	return put;
}

/* Parses one line into q; false if it is not a domain to scan (then it is settled). */
static bool parse_line(scan_shared *sh, const char *line, ssize_t n, bool overlong, scan_queued *q)
{
	if (overlong) {
		char msg[80];
		snprintf(msg, sizeof(msg), "the line is longer than %d bytes", EA_SCAN_LINE_MAX);
		scan_line_error(sh, q->line, msg, NULL);
		return false;
	}
	char err[256];
	ea_scan_line_kind k = ea_scan_parse_line(&sh->parser, line, (size_t)n, &q->item, err, sizeof(err));
	if (k == EA_SCAN_LINE_SKIP || k == EA_SCAN_LINE_HEADER) {
		line_settled(sh, NULL);
		return false;
	}
	if (k == EA_SCAN_LINE_ERROR) {
		scan_line_error(sh, q->line, err, NULL);
		return false;
	}
	unsigned long first = 0;
	if (ea_scan_seen_add(sh->seen, q->item.domain, q->line, &first) == 0) {
		if (first == 0) {
			line_settled(sh, &sh->st.resumed_skipped);   /* already in the output (--resume) */
			return false;
		}
		char msg[EA_NAME_MAX + 64];
		snprintf(msg, sizeof(msg), "%s is a duplicate of line %lu; skipped", q->item.domain, first);
		scan_line_error(sh, q->line, msg, &sh->st.duplicates);
		return false;
	}
	return true;
}

void *scan_reader_main(void *shared)
{
	scan_shared *sh = shared;
	char *line = malloc(EA_SCAN_LINE_MAX + 1);
	scan_queued *q = malloc(sizeof(*q));
	unsigned long line_no = 0;
	if (line == NULL || q == NULL)
		fprintf(stderr, "emailauth: scan: out of memory\n");
	while (line != NULL && q != NULL && !*sh->interrupted) {
		bool overlong;
		ssize_t n = read_line(sh->in, line, &overlong);
		if (n < 0) {
			if (ferror(sh->in) && errno != EINTR)
				fprintf(stderr, "emailauth: scan: error reading %s\n", sh->input_path);
			break;
		}
		q->line = ++line_no;
		if (parse_line(sh, line, n, overlong, q) && !queue_put(sh, q))
			break;
	}
	free(q);
	free(line);
	pthread_mutex_lock(&sh->queue_lock);
	sh->input_ended = true;
	pthread_cond_broadcast(&sh->queue_filled);
	pthread_mutex_unlock(&sh->queue_lock);
	scan_thread_done(sh);
	return NULL;
}

scan_take scan_queue_take(scan_shared *sh, scan_slot *sl, int wait_ms)
{
	pthread_mutex_lock(&sh->queue_lock);
	if (sh->queue_count == 0 && !sh->input_ended && wait_ms > 0 && !*sh->interrupted) {
		struct timespec until = scan_deadline_in(wait_ms);
		pthread_cond_timedwait(&sh->queue_filled, &sh->queue_lock, &until);
	}
	scan_take took = SCAN_NONE_YET;
	if (sh->queue_count > 0) {
		const scan_queued *q = &sh->queue[sh->queue_head];
		sl->item = q->item;
		sl->line = q->line;
		sh->queue_head = (sh->queue_head + 1) % SCAN_QUEUE_ITEMS;
		sh->queue_count--;
		/* the reader refills from half empty: one wake-up per half a queue, not per domain */
		if (sh->queue_count == SCAN_QUEUE_ITEMS / 2)
			pthread_cond_signal(&sh->queue_drained);
		took = SCAN_TAKEN;
	} else if (sh->input_ended) {
		took = SCAN_INPUT_ENDED;
	}
	pthread_mutex_unlock(&sh->queue_lock);
	return took;
}
