/* Fuzz: a POSTed form (application/x-www-form-urlencoded) read into request fields,
 * as `emailauth serve` does for the page's forms. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "form.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *form_get(void *ctx, const char *key, size_t *len)
{
	const srv_form_field *f = srv_form_get(ctx, key);
	if (f == NULL)
		return NULL;
	*len = f->len;
	return f->value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	srv_form form;
	if (srv_form_parse((const char *)data, size, &form) == EA_OK) {
		static srv_params p;
		for (int k = 0; k < SRV_KIND_COUNT; k++) {
			(void)srv_params_blank((srv_kind)k, form_get, &form);
			if (srv_params_read(&p, (srv_kind)k, form_get, &form) == EA_OK) {
				ea_buf q;
				ea_buf_init(&q, 4096);
				srv_params_query(&p, &q);
				ea_buf_free(&q);
			}
		}
	}
	srv_form_free(&form);
	return 0;
}
