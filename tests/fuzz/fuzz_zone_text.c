/* Fuzz: zone-file text (--zone input) through libzscanner into the store, then queries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	ea_zone_store *z = ea_zone_store_new();
	char err[256];
	(void)ea_zone_store_add_text(z, "example.com", text, err, sizeof(err));
	static uint8_t buf[65535];
	bool served;
	const char *names[] = {"example.com", "a.example.com", "x._domainkey.example.com", "b.a.example.com"};
	for (size_t i = 0; i < 4; i++) {
		size_t n = ea_zone_store_answer(z, names[i], EA_RR_TXT, buf, sizeof(buf), &served);
		ea_dns_answer *a = ea_dns_parse_response(buf, n, names[i], EA_RR_TXT, "fuzz", 0);
		ea_dns_answer_free(a);
	}
	ea_zone_store_free(z);
	free(text);
	return 0;
}
