/* The HTML renderer: verdict, cards, fixes and lookups, with hostile DNS data escaped. */
#include <stdio.h>
#include <stdlib.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"
#include "tap.h"

/* A wrong CNAME target and a TXT record that try to break out of the page. */
static const char zone[] =
"$ORIGIN example.com.\n"
"$TTL 300\n"
"@ IN SOA ns1 hostmaster 1 3600 600 86400 120\n"
"@ IN NS ns1\n"
"ns1 IN A 127.0.0.10\n"
"tok1._domainkey IN TXT \"<script>alert(1)</script>\"\n"
"tok2._domainkey IN TXT \"\\\"><img src=x onerror=alert(1)>\"\n"
"tok3._domainkey IN CNAME tok3.dkim.amazonses.com.\n";

static char *render(ea_render_fn fn, const ea_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ea_render_opts o = {0};
	int rc = fn(m, rep, &o);
	fclose(m);
	tap_ok(rc == EA_OK, "renderer returns EA_OK");
	return buf;
}

int main(void)
{
	tap_ok(ea_renderer("html") == ea_render_html, "html is in the renderer table");
	ea_zone_store *z = ea_zone_store_new();
	char err[256];
	tap_ok(ea_zone_store_add_text(z, "example.com", zone, err, sizeof(err)) == EA_OK, "zone loads");
	ea_resolver_config cfg = {0};
	ea_resolver *r = ea_resolver_new_with_transport(ea_transport_zone_new(z, NULL), &cfg);
	ea_report *rep = ea_report_new("example.com", "example.com");
	ea_ses_request req = {0};
	snprintf(req.domain, sizeof(req.domain), "example.com");
	ea_ses_set_tokens(&req, "tok1,tok2,tok3");
	ea_job *job = ea_job_new(r, rep, ea_now_ms() + 5000);
	ea_job_add_check(job, ea_check_ses_dkim, &req);
	ea_job_run(job);
	ea_job_free(job);

	char *html = render(ea_render_html, rep);
	tap_ok(strstr(html, "<script") == NULL, "no <script> from DNS reaches the HTML");
	tap_ok(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL, "the script text shows escaped");
	tap_ok(strstr(html, "<img") == NULL, "no <img> from DNS reaches the HTML");
	tap_ok(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") != NULL,
	       "the attribute break-out shows escaped");
	tap_ok(strstr(html, "class=\"ea-verdict ea-fail\"") != NULL, "verdict at the top says fail");
	tap_ok(strstr(html, "aria-hidden=\"true\">\xe2\x9c\x97</span> Fail") != NULL,
	       "the verdict is a word and an icon, not colour alone");
	tap_ok(strstr(html, "class=\"ea-card ea-error\"") != NULL, "one card per finding");
	tap_ok(strstr(html, "<dt>Expected</dt>") != NULL && strstr(html, "tok1.dkim.amazonses.com") != NULL,
	       "card shows what was expected");
	tap_ok(strstr(html, "<code id=\"ea-fix-1\">") != NULL && strstr(html, "data-copy=\"ea-fix-1\"") != NULL,
	       "fix with a copy button bound to it");
	tap_ok(strstr(html, "What we checked") != NULL && strstr(html, "tok1._domainkey.example.com</code> TXT") != NULL,
	       "lookups are listed");
	free(html);

	/* Control characters and quotes in every field come out as entities. */
	ea_report *rep2 = ea_report_new("x.example", "<b>x</b>");
	ea_section *s = ea_report_section(rep2, "spf");
	char hostile[] = "a'b\"c<d>e&f\x01g";
	ea_finding f = {.code = "spf.test", .severity = EA_SEV_WARNING, .subject = hostile, .name = hostile,
	                .expected = hostile, .found = hostile, .message = hostile, .fix = hostile};
	ea_section_add(s, &f);
	ea_section_set_summary(s, "%s", hostile);
	ea_report_finish(rep2);
	html = render(ea_render_html, rep2);
	tap_ok(strstr(html, "<b>") == NULL && strstr(html, "&lt;b&gt;x&lt;/b&gt;") != NULL,
	       "the display name is escaped");
	tap_ok(strstr(html, "a'b") == NULL && strstr(html, "\x01") == NULL &&
	       strstr(html, "a&#39;b&quot;c&lt;d&gt;e&amp;f&#xFFFD;g") != NULL, "every field is escaped");
	tap_ok(strstr(html, "Pass with warnings") != NULL, "warning status in words");
	tap_ok(strstr(html, "ea-overview") == NULL, "one section: no overview list");
	free(html);
	ea_report_free(rep2);

	/* Several sections (the full check): an overview list first, with readable titles. */
	ea_report *rep3 = ea_report_new("y.example", "y.example");
	char code[] = "mx.missing", words[] = "no MX";
	ea_finding bad = {.code = code, .severity = EA_SEV_ERROR, .message = words};
	ea_section_add(ea_report_section(rep3, "mail-from"), &bad);
	ea_section_add(ea_report_section(rep3, "tls-rpt"), &bad);
	ea_report_finish(rep3);
	html = render(ea_render_html, rep3);
	const char *nav = strstr(html, "<nav class=\"ea-overview\"");
	tap_ok(nav != NULL && strstr(nav, "<a href=\"#ea-check-2\">TLS reporting (TLS-RPT)</a>") != NULL &&
	       nav < strstr(html, "id=\"ea-check-1\""), "several sections: a linked overview before them");
	tap_ok(strstr(html, ">MAIL FROM domain ") != NULL && strstr(html, ">mail-from ") == NULL,
	       "sections are titled in words, not by their check id");
	free(html);
	ea_report_free(rep3);
	ea_report_free(rep);
	ea_resolver_free(r);
	return tap_done();
}
