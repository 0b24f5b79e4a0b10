/* Shared between the audit checks. */
#ifndef EA_AUDIT_INTERNAL_H
#define EA_AUDIT_INTERNAL_H

#include <emailauth/emailauth.h>
#include <emailauth/audit.h>
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

/* The relative form of name in domain's zone (for web forms), or name itself. */
void ea_audit_relative(const char *name, const char *domain, char *out, size_t size);

#endif
