/* Fuzz: DMARC records (TXT at _dmarc.<domain>), RFC 9989 4.7. */
#include <stdint.h>
#include <stdlib.h>

#include <emailauth/dmarc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_dmarc_record *r = malloc(sizeof(*r));
	if (r == NULL)
		return 0;
	ea_dmarc_parse((const char *)data, size, r);
	(void)ea_dmarc_record_usable(r);
	free(r);
	return 0;
}
