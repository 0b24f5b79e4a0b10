/* Fuzz: the DKIM-Signature tag list and its validation. */
#include <stdint.h>

#include "dkim/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ea_dkim_sig sig;   /* large: keep it off the stack */
	char name[2 * EA_NAME_MAX + 16];
	ea_dkim_sig_parse((const char *)data, size, &sig);
	(void)ea_dkim_sig_key_name(&sig, name, sizeof(name));
	(void)ea_dkim_sig_i_domain(&sig);
	return 0;
}
