/*
 * MX of the domain (RFC 5321 5.1, null MX RFC 7505) and the SES custom MAIL
 * FROM domain (exactly one MX 10 feedback-smtp.<region>.amazonses.com, an SPF
 * record including amazonses.com; the legacy _amazonses TXT).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check/internal.h"
#include "profiles/profiles.h"
#include "util/util.h"

#define MX_MAX_TARGETS 16            /* MX hosts whose addresses are checked */
#define MAILFROM_PROBES 8
#define MAILFROM_SPF_TEXT_MAX 2048   /* an SPF record's text kept for a fix */

static bool is_ip_literal(const char *s)
{
	unsigned char buf[16];
	char t[EA_NAME_MAX + 1];
	ea_copy(t, sizeof(t), s);
	size_t l = strlen(t);
	if (l && t[l - 1] == '.')
		t[l - 1] = '\0';
	return inet_pton(AF_INET, t, buf) == 1 || inet_pton(AF_INET6, t, buf) == 1;
}

static ea_finding *failed(ea_section *sec, const char *code, const ea_dns_answer *a)
{
	ea_finding *f = ea_section_addf(sec, code, EA_SEV_ERROR,
	    "could not determine: the lookup of %s %s failed (%s); this is not a verdict", a->qname,
	    ea_rr_type_name(a->qtype), ea_dns_reason_text(a->reason));
	if (f)
		f->undetermined = true;
	return f;
}

int ea_check_mx(ea_job *job, void *arg)
{
	const ea_audit_request *req = arg;
	ea_section *sec = ea_report_section(ea_job_report(job), "mx");
	if (sec == NULL)
		return EA_ENOMEM;
	const ea_dns_answer *mx = ea_lookup(job, req->domain, EA_RR_MX, "MX of the domain");
	if (mx == NULL)
		return EA_EPENDING;
	if (mx->outcome == EA_DNS_UNKNOWN) {
		failed(sec, "mx.lookup_failed", mx);
		return EA_OK;
	}
	size_t n = ea_dns_answer_count(mx, EA_RR_MX);
	if (n == 0) {
		ea_finding *f = ea_section_addf(sec, "mx.missing", EA_SEV_WARNING,
		    "no MX record: mail to addresses at %s (replies, bounces, DMARC reports you ask for at "
		    "this domain) goes to the domain's A record, if any. Publish the MX of the service that "
		    "receives your mail, or a null MX if the domain receives none", req->domain);
		if (f)
			ea_finding_add_action(f, EA_FIX_ADD, req->domain, "MX", "0 .", NULL, EA_AUDIT_FIX_TTL,
			                      "If the domain receives no mail at all (RFC 7505)");
		return EA_OK;
	}
	bool null_mx = false;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, i);
		if (rr->target == NULL || rr->target[0] == '\0' || strcmp(rr->target, ".") == 0)
			null_mx = true;
	}
	if (null_mx) {
		if (n > 1) {
			ea_finding *f = ea_section_addf(sec, "mx.null_mixed", EA_SEV_ERROR,
			    "a null MX (\"0 .\", no mail accepted) is published together with other MX "
			    "records; RFC 7505 allows it only alone: delete one or the other");
			if (f)
				ea_finding_add_action(f, EA_FIX_DELETE, req->domain, "MX", NULL, "0 .", 0,
				                      "If the domain receives mail, delete the null MX; if it receives "
				                      "none, delete every other MX record instead");
		} else
			ea_section_addf(sec, "mx.null", EA_SEV_INFO,
			    "null MX (RFC 7505): the domain says it accepts no mail. Bounces and replies to "
			    "its addresses will fail, which is right only for a send-only or parked domain");
		return EA_OK;
	}
	const ea_dns_answer *a4[MX_MAX_TARGETS] = {0}, *a6[MX_MAX_TARGETS] = {0};
	bool pending = false;
	size_t m = EA_MIN(n, (size_t)MX_MAX_TARGETS);
	for (size_t i = 0; i < m; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, i);
		if (is_ip_literal(rr->target))
			continue;
		a4[i] = ea_lookup(job, rr->target, EA_RR_A, "address of an MX host");
		a6[i] = ea_lookup(job, rr->target, EA_RR_AAAA, "address of an MX host");
		pending |= !a4[i] || !a6[i];
	}
	if (pending)
		return EA_EPENDING;
	size_t bad = 0;
	for (size_t i = 0; i < m; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(mx, EA_RR_MX, i);
		ea_finding *f = NULL;
		if (is_ip_literal(rr->target)) {
			f = ea_section_addf(sec, "mx.target_ip", EA_SEV_ERROR,
			    "MX %u %s names an IP address; an MX must name a host (RFC 5321 5.1), and most "
			    "senders will not deliver. Give the host a name with an A record and use that",
			    rr->preference, rr->target);
			char ip[64];
			ea_copy(ip, sizeof(ip), rr->target);
			if (ip[0] && ip[strlen(ip) - 1] == '.')
				ip[strlen(ip) - 1] = '\0';
			if (f) {
				char host[EA_NAME_MAX + 4], note[EA_NAME_MAX + 64], was[96], now[EA_NAME_MAX + 16];
				snprintf(host, sizeof(host), "mx.%s", req->domain);
				snprintf(note, sizeof(note), "Give the address a host name (%s here; any free name "
				         "will do)", host);
				snprintf(was, sizeof(was), "%u %s", rr->preference, ip);
				snprintf(now, sizeof(now), "%u %s", rr->preference, host);
				ea_finding_add_action(f, EA_FIX_ADD, host, strchr(ip, ':') ? "AAAA" : "A", ip, NULL,
				                      EA_AUDIT_FIX_TTL, note);
				ea_finding_add_action(f, EA_FIX_REPLACE, req->domain, "MX", now, was, EA_AUDIT_FIX_TTL,
				                      "Then point the MX at the name");
			}
		} else if (a4[i]->outcome == EA_DNS_UNKNOWN && a6[i]->outcome == EA_DNS_UNKNOWN) {
			f = failed(sec, "mx.lookup_failed", a4[i]);
		} else if (ea_dns_answer_cname(a4[i]) || ea_dns_answer_cname(a6[i])) {
			const ea_dns_rr *cn = ea_dns_answer_cname(a4[i]) ? ea_dns_answer_cname(a4[i])
			                                                 : ea_dns_answer_cname(a6[i]);
			f = ea_section_addf(sec, "mx.target_cname", EA_SEV_WARNING,
			    "MX host %s is a CNAME (to %s); RFC 2181 10.3 forbids it and some senders refuse "
			    "it: point the MX at %s directly", rr->target, cn->target, cn->target);
			if (f) {
				char was[EA_NAME_MAX + 16], now[EA_NAME_MAX + 16];
				snprintf(was, sizeof(was), "%u %s", rr->preference, rr->target);
				snprintf(now, sizeof(now), "%u %s", rr->preference, cn->target);
				ea_finding_add_action(f, EA_FIX_REPLACE, req->domain, "MX", now, was, EA_AUDIT_FIX_TTL,
				                      NULL);
			}
		} else if (a4[i]->outcome == EA_DNS_ABSENT && a6[i]->outcome == EA_DNS_ABSENT) {
			f = ea_section_addf(sec, "mx.target_unresolved", EA_SEV_ERROR,
			    "MX host %s has no address (no A or AAAA record): mail cannot be delivered to it",
			    rr->target);
			if (f)
				ea_finding_set(&f->fix, "; if %s is your mail server, give it its address:\n"
				               "%s. %d IN A <the mail server's IPv4 address>\n; if it is not (a typo, "
				               "an old server), delete the MX:\n%s. IN MX %u %s.", rr->target,
				               rr->target, EA_AUDIT_FIX_TTL, req->domain, rr->preference, rr->target);
		}
		if (f) {
			bad++;
			ea_finding_set(&f->subject, "%s", rr->target);
			ea_finding_set(&f->name, "%s", req->domain);
		}
	}
	if (bad == 0) {
		ea_finding *f = ea_section_addf(sec, "mx.ok", EA_SEV_OK, "%zu MX host%s, each with an address",
		                                n, n == 1 ? "" : "s");
		if (f)
			f->primary = true;
	}
	ea_section_set_summary(sec, "%zu MX record%s", n, n == 1 ? "" : "s");
	return EA_OK;
}

static void mf_fix(ea_finding *f, const char *mf, const char *region, bool mx, bool spf)
{
	if (f == NULL)
		return;
	ea_buf b;
	ea_buf_init(&b, EA_NAME_MAX * 4 + 256);
	ea_audit_mail_from_lines(&b, mf, region, mx, spf);
	ea_finding_set(&f->fix, "%s", b.data ? b.data : "");
	ea_buf_free(&b);
}

/* A MAIL FROM given that is a CNAME into another sender's domain (SendGrid's
 * em<N>, Postmark's pm-bounces) is that sender's return path: judged by its target,
 * not by SES's rules. True when it was (and its findings are added). */
static bool other_senders_return_path(ea_section *sec, const ea_profiles *pr, const char *mf,
                                      const ea_dns_answer *m)
{
	const ea_dns_rr *cn = ea_dns_answer_cname(m);
	if (cn == NULL || cn->target == NULL)
		return false;
	const ea_profile *owner = NULL;
	for (size_t i = 0; i < pr->count && owner == NULL; i++) {
		const ea_profile *p = &pr->s[i];
		if (!p->ses_tokens && ((p->rp_cname && ea_profile_match(p->rp_cname, cn->target)) ||
		                       (p->rp_cname_target && ea_profile_match(p->rp_cname_target, cn->target))))
			owner = p;
	}
	if (owner == NULL)
		return false;
	ea_finding *f;
	if (m->outcome == EA_DNS_UNKNOWN) {
		f = failed(sec, "mailfrom.lookup_failed", m);
	} else if (m->outcome == EA_DNS_ABSENT && m->reason == EA_DNS_R_NXDOMAIN) {
		f = ea_section_addf(sec, "mailfrom.cname_dangling", EA_SEV_ERROR,
		    "%s is %s's return path (CNAME to %s), but %s does not exist: %s has not set it up "
		    "for this domain yet, or the target is mistyped, so its bounces fall back to its own "
		    "domain and SPF does not align", mf, owner->name, cn->target, cn->target, owner->name);
		if (f)
			ea_finding_set(&f->fix, "; compare the target with the one %s shows for the domain and "
			               "correct it:\n%s. %d IN CNAME <the target %s shows>.", owner->name, mf,
			               EA_AUDIT_FIX_TTL, owner->name);
	} else {
		f = ea_section_addf(sec, "mailfrom.other_sender", EA_SEV_OK,
		    "%s is %s's return path (CNAME to %s), not an SES custom MAIL FROM, so SES's rules do "
		    "not apply; it resolves", mf, owner->name, cn->target);
		if (f)
			f->primary = true;
	}
	if (f) {
		ea_finding_set(&f->subject, "%s", owner->name);
		ea_finding_set(&f->name, "%s", mf);
	}
	ea_section_set_summary(sec, "return path %s (%s)", mf, owner->name);
	return true;
}

int ea_check_mail_from(ea_job *job, void *arg)
{
	const ea_audit_request *req = arg;
	const ea_profiles *pr = req->profiles ? req->profiles : ea_profiles_builtin();
	ea_section *sec = ea_report_section(ea_job_report(job), "mail-from");
	if (sec == NULL || pr == NULL)
		return EA_ENOMEM;
	char probes[MAILFROM_PROBES][EA_NAME_MAX + 80];
	size_t np = 0;
	const ea_profile *ses = NULL;
	for (size_t i = 0; i < pr->count; i++)
		if (pr->s[i].ses_tokens)
			ses = &pr->s[i];
	if (req->mail_from[0])
		ea_copy(probes[np++], sizeof(probes[0]), req->mail_from);
	else
		for (size_t k = 0; ses && k < ses->rp_names.count && np < MAILFROM_PROBES; k++)
			snprintf(probes[np++], sizeof(probes[0]), "%s.%s", ses->rp_names.items[k], req->domain);
	const ea_dns_answer *mx[MAILFROM_PROBES], *txt[MAILFROM_PROBES];
	char legacy[EA_NAME_MAX + 16];
	snprintf(legacy, sizeof(legacy), "_amazonses.%s", req->domain);
	const ea_dns_answer *leg = ea_lookup(job, legacy, EA_RR_TXT, "legacy SES domain verification");
	bool pending = leg == NULL;
	for (size_t i = 0; i < np; i++) {
		mx[i] = ea_lookup(job, probes[i], EA_RR_MX, "SES custom MAIL FROM: MX");
		txt[i] = ea_lookup(job, probes[i], EA_RR_TXT, "SES custom MAIL FROM: SPF");
		pending |= !mx[i] || !txt[i];
	}
	if (pending)
		return EA_EPENDING;
	if (leg->outcome == EA_DNS_FOUND)
		ea_section_addf(sec, "mailfrom.legacy_txt", EA_SEV_INFO,
		    "_amazonses.%s holds the legacy SES verification TXT; SES now verifies domains by DKIM, "
		    "so it is only needed for identities verified that way long ago (harmless)", req->domain);
	/* Which name is the MAIL FROM: the given one, or the first probe with an SES MX. */
	long at = req->mail_from[0] ? 0 : -1;
	for (size_t i = 0; at < 0 && i < np; i++)
		for (size_t k = 0; k < ea_dns_answer_count(mx[i], EA_RR_MX); k++) {
			const ea_dns_rr *rr = ea_dns_answer_get(mx[i], EA_RR_MX, k);
			if (rr->target && ses && ses->rp_mx && ea_profile_match(ses->rp_mx, rr->target))
				at = (long)i;
		}
	for (size_t i = 0; at < 0 && i < np; i++)
		if (mx[i]->outcome == EA_DNS_UNKNOWN) {   /* "none found" over a failed lookup: unknown */
			failed(sec, "mailfrom.lookup_failed", mx[i]);
			ea_section_set_summary(sec, "could not determine");
			return EA_OK;
		}
	if (at < 0) {
		ea_section_addf(sec, "mailfrom.none", EA_SEV_INFO,
		    "no SES custom MAIL FROM domain given or found at the usual names; if the domain sends "
		    "through Amazon SES, that mail bounces to amazonses.com, so SPF passes but never "
		    "aligns with %s",
		    req->domain);
		ea_section_set_summary(sec, "no custom MAIL FROM");
		return EA_OK;
	}
	const char *mf = probes[at];
	const ea_dns_answer *m = mx[at], *t = txt[at];
	if (req->mail_from[0] && other_senders_return_path(sec, pr, mf, m))
		return EA_OK;
	/* The region for fix lines: --region, else the one an SES MX already names. */
	char fix_region[32];
	ea_audit_mail_from_region(m, req->region, fix_region, sizeof(fix_region));
	size_t problems = 0;
	ea_finding *f;
	if (!ea_name_is_subdomain(mf, req->domain) || ea_name_equal(mf, req->domain)) {
		f = ea_section_addf(sec, "mailfrom.not_subdomain", EA_SEV_ERROR,
		    "%s is not a subdomain of %s: SES requires the MAIL FROM domain to be a subdomain of "
		    "the identity (e.g. bounce.%s)", mf, req->domain, req->domain);
		if (f) {
			char good[EA_NAME_MAX + 1];
			snprintf(good, sizeof(good), "bounce.%.240s", req->domain);
			mf_fix(f, good, fix_region, true, true);
		}
		problems++;
	}
	size_t nmx = ea_dns_answer_count(m, EA_RR_MX);
	if (m->outcome == EA_DNS_UNKNOWN) {
		failed(sec, "mailfrom.lookup_failed", m);
		problems++;
	} else if (nmx == 0) {
		f = ea_section_addf(sec, "mailfrom.mx_missing", EA_SEV_ERROR,
		    "%s has no MX record: SES cannot verify the custom MAIL FROM and falls back to its own "
		    "domain (or rejects the mail, if set to)", mf);
		mf_fix(f, mf, fix_region, true, false);
		problems++;
	} else if (nmx > 1) {
		f = ea_section_addf(sec, "mailfrom.mx_multiple", EA_SEV_ERROR,
		    "%s has %zu MX records; SES requires exactly one (MX 10 feedback-smtp.<region>."
		    "amazonses.com), or the MAIL FROM setup fails", mf, nmx);
		mf_fix(f, mf, fix_region, true, false);
		problems++;
	} else {
		const ea_dns_rr *rr = ea_dns_answer_get(m, EA_RR_MX, 0);
		char region[64] = "";
		bool ses_mx = rr->target && sscanf(rr->target, "feedback-smtp.%63[a-z0-9-].amazonses.com",
		                                   region) == 1 &&
		              ses && ses->rp_mx && ea_profile_match(ses->rp_mx, rr->target);
		if (!ses_mx) {
			f = ea_section_addf(sec, "mailfrom.mx_wrong", EA_SEV_ERROR,
			    "the MX of %s is %u %s, not SES's feedback endpoint feedback-smtp.<region>."
			    "amazonses.com", mf, rr->preference, rr->target ? rr->target : "");
			mf_fix(f, mf, fix_region, true, false);
			problems++;
		} else if (req->region[0] && strcmp(region, req->region) != 0) {
			f = ea_section_addf(sec, "mailfrom.mx_region", EA_SEV_WARNING,
			    "the MX points to SES region %s, not %s; bounces still reach SES (it forwards "
			    "them between regions), but the usual setup names the identity's region",
			    region, req->region);
			mf_fix(f, mf, req->region, true, false);
		}
	}
	bool includes;
	size_t nspf = ea_audit_spf_records(t, "amazonses.com", &includes);
	if (t->outcome == EA_DNS_UNKNOWN) {
		failed(sec, "mailfrom.lookup_failed", t);
		problems++;
	} else if (nspf == 0) {
		f = ea_section_addf(sec, "mailfrom.spf_missing", EA_SEV_ERROR,
		    "%s has no SPF record: SPF fails for every bounce address SES uses there", mf);
		mf_fix(f, mf, fix_region, false, true);
		problems++;
	} else if (nspf > 1) {
		f = ea_section_addf(sec, "mailfrom.spf_multiple", EA_SEV_ERROR,
		    "%s has %zu SPF records; more than one is a permanent error (RFC 7208 3.2): merge them",
		    mf, nspf);
		for (size_t i = 0; f && i < ea_dns_answer_count(t, EA_RR_TXT); i++) {
			const ea_dns_rr *rr = ea_dns_answer_get(t, EA_RR_TXT, i);
			if (rr->txt_len < 6 || strncasecmp((const char *)rr->txt, "v=spf1", 6) != 0 ||
			    (rr->txt_len > 6 && rr->txt[6] != ' '))
				continue;
			char *old = ea_strdup_n((const char *)rr->txt, EA_MIN(rr->txt_len, (size_t)MAILFROM_SPF_TEXT_MAX));
			ea_finding_add_action(f, EA_FIX_DELETE, mf, "TXT", NULL, old, 0, NULL);
			free(old);
		}
		if (f)
			ea_finding_add_action(f, EA_FIX_ADD, mf, "TXT", "v=spf1 include:amazonses.com ~all", NULL,
			                      EA_AUDIT_FIX_TTL, "Keep one SPF record; merge in anything else that "
			                      "really sends with this bounce domain");
		problems++;
	} else if (!includes) {
		f = ea_section_addf(sec, "mailfrom.spf_no_amazonses", EA_SEV_ERROR,
		    "the SPF record of %s does not include amazonses.com, so SES's servers are not "
		    "authorised for it", mf);
		mf_fix(f, mf, fix_region, false, true);
		problems++;
	}
	if (problems == 0) {
		f = ea_section_addf(sec, "mailfrom.ok", EA_SEV_OK,
		    "custom MAIL FROM %s: one MX to SES's feedback endpoint and an SPF record including "
		    "amazonses.com", mf);
		if (f)
			f->primary = true;
	}
	ea_section_set_summary(sec, "custom MAIL FROM %s", mf);
	return EA_OK;
}
