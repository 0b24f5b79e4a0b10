#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

typedef struct {
	uint8_t key[16];
	bool used;
	double tokens;
	double last_ms;
} bucket;

struct srv_limits {
	pthread_mutex_t mu;
	double per_ms;          /* tokens gained per millisecond */
	double burst;
	bucket buckets[SRV_RATE_CLIENTS];
	atomic_uint active;
	unsigned max_active;
};

srv_limits *srv_limits_new(unsigned per_minute, unsigned max_active)
{
	srv_limits *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	pthread_mutex_init(&l->mu, NULL);
	l->per_ms = per_minute / 60000.0;
	l->burst = per_minute < SRV_RATE_BURST_MAX ? per_minute : SRV_RATE_BURST_MAX;
	if (l->burst < 1)
		l->burst = 1;
	atomic_init(&l->active, 0);
	l->max_active = max_active ? max_active : 1;
	return l;
}

void srv_limits_free(srv_limits *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* The client's key: the IPv4 address, or the /64 of an IPv6 address (one host
 * usually holds a whole /64). */
static void client_key(const struct sockaddr *addr, uint8_t key[16])
{
	memset(key, 0, 16);
	if (addr == NULL)
		return;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)addr;
		memcpy(key, &a->sin_addr, 4);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)addr;
		static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a->sin6_addr.s6_addr, v4mapped, 12) == 0)
			memcpy(key, a->sin6_addr.s6_addr + 12, 4);
		else {
			memcpy(key, a->sin6_addr.s6_addr, 8);
			key[15] = 6;
		}
	}
}

static size_t key_hash(const uint8_t key[16])
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 1099511628211ULL;
	return (size_t)(h % SRV_RATE_CLIENTS);
}

static bucket *find_bucket(srv_limits *l, const uint8_t key[16], double now_ms)
{
	size_t h = key_hash(key);
	bucket *oldest = NULL;
	for (size_t i = 0; i < SRV_RATE_PROBE; i++) {
		bucket *b = &l->buckets[(h + i) % SRV_RATE_CLIENTS];
		if (b->used && memcmp(b->key, key, 16) == 0)
			return b;
		if (!b->used) {
			oldest = b;
			break;
		}
		if (oldest == NULL || b->last_ms < oldest->last_ms)
			oldest = b;
	}
	memcpy(oldest->key, key, 16);
	oldest->used = true;
	oldest->tokens = l->burst;
	oldest->last_ms = now_ms;
	return oldest;
}

bool srv_rate_take(srv_limits *l, const struct sockaddr *addr, double now_ms,
                   unsigned *retry_after_s)
{
	*retry_after_s = 0;
	if (l->per_ms <= 0)
		return true;
	uint8_t key[16];
	client_key(addr, key);
	pthread_mutex_lock(&l->mu);
	bucket *b = find_bucket(l, key, now_ms);
	double elapsed = now_ms - b->last_ms;
	if (elapsed > 0)
		b->tokens = fmin(l->burst, b->tokens + elapsed * l->per_ms);
	b->last_ms = now_ms;
	bool ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	else
		*retry_after_s = (unsigned)ceil((1.0 - b->tokens) / l->per_ms / 1000.0);
	pthread_mutex_unlock(&l->mu);
	if (!ok && *retry_after_s == 0)
		*retry_after_s = 1;
	return ok;
}

bool srv_gate_enter(srv_limits *l)
{
	unsigned cur = atomic_load(&l->active);
	while (cur < l->max_active)
		if (atomic_compare_exchange_weak(&l->active, &cur, cur + 1))
			return true;
	return false;
}

void srv_gate_leave(srv_limits *l)
{
	atomic_fetch_sub(&l->active, 1);
}

unsigned srv_gate_active(srv_limits *l)
{
	return atomic_load(&l->active);
}
