#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "form.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes p[0..n) into a new string; '+' is a space, %XX a byte, a broken % stays. */
static char *decode(const char *p, size_t n, size_t *out_len)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '+')
			s[o++] = ' ';
		else if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			s[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			i += 2;
		} else
			s[o++] = p[i];
	}
	s[o] = '\0';
	*out_len = o;
	return s;
}

int srv_form_parse(const char *body, size_t len, srv_form *out)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			if (out->count == SRV_FORM_MAX_FIELDS)
				return EA_ERANGE;
			size_t eq = i;
			while (eq < end && body[eq] != '=')
				eq++;
			size_t klen, vlen;
			srv_form_field *f = &out->fields[out->count];
			f->key = decode(body + i, eq - i, &klen);
			f->value = eq < end ? decode(body + eq + 1, end - eq - 1, &vlen) : decode("", 0, &vlen);
			f->len = vlen;
			out->count++;
			if (f->key == NULL || f->value == NULL)
				return EA_ENOMEM;
		}
		i = end + 1;
	}
	return EA_OK;
}

const srv_form_field *srv_form_get(const srv_form *f, const char *key)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->fields[i].key && strcmp(f->fields[i].key, key) == 0)
			return &f->fields[i];
	return NULL;
}

void srv_form_free(srv_form *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->fields[i].key);
		free(f->fields[i].value);
	}
	f->count = 0;
}

static void encode(ea_buf *q, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == ',')
			ea_buf_putc(q, (char)*p);
		else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			ea_buf_append(q, e, 3);
		}
	}
}

void srv_query_add(ea_buf *q, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	if (q->len > 0 && q->data[q->len - 1] != '?')
		ea_buf_putc(q, '&');
	encode(q, key);
	ea_buf_putc(q, '=');
	encode(q, value);
}
