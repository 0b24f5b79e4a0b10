/*
 * Domain names as users type them: validation, IDN to A-labels (libidn2), and
 * comparisons that ignore case and a trailing dot.
 */
#ifndef EMAILAUTH_NAMES_H
#define EMAILAUTH_NAMES_H

#include <emailauth/emailauth.h>

#define EA_NAME_MAX 253      /* RFC 1035 2.3.4, presentation form without the final dot */
#define EA_LABEL_MAX 63      /* RFC 1035 2.3.4 */

/* Normalises a user-supplied domain: trims spaces and one trailing dot, converts
 * IDN to A-labels, lowercases, and checks label and name lengths and characters
 * (letters, digits, hyphen, underscore). Writes to out (EA_NAME_MAX + 1 bytes).
 * Returns EA_OK or EA_EINVAL with a reason in why. */
EA_PUBLIC int ea_domain_normalize(const char *in, char *out, size_t out_size,
                                  const char **why);
/* Equal ignoring ASCII case and a trailing dot on either side. */
EA_PUBLIC bool ea_name_equal(const char *a, const char *b);
/* True if name is sub or is below it (ignoring case and trailing dots). */
EA_PUBLIC bool ea_name_is_subdomain(const char *name, const char *parent);

/* The domain inside a URL (scheme://[user@]host[:port][/path]), an address (user@host)
 * or a mailto: (mailto:user@host?query), into out (not yet normalised); false when in is
 * none of them or has no host. Forgiving input: what people paste for "the domain". */
EA_PUBLIC bool ea_domain_inside(const char *in, char *out, size_t size);

/* A value as an error message quotes it: control characters (C0, DEL) removed, at most
 * EA_VALUE_SHOWN_MAX bytes (cut at a UTF-8 boundary, "..." added), into out. */
#define EA_VALUE_SHOWN_MAX 80
EA_PUBLIC void ea_value_shown(const char *in, char *out, size_t size);

#endif
