/* The result as mail headers: Received-SPF (RFC 7208 9.1) and the spf part of
 * Authentication-Results (RFC 8601 2.7.2). */
#include <stdio.h>
#include <string.h>

#include <emailauth/spf.h>
#include "util/buf.h"
#include "util/util.h"

#define HEADER_MAX 4096

/* dot-atom when it is one, else a quoted-string; control bytes and non-ASCII become '?'. */
static void put_value(ea_buf *b, const char *v)
{
	bool atom = *v != '\0' && *v != '.';
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("!#$%&'*+-/=?^_`{|}~.", c)) || (c == '.' && (p[1] == '.' || p[1] == '\0')))
			atom = false;
	}
	if (atom) {
		ea_buf_puts(b, v);
		return;
	}
	ea_buf_putc(b, '"');
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			ea_buf_putc(b, '\\');
		ea_buf_putc(b, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
	ea_buf_putc(b, '"');
}

/* Comment text: no parentheses, backslashes or control bytes. */
static void put_comment_text(ea_buf *b, const char *s)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		ea_buf_putc(b, (c < 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '\\') ? '?' : (char)c);
	}
}

static void comment(ea_buf *b, const ea_spf_request *req, const ea_spf_outcome *o)
{
	const char *ip = req->ip ? req->ip : "";
	char text[2048];
	switch (o->result) {
	case EA_SPF_PASS:
		snprintf(text, sizeof(text), "domain of %s designates %s as permitted sender", o->sender, ip);
		break;
	case EA_SPF_FAIL:
	case EA_SPF_SOFTFAIL:
		snprintf(text, sizeof(text), "domain of %s does not designate %s as permitted sender",
		         o->sender, ip);
		break;
	case EA_SPF_NEUTRAL:
		snprintf(text, sizeof(text), "%s is neither permitted nor denied by domain of %s", ip,
		         o->sender);
		break;
	case EA_SPF_NONE:
		snprintf(text, sizeof(text), "domain of %s does not publish an SPF record", o->sender);
		break;
	default:
		ea_copy(text, sizeof(text), o->problem[0] ? o->problem : "error in processing");
		break;
	}
	put_comment_text(b, text);
}

static int finish(ea_buf *b, char *out, size_t size)
{
	if (b->error || b->data == NULL || b->len + 1 > size) {
		ea_buf_free(b);
		if (size)
			out[0] = '\0';
		return EA_ERANGE;
	}
	memcpy(out, b->data, b->len + 1);
	ea_buf_free(b);
	return EA_OK;
}

int ea_spf_received_spf(const ea_spf_request *req, const ea_spf_outcome *o, char *out, size_t size)
{
	ea_buf b;
	ea_buf_init(&b, HEADER_MAX);
	const char *receiver = req->receiver && *req->receiver ? req->receiver : "unknown";
	ea_buf_printf(&b, "Received-SPF: %s (", ea_spf_result_name(o->result));
	put_comment_text(&b, receiver);
	ea_buf_puts(&b, ": ");
	comment(&b, req, o);
	ea_buf_puts(&b, ") receiver=");
	put_value(&b, receiver);
	ea_buf_puts(&b, "; client-ip=");
	put_value(&b, req->ip ? req->ip : "");
	ea_buf_puts(&b, "; envelope-from=");
	put_value(&b, req->sender && *req->sender ? req->sender : o->sender);
	if (req->helo && *req->helo) {
		ea_buf_puts(&b, "; helo=");
		put_value(&b, req->helo);
	}
	if (o->problem[0] && (o->result == EA_SPF_PERMERROR || o->result == EA_SPF_TEMPERROR)) {
		ea_buf_puts(&b, "; problem=");
		put_value(&b, o->problem);
	}
	if (o->term[0]) {
		ea_buf_puts(&b, "; mechanism=");
		put_value(&b, o->term);
	}
	ea_buf_printf(&b, "; identity=%s;", o->identity);
	return finish(&b, out, size);
}

int ea_spf_auth_results(const ea_spf_request *req, const ea_spf_outcome *o, char *out, size_t size)
{
	ea_buf b;
	ea_buf_init(&b, HEADER_MAX);
	ea_buf_printf(&b, "spf=%s (", ea_spf_result_name(o->result));
	comment(&b, req, o);
	ea_buf_puts(&b, ")");
	if (strcmp(o->identity, "helo") == 0) {
		ea_buf_puts(&b, " smtp.helo=");
		put_value(&b, req->helo ? req->helo : "");
	} else {
		ea_buf_puts(&b, " smtp.mailfrom=");
		put_value(&b, o->sender);
	}
	return finish(&b, out, size);
}
