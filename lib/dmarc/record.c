/*
 * DMARC record parser (RFC 9989 4.7, ABNF 4.8). Pure: no I/O.
 *
 * The grammar differs from RFC 6376 tag lists (lib/record/taglist): tag names
 * and keyword values are case-insensitive, the version value is not, WSP is only
 * space and tab, and unknown or malformed tags are ignored rather than voiding
 * the record. So DMARC has its own tokenizer here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/dmarc.h>
#include "util/util.h"

#define DMARC_PARSE_MAX_BYTES (EA_DMARC_RECORD_MAX * 32)  /* past any real record */
#define DMARC_MAX_PARTS 128          /* "tag=value" parts looked at */
#define DMARC_TAG_NAME_MAX 15

typedef struct {
	const char *base;
	ea_dmarc_record *r;
	bool seen[16];
} parser;

enum { T_V, T_P, T_SP, T_NP, T_ADKIM, T_ASPF, T_RUA, T_RUF, T_FO, T_PSD, T_T,
       T_PCT, T_RF, T_RI, T_COUNT };
static const char *const tag_names[T_COUNT] = {
	"v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "fo", "psd", "t", "pct", "rf", "ri",
};

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static ea_str trim(ea_str s)
{
	while (s.len && is_wsp(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_wsp(s.p[s.len - 1]))
		s.len--;
	return s;
}

static void note(parser *ps, const char *code, ea_severity sev, const char *at, const char *tag,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void note(parser *ps, const char *code, ea_severity sev, const char *at, const char *tag,
                 const char *fmt, ...)
{
	ea_dmarc_record *r = ps->r;
	if (r->note_count >= EA_DMARC_MAX_NOTES) {
		r->notes_dropped++;
		return;
	}
	ea_dmarc_note *n = &r->notes[r->note_count++];
	n->code = code;
	n->severity = sev;
	n->offset = at ? (size_t)(at - ps->base) : 0;
	ea_copy(n->tag, sizeof(n->tag), tag ? tag : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n->message, sizeof(n->message), fmt, ap);
	va_end(ap);
}

/* A printable copy of a value for messages, cut short with "..." when long. */
static void shown(ea_str v, char *out, size_t size)
{
	size_t n = 0, i = 0;
	for (; i < v.len && n + 8 < size; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c >= 0x20 && c < 0x7f)
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
	}
	if (i < v.len)
		n += (size_t)snprintf(out + n, size - n, "...");
	out[n] = '\0';
}

static bool policy_value(ea_str v, ea_dmarc_policy *out)
{
	if (ea_str_ieq(v, "none"))
		*out = EA_DMARC_P_NONE;
	else if (ea_str_ieq(v, "quarantine"))
		*out = EA_DMARC_P_QUARANTINE;
	else if (ea_str_ieq(v, "reject"))
		*out = EA_DMARC_P_REJECT;
	else
		return false;
	return true;
}

static bool one_of(ea_str v, const char *choices, char *out)
{
	if (v.len != 1)
		return false;
	char c = v.p[0];
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	if (strchr(choices, c) == NULL || c == '\0')
		return false;
	*out = c;
	return true;
}

static bool all_digits(ea_str v, size_t max)
{
	if (v.len == 0 || v.len > max)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
	return true;
}

/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":". */
static bool uri_syntax(ea_str u)
{
	size_t i = 0;
	if (u.len == 0 || !((u.p[0] >= 'a' && u.p[0] <= 'z') || (u.p[0] >= 'A' && u.p[0] <= 'Z')))
		return false;
	while (i < u.len && u.p[i] != ':') {
		char c = u.p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '+' || c == '-' || c == '.';
		if (!ok)
			return false;
		i++;
	}
	if (i >= u.len || i + 1 >= u.len)
		return false;
	for (size_t k = i + 1; k < u.len; k++)
		if ((unsigned char)u.p[k] <= 0x20 || (unsigned char)u.p[k] >= 0x7f)
			return false;
	return true;
}

static void parse_uri(parser *ps, ea_str u, const char *tag, ea_dmarc_uri *out, bool *all_valid)
{
	memset(out, 0, sizeof(*out));
	out->offset = (size_t)(u.p - ps->base);
	/* "!" size [unit] (RFC 7489 6.2). A '!' cannot occur unescaped in the URI itself. */
	ea_str uri = u;
	const char *bang = memchr(u.p, '!', u.len);
	if (bang) {
		uri.len = (size_t)(bang - u.p);
		ea_str sz = ea_str_make(bang + 1, u.len - uri.len - 1);
		size_t digits = 0;
		while (digits < sz.len && sz.p[digits] >= '0' && sz.p[digits] <= '9')
			digits++;
		uint64_t mult = 1;
		bool ok = digits > 0 && digits <= 15 && sz.len <= digits + 1;
		if (ok && sz.len == digits + 1) {
			switch (sz.p[digits] | 0x20) {
			case 'k': mult = 1024ULL; break;
			case 'm': mult = 1024ULL * 1024; break;
			case 'g': mult = 1024ULL * 1024 * 1024; break;
			case 't': mult = 1024ULL * 1024 * 1024 * 1024; break;
			default: ok = false;
			}
		}
		if (ok) {
			out->size_limit = strtoull(sz.p, NULL, 10) * mult;
			snprintf(out->size_text, sizeof(out->size_text), "%.*s", (int)sz.len, sz.p);
		} else {
			char s[80];
			shown(sz, s, sizeof(s));
			note(ps, "dmarc.uri.invalid", EA_SEV_WARNING, bang, tag,
			     "%s: the size limit \"!%s\" is not a number with an optional k, m, g or t", tag, s);
		}
	}
	if (uri.len > EA_DMARC_URI_MAX) {
		note(ps, "dmarc.uri.invalid", EA_SEV_ERROR, u.p, tag,
		     "%s: a URI of %zu bytes is longer than this tool keeps (%d)", tag, uri.len,
		     EA_DMARC_URI_MAX);
		*all_valid = false;
		return;
	}
	snprintf(out->uri, sizeof(out->uri), "%.*s", (int)uri.len, uri.p);
	out->valid = uri_syntax(uri);
	if (!out->valid) {
		char s[120];
		shown(uri, s, sizeof(s));
		bool looks_mail = memchr(uri.p, '@', uri.len) != NULL && !ea_str_istarts(uri, "mailto:");
		note(ps, "dmarc.uri.invalid", EA_SEV_ERROR, u.p, tag,
		     "%s: \"%s\" is not a URI%s", tag, s,
		     looks_mail ? "; an address needs the mailto: prefix, e.g. mailto:reports@example.com"
		                : " (it must start with a scheme such as mailto:)");
		*all_valid = false;
		return;
	}
	if (ea_str_istarts(uri, "mailto:")) {
		out->mailto = true;
		ea_str addr = ea_str_make(uri.p + 7, uri.len - 7);
		const char *q = memchr(addr.p, '?', addr.len);  /* mailto headers (RFC 6068) */
		if (q)
			addr.len = (size_t)(q - addr.p);
		snprintf(out->address, sizeof(out->address), "%.*s", (int)addr.len, addr.p);
		const char *at = NULL;
		for (size_t i = 0; i < addr.len; i++)
			if (addr.p[i] == '@')
				at = addr.p + i;
		size_t dl = at ? addr.len - (size_t)(at + 1 - addr.p) : 0;
		if (at == NULL || at == addr.p || dl == 0 || dl > EA_NAME_MAX) {
			char s[120];
			shown(addr, s, sizeof(s));
			note(ps, "dmarc.uri.invalid", EA_SEV_ERROR, u.p, tag,
			     "%s: \"%s\" is not an e-mail address (local@domain)", tag, s);
			out->valid = false;
			*all_valid = false;
			return;
		}
		snprintf(out->domain, sizeof(out->domain), "%.*s", (int)dl, at + 1);
		ea_ascii_lower(out->domain);
		size_t l = strlen(out->domain);
		if (l && out->domain[l - 1] == '.')
			out->domain[l - 1] = '\0';
	} else {
		note(ps, "dmarc.uri.not_mailto", EA_SEV_WARNING, u.p, tag,
		     "%s: receivers send reports only to mailto: URIs; \"%s\" will get none", tag, out->uri);
	}
}

static void parse_uris(parser *ps, ea_str v, const char *tag, ea_dmarc_uri *list, size_t *count,
                       bool *all_valid)
{
	*all_valid = true;
	size_t i = 0, dropped = 0;
	while (i <= v.len) {
		size_t start = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		ea_str one = trim(ea_str_make(v.p + start, i - start));
		i++;
		if (one.len == 0) {
			note(ps, "dmarc.uri.invalid", EA_SEV_WARNING, v.p + start, tag,
			     "%s: an empty entry in the list (a doubled or trailing comma)", tag);
			continue;
		}
		if (*count >= EA_DMARC_MAX_URIS) {
			dropped++;
			continue;
		}
		parse_uri(ps, one, tag, &list[*count], all_valid);
		(*count)++;
	}
	if (dropped)
		note(ps, "dmarc.uri.too_many", EA_SEV_WARNING, v.p, tag,
		     "%s lists more than %d destinations; %zu more were not checked, and receivers may "
		     "send to only the first two", tag, EA_DMARC_MAX_URIS, dropped);
}

static void policy_tag(parser *ps, int t, ea_str v, const char *at)
{
	ea_dmarc_record *r = ps->r;
	ea_dmarc_policy pol;
	bool ok = policy_value(v, &pol);
	char s[80];
	shown(v, s, sizeof(s));
	if (t == T_P) {
		r->p_present = true;
		r->p_valid = ok;
		if (ok)
			r->p = pol;
		else
			note(ps, "dmarc.p.invalid", EA_SEV_ERROR, at, "p",
			     "p=%s is not a policy: use none, quarantine or reject. Receivers treat the record "
			     "as broken (as if p=none at best, when rua= is valid)", s);
	} else if (t == T_SP) {
		r->sp_present = true;
		r->sp_valid = ok;
		if (ok)
			r->sp = pol;
		else
			note(ps, "dmarc.sp.invalid", EA_SEV_ERROR, at, "sp",
			     "sp=%s is not a policy: use none, quarantine or reject", s);
	} else {
		r->np_present = true;
		r->np_valid = ok;
		if (ok)
			r->np = pol;
		else
			note(ps, "dmarc.np.invalid", EA_SEV_ERROR, at, "np",
			     "np=%s is not a policy: use none, quarantine or reject", s);
	}
}

static void fo_tag(parser *ps, ea_str v, const char *at)
{
	ea_dmarc_record *r = ps->r;
	snprintf(r->fo, sizeof(r->fo), "%.*s", (int)EA_MIN(v.len, sizeof(r->fo) - 1), v.p);
	r->fo_valid = v.len > 0;
	size_t i = 0;
	while (i <= v.len && r->fo_valid) {
		size_t start = i;
		while (i < v.len && v.p[i] != ':')
			i++;
		ea_str one = trim(ea_str_make(v.p + start, i - start));
		char c;
		if (!one_of(one, "01ds", &c))
			r->fo_valid = false;
		i++;
	}
	if (!r->fo_valid) {
		char s[80];
		shown(v, s, sizeof(s));
		note(ps, "dmarc.fo.invalid", EA_SEV_WARNING, at, "fo",
		     "fo=%s is not a list of 0, 1, d and s separated by colons; receivers use fo=0", s);
	}
}

static void removed_tag(parser *ps, int t, ea_str v, const char *at)
{
	ea_dmarc_record *r = ps->r;
	char s[80];
	shown(v, s, sizeof(s));
	if (t == T_PCT) {
		r->pct_present = true;
		r->pct_valid = all_digits(v, 3) && atoi(s) <= 100;
		r->pct = r->pct_valid ? atoi(s) : 100;
		if (!r->pct_valid)
			note(ps, "dmarc.tag.removed", EA_SEV_WARNING, at, "pct",
			     "pct=%s: pct is removed by RFC 9989, and this value is not 0-100 either; "
			     "remove the tag", s);
		else if (r->pct < 100)
			note(ps, "dmarc.pct.partial", EA_SEV_WARNING, at, "pct",
			     "pct=%d: RFC 9989 removed pct, so current receivers apply the policy to all "
			     "failing mail; older (RFC 7489) receivers still apply it to only %d%% of it. "
			     "Remove pct (use t=y to test a policy instead)", r->pct, r->pct);
		else
			note(ps, "dmarc.tag.removed", EA_SEV_INFO, at, "pct",
			     "pct=100 is the old default; RFC 9989 removed pct, so the tag can go");
	} else if (t == T_RF) {
		r->rf_present = true;
		snprintf(r->rf, sizeof(r->rf), "%.*s", (int)EA_MIN(v.len, sizeof(r->rf) - 1), v.p);
		note(ps, "dmarc.tag.removed", EA_SEV_INFO, at, "rf",
		     "rf=%s: RFC 9989 removed rf (failure-report format; afrf was the only value). "
		     "Older receivers still read it; it can go", s);
	} else {
		r->ri_present = true;
		r->ri = all_digits(v, 10) ? strtoul(s, NULL, 10) : 86400;
		note(ps, "dmarc.tag.removed", EA_SEV_INFO, at, "ri",
		     "ri=%s: RFC 9989 removed ri (report interval); receivers send aggregate reports "
		     "daily whatever it says. It can go", s);
	}
}

static void one_tag(parser *ps, int t, ea_str v, const char *at)
{
	ea_dmarc_record *r = ps->r;
	char s[80];
	shown(v, s, sizeof(s));
	char c;
	switch (t) {
	case T_P:
	case T_SP:
	case T_NP:
		policy_tag(ps, t, v, at);
		break;
	case T_ADKIM:
	case T_ASPF: {
		bool dk = t == T_ADKIM;
		if (dk)
			r->adkim_present = true;
		else
			r->aspf_present = true;
		if (one_of(v, "rs", &c))
			*(dk ? &r->adkim : &r->aspf) = c;
		else
			note(ps, dk ? "dmarc.adkim.invalid" : "dmarc.aspf.invalid", EA_SEV_WARNING, at,
			     tag_names[t], "%s=%s is not r (relaxed) or s (strict); receivers use r",
			     tag_names[t], s);
		break;
	}
	case T_PSD:
		r->psd_present = true;
		r->psd_valid = one_of(v, "ynu", &c);
		if (r->psd_valid)
			r->psd = c;
		else
			note(ps, "dmarc.psd.invalid", EA_SEV_WARNING, at, "psd",
			     "psd=%s is not y, n or u; receivers use u (the default)", s);
		break;
	case T_T:
		r->t_present = true;
		r->t_valid = one_of(v, "yn", &c);
		if (r->t_valid)
			r->testing = c == 'y';
		else
			note(ps, "dmarc.t.invalid", EA_SEV_WARNING, at, "t",
			     "t=%s is not y or n; receivers use n (the policy is applied as written)", s);
		break;
	case T_FO:
		fo_tag(ps, v, at);
		break;
	case T_RUA:
		r->rua_present = true;
		parse_uris(ps, v, "rua", r->rua, &r->rua_count, &r->rua_valid);
		break;
	case T_RUF:
		r->ruf_present = true;
		parse_uris(ps, v, "ruf", r->ruf, &r->ruf_count, &r->ruf_valid);
		break;
	default:
		removed_tag(ps, t, v, at);
	}
}

/* "v" *WSP "=" *WSP "DMARC1" (RFC 9989 4.8): the name is case-insensitive, the value not. */
static bool version_ok(ea_str part)
{
	if (part.len == 0 || (part.p[0] | 0x20) != 'v')
		return false;
	ea_str rest = trim(ea_str_make(part.p + 1, part.len - 1));
	if (rest.len == 0 || rest.p[0] != '=')
		return false;
	rest = trim(ea_str_make(rest.p + 1, rest.len - 1));
	return rest.len == 6 && memcmp(rest.p, "DMARC1", 6) == 0;
}

void ea_dmarc_parse(const char *txt, size_t len, ea_dmarc_record *out)
{
	/* Not the arrays: this runs on every round of a check, and they are 20 KiB. */
	memset(out, 0, offsetof(ea_dmarc_record, rua));
	out->adkim = out->aspf = 'r';
	out->psd = 'u';
	out->rua_valid = out->ruf_valid = out->fo_valid = out->pct_valid = out->psd_valid = true;
	out->t_valid = true;
	out->pct = 100;
	parser ps = {.base = txt, .r = out};
	if (txt == NULL)
		return;
	if (len > DMARC_PARSE_MAX_BYTES)
		len = DMARC_PARSE_MAX_BYTES;
	size_t i = 0, parts = 0;
	bool first = true;
	while (i <= len && parts < DMARC_MAX_PARTS) {
		size_t start = i;
		while (i < len && txt[i] != ';')
			i++;
		ea_str raw = ea_str_make(txt + start, i - start);
		ea_str part = trim(raw);
		i++;
		if (first) {
			first = false;
			if (!version_ok(part)) {
				note(&ps, "dmarc.version", EA_SEV_ERROR, txt + start, "v",
				     "the record does not start with v=DMARC1 (exactly this, in capitals, as the "
				     "first tag), so receivers ignore it");
				return;
			}
			out->is_dmarc = true;
			ps.seen[T_V] = true;
			if (part.p != raw.p)
				note(&ps, "dmarc.syntax", EA_SEV_WARNING, txt + start, "v",
				     "white space before v=DMARC1: strict receivers ignore such a record; "
				     "start the record with v=DMARC1");
			continue;
		}
		if (part.len == 0)
			continue;
		parts++;
		size_t n = 0;
		while (n < part.len && n <= DMARC_TAG_NAME_MAX &&
		       ((part.p[n] >= 'a' && part.p[n] <= 'z') || (part.p[n] >= 'A' && part.p[n] <= 'Z') ||
		        (part.p[n] >= '0' && part.p[n] <= '9') || part.p[n] == '_'))
			n++;
		ea_str rest = trim(ea_str_make(part.p + n, part.len - n));
		char shown_part[80];
		shown(part, shown_part, sizeof(shown_part));
		if (n == 0 || rest.len == 0 || rest.p[0] != '=') {
			note(&ps, "dmarc.syntax", EA_SEV_WARNING, n < part.len ? part.p + n : part.p, NULL,
			     "\"%s\" at byte %zu is not tag=value; receivers ignore it", shown_part,
			     (size_t)(part.p - txt));
			continue;
		}
		ea_str name = ea_str_make(part.p, n);
		ea_str value = trim(ea_str_make(rest.p + 1, rest.len - 1));
		for (size_t k = 0; k < value.len; k++) {
			unsigned char c = (unsigned char)value.p[k];
			if (c < 0x20 || c >= 0x7f) {
				note(&ps, "dmarc.syntax", EA_SEV_WARNING, value.p + k, NULL,
				     "a control or non-ASCII byte (0x%02x) at byte %zu; DMARC records are "
				     "plain ASCII", c, (size_t)(value.p + k - txt));
				break;
			}
		}
		int t = -1;
		for (int k = 0; k < T_COUNT; k++)
			if (ea_str_ieq(name, tag_names[k]))
				t = k;
		char nm[DMARC_TAG_NAME_MAX + 2];
		snprintf(nm, sizeof(nm), "%.*s", (int)EA_MIN(name.len, sizeof(nm) - 1), name.p);
		if (t < 0) {
			note(&ps, "dmarc.tag.unknown", EA_SEV_INFO, part.p, nm,
			     "unknown tag \"%s\" at byte %zu: receivers ignore it (RFC 9989 4.7)%s", nm,
			     (size_t)(part.p - txt),
			     ea_str_ieq(name, "pc") || ea_str_ieq(name, "policy") ? "; did you mean p=?" : "");
			continue;
		}
		if (t == T_V) {
			note(&ps, "dmarc.tag.duplicate", EA_SEV_WARNING, part.p, "v",
			     "v= appears again at byte %zu; it may only be the first tag", (size_t)(part.p - txt));
			continue;
		}
		if (ps.seen[t]) {
			out->duplicate_tag = true;
			note(&ps, "dmarc.tag.duplicate", EA_SEV_ERROR, part.p, tag_names[t],
			     "%s= appears twice (again at byte %zu): a repeated tag makes the whole tag list "
			     "invalid (RFC 6376 3.2, whose tag-value syntax DMARC uses, RFC 9989 4.7), so "
			     "receivers that follow the RFC apply no DMARC at all; keep one", tag_names[t],
			     (size_t)(part.p - txt));
			continue;
		}
		ps.seen[t] = true;
		one_tag(&ps, t, value, part.p);
	}
	if (i <= len && parts >= DMARC_MAX_PARTS)
		note(&ps, "dmarc.syntax", EA_SEV_WARNING, txt + i, NULL,
		     "more than %d tags; the rest was not read", DMARC_MAX_PARTS);
	/* Effective values (RFC 9989 4.7): sp defaults to p, np to sp. */
	if (!out->sp_present || !out->sp_valid)
		out->sp = out->p;
	if (!out->np_present || !out->np_valid)
		out->np = out->sp;
	out->valid = out->is_dmarc && !out->duplicate_tag && (!out->p_present || out->p_valid);
}

/* Appends to a fixed, NUL-terminated string (cut at size). */
static void say(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *out, size_t size, const char *fmt, ...)
{
	size_t used = strnlen(out, size);
	if (used + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out + used, size - used, fmt, ap);
	va_end(ap);
}

ea_dmarc_applies ea_dmarc_record_applies(const ea_dmarc_record *r, char *why, size_t size)
{
	if (size == 0)
		return EA_DMARC_NOT_APPLIED;
	why[0] = '\0';
	if (!r->is_dmarc) {
		say(why, size, "it is not a DMARC record (no v=DMARC1 first)");
		return EA_DMARC_NOT_APPLIED;
	}
	if (r->duplicate_tag) {
		say(why, size, "a tag appears twice, which makes the whole tag list invalid (RFC 6376 "
		    "3.2, whose tag-value syntax DMARC uses), so no DMARC processing applies");
		return EA_DMARC_NOT_APPLIED;
	}
	static const char values[] = "none, quarantine or reject";
	if (!r->p_present)
		say(why, size, "there is no p=");
	else if (!r->p_valid)
		say(why, size, "p= is not %s", values);
	if (r->sp_present && !r->sp_valid)
		say(why, size, "%ssp= is not %s", why[0] ? "; " : "", values);
	if (r->np_present && !r->np_valid)
		say(why, size, "%snp= is not %s", why[0] ? "; " : "", values);
	if (why[0] == '\0')
		return EA_DMARC_APPLIED;
	/* RFC 9989 4.10.1: a valid rua makes the receiver act as if p=none; else nothing. */
	if (r->rua_present && r->rua_valid && r->rua_count > 0) {
		say(why, size, ", and rua= is valid, so receivers act as if p=none (RFC 9989 4.10.1)");
		return EA_DMARC_APPLIED_AS_NONE;
	}
	say(why, size, ", and there is no valid rua=, so receivers apply no DMARC processing "
	    "(RFC 9989 4.10.1)");
	return EA_DMARC_NOT_APPLIED;
}

bool ea_dmarc_record_usable(const ea_dmarc_record *r)
{
	char why[4];
	return ea_dmarc_record_applies(r, why, sizeof(why)) != EA_DMARC_NOT_APPLIED;
}

const char *ea_dmarc_policy_name(ea_dmarc_policy p)
{
	switch (p) {
	case EA_DMARC_P_QUARANTINE: return "quarantine";
	case EA_DMARC_P_REJECT: return "reject";
	default: return "none";
	}
}

const char *ea_dmarc_result_name(ea_dmarc_result_kind r)
{
	switch (r) {
	case EA_DMARC_RESULT_PASS: return "pass";
	case EA_DMARC_RESULT_FAIL: return "fail";
	case EA_DMARC_RESULT_TEMPERROR: return "temperror";
	default: return "none";
	}
}
