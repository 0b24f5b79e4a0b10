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

/* A name's wire form from its key is libknot's (names here come from hostile answers). */
static void check_key_wire(const char *key)
{
	uint8_t got[KNOT_DNAME_MAXLEN], want[KNOT_DNAME_MAXLEN];
	char text[EA_NAME_MAX + 2];
	size_t n = strlen(key);
	if (n > EA_NAME_MAX)
		return;
	snprintf(text, sizeof(text), "%s.", key);
	bool g = ea_dns_key_wire(key, got, sizeof(got));
	bool w = knot_dname_from_str(want, n ? text : ".", sizeof(want)) != NULL;
	if (g != w || (g && memcmp(got, want, knot_dname_size(want)) != 0))
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
				check_key_wire(a->rrs[k].owner);
				if (a->rrs[k].target != NULL)
					check_key_wire(a->rrs[k].target);
			}
			(void)ea_dns_answer_cname(a);
			(void)ea_dns_answer_count(a, types[i]);
			/* what the resolver makes of hostile answers: a CNAME answer read off
			 * one, and a chain joined to another */
			ea_dns_answer *derived = ea_dns_answer_cname_from(a);
			if (derived != NULL && (derived->qtype != EA_RR_CNAME || strcmp(derived->qname, a->qname) != 0))
				abort();
			ea_dns_answer_free(derived);
			ea_dns_answer *joined = ea_dns_answer_join(a, a, 0);
			if (joined != NULL && joined->rr_count > EA_DNS_MAX_ANSWER_RRS)
				abort();
			ea_dns_answer_free(joined);
		}
		ea_dns_answer_free(a);
	}
	return 0;
}
