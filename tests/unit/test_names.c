#include <emailauth/emailauth.h>
#include "tap.h"
#include "util/util.h"

int main(void)
{
	char out[EA_NAME_MAX + 1];
	const char *why;
	tap_ok(ea_domain_normalize(" Example.COM. ", out, sizeof(out), &why) == EA_OK &&
	       strcmp(out, "example.com") == 0, "trims, lowercases, drops the final dot");
	tap_ok(ea_domain_normalize("bücher.example", out, sizeof(out), &why) == EA_OK &&
	       strcmp(out, "xn--bcher-kva.example") == 0, "IDN becomes an A-label");
	tap_ok(ea_domain_normalize("a..b", out, sizeof(out), &why) == EA_EINVAL, "empty label refused");
	tap_ok(ea_domain_normalize("a b.com", out, sizeof(out), &why) == EA_EINVAL, "space refused");
	tap_ok(ea_domain_normalize("<script>.com", out, sizeof(out), &why) == EA_EINVAL, "markup refused");
	char longlabel[80];
	memset(longlabel, 'a', 64);
	strcpy(longlabel + 64, ".com");
	tap_ok(ea_domain_normalize(longlabel, out, sizeof(out), &why) == EA_EINVAL, "64-char label refused");
	tap_ok(ea_domain_normalize("", out, sizeof(out), &why) == EA_EINVAL, "empty refused");
	tap_ok(ea_name_equal("Example.com.", "example.COM"), "names compare without case or final dot");
	tap_ok(ea_name_is_subdomain("a.b.example.com", "example.com"), "subdomain");
	tap_ok(!ea_name_is_subdomain("badexample.com", "example.com"), "not a subdomain by suffix alone");
	tap_ok(ea_name_is_subdomain("example.com", "example.com."), "a name is below itself");
	tap_ok(ea_edit_distance("amazonses.com", "amazonses.co", 3) == 1, "one deletion");
	tap_ok(ea_edit_distance("amazonses.com", "amazonsse.com", 3) == 1, "one transposition");
	tap_ok(ea_edit_distance("amazonses.com", "sendgrid.net", 3) == 4, "far apart is capped");

	/* Forgiving input: the domain inside a URL, an address, a mailto:. */
	char in[EA_NAME_MAX + 1];
	tap_ok(ea_domain_inside("https://user@Example.com:8443/path?q#f", in, sizeof(in)) &&
	       strcmp(in, "Example.com") == 0, "the host of a URL");
	tap_ok(ea_domain_inside("mailto:a@example.org?subject=x", in, sizeof(in)) && strcmp(in, "example.org") == 0,
	       "the domain of a mailto:");
	tap_ok(ea_domain_inside("Name <a@example.net>", in, sizeof(in)) && strcmp(in, "example.net") == 0,
	       "the domain of an address");
	tap_ok(!ea_domain_inside("example.com", in, sizeof(in)), "a plain name is not inside anything");
	tap_ok(!ea_domain_inside("https:///path", in, sizeof(in)), "a URL without a host gives nothing");

	/* Values quoted in errors: no control characters, cut at a UTF-8 boundary. */
	char shown[EA_VALUE_SHOWN_MAX + 1];
	ea_value_shown("ex\x1b[31ma\x01mple\x7f.com", shown, sizeof(shown));
	tap_ok(strcmp(shown, "ex[31mample.com") == 0, "control characters are left out");
	char longv[200];
	memset(longv, 'a', sizeof(longv));
	memcpy(longv + 70, "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc", 8);
	longv[199] = '\0';
	ea_value_shown(longv, shown, sizeof(shown));
	size_t sl = strlen(shown);
	tap_ok(sl <= EA_VALUE_SHOWN_MAX && strcmp(shown + sl - 3, "...") == 0 &&
	       ((unsigned char)shown[sl - 4] & 0xC0) != 0xC0, "a long value is cut short, never inside a character");
	char tiny[4];
	ea_value_shown("abcdef", tiny, sizeof(tiny));
	tap_ok(strlen(tiny) < sizeof(tiny), "a small buffer is never overrun");

	/* Sentence case: plain words only. */
	static const struct { const char *in, *out; } sc[] = {
		{"no DMARC record", "No DMARC record"}, {"its selector", "Its selector"},
		{"used: x", "Used: x"}, {"example.com has none", "example.com has none"},
		{"p=none is weak", "p=none is weak"}, {"'+all' allows", "'+all' allows"},
		{"include:x.com", "include:x.com"}, {"made-up names", "Made-up names"}, {"", ""},
		{"dkim=pass", "dkim=pass"}, {"3 records", "3 records"},
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		char s[64];
		snprintf(s, sizeof(s), "%s", sc[i].in);
		ea_sentence_start(s);
		tap_ok(strcmp(s, sc[i].out) == 0, "sentence case: '%s' -> '%s'", sc[i].in, s);
	}
	return tap_done();
}
