#include <string.h>

#include "record/taglist.h"

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '_');
}

static void fail(ea_taglist *out, const char *why, size_t at)
{
	if (out->error == NULL) {
		out->error = why;
		out->error_offset = at;
	}
}

bool ea_taglist_parse(const char *in, size_t len, ea_taglist *out)
{
	memset(out, 0, sizeof(*out));
	if (len > EA_TAGLIST_MAX_BYTES) {
		fail(out, "the record is too long", 0);
		return false;
	}
	size_t i = 0;
	while (i < len) {
		while (i < len && is_wsp(in[i]))
			i++;
		if (i == len)
			break;
		if (in[i] == ';') {   /* an empty tag-spec: tolerated (trailing or doubled ';') */
			i++;
			continue;
		}
		size_t start = i;
		if (!is_name_char(in[i], true)) {
			fail(out, "a tag name must start with a letter", i);
			return false;
		}
		while (i < len && is_name_char(in[i], false))
			i++;
		ea_str name = ea_str_make(in + start, i - start);
		while (i < len && is_wsp(in[i]))
			i++;
		if (i == len || in[i] != '=') {
			fail(out, "expected '=' after the tag name", i);
			return false;
		}
		i++;
		while (i < len && is_wsp(in[i]))
			i++;
		size_t vstart = i;
		const char *semi = memchr(in + i, ';', len - i);   /* values are long: DKIM keys */
		i = semi ? (size_t)(semi - in) : len;
		size_t vend = i;
		while (vend > vstart && is_wsp(in[vend - 1]))
			vend--;
		for (size_t k = vstart; k < vend; k++) {
			unsigned char c = (unsigned char)in[k];
			if ((c < 0x21 || c > 0x7e) && !is_wsp((char)c)) {
				fail(out, "a tag value holds a character outside printable ASCII", k);
				break;
			}
		}
		if (out->count >= EA_TAGLIST_MAX_TAGS) {
			fail(out, "too many tags", start);
			return false;
		}
		for (size_t k = 0; k < out->count; k++) {
			if (out->tags[k].name.len == name.len && memcmp(out->tags[k].name.p, name.p, name.len) == 0) {
				out->duplicate = true;
				fail(out, "a tag appears twice", start);
			}
		}
		ea_tag *t = &out->tags[out->count++];
		t->name = name;
		t->value = ea_str_make(in + vstart, vend - vstart);
		t->offset = start;
		if (i < len)
			i++;   /* the ';' */
	}
	return out->error == NULL;
}

const ea_tag *ea_taglist_get(const ea_taglist *tl, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < tl->count; i++)
		if (tl->tags[i].name.len == n && memcmp(tl->tags[i].name.p, name, n) == 0)
			return &tl->tags[i];
	return NULL;
}
