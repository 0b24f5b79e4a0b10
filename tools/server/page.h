/* The web page: one form with tabs, and the result rendered on the server. */
#ifndef SRV_PAGE_H
#define SRV_PAGE_H

#include <stdio.h>

#include <emailauth/emailauth.h>
#include "params.h"

typedef struct {
	const char *title;      /* "Too many checks" */
	const char *message;    /* plain words; escaped when written */
} srv_notice;

/* Writes the whole page for the tab `kind`: the form, filled in from p (NULL: empty)
 * with p's error shown at its field, then the notice and the report when given.
 * self_url is the shareable address of the result (NULL: none). */
void srv_page_write(FILE *out, srv_kind kind, const srv_params *p, const srv_notice *notice,
                    const ea_report *rep, const char *self_url);

#endif
