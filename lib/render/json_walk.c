/* The JSON schema of a report (docs/json-schema.md), walked once for both writers
 * (json_walk.h). Members come in the order written here: the documented order. */
#include <stdlib.h>
#include <string.h>

#include "render/json_walk.h"

static void put_literal(ea_json_sink *s, const char *key, const char *v)
{
	if (v != NULL)
		s->string(s, key, v, true);
}

static void put_text(ea_json_sink *s, const char *key, const char *v)
{
	if (v != NULL)
		s->string(s, key, v, false);
}

/* The fix's actions, each with its name absolute and relative to the zone. */
static void walk_actions(ea_json_sink *s, const ea_finding *f, const char *zone)
{
	s->open(s, "actions", true);
	for (size_t i = 0; i < f->action_count; i++) {
		const ea_fix_action *a = &f->actions[i];
		char rel[EA_NAME_MAX + 2];
		ea_fix_relative_name(a->name, zone, rel, sizeof(rel));
		s->open(s, NULL, false);
		put_literal(s, "op", ea_fix_op_name(a->op));
		put_text(s, "name", a->name);
		put_text(s, "relative_name", rel);
		put_literal(s, "type", a->type);
		put_text(s, "value", a->value);
		put_text(s, "old_value", a->old_value);
		if (a->ttl)
			s->integer(s, "ttl", a->ttl);
		put_text(s, "note", a->note);
		s->close(s);
	}
	s->close(s);
}

static void walk_finding(ea_json_sink *s, const ea_finding *f, bool is_ses, const char *zone)
{
	s->open(s, NULL, false);
	put_literal(s, "code", f->code);
	put_literal(s, "severity", ea_severity_name(f->severity));
	if (f->primary)
		s->boolean(s, "primary", true);
	if (f->undetermined)
		s->boolean(s, "undetermined", true);
	/* SES findings name their subject "token", as the schema of issue 2 has it. */
	put_text(s, is_ses ? "token" : "subject", f->subject);
	put_text(s, "name", f->name);
	put_text(s, "expected", f->expected);
	put_text(s, "found", f->found);
	put_text(s, "message", f->message);
	/* fix: the whole fix as zone-file lines and words (as before actions existed). */
	char *fix = ea_fix_zone_text(f);
	put_text(s, "fix", fix);
	free(fix);
	if (f->action_count)
		walk_actions(s, f, zone);
	put_literal(s, "rfc", f->rfc);
	/* What a new run needs, as the API's parameters are named (the message says it in words). */
	static const struct { unsigned bit; const char *name; } needs[] = {
		{EA_NEED_SES_TOKENS, "tokens"}, {EA_NEED_SELECTOR, "selectors"},
		{EA_NEED_CLIENT_IP, "ip"}, {EA_NEED_RETRY, "retry"},
	};
	if (f->needs) {
		s->open(s, "needs", true);
		for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++)
			if (f->needs & needs[i].bit)
				put_literal(s, NULL, needs[i].name);
		s->close(s);
	}
	s->close(s);
}

/* A section's tree as nested objects: {label, cost, note, children}; nodes come in
 * depth-first order with depth bounded (EA_TREE_MAX_DEPTH), so the recursion is too. */
static void walk_tree(ea_json_sink *s, const char *key, const ea_section *sec, size_t *i)
{
	const ea_tree_node *n = &sec->tree[*i];
	s->open(s, key, false);
	put_text(s, "label", n->label);
	s->integer(s, "cost", n->cost);
	put_text(s, "note", n->note);
	s->open(s, "children", true);
	size_t me = (*i)++;
	while (*i < sec->tree_count && sec->tree[*i].parent == (int)me)
		walk_tree(s, NULL, sec, i);
	s->close(s);
	s->close(s);
}

static void walk_lookup(ea_json_sink *s, const ea_lookup_record *l)
{
	s->open(s, NULL, false);
	put_text(s, "name", l->name);
	put_literal(s, "type", ea_rr_type_name(l->type));
	put_text(s, "server", l->server);
	s->boolean(s, "direct", l->direct);
	s->integer(s, "rcode", l->rcode);
	put_literal(s, "outcome", ea_dns_outcome_name(l->outcome));
	if (l->outcome != EA_DNS_FOUND)
		put_literal(s, "reason", ea_dns_reason_text(l->reason));
	put_text(s, "answer", l->answer);
	s->integer(s, "ttl", l->ttl);
	s->real(s, "ms", l->ms);
	s->boolean(s, "ad", l->ad);
	put_text(s, "why", l->why);
	s->close(s);
}

static void walk_section(ea_json_sink *s, const ea_section *sec, const char *zone)
{
	s->open(s, NULL, false);
	put_literal(s, "check", sec->check);
	put_literal(s, "status", sec->not_checked ? "not_checked" : ea_status_name(sec->status));
	put_literal(s, "status_legacy", ea_status_legacy_name(sec->status));
	put_text(s, "summary", sec->summary ? sec->summary : "");
	bool is_ses = strcmp(sec->check, "ses-dkim") == 0;
	s->open(s, "findings", true);
	for (size_t k = 0; k < sec->finding_count; k++)
		walk_finding(s, &sec->findings[k], is_ses, zone);
	s->close(s);
	if (sec->dropped)
		s->integer(s, "findings_dropped", (json_int_t)sec->dropped);
	if (sec->tree_count && sec->tree[0].parent < 0) {
		size_t at = 0;
		walk_tree(s, "tree", sec, &at);
		if (sec->tree_dropped)
			s->integer(s, "tree_dropped", (json_int_t)sec->tree_dropped);
	}
	s->close(s);
}

void ea_json_walk_report(const ea_report *rep, bool with_lookups, ea_json_sink *s)
{
	s->open(s, NULL, false);
	s->integer(s, "schema", EA_JSON_SCHEMA);
	put_text(s, "domain", rep->domain);
	put_literal(s, "status", ea_status_name(ea_report_status(rep)));
	/* Schema 1's name of the status, for one release (docs/json-schema.md). */
	put_literal(s, "status_legacy", ea_status_legacy_name(ea_report_status(rep)));
	s->open(s, "checks", true);
	for (size_t i = 0; i < rep->section_count; i++)
		walk_section(s, &rep->sections[i], ea_report_zone(rep));
	s->close(s);
	if (rep->zone)
		put_text(s, "zone", rep->zone);
	if (rep->dns_host) {
		s->open(s, "dns_host", false);
		put_literal(s, "id", rep->dns_host->id);
		put_literal(s, "name", rep->dns_host->name);
		s->close(s);
	}
	if (with_lookups) {
		s->open(s, "lookups", true);
		for (size_t i = 0; i < rep->lookup_count; i++)
			walk_lookup(s, &rep->lookups[i]);
		s->close(s);
		if (rep->lookups_dropped)
			s->integer(s, "lookups_dropped", (json_int_t)rep->lookups_dropped);
	}
	s->real(s, "elapsed_ms", rep->elapsed_ms);
	s->close(s);
}
