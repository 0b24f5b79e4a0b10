/* Fuzz: DMARC aggregate reports, whole inputs (XML, gzip, zip, messages, mboxes)
 * through ea_reports_read_buffer into the aggregate, its findings and its three
 * renderings (to /dev/null), and the XML alone through the push parser fed in two
 * pieces (the split point from the first byte). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <emailauth/emailauth.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_reports_agg *agg = ea_reports_agg_new(NULL);
	if (agg == NULL)
		return 0;
	ea_reports_read_buffer("fuzz", data, size, ea_reports_agg_sink(), agg, ea_reports_agg_input, agg);
	ea_report *rep = ea_report_new("fuzz", "fuzz");
	if (rep != NULL) {
		ea_reports_agg_findings(agg, rep);
		ea_report_finish(rep);
		static FILE *null_out;
		if (null_out == NULL)
			null_out = fopen("/dev/null", "w");
		if (null_out != NULL) {
			static const char *const formats[] = {"text", "json", "csv"};
			for (size_t i = 0; i < 3; i++)
				ea_reports_render(null_out, formats[i], agg, rep, false);
			ea_reports_render_errors(null_out, agg);
		}
		ea_report_free(rep);
	}
	ea_reports_agg_free(agg);

	ea_rua_parser *p = ea_rua_parser_new(NULL, NULL);
	if (p != NULL) {
		size_t cut = size ? data[0] % (size + 1) : 0;
		if (ea_rua_parser_feed(p, (const char *)data, cut) == EA_OK)
			(void)ea_rua_parser_feed(p, (const char *)data + cut, size - cut);
		(void)ea_rua_parser_finish(p);
		ea_rua_parser_free(p);
	}
	return 0;
}
