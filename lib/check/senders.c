/*
 * Senders: which of the profiled senders the domain uses (DKIM selectors, SPF
 * includes, MX, return-path records), what each one is missing, the DKIM keys
 * behind every selector found, and per sender whether its mail will pass DMARC
 * and through which identifier.
 *
 * Round 1 asks everything at once: TXT at every candidate selector (the answer
 * carries the CNAME chain), the apex TXT (SPF) and MX, the return-path probes,
 * and the DMARC tree walk. Nothing depends on an earlier answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/internal.h"
#include "profiles/profiles.h"
#include "util/buf.h"
#include "util/util.h"

#define SENDERS_MAX_SELECTORS 128    /* distinct selector names probed */
#define SENDERS_MAX_RP 32            /* return-path names probed */
#define SENDERS_MAX_INCLUDES 32      /* SPF include/redirect terms read, at every depth */
#define SENDERS_MAX_SPF_DEPTH 4      /* include levels followed below the apex record */
#define SENDERS_EVIDENCE_MAX 512
#define SENDERS_SPF_TEXT_MAX 2048    /* the apex SPF record, kept for fix lines */
#define SENDERS_FIX_MAX 4096
#define SENDERS_MAX_CLUES 96         /* pieces of evidence kept (selectors, includes, MX, ...) */
#define SENDERS_CLUE_MAX (2 * EA_NAME_MAX + 32)
/* A selector name no one publishes: if it exists, a wildcard answers for every name. */
#define SENDERS_WILDCARD_PROBE "ea-no-such-selector-q7"

typedef struct {
	char sel[EA_AUDIT_SELECTOR_MAX + 1];
	char name[EA_NAME_MAX + 80];
	bool asked, token;
	const ea_dns_answer *a;
	const ea_dns_answer *addr;       /* A or AAAA when a has neither TXT nor CNAME */
	ea_audit_key_state st;
	long profile;                    /* index of the sender it belongs to, or -1 */
} sel_probe;

typedef struct {
	char name[EA_NAME_MAX + 80];
	long profile;
	const ea_dns_answer *mx, *cname;
	bool found;
} rp_probe;

/* One piece of evidence and the senders it could belong to (a bit per profile).
 * One bit: the sender's own evidence. More: shared (include:amazonses.com is SES's
 * and that of every service sending through SES), which makes none of them "in
 * use" by itself. */
typedef enum { CLUE_DKIM, CLUE_SPF, CLUE_MX, CLUE_RETURN_PATH, CLUE_GIVEN } clue_kind;

typedef struct {
	clue_kind kind;
	const char *label;
	char value[SENDERS_CLUE_MAX];
	uint64_t owners;
	size_t sel;                      /* CLUE_DKIM: the selector probe */
	bool weak;                       /* CLUE_DKIM at a selector others use too */
} clue;

typedef struct {
	bool used;
	char evidence[SENDERS_EVIDENCE_MAX];
	size_t keys_found, keys_ok, selectors_known;
	size_t keys_unknown;             /* its selectors whose lookup failed */
	uint32_t selectors_seen;         /* bit k: profile selector k holds a record */
	uint32_t selectors_failed;       /* bit k: profile selector k's lookup failed */
	bool mail_from_given;            /* SES: the MAIL FROM given is its (not another's) */
	bool spf_included, return_path;
	char return_path_name[EA_NAME_MAX + 1];
	ea_rp_verdict rp_verdict;        /* whether an MX-based return path works */
	char rp_why[128];                /* what is wrong with it */
	char rp_region[32];              /* the SES region for fix lines */
} sender_state;

typedef struct {
	sel_probe sel[SENDERS_MAX_SELECTORS];
	size_t nsel;
	rp_probe rp[SENDERS_MAX_RP];
	size_t nrp;
	char includes[SENDERS_MAX_INCLUDES][EA_NAME_MAX + 1];
	long include_parent[SENDERS_MAX_INCLUDES];   /* index of the include it is inside, or -1 */
	size_t ninc;
	bool spf_present, spf_failed;
	char spf_text[SENDERS_SPF_TEXT_MAX];   /* the apex SPF record, "" if none */
	sender_state s[EA_PROFILES_MAX];
	clue clues[SENDERS_MAX_CLUES];
	size_t nclue;
	uint64_t mail_from_owners;       /* whose return path the given MAIL FROM is, by its target */
	ea_dmarc_discovery dmarc;
} senders_ctx;

/* Appends "label value" to the sender's evidence (cut short when it is full). */
static void evidence(sender_state *s, const char *label, const char *value)
{
	s->used = true;
	size_t l = strlen(s->evidence);
	if (l + 8 >= sizeof(s->evidence))
		return;
	int room = (int)(sizeof(s->evidence) - l);
	snprintf(s->evidence + l, (size_t)room, "%s%s%.*s", l ? "; " : "", label, room, value);
}

static void add_selector(senders_ctx *c, const char *domain, const char *sel, bool asked, bool token)
{
	for (size_t i = 0; i < c->nsel; i++)
		if (strcasecmp(c->sel[i].sel, sel) == 0) {
			c->sel[i].asked |= asked;
			c->sel[i].token |= token;
			return;
		}
	if (c->nsel >= SENDERS_MAX_SELECTORS || strlen(sel) > EA_AUDIT_SELECTOR_MAX)
		return;
	sel_probe *p = &c->sel[c->nsel++];
	ea_copy(p->sel, sizeof(p->sel), sel);
	snprintf(p->name, sizeof(p->name), "%s._domainkey.%s", sel, domain);
	p->asked = asked;
	p->token = token;
	p->profile = -1;
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* A return-path name is probed once, whichever senders list it: what it points to
 * says whose it is, not its name. */
static void add_return_path(senders_ctx *c, const char *domain, const char *label, long profile)
{
	char name[EA_NAME_MAX + 80];
	snprintf(name, sizeof(name), "%s.%s", label, domain);
	for (size_t i = 0; i < c->nrp; i++)
		if (ea_name_equal(c->rp[i].name, name))
			return;
	if (c->nrp >= SENDERS_MAX_RP)
		return;
	rp_probe *r = &c->rp[c->nrp++];
	ea_copy(r->name, sizeof(r->name), name);
	r->profile = profile;
}

static void add_include(senders_ctx *c, const char *t, size_t tl, long parent)
{
	if (tl == 0 || tl > EA_NAME_MAX || memchr(t, '%', tl) || c->ninc >= SENDERS_MAX_INCLUDES)
		return;   /* a macro (RFC 7208 7) names no fixed domain */
	char name[EA_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%.*s", (int)tl, t);
	ea_ascii_lower(name);
	for (size_t i = 0; i < c->ninc; i++)
		if (ea_name_equal(c->includes[i], name))
			return;   /* seen already: also ends include loops */
	ea_copy(c->includes[c->ninc], EA_NAME_MAX + 1, name);
	c->include_parent[c->ninc++] = parent;
}

/* include:X and redirect=X of the SPF record in a (for naming senders only; the
 * SPF section evaluates the record). parent: the include a was asked for, or -1
 * for the apex. */
static void read_spf(senders_ctx *c, const ea_dns_answer *a, long parent)
{
	if (a == NULL || a->outcome == EA_DNS_UNKNOWN) {
		if (parent < 0)
			c->spf_failed = true;
		return;
	}
	for (size_t i = 0; i < ea_dns_answer_count(a, EA_RR_TXT); i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		if (rr->txt_len < 6 || strncasecmp((const char *)rr->txt, "v=spf1", 6) != 0 ||
		    (rr->txt_len > 6 && rr->txt[6] != ' '))
			continue;
		if (parent < 0 && !c->spf_present)
			snprintf(c->spf_text, sizeof(c->spf_text), "%.*s",
			         (int)EA_MIN(rr->txt_len, sizeof(c->spf_text) - 1), (const char *)rr->txt);
		if (parent < 0)
			c->spf_present = true;
		size_t k = 6;
		while (k < rr->txt_len && c->ninc < SENDERS_MAX_INCLUDES) {
			while (k < rr->txt_len && rr->txt[k] == ' ')
				k++;
			size_t start = k;
			while (k < rr->txt_len && rr->txt[k] != ' ')
				k++;
			const char *t = (const char *)rr->txt + start;
			size_t tl = k - start;
			if (tl && (t[0] == '+' || t[0] == '~' || t[0] == '-' || t[0] == '?')) {
				t++;
				tl--;
			}
			size_t skip = tl > 8 && strncasecmp(t, "include:", 8) == 0 ? 8
			            : tl > 9 && strncasecmp(t, "redirect=", 9) == 0 ? 9 : 0;
			if (skip)
				add_include(c, t + skip, tl - skip, parent);
		}
	}
}

static bool is_profile_include(const ea_profiles *pr, const char *name)
{
	for (size_t i = 0; i < pr->count; i++)
		if (ea_profile_list_match(&pr->s[i].spf_includes, name))
			return true;
	return false;
}

/* Follows the includes of the apex record breadth first, SENDERS_MAX_SPF_DEPTH
 * levels and SENDERS_MAX_INCLUDES names at most, so that a sender included
 * through the domain's own _spf record is found. A sender's own include is not
 * followed: its inside is the sender's business. EA_EPENDING while a level is
 * being looked up. */
static int read_spf_tree(ea_job *job, senders_ctx *c, const ea_profiles *pr)
{
	size_t level_start = 0;
	for (int depth = 1; depth <= SENDERS_MAX_SPF_DEPTH; depth++) {
		size_t level_end = c->ninc;
		bool pending = false;
		for (size_t i = level_start; i < level_end; i++) {
			if (is_profile_include(pr, c->includes[i]))
				continue;
			const ea_dns_answer *a = ea_lookup(job, c->includes[i], EA_RR_TXT,
			                                   "SPF include (which senders it names)");
			if (a == NULL)
				pending = true;
			else
				read_spf(c, a, (long)i);
		}
		if (pending)
			return EA_EPENDING;
		if (c->ninc == level_end)
			break;
		level_start = level_end;
	}
	return EA_OK;
}

/* The same TXT data as the wildcard's answer, and no CNAME. */
static bool same_txt(const ea_dns_answer *a, const ea_dns_answer *wild)
{
	if (a->outcome != EA_DNS_FOUND || ea_dns_answer_cname(a) != NULL ||
	    ea_dns_answer_count(a, EA_RR_TXT) != ea_dns_answer_count(wild, EA_RR_TXT))
		return false;
	for (size_t i = 0; i < ea_dns_answer_count(a, EA_RR_TXT); i++) {
		const ea_dns_rr *x = ea_dns_answer_get(a, EA_RR_TXT, i), *y = ea_dns_answer_get(wild, EA_RR_TXT, i);
		if (x->txt_len != y->txt_len || memcmp(x->txt, y->txt, x->txt_len) != 0)
			return false;
	}
	return true;
}

/* One finding for a wildcard *._domainkey TXT; true when it revokes every
 * selector (p= empty: the M3AAWG parked-domain practice). */
static bool wildcard_finding(ea_section *keys, const ea_dns_answer *wild, const char *domain, size_t n)
{
	const ea_dns_rr *rr = ea_dns_answer_get(wild, EA_RR_TXT, 0);
	ea_dkim_key k;
	ea_dkim_key_parse((const char *)rr->txt, rr->txt_len, &k);
	ea_finding *f;
	if (k.revoked)
		f = ea_section_addf(keys, "dkim.key.wildcard_revoked", EA_SEV_INFO,
		    "*._domainkey.%s answers every selector with an empty key (p=): no mail can be signed "
		    "for the domain, the M3AAWG practice for a domain that sends no mail (%zu selectors tried "
		    "got only that answer)", domain, n);
	else
		f = ea_section_addf(keys, "dkim.key.wildcard", EA_SEV_INFO,
		    "*._domainkey.%s answers every selector name with the same record, so a record found "
		    "at a sender's usual selector is no evidence that the sender is used (%zu selectors "
		    "tried got only its answer)", domain, n);
	if (f) {
		ea_finding_set(&f->name, "*._domainkey.%s", domain);
		ea_finding_set(&f->found, "%.*s", (int)EA_MIN(rr->txt_len, 400), (const char *)rr->txt);
	}
	return k.revoked;
}

/* Round 2: a selector name that exists without TXT or CNAME may be a proxied
 * CNAME; ask what it holds, unless a wildcard answers every name (the probe of a
 * made-up selector did not say NXDOMAIN). EA_EPENDING while asking. */
static int probe_addresses(ea_job *job, senders_ctx *c, const ea_dns_answer *wild)
{
	if (wild->outcome != EA_DNS_ABSENT || wild->reason != EA_DNS_R_NXDOMAIN)
		return EA_OK;
	bool pending = false;
	for (size_t i = 0; i < c->nsel; i++) {
		sel_probe *p = &c->sel[i];
		if (p->a->outcome != EA_DNS_ABSENT || p->a->reason != EA_DNS_R_NODATA ||
		    ea_dns_answer_cname(p->a) != NULL)
			continue;
		const ea_dns_answer *v4 = ea_lookup(job, p->name, EA_RR_A, "DKIM selector: an address instead?");
		const ea_dns_answer *v6 = ea_lookup(job, p->name, EA_RR_AAAA, "DKIM selector: an address instead?");
		if (v4 == NULL || v6 == NULL) {
			pending = true;
			continue;
		}
		p->addr = v4->outcome == EA_DNS_FOUND ? v4 : v6->outcome == EA_DNS_FOUND ? v6 : NULL;
	}
	return pending ? EA_EPENDING : EA_OK;
}

static bool selector_listed(const ea_profile_list *l, const char *sel, long *at)
{
	for (size_t k = 0; k < l->count; k++)
		if (ea_profile_match(l->items[k], sel)) {
			if (at)
				*at = (long)k;
			return true;
		}
	return false;
}

/* Whose selector this is: the SES tokens given; else by the CNAME target; else by
 * a selector the sender documents (a CNAME sender only when the proxy hid its
 * target). *weak: only by a name others use too. */
static uint64_t owners_of_selector(const ea_profiles *pr, const sel_probe *p, bool *weak)
{
	uint64_t m = 0;
	*weak = false;
	if (p->token) {
		for (size_t i = 0; i < pr->count; i++)
			if (pr->s[i].ses_tokens)
				m |= UINT64_C(1) << i;
		return m;
	}
	if (p->st.first_target) {
		for (size_t i = 0; i < pr->count; i++)
			if (ea_profile_list_match(&pr->s[i].targets, p->st.first_target))
				m |= UINT64_C(1) << i;
		return m;
	}
	for (size_t i = 0; i < pr->count; i++) {
		const ea_profile *s = &pr->s[i];
		if (strcmp(s->dkim_type, "cname") == 0 && !p->st.proxied)
			continue;   /* a CNAME selector is known by its target, unless the proxy hid it */
		if (selector_listed(&s->selectors, p->sel, NULL))
			m |= UINT64_C(1) << i;
	}
	if (m)
		return m;
	for (size_t i = 0; i < pr->count; i++)
		if (strcmp(pr->s[i].dkim_type, "cname") != 0 &&
		    selector_listed(&pr->s[i].weak_selectors, p->sel, NULL))
			m |= UINT64_C(1) << i;
	*weak = m != 0;
	return m;
}

static clue *add_clue(senders_ctx *c, clue_kind kind, const char *label, uint64_t owners)
{
	if (owners == 0 || c->nclue >= SENDERS_MAX_CLUES)
		return NULL;
	clue *k = &c->clues[c->nclue++];
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->label = label;
	k->owners = owners;
	return k;
}

static uint64_t owners_where(const ea_profiles *pr, const char *host, int which)
{
	uint64_t m = 0;
	for (size_t i = 0; host && i < pr->count; i++) {
		const ea_profile *s = &pr->s[i];
		bool hit = which == 0 ? ea_profile_list_match(&s->spf_includes, host)
		         : which == 1 ? ea_profile_list_match(&s->mx, host)
		         : which == 2 ? s->rp_mx && ea_profile_match(s->rp_mx, host)
		                      : (s->rp_cname && ea_profile_match(s->rp_cname, host)) ||
		                        (s->rp_cname_target && ea_profile_match(s->rp_cname_target, host));
		if (hit)
			m |= UINT64_C(1) << i;
	}
	return m;
}

/* Whose return path a name is, by what it points to: the MX target (SES's
 * feedback endpoint) or the CNAME target. */
static uint64_t owners_of_return_path(const ea_profiles *pr, const ea_dns_answer *mx,
                                      const ea_dns_answer *cname)
{
	uint64_t m = 0;
	const ea_dns_rr *cn = cname ? ea_dns_answer_cname(cname) : NULL;
	if (cn == NULL && mx)
		cn = ea_dns_answer_cname(mx);
	if (cn)
		m |= owners_where(pr, cn->target, 3);
	for (size_t k = 0; mx && mx->outcome == EA_DNS_FOUND && k < ea_dns_answer_count(mx, EA_RR_MX); k++) {
		const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, k);
		m |= owners_where(pr, rr->target, 2);
	}
	return m;
}

static size_t bits(uint64_t m)
{
	size_t n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

/* Gives clue k to sender i: its evidence, and what it shows. */
static void attribute(senders_ctx *c, const ea_profiles *pr, const clue *k, size_t i)
{
	sender_state *s = &c->s[i];
	evidence(s, k->label, k->value);
	if (k->kind == CLUE_DKIM) {
		const sel_probe *p = &c->sel[k->sel];
		s->keys_found++;
		s->keys_ok += p->st.key_ok;
		long at = -1;
		if (selector_listed(&pr->s[i].selectors, p->sel, &at) && at < 32)
			s->selectors_seen |= UINT32_C(1) << at;
	} else if (k->kind == CLUE_SPF) {
		s->spf_included = true;
	} else if (k->kind == CLUE_RETURN_PATH) {
		if (!s->return_path)
			snprintf(s->return_path_name, sizeof(s->return_path_name), "%.*s", EA_NAME_MAX, k->value);
		s->return_path = true;
	}
}

/* Collects every piece of evidence with the senders it could be, then: own
 * evidence makes a sender used; shared evidence goes to the senders among its
 * candidates that are used on their own evidence, and otherwise stays a
 * candidate group (named once, judged for no one). Weak selectors count only for
 * a sender already used. */
static void detect(senders_ctx *c, const ea_profiles *pr, const ea_dns_answer *mx,
                   const ea_audit_request *req)
{
	for (size_t i = 0; i < c->nsel; i++) {
		sel_probe *p = &c->sel[i];
		if (!p->st.present)
			continue;
		bool weak;
		uint64_t m = owners_of_selector(pr, p, &weak);
		p->profile = m ? 0 : -1;
		clue *k = add_clue(c, CLUE_DKIM, "DKIM selector ", m);
		if (k) {
			ea_copy(k->value, sizeof(k->value), p->sel);
			k->sel = i;
			k->weak = weak;
		}
	}
	for (size_t i = 0; i < c->ninc; i++) {
		uint64_t m = owners_where(pr, c->includes[i], 0);
		char via[SENDERS_CLUE_MAX];
		long up = c->include_parent[i];
		if (up >= 0)
			snprintf(via, sizeof(via), "%s (inside %s)", c->includes[i], c->includes[up]);
		else
			ea_copy(via, sizeof(via), c->includes[i]);
		clue *k = add_clue(c, CLUE_SPF, "SPF include:", m);
		if (k)
			memcpy(k->value, via, sizeof(via));
	}
	for (size_t i = 0; mx && i < ea_dns_answer_count(mx, EA_RR_MX); i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, i);
		clue *k = add_clue(c, CLUE_MX, "MX ", owners_where(pr, rr->target, 1));
		if (k)
			ea_copy(k->value, sizeof(k->value), rr->target);
	}
	for (size_t i = 0; i < c->nrp; i++) {
		uint64_t m = owners_of_return_path(pr, c->rp[i].mx, c->rp[i].cname);
		if (req->mail_from[0] && ea_name_equal(req->mail_from, c->rp[i].name))
			continue;   /* judged below, as the one given */
		clue *k = add_clue(c, CLUE_RETURN_PATH, "return path ", m);
		if (k)
			ea_copy(k->value, sizeof(k->value), c->rp[i].name);
	}
	if (req->mail_from[0]) {
		clue *k = add_clue(c, CLUE_RETURN_PATH, "return path ", c->mail_from_owners);
		if (k)
			ea_copy(k->value, sizeof(k->value), req->mail_from);
	}
	for (size_t i = 0; req->token_count > 0 && i < pr->count; i++)
		if (pr->s[i].ses_tokens) {   /* the user says it sends with SES */
			clue *k = add_clue(c, CLUE_GIVEN, "Easy DKIM tokens given", UINT64_C(1) << i);
			if (k)
				k->value[0] = '\0';
		}
	for (size_t n = 0; n < c->nclue; n++) {
		const clue *k = &c->clues[n];
		if (bits(k->owners) == 1 && !k->weak)
			for (size_t i = 0; i < pr->count; i++)
				if (k->owners & (UINT64_C(1) << i))
					attribute(c, pr, k, i);
	}
	for (size_t n = 0; n < c->nclue; n++) {
		const clue *k = &c->clues[n];
		if (bits(k->owners) == 1 && !k->weak)
			continue;
		for (size_t i = 0; i < pr->count; i++)
			if ((k->owners & (UINT64_C(1) << i)) && c->s[i].used)
				attribute(c, pr, k, i);
	}
}

/* The selectors of each sender whose lookup failed (the SES tokens are SES's; a
 * named selector is every sender's that documents it): a key there is not known,
 * so no "unsigned" or "missing" is said on them. */
static void note_failures(senders_ctx *c, const ea_profiles *pr)
{
	for (size_t n = 0; n < c->nsel; n++) {
		const sel_probe *p = &c->sel[n];
		if (!p->st.failed)
			continue;
		for (size_t i = 0; i < pr->count; i++) {
			sender_state *s = &c->s[i];
			long at = -1;
			bool mine = p->token ? pr->s[i].ses_tokens
			          : selector_listed(&pr->s[i].selectors, p->sel, &at) ||
			            selector_listed(&pr->s[i].weak_selectors, p->sel, NULL);
			if (!mine)
				continue;
			s->keys_unknown++;
			if (at >= 0 && at < 32)
				s->selectors_failed |= UINT32_C(1) << at;
		}
	}
}

/* Shared evidence no sender claimed on its own: one finding naming every
 * candidate, and nothing judged for any one of them. */
static void candidate_findings(ea_section *sec, const senders_ctx *c, const ea_profiles *pr,
                               const ea_audit_request *req)
{
	uint64_t done = 0;
	for (size_t n = 0; n < c->nclue; n++) {
		const clue *k = &c->clues[n];
		if (bits(k->owners) < 2 || k->weak || (done & k->owners) == k->owners)
			continue;
		bool claimed = false;
		for (size_t i = 0; i < pr->count; i++)
			claimed |= (k->owners & (UINT64_C(1) << i)) && c->s[i].used;
		if (claimed)
			continue;
		done |= k->owners;
		ea_buf who, ev;
		ea_buf_init(&who, SENDERS_FIX_MAX);
		ea_buf_init(&ev, SENDERS_FIX_MAX);
		const ea_profile *ses = NULL;
		for (size_t i = 0; i < pr->count; i++)
			if ((k->owners & (UINT64_C(1) << i)) && pr->s[i].ses_tokens)
				ses = &pr->s[i];
		for (size_t i = 0; i < pr->count; i++) {
			if (!(k->owners & (UINT64_C(1) << i)) || &pr->s[i] == ses)
				continue;
			ea_buf_printf(&who, "%s%s", who.len ? ", " : "", pr->s[i].name);
		}
		for (size_t m = n; m < c->nclue; m++)   /* every clue with the same candidates */
			if (c->clues[m].owners == k->owners && !c->clues[m].weak)
				ea_buf_printf(&ev, "%s%s%s", ev.len ? "; " : "", c->clues[m].label, c->clues[m].value);
		ea_finding *f;
		if (ses)
			f = ea_section_addf(sec, "sender.candidates", EA_SEV_INFO,
			    "%s: %s, or a service that sends through it (%s); this evidence is shared, so "
			    "nothing is judged for any one of them until one shows evidence of its own (a DKIM "
			    "key at its selector, its return path)%s", ev.data ? ev.data : "", ses->name,
			    who.data ? who.data : "", req->token_count ? "" : "; to check Amazon SES's DKIM, "
			    "give the SES tokens (the Easy DKIM selectors of the identity)");
		else
			f = ea_section_addf(sec, "sender.candidates", EA_SEV_INFO,
			    "%s: one of %s; this evidence is shared, so nothing is judged for any one of them "
			    "until one shows evidence of its own", ev.data ? ev.data : "", who.data ? who.data : "");
		if (f) {
			if (ses && req->token_count == 0)
				f->needs = EA_NEED_SES_TOKENS;
			ea_finding_set(&f->subject, "%s%s%s", ses ? ses->name : "", ses ? " or " : "",
			               who.data ? who.data : "");
			ea_finding_set(&f->found, "%s", ev.data ? ev.data : "");
		}
		ea_buf_free(&who);
		ea_buf_free(&ev);
	}
}

/* A profile's fix text with <domain> filled in. */
static void fill_domain(const char *text, const char *domain, ea_buf *out)
{
	const char *p = text;
	for (const char *hit; (hit = strstr(p, "<domain>")) != NULL; p = hit + 8)
		ea_buf_printf(out, "%.*s%s", (int)(hit - p), p, domain);
	ea_buf_puts(out, p);
}

/* "; <lead><the profile's fix>", and for SES with --tokens the CNAMEs themselves. */
static void sender_fix(ea_finding *f, const char *lead, const char *text, const ea_profile *p,
                       const ea_audit_request *req)
{
	if (f == NULL || text == NULL)
		return;
	ea_buf b;
	ea_buf_init(&b, SENDERS_FIX_MAX);
	ea_buf_printf(&b, "; %s", lead);
	fill_domain(text, req->domain, &b);
	if (p->ses_tokens && text == p->dkim_fix)
		for (size_t i = 0; i < req->token_count; i++)
			ea_buf_printf(&b, "\n%s._domainkey.%s. 1800 IN CNAME %s.%s.", req->tokens[i], req->domain,
			              req->tokens[i], ea_ses_dkim_domain(req->region));
	ea_finding_set(&f->fix, "%s", b.data ? b.data : "");
	ea_buf_free(&b);
}

/* The apex SPF record with include:inc added before its all (or redirect=). */
static void spf_with_include(const char *text, const char *inc, const char *domain, ea_buf *out)
{
	ea_buf rec;
	ea_buf_init(&rec, SENDERS_SPF_TEXT_MAX + EA_NAME_MAX + 16);
	if (text[0] == '\0') {
		ea_buf_printf(&rec, "v=spf1 include:%s ~all", inc);
	} else {
		bool added = false;
		for (const char *t = text; *t;) {
			while (*t == ' ')
				t++;
			size_t n = strcspn(t, " ");
			if (n == 0)
				break;
			const char *m = (*t == '+' || *t == '-' || *t == '~' || *t == '?') ? t + 1 : t;
			size_t ml = n - (size_t)(m - t);
			if (!added && ((ml == 3 && strncasecmp(m, "all", 3) == 0) ||
			               strncasecmp(t, "redirect=", 9) == 0)) {
				ea_buf_printf(&rec, " include:%s", inc);
				added = true;
			}
			ea_buf_printf(&rec, "%s%.*s", rec.len ? " " : "", (int)n, t);
			t += n;
		}
		if (!added)
			ea_buf_printf(&rec, " include:%s", inc);
	}
	ea_buf_printf(out, "%s. %d IN TXT ", domain, EA_AUDIT_FIX_TTL);
	ea_audit_txt_strings(rec.data ? rec.data : "", out);
	ea_buf_free(&rec);
}

/* Whether the sender's DKIM selectors are known: documented fixed ones, the SES
 * tokens given, or a key found at one of them. */
static bool selectors_known(const ea_profile *p, const sender_state *s, const ea_audit_request *req)
{
	if (s->keys_found > 0)
		return true;
	if (p->ses_tokens)
		return req->token_count > 0;
	if (p->selector_chosen)
		return false;
	for (size_t k = 0; k < p->selectors.count; k++)
		if (!is_glob(p->selectors.items[k]))
			return true;
	return false;
}

static void sender_findings(ea_section *sec, const ea_profile *p, const sender_state *s,
                            const ea_audit_request *req, const char *domain, const char *spf_text)
{
	size_t first = sec->finding_count;
	ea_finding *f = ea_section_addf(sec, "sender.found", EA_SEV_INFO, "used: %s", s->evidence);
	if (f) {
		ea_finding_set(&f->subject, "%s", p->name);
		ea_finding_set(&f->found, "%s", s->evidence);
		f->primary = true;
	}
	if (s->keys_ok == 0 && s->keys_unknown > 0 && selectors_known(p, s, req)) {
		f = ea_section_addf(sec, "sender.dkim_undetermined", EA_SEV_ERROR,
		    "whether its mail is signed for %s is not determined: the lookup of %zu of its DKIM "
		    "selectors failed, so this is not a verdict that a key is missing (evidence that it is "
		    "used: %s)", domain, s->keys_unknown, s->evidence);
		if (f)
			f->undetermined = true;
	} else if (s->keys_ok == 0 && selectors_known(p, s, req)) {
		f = ea_section_addf(sec, "sender.dkim_missing", EA_SEV_ERROR,
		    "no working DKIM key found at its selectors, so its mail is not signed for %s%s "
		    "(evidence that it is used: %s)",
		    domain, s->keys_found ? " (a record exists but is broken: see dkim-keys)" : "", s->evidence);
		sender_fix(f, "", p->dkim_fix, p, req);
	} else if (s->keys_ok == 0) {
		f = ea_section_addf(sec, "sender.dkim_unknown", EA_SEV_INFO,
		    "its DKIM selector cannot be guessed, so its DKIM is not checked: %s",
		    p->ses_tokens ? "give the SES tokens (the Easy DKIM selectors of the identity) to check "
		                    "SES's DKIM" : "give the selector (the s= of its DKIM-Signature header) "
		                    "to check its key");
		if (f)
			f->needs = p->ses_tokens ? EA_NEED_SES_TOKENS : EA_NEED_SELECTOR;
		sender_fix(f, "", p->dkim_fix, p, req);
	} else if (p->all_selectors) {
		for (size_t k = 0; k < p->selectors.count && k < 32; k++) {
			if (s->selectors_seen & (UINT32_C(1) << k))
				continue;
			if (s->selectors_failed & (UINT32_C(1) << k)) {   /* not known: never "missing" */
				f = ea_section_addf(sec, "sender.dkim_undetermined", EA_SEV_ERROR,
				    "%s._domainkey.%s is not determined (its lookup failed): whether %s has every "
				    "selector it needs published is not known (the others found: %s)",
				    p->selectors.items[k], domain, p->name, s->evidence);
				if (f)
					f->undetermined = true;
				continue;
			}
			f = ea_section_addf(sec, "sender.dkim_incomplete", EA_SEV_WARNING,
			    "%s._domainkey.%s is missing: %s needs every one of its selectors published, to turn "
			    "signing on and to rotate keys (the others found: %s)", p->selectors.items[k], domain,
			    p->name, s->evidence);
			sender_fix(f, "", p->dkim_fix, p, req);
		}
	}
	if (p->envelope == EA_ENVELOPE_DOMAIN && !s->spf_included && p->spf_includes.count) {
		f = ea_section_addf(sec, "sender.spf_missing", EA_SEV_WARNING,
		    "it sends with %s as the return path, but the SPF record of %s does not include %s",
		    domain, domain, p->spf_includes.items[0]);
		if (f) {
			ea_buf b;
			ea_buf_init(&b, SENDERS_FIX_MAX);
			ea_buf_printf(&b, "; %s record (keep ONE SPF record):\n", spf_text[0] ? "replace the SPF" :
			              "publish an SPF");
			spf_with_include(spf_text, p->spf_includes.items[0], domain, &b);
			ea_finding_set(&f->fix, "%s", b.data ? b.data : "");
			ea_buf_free(&b);
		}
	}
	if (p->envelope == EA_ENVELOPE_RETURN_PATH && !s->return_path && !s->mail_from_given) {
		f = ea_section_addf(sec, "sender.return_path_missing", EA_SEV_INFO,
		    "no return-path (MAIL FROM) subdomain found, so SPF passes for %s's own domain and "
		    "cannot align; DMARC then depends on DKIM alone", p->name);
		sender_fix(f, "optional, for SPF alignment: ", p->spf_fix, p, req);
	}
	for (size_t i = first; i < sec->finding_count; i++)   /* every finding names its sender */
		if (sec->findings[i].subject == NULL)
			ea_finding_set(&sec->findings[i].subject, "%s", p->name);
}

/* The return path this sender's mail uses under the domain, or NULL: for SES the
 * custom MAIL FROM given (--mail-from), else the one found at the usual names. */
static const char *return_path_of(const ea_profile *p, const sender_state *s,
                                  const ea_audit_request *req)
{
	if (p->envelope != EA_ENVELOPE_RETURN_PATH)
		return NULL;
	if (s->mail_from_given)
		return req->mail_from;   /* the one given is SES's unless its target says otherwise */
	return s->return_path ? s->return_path_name : NULL;
}

/* Round 3: whether each MX-based return path (SES custom MAIL FROM) works; a
 * broken one makes SES bounce to its own domain, so SPF does not align. */
static int check_return_paths(ea_job *job, senders_ctx *c, const ea_profiles *pr,
                              const ea_audit_request *req)
{
	bool pending = false;
	for (size_t i = 0; i < pr->count; i++) {
		const ea_profile *p = &pr->s[i];
		sender_state *s = &c->s[i];
		const char *rp = return_path_of(p, s, req);
		if (!s->used || rp == NULL || p->rp_mx == NULL)
			continue;
		const ea_dns_answer *m = ea_lookup(job, rp, EA_RR_MX, "return path: MX (does it work?)");
		const ea_dns_answer *t = ea_lookup(job, rp, EA_RR_TXT, "return path: SPF (does it work?)");
		if (m == NULL || t == NULL) {
			pending = true;
			continue;
		}
		s->rp_verdict = ea_audit_return_path(p->rp_mx, p->rp_spf_include, m, t, s->rp_why,
		                                     sizeof(s->rp_why));
		ea_audit_mail_from_region(m, req->region, s->rp_region, sizeof(s->rp_region));
	}
	return pending ? EA_EPENDING : EA_OK;
}

/* The answer the user came for: will this sender's mail pass DMARC? */
static void alignment_finding(ea_section *sec, const ea_profile *p, const sender_state *s,
                              const ea_dmarc_discovery *d, const ea_audit_request *req,
                              const char *domain)
{
	bool dkim_known = s->keys_ok > 0 || selectors_known(p, s, req);
	bool have = d->outcome == EA_DMARC_FOUND;
	char aspf = have ? d->record.aspf : 'r';
	bool dkim = s->keys_ok > 0;
	bool spf = false;
	const char *spf_how = "";
	char rp[EA_NAME_MAX + 1] = "";
	const char *rp_name = return_path_of(p, s, req);
	bool rp_broken = rp_name && s->rp_verdict != EA_RP_WORKS;
	char broken[EA_NAME_MAX + 320] = "";
	if (p->envelope == EA_ENVELOPE_DOMAIN && s->spf_included) {
		spf = true;
		spf_how = "SPF (the return path is the domain itself)";
	} else if (rp_name) {
		ea_copy(rp, sizeof(rp), rp_name);
		spf = !rp_broken && aspf != 's' && ea_name_is_subdomain(rp, domain);
		spf_how = "SPF (return path under the domain, relaxed aspf)";
	}
	if (rp_broken)
		snprintf(broken, sizeof(broken), "the %s %s %s (%s), so %s mail bounces to its own domain%s%s%s "
		         "and SPF does not align", p->ses_tokens ? "custom MAIL FROM" : "return path", rp,
		         s->rp_verdict == EA_RP_UNKNOWN ? "could not be checked" : "does not work", s->rp_why,
		         p->name, p->rp_spf_include ? " (" : "",
		         p->rp_spf_include ? p->rp_spf_include : "", p->rp_spf_include ? ")" : "");
	ea_finding *f;
	if (dkim) {
		f = ea_section_addf(sec, "align.pass", EA_SEV_OK,
		    "mail passes DMARC through DKIM (signed d=%s)%s%s%s%s%s", domain,
		    spf ? " and through " : "", spf ? spf_how : "", rp_broken ? "; " : "", broken,
		    p->ses_tokens ? "; the extra d=amazonses.com signature SES adds never aligns, and "
		                    "does not need to" : "");
	} else if (s->keys_unknown > 0 && dkim_known) {
		/* Its keys were not seen: SPF may carry it, nothing fails on no evidence. */
		if (spf)
			f = ea_section_addf(sec, "align.pass", EA_SEV_OK,
			    "mail passes DMARC through %s; its DKIM is not determined (the lookup of its "
			    "selectors failed)", spf_how);
		else {
			f = ea_section_addf(sec, "align.undetermined", EA_SEV_ERROR,
			    "whether its mail passes DMARC is not determined: SPF does not align (%s), and the "
			    "lookup of its DKIM selectors failed, so its DKIM is not known", rp_broken ? broken :
			    "it bounces to its own domain");
			if (f)
				f->undetermined = true;
		}
	} else if (spf && !dkim_known) {
		f = ea_section_addf(sec, "align.pass", EA_SEV_OK,
		    "mail passes DMARC through %s; its DKIM is not checked (the selector is not known)",
		    spf_how);
	} else if (!dkim_known) {
		f = ea_section_addf(sec, "align.unknown", EA_SEV_INFO,
		    "whether its mail passes DMARC cannot be told: SPF does not align (%s), and its DKIM "
		    "selector is not known, so its DKIM was not checked; %s", rp_broken ? broken :
		    "it bounces to its own domain", p->ses_tokens ? "give the SES tokens to check SES's "
		    "DKIM" : "give the selector (the s= of its DKIM-Signature header) to check it");
		if (f)
			f->needs = p->ses_tokens ? EA_NEED_SES_TOKENS : EA_NEED_SELECTOR;
		sender_fix(f, "to have it pass: ", p->dkim_fix, p, req);
	} else if (spf) {
		f = ea_section_addf(sec, "align.spf_only", EA_SEV_WARNING,
		    "mail passes DMARC only through %s; forwarded mail loses SPF and then fails. "
		    "Set up DKIM so it passes on its own", spf_how);
		sender_fix(f, "the one change: ", p->dkim_fix, p, req);
	} else {
		const char *why = rp_broken ? broken
		    : p->envelope == EA_ENVELOPE_RETURN_PATH && rp[0] && aspf == 's'
		    ? "aspf=s makes the return-path subdomain unaligned, and there is no DKIM key"
		    : "no DKIM key for the domain and SPF is checked on the sender's own domain";
		f = ea_section_addf(sec, "align.fail", EA_SEV_ERROR,
		    "mail will FAIL DMARC: %s%s%s", why, rp_broken ? "; and there is no DKIM key" : "",
		    p->ses_tokens ? " (the d=amazonses.com signature SES adds never aligns)" : "");
		sender_fix(f, "the one change: ", p->dkim_fix, p, req);
		if (f && rp_broken && s->rp_verdict == EA_RP_UNKNOWN)
			f->undetermined = true;
		if (f && rp_broken && p->ses_tokens) {   /* the other way: SPF aligns once it works */
			ea_buf b;
			ea_buf_init(&b, SENDERS_FIX_MAX);
			ea_buf_printf(&b, "%s\n; or, for SPF alignment (relaxed aspf), repair the custom MAIL FROM "
			              "(see the mail-from section):\n", f->fix ? f->fix : "");
			ea_audit_mail_from_lines(&b, rp, s->rp_region, true, true);
			ea_finding_set(&f->fix, "%s", b.data ? b.data : "");
			ea_buf_free(&b);
		}
	}
	if (f) {
		ea_finding_set(&f->subject, "%s", p->name);
		f->primary = true;
	}
}

int ea_check_senders(ea_job *job, void *arg)
{
	const ea_audit_request *req = arg;
	const ea_profiles *pr = req->profiles ? req->profiles : ea_profiles_builtin();
	ea_report *rep = ea_job_report(job);
	ea_section *keys = ea_report_section(rep, "dkim-keys");
	ea_section *snd = ea_report_section(rep, "senders");
	ea_section *aln = ea_report_section(rep, "alignment");
	if (!keys || !snd || !aln || !pr)
		return EA_ENOMEM;
	senders_ctx *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return EA_ENOMEM;
	const char *d = req->domain;
	int rc = EA_EPENDING;
	for (size_t i = 0; i < req->selector_count; i++)
		add_selector(c, d, req->selectors[i], true, false);
	for (size_t i = 0; i < req->token_count; i++)
		add_selector(c, d, req->tokens[i], true, true);
	for (size_t i = 0; i < pr->count; i++) {
		for (size_t k = 0; k < pr->s[i].selectors.count; k++)
			if (!is_glob(pr->s[i].selectors.items[k]))
				add_selector(c, d, pr->s[i].selectors.items[k], false, false);
		for (size_t k = 0; k < pr->s[i].weak_selectors.count; k++)
			add_selector(c, d, pr->s[i].weak_selectors.items[k], false, false);
	}
	for (size_t i = 0; i < pr->count; i++)
		for (size_t k = 0; k < pr->s[i].rp_names.count; k++)
			add_return_path(c, d, pr->s[i].rp_names.items[k], (long)i);
	bool pending = false;
	for (size_t i = 0; i < c->nsel; i++) {
		c->sel[i].a = ea_lookup(job, c->sel[i].name, EA_RR_TXT, "DKIM key (selector)");
		pending |= c->sel[i].a == NULL;
	}
	for (size_t i = 0; i < c->nrp; i++) {
		c->rp[i].mx = ea_lookup(job, c->rp[i].name, EA_RR_MX, "sender return path (MX)");
		c->rp[i].cname = ea_lookup(job, c->rp[i].name, EA_RR_CNAME, "sender return path (CNAME)");
		pending |= c->rp[i].mx == NULL || c->rp[i].cname == NULL;
	}
	const ea_dns_answer *given_mf = NULL;
	if (req->mail_from[0]) {
		given_mf = ea_lookup(job, req->mail_from, EA_RR_MX, "the MAIL FROM domain given (whose is it?)");
		pending |= given_mf == NULL;
	}
	const ea_dns_answer *spf = ea_lookup(job, d, EA_RR_TXT, "SPF record (which senders are included)");
	const ea_dns_answer *mx = ea_lookup(job, d, EA_RR_MX, "MX (which mail provider)");
	char wild_name[EA_NAME_MAX + 80];
	snprintf(wild_name, sizeof(wild_name), "%s._domainkey.%s", SENDERS_WILDCARD_PROBE, d);
	const ea_dns_answer *wild = ea_lookup(job, wild_name, EA_RR_TXT, "is there a wildcard?");
	int drc = ea_dmarc_discover(job, d, &c->dmarc);
	if (pending || !spf || !mx || !wild || drc == EA_EPENDING)
		goto out;

	read_spf(c, spf, -1);
	bool addr_pending = probe_addresses(job, c, wild) == EA_EPENDING;
	if (read_spf_tree(job, c, pr) == EA_EPENDING || addr_pending)
		goto out;
	/* A wildcard *._domainkey answers every name: what it says at a selector no
	 * one asked for is no sender's key (M3AAWG parks domains with an empty one). */
	bool wild_txt = wild->outcome == EA_DNS_FOUND && ea_dns_answer_count(wild, EA_RR_TXT) > 0 &&
	                ea_dns_answer_cname(wild) == NULL;
	size_t nwild = 0;
	for (size_t i = 0; i < c->nsel; i++) {
		char want[EA_NAME_MAX + 1];
		snprintf(want, sizeof(want), "%s.%s", c->sel[i].sel, ea_ses_dkim_domain(req->region));
		if (wild_txt && !c->sel[i].asked && same_txt(c->sel[i].a, wild)) {
			memset(&c->sel[i].st, 0, sizeof(c->sel[i].st));
			nwild++;
			continue;
		}
		ea_audit_key(keys, c->sel[i].sel, c->sel[i].name, c->sel[i].a, c->sel[i].addr,
		             c->sel[i].asked, c->sel[i].token ? want : NULL, &c->sel[i].st);
	}
	bool parked = wild_txt && wildcard_finding(keys, wild, d, nwild);
	if (given_mf)
		c->mail_from_owners = owners_of_return_path(pr, given_mf, NULL);
	for (size_t i = 0; req->mail_from[0] && i < pr->count; i++)
		c->s[i].mail_from_given = pr->s[i].ses_tokens &&
		    (c->mail_from_owners == 0 || (c->mail_from_owners & (UINT64_C(1) << i)));
	detect(c, pr, mx->outcome == EA_DNS_FOUND ? mx : NULL, req);
	note_failures(c, pr);
	if (check_return_paths(job, c, pr, req) == EA_EPENDING)
		goto out;
	size_t nkeys = 0, used = 0, nfailed = 0;
	for (size_t i = 0; i < c->nsel; i++) {
		nkeys += c->sel[i].st.present;
		nfailed += c->sel[i].st.failed;
	}
	if (nkeys == 0 && nfailed > 0) {
		/* A summary over failed lookups is no absence: say it is unknown. */
		ea_finding *f = ea_section_addf(keys, "dkim.key.undetermined", EA_SEV_ERROR,
		    "could not determine whether a DKIM key is published: %zu of the %zu selector lookups "
		    "failed; this is not a verdict that none is", nfailed, c->nsel);
		if (f)
			f->undetermined = true;
	} else if (nkeys == 0 && !parked) {
		ea_finding *f = ea_section_addf(keys, "dkim.key.none_found", EA_SEV_INFO,
		    "no DKIM key found at the %zu selectors tried (those given and the common ones of known "
		    "senders); most selectors cannot be guessed: if you sign mail, give its selector (the "
		    "s= of your DKIM-Signature header) to check its key", c->nsel);
		if (f)
			f->needs = EA_NEED_SELECTOR;
		if (f)
			ea_finding_set(&f->fix, "; if your mail is signed, the key must be published at "
			               "<selector>._domainkey.%s, exactly as your mail service shows it, e.g.:\n"
			               "<selector>._domainkey.%s. %d IN TXT \"v=DKIM1; k=rsa; p=<public key>\"",
			               d, d, EA_AUDIT_FIX_TTL);
	}
	for (size_t i = 0; i < c->nsel; i++) {
		const sel_probe *p = &c->sel[i];
		if (p->st.present && p->profile < 0 && p->st.first_target) {
			const char *who = ea_profiles_sender_of(pr, p->st.first_target);
			ea_section_addf(snd, "sender.unknown", EA_SEV_INFO,
			    "selector %s points to %s%s%s%s", p->sel, p->st.first_target, who ? " (" : "",
			    who ? who : "", who ? ")" : ", a sender this tool has no profile for");
		}
	}
	for (size_t i = 0; i < pr->count; i++) {
		if (!c->s[i].used)
			continue;
		used++;
		sender_findings(snd, &pr->s[i], &c->s[i], req, d, c->spf_text);
		alignment_finding(aln, &pr->s[i], &c->s[i], &c->dmarc, req, d);
	}
	candidate_findings(snd, c, pr, req);
	bool blind = c->spf_failed || mx->outcome == EA_DNS_UNKNOWN || nfailed == c->nsel;
	if (used == 0 && snd->finding_count == 0) {
		ea_finding *f = ea_section_addf(snd, blind ? "sender.undetermined" : "sender.none_found",
		    blind ? EA_SEV_ERROR : EA_SEV_INFO,
		    "%s%zu profiled senders was recognised (by DKIM selectors, SPF includes, MX or "
		    "return-path records)%s", blind ? "could not determine the senders: none of the " :
		    "none of the ", pr->count, blind ? ", but the lookups that name them failed (SPF, MX "
		    "or every DKIM selector); this is not a verdict" : "");
		if (f && blind)
			f->undetermined = true;
	}
	if (c->dmarc.outcome != EA_DMARC_FOUND && used > 0)
		ea_section_addf(aln, "align.no_dmarc", EA_SEV_WARNING,
		    "there is no DMARC policy in force, so receivers do not check alignment yet; the "
		    "verdicts above say what will happen once you publish one (see the dmarc section)");
	size_t nbehind = 0;   /* a CNAME seen, the key behind it not determined */
	for (size_t i = 0; i < c->nsel; i++)
		nbehind += c->sel[i].st.failed && ea_dns_answer_cname(c->sel[i].a) != NULL;
	if (nbehind > 0)
		ea_section_set_summary(keys, "%zu selector%s with a record, of %zu tried (%zu of them a CNAME "
		                       "whose key is not determined)", nkeys + nbehind,
		                       nkeys + nbehind == 1 ? "" : "s", c->nsel, nbehind);
	else
		ea_section_set_summary(keys, "%zu selector%s with a record, of %zu tried", nkeys,
		                       nkeys == 1 ? "" : "s", c->nsel);
	ea_section_set_summary(snd, "%zu sender%s recognised", used, used == 1 ? "" : "s");
	ea_section_set_summary(aln, "%zu sender%s judged", used, used == 1 ? "" : "s");
	rc = EA_OK;
out:
	free(c);
	return rc;
}

int ea_audit_set_selectors(ea_audit_request *req, const char *list)
{
	const char *p = list;
	while (*p) {
		while (*p == ',' || *p == ' ')
			p++;
		size_t n = strcspn(p, ", ");
		if (n == 0)
			break;
		if (n > EA_AUDIT_SELECTOR_MAX)
			return EA_EINVAL;
		for (size_t i = 0; i < n; i++) {
			char ch = p[i];
			bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			          (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
			if (!ok)
				return EA_EINVAL;
		}
		if (req->selector_count >= EA_AUDIT_MAX_SELECTORS)
			return EA_ERANGE;
		snprintf(req->selectors[req->selector_count++], EA_AUDIT_SELECTOR_MAX + 1, "%.*s", (int)n, p);
		p += n;
	}
	return EA_OK;
}
