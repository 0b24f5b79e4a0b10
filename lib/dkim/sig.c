/* DKIM-Signature parsing and validation (RFC 6376 3.5 and 6.1.1). */
#include <stdio.h>
#include <string.h>

#include "dkim/sig.h"
#include "util/base64.h"
#include "util/util.h"

static bool is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void bad(ea_dkim_sig *sig, const char *why, const char *rfc)
{
	if (sig->problem == NULL) {
		sig->problem = why;
		sig->rfc = rfc;
	}
}

static bool number(ea_str v, unsigned max_digits, uint64_t *out)
{
	if (v.len == 0 || v.len > max_digits)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = n;
	return true;
}

/* c= "header/body", each simple or relaxed; body defaults to simple (RFC 6376 3.5). */
static bool parse_c(ea_str v, ea_dkim_sig *sig)
{
	const char *slash = memchr(v.p, '/', v.len);
	ea_str h = ea_str_make(v.p, slash ? (size_t)(slash - v.p) : v.len);
	ea_str b = slash ? ea_str_make(slash + 1, v.len - h.len - 1) : ea_str_make("simple", 6);
	bool ok = true;
	if (ea_str_ieq(h, "relaxed"))
		sig->hc = EA_CANON_RELAXED;
	else if (!ea_str_ieq(h, "simple"))
		ok = false;
	if (ea_str_ieq(b, "relaxed"))
		sig->bc = EA_CANON_RELAXED;
	else if (!ea_str_ieq(b, "simple"))
		ok = false;
	return ok;
}

/* h= colon-separated field names, FWS allowed around them. */
static bool parse_h(ea_str v, ea_dkim_sig *sig)
{
	size_t i = 0;
	bool has_from = false;
	while (i <= v.len) {
		size_t start = i;
		while (i < v.len && v.p[i] != ':')
			i++;
		ea_str one = ea_str_make(v.p + start, i - start);
		while (one.len && is_fws(one.p[0])) {
			one.p++;
			one.len--;
		}
		while (one.len && is_fws(one.p[one.len - 1]))
			one.len--;
		if (one.len == 0) {
			bad(sig, "h= has an empty field name", "RFC 6376 3.5");
			return false;
		}
		if (sig->h_count >= EA_DKIM_SIG_MAX_H) {
			bad(sig, "h= lists more than 128 header fields", "RFC 6376 3.5");
			return false;
		}
		sig->h[sig->h_count++] = one;
		has_from |= ea_str_ieq(one, "from");
		i++;
	}
	if (!has_from)
		bad(sig, "h= does not include From, so the signature does not protect the sender",
		    "RFC 6376 6.1.1");
	return has_from;
}

/* Where the b= value lies: from just after its '=' to the next ';' or the end. */
static void locate_b(const char *value, size_t len, const ea_tag *b, ea_dkim_sig *sig)
{
	size_t i = b->offset;
	while (i < len && value[i] != '=')
		i++;
	if (i < len)
		i++;
	size_t end = i;
	while (end < len && value[end] != ';')
		end++;
	sig->b_value_start = i;
	sig->b_value_len = end - i;
}

void ea_dkim_sig_parse(const char *value, size_t len, ea_dkim_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	sig->alg = EA_DKIM_A_UNKNOWN;
	if (!ea_taglist_parse(value, len, &sig->tags)) {
		if (sig->tags.duplicate)
			bad(sig, "a tag appears twice", "RFC 6376 3.2");
		else if (sig->tags.error != NULL)
			bad(sig, sig->tags.error, "RFC 6376 3.2");
	}
	const ea_taglist *tl = &sig->tags;
	const ea_tag *v = ea_taglist_get(tl, "v"), *a = ea_taglist_get(tl, "a"),
	             *b = ea_taglist_get(tl, "b"), *bh = ea_taglist_get(tl, "bh"),
	             *d = ea_taglist_get(tl, "d"), *h = ea_taglist_get(tl, "h"),
	             *s = ea_taglist_get(tl, "s"), *c = ea_taglist_get(tl, "c"),
	             *i = ea_taglist_get(tl, "i"), *l = ea_taglist_get(tl, "l"),
	             *q = ea_taglist_get(tl, "q"), *t = ea_taglist_get(tl, "t"),
	             *x = ea_taglist_get(tl, "x"), *z = ea_taglist_get(tl, "z");
	if (a) {
		sig->a = a->value;
		if (ea_str_ieq(a->value, "rsa-sha256"))
			sig->alg = EA_DKIM_A_RSA_SHA256;
		else if (ea_str_ieq(a->value, "ed25519-sha256"))
			sig->alg = EA_DKIM_A_ED25519_SHA256;
		else if (ea_str_ieq(a->value, "rsa-sha1"))
			sig->alg = EA_DKIM_A_RSA_SHA1;
	}
	if (d && !ea_name_take(d->value, sig->d, sizeof(sig->d)))
		sig->d[0] = '\0';
	if (s && !ea_name_take(s->value, sig->s, sizeof(sig->s)))
		sig->s[0] = '\0';
	if (b)
		locate_b(value, len, b, sig);

	/* Required tags (RFC 6376 3.5, 6.1.1), then each tag's syntax. */
	if (!v || !a || !b || !bh || !d || !h || !s)
		bad(sig, "a required tag (v, a, b, bh, d, h, s) is missing", "RFC 6376 6.1.1");
	else if (!ea_str_ieq(v->value, "1"))
		bad(sig, "v= is not 1", "RFC 6376 3.5");
	if (sig->alg == EA_DKIM_A_RSA_SHA1)
		bad(sig, "rsa-sha1 is no longer accepted (RFC 8301 3.1: verifiers must not accept it)",
		    "RFC 8301 3.1");
	else if (a && sig->alg == EA_DKIM_A_UNKNOWN)
		bad(sig, "unknown signing algorithm a=", "RFC 6376 3.5");
	if (d && sig->d[0] == '\0')
		bad(sig, "d= is not a valid domain name", "RFC 6376 3.5");
	if (s && sig->s[0] == '\0')
		bad(sig, "s= is not a valid selector", "RFC 6376 3.1");
	if (b) {
		long n = ea_base64_decode(b->value.p, b->value.len, sig->b, sizeof(sig->b));
		if (n <= 0)
			bad(sig, "b= (the signature) is not valid base64", "RFC 6376 3.5");
		else
			sig->b_len = (size_t)n;
	}
	if (bh) {
		long n = ea_base64_decode(bh->value.p, bh->value.len, sig->bh, sizeof(sig->bh));
		if (n <= 0)
			bad(sig, "bh= (the body hash) is not valid base64", "RFC 6376 3.5");
		else
			sig->bh_len = (size_t)n;
	}
	if (c && !parse_c(c->value, sig))
		bad(sig, "c= is not simple or relaxed", "RFC 6376 3.5");
	if (h)
		(void)parse_h(h->value, sig);
	if (q) {
		/* colon-separated methods; dns/txt is the only one defined */
		bool ok = false;
		ea_str qv = q->value;
		for (size_t k = 0; k + 7 <= qv.len; k++)
			if (strncasecmp(qv.p + k, "dns/txt", 7) == 0 && (k == 0 || qv.p[k - 1] == ':'))
				ok = true;
		if (!ok)
			bad(sig, "q= does not offer dns/txt", "RFC 6376 3.5");
	}
	if (l) {
		sig->has_l = number(l->value, EA_DKIM_SIG_MAX_L_DIGITS, &sig->l);
		if (!sig->has_l)
			bad(sig, "l= is not a number", "RFC 6376 3.5");
	}
	uint64_t n = 0;
	if (t) {
		sig->has_t = number(t->value, EA_DKIM_SIG_MAX_TIME_DIGITS, &n);
		sig->t = (int64_t)n;
		if (!sig->has_t)
			bad(sig, "t= is not a timestamp", "RFC 6376 3.5");
	}
	if (x) {
		sig->has_x = number(x->value, EA_DKIM_SIG_MAX_TIME_DIGITS, &n);
		sig->x = (int64_t)n;
		if (!sig->has_x)
			bad(sig, "x= is not a timestamp", "RFC 6376 3.5");
		else if (sig->has_t && sig->x < sig->t)
			bad(sig, "x= (expiry) is before t= (signing time)", "RFC 6376 3.5");
	}
	if (z)
		sig->z = z->value;
	if (i) {
		sig->i = i->value;
		const char *at = memchr(i->value.p, '@', i->value.len);
		ea_str idom = ea_dkim_sig_i_domain(sig);
		char dom[EA_NAME_MAX + 1];
		if (at == NULL || !ea_name_take(idom, dom, sizeof(dom)))
			bad(sig, "i= is not an identity like user@domain", "RFC 6376 3.5");
		else if (sig->d[0] && !ea_name_is_subdomain(dom, sig->d))
			bad(sig, "i= is not in the domain d= or a subdomain of it", "RFC 6376 6.1.1");
	}
}

ea_str ea_dkim_sig_i_domain(const ea_dkim_sig *sig)
{
	const char *at = sig->i.len ? memchr(sig->i.p, '@', sig->i.len) : NULL;
	if (at == NULL)
		return ea_str_make(sig->d, strlen(sig->d));
	return ea_str_make(at + 1, sig->i.len - (size_t)(at + 1 - sig->i.p));
}

bool ea_dkim_sig_key_name(const ea_dkim_sig *sig, char *out, size_t size)
{
	int n = snprintf(out, size, "%s._domainkey.%s", sig->s, sig->d);
	return n > 0 && (size_t)n < size && (size_t)n <= EA_NAME_MAX && sig->s[0] && sig->d[0];
}

const char *ea_dkim_alg_name(ea_dkim_alg a)
{
	switch (a) {
	case EA_DKIM_A_RSA_SHA256: return "rsa-sha256";
	case EA_DKIM_A_ED25519_SHA256: return "ed25519-sha256";
	case EA_DKIM_A_RSA_SHA1: return "rsa-sha1";
	case EA_DKIM_A_UNKNOWN: break;
	}
	return "unknown";
}
