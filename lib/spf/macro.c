/*
 * SPF macro expansion, RFC 7208 section 7. The work is bounded: each value is cut at
 * EA_SPF_MACRO_VALUE_MAX bytes, and output past EA_SPF_MACRO_OUT_MAX drops bytes at
 * the end that does not matter (the left of a domain, the right of a text).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spf/macro.h"

typedef struct {
	char *p;
	size_t cap;        /* usable bytes (size - 1) */
	size_t len;
	ea_spf_macro_mode mode;
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
	if (o->mode == EA_SPF_MACRO_EXP) {
		size_t room = o->cap - o->len;
		if (n > room)
			n = room;
		memcpy(o->p + o->len, s, n);
		o->len += n;
		return;
	}
	/* Domain: only the right end survives 7.3 truncation. When full, keep the last
	 * half (amortised: each byte is moved a bounded number of times). */
	if (n >= o->cap) {
		memcpy(o->p, s + n - o->cap, o->cap);
		o->len = o->cap;
		return;
	}
	if (o->len + n > o->cap) {
		size_t keep = EA_MIN(o->len, o->cap / 2);
		if (keep + n > o->cap)
			keep = o->cap - n;
		memmove(o->p, o->p + o->len - keep, keep);
		o->len = keep;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static void out_escaped(outbuf *o, const char *s, size_t n, bool escape)
{
	if (!escape) {
		out_put(o, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c)) {
			out_put(o, (const char *)&s[i], 1);
		} else {
			char hex[4];
			snprintf(hex, sizeof(hex), "%%%02X", c);
			out_put(o, hex, 3);
		}
	}
}

static bool is_delim(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

static const char *letter_value(char l, const ea_spf_macro_ctx *c, char *tbuf, size_t tsize)
{
	switch (l) {
	case 's': return c->sender;
	case 'l': return c->local;
	case 'o': return c->sender_domain;
	case 'd': return c->domain;
	case 'i': return c->ip_dotted;
	case 'c': return c->ip_text;
	case 'v': return c->ip_version;
	case 'h': return c->helo;
	case 'p': return c->ptr_name;
	case 'r': return c->receiver ? c->receiver : "unknown";
	case 't':
		snprintf(tbuf, tsize, "%" PRId64, c->now);
		return tbuf;
	default: return NULL;
	}
}

/* One %{...}: split the value on the delimiters, reverse, keep the right N parts,
 * join with '.' (7.3). */
static bool expand_one(outbuf *o, const char *m, size_t mlen, const ea_spf_macro_ctx *ctx,
                       ea_spf_macro_mode mode, const char **why)
{
	/* m: letter, digits, [r], delimiters (no braces) */
	char letter = (char)(m[0] | 0x20);
	bool upper = m[0] >= 'A' && m[0] <= 'Z';
	if ((letter == 'c' || letter == 'r' || letter == 't') && mode != EA_SPF_MACRO_EXP) {
		*why = "macros c, r and t are allowed only in exp text";
		return false;
	}
	size_t i = 1;
	unsigned long digits = 0;
	bool have_digits = false;
	while (i < mlen && m[i] >= '0' && m[i] <= '9') {
		if (digits < 100000)
			digits = digits * 10 + (unsigned long)(m[i] - '0');
		have_digits = true;
		i++;
	}
	if (have_digits && digits == 0) {
		*why = "a macro's digit transformer must not be zero";
		return false;
	}
	bool reverse = false;
	if (i < mlen && (m[i] | 0x20) == 'r') {
		reverse = true;
		i++;
	}
	const char *delims = m + i;
	size_t ndelims = mlen - i;
	char tbuf[32];
	const char *v = letter_value(letter, ctx, tbuf, sizeof(tbuf));
	if (v == NULL) {
		*why = letter == 'p' ? "internal: %{p} without its value" : "unknown macro letter";
		return false;
	}
	size_t vlen = strnlen(v, EA_SPF_MACRO_VALUE_MAX);
	/* Part boundaries: at most vlen + 1 parts. */
	uint16_t starts[EA_SPF_MACRO_VALUE_MAX + 1], lens[EA_SPF_MACRO_VALUE_MAX + 1];
	size_t parts = 0, start = 0;
	for (size_t k = 0; k <= vlen; k++) {
		bool split = k == vlen;
		if (!split) {
			if (ndelims == 0)
				split = v[k] == '.';
			else
				split = memchr(delims, v[k], ndelims) != NULL;
		}
		if (split) {
			starts[parts] = (uint16_t)start;
			lens[parts] = (uint16_t)(k - start);
			parts++;
			start = k + 1;
		}
	}
	size_t keep = have_digits && digits < parts ? digits : parts;
	/* Order after optional reversal: index j of the sequence maps to part. */
	bool first = true;
	for (size_t j = parts - keep; j < parts; j++) {
		size_t part = reverse ? parts - 1 - j : j;
		if (!first)
			out_put(o, ".", 1);
		first = false;
		out_escaped(o, v + starts[part], lens[part], upper);
	}
	return true;
}

bool ea_spf_macro_expand(ea_str s, const ea_spf_macro_ctx *ctx, ea_spf_macro_mode mode,
                         char *out, size_t out_size, const char **why)
{
	if (out_size == 0)
		return false;
	outbuf o = {out, out_size - 1, 0, mode};
	for (size_t i = 0; i < s.len;) {
		char c = s.p[i];
		if (c != '%') {
			size_t j = i;
			while (j < s.len && s.p[j] != '%')
				j++;
			out_put(&o, s.p + i, j - i);
			i = j;
			continue;
		}
		if (i + 1 >= s.len) {
			*why = "a '%' at the end";
			goto bad;
		}
		char n = s.p[i + 1];
		if (n == '%') {
			out_put(&o, "%", 1);
			i += 2;
		} else if (n == '_') {
			out_put(&o, " ", 1);
			i += 2;
		} else if (n == '-') {
			out_put(&o, "%20", 3);
			i += 2;
		} else if (n == '{') {
			size_t j = i + 2;
			while (j < s.len && s.p[j] != '}')
				j++;
			if (j >= s.len || j == i + 2) {
				*why = "malformed macro: expected '}'";
				goto bad;
			}
			/* validate the inside: letter digits [r] delimiters */
			const char *m = s.p + i + 2;
			size_t mlen = j - i - 2, k = 1;
			char l = (char)(m[0] | 0x20);
			if (strchr("slodipvhcrt", l) == NULL || !((m[0] | 0x20) >= 'a' && (m[0] | 0x20) <= 'z')) {
				*why = "unknown macro letter";
				goto bad;
			}
			while (k < mlen && m[k] >= '0' && m[k] <= '9')
				k++;
			if (k < mlen && (m[k] | 0x20) == 'r')
				k++;
			while (k < mlen && is_delim(m[k]))
				k++;
			if (k != mlen) {
				*why = "malformed macro: unexpected character inside braces";
				goto bad;
			}
			if (!expand_one(&o, m, mlen, ctx, mode, why))
				goto bad;
			i = j + 1;
		} else {
			*why = "'%' must be followed by '{', '%', '_' or '-'";
			goto bad;
		}
	}
	out[o.len] = '\0';
	if (mode == EA_SPF_MACRO_DOMAIN)
		ea_spf_truncate_domain(out);
	return true;
bad:
	out[o.len] = '\0';
	return false;
}

bool ea_spf_macro_uses_p(ea_str s)
{
	for (size_t i = 0; i + 2 < s.len; i++)
		if (s.p[i] == '%') {
			if (s.p[i + 1] == '{' && (s.p[i + 2] | 0x20) == 'p')
				return true;
			i++;   /* skip the escaped character of %% %_ %- */
		}
	return false;
}

void ea_spf_truncate_domain(char *name)
{
	size_t len = strlen(name);
	size_t off = 0;
	while (len - off > EA_SPF_DOMAIN_MAX) {
		const char *dot = memchr(name + off, '.', len - off);
		if (dot == NULL)
			break;
		off = (size_t)(dot - name) + 1;
	}
	if (off > 0)
		memmove(name, name + off, len - off + 1);
}
