/* lib/reports: what its files share. Pure parts (MIME) have no I/O. */
#ifndef EA_REPORTS_INTERNAL_H
#define EA_REPORTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EA_STR_(x) #x
#define EA_XSTR(x) EA_STR_(x)

/* MIME (RFC 2045/2046): hands each attachment that may hold a report, decoded, to fn.
 * Returns how many were handed over. Bounded by EA_MIME_MAX_DEPTH and
 * EA_REPORTS_MAX_ATTACHMENTS. fn returns false to stop. */
#define EA_MIME_MAX_DEPTH 8          /* multipart and message/rfc822 nesting */
#define EA_MIME_MAX_PARTS 256        /* body parts looked at in one message */
typedef bool (*ea_mime_part_fn)(void *arg, const char *filename, const uint8_t *data, size_t len);
int ea_mime_attachments(const char *msg, size_t len, ea_mime_part_fn fn, void *arg);

/* mbox: calls fn for each message (the "From " line removed). Returns the count. */
size_t ea_mbox_split(const char *data, size_t len,
                     bool (*fn)(void *arg, const char *msg, size_t len), void *arg);

#endif
