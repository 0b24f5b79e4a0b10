/* Base64 (RFC 4648 4) for DKIM's b=, bh= and p= values, where folding white space
 * may appear anywhere (RFC 6376 2.4, 3.5, 3.6.1). Pure: no I/O. */
#ifndef EA_UTIL_BASE64_H
#define EA_UTIL_BASE64_H

#include <stddef.h>

#define EA_BASE64_BAD (-1)    /* a stray character, a length not a multiple of 4, bad '=' */
#define EA_BASE64_FULL (-2)   /* well formed so far, but decodes to more than cap bytes */

/* Decodes in[0..len) into out, skipping space, tab, CR and LF. '=' is accepted only
 * as the last one or two characters of the final group of four. Returns the number
 * of bytes written (padding not counted; 0 for empty input) or EA_BASE64_BAD /
 * EA_BASE64_FULL. */
long ea_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

#endif
