/* Fuzz: the DKIM key fix lines (lib/check/key_fix.c), which rewrite TXT text taken
 * from DNS. The input is split at NUL bytes into TXT records (more than the fix
 * joins, to reach its bound); each record is also written as zone-file strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check/internal.h"

#define FUZZ_KEY_FIX_RECORDS 12    /* > KEY_FIX_MAX_RECORDS (8) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "s._domainkey.example.com";
	ea_dns_rr rrs[FUZZ_KEY_FIX_RECORDS];
	memset(rrs, 0, sizeof(rrs));
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= size && n < FUZZ_KEY_FIX_RECORDS; i++)
		if (i == size || data[i] == 0) {
			rrs[n].owner = name;
			rrs[n].type = EA_RR_TXT;
			rrs[n].txt = data + start;
			rrs[n].txt_len = i - start;
			n++;
			start = i + 1;
		}
	ea_dns_answer a = {.qname = name, .qtype = EA_RR_TXT, .outcome = EA_DNS_FOUND, .rrs = rrs,
	                   .rr_count = n, .final_name = name};
	ea_report *rep = ea_report_new("example.com", "example.com");
	ea_section *sec = rep ? ea_report_section(rep, "dkim-keys") : NULL;
	ea_finding *f = sec ? ea_section_addf(sec, "dkim.key.stray_quotes", EA_SEV_WARNING, "fuzz") : NULL;
	ea_audit_key_fix_corrected(f, name, &a);
	ea_audit_key_fix_new(f, name, "make a new key");
	char *s = malloc(size + 1);    /* txt_strings takes a C string: up to the first NUL */
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		ea_buf out;
		ea_buf_init(&out, 4 * size + 64);
		ea_audit_txt_strings(s, &out);
		ea_buf_free(&out);
		free(s);
	}
	ea_report_free(rep);
	return 0;
}
