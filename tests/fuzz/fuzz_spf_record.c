/* Fuzz: SPF records (lib/spf/record.c), and the lookalike test. */
#include <stdint.h>
#include <stdlib.h>

#include "spf/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ea_spf_record rec;   /* large: not on the stack */
	ea_spf_parse((const char *)data, size, &rec);
	(void)ea_spf_is_lookalike((const char *)data, size);
	if (rec.status == SPF_REC_OK && rec.term_count > EA_SPF_MAX_TERMS)
		abort();
	if (rec.status == SPF_REC_SYNTAX && rec.error_pos > size)
		abort();
	return 0;
}
