/* Wire building and parsing with libknot; hostile bytes. */
#include <stdlib.h>

#include "dns/internal.h"
#include "tap.h"

int main(void)
{
	uint8_t q[512];
	size_t n = ea_dns_build_query(q, sizeof(q), "Example.COM.", EA_RR_TXT, true, 7);
	tap_ok(n > 12 && (q[2] & 0x01), "query built with RD");
	n = ea_dns_build_query(q, sizeof(q), "example.com", EA_RR_TXT, false, 7);
	tap_ok(n > 12 && !(q[2] & 0x01), "query built without RD");
	char big[400];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tap_ok(ea_dns_build_query(q, sizeof(q), big, EA_RR_TXT, true, 7) == 0, "overlong name refused");

	ea_dns_answer *a = ea_dns_parse_response(q, 5, "example.com", EA_RR_TXT, "s", 0);
	tap_ok(a && a->outcome == EA_DNS_UNKNOWN && a->reason == EA_DNS_R_MALFORMED, "short bytes: malformed");
	ea_dns_answer_free(a);
	/* Our own query is not a response (QR clear). */
	n = ea_dns_build_query(q, sizeof(q), "example.com", EA_RR_TXT, true, 7);
	a = ea_dns_parse_response(q, n, "example.com", EA_RR_TXT, "s", 0);
	tap_ok(a && a->reason == EA_DNS_R_MALFORMED, "a query is not taken for an answer");
	ea_dns_answer_free(a);
	/* A response to another question is refused. */
	q[2] |= 0x80;
	a = ea_dns_parse_response(q, n, "example.org", EA_RR_TXT, "s", 0);
	tap_ok(a && a->reason == EA_DNS_R_MALFORMED, "an answer to another name is refused");
	ea_dns_answer_free(a);
	a = ea_dns_parse_response(q, n, "example.com", EA_RR_TXT, "s", 0);
	tap_ok(a && a->outcome == EA_DNS_ABSENT && a->reason == EA_DNS_R_NODATA, "empty NOERROR is NODATA");
	ea_dns_answer_free(a);
	return tap_done();
}
