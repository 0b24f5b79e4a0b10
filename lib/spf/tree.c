/*
 * The SPF include tree for the report: each DNS-querying term of the policy, in the
 * order a receiver evaluates them, with what it costs (RFC 7208 4.6.4: its own lookup
 * and, for include and redirect, everything inside). Renderers show it indented (text),
 * nested (JSON) and as a list that opens and closes (HTML).
 */
#include <stdio.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "spf/audit.h"
#include "util/util.h"

#define TREE_LABEL_MAX 300   /* bytes of a term shown as a node's label */

/* What is wrong with an include's target, or who it is, for the node's note. */
static const char *target_note(const node *c)
{
	if (c->failed)
		return "could not be fetched";
	if (c->absent)
		return "no SPF record";
	if (c->multiple)
		return "more than one SPF record";
	if (c->rec && c->rec->status == SPF_REC_SYNTAX)
		return "syntax error";
	return ea_audit_provider_of(c->domain);
}

static void walk(audit *a, int idx, int parent, int *stack, size_t depth)
{
	const node *n = &a->nodes[idx];
	if (n->rec == NULL || n->rec->status != SPF_REC_OK || depth >= AUDIT_MAX_DEPTH)
		return;
	stack[depth] = idx;
	for (size_t i = 0; i < n->rec->term_count; i++) {
		const ea_spf_term *t = &n->rec->terms[i];
		if (!ea_audit_term_counts(n, t))
			continue;
		char label[TREE_LABEL_MAX + 1];
		snprintf(label, sizeof(label), "%.*s", (int)EA_MIN(t->text.len, TREE_LABEL_MAX), t->text.p);
		bool loop;
		cost c = {.lookups = 1};
		int child = ea_audit_term_child(a, n, t, stack, depth, &c, &loop);
		const char *note = NULL;
		if (loop)
			note = "a loop back to a record above";
		else if (child >= 0)
			note = target_note(&a->nodes[child]);
		else if (t->has_macro && (t->kind == SPF_T_INCLUDE || t->kind == SPF_T_REDIRECT))
			note = "a macro: what it reaches depends on the sender";
		else if (t->kind == SPF_T_INCLUDE || t->kind == SPF_T_REDIRECT)
			note = "not followed (not a usable name, or past the tree's bounds)";
		int k = ea_section_tree_add(a->sec, parent, label, c.lookups, note);
		if (k >= 0 && child >= 0 && !loop)
			walk(a, child, k, stack, depth + 1);
	}
}

void ea_audit_tree(audit *a, unsigned total)
{
	if (a->nodes[0].rec == NULL || a->nodes[0].rec->status != SPF_REC_OK)
		return;
	int top = ea_section_tree_add(a->sec, -1, a->nodes[0].domain, total, NULL);
	if (top < 0)
		return;
	int stack[AUDIT_MAX_DEPTH + 1];
	walk(a, 0, top, stack, 0);
	a->sec->tree_prominent = total > EA_SPF_MAX_DNS_TERMS;
}
