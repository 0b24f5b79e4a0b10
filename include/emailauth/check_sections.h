/*
 * The whole-domain audit (`emailauth check`): besides DMARC (dmarc.h) and SES
 * Easy DKIM (ses.h), the DKIM keys of known and given selectors, the senders the
 * domain uses (a data file of sender profiles), SES custom MAIL FROM, MX,
 * MTA-STS / TLS-RPT / BIMI records, DNSSEC, and per sender: will its mail pass
 * DMARC, and through which identifier.
 */
#ifndef EMAILAUTH_CHECK_SECTIONS_H
#define EMAILAUTH_CHECK_SECTIONS_H

#include <emailauth/emailauth.h>
#include <emailauth/profiles.h>

#define EA_AUDIT_MAX_SELECTORS 16     /* --selector names */
#define EA_AUDIT_SELECTOR_MAX 63      /* one DNS label */

typedef struct {
	char domain[EA_NAME_MAX + 1];                 /* A-label form */
	char selectors[EA_AUDIT_MAX_SELECTORS][EA_AUDIT_SELECTOR_MAX + 1];
	size_t selector_count;
	char tokens[EA_SES_MAX_TOKENS][EA_SES_TOKEN_MAX + 1];   /* SES Easy DKIM tokens */
	size_t token_count;
	char mail_from[EA_NAME_MAX + 1];              /* SES custom MAIL FROM, "" if not given */
	char region[32];                              /* SES region, "" if not given */
	const ea_profiles *profiles;                  /* sender profiles; NULL: the built-in ones */
} ea_audit_request;

/* Splits "s1,s2 s3" into req->selectors. EA_OK, EA_ERANGE (too many) or EA_EINVAL. */
EA_PUBLIC int ea_audit_set_selectors(ea_audit_request *req, const char *list);

/* The checks, for ea_job_add_check(); arg is a const ea_audit_request *.
 * Sections: "dkim-keys", "senders", "alignment". */
EA_PUBLIC int ea_check_senders(ea_job *job, void *arg);
/* Sections: "mail-from" (SES custom MAIL FROM). */
EA_PUBLIC int ea_check_mail_from(ea_job *job, void *arg);
/* Sections: "mx". */
EA_PUBLIC int ea_check_mx(ea_job *job, void *arg);
/* Sections: "mta-sts", "tls-rpt", "bimi" (the DNS records only). */
EA_PUBLIC int ea_check_policy_records(ea_job *job, void *arg);
/* Section "dnssec": whether the resolver validated the answers (AD bit). Add it
 * last: it reads the lookups the other checks made. */
EA_PUBLIC int ea_check_dnssec(ea_job *job, void *arg);
/* Settles findings of one section that another's evidence makes untrue (an apex
 * without SPF when no sender in use bounces to the apex); a domain that does not
 * exist becomes one finding (section "domain", domain.nxdomain) and nothing else.
 * Add it after every other check; arg is a const ea_audit_request *. */
EA_PUBLIC int ea_check_settle(ea_job *job, void *arg);

#endif
