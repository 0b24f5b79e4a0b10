/*
 * The in-memory backend: zone files read with libzscanner, answered the way a
 * recursive resolver in front of their authoritative server would (CNAMEs
 * followed, NXDOMAIN versus NODATA, wildcards, the SOA in negative answers).
 * Answers are built as DNS wire bytes with libknot, so they go through the same
 * parser as network answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "dns/internal.h"
#include "util/util.h"

#define ZONE_MAX_RECORDS 2000000   /* backstop on what one store holds */
#define ZONE_MAX_CNAME_HOPS 8      /* like a resolver's chain limit */
#define ZONE_MAX_ANSWER_RRS 64
#define ZONE_HASH_BITS 16

typedef struct zrec {
	struct zrec *next_in_node;
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata;
} zrec;

typedef struct znode {
	struct znode *next_in_bucket;
	char *name;          /* lowercase, no trailing dot; "" is the root */
	zrec *records;       /* NULL for an empty non-terminal */
	bool is_apex;
	uint16_t timeout_type;  /* 0: none; 0xffff: every type */
	bool timeout;
} znode;

struct ea_zone_store {
	znode *buckets[1u << ZONE_HASH_BITS];
	size_t record_count;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h & ((1u << ZONE_HASH_BITS) - 1);
}

static znode *node_find(const ea_zone_store *z, const char *name)
{
	for (znode *n = z->buckets[name_hash(name)]; n; n = n->next_in_bucket)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

static znode *node_get(ea_zone_store *z, const char *name)
{
	znode *n = node_find(z, name);
	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (n == NULL || (n->name = ea_strdup0(name)) == NULL) {
		free(n);
		return NULL;
	}
	uint32_t h = name_hash(name);
	n->next_in_bucket = z->buckets[h];
	z->buckets[h] = n;
	return n;
}

static const char *parent_of(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot ? dot + 1 : "";
}

/* Makes the node and all its ancestors exist (empty non-terminals answer NODATA). */
static znode *node_get_with_ancestors(ea_zone_store *z, const char *name)
{
	znode *n = node_get(z, name);
	for (const char *p = name; n != NULL && *p; ) {
		p = parent_of(p);
		if (node_get(z, p) == NULL)
			return NULL;
	}
	return n;
}

ea_zone_store *ea_zone_store_new(void)
{
	return calloc(1, sizeof(ea_zone_store));
}

void ea_zone_store_free(ea_zone_store *z)
{
	if (z == NULL)
		return;
	for (size_t b = 0; b < EA_ARRAY_SIZE(z->buckets); b++) {
		znode *n = z->buckets[b];
		while (n) {
			znode *nn = n->next_in_bucket;
			zrec *r = n->records;
			while (r) {
				zrec *rn = r->next_in_node;
				free(r->rdata);
				free(r);
				r = rn;
			}
			free(n->name);
			free(n);
			n = nn;
		}
	}
	free(z);
}

static bool wire_name_text(const uint8_t *wire, char *out, size_t out_size)
{
	char buf[KNOT_DNAME_TXT_MAXLEN + 1];
	if (knot_dname_to_str(buf, wire, sizeof(buf)) == NULL)
		return false;
	return ea_dns_name_key(buf, out, out_size);
}

static int store_add(ea_zone_store *z, const uint8_t *owner, uint16_t type, uint32_t ttl,
                     const uint8_t *rdata, uint32_t rdlen)
{
	if (z->record_count >= ZONE_MAX_RECORDS || rdlen > 65535)
		return EA_ERANGE;
	char name[EA_NAME_MAX + 1];
	if (!wire_name_text(owner, name, sizeof(name)))
		return EA_EPARSE;
	znode *n = node_get_with_ancestors(z, name);
	if (n == NULL)
		return EA_ENOMEM;
	zrec *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return EA_ENOMEM;
	r->rdata = malloc(rdlen ? rdlen : 1);
	if (r->rdata == NULL) {
		free(r);
		return EA_ENOMEM;
	}
	memcpy(r->rdata, rdata, rdlen);
	r->rdlen = (uint16_t)rdlen;
	r->type = type;
	r->ttl = ttl;
	/* Append, keeping the file's order. */
	zrec **tail = &n->records;
	while (*tail)
		tail = &(*tail)->next_in_node;
	*tail = r;
	if (type == KNOT_RRTYPE_SOA)
		n->is_apex = true;
	z->record_count++;
	return EA_OK;
}

typedef struct {
	ea_zone_store *z;
	int rc;
	char *errmsg;
	size_t errmsg_size;
	bool saw_soa;
	char first_origin[EA_NAME_MAX + 1];   /* the origin in force at the first record */
} load_ctx;

static void on_record(zs_scanner_t *s)
{
	load_ctx *c = s->process.data;
	if (c->rc != EA_OK || s->r_class != KNOT_CLASS_IN)
		return;
	c->rc = store_add(c->z, s->r_owner, s->r_type, s->r_ttl, s->r_data, s->r_data_length);
	if (c->first_origin[0] == '\0' && s->zone_origin_length > 1 &&
	    !wire_name_text(s->zone_origin, c->first_origin, sizeof(c->first_origin)))
		c->first_origin[0] = '\0';
	if (s->r_type == KNOT_RRTYPE_SOA)
		c->saw_soa = true;
	if (c->rc != EA_OK)
		snprintf(c->errmsg, c->errmsg_size, "line %llu: could not store the record",
		         (unsigned long long)s->line_counter);
}

static void on_error(zs_scanner_t *s)
{
	load_ctx *c = s->process.data;
	if (c->rc == EA_OK) {
		c->rc = EA_EPARSE;
		snprintf(c->errmsg, c->errmsg_size, "line %llu: %s",
		         (unsigned long long)s->line_counter, zs_strerror(s->error.code));
	}
	s->state = ZS_STATE_STOP;
}

static int load(ea_zone_store *z, const char *origin, const char *path, const char *text,
                char *errmsg, size_t errmsg_size)
{
	zs_scanner_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return EA_ENOMEM;
	load_ctx c = {z, EA_OK, errmsg, errmsg_size, false, ""};
	char org[EA_NAME_MAX + 2];
	ea_copy(org, sizeof(org), origin && *origin ? origin : ".");
	size_t ol = strlen(org);
	if (org[ol - 1] != '.' && ol + 1 < sizeof(org)) {
		org[ol] = '.';
		org[ol + 1] = '\0';
	}
	if (zs_init(s, org, KNOT_CLASS_IN, 3600) != 0) {
		free(s);
		snprintf(errmsg, errmsg_size, "bad origin '%s'", org);
		return EA_EINVAL;
	}
	int rc = path ? zs_set_input_file(s, path) : zs_set_input_string(s, text, strlen(text));
	if (rc != 0) {
		snprintf(errmsg, errmsg_size, "cannot read: %s", zs_strerror(s->error.code));
		zs_deinit(s);
		free(s);
		return EA_EIO;
	}
	zs_set_processing(s, on_record, on_error, &c);
	zs_parse_all(s);
	if (c.rc == EA_OK && s->error.fatal) {
		c.rc = EA_EPARSE;
		ea_copy(errmsg, errmsg_size, zs_strerror(s->error.code));
	}
	/* A file without an SOA still defines its origin as a zone: its $ORIGIN (which
	 * wins), else the one its name gives. */
	if (c.rc == EA_OK && !c.saw_soa && c.first_origin[0])
		c.rc = ea_zone_store_add_zone(z, c.first_origin);
	else if (c.rc == EA_OK && !c.saw_soa && origin && *origin)
		c.rc = ea_zone_store_add_zone(z, origin);
	else if (c.rc == EA_OK && !c.saw_soa) {
		/* Which zone it holds is unknown, so it would answer nothing: said, not served. */
		c.rc = EA_EINVAL;
		snprintf(errmsg, errmsg_size, "no SOA record and no $ORIGIN, and the file's name does not "
		         "name a zone: which zone it holds is not known, so it would answer nothing; put "
		         "'$ORIGIN example.com.' (your domain) at its top, or name the file "
		         "example.com.zone");
	}
	zs_deinit(s);
	free(s);
	return c.rc;
}

int ea_zone_store_load_file(ea_zone_store *z, const char *path, char *errmsg, size_t errmsg_size)
{
	/* The origin: "<name>.zone" or "<name>.db" gives <name>; $ORIGIN in the file wins. */
	char origin[EA_NAME_MAX + 1] = "";
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t bl = strlen(base);
	const char *suffixes[] = {".zone", ".db"};
	for (size_t i = 0; i < EA_ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);
		if (bl > sl && bl - sl <= EA_NAME_MAX && strcmp(base + bl - sl, suffixes[i]) == 0) {
			memcpy(origin, base, bl - sl);
			origin[bl - sl] = '\0';
		}
	}
	if (strchr(origin, '.') == NULL)
		origin[0] = '\0';
	return load(z, origin, path, NULL, errmsg, errmsg_size);
}

int ea_zone_store_add_text(ea_zone_store *z, const char *origin, const char *text,
                           char *errmsg, size_t errmsg_size)
{
	return load(z, origin, NULL, text, errmsg, errmsg_size);
}

int ea_zone_store_add_timeout(ea_zone_store *z, const char *name, uint16_t type)
{
	char key[EA_NAME_MAX + 1];
	if (!ea_dns_name_key(name, key, sizeof(key)))
		return EA_EINVAL;
	znode *n = node_get_with_ancestors(z, key);
	if (n == NULL)
		return EA_ENOMEM;
	n->timeout = true;
	n->timeout_type = type ? type : 0xffff;
	return EA_OK;
}

int ea_zone_store_add_zone(ea_zone_store *z, const char *apex)
{
	char key[EA_NAME_MAX + 1];
	if (!ea_dns_name_key(apex, key, sizeof(key)))
		return EA_EINVAL;
	znode *n = node_get_with_ancestors(z, key);
	if (n == NULL)
		return EA_ENOMEM;
	n->is_apex = true;
	return EA_OK;
}

/* The apex of the zone holding name: the nearest enclosing node marked apex. */
static const znode *zone_of(const ea_zone_store *z, const char *name)
{
	const char *p = name;
	for (;;) {
		const znode *n = node_find(z, p);
		if (n && n->is_apex)
			return n;
		if (*p == '\0')
			return NULL;
		p = parent_of(p);
	}
}

typedef struct {
	knot_pkt_t *pkt;
	knot_rrset_t *sets[ZONE_MAX_ANSWER_RRS + 1];
	size_t set_count;
} answer_builder;

static int put_records(answer_builder *b, const char *owner, const znode *n, uint16_t type)
{
	knot_dname_storage_t dname;
	if (!ea_dns_key_wire(owner, dname, sizeof(dname)))
		return EA_EINVAL;
	knot_rrset_t *set = NULL;
	for (const zrec *r = n->records; r; r = r->next_in_node) {
		if (r->type != type)
			continue;
		if (set == NULL) {
			if (b->set_count >= ZONE_MAX_ANSWER_RRS)
				return EA_ERANGE;
			set = knot_rrset_new(dname, type, KNOT_CLASS_IN, r->ttl, NULL);
			if (set == NULL)
				return EA_ENOMEM;
			b->sets[b->set_count++] = set;
		}
		if (knot_rrset_add_rdata(set, r->rdata, r->rdlen, NULL) != KNOT_EOK)
			return EA_ENOMEM;
	}
	if (set == NULL)
		return EA_OK;
	return knot_pkt_put(b->pkt, KNOT_COMPR_HINT_NONE, set, 0) == KNOT_EOK ? EA_OK : EA_ERANGE;
}

static bool node_has(const znode *n, uint16_t type)
{
	for (const zrec *r = n ? n->records : NULL; r; r = r->next_in_node)
		if (r->type == type)
			return true;
	return false;
}

static const zrec *node_first(const znode *n, uint16_t type)
{
	for (const zrec *r = n ? n->records : NULL; r; r = r->next_in_node)
		if (r->type == type)
			return r;
	return NULL;
}

/* The node answering for name: the exact node, or a wildcard at the closest encloser
 * (RFC 4592). NULL: the name does not exist. */
static const znode *lookup_node(const ea_zone_store *z, const char *name, const znode *apex)
{
	const znode *n = node_find(z, name);
	if (n)
		return n;
	char wild[EA_NAME_MAX + 3];
	for (const char *p = parent_of(name); ; p = parent_of(p)) {
		const znode *enc = node_find(z, p);
		if (enc) {
			snprintf(wild, sizeof(wild), "*%s%s", *p ? "." : "", p);
			return node_find(z, wild);
		}
		if (*p == '\0' || strcmp(p, apex->name) == 0)
			return NULL;
	}
}

/* The question and the flags of a resolver's answer. */
static bool put_header(knot_pkt_t *pkt, const uint8_t *qd, uint16_t type)
{
	if (knot_pkt_put_question(pkt, qd, KNOT_CLASS_IN, type) != KNOT_EOK)
		return false;
	knot_wire_set_qr(pkt->wire);
	knot_wire_set_ra(pkt->wire);
	knot_wire_set_rd(pkt->wire);
	return true;
}

size_t ea_zone_store_answer(const ea_zone_store *z, const char *name, uint16_t type,
                            uint8_t *buf, size_t cap, bool *served)
{
	char left_at[EA_NAME_MAX + 1];
	return ea_zone_store_answer_chain(z, name, type, buf, cap, served, left_at, sizeof(left_at));
}

size_t ea_zone_store_answer_chain(const ea_zone_store *z, const char *name, uint16_t type,
                                  uint8_t *buf, size_t cap, bool *served, char *left_at,
                                  size_t left_size)
{
	char key[EA_NAME_MAX + 1];
	*served = true;
	left_at[0] = '\0';
	if (!ea_dns_name_key(name, key, sizeof(key)))
		return 0;
	const znode *apex = zone_of(z, key);
	if (apex == NULL) {
		*served = false;
		return 0;
	}
	const znode *exact = node_find(z, key);
	if (exact && exact->timeout && (exact->timeout_type == 0xffff || exact->timeout_type == type))
		return 0;

	answer_builder b = {0};
	b.pkt = knot_pkt_new(NULL, (uint16_t)EA_MIN(cap, EA_DNS_MAX_WIRE), NULL);
	if (b.pkt == NULL)
		return 0;
	size_t out = 0;
	knot_dname_storage_t qd;
	if (!ea_dns_key_wire(key, qd, sizeof(qd)) || !put_header(b.pkt, qd, type))
		goto done;
	knot_pkt_begin(b.pkt, KNOT_ANSWER);

	char cur[EA_NAME_MAX + 1];
	ea_copy(cur, sizeof(cur), key);
	uint8_t rcode = KNOT_RCODE_NOERROR;
	const znode *neg_apex = apex;
	int hop;
	for (hop = 0; hop <= ZONE_MAX_CNAME_HOPS; hop++) {
		const znode *capex = zone_of(z, cur);
		if (capex == NULL) {
			ea_copy(left_at, left_size, cur);   /* the chain left our zones */
			break;
		}
		const znode *n = lookup_node(z, cur, capex);
		neg_apex = capex;
		if (hop > 0) {
			const znode *e = node_find(z, cur);
			if (e && e->timeout && (e->timeout_type == 0xffff || e->timeout_type == type))
				goto done;   /* a timeout inside the chain */
		}
		if (n == NULL) {
			rcode = KNOT_RCODE_NXDOMAIN;
			break;
		}
		if (type != KNOT_RRTYPE_CNAME && node_has(n, KNOT_RRTYPE_CNAME)) {
			if (put_records(&b, cur, n, KNOT_RRTYPE_CNAME) != EA_OK)
				goto done;
			const zrec *c = node_first(n, KNOT_RRTYPE_CNAME);
			char target[EA_NAME_MAX + 1];
			if (!wire_name_text(c->rdata, target, sizeof(target)))
				break;
			ea_copy(cur, sizeof(cur), target);
			continue;
		}
		if (put_records(&b, cur, n, type) != EA_OK)
			goto done;
		break;
	}
	if (hop > ZONE_MAX_CNAME_HOPS) {
		/* A CNAME loop, or a chain longer than a resolver follows: a resolver answers
		 * SERVFAIL (RFC 1034 3.6.2), so the store does too, with no records. */
		knot_pkt_clear(b.pkt);
		if (!put_header(b.pkt, qd, type))
			goto done;
		rcode = KNOT_RCODE_SERVFAIL;
	}
	if (hop <= ZONE_MAX_CNAME_HOPS &&
	    (knot_wire_get_ancount(b.pkt->wire) == 0 || rcode == KNOT_RCODE_NXDOMAIN)) {
		/* Negative answer: the zone's SOA in the authority section (RFC 2308). */
		knot_pkt_begin(b.pkt, KNOT_AUTHORITY);
		if (node_has(neg_apex, KNOT_RRTYPE_SOA)) {
			const zrec *soa = node_first(neg_apex, KNOT_RRTYPE_SOA);
			(void)soa;
			if (put_records(&b, neg_apex->name, neg_apex, KNOT_RRTYPE_SOA) != EA_OK)
				goto done;
		}
	}
	knot_wire_set_rcode(b.pkt->wire, rcode);
	if (b.pkt->size <= cap) {
		memcpy(buf, b.pkt->wire, b.pkt->size);
		out = b.pkt->size;
	}
done:
	knot_pkt_free(b.pkt);
	for (size_t i = 0; i < b.set_count; i++)
		knot_rrset_free(b.sets[i], NULL);
	return out;
}

/* The transport over the store: answers are queued and delivered by process(). */

typedef struct zone_done {
	struct zone_done *next;
	ea_transport_cb cb;
	void *arg;
	ea_dns_answer *answer;
} zone_done;

typedef struct {
	ea_transport base;
	ea_zone_store *z;
	ea_transport *fallback;
	zone_done *head, *tail;
	size_t pending;
} zone_transport;

/* A CNAME chain that left the zone files, followed through the fallback resolver. */
typedef struct {
	ea_transport_cb cb;
	void *arg;
	ea_dns_answer *head;             /* the chain as the zone files hold it */
} zone_chase;

static void zone_chase_done(void *arg, ea_dns_answer *tail, int server_index)
{
	zone_chase *c = arg;
	ea_dns_answer *joined = tail ? ea_dns_answer_join(c->head, tail, tail->ms) : NULL;
	if (joined == NULL)
		joined = ea_dns_answer_failed(c->head->qname, c->head->qtype, EA_DNS_R_NETWORK, "zone files", 0);
	ea_dns_answer_free(tail);
	ea_dns_answer_free(c->head);
	c->cb(c->arg, joined, server_index);
	free(c);
}

static int zone_queue(zone_transport *t, ea_dns_answer *a, ea_transport_cb cb, void *arg)
{
	zone_done *d = calloc(1, sizeof(*d));
	if (d == NULL || a == NULL) {
		free(d);
		ea_dns_answer_free(a);
		return EA_ENOMEM;
	}
	d->cb = cb;
	d->arg = arg;
	d->answer = a;
	if (t->tail)
		t->tail->next = d;
	else
		t->head = d;
	t->tail = d;
	t->pending++;
	return EA_OK;
}

static int zone_send(ea_transport *base, const char *name, uint16_t type, const char *server_ip,
                     ea_transport_cb cb, void *arg)
{
	zone_transport *t = (zone_transport *)base;
	static __thread uint8_t wire[EA_DNS_MAX_WIRE];
	bool served = true;
	char left_at[EA_NAME_MAX + 1];
	size_t len = ea_zone_store_answer_chain(t->z, name, type, wire, sizeof(wire), &served, left_at,
	                                        sizeof(left_at));
	if (!served && t->fallback != NULL)
		return t->fallback->send(t->fallback, name, type, server_ip, cb, arg);
	ea_dns_answer *a;
	if (!served)
		a = ea_dns_answer_failed(name, type, EA_DNS_R_NOT_SERVED, "zone files", 0);
	else if (len == 0)
		a = ea_dns_answer_failed(name, type, EA_DNS_R_TIMEOUT, "zone files", 0);
	else
		a = ea_dns_parse_response(wire, len, name, type, "zone files", 0);
	if (a != NULL && left_at[0] && a->outcome != EA_DNS_UNKNOWN) {
		/* The chain leaves the zone files: its end is not known here. Ask the
		 * fallback resolver for the rest, or say so; never NODATA. */
		if (t->fallback != NULL) {
			zone_chase *c = calloc(1, sizeof(*c));
			if (c == NULL) {
				ea_dns_answer_free(a);
				return EA_ENOMEM;
			}
			c->cb = cb;
			c->arg = arg;
			c->head = a;
			int rc = t->fallback->send(t->fallback, left_at, type, server_ip, zone_chase_done, c);
			if (rc != EA_OK) {
				free(c);
				ea_dns_answer_free(a);
			}
			return rc;
		}
		a->outcome = EA_DNS_UNKNOWN;
		a->reason = EA_DNS_R_NOT_SERVED;
	}
	return zone_queue(t, a, cb, arg);
}

static int zone_process(ea_transport *base, int timeout_ms)
{
	zone_transport *t = (zone_transport *)base;
	int ran = 0;
	/* Deliver only what was queued before this call: completions may queue more. */
	zone_done *d = t->head;
	t->head = t->tail = NULL;
	while (d) {
		zone_done *next = d->next;
		t->pending--;
		d->cb(d->arg, d->answer, -1);
		free(d);
		d = next;
		ran++;
	}
	if (t->fallback != NULL)
		ran += t->fallback->process(t->fallback, ran > 0 ? 0 : timeout_ms);
	return ran;
}

static size_t zone_inflight(const ea_transport *base)
{
	const zone_transport *t = (const zone_transport *)base;
	return t->pending + (t->fallback ? t->fallback->inflight(t->fallback) : 0);
}

static void zone_cancel_all(ea_transport *base, ea_dns_reason why)
{
	zone_transport *t = (zone_transport *)base;
	if (t->fallback)
		t->fallback->cancel_all(t->fallback, why);
	zone_process(base, 0);
}

static const char *zone_server_name(const ea_transport *base, size_t i)
{
	const zone_transport *t = (const zone_transport *)base;
	if (t->fallback)
		return t->fallback->server_name(t->fallback, i);
	return i == 0 ? "zone files" : NULL;
}

static void zone_free(ea_transport *base)
{
	zone_transport *t = (zone_transport *)base;
	zone_done *d = t->head;
	while (d) {
		zone_done *n = d->next;
		ea_dns_answer_free(d->answer);
		free(d);
		d = n;
	}
	if (t->fallback)
		t->fallback->free(t->fallback);
	ea_zone_store_free(t->z);
	free(t);
}

static ea_transport_counters zone_counters(const ea_transport *base)
{
	const zone_transport *t = (const zone_transport *)base;
	ea_transport_counters none = {0, 0};
	return t->fallback && t->fallback->counters ? t->fallback->counters(t->fallback) : none;
}

ea_transport *ea_transport_zone_new(ea_zone_store *z, ea_transport *fallback)
{
	zone_transport *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->base.send = zone_send;
	t->base.process = zone_process;
	t->base.inflight = zone_inflight;
	t->base.cancel_all = zone_cancel_all;
	t->base.server_name = zone_server_name;
	t->base.counters = zone_counters;
	t->base.free = zone_free;
	t->z = z;
	t->fallback = fallback;
	return &t->base;
}
