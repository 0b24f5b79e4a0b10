/* Base64 decoding over OpenSSL's EVP_DecodeBlock, one group of four at a time: white
 * space is skipped between any two characters and the padding is checked here,
 * because EVP_DecodeBlock reads '=' anywhere as a zero digit and counts padding as
 * output bytes. */
#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/base64.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

long ea_base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	unsigned char group[4];
	size_t have = 0, pad = 0, n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (is_space(c))
			continue;
		if (c == '=') {
			/* "xx==" or "xxx=": never in the first two places, at most two */
			if (have < 2 || ++pad > 2)
				return EA_BASE64_BAD;
		} else if (!is_digit64(c) || pad > 0) {
			return EA_BASE64_BAD;          /* nothing may follow the padding */
		}
		group[have++] = (unsigned char)c;
		if (have < 4)
			continue;
		unsigned char bytes[3];
		if (EVP_DecodeBlock(bytes, group, 4) != 3)
			return EA_BASE64_BAD;
		size_t got = 3 - pad;
		if (got > cap - n)
			return EA_BASE64_FULL;
		memcpy(out + n, bytes, got);
		n += got;
		have = 0;
	}
	return have == 0 ? (long)n : EA_BASE64_BAD;
}
