/*
 * The DNS records of MTA-STS (RFC 8461 3.1), TLS-RPT (RFC 8460 3) and BIMI
 * (default._bimi): present, one of them, and the tags they need. The MTA-STS
 * policy file (HTTPS) is not fetched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/internal.h"
#include "record/taglist.h"
#include "util/util.h"

/* Finding codes are stored by pointer in the report: string literals only. */
typedef struct {
	const char *section, *prefix, *version, *what;
	const char *c_failed, *c_missing, *c_multiple, *c_syntax, *c_ok;
} rec_kind;

#define CODES(p) p ".lookup_failed", p ".missing", p ".multiple", p ".syntax", p ".ok"
static const rec_kind kinds[] = {
	{"mta-sts", "_mta-sts", "v=STSv1", "MTA-STS (senders must use TLS to reach you)", CODES("mtasts")},
	{"tls-rpt", "_smtp._tls", "v=TLSRPTv1", "TLS-RPT (reports of TLS failures)", CODES("tlsrpt")},
	{"bimi", "default._bimi", "v=BIMI1", "BIMI (brand logo)", CODES("bimi")},
};

static bool id_ok(ea_str v)
{
	if (v.len == 0 || v.len > 32)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Every comma-separated URI starts with one of the schemes. */
static bool uris_ok(ea_str v, const char *s1, const char *s2)
{
	if (v.len == 0)
		return false;
	size_t i = 0;
	while (i < v.len) {
		size_t start = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		ea_str one = ea_str_make(v.p + start, i - start);
		while (one.len && one.p[0] == ' ') {
			one.p++;
			one.len--;
		}
		if (!ea_str_istarts(one, s1) && !(s2 && ea_str_istarts(one, s2)))
			return false;
		i++;
	}
	return true;
}

/* The tag problem of a record, or NULL. */
static const char *syntax_problem(size_t k, const ea_taglist *tl, bool parsed)
{
	if (!parsed)
		return "the record is not a list of tag=value pairs separated by semicolons";
	if (k == 0) {
		const ea_tag *id = ea_taglist_get(tl, "id");
		if (id == NULL || !id_ok(id->value))
			return "id= is missing or not 1-32 letters and digits; change it whenever the policy "
			       "file changes";
	} else if (k == 1) {
		const ea_tag *rua = ea_taglist_get(tl, "rua");
		if (rua == NULL || !uris_ok(rua->value, "mailto:", "https:"))
			return "rua= is missing or not a list of mailto: or https: URIs";
	} else {
		const ea_tag *l = ea_taglist_get(tl, "l");
		const ea_tag *a = ea_taglist_get(tl, "a");
		if (l == NULL)
			return "l= (the https: URL of the SVG logo) is missing";
		if (l->value.len && !ea_str_istarts(l->value, "https:"))
			return "l= must be an https: URL";
		if (a && a->value.len && !ea_str_istarts(a->value, "https:"))
			return "a= (the mark certificate) must be an https: URL";
	}
	return NULL;
}

/* The record to publish instead of a wrong one (old), as an action. */
static void record_fix(ea_finding *f, size_t k, const char *name, const char *domain,
                       const ea_tag *l, const char *old)
{
	if (f == NULL)
		return;
	char value[EA_NAME_MAX + 640], note[EA_NAME_MAX + 160];
	if (k == 0) {
		char id[32];
		time_t now = time(NULL);
		strftime(id, sizeof(id), "%Y%m%dT%H%M%S", gmtime(&now));
		snprintf(value, sizeof(value), "v=STSv1; id=%s", id);
		snprintf(note, sizeof(note), "Publish the policy file at https://mta-sts.%s/.well-known/"
		         "mta-sts.txt first; change id= whenever it changes", domain);
	} else if (k == 1) {
		snprintf(value, sizeof(value), "v=TLSRPTv1; rua=mailto:tls-reports@%s", domain);
		snprintf(note, sizeof(note), "Reports go to an address you read");
	} else if (l && l->value.len > 7 && ea_str_istarts(l->value, "http://")) {
		/* Keep the logo the record names, over https: (BIMI requires it). */
		snprintf(value, sizeof(value), "v=BIMI1; l=https://%.*s", (int)EA_MIN(l->value.len - 7, 600),
		         l->value.p + 7);
		snprintf(note, sizeof(note), "Serve the SVG logo over https: first");
	} else {
		snprintf(value, sizeof(value), "v=BIMI1; l=https://%s/logo.svg", domain);
		snprintf(note, sizeof(note), "l=: the https: URL of your SVG Tiny PS logo");
	}
	ea_finding_add_action(f, EA_FIX_REPLACE, name, "TXT", value, old, EA_AUDIT_FIX_TTL, note);
}

/* Several records of a kind where one must be: delete them all, publish the first. */
static void multiple_fix(ea_finding *f, const ea_dns_answer *a, const char *version)
{
	char *texts[EA_FIX_MAX_ACTIONS - 1];
	size_t n = 0, vl = strlen(version);
	for (size_t i = 0; i < ea_dns_answer_count(a, EA_RR_TXT) && n < EA_ARRAY_SIZE(texts); i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		if (rr->txt_len >= vl && memcmp(rr->txt, version, vl) == 0 &&
		    (texts[n] = ea_strdup_n((const char *)rr->txt, EA_MIN(rr->txt_len, (size_t)600))) != NULL)
			n++;
	}
	if (n > 0)
		ea_finding_keep_one(f, a->qname, "TXT", (const char *const *)texts, n, 0, EA_AUDIT_FIX_TTL,
		                    "Keep one (here the first)");
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
}

int ea_check_policy_records(ea_job *job, void *arg)
{
	const ea_audit_request *req = arg;
	ea_report *rep = ea_job_report(job);
	const ea_dns_answer *a[EA_ARRAY_SIZE(kinds)];
	bool pending = false;
	for (size_t k = 0; k < EA_ARRAY_SIZE(kinds); k++) {
		char name[EA_NAME_MAX + 32];
		snprintf(name, sizeof(name), "%s.%s", kinds[k].prefix, req->domain);
		a[k] = ea_lookup(job, name, EA_RR_TXT, kinds[k].what);
		pending |= a[k] == NULL;
	}
	ea_dmarc_discovery *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return EA_ENOMEM;
	int drc = ea_dmarc_discover(job, req->domain, d);
	if (pending || drc == EA_EPENDING) {
		free(d);
		return EA_EPENDING;
	}
	for (size_t k = 0; k < EA_ARRAY_SIZE(kinds); k++) {
		ea_section *sec = ea_report_section(rep, kinds[k].section);
		if (sec == NULL)
			continue;
		if (a[k]->outcome == EA_DNS_UNKNOWN) {
			ea_finding *f = ea_section_addf(sec, kinds[k].c_failed, EA_SEV_ERROR,
			    "could not determine: the lookup of %s failed (%s)", a[k]->qname,
			    ea_dns_reason_text(a[k]->reason));
			if (f)
				f->undetermined = true;
			continue;
		}
		size_t count = 0;
		const ea_dns_rr *rec = NULL;
		size_t vl = strlen(kinds[k].version);
		for (size_t i = 0; i < ea_dns_answer_count(a[k], EA_RR_TXT); i++) {
			const ea_dns_rr *rr = ea_dns_answer_get(a[k], EA_RR_TXT, i);
			if (rr->txt_len >= vl && memcmp(rr->txt, kinds[k].version, vl) == 0 &&
			    (rr->txt_len == vl || rr->txt[vl] == ';' || rr->txt[vl] == ' ')) {
				count++;
				rec = rec ? rec : rr;
			}
		}
		ea_finding *f;
		if (count == 0) {
			f = ea_section_addf(sec, kinds[k].c_missing, EA_SEV_INFO, "no %s record at %s (optional)",
			                    kinds[k].what, a[k]->qname);
			continue;
		}
		if (count > 1) {
			f = ea_section_addf(sec, kinds[k].c_multiple, EA_SEV_ERROR,
			    "%zu %s records at %s: receivers ignore them all when there is more than one; "
			    "keep one", count, kinds[k].version, a[k]->qname);
			if (f)
				multiple_fix(f, a[k], kinds[k].version);
			continue;
		}
		ea_taglist tl;
		bool parsed = ea_taglist_parse((const char *)rec->txt, rec->txt_len, &tl);
		const char *problem = syntax_problem(k, &tl, parsed);
		if (problem) {
			f = ea_section_addf(sec, kinds[k].c_syntax, EA_SEV_ERROR, "%s at %s: %s", kinds[k].version,
			                    a[k]->qname, problem);
			char *old = ea_strdup_n((const char *)rec->txt, EA_MIN(rec->txt_len, (size_t)600));
			record_fix(f, k, a[k]->qname, req->domain, parsed ? ea_taglist_get(&tl, "l") : NULL, old);
			free(old);
		} else {
			f = ea_section_addf(sec, kinds[k].c_ok, EA_SEV_OK, "%s record present and well-formed%s",
			                    kinds[k].what,
			                    k == 0 ? " (the policy file at https://mta-sts.<domain>/.well-known/"
			                             "mta-sts.txt was not fetched)" : "");
		}
		if (f) {
			ea_finding_set(&f->name, "%s", a[k]->qname);
			ea_finding_set(&f->found, "TXT \"%.*s\"", (int)EA_MIN(rec->txt_len, 600),
			               (const char *)rec->txt);
		}
		if (k == 2) {
			bool enforcing = d->outcome == EA_DMARC_FOUND && d->record.p_valid &&
			                 d->record.p != EA_DMARC_P_NONE;
			if (!enforcing) {
				f = ea_section_addf(sec, "bimi.needs_enforcement", EA_SEV_WARNING,
				    "mailbox providers show a BIMI logo only when DMARC is enforced (p=quarantine "
				    "or p=reject); this domain's DMARC policy is not, so the logo will not show");
				if (f)
					ea_finding_set(&f->fix, "; once DMARC reports show your mail passing (keep your "
					               "rua= and other tags):\n_dmarc.%s. %d IN TXT \"v=DMARC1; "
					               "p=quarantine\"", req->domain, EA_AUDIT_FIX_TTL);
			}
		}
	}
	free(d);
	return EA_OK;
}
