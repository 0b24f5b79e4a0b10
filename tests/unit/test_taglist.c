#include <stdio.h>

#include "record/dkim_key.h"
#include "record/taglist.h"
#include "tap.h"

static bool str_is(ea_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

int main(void)
{
	ea_taglist tl;
	const char *r1 = "v=DKIM1; k=rsa; p=MIIB AQAB ;";
	tap_ok(ea_taglist_parse(r1, strlen(r1), &tl) && tl.count == 3, "three tags, trailing ';'");
	tap_ok(str_is(ea_taglist_get(&tl, "p")->value, "MIIB AQAB"), "value trimmed, inner space kept");
	const char *r2 = "v=DKIM1; p=a; p=b";
	tap_ok(!ea_taglist_parse(r2, strlen(r2), &tl) && tl.duplicate, "duplicate tag invalidates");
	const char *r3 = "v=DKIM1; =x";
	tap_ok(!ea_taglist_parse(r3, strlen(r3), &tl) && tl.error_offset == 9, "error position reported");
	const char r4[] = "v=DKIM1; p=\0x";
	tap_ok(!ea_taglist_parse(r4, sizeof(r4) - 1, &tl), "NUL byte in a value is an error");

	ea_dkim_key k;
	/* RFC 8463 A.2 */
	const char *ed = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	ea_dkim_key_parse(ed, strlen(ed), &k);
	tap_ok(k.valid && k.type == EA_DKIM_K_ED25519 && k.bits == 256, "Ed25519 key decodes");
	const char *rev = "v=DKIM1; p=";
	ea_dkim_key_parse(rev, strlen(rev), &k);
	tap_ok(!k.valid && k.revoked, "empty p= is revoked");
	const char *nop = "v=DKIM1; k=rsa";
	ea_dkim_key_parse(nop, strlen(nop), &k);
	tap_ok(!k.valid && !k.has_p, "no p= is invalid");
	const char *badv = "k=rsa; v=DKIM1; p=abc";
	ea_dkim_key_parse(badv, strlen(badv), &k);
	tap_ok(!k.valid && !k.v_ok, "v= not first is invalid");
	const char *bad64 = "p=MIIB!!";
	ea_dkim_key_parse(bad64, strlen(bad64), &k);
	tap_ok(!k.valid && k.bad_base64, "broken base64 is reported");
	const char *quoted = "v=DKIM1; p=\\\"abc";
	ea_dkim_key_parse(quoted, strlen(quoted), &k);
	tap_ok(k.stray_quotes, "stray quotes and backslashes are noticed");
	/* RFC 6376 Appendix C (1024-bit) */
	const char *rsa = "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";
	ea_dkim_key_parse(rsa, strlen(rsa), &k);
	tap_ok(k.valid && k.bits == 1024, "RSA 1024 key decodes (%u bits)", k.bits);
	/* Issue 14: one rule for tag lists past the grammar (RFC 6376 3.2, 3.6.1) */
	char hy[600], em[600];
	snprintf(hy, sizeof(hy), "v=DKIM1; k=rsa; x-foo=bar; %s", rsa + strlen("v=DKIM1; "));
	ea_dkim_key_parse(hy, strlen(hy), &k);
	tap_ok(k.valid && k.tags.off_grammar, "dkim_key_hyphenated_tag_name: x-foo= is an unknown tag, "
	       "ignored (3.6.1); the key is usable");
	snprintf(em, sizeof(em), "v=DKIM1; k=rsa; ; %s", rsa + strlen("v=DKIM1; "));
	ea_dkim_key_parse(em, strlen(em), &k);
	tap_ok(k.valid && k.tags.off_grammar, "dkim_key_empty_tag: an empty tag-spec is skipped; the key "
	       "is usable");
	const char *tr = "a=1; b=2;";
	tap_ok(ea_taglist_parse(tr, strlen(tr), &tl) && !tl.off_grammar, "a trailing ';' is in the grammar");
	const char *dup = "v=DKIM1; p=abc; p=def";
	ea_dkim_key_parse(dup, strlen(dup), &k);
	tap_ok(!k.valid && k.tags.duplicate, "a repeated tag still makes the list invalid (3.2)");
	const char *num = "v=DKIM1; 1x=2; p=abc";
	tap_ok(!ea_taglist_parse(num, strlen(num), &tl), "a tag name must still start with a letter");
	return tap_done();
}
