/*
 * DMARC aggregate reports (RFC 9990; the RFC 7489 appendix C format too): read them
 * from .xml, .xml.gz, .zip, messages, mboxes and maildirs, add them up per sending
 * source, and say in plain words what the failing traffic means.
 *
 * Three layers, each usable alone:
 *   ea_rua_parser   pure push parser of one report's XML (no I/O): records to a sink
 *   ea_reports_read   I/O: finds reports in a path (file, archive, message, maildir)
 *   ea_reports_agg    streaming totals per source; memory grows with distinct
 *                     sources, never with the number of files or records
 *
 * Every input is hostile: each limit below is named, and a file over a limit gives a
 * per-file error (a code of docs/codes-reports.md) and never stops the batch.
 */
#ifndef EMAILAUTH_REPORTS_H
#define EMAILAUTH_REPORTS_H

#include <stdio.h>
#include <emailauth/emailauth.h>

/* Limits of one report. */
#define EA_RUA_MAX_DEPTH 16          /* element nesting; real reports use 5 */
#define EA_RUA_MAX_VALUE 1024        /* bytes of text in one field we read */
#define EA_RUA_MAX_ATTR 1024         /* bytes of one attribute value */
#define EA_RUA_MAX_AUTH 8            /* DKIM (and SPF) results kept per record */
#define EA_RUA_MAX_RECORDS 500000    /* <record>s in one report */
#define EA_RUA_MAX_COUNT 1000000000000ull /* messages one record may claim */

/* Limits of the containers. */
#define EA_REPORTS_MAX_XML_BYTES (64u * 1024 * 1024)  /* XML one report may expand to */
#define EA_REPORTS_BOMB_RATIO 200      /* expansion past this, beyond the floor, is a bomb */
#define EA_REPORTS_BOMB_FLOOR (4u * 1024 * 1024)     /* small files may compress well */
#define EA_REPORTS_MAX_MESSAGE_BYTES (64u * 1024 * 1024) /* one .eml or mbox read whole */
#define EA_REPORTS_MAX_ZIP_ENTRIES 32  /* members looked at in one .zip */
#define EA_REPORTS_MAX_ATTACHMENTS 64  /* report attachments taken from one message */
#define EA_REPORTS_MAX_MESSAGES 1000000 /* messages in one mbox */
#define EA_REPORTS_MAX_DIR_DEPTH 4     /* maildir/cur, maildir/.Folder/new, ... */
#define EA_REPORTS_MAX_DIR_FILES 1000000 /* files taken from one directory tree */

typedef enum {
	EA_RUA_FORMAT_RFC7489 = 0,   /* no namespace or dmarc.org's: the 2015 format */
	EA_RUA_FORMAT_RFC9990 = 1,   /* urn:ietf:params:xml:ns:dmarc-2.0 */
} ea_rua_format;

/* report_metadata and policy_published. Strings are NUL-terminated, possibly cut. */
typedef struct {
	ea_rua_format format;
	char org_name[128];
	char email[128];
	char report_id[128];
	int64_t begin, end;            /* date_range, seconds since 1970 UTC */
	char domain[256];              /* policy_published/domain, lowercase */
	char p[16], sp[16], np[16];    /* requested policies ("" when absent) */
	char adkim[4], aspf[4];
	int pct;                       /* -1 when absent (RFC 9990 dropped it) */
	bool testing;                  /* RFC 9990 t=y */
} ea_rua_meta;

typedef struct {
	char domain[256];
	char selector[64];
	char result[16];               /* pass, fail, none, neutral, policy, temperror, permerror */
} ea_rua_auth;

/* One <record>: count messages from one source with one set of results. */
typedef struct {
	char source_ip[48];            /* normalised (inet_ntop) */
	uint64_t count;
	char disposition[16];          /* the policy applied: none, quarantine, reject */
	bool dkim_aligned;             /* policy_evaluated/dkim = pass */
	bool spf_aligned;              /* policy_evaluated/spf = pass */
	char reason[32];               /* policy override reason type, if any */
	char header_from[256];
	char envelope_from[256];
	ea_rua_auth dkim[EA_RUA_MAX_AUTH];
	size_t dkim_count;
	ea_rua_auth spf[EA_RUA_MAX_AUTH];
	size_t spf_count;
} ea_rua_record;

/* Where the parser hands what it read. on_meta is called once, before the first
 * record (or at the end of a report without records); returning false skips the rest
 * of the report (a filter, not an error). on_record returning false stops with an
 * error (out of memory, over a limit). Either may be NULL. */
typedef struct {
	bool (*on_meta)(void *arg, const ea_rua_meta *m);
	bool (*on_record)(void *arg, const ea_rua_meta *m, const ea_rua_record *r);
} ea_rua_sink;

typedef struct ea_rua_parser ea_rua_parser;

/* A push parser: feed the XML in pieces of any size, then finish. Entities, DTDs and
 * the network are off: a DOCTYPE is refused outright (no DMARC report has one). */
EA_PUBLIC ea_rua_parser *ea_rua_parser_new(const ea_rua_sink *sink, void *arg) EA_MUSTCHECK;
EA_PUBLIC int ea_rua_parser_feed(ea_rua_parser *p, const char *data, size_t len);
EA_PUBLIC int ea_rua_parser_finish(ea_rua_parser *p);
/* After an error: its code ("reports.file.malformed", ...) and plain words. */
EA_PUBLIC const char *ea_rua_parser_code(const ea_rua_parser *p);
EA_PUBLIC const char *ea_rua_parser_message(const ea_rua_parser *p);
EA_PUBLIC uint64_t ea_rua_parser_records(const ea_rua_parser *p);
EA_PUBLIC bool ea_rua_parser_skipped(const ea_rua_parser *p);
EA_PUBLIC void ea_rua_parser_free(ea_rua_parser *p);

/* One input's outcome, for the caller to show. */
typedef struct {
	const char *path;              /* file, "file:member" or "file#message" */
	int err;                       /* EA_OK or an ea_error */
	const char *code;              /* NULL when fine, else a reports.file.* code */
	const char *message;           /* plain words for the error */
	bool skipped;                  /* filtered out by --since / --domain */
	bool ignored;                  /* a file in a folder, or a message, with no report */
	uint64_t records;
} ea_reports_input;

typedef void (*ea_reports_input_fn)(void *arg, const ea_reports_input *in);

/* Reads every report found at path (a file of any supported kind, or a directory
 * such as a maildir, walked in name order) into sink; calls done once per report
 * found and once per file that held none or could not be read. Returns EA_OK unless
 * the path itself cannot be opened (EA_EIO). */
EA_PUBLIC int ea_reports_read(const char *path, const ea_rua_sink *sink, void *sink_arg,
                              ea_reports_input_fn done, void *done_arg);
/* The same for bytes already in memory (an attachment, a fuzz input). */
EA_PUBLIC int ea_reports_read_buffer(const char *label, const uint8_t *data, size_t len,
                                     const ea_rua_sink *sink, void *sink_arg,
                                     ea_reports_input_fn done, void *done_arg);

/* Aggregation. */
#define EA_REPORTS_MAX_SOURCES 100000  /* distinct (domain, IP); more are added up as one */
#define EA_REPORTS_MAX_DOMAINS 1024
#define EA_REPORTS_MAX_ORGS 256        /* distinct reporting organisations named */
#define EA_REPORTS_MAX_DAYS 1100       /* days kept per sender for "when did it change" */
#define EA_REPORTS_MAX_PTR 256         /* reverse lookups, busiest sources first */

typedef struct ea_reports_agg ea_reports_agg;

typedef struct {
	const char *domain;            /* only reports for this domain (NULL: all) */
	int64_t since;                 /* only reports ending at or after this (0: all) */
} ea_reports_filter;

EA_PUBLIC ea_reports_agg *ea_reports_agg_new(const ea_reports_filter *f) EA_MUSTCHECK;
EA_PUBLIC void ea_reports_agg_free(ea_reports_agg *a);
/* The sink to hand ea_reports_read, with the aggregate as its argument. A report's
 * records count only once it ends well: see ea_reports_agg_input. */
EA_PUBLIC const ea_rua_sink *ea_reports_agg_sink(void);
/* Tells the aggregate how a report ended (commit or drop its records) and keeps the
 * per-file error for the findings. Use as the done callback of ea_reports_read. */
EA_PUBLIC void ea_reports_agg_input(void *agg, const ea_reports_input *in);

/* Reverse names for the busiest sources through the resolver (PTR, one round,
 * at most EA_REPORTS_MAX_PTR); without it, senders are known by their DKIM and SPF
 * domains and address ranges only. */
EA_PUBLIC int ea_reports_agg_resolve(ea_reports_agg *a, ea_resolver *r, double deadline_ms);

/* Plain-words findings (section "reports") into rep: what passes, what fails and
 * since when, per sender; per-file errors. */
EA_PUBLIC int ea_reports_agg_findings(ea_reports_agg *a, ea_report *rep);

/* The per-source table and totals. Formats: "text", "json", "csv". rep (the
 * findings) is printed with text and included in JSON; it may be NULL. */
EA_PUBLIC int ea_reports_render(FILE *out, const char *format, ea_reports_agg *a,
                                const ea_report *rep, bool color);

/* The per-file errors, one line each ("emailauth reports: PATH: MESSAGE [CODE]"),
 * terminal-safe: for --format csv, whose output has no room for them. */
EA_PUBLIC void ea_reports_render_errors(FILE *out, const ea_reports_agg *a);

/* JSON schema version of `reports --format json` (docs/json-schema.md, "reports"). */
#define EA_REPORTS_JSON_SCHEMA 1

#endif
