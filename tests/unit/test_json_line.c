/* The JSONL writer gives the bytes jansson's json_dumps gives, for awkward text too. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include <emailauth/render.h>
#include "tap.h"

/* jansson's text of the same report. */
static char *reference(const ea_report *rep)
{
	json_t *root = ea_report_to_json(rep, false);
	char *t = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(root);
	return t;
}

static void same(const ea_report *rep, const char *what)
{
	size_t len = 99;
	char *mine = ea_report_json_line(rep, &len);
	char *ref = reference(rep);
	tap_ok(mine && ref && strcmp(mine, ref) == 0 && len == strlen(ref), "%s: same bytes as jansson", what);
	free(mine);
	free(ref);
}

int main(void)
{
	ea_report *rep = ea_report_new("example.com", "example.com");
	ea_report_finish(rep);
	same(rep, "no sections");
	ea_report_free(rep);

	static const char *const texts[] = {
		"plain text",
		"",
		"quote \" backslash \\ slash / tab \t newline \n cr \r bs \b ff \f",
		"controls \x01\x02\x1f and DEL \x7f",
		"UTF-8: caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x93\xa7 (outside the BMP)",
		"not UTF-8: \xff\xfe end",
	};
	rep = ea_report_new("Example.COM", "example.com");
	ea_section *sec = ea_report_section(rep, "ses-dkim");
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ea_finding *f = ea_section_addf(sec, "ses.dkim.missing", EA_SEV_ERROR, "%s", texts[i]);
		ea_finding_set(&f->found, "%s", texts[i]);
		ea_finding_set(&f->subject, "t%zu", i);
		f->primary = i % 2 == 0;
		f->undetermined = i == 3;
	}
	ea_section *spf = ea_report_section(rep, "spf");
	ea_section_addf(spf, "spf.ok", EA_SEV_OK, "fine");
	ea_section_set_summary(spf, "summary with \"quotes\"");
	ea_report_finish(rep);
	same(rep, "escapes, UTF-8, bytes that are not UTF-8, two sections");
	ea_report_free(rep);

	/* strings are looked at eight bytes at a time: every special byte at every offset of
	 * two words and a bit, and every length around a word's */
	static const char *const specials[] = {"\"", "\\", "\n", "\x01", "\x1f", " ", "\x7f", "\xc3\xa9", "\xff"};
	rep = ea_report_new("example.com", "example.com");
	sec = ea_report_section(rep, "spf");
	for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
		for (size_t at = 0; at < 18; at++) {
			char text[32];
			memset(text, 'a', sizeof(text));
			size_t sl = strlen(specials[k]);
			memcpy(text + at, specials[k], sl);
			text[18 + sl - 1] = '\0';
			ea_section_addf(sec, "spf.ok", EA_SEV_OK, "%s", text);
		}
	}
	for (size_t len = 0; len < 18; len++) {
		char text[32];
		memset(text, 'b', len);
		text[len] = '\0';
		ea_section_addf(sec, "spf.ok", EA_SEV_OK, "%s", text);
	}
	ea_report_finish(rep);
	same(rep, "special bytes at every offset, and lengths 0 to 17");
	ea_report_free(rep);

	/* integers are written by hand too: every digit count, and the ends of the range */
	static const unsigned long long ttls[] = {0, 1, 9, 10, 99, 100, 12345, 86400, 999999999,
	                                          4294967295ull};
	rep = ea_report_new("example.com", "example.com");
	sec = ea_report_section(rep, "dmarc");
	ea_finding *f = ea_section_addf(sec, "dmarc.missing", EA_SEV_ERROR, "no record");
	for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++)
		ea_finding_add_action(f, EA_FIX_ADD, "_dmarc.example.com", "TXT", "v=DMARC1; p=none", NULL,
		                      (uint32_t)ttls[i], NULL);
	ea_report_finish(rep);
	same(rep, "integers from 0 to 4294967295");
	ea_report_free(rep);
	return tap_done();
}
