/*
 * DNS: a resolver with two backends (the network through c-ares, and an
 * in-memory store loaded from zone files), and the answer model the checks read.
 *
 * Every lookup ends in one of three outcomes. A lookup that failed is never
 * "absent": checks must say "could not determine" for EA_DNS_UNKNOWN.
 */
#ifndef EMAILAUTH_DNS_H
#define EMAILAUTH_DNS_H

#include <emailauth/emailauth.h>

/* RR types the checks use (IANA values). */
enum {
	EA_RR_A = 1, EA_RR_NS = 2, EA_RR_CNAME = 5, EA_RR_SOA = 6, EA_RR_PTR = 12,
	EA_RR_MX = 15, EA_RR_TXT = 16, EA_RR_AAAA = 28, EA_RR_SPF = 99,
};

typedef enum {
	EA_DNS_FOUND = 0,   /* the name has records of the asked type */
	EA_DNS_ABSENT = 1,  /* NXDOMAIN or NODATA: the name or type does not exist */
	EA_DNS_UNKNOWN = 2, /* timeout, SERVFAIL, REFUSED, malformed: no verdict possible */
} ea_dns_outcome;

/* Why the outcome is what it is; finer than the outcome, for messages and traces. */
typedef enum {
	EA_DNS_R_ANSWER = 0,    /* records found */
	EA_DNS_R_NXDOMAIN,      /* the name does not exist */
	EA_DNS_R_NODATA,        /* the name exists, with no record of this type */
	EA_DNS_R_TIMEOUT,       /* no answer within the per-query timeout and retries */
	EA_DNS_R_SERVFAIL,      /* the server answered SERVFAIL */
	EA_DNS_R_REFUSED,       /* the server answered REFUSED */
	EA_DNS_R_OTHER_RCODE,   /* another error rcode (FORMERR, NOTIMP, ...) */
	EA_DNS_R_MALFORMED,     /* the answer did not parse */
	EA_DNS_R_DEADLINE,      /* the command's time budget ran out first */
	EA_DNS_R_NOT_SERVED,    /* zone-file mode: the name is outside every loaded zone */
	EA_DNS_R_BAD_NAME,      /* the name cannot be queried (label or name too long) */
	EA_DNS_R_NETWORK,       /* a socket error */
	EA_DNS_R_TRUNCATED,     /* still truncated (TC) over TCP: the answer is not whole */
	EA_DNS_R_CNAME_LOOP,    /* the CNAME chain loops, or is longer than the hops followed */
	EA_DNS_R_WRONG_NAME,    /* the answer holds records of another name, none of ours */
} ea_dns_reason;

/* One resource record of an answer. Strings are NUL-terminated and owned by the answer. */
typedef struct {
	const char *owner;       /* presentation form, lowercase, no trailing dot */
	uint16_t type;
	uint32_t ttl;
	const char *rdata_text;  /* the RDATA in zone-file presentation form (escaped) */
	const char *target;      /* CNAME, NS, MX, PTR: the target name, lowercase; else NULL */
	uint16_t preference;     /* MX preference */
	uint8_t addr[16];        /* A (4 bytes) or AAAA (16 bytes) */
	/* TXT and SPF: the character-strings joined with no separator (RFC 7208 3.3,
	 * RFC 6376 3.6.2.2). May contain NUL bytes: always use txt_len. */
	const uint8_t *txt;
	size_t txt_len;
	uint16_t txt_strings;    /* how many character-strings were joined */
	const uint16_t *txt_string_lens; /* the length of each, txt_strings of them */
	/* SOA */
	uint32_t soa_minimum;
	uint32_t soa_serial;
} ea_dns_rr;

typedef struct {
	const char *qname;        /* lowercase, no trailing dot */
	uint16_t qtype;
	ea_dns_outcome outcome;
	ea_dns_reason reason;
	int rcode;                /* DNS rcode, or -1 when no answer arrived */
	bool ad;                  /* AD bit: validated by a DNSSEC-validating resolver */
	bool aa;                  /* AA bit: authoritative answer */
	const ea_dns_rr *rrs;     /* the answer section, CNAME chain included, in order */
	size_t rr_count;
	const char *final_name;   /* qname after following the CNAME chain in the answer */
	/* For a negative answer, the SOA of the authority section: how long a cache may
	 * keep it (RFC 2308: min(SOA TTL, SOA MINIMUM)) and which zone said it. */
	bool has_soa;
	const char *soa_owner;
	uint32_t negative_ttl;
	const char *server;       /* the server that answered (or "zone files"), for traces */
	double ms;                /* time the lookup took, in milliseconds */
} ea_dns_answer;

EA_PUBLIC const char *ea_dns_outcome_name(ea_dns_outcome o);
EA_PUBLIC const char *ea_dns_reason_text(ea_dns_reason r);
EA_PUBLIC const char *ea_rr_type_name(uint16_t type);

/* Records of one type at the end of the answer's CNAME chain (not the CNAMEs). */
EA_PUBLIC size_t ea_dns_answer_count(const ea_dns_answer *a, uint16_t type);
EA_PUBLIC const ea_dns_rr *ea_dns_answer_get(const ea_dns_answer *a, uint16_t type, size_t i);
/* The first CNAME owned by qname in the answer, or NULL. */
EA_PUBLIC const ea_dns_rr *ea_dns_answer_cname(const ea_dns_answer *a);

/* Limits of the resolver (named, with their reason). */
#define EA_RESOLVER_MAX_SERVERS 8        /* --resolver may be repeated this often */
#define EA_RESOLVER_MAX_ZONE_FILES 64    /* --zone may be repeated this often */

typedef struct {
	/* "ADDR", "ADDR:PORT", "[IPv6]:PORT". None: the system's resolvers. */
	const char *servers[EA_RESOLVER_MAX_SERVERS];
	size_t server_count;
	/* Zone files to answer from instead of the network. With zone files and no
	 * servers, names outside the files are EA_DNS_R_NOT_SERVED; with both, the
	 * network answers for names outside the files. */
	const char *zone_files[EA_RESOLVER_MAX_ZONE_FILES];
	size_t zone_file_count;
	unsigned query_timeout_ms;  /* per try; 0: default (2000) */
	unsigned tries;             /* per server; 0: default (2) */
	unsigned max_inflight;      /* queries in flight at once; 0: default (256) */
	unsigned qps;               /* cap on queries sent per second; 0: none */
	size_t cache_entries;       /* answers kept for reuse across checks; 0: default */
	uint16_t auth_port;         /* port for direct queries to authoritative servers; 0: 53 */
} ea_resolver_config;

typedef struct ea_resolver ea_resolver;

/* Returns NULL and sets *err on failure; *errmsg (static or owned by nothing) says why. */
EA_PUBLIC ea_resolver *ea_resolver_new(const ea_resolver_config *cfg, int *err,
                                       char *errmsg, size_t errmsg_size) EA_MUSTCHECK;
EA_PUBLIC void ea_resolver_free(ea_resolver *r);
/* True when the resolver answers from zone files only (no network). */
EA_PUBLIC bool ea_resolver_offline(const ea_resolver *r);

/* Counters, for scan summaries and benchmarks. */
typedef struct {
	uint64_t sent;          /* queries put on the wire (or asked of the zone store) */
	uint64_t cache_hits;    /* answers served from the cache or joined to one in flight */
	uint64_t failed;        /* lookups that ended EA_DNS_UNKNOWN */
	uint64_t failed_by_server[EA_RESOLVER_MAX_SERVERS];
	uint64_t failures_reused; /* lookups answered with a failure kept briefly (RFC 9520) */
	uint64_t servers_marked_down; /* a server timed out several times in a row: not asked for 5 s */
	uint64_t down_skipped;  /* queries not sent to a server marked down (the next resolver, or unknown) */
} ea_resolver_stats;
EA_PUBLIC void ea_resolver_get_stats(const ea_resolver *r, ea_resolver_stats *out);
EA_PUBLIC const char *ea_resolver_server_name(const ea_resolver *r, size_t i);

#endif
