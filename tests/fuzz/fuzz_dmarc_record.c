/* Fuzz: DMARC records (TXT at _dmarc.<domain>), RFC 9989 4.7. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/dmarc.h>
#include "dmarc/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_dmarc_record *r = malloc(sizeof(*r));
	if (r == NULL)
		return 0;
	ea_dmarc_parse((const char *)data, size, r);
	(void)ea_dmarc_record_usable(r);
	/* The corrected record for fix lines (fix.c), from the text as the check keeps it. */
	static char text[EA_DMARC_RECORD_MAX + 1], fixed[EA_DMARC_RECORD_MAX + 1];
	snprintf(text, sizeof(text), "%.*s", (int)(size < EA_DMARC_RECORD_MAX ? size : EA_DMARC_RECORD_MAX),
	         (const char *)data);
	ea_dmarc_parse(text, strlen(text), r);
	(void)ea_dmarc_record_repaired(text, r, fixed, sizeof(fixed));
	free(r);
	return 0;
}
