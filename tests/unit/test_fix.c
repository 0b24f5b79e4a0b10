/* Structured fixes (lib/report/fix.c), the DNS host table (lib/report/dns_hosts.c), and
 * the exports of lib/render/fix_export.c on a report built here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "tap.h"

static char *render(const ea_report *rep, const char *format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ea_render_fixes(m, rep, format);
	fclose(m);
	return buf;
}

static void hosts(void)
{
	static const struct { const char *ns, *id; } cases[] = {
		{"ns-1234.awsdns-05.co.uk", "route53"}, {"ns-7.awsdns-00.com", "route53"},
		{"amalia.ns.cloudflare.com", "cloudflare"}, {"ns45.domaincontrol.com", "godaddy"},
		{"dns1.registrar-servers.com", "namecheap"}, {"ns-cloud-a1.googledomains.com", "google"},
		{"ns1-01.azure-dns.com", "azure"}, {"ns1.digitalocean.com", "digitalocean"},
		{"hydrogen.ns.hetzner.com", "hetzner"}, {"dns10.ovh.net", "ovh"},
		{"ns-12-a.gandi.net", "gandi"}, {"curitiba.ns.porkbun.com", "porkbun"},
		{"dns1.p01.nsone.net", "squarespace"}, {"ns1045.ui-dns.de", "ionos"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *ns[1] = {cases[i].ns};
		const ea_dns_host *h = ea_dns_host_find(ns, 1);
		tap_ok(h != NULL && strcmp(h->id, cases[i].id) == 0, "%s is %s", cases[i].ns, cases[i].id);
	}
	const char *other[2] = {"ns1.example.net", "notawsdns-1.example"};
	tap_ok(ea_dns_host_find(other, 2) == NULL, "unknown name servers: no host (the generic form)");
	const char *look[1] = {"ns.cloudflare.com.evil.example"};
	tap_ok(ea_dns_host_find(look, 1) == NULL, "a look-alike under another domain is not Cloudflare");
}

static void forms(void)
{
	ea_finding f = {0};
	ea_finding_add_action(&f, EA_FIX_ADD, "tok._domainkey.shop.example.", "CNAME",
	                      "tok.dkim.amazonses.com", NULL, 1800, NULL);
	tap_ok(f.action_count == 1 && strcmp(f.actions[0].name, "tok._domainkey.shop.example") == 0,
	       "an action's name is kept without its trailing dot");
	char name[300], value[600];
	ea_dns_host_form(ea_dns_host_by_id("hetzner"), &f.actions[0], "shop.example", name, sizeof(name),
	                 value, sizeof(value));
	TAP_STR_EQ(name, "tok._domainkey", "Hetzner: the name relative to the zone");
	TAP_STR_EQ(value, "tok.dkim.amazonses.com.", "Hetzner: a CNAME target with its trailing dot");
	ea_dns_host_form(ea_dns_host_by_id("cloudflare"), &f.actions[0], "shop.example", name,
	                 sizeof(name), value, sizeof(value));
	TAP_STR_EQ(value, "tok.dkim.amazonses.com", "Cloudflare: the target without a dot");
	ea_finding_add_action(&f, EA_FIX_REPLACE, "shop.example", "TXT", "v=spf1 -all",
	                      "v=spf1 +all", 3600, "the note");
	ea_dns_host_form(ea_dns_host_by_id("route53"), &f.actions[1], "shop.example", name, sizeof(name),
	                 value, sizeof(value));
	TAP_STR_EQ(name, "", "Route 53: the apex is an empty record name");
	TAP_STR_EQ(value, "\"v=spf1 -all\"", "Route 53: a TXT value in quotes");
	ea_dns_host_form(ea_dns_host_by_id("godaddy"), &f.actions[1], "shop.example", name, sizeof(name),
	                 value, sizeof(value));
	TAP_STR_EQ(name, "@", "GoDaddy: the apex is @");
	char *z = ea_fix_zone_text(&f);
	tap_ok(z && strstr(z, "tok._domainkey.shop.example. 1800 IN CNAME tok.dkim.amazonses.com.\n") &&
	       strstr(z, "; the note\n; Delete: shop.example. IN TXT \"v=spf1 +all\"\n"
	                 "shop.example. 3600 IN TXT \"v=spf1 -all\""), "zone-file lines, deletions as comments");
	free(z);
	/* A 300-character TXT value is split into strings of at most 255 (RFC 1035 3.3). */
	char longv[301];
	memset(longv, 'a', 300);
	longv[300] = '\0';
	ea_finding g = {0};
	ea_finding_add_action(&g, EA_FIX_ADD, "k._domainkey.shop.example", "TXT", longv, NULL, 0, NULL);
	z = ea_fix_zone_text(&g);
	tap_ok(z && strstr(z, "\" \"aaaaa") != NULL, "a long TXT value is split into 255-byte strings");
	free(z);
	char big[1024];
	ea_dns_host_form(ea_dns_host_by_id("route53"), &g.actions[0], "shop.example", name, sizeof(name),
	                 big, sizeof(big));
	tap_ok(strlen(big) == 300 + 5 && big[256] == '"' && big[257] == ' ', "Route 53 form: two quoted strings");
	ea_dns_host_form(ea_dns_host_by_id("route53"), &g.actions[0], "shop.example", name, sizeof(name),
	                 value, 40);
	tap_ok(strlen(value) < 40, "a form value is cut to the room given");
	for (int i = 0; i < EA_FIX_MAX_ACTIONS + 3; i++)
		ea_finding_add_action(&g, EA_FIX_ADD, "x.shop.example", "TXT", "v", NULL, 0, NULL);
	tap_ok(g.action_count == EA_FIX_MAX_ACTIONS, "actions per finding are bounded");
	ea_report *rep = ea_report_new("shop.example", NULL);
	ea_section *s = ea_report_section(rep, "spf");
	ea_finding *d = ea_section_add(s, &f);
	tap_ok(d && d->action_count == 2, "a finding's actions are copied with it");
	ea_report_set_zone(rep, "shop.example", ea_dns_host_by_id("cloudflare"));
	char *tf = render(rep, "terraform");
	tap_ok(tf && strstr(tf, "resource \"cloudflare_record\"") && strstr(tf, "proxied = false"),
	       "terraform for a Cloudflare zone: cloudflare_record, not proxied");
	free(tf);
	tf = render(rep, "terraform-aws");
	tap_ok(tf && strstr(tf, "resource \"aws_route53_record\"") && strstr(tf, "# remove the resource of"),
	       "terraform-aws: aws_route53_record, and the record to remove said");
	free(tf);
	char *r53 = render(rep, "route53");
	tap_ok(r53 && strstr(r53, "\"Action\": \"DELETE\"") && strstr(r53, "\"Action\": \"UPSERT\"") &&
	       strstr(r53, "\"Action\": \"CREATE\""), "route53: DELETE the old TXT, UPSERT a CNAME, CREATE a TXT");
	free(r53);
	tap_ok(ea_fix_format_known("route53") && !ea_fix_format_known("bind"), "fix formats known");
	ea_report_free(rep);
	ea_report *r2 = ea_report_new("a.example", NULL);
	ea_section *s2 = ea_report_section(r2, "x");
	ea_finding *h = ea_section_addf(s2, "x.y", EA_SEV_ERROR, "m");
	ea_finding_add_action(h, EA_FIX_ADD, "a.example", "TXT", "it's ${evil} \"q\"", NULL, 0, NULL);
	char *sh = render(r2, "cloudflare");
	tap_ok(sh && strstr(sh, "it'\\''s") != NULL, "cloudflare: a quote in a value is shell-escaped");
	free(sh);
	tf = render(r2, "terraform-aws");
	tap_ok(tf && strstr(tf, "$${evil}") && strstr(tf, "\\\"q\\\""), "terraform: no template, quotes escaped");
	free(tf);
	ea_report_free(r2);
	/* ea_finding f and g live on the stack: free their actions as the report would. */
	ea_report *r3 = ea_report_new("b.example", NULL);
	ea_section *s3 = ea_report_section(r3, "x");
	ea_section_add(s3, &g);
	ea_report_free(r3);
	for (size_t i = 0; i < f.action_count; i++) {
		free(f.actions[i].name); free(f.actions[i].value);
		free(f.actions[i].old_value); free(f.actions[i].note);
	}
	free(f.actions);
	for (size_t i = 0; i < g.action_count; i++) {
		free(g.actions[i].name); free(g.actions[i].value);
		free(g.actions[i].old_value); free(g.actions[i].note);
	}
	free(g.actions);
}

int main(void)
{
	hosts();
	forms();
	return tap_done();
}
