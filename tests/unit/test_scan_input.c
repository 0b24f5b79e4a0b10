/* lib/scan: input lines, the seen-set, CSV rows and reading output back. */
#include <stdio.h>
#include <stdlib.h>

#include <emailauth/emailauth.h>
#include "scan/scan.h"
#include "tap.h"

#define TOK "abcdefghijklmnopqrstuvwxyz234567"

static ea_scan_line_kind parse(ea_scan_parser *p, const char *line, ea_scan_item *it, char *err)
{
	return ea_scan_parse_line(p, line, strlen(line), it, err, 256);
}

int main(void)
{
	ea_scan_parser p;
	ea_scan_item *it = calloc(1, sizeof(*it));
	char err[256];
	ea_scan_parser_init(&p);
	tap_ok(parse(&p, "", it, err) == EA_SCAN_LINE_SKIP, "blank line skipped");
	tap_ok(parse(&p, "  # note", it, err) == EA_SCAN_LINE_SKIP, "comment skipped");
	tap_ok(parse(&p, "Example.COM. " TOK " s1 region=EU-west-1\r", it, err) == EA_SCAN_LINE_ITEM &&
	       strcmp(it->domain, "example.com") == 0 && it->token_count == 1 &&
	       strcmp(it->tokens[0], TOK) == 0 && it->selector_count == 1 &&
	       strcmp(it->selectors[0], "s1") == 0 && strcmp(it->region, "eu-west-1") == 0,
	       "domain, SES token, selector and region");
	tap_ok(parse(&p, "a.example,b/example", it, err) == EA_SCAN_LINE_ERROR, "a path is no selector");
	tap_ok(parse(&p, "bücher.example", it, err) == EA_SCAN_LINE_ITEM &&
	       strcmp(it->domain, "xn--bcher-kva.example") == 0, "IDN to A-label");
	tap_ok(parse(&p, "localhost", it, err) == EA_SCAN_LINE_ERROR && strstr(err, "single label"),
	       "single label refused");
	tap_ok(parse(&p, "ex ample!.com", it, err) == EA_SCAN_LINE_ERROR, "garbage refused");
	tap_ok(parse(&p, "left.example.com", it, err) == EA_SCAN_LINE_ITEM &&
	       parse(&p, ",;", it, err) == EA_SCAN_LINE_ERROR && it->domain[0] == '\0' &&
	       parse(&p, ";", it, err) == EA_SCAN_LINE_ERROR && it->domain[0] == '\0',
	       "a line of separators only is refused, and nothing of the line before is read");
	tap_ok(parse(&p, "\x1b[2Jevil.com", it, err) == EA_SCAN_LINE_ERROR && !strchr(err, '\x1b'),
	       "control bytes never reach the message");
	char *big = malloc(EA_SCAN_LINE_MAX + 10);
	memset(big, 'a', EA_SCAN_LINE_MAX + 9);
	big[EA_SCAN_LINE_MAX + 9] = '\0';
	tap_ok(ea_scan_parse_line(&p, big, strlen(big), it, err, sizeof(err)) == EA_SCAN_LINE_ERROR,
	       "overlong line refused");
	free(big);

	ea_scan_parser_init(&p);
	tap_ok(parse(&p, "\xef\xbb\xbf" "Domain,Selectors,Tokens", it, err) == EA_SCAN_LINE_HEADER,
	       "CSV header (with a BOM)");
	tap_ok(parse(&p, "example.org,\"s1 s2\"," TOK, it, err) == EA_SCAN_LINE_ITEM &&
	       strcmp(it->domain, "example.org") == 0 && it->selector_count == 2 && it->token_count == 1,
	       "CSV row by the header's columns");
	tap_ok(parse(&p, "\"example.org,x", it, err) == EA_SCAN_LINE_ERROR, "unclosed quote refused");

	ea_scan_seen *s = ea_scan_seen_new(4);
	unsigned long first = 99;
	tap_ok(ea_scan_seen_add(s, "a.example", 3, &first) == 1, "new name added");
	tap_ok(ea_scan_seen_add(s, "a.example", 7, &first) == 0 && first == 3, "duplicate found with its line");
	int last = 1;
	for (int i = 0; i < 20 && last != -1; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.example", i);
		last = ea_scan_seen_add(s, name, 1, NULL);
	}
	tap_ok(last == -1 && ea_scan_seen_count(s) == 12, "the set stops at 75%% of its slots");
	ea_scan_seen_free(s);

	/* A larger set starts small and doubles: every name is still found, with its line. */
	s = ea_scan_seen_new(14);
	size_t added = 0;
	for (unsigned long i = 1; i <= 13000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d%lu.example", i);
		if (ea_scan_seen_add(s, name, i, NULL) == 1)
			added++;
	}
	size_t found = 0;
	for (unsigned long i = 1; i <= added; i++) {
		char name[32];
		snprintf(name, sizeof(name), "d%lu.example", i);
		if (ea_scan_seen_add(s, name, 0, &first) == 0 && first == i)
			found++;
	}
	tap_ok(added == 12288 && ea_scan_seen_count(s) == 12288 && found == added,
	       "grown set: all %zu names found with their lines, full at 75%% of 2^14", found);
	ea_scan_seen_free(s);

	ea_report *rep = ea_report_new("example.com", "example.com");
	ea_section *sec = ea_report_section(rep, "ses-dkim");
	ea_section_addf(sec, "ses.dkim.missing", EA_SEV_ERROR, "gone, \"quoted\"");
	ea_report_finish(rep);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ea_scan_csv_row(f, rep);
	fclose(f);
	TAP_STR_EQ(buf, "example.com,fail,fail,,,,,1,0,0,ses.dkim.missing,0.0\n", "CSV row");
	char dom[EA_NAME_MAX + 1];
	tap_ok(ea_scan_output_domain(buf, len - 1, dom, sizeof(dom)) && strcmp(dom, "example.com") == 0,
	       "domain read back from a CSV row");
	const char *js = "{\"schema\":1,\"domain\":\"x.example\",\"status\":\"pass\"}";
	tap_ok(ea_scan_output_domain(js, strlen(js), dom, sizeof(dom)) && strcmp(dom, "x.example") == 0,
	       "domain read back from a JSON line");
	tap_ok(!ea_scan_output_domain("{\"schema\":1,\"dom", 16, dom, sizeof(dom)), "partial JSON has none");
	free(buf);
	ea_report_free(rep);

	/* Issue 13: the senders and alignment sections have no column of their own; the dkim
	 * column carries the worst of them, so a row never says fail while its columns pass. */
	rep = ea_report_new("example.com", "example.com");
	ea_section_addf(ea_report_section(rep, "spf"), "spf.record.published", EA_SEV_OK, "ok");
	ea_section_addf(ea_report_section(rep, "dkim-keys"), "dkim.key.ok", EA_SEV_OK, "ok");
	ea_section_addf(ea_report_section(rep, "senders"), "sender.found", EA_SEV_INFO, "used");
	ea_section_addf(ea_report_section(rep, "alignment"), "align.fail", EA_SEV_ERROR, "fails");
	ea_report_finish(rep);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ea_scan_csv_row(f, rep);
	fclose(f);
	TAP_STR_EQ(buf, "example.com,fail,,pass,,fail,,1,0,0,align.fail,0.0\n",
	           "CSV row: a failing alignment fails the dkim column, not only the status");
	free(buf);
	ea_report_free(rep);
	free(it);
	return tap_done();
}
