/* Shared between the audit checks. */
#ifndef EA_CHECK_INTERNAL_H
#define EA_CHECK_INTERNAL_H

#include <emailauth/emailauth.h>
#include <emailauth/check_sections.h>
#include "record/dkim_key.h"
#include "util/buf.h"

#define EA_AUDIT_FIX_TTL 3600

/* What one DKIM selector name holds, for the senders and alignment sections. */
typedef struct {
	bool present;        /* something answered: a key or a CNAME */
	bool key_ok;         /* a usable key (valid, not revoked, >= 1024 bits) */
	bool failed;         /* the lookup failed */
	bool proxied;        /* an address instead of a CNAME or TXT (a proxied CNAME) */
	const char *first_target;   /* first CNAME target, or NULL */
} ea_audit_key_state;

/* Audits the key record(s) of one selector and adds dkim.key.* findings to sec.
 * `asked`: the user named this selector (so "missing" is worth saying).
 * `addr`: when the name has no TXT and no CNAME but answers A or AAAA (and a
 * made-up name next to it does not, so it is no wildcard), that answer; else NULL.
 * `want_cname`: the CNAME target the selector should have (an SES token), or NULL. */
void ea_audit_key(ea_section *sec, const char *selector, const char *name,
                  const ea_dns_answer *a, const ea_dns_answer *addr, bool asked,
                  const char *want_cname, ea_audit_key_state *st);

/* Fix lines of DKIM key findings (key_fix.c): the record at name corrected from
 * what DNS holds (answer a), or a record with a placeholder for a new key made
 * as `how` says. */
void ea_audit_key_fix_corrected(ea_finding *f, const char *name, const ea_dns_answer *a);
void ea_audit_key_fix_new(ea_finding *f, const char *name, const char *how);
/* s as zone-file TXT data: quoted strings of at most 255 bytes. */
void ea_audit_txt_strings(const char *s, ea_buf *out);

/* SES custom MAIL FROM (return_path.c). The number of SPF records in txt, and
 * whether one has include:<include>. */
size_t ea_audit_spf_records(const ea_dns_answer *txt, const char *include, bool *includes);
typedef enum { EA_RP_WORKS, EA_RP_BROKEN, EA_RP_UNKNOWN } ea_rp_verdict;
/* Whether a return path works for its sender: exactly one MX matching mx_pattern
 * (a profile glob) and, with spf_include, one SPF record including it. If not,
 * why says what is wrong ("it has 2 MX records, not exactly one"). */
ea_rp_verdict ea_audit_return_path(const char *mx_pattern, const char *spf_include,
                                   const ea_dns_answer *mx, const ea_dns_answer *txt,
                                   char *why, size_t why_size);
/* The SES region for fix lines: given, else the one an SES MX in mx names, else "". */
void ea_audit_mail_from_region(const ea_dns_answer *mx, const char *given, char *out, size_t size);
/* The MX and/or SPF record lines of a working SES custom MAIL FROM mf. */
void ea_audit_mail_from_lines(ea_buf *out, const char *mf, const char *region, bool mx, bool spf);

/* The relative form of name in domain's zone (for web forms), or name itself. */
void ea_audit_relative(const char *name, const char *domain, char *out, size_t size);

#endif
