/* The JSON renderer: the documented, stable schema of docs/json-schema.md. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>

/* Every key in this file is an ASCII literal: set without jansson's UTF-8 check of it. */
static void set_str(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new_nocheck(o, k, json_stringn_nocheck(v, strlen(v)));
}

/* Text from DNS may be any bytes; JSON strings must be UTF-8. ASCII (nearly all of it)
 * is, and is taken without jansson's slower UTF-8 check. */
static json_t *safe_string(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0' && (unsigned char)s[n] < 0x80)
		n++;
	if (s[n] == '\0')
		return json_stringn_nocheck(s, n);
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	n = strlen(s);
	char *copy = malloc(n * 4 + 1);
	if (copy == NULL)
		return json_string("");
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			copy[o++] = (char)c;
		else
			o += (size_t)sprintf(copy + o, "\\x%02x", c);
	}
	copy[o] = '\0';
	j = json_string(copy);
	free(copy);
	return j ? j : json_string("");
}

static void set_text(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new_nocheck(o, k, safe_string(v));
}

/* The fix's actions, each with its name absolute and relative to the zone. */
static json_t *actions_json(const ea_finding *f, const char *zone)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < f->action_count; i++) {
		const ea_fix_action *a = &f->actions[i];
		char rel[EA_NAME_MAX + 2];
		ea_fix_relative_name(a->name, zone, rel, sizeof(rel));
		json_t *o = json_object();
		set_str(o, "op", ea_fix_op_name(a->op));
		set_text(o, "name", a->name);
		set_text(o, "relative_name", rel);
		set_str(o, "type", a->type);
		set_text(o, "value", a->value);
		set_text(o, "old_value", a->old_value);
		if (a->ttl)
			json_object_set_new_nocheck(o, "ttl", json_integer(a->ttl));
		set_text(o, "note", a->note);
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *finding_json(const ea_finding *f, bool is_ses, const char *zone)
{
	json_t *o = json_object();
	set_str(o, "code", f->code);
	set_str(o, "severity", ea_severity_name(f->severity));
	if (f->primary)
		json_object_set_new_nocheck(o, "primary", json_true());
	if (f->undetermined)
		json_object_set_new_nocheck(o, "undetermined", json_true());
	/* SES findings name their subject "token", as the schema of issue 2 has it. */
	set_text(o, is_ses ? "token" : "subject", f->subject);
	set_text(o, "name", f->name);
	set_text(o, "expected", f->expected);
	set_text(o, "found", f->found);
	set_text(o, "message", f->message);
	/* fix: the whole fix as zone-file lines and words (as before actions existed). */
	char *fix = ea_fix_zone_text(f);
	set_text(o, "fix", fix);
	free(fix);
	if (f->action_count)
		json_object_set_new_nocheck(o, "actions", actions_json(f, zone));
	set_str(o, "rfc", f->rfc);
	/* What a new run needs, as the API's parameters are named (the message says it in words). */
	static const struct { unsigned bit; const char *name; } needs[] = {
		{EA_NEED_SES_TOKENS, "tokens"}, {EA_NEED_SELECTOR, "selectors"},
		{EA_NEED_CLIENT_IP, "ip"}, {EA_NEED_RETRY, "retry"},
	};
	if (f->needs) {
		json_t *a = json_array();
		for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
			if (f->needs & needs[i].bit)
				json_array_append_new(a, json_string(needs[i].name));
		json_object_set_new_nocheck(o, "needs", a);
	}
	return o;
}

/* A section's tree as nested objects: {label, cost, note, children}; nodes come in
 * depth-first order with depth bounded (EA_TREE_MAX_DEPTH), so the recursion is too. */
static json_t *tree_json(const ea_section *s, size_t *i)
{
	const ea_tree_node *n = &s->tree[*i];
	json_t *o = json_object();
	set_text(o, "label", n->label);
	json_object_set_new_nocheck(o, "cost", json_integer(n->cost));
	set_text(o, "note", n->note);
	json_t *kids = json_array();
	size_t me = (*i)++;
	while (*i < s->tree_count && s->tree[*i].parent == (int)me)
		json_array_append_new(kids, tree_json(s, i));
	json_object_set_new_nocheck(o, "children", kids);
	return o;
}

static json_t *lookup_json(const ea_lookup_record *l)
{
	json_t *o = json_object();
	set_text(o, "name", l->name);
	set_str(o, "type", ea_rr_type_name(l->type));
	set_text(o, "server", l->server);
	json_object_set_new_nocheck(o, "direct", json_boolean(l->direct));
	json_object_set_new_nocheck(o, "rcode", json_integer(l->rcode));
	set_str(o, "outcome", ea_dns_outcome_name(l->outcome));
	if (l->outcome != EA_DNS_FOUND)
		set_str(o, "reason", ea_dns_reason_text(l->reason));
	set_text(o, "answer", l->answer);
	json_object_set_new_nocheck(o, "ttl", json_integer(l->ttl));
	json_object_set_new_nocheck(o, "ms", json_real(l->ms));
	json_object_set_new_nocheck(o, "ad", json_boolean(l->ad));
	set_text(o, "why", l->why);
	return o;
}

void *ea_report_to_json(const ea_report *rep, bool with_lookups)
{
	json_t *root = json_object();
	json_object_set_new_nocheck(root, "schema", json_integer(EA_JSON_SCHEMA));
	set_text(root, "domain", rep->domain);
	set_str(root, "status", ea_status_name(ea_report_status(rep)));
	/* Schema 1's name of the status, for one release (docs/json-schema.md). */
	set_str(root, "status_legacy", ea_status_legacy_name(ea_report_status(rep)));
	json_t *checks = json_array();
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		json_t *c = json_object();
		set_str(c, "check", s->check);
		set_str(c, "status", s->not_checked ? "not_checked" : ea_status_name(s->status));
		set_str(c, "status_legacy", ea_status_legacy_name(s->status));
		set_text(c, "summary", s->summary ? s->summary : "");
		json_t *fs = json_array();
		for (size_t k = 0; k < s->finding_count; k++)
			json_array_append_new(fs, finding_json(&s->findings[k],
			                                          strcmp(s->check, "ses-dkim") == 0,
			                                          ea_report_zone(rep)));
		json_object_set_new_nocheck(c, "findings", fs);
		if (s->dropped)
			json_object_set_new_nocheck(c, "findings_dropped", json_integer((json_int_t)s->dropped));
		if (s->tree_count && s->tree[0].parent < 0) {
			size_t at = 0;
			json_object_set_new_nocheck(c, "tree", tree_json(s, &at));
			if (s->tree_dropped)
				json_object_set_new_nocheck(c, "tree_dropped", json_integer((json_int_t)s->tree_dropped));
		}
		json_array_append_new(checks, c);
	}
	json_object_set_new_nocheck(root, "checks", checks);
	if (rep->zone)
		set_text(root, "zone", rep->zone);
	if (rep->dns_host) {
		json_t *h = json_object();
		set_str(h, "id", rep->dns_host->id);
		set_str(h, "name", rep->dns_host->name);
		json_object_set_new_nocheck(root, "dns_host", h);
	}
	if (with_lookups) {
		json_t *ls = json_array();
		for (size_t i = 0; i < rep->lookup_count; i++)
			json_array_append_new(ls, lookup_json(&rep->lookups[i]));
		json_object_set_new_nocheck(root, "lookups", ls);
		if (rep->lookups_dropped)
			json_object_set_new_nocheck(root, "lookups_dropped", json_integer((json_int_t)rep->lookups_dropped));
	}
	json_object_set_new_nocheck(root, "elapsed_ms", json_real(rep->elapsed_ms));
	return root;
}

int ea_render_json(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	json_t *root = ea_report_to_json(rep, true);
	if (root == NULL)
		return EA_ENOMEM;
	size_t flags = JSON_ENSURE_ASCII | (o->compact ? JSON_COMPACT : JSON_INDENT(2));
	int rc = json_dumpf(root, out, flags);
	json_decref(root);
	fputc('\n', out);
	return rc == 0 && !ferror(out) ? EA_OK : EA_EIO;
}

ea_render_fn ea_renderer(const char *format)
{
	static const struct { const char *name; ea_render_fn fn; } table[] = {
		{"text", ea_render_text},
		{"json", ea_render_json},
		{"html", ea_render_html},
		{"nagios", ea_render_nagios},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, format) == 0)
			return table[i].fn;
	return NULL;
}
