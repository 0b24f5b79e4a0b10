/*
 * Every fix of a report as something a tool applies: zone-file lines, a Route 53
 * change batch (the JSON `aws route53 change-resource-record-sets --change-batch
 * file://fix.json` takes), Terraform (aws_route53_record or cloudflare_record), or
 * the Cloudflare API calls (curl). The same actions as the report shows, in order,
 * each once.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "render/sanitize.h"

#define EXPORT_MAX_ACTIONS 256   /* a report's fixes, all findings together */
#define TXT_STRING_MAX 255       /* RFC 1035 3.3 */
#define EXPORT_DEFAULT_TTL 3600

typedef struct {
	const ea_fix_action *a[EXPORT_MAX_ACTIONS];
	size_t n;
} action_list;

static bool same_action(const ea_fix_action *x, const ea_fix_action *y)
{
	return x->op == y->op && strcmp(x->name, y->name) == 0 && strcmp(x->type, y->type) == 0 &&
	       strcmp(x->value ? x->value : "", y->value ? y->value : "") == 0 &&
	       strcmp(x->old_value ? x->old_value : "", y->old_value ? y->old_value : "") == 0;
}

static void collect(const ea_report *rep, action_list *l)
{
	l->n = 0;
	for (size_t s = 0; s < rep->section_count; s++)
		for (size_t k = 0; k < rep->sections[s].finding_count; k++) {
			const ea_finding *f = &rep->sections[s].findings[k];
			for (size_t i = 0; i < f->action_count && l->n < EXPORT_MAX_ACTIONS; i++) {
				bool dup = false;
				for (size_t j = 0; j < l->n && !dup; j++)
					dup = same_action(l->a[j], &f->actions[i]);
				if (!dup)
					l->a[l->n++] = &f->actions[i];
			}
		}
}

size_t ea_report_fix_count(const ea_report *rep)
{
	action_list l;
	collect(rep, &l);
	return l.n;
}

static uint32_t ttl_of(const ea_fix_action *a)
{
	return a->ttl ? a->ttl : EXPORT_DEFAULT_TTL;
}

/* The values of one record set (name, type) a batch deletes or creates. */
typedef struct {
	const ea_fix_action *first;
	const char *values[EXPORT_MAX_ACTIONS];
	size_t n;
	uint32_t ttl;
} rr_values;

static json_t *rrset(const ea_fix_action *a, const rr_values *v)
{
	json_t *set = json_object();
	char name[EA_NAME_MAX + 2];
	snprintf(name, sizeof(name), "%s.", a->name);
	json_object_set_new(set, "Name", json_string(name));
	json_object_set_new(set, "Type", json_string(a->type));
	json_object_set_new(set, "TTL", json_integer(v->ttl));
	json_t *recs = json_array();
	for (size_t i = 0; i < v->n; i++) {
		char *val = ea_fix_rdata(a->type, v->values[i]);
		json_t *r = json_object();
		json_object_set_new(r, "Value", json_string(val ? val : ""));
		free(val);
		json_array_append_new(recs, r);
	}
	json_object_set_new(set, "ResourceRecords", recs);
	return set;
}

static void change(json_t *changes, const char *action, const rr_values *v)
{
	if (v->n == 0)
		return;
	json_t *c = json_object();
	json_object_set_new(c, "Action", json_string(action));
	json_object_set_new(c, "ResourceRecordSet", rrset(v->first, v));
	json_array_append_new(changes, c);
}

static void add_value(rr_values *v, const ea_fix_action *a, const char *value, uint32_t ttl)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->values[i], value) == 0)
			return;
	if (v->n < EXPORT_MAX_ACTIONS) {
		v->first = v->first ? v->first : a;
		v->values[v->n++] = value;
		v->ttl = ttl;
	}
}

/* Route 53 changes whole record sets (all values of a name and type), applies a batch
 * atomically, and refuses all of it when a DELETE does not match the set exactly or a
 * CREATE finds one: a wrong guess changes nothing. So per (name, type): one DELETE with
 * every value removed, then the new values, UPSERT for a CNAME (alone at its name),
 * CREATE for the others, so that records beside them are never replaced unseen. */
static int export_route53(FILE *out, const ea_report *rep, const action_list *l)
{
	json_t *root = json_object();
	char comment[256];
	snprintf(comment, sizeof(comment), "emailauth fixes for %.120s; a DELETE must match the "
	         "record set exactly (all values, TTL)", rep->domain);
	json_object_set_new(root, "Comment", json_string(comment));
	json_t *changes = json_array();
	bool done[EXPORT_MAX_ACTIONS] = {false};
	rr_values *del = calloc(1, sizeof(*del)), *add = calloc(1, sizeof(*add));
	for (size_t i = 0; del && add && i < l->n; i++) {
		if (done[i])
			continue;
		memset(del, 0, sizeof(*del));
		memset(add, 0, sizeof(*add));
		for (size_t j = i; j < l->n; j++) {
			const ea_fix_action *a = l->a[j];
			if (done[j] || strcmp(a->name, l->a[i]->name) != 0 || strcmp(a->type, l->a[i]->type) != 0)
				continue;
			done[j] = true;
			if (a->op != EA_FIX_ADD && a->old_value)
				add_value(del, a, a->old_value, EXPORT_DEFAULT_TTL);
			if (a->op != EA_FIX_DELETE && a->value && add->n == 0)
				add_value(add, a, a->value, ttl_of(a));   /* the first new value: later ones
				                                           * are other fixes of the same record */
		}
		change(changes, "DELETE", del);
		change(changes, strcmp(l->a[i]->type, "CNAME") == 0 ? "UPSERT" : "CREATE", add);
	}
	free(del);
	free(add);
	json_object_set_new(root, "Changes", changes);
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(root);
	return rc == 0 ? EA_OK : EA_EIO;
}

/* A string for HCL (and for JSON): quotes, backslashes, controls escaped; "${" and "%{"
 * doubled so Terraform reads no template. */
static void hcl_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else if ((*p == '$' || *p == '%') && p[1] == '{')
			fprintf(out, "%c%c", *p, *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

/* A Terraform resource name: letters, digits, underscores, from the record. */
static void tf_name(FILE *out, const ea_fix_action *a, size_t index)
{
	fputs("r", out);
	fprintf(out, "%zu_", index + 1);
	for (const char *p = a->name; *p; p++)
		fputc((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_', out);
	fputc('_', out);
	for (const char *p = a->type; *p; p++)
		fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, out);
}

/* aws_route53_record takes TXT strings longer than 255 bytes split by \"\" */
static void tf_route53_value(FILE *out, const ea_fix_action *a)
{
	if (strcmp(a->type, "TXT") != 0) {
		char *v = ea_fix_rdata(a->type, a->value);
		hcl_string(out, v ? v : "");
		free(v);
		return;
	}
	size_t len = strlen(a->value);
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		if (i && i % TXT_STRING_MAX == 0)
			fputs("\\\"\\\"", out);
		char c = a->value[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if ((c == '$' || c == '%') && a->value[i + 1] == '{')
			fprintf(out, "%c%c", c, c);
		else if ((unsigned char)c < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void tf_deletes(FILE *out, const action_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const ea_fix_action *a = l->a[i];
		if (a->op == EA_FIX_ADD || a->old_value == NULL)
			continue;
		fputs("# remove the resource of: ", out);
		ea_write_terminal_safe(out, a->name, 0);
		fprintf(out, " %s ", a->type);
		ea_write_terminal_safe(out, a->old_value, 0);
		fputc('\n', out);
	}
}

static int export_terraform(FILE *out, const ea_report *rep, const action_list *l, bool cloudflare)
{
	fputs("# emailauth fixes for ", out);
	ea_write_terminal_safe(out, rep->domain, 0);
	fputs("\n", out);
	tf_deletes(out, l);
	fprintf(out, "\nvariable \"%s\" {\n  type = string\n}\n", cloudflare ? "cloudflare_zone_id" : "zone_id");
	for (size_t i = 0; i < l->n; i++) {
		const ea_fix_action *a = l->a[i];
		if (a->op == EA_FIX_DELETE || a->value == NULL)
			continue;
		fprintf(out, "\nresource \"%s\" \"", cloudflare ? "cloudflare_record" : "aws_route53_record");
		tf_name(out, a, i);
		fputs("\" {\n", out);
		if (cloudflare) {
			/* cloudflare_record takes the MX preference apart; terraform fmt aligns each
			 * '=' to the longest name in the block ("priority" when there is one). */
			bool mx = strcmp(a->type, "MX") == 0;
			const char *pad = mx ? " " : "";
			const char *v = a->value;
			unsigned prio = 0;
			if (mx) {
				prio = (unsigned)strtoul(v, NULL, 10);
				const char *sp = strchr(v, ' ');
				v = sp ? sp + 1 : v;
			}
			fprintf(out, "  zone_id %s= var.cloudflare_zone_id\n  name    %s= ", pad, pad);
			hcl_string(out, a->name);
			fprintf(out, "\n  type    %s= \"%s\"\n  content %s= ", pad, a->type, pad);
			hcl_string(out, v);
			fprintf(out, "\n  ttl     %s= %u\n  proxied %s= false\n", pad, ttl_of(a), pad);
			if (mx)
				fprintf(out, "  priority = %u\n", prio);
		} else {
			fputs("  zone_id = var.zone_id\n  name    = ", out);
			hcl_string(out, a->name);
			fprintf(out, "\n  type    = \"%s\"\n  ttl     = %u\n  records = [", a->type, ttl_of(a));
			tf_route53_value(out, a);
			fputs("]\n", out);
		}
		fputs("}\n", out);
	}
	return EA_OK;
}

/* A single-quoted shell word. */
static void sh_quote(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			fputc(*s, out);
	}
	fputc('\'', out);
}

static void cf_body(FILE *out, const ea_fix_action *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(a->type));
	json_object_set_new(o, "name", json_string(a->name));
	const char *v = a->value;
	if (strcmp(a->type, "MX") == 0) {
		json_object_set_new(o, "priority", json_integer((json_int_t)strtoul(v, NULL, 10)));
		const char *sp = strchr(v, ' ');
		v = sp ? sp + 1 : v;
	}
	json_object_set_new(o, "content", json_string(v));
	json_object_set_new(o, "ttl", json_integer(ttl_of(a)));
	if (strcmp(a->type, "CNAME") == 0)
		json_object_set_new(o, "proxied", json_false());
	char *t = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	sh_quote(out, t ? t : "{}");
	free(t);
	json_decref(o);
}

static int export_cloudflare(FILE *out, const ea_report *rep, const action_list *l)
{
	fputs("#!/bin/sh\n# emailauth fixes for ", out);
	ea_write_terminal_safe(out, rep->domain, 0);
	fputs(" as Cloudflare API calls. Set CF_API_TOKEN (a token with DNS edit rights) and\n"
	      "# CF_ZONE_ID (the zone's ID, on its Overview page) first. Needs curl and jq.\n"
	      "set -eu\napi=\"https://api.cloudflare.com/client/v4/zones/$CF_ZONE_ID/dns_records\"\n"
	      "auth=\"Authorization: Bearer $CF_API_TOKEN\"\n", out);
	for (size_t i = 0; i < l->n; i++) {
		const ea_fix_action *a = l->a[i];
		if (a->op != EA_FIX_ADD && a->old_value) {
			fputs("\n# delete the old record\nid=$(curl -sS -G \"$api\" -H \"$auth\" --data-urlencode ", out);
			char q[EA_NAME_MAX + 16];
			snprintf(q, sizeof(q), "type=%s", a->type);
			sh_quote(out, q);
			fputs(" --data-urlencode ", out);
			snprintf(q, sizeof(q), "name=%s", a->name);
			sh_quote(out, q);
			fputs(" | jq -r --arg v ", out);
			sh_quote(out, a->old_value);
			fputs(" '.result[] | select(.content == $v or .content == (\"\\\"\" + $v + \"\\\"\")) | .id')\n"
			      "for i in $id; do curl -sS -X DELETE \"$api/$i\" -H \"$auth\"; done\n", out);
		}
		if (a->op != EA_FIX_DELETE && a->value) {
			fputs("\n# add\ncurl -sS -X POST \"$api\" -H \"$auth\" -H 'Content-Type: application/json' --data ", out);
			cf_body(out, a);
			fputc('\n', out);
		}
	}
	return EA_OK;
}

static int export_zone(FILE *out, const ea_report *rep)
{
	fputs("; emailauth fixes for ", out);
	ea_write_terminal_safe(out, rep->domain, 0);
	fputs("\n", out);
	for (size_t s = 0; s < rep->section_count; s++)
		for (size_t k = 0; k < rep->sections[s].finding_count; k++) {
			const ea_finding *f = &rep->sections[s].findings[k];
			if (f->action_count == 0)
				continue;
			char *t = ea_fix_zone_text(f);
			fprintf(out, "\n; %s\n", f->code);
			ea_write_terminal_safe(out, t ? t : "", 1);
			fputc('\n', out);
			free(t);
		}
	return EA_OK;
}

bool ea_fix_format_known(const char *format)
{
	static const char *const formats[] = {"zone", "route53", "terraform", "terraform-aws",
	                                      "terraform-cloudflare", "cloudflare"};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(format, formats[i]) == 0)
			return true;
	return false;
}

int ea_render_fixes(FILE *out, const ea_report *rep, const char *format)
{
	action_list *l = malloc(sizeof(*l));
	if (l == NULL)
		return EA_ENOMEM;
	collect(rep, l);
	bool cf_host = rep->dns_host && strcmp(rep->dns_host->id, "cloudflare") == 0;
	int rc = EA_EINVAL;
	if (strcmp(format, "zone") == 0)
		rc = export_zone(out, rep);
	else if (strcmp(format, "route53") == 0)
		rc = export_route53(out, rep, l);
	else if (strcmp(format, "terraform") == 0)
		rc = export_terraform(out, rep, l, cf_host);
	else if (strcmp(format, "terraform-aws") == 0)
		rc = export_terraform(out, rep, l, false);
	else if (strcmp(format, "terraform-cloudflare") == 0)
		rc = export_terraform(out, rep, l, true);
	else if (strcmp(format, "cloudflare") == 0)
		rc = export_cloudflare(out, rep, l);
	free(l);
	return rc == EA_OK && ferror(out) ? EA_EIO : rc;
}
