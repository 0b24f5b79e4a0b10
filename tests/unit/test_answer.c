/* Wire building and parsing with libknot; hostile bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	/* Names in text: lowercase without the final dot; bytes libknot escapes stay escaped. */
	ea_zone_store *z = ea_zone_store_new();
	char err[200];
	tap_ok(ea_zone_store_add_text(z, "example.com", "@ 300 IN SOA ns h 1 2 3 4 5\n"
	                              "@ 300 IN NS Ns1.Example.NET.\n"
	                              "@ 300 IN NS We\\.Ird\\032X_y-*/.example.net.\n",
	                              err, sizeof(err)) == EA_OK, "zone with odd names loads");
	uint8_t r[4096];
	bool served;
	n = ea_zone_store_answer(z, "example.com", EA_RR_NS, r, sizeof(r), &served);
	a = ea_dns_parse_response(r, n, "example.com", EA_RR_NS, "s", 0);
	tap_ok(a && ea_dns_answer_count(a, EA_RR_NS) == 2, "two NS records");
	const ea_dns_rr *ns1 = a ? ea_dns_answer_get(a, EA_RR_NS, 0) : NULL;
	const ea_dns_rr *ns2 = a ? ea_dns_answer_get(a, EA_RR_NS, 1) : NULL;
	tap_ok(ns1 && strcmp(ns1->target, "ns1.example.net") == 0 && strcmp(ns1->owner, "example.com") == 0,
	       "plain name lowercased, no final dot");
	tap_ok(ns2 && strcmp(ns2->target, "we\\.ird\\032x_y-*/.example.net") == 0,
	       "escaped name as libknot writes it, lowercased");
	ea_dns_answer_free(a);

	/* A CNAME answer joined with its target's (a chain followed past an authoritative
	 * server): every record and string copied. */
	char key[600] = "k.example.com. 300 IN TXT \"p=";
	size_t kl = strlen(key);
	memset(key + kl, 'A', 250);
	snprintf(key + kl + 250, sizeof(key) - kl - 250, "\" \"%s\"\n", "BBBB");
	tap_ok(ea_zone_store_add_text(z, "example.com", key, err, sizeof(err)) == EA_OK &&
	       ea_zone_store_add_text(z, "example.com", "c.example.com. 300 IN CNAME K.example.com.\n",
	                              err, sizeof(err)) == EA_OK, "CNAME and key load");
	n = ea_zone_store_answer(z, "k.example.com", EA_RR_TXT, r, sizeof(r), &served);
	ea_dns_answer *tail = ea_dns_parse_response(r, n, "k.example.com", EA_RR_TXT, "s", 0);
	n = ea_zone_store_answer(z, "c.example.com", EA_RR_CNAME, r, sizeof(r), &served);
	ea_dns_answer *head = ea_dns_parse_response(r, n, "c.example.com", EA_RR_CNAME, "s", 0);
	a = head && tail ? ea_dns_answer_join(head, tail, 1) : NULL;
	const ea_dns_rr *txt = a ? ea_dns_answer_get(a, EA_RR_TXT, 0) : NULL;
	const ea_dns_rr *cn = a ? ea_dns_answer_cname(a) : NULL;
	tap_ok(a && a->rr_count == 2 && strcmp(a->qname, "c.example.com") == 0 &&
	       strcmp(a->final_name, "k.example.com") == 0, "joined: both records, names");
	tap_ok(cn && strcmp(cn->target, "k.example.com") == 0, "joined: the CNAME");
	tap_ok(txt && txt->txt_len == 256 && txt->txt_strings == 2 && txt->txt_string_lens[1] == 4 &&
	       memcmp(txt->txt, "p=AAA", 5) == 0 && memcmp(txt->txt + 252, "BBBB", 4) == 0 &&
	       strcmp(txt->owner, "k.example.com") == 0 && txt->rdata_text[0] == '"',
	       "joined: the key's text, strings and owner");
	ea_dns_answer_free(head);
	ea_dns_answer_free(tail);
	ea_dns_answer_free(a);
	ea_zone_store_free(z);
	return tap_done();
}
