/* Fuzz: the message header parser (fields, folding, bare LF, NUL bytes). */
#include <stdint.h>

#include "dkim/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_message m;
	(void)ea_message_parse((const char *)data, size, &m);
	(void)ea_message_count(&m, "dkim-signature");
	(void)ea_message_first(&m, "from");
	ea_message_free(&m);
	return 0;
}
