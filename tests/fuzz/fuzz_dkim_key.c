/* Fuzz: DKIM key records (TXT at <selector>._domainkey), decoded with OpenSSL. */
#include <stdint.h>

#include "record/dkim_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_dkim_key k;
	ea_dkim_key_parse((const char *)data, size, &k);
	return 0;
}
