/* Sender profiles, as the audit reads them. Loaded from data/senders.json. */
#ifndef EA_PROFILES_PROFILES_H
#define EA_PROFILES_PROFILES_H

#include <emailauth/emailauth.h>
#include <emailauth/profiles.h>

#define EA_PROFILES_MAX 64          /* senders in one file */
#define EA_PROFILE_MAX_LIST 16      /* entries of one list (selectors, patterns...) */
#define EA_PROFILES_MAX_BYTES (256 * 1024)

typedef struct {
	const char *items[EA_PROFILE_MAX_LIST];
	size_t count;
} ea_profile_list;

typedef struct {
	unsigned char addr[16];
	unsigned len;                    /* prefix length */
	bool v6;
} ea_profile_net;

typedef enum { EA_ENVELOPE_PROVIDER, EA_ENVELOPE_DOMAIN, EA_ENVELOPE_RETURN_PATH } ea_envelope;

typedef struct {
	const char *id, *name;
	const char *dkim_type;           /* "cname", "txt" or "any" */
	bool ses_tokens;                 /* selectors are the SES tokens */
	bool all_selectors;              /* signing needs every selector published (Microsoft 365) */
	bool selector_chosen;            /* the customer may choose the selector: none found is unknown */
	/* selectors: documented ones (globs such as [0-9]*pm match a selector given,
	 * and are not probed); weak_selectors: names others use too (smtp, mail), a key
	 * there counts only for a sender already known by other evidence. */
	ea_profile_list selectors, weak_selectors, targets, spf_includes, mx, hosts;
	ea_profile_list reverse_names;   /* domains of its outbound reverse names; none: hosts */
	ea_profile_list networks;        /* its outbound address ranges, "a.b.c.d/len" or IPv6 */
	ea_profile_net nets[EA_PROFILE_MAX_LIST];   /* the same, parsed (bad ones left out) */
	size_t net_count;
	ea_envelope envelope;
	ea_profile_list rp_names;        /* return-path subdomains to probe */
	const char *rp_mx;               /* pattern of the return path's MX */
	const char *rp_spf_include;
	const char *rp_cname;            /* pattern of the return path's CNAME target */
	const char *rp_cname_target;     /* CNAME target pattern when the name is not fixed */
	const char *dkim_fix, *spf_fix;
} ea_profile;

struct ea_profiles {
	ea_profile s[EA_PROFILES_MAX];
	size_t count;
	void *root;                      /* the json_t the strings point into */
};

const ea_profile *ea_profiles_get(const ea_profiles *p, size_t i);
/* Host name matches a glob pattern (case-insensitive, no final dot). */
bool ea_profile_match(const char *pattern, const char *host);
bool ea_profile_list_match(const ea_profile_list *l, const char *host);
/* Which sender sent from this address (its networks), or from a host with this
 * reverse name (its reverse_names, else its hosts). NULL: none. */
const char *ea_profiles_sender_of_address(const ea_profiles *p, const char *ip);
const char *ea_profiles_sender_of_reverse_name(const ea_profiles *p, const char *ptr);

#endif
