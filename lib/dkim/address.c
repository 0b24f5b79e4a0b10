/* The From domain and the Return-Path address of a message (RFC 5322 3.4,
 * RFC 9989 4.1). Tolerant of display names, comments and quoted strings. */
#include <stdio.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dkim/message.h"
#include "util/util.h"

#define ADDR_MAX_COMMENT_DEPTH 8    /* nested comments deeper than this: malformed */

/* The addr-spec of a one-address list: between the <> pair, else the bare text
 * outside comments. Sets *count to the number of addresses seen. False (malformed)
 * also when the address does not fit in out (a cut address could name another
 * domain), when anything but a comment follows the closing '>' of a mailbox
 * ("<a@x> <b@y>": RFC 5322 3.4), or when a comment is too deep. */
static bool one_address(ea_str v, char *out, size_t size, size_t *count)
{
	size_t o = 0, depth = 0;
	bool quoted = false, angle = false, have_angle = false, closed = false;
	bool content = false, cut = false, malformed = false, angle_here = false;
	*count = 0;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.p[i];
		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(' && ++depth > ADDR_MAX_COMMENT_DEPTH)
				return false;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '(') {
			depth = 1;
		} else if (c == ',' && !angle) {
			if (content || angle_here)
				(*count)++;
			content = closed = angle_here = false;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		} else if (closed) {
			malformed = true;              /* text after "<addr>" before any comma */
		} else if (c == '"') {
			quoted = true;
			content = true;
		} else if (c == '<') {
			if (angle)
				malformed = true;
			angle = have_angle = angle_here = true;
			o = 0;
			cut = false;
		} else if (c == '>') {
			if (!angle)
				malformed = true;
			angle = false;
			closed = true;
		} else {
			content = true;
			if (angle || !have_angle) {
				if (o + 1 < size)
					out[o++] = c;
				else
					cut = true;
			}
		}
	}
	if (content || angle_here)
		(*count)++;
	out[o] = '\0';
	return *count == 1 && !cut && !malformed && depth == 0 && !quoted && !angle;
}

const char *ea_message_from_domain(const ea_message *m, char *out, size_t size)
{
	out[0] = '\0';
	size_t n = ea_message_count(m, "from");
	if (n == 0)
		return "the message has no From header field";
	if (n > 1)
		return "the message has more than one From header field (RFC 5322 3.6 allows one)";
	const ea_msg_field *f = ea_message_first(m, "from");
	char addr[EA_NAME_MAX + 256];
	size_t count;
	if (!one_address(f->value, addr, sizeof(addr), &count))
		return count > 1 ? "the From field holds more than one address"
		                 : "the From field is malformed (no single address can be read from it)";
	const char *at = strrchr(addr, '@');
	if (at == NULL || at[1] == '\0')
		return "the From address has no domain";
	char dom[EA_NAME_MAX + 1];
	const char *why = NULL;
	if (ea_domain_normalize(at + 1, dom, sizeof(dom), &why) != EA_OK)
		return "the From address has an invalid domain";
	ea_copy(out, size, dom);
	return NULL;
}

bool ea_message_return_path(const ea_message *m, char *out, size_t size)
{
	const ea_msg_field *f = ea_message_first(m, "return-path");
	size_t count;
	if (f == NULL)
		return false;
	return one_address(f->value, out, size, &count);
}
