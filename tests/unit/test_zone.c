/* The in-memory backend answers like resolver + authoritative server. */
#include <stdlib.h>
#include <string.h>

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
	/* A CNAME answer read off the TXT answer of the same name (the resolver saves the
	 * CNAME query that way) must be what the CNAME query gets, or nothing. */
	static const char *const derive_names[] = {
		"alias.example.com", "nope.example.com", "dangling.example.com", "target.example.com",
		"b.c.example.com", "slow.example.com",
	};
	for (size_t i = 0; i < sizeof(derive_names) / sizeof(derive_names[0]); i++) {
		ea_dns_answer *txt = ask(z, derive_names[i], EA_RR_TXT);
		ea_dns_answer *asked = ask(z, derive_names[i], EA_RR_CNAME);
		ea_dns_answer *derived = ea_dns_answer_cname_from(txt);
		bool tells = i < 3;   /* a CNAME, NXDOMAIN, a CNAME to nowhere; not NODATA or a timeout */
		if (!tells) {
			tap_ok(derived == NULL, "CNAME not read off the TXT answer of %s (%s)", derive_names[i],
			       ea_dns_reason_text(txt->reason));
		} else {
			const ea_dns_rr *dc = derived ? ea_dns_answer_cname(derived) : NULL;
			const ea_dns_rr *ac = ea_dns_answer_cname(asked);
			tap_ok(derived != NULL && derived->outcome == asked->outcome &&
			       derived->reason == asked->reason && derived->rcode == asked->rcode &&
			       derived->rr_count == asked->rr_count && derived->negative_ttl == asked->negative_ttl &&
			       (ac == NULL) == (dc == NULL) && (ac == NULL || strcmp(ac->target, dc->target) == 0),
			       "CNAME read off the TXT answer of %s is what the CNAME query gets", derive_names[i]);
		}
		ea_dns_answer_free(derived);
		ea_dns_answer_free(asked);
		ea_dns_answer_free(txt);
	}
	tap_ok(ea_zone_store_add_text(z, "example.com", "bad line here\n", err, sizeof(err)) != EA_OK,
	       "a broken zone line is an error (%s)", err);
	ea_zone_store_free(z);
	return tap_done();
}
