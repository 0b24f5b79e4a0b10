/*
 * `emailauth spf DOMAIN`: the published policy tree, audited.
 *
 * The tree (include and redirect targets, and the hosts of a and mx terms) is
 * fetched breadth-first: each run walks a queue of the domains known so far and asks
 * for everything not yet answered, so all lookups of one depth are in flight
 * together and the wall time is the depth of the tree. Counts are the worst case a
 * receiver could reach (every term evaluated, no first-match short cut), as
 * RFC 7208 4.6.4 limits are reached by some client address.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "spf/audit.h"
#include "spf/record.h"
#include "spf/remedies.h"
#include "spf/spf_internal.h"
#include "util/buf.h"
#include "util/util.h"

static const char CHECK[] = "spf";

/* Senders recognised by the include they ask for (their documentation: docs/provider-sources.md). */
static const struct { const char *include; const char *sender; } providers[] = {
	{"amazonses.com", "Amazon SES"}, {"_spf.google.com", "Google Workspace"},
	{"spf.protection.outlook.com", "Microsoft 365"}, {"sendgrid.net", "SendGrid"},
	{"mailgun.org", "Mailgun"}, {"eu.mailgun.org", "Mailgun (EU)"},
	{"servers.mcsv.net", "Mailchimp"}, {"spf.mandrillapp.com", "Mandrill"},
	{"spf.mtasv.net", "Postmark"}, {"_spf.sparkpostmail.com", "SparkPost"},
	{"spf.brevo.com", "Brevo"}, {"spf.sendinblue.com", "Brevo (Sendinblue)"},
	{"zoho.com", "Zoho Mail"}, {"zoho.eu", "Zoho Mail (EU)"}, {"zohomail.com", "Zoho Mail"},
	{"spf.mailjet.com", "Mailjet"}, {"_spf.salesforce.com", "Salesforce"},
	{"aspmx.pardot.com", "Salesforce Account Engagement (Pardot)"},
	{"cust-spf.exacttarget.com", "Salesforce Marketing Cloud"},
	{"_spf.fastmail.com", "Fastmail"}, {"spf.messagingengine.com", "Fastmail"},
	{"_spf.protonmail.ch", "Proton Mail"}, {"hubspotemail.net", "HubSpot"},
};


int ea_audit_find_node(const audit *a, const char *domain)
{
	for (size_t i = 0; i < a->count; i++)
		if (ea_name_equal(a->nodes[i].domain, domain))
			return (int)i;
	return -1;
}

static void term_target(const ea_spf_term *t, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)t->domain.len, t->domain.p);
	size_t n = strlen(out);
	if (n > 0 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

static const ea_dns_answer *ask(audit *a, const char *name, uint16_t type, const char *why)
{
	char q[4 * EA_NAME_MAX + 8];
	ea_spf_presentation_name(name, q, sizeof(q));
	const ea_dns_answer *r = ea_lookup(a->job, q, type, why);
	if (r == NULL)
		a->pending = true;
	return r;
}

/* The host lookups of a and mx terms (for void counts, MX host counts, flattening). */
static void ask_hosts(audit *a, const node *n)
{
	for (size_t i = 0; n->rec && i < n->rec->term_count; i++) {
		const ea_spf_term *t = &n->rec->terms[i];
		if ((t->kind != SPF_T_A && t->kind != SPF_T_MX) || t->has_macro)
			continue;
		char host[EA_NAME_MAX + 64];
		if (t->has_domain)
			term_target(t, host, sizeof(host));
		else
			ea_copy(host, sizeof(host), n->domain);
		if (!ea_spf_domain_ok(host))
			continue;
		if (t->kind == SPF_T_A) {
			ask(a, host, EA_RR_A, "SPF audit: a term");
			ask(a, host, EA_RR_AAAA, "SPF audit: a term");
			continue;
		}
		const ea_dns_answer *mx = ask(a, host, EA_RR_MX, "SPF audit: mx term");
		size_t nmx = mx && mx->outcome == EA_DNS_FOUND ? ea_dns_answer_count(mx, EA_RR_MX) : 0;
		for (size_t k = 0; k < nmx && k < AUDIT_MAX_HOSTS; k++) {
			const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, k);
			if (rr && rr->target && rr->target[0]) {
				if (ea_lookup(a->job, rr->target, EA_RR_A, "SPF audit: MX host") == NULL ||
				    ea_lookup(a->job, rr->target, EA_RR_AAAA, "SPF audit: MX host") == NULL)
					a->pending = true;
			}
		}
	}
}

static void add_child(audit *a, size_t parent, const ea_spf_term *t, const char *how)
{
	if (t->has_macro)
		return;
	char target[EA_NAME_MAX + 64];
	term_target(t, target, sizeof(target));
	if (!ea_spf_domain_ok(target))
		return;
	int known_at = ea_audit_find_node(a, target);
	if (known_at >= 0) {
		if (!a->nodes[parent].candidate)
			a->nodes[known_at].candidate = false;
		return;
	}
	if (a->count >= AUDIT_MAX_NODES || a->nodes[parent].depth + 1 > AUDIT_MAX_DEPTH) {
		if (a->nodes[parent].candidate)
			a->candidates_cut = true;
		else
			a->truncated = true;
		return;
	}
	node *c = &a->nodes[a->count++];
	memset(c, 0, sizeof(*c));
	snprintf(c->domain, sizeof(c->domain), "%.253s", target);
	ea_copy(c->how, sizeof(c->how), how);
	c->parent = (int)parent;
	c->depth = a->nodes[parent].depth + 1;
	c->candidate = a->nodes[parent].candidate;
}

/* Breadth-first over the queue from node `from`: a node's children are known once its
 * TXT is in. */
static void fetch_from(audit *a, size_t from)
{
	for (size_t i = from; i < a->count; i++) {
		node *n = &a->nodes[i];
		n->txt = ask(a, n->domain, EA_RR_TXT, n->candidate ? "SPF plan: a documented include"
		                                      : i ? "SPF audit: included record" : "SPF record");
		if (n->txt == NULL)
			continue;
		if (n->txt->outcome == EA_DNS_UNKNOWN) {
			n->failed = true;
			continue;
		}
		size_t found = 0, cnt = ea_dns_answer_count(n->txt, EA_RR_TXT);
		for (size_t k = 0; k < cnt; k++) {
			const ea_dns_rr *rr = ea_dns_answer_get(n->txt, EA_RR_TXT, k);
			if (rr && ea_spf_is_v1((const char *)rr->txt, rr->txt_len)) {
				if (found++ == 0)
					n->text = ea_str_make((const char *)rr->txt, rr->txt_len);
			}
		}
		n->absent = found == 0;
		n->multiple = found > 1;
		if (found == 0)
			continue;
		n->rec = malloc(sizeof(*n->rec));
		if (n->rec == NULL)
			continue;
		ea_spf_parse(n->text.p, n->text.len, n->rec);
		if (n->rec->status != SPF_REC_OK)
			continue;
		ask_hosts(a, n);
		for (size_t k = 0; k < n->rec->term_count; k++) {
			const ea_spf_term *t = &n->rec->terms[k];
			if (t->kind == SPF_T_INCLUDE)
				add_child(a, i, t, "include");
			else if (t->kind == SPF_T_REDIRECT && n->rec->all < 0)
				add_child(a, i, t, "redirect");
		}
	}
}

static void fetch_tree(audit *a, const char *domain)
{
	a->count = 1;
	memset(&a->nodes[0], 0, sizeof(a->nodes[0]));
	ea_copy(a->nodes[0].domain, sizeof(a->nodes[0].domain), domain);
	a->nodes[0].parent = -1;
	fetch_from(a, 0);
}

/* Over the limit, the includes the plan may propose instead of the record's own
 * (data/spf_remedies.json) are fetched too, so their cost is counted, not assumed. */
static void fetch_candidates(audit *a)
{
	size_t from = a->count;
	for (size_t i = 1; i < from; i++) {
		const node *n = &a->nodes[i];
		const ea_spf_remedy *r = n->parent == 0 ? ea_spf_remedy_for(n->domain) : NULL;
		if (r == NULL || r->kind != EA_REMEDY_REPLACE || ea_audit_find_node(a, r->to) >= 0)
			continue;
		if (a->count >= AUDIT_MAX_NODES)
			break;
		node *c = &a->nodes[a->count++];
		memset(c, 0, sizeof(*c));
		snprintf(c->domain, sizeof(c->domain), "%.253s", r->to);
		snprintf(c->how, sizeof(c->how), "candidate");
		c->parent = (int)i;
		c->depth = 1;
		c->candidate = true;
	}
	fetch_from(a, from);
}

/* An answer already in the job (never asks: the tree walk asked everything). */
const ea_dns_answer *ea_audit_known(audit *a, const char *name, uint16_t type, bool presented)
{
	char q[4 * EA_NAME_MAX + 8];
	if (presented)
		ea_copy(q, sizeof(q), name);
	else
		ea_spf_presentation_name(name, q, sizeof(q));
	return ea_lookup(a->job, q, type, "SPF audit");
}


void ea_audit_term_host(const node *n, const ea_spf_term *t, char *out, size_t size)
{
	if (t->has_domain)
		term_target(t, out, size);
	else
		ea_copy(out, size, n->domain);
}

bool ea_audit_on_stack(const int *stack, size_t depth, int idx)
{
	for (size_t i = 0; i < depth; i++)
		if (stack[i] == idx)
			return true;
	return false;
}

bool ea_audit_term_counts(const node *n, const ea_spf_term *t)
{
	return ea_spf_kind_counts(t->kind) && !(t->kind == SPF_T_REDIRECT && n->rec->all >= 0);
}

/* Worst-case cost of evaluating node idx entirely (4.6.4 counting). */
void ea_audit_node_cost(audit *a, int idx, int *stack, size_t depth, cost *c)
{
	node *n = &a->nodes[idx];
	if (n->rec == NULL || n->rec->status != SPF_REC_OK || depth >= AUDIT_MAX_DEPTH) {
		c->broken = true;
		return;
	}
	stack[depth] = idx;
	for (size_t i = 0; i < n->rec->term_count; i++) {
		const ea_spf_term *t = &n->rec->terms[i];
		if (!ea_spf_kind_counts(t->kind) || (t->kind == SPF_T_REDIRECT && n->rec->all >= 0))
			continue;
		c->lookups++;
		if (t->has_macro) {
			c->macros = true;
			continue;
		}
		char host[EA_NAME_MAX + 64];
		ea_audit_term_host(n, t, host, sizeof(host));
		if (t->kind == SPF_T_PTR)
			c->ptr = true;
		if (t->kind == SPF_T_EXISTS)
			c->exists = true;
		if (t->kind == SPF_T_A) {
			const ea_dns_answer *r = ea_audit_known(a, host, EA_RR_A, false);
			if (r && r->outcome == EA_DNS_ABSENT)
				c->voids++;
			r = ea_audit_known(a, host, EA_RR_AAAA, false);
			if (r && r->outcome == EA_DNS_ABSENT)
				c->voids6++;
		} else if (t->kind == SPF_T_MX) {
			const ea_dns_answer *r = ea_audit_known(a, host, EA_RR_MX, false);
			if (r && r->outcome == EA_DNS_ABSENT) {
				c->voids++;
				c->voids6++;
			}
		} else if (t->kind == SPF_T_INCLUDE || t->kind == SPF_T_REDIRECT) {
			int child = ea_audit_find_node(a, host);
			if (child < 0)
				continue;
			if (ea_audit_on_stack(stack, depth + 1, child)) {
				c->loop = true;
				continue;
			}
			ea_audit_node_cost(a, child, stack, depth + 1, c);
		}
	}
}

int ea_audit_term_child(audit *a, const node *n, const ea_spf_term *t, const int *stack,
                        size_t depth, cost *inside, bool *loop)
{
	*loop = false;
	if ((t->kind != SPF_T_INCLUDE && t->kind != SPF_T_REDIRECT) || t->has_macro)
		return -1;
	char host[EA_NAME_MAX + 64];
	ea_audit_term_host(n, t, host, sizeof(host));
	int child = ea_audit_find_node(a, host);
	if (child < 0)
		return -1;
	*loop = ea_audit_on_stack(stack, depth + 1, child);
	if (!*loop) {
		int tmp[AUDIT_MAX_DEPTH + 1];
		memcpy(tmp, stack, sizeof(tmp));
		ea_audit_node_cost(a, child, tmp, depth + 1, inside);
	}
	return child;
}

static const char *kind_meaning(ea_spf_kind k)
{
	switch (k) {
	case SPF_T_ALL: return "every address not matched before";
	case SPF_T_INCLUDE: return "the addresses another domain's SPF policy passes";
	case SPF_T_A: return "the addresses (A/AAAA) of a host";
	case SPF_T_MX: return "the addresses of a domain's mail exchangers (MX hosts)";
	case SPF_T_PTR: return "addresses whose reverse DNS name is under a domain (deprecated)";
	case SPF_T_IP4: return "an IPv4 network";
	case SPF_T_IP6: return "an IPv6 network";
	case SPF_T_EXISTS: return "any address, if a name built from macros exists";
	case SPF_T_REDIRECT: return "use another domain's policy when nothing here matched";
	case SPF_T_EXP: return "where to find the explanation text for a fail";
	default: return "an unknown modifier (ignored by receivers)";
	}
}

static const char *qualifier_meaning(char q)
{
	switch (q) {
	case '-': return "fail";
	case '~': return "softfail";
	case '?': return "neutral";
	case '=': return "";
	default: return "pass";
	}
}

const char *ea_audit_provider_of(const char *domain)
{
	for (size_t i = 0; i < EA_ARRAY_SIZE(providers); i++)
		if (ea_name_equal(domain, providers[i].include) ||
		    (strcmp(providers[i].include, "hubspotemail.net") == 0 &&
		     ea_name_is_subdomain(domain, providers[i].include)))
			return providers[i].sender;
	return NULL;
}

static void record_problems(audit *a, const node *n, bool root)
{
	ea_section *sec = a->sec;
	const ea_spf_record *r = n->rec;
	char where[EA_NAME_MAX + 32];
	snprintf(where, sizeof(where), "%s%s", root ? "" : "in ", root ? "" : n->domain);
	if (n->text.len > AUDIT_LONG_RECORD && root)
		ea_section_addf(sec, "spf.record.too_long", EA_SEV_WARNING,
		                "the record is %zu bytes; RFC 7208 3.4 advises at most %d so the answer "
		                "fits a 512-byte UDP reply", n->text.len, AUDIT_LONG_RECORD);
	bool after_all = false;
	for (size_t i = 0; i < r->term_count; i++) {
		const ea_spf_term *t = &r->terms[i];
		char txt[600];
		snprintf(txt, sizeof(txt), "%.*s", (int)EA_MIN(t->text.len, 500), t->text.p);
		if (r->all >= 0 && (int)i > r->all && t->kind != SPF_T_EXP && t->kind != SPF_T_UNKNOWN_MOD &&
		    !after_all) {
			after_all = true;
			ea_finding *f = ea_section_addf(sec, "spf.terms.after_all", EA_SEV_WARNING,
			                                "%s%s'%s' and what follows come after 'all' and are "
			                                "never used", where, *where ? ": " : "", txt);
			if (f)
				f->rfc = "RFC 7208 5.1";
		}
		if (t->kind == SPF_T_PTR)
			ea_section_addf(sec, "spf.ptr.deprecated", EA_SEV_WARNING,
			                "%s%s'%s': ptr is deprecated (RFC 7208 5.5): slow, unreliable, and "
			                "some receivers ignore it; list the networks with ip4:/ip6: instead",
			                where, *where ? ": " : "", txt);
		if (t->kind == SPF_T_UNKNOWN_MOD) {
			bool lookalike = ea_str_istarts(t->name, "include") || ea_str_istarts(t->name, "ip4") ||
			                 ea_str_istarts(t->name, "ip6") || ea_str_istarts(t->name, "a") ||
			                 ea_str_istarts(t->name, "mx");
			ea_section_addf(sec, "spf.modifier.unknown", EA_SEV_WARNING,
			                "%s%s'%s' is an unknown modifier: receivers ignore it%s", where,
			                *where ? ": " : "", txt,
			                lookalike ? "; a mechanism takes ':' (e.g. include:), not '='" : "");
		}
		if (t->kind == SPF_T_REDIRECT && r->all >= 0)
			ea_section_addf(sec, "spf.redirect.ignored", EA_SEV_WARNING,
			                "%s%s'%s' is ignored because the record has 'all' (RFC 7208 6.1)",
			                where, *where ? ": " : "", txt);
		for (size_t k = 0; k < i; k++) {
			const ea_spf_term *o = &r->terms[k];
			if (o->text.len == t->text.len && ea_str_ieq(o->text, txt)) {
				ea_section_addf(sec, "spf.term.duplicate", EA_SEV_WARNING,
				                "%s%s'%s' appears more than once%s", where, *where ? ": " : "", txt,
				                ea_spf_kind_counts(t->kind) ? " and costs a lookup each time" : "");
				break;
			}
		}
	}
}

/* The per-term breakdown, in the order a receiver evaluates (depth-first). */
typedef struct {
	unsigned total;              /* running worst-case count of DNS-querying terms */
	size_t lines;                /* nested lines written (bounded) */
	bool lines_cut;
	char over_term[600];         /* the term that took the total past 10, with its chain */
} walk_state;

/* One spf.term line: the chain of includes it sits in ("" at the top), what the term
 * means, its cost and the running total. */
static void term_line(audit *a, walk_state *w, const ea_spf_term *t, unsigned c, const char *chain,
                      const char *extra)
{
	char txt[600];
	snprintf(txt, sizeof(txt), "%.*s", (int)EA_MIN(t->text.len, 500), t->text.p);
	if (w->total > EA_SPF_MAX_DNS_TERMS && w->over_term[0] == '\0')
		snprintf(w->over_term, sizeof(w->over_term), "%.200s%s%.380s", txt, *chain ? "' in '" : "", chain);
	if (*chain && w->lines >= AUDIT_MAX_TERM_LINES) {
		w->lines_cut = true;
		return;
	}
	if (*chain)
		w->lines++;
	const char *q = qualifier_meaning(t->qualifier);
	ea_finding *f = ea_section_addf(a->sec, "spf.term", EA_SEV_INFO,
	                                "%s%.700s%s%s%s%s; costs %u lookup%s%s, running total %u",
	                                *chain ? "in " : "", chain, *chain ? ": " : "", *q ? q : "",
	                                *q ? " for " : "", kind_meaning(t->kind), c, c == 1 ? "" : "s",
	                                extra, w->total);
	if (f)
		ea_finding_set(&f->subject, "%s", txt);
}

/* Writes one line per term of node idx (for nested records, only the terms that cost a
 * lookup) and walks into include/redirect targets right after the term that reaches
 * them, so the running total is the order in which a receiver counts. */
static void walk_terms(audit *a, walk_state *w, int idx, int *stack, size_t depth, const char *chain)
{
	const node *n = &a->nodes[idx];
	if (n->rec == NULL || n->rec->status != SPF_REC_OK || depth >= AUDIT_MAX_DEPTH)
		return;
	stack[depth] = idx;
	for (size_t i = 0; i < n->rec->term_count; i++) {
		const ea_spf_term *t = &n->rec->terms[i];
		bool counts = ea_spf_kind_counts(t->kind) && !(t->kind == SPF_T_REDIRECT && n->rec->all >= 0);
		if (depth > 0 && !counts)
			continue;
		unsigned c = counts ? 1 : 0;
		w->total += c;
		char host[EA_NAME_MAX + 64];
		ea_audit_term_host(n, t, host, sizeof(host));
		bool loop = false;
		cost cc = {0};
		int child = counts ? ea_audit_term_child(a, n, t, stack, depth, &cc, &loop) : -1;
		char extra[160] = "";
		if (child > 0 && !loop) {
			if (cc.lookups)
				snprintf(extra, sizeof(extra), " (+ %u inside %.80s, listed below)", cc.lookups, host);
			else
				snprintf(extra, sizeof(extra), " (nothing inside %.80s costs one)", host);
		} else if (loop) {
			snprintf(extra, sizeof(extra), " (a loop back to %.80s)", host);
		}
		term_line(a, w, t, c, chain, extra);
		if (child > 0 && !loop) {
			char sub[1024];
			snprintf(sub, sizeof(sub), "%s%s%s:%s", chain, *chain ? " > " : "",
			         t->kind == SPF_T_INCLUDE ? "include" : "redirect", a->nodes[child].domain);
			walk_terms(a, w, child, stack, depth + 1, sub);
		}
	}
}

static void describe_terms(audit *a, int *stack, char *over_term, size_t over_size)
{
	walk_state w = {0};
	walk_terms(a, &w, 0, stack, 0, "");
	if (w.lines_cut)
		ea_section_addf(a->sec, "spf.term", EA_SEV_INFO,
		                "more nested terms than the %d listed; the totals still count them all",
		                AUDIT_MAX_TERM_LINES);
	ea_copy(over_term, over_size, w.over_term);
}

static void tree_problems(audit *a)
{
	for (size_t i = 1; i < a->count; i++) {
		node *n = &a->nodes[i];
		if (n->candidate)
			continue;
		const char *parent = a->nodes[n->parent].domain;
		if (n->failed) {
			ea_finding *f = ea_section_addf(a->sec, "spf.include.failed", EA_SEV_ERROR,
			                                "%s:%s (from %s) could not be fetched: %s; receivers get "
			                                "temperror for mail that reaches this term",
			                                n->how, n->domain, parent,
			                                ea_dns_reason_text(n->txt->reason));
			if (f)
				f->undetermined = true;
		} else if (n->absent) {
			ea_section_addf(a->sec, strcmp(n->how, "redirect") == 0 ? "spf.redirect.missing"
			                                                         : "spf.include.missing",
			                EA_SEV_ERROR, "%s:%s (from %s) has no SPF record%s: receivers return "
			                "permerror when they reach it (RFC 7208 5.2)", n->how, n->domain, parent,
			                n->txt->reason == EA_DNS_R_NXDOMAIN ? " (the name does not exist)" : "");
		} else if (n->multiple) {
			ea_section_addf(a->sec, "spf.include.multiple", EA_SEV_ERROR,
			                "%s:%s (from %s) publishes more than one SPF record: permerror",
			                n->how, n->domain, parent);
		} else if (n->rec && n->rec->status == SPF_REC_SYNTAX) {
			ea_section_addf(a->sec, "spf.include.syntax", EA_SEV_ERROR,
			                "%s:%s (from %s) has a syntax error at byte %zu: %s; receivers return "
			                "permerror", n->how, n->domain, parent, n->rec->error_pos + 1,
			                n->rec->error);
		} else if (n->rec) {
			record_problems(a, n, false);
		}
		const char *p = ea_audit_provider_of(n->domain);
		if (p && strcmp(n->how, "include") == 0)
			ea_section_addf(a->sec, "spf.sender.recognised", EA_SEV_INFO,
			                "include:%s authorises %s%s%s", n->domain, p,
			                n->parent ? ", through " : "", n->parent ? parent : "");
	}
}

void ea_audit_flatten_node(audit *a, const node *n, ea_buf *b, size_t *nets)
{
	for (size_t k = 0; n->rec && n->rec->status == SPF_REC_OK && k < n->rec->term_count &&
	                   *nets < AUDIT_MAX_NETWORKS; k++) {
		const ea_spf_term *t = &n->rec->terms[k];
		if (t->qualifier != '+')
			continue;
		if (t->kind == SPF_T_IP4 || t->kind == SPF_T_IP6) {
			ea_buf_printf(b, "%s%.*s", b->len ? " " : "", (int)t->text.len, t->text.p);
			(*nets)++;
		} else if ((t->kind == SPF_T_A || t->kind == SPF_T_MX) && !t->has_macro) {
			char host[EA_NAME_MAX + 64];
			ea_audit_term_host(n, t, host, sizeof(host));
			/* the host itself (a), or the MX hosts (names already in presentation form) */
			const char *hosts[AUDIT_MAX_HOSTS];
			bool presented = t->kind == SPF_T_MX;
			size_t nh = 0;
			if (t->kind == SPF_T_A) {
				hosts[nh++] = host;
			} else {
				const ea_dns_answer *mx = ea_audit_known(a, host, EA_RR_MX, false);
				size_t m = mx && mx->outcome == EA_DNS_FOUND ? ea_dns_answer_count(mx, EA_RR_MX) : 0;
				for (size_t j = 0; j < m && nh < AUDIT_MAX_HOSTS; j++) {
					const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, j);
					if (rr && rr->target && rr->target[0])
						hosts[nh++] = rr->target;
				}
			}
			for (size_t h = 0; h < nh; h++) {
				for (int fam = 0; fam < 2; fam++) {
					uint16_t ty = fam ? EA_RR_AAAA : EA_RR_A;
					const ea_dns_answer *r = ea_audit_known(a, hosts[h], ty, presented);
					size_t na = r && r->outcome == EA_DNS_FOUND ? ea_dns_answer_count(r, ty) : 0;
					for (size_t j = 0; j < na && *nets < AUDIT_MAX_NETWORKS; j++) {
						const ea_dns_rr *rr = ea_dns_answer_get(r, ty, j);
						int cidr = fam ? t->cidr6 : t->cidr4;
						ea_buf_printf(b, "%sip%d:%s", b->len ? " " : "", fam ? 6 : 4, rr->rdata_text);
						if (cidr >= 0)
							ea_buf_printf(b, "/%d", cidr);
						(*nets)++;
					}
				}
			}
		}
	}
}

/* The networks a pass can come from, when the whole tree is static. */
static void flatten(audit *a, const cost *c)
{
	if (c->macros || c->ptr || c->exists || c->loop || c->broken || a->truncated) {
		ea_section_addf(a->sec, "spf.flatten.not_possible", EA_SEV_INFO,
		                "no flattened list: the policy %s", c->macros ? "uses macros (it depends on "
		                "the sender or client)" : c->ptr ? "uses ptr" : c->exists ?
		                "uses exists" : "is broken or too large to follow");
		return;
	}
	ea_buf b;
	ea_buf_init(&b, 64 * 1024);
	size_t nets = 0;
	for (size_t i = 0; i < a->count && nets < AUDIT_MAX_NETWORKS; i++)
		if (!a->nodes[i].candidate)
			ea_audit_flatten_node(a, &a->nodes[i], &b, &nets);
	ea_finding *f = ea_section_addf(a->sec, "spf.flattened", EA_SEV_INFO,
	                                "the policy authorises %zu network%s (flattened)%s; flattening "
	                                "(publishing these instead of the includes) saves lookups but "
	                                "freezes the providers' addresses: they change them without "
	                                "notice, and a stale copy makes their mail fail SPF, so it must "
	                                "be regenerated automatically and often", nets, nets == 1 ? "" : "s",
	                                c->lookups ? "" : " and needs no lookups already");
	if (f && b.data)
		ea_finding_set(&f->found, "%s", b.data);
	ea_buf_free(&b);
}

static void void_findings(audit *a)
{
	for (size_t i = 0; i < a->count; i++) {
		const node *n = &a->nodes[i];
		if (n->candidate)
			continue;
		for (size_t k = 0; n->rec && n->rec->status == SPF_REC_OK && k < n->rec->term_count; k++) {
			const ea_spf_term *t = &n->rec->terms[k];
			if ((t->kind != SPF_T_A && t->kind != SPF_T_MX) || t->has_macro)
				continue;
			char host[EA_NAME_MAX + 64];
			ea_audit_term_host(n, t, host, sizeof(host));
			const ea_dns_answer *r = ea_audit_known(a, host, t->kind == SPF_T_A ? EA_RR_A : EA_RR_MX, false);
			if (r == NULL)
				continue;
			if (r->outcome == EA_DNS_UNKNOWN) {
				ea_finding *f = ea_section_addf(a->sec, "spf.lookup_failed", EA_SEV_ERROR,
				                                "%s in %s: the lookup of %s failed (%s): receivers "
				                                "get temperror", ea_spf_kind_name(t->kind), n->domain,
				                                host, ea_dns_reason_text(r->reason));
				if (f)
					f->undetermined = true;
			} else if (r->outcome == EA_DNS_ABSENT) {
				const ea_dns_answer *r6 = t->kind == SPF_T_A ? ea_audit_known(a, host, EA_RR_AAAA, false) : NULL;
				bool v6_too = t->kind == SPF_T_MX || (r6 && r6->outcome == EA_DNS_ABSENT);
				ea_section_addf(a->sec, "spf.void_lookup", EA_SEV_WARNING,
				                "'%.*s' in %s is a void lookup %s: %s has no %s; more than 2 void "
				                "lookups make a permerror (RFC 7208 4.6.4)", (int)EA_MIN(t->text.len, 300),
				                t->text.p, n->domain, v6_too ? "for every client" :
				                "for IPv4 clients (IPv6 clients ask AAAA, which it has)", host,
				                t->kind == SPF_T_MX ? "MX record" : v6_too ? "A or AAAA record" :
				                "A record");
			} else if (t->kind == SPF_T_A &&
			           (r = ea_audit_known(a, host, EA_RR_AAAA, false)) != NULL && r->outcome == EA_DNS_ABSENT) {
				ea_section_addf(a->sec, "spf.void_lookup.ipv6", EA_SEV_INFO,
				                "'%.*s' in %s is a void lookup for IPv6 clients only: %s has A but no "
				                "AAAA records (an IPv6 client's a term asks AAAA, RFC 7208 5.3)",
				                (int)EA_MIN(t->text.len, 300), t->text.p, n->domain, host);
			} else if (t->kind == SPF_T_MX && ea_dns_answer_count(r, EA_RR_MX) > EA_SPF_MAX_MX_NAMES) {
				ea_section_addf(a->sec, "spf.mx.too_many", EA_SEV_ERROR,
				                "mx in %s: %s has %zu MX hosts; an mx term may use at most %d, so "
				                "receivers return permerror (RFC 7208 4.6.4)", n->domain, host,
				                ea_dns_answer_count(r, EA_RR_MX), EA_SPF_MAX_MX_NAMES);
			}
		}
	}
}

#define SPF_MERGE_MAX_TERMS 64   /* terms kept in a merged record */
#define SPF_MERGE_MAX 2048       /* a merged record: longer is not a fix anyone should publish */

/* The fix for two or more v=spf1 records: one record with every mechanism of all of
 * them, each once, in order; redirect= becomes include: (its all then no longer
 * applies); "-all" only when every record ends so, else "~all" (no sender is cut
 * off by the merge). Old records deleted, the first replaced. */
static void merge_fix(ea_finding *f, const ea_dns_answer *txt, const char *domain)
{
	char merged[SPF_MERGE_MAX + 1] = "v=spf1";
	const char *terms[SPF_MERGE_MAX_TERMS];
	size_t term_len[SPF_MERGE_MAX_TERMS], nterms = 0, nrec = 0;
	bool all_fail = true;
	char first[SPF_MERGE_MAX + 1] = "";
	for (size_t k = 0; k < ea_dns_answer_count(txt, EA_RR_TXT); k++) {
		const ea_dns_rr *rr = ea_dns_answer_get(txt, EA_RR_TXT, k);
		if (rr->txt_len < 7 || strncasecmp((const char *)rr->txt, "v=spf1 ", 7) != 0)
			continue;
		char rec[SPF_MERGE_MAX + 1];
		snprintf(rec, sizeof(rec), "%.*s", (int)EA_MIN(rr->txt_len, sizeof(rec) - 1), (const char *)rr->txt);
		if (nrec++ == 0)
			ea_copy(first, sizeof(first), rec);
		else
			ea_finding_add_action(f, EA_FIX_DELETE, domain, "TXT", NULL, rec, 0, NULL);
		bool has_all = false;
		for (size_t i = 7; i < rr->txt_len;) {
			const char *t = (const char *)rr->txt + i;
			size_t n = 0;
			while (i + n < rr->txt_len && t[n] != ' ')
				n++;
			i += n + 1;
			if (n == 0)
				continue;
			const char *m = (*t == '+' || *t == '-' || *t == '~' || *t == '?') ? t + 1 : t;
			size_t ml = n - (size_t)(m - t);
			if (ml == 3 && strncasecmp(m, "all", 3) == 0) {
				has_all = true;
				all_fail &= *t == '-';
				continue;
			}
			if (ml > 4 && strncasecmp(m, "exp=", 4) == 0)
				continue;
			char conv[EA_NAME_MAX + 16];
			if (ml > 9 && strncasecmp(m, "redirect=", 9) == 0) {
				snprintf(conv, sizeof(conv), "include:%.*s", (int)(ml - 9), m + 9);
				t = conv;
				n = strlen(conv);
				all_fail = false;
			}
			bool dup = false;
			for (size_t j = 0; j < nterms && !dup; j++)
				dup = term_len[j] == n && strncasecmp(terms[j], t, n) == 0;
			if (dup || nterms >= SPF_MERGE_MAX_TERMS)
				continue;
			size_t used = strlen(merged);
			if (used + n + 8 >= sizeof(merged))
				break;
			snprintf(merged + used, sizeof(merged) - used, " %.*s", (int)n, t);
			terms[nterms] = merged + used + 1;
			term_len[nterms++] = n;
		}
		if (!has_all)
			all_fail = false;
	}
	if (nrec < 2)
		return;
	size_t used = strlen(merged);
	snprintf(merged + used, sizeof(merged) - used, " %s", all_fail ? "-all" : "~all");
	char note[128];
	snprintf(note, sizeof(note), "one record instead of %zu: every mechanism of each, once", nrec);
	ea_finding_add_action(f, EA_FIX_REPLACE, domain, "TXT", merged, first, 3600, note);
}

static void root_findings(audit *a, const char *domain)
{
	node *root = &a->nodes[0];
	ea_section *sec = a->sec;
	if (root->failed) {
		ea_finding *f = ea_section_addf(sec, "spf.lookup_failed", EA_SEV_ERROR,
		                                "could not determine: the TXT lookup of %s failed (%s); this "
		                                "is not a verdict that there is no SPF record", domain,
		                                ea_dns_reason_text(root->txt->reason));
		if (f) {
			f->undetermined = true;
			f->primary = true;
		}
		ea_section_set_summary(sec, "SPF: could not determine (lookup failed)");
		return;
	}
	size_t cnt = root->txt->outcome == EA_DNS_FOUND ? ea_dns_answer_count(root->txt, EA_RR_TXT) : 0;
	for (size_t k = 0; k < cnt; k++) {
		const ea_dns_rr *rr = ea_dns_answer_get(root->txt, EA_RR_TXT, k);
		if (rr && ea_spf_is_lookalike((const char *)rr->txt, rr->txt_len))
			ea_section_addf(sec, "spf.record.lookalike", root->absent ? EA_SEV_ERROR : EA_SEV_WARNING,
			                "a TXT record looks like SPF but is not \"v=spf1\" followed by a space: "
			                "receivers ignore it: \"%.*s\"", (int)EA_MIN(rr->txt_len, 200),
			                (const char *)rr->txt);
	}
	const ea_dns_answer *t99 = ea_audit_known(a, domain, EA_RR_SPF, false);
	if (t99 && t99->outcome == EA_DNS_FOUND && ea_dns_answer_count(t99, EA_RR_SPF) > 0)
		ea_section_addf(sec, "spf.record.type99", EA_SEV_WARNING,
		                "%s still has a type SPF (99) record: RFC 7208 3.1 retired that type; "
		                "receivers read only TXT, so remove it (and keep the two from drifting)",
		                domain);
	if (root->absent) {
		ea_finding *f = ea_section_addf(sec, "spf.record.missing", EA_SEV_WARNING,
		                                "%s publishes no SPF record: receivers get 'none' and cannot "
		                                "tell its mail from forgeries", domain);
		if (f) {
			f->primary = true;
			ea_finding_add_action(f, EA_FIX_ADD, domain, "TXT", "v=spf1 -all", NULL, 3600,
			                      "if it sends no mail; else list its senders, e.g. "
			                      "include:amazonses.com");
		}
		ea_section_set_summary(sec, "SPF: no record");
		return;
	}
	if (root->multiple) {
		ea_finding *f = ea_section_addf(sec, "spf.record.multiple", EA_SEV_ERROR,
		                                "%s publishes more than one v=spf1 record: receivers return "
		                                "permerror (RFC 7208 4.5); merge them into one", domain);
		if (f) {
			f->primary = true;
			merge_fix(f, root->txt, domain);
		}
	}
	ea_finding *pub = ea_section_addf(sec, "spf.record.published", EA_SEV_INFO, "%.*s",
	                                  (int)EA_MIN(root->text.len, 4000), root->text.p);
	if (pub)
		ea_finding_set(&pub->name, "%s", domain);
	if (root->rec == NULL)
		return;
	if (root->rec->status == SPF_REC_SYNTAX) {
		ea_finding *f = ea_section_addf(sec, "spf.record.syntax", EA_SEV_ERROR,
		                                "syntax error at byte %zu of the record: %s; receivers return "
		                                "permerror", root->rec->error_pos + 1, root->rec->error);
		if (f) {
			f->primary = true;
			size_t from = root->rec->error_pos > 40 ? root->rec->error_pos - 40 : 0;
			size_t to = EA_MIN(root->text.len, root->rec->error_pos + 40);
			ea_finding_set(&f->found, "%.*s\n%*s^", (int)(to - from), root->text.p + from,
			               (int)(root->rec->error_pos - from), "");
			f->rfc = "RFC 7208 4.6";
		}
		ea_section_set_summary(sec, "SPF: syntax error (permerror)");
		return;
	}
	int stack[AUDIT_MAX_DEPTH + 1];
	char over_term[600] = "";
	describe_terms(a, stack, over_term, sizeof(over_term));
	record_problems(a, root, true);
	const ea_spf_record *r = root->rec;
	if (r->all >= 0) {
		char q = r->terms[r->all].qualifier;
		if (q == '+')
			ea_section_addf(sec, "spf.all.pass", EA_SEV_WARNING,
			                "'+all' authorises every address on the Internet to send as %s: SPF "
			                "protects nothing; end with -all or ~all", domain);
		else if (q == '?')
			ea_section_addf(sec, "spf.all.neutral", EA_SEV_WARNING,
			                "'?all' makes every other address neutral: SPF protects little; end with "
			                "-all or ~all");
	} else if (r->redirect < 0) {
		ea_section_addf(sec, "spf.all.missing", EA_SEV_WARNING,
		                "the record has no 'all' and no redirect=: every other address gets "
		                "neutral; end with -all or ~all");
	}
	tree_problems(a);
	cost c = {0};
	ea_audit_node_cost(a, 0, stack, 0, &c);
	void_findings(a);
	if (c.loop)
		ea_section_addf(sec, "spf.include.loop", EA_SEV_ERROR,
		                "the includes/redirects form a loop: receivers hit the lookup limit and "
		                "return permerror");
	if (a->truncated)
		ea_section_addf(sec, "spf.tree.truncated", EA_SEV_WARNING,
		                "the policy tree is larger than %d records or deeper than %d: not all of it "
		                "was followed", AUDIT_MAX_NODES, AUDIT_MAX_DEPTH);
	if (c.macros)
		ea_section_addf(sec, "spf.macros", EA_SEV_INFO,
		                "the policy uses macros: those terms are counted as one lookup each; what "
		                "they reach depends on the sender and client");
	ea_finding *f;
	if (c.lookups > EA_SPF_MAX_DNS_TERMS)
		f = ea_section_addf(sec, "spf.lookups.over_limit", EA_SEV_ERROR,
		                    "%u DNS-querying terms in the worst case, over the limit of %d: receivers "
		                    "return permerror once they reach the 11th%s%s%s", c.lookups,
		                    EA_SPF_MAX_DNS_TERMS, over_term[0] ? "; '" : "", over_term,
		                    over_term[0] ? "' pushes it over 10" : "");
	else
		f = ea_section_addf(sec, "spf.lookups.ok", c.lookups > 8 ? EA_SEV_WARNING : EA_SEV_OK,
		                    "%u of %d DNS-querying terms in the worst case%s", c.lookups,
		                    EA_SPF_MAX_DNS_TERMS, c.lookups > 8 ? ": close to the limit" : "");
	if (f)
		f->rfc = "RFC 7208 4.6.4";
	ea_audit_tree(a, c.lookups);
	if (f && c.lookups > EA_SPF_MAX_DNS_TERMS)
		ea_audit_plan(a, &c, (size_t)(f - sec->findings));
	if (c.voids > EA_SPF_MAX_VOID || c.voids6 > EA_SPF_MAX_VOID)
		ea_section_addf(sec, "spf.void.over_limit", EA_SEV_ERROR,
		                "%u void lookups in the worst case for %s, over the limit of %d: permerror",
		                c.voids > EA_SPF_MAX_VOID ? c.voids : c.voids6,
		                c.voids > EA_SPF_MAX_VOID ? "IPv4 clients" : "IPv6 clients (IPv4: within)",
		                EA_SPF_MAX_VOID);
	if (c.voids != c.voids6)
		ea_section_addf(sec, "spf.void.family", EA_SEV_INFO,
		                "void lookups counted for IPv4 clients: %u (an a term asks A); an IPv6 client "
		                "asks AAAA instead and reaches %u; mx counts its MX lookup for both",
		                c.voids, c.voids6);
	flatten(a, &c);
	size_t records = 0;
	for (size_t i = 0; i < a->count; i++)
		records += !a->nodes[i].candidate;
	if (c.voids == c.voids6)
		ea_section_set_summary(sec, "SPF: %u/%d lookups, %u void, %zu record%s in the tree", c.lookups,
		                       EA_SPF_MAX_DNS_TERMS, c.voids, records, records == 1 ? "" : "s");
	else
		ea_section_set_summary(sec, "SPF: %u/%d lookups, %u void (IPv4 clients; IPv6: %u), %zu "
		                       "record%s in the tree", c.lookups, EA_SPF_MAX_DNS_TERMS, c.voids,
		                       c.voids6, records, records == 1 ? "" : "s");
}

static bool over_limit(audit *a)
{
	int stack[AUDIT_MAX_DEPTH + 1];
	cost c = {0};
	ea_audit_node_cost(a, 0, stack, 0, &c);
	return c.lookups > EA_SPF_MAX_DNS_TERMS;
}

int ea_check_spf_audit(ea_job *job, void *arg)
{
	const ea_spf_audit_request *req = arg;
	audit *a = malloc(sizeof(*a));
	if (a == NULL)
		return EA_ENOMEM;
	memset(a, 0, offsetof(audit, nodes));
	a->job = job;
	a->sec = ea_report_section(ea_job_report(job), CHECK);
	int rc = EA_OK;
	if (a->sec == NULL) {
		rc = EA_ENOMEM;
		goto out;
	}
	ask(a, req->domain, EA_RR_SPF, "SPF audit: leftover type 99 record");
	fetch_tree(a, req->domain);
	if (!a->pending && over_limit(a))
		fetch_candidates(a);
	if (a->pending) {
		rc = EA_EPENDING;
		goto out;
	}
	root_findings(a, req->domain);
out:
	for (size_t i = 0; i < a->count; i++)
		free(a->nodes[i].rec);
	free(a);
	return rc;
}
