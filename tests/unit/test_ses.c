/* The SES DKIM check over the in-memory backend: one scenario per slip, table-driven. */
#include <stdio.h>
#include <stdlib.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"
#include "tap.h"

#define T1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define T2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define T3 "cccccccccccccccccccccccccccccccc"
/* RFC 6376 Appendix C key (1024 bits) and a 2048-bit key. */
#define KEY1024 "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"

static const char ses_zone[] =
	"$ORIGIN amazonses.com.\n$TTL 1800\n@ SOA ns h 1 3600 600 86400 300\n"
	T1 ".dkim TXT \"" KEY1024 "\"\n"
	T2 ".dkim TXT \"" KEY1024 "\"\n"
	T3 ".dkim TXT \"" KEY1024 "\"\n"
	T1 ".dkim.eu-south-1 TXT \"" KEY1024 "\"\n";

static const char head[] = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns h 1 3600 600 86400 60\n";

typedef struct {
	const char *name;
	const char *records;       /* appended to head */
	const char *region;
	const char *timeout_name;  /* marked as timing out */
	const char *codes[3];      /* expected primary code per token T1, T2, T3 */
	ea_status status;
} scenario;

#define OK3 {"ses.dkim.ok", "ses.dkim.ok", "ses.dkim.ok"}
#define GOOD_T2 T2 "._domainkey CNAME " T2 ".dkim.amazonses.com.\n"
#define GOOD_T3 T3 "._domainkey CNAME " T3 ".dkim.amazonses.com.\n"

static const scenario scenarios[] = {
	{"all right", T1 "._domainkey CNAME " T1 ".dkim.amazonses.com.\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 OK3, EA_STATUS_WARN /* key_1024 is info: pass; see below */},
	{"missing", GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.missing", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"typo amazonses.co", T1 "._domainkey CNAME " T1 ".dkim.amazonses.co.\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.target_typo", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"zone appended to target", T1 "._domainkey CNAME " T1 ".dkim.amazonses.com\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.target_typo", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"swapped targets", T1 "._domainkey CNAME " T2 ".dkim.amazonses.com.\n"
	 T2 "._domainkey CNAME " T1 ".dkim.amazonses.com.\n" GOOD_T3, NULL, NULL,
	 {"ses.dkim.wrong_target", "ses.dkim.wrong_target", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"other provider", T1 "._domainkey CNAME s1.domainkey.u1.wl1.sendgrid.net.\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.wrong_target", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"TXT instead of CNAME", T1 "._domainkey TXT \"" T1 ".dkim.amazonses.com\"\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.not_cname", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"proxied: A record", T1 "._domainkey A 192.0.2.7\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.not_cname", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"zone doubled", T1 "._domainkey.example.com CNAME " T1 ".dkim.amazonses.com.\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.misplaced", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"under mail.", T1 "._domainkey.mail CNAME " T1 ".dkim.amazonses.com.\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.misplaced", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"no _domainkey", T1 " CNAME " T1 ".dkim.amazonses.com.\n" GOOD_T2 GOOD_T3, NULL, NULL,
	 {"ses.dkim.misplaced", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_FAIL},
	{"key not published", T1 "._domainkey CNAME " T1 ".dkim.amazonses.com.\n"
	 T2 "._domainkey CNAME " T2 ".dkim.amazonses.com.\n"
	 T3 "._domainkey CNAME " T3 ".dkim.eu-south-1.amazonses.com.\n",
	 NULL, NULL, {"ses.dkim.ok", "ses.dkim.ok", "ses.dkim.key_unresolved"}, EA_STATUS_FAIL},
	{"region: regional target", T1 "._domainkey CNAME " T1 ".dkim.eu-south-1.amazonses.com.\n", "eu-south-1", NULL,
	 {"ses.dkim.ok", "ses.dkim.missing", "ses.dkim.missing"}, EA_STATUS_FAIL},
	{"region: global target", T1 "._domainkey CNAME " T1 ".dkim.amazonses.com.\n", "eu-south-1", NULL,
	 {"ses.dkim.wrong_target", "ses.dkim.missing", "ses.dkim.missing"}, EA_STATUS_FAIL},
	{"lookup times out", GOOD_T2 GOOD_T3, NULL, T1 "._domainkey.example.com",
	 {"ses.dkim.lookup_failed", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_ERROR},
	{"key lookup times out", T1 "._domainkey CNAME " T1 ".dkim.amazonses.com.\n" GOOD_T2 GOOD_T3, NULL,
	 T1 ".dkim.amazonses.com", {"ses.dkim.key_undetermined", "ses.dkim.ok", "ses.dkim.ok"}, EA_STATUS_ERROR},
};

static const ea_finding *primary(const ea_report *rep, const char *token)
{
	const ea_section *s = &rep->sections[0];
	for (size_t i = 0; i < s->finding_count; i++)
		if (s->findings[i].primary && strcmp(s->findings[i].subject, token) == 0)
			return &s->findings[i];
	return NULL;
}

static bool has_code(const ea_report *rep, const char *code)
{
	const ea_section *s = &rep->sections[0];
	for (size_t i = 0; i < s->finding_count; i++)
		if (strcmp(s->findings[i].code, code) == 0)
			return true;
	return false;
}

static ea_report *run(const scenario *sc, double budget_ms)
{
	ea_zone_store *z = ea_zone_store_new();
	char err[256], text[8192];
	snprintf(text, sizeof(text), "%s%s", head, sc->records);
	if (ea_zone_store_add_text(z, "example.com", text, err, sizeof(err)) != EA_OK ||
	    ea_zone_store_add_text(z, "amazonses.com", ses_zone, err, sizeof(err)) != EA_OK) {
		printf("# zone error: %s\n", err);
		ea_zone_store_free(z);
		return NULL;
	}
	if (sc->timeout_name)
		ea_zone_store_add_timeout(z, sc->timeout_name, 0);
	ea_transport *t = ea_transport_zone_new(z, NULL);
	ea_resolver *r = ea_resolver_new_with_transport(t, NULL);
	ea_ses_request req;
	memset(&req, 0, sizeof(req));
	snprintf(req.domain, sizeof(req.domain), "example.com");
	ea_ses_set_tokens(&req, T1 "," T2 "," T3);
	if (sc->region)
		snprintf(req.region, sizeof(req.region), "%s", sc->region);
	ea_report *rep = ea_report_new("example.com", NULL);
	ea_job *job = ea_job_new(r, rep, ea_now_ms() + budget_ms);
	ea_job_add_check(job, ea_check_ses_dkim, &req);
	ea_job_run(job);
	ea_job_free(job);
	ea_resolver_free(r);
	return rep;
}

int main(void)
{
	const char *tokens[3] = {T1, T2, T3};
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		const scenario *sc = &scenarios[i];
		ea_report *rep = run(sc, 5000);
		if (rep == NULL) {
			tap_ok(false, "%s: runs", sc->name);
			continue;
		}
		for (int k = 0; k < 3; k++) {
			const ea_finding *f = primary(rep, tokens[k]);
			tap_ok(f && strcmp(f->code, sc->codes[k]) == 0, "%s: token %d is %s (got %s)", sc->name,
			       k + 1, sc->codes[k], f ? f->code : "nothing");
		}
		if (sc->status != EA_STATUS_WARN)
			tap_ok(ea_report_status(rep) == sc->status, "%s: status %s", sc->name,
			       ea_status_name(ea_report_status(rep)));
		if (sc->timeout_name)
			tap_ok(!has_code(rep, "ses.dkim.missing") || strcmp(sc->codes[1], "ses.dkim.missing") == 0,
			       "%s: a failed lookup is never called missing", sc->name);
		ea_report_free(rep);
	}
	/* Whole budget gone before the first answer: every token undetermined, none missing. */
	ea_report *rep = run(&scenarios[1], -1);
	bool all_failed = true;
	for (int k = 0; k < 3; k++) {
		const ea_finding *f = primary(rep, tokens[k]);
		all_failed = all_failed && f && strcmp(f->code, "ses.dkim.lookup_failed") == 0 && f->undetermined;
	}
	tap_ok(all_failed && ea_report_status(rep) == EA_STATUS_ERROR,
	       "deadline passed: every token lookup_failed, status error");
	ea_report_free(rep);
	/* Forgiving input: a token pasted as its record name or CNAME target. */
	static const struct { const char *item; size_t token; } names[] = {
		{T1 "._domainkey.example.com", 32}, {T1 "._domainkey.example.com.", 32},
		{T1 "._DOMAINKEY.Example.COM", 32}, {T1 "._domainkey", 32}, {T1 ".dkim.amazonses.com", 32},
		{T1 ".dkim.amazonses.com.", 32}, {T1 ".dkim.eu-south-1.amazonses.com", 32},
		{T1 ".example.com", 0}, {T1 ".dkim.example.com", 0}, {T1 ".dkim.a.b.amazonses.com", 0},
		{"._domainkey.example.com", 0}, {T1 ".dkim.", 0}, {T1 "._domainkeys.example.com", 0},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		tap_ok(ea_ses_token_in_name(names[i].item, strlen(names[i].item)) == names[i].token,
		       "token in '%s': %zu", names[i].item, names[i].token);
	ea_ses_request fr = {0};
	char bad[EA_VALUE_SHOWN_MAX + 1] = "";
	tap_ok(ea_ses_add_tokens(&fr, T1 "._domainkey.example.com. ," T2 ".dkim.amazonses.com " T3, bad,
	                         sizeof(bad)) == EA_OK && fr.token_count == 3 && strcmp(fr.tokens[0], T1) == 0 &&
	       strcmp(fr.tokens[1], T2) == 0 && strcmp(fr.token_given[0], T1 "._domainkey.example.com.") == 0 &&
	       strcmp(fr.token_given[1], T2 ".dkim.amazonses.com") == 0 && fr.token_given[2][0] == '\0',
	       "record names and CNAME targets become tokens; what was given is kept");
	ea_ses_request br = {0};
	tap_ok(ea_ses_add_tokens(&br, "ok, a.b.com", bad, sizeof(bad)) == EA_EINVAL && strcmp(bad, "a.b.com") == 0,
	       "the item refused is named");
	return tap_done();
}
