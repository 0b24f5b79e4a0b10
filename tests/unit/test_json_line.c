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
	return tap_done();
}
