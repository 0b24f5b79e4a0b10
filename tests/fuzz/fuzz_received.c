/* Fuzz: the Received field parser, and the choice of the receiver's Received field
 * in a whole message (the input read both as one field's value and as a message). */
#include <stdint.h>

#include "verify/received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_received r;
	(void)ea_received_parse((const char *)data, size, &r);
	char line[256];
	ea_field_one_line(ea_str_make((const char *)data, size), line, sizeof(line));
	ea_message m;
	if (ea_message_parse((const char *)data, size, &m) == 0 && m.error == NULL) {
		ea_connection c;
		(void)ea_connection_find(&m, &c);
	}
	ea_message_free(&m);
	return 0;
}
