/*
 * SPF record parser: the ABNF of RFC 7208 section 12, strictly. A record with a
 * syntax error anywhere is a permerror before any term is evaluated (4.6), so the
 * parser reads the whole record and reports the first error with its byte offset.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spf/record.h"

static const char *const kind_names[] = {
	[SPF_T_ALL] = "all", [SPF_T_INCLUDE] = "include", [SPF_T_A] = "a", [SPF_T_MX] = "mx",
	[SPF_T_PTR] = "ptr", [SPF_T_IP4] = "ip4", [SPF_T_IP6] = "ip6", [SPF_T_EXISTS] = "exists",
	[SPF_T_REDIRECT] = "redirect", [SPF_T_EXP] = "exp", [SPF_T_UNKNOWN_MOD] = "modifier",
};

const char *ea_spf_kind_name(ea_spf_kind k)
{
	return (size_t)k < EA_ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

bool ea_spf_kind_counts(ea_spf_kind k)
{
	return k == SPF_T_INCLUDE || k == SPF_T_A || k == SPF_T_MX || k == SPF_T_PTR ||
	       k == SPF_T_EXISTS || k == SPF_T_REDIRECT;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

bool ea_spf_is_v1(const char *p, size_t len)
{
	return len >= 6 && ea_str_istarts(ea_str_make(p, len), "v=spf1") && (len == 6 || p[6] == ' ');
}

bool ea_spf_is_lookalike(const char *p, size_t len)
{
	if (ea_spf_is_v1(p, len))
		return false;
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '"'))
		i++;
	ea_str s = ea_str_make(p + i, len - i);
	if (ea_str_istarts(s, "v=spf") || ea_str_istarts(s, "spf1") || ea_str_istarts(s, "v:spf") ||
	    ea_str_istarts(s, "v =") || ea_str_istarts(s, "v= spf") || ea_str_istarts(s, "v=sfp") ||
	    ea_str_istarts(s, "spf2.0"))
		return true;
	return false;
}

/* macro-letter of 7.1; the c r t letters only in exp text. */
static bool macro_letter_ok(char c, bool exp)
{
	switch (c | 0x20) {
	case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v':
		return true;
	case 'c': case 'r': case 't':
		return exp;
	default:
		return false;
	}
}

static bool is_delimiter(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

/* Length of the macro-expand at s[i] ('%' there), or 0 when malformed. */
static size_t macro_expand_len(ea_str s, size_t i, bool exp, const char **why)
{
	if (i + 1 >= s.len) {
		*why = "a '%' at the end";
		return 0;
	}
	char c = s.p[i + 1];
	if (c == '%' || c == '_' || c == '-')
		return 2;
	if (c != '{') {
		*why = "'%' must be followed by '{', '%', '_' or '-'";
		return 0;
	}
	size_t j = i + 2;
	if (j >= s.len || !macro_letter_ok(s.p[j], exp)) {
		*why = exp ? "unknown macro letter" : "unknown macro letter (c, r and t only in exp text)";
		return 0;
	}
	j++;
	size_t digits_from = j;
	bool nonzero = false;
	while (j < s.len && is_digit(s.p[j]))
		nonzero |= s.p[j++] != '0';
	if (j > digits_from && !nonzero) {
		/* 7.1: a digit transformer must be nonzero; a syntax error anywhere in the
		 * record is a permerror (4.6), even in a term evaluation never reaches */
		*why = "a macro's digit transformer must not be zero";
		return 0;
	}
	if (j < s.len && (s.p[j] | 0x20) == 'r')
		j++;
	while (j < s.len && is_delimiter(s.p[j]))
		j++;
	if (j >= s.len || s.p[j] != '}') {
		*why = "malformed macro: expected '}'";
		return 0;
	}
	return j + 1 - i;
}

bool ea_spf_macro_syntax_ok(ea_str s, bool exp, size_t *err_off, const char **why)
{
	for (size_t i = 0; i < s.len;) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '%') {
			size_t n = macro_expand_len(s, i, exp, why);
			if (n == 0) {
				*err_off = i;
				return false;
			}
			i += n;
			continue;
		}
		/* macro-literal: visible ASCII; exp text may also hold spaces (7.1) */
		if (!(c >= 0x21 && c <= 0x7e) && !(exp && c == ' ')) {
			*err_off = i;
			*why = c >= 0x80 ? "a non-ASCII byte" : "a control character";
			return false;
		}
		i++;
	}
	return true;
}

static bool toplabel_ok(const char *p, size_t n)
{
	if (n == 0 || n > 63)
		return false;
	bool alpha = false, hyphen = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '-')
			hyphen = true;
		else if (is_alpha(p[i]))
			alpha = true;
		else if (!is_digit(p[i]))
			return false;
	}
	if (p[0] == '-' || p[n - 1] == '-')
		return false;
	return alpha || hyphen;
}

/* domain-spec = macro-string domain-end (section 12). */
static bool domain_spec_ok(ea_str s, size_t *err_off, const char **why, bool *has_macro)
{
	*has_macro = false;
	if (s.len == 0) {
		*err_off = 0;
		*why = "empty domain";
		return false;
	}
	if (!ea_spf_macro_syntax_ok(s, false, err_off, why))
		return false;
	/* Walk the tokens: remember where the last macro-expand ended and the last
	 * literal '.' was. */
	size_t last_macro_end = 0, last_dot = (size_t)-1;
	bool any_macro = false;
	for (size_t i = 0; i < s.len;) {
		if (s.p[i] == '%') {
			const char *w;
			size_t n = macro_expand_len(s, i, false, &w);
			i += n;
			last_macro_end = i;
			any_macro = true;
			continue;
		}
		if (s.p[i] == '.')
			last_dot = i;
		i++;
	}
	*has_macro = any_macro;
	if (any_macro && last_macro_end == s.len)
		return true;   /* domain-end = macro-expand */
	size_t end = s.len;
	if (s.p[end - 1] == '.' && end - 1 == last_dot) {
		end--;         /* one trailing dot */
		last_dot = (size_t)-1;
		for (size_t i = end; i-- > last_macro_end;)
			if (s.p[i] == '.') {
				last_dot = i;
				break;
			}
	}
	if (last_dot == (size_t)-1 || last_dot < last_macro_end ||
	    !toplabel_ok(s.p + last_dot + 1, end - last_dot - 1)) {
		*err_off = last_dot == (size_t)-1 ? 0 : last_dot + 1;
		*why = "the domain must end in a top-level label with a letter (such as .com), or a macro";
		return false;
	}
	return true;
}

/* "/N" with no leading zero, at most max. Returns the value or -1. */
static int cidr_value(const char *p, size_t n, int max)
{
	if (n == 0 || n > 3 || (p[0] == '0' && n > 1))
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Splits a trailing "/digits" off s (digits only). Returns the offset of the '/', or
 * (size_t)-1 when none. */
static size_t trailing_slash_digits(ea_str s)
{
	size_t i = s.len;
	while (i > 0 && is_digit(s.p[i - 1]))
		i--;
	if (i == s.len || i == 0 || s.p[i - 1] != '/')
		return (size_t)-1;
	return i - 1;
}

static bool fail_at(ea_spf_record *rec, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool fail_at(ea_spf_record *rec, size_t pos, const char *fmt, ...)
{
	rec->status = SPF_REC_SYNTAX;
	rec->error_pos = pos;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rec->error, sizeof(rec->error), fmt, ap);
	va_end(ap);
	return false;
}

/* a / mx arguments: [":" domain-spec] [dual-cidr-length]. */
static bool parse_a_mx(ea_spf_record *rec, ea_spf_term *t, ea_str rest, size_t rest_pos)
{
	size_t slash2 = (size_t)-1;
	/* "//N" at the end: the IPv6 prefix length */
	size_t s = trailing_slash_digits(rest);
	if (s != (size_t)-1 && s > 0 && rest.p[s - 1] == '/') {
		slash2 = s - 1;
		t->cidr6 = cidr_value(rest.p + s + 1, rest.len - s - 1, 128);
		if (t->cidr6 < 0)
			return fail_at(rec, rest_pos + s, "invalid IPv6 prefix length");
		rest.len = slash2;
	}
	s = trailing_slash_digits(rest);
	if (s != (size_t)-1) {
		t->cidr4 = cidr_value(rest.p + s + 1, rest.len - s - 1, 32);
		if (t->cidr4 < 0)
			return fail_at(rec, rest_pos + s, "invalid IPv4 prefix length");
		rest.len = s;
	}
	if (rest.len == 0)
		return true;
	if (rest.p[0] != ':')
		return fail_at(rec, rest_pos, "unexpected text after the mechanism name");
	t->domain = ea_str_make(rest.p + 1, rest.len - 1);
	t->has_domain = true;
	size_t off;
	const char *why;
	if (!domain_spec_ok(t->domain, &off, &why, &t->has_macro))
		return fail_at(rec, rest_pos + 1 + off, "%s", why);
	return true;
}

static bool parse_ip(ea_spf_record *rec, ea_spf_term *t, ea_str rest, size_t rest_pos, bool v6)
{
	if (rest.len < 2 || rest.p[0] != ':')
		return fail_at(rec, rest_pos, "%s needs ':' and an address", v6 ? "ip6" : "ip4");
	ea_str a = ea_str_make(rest.p + 1, rest.len - 1);
	size_t slash = (size_t)-1;
	for (size_t i = 0; i < a.len; i++)
		if (a.p[i] == '/') {
			slash = i;
			break;
		}
	int *cidr = v6 ? &t->cidr6 : &t->cidr4;
	if (slash != (size_t)-1) {
		*cidr = cidr_value(a.p + slash + 1, a.len - slash - 1, v6 ? 128 : 32);
		if (*cidr < 0)
			return fail_at(rec, rest_pos + 1 + slash, "invalid prefix length");
		a.len = slash;
	}
	char buf[64];
	if (a.len == 0 || a.len >= sizeof(buf))
		return fail_at(rec, rest_pos + 1, "invalid %s address", v6 ? "IPv6" : "IPv4");
	memcpy(buf, a.p, a.len);
	buf[a.len] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, t->addr) != 1)
		return fail_at(rec, rest_pos + 1, "invalid %s address", v6 ? "IPv6" : "IPv4");
	t->domain = a;
	return true;
}

static bool parse_term(ea_spf_record *rec, ea_spf_term *t, ea_str tx, size_t pos)
{
	memset(t, 0, sizeof(*t));
	t->text = tx;
	t->pos = pos;
	t->cidr4 = t->cidr6 = -1;
	t->qualifier = '+';
	for (size_t i = 0; i < tx.len; i++) {
		unsigned char c = (unsigned char)tx.p[i];
		if (c < 0x21 || c > 0x7e)
			return fail_at(rec, pos + i, "%s in a term (only spaces separate terms)",
			               c >= 0x80 ? "a non-ASCII byte" : "a control character");
	}
	size_t i = 0;
	if (tx.p[0] == '+' || tx.p[0] == '-' || tx.p[0] == '~' || tx.p[0] == '?') {
		t->qualifier = tx.p[0];
		t->qualifier_given = true;
		i = 1;
	}
	size_t name_start = i;
	if (i < tx.len && is_alpha(tx.p[i])) {
		i++;
		while (i < tx.len && (is_alnum(tx.p[i]) || tx.p[i] == '-' || tx.p[i] == '_' ||
		                      tx.p[i] == '.'))
			i++;
	}
	t->name = ea_str_make(tx.p + name_start, i - name_start);
	ea_str rest = ea_str_make(tx.p + i, tx.len - i);
	if (t->name.len == 0)
		return fail_at(rec, pos + name_start, "a term must start with a mechanism or modifier name");
	if (rest.len > 0 && rest.p[0] == '=') {
		if (t->qualifier_given)
			return fail_at(rec, pos, "a modifier cannot have a qualifier");
		t->qualifier = '=';
		t->domain = ea_str_make(rest.p + 1, rest.len - 1);
		t->has_domain = true;
		size_t off;
		const char *why;
		if (ea_str_ieq(t->name, "redirect") || ea_str_ieq(t->name, "exp")) {
			t->kind = ea_str_ieq(t->name, "redirect") ? SPF_T_REDIRECT : SPF_T_EXP;
			if (!domain_spec_ok(t->domain, &off, &why, &t->has_macro))
				return fail_at(rec, pos + i + 1 + off, "%s", why);
			int *slot = t->kind == SPF_T_REDIRECT ? &rec->redirect : &rec->exp;
			if (*slot >= 0)
				return fail_at(rec, pos, "%s= appears more than once", ea_spf_kind_name(t->kind));
			*slot = (int)rec->term_count;
			return true;
		}
		t->kind = SPF_T_UNKNOWN_MOD;
		if (!ea_spf_macro_syntax_ok(t->domain, false, &off, &why))
			return fail_at(rec, pos + i + 1 + off, "%s", why);
		for (size_t k = 0; k < t->domain.len; k++)
			if (t->domain.p[k] == '%')
				t->has_macro = true;
		return true;
	}
	static const struct { const char *n; ea_spf_kind k; } mechs[] = {
		{"all", SPF_T_ALL}, {"include", SPF_T_INCLUDE}, {"a", SPF_T_A}, {"mx", SPF_T_MX},
		{"ptr", SPF_T_PTR}, {"ip4", SPF_T_IP4}, {"ip6", SPF_T_IP6}, {"exists", SPF_T_EXISTS},
	};
	/* The name scan took '.', '-', '_' (modifier-name characters); a mechanism name is
	 * only letters and digits, so cut it there. */
	size_t ml = 0;
	while (ml < t->name.len && is_alnum(t->name.p[ml]))
		ml++;
	ea_str mname = ea_str_make(t->name.p, ml);
	rest = ea_str_make(t->name.p + ml, tx.len - (size_t)(t->name.p - tx.p) - ml);
	size_t rest_pos = pos + (size_t)(rest.p - tx.p);
	bool known = false;
	for (size_t k = 0; k < EA_ARRAY_SIZE(mechs); k++)
		if (ea_str_ieq(mname, mechs[k].n)) {
			t->kind = mechs[k].k;
			known = true;
		}
	if (!known) {
		char n[64];
		snprintf(n, sizeof(n), "%.*s", (int)EA_MIN(mname.len, 40), mname.p);
		return fail_at(rec, pos + name_start, "unknown mechanism '%s'", n);
	}
	t->name = mname;
	size_t off;
	const char *why;
	switch (t->kind) {
	case SPF_T_ALL:
		if (rest.len)
			return fail_at(rec, rest_pos, "'all' takes no argument");
		if (rec->all < 0)
			rec->all = (int)rec->term_count;
		return true;
	case SPF_T_INCLUDE:
	case SPF_T_EXISTS:
		if (rest.len < 1 || rest.p[0] != ':')
			return fail_at(rec, rest_pos, "%s needs ':' and a domain", ea_spf_kind_name(t->kind));
		t->domain = ea_str_make(rest.p + 1, rest.len - 1);
		t->has_domain = true;
		if (!domain_spec_ok(t->domain, &off, &why, &t->has_macro))
			return fail_at(rec, rest_pos + 1 + off, "%s", why);
		return true;
	case SPF_T_PTR:
		if (rest.len == 0)
			return true;
		if (rest.p[0] != ':')
			return fail_at(rec, rest_pos, "unexpected text after 'ptr'");
		t->domain = ea_str_make(rest.p + 1, rest.len - 1);
		t->has_domain = true;
		if (!domain_spec_ok(t->domain, &off, &why, &t->has_macro))
			return fail_at(rec, rest_pos + 1 + off, "%s", why);
		return true;
	case SPF_T_A:
	case SPF_T_MX:
		return parse_a_mx(rec, t, rest, rest_pos);
	case SPF_T_IP4:
		return parse_ip(rec, t, rest, rest_pos, false);
	case SPF_T_IP6:
		return parse_ip(rec, t, rest, rest_pos, true);
	default:
		return fail_at(rec, pos, "internal");
	}
}

void ea_spf_parse(const char *p, size_t len, ea_spf_record *rec)
{
	rec->status = SPF_REC_OK;
	rec->error_pos = 0;
	rec->error[0] = '\0';
	rec->term_count = 0;
	rec->redirect = rec->exp = rec->all = -1;
	if (!ea_spf_is_v1(p, len)) {
		rec->status = SPF_REC_NOT_SPF;
		snprintf(rec->error, sizeof(rec->error), "not an SPF record (no \"v=spf1\" at the start)");
		return;
	}
	if (len > EA_SPF_MAX_RECORD) {
		fail_at(rec, EA_SPF_MAX_RECORD, "record longer than %d bytes", EA_SPF_MAX_RECORD);
		return;
	}
	size_t i = 6;
	while (i < len) {
		if (p[i] == ' ') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && p[i] != ' ')
			i++;
		if (rec->term_count >= EA_SPF_MAX_TERMS) {
			fail_at(rec, start, "more than %d terms", EA_SPF_MAX_TERMS);
			return;
		}
		if (!parse_term(rec, &rec->terms[rec->term_count], ea_str_make(p + start, i - start), start))
			return;
		rec->term_count++;
	}
}
