/* The HTML renderer: a report as an HTML fragment for the web page (tools/server).
 * Every string that came from DNS, a message or the user goes through
 * ea_write_html_escaped(); the only unescaped text is this file's own markup.
 * Severity is carried by a word and an icon, never by colour alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "render/sanitize.h"

static void esc(FILE *out, const char *s)
{
	ea_write_html_escaped(out, s);
}

typedef struct {
	const char *cls;    /* CSS class suffix */
	const char *icon;   /* a text symbol, hidden from screen readers */
	const char *word;   /* what a screen reader and a colour-blind reader get */
} look;

static look finding_look(const ea_finding *f)
{
	if (f->undetermined)
		return (look){"unknown", "?", "Could not determine"};
	switch (f->severity) {
	case EA_SEV_OK: return (look){"ok", "\u2713", "OK"};
	case EA_SEV_INFO: return (look){"info", "i", "Note"};
	case EA_SEV_WARNING: return (look){"warning", "!", "Warning"};
	case EA_SEV_ERROR: return (look){"error", "\u2717", "Error"};
	}
	return (look){"unknown", "?", "Unknown"};
}

static look status_look(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return (look){"pass", "\u2713", "Pass"};
	case EA_STATUS_WARN: return (look){"warn", "!", "Pass with warnings"};
	case EA_STATUS_FAIL: return (look){"fail", "\u2717", "Fail"};
	case EA_STATUS_ERROR: return (look){"unknown", "?", "Could not determine"};
	}
	return (look){"unknown", "?", "Unknown"};
}

/* A section's badge: a check that could not be made is "not checked", never a pass. */
static look section_look(const ea_section *s)
{
	return s->not_checked ? (look){"not-checked", "\u2013", "Not checked"} : status_look(s->status);
}

static const char *status_sentence(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return "Everything we checked is right.";
	case EA_STATUS_WARN: return "It works, but some things should be improved.";
	case EA_STATUS_FAIL: return "Something is wrong: the most urgent first below.";
	case EA_STATUS_ERROR: return "Some DNS lookups failed or timed out, so part of the answer is "
	                             "unknown: that is not a sign that records are missing. Try again "
	                             "in a minute.";
	}
	return "";
}

static void badge(FILE *out, look l)
{
	fprintf(out, "<span class=\"ea-badge ea-%s\"><span class=\"ea-icon\" aria-hidden=\"true\">%s</span> %s</span>",
	        l.cls, l.icon, l.word);
}

static void value_row(FILE *out, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	fprintf(out, "<dt>%s</dt><dd><code class=\"ea-value\">", label);
	esc(out, value);
	fputs("</code></dd>\n", out);
}

/* One cell of the provider form: the value, and a button that copies it. */
static void form_cell(FILE *out, const char *label, const char *value, unsigned *fix_id)
{
	unsigned id = ++*fix_id;
	fprintf(out, "<td data-label=\"%s\"><code class=\"ea-value\" id=\"ea-fv-%u\">", label, id);
	esc(out, value);
	fprintf(out, "</code> <button type=\"button\" class=\"ea-copy ea-copy-cell\" data-copy=\"ea-fv-%u\" "
	        "aria-label=\"Copy the %s\" hidden>Copy</button></td>", id, label);
}

/* The fix as the DNS host's web form wants it: a table of Name / Type / Value (TTL),
 * one row per record to add; deletions first, in words. */
static void provider_form(FILE *out, const ea_finding *f, const ea_report *rep, unsigned *fix_id)
{
	const ea_dns_host *h = rep->dns_host ? rep->dns_host : ea_dns_host_generic();
	const char *zone = ea_report_zone(rep);
	char name[EA_NAME_MAX + 2], value[4096];
	for (size_t i = 0; i < f->action_count; i++) {
		const ea_fix_action *a = &f->actions[i];
		if (a->op == EA_FIX_ADD || a->old_value == NULL)
			continue;
		ea_dns_host_form(h, a, zone, name, sizeof(name), value, sizeof(value));
		fprintf(out, "<p class=\"ea-fix-delete\">%s the %s record <code>", a->op == EA_FIX_DELETE ?
		        "First delete" : "Change", a->type);
		esc(out, name[0] ? name : zone);
		fputs("</code> = <code>", out);
		esc(out, value);
		fputs("</code>.</p>\n", out);
	}
	bool any = false;
	for (size_t i = 0; i < f->action_count; i++) {
		const ea_fix_action *a = &f->actions[i];
		if (a->op == EA_FIX_DELETE || a->value == NULL)
			continue;
		if (!any) {
			fputs("<table class=\"ea-rrform\">\n<caption>", out);
			fputs(f->action_count > 1 ? "Then add" : "Add", out);
			fputs(" in ", out);
			esc(out, h->name);
			fputs("</caption>\n<thead><tr><th scope=\"col\">", out);
			esc(out, h->name_field);
			fputs("</th><th scope=\"col\">", out);
			esc(out, h->type_field);
			fputs("</th><th scope=\"col\">Value</th><th scope=\"col\">", out);
			esc(out, h->ttl_field);
			fputs("</th></tr></thead>\n<tbody>\n", out);
			any = true;
		}
		ea_dns_host_form(h, a, zone, name, sizeof(name), value, sizeof(value));
		bool target = strcmp(a->type, "CNAME") == 0 || strcmp(a->type, "MX") == 0;
		fputs("<tr>", out);
		form_cell(out, h->name_field, name[0] ? name : "(empty)", fix_id);
		fprintf(out, "<td data-label=\"%s\"><code>%s</code></td>", h->type_field, a->type);
		form_cell(out, target ? h->target_field : h->value_field, value, fix_id);
		fprintf(out, "<td data-label=\"%s\">", h->ttl_field);
		if (a->ttl)
			fprintf(out, "%u", a->ttl);
		else
			fputs("default", out);
		fputs("</td></tr>\n", out);
	}
	if (any)
		fputs("</tbody>\n</table>\n", out);
	if (h->proxy && any)
		fputs("<p class=\"ea-fix-note\">Set the proxy status to <strong>DNS only</strong> (grey cloud).</p>\n", out);
}

/* Each finding's anchor, for the links of "what to do first". */
static size_t finding_anchor(const ea_report *rep, const ea_finding *f)
{
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		if (f >= s->findings && f < s->findings + s->finding_count)
			return i * EA_SECTION_MAX_FINDINGS + (size_t)(f - s->findings) + 1;
	}
	return 0;
}

/* What a finding needs, said as the page takes it: the form's fields (the text renderer
 * says the command's options). */
static void how_web(FILE *out, unsigned needs)
{
	const char *how = (needs & EA_NEED_SES_TOKENS)
		? "Fill in the <a href=\"#f-t1\">DKIM tokens</a> in the form above and check again."
		: (needs & EA_NEED_SELECTOR)
		? "Add it under <a href=\"#f-selectors\">DKIM selectors</a> in the form above and check again."
		: (needs & EA_NEED_CLIENT_IP)
		? "Fill in the <a href=\"#f-ip\">connecting IP address</a> in the form above and check again."
		: (needs & EA_NEED_RETRY) ? "Check again in a minute: this server asks its own resolver."
		: NULL;
	if (how)
		fprintf(out, "<p class=\"ea-how\">%s</p>\n", how);
}

static void finding(FILE *out, const ea_finding *f, const ea_report *rep, unsigned *fix_id,
                    const ea_render_opts *o)
{
	look l = finding_look(f);
	fprintf(out, "<article class=\"ea-card ea-%s\" id=\"ea-f-%zu\">\n<h3>", l.cls, finding_anchor(rep, f));
	badge(out, l);
	fputc(' ', out);
	if (f->subject && *f->subject) {
		fputs("<span class=\"ea-subject\">", out);
		esc(out, f->subject);
		fputs("</span>", out);
	} else if (f->name && *f->name) {
		fputs("<span class=\"ea-subject\">", out);
		esc(out, f->name);
		fputs("</span>", out);
	}
	fputs("</h3>\n<p class=\"ea-reason\">", out);
	esc(out, f->message);
	fputs("</p>\n", out);
	how_web(out, f->needs);
	if ((f->name && *f->name) || (f->expected && *f->expected) || (f->found && *f->found)) {
		fputs("<dl class=\"ea-values\">\n", out);
		value_row(out, "Name", f->name);
		/* A right record: what was found is what was expected; saying it twice only
		 * lengthens a passing page. */
		value_row(out, "Expected", f->severity == EA_SEV_OK && !f->undetermined ? NULL : f->expected);
		value_row(out, "Found", f->found);
		fputs("</dl>\n", out);
	}
	char *fix = ea_fix_zone_text(f);
	if (fix && *fix) {
		unsigned id = ++*fix_id;
		fprintf(out, "<div class=\"ea-fix\">\n<p class=\"ea-fix-title\" id=\"ea-fix-label-%u\">"
		        "The fix</p>\n", id);
		if (f->action_count) {
			provider_form(out, f, rep, fix_id);
			fputs("<details class=\"ea-zone-lines\"><summary>As zone-file lines</summary>\n", out);
		}
		fprintf(out, "<pre aria-labelledby=\"ea-fix-label-%u\"><code id=\"ea-fix-%u\">", id, id);
		esc(out, fix);
		fprintf(out, "</code></pre>\n<button type=\"button\" class=\"ea-copy\" data-copy=\"ea-fix-%u\" hidden>"
		        "Copy the fix</button>\n", id);
		if (f->action_count)
			fputs("</details>\n", out);
		fputs("</div>\n", out);
	}
	free(fix);
	/* The code links to its documentation where the page has it (the server's /codes). */
	fputs("<p class=\"ea-meta\">Code ", out);
	if (o->codes_url) {
		fputs("<a href=\"", out);
		esc(out, o->codes_url);
		fputc('#', out);
		esc(out, f->code);
		fputs("\" title=\"What this code means\">", out);
	}
	fputs("<code>", out);
	esc(out, f->code);
	fputs(o->codes_url ? "</code></a>" : "</code>", out);
	if (f->rfc) {
		fputs(" &middot; see ", out);
		esc(out, f->rfc);
	}
	fputs("</p>\n</article>\n", out);
}

/* Node *i and its children as a list item: a branch opens and closes (<details>, no
 * script); nodes come depth first with bounded depth, so the recursion is bounded. */
static void tree_item(FILE *out, const ea_section *s, size_t *i)
{
	const ea_tree_node *n = &s->tree[*i];
	size_t me = (*i)++;
	bool branch = *i < s->tree_count && s->tree[*i].parent == (int)me;
	fputs(branch ? (n->depth == 0 ? "<li><details open><summary>" : "<li><details><summary>") : "<li>", out);
	fputs("<code>", out);
	esc(out, n->label);
	fprintf(out, "</code> <span class=\"ea-tree-cost\">%u lookup%s</span>", n->cost, n->cost == 1 ? "" : "s");
	if (n->note) {
		fputs(" <span class=\"ea-tree-note\">", out);
		esc(out, n->note);
		fputs("</span>", out);
	}
	if (branch) {
		fputs("</summary>\n<ul>\n", out);
		while (*i < s->tree_count && s->tree[*i].parent == (int)me)
			tree_item(out, s, i);
		fputs("</ul></details>", out);
	}
	fputs("</li>\n", out);
}

static void tree(FILE *out, const ea_section *s)
{
	if (s->tree_count == 0 || s->tree[0].parent >= 0)
		return;
	fprintf(out, "<details class=\"ea-tree\"%s><summary>Include tree: the DNS lookups of each "
	        "branch</summary>\n<ul class=\"ea-tree-list\">\n", s->tree_prominent ? " open" : "");
	size_t at = 0;
	tree_item(out, s, &at);
	fputs("</ul>\n", out);
	if (s->tree_dropped)
		fprintf(out, "<p class=\"ea-note\">%zu more branches are not shown.</p>\n", s->tree_dropped);
	fputs("</details>\n", out);
}

static void section(FILE *out, const ea_report *rep, const ea_section *s, size_t index, unsigned *fix_id,
                    const ea_render_opts *o)
{
	fprintf(out, "<section class=\"ea-check\" aria-labelledby=\"ea-check-%zu\">\n"
	        "<h2 id=\"ea-check-%zu\">%s ", index, index, ea_check_title(s->check));
	badge(out, section_look(s));
	fputs("</h2>\n", out);
	if (s->summary && *s->summary) {
		fputs("<p class=\"ea-summary\">", out);
		esc(out, s->summary);
		fputs("</p>\n", out);
	}
	/* Most urgent first, as the text renderer orders them; the notes folded away. */
	size_t order[EA_SECTION_MAX_FINDINGS], notes = 0, note_count = 0;
	ea_section_order(s, order);
	for (size_t k = 0; k < s->finding_count; k++)
		note_count += ea_finding_rank(&s->findings[k]) == 1;
	for (size_t k = 0; k < s->finding_count; k++) {
		const ea_finding *f = &s->findings[order[k]];
		if (ea_finding_rank(f) != 1) {
			finding(out, f, rep, fix_id, o);
			continue;
		}
		if (notes++ == 0)
			fprintf(out, "<details class=\"ea-notes\"><summary>Show all: %zu more note%s</summary>\n",
			        note_count, note_count == 1 ? "" : "s");
		finding(out, f, rep, fix_id, o);
	}
	if (notes)
		fputs("</details>\n", out);
	if (s->dropped)
		fprintf(out, "<p class=\"ea-note\">%zu more findings are not shown.</p>\n", s->dropped);
	tree(out, s);
	fputs("</section>\n", out);
}

/* Several sections (the full check): a list of them with their verdicts first, each a
 * link to its section, so the problems are seen before the scrolling starts. */
static void overview(FILE *out, const ea_report *rep)
{
	if (rep->section_count < 2)
		return;
	fputs("<nav class=\"ea-overview\" aria-label=\"Results by record\">\n<ul>\n", out);
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		fprintf(out, "<li><a href=\"#ea-check-%zu\">%s</a> ", i + 1, ea_check_title(s->check));
		badge(out, section_look(s));
		fputs("</li>\n", out);
	}
	fputs("</ul>\n</nav>\n", out);
}

/* Each export of the fixes as a link that downloads it (a data: URL, no script). */
static void downloads(FILE *out, const ea_report *rep)
{
	if (ea_report_fix_count(rep) == 0)
		return;
	static const struct { const char *format, *file, *mime, *label; } kinds[] = {
		{"zone", "fix.zone", "text/plain", "Zone-file lines"},
		{"route53", "route53-change-batch.json", "application/json",
		 "Route 53 change batch (aws route53 change-resource-record-sets --change-batch file://route53-change-batch.json)"},
		{"terraform-aws", "fix-route53.tf", "text/plain", "Terraform, aws_route53_record"},
		{"terraform-cloudflare", "fix-cloudflare.tf", "text/plain", "Terraform, cloudflare_record"},
		{"cloudflare", "fix-cloudflare.sh", "text/x-shellscript", "Cloudflare API calls (curl)"},
	};
	const ea_dns_host *h = rep->dns_host;
	fputs("<section class=\"ea-downloads\" aria-labelledby=\"ea-downloads-h\">\n"
	      "<h2 id=\"ea-downloads-h\">Where to make the changes</h2>\n<p>", out);
	if (h) {
		fputs("The DNS of <code>", out);
		esc(out, ea_report_zone(rep));
		fputs("</code> is hosted at <strong>", out);
		esc(out, h->name);
		fputs("</strong> (by its name servers). ", out);
		esc(out, h->note ? h->note : "");
	} else {
		esc(out, ea_dns_host_generic()->note);
	}
	fputs("</p>\n<p>Or download all the fixes at once:</p>\n<ul>\n", out);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (m == NULL)
			continue;
		ea_render_fixes(m, rep, kinds[i].format);
		fclose(m);
		fprintf(out, "<li><a download=\"%s\" href=\"data:%s;charset=utf-8,", kinds[i].file, kinds[i].mime);
		for (size_t k = 0; text && k < len; k++) {
			unsigned char c = (unsigned char)text[k];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_' || c == '.' || c == '~')
				fputc(c, out);
			else
				fprintf(out, "%%%02X", c);
		}
		free(text);
		fprintf(out, "\">%s</a></li>\n", kinds[i].label);
	}
	fputs("</ul>\n</section>\n", out);
}

static void lookups(FILE *out, const ea_report *rep)
{
	fprintf(out, "<section class=\"ea-lookups\" aria-labelledby=\"ea-lookups-h\">\n"
	        "<details><summary><h2 id=\"ea-lookups-h\">What we checked (%zu lookups, %.0f ms)</h2></summary>\n"
	        "<ol>\n", rep->lookup_count + rep->lookups_dropped, rep->elapsed_ms);
	for (size_t i = 0; i < rep->lookup_count; i++) {
		const ea_lookup_record *l = &rep->lookups[i];
		fputs("<li><code>", out);
		esc(out, l->name);
		fprintf(out, "</code> %s", ea_rr_type_name(l->type));
		fprintf(out, " &rarr; <span class=\"ea-outcome\">%s", ea_dns_outcome_name(l->outcome));
		if (l->outcome != EA_DNS_FOUND) {
			fputs(" (", out);
			esc(out, ea_dns_reason_text(l->reason));
			fputc(')', out);
		}
		fputs("</span>", out);
		if (l->why && *l->why) {
			fputs("<br><span class=\"ea-why\">", out);
			esc(out, l->why);
			fputs("</span>", out);
		}
		fprintf(out, "<br><span class=\"ea-lookup-meta\">%s", l->direct ? "asked directly of " : "via ");
		esc(out, l->server && *l->server ? l->server : "-");
		fprintf(out, ", rcode %d, TTL %u, %.1f ms%s</span>", l->rcode, l->ttl, l->ms,
		        l->ad ? ", DNSSEC-validated" : "");
		if (l->answer && *l->answer) {
			fputs("<pre class=\"ea-answer\">", out);
			esc(out, l->answer);
			fputs("</pre>", out);
		}
		fputs("</li>\n", out);
	}
	fputs("</ol>\n", out);
	if (rep->lookups_dropped)
		fprintf(out, "<p class=\"ea-note\">%zu more lookups are not shown.</p>\n", rep->lookups_dropped);
	fputs("</details>\n</section>\n", out);
}

/* What to do first: the findings that need action, most urgent first, each a link to
 * its card. */
static void todo(FILE *out, const ea_report *rep)
{
	const ea_finding *found[EA_REPORT_TODO_MAX];
	size_t sec_of[EA_REPORT_TODO_MAX];
	size_t n = ea_report_todo(rep, found, sec_of, EA_REPORT_TODO_MAX);
	if (n == 0 || (n == 1 && rep->section_count == 1))
		return;
	fputs("<nav class=\"ea-todo\" aria-labelledby=\"ea-todo-h\">\n<h2 id=\"ea-todo-h\">What to do first</h2>\n<ol>\n", out);
	for (size_t i = 0; i < n; i++) {
		const ea_finding *f = found[i];
		fprintf(out, "<li><a href=\"#ea-f-%zu\">", finding_anchor(rep, f));
		badge(out, finding_look(f));
		fputs(" ", out);
		if (rep->section_count > 1) {
			fputs(ea_check_title(rep->sections[sec_of[i]].check), out);
			fputs(": ", out);
		}
		if (f->subject && *f->subject) {
			esc(out, f->subject);
			fputs(": ", out);
		}
		esc(out, f->message ? f->message : "");
		fputs("</a></li>\n", out);
	}
	fputs("</ol>\n</nav>\n", out);
}

/* After a pass, what comes next (the verdict box says it). */
static void next_step(FILE *out, const ea_report *rep)
{
	ea_next_step next = ea_report_next_step(rep);
	if (next == EA_NEXT_NONE)
		return;
	bool ses = next == EA_NEXT_SES_CONSOLE;
	fputs("<p class=\"ea-next\"><strong>Next:</strong> ", out);
	if (ses)
		fputs("the SES console shows the DKIM status as <em>Successful</em> once SES has seen these "
		      "records (it keeps looking for up to 72 hours; usually it takes minutes). Then send a "
		      "test message to an address you read and paste its headers into "
		      "<a href=\"/?tab=verify\">Message headers</a>.", out);
	else
		fputs("send a test message to an address you read and paste its headers into "
		      "<a href=\"/?tab=verify\">Message headers</a> to see how a receiver judged it.", out);
	fputs("</p>\n", out);
}

int ea_render_html(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	(void)o;
	ea_status st = ea_report_status(rep);
	look l = status_look(st);
	fprintf(out, "<div class=\"ea-report\">\n<div class=\"ea-verdict ea-%s\" role=\"status\">\n"
	        "<p class=\"ea-verdict-word\"><span class=\"ea-icon\" aria-hidden=\"true\">%s</span> %s</p>\n"
	        "<p class=\"ea-verdict-domain\">", l.cls, l.icon, l.word);
	esc(out, rep->domain_display ? rep->domain_display : rep->domain);
	if (rep->domain_display && rep->domain && strcmp(rep->domain, rep->domain_display) != 0) {
		fputs(" <span class=\"ea-alabel\">(", out);
		esc(out, rep->domain);
		fputs(")</span>", out);
	}
	fprintf(out, "</p>\n<p>%s</p>\n", status_sentence(st));
	next_step(out, rep);
	fputs("</div>\n", out);
	todo(out, rep);
	overview(out, rep);
	unsigned fix_id = 0;
	for (size_t i = 0; i < rep->section_count; i++)
		section(out, rep, &rep->sections[i], i + 1, &fix_id, o);
	downloads(out, rep);
	lookups(out, rep);
	fputs("</div>\n", out);
	return ferror(out) ? EA_EIO : EA_OK;
}
