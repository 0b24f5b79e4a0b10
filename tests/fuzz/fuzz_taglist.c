/* Fuzz: tag-value lists (DKIM keys and signatures, DMARC records). */
#include <stdint.h>

#include "record/taglist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_taglist tl;
	(void)ea_taglist_parse((const char *)data, size, &tl);
	(void)ea_taglist_get(&tl, "p");
	return 0;
}
