/* Sender profiles: naming a DMARC report source by reverse name and address range. */
#include <emailauth/emailauth.h>
#include <string.h>

#include "profiles/profiles.h"
#include "tap.h"

static bool is(const char *got, const char *want)
{
	return want == NULL ? got == NULL : got != NULL && strcmp(got, want) == 0;
}

int main(void)
{
	const char *ptr_json =
		"{\"senders\": [{\"id\": \"a\", \"name\": \"A\", \"hosts\": [\"a.example\", \"cloud.example\"],"
		" \"reverse_names\": [\"out.a.example\"],"
		" \"networks\": [\"192.0.2.0/25\", \"2001:db8:a::/48\", \"198.51.100.7/32\", \"0.0.0.0/33\", \"bad/8\","
		"  \"203.0.113.0/\", \"203.0.113.0/24x\"]},"
		" {\"id\": \"b\", \"name\": \"B\", \"hosts\": [\"b.example\"], \"networks\": [\"203.0.113.0/20\"]}]}";
	char err[128];
	ea_profiles *p = ea_profiles_load(ptr_json, strlen(ptr_json), err, sizeof(err));
	tap_ok(p != NULL && ea_profiles_count(p) == 2, "test profiles load");

	tap_ok(is(ea_profiles_sender_of_address(p, "192.0.2.1"), "A"), "inside a /25");
	tap_ok(is(ea_profiles_sender_of_address(p, "192.0.2.127"), "A"), "last address of the /25");
	tap_ok(is(ea_profiles_sender_of_address(p, "192.0.2.128"), NULL), "just past the /25");
	tap_ok(is(ea_profiles_sender_of_address(p, "198.51.100.7"), "A"), "a /32");
	tap_ok(is(ea_profiles_sender_of_address(p, "198.51.100.8"), NULL), "next to the /32");
	tap_ok(is(ea_profiles_sender_of_address(p, "2001:db8:a:ffff::1"), "A"), "IPv6 /48");
	tap_ok(is(ea_profiles_sender_of_address(p, "2001:db8:b::1"), NULL), "outside the IPv6 /48");
	tap_ok(is(ea_profiles_sender_of_address(p, "::ffff:192.0.2.1"), NULL), "an IPv6 address never matches IPv4 ranges");
	tap_ok(is(ea_profiles_sender_of_address(p, "10.1.2.3"), NULL), "a /33, a bad base and a bad length match nothing");
	tap_ok(is(ea_profiles_sender_of_address(p, "203.0.112.9"), "B"), "second profile's /20");
	tap_ok(is(ea_profiles_sender_of_address(p, "not an address"), NULL), "not an address");
	tap_ok(is(ea_profiles_sender_of_address(p, NULL), NULL), "no address");

	tap_ok(is(ea_profiles_sender_of_reverse_name(p, "m1.out.a.example"), "A"), "reverse name under reverse_names");
	tap_ok(is(ea_profiles_sender_of_reverse_name(p, "vm-1.cloud.example"), NULL),
	       "reverse_names, when given, replace hosts (a cloud's customers are not the sender)");
	tap_ok(is(ea_profiles_sender_of_reverse_name(p, "mx.b.example."), "B"), "no reverse_names: hosts");
	tap_ok(is(ea_profiles_sender_of_reverse_name(p, "xb.example"), NULL), "a suffix is not a subdomain");
	tap_ok(is(ea_profiles_sender_of_reverse_name(p, ""), NULL), "empty reverse name");
	ea_profiles_free(p);

	/* The built-in data. */
	tap_ok(is(ea_profiles_sender_of_address(NULL, "54.240.8.10"), "Amazon SES"), "built-in: SES range");
	tap_ok(is(ea_profiles_sender_of_reverse_name(NULL, "a8-10.smtp-out.amazonses.com"), "Amazon SES"),
	       "built-in: SES reverse name");
	tap_ok(is(ea_profiles_sender_of_reverse_name(NULL, "ec2-3-4-5-6.compute-1.amazonaws.com"), NULL),
	       "built-in: an EC2 host is not Amazon SES");
	tap_ok(is(ea_profiles_sender_of_reverse_name(NULL, "mail-sor-f41.google.com"), "Google Workspace"),
	       "built-in: Google reverse name");
	return tap_done();
}
