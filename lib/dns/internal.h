/* The DNS layer's private interface: wire building and parsing, transports. */
#ifndef EA_DNS_INTERNAL_H
#define EA_DNS_INTERNAL_H

#include <emailauth/emailauth.h>

/* Limits on what one answer may carry (a hostile server must not make us large). */
#define EA_DNS_MAX_WIRE 65535          /* RFC 1035: a DNS message over TCP */
#define EA_DNS_MAX_ANSWER_RRS 256      /* records kept from one answer section */
#define EA_DNS_MAX_CNAME_HOPS 16       /* CNAMEs followed in one answer; past it: unknown */
#define EA_DNS_MAX_RDATA_TEXT 8192     /* presentation form of one RDATA */
#define EA_DNS_EDNS_PAYLOAD 1232       /* DNS flag day 2020 UDP payload size */

/* An owned answer: the public struct and the memory behind it. */
typedef struct ea_answer_owned ea_answer_owned;

/* Parses a DNS response. Always returns an answer (outcome UNKNOWN, reason MALFORMED
 * when the bytes do not parse, or when the response does not match the question),
 * or NULL when out of memory. */
ea_dns_answer *ea_dns_parse_response(const uint8_t *wire, size_t len, const char *qname,
                                     uint16_t qtype, const char *server, double ms);
/* An answer for a lookup that got no usable response. */
ea_dns_answer *ea_dns_answer_failed(const char *qname, uint16_t qtype, ea_dns_reason why,
                                    const char *server, double ms);
void ea_dns_answer_free(ea_dns_answer *a);
/* One answer from two: head ended in a CNAME chain leaving it (a server that does not
 * recurse), tail is the answer for the chain's last name. The result is for head's
 * question, with both chains in order and tail's outcome; ms is the time of both. */
ea_dns_answer *ea_dns_answer_join(const ea_dns_answer *head, const ea_dns_answer *tail, double ms);
/* The answer a CNAME query for a's name would get, read off a (an answer for another
 * type at the same name, RFC 1034 section 3.6.2: it carries the name's CNAME, or says
 * the name does not exist). NULL when a does not tell (NODATA, an error), or out of
 * memory: then the CNAME query is sent. */
ea_dns_answer *ea_dns_answer_cname_from(const ea_dns_answer *a);

/* Builds a query with EDNS; rd: recursion desired. Returns the length, or 0 when the
 * name cannot be encoded (too long). */
size_t ea_dns_build_query(uint8_t *buf, size_t cap, const char *name, uint16_t type,
                          bool rd, uint16_t id);

/* Canonical key form of a name: lowercase, no trailing dot, "" for the root. Returns
 * false if it is longer than EA_NAME_MAX. */
bool ea_dns_name_key(const char *name, char *out, size_t out_size);
/* The wire form of a name key (as knot_dname_from_str gives for key + "."); false if it
 * does not encode or does not fit size. */
bool ea_dns_key_wire(const char *key, uint8_t *out, size_t size);

/* Transports. A completion is called from ea_transport->process(), never from send(). */
typedef void (*ea_transport_cb)(void *arg, ea_dns_answer *answer, int server_index);

typedef struct ea_transport ea_transport;
/* What a transport counts beside the resolver's own counters. */
typedef struct {
	uint64_t servers_marked_down;   /* times a server was marked down (timeouts in a row) */
	uint64_t down_skipped;          /* queries not sent to a server marked down */
} ea_transport_counters;
struct ea_transport {
	/* server_ip: NULL for the configured resolvers (with failover), or an address to ask
	 * directly without recursion. Returns EA_OK or an error (then cb is not called). */
	int (*send)(ea_transport *t, const char *name, uint16_t type, const char *server_ip,
	            ea_transport_cb cb, void *arg);
	/* Waits up to timeout_ms for events and runs completions. Returns how many ran. */
	int (*process)(ea_transport *t, int timeout_ms);
	size_t (*inflight)(const ea_transport *t);
	/* Ends every query in flight with reason why (completions run). */
	void (*cancel_all)(ea_transport *t, ea_dns_reason why);
	const char *(*server_name)(const ea_transport *t, size_t i);
	void (*free)(ea_transport *t);
	ea_transport_counters (*counters)(const ea_transport *t);   /* NULL: none kept */
};

ea_transport *ea_transport_net_new(const ea_resolver_config *cfg, int *err, char *errmsg,
                                   size_t errmsg_size);

/* The in-memory store: zone files loaded with libzscanner, answered like an
 * authoritative server plus a resolver following CNAMEs. Names outside every zone
 * go to `fallback` when given, else end EA_DNS_R_NOT_SERVED. */
typedef struct ea_zone_store ea_zone_store;
ea_zone_store *ea_zone_store_new(void);
void ea_zone_store_free(ea_zone_store *z);
/* Loads a zone file; origin NULL: taken from the file's first SOA (or $ORIGIN). */
int ea_zone_store_load_file(ea_zone_store *z, const char *path, char *errmsg, size_t errmsg_size);
/* Adds records from zone-file text, e.g. "name. 300 IN TXT \"v=spf1 -all\"". */
int ea_zone_store_add_text(ea_zone_store *z, const char *origin, const char *text,
                           char *errmsg, size_t errmsg_size);
/* Marks (name, type) as timing out; type 0: every type. Used by conformance suites. */
int ea_zone_store_add_timeout(ea_zone_store *z, const char *name, uint16_t type);
/* Declares a zone apex with no SOA given (so names below it are served). */
int ea_zone_store_add_zone(ea_zone_store *z, const char *apex);
/* Answers a query as wire bytes (a response); returns length, 0 for "timeout", and
 * sets *served=false when the name is outside every zone. */
size_t ea_zone_store_answer(const ea_zone_store *z, const char *name, uint16_t type,
                            uint8_t *buf, size_t cap, bool *served);
/* The same; left_at (left_size bytes) gets the name where a CNAME chain left the
 * loaded zones, "" if it did not: the answer then holds the chain so far only. */
size_t ea_zone_store_answer_chain(const ea_zone_store *z, const char *name, uint16_t type,
                                  uint8_t *buf, size_t cap, bool *served, char *left_at,
                                  size_t left_size);
ea_transport *ea_transport_zone_new(ea_zone_store *z, ea_transport *fallback);

/* Builds a resolver over any transport (used by tests with their own zone store). */
ea_resolver *ea_resolver_new_with_transport(ea_transport *t, const ea_resolver_config *cfg);

#endif
