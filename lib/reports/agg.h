/* The aggregate's inside, shared by agg.c (adding up), findings.c (plain words),
 * render.c (tables) and ptr.c (reverse names). */
#ifndef EA_REPORTS_AGG_H
#define EA_REPORTS_AGG_H

#include <emailauth/reports.h>

#define AGG_AUTH_DOMAINS 3        /* distinct DKIM/SPF domains kept per source */
#define AGG_MAX_FILE_ERRORS 1000  /* per-file errors kept to show; more are counted */
#define AGG_DAY_SECONDS 86400

typedef struct {
	int32_t day;                  /* days since 1970 UTC */
	uint64_t total, dkim_aligned, dmarc_pass;
} agg_day;

typedef struct {
	uint16_t domain;              /* index into agg.domains */
	char ip[48];
	char *ptr;                    /* reverse name, when looked up and found */
	bool ptr_looked_up, ptr_unknown;
	const char *sender;           /* going by ptr, address, auth domains; NULL unknown */
	uint64_t total, dmarc_pass, dkim_aligned, spf_aligned, dkim_pass_any;
	uint64_t disp_none, disp_quarantine, disp_reject, disp_other;
	int32_t first_day, last_day;
	uint64_t orgs[EA_REPORTS_MAX_ORGS / 64];  /* bit set of agg.orgs */
	char auth_domains[AGG_AUTH_DOMAINS][64];  /* DKIM d= / SPF domains seen, not the From domain */
	agg_day *days;
	size_t day_count, day_cap;
} agg_source;

typedef struct {
	char name[256];
	char p[16], sp[16], np[16];
	bool testing;
	int64_t policy_end;           /* end of the report the policy was taken from */
	ea_rua_format format;
	uint64_t reports;
} agg_domain;

/* A record waiting for its report to end well. */
typedef struct {
	uint32_t source;
	int32_t day;
	uint64_t count;
	uint8_t flags;                /* PEND_* */
	char disposition;             /* n q r o */
} agg_pending;
#define PEND_DKIM 1
#define PEND_SPF 2
#define PEND_DKIM_ANY 4

typedef struct {
	char *path, *code, *message;
} agg_error;

struct ea_reports_agg {
	ea_reports_filter filter;
	char filter_domain[256];
	agg_domain *domains;
	size_t domain_count;
	char *orgs[EA_REPORTS_MAX_ORGS];
	size_t org_count;
	agg_source *sources;
	size_t source_count, source_cap;
	uint64_t *index;              /* open addressing over sources: hash << 32 | source
	                               * (the hash spares a cache miss per probe); UINT64_MAX empty */
	size_t index_cap;
	uint64_t sources_dropped;     /* records past EA_REPORTS_MAX_SOURCES */
	/* the report being read */
	agg_pending *pending;
	size_t pending_count, pending_cap;
	int cur_domain, cur_org;
	int32_t cur_day;
	/* inputs */
	uint64_t reports, skipped, ignored, failed, records;
	agg_error errors[AGG_MAX_FILE_ERRORS];
	size_t error_count;
	int32_t first_day, last_day;
};

/* Sources in a stable order: domain, then most messages first. */
size_t ea_agg_sorted(const ea_reports_agg *a, uint32_t **out);
/* "3 May 2026" */
void ea_agg_day_text(int32_t day, char *out, size_t size);
/* "2026-05-03" */
void ea_agg_day_iso(int32_t day, char *out, size_t size);
/* Sets each source's sender from what is known now. */
void ea_agg_identify(ea_reports_agg *a);

#endif
