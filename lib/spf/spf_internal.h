/* What the SPF files share inside the library. */
#ifndef EA_SPF_INTERNAL_H
#define EA_SPF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* A name check_host() can look up (4.3): labels of 1 to 63 bytes, at most 253 in
 * all, at least two labels; one trailing dot allowed. */
bool ea_spf_domain_ok(const char *d);

/* Raw name (bytes between dots) to the presentation form the DNS layer takes. */
void ea_spf_presentation_name(const char *raw, char *out, size_t size);

#endif
