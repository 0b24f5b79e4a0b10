/*
 * Bulk scanning: the pieces of `emailauth scan` that are not I/O. Parsing one input
 * line (plain or CSV with a header) into a domain and its SES tokens or DKIM
 * selectors, a bounded set of domains seen (duplicates, --resume), and CSV rows.
 */
#ifndef EA_SCAN_SCAN_H
#define EA_SCAN_SCAN_H

#include <stdio.h>
#include <emailauth/emailauth.h>

#define EA_SCAN_LINE_MAX 4096        /* longer input lines are refused (and skipped whole) */
#define EA_SCAN_MAX_FIELDS 64        /* fields read from one line */
#define EA_SCAN_MAX_SELECTORS 8      /* DKIM selectors kept per domain */
#define EA_SCAN_DISPLAY_MAX 255      /* the domain as typed, kept for display */

typedef enum {
	EA_SCAN_LINE_ITEM = 0,   /* a domain to scan */
	EA_SCAN_LINE_SKIP,       /* blank or a # comment */
	EA_SCAN_LINE_HEADER,     /* a CSV header: the columns are now known */
	EA_SCAN_LINE_ERROR,      /* not usable: the reason is in err */
} ea_scan_line_kind;

/* What earlier lines taught the parser: whether the input is CSV with a header. */
typedef struct {
	bool first_seen;         /* a non-blank line was read */
	bool csv;                /* a header named the columns */
	int col_domain, col_tokens, col_selectors, col_region;   /* -1: absent */
	int columns;
} ea_scan_parser;

typedef struct {
	char domain[EA_NAME_MAX + 1];            /* A-label, lowercase */
	char display[EA_SCAN_DISPLAY_MAX + 1];   /* as written */
	char tokens[EA_SES_MAX_TOKENS][EA_SES_TOKEN_MAX + 1];
	size_t token_count;
	char selectors[EA_SCAN_MAX_SELECTORS][EA_LABEL_MAX + 1];
	size_t selector_count;
	char region[32];
} ea_scan_item;

void ea_scan_parser_init(ea_scan_parser *p);
/* Parses one line (without its newline; a final CR is ignored). Untrusted bytes:
 * at most EA_SCAN_LINE_MAX are read. */
ea_scan_line_kind ea_scan_parse_line(ea_scan_parser *p, const char *line, size_t len,
                                     ea_scan_item *out, char *err, size_t err_size);
/* True if s looks like an SES Easy DKIM token: 32 characters of base32 [a-z2-7]. */
bool ea_scan_is_ses_token(const char *s, size_t len);

/* A set of domains seen, bounded: a table of 64-bit entries (hash bits and the line
 * number) that doubles as it fills up to 2^slots_log2 entries, so memory does not grow
 * past that with the input. When it is full, further domains are not remembered (a
 * later duplicate of them is scanned again). */
#define EA_SCAN_SEEN_SLOTS_LOG2 21   /* at most 2M slots, 16 MiB: remembers ~1.5M domains */
typedef struct ea_scan_seen ea_scan_seen;
ea_scan_seen *ea_scan_seen_new(unsigned slots_log2);
void ea_scan_seen_free(ea_scan_seen *s);
/* Adds name; returns 1 if new, 0 if already there (*first_line: the line it was
 * first seen on, 0 for "from the output file"), -1 if the set is full. */
int ea_scan_seen_add(ea_scan_seen *s, const char *name, unsigned long line,
                     unsigned long *first_line);
size_t ea_scan_seen_count(const ea_scan_seen *s);

/* CSV output: a stable column set (docs/scan.md). */
#define EA_SCAN_CSV_HEADER \
	"domain,status,ses,spf,dmarc,dkim,mx,errors,warnings,undetermined,codes,elapsed_ms"
/* Writes one row for a finished report. Fields are quoted per RFC 4180 where needed;
 * control characters become '?'. Returns EA_OK or EA_EIO. */
int ea_scan_csv_row(FILE *out, const ea_report *rep);
/* The domain in the first field of a CSV row or of a JSON line written by the scan
 * (for --resume). Returns false when the line has none. */
bool ea_scan_output_domain(const char *line, size_t len, char *out, size_t out_size);

#endif
