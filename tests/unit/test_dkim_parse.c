/* The pure DKIM parts: message split, canonicalization (RFC 6376 3.4.5 example),
 * DKIM-Signature validation, the shared base64 decoder, the From and Return-Path
 * addresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/canon.h"
#include "dkim/message.h"
#include "dkim/sig.h"
#include "util/base64.h"
#include "tap.h"

static char *canon(ea_canon c, bool body, const char *in)
{
	ea_buf b;
	ea_buf_init(&b, 1 << 20);
	ea_str s = ea_str_make(in, strlen(in));
	if (body)
		ea_canon_body(c, s, &b);
	else
		ea_canon_header(c, s, &b);
	char *r = ea_buf_take(&b);
	return r ? r : ea_strdup0("");
}

static void check_canon(ea_canon c, bool body, const char *in, const char *want, const char *what)
{
	char *got = canon(c, body, in);
	TAP_STR_EQ(got, want, "%s", what);
	free(got);
}

static void test_canon(void)
{
	/* RFC 6376 3.4.5 */
	check_canon(EA_CANON_RELAXED, false, "A: X\r\n", "a:X\r\n", "relaxed header A");
	check_canon(EA_CANON_RELAXED, false, "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n", "relaxed header B folded");
	check_canon(EA_CANON_SIMPLE, false, "B : Y\t\r\n\tZ  \r\n", "B : Y\t\r\n\tZ  \r\n", "simple header as is");
	check_canon(EA_CANON_RELAXED, true, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n", "relaxed body");
	check_canon(EA_CANON_SIMPLE, true, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", "simple body");
	check_canon(EA_CANON_SIMPLE, true, "", "\r\n", "simple empty body is CRLF");
	check_canon(EA_CANON_RELAXED, true, "", "", "relaxed empty body is empty");
	check_canon(EA_CANON_RELAXED, true, "\r\n \r\n", "", "relaxed blank lines only");
	check_canon(EA_CANON_SIMPLE, true, "x", "x\r\n", "simple adds a final CRLF");
	check_canon(EA_CANON_RELAXED, true, "a\r\n\r\nb  ", "a\r\n\r\nb\r\n", "inner empty line kept");
}

static void test_message(void)
{
	ea_message m;
	const char *msg = "From: a@example.com\nSubject: one\n two\n\nbody\n";
	int rc = ea_message_parse(msg, strlen(msg), &m);
	tap_ok(rc == EA_OK && m.field_count == 2, "two fields");
	tap_ok(m.bare_lf == 5, "bare LFs counted (%zu)", m.bare_lf);
	tap_ok(m.body.len == 6 && memcmp(m.body.p, "body\r\n", 6) == 0, "body with CRLF");
	tap_ok(m.field_count == 2 && m.fields[1].raw.len == strlen("Subject: one\r\n two\r\n"),
	       "folded field kept whole");
	ea_message_free(&m);

	rc = ea_message_parse("no header here", 14, &m);
	tap_ok(rc != EA_OK && m.error != NULL, "not a message: error says so");
	ea_message_free(&m);

	size_t big = EA_MSG_MAX_HEADER_BYTES + 100;
	char *huge = malloc(big + 1);
	memcpy(huge, "X-Big: ", 7);
	memset(huge + 7, 'a', big - 7);
	rc = ea_message_parse(huge, big, &m);
	tap_ok(rc == EA_ERANGE && m.error != NULL, "oversized header refused: %s", m.error ? m.error : "");
	ea_message_free(&m);
	free(huge);

	const char nul[] = "From: a\0b@example.com\r\n\r\nx";
	rc = ea_message_parse(nul, sizeof(nul) - 1, &m);
	tap_ok(rc == EA_OK && m.nul_bytes == 1, "NUL byte counted");
	ea_message_free(&m);
}

static ea_dkim_sig sig;

static void sig_case(const char *v, const char *want_problem_part, const char *what)
{
	ea_dkim_sig_parse(v, strlen(v), &sig);
	if (want_problem_part == NULL)
		tap_ok(sig.problem == NULL, "%s (problem: %s)", what, sig.problem ? sig.problem : "none");
	else
		tap_ok(sig.problem && strstr(sig.problem, want_problem_part), "%s (%s)", what,
		       sig.problem ? sig.problem : "none");
}

static void test_sig(void)
{
	const char *good = "v=1; a=rsa-sha256; c=relaxed/simple; d=Example.COM; s=sel;\r\n"
	                   "\th=from:to : subject; i=user@mail.example.com; l=12; t=100; x=200;\r\n"
	                   "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGVz\r\n dA==";
	sig_case(good, NULL, "good signature");
	tap_ok(strcmp(sig.d, "example.com") == 0 && sig.h_count == 3 && sig.has_l && sig.l == 12,
	       "d lowercased, 3 h= names, l=12");
	tap_ok(sig.hc == EA_CANON_RELAXED && sig.bc == EA_CANON_SIMPLE && sig.b_len == 4, "c= and b=");
	tap_ok(memcmp(good + sig.b_value_start, "dGVz\r\n dA==", sig.b_value_len) == 0 &&
	       sig.b_value_len == 11, "b= value located");
	char name[600];
	tap_ok(ea_dkim_sig_key_name(&sig, name, sizeof(name)) && strcmp(name, "sel._domainkey.example.com") == 0,
	       "key name");
	sig_case("v=1; a=rsa-sha1; d=e.com; s=s; h=from; bh=AAAA; b=AAAA", "rsa-sha1", "rsa-sha1 refused");
	sig_case("v=1; a=rsa-sha256; d=e.com; s=s; h=to; bh=AAAA; b=AAAA", "From", "h= without From");
	sig_case("v=1; a=rsa-sha256; d=e.com; s=s; h=from; i=@other.com; bh=AAAA; b=AAAA",
	         "i=", "i= outside d=");
	sig_case("v=1; a=rsa-sha256; d=e.com(.evil.com; s=s; h=from; bh=AAAA; b=AAAA", "d=", "bad d=");
	sig_case("v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AAAA; b=AAAA; b=AAAA", "twice", "duplicate tag");
	sig_case("v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=A!AA; b=AAAA", "bh=", "broken base64");
	sig_case("v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AAAA; b=AAAA; t=200; x=100", "x=", "x before t");
	sig_case("v=1; a=rsa-sha256; d=e.com; s=s; h=from; b=AAAA", "required", "missing bh=");
	sig_case("v=2; a=rsa-sha256; d=e.com; s=s; h=from; bh=AAAA; b=AAAA", "v=", "v=2");
}

static void b64_case(const char *in, long want, const char *want_bytes, size_t cap, const char *what)
{
	unsigned char out[64];
	long n = ea_base64_decode(in, strlen(in), out, cap);
	bool same = want <= 0 || (want_bytes && memcmp(out, want_bytes, (size_t)want) == 0);
	tap_ok(n == want && same, "base64 %s (got %ld)", what, n);
}

static void test_base64(void)
{
	b64_case("QUJD", 3, "ABC", 64, "no padding");
	b64_case("QUI=", 2, "AB", 64, "one '='");
	b64_case("QQ==", 1, "A", 64, "two '='");
	b64_case(" Q U\r\n\tJ D ", 3, "ABC", 64, "white space anywhere (RFC 6376 2.4)");
	b64_case("QUJDQQ =\r\n =", 4, "ABCA", 64, "white space inside the padding");
	b64_case("", 0, NULL, 64, "empty input: zero bytes");
	b64_case("QUJ", EA_BASE64_BAD, NULL, 64, "length not a multiple of 4");
	b64_case("QU!D", EA_BASE64_BAD, NULL, 64, "stray character");
	b64_case("QUJD\x01", EA_BASE64_BAD, NULL, 64, "control byte");
	b64_case("Q===", EA_BASE64_BAD, NULL, 64, "three '='");
	b64_case("====", EA_BASE64_BAD, NULL, 64, "padding only");
	b64_case("QU=D", EA_BASE64_BAD, NULL, 64, "'=' inside a group");
	b64_case("QQ==QUJD", EA_BASE64_BAD, NULL, 64, "data after the padding");
	b64_case("QUI=\x20=", EA_BASE64_BAD, NULL, 64, "a third '=' after white space");
	b64_case("QUJDQUJD", EA_BASE64_FULL, NULL, 5, "longer than the buffer");
	b64_case("QUJDQUI=", 5, "ABCAB", 5, "padding not counted against the buffer");
	char big[] = "AAAA";
	long n = ea_base64_decode(big, 0, NULL, 0);
	tap_ok(n == 0, "zero length with no buffer");
}

/* ea_message_from_domain over a header section; want NULL: the reason must contain
 * want_reason. */
static void from_case(const char *header, const char *want_domain, const char *want_reason,
                      const char *what)
{
	char msg[2048];
	snprintf(msg, sizeof(msg), "%s\r\n\r\nbody\r\n", header);
	ea_message m;
	char dom[256];
	int rc = ea_message_parse(msg, strlen(msg), &m);
	const char *why = rc == EA_OK ? ea_message_from_domain(&m, dom, sizeof(dom)) : "no parse";
	if (want_domain)
		tap_ok(why == NULL && strcmp(dom, want_domain) == 0, "From %s: %s (%s)", what, dom,
		       why ? why : "");
	else
		tap_ok(why != NULL && strstr(why, want_reason) != NULL && dom[0] == '\0', "From %s: %s", what,
		       why ? why : "(accepted)");
	ea_message_free(&m);
}

static void test_from(void)
{
	from_case("From: alice@Shop.Example", "shop.example", NULL, "bare address, lowercased");
	from_case("From: Alice <alice@shop.example>", "shop.example", NULL, "display name");
	from_case("From: \"Doe, John <j@evil.example>\" <j@shop.example>", "shop.example", NULL,
	          "comma and brackets inside a quoted display name");
	from_case("From: (Alice, <a@evil.example>) a@shop.example", "shop.example", NULL,
	          "comma and brackets inside a comment");
	from_case("From: Alice\r\n <alice@shop.example>", "shop.example", NULL, "folded");
	from_case("From: <a@shop.example> (sent by x@evil.example)", "shop.example", NULL,
	          "comment after the address");

	from_case("To: b@shop.example", NULL, "no From", "absent");
	from_case("From: a@one.example\r\nFrom: b@two.example", NULL, "more than one From",
	          "two From fields");
	from_case("From: a@one.example, b@two.example", NULL, "more than one address", "two addresses");
	from_case("From: A <a@one.example>, B <b@two.example>", NULL, "more than one address",
	          "two mailboxes with names");
	from_case("From: team: a@one.example, b@two.example;", NULL, "more than one address",
	          "group of two");
	from_case("From: <a@one.example>, <b@two.example>,", NULL, "more than one address",
	          "two angle addresses, trailing comma");
	from_case("From: <a@one.example>,", "one.example", NULL, "trailing comma (obs-mbox-list, RFC 5322 4.4)");

	from_case("From: ", NULL, "malformed", "empty");
	from_case("From: (only a comment)", NULL, "malformed", "comment only");
	from_case("From: Alice", NULL, "no domain", "a name, no address");
	from_case("From: <>", NULL, "no domain", "null address");
	from_case("From: a@", NULL, "no domain", "nothing after @");
	from_case("From: a@bad..example", NULL, "invalid domain", "empty label");
	from_case("From: <a@one.example> <b@evil.example>", NULL, "malformed", "two <> without a comma");
	from_case("From: <a@one.example> b@evil.example", NULL, "malformed", "text after <>");
	from_case("From: Alice <a@shop.example", NULL, "malformed", "unclosed <");
	from_case("From: a@shop.example>", NULL, "malformed", "stray >");
	from_case("From: <a<b@evil.example>", NULL, "malformed", "< inside <>");
	from_case("From: (a@shop.example", NULL, "malformed", "unclosed comment");
	from_case("From: \"Alice <a@shop.example>", NULL, "malformed", "unclosed quote");
	from_case("From: ((((((((((deep)))))))))) a@shop.example", NULL, "malformed",
	          "comments nested past the limit");

	/* A local part long enough that keeping only what fits would end the address at
	 * "@shop.example" and hide the real domain: malformed, never the cut domain. */
	char hdr[1200];
	int n = snprintf(hdr, sizeof(hdr), "From: <");
	memset(hdr + n, 'a', 495);
	snprintf(hdr + n + 495, sizeof(hdr) - (size_t)n - 495, "@shop.example.evil.example>");
	from_case(hdr, NULL, "malformed", "address too long to read whole");
}

static void test_return_path(void)
{
	const char *msg = "Return-Path: <bounce@shop.example>\r\nReturn-Path: <x@evil.example>\r\n\r\n";
	ea_message m;
	char out[512];
	bool got = ea_message_parse(msg, strlen(msg), &m) == EA_OK && ea_message_return_path(&m, out, sizeof(out));
	tap_ok(got && strcmp(out, "bounce@shop.example") == 0, "Return-Path: the first one");
	ea_message_free(&m);
	msg = "Return-Path: <>\r\n\r\n";
	got = ea_message_parse(msg, strlen(msg), &m) == EA_OK && ea_message_return_path(&m, out, sizeof(out));
	tap_ok(got && out[0] == '\0', "Return-Path <>: the null sender");
	ea_message_free(&m);
	msg = "Return-Path: <a@x.example> <b@y.example>\r\n\r\n";
	got = ea_message_parse(msg, strlen(msg), &m) == EA_OK && ea_message_return_path(&m, out, sizeof(out));
	tap_ok(!got, "Return-Path with two addresses: not used");
	ea_message_free(&m);
	msg = "Return-Path: <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example>\r\n\r\n";
	got = ea_message_parse(msg, strlen(msg), &m) == EA_OK && ea_message_return_path(&m, out, 16);
	tap_ok(!got, "Return-Path that does not fit: not used (never cut)");
	ea_message_free(&m);
}

int main(void)
{
	test_canon();
	test_message();
	test_sig();
	test_base64();
	test_from();
	test_return_path();
	return tap_done();
}
