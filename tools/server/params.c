#include <arpa/inet.h>
#include <idn2.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "form.h"
#include "params.h"

static const char *const kind_names[SRV_KIND_COUNT] = {
	[SRV_KIND_SES] = "ses", [SRV_KIND_CHECK] = "check", [SRV_KIND_SPF] = "spf",
	[SRV_KIND_DKIM] = "dkim", [SRV_KIND_VERIFY] = "verify",
};

/* The fields each kind takes; "tab" is the page's own. */
static const char *const fields_ses[] = {"domain", "tokens", "t1", "t2", "t3", "aws", "region", "tab", NULL};
static const char *const fields_check[] = {"domain", "tokens", "t1", "t2", "t3", "aws", "region",
                                           "selectors", "mailfrom", "tab", NULL};
/* spf: sender and helo as `emailauth spf --sender --helo`; mailfrom is sender's other name. */
static const char *const fields_spf[] = {"domain", "ip", "sender", "mailfrom", "helo", "tab", NULL};
static const char *const fields_dkim[] = {"domain", "selectors", "tab", NULL};
static const char *const fields_verify[] = {"headers", "ip", "helo", "mailfrom", "tab", NULL};

const char *const *srv_params_fields(srv_kind kind)
{
	static const char *const *const table[SRV_KIND_COUNT] = {
		[SRV_KIND_SES] = fields_ses, [SRV_KIND_CHECK] = fields_check, [SRV_KIND_SPF] = fields_spf,
		[SRV_KIND_DKIM] = fields_dkim, [SRV_KIND_VERIFY] = fields_verify,
	};
	return table[kind];
}

const char *srv_kind_name(srv_kind kind)
{
	return kind < SRV_KIND_COUNT ? kind_names[kind] : "?";
}

bool srv_kind_from_name(const char *name, srv_kind *kind)
{
	for (int k = 0; k < SRV_KIND_COUNT; k++)
		if (name && strcmp(name, kind_names[k]) == 0) {
			*kind = (srv_kind)k;
			return true;
		}
	return false;
}

__attribute__((format(printf, 4, 5)))
static int fail(srv_params *p, const char *field, const char *code, const char *fmt, ...)
{
	if (p->error_field == NULL) {
		p->error_field = field;
		p->error_code = code;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->error, sizeof(p->error), fmt, ap);
		va_end(ap);
	}
	return EA_EINVAL;
}

/* Copies a one-line field, trimmed of surrounding spaces. Over SRV_INPUT_MAX or
 * holding a NUL or line break: an error. */
static int take(srv_params *p, srv_get_fn get, void *ctx, const char *key, char *dst)
{
	size_t n = 0;
	const char *v = get(ctx, key, &n);
	dst[0] = '\0';
	if (v == NULL)
		return EA_OK;
	char shown[EA_VALUE_SHOWN_MAX + 1];
	if (n > SRV_INPUT_MAX) {
		char head[EA_VALUE_SHOWN_MAX + 1];
		snprintf(head, sizeof(head), "%.*s", (int)(sizeof(head) - 1), v);
		ea_value_shown(head, shown, sizeof(shown));
		return fail(p, key, "too_long", "'%s...' is longer than %d characters", shown, SRV_INPUT_MAX);
	}
	if (memchr(v, '\0', n) || memchr(v, '\n', n) || memchr(v, '\r', n)) {
		char head[EA_VALUE_SHOWN_MAX + 1];
		size_t hn = strcspn(v, "\r\n");
		snprintf(head, sizeof(head), "%.*s", (int)(hn < sizeof(head) - 1 ? hn : sizeof(head) - 1), v);
		ea_value_shown(head, shown, sizeof(shown));
		return fail(p, key, "invalid", "'%s' and what follows must be one line of text", shown);
	}
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return EA_OK;
}

/* An A-label ("xn--...") must be the encoding of a valid U-label: decoded and encoded
 * again (IDNA2008, libidn2) it comes back the same (RFC 5890 2.3.2.1). Names are
 * lower case here (ea_domain_normalize). */
static bool alabels_valid(const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");
		if (n > 4 && strncmp(name, "xn--", 4) == 0) {
			char label[EA_LABEL_MAX + 1];
			if (n > EA_LABEL_MAX)
				return false;
			memcpy(label, name, n);
			label[n] = '\0';
			char *u = NULL, *a = NULL;
			bool ok = idn2_to_unicode_8z8z(label, &u, 0) == IDN2_OK &&
			          idn2_to_ascii_8z(u, &a, IDN2_NONTRANSITIONAL) == IDN2_OK && strcmp(a, label) == 0;
			idn2_free(u);
			idn2_free(a);
			if (!ok)
				return false;
		} else if (n == 4 && strncmp(name, "xn--", 4) == 0) {
			return false;
		}
		name += n;
		if (*name == '.')
			name++;
	}
	return true;
}

/* Errors name the value, not the field (the field is in error_field): shown without
 * control characters and cut short. */
static int domain_field(srv_params *p, const char *field, const char *in, char *out, bool required)
{
	if (*in == '\0')
		return required ? fail(p, field, "missing", "The domain to check is needed, such as "
		                       "example.com") : EA_OK;
	char shown[EA_VALUE_SHOWN_MAX + 1];
	ea_value_shown(in, shown, sizeof(shown));
	const char *why = NULL;
	char inner[EA_NAME_MAX + 1];
	bool from_input = ea_domain_inside(in, inner, sizeof(inner)) &&
	                  ea_domain_normalize(inner, out, EA_NAME_MAX + 1, &why) == EA_OK;
	if (!from_input && ea_domain_normalize(in, out, EA_NAME_MAX + 1, &why) != EA_OK)
		return fail(p, field, "invalid_domain", "'%s' is not a domain name: %s", shown,
		            why ? why : "invalid");
	if (strchr(out, '.') == NULL)
		return fail(p, field, "invalid_domain", "'%s' is not a domain name: it needs at least two "
		            "labels, such as example.com", shown);
	if (!alabels_valid(out))
		return fail(p, field, "invalid_domain", "'%s' is not a domain name: a label starting with "
		            "'xn--' is not valid punycode (IDNA2008)", shown);
	if (from_input && strcmp(field, "domain") == 0)
		p->domain_from_input = true;
	return EA_OK;
}

/* The SES tokens: three fields, a list, or pasted AWS JSON; and the region. Required
 * for the SES tab, optional for the full check. */
static int read_ses(srv_params *p, srv_get_fn get, void *ctx, bool required)
{
	static const char *const tkeys[SRV_FORM_TOKENS] = {"t1", "t2", "t3"};
	snprintf(p->ses.domain, sizeof(p->ses.domain), "%s", p->domain);
	for (int i = 0; i < SRV_FORM_TOKENS; i++)
		if (take(p, get, ctx, tkeys[i], p->token_in[i]) != EA_OK)
			return EA_EINVAL;
	if (take(p, get, ctx, "tokens", p->tokens_in) != EA_OK ||
	    take(p, get, ctx, "region", p->region_in) != EA_OK)
		return EA_EINVAL;
	p->aws_json = get(ctx, "aws", &p->aws_json_len);
	while (p->aws_json && p->aws_json_len > 0 &&
	       (*p->aws_json == ' ' || *p->aws_json == '\n' || *p->aws_json == '\r' || *p->aws_json == '\t'))
		p->aws_json++, p->aws_json_len--;
	if (p->aws_json && p->aws_json_len == 0)
		p->aws_json = NULL;
	if (p->aws_json && p->aws_json_len > SRV_AWS_JSON_MAX)
		return fail(p, "aws", "too_long", "The pasted JSON is longer than %d bytes", SRV_AWS_JSON_MAX);
	char list[SRV_INPUT_MAX * (SRV_FORM_TOKENS + 1) + 8];
	snprintf(list, sizeof(list), "%s,%s,%s,%s", p->token_in[0], p->token_in[1], p->token_in[2],
	         p->tokens_in);
	bool any_token = strspn(list, ", ") != strlen(list);
	if (p->aws_json) {
		char err[256];
		if (ea_ses_parse_aws_json(p->aws_json, p->aws_json_len, &p->ses, err, sizeof(err)) != EA_OK)
			return fail(p, "aws", "invalid_json", "The pasted JSON could not be read: %s", err);
		p->tokens_from_json = p->ses.token_count > 0;
	}
	if (p->ses.token_count == 0 && any_token) {
		char bad[EA_VALUE_SHOWN_MAX + 1] = "";
		int rc = ea_ses_add_tokens(&p->ses, list, bad, sizeof(bad));
		if (rc == EA_ERANGE)
			return fail(p, "tokens", "too_many", "At most %d tokens", EA_SES_MAX_TOKENS);
		if (rc != EA_OK)
			return fail(p, "tokens", "invalid_token", "'%s' is not a token: a token is one DNS label "
			            "(letters, digits and '-', at most %d characters), or a record name or "
			            "CNAME target that starts with one", bad, EA_SES_TOKEN_MAX);
	}
	if (p->ses.token_count == 0 && required)
		return fail(p, "tokens", "missing", "The DKIM tokens SES shows for the domain are needed, "
		            "or the output of 'aws sesv2 get-email-identity'");
	if (p->region_in[0]) {
		char region[32];
		size_t n = strlen(p->region_in);
		char shown[EA_VALUE_SHOWN_MAX + 1];
		ea_value_shown(p->region_in, shown, sizeof(shown));
		if (n >= sizeof(region))
			return fail(p, "region", "invalid_region", "'%s' is not an SES region, such as eu-west-1",
			            shown);
		for (size_t i = 0; i <= n; i++)
			region[i] = (char)(p->region_in[i] >= 'A' && p->region_in[i] <= 'Z'
			                   ? p->region_in[i] - 'A' + 'a' : p->region_in[i]);
		if (!ea_ses_region_known(region))
			return fail(p, "region", "invalid_region", "'%s' is not an SES region, such as eu-west-1",
			            shown);
		snprintf(p->ses.region, sizeof(p->ses.region), "%s", region);
	}
	return EA_OK;
}

/* An IPv4 or IPv6 address; "" when absent and not required. */
static int read_ip(srv_params *p, srv_get_fn get, void *ctx, bool required)
{
	if (take(p, get, ctx, "ip", p->ip_in) != EA_OK)
		return EA_EINVAL;
	if (p->ip_in[0] == '\0')
		return required ? fail(p, "ip", "missing", "The IP address the mail comes from is needed")
		                : EA_OK;
	unsigned char addr[16];
	size_t n = strlen(p->ip_in);
	if (n >= sizeof(p->ip) || (inet_pton(AF_INET, p->ip_in, addr) != 1 &&
	                           inet_pton(AF_INET6, p->ip_in, addr) != 1)) {
		char shown[EA_VALUE_SHOWN_MAX + 1];
		ea_value_shown(p->ip_in, shown, sizeof(shown));
		return fail(p, "ip", "invalid_ip", "'%s' is not an IPv4 or IPv6 address", shown);
	}
	memcpy(p->ip, p->ip_in, n + 1);
	return EA_OK;
}

/* The HELO name: a host name, or an address literal "[192.0.2.1]" (RFC 5321 4.1.3). */
static int helo_field(srv_params *p)
{
	if (p->helo_in[0] != '[')
		return domain_field(p, "helo", p->helo_in, p->helo, false);
	char inner[64];
	unsigned char addr[16];
	size_t n = strlen(p->helo_in);
	char shown[EA_VALUE_SHOWN_MAX + 1];
	ea_value_shown(p->helo_in, shown, sizeof(shown));
	if (n < 3 || n - 2 >= sizeof(inner) || p->helo_in[n - 1] != ']')
		return fail(p, "helo", "invalid_helo", "'%s' is not a host name or an address in brackets", shown);
	memcpy(inner, p->helo_in + 1, n - 2);
	inner[n - 2] = '\0';
	const char *ip = strncmp(inner, "IPv6:", 5) == 0 ? inner + 5 : inner;
	if (inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1)
		return fail(p, "helo", "invalid_helo", "'%s' is not a host name or an address in brackets", shown);
	memcpy(p->helo, p->helo_in, n + 1);
	return EA_OK;
}

/* The MAIL FROM address in p->mailfrom_in (given as `field`): user@domain or a bare domain,
 * the domain part a valid name. "" stays "". */
static int address_field(srv_params *p, const char *field)
{
	if (p->mailfrom_in[0] == '\0')
		return EA_OK;
	const char *at = strrchr(p->mailfrom_in, '@');
	char domain[EA_NAME_MAX + 1];
	if (domain_field(p, field, at ? at + 1 : p->mailfrom_in, domain, true) != EA_OK)
		return EA_EINVAL;
	int local = at ? (int)(at - p->mailfrom_in) : 0;
	if ((size_t)local + 1 + strlen(domain) >= sizeof(p->mailfrom))
		return fail(p, field, "too_long", "The address is too long (at most %d characters)", EA_NAME_MAX);
	snprintf(p->mailfrom, sizeof(p->mailfrom), "%.*s%s%s", local, p->mailfrom_in, at ? "@" : "", domain);
	return EA_OK;
}

/* verify: the connecting IP, the HELO name and the MAIL FROM address, all optional. */
static int read_envelope(srv_params *p, srv_get_fn get, void *ctx)
{
	if (read_ip(p, get, ctx, false) != EA_OK || take(p, get, ctx, "helo", p->helo_in) != EA_OK ||
	    take(p, get, ctx, "mailfrom", p->mailfrom_in) != EA_OK)
		return EA_EINVAL;
	return helo_field(p) == EA_OK ? address_field(p, "mailfrom") : EA_EINVAL;
}

/* spf: as `emailauth spf`: ip, the MAIL FROM address as sender (or mailfrom, as verify and
 * RFC 5321 call it) and helo. The domain may be left out when the sender names it. */
static int read_spf(srv_params *p, srv_get_fn get, void *ctx)
{
	char other[SRV_INPUT_MAX + 1];
	if (read_ip(p, get, ctx, false) != EA_OK || take(p, get, ctx, "sender", p->mailfrom_in) != EA_OK ||
	    take(p, get, ctx, "mailfrom", other) != EA_OK || take(p, get, ctx, "helo", p->helo_in) != EA_OK)
		return EA_EINVAL;
	const char *field = "sender";
	if (p->mailfrom_in[0] && other[0] && strcmp(p->mailfrom_in, other) != 0)
		return fail(p, "mailfrom", "conflict", "'sender' and 'mailfrom' are two names of the MAIL FROM "
		            "address: give one");
	if (p->mailfrom_in[0] == '\0' && other[0]) {
		memcpy(p->mailfrom_in, other, sizeof(other));
		field = "mailfrom";
	}
	if (address_field(p, field) != EA_OK || helo_field(p) != EA_OK)
		return EA_EINVAL;
	if (p->helo[0] && p->ip[0] == '\0')
		return fail(p, "helo", "invalid", "'helo' goes with 'ip': the name the server at that address "
		            "gave in HELO/EHLO");
	if (p->domain[0] == '\0' && p->mailfrom[0] == '\0')
		return domain_field(p, "domain", "", p->domain, true);
	return EA_OK;
}

static int read_selectors(srv_params *p, srv_get_fn get, void *ctx)
{
	if (take(p, get, ctx, "selectors", p->selectors_in) != EA_OK)
		return EA_EINVAL;
	snprintf(p->audit.domain, sizeof(p->audit.domain), "%s", p->domain);
	char copy[SRV_INPUT_MAX + 1];
	snprintf(copy, sizeof(copy), "%s", p->selectors_in);
	char *save = NULL;
	for (char *s = strtok_r(copy, ", ", &save); s; s = strtok_r(NULL, ", ", &save)) {
		if (p->audit.selector_count == SRV_MAX_SELECTORS)
			return fail(p, "selectors", "too_many", "At most %d selectors", SRV_MAX_SELECTORS);
		const char *why = NULL;
		char sel[EA_NAME_MAX + 1];
		char shown[EA_VALUE_SHOWN_MAX + 1];
		ea_value_shown(s, shown, sizeof(shown));
		if (ea_domain_normalize(s, sel, sizeof(sel), &why) != EA_OK)
			return fail(p, "selectors", "invalid_selector", "'%s' is not a selector: a selector is one "
			            "or more DNS labels: %s", shown, why ? why : "invalid");
		if (ea_audit_set_selectors(&p->audit, sel) != EA_OK)
			return fail(p, "selectors", "invalid_selector", "'%s' is not a selector: a selector is at "
			            "most %d characters: letters, digits, '-', '_' and '.'", shown,
			            EA_AUDIT_SELECTOR_MAX);
	}
	return EA_OK;
}

static int read_kind(srv_params *p, srv_kind kind, srv_get_fn get, void *ctx)
{
	if (kind == SRV_KIND_VERIFY) {
		p->headers = get(ctx, "headers", &p->headers_len);
		if (p->headers == NULL || p->headers_len == 0 || strspn(p->headers, " \t\r\n") == p->headers_len)
			return fail(p, "headers", "missing", "The headers of a message you received are needed");
		if (p->headers_len > SRV_HEADERS_MAX)
			return fail(p, "headers", "too_long", "The headers are longer than %d bytes", SRV_HEADERS_MAX);
		return read_envelope(p, get, ctx);
	}
	/* spf: the sender's domain will do (read_spf). */
	if (take(p, get, ctx, "domain", p->domain_in) != EA_OK ||
	    domain_field(p, "domain", p->domain_in, p->domain, kind != SRV_KIND_SPF) != EA_OK)
		return EA_EINVAL;
	switch (kind) {
	case SRV_KIND_SES:
		return read_ses(p, get, ctx, true);
	case SRV_KIND_CHECK:
		/* What `emailauth check` takes: --tokens, --region, --selector, --mail-from. */
		if (read_ses(p, get, ctx, false) != EA_OK || read_selectors(p, get, ctx) != EA_OK ||
		    take(p, get, ctx, "mailfrom", p->mailfrom_in) != EA_OK ||
		    domain_field(p, "mailfrom", p->mailfrom_in, p->mailfrom, false) != EA_OK)
			return EA_EINVAL;
		snprintf(p->audit.mail_from, sizeof(p->audit.mail_from), "%s", p->mailfrom);
		for (size_t i = 0; i < p->ses.token_count; i++)
			snprintf(p->audit.tokens[i], sizeof(p->audit.tokens[i]), "%s", p->ses.tokens[i]);
		p->audit.token_count = p->ses.token_count;
		snprintf(p->audit.region, sizeof(p->audit.region), "%s", p->ses.region);
		return EA_OK;
	case SRV_KIND_DKIM:
		return read_selectors(p, get, ctx);
	case SRV_KIND_SPF:
		/* With an IP: check_host() for it; without: the audit of the published policy. */
		return read_spf(p, get, ctx);
	case SRV_KIND_VERIFY:
	case SRV_KIND_COUNT:
		break;
	}
	return EA_OK;
}

/* After an error, the form keeps everything typed: the fields not read yet (the error
 * stopped at an earlier one) are copied as they came, cut at SRV_INPUT_MAX. */
static void keep_typed(srv_params *p, srv_get_fn get, void *ctx)
{
	static const struct { const char *key; size_t off; } typed[] = {
		{"domain", offsetof(srv_params, domain_in)}, {"t1", offsetof(srv_params, token_in[0])},
		{"t2", offsetof(srv_params, token_in[1])}, {"t3", offsetof(srv_params, token_in[2])},
		{"tokens", offsetof(srv_params, tokens_in)}, {"region", offsetof(srv_params, region_in)},
		{"selectors", offsetof(srv_params, selectors_in)}, {"mailfrom", offsetof(srv_params, mailfrom_in)},
		{"sender", offsetof(srv_params, mailfrom_in)},
		{"ip", offsetof(srv_params, ip_in)}, {"helo", offsetof(srv_params, helo_in)},
	};
	for (const char *const *f = srv_params_fields(p->kind); *f; f++)
		for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
			char *dst = (char *)p + typed[i].off;
			size_t n = 0;
			const char *v = strcmp(*f, typed[i].key) == 0 && dst[0] == '\0' ? get(ctx, *f, &n) : NULL;
			if (v != NULL)
				snprintf(dst, SRV_INPUT_MAX + 1, "%.*s", (int)(n < SRV_INPUT_MAX ? n : SRV_INPUT_MAX), v);
		}
	if (p->aws_json == NULL && (p->kind == SRV_KIND_SES || p->kind == SRV_KIND_CHECK)) {
		p->aws_json = get(ctx, "aws", &p->aws_json_len);
		if (p->aws_json_len > SRV_AWS_JSON_MAX)
			p->aws_json_len = SRV_AWS_JSON_MAX;
	}
	if (p->headers == NULL && p->kind == SRV_KIND_VERIFY)
		p->headers = get(ctx, "headers", &p->headers_len);
}

int srv_params_read(srv_params *p, srv_kind kind, srv_get_fn get, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	int rc = read_kind(p, kind, get, ctx);
	if (rc != EA_OK)
		keep_typed(p, get, ctx);
	return rc;
}

bool srv_params_blank(srv_kind kind, srv_get_fn get, void *ctx)
{
	for (const char *const *f = srv_params_fields(kind); *f; f++) {
		size_t n = 0;
		const char *v = get(ctx, *f, &n);
		if (v != NULL && n > 0 && strcmp(*f, "tab") != 0)
			return false;
	}
	return true;
}

void srv_params_query(const srv_params *p, ea_buf *q)
{
	srv_query_add(q, "tab", srv_kind_name(p->kind));
	srv_query_add(q, "domain", p->domain_in);
	if (p->kind == SRV_KIND_SES || p->kind == SRV_KIND_CHECK) {
		if (p->tokens_from_json) {
			/* The short form of what the pasted JSON said. */
			for (size_t i = 0; i < p->ses.token_count && i < SRV_FORM_TOKENS; i++) {
				static const char *const tkeys[SRV_FORM_TOKENS] = {"t1", "t2", "t3"};
				srv_query_add(q, tkeys[i], p->ses.tokens[i]);
			}
			if (p->ses.token_count > SRV_FORM_TOKENS) {
				ea_buf rest;
				ea_buf_init(&rest, SRV_INPUT_MAX);
				for (size_t i = SRV_FORM_TOKENS; i < p->ses.token_count; i++)
					ea_buf_printf(&rest, "%s%s", rest.len ? "," : "", p->ses.tokens[i]);
				srv_query_add(q, "tokens", rest.data);
				ea_buf_free(&rest);
			}
			const char *zone = p->ses.signing_zone;
			if (p->ses.region[0])
				srv_query_add(q, "region", p->ses.region);
			else if (strncmp(zone, "dkim.", 5) == 0 && strstr(zone, ".amazonses.com")) {
				char region[32];
				size_t n = strlen(zone) - 5 - strlen(".amazonses.com");
				if (n > 0 && n < sizeof(region) && zone[5 + n] == '.') {
					memcpy(region, zone + 5, n);
					region[n] = '\0';
					srv_query_add(q, "region", region);
				}
			}
		} else {
			srv_query_add(q, "t1", p->token_in[0]);
			srv_query_add(q, "t2", p->token_in[1]);
			srv_query_add(q, "t3", p->token_in[2]);
			srv_query_add(q, "tokens", p->tokens_in);
			srv_query_add(q, "region", p->region_in);
		}
	}
	srv_query_add(q, "selectors", p->selectors_in);
	srv_query_add(q, "mailfrom", p->mailfrom_in);
	srv_query_add(q, "ip", p->ip_in);
	srv_query_add(q, "helo", p->helo_in);
}
