/*
 * data/spf_remedies.json, read once with jansson: what an SPF plan may propose for a
 * provider's include, each fact with where it comes from.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "spf/remedies.h"
#include "util/util.h"

#define REMEDIES_MAX 128   /* entries read from the data file */

extern const char ea_spf_remedies_json[];
extern const size_t ea_spf_remedies_json_len;

static json_t *root;   /* kept for the life of the process: the table points into it */
static ea_spf_remedy table[REMEDIES_MAX];
static size_t count;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static ea_remedy_kind kind_of(const char *s)
{
	static const struct { const char *name; ea_remedy_kind kind; } kinds[] = {
		{"drop", EA_REMEDY_DROP}, {"replace", EA_REMEDY_REPLACE},
		{"return_path", EA_REMEDY_RETURN_PATH}, {"if_shared", EA_REMEDY_IF_SHARED},
	};
	for (size_t i = 0; s && i < EA_ARRAY_SIZE(kinds); i++)
		if (strcmp(s, kinds[i].name) == 0)
			return kinds[i].kind;
	return EA_REMEDY_NONE;
}

static void load(void)
{
	root = json_loadb(ea_spf_remedies_json, ea_spf_remedies_json_len, 0, NULL);
	json_t *list = json_object_get(root, "includes");
	for (size_t i = 0; i < json_array_size(list) && count < REMEDIES_MAX; i++) {
		json_t *e = json_array_get(list, i);
		ea_spf_remedy *r = &table[count];
		r->include = json_string_value(json_object_get(e, "include"));
		r->sender = json_string_value(json_object_get(e, "sender"));
		r->kind = kind_of(json_string_value(json_object_get(e, "remedy")));
		r->to = json_string_value(json_object_get(e, "to"));
		r->why = json_string_value(json_object_get(e, "why"));
		r->source = json_string_value(json_object_get(e, "source"));
		if (r->include && r->sender && r->why && r->kind != EA_REMEDY_NONE &&
		    (r->kind != EA_REMEDY_REPLACE || r->to))
			count++;
	}
}

const ea_spf_remedy *ea_spf_remedy_for(const char *include)
{
	pthread_once(&once, load);
	for (size_t i = 0; root != NULL && i < count; i++) {
		const char *p = table[i].include;
		if (strncmp(p, "*.", 2) == 0 ? ea_name_is_subdomain(include, p + 2) &&
		                                   !ea_name_equal(include, p + 2)
		                             : ea_name_equal(include, p))
			return &table[i];
	}
	return NULL;
}
