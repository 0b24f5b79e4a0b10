/* `emailauth spf --ip`: check_host() as a check, its outcome told as findings. */
#include <stdio.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "util/buf.h"
#include "util/util.h"

static const char CHECK[] = "spf";

static const struct {
	const char *code;
	ea_severity sev;
	const char *meaning;
} verdicts[] = {
	[EA_SPF_NONE] = {"spf.eval.none", EA_SEV_WARNING, "the domain publishes no SPF record"},
	[EA_SPF_NEUTRAL] = {"spf.eval.neutral", EA_SEV_INFO,
	                    "the policy neither permits nor denies this address"},
	[EA_SPF_PASS] = {"spf.eval.pass", EA_SEV_OK, "the address is authorised to send for the domain"},
	[EA_SPF_FAIL] = {"spf.eval.fail", EA_SEV_ERROR, "the address is NOT authorised: receivers may reject"},
	[EA_SPF_SOFTFAIL] = {"spf.eval.softfail", EA_SEV_WARNING,
	                     "the address is probably not authorised (receivers accept, but mark it)"},
	[EA_SPF_TEMPERROR] = {"spf.eval.temperror", EA_SEV_ERROR,
	                      "a DNS lookup failed, so no verdict: receivers defer or accept; try again"},
	[EA_SPF_PERMERROR] = {"spf.eval.permerror", EA_SEV_ERROR,
	                      "the published policy is broken: receivers treat it as an error"},
};

static void chain_text(const ea_spf_outcome *o, char *out, size_t size)
{
	ea_buf b;
	ea_buf_init(&b, size - 1);
	for (size_t i = 0; i < o->chain_len; i++) {
		if (i == 0)
			ea_buf_printf(&b, "%s", o->chain[i]);
		else
			ea_buf_printf(&b, " -> %s:%s", o->chain_how[i], o->chain[i]);
	}
	ea_copy(out, size, b.data ? b.data : "");
	ea_buf_free(&b);
}

int ea_check_spf_evaluate(ea_job *job, void *arg)
{
	const ea_spf_request *req = arg;
	ea_section *sec = ea_report_section(ea_job_report(job), CHECK);
	if (sec == NULL)
		return EA_ENOMEM;
	ea_spf_outcome o;
	int rc = ea_spf_evaluate(job, req, &o);
	if (rc == EA_EPENDING)
		return rc;
	if (rc != EA_OK) {
		ea_section_addf(sec, "spf.eval.bad_input", EA_SEV_ERROR,
		                "cannot evaluate: %s", rc == EA_EINVAL ? "the client address is not an IPv4 "
		                "or IPv6 address" : "the sender or HELO name is too long");
		return EA_OK;
	}
	ea_finding f = {0};
	f.code = verdicts[o.result].code;
	f.severity = verdicts[o.result].sev;
	f.primary = true;
	f.undetermined = o.result == EA_SPF_TEMPERROR;
	f.rfc = "RFC 7208 2.6";
	char msg[2048], found[8192], chain[4096];
	snprintf(msg, sizeof(msg), "%s for %s from %s (identity %s, domain %s): %s",
	         ea_spf_result_name(o.result), o.sender, req->ip, o.identity, o.domain,
	         verdicts[o.result].meaning);
	f.message = msg;
	f.subject = o.sender;
	f.name = o.domain;
	chain_text(&o, chain, sizeof(chain));
	if (o.term[0])
		snprintf(found, sizeof(found), "decided by '%s' in %s", o.term, chain);
	else if (o.result == EA_SPF_NEUTRAL && o.chain_len)
		snprintf(found, sizeof(found), "no term matched in %s: the default result is neutral", chain);
	else
		ea_copy(found, sizeof(found), o.problem[0] ? o.problem : "no SPF record");
	f.found = found;
	ea_section_add(sec, &f);
	if (o.explanation[0])
		ea_section_addf(sec, "spf.eval.explanation", EA_SEV_INFO, "explanation%s: %s",
		                o.explanation_from_exp ? " (from the domain's exp=)" : " (default)",
		                o.explanation);
	if (o.problem[0])
		ea_section_addf(sec, "spf.eval.problem", EA_SEV_INFO, "problem: %s", o.problem);
	if (o.chain_len > 0)
		ea_section_addf(sec, "spf.eval.decided_by", EA_SEV_INFO, "deciding term: %s; chain: %s",
		                o.term[0] ? o.term : "(none: default)", chain);
	ea_section_addf(sec, "spf.eval.counts", EA_SEV_INFO,
	                "%u of %d DNS-querying terms, %u of %d void lookups, %u DNS queries",
	                o.dns_terms, EA_SPF_MAX_DNS_TERMS, o.void_lookups, EA_SPF_MAX_VOID, o.lookups);
	char hdr[4096];
	if (ea_spf_received_spf(req, &o, hdr, sizeof(hdr)) == EA_OK)
		ea_section_addf(sec, "spf.eval.received_spf", EA_SEV_INFO, "%s", hdr);
	if (ea_spf_auth_results(req, &o, hdr, sizeof(hdr)) == EA_OK)
		ea_section_addf(sec, "spf.eval.auth_results", EA_SEV_INFO, "Authentication-Results: %s; %s",
		                req->receiver && *req->receiver ? req->receiver : "unknown", hdr);
	ea_section_set_summary(sec, "SPF %s for %s from %s", ea_spf_result_name(o.result), o.sender,
	                       req->ip);
	return EA_OK;
}
