/* The DKIM-Signature header field: tag list and validation (RFC 6376 3.5, 6.1.1,
 * RFC 8301, RFC 8463). Pure: no I/O, no clock. */
#ifndef EA_DKIM_SIG_H
#define EA_DKIM_SIG_H

#include <emailauth/emailauth.h>
#include "dkim/canon.h"
#include "record/taglist.h"

#define EA_DKIM_SIG_MAX_H 128       /* h= names: over-signing doubles ~30 usual fields */
#define EA_DKIM_SIG_MAX_B 2048      /* b= bytes: a 16384-bit RSA signature */
#define EA_DKIM_SIG_MAX_BH 64       /* bh= bytes: SHA-256 needs 32 */
#define EA_DKIM_SIG_MAX_L_DIGITS 18 /* l= fits in 64 bits (RFC 6376 allows 76 digits) */
#define EA_DKIM_SIG_MAX_TIME_DIGITS 12 /* t=, x=: RFC 6376 3.5 says 12 digits suffice */

typedef enum {
	EA_DKIM_A_RSA_SHA256,
	EA_DKIM_A_ED25519_SHA256,
	EA_DKIM_A_RSA_SHA1,          /* RFC 8301 3.1: must not verify */
	EA_DKIM_A_UNKNOWN,
} ea_dkim_alg;

typedef struct {
	ea_taglist tags;
	const char *problem;       /* why the signature is unusable (PERMFAIL), or NULL */
	const char *rfc;           /* the section problem refers to */
	ea_dkim_alg alg;
	ea_str a;
	ea_canon hc, bc;
	char d[EA_NAME_MAX + 1];   /* lowercase; "" when absent or invalid */
	char s[EA_NAME_MAX + 1];
	ea_str i;                  /* AUID; empty: "@d" */
	ea_str h[EA_DKIM_SIG_MAX_H];
	size_t h_count;
	unsigned char b[EA_DKIM_SIG_MAX_B];
	size_t b_len;
	unsigned char bh[EA_DKIM_SIG_MAX_BH];
	size_t bh_len;
	bool has_l, has_t, has_x;
	uint64_t l;
	int64_t t, x;
	ea_str z;
	/* The raw field with the value of b= removed (RFC 6376 3.7), owned by nobody:
	 * start/len of the b= value inside the field value. */
	size_t b_value_start, b_value_len;
} ea_dkim_sig;

/* Parses the value of a DKIM-Signature field (after the colon). Never fails hard:
 * read sig->problem. */
void ea_dkim_sig_parse(const char *value, size_t len, ea_dkim_sig *sig);
const char *ea_dkim_alg_name(ea_dkim_alg a);
/* "<s>._domainkey.<d>" into out; false when too long for DNS. */
bool ea_dkim_sig_key_name(const ea_dkim_sig *sig, char *out, size_t size);
/* The domain part of i= (after '@'), or d when there is no i=. */
ea_str ea_dkim_sig_i_domain(const ea_dkim_sig *sig);

#endif
