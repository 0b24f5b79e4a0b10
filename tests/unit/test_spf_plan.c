/* The SPF audit over the lookup limit (lib/spf/plan.c) and its include tree
 * (lib/spf/tree.c), over the in-memory zone store: each remedy only on its evidence, the
 * proposed record counted, a replace action only when evidence alone gets under 10, and
 * the tree's bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"
#include "tap.h"

#define REC(name, text) name ". 300 IN TXT \"" text "\"\n"

/* Eleven single-lookup providers p1..p11 and a few shapes around them. */
static const char ZONE[] =
	". 300 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n"
	REC("p1.test", "v=spf1 ip4:192.0.2.1 -all") REC("p2.test", "v=spf1 ip4:192.0.2.2 -all")
	REC("p3.test", "v=spf1 ip4:192.0.2.3 -all") REC("p4.test", "v=spf1 ip4:192.0.2.4 -all")
	REC("p5.test", "v=spf1 ip4:192.0.2.5 -all") REC("p6.test", "v=spf1 ip4:192.0.2.6 -all")
	REC("p7.test", "v=spf1 ip4:192.0.2.7 -all") REC("p8.test", "v=spf1 ip4:192.0.2.8 -all")
	REC("p9.test", "v=spf1 ip4:192.0.2.9 -all") REC("p10.test", "v=spf1 ip4:192.0.2.10 -all")
	REC("p11.test", "v=spf1 ip4:192.0.2.11 -all")
	/* big.test reaches p1 and p2 inside, only passing; neg.test reaches p3 beside a -ip4 */
	REC("big.test", "v=spf1 include:p1.test include:p2.test ip4:198.51.100.0/24 ~all")
	REC("neg.test", "v=spf1 -ip4:192.0.2.3 include:p3.test ~all")
	REC("mac.test", "v=spf1 exists:%{i}.mac.test -all")
	/* a duplicate and a ptr: dropping both gets from 11 to 9 */
	REC("dup.test", "v=spf1 include:p1.test include:p2.test include:p3.test include:p4.test "
	    "include:p5.test include:p6.test include:p7.test include:p8.test include:p9.test include:p1.test "
	    "ptr ~all")
	/* p1 and p2 are inside big.test: dropping them gets to 9 */
	REC("sub.test", "v=spf1 include:p1.test include:p2.test include:big.test include:p3.test "
	    "include:p4.test include:p5.test include:p6.test include:p7.test include:p8.test ~all")
	/* p3 beside neg.test, whose tree fails some addresses: p3 is not a subset */
	REC("notsub.test", "v=spf1 include:p3.test include:neg.test include:p4.test include:p5.test "
	    "include:p6.test include:p7.test include:p8.test include:p9.test include:p10.test "
	    "include:p11.test ~all")
	/* macros everywhere: nothing to drop, nothing to flatten */
	REC("stuck.test", "v=spf1 exists:%{i}.a.stuck.test exists:%{i}.b.stuck.test "
	    "exists:%{i}.c.stuck.test exists:%{i}.d.stuck.test exists:%{i}.e.stuck.test "
	    "exists:%{i}.f.stuck.test exists:%{i}.g.stuck.test exists:%{i}.h.stuck.test "
	    "include:mac.test include:mac.test ~all")
	/* eleven plain includes: advice, flattening the costliest until 9 */
	REC("flat.test", "v=spf1 include:p1.test include:p2.test include:p3.test include:p4.test "
	    "include:p5.test include:p6.test include:p7.test include:p8.test include:p9.test "
	    "include:p10.test include:p11.test -all")
	/* p3 is inside Mailchimp's include, which goes (documented): p3 must stay */
	REC("servers.mcsv.net", "v=spf1 include:p3.test ip4:205.201.128.0/20 -all")
	REC("mc.test", "v=spf1 include:p3.test include:servers.mcsv.net include:p4.test include:p5.test "
	    "include:p6.test include:p7.test include:p8.test include:p9.test include:p10.test "
	    "include:p11.test ~all")
	/* an a and an mx that find nothing: they authorise nothing now */
	REC("void.test", "v=spf1 include:p1.test include:p2.test include:p3.test include:p4.test "
	    "include:p5.test include:p6.test include:p7.test include:p8.test include:p9.test "
	    "a:nothing.test mx:nothing.test ~all")
	REC("fine.test", "v=spf1 include:p1.test include:big.test -all");

static ea_report *audit(const char *domain)
{
	ea_resolver *r = ea_resolver_new_with_transport(ea_transport_zone_new(tap_zone_store(ZONE), NULL), NULL);
	ea_report *rep = ea_report_new(domain, domain);
	ea_job *job = ea_job_new(r, rep, ea_now_ms() + 10000);
	ea_spf_audit_request req;
	snprintf(req.domain, sizeof(req.domain), "%s", domain);
	ea_job_add_check(job, ea_check_spf_audit, &req);
	ea_job_run(job);
	ea_job_free(job);
	ea_resolver_free(r);
	ea_report_finish(rep);
	return rep;
}

static const ea_finding *find(const ea_report *rep, const char *code, size_t nth)
{
	const ea_section *s = ea_report_section_find(rep, "spf");
	for (size_t i = 0; s && i < s->finding_count; i++)
		if (strcmp(s->findings[i].code, code) == 0 && nth-- == 0)
			return &s->findings[i];
	return NULL;
}

static size_t count(const ea_report *rep, const char *code)
{
	size_t n = 0;
	while (find(rep, code, n))
		n++;
	return n;
}

static bool subject_is(const ea_finding *f, const char *subject)
{
	return f && f->subject && strcmp(f->subject, subject) == 0;
}

static void mechanical(void)
{
	ea_report *rep = audit("dup.test");
	const ea_finding *over = find(rep, "spf.lookups.over_limit", 0);
	tap_ok(over != NULL && count(rep, "spf.plan.drop") == 2 &&
	       subject_is(find(rep, "spf.plan.drop", 0), "include:p1.test") &&
	       subject_is(find(rep, "spf.plan.drop", 1), "ptr"), "dup.test: the second include:p1.test and ptr can be dropped");
	tap_ok(over && over->action_count == 1 && over->actions[0].op == EA_FIX_REPLACE &&
	       strcmp(over->actions[0].value, "v=spf1 include:p1.test include:p2.test include:p3.test "
	              "include:p4.test include:p5.test include:p6.test include:p7.test include:p8.test "
	              "include:p9.test ~all") == 0,
	       "dup.test: the fix replaces the record by one without them");
	const ea_finding *rec = find(rep, "spf.plan.record", 0);
	tap_ok(rec && strstr(rec->message, "9 lookups instead of 11") != NULL, "dup.test: counted, 9 instead of 11");
	tap_ok(count(rep, "spf.plan.if_unused") == 9, "dup.test: every other include: if you no longer send through it");
	ea_report_free(rep);

	rep = audit("sub.test");
	over = find(rep, "spf.lookups.over_limit", 0);
	tap_ok(count(rep, "spf.plan.drop") == 2 && subject_is(find(rep, "spf.plan.drop", 0), "include:p1.test") &&
	       strstr(find(rep, "spf.plan.drop", 0)->message, "include:big.test") != NULL,
	       "sub.test: includes reached again inside include:big.test can be dropped");
	tap_ok(over && over->action_count == 1 && strstr(over->actions[0].value, "include:p1.test") == NULL &&
	       strstr(over->actions[0].value, "include:big.test") != NULL, "sub.test: a replace action without them");
	ea_report_free(rep);
}

static void evidence_only(void)
{
	ea_report *rep = audit("notsub.test");
	tap_ok(count(rep, "spf.plan.drop") == 0, "notsub.test: an include beside one that fails some addresses is not dropped");
	const ea_finding *over = find(rep, "spf.lookups.over_limit", 0);
	tap_ok(over && over->action_count == 0 && over->fix && strstr(over->fix, "advice") != NULL,
	       "notsub.test: no replace action, advice");
	ea_report_free(rep);

	rep = audit("mc.test");
	over = find(rep, "spf.lookups.over_limit", 0);
	tap_ok(count(rep, "spf.plan.drop") == 1 && subject_is(find(rep, "spf.plan.drop", 0), "include:servers.mcsv.net") &&
	       over && over->action_count == 1 && strstr(over->actions[0].value, "include:p3.test") != NULL,
	       "mc.test: an include inside one that goes (Mailchimp's) stays");
	ea_report_free(rep);

	rep = audit("void.test");
	over = find(rep, "spf.lookups.over_limit", 0);
	tap_ok(count(rep, "spf.plan.drop") == 2 && subject_is(find(rep, "spf.plan.drop", 0), "a:nothing.test") &&
	       subject_is(find(rep, "spf.plan.drop", 1), "mx:nothing.test") && over && over->action_count == 1,
	       "void.test: an a and an mx whose lookups find nothing can be dropped");
	ea_report_free(rep);

	rep = audit("stuck.test");
	over = find(rep, "spf.lookups.over_limit", 0);
	tap_ok(count(rep, "spf.plan.none") == 1 && over && over->action_count == 0 && count(rep, "spf.plan.record") == 0,
	       "stuck.test: no record is claimed when nothing known gets under 10");
	tap_ok(count(rep, "spf.plan.drop") == 1 && subject_is(find(rep, "spf.plan.drop", 0), "include:mac.test"),
	       "stuck.test: only the duplicate include is dropped");
	ea_report_free(rep);

	rep = audit("fine.test");
	tap_ok(find(rep, "spf.lookups.ok", 0) && count(rep, "spf.plan.record") == 0 && count(rep, "spf.plan.if_unused") == 0,
	       "fine.test: under the limit, no plan");
	ea_report_free(rep);
}

static void flattening(void)
{
	ea_report *rep = audit("flat.test");
	const ea_finding *over = find(rep, "spf.lookups.over_limit", 0);
	const ea_finding *rec = find(rep, "spf.plan.record", 0);
	tap_ok(over && over->action_count == 0 && over->fix && strstr(over->fix, "goes stale") &&
	       strstr(over->fix, "flatten include:p1.test (1) into its 1 network"),
	       "flat.test: advice to flatten, with its cost said");
	tap_ok(rec && rec->expected && strstr(rec->message, "9 lookups instead of 11") &&
	       strncmp(rec->expected, "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 include:p3.test", 50) == 0,
	       "flat.test: two includes flattened, 9 lookups: %s", rec && rec->expected ? rec->expected : "-");
	ea_report_free(rep);
}

static void tree(void)
{
	ea_report *rep = audit("sub.test");
	const ea_section *s = ea_report_section_find(rep, "spf");
	tap_ok(s && s->tree_count == 12 && s->tree_prominent && s->tree[0].cost == 11 &&
	       strcmp(s->tree[0].label, "sub.test") == 0, "sub.test: tree of 12 nodes, the root costs 11");
	tap_ok(s && strcmp(s->tree[3].label, "include:big.test") == 0 && s->tree[3].cost == 3 &&
	       s->tree[4].parent == 3 && s->tree[4].depth == 2, "sub.test: include:big.test costs 3, its includes below it");
	ea_report_free(rep);
	rep = audit("fine.test");
	s = ea_report_section_find(rep, "spf");
	tap_ok(s && s->tree_count == 5 && !s->tree_prominent, "fine.test: a tree, not prominent under the limit");
	ea_report_free(rep);

	/* the report's bounds */
	ea_report *r = ea_report_new("x.test", "x.test");
	ea_section *sec = ea_report_section(r, "spf");
	int parent = -1;
	for (int i = 0; i < EA_TREE_MAX_DEPTH + 3; i++) {
		int k = ea_section_tree_add(sec, parent, "include:x", 1, NULL);
		if (k >= 0)
			parent = k;
	}
	tap_ok(sec->tree_count == EA_TREE_MAX_DEPTH && sec->tree_dropped == 3, "tree: at most %d levels",
	       EA_TREE_MAX_DEPTH);
	for (int i = 0; i < EA_TREE_MAX_NODES; i++)
		ea_section_tree_add(sec, 0, "a", 1, NULL);
	tap_ok(sec->tree_count == EA_TREE_MAX_NODES && sec->tree_dropped == 3 + EA_TREE_MAX_DEPTH,
	       "tree: at most %d nodes, the rest counted", EA_TREE_MAX_NODES);
	tap_ok(ea_section_tree_add(sec, 100000, "a", 1, NULL) == -1, "tree: a parent that does not exist is refused");
	ea_report_free(r);
}

int main(void)
{
	mechanical();
	evidence_only();
	flattening();
	tree();
	return tap_done();
}
