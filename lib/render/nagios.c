/*
 * The Nagios plugin renderer (--format nagios), a peer of text and JSON: one status
 * line "EMAILAUTH STATE - text | perfdata", then one line per problem (the plugin
 * "long output"). The states follow the report's status, and so do the exit codes
 * the program already uses (ea_status_exit_code): pass 0 OK, warn 1 WARNING, fail
 * 2 CRITICAL, could not determine 3 UNKNOWN, as the Nagios plugin guidelines ask.
 * '|' separates the perfdata, so none from DNS reaches a line.
 */
#include <stdio.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "render/sanitize.h"
#include "util/util.h"

#define NAGIOS_DETAIL_MAX 20      /* problem lines after the status line */
#define NAGIOS_TEXT_MAX 240       /* bytes of one message shown */

static const char *nagios_state(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return "OK";
	case EA_STATUS_WARN: return "WARNING";
	case EA_STATUS_FAIL: return "CRITICAL";
	case EA_STATUS_ERROR: return "UNKNOWN";
	}
	return "UNKNOWN";
}

/* s on one line, without '|' (the perfdata separator) or control characters. */
static void put_text(FILE *out, const char *s)
{
	char buf[NAGIOS_TEXT_MAX + 1];
	ea_copy(buf, sizeof(buf), s ? s : "");
	for (char *p = buf; *p; p++)
		if (*p == '|' || *p == '\n' || *p == '\r' || *p == '\t')
			*p = *p == '|' ? '/' : ' ';
	ea_write_terminal_safe(out, buf, 0);
}

static const char *finding_state(const ea_finding *f)
{
	if (f->undetermined)
		return "UNKNOWN";
	return f->severity == EA_SEV_ERROR ? "CRITICAL" : "WARNING";
}

static bool is_problem(const ea_finding *f)
{
	return f->undetermined || f->severity >= EA_SEV_WARNING;
}

int ea_render_nagios(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	(void)o;
	ea_status st = ea_report_status(rep);
	size_t errors = 0, warnings = 0, unknown = 0, not_pass = 0;
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		not_pass += s->status != EA_STATUS_PASS;
		for (size_t k = 0; k < s->finding_count; k++) {
			const ea_finding *f = &s->findings[k];
			if (f->undetermined)
				unknown++;
			else if (f->severity == EA_SEV_ERROR)
				errors++;
			else if (f->severity == EA_SEV_WARNING)
				warnings++;
		}
	}
	fprintf(out, "EMAILAUTH %s - ", nagios_state(st));
	put_text(out, rep->domain);
	if (rep->section_count == 1) {
		fputs(": ", out);
		put_text(out, rep->sections[0].summary ? rep->sections[0].summary : ea_status_name(st));
	} else {
		fprintf(out, ": %zu of %zu checks pass", rep->section_count - not_pass, rep->section_count);
		const char *sep = "; ";
		for (size_t i = 0; i < rep->section_count; i++) {
			const ea_section *s = &rep->sections[i];
			if (s->status == EA_STATUS_PASS)
				continue;
			fprintf(out, "%s%s %s", sep, s->check, nagios_state(s->status));
			sep = ", ";
		}
	}
	/* perfdata: 'label'=value[UOM];warn;crit;min;max */
	fprintf(out, " | time=%.3fs;;;0 lookups=%zu;;;0 errors=%zu;;;0 warnings=%zu;;;0 unknown=%zu;;;0",
	        rep->elapsed_ms / 1000.0, rep->lookup_count + rep->lookups_dropped, errors, warnings, unknown);
	if (rep->section_count > 1)
		fprintf(out, " checks=%zu;;;0 checks_not_ok=%zu;;;0", rep->section_count, not_pass);
	fputc('\n', out);
	size_t shown = 0, problems = errors + warnings + unknown;
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		for (size_t k = 0; k < s->finding_count && shown < NAGIOS_DETAIL_MAX; k++) {
			const ea_finding *f = &s->findings[k];
			if (!is_problem(f))
				continue;
			fprintf(out, "%s %s: ", finding_state(f), f->code);
			if (f->subject && *f->subject) {
				put_text(out, f->subject);
				fputs(": ", out);
			}
			put_text(out, f->message);
			fputc('\n', out);
			shown++;
		}
	}
	if (problems > shown)
		fprintf(out, "(%zu more)\n", problems - shown);
	return ferror(out) ? EA_EIO : EA_OK;
}
