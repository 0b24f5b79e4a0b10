/*
 * The "dmarc" section of the domain audit: which record applies (RFC 9989 tree
 * walk), what is wrong with it, and whether each external report destination
 * has authorised the domain (RFC 9990 / RFC 7489 7.1).
 *
 * Rounds: 1. the walk (<= 8 TXT).  2. probes at wrong names when there is no
 * record; the destinations' Organizational Domains.  3. the authorisation records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dmarc/internal.h"
#include "util/buf.h"
#include "util/util.h"

static const char CHECK[] = "dmarc";
#define DMARC_FIX_TTL 3600
#define DMARC_MAX_PROBES 4

static ea_finding *add(ea_section *sec, const char *code, ea_severity sev, const char *name,
                       const char *msg)
{
	ea_finding *f = ea_section_addf(sec, code, sev, "%s", msg);
	if (f && name)
		ea_finding_set(&f->name, "%s", name);
	return f;
}

/* f's fix: the DMARC record of domain replaced by value (the note says when or why). */
static void replace_fix(ea_finding *f, const char *domain, const char *old, const char *value,
                        const char *note)
{
	char name[EA_NAME_MAX + 8];
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	ea_finding_add_action(f, old ? EA_FIX_REPLACE : EA_FIX_ADD, name, "TXT", value, old,
	                      DMARC_FIX_TTL, note && *note ? note : NULL);
}

/* The record with one tag set to a new value (or added), for fix lines. */
static void with_tag(const char *text, const char *tag, const char *value, char *out, size_t size)
{
	ea_buf b;
	ea_buf_init(&b, size - 1);
	bool done = false;
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;
		while (s < p + len && (*s == ' ' || *s == '\t'))
			s++;
		size_t tl = strlen(tag);
		const char *q = s + tl;
		while (q < p + len && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(p + len - s) > tl && strncasecmp(s, tag, tl) == 0 && *q == '=') {
			ea_buf_printf(&b, "%s%s=%s", b.len ? "; " : "", tag, value);
			done = true;
		} else if (s < p + len) {
			ea_buf_printf(&b, "%s%.*s", b.len ? "; " : "", (int)(p + len - s), s);
		}
		p = end ? end + 1 : p + len;
	}
	if (!done)
		ea_buf_printf(&b, "; %s=%s", tag, value);
	ea_copy(out, size, b.data ? b.data : "");
	ea_buf_free(&b);
}

/* The fix of a parser warning: the corrected record, quotes and backslashes escaped. */
static void repaired_fix(ea_finding *f, const ea_dmarc_discovery *d, const char *code,
                         const char *fixed)
{
	const char *what = strcmp(code, "dmarc.tag.duplicate") == 0 ? "each tag once, the first kept"
	                 : strcmp(code, "dmarc.pct.partial") == 0 ? "without pct= (t=y tests a policy)"
	                 : strncmp(code, "dmarc.uri.", 10) == 0 ? "without the report destinations that "
	                                                          "cannot work"
	                 : "without what is not tag=value";
	char note[256];
	snprintf(note, sizeof(note), "replace the record with this one (%s; it also fixes the other "
	         "warnings of the record's syntax)", what);
	replace_fix(f, d->policy_domain, d->record_text, fixed, note);
}

static void note_findings(ea_section *sec, const ea_dmarc_discovery *d)
{
	const ea_dmarc_record *r = &d->record;
	char name[EA_NAME_MAX + 8], fixed[EA_DMARC_RECORD_MAX + 1];
	snprintf(name, sizeof(name), "_dmarc.%s", d->policy_domain);
	/* One corrected record for all the notes that say to drop something. */
	bool repaired = ea_dmarc_record_repaired(d->record_text, r, fixed, sizeof(fixed));
	for (size_t i = 0; i < r->note_count; i++) {
		const ea_dmarc_note *n = &r->notes[i];
		ea_finding *f = ea_section_addf(sec, n->code, n->severity, "%s (at byte %zu of the record)",
		                                n->message, n->offset);
		if (f == NULL)
			continue;
		ea_finding_set(&f->name, "%s", name);
		if (n->tag[0])
			ea_finding_set(&f->subject, "%s", n->tag);
		f->rfc = "RFC 9989 4.7";
		if (repaired && n->severity >= EA_SEV_WARNING && ea_dmarc_note_repairable(n->code))
			repaired_fix(f, d, n->code, fixed);
	}
}

/* f's fix: the published record with tag=value, as a zone-file line after intro. */
static void fix_with_tag(ea_finding *f, const ea_dmarc_discovery *d, const char *tag,
                         const char *value, const char *intro)
{
	if (f == NULL)
		return;
	char rec[EA_DMARC_RECORD_MAX];
	with_tag(d->record_text, tag, value, rec, sizeof(rec));
	replace_fix(f, d->policy_domain, d->record_text, rec, intro);
}

static void policy_findings(ea_section *sec, const ea_dmarc_discovery *d, bool own)
{
	const ea_dmarc_record *r = &d->record;
	char name[EA_NAME_MAX + 8], rec[EA_DMARC_RECORD_MAX];
	snprintf(name, sizeof(name), "_dmarc.%s", d->policy_domain);
	ea_finding *f;
	char why[200];
	ea_dmarc_applies applies = ea_dmarc_record_applies(r, why, sizeof(why));
	if (applies == EA_DMARC_NOT_APPLIED) {
		f = add(sec, "dmarc.no_policy", EA_SEV_ERROR, name, why);
		if (f)
			f->primary = true;   /* the verdict: the record is there, but does nothing */
		char fixed[EA_DMARC_RECORD_MAX];
		if (!r->duplicate_tag)
			fix_with_tag(f, d, r->p_present && r->p_valid ? "sp" : "p", "none",
			             "replace the record with one whose policy tags are valid");
		else if (f && ea_dmarc_record_repaired(d->record_text, r, fixed, sizeof(fixed)))
			replace_fix(f, d->policy_domain, d->record_text, fixed,
			            "replace the record with this one (each tag once, the first kept)");
		return;
	}
	if (applies == EA_DMARC_APPLIED_AS_NONE) {
		f = add(sec, "dmarc.p.missing", EA_SEV_WARNING, name, why);
		if (!r->p_present || !r->p_valid)
			fix_with_tag(f, d, "p", "none", "");
	} else if (r->p == EA_DMARC_P_NONE && own) {
		f = add(sec, "dmarc.p.none", EA_SEV_WARNING, name,
		        "p=none only monitors: mail that fails DMARC is still delivered, so anyone can send "
		        "as this domain. When the aggregate reports show that all your senders pass, move "
		        "to p=quarantine, then p=reject");
		fix_with_tag(f, d, "p", "quarantine", "next step, once reports show your mail passing");
	}
	/* sp= and np= raised together, so that applying either fix fixes both. */
	char tight[EA_DMARC_RECORD_MAX + 1];
	ea_copy(tight, sizeof(tight), d->record_text);
	if (r->p_valid && r->sp_present && r->sp_valid && r->sp < r->p) {
		with_tag(tight, "sp", ea_dmarc_policy_name(r->p), rec, sizeof(rec));
		ea_copy(tight, sizeof(tight), rec);
	}
	if (r->p_valid && r->np_present && r->np_valid && r->np < r->p) {
		with_tag(tight, "np", "reject", rec, sizeof(rec));
		ea_copy(tight, sizeof(tight), rec);
	}
	if (r->p_valid && r->sp_present && r->sp_valid && r->sp < r->p) {
		f = ea_section_addf(sec, "dmarc.sp.weaker", EA_SEV_WARNING,
		    "sp=%s is weaker than p=%s: mail from made-up subdomains (anything.%s) gets the weaker "
		    "policy, which spoofers use", ea_dmarc_policy_name(r->sp), ea_dmarc_policy_name(r->p),
		    d->policy_domain);
		if (f) {
			ea_finding_set(&f->name, "%s", name);
			replace_fix(f, d->policy_domain, d->record_text, tight,
			            "unless a subdomain really needs the weaker policy");
		}
	}
	if (r->p_valid && r->np_present && r->np_valid && r->np < r->p) {
		f = ea_section_addf(sec, "dmarc.np.weaker", EA_SEV_WARNING,
		    "np=%s is weaker than p=%s: subdomains that do not exist at all send no real mail, so "
		    "np= should be at least as strict (reject is usual)", ea_dmarc_policy_name(r->np),
		    ea_dmarc_policy_name(r->p));
		if (f) {
			ea_finding_set(&f->name, "%s", name);
			replace_fix(f, d->policy_domain, d->record_text, tight, NULL);
		}
	}
	if (r->testing) {
		f = add(sec, "dmarc.t.testing", EA_SEV_WARNING, name,
		        "t=y (testing): receivers apply one step less than the policy (reject becomes "
		        "quarantine, quarantine becomes none). Remove t=y when the test is over");
		fix_with_tag(f, d, "t", "n", "when the test is over");
	}
	if (!r->rua_present)
		add(sec, "dmarc.rua.missing", EA_SEV_INFO, name,
		    "no rua=: nobody receives the daily aggregate reports, so you cannot see who sends as "
		    "this domain or whether your own mail passes. Add rua=mailto:<an address you read>");
	if (r->aspf == 's')
		add(sec, "dmarc.aspf.strict", EA_SEV_INFO, name,
		    "aspf=s: SPF aligns only when the MAIL FROM (return path) is exactly this domain; "
		    "senders that bounce to a subdomain (e.g. an SES custom MAIL FROM) then align by DKIM "
		    "only");
	if (r->adkim == 's')
		add(sec, "dmarc.adkim.strict", EA_SEV_INFO, name,
		    "adkim=s: DKIM aligns only when d= is exactly this domain, not a subdomain");
}

/* External destinations: the authorisation record at the destination. */
typedef struct {
	const ea_dmarc_uri *u;
	const char *tag;
	bool external;
	bool known;
} dest;

static int report_destinations(ea_job *job, ea_section *sec, const ea_dmarc_discovery *d)
{
	const ea_dmarc_record *r = &d->record;
	dest ds[2 * EA_DMARC_MAX_URIS];
	size_t n = 0;
	for (size_t i = 0; i < r->rua_count; i++)
		if (r->rua[i].valid && r->rua[i].mailto)
			ds[n++] = (dest){.u = &r->rua[i], .tag = "rua"};
	for (size_t i = 0; i < r->ruf_count; i++)
		if (r->ruf[i].valid && r->ruf[i].mailto)
			ds[n++] = (dest){.u = &r->ruf[i], .tag = "ruf"};
	bool pending = false;
	char org[EA_NAME_MAX + 1];
	bool org_known;
	int rc = EA_OK;
	if (ea_name_equal(d->policy_domain, d->domain)) {   /* discovery walked it already */
		ea_copy(org, sizeof(org), d->org_domain);
		org_known = d->org_known;
	} else {
		rc = ea_dmarc_org_domain(job, d->policy_domain, org, sizeof(org), &org_known);
	}
	if (rc == EA_EPENDING)
		pending = true;
	for (size_t i = 0; i < n; i++) {
		if (rc == EA_OK && ea_name_equal(ds[i].u->domain, d->policy_domain)) {
			ds[i].known = org_known;   /* the same walk again would say the same */
			continue;
		}
		char dorg[EA_NAME_MAX + 1];
		bool dk;
		int drc = ea_dmarc_org_domain(job, ds[i].u->domain, dorg, sizeof(dorg), &dk);
		if (drc == EA_EPENDING) {
			pending = true;
			continue;
		}
		if (rc == EA_OK && drc == EA_OK) {
			ds[i].known = org_known && dk;
			ds[i].external = !ea_name_equal(org, dorg);
		}
	}
	if (pending)
		return EA_EPENDING;
	/* Round 3: the authorisation records (RFC 9990 3 / RFC 7489 7.1). */
	const ea_dns_answer *exact[2 * EA_DMARC_MAX_URIS] = {0}, *wild[2 * EA_DMARC_MAX_URIS] = {0};
	for (size_t i = 0; i < n; i++) {
		if (!ds[i].external)
			continue;
		char q[2 * EA_NAME_MAX + 32];
		snprintf(q, sizeof(q), "%s._report._dmarc.%s", d->policy_domain, ds[i].u->domain);
		exact[i] = ea_lookup(job, q, EA_RR_TXT, "external DMARC report destination authorisation");
		snprintf(q, sizeof(q), "*._report._dmarc.%s", ds[i].u->domain);
		wild[i] = ea_lookup(job, q, EA_RR_TXT, "wildcard report authorisation");
		if (!exact[i] || !wild[i])
			pending = true;
	}
	if (pending)
		return EA_EPENDING;
	for (size_t i = 0; i < n; i++) {
		if (!ds[i].external)
			continue;
		char q[2 * EA_NAME_MAX + 32];
		snprintf(q, sizeof(q), "%s._report._dmarc.%s", d->policy_domain, ds[i].u->domain);
		bool ok = false, failed = false;
		const ea_dns_answer *as[2] = {exact[i], wild[i]};
		for (int k = 0; k < 2; k++) {
			if (as[k]->outcome == EA_DNS_UNKNOWN)
				failed = true;
			for (size_t j = 0; j < ea_dns_answer_count(as[k], EA_RR_TXT); j++) {
				const ea_dns_rr *rr = ea_dns_answer_get(as[k], EA_RR_TXT, j);
				ea_dmarc_record probe;
				ea_dmarc_parse((const char *)rr->txt, rr->txt_len, &probe);
				ok |= probe.is_dmarc;
			}
		}
		ea_finding *f;
		if (ok) {
			f = ea_section_addf(sec, "dmarc.report.authorized", EA_SEV_OK,
			    "%s=%s goes outside the domain, and %s has authorised it", ds[i].tag, ds[i].u->uri,
			    ds[i].u->domain);
		} else if (failed) {
			f = ea_section_addf(sec, "dmarc.report.lookup_failed", EA_SEV_WARNING,
			    "could not determine whether %s accepts reports for %s: the lookup failed",
			    ds[i].u->domain, d->policy_domain);
			if (f)
				f->undetermined = true;
		} else {
			f = ea_section_addf(sec, "dmarc.report.unauthorized", EA_SEV_WARNING,
			    "%s=%s sends reports to another organisation (%s), which has not published the "
			    "record that says it accepts reports for %s; receivers will send it nothing. Ask "
			    "the operator of %s to publish the record below (you cannot publish it yourself)",
			    ds[i].tag, ds[i].u->uri, ds[i].u->domain, d->policy_domain, ds[i].u->domain);
			if (f) {
				char note[EA_NAME_MAX + 80];
				snprintf(note, sizeof(note), "In the zone of %s, by its operator (you cannot publish "
				         "it yourself)", ds[i].u->domain);
				ea_finding_add_action(f, EA_FIX_ADD, q, "TXT", "v=DMARC1", NULL, DMARC_FIX_TTL, note);
			}
		}
		if (f) {
			ea_finding_set(&f->subject, "%s", ds[i].u->uri);
			ea_finding_set(&f->name, "%s", q);
			f->rfc = "RFC 9990 3";
		}
	}
	return EA_OK;
}

/* No record: is one sitting at a wrong name? */
static int probe_misplaced(ea_job *job, ea_section *sec, const char *domain)
{
	char names[DMARC_MAX_PROBES][2 * EA_NAME_MAX + 16];
	size_t n = 0;
	snprintf(names[n++], sizeof(names[0]), "dmarc.%s", domain);          /* underscore dropped */
	snprintf(names[n++], sizeof(names[0]), "_dmarc.%s.%s", domain, domain); /* zone appended twice */
	ea_copy(names[n++], sizeof(names[0]), domain);                 /* at the apex */
	snprintf(names[n++], sizeof(names[0]), "_dmark.%s", domain);          /* misspelt */
	const ea_dns_answer *a[DMARC_MAX_PROBES];
	bool pending = false;
	for (size_t i = 0; i < n; i++) {
		a[i] = strlen(names[i]) <= EA_NAME_MAX
		           ? ea_lookup(job, names[i], EA_RR_TXT, "DMARC record at a wrong name?")
		           : NULL;
		if (a[i] == NULL && strlen(names[i]) <= EA_NAME_MAX)
			pending = true;
	}
	if (pending)
		return EA_EPENDING;
	for (size_t i = 0; i < n; i++) {
		if (a[i] == NULL)
			continue;
		for (size_t j = 0; j < ea_dns_answer_count(a[i], EA_RR_TXT); j++) {
			const ea_dns_rr *rr = ea_dns_answer_get(a[i], EA_RR_TXT, j);
			ea_dmarc_record probe;
			ea_dmarc_parse((const char *)rr->txt, rr->txt_len, &probe);
			if (!probe.is_dmarc)
				continue;
			char text[EA_DMARC_RECORD_MAX + 1];
			snprintf(text, sizeof(text), "%.*s", (int)EA_MIN(rr->txt_len, sizeof(text) - 1),
			         (const char *)rr->txt);
			ea_finding *f = ea_section_addf(sec, "dmarc.misplaced", EA_SEV_ERROR,
			    "a DMARC record is published at %s, where receivers never look; it must be at "
			    "_dmarc.%s", names[i], domain);
			if (f) {
				ea_finding_set(&f->name, "%s", names[i]);
				ea_finding_set(&f->found, "TXT \"%s\"", text);
				ea_finding_add_action(f, EA_FIX_DELETE, names[i], "TXT", NULL, text, 0, NULL);
				replace_fix(f, domain, NULL, text, NULL);
			}
			return EA_OK;
		}
	}
	return EA_OK;
}

/* The records to delete and the one to keep, as actions (the answer is in the job's
 * cache: the tree walk asked it). */
static void multiple_fix(ea_job *job, ea_finding *f, const char *at)
{
	char name[EA_NAME_MAX + 8];
	snprintf(name, sizeof(name), "_dmarc.%s", at);
	const ea_dns_answer *a = ea_lookup(job, name, EA_RR_TXT, "the DMARC records, for the fix");
	if (a == NULL)
		return;
	char *texts[EA_FIX_MAX_ACTIONS - 1];
	size_t n = 0, keep = 0;
	int best = -1;
	ea_dmarc_record *rec = calloc(1, sizeof(*rec));
	for (size_t i = 0; i < ea_dns_answer_count(a, EA_RR_TXT) && n < EA_ARRAY_SIZE(texts); i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		if (rr->txt_len < 8 || strncasecmp((const char *)rr->txt, "v=DMARC1", 8) != 0)
			continue;
		int strength = 0;   /* keep the strictest policy */
		if (rec) {
			ea_dmarc_parse((const char *)rr->txt, rr->txt_len, rec);
			strength = rec->p_valid ? (int)rec->p : 0;
		}
		texts[n] = ea_strdup_n((const char *)rr->txt, EA_MIN(rr->txt_len, (size_t)EA_DMARC_RECORD_MAX));
		if (texts[n] == NULL)
			break;
		if (strength > best) {
			best = strength;
			keep = n;
		}
		n++;
	}
	if (n > 0)
		ea_finding_keep_one(f, name, "TXT", (const char *const *)texts, n, keep, DMARC_FIX_TTL,
		                    "Keep one record (here the strictest); merge in any tag you need from the "
		                    "others");
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(rec);
}

static void psl_comparison(ea_section *sec, const ea_dmarc_discovery *d)
{
	char psl_org[EA_NAME_MAX + 1];
	if (!d->org_known || !ea_dmarc_org_domain_psl(d->domain, psl_org, sizeof(psl_org)))
		return;
	if (ea_name_equal(psl_org, d->org_domain))
		return;
	ea_finding *f = ea_section_addf(sec, "dmarc.org.psl_differs", EA_SEV_INFO,
	    "the Organizational Domain is %s by the RFC 9989 tree walk (%s), but %s by the Public "
	    "Suffix List that RFC 7489 receivers still use: relaxed alignment and the fallback "
	    "policy can differ between old and new receivers", d->org_domain, d->org_reason, psl_org);
	if (f)
		ea_finding_set(&f->subject, "%s", d->domain);
}

int ea_check_dmarc(ea_job *job, void *arg)
{
	const char *domain = arg;
	ea_section *sec = ea_report_section(ea_job_report(job), CHECK);
	if (sec == NULL)
		return EA_ENOMEM;
	ea_dmarc_discovery *d = malloc(sizeof(*d));   /* ea_dmarc_discover sets it */
	if (d == NULL)
		return EA_ENOMEM;
	int rc = ea_dmarc_discover(job, domain, d);
	if (rc != EA_OK)
		goto out;
	char name[EA_NAME_MAX + 8];
	snprintf(name, sizeof(name), "_dmarc.%s", d->domain);
	ea_finding *f;
	switch (d->outcome) {
	case EA_DMARC_TEMPERROR:
		f = ea_section_addf(sec, "dmarc.lookup_failed", EA_SEV_ERROR,
		    "could not determine the DMARC policy: the lookup of %s failed (this is not a verdict "
		    "that the record is missing); try again or ask another resolver", d->failed_name);
		if (f) {
			f->undetermined = true;
			f->needs = EA_NEED_RETRY;
			f->primary = true;
		}
		ea_section_set_summary(sec, "DMARC could not be checked");
		rc = EA_OK;
		goto out;
	case EA_DMARC_MULTIPLE:
		f = ea_section_addf(sec, "dmarc.multiple", EA_SEV_ERROR,
		    "_dmarc.%s has more than one DMARC record, so receivers use none of them (RFC 9989 "
		    "4.10): merge them into one TXT record and delete the others", d->multiple_at);
		if (f) {
			f->primary = true;
			ea_finding_set(&f->name, "_dmarc.%s", d->multiple_at);
			multiple_fix(job, f, d->multiple_at);
		}
		ea_section_set_summary(sec, "several DMARC records: none applies");
		rc = EA_OK;
		goto out;
	case EA_DMARC_NOT_FOUND:
		rc = probe_misplaced(job, sec, d->domain);
		if (rc != EA_OK)
			goto out;
		f = ea_section_addf(sec, "dmarc.missing", EA_SEV_ERROR,
		    "no DMARC record: receivers apply no policy, anyone can send mail as %s, and large "
		    "mailbox providers (Gmail, Yahoo, Microsoft) expect one from bulk senders. Start with "
		    "p=none and a report address, read the reports, then tighten the policy", d->domain);
		if (f) {
			f->primary = true;
			ea_finding_set(&f->name, "%s", name);
			char rec[EA_NAME_MAX + 64];
			snprintf(rec, sizeof(rec), "v=DMARC1; p=none; rua=mailto:dmarc-reports@%s", d->domain);
			replace_fix(f, d->domain, NULL, rec, NULL);
			f->rfc = "RFC 9989 4.10";
		}
		ea_section_set_summary(sec, "no DMARC record");
		rc = EA_OK;
		goto out;
	case EA_DMARC_FOUND:
		break;
	}
	bool own = ea_name_equal(d->policy_domain, d->domain);
	if (!own) {
		f = ea_section_addf(sec, "dmarc.inherited", EA_SEV_INFO,
		    "%s has no record of its own; the record of %s applies (its %s policy)", d->domain,
		    d->policy_domain, d->record.sp_present ? "sp=" : "p=");
		if (f)
			ea_finding_set(&f->name, "%s", name);
	}
	if (d->via_cname) {
		f = ea_section_addf(sec, "dmarc.cname", EA_SEV_INFO,
		    "_dmarc.%s is a CNAME to %s (a DMARC service hosts the record); it was followed. "
		    "Do not publish a TXT at _dmarc.%s as well: a name with a CNAME may hold nothing else",
		    d->policy_domain, d->cname_target, d->policy_domain);
		if (f)
			ea_finding_set(&f->found, "CNAME %s", d->cname_target);
	}
	note_findings(sec, d);
	policy_findings(sec, d, own);
	rc = report_destinations(job, sec, d);
	if (rc != EA_OK)
		goto out;
	psl_comparison(sec, d);
	const ea_dmarc_record *r = &d->record;
	char why[200];
	ea_dmarc_applies applies = ea_dmarc_record_applies(r, why, sizeof(why));
	if (applies == EA_DMARC_NOT_APPLIED) {
		/* the same verdict as verify's dmarc=none: dmarc.no_policy above is the primary */
		ea_section_set_summary(sec, "no DMARC processing: the record at _dmarc.%s is not usable",
		                       d->policy_domain);
		rc = EA_OK;
		goto out;
	}
	/* the policy receivers apply: as if p=none when a policy tag is invalid (4.10.1) */
	ea_dmarc_policy p = applies == EA_DMARC_APPLIED ? r->p : EA_DMARC_P_NONE;
	bool enforcing = p != EA_DMARC_P_NONE;
	f = ea_section_addf(sec, enforcing ? "dmarc.ok" : "dmarc.present",
	                    enforcing ? EA_SEV_OK : EA_SEV_INFO,
	                    "DMARC record found at _dmarc.%s: policy %s%s%s", d->policy_domain,
	                    ea_dmarc_policy_name(p), applies == EA_DMARC_APPLIED ? "" : " (as if p=none)",
	                    r->testing ? " (testing, t=y)" : "");
	if (f) {
		f->primary = true;
		ea_finding_set(&f->name, "_dmarc.%s", d->policy_domain);
		ea_finding_set(&f->found, "TXT \"%s\"", d->record_text);
	}
	ea_section_set_summary(sec, "p=%s%s at _dmarc.%s; Organizational Domain %s",
	                       ea_dmarc_policy_name(p), applies == EA_DMARC_APPLIED ? "" : " (as if)",
	                       d->policy_domain, d->org_domain);
	rc = EA_OK;
out:
	free(d);
	return rc;
}
