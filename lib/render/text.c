/* The text renderer: for a person at a terminal. Nothing from DNS reaches the
 * terminal unfiltered (control characters are replaced). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "render/sanitize.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BLUE "\033[34m"
#define C_DIM "\033[2m"

static const char *sev_color(ea_severity s)
{
	switch (s) {
	case EA_SEV_OK: return C_GREEN;
	case EA_SEV_INFO: return C_BLUE;
	case EA_SEV_WARNING: return C_YELLOW;
	case EA_SEV_ERROR: return C_RED;
	}
	return "";
}

/* Words, not only colours, carry the severity. */
static const char *sev_label(const ea_finding *f)
{
	if (f->undetermined)
		return "UNKNOWN";
	switch (f->severity) {
	case EA_SEV_OK: return "OK";
	case EA_SEV_INFO: return "INFO";
	case EA_SEV_WARNING: return "WARN";
	case EA_SEV_ERROR: return "ERROR";
	}
	return "?";
}

static const char *status_label(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return "PASS";
	case EA_STATUS_WARN: return "WARN";
	case EA_STATUS_FAIL: return "FAIL";
	case EA_STATUS_ERROR: return "UNKNOWN";
	}
	return "?";
}

static const char *status_color(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return C_GREEN;
	case EA_STATUS_WARN: return C_YELLOW;
	case EA_STATUS_FAIL: return C_RED;
	case EA_STATUS_ERROR: return C_YELLOW;
	}
	return "";
}

/* Writes each line of text after a prefix: `first` before the first line, `indent` before
 * the others. Every line goes through the terminal filter. */
static void write_lines(FILE *out, const char *text, const char *first, const char *indent)
{
	char *copy = strdup(text);
	if (copy == NULL)
		return;
	const char *prefix = first;
	for (char *line = copy, *next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (next == NULL && *line == '\0' && prefix != first)
			break;   /* a trailing newline adds no empty line */
		fputs(prefix, out);
		ea_write_terminal_safe(out, line, 0);
		fputc('\n', out);
		prefix = indent;
	}
	free(copy);
}

static void field(FILE *out, const char *label, const char *value, const ea_render_opts *o)
{
	if (value == NULL || *value == '\0')
		return;
	char first[64];
	snprintf(first, sizeof(first), "    %s%-9s%s ", o->color ? C_DIM : "", label, o->color ? C_RESET : "");
	write_lines(out, value, first, "              ");
}

/* An action as the host's web form wants it typed: one line per record to add. */
static void form_line(FILE *out, const ea_fix_action *a, const ea_report *rep)
{
	const ea_dns_host *h = rep->dns_host ? rep->dns_host : ea_dns_host_generic();
	char name[EA_NAME_MAX + 2], value[4096];
	ea_dns_host_form(h, a, ea_report_zone(rep), name, sizeof(name), value, sizeof(value));
	bool target = strcmp(a->type, "CNAME") == 0 || strcmp(a->type, "MX") == 0;
	fprintf(out, "      in %s: %s: ", h->name, h->name_field);
	ea_write_terminal_safe(out, name[0] ? name : "(empty)", 0);
	fprintf(out, " | %s: %s | %s: ", h->type_field, a->type, target ? h->target_field : h->value_field);
	ea_write_terminal_safe(out, value, 0);
	if (h->proxy && strcmp(a->type, "CNAME") == 0)
		fputs(" | Proxy status: DNS only", out);
	fputc('\n', out);
}

static void fix_block(FILE *out, const ea_finding *f, const ea_report *rep, const ea_render_opts *o)
{
	char *fix = ea_fix_zone_text(f);
	if (fix == NULL || *fix == '\0') {
		free(fix);
		return;
	}
	fprintf(out, "    %sfix%s\n", o->color ? C_BOLD : "", o->color ? C_RESET : "");
	write_lines(out, fix, "      ", "      ");
	free(fix);
	for (size_t i = 0; i < f->action_count; i++)
		if (f->actions[i].op != EA_FIX_DELETE && f->actions[i].value)
			form_line(out, &f->actions[i], rep);
}

static void finding(FILE *out, const ea_finding *f, const ea_report *rep, const ea_render_opts *o)
{
	const char *col = f->undetermined ? C_YELLOW : sev_color(f->severity);
	fprintf(out, "  %s%-7s%s ", o->color ? col : "", sev_label(f), o->color ? C_RESET : "");
	if (f->subject && *f->subject) {
		ea_write_terminal_safe(out, f->subject, 0);
		fputs(": ", out);
	}
	ea_write_terminal_safe(out, f->message, 0);
	fprintf(out, " %s[%s]%s\n", o->color ? C_DIM : "", f->code, o->color ? C_RESET : "");
	if (f->severity == EA_SEV_OK)
		return;   /* a right record needs no evidence beside its one line */
	field(out, "name", f->name, o);
	field(out, "expected", f->expected, o);
	field(out, "found", f->found, o);
	if (f->rfc)
		field(out, "see", f->rfc, o);
	fix_block(out, f, rep, o);
}

static void trace(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	fprintf(out, "\n%sLookups%s (%zu)\n", o->color ? C_BOLD : "", o->color ? C_RESET : "",
	        rep->lookup_count);
	for (size_t i = 0; i < rep->lookup_count; i++) {
		const ea_lookup_record *l = &rep->lookups[i];
		fputs("  ", out);
		ea_write_terminal_safe(out, l->name, 0);
		fprintf(out, " %s @%s%s: %s", ea_rr_type_name(l->type), l->server && *l->server ? l->server : "-",
		        l->direct ? " (direct)" : "", ea_dns_outcome_name(l->outcome));
		if (l->outcome != EA_DNS_FOUND)
			fprintf(out, " (%s)", ea_dns_reason_text(l->reason));
		fprintf(out, ", rcode %d, ttl %u, %.1f ms%s", l->rcode, l->ttl, l->ms, l->ad ? ", AD" : "");
		if (l->why) {
			fputs(" - ", out);
			ea_write_terminal_safe(out, l->why, 0);
		}
		fputc('\n', out);
		if (l->answer && *l->answer)
			write_lines(out, l->answer, "      ", "      ");
	}
	if (rep->lookups_dropped)
		fprintf(out, "  (%zu more lookups not shown)\n", rep->lookups_dropped);
}

static const char *check_title(const char *check)
{
	if (strcmp(check, "ses-dkim") == 0)
		return "Amazon SES Easy DKIM";
	return check;
}

int ea_render_text(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	ea_status st = ea_report_status(rep);
	fprintf(out, "%s", o->color ? C_BOLD : "");
	ea_write_terminal_safe(out, rep->domain_display, 0);
	if (strcmp(rep->domain, rep->domain_display) != 0) {
		fputs(" (", out);
		ea_write_terminal_safe(out, rep->domain, 0);
		fputc(')', out);
	}
	fprintf(out, "%s: %s%s%s\n", o->color ? C_RESET : "", o->color ? status_color(st) : "",
	        status_label(st), o->color ? C_RESET : "");
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		fprintf(out, "\n%s%s%s  %s%s%s", o->color ? C_BOLD : "", check_title(s->check),
		        o->color ? C_RESET : "", o->color ? status_color(s->status) : "",
		        status_label(s->status), o->color ? C_RESET : "");
		if (s->summary) {
			fputs("  ", out);
			ea_write_terminal_safe(out, s->summary, 0);
		}
		fputc('\n', out);
		/* Primary verdicts first, then the other findings. */
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = 0; k < s->finding_count; k++)
				if (s->findings[k].primary == (pass == 0))
					finding(out, &s->findings[k], rep, o);
		if (s->dropped)
			fprintf(out, "  (%zu more findings not shown)\n", s->dropped);
	}
	if (ea_report_fix_count(rep) > 0) {
		const ea_dns_host *h = rep->dns_host ? rep->dns_host : ea_dns_host_generic();
		fprintf(out, "\n%sWhere to make the changes%s\n  ", o->color ? C_BOLD : "", o->color ? C_RESET : "");
		if (rep->dns_host)
			fprintf(out, "The DNS of %s is hosted at %s (by its name servers). %s\n",
			         ea_report_zone(rep), h->name, h->note ? h->note : "");
		else
			fprintf(out, "At the DNS host of %s. %s\n", ea_report_zone(rep), h->note);
	}
	if (o->trace)
		trace(out, rep, o);
	return ferror(out) ? EA_EIO : EA_OK;
}
