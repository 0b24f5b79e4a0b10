/* One walk of a report for both JSON writers, so that the schema (docs/json-schema.md)
 * is written down once: json.c builds a jansson tree from it (the pretty JSON, the API),
 * json_line.c writes compact text straight into a buffer (a scan's lines, where building
 * and freeing the tree was 60% of a line's cost, callgrind). */
#ifndef EA_RENDER_JSON_WALK_H
#define EA_RENDER_JSON_WALK_H

#include <jansson.h>
#include <stdbool.h>

#include <emailauth/emailauth.h>

/* Objects and arrays nest at most this deep: five levels above a section's tree, and two
 * for each of its levels. */
#define EA_JSON_WALK_MAX_DEPTH (8 + 2 * EA_TREE_MAX_DEPTH)

/* Where the walk puts what it meets. key: the member's name inside an object, NULL inside
 * an array; every key is an ASCII literal of the walk. */
typedef struct ea_json_sink ea_json_sink;
struct ea_json_sink {
	void (*open)(ea_json_sink *s, const char *key, bool array);
	void (*close)(ea_json_sink *s);
	/* literal: the walk's own ASCII (a code, a status name); otherwise text from DNS, a
	 * message or a user, which may be any bytes (see ea_json_text) */
	void (*string)(ea_json_sink *s, const char *key, const char *value, bool literal);
	void (*integer)(ea_json_sink *s, const char *key, json_int_t value);
	void (*real)(ea_json_sink *s, const char *key, double value);
	void (*boolean)(ea_json_sink *s, const char *key, bool value);
};

void ea_json_walk_report(const ea_report *rep, bool with_lookups, ea_json_sink *sink);

/* Text from anywhere as a JSON string: UTF-8 as it is, other bytes as \xNN. */
json_t *ea_json_text(const char *s);

#endif
