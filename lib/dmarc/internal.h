/* Shared between the DMARC files: the tree walk's state. */
#ifndef EA_DMARC_INTERNAL_H
#define EA_DMARC_INTERNAL_H

#include <emailauth/dmarc.h>

typedef enum {
	EA_DMARC_LEVEL_NONE = 0,     /* no DMARC record at this name */
	EA_DMARC_LEVEL_ONE,          /* exactly one */
	EA_DMARC_LEVEL_MULTIPLE,     /* several: discovery ends here with none */
	EA_DMARC_LEVEL_FAILED,       /* the lookup failed */
} ea_dmarc_level_kind;

typedef struct {
	ea_dmarc_level_kind kind;
	const ea_dns_answer *answer;
	const ea_dns_rr *rr;         /* the DMARC record, for ONE */
	size_t dmarc_count;
	char psd;                    /* of the record, for ONE */
	const char *cname_target;    /* _dmarc.<name> is a CNAME to this */
} ea_dmarc_level;

typedef struct {
	char domain[EA_NAME_MAX + 1];
	char names[EA_DMARC_WALK_MAX][EA_NAME_MAX + 1];
	ea_dmarc_level level[EA_DMARC_WALK_MAX];
	size_t count;
} ea_dmarc_walk_state;

/* Lowercase, no trailing dot; false when empty or too long. */
bool ea_dmarc_norm_domain(const char *in, char *out, size_t size);
void ea_dmarc_level_read(const ea_dns_answer *a, ea_dmarc_level *lv);
/* Asks every walk query; EA_OK when all are answered, else EA_EPENDING/EA_EINVAL. */
int ea_dmarc_walk(ea_job *job, const char *domain, ea_dmarc_walk_state *w);
/* The Organizational Domain rules of RFC 9989 4.10.2 over an answered walk. */
void ea_dmarc_walk_org(const ea_dmarc_walk_state *w, char *out, size_t size, bool *known,
                       char *reason, size_t rsize, size_t *consulted);

/* The record text corrected for the parser's notes that say to drop something
 * (fix.c): dmarc.syntax, dmarc.tag.duplicate, dmarc.pct.partial, dmarc.uri.*.
 * r: text parsed. False (out "") when none of them could be derived. */
bool ea_dmarc_note_repairable(const char *code);
bool ea_dmarc_record_repaired(const char *text, const ea_dmarc_record *r, char *out, size_t size);

#endif
