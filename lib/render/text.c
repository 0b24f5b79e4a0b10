/* The text renderer: for a person at a terminal. Nothing from DNS reaches the
 * terminal unfiltered (control characters are replaced). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "render/sanitize.h"
#include "util/util.h"

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

#define TEXT_WORD_MAX 4096   /* a longer word is written as it is, past the margin */

/* text after a prefix already written at column col: words wrapped at width, each
 * continuation line starting with cont (spaces: a hanging indent; "; " in a zone-file
 * comment). width 0: one line. Returns the column the text ended at. */
static unsigned wrap_cont(FILE *out, const char *text, unsigned col, unsigned width, const char *cont)
{
	unsigned indent = (unsigned)strlen(cont);
	if (width == 0 || width <= indent + 20) {
		ea_write_terminal_safe(out, text, 0);
		return col;
	}
	char word[TEXT_WORD_MAX + 1];
	const char *p = text;
	bool first = true;
	while (*p) {
		while (*p == ' ' || *p == '\n')
			p++;
		size_t n = 0;
		while (p[n] && p[n] != ' ' && p[n] != '\n')
			n++;
		if (n == 0)
			break;
		size_t wn = n < TEXT_WORD_MAX ? n : TEXT_WORD_MAX;
		memcpy(word, p, wn);
		word[wn] = '\0';
		unsigned cols = 0;   /* display columns: UTF-8 continuation bytes take none */
		for (size_t k = 0; k < wn; k++)
			cols += ((unsigned char)word[k] & 0xC0) != 0x80;
		if (!first && col + 1 + cols > width) {
			fprintf(out, "\n%s", cont);
			col = indent;
		} else if (!first) {
			fputc(' ', out);
			col++;
		}
		ea_write_terminal_safe(out, word, 0);
		col += cols;
		first = false;
		p += n;
	}
	return col;
}

#define INDENT_MAX 64

static unsigned wrap_write(FILE *out, const char *text, unsigned col, unsigned width, unsigned indent)
{
	char spaces[INDENT_MAX + 1];
	indent = indent < INDENT_MAX ? indent : INDENT_MAX;
	memset(spaces, ' ', indent);
	spaces[indent] = '\0';
	return wrap_cont(out, text, col, width, spaces);
}

static void field(FILE *out, const char *label, const char *value, const ea_render_opts *o)
{
	if (value == NULL || *value == '\0')
		return;
	char first[64];
	snprintf(first, sizeof(first), "    %s%-9s%s ", o->color ? C_DIM : "", label, o->color ? C_RESET : "");
	write_lines(out, value, first, "              ");
}

/* What a finding needs, said as this interface takes it: the command's options. */
static const char *how_cli(unsigned needs)
{
	if (needs & EA_NEED_SES_TOKENS)
		return "Give the tokens with --tokens T1,T2,T3 (or --aws-json FILE)";
	if (needs & EA_NEED_SELECTOR)
		return "Give the selector with --selector NAME";
	if (needs & EA_NEED_CLIENT_IP)
		return "Give the address with --ip ADDRESS";
	if (needs & EA_NEED_RETRY)
		return "Run it again, or ask another resolver with --resolver ADDRESS";
	return NULL;
}

/* An action as the host's web form wants it typed: one line per record to add. */
static void form_line(FILE *out, const ea_fix_action *a, const ea_report *rep)
{
	const ea_dns_host *h = rep->dns_host ? rep->dns_host : ea_dns_host_generic();
	char name[EA_NAME_MAX + 2], value[4096];
	ea_dns_host_form(h, a, ea_report_zone(rep), name, sizeof(name), value, sizeof(value));
	bool target = strcmp(a->type, "CNAME") == 0 || strcmp(a->type, "MX") == 0;
	fprintf(out, "      In %s: %s: ", h->name, h->name_field);
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
	/* Comments are wrapped (each piece still a comment); records never are. */
	for (char *line = fix, *next; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		fputs("      ", out);
		if (line[0] == ';' && line[1] == ' ') {
			fputs("; ", out);
			wrap_cont(out, line + 2, 8, o->width, "      ; ");
		} else {
			ea_write_terminal_safe(out, line, 0);
		}
		fputc('\n', out);
	}
	free(fix);
	for (size_t i = 0; i < f->action_count; i++)
		if (f->actions[i].op != EA_FIX_DELETE && f->actions[i].value)
			form_line(out, &f->actions[i], rep);
}

/* "subject: message", wrapped with a hanging indent; the code (dim) only when verbose. */
static void finding_line(FILE *out, const ea_finding *f, unsigned col, unsigned indent,
                         const ea_render_opts *o)
{
	char *line = NULL;
	if (f->subject && *f->subject)
		line = ea_asprintf("%s: %s", f->subject, f->message ? f->message : "");
	col = wrap_write(out, line ? line : (f->message ? f->message : ""), col, o->width, indent);
	free(line);
	if (o->verbose) {
		size_t cl = strlen(f->code) + 3;
		if (o->width && col + cl > o->width)
			fputs("\n         ", out);
		fprintf(out, " %s[%s]%s", o->color ? C_DIM : "", f->code, o->color ? C_RESET : "");
	}
	fputc('\n', out);
}

static void finding(FILE *out, const ea_finding *f, const ea_report *rep, const ea_render_opts *o)
{
	const char *col = f->undetermined ? C_YELLOW : sev_color(f->severity);
	fprintf(out, "  %s%-7s%s ", o->color ? col : "", sev_label(f), o->color ? C_RESET : "");
	finding_line(out, f, 10, 10, o);
	if (f->severity == EA_SEV_OK)
		return;   /* a right record needs no evidence beside its one line */
	field(out, "name", f->name, o);
	field(out, "expected", f->expected, o);
	field(out, "found", f->found, o);
	if (f->rfc)
		field(out, "see", f->rfc, o);
	field(out, "how", how_cli(f->needs), o);
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

/* A section's tree (the SPF include tree), indented, each node with its cost: shown when
 * the check made it prominent (over the limit) or with --verbose. */
static void tree(FILE *out, const ea_section *s, const ea_render_opts *o)
{
	if (s->tree_count == 0 || (!o->verbose && !s->tree_prominent))
		return;
	fprintf(out, "  %sInclude tree%s (DNS lookups of each branch, what is inside included)\n",
	        o->color ? C_BOLD : "", o->color ? C_RESET : "");
	for (size_t i = 0; i < s->tree_count; i++) {
		const ea_tree_node *n = &s->tree[i];
		fprintf(out, "    %*s", (int)(2 * n->depth), "");
		ea_write_terminal_safe(out, n->label, 0);
		fprintf(out, "  %s%u%s", o->color ? C_BOLD : "", n->cost, o->color ? C_RESET : "");
		if (n->note) {
			fprintf(out, "  %s", o->color ? C_DIM : "");
			ea_write_terminal_safe(out, n->note, 0);
			fputs(o->color ? C_RESET : "", out);
		}
		fputc('\n', out);
	}
	if (s->tree_dropped)
		fprintf(out, "    (%zu more branches not shown)\n", s->tree_dropped);
}

/* What to do first: the findings that need action, most urgent first, one line each. */
static void todo(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	const ea_finding *found[EA_REPORT_TODO_MAX];
	size_t sec_of[EA_REPORT_TODO_MAX];
	/* One section is already in that order: the list would only repeat it. */
	size_t n = rep->section_count > 1 ? ea_report_todo(rep, found, sec_of, EA_REPORT_TODO_MAX) : 0;
	if (n == 0)
		return;
	fprintf(out, "\n%sWhat to do first%s\n", o->color ? C_BOLD : "", o->color ? C_RESET : "");
	for (size_t i = 0; i < n; i++) {
		const ea_finding *f = found[i];
		const char *col = f->undetermined ? C_YELLOW : sev_color(f->severity);
		char head[64];
		int hl = snprintf(head, sizeof(head), "  %zu. ", i + 1);
		fprintf(out, "%s%s%-7s%s ", head, o->color ? col : "", sev_label(f), o->color ? C_RESET : "");
		fputs(ea_check_title(rep->sections[sec_of[i]].check), out);
		fputs(": ", out);
		unsigned c = (unsigned)hl + 8 + (unsigned)strlen(ea_check_title(rep->sections[sec_of[i]].check)) + 2;
		ea_render_opts quiet = *o;
		quiet.verbose = false;
		finding_line(out, f, c, (unsigned)hl + 8, &quiet);
	}
}

/* After a pass, what comes next. */
static void next_step(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	ea_next_step next = ea_report_next_step(rep);
	if (next == EA_NEXT_NONE)
		return;
	bool ses = next == EA_NEXT_SES_CONSOLE;
	fprintf(out, "\n%sNext%s\n  ", o->color ? C_BOLD : "", o->color ? C_RESET : "");
	wrap_write(out, ses ? "The SES console shows the DKIM status as Successful once SES has seen "
	                      "these records (it keeps looking for up to 72 hours; usually it takes "
	                      "minutes). Then send a test message to an address you read, and check "
	                      "its headers with: emailauth verify message.eml"
	                    : "Send a test message to an address you read, and check its headers "
	                      "with: emailauth verify message.eml",
	           2, o->width, 2);
	fputc('\n', out);
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
	todo(out, rep, o);
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		/* A check that could not be made is "not checked", never a pass. */
		fprintf(out, "\n%s%s%s  %s%s%s", o->color ? C_BOLD : "", ea_check_title(s->check),
		        o->color ? C_RESET : "", o->color ? (s->not_checked ? C_DIM : status_color(s->status)) : "",
		        s->not_checked ? "NOT CHECKED" : status_label(s->status), o->color ? C_RESET : "");
		if (s->summary) {
			fputs("  ", out);
			ea_write_terminal_safe(out, s->summary, 0);
		}
		fputc('\n', out);
		/* Most urgent first; notes only when verbose (counted otherwise). */
		size_t order[EA_SECTION_MAX_FINDINGS], notes = 0;
		ea_section_order(s, order);
		for (size_t k = 0; k < s->finding_count; k++) {
			const ea_finding *f = &s->findings[order[k]];
			if (ea_finding_rank(f) == 1 && !o->verbose)
				notes++;
			else
				finding(out, f, rep, o);
		}
		if (notes)
			fprintf(out, "  %s(%zu note%s not shown: --verbose shows %s)%s\n", o->color ? C_DIM : "",
			        notes, notes == 1 ? "" : "s", notes == 1 ? "it" : "them", o->color ? C_RESET : "");
		if (s->dropped)
			fprintf(out, "  (%zu more findings not shown)\n", s->dropped);
		tree(out, s, o);
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
	next_step(out, rep, o);
	if (o->trace)
		trace(out, rep, o);
	return ferror(out) ? EA_EIO : EA_OK;
}
