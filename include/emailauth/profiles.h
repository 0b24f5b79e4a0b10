/*
 * Sender profiles: what each mail service publishes (data/senders.json, built into the
 * library), used by the whole-domain check and the DMARC report reader.
 */
#ifndef EMAILAUTH_PROFILES_H
#define EMAILAUTH_PROFILES_H

#include <emailauth/emailauth.h>

typedef struct ea_profiles ea_profiles;

/* Sender profiles (data/senders.json, built into the library). */
EA_PUBLIC const ea_profiles *ea_profiles_builtin(void);
/* Loads profiles from JSON text (the same schema). NULL with a reason in err. */
EA_PUBLIC ea_profiles *ea_profiles_load(const char *json, size_t len, char *err, size_t err_size);
EA_PUBLIC void ea_profiles_free(ea_profiles *p);
EA_PUBLIC size_t ea_profiles_count(const ea_profiles *p);
/* Id and display name of profile i ("ses", "Amazon SES"). */
EA_PUBLIC const char *ea_profiles_id(const ea_profiles *p, size_t i);
EA_PUBLIC const char *ea_profiles_name(const ea_profiles *p, size_t i);
/* Which sender a host name belongs to (a DKIM CNAME target, an MX host, an SPF
 * include, a d= domain, a reporting source's PTR): the display name, or NULL. */
EA_PUBLIC const char *ea_profiles_sender_of(const ea_profiles *p, const char *host);

#endif
