/*
 * Output of `emailauth reports`: text (a table per domain, then the findings),
 * JSON (docs/json-schema.md, section "reports") and CSV (stable columns, one row
 * per source). Everything from a report is hostile: text goes through the
 * terminal-safe writer, CSV cells are quoted and kept from starting a formula.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/render.h>

#include "render/sanitize.h"
#include "reports/agg.h"
#include "util/util.h"

static const char csv_header[] =
	"domain,source_ip,reverse_name,sender,messages,dmarc_pass,dmarc_fail,dkim_aligned,"
	"dkim_unaligned,spf_aligned,spf_unaligned,disposition_none,disposition_quarantine,"
	"disposition_reject,first_date,last_date,reporters,auth_domains,reverse_name_lookup\n";

/* What the PTR lookup gave: "found", "none" (no PTR), "unknown" (timeout, SERVFAIL...),
 * "not_asked" (--no-dns, or past the EA_REPORTS_MAX_PTR busiest sources). */
static const char *ptr_status(const agg_source *s)
{
	return !s->ptr_looked_up ? "not_asked" : s->ptr ? "found" : s->ptr_unknown ? "unknown" : "none";
}

static void csv_cell(FILE *out, const char *s, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == '=' || s[0] == '+' || s[0] == '-' ||
	             s[0] == '@';
	if (quote) {
		fputc('"', out);
		if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
			fputc('\'', out);   /* a spreadsheet would run it as a formula */
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc((unsigned char)*p < 0x20 ? ' ' : *p, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

/* "Google; Yahoo" into out */
static void reporters_text(const ea_reports_agg *a, const agg_source *s, const char *sep,
                           char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < a->org_count; i++) {
		if (!(s->orgs[i / 64] & (1ull << (i % 64))))
			continue;
		int w = snprintf(out + o, size - o, "%s%s", o ? sep : "", a->orgs[i]);
		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
	}
}

static void auth_text(const agg_source *s, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < AGG_AUTH_DOMAINS && s->auth_domains[i][0]; i++) {
		int w = snprintf(out + o, size - o, "%s%s", o ? " " : "", s->auth_domains[i]);
		if (w < 0 || (size_t)w >= size - o)
			break;
		o += (size_t)w;
	}
}

static int render_csv(FILE *out, const ea_reports_agg *a, const uint32_t *order, size_t n)
{
	fputs(csv_header, out);
	for (size_t i = 0; i < n; i++) {
		const agg_source *s = &a->sources[order[i]];
		char num[14][32], rep[2048], auth[256];
		unsigned long long v[] = {s->total, s->dmarc_pass, s->total - s->dmarc_pass, s->dkim_aligned,
		                          s->total - s->dkim_aligned, s->spf_aligned, s->total - s->spf_aligned,
		                          s->disp_none, s->disp_quarantine, s->disp_reject};
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			snprintf(num[k], sizeof(num[k]), "%llu", v[k]);
		ea_agg_day_iso(s->first_day, num[10], sizeof(num[10]));
		ea_agg_day_iso(s->last_day, num[11], sizeof(num[11]));
		reporters_text(a, s, ";", rep, sizeof(rep));
		auth_text(s, auth, sizeof(auth));
		csv_cell(out, a->domains[s->domain].name, false);
		csv_cell(out, s->ip, false);
		csv_cell(out, s->ptr ? s->ptr : "", false);
		csv_cell(out, s->sender ? s->sender : "", false);
		for (size_t k = 0; k < 12; k++)
			csv_cell(out, num[k], false);
		csv_cell(out, rep, false);
		csv_cell(out, auth, false);
		csv_cell(out, ptr_status(s), true);
	}
	return EA_OK;
}

static json_t *source_json(const ea_reports_agg *a, const agg_source *s)
{
	char day[16];
	json_t *o = json_object();
	json_object_set_new(o, "domain", json_string(a->domains[s->domain].name));
	json_object_set_new(o, "source_ip", json_string(s->ip));
	json_object_set_new(o, "reverse_name", s->ptr ? json_string(s->ptr) : json_null());
	json_object_set_new(o, "reverse_name_lookup", json_string(ptr_status(s)));
	json_object_set_new(o, "sender", s->sender ? json_string(s->sender) : json_null());
	json_object_set_new(o, "messages", json_integer((json_int_t)s->total));
	json_object_set_new(o, "dmarc_pass", json_integer((json_int_t)s->dmarc_pass));
	json_object_set_new(o, "dkim_aligned", json_integer((json_int_t)s->dkim_aligned));
	json_object_set_new(o, "spf_aligned", json_integer((json_int_t)s->spf_aligned));
	json_object_set_new(o, "dkim_pass", json_integer((json_int_t)s->dkim_pass_any));
	json_t *disp = json_object();
	json_object_set_new(disp, "none", json_integer((json_int_t)s->disp_none));
	json_object_set_new(disp, "quarantine", json_integer((json_int_t)s->disp_quarantine));
	json_object_set_new(disp, "reject", json_integer((json_int_t)s->disp_reject));
	json_object_set_new(o, "disposition", disp);
	json_t *orgs = json_array(), *auth = json_array(), *days = json_array();
	for (size_t i = 0; i < a->org_count; i++)
		if (s->orgs[i / 64] & (1ull << (i % 64)))
			json_array_append_new(orgs, json_string(a->orgs[i]));
	for (size_t i = 0; i < AGG_AUTH_DOMAINS && s->auth_domains[i][0]; i++)
		json_array_append_new(auth, json_string(s->auth_domains[i]));
	for (size_t i = 0; i < s->day_count; i++) {
		json_t *d = json_object();
		ea_agg_day_iso(s->days[i].day, day, sizeof(day));
		json_object_set_new(d, "date", json_string(day));
		json_object_set_new(d, "messages", json_integer((json_int_t)s->days[i].total));
		json_object_set_new(d, "dkim_aligned", json_integer((json_int_t)s->days[i].dkim_aligned));
		json_object_set_new(d, "dmarc_pass", json_integer((json_int_t)s->days[i].dmarc_pass));
		json_array_append_new(days, d);
	}
	json_object_set_new(o, "reporters", orgs);
	json_object_set_new(o, "auth_domains", auth);
	ea_agg_day_iso(s->first_day, day, sizeof(day));
	json_object_set_new(o, "first_date", json_string(day));
	ea_agg_day_iso(s->last_day, day, sizeof(day));
	json_object_set_new(o, "last_date", json_string(day));
	json_object_set_new(o, "days", days);
	return o;
}

/* json_string() refuses invalid UTF-8: such a value from a report becomes "?"s. */
static json_t *text_json(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char *copy = strdup(s);
	if (copy == NULL)
		return json_string("");
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static int render_json(FILE *out, const ea_reports_agg *a, const uint32_t *order, size_t n,
                       const ea_report *rep)
{
	json_t *root = json_object();
	json_object_set_new(root, "schema", json_integer(EA_REPORTS_JSON_SCHEMA));
	json_object_set_new(root, "kind", json_string("dmarc-aggregate-reports"));
	json_t *in = json_object();
	json_object_set_new(in, "reports", json_integer((json_int_t)a->reports));
	json_object_set_new(in, "records", json_integer((json_int_t)a->records));
	json_object_set_new(in, "skipped", json_integer((json_int_t)a->skipped));
	json_object_set_new(in, "ignored", json_integer((json_int_t)a->ignored));
	json_object_set_new(in, "failed", json_integer((json_int_t)a->failed));
	json_object_set_new(root, "inputs", in);
	json_t *doms = json_array();
	for (size_t i = 0; i < a->domain_count; i++) {
		const agg_domain *d = &a->domains[i];
		json_t *o = json_object();
		json_object_set_new(o, "domain", json_string(d->name));
		json_object_set_new(o, "reports", json_integer((json_int_t)d->reports));
		json_object_set_new(o, "format", json_string(d->format == EA_RUA_FORMAT_RFC9990 ?
		                                             "rfc9990" : "rfc7489"));
		json_object_set_new(o, "p", text_json(d->p));
		json_object_set_new(o, "sp", text_json(d->sp));
		json_object_set_new(o, "np", text_json(d->np));
		json_object_set_new(o, "testing", json_boolean(d->testing));
		json_array_append_new(doms, o);
	}
	json_object_set_new(root, "domains", doms);
	json_t *srcs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(srcs, source_json(a, &a->sources[order[i]]));
	json_object_set_new(root, "sources", srcs);
	json_t *errs = json_array();
	for (size_t i = 0; i < a->error_count; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "path", text_json(a->errors[i].path));
		json_object_set_new(o, "code", json_string(a->errors[i].code));
		json_object_set_new(o, "message", text_json(a->errors[i].message));
		json_array_append_new(errs, o);
	}
	json_object_set_new(root, "errors", errs);
	if (rep) {
		json_t *r = ea_report_to_json(rep, false);
		if (r)
			json_object_set_new(root, "report", r);
	}
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 ? EA_OK : EA_EIO;
	fputc('\n', out);
	json_decref(root);
	return rc;
}

static void pct_cell(FILE *out, uint64_t part, uint64_t total)
{
	fprintf(out, " %5.1f%%", total ? 100.0 * (double)part / (double)total : 0.0);
}

static int render_text(FILE *out, const ea_reports_agg *a, const uint32_t *order, size_t n,
                       const ea_report *rep, bool color)
{
	char first[40], last[40];
	if (a->first_day <= a->last_day) {
		ea_agg_day_text(a->first_day, first, sizeof(first));
		ea_agg_day_text(a->last_day, last, sizeof(last));
		fprintf(out, "DMARC aggregate reports: %llu read (%llu left out, %llu with errors), "
		        "%s to %s\n", (unsigned long long)a->reports, (unsigned long long)a->skipped,
		        (unsigned long long)a->failed, first, last);
	} else {
		fprintf(out, "DMARC aggregate reports: %llu read (%llu left out, %llu with errors)\n",
		        (unsigned long long)a->reports, (unsigned long long)a->skipped,
		        (unsigned long long)a->failed);
	}
	int cur = -1;
	for (size_t i = 0; i < n; i++) {
		const agg_source *s = &a->sources[order[i]];
		if (s->domain != cur) {
			const agg_domain *d = &a->domains[s->domain];
			cur = s->domain;
			fputs("\n", out);
			ea_write_terminal_safe(out, d->name, 0);
			fputs(" (policy p=", out);
			ea_write_terminal_safe(out, d->p[0] ? d->p : "?", 0);
			fputs(")\n", out);
			fprintf(out, "  %-39s %-28s %-14s %9s %6s %6s %6s  %s\n", "SOURCE", "REVERSE NAME",
			        "SENDER", "MESSAGES", "DMARC", "DKIM", "SPF", "APPLIED q/r  REPORTED BY");
		}
		char rep_orgs[512], name[29];
		ea_copy(name, sizeof(name), s->ptr ? s->ptr : s->ptr_unknown ? "(unknown)" : "-");
		reporters_text(a, s, ", ", rep_orgs, sizeof(rep_orgs));
		fprintf(out, "  %-39s ", s->ip);
		ea_write_terminal_safe(out, name, 0);
		fprintf(out, "%*s %-14s %9llu", (int)(28 - strlen(name)), "",
		        s->sender ? s->sender : "unknown", (unsigned long long)s->total);
		pct_cell(out, s->dmarc_pass, s->total);
		pct_cell(out, s->dkim_aligned, s->total);
		pct_cell(out, s->spf_aligned, s->total);
		fprintf(out, "  %llu/%llu  ", (unsigned long long)s->disp_quarantine,
		        (unsigned long long)s->disp_reject);
		ea_write_terminal_safe(out, rep_orgs, 0);
		fputc('\n', out);
	}
	fputc('\n', out);
	if (rep)
		return ea_render_text(out, rep, &(ea_render_opts){.color = color});
	return EA_OK;
}

void ea_reports_render_errors(FILE *out, const ea_reports_agg *a)
{
	for (size_t i = 0; i < a->error_count; i++) {
		const agg_error *e = &a->errors[i];
		fputs("emailauth reports: ", out);
		ea_write_terminal_safe(out, e->path, 0);
		fputs(": ", out);
		ea_write_terminal_safe(out, e->message, 0);
		fputs(" [", out);
		ea_write_terminal_safe(out, e->code, 0);
		fputs("]\n", out);
	}
	if (a->failed > a->error_count)
		fprintf(out, "emailauth reports: %llu more files could not be read (not listed)\n",
		        (unsigned long long)(a->failed - a->error_count));
}

int ea_reports_render(FILE *out, const char *format, ea_reports_agg *a, const ea_report *rep,
                      bool color)
{
	ea_agg_identify(a);
	uint32_t *order;
	size_t n = ea_agg_sorted(a, &order);
	if (order == NULL)
		return EA_ENOMEM;
	int rc;
	if (strcmp(format, "csv") == 0)
		rc = render_csv(out, a, order, n);
	else if (strcmp(format, "json") == 0)
		rc = render_json(out, a, order, n, rep);
	else
		rc = render_text(out, a, order, n, rep, color);
	free(order);
	return rc;
}
