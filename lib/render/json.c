/* The JSON renderer: the documented, stable schema of docs/json-schema.md. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "render/json_walk.h"

/* Text from DNS may be any bytes; JSON strings must be UTF-8. ASCII (nearly all of it)
 * is, and is taken without jansson's slower UTF-8 check. */
json_t *ea_json_text(const char *s)
{
	size_t n = 0;
	while (s[n] != '\0' && (unsigned char)s[n] < 0x80)
		n++;
	if (s[n] == '\0')
		return json_stringn_nocheck(s, n);
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	n = strlen(s);
	char *copy = malloc(n * 4 + 1);
	if (copy == NULL)
		return json_string("");
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			copy[o++] = (char)c;
		else
			o += (size_t)sprintf(copy + o, "\\x%02x", c);
	}
	copy[o] = '\0';
	j = json_string(copy);
	free(copy);
	return j ? j : json_string("");
}

/* The walk (json_walk.c) into a jansson tree: each value set in the object or appended to
 * the array it is in, the containers held on a stack. */
typedef struct {
	ea_json_sink sink;
	json_t *root;
	json_t *open[EA_JSON_WALK_MAX_DEPTH];
	size_t depth;
} tree_sink;

static void tree_put(ea_json_sink *s, const char *key, json_t *v)
{
	tree_sink *t = (tree_sink *)s;
	if (v == NULL)
		return;
	if (t->depth == 0) {   /* the root: the tree keeps the reference it was handed */
		if (t->root == NULL)
			t->root = v;
		else
			json_decref(v);
		return;
	}
	json_t *in = t->open[t->depth - 1];
	if (json_is_object(in) && key != NULL)
		json_object_set_new_nocheck(in, key, v);   /* every key is an ASCII literal */
	else if (json_is_array(in))
		json_array_append_new(in, v);
	else
		json_decref(v);
}

static void tree_open(ea_json_sink *s, const char *key, bool array)
{
	tree_sink *t = (tree_sink *)s;
	json_t *c = array ? json_array() : json_object();
	if (c == NULL || t->depth == EA_JSON_WALK_MAX_DEPTH) {
		json_decref(c);
		c = NULL;
	} else {
		tree_put(s, key, json_incref(c));
	}
	/* a container that could not be made still takes a level, so that closes pair up */
	if (t->depth < EA_JSON_WALK_MAX_DEPTH)
		t->open[t->depth++] = c;
}

static void tree_close(ea_json_sink *s)
{
	tree_sink *t = (tree_sink *)s;
	if (t->depth > 0)
		json_decref(t->open[--t->depth]);
}

static void tree_string(ea_json_sink *s, const char *key, const char *v, bool literal)
{
	tree_put(s, key, literal ? json_stringn_nocheck(v, strlen(v)) : ea_json_text(v));
}

static void tree_integer(ea_json_sink *s, const char *key, json_int_t v)
{
	tree_put(s, key, json_integer(v));
}

static void tree_real(ea_json_sink *s, const char *key, double v)
{
	tree_put(s, key, json_real(v));
}

static void tree_boolean(ea_json_sink *s, const char *key, bool v)
{
	tree_put(s, key, json_boolean(v));
}

void *ea_report_to_json(const ea_report *rep, bool with_lookups)
{
	tree_sink t = {.sink = {tree_open, tree_close, tree_string, tree_integer, tree_real, tree_boolean}};
	ea_json_walk_report(rep, with_lookups, &t.sink);
	while (t.depth > 0)
		tree_close(&t.sink);
	return t.root;
}

int ea_render_json(FILE *out, const ea_report *rep, const ea_render_opts *o)
{
	json_t *root = ea_report_to_json(rep, true);
	if (root == NULL)
		return EA_ENOMEM;
	size_t flags = JSON_ENSURE_ASCII | (o->compact ? JSON_COMPACT : JSON_INDENT(2));
	int rc = json_dumpf(root, out, flags);
	json_decref(root);
	fputc('\n', out);
	return rc == 0 && !ferror(out) ? EA_OK : EA_EIO;
}

ea_render_fn ea_renderer(const char *format)
{
	static const struct { const char *name; ea_render_fn fn; } table[] = {
		{"text", ea_render_text},
		{"json", ea_render_json},
		{"html", ea_render_html},
		{"nagios", ea_render_nagios},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, format) == 0)
			return table[i].fn;
	return NULL;
}
