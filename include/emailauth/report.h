/*
 * The report model: what checks produce and renderers read. Checks never print.
 *
 * A report holds one section per check (ses-dkim, spf, dmarc, ...), each with
 * findings, and the list of lookups made. Finding codes are a public contract
 * (docs/finding-codes.md).
 */
#ifndef EMAILAUTH_REPORT_H
#define EMAILAUTH_REPORT_H

#include <emailauth/emailauth.h>

typedef enum {
	EA_SEV_OK = 0,
	EA_SEV_INFO = 1,
	EA_SEV_WARNING = 2,
	EA_SEV_ERROR = 3,
} ea_severity;

/* Ordered for exit codes: the report's status is the worst of its sections. */
typedef enum {
	EA_STATUS_PASS = 0,   /* everything checked is right */
	EA_STATUS_WARN = 1,   /* works, with warnings */
	EA_STATUS_ERROR = 2,  /* could not determine: lookups failed */
	EA_STATUS_FAIL = 3,   /* something is wrong */
} ea_status;

/* The fields a finding may carry; all optional but code, severity and message. */
typedef struct {
	const char *code;       /* stable code, e.g. "ses.dkim.missing" */
	ea_severity severity;
	bool primary;           /* the one verdict for its subject (e.g. per token) */
	bool undetermined;      /* a lookup failure prevented a verdict */
	char *subject;          /* what the finding is about: a token, selector, term */
	char *name;             /* the DNS name concerned */
	char *expected;         /* what should be there */
	char *found;            /* what is there */
	char *message;          /* plain words */
	char *fix;              /* zone-file lines to publish, or an instruction */
	const char *rfc;        /* e.g. "RFC 7208 4.6.4", or NULL */
} ea_finding;

#define EA_REPORT_MAX_SECTIONS 32
#define EA_SECTION_MAX_FINDINGS 512
#define EA_REPORT_MAX_LOOKUPS 2048  /* kept for the trace; more are counted, not kept */

typedef struct {
	const char *check;      /* "ses-dkim", "spf", ... */
	ea_status status;
	char *summary;
	ea_finding *findings;
	size_t finding_count;
	size_t finding_cap;
	size_t dropped;         /* findings past EA_SECTION_MAX_FINDINGS */
} ea_section;

/* One lookup as the trace shows it. */
typedef struct {
	char *name;
	uint16_t type;
	char *server;
	int rcode;
	ea_dns_outcome outcome;
	ea_dns_reason reason;
	char *answer;           /* the answer records in presentation form, one per line */
	uint32_t ttl;           /* smallest TTL of the answer, or the negative TTL */
	double ms;
	bool ad;
	bool direct;            /* asked of an authoritative server, not the resolver */
	char *why;              /* what the lookup was for */
} ea_lookup_record;

typedef struct {
	char *domain;           /* A-label form */
	char *domain_display;   /* as the user typed it (U-label), for display */
	ea_section sections[EA_REPORT_MAX_SECTIONS];
	size_t section_count;
	ea_lookup_record *lookups;
	size_t lookup_count;
	size_t lookup_cap;
	size_t lookups_dropped;
	double elapsed_ms;
} ea_report;

EA_PUBLIC ea_report *ea_report_new(const char *domain, const char *domain_display);
EA_PUBLIC void ea_report_free(ea_report *rep);
/* Drops every section's findings (checks are re-run after each round of lookups). */
EA_PUBLIC void ea_report_clear_findings(ea_report *rep);

/* Returns the section for a check, creating it; NULL when out of memory or sections. */
EA_PUBLIC ea_section *ea_report_section(ea_report *rep, const char *check);

/* Adds a finding. Strings in f are copied (NULL stays NULL); control characters are
 * kept here and removed by the renderers. Returns the stored finding or NULL. */
EA_PUBLIC ea_finding *ea_section_add(ea_section *sec, const ea_finding *f);
/* The same, with the message built by printf. */
EA_PUBLIC ea_finding *ea_section_addf(ea_section *sec, const char *code, ea_severity sev,
                                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
EA_PUBLIC int ea_finding_set(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
EA_PUBLIC void ea_section_set_summary(ea_section *sec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets each section's status from its findings (unless a check set it), and returns
 * the report's overall status. */
EA_PUBLIC ea_status ea_report_finish(ea_report *rep);
EA_PUBLIC ea_status ea_report_status(const ea_report *rep);

EA_PUBLIC const char *ea_severity_name(ea_severity s);
EA_PUBLIC const char *ea_status_name(ea_status s);
/* Exit code for a status: pass 0, warn 1, fail 2, error (undetermined) 3. */
EA_PUBLIC int ea_status_exit_code(ea_status s);

#define EA_EXIT_USAGE 64

#endif
