/* Received fields (RFC 5321 4.4): the from clause of common MTAs, and which field is
 * the receiver's own (received.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "verify/received.h"
#include "util/util.h"

#define AR_SCAN_MAX_BYTES 16384   /* of an Authentication-Results or Received-SPF value */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_word_char(char c)
{
	return !is_space(c) && c != '(' && c != ')' && c != ';';
}

/* A host name as MTAs write it (ea_name_take), one trailing dot dropped (Gmail writes
 * "rdns."). False when it is not one. */
static bool take_name(ea_str w, char *out, size_t size)
{
	if (w.len > 0 && w.p[w.len - 1] == '.')
		w.len--;
	return ea_name_take(w, out, size);
}

/* An IPv4 or IPv6 address, with or without "IPv6:" (RFC 5321 4.1.3), normalised into
 * out; an IPv4-mapped IPv6 address becomes IPv4 (RFC 7208 5.6). */
static bool take_ip(ea_str w, char *out, size_t size)
{
	if (w.len >= 5 && strncasecmp(w.p, "IPv6:", 5) == 0) {
		w.p += 5;
		w.len -= 5;
	}
	char tmp[EA_RECEIVED_IP_MAX];
	if (w.len == 0 || w.len >= sizeof(tmp) || memchr(w.p, '\0', w.len) != NULL)
		return false;
	memcpy(tmp, w.p, w.len);
	tmp[w.len] = '\0';
	unsigned char a[16];
	if (inet_pton(AF_INET, tmp, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)size) != NULL;
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return false;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)size) != NULL;
	return inet_ntop(AF_INET6, a, out, (socklen_t)size) != NULL;
}

bool ea_received_ip_public(const char *ip)
{
	unsigned char a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		return !(a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		         (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		         (a[0] == 192 && a[1] == 168));
	if (inet_pton(AF_INET6, ip, a) != 1)
		return false;
	static const unsigned char zero[15] = {0};
	if (memcmp(a, zero, sizeof(zero)) == 0 && (a[15] == 0 || a[15] == 1))
		return false;
	return !((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80));
}

/* A cursor over a field value: words, comments and ';' at one nesting level. */
typedef struct {
	const char *p;
	size_t len, pos;
	bool bad;               /* comments nested past EA_RECEIVED_MAX_DEPTH or unbalanced */
} cursor;

typedef enum { TOK_END, TOK_WORD, TOK_COMMENT, TOK_SEMI } tok_kind;

static void skip_space(cursor *c)
{
	while (c->pos < c->len && is_space(c->p[c->pos]))
		c->pos++;
}

/* The next token; a comment's text is returned without its outer parentheses. */
static tok_kind next_token(cursor *c, ea_str *t)
{
	skip_space(c);
	if (c->pos >= c->len)
		return TOK_END;
	char ch = c->p[c->pos];
	if (ch == ';') {
		c->pos++;
		return TOK_SEMI;
	}
	if (ch == ')') {            /* stray: skipped as a word of its own */
		*t = ea_str_make(c->p + c->pos++, 1);
		return TOK_WORD;
	}
	if (ch == '(') {
		size_t depth = 0, start = c->pos + 1;
		for (; c->pos < c->len; c->pos++) {
			char d = c->p[c->pos];
			if (d == '\\' && c->pos + 1 < c->len) {   /* quoted-pair (RFC 5322 3.2.1) */
				c->pos++;
				continue;
			}
			if (d == '(' && ++depth > EA_RECEIVED_MAX_DEPTH) {
				c->bad = true;
				c->pos = c->len;
				return TOK_END;
			}
			if (d == ')' && --depth == 0)
				break;
		}
		if (c->pos >= c->len) {
			c->bad = true;
			return TOK_END;
		}
		*t = ea_str_make(c->p + start, c->pos - start);
		c->pos++;
		return TOK_COMMENT;
	}
	size_t start = c->pos;
	while (c->pos < c->len && is_word_char(c->p[c->pos]))
		c->pos++;
	*t = ea_str_make(c->p + start, c->pos - start);
	return TOK_WORD;
}

/* The TCP-info comment after the from name: "rdns [IP]", "[IP] helo=x", "IP",
 * "EHLO x", "user@rdns [IP] (may be forged)". */
static void read_tcp_info(ea_str info, ea_received *r, char *helo_given, size_t helo_size)
{
	cursor c = {info.p, info.len, 0, false};
	ea_str t, prev = {NULL, 0};
	bool have_literal = false, want_helo = false;
	tok_kind k;
	while ((k = next_token(&c, &t)) != TOK_END) {
		if (k != TOK_WORD) {
			prev.p = NULL;
			continue;
		}
		if (want_helo) {
			want_helo = false;
			(void)take_name(t, helo_given, helo_size);
		} else if (ea_str_ieq(t, "EHLO") || ea_str_ieq(t, "HELO")) {
			want_helo = true;
		} else if (t.len > 5 && strncasecmp(t.p, "helo=", 5) == 0) {
			(void)take_name(ea_str_make(t.p + 5, t.len - 5), helo_given, helo_size);
		} else if (t.p[0] == '[' && !have_literal) {
			const char *close = memchr(t.p, ']', t.len);   /* "]:port" may follow */
			if (close && take_ip(ea_str_make(t.p + 1, (size_t)(close - t.p - 1)), r->ip, sizeof(r->ip))) {
				have_literal = true;
				if (prev.p) {
					const char *at = memchr(prev.p, '@', prev.len);   /* Sendmail's ident "user@" */
					if (at)
						prev = ea_str_make(at + 1, prev.len - (size_t)(at + 1 - prev.p));
					if (!ea_str_ieq(prev, "unknown"))
						(void)take_name(prev, r->rdns, sizeof(r->rdns));
				}
			}
		} else if (!have_literal && !r->ip[0]) {
			(void)take_ip(t, r->ip, sizeof(r->ip));   /* Microsoft: "(IP)"; bare IPs elsewhere */
		}
		prev = t;
	}
}

bool ea_received_parse(const char *p, size_t len, ea_received *out)
{
	memset(out, 0, sizeof(*out));
	if (p == NULL || len > EA_RECEIVED_MAX_BYTES) {
		out->problem = "the field is too long to be read";
		return false;
	}
	cursor c = {p, len, 0, false};
	ea_str t;
	tok_kind k;
	char helo_given[EA_NAME_MAX + 1] = "";
	enum { NONE, FROM_NAME, FROM_INFO, BY_NAME } want = NONE;
	bool seen_by = false;
	char from_ip[EA_RECEIVED_IP_MAX] = "";
	while ((k = next_token(&c, &t)) != TOK_END && k != TOK_SEMI) {   /* the date follows ';' */
		if (want == FROM_NAME && k == TOK_WORD) {
			out->has_from = true;
			if (t.p[0] == '[') {
				const char *close = memchr(t.p, ']', t.len);
				if (close)
					(void)take_ip(ea_str_make(t.p + 1, (size_t)(close - t.p - 1)), from_ip, sizeof(from_ip));
			} else if (!take_ip(t, from_ip, sizeof(from_ip))) {
				(void)take_name(t, out->helo, sizeof(out->helo));
			}
			want = FROM_INFO;
			continue;
		}
		if (want == FROM_INFO && k == TOK_COMMENT) {
			read_tcp_info(t, out, helo_given, sizeof(helo_given));
			want = NONE;
			continue;
		}
		if (want == BY_NAME && k == TOK_WORD) {
			if (!take_name(t, out->by, sizeof(out->by)))
				(void)take_ip(t, out->by, sizeof(out->by));
			want = NONE;
			continue;
		}
		want = NONE;
		if (k != TOK_WORD)
			continue;
		if (ea_str_ieq(t, "from") && !out->has_from && !seen_by)
			want = FROM_NAME;
		else if (ea_str_ieq(t, "by") && !seen_by) {
			seen_by = true;
			want = BY_NAME;
		}
	}
	if (c.bad)
		out->problem = "its comments are unbalanced or nested too deeply";
	if (!out->ip[0] && from_ip[0])
		memcpy(out->ip, from_ip, sizeof(out->ip));
	if (helo_given[0])
		memcpy(out->helo, helo_given, sizeof(out->helo));
	out->ip_public = out->ip[0] && ea_received_ip_public(out->ip);
	if (!out->has_from && out->problem == NULL)
		out->problem = "it has no from clause";
	else if (!out->ip[0] && out->problem == NULL)
		out->problem = "its from clause names no address";
	return out->has_from && out->ip[0] && out->problem == NULL;
}

/* ---- Which Received field is the receiver's ---- */

/* The authserv-id of an Authentication-Results value (RFC 8601 2.2): its first token,
 * unless that is already a result (Microsoft writes none). */
static void authserv_id(ea_str v, char *out, size_t size)
{
	cursor c = {v.p, EA_MIN(v.len, (size_t)AR_SCAN_MAX_BYTES), 0, false};
	ea_str t;
	out[0] = '\0';
	tok_kind k;
	while ((k = next_token(&c, &t)) == TOK_COMMENT)
		;
	if (k != TOK_WORD || memchr(t.p, '=', t.len))
		return;
	if (t.len >= 2 && t.p[0] == '"' && t.p[t.len - 1] == '"')
		t = ea_str_make(t.p + 1, t.len - 2);
	(void)take_name(t, out, size);
}

/* An address the receiver's Authentication-Results (or Received-SPF) says it saw:
 * "client-ip=IP" (RFC 7208 9.1, SES), "sender IP is IP" (Microsoft), "designates IP"
 * (Gmail), "policy.iprev=IP", "smtp.remote-ip=IP", "smtp.client-ip=IP". */
static bool named_ip(ea_str v, char *out, size_t size)
{
	static const char *const marks[] = {"client-ip=", "sender ip is ", "designates ", "designate ",
	                                    "policy.iprev=", "smtp.remote-ip=", "smtp.client-ip="};
	size_t n = EA_MIN(v.len, (size_t)AR_SCAN_MAX_BYTES);
	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < EA_ARRAY_SIZE(marks); m++) {
			size_t ml = strlen(marks[m]);
			if (n - i < ml || strncasecmp(v.p + i, marks[m], ml) != 0)
				continue;
			size_t s = i + ml, e = s;
			while (e < n && e - s < EA_RECEIVED_IP_MAX &&
			       (strchr("0123456789abcdefABCDEF:.", v.p[e]) != NULL) && v.p[e] != '\0')
				e++;
			while (e > s && v.p[e - 1] == '.')   /* the end of a sentence */
				e--;
			if (take_ip(ea_str_make(v.p + s, e - s), out, size))
				return true;
		}
	return false;
}

static size_t line_of(const ea_message *m, const ea_msg_field *f)
{
	if (m->data == NULL || f->raw.p < m->data || f->raw.p > m->data + m->len)
		return 0;
	size_t line = 1;
	for (const char *q = m->data; q < f->raw.p; q++)
		line += *q == '\n';
	return line;
}

typedef struct {
	size_t field[EA_RECEIVED_MAX_FIELDS];   /* indices into m->fields, top first */
	size_t count;
} received_list;

static void use(const ea_message *m, const received_list *rl, size_t k, const ea_received *r,
                ea_conn_method how, ea_connection *out)
{
	const ea_msg_field *f = &m->fields[rl->field[k]];
	out->method = how;
	memcpy(out->ip, r->ip, sizeof(out->ip));
	memcpy(out->helo, r->helo, sizeof(out->helo));
	out->field = rl->field[k] + 1;
	out->received_index = k + 1;
	out->line = line_of(m, f);
	out->text = f->raw;
}

static bool parse_at(const ea_message *m, const received_list *rl, size_t k, ea_received *r)
{
	ea_str v = m->fields[rl->field[k]].value;
	return ea_received_parse(v.p, v.len, r);
}

bool ea_connection_find(const ea_message *m, ea_connection *out)
{
	memset(out, 0, sizeof(*out));
	received_list rl = {.count = 0};
	size_t ar = SIZE_MAX, total = 0;
	for (size_t i = 0; i < m->field_count; i++) {
		const ea_msg_field *f = &m->fields[i];
		if (ea_msg_field_is(f, "received")) {
			total++;
			if (rl.count < EA_RECEIVED_MAX_FIELDS)
				rl.field[rl.count++] = i;
		} else if (ar == SIZE_MAX && ea_msg_field_is(f, "authentication-results")) {
			ar = i;
		}
	}
	out->received_count = total;
	if (rl.count == 0) {
		out->reason = "the message has no Received header";
		return false;
	}
	if (ar == SIZE_MAX) {
		out->reason = "the message has no Authentication-Results header from its receiver, so the "
		              "receiver's Received header cannot be told from the sender's";
		return false;
	}
	const ea_msg_field *arf = &m->fields[ar];
	authserv_id(arf->value, out->receiver, sizeof(out->receiver));
	/* The Received fields just above and below the A-R (k_above < k_below). */
	size_t k_below = rl.count;
	for (size_t k = 0; k < rl.count; k++)
		if (rl.field[k] > ar) {
			k_below = k;
			break;
		}
	/* The address the receiver says it saw: in its A-R, or a Received-SPF beside it. */
	char said[EA_RECEIVED_IP_MAX] = "";
	bool have_said = named_ip(arf->value, said, sizeof(said));
	size_t lo = k_below > 0 ? rl.field[k_below - 1] : 0, hi = k_below < rl.count ? rl.field[k_below] : m->field_count;
	for (size_t i = lo; !have_said && i < hi; i++)
		if (ea_msg_field_is(&m->fields[i], "received-spf"))
			have_said = named_ip(m->fields[i].value, said, sizeof(said));
	ea_received r;
	/* 1. A Received field records the address the receiver names (top-most first). */
	for (size_t k = 0; have_said && k < rl.count; k++)
		if (parse_at(m, &rl, k, &r) && strcmp(r.ip, said) == 0) {
			use(m, &rl, k, &r, EA_CONN_AR_IP, out);
			return true;
		}
	/* 2. Its "by" is the receiver the A-R names; the receiver's internal hops (from a
	 * private address) are passed over. */
	for (size_t k = 0; out->receiver[0] && k < rl.count; k++) {
		if (!parse_at(m, &rl, k, &r))
			continue;
		if (!r.by[0] || !ea_name_is_subdomain(r.by, out->receiver) || !r.ip_public)
			continue;
		use(m, &rl, k, &r, EA_CONN_BY, out);
		return true;
	}
	/* 3. The address named in the A-R, with no Received that records it. */
	if (have_said) {
		out->method = EA_CONN_AR_ONLY;
		memcpy(out->ip, said, sizeof(out->ip));
		out->field = ar + 1;
		out->line = line_of(m, arf);
		out->text = arf->raw;
		return true;
	}
	/* 4. The one Received next to the A-R that records a public address, when no
	 * Received above it records one (else a hop of the sender could be taken). */
	size_t pick = SIZE_MAX, found = 0;
	ea_received pr;
	for (size_t k = 0; k < rl.count && k <= k_below; k++) {   /* k_below may be rl.count */
		bool ok = parse_at(m, &rl, k, &r) && r.ip_public;
		if (!ok)
			continue;
		found++;
		if (found == 1 && (k + 1 == k_below || k == k_below)) {
			pick = k;
			pr = r;
		}
	}
	if (pick != SIZE_MAX && found == 1) {
		use(m, &rl, pick, &pr, EA_CONN_NEXT, out);
		return true;
	}
	out->reason = found > 1 ? "more than one Received header near the receiver's Authentication-Results "
	                          "records a connection from the internet, and none names the receiver"
	                        : "no Received header next to the receiver's Authentication-Results records "
	                          "the connecting server's address";
	return false;
}

void ea_field_one_line(ea_str raw, char *out, size_t size)
{
	size_t o = 0;
	bool space = false;
	if (size == 0)
		return;
	for (size_t i = 0; i < raw.len && o + 1 < size; i++) {
		char c = raw.p[i];
		if (is_space(c)) {
			space = true;
			continue;
		}
		if (space && o > 0 && o + 2 < size)
			out[o++] = ' ';
		space = false;
		out[o++] = c;
	}
	out[o] = '\0';
}
