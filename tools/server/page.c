/* Everything that came from the request or from DNS is written escaped. */
#include <string.h>

#include "assets.h"
#include "page.h"
#include "render/sanitize.h"

static void esc(FILE *out, const char *s)
{
	ea_write_html_escaped(out, s);
}

/* A textarea's text as typed, (pointer, length), escaped; control characters other
 * than tab and line breaks left out. */
static void esc_n(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; s != NULL && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '&')
			fputs("&amp;", out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, out);
		else if (c == '\t' || c == '\n' || c == '\r')
			fputc(c, out);
	}
}

static const struct {
	srv_kind kind;
	const char *label;
	const char *intro;
} tabs[] = {
	{SRV_KIND_SES, "SES DKIM",
	 "Are the three DKIM records Amazon SES asked for published right? Give the tokens SES "
	 "shows, or paste what 'aws sesv2 get-email-identity' prints."},
	{SRV_KIND_CHECK, "Full check",
	 "Everything about the domain's mail: DMARC, SPF, DKIM keys, the services that send for it, "
	 "MX, the MAIL FROM domain, MTA-STS, TLS-RPT, BIMI and DNSSEC. If you send with Amazon "
	 "SES, add its tokens to check those records too."},
	{SRV_KIND_SPF, "SPF",
	 "Without an IP address: a review of the domain's SPF record (its lookups, includes and "
	 "mistakes). With one: whether that address may send mail for the domain."},
	{SRV_KIND_VERIFY, "Message headers",
	 "Paste the headers of a message you received: we verify its DKIM signatures, SPF and "
	 "DMARC. The headers are not stored."},
};

/* The ?v= changes with the content, so the long cache lifetime is safe. */
static const char *asset_version(const char *path)
{
	const srv_asset *a = srv_asset_find(path);
	return a ? a->version : "0";
}

static const char *verdict_word(ea_status s)
{
	switch (s) {
	case EA_STATUS_PASS: return "Pass";
	case EA_STATUS_WARN: return "Pass with warnings";
	case EA_STATUS_FAIL: return "Fail";
	case EA_STATUS_ERROR: return "Could not determine";
	}
	return "Unknown";
}

/* The title names the domain and the verdict: a tab or a bookmark says the answer. */
static void head(FILE *out, const ea_report *rep)
{
	fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>", out);
	if (rep) {
		esc(out, rep->domain_display ? rep->domain_display : rep->domain);
		fprintf(out, ": %s &middot; emailauth</title>\n", verdict_word(ea_report_status(rep)));
	} else {
		fputs("emailauth: check a domain's email authentication</title>\n", out);
	}
	fprintf(out, "<link rel=\"stylesheet\" href=\"/static/style.css?v=%s\">\n",
	        asset_version("/static/style.css"));
	fprintf(out, "<script src=\"/static/app.js?v=%s\" defer></script>\n", asset_version("/static/app.js"));
	fputs("</head>\n<body>\n<a class=\"ea-skip\" href=\"#ea-main\">Skip to the form</a>\n"
	      "<div class=\"ea-wrap\">\n<header>\n<h1><a href=\"/\">emailauth</a></h1>\n"
	      "<p class=\"ea-promise\">Live DNS lookup. No login. No saved domains. No tracking.</p>\n"
	      "</header>\n<main id=\"ea-main\">\n", out);
}

static void nav(FILE *out, srv_kind kind)
{
	fputs("<nav aria-label=\"What to check\">\n<ul class=\"ea-tabs\">\n", out);
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++)
		fprintf(out, "<li><a href=\"/?tab=%s\"%s>%s</a></li>\n", srv_kind_name(tabs[i].kind),
		        tabs[i].kind == kind ? " aria-current=\"page\"" : "", tabs[i].label);
	fputs("</ul>\n</nav>\n", out);
}

static bool has_error(const srv_params *p, const char *field)
{
	return p && p->error_field && strcmp(p->error_field, field) == 0;
}

/* A labelled one-line input, with its help text and its error when it has one. */
static void text_field(FILE *out, const srv_params *p, const char *name, const char *label,
                       const char *help, const char *value, bool required)
{
	bool bad = has_error(p, name);
	fprintf(out, "<div class=\"ea-field\">\n<label for=\"f-%s\">%s%s</label>\n"
	        "<input type=\"text\" id=\"f-%s\" name=\"%s\" maxlength=\"%d\" autocomplete=\"off\" "
	        "autocapitalize=\"none\" spellcheck=\"false\"%s%s aria-describedby=\"h-%s%s%s\" value=\"",
	        name, label, required ? "" : " <span class=\"ea-help\">(optional)</span>", name, name,
	        SRV_INPUT_MAX, required ? " required" : "", bad ? " aria-invalid=\"true\"" : "", name,
	        bad ? " e-" : "", bad ? name : "");
	esc(out, value ? value : "");
	fprintf(out, "\">\n<p class=\"ea-help\" id=\"h-%s\">%s</p>\n", name, help);
	if (bad) {
		fprintf(out, "<p class=\"ea-field-error\" id=\"e-%s\">", name);
		esc(out, p->error);
		fputs("</p>\n", out);
	}
	fputs("</div>\n", out);
}

static void field_error(FILE *out, const srv_params *p, const char *field)
{
	if (!has_error(p, field))
		return;
	fprintf(out, "<p class=\"ea-field-error\" id=\"e-%s\">", field);
	esc(out, p->error);
	fputs("</p>\n", out);
}

static void domain_field(FILE *out, const srv_params *p)
{
	text_field(out, p, "domain", "Domain", "The domain you send mail from, such as example.com. "
	           "Internationalised names are fine.", p ? p->domain_in : "", true);
}

/* The SES tokens (three fields, or pasted AWS JSON) and the region: required on the
 * SES tab, optional on the full check. */
static void token_fields(FILE *out, const srv_params *p, bool required)
{
	bool bad = has_error(p, "tokens");
	fprintf(out, "<fieldset%s>\n<legend>DKIM tokens from the SES console%s</legend>\n"
	        "<p class=\"ea-help\" id=\"h-tokens\">SES shows three CNAME records named "
	        "<code>TOKEN._domainkey.your-domain</code>: the tokens are the first parts.</p>\n"
	        "<div class=\"ea-tokens\">\n", bad ? " aria-invalid=\"true\"" : "",
	        required ? "" : " <span class=\"ea-help\">(optional: only if you send with Amazon SES)</span>");
	for (int i = 0; i < SRV_FORM_TOKENS; i++) {
		fprintf(out, "<div><label for=\"f-t%d\">Token %d</label>\n<input type=\"text\" id=\"f-t%d\" "
		        "name=\"t%d\" maxlength=\"%d\" autocomplete=\"off\" autocapitalize=\"none\" "
		        "spellcheck=\"false\" aria-describedby=\"h-tokens%s\" value=\"",
		        i + 1, i + 1, i + 1, i + 1, SRV_INPUT_MAX, bad ? " e-tokens" : "");
		esc(out, p ? p->token_in[i] : "");
		fputs("\"></div>\n", out);
	}
	fputs("</div>\n", out);
	field_error(out, p, "tokens");
	if (p && p->tokens_in[0]) {
		fputs("<input type=\"hidden\" name=\"tokens\" value=\"", out);
		esc(out, p->tokens_in);
		fputs("\">\n", out);
	}
	fputs("</fieldset>\n", out);
	bool bad_json = has_error(p, "aws");
	fprintf(out, "<details class=\"ea-aws\"%s>\n<summary>Or paste the output of "
	        "<code>aws sesv2 get-email-identity</code></summary>\n<div class=\"ea-field\">\n"
	        "<label for=\"f-aws\">The JSON the AWS CLI printed</label>\n"
	        "<textarea id=\"f-aws\" name=\"aws\" rows=\"6\" maxlength=\"%d\" spellcheck=\"false\"%s"
	        " aria-describedby=\"h-aws%s\">", bad_json ? " open" : "", SRV_AWS_JSON_MAX,
	        bad_json ? " aria-invalid=\"true\"" : "", bad_json ? " e-aws" : "");
	/* Kept only when it could not be read: a good one became the tokens above. */
	if (bad_json)
		esc_n(out, p->aws_json, p->aws_json_len < SRV_AWS_JSON_MAX ? p->aws_json_len : SRV_AWS_JSON_MAX);
	fputs("</textarea>\n<p class=\"ea-help\" id=\"h-aws\">We read the tokens and the signing region "
	      "from it; the JSON itself is not kept.</p>\n", out);
	field_error(out, p, "aws");
	fputs("</div>\n</details>\n", out);
	text_field(out, p, "region", "SES region", "Only when the identity is in a region with its own "
	           "DKIM domain, such as eu-south-1 (Milan).", p ? p->region_in : "", false);
}

static void ses_fields(FILE *out, const srv_params *p)
{
	domain_field(out, p);
	token_fields(out, p, true);
}

static void form(FILE *out, srv_kind kind, const srv_params *p)
{
	bool post = kind == SRV_KIND_VERIFY;
	/* #ea-result: after the check, the browser scrolls to the verdict (phones). */
	fprintf(out, "<form class=\"ea-form\" method=\"%s\" action=\"/#ea-result\" novalidate>\n"
	        "<input type=\"hidden\" name=\"tab\" value=\"%s\">\n", post ? "post" : "get",
	        srv_kind_name(kind));
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++)
		if (tabs[i].kind == kind)
			fprintf(out, "<p>%s</p>\n", tabs[i].intro);
	switch (kind) {
	case SRV_KIND_SES:
		ses_fields(out, p);
		break;
	case SRV_KIND_CHECK:
		domain_field(out, p);
		text_field(out, p, "selectors", "DKIM selectors", "Selectors you sign with, separated by "
		           "commas; without them we try the common ones.", p ? p->selectors_in : "", false);
		text_field(out, p, "mailfrom", "MAIL FROM domain", "The custom MAIL FROM (envelope sender) "
		           "domain, such as bounce.example.com.", p ? p->mailfrom_in : "", false);
		token_fields(out, p, false);
		break;
	case SRV_KIND_SPF:
		domain_field(out, p);
		text_field(out, p, "ip", "Sending IP address", "The address the mail comes from "
		           "(IPv4 or IPv6). Leave it empty to review the domain's SPF record instead.",
		           p ? p->ip_in : "", false);
		text_field(out, p, "mailfrom", "MAIL FROM address", "The envelope sender (an address, or "
		           "its domain), when it differs from the domain.", p ? p->mailfrom_in : "", false);
		break;
	case SRV_KIND_DKIM:
		domain_field(out, p);
		text_field(out, p, "selectors", "DKIM selectors", "Selectors separated by commas.",
		           p ? p->selectors_in : "", false);
		break;
	case SRV_KIND_VERIFY: {
		bool bad = has_error(p, "headers");
		fprintf(out, "<div class=\"ea-field\">\n<label for=\"f-headers\">Message headers</label>\n"
		        "<textarea id=\"f-headers\" name=\"headers\" rows=\"12\" spellcheck=\"false\" required%s"
		        " aria-describedby=\"h-headers%s\">", bad ? " aria-invalid=\"true\"" : "",
		        bad ? " e-headers" : "");
		/* The pasted headers stay, after a check or an error, to change and check again. */
		if (p && p->headers)
			esc_n(out, p->headers, p->headers_len < SRV_HEADERS_MAX ? p->headers_len : SRV_HEADERS_MAX);
		fprintf(out, "</textarea>\n<p class=\"ea-help\" id=\"h-headers\">In your mail program: "
		        "\"Show original\" or \"View source\", then copy everything above the first blank "
		        "line. At most %d KB.</p>\n", SRV_HEADERS_MAX / 1024);
		field_error(out, p, "headers");
		bool open = has_error(p, "ip") || has_error(p, "helo") || has_error(p, "mailfrom") ||
		            (p && (p->ip_in[0] || p->helo_in[0] || p->mailfrom_in[0]));
		fprintf(out, "</div>\n<details class=\"ea-aws\"%s>\n<summary>Optional: how the message "
		        "arrived (for SPF)</summary>\n", open ? " open" : "");
		text_field(out, p, "ip", "Connecting IP address", "The address that delivered the message. "
		           "Left empty, it is read from the Received header your mail server added.", p ? p->ip_in : "", false);
		text_field(out, p, "helo", "HELO name", "The name the sending server greeted with.",
		           p ? p->helo_in : "", false);
		text_field(out, p, "mailfrom", "MAIL FROM address", "The envelope sender; without it, "
		           "the Return-Path header is used.", p ? p->mailfrom_in : "", false);
		fputs("</details>\n", out);
		break;
	}
	case SRV_KIND_COUNT:
		break;
	}
	fputs("<div class=\"ea-actions\"><button type=\"submit\">Check</button></div>\n</form>\n", out);
}

/* Forgiving input, said so: a domain taken from a URL or an address, a token from its
 * record name or CNAME target. */
static void read_as(FILE *out, const srv_params *p)
{
	if (p == NULL)
		return;
	bool any = p->domain_from_input;
	for (size_t i = 0; i < p->ses.token_count; i++)
		any = any || p->ses.token_given[i][0];
	if (!any)
		return;
	fputs("<ul class=\"ea-read-as\">\n", out);
	if (p->domain_from_input) {
		fputs("<li>Checked the domain <strong>", out);
		esc(out, p->domain);
		fputs("</strong>, from what was typed: <code>", out);
		esc(out, p->domain_in);
		fputs("</code></li>\n", out);
	}
	for (size_t i = 0; i < p->ses.token_count; i++)
		if (p->ses.token_given[i][0]) {
			fputs("<li>Read as the token <code>", out);
			esc(out, p->ses.tokens[i]);
			fputs("</code>: <code>", out);
			esc(out, p->ses.token_given[i]);
			fputs("</code></li>\n", out);
		}
	fputs("</ul>\n", out);
}

static void result(FILE *out, const srv_params *p, const srv_notice *n, const ea_report *rep,
                   const char *self_url)
{
	fputs("<div id=\"ea-result\">\n<div id=\"ea-live\" class=\"ea-visually-hidden\" aria-live=\"polite\">"
	      "</div>\n", out);
	if (n == NULL && rep == NULL) {
		fputs("</div>\n", out);
		return;
	}
	fputs("<div id=\"ea-report-area\">\n<h2 class=\"ea-visually-hidden\">Result</h2>\n", out);
	if (n) {
		fputs("<div class=\"ea-notice ea-unknown\" role=\"alert\">\n<p><strong>", out);
		esc(out, n->title);
		fputs("</strong></p>\n<p>", out);
		esc(out, n->message);
		fputs("</p>\n</div>\n", out);
	}
	if (rep) {
		read_as(out, p);
		ea_render_opts o = {.codes_url = "/codes"};
		ea_render_html(out, rep, &o);
	}
	if (rep && self_url) {
		fputs("<p class=\"ea-share\">This page's address re-runs the check when opened: "
		      "<a href=\"", out);
		esc(out, self_url);
		fputs("\">link to this result</a>. Nothing is stored on the server.</p>\n", out);
	}
	fputs("</div>\n", out);
	if (rep && self_url)
		fputs("<div id=\"ea-recheck-box\" class=\"ea-actions\" hidden>\n"
		      "<button type=\"button\" id=\"ea-recheck\" class=\"ea-secondary\">Check again</button>\n"
		      "<label><input type=\"checkbox\" id=\"ea-auto\"> Keep checking every 30 seconds "
		      "until it passes</label>\n</div>\n", out);
	fputs("</div>\n", out);
}

void srv_page_write(FILE *out, srv_kind kind, const srv_params *p, const srv_notice *notice,
                    const ea_report *rep, const char *self_url)
{
	head(out, rep);
	nav(out, kind);
	form(out, kind, p);
	result(out, p, notice, rep, self_url);
	fputs("</main>\n<footer>\n<p>Nothing you type is stored or logged: each check is a live DNS "
	      "lookup, and its address is the only record of it. No cookies, no analytics, nothing "
	      "loaded from anywhere else.</p>\n<p>The same checks as JSON: <code>/api/v1/ses</code>, "
	      "<code>/api/v1/check</code>, <code>/api/v1/spf</code>, <code>/api/v1/dkim</code>, "
	      "<code>POST /api/v1/verify</code>. Made with emailauth " EA_VERSION ".</p>\n</footer>\n"
	      "</div>\n</body>\n</html>\n", out);
}
