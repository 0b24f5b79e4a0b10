/* The report model: sections of findings, and the lookup trace. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "util/util.h"

ea_report *ea_report_new(const char *domain, const char *domain_display)
{
	ea_report *rep = calloc(1, sizeof(*rep));
	if (rep == NULL)
		return NULL;
	rep->domain = ea_strdup0(domain ? domain : "");
	rep->domain_display = ea_strdup0(domain_display ? domain_display : rep->domain);
	if (rep->domain == NULL || rep->domain_display == NULL) {
		ea_report_free(rep);
		return NULL;
	}
	return rep;
}

static void finding_free(ea_finding *f)
{
	free(f->subject);
	free(f->name);
	free(f->expected);
	free(f->found);
	free(f->message);
	free(f->fix);
	for (size_t i = 0; i < f->action_count; i++) {
		free(f->actions[i].name);
		free(f->actions[i].value);
		free(f->actions[i].old_value);
		free(f->actions[i].note);
	}
	free(f->actions);
}

static void section_clear(ea_section *s)
{
	for (size_t i = 0; i < s->finding_count; i++)
		finding_free(&s->findings[i]);
	free(s->findings);
	free(s->summary);
	for (size_t i = 0; i < s->tree_count; i++) {
		free(s->tree[i].label);
		free(s->tree[i].note);
	}
	free(s->tree);
	memset(s, 0, sizeof(*s));
}

void ea_report_clear_findings(ea_report *rep)
{
	for (size_t i = 0; i < rep->section_count; i++)
		section_clear(&rep->sections[i]);
	rep->section_count = 0;
}

void ea_report_free(ea_report *rep)
{
	if (rep == NULL)
		return;
	ea_report_clear_findings(rep);
	for (size_t i = 0; i < rep->lookup_count; i++) {
		ea_lookup_record *l = &rep->lookups[i];
		free(l->name);
		free(l->server);
		free(l->answer);
		free(l->why);
	}
	free(rep->lookups);
	free(rep->domain);
	free(rep->domain_display);
	free(rep->zone);
	free(rep);
}

const ea_section *ea_report_section_find(const ea_report *rep, const char *check)
{
	for (size_t i = 0; i < rep->section_count; i++)
		if (strcmp(rep->sections[i].check, check) == 0)
			return &rep->sections[i];
	return NULL;
}

ea_section *ea_report_section(ea_report *rep, const char *check)
{
	for (size_t i = 0; i < rep->section_count; i++)
		if (strcmp(rep->sections[i].check, check) == 0)
			return &rep->sections[i];
	if (rep->section_count >= EA_REPORT_MAX_SECTIONS)
		return NULL;
	ea_section *s = &rep->sections[rep->section_count++];
	memset(s, 0, sizeof(*s));
	s->check = check;
	s->status = EA_STATUS_PASS;
	return s;
}

ea_finding *ea_section_add(ea_section *sec, const ea_finding *f)
{
	if (sec == NULL)
		return NULL;
	if (sec->finding_count >= EA_SECTION_MAX_FINDINGS) {
		sec->dropped++;
		return NULL;
	}
	if (sec->finding_count == sec->finding_cap) {
		size_t cap = sec->finding_cap ? sec->finding_cap * 2 : 8;
		ea_finding *n = realloc(sec->findings, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		sec->findings = n;
		sec->finding_cap = cap;
	}
	ea_finding *d = &sec->findings[sec->finding_count];
	memset(d, 0, sizeof(*d));
	d->code = f->code;
	d->severity = f->severity;
	d->primary = f->primary;
	d->undetermined = f->undetermined;
	d->rfc = f->rfc;
	d->needs = f->needs;
	d->subject = ea_strdup0(f->subject);
	d->name = ea_strdup0(f->name);
	d->expected = ea_strdup0(f->expected);
	d->found = ea_strdup0(f->found);
	d->message = ea_strdup0(f->message);
	d->fix = ea_strdup0(f->fix);
	for (size_t i = 0; i < f->action_count; i++) {
		const ea_fix_action *a = &f->actions[i];
		ea_finding_add_action(d, a->op, a->name, a->type, a->value, a->old_value, a->ttl, a->note);
	}
	sec->finding_count++;
	return d;
}

/* Formats of literal text, "%%" and bare "%s" only (295 of the 319 messages in lib/):
 * joined here, byte for byte what vasprintf gives (a NULL argument prints "(null)", as
 * glibc does). vasprintf sets up a stream for every call, about 700 instructions for the
 * shortest message, and a scan formats some 30 a domain (callgrind). */
#define FORMAT_PLAIN_ARGS 16

/* The number of "%s" in fmt, or -1 when it holds any other conversion or too many. */
static int plain_format_args(const char *fmt)
{
	int args = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
		} else if (p[1] == 's' && args < FORMAT_PLAIN_ARGS) {
			args++;
			p++;
		} else {
			return -1;
		}
	}
	return args;
}

static char *format_plain(const char *fmt, int nargs, va_list ap)
{
	const char *args[FORMAT_PLAIN_ARGS];
	size_t lens[FORMAT_PLAIN_ARGS];
	size_t total = 1;
	for (int i = 0; i < nargs; i++) {
		args[i] = va_arg(ap, const char *);
		if (args[i] == NULL)
			args[i] = "(null)";
		lens[i] = strlen(args[i]);
		total += lens[i];
	}
	total += strlen(fmt);   /* at least what the literal text needs */
	char *out = malloc(total);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	int arg = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			out[n++] = *p;
		} else if (*++p == '%') {
			out[n++] = '%';
		} else {   /* 's', as plain_format_args found */
			memcpy(out + n, args[arg], lens[arg]);
			n += lens[arg++];
		}
	}
	out[n] = '\0';
	return out;
}

/* printf into a new string; NULL when out of memory. */
static char *vformat(const char *fmt, va_list ap)
{
	int nargs = plain_format_args(fmt);
	if (nargs >= 0)
		return format_plain(fmt, nargs, ap);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	return s;
}

ea_finding *ea_section_addf(ea_section *sec, const char *code, ea_severity sev,
                            const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	ea_finding f = {.code = code, .severity = sev};
	ea_finding *d = ea_section_add(sec, &f);
	if (d != NULL)
		d->message = msg;   /* handed over, not copied */
	else
		free(msg);
	return d;
}

int ea_finding_set(char **field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	if (s == NULL)
		return EA_ENOMEM;
	free(*field);
	*field = s;
	return EA_OK;
}

int ea_section_tree_add(ea_section *sec, int parent, const char *label, unsigned cost,
                        const char *note)
{
	if (sec == NULL || label == NULL || (parent >= 0 && (size_t)parent >= sec->tree_count))
		return -1;
	unsigned depth = parent >= 0 ? sec->tree[parent].depth + 1 : 0;
	if (sec->tree_count >= EA_TREE_MAX_NODES || depth >= EA_TREE_MAX_DEPTH) {
		sec->tree_dropped++;
		return -1;
	}
	ea_tree_node *n = realloc(sec->tree, (sec->tree_count + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	sec->tree = n;
	ea_tree_node *t = &n[sec->tree_count];
	t->parent = parent;
	t->depth = depth;
	t->cost = cost;
	t->label = ea_strdup0(label);
	t->note = ea_strdup0(note);
	if (t->label == NULL || (note && t->note == NULL)) {
		free(t->label);
		free(t->note);
		return -1;
	}
	return (int)sec->tree_count++;
}

void ea_section_set_summary(ea_section *sec, const char *fmt, ...)
{
	if (sec == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	free(sec->summary);
	sec->summary = s;
}

static ea_status section_status(const ea_section *s)
{
	ea_status st = EA_STATUS_PASS;
	for (size_t i = 0; i < s->finding_count; i++) {
		const ea_finding *f = &s->findings[i];
		ea_status fs = EA_STATUS_PASS;
		if (f->undetermined)
			fs = EA_STATUS_UNKNOWN;
		else if (f->severity == EA_SEV_ERROR)
			fs = EA_STATUS_FAIL;
		else if (f->severity == EA_SEV_WARNING)
			fs = EA_STATUS_WARN;
		if (fs > st)
			st = fs;
	}
	return st;
}

ea_status ea_report_finish(ea_report *rep)
{
	for (size_t i = 0; i < rep->section_count; i++)
		rep->sections[i].status = section_status(&rep->sections[i]);
	ea_report_sentence_case(rep);
	return ea_report_status(rep);
}

ea_status ea_report_status(const ea_report *rep)
{
	ea_status st = EA_STATUS_PASS;
	for (size_t i = 0; i < rep->section_count; i++)
		if (rep->sections[i].status > st)
			st = rep->sections[i].status;
	return st;
}

int ea_finding_rank(const ea_finding *f)
{
	if (f->undetermined)
		return 4;
	switch (f->severity) {
	case EA_SEV_ERROR: return 5;
	case EA_SEV_WARNING: return 3;
	case EA_SEV_OK: return 2;
	case EA_SEV_INFO: return 1;
	}
	return 1;
}

/* Insertion sort: stable, and a section holds at most EA_SECTION_MAX_FINDINGS. */
void ea_section_order(const ea_section *s, size_t *order)
{
	for (size_t i = 0; i < s->finding_count; i++) {
		const ea_finding *f = &s->findings[i];
		int key = ea_finding_rank(f) * 2 + (f->primary ? 1 : 0);
		size_t j = i;
		while (j > 0) {
			const ea_finding *g = &s->findings[order[j - 1]];
			if (ea_finding_rank(g) * 2 + (g->primary ? 1 : 0) >= key)
				break;
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

size_t ea_report_todo(const ea_report *rep, const ea_finding **found, size_t *sec_of, size_t max)
{
	size_t n = 0;
	for (int rank = 5; rank >= 3; rank--)
		for (size_t i = 0; i < rep->section_count; i++)
			for (size_t k = 0; k < rep->sections[i].finding_count && n < max; k++) {
				const ea_finding *f = &rep->sections[i].findings[k];
				if (ea_finding_rank(f) != rank)
					continue;
				found[n] = f;
				sec_of[n++] = i;
			}
	return n;
}

ea_next_step ea_report_next_step(const ea_report *rep)
{
	ea_status st = ea_report_status(rep);
	if ((st != EA_STATUS_PASS && st != EA_STATUS_WARN) || ea_report_section_find(rep, "verify"))
		return EA_NEXT_NONE;
	return ea_report_section_find(rep, "ses-dkim") ? EA_NEXT_SES_CONSOLE : EA_NEXT_TEST_MESSAGE;
}

const char *ea_severity_name(ea_severity s)
{
	switch (s) {
	case EA_SEV_OK: return "ok";
	case EA_SEV_INFO: return "info";
	case EA_SEV_WARNING: return "warning";
	case EA_SEV_ERROR: return "error";
	}
	return "error";
}

const char *ea_status_name(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return "pass";
	case EA_STATUS_WARN: return "warn";
	case EA_STATUS_FAIL: return "fail";
	case EA_STATUS_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *ea_status_legacy_name(ea_status s)
{
	return s == EA_STATUS_UNKNOWN ? "error" : ea_status_name(s);
}

int ea_status_exit_code(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return 0;
	case EA_STATUS_WARN: return 1;
	case EA_STATUS_FAIL: return 2;
	case EA_STATUS_UNKNOWN: return 3;
	}
	return 3;
}
