/* Abuse limits of the server: a per-client rate limit (token buckets) and a global
 * cap on checks running at once. Both are thread-safe. */
#ifndef SRV_LIMITS_H
#define SRV_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SRV_RATE_CLIENTS 4096    /* clients remembered; past that the longest idle is forgotten */
#define SRV_RATE_PROBE 8         /* slots tried per client before evicting */
#define SRV_RATE_BURST_MAX 10    /* checks a client may make at once before the rate applies */

typedef struct srv_limits srv_limits;

/* per_minute 0: no rate limit. max_active: checks running at once (at least 1). */
srv_limits *srv_limits_new(unsigned per_minute, unsigned max_active);
void srv_limits_free(srv_limits *l);

/* Takes one check from the client's bucket. Returns true if allowed; else false and
 * *retry_after_s says when the next one will be. IPv6 clients count per /64. */
bool srv_rate_take(srv_limits *l, const struct sockaddr *addr, double now_ms,
                   unsigned *retry_after_s);

/* Enters the global gate of running checks: false when it is full. */
bool srv_gate_enter(srv_limits *l);
void srv_gate_leave(srv_limits *l);
unsigned srv_gate_active(srv_limits *l);

#endif
