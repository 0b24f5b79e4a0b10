/* The in-memory backend answers like resolver + authoritative server. */
#include <stdlib.h>

#include "dns/internal.h"
#include "tap.h"

static const char zone[] =
"$ORIGIN example.com.\n"
"$TTL 300\n"
"@ IN SOA ns1 hostmaster 1 3600 600 86400 120\n"
"@ IN NS ns1\n"
"ns1 IN A 127.0.0.10\n"
"alias IN CNAME target.example.com.\n"
"target IN TXT \"v=spf1 \" \"-all\"\n"
"a.b.c IN A 192.0.2.1\n"
"*.wild IN TXT \"wildcard\"\n"
"loop1 IN CNAME loop2\n"
"loop2 IN CNAME loop1\n"
"dangling IN CNAME nowhere.example.com.\n";

static ea_dns_answer *ask(ea_zone_store *z, const char *name, uint16_t type)
{
	static uint8_t buf[65535];
	bool served;
	size_t n = ea_zone_store_answer(z, name, type, buf, sizeof(buf), &served);
	if (!served)
		return ea_dns_answer_failed(name, type, EA_DNS_R_NOT_SERVED, "zone", 0);
	if (n == 0)
		return ea_dns_answer_failed(name, type, EA_DNS_R_TIMEOUT, "zone", 0);
	return ea_dns_parse_response(buf, n, name, type, "zone", 0);
}

int main(void)
{
	ea_zone_store *z = ea_zone_store_new();
	char err[256];
	tap_ok(ea_zone_store_add_text(z, "example.com", zone, err, sizeof(err)) == EA_OK, "zone loads");
	ea_dns_answer *a = ask(z, "alias.example.com", EA_RR_TXT);
	tap_ok(a->outcome == EA_DNS_FOUND && a->rr_count == 2, "TXT through a CNAME");
	const ea_dns_rr *t = ea_dns_answer_get(a, EA_RR_TXT, 0);
	tap_ok(t && t->txt_len == 11 && memcmp(t->txt, "v=spf1 -all", 11) == 0 && t->txt_strings == 2,
	       "strings joined with no separator");
	TAP_STR_EQ(ea_dns_answer_cname(a)->target, "target.example.com", "CNAME target read");
	ea_dns_answer_free(a);
	a = ask(z, "ALIAS.Example.com.", EA_RR_CNAME);
	tap_ok(a->outcome == EA_DNS_FOUND, "CNAME query, case-insensitive");
	ea_dns_answer_free(a);
	a = ask(z, "nope.example.com", EA_RR_TXT);
	tap_ok(a->outcome == EA_DNS_ABSENT && a->reason == EA_DNS_R_NXDOMAIN && a->has_soa &&
	       a->negative_ttl == 120, "NXDOMAIN with the SOA negative TTL");
	TAP_STR_EQ(a->soa_owner, "example.com", "the SOA names the zone apex");
	ea_dns_answer_free(a);
	a = ask(z, "b.c.example.com", EA_RR_A);
	tap_ok(a->outcome == EA_DNS_ABSENT && a->reason == EA_DNS_R_NODATA, "empty non-terminal is NODATA");
	ea_dns_answer_free(a);
	a = ask(z, "target.example.com", EA_RR_MX);
	tap_ok(a->reason == EA_DNS_R_NODATA, "other type is NODATA");
	ea_dns_answer_free(a);
	a = ask(z, "x.wild.example.com", EA_RR_TXT);
	tap_ok(a->outcome == EA_DNS_FOUND, "wildcard answers");
	ea_dns_answer_free(a);
	a = ask(z, "loop1.example.com", EA_RR_TXT);
	tap_ok(a->outcome != EA_DNS_FOUND, "a CNAME loop ends");
	ea_dns_answer_free(a);
	a = ask(z, "dangling.example.com", EA_RR_TXT);
	tap_ok(a->reason == EA_DNS_R_NXDOMAIN && ea_dns_answer_cname(a) != NULL,
	       "dangling CNAME: NXDOMAIN with the CNAME in the answer");
	ea_dns_answer_free(a);
	a = ask(z, "example.org", EA_RR_TXT);
	tap_ok(a->reason == EA_DNS_R_NOT_SERVED, "outside every zone: not served");
	ea_dns_answer_free(a);
	ea_zone_store_add_timeout(z, "slow.example.com", 0);
	a = ask(z, "slow.example.com", EA_RR_TXT);
	tap_ok(a->outcome == EA_DNS_UNKNOWN && a->reason == EA_DNS_R_TIMEOUT, "a marked timeout is unknown");
	ea_dns_answer_free(a);
	tap_ok(ea_zone_store_add_text(z, "example.com", "bad line here\n", err, sizeof(err)) != EA_OK,
	       "a broken zone line is an error (%s)", err);
	ea_zone_store_free(z);
	return tap_done();
}
