/* Tag-value lists: "tag=value; tag=value" (RFC 6376 3.2), used by DKIM keys and
 * signatures and by DMARC records. Pure: no I/O, (pointer, length) in and out. */
#ifndef EA_RECORD_TAGLIST_H
#define EA_RECORD_TAGLIST_H

#include "util/util.h"

#define EA_TAGLIST_MAX_TAGS 64     /* no DKIM or DMARC record defines more than ~15 */
#define EA_TAGLIST_MAX_BYTES 65535 /* a TXT RRset cannot carry more */

typedef struct {
	ea_str name;
	ea_str value;        /* folding white space around it removed; inner FWS kept */
	size_t offset;       /* where the tag starts in the input */
} ea_tag;

typedef struct {
	ea_tag tags[EA_TAGLIST_MAX_TAGS];
	size_t count;
	/* The first syntax problem, if any (the list is still filled up to it). */
	const char *error;
	size_t error_offset;
	bool duplicate;      /* a tag name occurs twice (RFC 6376 3.2: the list is invalid) */
	/* Read past RFC 6376 3.2's grammar, as receivers read it: an empty tag-spec (";;") is
	 * skipped, a name with other visible characters ("x-foo") is an unknown tag, ignored
	 * (3.6.1). The list stays valid; the first such place is kept for the audit. */
	bool off_grammar;
	size_t off_grammar_offset;
} ea_taglist;

/* Parses in; returns true if the list is valid. */
bool ea_taglist_parse(const char *in, size_t len, ea_taglist *out);
/* The tag with that name (case-sensitive, as RFC 6376 3.2 says), or NULL. */
const ea_tag *ea_taglist_get(const ea_taglist *tl, const char *name);

#endif
