/* SPF pure parts: record parser, macro expander, IP matching, header lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "spf/ip.h"
#include "spf/macro.h"
#include "spf/record.h"
#include "tap.h"

static ea_spf_record rec;

static ea_spf_parse_status parse(const char *s)
{
	ea_spf_parse(s, strlen(s), &rec);
	return rec.status;
}

static void test_parser(void)
{
	tap_ok(parse("v=spf1 -all") == SPF_REC_OK && rec.term_count == 1 && rec.all == 0,
	       "minimal record");
	tap_ok(parse("V=SPF1 IP4:192.0.2.0/24 ~ALL") == SPF_REC_OK, "names are case-insensitive");
	tap_ok(parse("v=spf1x -all") == SPF_REC_NOT_SPF && ea_spf_is_lookalike("v=spf1x -all", 12),
	       "v=spf1x is not SPF but a lookalike");
	tap_ok(ea_spf_is_lookalike("v=spf2.0/pra -all", 17) && !ea_spf_is_lookalike("v=spf1 -all", 11),
	       "spf2.0 is a lookalike, v=spf1 is not");
	tap_ok(parse("v=spf1 a:mail.example.com/24//64 -all") == SPF_REC_OK &&
	       rec.terms[0].cidr4 == 24 && rec.terms[0].cidr6 == 64 &&
	       rec.terms[0].domain.len == strlen("mail.example.com"), "dual CIDR on a:");
	tap_ok(parse("v=spf1 mx//48") == SPF_REC_OK && rec.terms[0].cidr4 == -1 &&
	       rec.terms[0].cidr6 == 48 && !rec.terms[0].has_domain, "IPv6 prefix only");
	ea_spf_parse_status st = parse("v=spf1 ip4:192.0.2.0/33");
	tap_ok(st == SPF_REC_SYNTAX && rec.error_pos == 20,
	       "ip4 prefix over 32 is a syntax error at the '/' (pos %zu)", rec.error_pos);
	tap_ok(parse("v=spf1 ip6:2001:db8::/129") == SPF_REC_SYNTAX, "ip6 prefix over 128");
	tap_ok(parse("v=spf1 ip4:1.2.3 -all") == SPF_REC_SYNTAX, "bad IPv4");
	tap_ok(parse("v=spf1 include:example.com include=x.example.com") == SPF_REC_OK &&
	       rec.terms[1].kind == SPF_T_UNKNOWN_MOD, "include= is an unknown modifier (legal)");
	tap_ok(parse("v=spf1 redirect=a.example.com redirect=b.example.com") == SPF_REC_SYNTAX,
	       "duplicate redirect is a permerror");
	tap_ok(parse("v=spf1 exp=a.example.com exp=b.example.com") == SPF_REC_SYNTAX,
	       "duplicate exp is a permerror");
	tap_ok(parse("v=spf1 foo:bar.example.com") == SPF_REC_SYNTAX &&
	       strstr(rec.error, "unknown mechanism") != NULL, "unknown mechanism");
	tap_ok(parse("v=spf1 -all a:x.example.com") == SPF_REC_OK && rec.all == 0 &&
	       rec.term_count == 2, "terms after all parse (the audit warns)");
	tap_ok(parse("v=spf1 a:example.com\rptr -all") == SPF_REC_SYNTAX && rec.error_pos == 20,
	       "control character with position");
	tap_ok(parse("v=spf1 a:1.2.3.4") == SPF_REC_SYNTAX, "numeric top label");
	tap_ok(parse("v=spf1 a:%{d}") == SPF_REC_OK && rec.terms[0].has_macro, "macro domain-end");
	tap_ok(parse("v=spf1 exists:%{x}.example.com") == SPF_REC_SYNTAX, "unknown macro letter");
	tap_ok(parse("v=spf1 exists:%{c}.example.com") == SPF_REC_SYNTAX, "c only in exp");
	tap_ok(parse("v=spf1 -redirect=x.example.com") == SPF_REC_SYNTAX, "qualified modifier");
	tap_ok(parse("v=spf1 a  -all ") == SPF_REC_OK && rec.term_count == 2, "extra spaces");
	/* 1,100 terms: bounded */
	size_t n = 7 + 1100 * 4;
	char *big = malloc(n + 1);
	strcpy(big, "v=spf1 ");
	for (size_t i = 0; i < 1100; i++)
		strcat(big, "-a ");
	tap_ok(parse(big) == SPF_REC_SYNTAX && strstr(rec.error, "terms") != NULL,
	       "more than %d terms is refused", EA_SPF_MAX_TERMS);
	free(big);
}

static ea_spf_macro_ctx ctx4 = {
	.sender = "strong-bad@email.example.com", .local = "strong-bad",
	.sender_domain = "email.example.com", .domain = "email.example.com",
	.ip_dotted = "192.0.2.3", .ip_text = "192.0.2.3", .ip_version = "in-addr",
	.helo = "mx.example.org", .ptr_name = "unknown", .receiver = "rcv.example", .now = 12345,
};

static void expect(const char *in, ea_spf_macro_mode mode, const char *want)
{
	char out[EA_SPF_MACRO_OUT_MAX];
	const char *why = "";
	bool ok = ea_spf_macro_expand(ea_str_make(in, strlen(in)), &ctx4, mode, out, sizeof(out), &why);
	tap_ok(ok && strcmp(out, want) == 0, "%s -> %s (got %s)", in, want, ok ? out : why);
}

static void test_macros(void)
{
	/* RFC 7208 7.4 examples */
	expect("%{s}", EA_SPF_MACRO_DOMAIN, "strong-bad@email.example.com");
	expect("%{o}", EA_SPF_MACRO_DOMAIN, "email.example.com");
	expect("%{d4}", EA_SPF_MACRO_DOMAIN, "email.example.com");
	expect("%{d2}", EA_SPF_MACRO_DOMAIN, "example.com");
	expect("%{d1}", EA_SPF_MACRO_DOMAIN, "com");
	expect("%{dr}", EA_SPF_MACRO_DOMAIN, "com.example.email");
	expect("%{d2r}", EA_SPF_MACRO_DOMAIN, "example.email");
	expect("%{l}", EA_SPF_MACRO_DOMAIN, "strong-bad");
	expect("%{l-}", EA_SPF_MACRO_DOMAIN, "strong.bad");
	expect("%{lr}", EA_SPF_MACRO_DOMAIN, "strong-bad");
	expect("%{lr-}", EA_SPF_MACRO_DOMAIN, "bad.strong");
	expect("%{l1r-}", EA_SPF_MACRO_DOMAIN, "strong");
	expect("%{ir}.%{v}._spf.%{d2}", EA_SPF_MACRO_DOMAIN, "3.2.0.192.in-addr._spf.example.com");
	expect("%{lr-}.lp._spf.%{d2}", EA_SPF_MACRO_DOMAIN, "bad.strong.lp._spf.example.com");
	expect("%{S}", EA_SPF_MACRO_DOMAIN, "strong-bad%40email.example.com");
	expect("%%%_%-", EA_SPF_MACRO_DOMAIN, "% %20");
	expect("%{c} %{r} %{t}", EA_SPF_MACRO_EXP, "192.0.2.3 rcv.example 12345");
	char out[EA_SPF_MACRO_OUT_MAX];
	const char *why;
	tap_ok(!ea_spf_macro_expand(ea_str_make("%{c}", 4), &ctx4, EA_SPF_MACRO_DOMAIN, out,
	                            sizeof(out), &why), "c refused outside exp");
	tap_ok(!ea_spf_macro_expand(ea_str_make("%{d0}", 5), &ctx4, EA_SPF_MACRO_DOMAIN, out,
	                            sizeof(out), &why), "a zero transformer is refused");
	/* past 253 bytes: labels removed on the left (7.3) */
	char in[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(in, "%{l}.");
	strcat(in, "example.com");
	bool ok = ea_spf_macro_expand(ea_str_make(in, strlen(in)), &ctx4, EA_SPF_MACRO_DOMAIN, out,
	                              sizeof(out), &why);
	tap_ok(ok && strlen(out) <= 253 && strcmp(out + strlen(out) - 12, ".example.com") == 0 &&
	       strncmp(out, "strong-bad.", 11) == 0, "truncated to %zu bytes on a label boundary",
	       strlen(out));
	tap_ok(ea_spf_macro_uses_p(ea_str_make("x.%{p}", 6)) &&
	       !ea_spf_macro_uses_p(ea_str_make("%%{p}", 5)), "%%{p} use found, %%%%{p} is not one");
}

static void test_ip(void)
{
	ea_spf_ip ip;
	tap_ok(ea_spf_ip_parse("::ffff:192.0.2.1", &ip) && !ip.v6 && ip.addr[3] == 1,
	       "IPv4-mapped IPv6 is IPv4");
	uint8_t net[16] = {192, 0, 2, 0};
	tap_ok(ea_spf_ip_match(&ip, net, false, 24) && !ea_spf_ip_match(&ip, net, false, 32) &&
	       !ea_spf_ip_match(&ip, net, true, 24), "IPv4 prefix match, family apart");
	tap_ok(ea_spf_ip_parse("2001:db8::1", &ip) && ip.v6, "IPv6 parses");
	uint8_t net6[16] = {0x20, 0x01, 0x0d, 0xb8};
	tap_ok(ea_spf_ip_match(&ip, net6, true, 32) && ea_spf_ip_match(&ip, net6, true, 0) &&
	       !ea_spf_ip_match(&ip, net6, true, 128), "IPv6 prefix match");
	uint8_t odd[16] = {0x20, 0x01, 0x0d, 0xbf};
	tap_ok(ea_spf_ip_match(&ip, odd, true, 29) && !ea_spf_ip_match(&ip, odd, true, 30),
	       "prefix not on a byte boundary");
	char buf[128];
	ea_spf_ip_reverse_name(&ip, buf, sizeof(buf));
	TAP_STR_EQ(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	           "IPv6 reverse name");
	tap_ok(!ea_spf_ip_parse("192.0.2", &ip) && !ea_spf_ip_parse("", &ip), "bad addresses refused");
}

static void test_headers(void)
{
	ea_spf_request req = {.ip = "192.0.2.1", .sender = "a@example.com", .helo = "mx.example.com",
	                      .receiver = "mx.example.org"};
	ea_spf_outcome o = {0};
	o.result = EA_SPF_PASS;
	strcpy(o.identity, "mailfrom");
	strcpy(o.sender, "a@example.com");
	strcpy(o.term, "ip4:192.0.2.0/24");
	char h[1024];
	tap_ok(ea_spf_received_spf(&req, &o, h, sizeof(h)) == EA_OK &&
	       strncmp(h, "Received-SPF: pass (mx.example.org: domain of a@example.com designates "
	               "192.0.2.1 as permitted sender) receiver=mx.example.org; client-ip=192.0.2.1; "
	               "envelope-from=\"a@example.com\"; helo=mx.example.com;", 190) == 0,
	       "Received-SPF: %s", h);
	tap_ok(ea_spf_auth_results(&req, &o, h, sizeof(h)) == EA_OK && strncmp(h, "spf=pass (", 10) == 0 &&
	       strstr(h, "smtp.mailfrom=\"a@example.com\"") != NULL, "Authentication-Results: %s", h);
}

int main(void)
{
	test_parser();
	test_macros();
	test_ip();
	test_headers();
	return tap_done();
}
