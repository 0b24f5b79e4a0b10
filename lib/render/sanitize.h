/* Making text from DNS or messages safe to show. */
#ifndef EA_RENDER_SANITIZE_H
#define EA_RENDER_SANITIZE_H

#include <stdio.h>

/* Writes s to out with control characters (C0, DEL, C1, ESC sequences) replaced by
 * '?', and invalid UTF-8 bytes shown as \xNN. keep_newlines: '\n' passes through. */
void ea_write_terminal_safe(FILE *out, const char *s, int keep_newlines);
/* Writes s escaped for HTML text and attribute values. */
void ea_write_html_escaped(FILE *out, const char *s);

#endif
