/*
 * Structured fixes: each finding's fix as a list of actions (delete, add, replace a
 * record), and their zone-file form. Renderers turn the same actions into a
 * provider's form, a Route 53 change batch, Terraform or Cloudflare API calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "util/buf.h"
#include "util/util.h"

#define FIX_TEXT_MAX (64 * 1024)   /* one finding's zone-file lines */
#define TXT_STRING_MAX 255         /* RFC 1035 3.3: one character-string */

ea_fix_action *ea_finding_add_action(ea_finding *f, ea_fix_op op, const char *name,
                                     const char *type, const char *value,
                                     const char *old_value, uint32_t ttl, const char *note)
{
	if (f == NULL || name == NULL || type == NULL || f->action_count >= EA_FIX_MAX_ACTIONS)
		return NULL;
	ea_fix_action *n = realloc(f->actions, (f->action_count + 1) * sizeof(*n));
	if (n == NULL)
		return NULL;
	f->actions = n;
	ea_fix_action *a = &n[f->action_count];
	memset(a, 0, sizeof(*a));
	a->op = op;
	size_t nl = strlen(name);
	while (nl > 1 && name[nl - 1] == '.')
		nl--;
	a->name = ea_strdup_n(name, nl);
	ea_copy(a->type, sizeof(a->type), type);
	a->value = ea_strdup0(value);
	a->old_value = ea_strdup0(old_value);
	a->ttl = ttl;
	a->note = ea_strdup0(note);
	if (a->name == NULL || (value && !a->value) || (old_value && !a->old_value) || (note && !a->note)) {
		free(a->name);
		free(a->value);
		free(a->old_value);
		free(a->note);
		return NULL;
	}
	f->action_count++;
	return a;
}

int ea_finding_keep_one(ea_finding *f, const char *name, const char *type, const char *const *values,
                        size_t n, size_t keep, uint32_t ttl, const char *note)
{
	if (f == NULL || keep >= n)
		return EA_EINVAL;
	/* Every record goes, then the one kept comes back: a change batch that deletes a
	 * whole record set (Route 53) matches what is there, and the zone lines read right. */
	for (size_t i = 0; i < n; i++)
		if (ea_finding_add_action(f, EA_FIX_DELETE, name, type, NULL, values[i], 0, NULL) == NULL)
			return EA_ENOMEM;
	return ea_finding_add_action(f, EA_FIX_ADD, name, type, values[keep], NULL, ttl, note) ? EA_OK
	                                                                                      : EA_ENOMEM;
}

const char *ea_fix_op_name(ea_fix_op op)
{
	switch (op) {
	case EA_FIX_ADD: return "add";
	case EA_FIX_DELETE: return "delete";
	case EA_FIX_REPLACE: return "replace";
	}
	return "add";
}

void ea_fix_relative_name(const char *name, const char *zone, char *out, size_t size)
{
	size_t nl = strlen(name), zl = zone ? strlen(zone) : 0;
	if (zone != NULL && ea_name_equal(name, zone))
		snprintf(out, size, "@");
	else if (zone != NULL && nl > zl + 1 && ea_name_is_subdomain(name, zone))
		snprintf(out, size, "%.*s", (int)(nl - zl - 1), name);
	else
		ea_copy(out, size, name);
}

const char *ea_report_zone(const ea_report *rep)
{
	return rep->zone && *rep->zone ? rep->zone : rep->domain;
}

int ea_report_set_zone(ea_report *rep, const char *zone, const ea_dns_host *host)
{
	char *z = ea_strdup0(zone);
	if (zone && z == NULL)
		return EA_ENOMEM;
	free(rep->zone);
	rep->zone = z;
	rep->dns_host = host;
	return EA_OK;
}

char *ea_fix_rdata(const char *type, const char *value)
{
	ea_buf b;
	ea_buf_init(&b, FIX_TEXT_MAX);
	if (strcmp(type, "TXT") == 0) {
		size_t len = strlen(value);
		size_t i = 0;
		do {
			size_t n = EA_MIN(len - i, (size_t)TXT_STRING_MAX);
			ea_buf_puts(&b, i ? " \"" : "\"");
			for (size_t k = i; k < i + n; k++) {
				if (value[k] == '"' || value[k] == '\\')
					ea_buf_putc(&b, '\\');
				ea_buf_putc(&b, value[k]);
			}
			ea_buf_putc(&b, '"');
			i += n;
		} while (i < len);
	} else {
		ea_buf_puts(&b, value);
		size_t vl = strlen(value);
		if ((strcmp(type, "CNAME") == 0 || strcmp(type, "MX") == 0 || strcmp(type, "NS") == 0) &&
		    vl && value[vl - 1] != '.')
			ea_buf_putc(&b, '.');
	}
	if (b.error) {
		ea_buf_free(&b);
		return NULL;
	}
	return ea_buf_take(&b);
}

static void zone_line(ea_buf *b, const ea_fix_action *a, const char *value, bool comment)
{
	if (comment)
		ea_buf_puts(b, "; Delete: ");
	ea_buf_printf(b, "%s.", a->name);
	if (a->ttl && !comment)
		ea_buf_printf(b, " %u", a->ttl);
	ea_buf_printf(b, " IN %s ", a->type);
	char *rdata = value ? ea_fix_rdata(a->type, value) : NULL;
	if (rdata)
		ea_buf_puts(b, rdata);
	free(rdata);
	ea_buf_putc(b, '\n');
}

/* Deletions are comments: pasting the whole block into a zone file adds nothing wrong. */
static void zone_lines(ea_buf *b, const ea_finding *f)
{
	for (size_t i = 0; i < f->action_count; i++) {
		const ea_fix_action *a = &f->actions[i];
		if (a->note)
			ea_buf_printf(b, "; %s\n", a->note);
		if (a->op != EA_FIX_ADD) {
			if (a->old_value)
				zone_line(b, a, a->old_value, true);
			else
				ea_buf_printf(b, "; Delete: every %s record at %s.\n", a->type, a->name);
		}
		if (a->op != EA_FIX_DELETE && a->value)
			zone_line(b, a, a->value, false);
	}
}

char *ea_fix_zone_text(const ea_finding *f)
{
	if (f->action_count == 0 && (f->fix == NULL || *f->fix == '\0'))
		return NULL;
	ea_buf b;
	ea_buf_init(&b, FIX_TEXT_MAX);
	zone_lines(&b, f);
	if (f->fix && *f->fix)
		ea_buf_puts(&b, f->fix);
	while (b.len && b.data[b.len - 1] == '\n')
		ea_buf_truncate(&b, b.len - 1);
	if (b.data == NULL)
		return ea_strdup0("");
	return ea_buf_take(&b);
}
