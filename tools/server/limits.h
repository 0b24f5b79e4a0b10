/* Abuse limits of the server: a per-client rate limit (token buckets) and a gate on
 * checks running at once that is fair between addresses. Both are thread-safe. */
#ifndef SRV_LIMITS_H
#define SRV_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SRV_RATE_CLIENTS 4096    /* clients remembered; past that the longest idle is forgotten */
#define SRV_RATE_PROBE 8         /* slots tried per client before evicting */
#define SRV_RATE_BURST_MAX 10    /* checks a client may make at once before the rate applies */
#define SRV_GATE_SHARE 4         /* an address runs at most 1/4 of the checks at once ... */
#define SRV_GATE_PER_IP_MAX 4    /* ... and never more than this many */
#define SRV_GATE_WAITERS 64      /* requests waiting for a check slot, in all */
#define SRV_USAGE_HALF_LIFE_MS 60000.0
#define SRV_GATE_HEAVY_MS 2000.0 /* an address whose checks held slots this long lately ... */
#define SRV_GATE_RESERVE 8       /* ... leaves 1 slot in 8 free for the others (max_active > 2) */
#define SRV_GATE_REFUSED_MS 250.0 /* a refusal counts as this much slot time: asking past */
                                  /* one's share is using */

typedef struct srv_limits srv_limits;

/* The key a client is counted under: the IPv4 address, or the /64 of an IPv6 one. */
void srv_client_key(const struct sockaddr *addr, uint8_t key[16]);

/* per_minute 0: no rate limit. max_active: checks running at once (at least 1);
 * wait_ms: how long a request may wait for a slot. */
srv_limits *srv_limits_new(unsigned per_minute, unsigned max_active, double wait_ms);
void srv_limits_free(srv_limits *l);

/* Takes one check from the client's bucket. Returns true if allowed; else false and
 * *retry_after_s says when the next one will be. IPv6 clients count per /64. */
bool srv_rate_take(srv_limits *l, const struct sockaddr *addr, double now_ms,
                   unsigned *retry_after_s);

/* The time the client's checks held a slot lately (milliseconds, halved every
 * SRV_USAGE_HALF_LIFE_MS): a client of slow checks has used much, a quiet one little.
 * The gate serves the least used first. */
double srv_usage_get(srv_limits *l, const struct sockaddr *addr, double now_ms);
void srv_usage_add(srv_limits *l, const struct sockaddr *addr, double slot_ms, double now_ms);

/* The gate. An address runs at most max_active / SRV_GATE_SHARE checks at once (at
 * least 1, at most SRV_GATE_PER_IP_MAX). When every slot is taken, a request from an
 * address with nothing running or waiting waits for one, up to wait_ms; a freed slot
 * goes to the waiter whose address used the least (srv_usage_get, refusals counted as
 * SRV_GATE_REFUSED_MS each), the earliest among equals. A heavy address (usage over SRV_GATE_HEAVY_MS) never takes the last slots
 * (1 in SRV_GATE_RESERVE): a quiet client finds one free at once. So a few addresses cannot take every slot, and a flood
 * from many cannot keep a quiet client out. */
typedef enum { SRV_GATE_OK, SRV_GATE_BUSY, SRV_GATE_ADDRESS_BUSY } srv_gate_result;
srv_gate_result srv_gate_enter(srv_limits *l, const struct sockaddr *addr);
void srv_gate_leave(srv_limits *l, const struct sockaddr *addr);
unsigned srv_gate_active(srv_limits *l);

/* Counts by client key, in a table of fixed capacity; not locked (the caller locks). */
typedef struct srv_addr_counts srv_addr_counts;
srv_addr_counts *srv_addr_counts_new(size_t capacity);
void srv_addr_counts_free(srv_addr_counts *t);
unsigned srv_addr_counts_get(const srv_addr_counts *t, const uint8_t key[16]);
/* False when a new key does not fit (the count is then not kept). */
bool srv_addr_counts_add(srv_addr_counts *t, const uint8_t key[16], int delta);

#endif
