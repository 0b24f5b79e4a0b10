/* The pure DKIM parts: message split, canonicalization (RFC 6376 3.4.5 example),
 * DKIM-Signature validation. */
#include <stdlib.h>
#include <string.h>

#include "dkim/canon.h"
#include "dkim/message.h"
#include "dkim/sig.h"
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

int main(void)
{
	test_canon();
	test_message();
	test_sig();
	return tap_done();
}
