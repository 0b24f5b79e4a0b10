/* The verify check's SPF (RFC 7208) for the connecting address (given, or read from
 * the receiver's Received field: received.c), with MAIL FROM given or from
 * Return-Path, through the SPF evaluator (include/emailauth/spf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/spf.h>
#include "verify/internal.h"
#include "util/util.h"

static const char SEC_SPF[] = "spf";

typedef struct {
	ea_spf_request req;
	ea_spf_outcome out;
} spf_state;

void ea_verify_spf_free(ea_verify_request *v)
{
	free(v->spf_state);
	v->spf_state = NULL;
}

static ea_severity spf_severity(ea_spf_result r)
{
	switch (r) {
	case EA_SPF_PASS: return EA_SEV_OK;
	case EA_SPF_NONE: case EA_SPF_NEUTRAL: case EA_SPF_SOFTFAIL: return EA_SEV_WARNING;
	case EA_SPF_FAIL: case EA_SPF_PERMERROR: case EA_SPF_TEMPERROR: break;
	}
	return EA_SEV_ERROR;
}

/* Where the connecting address (and HELO) came from: the Received field, by number
 * and line, or the options. */
static void connection_finding(ea_section *sec, const ea_verify_request *v)
{
	const ea_connection *c = &v->conn;
	char helo[EA_NAME_MAX + 16] = "";
	if (v->helo[0])
		snprintf(helo, sizeof(helo), " (HELO %s)", v->helo);
	ea_finding *f;
	if (v->ip_given) {
		f = ea_section_addf(sec, "verify.spf.connection_given", EA_SEV_INFO,
		                    "the connecting server's address was given: %s%s%s%s", v->ip, helo,
		                    v->conn_found && strcmp(c->ip, v->ip) != 0 ? "; the receiver's header shows "
		                                                                 : "",
		                    v->conn_found && strcmp(c->ip, v->ip) != 0 ? c->ip : "");
	} else if (c->method == EA_CONN_AR_ONLY) {
		f = ea_section_addf(sec, "verify.spf.connection", EA_SEV_INFO,
		                    "the connecting server is %s%s, as the receiver's Authentication-Results "
		                    "(line %zu) says; no Received header records it", v->ip, helo, c->line);
		if (f)
			ea_finding_set(&f->subject, "Authentication-Results, line %zu", c->line);
	} else {
		const char *how = c->method == EA_CONN_BY ? "the Received header the receiver "
		                  : c->method == EA_CONN_AR_IP ? "the Received header that records the address "
		                                                 "the receiver's Authentication-Results names"
		                                               : "the Received header next to the receiver's "
		                                                 "Authentication-Results";
		f = ea_section_addf(sec, "verify.spf.connection", EA_SEV_INFO, "the connecting server is %s%s, from %s%s%s",
		                    v->ip, helo, how, c->method == EA_CONN_BY ? c->receiver : "",
		                    c->method == EA_CONN_BY ? " added (the host its Authentication-Results names)" : "");
		if (f)
			ea_finding_set(&f->subject, "Received header %zu of %zu, line %zu", c->received_index,
			               c->received_count, c->line);
	}
	if (f && v->conn_found && c->text.len) {
		char line[VERIFY_FIELD_SHOWN_MAX];
		ea_field_one_line(c->text, line, sizeof(line));
		ea_finding_set(&f->found, "%s", line);
	}
}

int ea_verify_spf(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), SEC_SPF);
	if (sec == NULL)
		return EA_ENOMEM;
	v->spf_done = false;
	if (!v->has_ip) {
		/* Not checked is not a pass: the renderers say so. */
		sec->not_checked = true;
		const char *why = v->conn.reason ? v->conn.reason : "the message cannot be read";
		ea_finding *f = ea_section_addf(sec, "verify.spf.not_checked", EA_SEV_INFO,
		                                "SPF was not checked: the connecting server's address is needed, "
		                                "and the message does not show it: %s", why);
		if (f) {
			f->primary = true;
			f->needs = EA_NEED_CLIENT_IP;   /* each interface says how to give it */
		}
		/* The badge says "not checked"; the summary says why. */
		ea_section_set_summary(sec, "the connecting server's address is not known: %s", why);
		return EA_OK;
	}
	connection_finding(sec, v);
	spf_state *st = v->spf_state;
	if (st == NULL && (st = v->spf_state = calloc(1, sizeof(*st))) == NULL)
		return EA_ENOMEM;
	st->req = (ea_spf_request){
		.ip = v->ip,
		.sender = v->mail_from,
		.helo = v->helo[0] ? v->helo : NULL,
		.now = v->now,
	};
	int rc = ea_spf_evaluate(job, &st->req, &st->out);
	if (rc == EA_EPENDING)
		return rc;
	if (rc != EA_OK) {
		ea_section_addf(sec, "verify.spf.bad_input", EA_SEV_ERROR,
		                "SPF cannot be evaluated for '%s': it is not an IP address", v->ip);
		return EA_OK;
	}
	const ea_spf_outcome *o = &st->out;
	v->spf_done = true;
	v->spf_pass = o->result == EA_SPF_PASS;
	v->spf_result = ea_spf_result_name(o->result);
	ea_copy(v->spf_domain, sizeof(v->spf_domain), o->domain);
	ea_copy(v->spf_sender, sizeof(v->spf_sender), o->sender);
	ea_finding *f = ea_section_addf(sec, "verify.spf.result", spf_severity(o->result),
	                                "spf=%s for %s from %s%s%s%s", ea_spf_result_name(o->result),
	                                o->sender, v->ip, o->term[0] ? " (decided by " : "", o->term,
	                                o->term[0] ? ")" : "");
	if (f) {
		f->primary = true;
		f->undetermined = o->result == EA_SPF_TEMPERROR;
		ea_finding_set(&f->name, "%s", o->domain);
		if (o->problem[0])
			ea_finding_set(&f->found, "%s", o->problem);
		else if (o->explanation[0])
			ea_finding_set(&f->found, "%s", o->explanation);
	}
	if (!v->mail_from_known)
		ea_section_addf(sec, "verify.spf.no_mail_from", EA_SEV_INFO,
		                "no MAIL FROM was given and the message has no Return-Path: "
		                "SPF was checked for the null sender (the HELO name)");
	/* Where the address came from, in the summary: the header used is seen unasked. */
	const ea_connection *c = &v->conn;
	if (!v->ip_given && c->method == EA_CONN_AR_ONLY)
		ea_section_set_summary(sec, "spf=%s (%s) for %s, from the receiver's Authentication-Results (line %zu)",
		                       ea_spf_result_name(o->result), o->domain, v->ip, c->line);
	else if (!v->ip_given)
		ea_section_set_summary(sec, "spf=%s (%s) for %s, from Received header %zu of %zu (line %zu)",
		                       ea_spf_result_name(o->result), o->domain, v->ip, c->received_index,
		                       c->received_count, c->line);
	else
		ea_section_set_summary(sec, "spf=%s (%s) for %s", ea_spf_result_name(o->result), o->domain, v->ip);
	return EA_OK;
}
