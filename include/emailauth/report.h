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
	EA_STATUS_UNKNOWN = 2, /* could not determine: lookups failed ("unknown", was "error") */
	EA_STATUS_FAIL = 3,   /* something is wrong */
	EA_STATUS_ERROR = EA_STATUS_UNKNOWN,   /* deprecated name of EA_STATUS_UNKNOWN */
} ea_status;

/* A fix as actions a person (or a tool) applies to the zone, in order. */
typedef enum {
	EA_FIX_ADD = 0,       /* publish a record */
	EA_FIX_DELETE = 1,    /* remove a record (old_value; NULL: every record of the type) */
	EA_FIX_REPLACE = 2,   /* change the record old_value into value */
} ea_fix_op;

#define EA_FIX_MAX_ACTIONS 16      /* per finding: more is a plan, not a fix */
#define EA_FIX_DEFAULT_TTL 3600

typedef struct {
	ea_fix_op op;
	char *name;           /* the owner name, absolute, without a trailing dot */
	char type[8];         /* "CNAME", "TXT", "MX", ... */
	char *value;          /* as a provider's form takes it: TXT text unquoted and unsplit,
	                       * a CNAME or MX target without a trailing dot, MX "10 host" */
	char *old_value;      /* delete/replace: the value there now */
	uint32_t ttl;         /* 0: the provider's default */
	char *note;           /* why, in a few words; or NULL */
} ea_fix_action;

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
	char *fix;              /* an instruction in words, beside or instead of the actions */
	const char *rfc;        /* e.g. "RFC 7208 4.6.4", or NULL */
	ea_fix_action *actions; /* the fix as records to delete, add or replace */
	size_t action_count;
	unsigned needs;         /* EA_NEED_*: what a new run needs; each renderer says how to
	                         * give it on its interface (a CLI option, a form field) */
} ea_finding;

/* What a finding says is needed, for the renderers to say how (never in the message). */
#define EA_NEED_SES_TOKENS 0x1u   /* the identity's SES DKIM tokens */
#define EA_NEED_SELECTOR   0x2u   /* a DKIM selector (the s= of a DKIM-Signature) */
#define EA_NEED_CLIENT_IP  0x4u   /* the connecting server's address */
#define EA_NEED_RETRY      0x8u   /* a lookup failed: again later, or another resolver */

/* A tree a check shows beside its findings (the SPF include tree), nodes in depth-first
 * order, each naming its parent. Labels and notes may hold text from DNS. */
#define EA_TREE_MAX_NODES 256
#define EA_TREE_MAX_DEPTH 16

typedef struct {
	int parent;             /* index of the parent node; -1 for a top node */
	unsigned depth;         /* 0 for a top node */
	char *label;            /* "include:_spf.google.com", "mx", or the domain at the top */
	unsigned cost;          /* what it costs (SPF: DNS lookups), its children's included */
	char *note;             /* "Google Workspace", "no SPF record", ... or NULL */
} ea_tree_node;

#define EA_REPORT_MAX_SECTIONS 32
#define EA_SECTION_MAX_FINDINGS 512
#define EA_REPORT_MAX_LOOKUPS 2048  /* kept for the trace; more are counted, not kept */

typedef struct {
	const char *check;      /* "ses-dkim", "spf", ... */
	ea_status status;
	bool not_checked;       /* the check could not be made (SPF without the connecting address):
	                         * renderers say "not checked", never pass; the status is left alone */
	char *summary;
	ea_finding *findings;
	size_t finding_count;
	size_t finding_cap;
	size_t dropped;         /* findings past EA_SECTION_MAX_FINDINGS */
	ea_tree_node *tree;     /* or NULL */
	size_t tree_count;
	size_t tree_dropped;    /* nodes past EA_TREE_MAX_NODES or EA_TREE_MAX_DEPTH */
	bool tree_prominent;    /* show the tree unasked (the text renderer: else with --verbose) */
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
	char *zone;             /* the zone holding the domain, when known (for relative names) */
	const struct ea_dns_host *dns_host;   /* where the zone is hosted, from its NS; or NULL */
} ea_report;

EA_PUBLIC ea_report *ea_report_new(const char *domain, const char *domain_display);
EA_PUBLIC void ea_report_free(ea_report *rep);
/* Drops every section's findings (checks are re-run after each round of lookups). */
EA_PUBLIC void ea_report_clear_findings(ea_report *rep);

/* Returns the section for a check, creating it; NULL when out of memory or sections. */
EA_PUBLIC ea_section *ea_report_section(ea_report *rep, const char *check);

/* The section of a check, or NULL when the report has none. */
EA_PUBLIC const ea_section *ea_report_section_find(const ea_report *rep, const char *check);

/* Adds a finding. Strings in f are copied (NULL stays NULL); control characters are
 * kept here and removed by the renderers. Returns the stored finding or NULL. */
EA_PUBLIC ea_finding *ea_section_add(ea_section *sec, const ea_finding *f);
/* The same, with the message built by printf. */
EA_PUBLIC ea_finding *ea_section_addf(ea_section *sec, const char *code, ea_severity sev,
                                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
EA_PUBLIC int ea_finding_set(char **field, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a node under parent (-1: at the top); label/note copied (note may be NULL).
 * Returns its index, or -1 past the bounds (counted in tree_dropped) or out of memory. */
EA_PUBLIC int ea_section_tree_add(ea_section *sec, int parent, const char *label, unsigned cost,
                                  const char *note);
EA_PUBLIC void ea_section_set_summary(ea_section *sec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sets each section's status from its findings (unless a check set it), puts the
 * messages in sentence case, and returns the report's overall status. */
EA_PUBLIC ea_status ea_report_finish(ea_report *rep);
EA_PUBLIC ea_status ea_report_status(const ea_report *rep);
/* Sentence case: s's first letter capitalised when s starts with a plain word (a name,
 * a tag such as p=none or a quoted term keeps its case). */
EA_PUBLIC void ea_sentence_start(char *s);
/* Every summary, message, fix and note of rep in sentence case (ea_report_finish does it). */
EA_PUBLIC void ea_report_sentence_case(ea_report *rep);

/* Adds an action to f's fix (strings copied; value/old_value/note may be NULL).
 * Returns the action, or NULL when out of memory or past EA_FIX_MAX_ACTIONS. */
EA_PUBLIC ea_fix_action *ea_finding_add_action(ea_finding *f, ea_fix_op op, const char *name,
                                               const char *type, const char *value,
                                               const char *old_value, uint32_t ttl,
                                               const char *note);
/* Several records where one must be (two DMARC, two SPF, ...): f's fix deletes the n
 * values at name and adds values[keep] back (with note). EA_OK, EA_EINVAL, EA_ENOMEM. */
EA_PUBLIC int ea_finding_keep_one(ea_finding *f, const char *name, const char *type,
                                  const char *const *values, size_t n, size_t keep, uint32_t ttl,
                                  const char *note);
EA_PUBLIC const char *ea_fix_op_name(ea_fix_op op);
/* The owner name relative to zone ("@" for the apex; the absolute name when it is
 * outside the zone or zone is NULL), into out. */
EA_PUBLIC void ea_fix_relative_name(const char *name, const char *zone, char *out, size_t size);
/* A value as zone files and DNS APIs write it: TXT as quoted strings of at most 255
 * bytes (RFC 1035 3.3), a CNAME/MX/NS target with its trailing dot. A new string
 * (free()), NULL when out of memory. */
EA_PUBLIC char *ea_fix_rdata(const char *type, const char *value);
/* The zone the report's relative names are relative to: the zone when known, else
 * the domain. */
EA_PUBLIC const char *ea_report_zone(const ea_report *rep);
/* f's fix as zone-file lines (";" comments for notes and deletions), then its
 * instruction: a new string (free()), NULL when there is no fix or no memory. */
EA_PUBLIC char *ea_fix_zone_text(const ea_finding *f);
/* Sets the zone and DNS host of the report (zone copied). */
EA_PUBLIC int ea_report_set_zone(ea_report *rep, const char *zone, const struct ea_dns_host *host);

/* DNS hosting providers, told apart by their name servers, and how their web forms
 * want a record typed (docs/dns-hosts.md). */
typedef struct ea_dns_host {
	const char *id;               /* "route53", "cloudflare", ... */
	const char *name;             /* "Amazon Route 53" */
	const char *ns_suffixes[4];   /* name servers under these names are this provider's */
	const char *name_field;       /* the form's label for the owner name */
	const char *type_field;
	const char *value_field;      /* the label for a TXT value */
	const char *target_field;     /* the label for a CNAME/MX target */
	const char *ttl_field;
	const char *apex;             /* what to type for the zone itself: "@" or "" */
	bool full_name;               /* the form takes the whole name (else the part before the zone) */
	bool target_dot;              /* a CNAME/MX target needs a trailing dot */
	bool txt_quoted;              /* a TXT value is typed in double quotes */
	bool proxy;                   /* records can be proxied: say "DNS only" */
	const char *note;             /* anything else a person should know, or NULL */
} ea_dns_host;

/* The host whose suffixes match one of the ns names; NULL when none does. */
EA_PUBLIC const ea_dns_host *ea_dns_host_find(const char *const *ns, size_t n);
EA_PUBLIC const ea_dns_host *ea_dns_host_by_id(const char *id);
/* The generic form, for unknown hosts. */
EA_PUBLIC const ea_dns_host *ea_dns_host_generic(void);
/* An action's name and value as host's form wants them typed, into name/value. */
EA_PUBLIC void ea_dns_host_form(const ea_dns_host *host, const ea_fix_action *a, const char *zone,
                                char *name, size_t name_size, char *value, size_t value_size);

/* How urgent a finding is, for ordering: error 5, undetermined 4, warning 3, ok 2
 * (a verdict), info 1 (a note). */
EA_PUBLIC int ea_finding_rank(const ea_finding *f);
/* The indices of s's findings, most urgent first (primary first within a rank, else in
 * the order found), into order[] (room for s->finding_count). */
EA_PUBLIC void ea_section_order(const ea_section *s, size_t *order);
/* What to do first: up to max findings of the report that need action (errors, lookups
 * that failed, warnings), most urgent first. Returns how many; sec_of[i] is the index
 * of found[i]'s section. */
EA_PUBLIC size_t ea_report_todo(const ea_report *rep, const ea_finding **found, size_t *sec_of,
                                size_t max);
#define EA_REPORT_TODO_MAX 5

/* What a passing report's next step is: none (it failed, or a message was the test), the
 * SES console's status then a test message, or a test message. */
typedef enum { EA_NEXT_NONE, EA_NEXT_SES_CONSOLE, EA_NEXT_TEST_MESSAGE } ea_next_step;
EA_PUBLIC ea_next_step ea_report_next_step(const ea_report *rep);   /* a summary longer than this is not read */

EA_PUBLIC const char *ea_severity_name(ea_severity s);
/* pass, warn, fail, unknown: never a severity's name (docs/json-schema.md). */
EA_PUBLIC const char *ea_status_name(ea_status s);
/* The JSON schema 1 name (pass, warn, fail, error), kept as status_legacy for one release. */
EA_PUBLIC const char *ea_status_legacy_name(ea_status s);
/* Exit code for a status: pass 0, warn 1, fail 2, unknown (could not determine) 3. */
EA_PUBLIC int ea_status_exit_code(ea_status s);

#define EA_EXIT_USAGE 64

#endif
