/* The text renderer's summary first (issue 16, item 3): what to do first, worst first;
 * findings by severity; notes folded unless verbose; codes only when verbose; lines
 * wrapped to the width with a hanging indent; a next step on a pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "tap.h"

static char *text(const ea_report *rep, bool verbose, unsigned width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ea_render_opts o = {.verbose = verbose, .width = width};
	ea_render_text(m, rep, &o);
	fclose(m);
	return buf;
}

int main(void)
{
	ea_report *rep = ea_report_new("example.com", NULL);
	ea_section *spf = ea_report_section(rep, "spf");
	ea_section_addf(spf, "spf.term", EA_SEV_INFO, "A note about a term");
	ea_section_addf(spf, "spf.lookups.ok", EA_SEV_OK, "3 of 10 lookups");
	ea_section_addf(spf, "spf.x.warn", EA_SEV_WARNING, "A warning");
	ea_section_addf(spf, "spf.x.error", EA_SEV_ERROR, "An error with many words that go on and on so "
	                "that the line is longer than forty columns");
	ea_section *dm = ea_report_section(rep, "dmarc");
	ea_finding *u = ea_section_addf(dm, "dmarc.lookup_failed", EA_SEV_ERROR, "Could not look");
	u->undetermined = true;
	ea_report_finish(rep);

	char *t = text(rep, false, 0);
	char *todo = t ? strstr(t, "What to do first") : NULL;
	char *e = todo ? strstr(todo, "1. ERROR   SPF: An error") : NULL;
	char *un = e ? strstr(e, "2. UNKNOWN DMARC: Could not look") : NULL;
	char *w = un ? strstr(un, "3. WARN    SPF: A warning") : NULL;
	tap_ok(todo && e && un && w, "what to do first: error, then unknown, then warning");
	char *sec = t ? strstr(t, "\nSPF  FAIL") : NULL;
	char *se = sec ? strstr(sec, "ERROR   An error") : NULL;
	char *sw = se ? strstr(se, "WARN    A warning") : NULL;
	char *so = sw ? strstr(sw, "OK      3 of 10 lookups") : NULL;
	tap_ok(se && sw && so, "a section's findings by severity: error, warning, ok");
	tap_ok(t && !strstr(t, "A note about a term") && strstr(t, "(1 note not shown: --verbose shows it)"),
	       "notes folded, and counted");
	tap_ok(t && !strstr(t, "[spf.x.error]"), "no codes without --verbose");
	free(t);
	t = text(rep, true, 0);
	tap_ok(t && strstr(t, "A note about a term [spf.term]") && strstr(t, "[spf.x.error]"),
	       "--verbose: the notes and the codes");
	free(t);
	t = text(rep, false, 40);
	bool narrow = t != NULL;
	for (char *l = t; l && *l; ) {
		char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n > 40 && l[0] == ' ' && strstr(l, "An error") == l + 10)
			narrow = false;
		l = nl ? nl + 1 : l + n;
	}
	tap_ok(narrow && t && strstr(t, "ERROR   An error with many words that\n          go on and on"),
	       "wrapped to 40 columns with a hanging indent");
	free(t);
	ea_report_free(rep);

	ea_report *ok = ea_report_new("example.com", NULL);
	ea_section_addf(ea_report_section(ok, "ses-dkim"), "ses.dkim.ok", EA_SEV_OK, "right");
	ea_report_finish(ok);
	t = text(ok, false, 0);
	tap_ok(t && strstr(t, "\nNext\n") && strstr(t, "Successful") && !strstr(t, "What to do first"),
	       "a pass: no list, and the next step (SES: the console's status, then a test message)");
	free(t);
	ea_report_free(ok);
	return tap_done();
}
