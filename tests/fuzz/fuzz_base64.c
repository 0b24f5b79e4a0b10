/* Fuzz: the base64 decoder of DKIM's b=, bh= and p= (white space anywhere, padding
 * checked). The result must stay within the buffer, whatever the buffer's size. */
#include <stdint.h>
#include <stdlib.h>

#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_OUT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char out[FUZZ_OUT_MAX];
	/* the first byte picks the buffer size, so EA_BASE64_FULL is reached too */
	size_t cap = size ? (size_t)data[0] * 16 : FUZZ_OUT_MAX;
	long n = ea_base64_decode((const char *)data, size, out, cap);
	if (n > (long)cap || n < EA_BASE64_FULL)
		abort();
	return 0;
}
