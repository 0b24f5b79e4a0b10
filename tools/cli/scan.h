/* emailauth scan: the parts of the command (checks, output, progress). */
#ifndef EA_CLI_SCAN_H
#define EA_CLI_SCAN_H

#include <stdio.h>
#include <emailauth/emailauth.h>
#include <emailauth/audit.h>
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
	const char *path;
} scan_output;
/* Opens the output. With resume, reads the domains already there into seen, cuts a
 * partial last line, and appends. Returns false (message printed) on failure. */
bool scan_output_open(scan_output *o, const char *path, bool csv, bool resume,
                      ea_scan_seen *seen, unsigned long *resumed);
int scan_output_write(scan_output *o, const ea_report *rep);
int scan_output_close(scan_output *o);

/* Progress and the final summary, on stderr. */
typedef struct {
	bool tty, quiet;
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
void scan_summary(const scan_stats *st, const ea_resolver *r, unsigned checks, bool interrupted,
                  size_t abandoned);

#endif
