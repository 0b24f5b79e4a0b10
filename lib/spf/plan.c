/*
 * Over the 10-lookup limit (RFC 7208 4.6.4): a plan that gets under it. Each
 * DNS-querying term of the record gets what it costs (its own lookup and everything
 * inside) and the remedy that applies, on evidence only: a duplicate, an include the
 * record already reaches through another, ptr, or an include its provider documents as
 * unneeded or replaceable (data/spf_remedies.json) can go; a provider that can use a
 * return-path subdomain can move there; any static include can be flattened, at a
 * price said plainly; anything else is "if you no longer send through it". The
 * resulting record is counted from the DNS answers in hand, never estimated: when the
 * evidence-backed changes suffice it is the fix (a replace action), otherwise advice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "spf/audit.h"
#include "spf/remedies.h"
#include "util/buf.h"
#include "util/util.h"

#define PLAN_TARGET 9               /* under 10: one lookup spare for a provider's next include */
#define PLAN_MAX_TERMS 64           /* top-level terms planned */
#define PLAN_MAX_RECORD 2048        /* a longer proposed record is not proposed */
#define PLAN_MAX_FLAT_NETS 64       /* networks one flattened term may add */
#define PLAN_TERM_MAX 300           /* bytes of a term kept */
#define PLAN_TEXT_MAX (32 * 1024)   /* the advice text */
#define TXT_STRING_MAX 255          /* RFC 1035 3.3: one character-string */
#define UDP_SAFE_RECORD 450         /* RFC 7208 3.4: keeps the answer within 512 bytes */

typedef enum {
	P_KEEP, P_DROP, P_REPLACE, P_RETURN_PATH, P_IF_SHARED, P_IF_UNUSED,
} plan_kind;

typedef struct {
	char text[PLAN_TERM_MAX + 1];      /* the term as written */
	char host[EA_NAME_MAX + 64];       /* include/redirect target, a/mx host */
	ea_spf_kind kind;
	int child;                         /* include/redirect target node, or -1 */
	unsigned cost;                     /* 1 + what is inside; 0: the term costs nothing */
	plan_kind remedy;
	bool mechanical;                   /* applied in the evidence-backed record */
	const char *why;                   /* the remedy's reason (static text or data) */
	const char *sender;                /* who the include is for, or NULL */
	char replacement[EA_NAME_MAX + 16];
	unsigned replacement_cost;
	char *flat;                        /* its networks ("ip4:... ip6:..."), or NULL */
	size_t flat_nets;
	bool moved, flattened;             /* in the advised record */
	int inside_of;                     /* dropped as reached inside term inside_of; else -1 */
} plan_term;

typedef struct {
	audit *a;
	plan_term terms[PLAN_MAX_TERMS];
	size_t count;
	bool root_positive;                /* every mechanism before 'all' is '+' */
} plan;

static const char *kind_code(plan_kind k)
{
	switch (k) {
	case P_DROP: return "spf.plan.drop";
	case P_REPLACE: return "spf.plan.replace";
	case P_RETURN_PATH: return "spf.plan.return_path";
	case P_IF_SHARED: return "spf.plan.if_shared";
	case P_IF_UNUSED: return "spf.plan.if_unused";
	default: return "spf.plan.keep";
	}
}

/* True when every record reachable from idx only passes: '+' mechanisms before its
 * 'all' (which is not '+all'), no ptr, exists or macros, every include present. Its
 * pass set is then the union of its networks: it may be flattened, and an include it
 * reaches adds nothing beside it. */
static bool positive_static(audit *a, int idx, int *stack, size_t depth)
{
	const node *n = &a->nodes[idx];
	if (n->rec == NULL || n->rec->status != SPF_REC_OK || depth >= AUDIT_MAX_DEPTH)
		return false;
	stack[depth] = idx;
	for (size_t i = 0; i < n->rec->term_count; i++) {
		const ea_spf_term *t = &n->rec->terms[i];
		if (t->kind == SPF_T_ALL) {
			if (t->qualifier == '+')
				return false;
			break;   /* what follows is never used */
		}
		if (t->kind == SPF_T_EXP || t->kind == SPF_T_UNKNOWN_MOD)
			continue;
		if ((t->qualifier != '+' && t->kind != SPF_T_REDIRECT) || t->has_macro ||
		    t->kind == SPF_T_PTR || t->kind == SPF_T_EXISTS)
			return false;
		if (t->kind == SPF_T_INCLUDE || t->kind == SPF_T_REDIRECT) {
			char host[EA_NAME_MAX + 64];
			ea_audit_term_host(n, t, host, sizeof(host));
			int child = ea_audit_find_node(a, host);
			if (child < 0 || ea_audit_on_stack(stack, depth + 1, child) ||
			    !positive_static(a, child, stack, depth + 1))
				return false;
		}
	}
	return true;
}

/* Does the tree below idx reach node target (through include or redirect)? */
static bool reaches(audit *a, int idx, int target, unsigned depth)
{
	const node *n = &a->nodes[idx];
	if (n->rec == NULL || n->rec->status != SPF_REC_OK || depth >= AUDIT_MAX_DEPTH)
		return false;
	for (size_t i = 0; i < n->rec->term_count; i++) {
		const ea_spf_term *t = &n->rec->terms[i];
		if ((t->kind != SPF_T_INCLUDE && t->kind != SPF_T_REDIRECT) || t->has_macro)
			continue;
		char host[EA_NAME_MAX + 64];
		ea_audit_term_host(n, t, host, sizeof(host));
		int child = ea_audit_find_node(a, host);
		if (child == target || (child >= 0 && reaches(a, child, target, depth + 1)))
			return true;
	}
	return false;
}

static unsigned subtree_cost(audit *a, int idx, bool *complete)
{
	int stack[AUDIT_MAX_DEPTH + 1] = {-1};
	cost c = {0};
	ea_audit_node_cost(a, idx, stack, 1, &c);
	if (c.broken || c.loop)
		*complete = false;
	return c.lookups;
}

/* The worst-case count of a record's text, from the DNS answers in hand; *complete
 * false when part of it is not known (an include never fetched). */
static unsigned count_record(audit *a, const char *text, bool *complete)
{
	*complete = true;
	ea_spf_record *rec = malloc(sizeof(*rec));
	if (rec == NULL) {
		*complete = false;
		return 0;
	}
	ea_spf_parse(text, strlen(text), rec);
	unsigned total = 0;
	node top = {.rec = rec};
	ea_copy(top.domain, sizeof(top.domain), a->nodes[0].domain);
	if (rec->status != SPF_REC_OK)
		*complete = false;
	for (size_t i = 0; rec->status == SPF_REC_OK && i < rec->term_count; i++) {
		const ea_spf_term *t = &rec->terms[i];
		if (!ea_audit_term_counts(&top, t))
			continue;
		total++;
		if ((t->kind != SPF_T_INCLUDE && t->kind != SPF_T_REDIRECT) || t->has_macro)
			continue;
		char host[EA_NAME_MAX + 64];
		ea_audit_term_host(&top, t, host, sizeof(host));
		int child = ea_audit_find_node(a, host);
		if (child < 0 || child == 0)
			*complete = false;
		else
			total += subtree_cost(a, child, complete);
	}
	free(rec);
	return total;
}

/* The networks a term authorises, when it is static and small enough to list. */
static void flat_of(plan *p, plan_term *pt, const ea_spf_term *t)
{
	audit *a = p->a;
	ea_buf b;
	ea_buf_init(&b, PLAN_MAX_RECORD);
	size_t nets = 0;
	if ((pt->kind == SPF_T_A || pt->kind == SPF_T_MX) && t->qualifier == '+' && !t->has_macro) {
		node one = {.rec = NULL};
		ea_copy(one.domain, sizeof(one.domain), a->nodes[0].domain);
		/* a node of this one term, so the audit's own code resolves it */
		ea_spf_record *rec = malloc(sizeof(*rec));
		if (rec) {
			ea_spf_parse(a->nodes[0].text.p, a->nodes[0].text.len, rec);
			one.rec = rec;
			for (size_t i = 0; i < rec->term_count; i++)
				if (rec->terms[i].pos != t->pos)
					rec->terms[i].qualifier = '-';   /* only this term is listed */
			ea_audit_flatten_node(a, &one, &b, &nets);
			free(rec);
		}
	} else if (pt->child > 0 && t->qualifier == '+') {
		int stack[AUDIT_MAX_DEPTH + 1] = {-1};
		if (!positive_static(a, pt->child, stack, 1)) {
			ea_buf_free(&b);
			return;
		}
		bool seen[AUDIT_MAX_NODES] = {false};
		/* every record reachable from the include, each once */
		int queue[AUDIT_MAX_NODES];
		size_t qn = 0;
		queue[qn++] = pt->child;
		seen[pt->child] = true;
		for (size_t q = 0; q < qn; q++) {
			const node *n = &a->nodes[queue[q]];
			ea_audit_flatten_node(a, n, &b, &nets);
			for (size_t i = 0; n->rec && i < n->rec->term_count; i++) {
				const ea_spf_term *u = &n->rec->terms[i];
				if (u->kind != SPF_T_INCLUDE && u->kind != SPF_T_REDIRECT)
					continue;
				char host[EA_NAME_MAX + 64];
				ea_audit_term_host(n, u, host, sizeof(host));
				int c = ea_audit_find_node(a, host);
				if (c >= 0 && !seen[c] && qn < AUDIT_MAX_NODES) {
					seen[c] = true;
					queue[qn++] = c;
				}
			}
		}
	}
	if (nets > 0 && nets <= PLAN_MAX_FLAT_NETS && !b.error && b.data) {
		pt->flat = ea_buf_take(&b);
		pt->flat_nets = nets;
	}
	ea_buf_free(&b);
}

/* An a or mx term whose lookups found nothing (NXDOMAIN or NODATA, not a failure) for
 * every client: A and AAAA for a, MX for mx. */
static bool void_now(audit *a, const plan_term *pt)
{
	const ea_dns_answer *r = ea_audit_known(a, pt->host, pt->kind == SPF_T_A ? EA_RR_A : EA_RR_MX, false);
	if (r == NULL || r->outcome != EA_DNS_ABSENT)
		return false;
	if (pt->kind == SPF_T_MX)
		return true;
	r = ea_audit_known(a, pt->host, EA_RR_AAAA, false);
	return r != NULL && r->outcome == EA_DNS_ABSENT;
}

/* The remedy of one top-level term, on evidence; i indexes p->terms. */
static void choose(plan *p, size_t i, const ea_spf_term *t)
{
	audit *a = p->a;
	plan_term *pt = &p->terms[i];
	for (size_t k = 0; k < i; k++) {
		if (p->terms[k].cost && strcasecmp(p->terms[k].text, pt->text) == 0) {
			pt->remedy = P_DROP;
			pt->mechanical = true;
			pt->why = "it appears earlier in the record, and a second copy matches nothing the "
			          "first did not";
			return;
		}
	}
	if (pt->kind == SPF_T_PTR) {
		pt->remedy = P_DROP;
		pt->mechanical = true;
		pt->why = "ptr is deprecated (RFC 7208 5.5): slow, and some receivers skip it; a server "
		          "that passes only by its reverse name needs its address listed with ip4:/ip6:";
		return;
	}
	if ((pt->kind == SPF_T_A || pt->kind == SPF_T_MX) && !t->has_macro && void_now(a, pt)) {
		pt->remedy = P_DROP;
		pt->mechanical = true;
		pt->why = pt->kind == SPF_T_A ? "its host has no A or AAAA record: it authorises no address "
		                                "now, and each evaluation counts it as a void lookup"
		                              : "the domain has no MX record: it authorises no address now, "
		                                "and each evaluation counts it as a void lookup";
		return;
	}
	if (pt->kind != SPF_T_INCLUDE || pt->child <= 0 || t->has_macro) {
		pt->remedy = P_KEEP;
		return;
	}
	const ea_spf_remedy *r = ea_spf_remedy_for(pt->host);
	pt->sender = r ? r->sender : ea_audit_provider_of(pt->host);
	pt->remedy = P_IF_UNUSED;
	if (r == NULL)
		return;
	pt->why = r->why;
	switch (r->kind) {
	case EA_REMEDY_DROP:
		pt->remedy = P_DROP;
		pt->mechanical = true;
		break;
	case EA_REMEDY_RETURN_PATH:
		pt->remedy = P_RETURN_PATH;
		break;
	case EA_REMEDY_IF_SHARED:
		pt->remedy = P_IF_SHARED;
		break;
	case EA_REMEDY_REPLACE: {
		int to = ea_audit_find_node(a, r->to);
		bool complete = !a->candidates_cut && to > 0 && a->nodes[to].rec != NULL;
		unsigned c = complete ? 1 + subtree_cost(a, to, &complete) : 0;
		if (complete && c < pt->cost) {
			pt->remedy = P_REPLACE;
			pt->mechanical = true;
			pt->replacement_cost = c;
			char q[2] = {t->qualifier_given ? t->qualifier : '\0', '\0'};
			snprintf(pt->replacement, sizeof(pt->replacement), "%sinclude:%s", q, r->to);
		}
		break;
	}
	default:
		break;
	}
}

/* The node an include stands for once the plan's evidence-backed change is made: its
 * documented replacement's, or its own; -1 when it is dropped. */
static int effective_node(const plan *p, const plan_term *o)
{
	if (o->remedy == P_DROP)
		return -1;
	if (o->remedy == P_REPLACE)
		return ea_audit_find_node(p->a, o->replacement + strcspn(o->replacement, ":") + 1);
	return o->child;
}

/* Second pass, once every other remedy is known: an include reached again inside another
 * top-level include that stays (or inside its replacement) and only passes adds nothing. */
static void choose_inside(plan *p, size_t i, const ea_spf_term *t)
{
	plan_term *pt = &p->terms[i];
	if (!p->root_positive || t->qualifier != '+' || pt->kind != SPF_T_INCLUDE || pt->child <= 0 ||
	    pt->remedy == P_DROP || pt->remedy == P_REPLACE)
		return;
	for (size_t k = 0; k < p->count; k++) {
		plan_term *o = &p->terms[k];
		int in = k == i || o->kind != SPF_T_INCLUDE || o->inside_of >= 0 ? -1 : effective_node(p, o);
		int stack[AUDIT_MAX_DEPTH + 1] = {-1};
		if (in <= 0 || !(in == pt->child || reaches(p->a, in, pt->child, 1)) ||
		    !positive_static(p->a, in, stack, 1))
			continue;
		pt->remedy = P_DROP;
		pt->mechanical = true;
		pt->inside_of = (int)k;
		snprintf(pt->replacement, sizeof(pt->replacement), "%s",
		         o->remedy == P_REPLACE ? o->replacement : o->text);
		pt->why = "the record already reaches it inside another include (named here), which "
		          "passes every address it does";
		return;
	}
}

/* The record with the remedies applied: mechanical ones always, moves and flattening
 * when advised. */
static void build(const plan *p, const ea_spf_record *root, ea_buf *b, bool advised)
{
	ea_buf_reset(b);
	ea_buf_puts(b, "v=spf1");
	for (size_t i = 0; i < root->term_count; i++) {
		const ea_spf_term *t = &root->terms[i];
		const plan_term *pt = i < p->count ? &p->terms[i] : NULL;   /* the same index */
		if (pt && pt->mechanical && pt->remedy == P_DROP)
			continue;
		if (pt && advised && pt->moved)
			continue;
		if (pt && advised && pt->flattened) {
			ea_buf_printf(b, " %s", pt->flat);
			continue;
		}
		if (pt && pt->mechanical && pt->remedy == P_REPLACE) {
			ea_buf_printf(b, " %s", pt->replacement);
			continue;
		}
		ea_buf_printf(b, " %.*s", (int)t->text.len, t->text.p);
	}
}

static const char *term_sender(const plan_term *pt)
{
	return pt->sender ? pt->sender : pt->host;
}

/* One note per DNS-querying term: what it costs, what can be done. */
static void term_findings(const plan *p)
{
	for (size_t i = 0; i < p->count; i++) {
		const plan_term *pt = &p->terms[i];
		if (pt->cost == 0)
			continue;
		char costs[96];
		snprintf(costs, sizeof(costs), "costs %u lookup%s%s", pt->cost, pt->cost == 1 ? "" : "s",
		         pt->cost > 1 ? " (1 + what is inside)" : "");
		char flat[160] = "";
		if (pt->flat && pt->remedy != P_DROP && pt->remedy != P_REPLACE)
			snprintf(flat, sizeof(flat), "; or flatten it into its %zu network%s (see the plan's "
			         "warning about flattening)", pt->flat_nets, pt->flat_nets == 1 ? "" : "s");
		ea_finding *f = NULL;
		ea_section *sec = p->a->sec;
		switch (pt->remedy) {
		case P_DROP:
			f = ea_section_addf(sec, kind_code(pt->remedy), EA_SEV_INFO, "%s; can be dropped: %s%s%s",
			                    costs, pt->why, pt->replacement[0] ? ": " : "", pt->replacement);
			break;
		case P_REPLACE:
			f = ea_section_addf(sec, kind_code(pt->remedy), EA_SEV_INFO, "%s; replace it by %s, which "
			                    "costs %u (counted in DNS now): %s", costs, pt->replacement,
			                    pt->replacement_cost, pt->why);
			break;
		case P_RETURN_PATH:
			f = ea_section_addf(sec, kind_code(pt->remedy), EA_SEV_INFO, "%s; not needed here once "
			                    "%s sends with a return-path subdomain of yours: %s%s", costs,
			                    term_sender(pt), pt->why, flat);
			break;
		case P_IF_SHARED:
			f = ea_section_addf(sec, kind_code(pt->remedy), EA_SEV_INFO, "%s; %s: if you send through "
			                    "%s without a dedicated IP, remove it%s", costs, pt->why,
			                    term_sender(pt), flat);
			break;
		case P_IF_UNUSED:
			f = ea_section_addf(sec, kind_code(pt->remedy), EA_SEV_INFO, "%s; if you no longer send "
			                    "through %s, remove it%s", costs, term_sender(pt), flat);
			break;
		default:
			f = ea_section_addf(sec, kind_code(pt->remedy), EA_SEV_INFO, "%s%s%s", costs,
			                    pt->flat ? "; it can be listed as its networks: " : "",
			                    pt->flat ? pt->flat : "");
			break;
		}
		if (f)
			ea_finding_set(&f->subject, "%s", pt->text);
	}
}

/* Flattening, said plainly, with the limits this record would cross. */
static void flatten_warning(ea_buf *b, size_t len)
{
	ea_buf_printf(b, "; Flattening copies a provider's addresses into your record: the provider "
	              "changes them without telling you, the copy goes stale, and its mail fails SPF "
	              "until someone notices. Regenerate it automatically (daily), or avoid it. This "
	              "record is %zu bytes", len);
	if (len > UDP_SAFE_RECORD)
		ea_buf_printf(b, ": over %d, so the answer may not fit a 512-byte UDP reply (RFC 7208 3.4) "
		              "and receivers must retry over TCP", UDP_SAFE_RECORD);
	if (len > TXT_STRING_MAX)
		ea_buf_printf(b, "%s over %d, so it is published as several strings of one TXT record "
		              "(some DNS forms do not split it for you)", len > UDP_SAFE_RECORD ? "; and" : ":",
		              TXT_STRING_MAX);
	ea_buf_puts(b, ".\n");
}

static void advice(plan *p, const ea_spf_record *root, size_t over_at, unsigned total)
{
	audit *a = p->a;
	ea_buf rec, text;
	ea_buf_init(&rec, PLAN_MAX_RECORD + 1024);
	ea_buf_init(&text, PLAN_TEXT_MAX);
	for (size_t i = 0; i < p->count; i++) {
		bool holds = false;   /* an include dropped as inside it would go with it */
		for (size_t k = 0; k < p->count; k++)
			holds |= p->terms[k].inside_of == (int)i;
		if (p->terms[i].remedy == P_RETURN_PATH && !holds)
			p->terms[i].moved = true;
	}
	build(p, root, &rec, true);
	bool complete;
	unsigned n = count_record(a, rec.data, &complete);
	bool flattened = false;
	/* Your own hosts first (you know when they change), then the costliest includes. */
	for (int round = 0; round < 2 && complete && n > PLAN_TARGET; round++) {
		for (;;) {
			plan_term *best = NULL;
			for (size_t i = 0; i < p->count; i++) {
				plan_term *pt = &p->terms[i];
				bool own = pt->kind == SPF_T_A || pt->kind == SPF_T_MX;
				if (pt->flat && !pt->flattened && !pt->moved && !pt->mechanical &&
				    own == (round == 0) && (best == NULL || pt->cost > best->cost))
					best = pt;
			}
			if (best == NULL || n <= PLAN_TARGET)
				break;
			best->flattened = flattened = true;
			build(p, root, &rec, true);
			n = count_record(a, rec.data, &complete);
		}
	}
	bool moved = false;
	for (size_t i = 0; i < p->count; i++)
		moved |= p->terms[i].moved;
	bool reached = complete && !rec.error && n <= PLAN_TARGET && rec.len <= PLAN_MAX_RECORD;
	/* Why it is advice: what a person must do or decide first. */
	const char *why = moved && flattened ? "senders must first use a return path of yours, and "
	                                       "flattening is a choice with a cost"
	                  : moved ? "senders must first use a return path of yours"
	                          : "flattening is a choice with a cost";
	if (reached)
		ea_buf_printf(&text, "; A plan to get under %d lookups (advice, not a record to paste as "
		              "is: %s):\n", EA_SPF_MAX_DNS_TERMS, why);
	else
		ea_buf_printf(&text, "; Steps that lower the count, though not under %d:\n",
		              EA_SPF_MAX_DNS_TERMS);
	for (size_t i = 0; i < p->count; i++) {
		const plan_term *pt = &p->terms[i];
		if (pt->mechanical && pt->remedy == P_DROP)
			ea_buf_printf(&text, "; - drop %s (%u): %s\n", pt->text, pt->cost, pt->why);
		else if (pt->mechanical && pt->remedy == P_REPLACE)
			ea_buf_printf(&text, "; - replace %s (%u) by %s (%u): %s\n", pt->text, pt->cost,
			              pt->replacement, pt->replacement_cost, pt->why);
		else if (pt->moved)
			ea_buf_printf(&text, "; - move %s (%u) to %s's return path: %s\n", pt->text, pt->cost,
			              term_sender(pt), pt->why);
		else if (pt->flattened)
			ea_buf_printf(&text, "; - flatten %s (%u) into its %zu network%s\n", pt->text, pt->cost,
			              pt->flat_nets, pt->flat_nets == 1 ? "" : "s");
	}
	if (flattened)
		flatten_warning(&text, rec.len);
	if (reached) {
		char *rdata = ea_fix_rdata("TXT", rec.data);
		ea_buf_printf(&text, "; The record then costs %u lookup%s (counted from the DNS answers "
		              "of this check):\n; %s. IN TXT %s\n", n, n == 1 ? "" : "s", a->nodes[0].domain,
		              rdata ? rdata : "");
		free(rdata);
		ea_finding *f = ea_section_addf(a->sec, "spf.plan.record", EA_SEV_INFO,
		                                "a record under the limit after the plan's changes: %u "
		                                "lookups instead of %u (advice: %s)", n, total, why);
		if (f)
			ea_finding_set(&f->expected, "%s", rec.data);
	} else {
		ea_buf_printf(&text, "; What the tool knows gives no record under %d%s: remove the senders "
		              "you no longer use, or move senders to subdomains of their own.\n",
		              EA_SPF_MAX_DNS_TERMS, complete ? "" : " it can count");
		ea_section_addf(a->sec, "spf.plan.none", EA_SEV_INFO,
		                "no record under %d from what the tool knows (the best: %u lookups)%s",
		                EA_SPF_MAX_DNS_TERMS, n, complete ? "" : "; part of the tree is unknown");
	}
	for (size_t i = 0; i < p->count; i++) {
		const plan_term *pt = &p->terms[i];
		if (pt->remedy == P_IF_UNUSED || pt->remedy == P_IF_SHARED)
			ea_buf_printf(&text, "; If you no longer send through %s%s, remove %s too (%u).\n",
			              term_sender(pt), pt->remedy == P_IF_SHARED ? " with a dedicated IP" : "",
			              pt->text, pt->cost);
	}
	/* by index: adding findings moves the section's array */
	if (!text.error && text.data && over_at < a->sec->finding_count)
		ea_finding_set(&a->sec->findings[over_at].fix, "%s", text.data);
	ea_buf_free(&rec);
	ea_buf_free(&text);
}

void ea_audit_plan(audit *a, const cost *total, size_t over_at)
{
	const ea_spf_record *root = a->nodes[0].rec;
	if (root == NULL || root->status != SPF_REC_OK)
		return;
	plan *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return;
	p->a = a;
	p->root_positive = true;
	p->count = EA_MIN(root->term_count, (size_t)PLAN_MAX_TERMS);
	for (size_t i = 0; i < p->count; i++) {
		const ea_spf_term *t = &root->terms[i];
		if (t->kind == SPF_T_ALL)
			break;
		if (t->qualifier != '+' && ea_spf_kind_counts(t->kind) && t->kind != SPF_T_REDIRECT)
			p->root_positive = false;
	}
	for (size_t i = 0; i < p->count; i++) {
		const ea_spf_term *t = &root->terms[i];
		plan_term *pt = &p->terms[i];
		snprintf(pt->text, sizeof(pt->text), "%.*s", (int)EA_MIN(t->text.len, PLAN_TERM_MAX), t->text.p);
		pt->kind = t->kind;
		pt->child = -1;
		pt->inside_of = -1;
		if (!ea_audit_term_counts(&a->nodes[0], t))
			continue;
		ea_audit_term_host(&a->nodes[0], t, pt->host, sizeof(pt->host));
		pt->cost = 1;
		if ((t->kind == SPF_T_INCLUDE || t->kind == SPF_T_REDIRECT) && !t->has_macro) {
			pt->child = ea_audit_find_node(a, pt->host);
			bool complete = true;
			if (pt->child > 0)
				pt->cost += subtree_cost(a, pt->child, &complete);
		}
	}
	for (size_t i = 0; i < p->count; i++)
		if (p->terms[i].cost)
			choose(p, i, &root->terms[i]);
	for (size_t i = 0; i < p->count; i++)
		if (p->terms[i].cost)
			choose_inside(p, i, &root->terms[i]);
	for (size_t i = 0; i < p->count; i++)
		if (p->terms[i].cost && !p->terms[i].mechanical)
			flat_of(p, &p->terms[i], &root->terms[i]);
	term_findings(p);

	ea_buf rec;
	ea_buf_init(&rec, PLAN_MAX_RECORD + 1024);
	build(p, root, &rec, false);
	bool complete;
	unsigned n = rec.data ? count_record(a, rec.data, &complete) : 0;
	if (rec.data && !rec.error && complete && n <= PLAN_TARGET && rec.len <= PLAN_MAX_RECORD) {
		char note[1024];
		size_t used = (size_t)snprintf(note, sizeof(note), "%u lookups instead of %u (counted from "
		                               "the DNS answers of this check):", n, total->lookups);
		for (size_t i = 0; i < p->count && used < sizeof(note); i++) {
			const plan_term *pt = &p->terms[i];
			if (pt->mechanical)
				used += (size_t)snprintf(note + used, sizeof(note) - used, " %s %.120s%s%.120s;",
				                         pt->remedy == P_DROP ? "drop" : "replace", pt->text,
				                         pt->remedy == P_REPLACE ? " by " : "",
				                         pt->remedy == P_REPLACE ? pt->replacement : "");
		}
		if (used < sizeof(note) && used > 0 && note[used - 1] == ';')
			note[used - 1] = '\0';
		char old[PLAN_MAX_RECORD + 1];
		snprintf(old, sizeof(old), "%.*s", (int)EA_MIN(a->nodes[0].text.len, PLAN_MAX_RECORD),
		         a->nodes[0].text.p);
		ea_finding *over = over_at < a->sec->finding_count ? &a->sec->findings[over_at] : NULL;
		ea_finding_add_action(over, EA_FIX_REPLACE, a->nodes[0].domain, "TXT", rec.data, old,
		                      EA_FIX_DEFAULT_TTL, note);
		ea_finding *f = ea_section_addf(a->sec, "spf.plan.record", EA_SEV_INFO,
		                                "a record under the limit with only the changes the "
		                                "evidence supports: %u lookups instead of %u", n,
		                                total->lookups);
		if (f)
			ea_finding_set(&f->expected, "%s", rec.data);
	} else {
		advice(p, root, over_at, total->lookups);
	}
	ea_buf_free(&rec);
	for (size_t i = 0; i < p->count; i++)
		free(p->terms[i].flat);
	free(p);
}
