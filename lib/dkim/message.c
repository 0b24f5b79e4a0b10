/* Splitting a message into header fields and body. */
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dkim/message.h"

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies in with every bare LF made CRLF, counting what was repaired. */
static int normalize(const char *in, size_t len, ea_message *m)
{
	size_t extra = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			extra++;
		if (in[i] == '\0')
			m->nul_bytes++;
	}
	m->data = malloc(len + extra + 1);
	if (m->data == NULL)
		return EA_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			m->data[o++] = '\r';
		m->data[o++] = in[i];
	}
	m->data[o] = '\0';
	m->len = o;
	m->bare_lf = extra;
	return EA_OK;
}

/* End of the line starting at i: the index just past its CRLF (or len). */
static size_t line_end(const char *d, size_t len, size_t i)
{
	const char *nl = memchr(d + i, '\n', len - i);
	return nl ? (size_t)(nl - d) + 1 : len;
}

static int add_field(ea_message *m, size_t *cap, size_t start, size_t end)
{
	const char *d = m->data;
	const char *colon = memchr(d + start, ':', end - start);
	if (colon == NULL) {
		m->bad_lines++;
		return EA_OK;
	}
	if (m->field_count >= EA_MSG_MAX_FIELDS) {
		m->fields_dropped++;
		return EA_OK;
	}
	if (m->field_count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		ea_msg_field *nf = realloc(m->fields, ncap * sizeof(*nf));
		if (nf == NULL)
			return EA_ENOMEM;
		m->fields = nf;
		*cap = ncap;
	}
	size_t name_end = (size_t)(colon - d);
	while (name_end > start && is_wsp(d[name_end - 1]))
		name_end--;
	size_t vend = end;
	if (vend > start && d[vend - 1] == '\n')
		vend--;
	if (vend > start && d[vend - 1] == '\r')
		vend--;
	ea_msg_field *f = &m->fields[m->field_count++];
	f->name = ea_str_make(d + start, name_end - start);
	f->raw = ea_str_make(d + start, end - start);
	size_t vstart = (size_t)(colon - d) + 1;
	f->value = ea_str_make(d + vstart, vend > vstart ? vend - vstart : 0);
	return EA_OK;
}

int ea_message_parse(const char *in, size_t len, ea_message *out)
{
	memset(out, 0, sizeof(*out));
	if (len > EA_MSG_MAX_BYTES) {
		out->error = "the message is larger than 64 MB";
		return EA_ERANGE;
	}
	int rc = normalize(in, len, out);
	if (rc != EA_OK) {
		out->error = "out of memory";
		return rc;
	}
	const char *d = out->data;
	size_t n = out->len, cap = 0, i = 0;
	/* An mbox "From " line before the header is not a field. */
	if (n >= 5 && memcmp(d, "From ", 5) == 0)
		i = line_end(d, n, 0);
	size_t field_start = i;
	bool in_field = false;
	while (i < n) {
		size_t end = line_end(d, n, i);
		bool empty = (end - i == 2 && d[i] == '\r') || (end - i == 1 && d[i] == '\n');
		if (!empty && end > EA_MSG_MAX_HEADER_BYTES) {
			out->error = "the header section is larger than 1 MB";
			return EA_ERANGE;
		}
		if (empty) {
			out->has_separator = true;
			if (in_field && (rc = add_field(out, &cap, field_start, i)) != EA_OK)
				goto nomem;
			out->body = ea_str_make(d + end, n - end);
			return EA_OK;
		}
		if (is_wsp(d[i]) && in_field) {
			i = end;         /* a folded continuation of the current field */
			continue;
		}
		if (in_field && (rc = add_field(out, &cap, field_start, i)) != EA_OK)
			goto nomem;
		if (is_wsp(d[i])) { /* a continuation with no field before it */
			out->bad_lines++;
			in_field = false;
		} else {
			in_field = true;
			field_start = i;
		}
		i = end;
	}
	if (in_field && (rc = add_field(out, &cap, field_start, n)) != EA_OK)
		goto nomem;
	out->body = ea_str_make(d + n, 0);
	if (out->field_count == 0) {
		out->error = "no header fields were found: this does not look like an email message";
		return EA_EPARSE;
	}
	return EA_OK;
nomem:
	out->error = "out of memory";
	return rc;
}

void ea_message_free(ea_message *m)
{
	free(m->data);
	free(m->fields);
	memset(m, 0, sizeof(*m));
}

bool ea_msg_field_is(const ea_msg_field *f, const char *name)
{
	return ea_str_ieq(f->name, name);
}

size_t ea_message_count(const ea_message *m, const char *name)
{
	size_t c = 0;
	for (size_t i = 0; i < m->field_count; i++)
		c += ea_msg_field_is(&m->fields[i], name);
	return c;
}

const ea_msg_field *ea_message_first(const ea_message *m, const char *name)
{
	for (size_t i = 0; i < m->field_count; i++)
		if (ea_msg_field_is(&m->fields[i], name))
			return &m->fields[i];
	return NULL;
}
