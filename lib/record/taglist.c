#include <string.h>

#include "record/taglist.h"

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* tag-name = ALPHA *ALNUMPUNC (RFC 6376 3.2) */
static bool is_alnumpunc(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* Past the grammar, a name goes on to the '=' as receivers read it (dkimpy, mailauth):
 * "x-foo" is one unknown tag, ignored (3.6.1), not a broken list. */
static bool is_loose_name_char(char c)
{
	return c > 0x20 && c < 0x7f && c != '=' && c != ';';
}

static void off_grammar(ea_taglist *out, size_t at)
{
	if (!out->off_grammar) {
		out->off_grammar = true;
		out->off_grammar_offset = at;
	}
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
		if (in[i] == ';') {
			/* An empty tag-spec (";;" or "; ;") is outside the grammar, which allows one
			 * trailing ';' only; receivers skip it (mailauth) or reject the list (dkimpy).
			 * One rule here: skipped, and said (off_grammar) for the audit. */
			off_grammar(out, i);
			i++;
			continue;
		}
		size_t start = i;
		if (!is_alpha(in[i])) {
			fail(out, "a tag name must start with a letter", i);
			return false;
		}
		while (i < len && is_alnumpunc(in[i]))
			i++;
		if (i < len && is_loose_name_char(in[i])) {
			off_grammar(out, i);
			while (i < len && is_loose_name_char(in[i]))
				i++;
		}
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
