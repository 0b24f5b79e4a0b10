/*
 * emailauth verify: a received message's DKIM signatures, SPF and DMARC.
 *
 * Rounds of lookups (each round all in flight together):
 *   1. every signature's key (<s>._domainkey.<d> TXT), SPF's first lookups and
 *      DMARC's policy discovery, all at once;
 *   2. and on: whatever SPF's includes and DMARC's alignment still need.
 * A signature's result is computed once, when its key arrives, and kept across
 * the job's re-runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verify/internal.h"
#include "record/dkim_key.h"
#include "util/util.h"

static const char SEC_VERDICT[] = "verify";
static const char SEC_DKIM[] = "dkim";

#define SES_SIGNING_DOMAIN "amazonses.com"   /* SES's own signature, on every SES message */

static void copy_opt(char *dst, size_t size, const char *src)
{
	ea_copy(dst, size, src ? src : "");
}

ea_verify_request *ea_verify_request_new(const ea_verify_options *o, int *err)
{
	ea_verify_request *v = calloc(1, sizeof(*v));
	if (v == NULL || (v->dmarc = calloc(1, sizeof(*v->dmarc))) == NULL) {
		free(v);
		*err = EA_ENOMEM;
		return NULL;
	}
	v->parse_rc = ea_message_parse(o->message ? o->message : "", o->message_len, &v->msg);
	if (v->parse_rc == EA_ENOMEM) {
		ea_verify_request_free(v);
		*err = EA_ENOMEM;
		return NULL;
	}
	v->now = o->now ? o->now : (int64_t)time(NULL);
	v->headers_only = o->headers_only || !v->msg.has_separator;
	/* The connecting address and HELO: given, else from the receiver's own Received
	 * field; a given address still gets the HELO of a Received field that shows it. */
	v->conn_found = v->msg.error == NULL && ea_connection_find(&v->msg, &v->conn);
	v->ip_given = o->ip && *o->ip;
	copy_opt(v->ip, sizeof(v->ip), v->ip_given ? o->ip : v->conn_found ? v->conn.ip : NULL);
	v->has_ip = v->ip[0] != '\0';
	bool same = v->conn_found && (!v->ip_given || strcmp(v->conn.ip, o->ip) == 0);
	copy_opt(v->helo, sizeof(v->helo), o->helo && *o->helo ? o->helo : same ? v->conn.helo : NULL);
	if (o->mail_from) {
		copy_opt(v->mail_from, sizeof(v->mail_from), o->mail_from);
		v->mail_from_known = true;
		v->mail_from_source = "--mail-from";
	} else if (ea_message_return_path(&v->msg, v->mail_from, sizeof(v->mail_from))) {
		v->mail_from_known = true;
		v->mail_from_source = "Return-Path";
	}
	v->from_problem = v->msg.error ? v->msg.error
	                               : ea_message_from_domain(&v->msg, v->from_domain, sizeof(v->from_domain));
	size_t n = ea_message_count(&v->msg, "dkim-signature");
	size_t keep = EA_MIN(n, (size_t)EA_VERIFY_MAX_SIGNATURES);
	v->sigs = calloc(keep ? keep : 1, sizeof(*v->sigs));
	if (v->sigs == NULL) {
		ea_verify_request_free(v);
		*err = EA_ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < v->msg.field_count; i++) {
		const ea_msg_field *f = &v->msg.fields[i];
		if (!ea_msg_field_is(f, "dkim-signature"))
			continue;
		if (v->sig_count == keep) {
			v->sigs_skipped++;
			continue;
		}
		verify_sig *s = &v->sigs[v->sig_count++];
		s->field = f;
		ea_dkim_sig_parse(f->value.p, f->value.len, &s->sig);
		if (!ea_dkim_sig_key_name(&s->sig, s->key_name, sizeof(s->key_name)) && s->sig.problem == NULL)
			s->sig.problem = "s= and d= make a name too long for DNS";
	}
	*err = EA_OK;
	return v;
}

void ea_verify_request_free(ea_verify_request *v)
{
	if (v == NULL)
		return;
	ea_message_free(&v->msg);
	ea_verify_spf_free(v);
	free(v->sigs);
	free(v->dmarc);
	free(v->auth_results);
	free(v);
}

const char *ea_verify_from_domain(const ea_verify_request *v)
{
	return v->from_domain;
}

const char *ea_verify_auth_results(const ea_verify_request *v)
{
	return v->auth_results;
}

/* Round 1 for DKIM: one TXT lookup per usable signature. */
static void dkim_lookups(ea_job *job, ea_verify_request *v)
{
	for (size_t i = 0; i < v->sig_count; i++) {
		verify_sig *s = &v->sigs[i];
		if (s->done)
			continue;
		if (!ea_dkim_precheck(&s->sig, v->now, &s->out)) {
			s->done = true;
			continue;
		}
		const ea_dns_answer *a = ea_lookup(job, s->key_name, EA_RR_TXT, "DKIM key of a signature");
		if (a == NULL)
			continue;
		ea_dkim_verify(&v->msg, s->field, &s->sig, a, v->headers_only, &s->out);
		s->done = true;
	}
}

static bool is_ses_signature(const verify_sig *s)
{
	return ea_name_is_subdomain(s->sig.d, SES_SIGNING_DOMAIN);
}

static bool any_aligned_candidate(const ea_verify_request *v)
{
	for (size_t i = 0; i < v->sig_count; i++)
		if (v->from_domain[0] && v->sigs[i].out.result == EA_DKIM_PASS && !is_ses_signature(&v->sigs[i]))
			return true;
	return false;
}

static void dkim_findings(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), SEC_DKIM);
	if (sec == NULL)
		return;
	size_t pass = 0;
	const verify_sig *first_bad = NULL;
	for (size_t i = 0; i < v->sig_count; i++) {
		const verify_sig *s = &v->sigs[i];
		const ea_dkim_outcome *o = &s->out;
		bool ok = o->result == EA_DKIM_PASS;
		pass += ok;
		if (!ok && first_bad == NULL)
			first_bad = s;
		ea_finding f = {
			.code = o->code ? o->code : "verify.dkim.internal",
			.severity = ok ? EA_SEV_OK : EA_SEV_ERROR,
			.primary = true,
			.undetermined = o->result == EA_DKIM_TEMPERROR,
			.rfc = o->rfc,
		};
		if (!ok && o->result == EA_DKIM_NEUTRAL)
			f.severity = EA_SEV_WARNING;
		ea_finding *fp = ea_section_add(sec, &f);
		if (fp == NULL)
			continue;
		ea_finding_set(&fp->subject, "signature %zu (d=%s s=%s)", i + 1, s->sig.d[0] ? s->sig.d : "?",
		               s->sig.s[0] ? s->sig.s : "?");
		ea_finding_set(&fp->message, "dkim=%s: %s", ea_dkim_result_name(o->result), o->reason);
		if (s->key_name[0])
			ea_finding_set(&fp->name, "%s", s->key_name);
		char bits[32] = "";
		if (o->key_bits)
			snprintf(bits, sizeof(bits), ", %u-bit key", o->key_bits);
		ea_finding_set(&fp->found, "a=%.*s c=%s/%s%s%s%s", (int)EA_MIN(s->sig.a.len, 32),
		               s->sig.a.p ? s->sig.a.p : "", s->sig.hc ? "relaxed" : "simple",
		               s->sig.bc ? "relaxed" : "simple", s->sig.has_l ? ", l= set" : "", bits,
		               o->key_testing ? ", key in testing mode (t=y)" : "");
		if (o->result == EA_DKIM_PERMERROR && strcmp(f.code, "verify.dkim.no_key") == 0)
			ea_finding_set(&fp->fix, "publish the public key of selector %s as a TXT record at %s "
			               "(your sending service shows it)", s->sig.s, s->key_name);
		if (o->partial_body)
			ea_section_addf(sec, "verify.dkim.body_length", EA_SEV_WARNING,
			                "signature %zu covers only the first %llu bytes of the body (l=): %llu bytes "
			                "after them are not signed, and anyone can append content", i + 1,
			                (unsigned long long)s->sig.l, (unsigned long long)o->unsigned_bytes);
		if (o->key_testing && ok)
			ea_section_addf(sec, "verify.dkim.key_testing", EA_SEV_INFO,
			                "the key at %s says t=y (testing): receivers may treat the message as unsigned",
			                s->key_name);
		if (ok && s->sig.alg == EA_DKIM_A_RSA_SHA256 && o->key_bits < EA_DKIM_RSA_GOOD_BITS)
			ea_section_addf(sec, "verify.dkim.key_short", EA_SEV_INFO,
			                "the %u-bit RSA key at %s verifies, but RFC 8301 asks signers for 2048 bits",
			                o->key_bits, s->key_name);
		if (ok && is_ses_signature(s))
			ea_section_addf(sec, "verify.dkim.ses_own", EA_SEV_INFO,
			                "signature %zu (d=%s) is Amazon SES's own signature, added to every message SES "
			                "sends. It never aligns with your From domain%s%s, so DMARC ignores it; %s",
			                i + 1, s->sig.d, v->from_domain[0] ? " " : "", v->from_domain,
			                any_aligned_candidate(v)
			                    ? "the signature with d= of your own domain (Easy DKIM) is the one that counts"
			                    : "without a passing signature of your own domain (Easy DKIM's three CNAMEs), "
			                      "DMARC cannot pass through DKIM: run 'emailauth ses'");
	}
	if (v->sigs_skipped)
		ea_section_addf(sec, "verify.dkim.too_many", EA_SEV_WARNING,
		                "%zu more DKIM-Signature fields were not checked (at most %d per message)",
		                v->sigs_skipped, EA_VERIFY_MAX_SIGNATURES);
	if (v->sig_count == 0) {
		ea_section_addf(sec, "verify.dkim.none", EA_SEV_WARNING,
		                "dkim=none: the message has no DKIM-Signature");
		ea_section_set_summary(sec, "no DKIM signature");
		return;
	}
	/* A failing signature next to a passing one is common (lists, forwarding):
	 * it matters only when nothing passes. */
	if (pass > 0)
		for (size_t k = 0; k < sec->finding_count; k++)
			if (sec->findings[k].primary && sec->findings[k].severity == EA_SEV_ERROR)
				sec->findings[k].severity = EA_SEV_WARNING;
	if (pass > 0)
		ea_section_set_summary(sec, "%zu of %zu signatures pass", pass, v->sig_count);
	else if (first_bad)
		ea_section_set_summary(sec, "dkim=%s: %s", ea_dkim_result_name(first_bad->out.result),
		                       first_bad->out.reason);
}

static void message_findings(ea_section *sec, const ea_verify_request *v)
{
	const ea_message *m = &v->msg;
	if (m->bare_lf)
		ea_section_addf(sec, "verify.message.bare_lf", EA_SEV_INFO,
		                "the message uses bare LF line endings (%zu); they were read as CRLF, as a "
		                "receiving server would", m->bare_lf);
	if (m->nul_bytes)
		ea_section_addf(sec, "verify.message.nul", EA_SEV_WARNING,
		                "the message holds %zu NUL bytes, which RFC 5322 forbids; receivers may reject or "
		                "alter it", m->nul_bytes);
	if (m->bad_lines)
		ea_section_addf(sec, "verify.message.bad_lines", EA_SEV_WARNING,
		                "%zu header lines are not header fields (no colon) and were skipped", m->bad_lines);
	if (m->fields_dropped)
		ea_section_addf(sec, "verify.message.too_many_fields", EA_SEV_WARNING,
		                "%zu header fields past the first %d were not read", m->fields_dropped,
		                EA_MSG_MAX_FIELDS);
	/* RFC 5322 3.6: at most one of each (From has its own finding, in DMARC). A second
	 * Subject, Date or To is what a signature-replay or display trick looks like. */
	static const char *const once[] = {"subject", "date", "to", "cc", "message-id", "reply-to",
	                                   "sender", "in-reply-to", "references"};
	for (size_t i = 0; i < EA_ARRAY_SIZE(once); i++) {
		size_t n = ea_message_count(m, once[i]);
		if (n > 1)
			ea_section_addf(sec, "verify.message.duplicate_field", EA_SEV_WARNING,
			                "%zu %s fields: RFC 5322 3.6 allows one; receivers and DKIM verifiers may "
			                "each read a different one, which is how forged content hides behind a "
			                "valid signature", n, once[i]);
	}
	if (v->headers_only && m->error == NULL)
		ea_section_addf(sec, "verify.message.headers_only", EA_SEV_INFO,
		                "only the header was given: body hashes are not checked");
}

/* The one line that says why the message fails (or that it passes). */
static void verdict(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), SEC_VERDICT);
	if (sec == NULL)
		return;
	const verify_sig *aligned_fail = NULL, *any_fail = NULL;
	size_t pass = 0;
	for (size_t i = 0; i < v->sig_count; i++) {
		const verify_sig *s = &v->sigs[i];
		if (s->out.result == EA_DKIM_PASS) {
			pass++;
			continue;
		}
		if (any_fail == NULL)
			any_fail = s;
		if (aligned_fail == NULL && v->from_domain[0] && ea_name_is_subdomain(v->from_domain, s->sig.d))
			aligned_fail = s;
	}
	const verify_sig *why = aligned_fail ? aligned_fail : any_fail;
	const char *dm = v->dmarc_done ? ea_dmarc_result_name(v->dmarc->result) : NULL;
	if (v->dmarc_done && v->dmarc->result == EA_DMARC_RESULT_FAIL) {
		ea_finding *f = ea_section_addf(sec, "verify.fail", EA_SEV_ERROR, "DMARC fails for %s: %s%s%s",
		                                v->from_domain, v->dmarc->reason, why ? "; DKIM: " : "",
		                                why ? why->out.reason : "");
		if (f)
			f->primary = true;
		ea_section_set_summary(sec, "fails: %s", why ? why->out.reason : v->dmarc->reason);
	} else if (pass == 0 && why) {
		ea_finding *f = ea_section_addf(sec, "verify.fail", EA_SEV_ERROR, "DKIM fails: %s", why->out.reason);
		if (f) {
			f->primary = true;
			f->undetermined = why->out.result == EA_DKIM_TEMPERROR;
		}
		ea_section_set_summary(sec, "fails: %s", why->out.reason);
	} else if (v->sig_count == 0 && !(v->dmarc_done && v->dmarc->result == EA_DMARC_RESULT_PASS)) {
		ea_section_addf(sec, "verify.unsigned", EA_SEV_WARNING, "the message carries no DKIM signature");
		ea_section_set_summary(sec, "not signed with DKIM");
	} else {
		ea_finding *f = ea_section_addf(sec, "verify.pass", EA_SEV_OK, "%zu DKIM signature%s pass%s%s",
		                                pass, pass == 1 ? "" : "s", dm ? "; dmarc=" : "", dm ? dm : "");
		if (f)
			f->primary = true;
		ea_section_set_summary(sec, "passes");
	}
	message_findings(sec, v);
}

int ea_check_verify(ea_job *job, void *arg)
{
	ea_verify_request *v = arg;
	ea_report *rep = ea_job_report(job);
	if (v->msg.error != NULL) {
		ea_section *sec = ea_report_section(rep, SEC_VERDICT);
		if (sec == NULL)
			return EA_ENOMEM;
		ea_finding *f = ea_section_addf(sec, "verify.message.unusable", EA_SEV_ERROR,
		                                "the message cannot be verified: %s", v->msg.error);
		if (f)
			f->primary = true;
		ea_section_set_summary(sec, "cannot verify: %s", v->msg.error);
		return EA_OK;
	}
	/* Sections in reading order: the verdict first. */
	static const char *const order[] = {SEC_VERDICT, SEC_DKIM, "spf", "dmarc", "authentication-results"};
	for (size_t i = 0; i < EA_ARRAY_SIZE(order); i++)
		(void)ea_report_section(rep, order[i]);
	dkim_lookups(job, v);
	int spf_rc = ea_verify_spf(job, v);
	if (ea_job_pending(job) || spf_rc == EA_EPENDING)
		return EA_EPENDING;
	int dmarc_rc = ea_verify_dmarc(job, v);
	if (dmarc_rc == EA_EPENDING)
		return EA_EPENDING;
	verdict(job, v);
	dkim_findings(job, v);
	ea_verify_auth_results_section(job, v);
	return EA_OK;
}
