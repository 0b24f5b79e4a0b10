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
	return tap_done();
}
