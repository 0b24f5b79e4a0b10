/* Fuzz: DNS responses from a hostile server, through libknot into the answer model. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dns/internal.h"

/* A TXT record's text is what libknot's dumper writes for its RDATA (answer.c writes
 * the plain ones itself). */
static void check_txt_text(const ea_dns_rr *rr)
{
	static uint8_t rdata[65535];
	size_t n = 0;
	const uint8_t *t = rr->txt;
	for (size_t i = 0; i < rr->txt_strings; i++) {
		if (n + 1 + rr->txt_string_lens[i] > sizeof(rdata))
			return;
		rdata[n++] = (uint8_t)rr->txt_string_lens[i];
		memcpy(rdata + n, t, rr->txt_string_lens[i]);
		n += rr->txt_string_lens[i];
		t += rr->txt_string_lens[i];
	}
	knot_rrset_t set;
	knot_rrset_init(&set, NULL, rr->type, KNOT_CLASS_IN, 0);
	if (knot_rrset_add_rdata(&set, rdata, (uint16_t)n, NULL) != KNOT_EOK)
		return;
	static char want[EA_DNS_MAX_RDATA_TEXT];
	if (knot_rrset_txt_dump_data(&set, 0, want, sizeof(want), &KNOT_DUMP_STYLE_DEFAULT) < 0)
		snprintf(want, sizeof(want), "%s", "(record too long to show)");
	knot_rdataset_clear(&set.rrs, NULL);
	if (strcmp(want, rr->rdata_text) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {EA_RR_TXT, EA_RR_CNAME, EA_RR_MX, EA_RR_A, EA_RR_SOA, EA_RR_NS};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ea_dns_answer *a = ea_dns_parse_response(data, size, "x._domainkey.example.com", types[i], "fuzz", 0);
		if (a != NULL) {
			for (size_t k = 0; k < a->rr_count; k++) {
				(void)strlen(a->rrs[k].rdata_text);
				if (a->rrs[k].txt != NULL)
					check_txt_text(&a->rrs[k]);
			}
			(void)ea_dns_answer_cname(a);
			(void)ea_dns_answer_count(a, types[i]);
		}
		ea_dns_answer_free(a);
	}
	return 0;
}
