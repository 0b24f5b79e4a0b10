/* Verifying one DKIM signature (RFC 6376 6.1, RFC 8301, RFC 8463) once the key
 * lookup is answered. No I/O: the answer is handed in. */
#ifndef EA_DKIM_VERIFY_H
#define EA_DKIM_VERIFY_H

#include <emailauth/emailauth.h>
#include "dkim/message.h"
#include "dkim/sig.h"

#define EA_DKIM_CLOCK_SKEW_S 300      /* t= this far ahead is still "now" (clocks differ) */
#define EA_DKIM_REASON_MAX 512

/* RFC 8601 2.7.1 vocabulary. */
typedef enum {
	EA_DKIM_NONE, EA_DKIM_PASS, EA_DKIM_FAIL, EA_DKIM_NEUTRAL, EA_DKIM_POLICY,
	EA_DKIM_TEMPERROR, EA_DKIM_PERMERROR,
} ea_dkim_result;

typedef struct {
	ea_dkim_result result;
	const char *code;              /* verify.dkim.* (docs/codes-verify.md) */
	const char *rfc;
	char reason[EA_DKIM_REASON_MAX]; /* one line a person understands */
	unsigned key_bits;             /* 0 when no key was read */
	bool key_testing;              /* the key says t=y */
	bool partial_body;             /* l= leaves content unsigned */
	uint64_t unsigned_bytes;       /* canonical body bytes after l= */
	size_t absent_h;               /* h= names with no field (or fewer than listed) */
} ea_dkim_outcome;

const char *ea_dkim_result_name(ea_dkim_result r);

/* Before any lookup: is the signature usable at time now (Unix seconds)? Returns
 * false when out already holds the final result (no key lookup needed). */
bool ea_dkim_precheck(const ea_dkim_sig *sig, int64_t now, ea_dkim_outcome *out);

/* With the answer of the TXT lookup at <s>._domainkey.<d>: the final result.
 * sig_field is the DKIM-Signature field sig was parsed from. skip_body: the body is
 * not known (pasted headers), so only the signature over the header is checked. */
void ea_dkim_verify(const ea_message *m, const ea_msg_field *sig_field, const ea_dkim_sig *sig,
                    const ea_dns_answer *key_answer, bool skip_body, ea_dkim_outcome *out);

#endif
