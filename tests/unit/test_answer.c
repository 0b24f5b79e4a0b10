/* Wire building and parsing with libknot; hostile bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dns/internal.h"
#include "util/util.h"
#include "tap.h"

#define TXT_WIRE_MAX 20000

/* A response to "t.example.com" type with one record of the given RDATA. */
static size_t txt_response(uint8_t *w, uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	static const uint8_t head[] = {0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
	                               1, 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
	size_t n = sizeof(head);
	memcpy(w, head, n);
	uint8_t tail[] = {(uint8_t)(type >> 8), (uint8_t)type, 0, 1,            /* question */
	                  0xc0, 12, (uint8_t)(type >> 8), (uint8_t)type, 0, 1,  /* answer */
	                  0, 0, 1, 44, (uint8_t)(rdlen >> 8), (uint8_t)rdlen};
	memcpy(w + n, tail, sizeof(tail));
	n += sizeof(tail);
	memcpy(w + n, rdata, rdlen);
	return n + rdlen;
}

/* The record's text equals what libknot's dumper writes for the same RDATA. */
static bool txt_text_as_libknot(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	static uint8_t w[TXT_WIRE_MAX];
	size_t n = txt_response(w, type, rdata, rdlen);
	ea_dns_answer *a = ea_dns_parse_response(w, n, "t.example.com", type, "s", 0);
	knot_rrset_t set;
	knot_rrset_init(&set, NULL, type, KNOT_CLASS_IN, 300);
	static char want[EA_DNS_MAX_RDATA_TEXT];
	bool ok = a != NULL && knot_rrset_add_rdata(&set, rdata, (uint16_t)rdlen, NULL) == KNOT_EOK;
	if (ok && knot_rrset_txt_dump_data(&set, 0, want, sizeof(want), &KNOT_DUMP_STYLE_DEFAULT) < 0)
		snprintf(want, sizeof(want), "%s", "(record too long to show)");
	ok = ok && a->rr_count == 1 && strcmp(a->rrs[0].rdata_text, want) == 0;
	if (!ok)
		printf("# got %.200s\n# want %.200s\n", a && a->rr_count ? a->rrs[0].rdata_text : "(none)", want);
	knot_rdataset_clear(&set.rrs, NULL);
	ea_dns_answer_free(a);
	return ok;
}

/* RDATA of count character-strings of len bytes each, every byte c. */
static size_t txt_strings(uint8_t *rd, size_t count, size_t len, uint8_t c)
{
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		rd[n++] = (uint8_t)len;
		memset(rd + n, c, len);
		n += len;
	}
	return n;
}

static void test_txt_text(void)
{
	static const uint8_t plain[] = "\x06" "v=spf1" "\x04" "-all" "\x00" "\x03" "a b";
	tap_ok(txt_text_as_libknot(EA_RR_TXT, plain, sizeof(plain) - 1) &&
	       txt_text_as_libknot(EA_RR_SPF, plain, sizeof(plain) - 1), "plain strings as libknot");
	static const uint8_t odd[] = "\x04" "a\"b\\" "\x03\x00\x1f\x7f" "\x02\x80\xff";
	tap_ok(txt_text_as_libknot(EA_RR_TXT, odd, sizeof(odd) - 1), "quote, backslash, non-printables as libknot");
	bool every = true;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t rd[3] = {2, 'x', (uint8_t)c};
		every = every && txt_text_as_libknot(EA_RR_TXT, rd, sizeof(rd));
	}
	tap_ok(every, "every byte value as libknot");
	every = true;
	for (unsigned c = 0; c < 256; c++)
		for (size_t at = 0; at < 20; at++) {
			uint8_t rd[21];
			rd[0] = 20;
			memset(rd + 1, 'k', 20);
			rd[1 + at] = (uint8_t)c;
			every = every && txt_text_as_libknot(EA_RR_TXT, rd, sizeof(rd));
		}
	tap_ok(every, "every byte value at every place of a 20-byte string as libknot");
	uint8_t empty[] = {0};
	tap_ok(txt_text_as_libknot(EA_RR_TXT, empty, 1), "one empty string as libknot");
	static uint8_t rd[TXT_WIRE_MAX];
	size_t n = txt_strings(rd, 30, 255, 'k');
	tap_ok(txt_text_as_libknot(EA_RR_TXT, rd, n), "many long strings as libknot");
	n = txt_strings(rd, 200, 1, 'k');
	tap_ok(txt_text_as_libknot(EA_RR_TXT, rd, n), "many short strings as libknot");
	n = txt_strings(rd, 40, 255, 'k');
	tap_ok(txt_text_as_libknot(EA_RR_TXT, rd, n), "text too long: as libknot says");
	n = txt_strings(rd, 2, 10, 'k');
	rd[n - 1] = '"';
	tap_ok(txt_text_as_libknot(EA_RR_TXT, rd, n), "a quote in the last byte as libknot");
}

/* ea_dns_name_key with a byte-at-a-time lowering: the word-at-a-time one must agree. */
static bool name_key_before(const char *name, char *out, size_t out_size)
{
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > EA_NAME_MAX || n + 1 > out_size)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	out[n] = '\0';
	return true;
}

static void test_name_key(void)
{
	static const size_t lens[] = {0, 1, 2, 5, EA_NAME_MAX - 1, EA_NAME_MAX, EA_NAME_MAX + 1, EA_NAME_MAX + 2};
	static const size_t sizes[] = {0, 1, 2, 5, 6, 7, EA_NAME_MAX, EA_NAME_MAX + 1, EA_NAME_MAX + 2};
	bool same = true;
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
		for (int dot = 0; dot < 2; dot++)
			for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
				char name[EA_NAME_MAX + 4], got[EA_NAME_MAX + 4], want[EA_NAME_MAX + 4];
				for (size_t i = 0; i < lens[li]; i++)
					name[i] = "Ab.-Z9_x"[i % 8];
				size_t n = lens[li];
				if (dot)
					name[n++] = '.';
				name[n] = '\0';
				bool g = ea_dns_name_key(name, got, sizes[si]);
				bool w = name_key_before(name, want, sizes[si]);
				same = same && g == w && (!g || strcmp(got, want) == 0);
			}
	tap_ok(same, "name keys agree with byte-wise lowering at every length and size");
	/* every byte value at every place of names of 1 to 20 bytes */
	same = true;
	for (unsigned c = 1; c < 256; c++)
		for (size_t len = 1; len <= 20; len++)
			for (size_t at = 0; at < len; at++) {
				char name[24], got[24], want[24];
				memset(name, 'Q', len);
				name[at] = (char)c;
				name[len] = '\0';
				bool g = ea_dns_name_key(name, got, sizeof(got));
				bool w = name_key_before(name, want, sizeof(want));
				same = same && g == w && (!g || strcmp(got, want) == 0);
			}
	tap_ok(same, "name keys: every byte value lowered as byte-wise, at every place");
	char key[EA_NAME_MAX + 1];
	tap_ok(ea_dns_name_key("Mx.EXAMPLE.Com.", key, sizeof(key)) && strcmp(key, "mx.example.com") == 0,
	       "name key lowercased without the final dot");
	tap_ok(ea_dns_name_key(".", key, sizeof(key)) && key[0] == '\0', "the root's key is empty");
}

/* libknot strips a TSIG record from the wire it parses unless told not to: the
 * response's bytes (parsed in place) must come back as they were. */
static void test_wire_untouched(void)
{
	static const uint8_t txt[] = {3, 'a', 'b', 'c'};
	static const uint8_t tsig[] = {0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 29,
	                               11, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0,
	                               0, 0, 0, 0, 0, 1, 1, 44, 0, 0, 0, 1, 0, 0, 0, 0};
	uint8_t w[512], before[512];
	size_t n = txt_response(w, EA_RR_TXT, txt, sizeof(txt));
	w[11] = 1;   /* ARCOUNT */
	memcpy(w + n, tsig, sizeof(tsig));
	n += sizeof(tsig);
	memcpy(before, w, n);
	ea_dns_answer *a = ea_dns_parse_response(w, n, "t.example.com", EA_RR_TXT, "s", 0);
	tap_ok(a && a->outcome == EA_DNS_FOUND && memcmp(before, w, n) == 0,
	       "a response with a TSIG record parses and its bytes are not written");
	ea_dns_answer_free(a);
}

/* A CNAME's target as the general path writes it (libknot's text, lowercased, no final
 * dot), and its text as libknot's dumper writes it. */
static bool cname_target_as_libknot(const uint8_t *target, size_t size)
{
	static uint8_t w[TXT_WIRE_MAX];
	size_t n = txt_response(w, EA_RR_CNAME, target, size);
	ea_dns_answer *a = ea_dns_parse_response(w, n, "t.example.com", EA_RR_CNAME, "s", 0);
	knot_dname_storage_t lower;
	memcpy(lower, target, size);
	knot_dname_to_lower(lower);
	char want[KNOT_DNAME_TXT_MAXLEN + 1];
	bool ok = a != NULL && a->rr_count == 1 && knot_dname_to_str(want, lower, sizeof(want)) != NULL;
	size_t wl = ok ? strlen(want) : 0;
	if (wl > 0 && want[wl - 1] == '.')
		want[wl - 1] = '\0';
	ea_ascii_lower(want);
	ok = ok && strcmp(a->rrs[0].target, want) == 0;
	/* and the record's text is libknot's, of the record as libknot parsed it */
	knot_rrset_t set;
	knot_rrset_init(&set, NULL, EA_RR_CNAME, KNOT_CLASS_IN, 300);
	static char text[EA_DNS_MAX_RDATA_TEXT];
	ok = ok && knot_rrset_add_rdata(&set, lower, (uint16_t)size, NULL) == KNOT_EOK &&
	     knot_rrset_txt_dump_data(&set, 0, text, sizeof(text), &KNOT_DUMP_STYLE_DEFAULT) >= 0 &&
	     strcmp(a->rrs[0].rdata_text, text) == 0;
	knot_rdataset_clear(&set.rrs, NULL);
	ea_dns_answer_free(a);
	return ok;
}

static void test_name_text(void)
{
	bool every = true;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t target[] = {3, 'x', (uint8_t)c, 'Y', 2, 'n', 'T', 0};
		every = every && cname_target_as_libknot(target, sizeof(target));
	}
	tap_ok(every, "names: every byte value as libknot writes it, lowercased");
	uint8_t root[] = {0};
	tap_ok(cname_target_as_libknot(root, 1), "names: the root");
	/* an uppercase question (libknot hands its lowercase copy) matches the name asked */
	static const uint8_t txt[] = {1, 'x'};
	static uint8_t w[TXT_WIRE_MAX];
	every = true;
	for (char c = 'A'; c <= 'Z'; c++) {
		size_t n = txt_response(w, EA_RR_TXT, txt, sizeof(txt));
		w[13] = (uint8_t)c;   /* the question's first label, "t" */
		char qname[] = {(char)(c - 'A' + 'a'), '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', 0};
		ea_dns_answer *a = ea_dns_parse_response(w, n, qname, EA_RR_TXT, "s", 0);
		every = every && a != NULL && a->reason != EA_DNS_R_MALFORMED;
		ea_dns_answer_free(a);
	}
	tap_ok(every, "names: an uppercase question matches its lowercase name");
}

/* ea_dns_key_wire gives what knot_dname_from_str gives for key + "." (or fails as it does). */
static bool key_wire_as_libknot(const char *key, size_t size)
{
	uint8_t got[KNOT_DNAME_MAXLEN], want[KNOT_DNAME_MAXLEN];
	char text[1024];
	snprintf(text, sizeof(text), "%s.", key);
	bool g = ea_dns_key_wire(key, got, size);
	bool w = knot_dname_from_str(want, *key ? text : ".", size) != NULL;
	return g == w && (!g || memcmp(got, want, knot_dname_size(want)) == 0);
}

static void test_key_wire(void)
{
	static const char *keys[] = {"", "example.com", "a", "A.Ex-am_ple.COM", "*.x", "a..b", ".a",
	                             "a.", "..", "we\\.ird\\032x.net", "a\\", "x.\\065b"};
	bool same = true;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		same = same && key_wire_as_libknot(keys[i], KNOT_DNAME_MAXLEN);
	tap_ok(same, "key to wire: plain, odd and escaped keys as libknot");
	same = true;
	for (unsigned c = 1; c < 256; c++) {
		char key[] = {'a', (char)c, 'b', '.', 'c', 0};
		same = same && key_wire_as_libknot(key, KNOT_DNAME_MAXLEN);
	}
	tap_ok(same, "key to wire: every byte value as libknot");
	same = true;
	char key[300];
	for (size_t label = 60; label <= 65; label++)
		for (size_t total = 1; total < 270; total += 1) {
			size_t n = 0;
			for (size_t i = 0; i < total && n < sizeof(key) - 1; i++)
				key[n++] = (i + 1) % (label + 1) == 0 ? '.' : 'k';
			key[n] = '\0';
			same = same && key_wire_as_libknot(key, KNOT_DNAME_MAXLEN) &&
			       key_wire_as_libknot(key, total / 2 + 1);
		}
	tap_ok(same, "key to wire: labels of 60 to 65 bytes, names up to 270, small buffers as libknot");
}

int main(void)
{
	test_key_wire();
	test_name_text();
	test_txt_text();
	test_wire_untouched();
	test_name_key();

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
