/*
 * Renderers: text, JSON, HTML are peers behind one table. They read a finished
 * report and never change it.
 */
#ifndef EMAILAUTH_RENDER_H
#define EMAILAUTH_RENDER_H

#include <stdio.h>
#include <emailauth/emailauth.h>

typedef struct {
	bool color;      /* ANSI colour (text, only on a terminal) */
	bool trace;      /* include every lookup */
	bool compact;    /* JSON on one line (JSONL) */
	bool verbose;    /* text: notes and finding codes too */
	unsigned width;  /* text: wrap to this many columns (0: no wrapping) */
	const char *codes_url;  /* html: each code links to codes_url#CODE (NULL: no link) */
} ea_render_opts;

/* The title of a check's section, e.g. "Amazon SES Easy DKIM" for "ses-dkim". */
EA_PUBLIC const char *ea_check_title(const char *check);

typedef int (*ea_render_fn)(FILE *out, const ea_report *rep, const ea_render_opts *o);

/* "text", "json", "html", "nagios"; NULL when unknown. */
EA_PUBLIC ea_render_fn ea_renderer(const char *format);
EA_PUBLIC int ea_render_text(FILE *out, const ea_report *rep, const ea_render_opts *o);
EA_PUBLIC int ea_render_json(FILE *out, const ea_report *rep, const ea_render_opts *o);
/* An HTML fragment (a <div>) for a page; everything from DNS is escaped. */
EA_PUBLIC int ea_render_html(FILE *out, const ea_report *rep, const ea_render_opts *o);

/* A Nagios plugin's output: "EMAILAUTH OK - DOMAIN: summary | perfdata", then a line
 * per problem. The plugin's exit code is ea_status_exit_code() of the report. */
EA_PUBLIC int ea_render_nagios(FILE *out, const ea_report *rep, const ea_render_opts *o);

/* The JSON document of a report (jansson's json_t *, as void * to keep jansson out of
 * this header). The caller releases it with json_decref(). */
EA_PUBLIC void *ea_report_to_json(const ea_report *rep, bool with_lookups);

/* The report without its lookups as compact JSON on one line (JSONL, as `scan` writes):
 * the bytes json_dumps(ea_report_to_json(rep, false), JSON_COMPACT | JSON_ENSURE_ASCII)
 * gives, at a fraction of the CPU. *len: its length. free() it; NULL: out of memory. */
EA_PUBLIC char *ea_report_json_line(const ea_report *rep, size_t *len);

/* Every fix of the report as `format`: "zone" (zone-file lines), "route53" (a change
 * batch for `aws route53 change-resource-record-sets --change-batch file://...`),
 * "terraform" (aws_route53_record, or cloudflare_record when the zone is at Cloudflare;
 * "terraform-aws" / "terraform-cloudflare" to choose), "cloudflare" (API calls with curl). */
EA_PUBLIC int ea_render_fixes(FILE *out, const ea_report *rep, const char *format);
EA_PUBLIC bool ea_fix_format_known(const char *format);
/* How many distinct fix actions the report holds. */
EA_PUBLIC size_t ea_report_fix_count(const ea_report *rep);

/* JSON schema version of --format json. Bumped only on purpose (docs/json-schema.md). */
#define EA_JSON_SCHEMA 2

#endif
