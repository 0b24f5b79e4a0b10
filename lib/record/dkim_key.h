/* DKIM key records (RFC 6376 3.6.1, RFC 8301, RFC 8463). Pure: no I/O. */
#ifndef EA_RECORD_DKIM_KEY_H
#define EA_RECORD_DKIM_KEY_H

#include "record/taglist.h"

#define EA_DKIM_KEY_MAX_B64 8192    /* a 16384-bit RSA key is ~2,900 base64 bytes */
#define EA_DKIM_RSA_MIN_BITS 1024   /* RFC 8301 3.2: smaller keys MUST NOT verify */
#define EA_DKIM_RSA_GOOD_BITS 2048  /* RFC 8301 3.2: signers SHOULD use at least this */

typedef enum { EA_DKIM_K_RSA, EA_DKIM_K_ED25519, EA_DKIM_K_UNKNOWN } ea_dkim_key_type;

typedef struct {
	bool valid;               /* usable for verification */
	const char *problem;      /* why not (or NULL) */
	bool has_v, v_ok;         /* v= present; equals DKIM1 and comes first */
	ea_dkim_key_type type;    /* k=, default rsa */
	ea_str k;
	bool revoked;             /* p= present and empty */
	bool has_p;
	bool testing;             /* t=y */
	bool strict_identity;     /* t=s */
	bool h_allows_sha256;     /* h= absent, or lists sha256 */
	bool h_present;
	bool s_allows_email;      /* s= absent, or lists * or email */
	bool stray_quotes;        /* quotes or backslashes from a web form */
	bool bad_base64;
	unsigned bits;            /* key size (RSA modulus bits; 256 for Ed25519), 0 unknown */
	ea_str p;                 /* the base64 text, FWS included */
	ea_taglist tags;
} ea_dkim_key;

/* Parses and decodes a key record; never fails hard: read key->valid and problem. */
void ea_dkim_key_parse(const char *txt, size_t len, ea_dkim_key *key);
/* The same, also returning the decoded key when the record is valid (an OpenSSL
 * EVP_PKEY as void *, freed with EVP_PKEY_free), else NULL: decoding p= is the
 * costly part, so a verifier does it once. */
void *ea_dkim_key_parse_load(const char *txt, size_t len, ea_dkim_key *key);

#endif
