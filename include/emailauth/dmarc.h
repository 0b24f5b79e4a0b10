/*
 * DMARC (RFC 9989, which replaces RFC 7489): the record parser, policy discovery
 * and the Organizational Domain by the DNS tree walk, and the evaluation of one
 * message's result.
 *
 * The parser is pure. Discovery and evaluation are written over ea_lookup() like
 * every check (job.h): they return EA_EPENDING while lookups are in flight, and
 * the caller returns EA_EPENDING too; when the job re-runs the caller from the
 * top, the same call finds the answers and returns EA_OK. So they can be called
 * from inside any check, e.g. the verify command:
 *
 *     ea_dmarc_result *res = ...;                 (heap: the struct is large)
 *     const char *dkim[] = {"example.com"}, *spf[] = {"bounce.example.com"};
 *     ea_dmarc_message m = {.from_domain = "example.com", .dkim_domains = dkim,
 *                           .dkim_count = 1, .spf_domains = spf, .spf_count = 1};
 *     int rc = ea_dmarc_evaluate(job, &m, res);
 *     if (rc == EA_EPENDING) return EA_EPENDING;  (after issuing other lookups)
 *     ... res->result is EA_DMARC_PASS / FAIL / NONE / TEMPERROR ...
 *
 * Domains are A-labels (ea_domain_normalize), without a trailing dot.
 */
#ifndef EMAILAUTH_DMARC_H
#define EMAILAUTH_DMARC_H

#include <emailauth/emailauth.h>

#define EA_DMARC_MAX_URIS 8          /* rua/ruf URIs kept per tag; more are reported */
#define EA_DMARC_URI_MAX 255         /* longer URIs are reported and not kept */
#define EA_DMARC_MAX_NOTES 24        /* parser notes kept per record */
#define EA_DMARC_WALK_MAX 8          /* RFC 9989 4.10: the tree walk makes at most 8 queries */
#define EA_DMARC_RECORD_MAX 2048     /* record text kept for reports */
#define EA_DMARC_MAX_IDENTIFIERS 16  /* DKIM or SPF domains evaluated per message */

typedef enum {
	EA_DMARC_P_NONE = 0,
	EA_DMARC_P_QUARANTINE = 1,
	EA_DMARC_P_REJECT = 2,
} ea_dmarc_policy;

/* One rua= or ruf= destination (RFC 9989 4.7; size suffix as in RFC 7489 6.2). */
typedef struct {
	char uri[EA_DMARC_URI_MAX + 1];
	size_t offset;                   /* byte position in the record */
	bool valid;                      /* a URI: scheme ":" rest (RFC 3986 3.1) */
	bool mailto;
	char address[EA_DMARC_URI_MAX + 1];   /* mailto: the address, percent-decoding not done */
	char domain[EA_NAME_MAX + 1];    /* mailto: the address's domain, lowercase */
	uint64_t size_limit;             /* bytes from "!10m", 0 when none */
	char size_text[24];              /* the suffix as written, e.g. "10m" */
} ea_dmarc_uri;

/* A parser remark, with the finding code the check reports it under. */
typedef struct {
	const char *code;                /* e.g. "dmarc.syntax", "dmarc.tag.removed" */
	ea_severity severity;
	size_t offset;                   /* byte position in the record */
	char tag[16];
	char message[320];
} ea_dmarc_note;

typedef struct {
	bool is_dmarc;          /* starts with v=DMARC1: a DMARC record at all (RFC 9989 4.7) */
	bool valid;             /* is_dmarc and p= is absent or valid */
	bool p_present, p_valid;
	ea_dmarc_policy p;      /* none when absent or invalid */
	bool sp_present, sp_valid;
	ea_dmarc_policy sp;     /* effective: p when absent */
	bool np_present, np_valid;
	ea_dmarc_policy np;     /* effective: sp when absent (RFC 9989 4.7) */
	char adkim, aspf;       /* 'r' or 's' (effective; 'r' when absent or invalid) */
	bool adkim_present, aspf_present;
	char psd;               /* 'y', 'n' or 'u' (default and when invalid) */
	bool psd_present, psd_valid;
	bool testing;           /* t=y */
	bool t_present, t_valid;
	char fo[32];            /* as written, "" when absent */
	bool fo_valid;
	size_t rua_count, ruf_count;
	bool rua_present, ruf_present;
	bool rua_valid, ruf_valid;   /* every URI present is a URI (true when absent) */
	/* Removed by RFC 9989 but still read by RFC 7489 receivers. */
	bool pct_present, pct_valid;
	int pct;
	bool rf_present, ri_present;
	char rf[32];
	unsigned long ri;
	bool duplicate_tag;     /* a tag appears twice: the tag list is invalid (RFC 6376 3.2) */
	size_t note_count;
	size_t notes_dropped;
	/* The arrays last (20 KiB of the record): ea_dmarc_parse zeroes only what precedes
	 * them, and sets each entry below its count as it adds it. */
	ea_dmarc_uri rua[EA_DMARC_MAX_URIS], ruf[EA_DMARC_MAX_URIS];
	ea_dmarc_note notes[EA_DMARC_MAX_NOTES];
} ea_dmarc_record;

/* Parses one TXT record (the strings already joined). Never fails: read is_dmarc,
 * valid and the notes. At most EA_DMARC_RECORD_MAX * 32 bytes are read. */
EA_PUBLIC void ea_dmarc_parse(const char *txt, size_t len, ea_dmarc_record *out);
EA_PUBLIC const char *ea_dmarc_policy_name(ea_dmarc_policy p);
/* True if a record has a usable policy: p= valid and sp=/np= valid where present,
 * or (RFC 9989 4.10.1) a valid rua= that makes the receiver act as if p=none. */
EA_PUBLIC bool ea_dmarc_record_usable(const ea_dmarc_record *r);

/* What a receiver does with a record it found (RFC 9989 4.10.1): the one verdict that
 * both the domain check and the message verification say. */
typedef enum {
	EA_DMARC_APPLIED = 0,          /* its p= (sp=, np=) apply */
	EA_DMARC_APPLIED_AS_NONE = 1,  /* a policy tag is invalid but rua= is valid: as if p=none */
	EA_DMARC_NOT_APPLIED = 2,      /* no DMARC processing at all */
} ea_dmarc_applies;
/* Writes why it is not EA_DMARC_APPLIED into why ("" when it is). */
EA_PUBLIC ea_dmarc_applies ea_dmarc_record_applies(const ea_dmarc_record *r, char *why, size_t size);

/* The names the RFC 9989 tree walk queries for domain, in order: _dmarc.<domain>,
 * then (with 8 or more labels) the suffix of 7 labels, then one label fewer each
 * step down to 1. Returns how many (at most EA_DMARC_WALK_MAX). The names written
 * are the domains, without "_dmarc.". */
EA_PUBLIC size_t ea_dmarc_walk_names(const char *domain, char out[][EA_NAME_MAX + 1], size_t max);

typedef enum {
	EA_DMARC_FOUND = 0,       /* a policy record applies */
	EA_DMARC_NOT_FOUND = 1,   /* no DMARC record: the result is "none" */
	EA_DMARC_MULTIPLE = 2,    /* several DMARC records at one name: none (RFC 9989 4.10) */
	EA_DMARC_TEMPERROR = 3,   /* a lookup failed before a record was found */
} ea_dmarc_outcome;

typedef struct {
	ea_dmarc_outcome outcome;
	char domain[EA_NAME_MAX + 1];          /* the domain policy was looked up for */
	char policy_domain[EA_NAME_MAX + 1];   /* where the record was found */
	char record_text[EA_DMARC_RECORD_MAX + 1];
	/* The walk as the RFC describes it (sequential): the names consulted, in order. */
	char walk[EA_DMARC_WALK_MAX][EA_NAME_MAX + 1];
	size_t walk_count;
	/* Organizational Domain of `domain` (RFC 9989 4.10.2), and whether it is known. */
	char org_domain[EA_NAME_MAX + 1];
	bool org_known;
	char org_reason[160];                  /* which rule chose it */
	char failed_name[EA_NAME_MAX + 8];     /* the lookup that failed, for TEMPERROR */
	char multiple_at[EA_NAME_MAX + 1];     /* for MULTIPLE */
	bool via_cname;                        /* the _dmarc record came through a CNAME */
	char cname_target[EA_NAME_MAX + 1];
	ea_dmarc_record record;                /* last: see ea_dmarc_record's arrays */
} ea_dmarc_discovery;

/* Policy discovery and the Organizational Domain for domain. EA_OK when out is
 * filled, EA_EPENDING while lookups are in flight, EA_EINVAL for a bad name. */
EA_PUBLIC int ea_dmarc_discover(ea_job *job, const char *domain, ea_dmarc_discovery *out);

/* The Organizational Domain alone (RFC 9989 4.10.2). *known is false when a
 * lookup failed. EA_OK, EA_EPENDING or EA_EINVAL. */
EA_PUBLIC int ea_dmarc_org_domain(ea_job *job, const char *domain, char *out, size_t size,
                                  bool *known);

/* The same answer a receiver still using RFC 7489 would reach: the registrable
 * domain by the Public Suffix List (libpsl with the system's list). Returns false
 * when the list cannot say (e.g. the domain is itself a public suffix). */
EA_PUBLIC bool ea_dmarc_org_domain_psl(const char *domain, char *out, size_t size);

/* A message to evaluate: its RFC5322.From domain and the domains that passed. */
typedef struct {
	const char *from_domain;
	const char *const *dkim_domains;   /* d= of each DKIM signature that verified */
	size_t dkim_count;
	const char *const *spf_domains;    /* MAIL FROM (or HELO) domains whose SPF passed */
	size_t spf_count;
} ea_dmarc_message;

typedef enum {
	EA_DMARC_RESULT_NONE = 0,      /* no policy record (or no usable one) */
	EA_DMARC_RESULT_PASS = 1,
	EA_DMARC_RESULT_FAIL = 2,
	EA_DMARC_RESULT_TEMPERROR = 3, /* a lookup failed */
} ea_dmarc_result_kind;

typedef struct {
	ea_dmarc_result_kind result;
	ea_dmarc_policy policy;          /* the policy that applies: p, sp or np */
	const char *policy_tag;          /* "p", "sp" or "np" */
	ea_dmarc_policy applied_policy;  /* after t=y (testing) lowers it one step */
	bool dkim_aligned, spf_aligned;
	char dkim_domain[EA_NAME_MAX + 1];   /* the DKIM domain that aligned */
	char spf_domain[EA_NAME_MAX + 1];    /* the SPF domain that aligned */
	bool from_exists;                /* false: NXDOMAIN for A, AAAA and MX (np applies) */
	char reason[1024];               /* one sentence: why the result is what it is */
	ea_dmarc_discovery disc;
} ea_dmarc_result;

EA_PUBLIC const char *ea_dmarc_result_name(ea_dmarc_result_kind r);

/* Evaluates msg. EA_OK (out filled), EA_EPENDING, or EA_EINVAL (bad from domain). */
EA_PUBLIC int ea_dmarc_evaluate(ea_job *job, const ea_dmarc_message *msg, ea_dmarc_result *out);

/* Identifier alignment (RFC 9989 4.4): strict is equality; relaxed is equal
 * Organizational Domains. EA_OK with *aligned set, or EA_EPENDING. *known is false
 * when a lookup failed. */
EA_PUBLIC int ea_dmarc_aligned(ea_job *job, const char *from_domain, const char *id_domain,
                               char mode, bool *aligned, bool *known);

/* The check for ea_job_add_check(): arg is a const char * domain (A-label). Adds the
 * "dmarc" section: the record, its mistakes, external report destinations. */
EA_PUBLIC int ea_check_dmarc(ea_job *job, void *arg);

#endif
