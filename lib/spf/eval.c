/*
 * check_host() of RFC 7208 (sections 4 to 6), written over ea_lookup(): it runs
 * from the top on every round and stops at the first answer not yet known, so its
 * result depends only on the answers and is the same on every re-run.
 *
 * Limits (4.6.4): 10 terms that query DNS (include a mx ptr exists redirect), 2 void
 * lookups (NXDOMAIN or no records; a failed lookup is temperror, never void), 10 MX
 * names per mx (more: permerror), 10 PTR names per ptr or %{p} (the rest ignored).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <emailauth/emailauth.h>
#include <emailauth/spf.h>
#include "spf/ip.h"
#include "spf/macro.h"
#include "spf/record.h"
#include "spf/spf_internal.h"
#include "util/util.h"

#define SPF_PENDING (-1)
/* Speculative prefetch: when the evaluation must wait for a lookup, the lookups of the
 * include, redirect, a, mx and exists terms that come after it (in this record and in the
 * records it was included from, and in records below them already in the cache) start in
 * the same round, so a chain of terms costs fewer rounds. Never counted toward the limits
 * of 4.6.4, never waited for: only the terms evaluated ask (and count) through ea_lookup().
 * An evaluation answered from the cache never waits, so it never pays for this. */
#define SPF_PREFETCH_PER_RUN 48   /* speculative lookups started per run of the evaluator */
#define SPF_PREFETCH_DEPTH 3      /* cached records below the current one looked into */
#define SPF_PREFETCH_SEEN 32      /* records whose terms one run has prefetched already */
#define SPF_NOMATCH (-2)
#define SPF_MATCH (-3)

typedef struct {
	ea_job *job;
	ea_spf_outcome *out;
	ea_spf_ip ip;
	char ip_dotted[80], ip_text[64];
	char local[EA_SPF_MAX_SENDER + 16];
	char sender_domain[EA_SPF_MAX_SENDER + 1];
	char helo[EA_SPF_MAX_SENDER + 1];
	const char *receiver;
	int64_t now;
	unsigned include_depth;
	/* the records being evaluated, outermost first */
	char stack[EA_SPF_MAX_CHAIN][EA_NAME_MAX + 1];
	char stack_how[EA_SPF_MAX_CHAIN][16];
	size_t depth;
	bool decided;
	bool prefetch;
	unsigned prefetch_left;
	/* the records one run went through for prefetch, and how deep below each it looked:
	 * a record is expanded again only to look deeper, so each is parsed a few times at most */
	char seen[SPF_PREFETCH_SEEN][EA_NAME_MAX + 1];
	unsigned seen_levels[SPF_PREFETCH_SEEN];
	size_t seen_count;
	ea_spf_record *scratch[SPF_PREFETCH_DEPTH + 1];   /* parsed cached records, per depth */
	/* %{p} and ptr: the PTR names of the client and which of them validate */
	bool ptr_done;
	bool ptr_void;    /* the PTR query found nothing (NXDOMAIN or no PTR records) */
	size_t ptr_count;
	char ptr_names[EA_SPF_MAX_PTR_NAMES][EA_NAME_MAX + 1];
	bool ptr_valid[EA_SPF_MAX_PTR_NAMES];
} ev;

static const char *const result_names[] = {
	[EA_SPF_NONE] = "none", [EA_SPF_NEUTRAL] = "neutral", [EA_SPF_PASS] = "pass",
	[EA_SPF_FAIL] = "fail", [EA_SPF_SOFTFAIL] = "softfail", [EA_SPF_TEMPERROR] = "temperror",
	[EA_SPF_PERMERROR] = "permerror",
};

const char *ea_spf_result_name(ea_spf_result r)
{
	return (size_t)r < EA_ARRAY_SIZE(result_names) ? result_names[r] : "?";
}

bool ea_spf_sender_is_null(const char *sender)
{
	return sender == NULL || sender[0] == '\0' || strcmp(sender, "<>") == 0;
}

bool ea_spf_domain_ok(const char *d)
{
	size_t len = strlen(d);
	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > EA_NAME_MAX)
		return false;
	size_t label = 0, labels = 1;
	for (size_t i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
			labels++;
		} else if (++label > EA_LABEL_MAX) {
			return false;
		}
	}
	return label > 0 && labels >= 2;
}

/* The identity's last label must be a top-level label (no domain literal such as
 * "[192.0.2.1]", 4.3): letters, digits and hyphens, not all digits. */
static bool toplabel_ok(const char *d)
{
	size_t len = strlen(d);
	while (len > 0 && d[len - 1] == '.')
		len--;
	size_t s = len;
	while (s > 0 && d[s - 1] != '.')
		s--;
	bool alpha = false;
	for (size_t i = s; i < len; i++) {
		if (isalpha((unsigned char)d[i]))
			alpha = true;
		else if (!isdigit((unsigned char)d[i]) && d[i] != '-')
			return false;
	}
	return alpha;
}

static void problem(ev *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(ev *e, const char *fmt, ...)
{
	if (e->out->problem[0] != '\0')
		return;   /* the innermost problem is the one to tell */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->out->problem, sizeof(e->out->problem), fmt, ap);
	va_end(ap);
}

static void decide(ev *e, ea_str term)
{
	snprintf(e->out->term, sizeof(e->out->term), "%.*s", (int)EA_MIN(term.len, 500), term.p);
	for (size_t i = 0; i < e->depth; i++) {
		ea_copy(e->out->chain[i], sizeof(e->out->chain[i]), e->stack[i]);
		ea_copy(e->out->chain_how[i], sizeof(e->out->chain_how[i]), e->stack_how[i]);
	}
	e->out->chain_len = e->depth;
	e->decided = true;
}

/* A name from macro expansion is raw bytes between dots; the DNS layer takes the
 * presentation form, escaped as libknot writes it (so answers match the question). */
void ea_spf_presentation_name(const char *raw, char *out, size_t size)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)raw; *p && n + 5 < size; p++) {
		unsigned char c = *p;
		if (isalnum(c) || c == '-' || c == '_' || c == '*' || c == '/' || c == '.') {
			out[n++] = (char)c;
		} else if (ispunct(c) && c != '#') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else {
			n += (size_t)snprintf(out + n, size - n, "\\%03u", c);
		}
	}
	out[n] = '\0';
}

/* A name taken from an answer (MX, PTR target) is already in presentation form. */
static const ea_dns_answer *ask_presented(ev *e, const char *name, uint16_t type, const char *why)
{
	e->out->lookups++;
	return ea_lookup(e->job, name, type, why);
}

static const ea_dns_answer *ask(ev *e, const char *name, uint16_t type, const char *why)
{
	char q[4 * EA_SPF_MACRO_OUT_MAX];
	ea_spf_presentation_name(name, q, sizeof(q));
	e->out->lookups++;
	return ea_lookup(e->job, q, type, why);
}

static void macro_ctx(const ev *e, const char *domain, const char *p, ea_spf_macro_ctx *c)
{
	c->sender = e->out->sender;
	c->local = e->local;
	c->sender_domain = e->sender_domain;
	c->domain = domain;
	c->ip_dotted = e->ip_dotted;
	c->ip_text = e->ip_text;
	c->ip_version = e->ip.v6 ? "ip6" : "in-addr";
	c->helo = e->helo;
	c->ptr_name = p;
	c->receiver = e->receiver;
	c->now = e->now;
}

/* The client's PTR names and which validate (forward lookup gives the IP back),
 * for ptr and %{p} (5.5, 7.3). Returns SPF_PENDING or 0. */
static int ptr_names(ev *e)
{
	if (e->ptr_done)
		return 0;
	char rev[128];
	ea_spf_ip_reverse_name(&e->ip, rev, sizeof(rev));
	const ea_dns_answer *a = ask(e, rev, EA_RR_PTR, "SPF: client PTR names");
	if (a == NULL)
		return SPF_PENDING;
	size_t n = a->outcome == EA_DNS_FOUND ? ea_dns_answer_count(a, EA_RR_PTR) : 0;
	e->ptr_void = a->outcome != EA_DNS_UNKNOWN && n == 0;
	if (n > EA_SPF_MAX_PTR_NAMES)
		n = EA_SPF_MAX_PTR_NAMES;   /* 4.6.4: the rest are ignored */
	bool pending = false;
	e->ptr_count = 0;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_PTR, i);
		if (rr == NULL || rr->target == NULL)
			continue;
		size_t k = e->ptr_count++;
		ea_copy(e->ptr_names[k], sizeof(e->ptr_names[k]), rr->target);
		e->ptr_valid[k] = false;
		uint16_t type = e->ip.v6 ? EA_RR_AAAA : EA_RR_A;
		const ea_dns_answer *f = ask_presented(e, rr->target, type, "SPF: validate a PTR name");
		if (f == NULL) {
			pending = true;
			continue;
		}
		/* 5.5: a failed forward lookup skips this name */
		size_t na = f->outcome == EA_DNS_FOUND ? ea_dns_answer_count(f, type) : 0;
		for (size_t j = 0; j < na; j++) {
			const ea_dns_rr *ar = ea_dns_answer_get(f, type, j);
			if (ar && ea_spf_ip_match(&e->ip, ar->addr, e->ip.v6, -1))
				e->ptr_valid[k] = true;
		}
	}
	if (pending)
		return SPF_PENDING;
	e->ptr_done = true;
	return 0;
}

/* %{p}: the validated name equal to domain, else one below it, else any (7.3). */
static const char *ptr_choice(const ev *e, const char *domain)
{
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < e->ptr_count; i++) {
			if (!e->ptr_valid[i])
				continue;
			if (pass == 0 && ea_name_equal(e->ptr_names[i], domain))
				return e->ptr_names[i];
			if (pass == 1 && ea_name_is_subdomain(e->ptr_names[i], domain))
				return e->ptr_names[i];
			if (pass == 2)
				return e->ptr_names[i];
		}
	return "unknown";
}

/* Expands a domain-spec (or the current domain when absent). Returns 0, SPF_PENDING
 * or EA_SPF_PERMERROR. */
static int target_of(ev *e, const ea_spf_term *t, const char *domain, char *out, size_t size)
{
	if (!t->has_domain) {
		ea_copy(out, size, domain);
		return 0;
	}
	const char *p = NULL;
	if (ea_spf_macro_uses_p(t->domain)) {
		if (ptr_names(e) == SPF_PENDING)
			return SPF_PENDING;
		p = ptr_choice(e, domain);
	}
	ea_spf_macro_ctx c;
	macro_ctx(e, domain, p, &c);
	const char *why = "";
	char buf[EA_SPF_MACRO_OUT_MAX];
	if (!ea_spf_macro_expand(t->domain, &c, EA_SPF_MACRO_DOMAIN, buf, sizeof(buf), &why)) {
		problem(e, "macro expansion failed: %s", why);
		return EA_SPF_PERMERROR;
	}
	size_t len = strlen(buf);
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	ea_copy(out, size, buf);
	return 0;
}

static int count_term(ev *e, const ea_spf_term *t)
{
	if (++e->out->dns_terms > EA_SPF_MAX_DNS_TERMS) {
		problem(e, "more than %d terms that cause DNS lookups (RFC 7208 4.6.4), at '%s'",
		        EA_SPF_MAX_DNS_TERMS, ea_spf_kind_name(t->kind));
		return EA_SPF_PERMERROR;
	}
	return 0;
}

/* An answer that says nothing exists. Returns 0 or EA_SPF_PERMERROR past the limit. */
static int count_void(ev *e, const char *name)
{
	if (++e->out->void_lookups > EA_SPF_MAX_VOID) {
		problem(e, "more than 2 void lookups (RFC 7208 4.6.4); the last was %s", name);
		return EA_SPF_PERMERROR;
	}
	return 0;
}

static int lookup_failed(ev *e, const ea_dns_answer *a)
{
	problem(e, "DNS lookup of %s %s failed: %s", a->qname, ea_rr_type_name(a->qtype),
	        ea_dns_reason_text(a->reason));
	return EA_SPF_TEMPERROR;
}

/* Does any address record of the answer match the client with these prefixes? */
static bool addrs_match(const ev *e, const ea_dns_answer *a, uint16_t type, int c4, int c6)
{
	size_t n = a->outcome == EA_DNS_FOUND ? ea_dns_answer_count(a, type) : 0;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, type, i);
		if (rr && ea_spf_ip_match(&e->ip, rr->addr, type == EA_RR_AAAA, type == EA_RR_AAAA ? c6 : c4))
			return true;
	}
	return false;
}

static int check_host(ev *e, const char *domain, const char *how, ea_spf_result *res);

/* Evaluates one mechanism: SPF_MATCH, SPF_NOMATCH, SPF_PENDING, or an error result. */
static int eval_mech(ev *e, const ea_spf_term *t, const char *domain)
{
	char target[EA_SPF_MACRO_OUT_MAX];
	int rc;
	uint16_t atype = e->ip.v6 ? EA_RR_AAAA : EA_RR_A;
	switch (t->kind) {
	case SPF_T_ALL:
		return SPF_MATCH;
	case SPF_T_IP4:
	case SPF_T_IP6: {
		bool v6 = t->kind == SPF_T_IP6;
		return ea_spf_ip_match(&e->ip, t->addr, v6, v6 ? t->cidr6 : t->cidr4) ? SPF_MATCH
		                                                                     : SPF_NOMATCH;
	}
	default:
		break;
	}
	if ((rc = count_term(e, t)) != 0)
		return rc;
	if (t->kind == SPF_T_PTR) {
		if ((rc = target_of(e, t, domain, target, sizeof(target))) != 0)
			return rc;
		if (ptr_names(e) == SPF_PENDING)
			return SPF_PENDING;
		/* 4.6.4: a ptr term whose PTR query finds nothing is a void lookup (a failed
		 * query is not: the term just does not match, 5.5) */
		if (e->ptr_void) {
			char rev[128];
			ea_spf_ip_reverse_name(&e->ip, rev, sizeof(rev));
			return count_void(e, rev) ? EA_SPF_PERMERROR : SPF_NOMATCH;
		}
		for (size_t i = 0; i < e->ptr_count; i++)
			if (e->ptr_valid[i] && ea_name_is_subdomain(e->ptr_names[i], target))
				return SPF_MATCH;
		return SPF_NOMATCH;
	}
	if ((rc = target_of(e, t, domain, target, sizeof(target))) != 0)
		return rc;
	if (!ea_spf_domain_ok(target)) {
		/* A name that cannot exist in the DNS: it matches nothing. */
		return t->kind == SPF_T_INCLUDE ? (problem(e, "include of an invalid domain '%s'",
		                                           target), EA_SPF_PERMERROR)
		                                : SPF_NOMATCH;
	}
	switch (t->kind) {
	case SPF_T_INCLUDE: {
		ea_spf_result r;
		e->include_depth++;
		e->decided = false;
		rc = check_host(e, target, "include", &r);
		e->include_depth--;
		if (rc == SPF_PENDING)
			return SPF_PENDING;
		switch (r) {
		case EA_SPF_PASS:
			return SPF_MATCH;
		case EA_SPF_FAIL: case EA_SPF_SOFTFAIL: case EA_SPF_NEUTRAL:
			e->decided = false;
			return SPF_NOMATCH;
		case EA_SPF_TEMPERROR:
			if (!e->decided || e->out->term[0] == '\0')
				decide(e, t->text);   /* the include itself, when its record failed */
			return EA_SPF_TEMPERROR;
		case EA_SPF_NONE:
			problem(e, "include:%s has no SPF record", target);
			decide(e, t->text);
			return EA_SPF_PERMERROR;
		default:
			if (!e->decided || e->out->term[0] == '\0')
				decide(e, t->text);
			return EA_SPF_PERMERROR;
		}
	}
	case SPF_T_A: {
		const ea_dns_answer *a = ask(e, target, atype, "SPF: a mechanism");
		if (a == NULL)
			return SPF_PENDING;
		if (a->outcome == EA_DNS_UNKNOWN)
			return lookup_failed(e, a);
		if (a->outcome == EA_DNS_ABSENT || ea_dns_answer_count(a, atype) == 0)
			return count_void(e, target) ? EA_SPF_PERMERROR : SPF_NOMATCH;
		return addrs_match(e, a, atype, t->cidr4, t->cidr6) ? SPF_MATCH : SPF_NOMATCH;
	}
	case SPF_T_EXISTS: {
		const ea_dns_answer *a = ask(e, target, EA_RR_A, "SPF: exists mechanism");
		if (a == NULL)
			return SPF_PENDING;
		if (a->outcome == EA_DNS_UNKNOWN)
			return lookup_failed(e, a);
		if (a->outcome == EA_DNS_ABSENT || ea_dns_answer_count(a, EA_RR_A) == 0)
			return count_void(e, target) ? EA_SPF_PERMERROR : SPF_NOMATCH;
		return SPF_MATCH;
	}
	case SPF_T_MX: {
		const ea_dns_answer *a = ask(e, target, EA_RR_MX, "SPF: mx mechanism");
		if (a == NULL)
			return SPF_PENDING;
		if (a->outcome == EA_DNS_UNKNOWN)
			return lookup_failed(e, a);
		size_t n = a->outcome == EA_DNS_FOUND ? ea_dns_answer_count(a, EA_RR_MX) : 0;
		if (n == 0)
			return count_void(e, target) ? EA_SPF_PERMERROR : SPF_NOMATCH;
		if (n > EA_SPF_MAX_MX_NAMES) {
			problem(e, "%s has %zu MX records; an mx mechanism may look up at most %d (RFC 7208 "
			        "4.6.4)", target, n, EA_SPF_MAX_MX_NAMES);
			return EA_SPF_PERMERROR;
		}
		bool pending = false, match = false;
		const ea_dns_answer *failed = NULL;
		for (size_t i = 0; i < n; i++) {
			const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_MX, i);
			if (rr == NULL || rr->target == NULL || rr->target[0] == '\0')
				continue;   /* null MX (RFC 7505): no host */
			const ea_dns_answer *h = ask_presented(e, rr->target, atype, "SPF: address of an MX host");
			if (h == NULL)
				pending = true;
			else if (h->outcome == EA_DNS_UNKNOWN && failed == NULL)
				failed = h;
			else if (addrs_match(e, h, atype, t->cidr4, t->cidr6))
				match = true;
		}
		if (pending)
			return SPF_PENDING;
		if (match)
			return SPF_MATCH;
		return failed ? lookup_failed(e, failed) : SPF_NOMATCH;
	}
	default:
		return SPF_NOMATCH;
	}
}

static ea_spf_result qualifier_result(char q)
{
	switch (q) {
	case '-': return EA_SPF_FAIL;
	case '~': return EA_SPF_SOFTFAIL;
	case '?': return EA_SPF_NEUTRAL;
	default: return EA_SPF_PASS;
	}
}

/* exp= (6.2): the explanation for a fail. Returns SPF_PENDING or 0. */
static int explain(ev *e, const ea_spf_record *rec, const char *domain)
{
	if (rec->exp < 0 || e->include_depth > 0)
		return 0;
	const ea_spf_term *t = &rec->terms[rec->exp];
	char target[EA_SPF_MACRO_OUT_MAX];
	int rc = target_of(e, t, domain, target, sizeof(target));
	if (rc == SPF_PENDING)
		return SPF_PENDING;
	if (rc != 0 || !ea_spf_domain_ok(target))
		return 0;
	const ea_dns_answer *a = ask(e, target, EA_RR_TXT, "SPF: exp explanation");
	if (a == NULL)
		return SPF_PENDING;
	if (a->outcome != EA_DNS_FOUND || ea_dns_answer_count(a, EA_RR_TXT) != 1)
		return 0;   /* errors, none or several: as if no exp= (6.2) */
	const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, 0);
	ea_str text = ea_str_make((const char *)rr->txt, rr->txt_len);
	const char *p = NULL;
	if (ea_spf_macro_uses_p(text)) {
		if (ptr_names(e) == SPF_PENDING)
			return SPF_PENDING;
		p = ptr_choice(e, domain);
	}
	size_t off;
	const char *why;
	if (!ea_spf_macro_syntax_ok(text, true, &off, &why))
		return 0;
	ea_spf_macro_ctx c;
	macro_ctx(e, domain, p, &c);
	char buf[EA_SPF_EXP_MAX];
	if (!ea_spf_macro_expand(text, &c, EA_SPF_MACRO_EXP, buf, sizeof(buf), &why))
		return 0;
	ea_copy(e->out->explanation, sizeof(e->out->explanation), buf);
	e->out->explanation_from_exp = true;
	return 0;
}

/* Picks the one v=spf1 record of the answer (4.5). Returns true and sets *text, or
 * false with the result in *res (none, permerror). */
static bool select_record(ev *e, const ea_dns_answer *a, const char *domain, ea_str *text,
                          ea_spf_result *res)
{
	size_t n = a->outcome == EA_DNS_FOUND ? ea_dns_answer_count(a, EA_RR_TXT) : 0, found = 0;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		if (rr && ea_spf_is_v1((const char *)rr->txt, rr->txt_len)) {
			*text = ea_str_make((const char *)rr->txt, rr->txt_len);
			found++;
		}
	}
	if (found == 0) {
		*res = EA_SPF_NONE;
		return false;
	}
	if (found > 1) {
		problem(e, "%s publishes more than one SPF record (RFC 7208 4.5)", domain);
		*res = EA_SPF_PERMERROR;
		return false;
	}
	return true;
}

static const ea_dns_answer *prefetch(ev *e, const char *raw, bool presented, uint16_t type)
{
	if (e->prefetch_left == 0)
		return NULL;
	e->prefetch_left--;
	char q[4 * EA_SPF_MACRO_OUT_MAX];
	if (presented)
		ea_copy(q, sizeof(q), raw);
	else
		ea_spf_presentation_name(raw, q, sizeof(q));
	return ea_prefetch(e->job, q, type);
}

static void prefetch_record(ev *e, const ea_spf_record *rec, size_t from, const char *domain,
                            unsigned depth);

/* True if the record at domain was already expanded at least as deep as from depth;
 * else notes it (false). When the list is full, nothing is skipped. */
static bool already_expanded(ev *e, const char *domain, unsigned depth)
{
	unsigned levels = SPF_PREFETCH_DEPTH - depth;
	for (size_t i = 0; i < e->seen_count; i++) {
		if (!ea_name_equal(e->seen[i], domain))
			continue;
		if (e->seen_levels[i] >= levels)
			return true;
		e->seen_levels[i] = levels;
		return false;
	}
	if (e->seen_count < SPF_PREFETCH_SEEN) {
		ea_copy(e->seen[e->seen_count], sizeof(e->seen[0]), domain);
		e->seen_levels[e->seen_count++] = levels;
	}
	return false;
}

/* A cached record below the current one: its own upcoming lookups. The text is copied
 * first, as the cache may drop the answer during the prefetches that follow. */
static void prefetch_below(ev *e, const ea_dns_answer *a, const char *domain, unsigned depth)
{
	size_t n = a->outcome == EA_DNS_FOUND ? ea_dns_answer_count(a, EA_RR_TXT) : 0, found = 0;
	const ea_dns_rr *spf = NULL;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		if (rr && ea_spf_is_v1((const char *)rr->txt, rr->txt_len) && found++ == 0)
			spf = rr;
	}
	if (found != 1 || already_expanded(e, domain, depth))
		return;
	if (e->scratch[depth] == NULL)
		e->scratch[depth] = malloc(sizeof(ea_spf_record));
	ea_spf_record *rec = e->scratch[depth];
	char *text = rec ? malloc(spf->txt_len + 1) : NULL;
	if (text != NULL) {
		memcpy(text, spf->txt, spf->txt_len);
		ea_spf_parse(text, spf->txt_len, rec);
		if (rec->status == SPF_REC_OK)
			prefetch_record(e, rec, 0, domain, depth);
	}
	free(text);
}

/* The lookups of rec's terms from index `from` on (and of its redirect=). */
static void prefetch_record(ev *e, const ea_spf_record *rec, size_t from, const char *domain,
                            unsigned depth)
{
	uint16_t atype = e->ip.v6 ? EA_RR_AAAA : EA_RR_A;
	unsigned seen = 0;   /* a record's terms past the 10th DNS-querying one are never reached */
	for (size_t i = 0; i < rec->term_count && e->prefetch_left > 0 && seen < EA_SPF_MAX_DNS_TERMS;
	     i++) {
		const ea_spf_term *t = &rec->terms[i];
		if (i < from && t->kind != SPF_T_REDIRECT)
			continue;   /* evaluated already; redirect= comes last wherever it is written */
		uint16_t type;
		switch (t->kind) {
		case SPF_T_INCLUDE: type = EA_RR_TXT; break;
		case SPF_T_REDIRECT: type = EA_RR_TXT; break;
		case SPF_T_A: type = atype; break;
		case SPF_T_MX: type = EA_RR_MX; break;
		case SPF_T_EXISTS: type = EA_RR_A; break;
		default: continue;
		}
		seen++;
		if (t->has_macro || (t->kind == SPF_T_REDIRECT && rec->all >= 0))
			continue;   /* macros may need %{p} lookups: left to the evaluation */
		char target[EA_NAME_MAX + 2];
		if (t->has_domain)
			snprintf(target, sizeof(target), "%.*s", (int)EA_MIN(t->domain.len, EA_NAME_MAX + 1),
			         t->domain.p);
		else
			ea_copy(target, sizeof(target), domain);
		size_t len = strlen(target);
		if (len > 0 && target[len - 1] == '.')
			target[len - 1] = '\0';
		if (!ea_spf_domain_ok(target))
			continue;
		const ea_dns_answer *a = prefetch(e, target, false, type);
		if (a == NULL)
			continue;
		if (type == EA_RR_TXT && depth < SPF_PREFETCH_DEPTH) {
			prefetch_below(e, a, target, depth + 1);
		} else if (type == EA_RR_MX && a->outcome == EA_DNS_FOUND &&
		           ea_dns_answer_count(a, EA_RR_MX) <= EA_SPF_MAX_MX_NAMES) {
			for (size_t k = 0; k < ea_dns_answer_count(a, EA_RR_MX); k++) {
				const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_MX, k);
				if (rr && rr->target && rr->target[0])
					prefetch(e, rr->target, true, atype);
			}
		}
	}
}

static int check_host(ev *e, const char *domain, const char *how, ea_spf_result *res)
{
	if (!ea_spf_domain_ok(domain)) {
		*res = EA_SPF_NONE;
		return 0;
	}
	if (e->depth >= EA_SPF_MAX_CHAIN) {
		problem(e, "include and redirect nested too deeply at %s", domain);
		*res = EA_SPF_PERMERROR;
		return 0;
	}
	const ea_dns_answer *a = ask(e, domain, EA_RR_TXT, "SPF: record");
	if (a == NULL)
		return SPF_PENDING;
	ea_copy(e->stack[e->depth], sizeof(e->stack[0]), domain);
	ea_copy(e->stack_how[e->depth], sizeof(e->stack_how[0]), how);
	e->depth++;
	ea_spf_record *rec = NULL;
	int rc = 0;
	ea_str text;
	if (a->outcome == EA_DNS_UNKNOWN) {
		*res = (ea_spf_result)lookup_failed(e, a);
		decide(e, ea_str_make("", 0));
		goto out;
	}
	if (!select_record(e, a, domain, &text, res)) {
		if (*res == EA_SPF_PERMERROR)
			decide(e, ea_str_make("", 0));
		goto out;
	}
	rec = malloc(sizeof(*rec));
	if (rec == NULL) {
		problem(e, "out of memory");
		*res = EA_SPF_TEMPERROR;
		goto out;
	}
	ea_spf_parse(text.p, text.len, rec);
	if (rec->status != SPF_REC_OK) {
		problem(e, "syntax error at byte %zu of the record: %s", rec->error_pos + 1, rec->error);
		decide(e, ea_str_make("", 0));
		*res = EA_SPF_PERMERROR;
		goto out;
	}
	for (size_t i = 0; i < rec->term_count; i++) {
		const ea_spf_term *t = &rec->terms[i];
		if (t->kind == SPF_T_REDIRECT || t->kind == SPF_T_EXP || t->kind == SPF_T_UNKNOWN_MOD)
			continue;
		int m = eval_mech(e, t, domain);
		if (m == SPF_PENDING) {
			if (e->prefetch)
				prefetch_record(e, rec, i + 1, domain, 0);   /* while waiting: what follows */
			rc = SPF_PENDING;
			goto out;
		}
		if (m == SPF_NOMATCH)
			continue;
		if (m != SPF_MATCH) {
			if (!e->decided)
				decide(e, t->text);
			*res = (ea_spf_result)m;
			goto out;
		}
		if (t->kind != SPF_T_INCLUDE || !e->decided)
			decide(e, t->text);
		*res = qualifier_result(t->qualifier);
		if (*res == EA_SPF_FAIL && explain(e, rec, domain) == SPF_PENDING)
			rc = SPF_PENDING;
		goto out;
	}
	/* 6.1: redirect= only when nothing matched and there is no all. */
	if (rec->redirect >= 0 && rec->all < 0) {
		const ea_spf_term *t = &rec->terms[rec->redirect];
		char target[EA_SPF_MACRO_OUT_MAX];
		int m = count_term(e, t);
		if (m == 0)
			m = target_of(e, t, domain, target, sizeof(target));
		if (m == SPF_PENDING) {
			rc = SPF_PENDING;
			goto out;
		}
		if (m != 0) {
			decide(e, t->text);
			*res = (ea_spf_result)m;
			goto out;
		}
		e->decided = false;
		rc = check_host(e, target, "redirect", res);
		if (rc == SPF_PENDING)
			goto out;
		if (*res == EA_SPF_NONE) {
			problem(e, "redirect=%s: that domain has no SPF record (RFC 7208 6.1)", target);
			decide(e, t->text);
			*res = EA_SPF_PERMERROR;
		} else if (!e->decided) {
			decide(e, t->text);
		}
		goto out;
	}
	decide(e, ea_str_make("", 0));
	*res = EA_SPF_NEUTRAL;   /* 4.7: the default result */
out:
	free(rec);
	e->depth--;
	return rc;
}

int ea_spf_evaluate(ea_job *job, const ea_spf_request *req, ea_spf_outcome *out)
{
	memset(out, 0, sizeof(*out));
	ev *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return EA_ENOMEM;
	e->job = job;
	e->out = out;
	e->prefetch = !req->no_prefetch;
	e->prefetch_left = SPF_PREFETCH_PER_RUN;
	if (!ea_spf_ip_parse(req->ip, &e->ip)) {
		free(e);
		return EA_EINVAL;
	}
	ea_spf_ip_dotted(&e->ip, e->ip_dotted, sizeof(e->ip_dotted));
	ea_spf_ip_text(&e->ip, e->ip_text, sizeof(e->ip_text));
	e->receiver = req->receiver && *req->receiver ? req->receiver : "unknown";
	e->now = req->now ? req->now : (int64_t)time(NULL);
	const char *helo = req->helo ? req->helo : "";
	ea_copy(e->helo, sizeof(e->helo), helo);
	const char *sender = req->sender ? req->sender : "";
	if (strlen(sender) > EA_SPF_MAX_SENDER || strlen(helo) > EA_SPF_MAX_SENDER) {
		free(e);
		return EA_ERANGE;
	}
	/* 4.3 and 2.4: the null sender, and the HELO identity, are postmaster@helo. */
	if (req->helo_identity || ea_spf_sender_is_null(sender)) {
		ea_copy(out->identity, sizeof(out->identity), req->helo_identity ? "helo" : "mailfrom");
		snprintf(e->local, sizeof(e->local), "postmaster");
		ea_copy(e->sender_domain, sizeof(e->sender_domain), helo);
	} else {
		snprintf(out->identity, sizeof(out->identity), "mailfrom");
		const char *at = strrchr(sender, '@');
		if (at == NULL) {
			snprintf(e->local, sizeof(e->local), "postmaster");
			ea_copy(e->sender_domain, sizeof(e->sender_domain), sender);
		} else {
			snprintf(e->local, sizeof(e->local), "%.*s", (int)(at - sender), sender);
			if (e->local[0] == '\0')
				snprintf(e->local, sizeof(e->local), "postmaster");
			ea_copy(e->sender_domain, sizeof(e->sender_domain), at + 1);
		}
	}
	snprintf(out->sender, sizeof(out->sender), "%s@%s", e->local, e->sender_domain);
	char domain[EA_SPF_MAX_SENDER + 1];
	ea_copy(domain, sizeof(domain), e->sender_domain);
	size_t dl = strlen(domain);
	if (dl > 0 && domain[dl - 1] == '.')
		domain[dl - 1] = '\0';
	ea_copy(out->domain, sizeof(out->domain), domain);
	ea_spf_result r = EA_SPF_NONE;
	int rc = 0;
	if (!ea_spf_domain_ok(domain) || !toplabel_ok(domain)) {
		problem(e, "'%s' is not a domain name that can have an SPF record (RFC 7208 4.3)",
		        domain);
	} else {
		rc = check_host(e, domain, "", &r);
	}
	for (size_t i = 0; i < EA_ARRAY_SIZE(e->scratch); i++)
		free(e->scratch[i]);
	free(e);
	if (rc == SPF_PENDING)
		return EA_EPENDING;
	out->result = r;
	if (r == EA_SPF_FAIL && !out->explanation_from_exp)
		snprintf(out->explanation, sizeof(out->explanation),
		         "%.253s does not designate %.64s as permitted sender for %.600s", out->domain,
		         req->ip, out->sender);
	return EA_OK;
}
