/* The SPF policy audit's tree, shared by its parts: audit.c (fetch, findings), tree.c
 * (the include tree for the report), plan.c (a plan under the lookup limit). */
#ifndef EA_SPF_AUDIT_H
#define EA_SPF_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include <emailauth/emailauth.h>
#include "spf/record.h"
#include "util/buf.h"

#define AUDIT_MAX_NODES 64          /* distinct records fetched for one audit */
#define AUDIT_MAX_DEPTH 12          /* include/redirect nesting followed */
#define AUDIT_LONG_RECORD 450       /* RFC 7208 3.4: keep a record within 450 bytes */
#define AUDIT_MAX_NETWORKS 512      /* flattened networks listed */
#define AUDIT_MAX_HOSTS 16          /* MX hosts resolved per mx term (11 shows "over") */
#define AUDIT_MAX_TERM_LINES 200    /* lines for the terms of included records */

typedef struct {
	char domain[EA_NAME_MAX + 1];
	int parent;                  /* -1 for the root */
	char how[16];                /* "", "include", "redirect" */
	unsigned depth;
	const ea_dns_answer *txt;    /* NULL while pending */
	bool failed, absent, multiple;
	ea_str text;                 /* the v=spf1 record */
	ea_spf_record *rec;          /* parsed, or NULL */
	bool candidate;              /* fetched for the plan (a narrower include), not in the policy */
} node;

typedef struct {
	ea_job *job;
	ea_section *sec;
	size_t count;
	bool pending, truncated;
	bool candidates_cut;         /* the plan's candidate includes did not all fit */
	node nodes[AUDIT_MAX_NODES];  /* last (21 KiB): each is zeroed as it is added */
} audit;

/* Void lookups depend on the client's address family: an `a` term asks A for an IPv4
 * client and AAAA for an IPv6 one (RFC 7208 5.3); `mx` counts its MX lookup alone. */
typedef struct {
	unsigned lookups, voids, voids6;   /* voids: IPv4 clients; voids6: IPv6 clients */
	bool macros, ptr, exists, loop, broken;
} cost;

int ea_audit_find_node(const audit *a, const char *domain);
/* An answer already in the job (never asks: the tree walk asked everything). */
const ea_dns_answer *ea_audit_known(audit *a, const char *name, uint16_t type, bool presented);
/* The host a term names, or the record's own domain. */
void ea_audit_term_host(const node *n, const ea_spf_term *t, char *out, size_t size);
bool ea_audit_on_stack(const int *stack, size_t depth, int idx);
/* Worst-case cost of evaluating node idx entirely (4.6.4 counting), added to *c;
 * stack has room for AUDIT_MAX_DEPTH + 1. */
void ea_audit_node_cost(audit *a, int idx, int *stack, size_t depth, cost *c);
/* The record an include/redirect term of n reaches (-1: none, a macro, or not fetched),
 * whether it is a loop back onto stack[0..depth], and, when not, what is inside it added
 * to *inside. */
int ea_audit_term_child(audit *a, const node *n, const ea_spf_term *t, const int *stack,
                        size_t depth, cost *inside, bool *loop);
/* The sender an include names (e.g. "Google Workspace"), or NULL. */
const char *ea_audit_provider_of(const char *domain);
/* Appends the networks node n's '+' ip4/ip6/a/mx terms authorise ("ip4:... ip6:..."),
 * counting them in *nets (bounded by AUDIT_MAX_NETWORKS). */
void ea_audit_flatten_node(audit *a, const node *n, ea_buf *b, size_t *nets);
/* Does a term count against the 10 (a redirect beside 'all' does not)? */
bool ea_audit_term_counts(const node *n, const ea_spf_term *t);

/* tree.c: the include tree into the section (prominent when over the limit). */
void ea_audit_tree(audit *a, unsigned total);
/* plan.c: over the limit, what each top-level term costs, what to do with it, and the
 * record that results; the fix (or advice) goes on the over-limit finding, the section's
 * finding number over_at (an index: adding findings moves them). */
void ea_audit_plan(audit *a, const cost *total, size_t over_at);

#endif
