/* What can be done about an include when a record is over the lookup limit: the facts of
 * data/spf_remedies.json (embedded at build time), each with its source. */
#ifndef EA_SPF_REMEDIES_H
#define EA_SPF_REMEDIES_H

typedef enum {
	EA_REMEDY_NONE = 0,
	EA_REMEDY_DROP,          /* documented: the provider's mail never uses this record */
	EA_REMEDY_REPLACE,       /* documented: another include ("to") */
	EA_REMEDY_RETURN_PATH,   /* the provider can use a return-path subdomain instead */
	EA_REMEDY_IF_SHARED,     /* not needed without a dedicated IP */
} ea_remedy_kind;

typedef struct {
	const char *include;     /* "servers.mcsv.net", or "*.hubspotemail.net" */
	const char *sender;
	ea_remedy_kind kind;
	const char *to;          /* REPLACE: the documented include */
	const char *why;
	const char *source;
} ea_spf_remedy;

/* The remedy for an include domain, or NULL (also when the data did not load). */
const ea_spf_remedy *ea_spf_remedy_for(const char *include);

#endif
