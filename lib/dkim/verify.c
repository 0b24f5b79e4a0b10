/* One DKIM signature: key selection, body hash, header hash, signature check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim/canon.h"
#include "dkim/verify.h"
#include "record/dkim_key.h"
#include "util/buf.h"

/* Header data hashed: the selected fields plus the signature field, never more than
 * the header section twice over (relaxed form can only shrink it). */
#define DKIM_HEADER_DATA_MAX (2 * EA_MSG_MAX_HEADER_BYTES + 4096)
#define DKIM_MAX_KEY_RECORDS 8    /* TXT records at one key name looked at */

static void set(ea_dkim_outcome *o, ea_dkim_result r, const char *code, const char *rfc,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set(ea_dkim_outcome *o, ea_dkim_result r, const char *code, const char *rfc,
                const char *fmt, ...)
{
	o->result = r;
	o->code = code;
	o->rfc = rfc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof(o->reason), fmt, ap);
	va_end(ap);
}

const char *ea_dkim_result_name(ea_dkim_result r)
{
	static const char *const names[] = {"none", "pass", "fail", "neutral", "policy",
	                                    "temperror", "permerror"};
	return (size_t)r < EA_ARRAY_SIZE(names) ? names[r] : "none";
}

bool ea_dkim_precheck(const ea_dkim_sig *sig, int64_t now, ea_dkim_outcome *out)
{
	memset(out, 0, sizeof(*out));
	if (sig->problem != NULL) {
		bool sha1 = sig->alg == EA_DKIM_A_RSA_SHA1;
		set(out, EA_DKIM_PERMERROR, sha1 ? "verify.dkim.weak_algorithm" : "verify.dkim.bad_signature",
		    sig->rfc, "the signature is unusable: %s", sig->problem);
		return false;
	}
	if (sig->has_x && sig->x < now) {
		set(out, EA_DKIM_NEUTRAL, "verify.dkim.expired", "RFC 6376 3.5",
		    "the signature expired (x=%lld is %lld seconds ago)", (long long)sig->x,
		    (long long)(now - sig->x));
		return false;
	}
	if (sig->has_t && sig->t > now + EA_DKIM_CLOCK_SKEW_S) {
		set(out, EA_DKIM_NEUTRAL, "verify.dkim.future", "RFC 6376 3.5",
		    "the signature is dated in the future (t=%lld is %lld seconds from now)",
		    (long long)sig->t, (long long)(sig->t - now));
		return false;
	}
	return true;
}

/* The key record to use among the TXT records: the first valid one (its decoded key
 * in *pkey), else the first that looks like a DKIM key (for its problem). Returns
 * false if none is a key. */
static bool pick_key(const ea_dns_answer *a, ea_dkim_key *key, void **pkey)
{
	bool have = false;
	*pkey = NULL;
	size_t n = ea_dns_answer_count(a, EA_RR_TXT);
	for (size_t i = 0; i < n && i < DKIM_MAX_KEY_RECORDS; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		ea_dkim_key k;
		void *pk = ea_dkim_key_parse_load((const char *)rr->txt, rr->txt_len, &k);
		if (pk != NULL) {
			*key = k;
			*pkey = pk;
			return true;
		}
		if (!have && (k.has_p || k.has_v)) {
			*key = k;
			have = true;
		}
	}
	return have;
}

static const char *key_type_name(ea_dkim_key_type t)
{
	return t == EA_DKIM_K_RSA ? "rsa" : t == EA_DKIM_K_ED25519 ? "ed25519" : "unknown";
}

/* Checks the key against the signature (RFC 6376 3.6.1, 6.1.2). False: out is set. */
static bool key_usable(const ea_dkim_sig *sig, const ea_dkim_key *key, const char *kname,
                       ea_dkim_outcome *out)
{
	out->key_bits = key->bits;
	out->key_testing = key->testing;
	if (key->revoked) {
		set(out, EA_DKIM_PERMERROR, "verify.dkim.key_revoked", "RFC 6376 3.6.1",
		    "the key at %s is revoked (p= is empty)", kname);
		return false;
	}
	bool want_ed = sig->alg == EA_DKIM_A_ED25519_SHA256;
	if (key->type != EA_DKIM_K_UNKNOWN && (key->type == EA_DKIM_K_ED25519) != want_ed) {
		set(out, EA_DKIM_PERMERROR, "verify.dkim.key_mismatch", "RFC 6376 6.1.2",
		    "key and algorithm mismatch: the key at %s is %s, the signature is %s", kname,
		    key_type_name(key->type), ea_dkim_alg_name(sig->alg));
		return false;
	}
	if (!key->valid) {
		bool small = key->type == EA_DKIM_K_RSA && key->bits && key->bits < EA_DKIM_RSA_MIN_BITS;
		set(out, EA_DKIM_PERMERROR, small ? "verify.dkim.key_too_small" : "verify.dkim.bad_key",
		    small ? "RFC 8301 3.2" : "RFC 6376 3.6.1", "the key at %s is unusable: %s", kname,
		    key->problem ? key->problem : "it does not parse");
		return false;
	}
	if (!key->h_allows_sha256) {
		set(out, EA_DKIM_PERMERROR, "verify.dkim.key_hash", "RFC 6376 3.6.1",
		    "the key at %s does not allow sha256 (h=)", kname);
		return false;
	}
	if (key->strict_identity) {
		ea_str idom = ea_dkim_sig_i_domain(sig);
		if (!ea_str_ieq(idom, sig->d)) {
			set(out, EA_DKIM_PERMERROR, "verify.dkim.key_strict", "RFC 6376 3.6.1",
			    "the key at %s says t=s, but i= is in a subdomain of %s", kname, sig->d);
			return false;
		}
	}
	return true;
}

/* Canonical body hash, honouring l= (RFC 6376 3.7). False: out is set. */
static bool body_ok(const ea_message *m, const ea_dkim_sig *sig, const char *kname,
                    ea_dkim_outcome *out)
{
	ea_buf body;
	ea_buf_init(&body, EA_MSG_MAX_BYTES + 2);
	ea_canon_body(sig->bc, m->body, &body);
	if (body.error) {
		ea_buf_free(&body);
		set(out, EA_DKIM_TEMPERROR, "verify.dkim.internal", NULL, "out of memory hashing the body");
		return false;
	}
	size_t n = body.len;
	if (sig->has_l) {
		if (sig->l > n) {
			ea_buf_free(&body);
			set(out, EA_DKIM_PERMERROR, "verify.dkim.body_truncated", "RFC 6376 3.5",
			    "l=%llu is longer than the body (%zu bytes): content was removed after signing",
			    (unsigned long long)sig->l, n);
			return false;
		}
		out->partial_body = sig->l < n;
		out->unsigned_bytes = n - sig->l;
		n = (size_t)sig->l;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int ok = EVP_Digest(body.data ? body.data : "", n, md, &mdlen, EVP_sha256(), NULL);
	ea_buf_free(&body);
	if (!ok || mdlen != sig->bh_len || memcmp(md, sig->bh, mdlen) != 0) {
		set(out, EA_DKIM_FAIL, "verify.dkim.body_changed", "RFC 6376 6.1.3",
		    "body changed after signing (body hash mismatch) for %s", kname);
		return false;
	}
	return true;
}

/* The header data of RFC 6376 3.7: each h= name picks the last unused instance,
 * bottom up; then the signature field with b= emptied and no final CRLF. */
static bool header_data(const ea_message *m, const ea_msg_field *sf, const ea_dkim_sig *sig,
                        ea_buf *out, size_t *absent)
{
	bool *used = calloc(m->field_count ? m->field_count : 1, sizeof(bool));
	if (used == NULL)
		return false;
	for (size_t k = 0; k < sig->h_count; k++) {
		bool found = false;
		for (size_t j = m->field_count; j-- > 0;) {
			if (used[j] || m->fields[j].name.len != sig->h[k].len ||
			    strncasecmp(m->fields[j].name.p, sig->h[k].p, sig->h[k].len) != 0)
				continue;
			used[j] = true;
			ea_canon_header(sig->hc, m->fields[j].raw, out);
			found = true;
			break;
		}
		*absent += !found;
	}
	free(used);
	/* The signature field itself, b= value removed. */
	size_t voff = (size_t)(sf->value.p - sf->raw.p);
	size_t cut = voff + sig->b_value_start;
	ea_buf me;
	ea_buf_init(&me, sf->raw.len + 2);
	ea_buf_append(&me, sf->raw.p, cut);
	ea_buf_append(&me, sf->raw.p + cut + sig->b_value_len, sf->raw.len - cut - sig->b_value_len);
	size_t before = out->len;
	if (!me.error)
		ea_canon_header(sig->hc, ea_str_make(me.data, me.len), out);
	ea_buf_free(&me);
	if (!out->error && out->len >= before + 2)
		out->len -= 2;       /* no CRLF after the signature field */
	return !out->error;
}

static bool signature_ok(const ea_dkim_sig *sig, void *pkey, const char *data, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return false;
	int ok;
	if (sig->alg == EA_DKIM_A_ED25519_SHA256) {
		/* RFC 8463 3: Ed25519 signs the SHA-256 hash of the header data. */
		unsigned char md[32];
		unsigned mdlen = 0;
		ok = EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) &&
		     EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
		     EVP_DigestVerify(ctx, sig->b, sig->b_len, md, mdlen) == 1;
	} else {
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		     EVP_DigestVerify(ctx, sig->b, sig->b_len, (const unsigned char *)data, len) == 1;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}

void ea_dkim_verify(const ea_message *m, const ea_msg_field *sig_field, const ea_dkim_sig *sig,
                    const ea_dns_answer *a, bool skip_body, ea_dkim_outcome *out)
{
	char kname[2 * EA_NAME_MAX + 16];
	memset(out, 0, sizeof(*out));
	if (sig->problem != NULL) {
		(void)ea_dkim_precheck(sig, 0, out);
		return;
	}
	snprintf(kname, sizeof(kname), "%s._domainkey.%s", sig->s, sig->d);
	if (a == NULL || a->outcome == EA_DNS_UNKNOWN) {
		set(out, EA_DKIM_TEMPERROR, "verify.dkim.dns_failed", "RFC 6376 6.1.2",
		    "DNS failure looking up the key at %s (%s): try again later", kname,
		    a ? ea_dns_reason_text(a->reason) : "no answer");
		return;
	}
	ea_dkim_key key = {0};
	void *pkey = NULL;             /* decoded once, by pick_key */
	if (a->outcome == EA_DNS_ABSENT || !pick_key(a, &key, &pkey)) {
		set(out, EA_DKIM_PERMERROR, "verify.dkim.no_key", "RFC 6376 6.1.2",
		    "no key at %s%s", kname,
		    a->outcome == EA_DNS_ABSENT ? "" : " (the TXT records there are not DKIM keys)");
		return;
	}
	if (!key_usable(sig, &key, kname, out) || (!skip_body && !body_ok(m, sig, kname, out))) {
		EVP_PKEY_free(pkey);
		return;
	}
	ea_buf hd;
	ea_buf_init(&hd, DKIM_HEADER_DATA_MAX);
	size_t absent = 0;
	bool built = header_data(m, sig_field, sig, &hd, &absent);
	out->absent_h = absent;
	if (!built || pkey == NULL) {
		EVP_PKEY_free(pkey);
		ea_buf_free(&hd);
		set(out, EA_DKIM_TEMPERROR, "verify.dkim.internal", NULL,
		    "could not prepare the header data or load the key of %s", kname);
		return;
	}
	bool ok = signature_ok(sig, pkey, hd.data ? hd.data : "", hd.len);
	EVP_PKEY_free(pkey);
	ea_buf_free(&hd);
	if (!ok) {
		set(out, EA_DKIM_FAIL, "verify.dkim.header_changed", "RFC 6376 6.1.3",
		    "header changed after signing (signature mismatch) for %s, %s, %u-bit key", kname,
		    ea_dkim_alg_name(sig->alg), key.bits);
		return;
	}
	if (skip_body)
		set(out, EA_DKIM_PASS, "verify.dkim.pass_header_only", NULL,
		    "the header signature verifies with %s (%s, %u-bit key); the body was not given, "
		    "so its hash was not checked", kname, ea_dkim_alg_name(sig->alg), key.bits);
	else
		set(out, EA_DKIM_PASS, "verify.dkim.pass", NULL, "verified with %s (%s, %u-bit key)", kname,
		    ea_dkim_alg_name(sig->alg), key.bits);
}
