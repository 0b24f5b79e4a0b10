/* Fuzz: DNS responses from a hostile server, through libknot into the answer model. */
#include <stdint.h>
#include <string.h>

#include "dns/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {EA_RR_TXT, EA_RR_CNAME, EA_RR_MX, EA_RR_A, EA_RR_SOA, EA_RR_NS};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ea_dns_answer *a = ea_dns_parse_response(data, size, "x._domainkey.example.com", types[i], "fuzz", 0);
		if (a != NULL) {
			for (size_t k = 0; k < a->rr_count; k++)
				(void)strlen(a->rrs[k].rdata_text);
			(void)ea_dns_answer_cname(a);
			(void)ea_dns_answer_count(a, types[i]);
		}
		ea_dns_answer_free(a);
	}
	return 0;
}
