/* Fuzz: simple and relaxed canonicalization of a header field and of a body.
 * The first byte picks the mode; the rest is the input. */
#include <stdint.h>

#include "dkim/canon.h"

#define FUZZ_CANON_MAX (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	ea_canon c = (data[0] & 1) ? EA_CANON_RELAXED : EA_CANON_SIMPLE;
	ea_str in = ea_str_make((const char *)data + 1, size - 1);
	ea_buf out;
	ea_buf_init(&out, FUZZ_CANON_MAX);
	(void)ea_canon_header(c, in, &out);
	ea_buf_reset(&out);
	(void)ea_canon_body(c, in, &out);
	/* Canonical bodies never grow by more than one CRLF per line. */
	if (out.len > 2 * in.len + 2)
		__builtin_trap();
	ea_buf_free(&out);
	return 0;
}
