/*
 * The whole-domain audit (`emailauth check`): besides DMARC (dmarc.h) and SES
 * Easy DKIM (ses.h), the DKIM keys of known and given selectors, the senders the
 * domain uses (a data file of sender profiles), SES custom MAIL FROM, MX,
 * MTA-STS / TLS-RPT / BIMI records, DNSSEC, and per sender: will its mail pass
 * DMARC, and through which identifier.
 */
#ifndef EMAILAUTH_AUDIT_H
#define EMAILAUTH_AUDIT_H

#include <emailauth/emailauth.h>

#define EA_AUDIT_MAX_SELECTORS 16     /* --selector names */
#define EA_AUDIT_SELECTOR_MAX 63      /* one DNS label */

typedef struct ea_profiles ea_profiles;

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

/* Sender profiles (data/senders.json, built into the library). */
EA_PUBLIC const ea_profiles *ea_profiles_builtin(void);
/* Loads profiles from JSON text (the same schema). NULL with a reason in err. */
EA_PUBLIC ea_profiles *ea_profiles_load(const char *json, size_t len, char *err, size_t err_size);
EA_PUBLIC void ea_profiles_free(ea_profiles *p);
EA_PUBLIC size_t ea_profiles_count(const ea_profiles *p);
/* Id and display name of profile i ("ses", "Amazon SES"). */
EA_PUBLIC const char *ea_profiles_id(const ea_profiles *p, size_t i);
EA_PUBLIC const char *ea_profiles_name(const ea_profiles *p, size_t i);
/* Which sender a host name belongs to (a DKIM CNAME target, an MX host, an SPF
 * include, a d= domain, a reporting source's PTR): the display name, or NULL. */
EA_PUBLIC const char *ea_profiles_sender_of(const ea_profiles *p, const char *host);

#endif
