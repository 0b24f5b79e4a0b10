/* Parsing DNS responses (libknot) into the answer model the checks read. */
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "dns/internal.h"
#include "util/util.h"

/* Everything an answer points to lives in one arena, freed at once. */
typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
} arena_chunk;

struct ea_answer_owned {
	ea_dns_answer pub;       /* first: the public pointer is the owned pointer */
	arena_chunk *chunks;
	arena_chunk *first;      /* inside this allocation, after the struct: not freed alone */
};

#define ARENA_CHUNK_MIN 2048
/* The first chunk comes with the answer in one allocation, sized to the response: the
 * names and texts kept are about its size (TXT text, presentation forms). A fixed 2 KiB
 * chunk per answer made malloc the scan's top cost. */
#define ARENA_FIRST_BASE 384
#define ARENA_FIRST_PER_WIRE_BYTE 3

/* The bytes an allocation of n takes from a chunk. */
static size_t arena_size(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

static void *arena_alloc(ea_answer_owned *o, size_t n)
{
	n = arena_size(n);
	arena_chunk *c = o->chunks;
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK_MIN ? n : ARENA_CHUNK_MIN;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->next = o->chunks;
		c->used = 0;
		c->cap = cap;
		o->chunks = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static char *arena_strdup(ea_answer_owned *o, const char *s)
{
	size_t n = strlen(s);
	char *d = arena_alloc(o, n + 1);
	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

void ea_dns_answer_free(ea_dns_answer *a)
{
	if (a == NULL)
		return;
	ea_answer_owned *o = (ea_answer_owned *)a;
	arena_chunk *c = o->chunks;
	while (c != NULL && c != o->first) {
		arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	free(o);
}

bool ea_dns_name_key(const char *name, char *out, size_t out_size)
{
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > EA_NAME_MAX || n + 1 > out_size)
		return false;
	memcpy(out, name, n);
	out[n] = '\0';
	ea_ascii_lower_n(out, n);
	return true;
}

/* The first chunk for a response of wire_len bytes. */
static size_t arena_for_wire(size_t wire_len)
{
	return ARENA_FIRST_BASE + ARENA_FIRST_PER_WIRE_BYTE * EA_MIN(wire_len, (size_t)EA_DNS_MAX_WIRE);
}

/* cap: the first chunk's size; more chunks are added if it runs out. */
static ea_answer_owned *answer_start(const char *qname, uint16_t qtype, const char *server,
                                     double ms, size_t cap)
{
	size_t head = (sizeof(ea_answer_owned) + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	ea_answer_owned *o = malloc(head + sizeof(arena_chunk) + cap);
	if (o == NULL)
		return NULL;
	memset(o, 0, sizeof(*o));
	o->first = (arena_chunk *)((char *)o + head);
	o->first->next = NULL;
	o->first->used = 0;
	o->first->cap = cap;
	o->chunks = o->first;
	char key[EA_NAME_MAX + 1];
	if (!ea_dns_name_key(qname, key, sizeof(key)))
		ea_copy(key, sizeof(key), "(name too long)");
	o->pub.qname = arena_strdup(o, key);
	o->pub.final_name = o->pub.qname;
	o->pub.qtype = qtype;
	o->pub.server = arena_strdup(o, server ? server : "");
	o->pub.ms = ms;
	o->pub.rcode = -1;
	if (o->pub.qname == NULL || o->pub.server == NULL) {
		ea_dns_answer_free(&o->pub);
		return NULL;
	}
	return o;
}

ea_dns_answer *ea_dns_answer_failed(const char *qname, uint16_t qtype, ea_dns_reason why,
                                    const char *server, double ms)
{
	ea_answer_owned *o = answer_start(qname, qtype, server, ms, arena_for_wire(0));
	if (o == NULL)
		return NULL;
	o->pub.outcome = EA_DNS_UNKNOWN;
	o->pub.reason = why;
	return &o->pub;
}

/* Per byte: its lowercase form when knot_dname_to_str writes it as it is (letters,
 * digits, - _ * /), else 0. One load per byte instead of range tests: names are
 * converted for every record of every answer. */
static const uint8_t dname_plain_lower[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '*', 0, 0, '-', 0, '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0, 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, '_',
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The common case without libknot's general converter (a scan's top cost after malloc):
 * every byte plain. Writes the lowercase text without the final dot; false to fall back. */
static bool dname_text_plain(const knot_dname_t *d, char *out, size_t size)
{
	size_t n = 0, wire = 0;
	while (d[wire] != 0) {
		size_t len = d[wire];
		if (len > KNOT_DNAME_MAXLABELLEN || wire + 1 + len >= KNOT_DNAME_MAXLEN ||
		    n + len + 1 >= size)
			return false;
		if (n > 0)
			out[n++] = '.';
		for (size_t i = 1; i <= len; i++) {
			uint8_t c = dname_plain_lower[d[wire + i]];
			if (c == 0)
				return false;
			out[n++] = (char)c;
		}
		wire += 1 + len;
	}
	out[n] = '\0';
	return true;
}

/* Presentation name of a wire name: lowercase, without the final dot. */
static char *dname_text(ea_answer_owned *o, const knot_dname_t *d)
{
	char buf[KNOT_DNAME_TXT_MAXLEN + 1];
	if (dname_text_plain(d, buf, sizeof(buf)))
		return arena_strdup(o, buf);
	if (knot_dname_to_str(buf, d, sizeof(buf)) == NULL)
		return arena_strdup(o, "(bad name)");
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';   /* the root becomes "" */
	ea_ascii_lower(buf);
	return arena_strdup(o, buf);
}

/* TXT: join the character-strings (RFC 7208 3.3); keep each length for diagnostics. */
static bool fill_txt(ea_answer_owned *o, ea_dns_rr *rr, const knot_rdata_t *rd)
{
	const uint8_t *p = rd->data, *end = rd->data + rd->len;
	size_t total = 0;
	uint16_t count = 0;
	for (const uint8_t *q = p; q < end; q += 1 + *q) {
		if (q + 1 + *q > end)
			return false;
		total += *q;
		count++;
	}
	uint8_t *txt = arena_alloc(o, total + 1);
	uint16_t *lens = arena_alloc(o, sizeof(uint16_t) * (count ? count : 1));
	if (txt == NULL || lens == NULL)
		return false;
	size_t off = 0;
	uint16_t i = 0;
	for (const uint8_t *q = p; q < end; q += 1 + *q) {
		memcpy(txt + off, q + 1, *q);
		off += *q;
		lens[i++] = *q;
	}
	txt[off] = '\0';
	rr->txt = txt;
	rr->txt_len = total;
	rr->txt_strings = count;
	rr->txt_string_lens = lens;
	return true;
}

/* libknot's typed accessors trust the RDATA length: check the names and fixed fields
 * are really there before using them (found by fuzzing). */
static bool rdata_name_at(const knot_rdata_t *rd, size_t off, size_t *size)
{
	if (off >= rd->len)
		return false;
	int n = knot_dname_wire_check(rd->data + off, rd->data + rd->len, NULL);
	if (n <= 0)
		return false;
	*size = (size_t)n;
	return true;
}

static bool soa_rdata_ok(const knot_rdata_t *rd)
{
	size_t a, b;
	return rdata_name_at(rd, 0, &a) && rdata_name_at(rd, a, &b) && rd->len >= a + b + 20;
}

static bool rdata_shape_ok(uint16_t type, const knot_rdata_t *rd)
{
	size_t n;
	switch (type) {
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_PTR:
		return rdata_name_at(rd, 0, &n);
	case KNOT_RRTYPE_MX:
		return rdata_name_at(rd, 2, &n);
	case KNOT_RRTYPE_SOA:
		return soa_rdata_ok(rd);
	default:
		return true;
	}
}

/* A byte libknot writes inside a quoted character-string as it is (no escape). */
static bool txt_plain_byte(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* txt_plain_byte for n bytes, eight at a time (a key's 400 bytes were most of a TXT
 * answer's cost). Each test below may flag a plain word too (a borrow), never miss a
 * byte that is not: a flagged word only falls back to libknot. */
static bool txt_plain_bytes(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
		uint64_t bad = ((w - ones * 0x20) & ~w) |               /* a byte below 0x20 */
		               ((w + ones * (0x7f - 0x7e)) | w) |       /* a byte from 0x7f */
		               ((quote - ones) & ~quote) |              /* a byte equal to '"' */
		               ((backslash - ones) & ~backslash);       /* a byte equal to '\\' */
		if (bad & high)
			return false;
	}
	for (; i < n; i++)
		if (!txt_plain_byte(p[i]))
			return false;
	return true;
}

/* TXT/SPF presentation text without libknot's general dumper (the scan's top cost for a
 * 2048-bit key): the same bytes it writes, each character-string quoted and one space
 * between them, when no byte needs an escape. NULL to fall back: an escape needed, empty
 * or malformed RDATA, or text past EA_DNS_MAX_RDATA_TEXT (libknot's verdict there). */
static char *txt_text_plain(ea_answer_owned *o, const knot_rdata_t *rd)
{
	const uint8_t *p = rd->data, *end = rd->data + rd->len;
	size_t n = 0;
	if (p == end)
		return NULL;
	for (const uint8_t *q = p; q < end; q += 1 + *q) {
		if ((size_t)(end - q) < 1 + (size_t)*q)
			return NULL;
		if (!txt_plain_bytes(q + 1, *q))
			return NULL;
		n += (n ? 1 : 0) + 2 + *q;
	}
	if (n >= EA_DNS_MAX_RDATA_TEXT)
		return NULL;
	char *text = arena_alloc(o, n + 1), *w = text;
	if (text == NULL)
		return NULL;
	for (const uint8_t *q = p; q < end; q += 1 + *q) {
		if (w != text)
			*w++ = ' ';
		*w++ = '"';
		memcpy(w, q + 1, *q);
		w += *q;
		*w++ = '"';
	}
	*w = '\0';
	return text;
}

/* CNAME, NS, PTR: the RDATA is one name, lowercased by libknot as it parsed the record
 * (canonical form). When its bytes are plain, libknot's text is the target's with the
 * final dot: both are written without libknot's dumper. False to fall back. */
static bool name_rdata_plain(ea_answer_owned *o, ea_dns_rr *rr, const knot_dname_t *d)
{
	char buf[KNOT_DNAME_TXT_MAXLEN + 2];
	if (!dname_text_plain(d, buf, sizeof(buf) - 1))
		return false;
	size_t n = strlen(buf);
	char *target = arena_alloc(o, n + 1), *text = arena_alloc(o, n + 2);
	if (target == NULL || text == NULL)
		return false;
	memcpy(target, buf, n + 1);
	memcpy(text, buf, n);
	text[n] = '.';
	text[n + 1] = '\0';
	rr->target = target;
	rr->rdata_text = text;
	return true;
}

static bool fill_rr(ea_answer_owned *o, ea_dns_rr *rr, const knot_rrset_t *set, uint16_t i)
{
	const knot_rdata_t *rd = knot_rdataset_at(&set->rrs, i);
	if (!rdata_shape_ok(set->type, rd))
		return false;
	rr->owner = dname_text(o, set->owner);
	rr->type = set->type;
	rr->ttl = set->ttl;
	if (set->type == KNOT_RRTYPE_TXT || set->type == KNOT_RRTYPE_SPF)
		rr->rdata_text = txt_text_plain(o, rd);
	else if (set->type == KNOT_RRTYPE_CNAME || set->type == KNOT_RRTYPE_NS || set->type == KNOT_RRTYPE_PTR)
		(void)name_rdata_plain(o, rr, rd->data);
	if (rr->rdata_text == NULL) {
		char text[EA_DNS_MAX_RDATA_TEXT];
		if (knot_rrset_txt_dump_data(set, i, text, sizeof(text), &KNOT_DUMP_STYLE_DEFAULT) < 0)
			ea_copy(text, sizeof(text), "(record too long to show)");
		rr->rdata_text = arena_strdup(o, text);
	}
	if (rr->owner == NULL || rr->rdata_text == NULL)
		return false;
	switch (set->type) {
	case KNOT_RRTYPE_CNAME:
		if (rr->target == NULL)
			rr->target = dname_text(o, knot_cname_name(rd));
		break;
	case KNOT_RRTYPE_NS:
		if (rr->target == NULL)
			rr->target = dname_text(o, knot_ns_name(rd));
		break;
	case KNOT_RRTYPE_PTR:
		if (rr->target == NULL)
			rr->target = dname_text(o, knot_ptr_name(rd));
		break;
	case KNOT_RRTYPE_MX:
		rr->preference = rd->len >= 2 ? knot_wire_read_u16(rd->data) : 0;
		rr->target = dname_text(o, knot_mx_name(rd));
		break;
	case KNOT_RRTYPE_A:
		if (rd->len == 4)
			memcpy(rr->addr, rd->data, 4);
		break;
	case KNOT_RRTYPE_AAAA:
		if (rd->len == 16)
			memcpy(rr->addr, rd->data, 16);
		break;
	case KNOT_RRTYPE_TXT:
	case KNOT_RRTYPE_SPF:
		return fill_txt(o, rr, rd);
	case KNOT_RRTYPE_SOA:
		rr->target = dname_text(o, rd->data);
		rr->soa_serial = knot_soa_serial(rd);
		rr->soa_minimum = knot_soa_minimum(rd);
		break;
	default:
		break;
	}
	return true;
}

ea_dns_answer *ea_dns_parse_response(const uint8_t *wire, size_t len, const char *qname,
                                     uint16_t qtype, const char *server, double ms)
{
	ea_answer_owned *o = answer_start(qname, qtype, server, ms, arena_for_wire(wire ? len : 0));
	if (o == NULL)
		return NULL;
	ea_dns_answer *a = &o->pub;
	a->outcome = EA_DNS_UNKNOWN;
	a->reason = EA_DNS_R_MALFORMED;
	if (wire == NULL || len < KNOT_WIRE_HEADER_SIZE || len > EA_DNS_MAX_WIRE)
		return a;

	/* libknot parses in place and only reads the wire, but for stripping a TSIG record
	 * (ARCOUNT lowered): KNOT_PF_KEEPWIRE keeps it as any record (libknot 3.2 pkt.c,
	 * check_rr_constraints), so the const bytes are never written and need no copy. */
	knot_pkt_t *pkt = knot_pkt_new((void *)(uintptr_t)wire, (uint16_t)len, NULL);
	if (pkt == NULL) {
		ea_dns_answer_free(a);
		return NULL;
	}
	int prc = knot_pkt_parse(pkt, KNOT_PF_KEEPWIRE);
	if ((prc != KNOT_EOK && prc != KNOT_ETRAIL) || !knot_wire_get_qr(pkt->wire))
		goto out;

	/* The response must be for our question. */
	char key[EA_NAME_MAX + 1];
	const knot_dname_t *pq = knot_pkt_qname(pkt);
	if (pq == NULL || knot_pkt_qtype(pkt) != qtype)
		goto out;
	char *pqtext = dname_text(o, pq);
	if (pqtext == NULL || !ea_dns_name_key(qname, key, sizeof(key)) || strcmp(pqtext, key) != 0)
		goto out;

	a->rcode = knot_pkt_ext_rcode(pkt);
	a->ad = knot_wire_get_ad(pkt->wire) != 0;
	a->aa = knot_wire_get_aa(pkt->wire) != 0;

	/* Answer section: keep the records of the chain that starts at qname. */
	const knot_pktsection_t *ans = knot_pkt_section(pkt, KNOT_ANSWER);
	size_t total = 0;
	for (uint16_t i = 0; i < ans->count; i++)
		total += knot_pkt_rr(ans, i)->rrs.count;
	if (total > EA_DNS_MAX_ANSWER_RRS)
		total = EA_DNS_MAX_ANSWER_RRS;
	ea_dns_rr *rrs = arena_alloc(o, sizeof(ea_dns_rr) * (total ? total : 1));
	if (rrs == NULL) {
		knot_pkt_free(pkt);
		ea_dns_answer_free(a);
		return NULL;
	}
	memset(rrs, 0, sizeof(ea_dns_rr) * (total ? total : 1));
	size_t n = 0;
	for (uint16_t i = 0; i < ans->count && n < total; i++) {
		const knot_rrset_t *set = knot_pkt_rr(ans, i);
		if (set->rclass != KNOT_CLASS_IN)
			continue;
		for (uint16_t j = 0; j < set->rrs.count && n < total; j++) {
			if (!fill_rr(o, &rrs[n], set, j))
				goto malformed;
			n++;
		}
	}
	a->rrs = rrs;
	a->rr_count = n;

	/* Follow the CNAME chain through the answer, EA_DNS_MAX_CNAME_HOPS at most. A
	 * loop, or a chain that goes on past the hops followed, is no answer at all:
	 * a resolver would say SERVFAIL, so it must not end as NODATA. */
	const char *cur = a->qname;
	bool chain_broken = false;
	for (size_t hop = 0;; hop++) {
		const char *next = NULL;
		for (size_t i = 0; i < n; i++)
			if (rrs[i].type == KNOT_RRTYPE_CNAME && strcmp(rrs[i].owner, cur) == 0)
				next = rrs[i].target;
		if (next == NULL)
			break;
		if (hop >= EA_DNS_MAX_CNAME_HOPS || strcmp(next, a->qname) == 0) {
			chain_broken = true;
			break;
		}
		cur = next;
	}
	if (qtype == KNOT_RRTYPE_CNAME)
		cur = a->qname;   /* the CNAME itself is the answer; the walk only looked for a loop */
	a->final_name = cur;
	/* Records in the answer that belong to no name of the chain, and none of ours. */
	bool ours = false, foreign = false;
	for (size_t i = 0; i < n; i++) {
		bool on_chain = strcmp(rrs[i].owner, a->qname) == 0 || strcmp(rrs[i].owner, cur) == 0;
		for (size_t k = 0; !on_chain && k < n; k++)
			on_chain = rrs[k].type == KNOT_RRTYPE_CNAME && strcmp(rrs[k].target, rrs[i].owner) == 0;
		ours |= on_chain;
		foreign |= !on_chain;
	}

	/* Negative answers: the SOA in the authority section (RFC 2308 section 5). */
	const knot_pktsection_t *auth = knot_pkt_section(pkt, KNOT_AUTHORITY);
	for (uint16_t i = 0; i < auth->count; i++) {
		const knot_rrset_t *set = knot_pkt_rr(auth, i);
		if (set->type != KNOT_RRTYPE_SOA || set->rrs.count == 0)
			continue;
		const knot_rdata_t *rd = knot_rdataset_at(&set->rrs, 0);
		if (!soa_rdata_ok(rd))
			break;
		uint32_t min = knot_soa_minimum(rd);
		a->has_soa = true;
		a->soa_owner = dname_text(o, set->owner);
		a->negative_ttl = set->ttl < min ? set->ttl : min;
		break;
	}

	if (knot_wire_get_tc(pkt->wire)) {
		/* Still truncated (over TCP, or a UDP answer passed on as it was): not whole. */
		a->reason = EA_DNS_R_TRUNCATED;
		goto out;
	}
	if (a->rcode == KNOT_RCODE_NOERROR || a->rcode == KNOT_RCODE_NXDOMAIN) {
		if (chain_broken) {
			a->reason = EA_DNS_R_CNAME_LOOP;
			goto out;
		}
		if (foreign && !ours) {
			a->reason = EA_DNS_R_WRONG_NAME;
			goto out;
		}
	}
	switch (a->rcode) {
	case KNOT_RCODE_NOERROR:
		a->reason = EA_DNS_R_NODATA;
		a->outcome = EA_DNS_ABSENT;
		for (size_t i = 0; i < n; i++) {
			if (rrs[i].type == qtype && strcmp(rrs[i].owner, cur) == 0) {
				a->outcome = EA_DNS_FOUND;
				a->reason = EA_DNS_R_ANSWER;
				break;
			}
		}
		break;
	case KNOT_RCODE_NXDOMAIN:
		a->outcome = EA_DNS_ABSENT;
		a->reason = EA_DNS_R_NXDOMAIN;
		break;
	case KNOT_RCODE_SERVFAIL:
		a->reason = EA_DNS_R_SERVFAIL;
		break;
	case KNOT_RCODE_REFUSED:
		a->reason = EA_DNS_R_REFUSED;
		break;
	default:
		a->reason = EA_DNS_R_OTHER_RCODE;
		break;
	}
	goto out;
malformed:
	a->outcome = EA_DNS_UNKNOWN;
	a->reason = EA_DNS_R_MALFORMED;
	a->rr_count = 0;
out:
	knot_pkt_free(pkt);
	return a;
}

/* What copy_rr takes from the arena for src. */
static size_t copy_rr_bytes(const ea_dns_rr *src)
{
	size_t n = arena_size(strlen(src->owner) + 1) + arena_size(strlen(src->rdata_text) + 1);
	if (src->target)
		n += arena_size(strlen(src->target) + 1);
	if (src->txt)
		n += arena_size(src->txt_len + 1) +
		     arena_size(sizeof(uint16_t) * (src->txt_strings ? src->txt_strings : 1));
	return n;
}

/* Copies one record's strings into o (they point into another answer's arena). */
static bool copy_rr(ea_answer_owned *o, ea_dns_rr *dst, const ea_dns_rr *src)
{
	*dst = *src;
	dst->owner = arena_strdup(o, src->owner);
	dst->rdata_text = arena_strdup(o, src->rdata_text);
	dst->target = src->target ? arena_strdup(o, src->target) : NULL;
	if (dst->owner == NULL || dst->rdata_text == NULL || (src->target && dst->target == NULL))
		return false;
	if (src->txt != NULL) {
		uint8_t *txt = arena_alloc(o, src->txt_len + 1);
		uint16_t *lens = arena_alloc(o, sizeof(uint16_t) * (src->txt_strings ? src->txt_strings : 1));
		if (txt == NULL || lens == NULL)
			return false;
		memcpy(txt, src->txt, src->txt_len + 1);
		if (src->txt_strings)
			memcpy(lens, src->txt_string_lens, sizeof(uint16_t) * src->txt_strings);
		dst->txt = txt;
		dst->txt_string_lens = lens;
	}
	return true;
}

ea_dns_answer *ea_dns_answer_join(const ea_dns_answer *head, const ea_dns_answer *tail, double ms)
{
	size_t n = head->rr_count + tail->rr_count;
	if (n > EA_DNS_MAX_ANSWER_RRS)
		n = EA_DNS_MAX_ANSWER_RRS;
	/* One allocation for all of it: a key's TXT copied into a small first chunk cost
	 * extra malloc'd chunks on every joined answer. */
	size_t cap = arena_for_wire(0) + arena_size(sizeof(ea_dns_rr) * (n ? n : 1)) +
	             arena_size(strlen(tail->final_name) + 1) +
	             (tail->soa_owner ? arena_size(strlen(tail->soa_owner) + 1) : 0);
	for (size_t i = 0; i < n; i++)
		cap += copy_rr_bytes(i < head->rr_count ? &head->rrs[i] : &tail->rrs[i - head->rr_count]);
	ea_answer_owned *o = answer_start(head->qname, head->qtype, tail->server, ms, cap);
	if (o == NULL)
		return NULL;
	ea_dns_answer *a = &o->pub;
	ea_dns_rr *rrs = arena_alloc(o, sizeof(ea_dns_rr) * (n ? n : 1));
	if (rrs == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *src = i < head->rr_count ? &head->rrs[i] : &tail->rrs[i - head->rr_count];
		if (!copy_rr(o, &rrs[i], src))
			goto oom;
	}
	a->rrs = rrs;
	a->rr_count = n;
	a->final_name = arena_strdup(o, tail->final_name);
	a->soa_owner = tail->soa_owner ? arena_strdup(o, tail->soa_owner) : NULL;
	if (a->final_name == NULL || (tail->soa_owner && a->soa_owner == NULL))
		goto oom;
	a->outcome = tail->outcome;
	a->reason = tail->reason;
	a->rcode = tail->rcode;
	a->aa = tail->aa;
	a->ad = head->ad && tail->ad;
	a->has_soa = tail->has_soa;
	a->negative_ttl = tail->negative_ttl;
	return a;
oom:
	ea_dns_answer_free(a);
	return NULL;
}

ea_dns_answer *ea_dns_answer_cname_from(const ea_dns_answer *a)
{
	size_t cnames = 0;
	for (size_t i = 0; i < a->rr_count; i++)
		if (a->rrs[i].type == EA_RR_CNAME && strcmp(a->rrs[i].owner, a->qname) == 0)
			cnames++;
	/* NXDOMAIN with a CNAME at the name: the name exists, its target does not */
	bool found = cnames > 0 && (a->rcode == 0 || a->reason == EA_DNS_R_NXDOMAIN);
	bool nxdomain = a->reason == EA_DNS_R_NXDOMAIN && cnames == 0;
	if (a->qtype == EA_RR_CNAME || a->outcome == EA_DNS_UNKNOWN || (!found && !nxdomain))
		return NULL;   /* a broken answer (a loop, another name) tells nothing: ask */
	/* one allocation for all of it, as in ea_dns_answer_join */
	size_t cap = arena_for_wire(0) + arena_size(sizeof(ea_dns_rr) * (cnames ? cnames : 1)) +
	             (a->soa_owner ? arena_size(strlen(a->soa_owner) + 1) : 0);
	for (size_t i = 0; i < a->rr_count; i++)
		if (a->rrs[i].type == EA_RR_CNAME && strcmp(a->rrs[i].owner, a->qname) == 0)
			cap += copy_rr_bytes(&a->rrs[i]);
	ea_answer_owned *o = answer_start(a->qname, EA_RR_CNAME, a->server, a->ms, cap);
	if (o == NULL)
		return NULL;
	ea_dns_answer *d = &o->pub;
	d->rcode = found ? 0 : a->rcode;
	d->aa = a->aa;
	d->ad = a->ad;
	if (found) {
		ea_dns_rr *rrs = arena_alloc(o, sizeof(ea_dns_rr) * cnames);
		if (rrs == NULL)
			goto oom;
		size_t n = 0;
		for (size_t i = 0; i < a->rr_count; i++)
			if (a->rrs[i].type == EA_RR_CNAME && strcmp(a->rrs[i].owner, a->qname) == 0 &&
			    !copy_rr(o, &rrs[n++], &a->rrs[i]))
				goto oom;
		d->rrs = rrs;
		d->rr_count = n;
		d->outcome = EA_DNS_FOUND;
		d->reason = EA_DNS_R_ANSWER;
		return d;
	}
	d->outcome = EA_DNS_ABSENT;
	d->reason = EA_DNS_R_NXDOMAIN;
	d->has_soa = a->has_soa;
	d->negative_ttl = a->negative_ttl;
	d->soa_owner = a->soa_owner ? arena_strdup(o, a->soa_owner) : NULL;
	if (a->soa_owner && d->soa_owner == NULL)
		goto oom;
	return d;
oom:
	ea_dns_answer_free(d);
	return NULL;
}

bool ea_dns_key_wire(const char *key, uint8_t *out, size_t size)
{
	/* The common case by hand (every query and every zone answer): no escape, labels of
	 * 1 to 63 bytes, all of it within 255 bytes. Anything else goes to libknot. */
	size_t cap = EA_MIN(size, (size_t)KNOT_DNAME_MAXLEN);
	if (cap == 0)
		return false;
	if (*key == '\0') {
		out[0] = 0;   /* the root */
		return true;
	}
	size_t start = 0, w = 1;   /* out[start]: the current label's length, set at its end */
	for (const char *p = key;; p++) {
		if (*p == '\\')
			goto general;
		if (*p == '.' || *p == '\0') {
			size_t len = w - start - 1;
			if (len == 0 || len > KNOT_DNAME_MAXLABELLEN)
				goto general;
			out[start] = (uint8_t)len;
			if (*p == '\0')
				break;
			start = w;
		}
		if (w >= cap)
			goto general;
		out[w++] = (uint8_t)*p;   /* a '.' is the next label's length, set at its end */
	}
	if (w >= cap)
		goto general;
	out[w] = 0;
	return true;
general:;
	char text[EA_NAME_MAX + 2];
	size_t n = strlen(key);
	if (n > EA_NAME_MAX)
		return false;
	memcpy(text, key, n);
	text[n] = '.';
	text[n + 1] = '\0';
	return knot_dname_from_str(out, n == 0 ? "." : text, size) != NULL;
}

size_t ea_dns_build_query(uint8_t *buf, size_t cap, const char *name, uint16_t type, bool rd,
                          uint16_t id)
{
	knot_dname_storage_t dname;
	char key[EA_NAME_MAX + 1];
	if (!ea_dns_name_key(name, key, sizeof(key)) || !ea_dns_key_wire(key, dname, sizeof(dname)))
		return 0;
	if (cap < KNOT_WIRE_HEADER_SIZE)
		return 0;
	memset(buf, 0, KNOT_WIRE_HEADER_SIZE);   /* libknot keeps whatever header it finds */
	knot_pkt_t *pkt = knot_pkt_new(buf, (uint16_t)EA_MIN(cap, EA_DNS_MAX_WIRE), NULL);
	if (pkt == NULL)
		return 0;
	size_t out = 0;
	knot_wire_set_id(pkt->wire, id);
	if (rd)
		knot_wire_set_rd(pkt->wire);
	if (knot_pkt_put_question(pkt, dname, KNOT_CLASS_IN, type) != KNOT_EOK)
		goto done;
	knot_pkt_begin(pkt, KNOT_ADDITIONAL);
	knot_rrset_t opt;
	if (knot_edns_init(&opt, EA_DNS_EDNS_PAYLOAD, 0, 0, NULL) != KNOT_EOK)
		goto done;
	int rc = knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &opt, 0);
	knot_rrset_clear(&opt, NULL);
	if (rc != KNOT_EOK)
		goto done;
	out = pkt->size;
done:
	knot_pkt_free(pkt);
	return out;
}

/* Public accessors. */

const char *ea_dns_outcome_name(ea_dns_outcome o)
{
	switch (o) {
	case EA_DNS_FOUND: return "found";
	case EA_DNS_ABSENT: return "absent";
	case EA_DNS_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *ea_dns_reason_text(ea_dns_reason r)
{
	switch (r) {
	case EA_DNS_R_ANSWER: return "answer";
	case EA_DNS_R_NXDOMAIN: return "the name does not exist (NXDOMAIN)";
	case EA_DNS_R_NODATA: return "the name exists but has no record of this type (NODATA)";
	case EA_DNS_R_TIMEOUT: return "no answer (timeout)";
	case EA_DNS_R_SERVFAIL: return "the server failed (SERVFAIL)";
	case EA_DNS_R_REFUSED: return "the server refused (REFUSED)";
	case EA_DNS_R_OTHER_RCODE: return "the server answered with an error";
	case EA_DNS_R_MALFORMED: return "the answer was malformed";
	case EA_DNS_R_DEADLINE: return "the time budget ran out before an answer";
	case EA_DNS_R_NOT_SERVED: return "the name is outside the zone files given";
	case EA_DNS_R_BAD_NAME: return "the name is too long to look up";
	case EA_DNS_R_NETWORK: return "network error";
	case EA_DNS_R_TRUNCATED: return "the answer was truncated even over TCP";
	case EA_DNS_R_CNAME_LOOP: return "the CNAME chain loops or is too long to follow";
	case EA_DNS_R_WRONG_NAME: return "the answer was for another name";
	}
	return "unknown";
}

const char *ea_rr_type_name(uint16_t type)
{
	switch (type) {
	case EA_RR_A: return "A";
	case EA_RR_NS: return "NS";
	case EA_RR_CNAME: return "CNAME";
	case EA_RR_SOA: return "SOA";
	case EA_RR_PTR: return "PTR";
	case EA_RR_MX: return "MX";
	case EA_RR_TXT: return "TXT";
	case EA_RR_AAAA: return "AAAA";
	case EA_RR_SPF: return "SPF";
	}
	static __thread char buf[16];
	snprintf(buf, sizeof(buf), "TYPE%u", type);
	return buf;
}

size_t ea_dns_answer_count(const ea_dns_answer *a, uint16_t type)
{
	size_t c = 0;
	for (size_t i = 0; a != NULL && i < a->rr_count; i++)
		if (a->rrs[i].type == type && strcmp(a->rrs[i].owner, a->final_name) == 0)
			c++;
	return c;
}

const ea_dns_rr *ea_dns_answer_get(const ea_dns_answer *a, uint16_t type, size_t idx)
{
	for (size_t i = 0; a != NULL && i < a->rr_count; i++)
		if (a->rrs[i].type == type && strcmp(a->rrs[i].owner, a->final_name) == 0)
			if (idx-- == 0)
				return &a->rrs[i];
	return NULL;
}

const ea_dns_rr *ea_dns_answer_cname(const ea_dns_answer *a)
{
	for (size_t i = 0; a != NULL && i < a->rr_count; i++)
		if (a->rrs[i].type == EA_RR_CNAME && strcmp(a->rrs[i].owner, a->qname) == 0)
			return &a->rrs[i];
	return NULL;
}
