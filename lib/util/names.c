/* Domain names as users type them. */
#include <ctype.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <emailauth/emailauth.h>
#include "util/util.h"

#define INPUT_MAX 1024   /* a typed domain longer than this is refused before IDN work */

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool ea_name_take(ea_str v, char *out, size_t size)
{
	if (v.len == 0 || v.len > EA_NAME_MAX || v.len >= size)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.p[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!name_char_ok(c) || ++label > EA_LABEL_MAX)
			return false;
	}
	if (label == 0)
		return false;
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
	ea_ascii_lower_n(out, v.len);
	return true;
}

int ea_domain_normalize(const char *in, char *out, size_t out_size, const char **why)
{
	const char *dummy;
	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (in == NULL || out == NULL || out_size < EA_NAME_MAX + 1) {
		*why = "no domain given";
		return EA_EINVAL;
	}
	size_t len = strnlen(in, INPUT_MAX + 1);
	if (len > INPUT_MAX) {
		*why = "the domain is too long";
		return EA_EINVAL;
	}
	while (len > 0 && isspace((unsigned char)in[0])) {
		in++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)in[len - 1]))
		len--;
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "no domain given";
		return EA_EINVAL;
	}
	char *copy = ea_strdup_n(in, len);
	if (copy == NULL) {
		*why = "out of memory";
		return EA_ENOMEM;
	}
	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)copy[i] >= 0x80)
			ascii = false;
	char *alabel = NULL;
	if (!ascii) {
		/* IDNA2008 with the UTS #46 mapping, as browsers do (libidn2). */
		int rc = idn2_to_ascii_8z(copy, &alabel, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc != IDN2_OK) {
			free(copy);
			*why = "the internationalised domain name is not valid (IDNA2008)";
			return EA_EINVAL;
		}
		free(copy);
		copy = alabel;
		len = strlen(copy);
	}
	ea_ascii_lower(copy);
	int rc = EA_OK;
	if (len > EA_NAME_MAX) {
		*why = "the domain is longer than 253 characters";
		rc = EA_EINVAL;
		goto out;
	}
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		char c = copy[i];
		if (c == '.') {
			if (label == 0) {
				*why = "the domain has an empty label (two dots in a row, or a leading dot)";
				rc = EA_EINVAL;
				goto out;
			}
			label = 0;
			continue;
		}
		if (!name_char_ok(c)) {
			*why = "the domain has a character that is not allowed in a host name";
			rc = EA_EINVAL;
			goto out;
		}
		if (++label > EA_LABEL_MAX) {
			*why = "a label of the domain is longer than 63 characters";
			rc = EA_EINVAL;
			goto out;
		}
	}
	memcpy(out, copy, len + 1);
out:
	free(copy);
	return rc;
}

static size_t name_len_nodot(const char *s)
{
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		n--;
	return n;
}

bool ea_name_equal(const char *a, const char *b)
{
	size_t la = name_len_nodot(a), lb = name_len_nodot(b);
	return la == lb && strncasecmp(a, b, la) == 0;
}

bool ea_name_is_subdomain(const char *name, const char *parent)
{
	size_t ln = name_len_nodot(name), lp = name_len_nodot(parent);
	if (lp == 0)
		return true;   /* everything is below the root */
	if (ln < lp)
		return false;
	if (strncasecmp(name + ln - lp, parent, lp) != 0)
		return false;
	return ln == lp || name[ln - lp - 1] == '.';
}

bool ea_domain_inside(const char *in, char *out, size_t size)
{
	const char *p = in, *scheme = strstr(in, "://");
	bool found = false;
	if (scheme != NULL) {
		p = scheme + 3;
		found = true;
	} else if (strncasecmp(in, "mailto:", 7) == 0) {
		p = in + 7;
		found = true;
	}
	size_t end = strcspn(p, "/?#");
	const char *at = memchr(p, '@', end);
	if (at != NULL) {
		end -= (size_t)(at + 1 - p);
		p = at + 1;
		found = true;
	}
	if (!found)
		return false;
	size_t host = strcspn(p, ":/?#>");
	host = host < end ? host : end;
	if (host == 0 || host >= size)
		return false;
	memcpy(out, p, host);
	out[host] = '\0';
	return true;
}

void ea_value_shown(const char *in, char *out, size_t size)
{
	size_t o = 0, max = size - 1 < EA_VALUE_SHOWN_MAX ? size - 1 : EA_VALUE_SHOWN_MAX;
	if (size == 0)
		return;
	const unsigned char *s = (const unsigned char *)in;
	for (; *s && o < max; s++)
		if (*s >= 0x20 && *s != 0x7f)
			out[o++] = (char)*s;
	if (*s) {
		/* Cut: back to a UTF-8 boundary, leaving room for "...". */
		o = o > 3 ? o - 3 : 0;
		while (o > 0 && ((unsigned char)out[o] & 0xC0) == 0x80)
			o--;
		if (o + 3 < size) {
			memcpy(out + o, "...", 3);
			o += 3;
		}
	}
	out[o] = '\0';
}
