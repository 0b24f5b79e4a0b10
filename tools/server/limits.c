#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <emailauth/emailauth.h>
#include "limits.h"

typedef struct {
	uint8_t key[16];
	bool used;
	double tokens;
	double last_ms;
	double used_ms;         /* slot time, decayed (srv_usage_get) */
	double used_at;
} bucket;

typedef struct {
	uint8_t key[16];
	double priority;
	uint64_t seq;           /* arrival order */
	bool used;
	bool admitted;          /* given a slot by srv_gate_leave */
} waiter;

struct srv_limits {
	pthread_mutex_t mu;
	double per_ms;          /* tokens gained per millisecond */
	double burst;
	bucket buckets[SRV_RATE_CLIENTS];
	/* The gate. */
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	atomic_uint active;
	unsigned max_active;
	unsigned per_address;
	unsigned reserve;       /* slots heavy addresses leave to the others */
	double wait_ms;
	srv_addr_counts *running;
	waiter waiters[SRV_GATE_WAITERS];
	unsigned waiting;       /* waiters not yet admitted */
	uint64_t seq;
};

srv_limits *srv_limits_new(unsigned per_minute, unsigned max_active, double wait_ms)
{
	srv_limits *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->max_active = max_active ? max_active : 1;
	l->running = srv_addr_counts_new(l->max_active);
	if (l->running == NULL) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_mutex_init(&l->gate_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->gate_cv, &ca);
	pthread_condattr_destroy(&ca);
	l->per_ms = per_minute / 60000.0;
	l->burst = per_minute < SRV_RATE_BURST_MAX ? per_minute : SRV_RATE_BURST_MAX;
	if (l->burst < 1)
		l->burst = 1;
	atomic_init(&l->active, 0);
	l->per_address = l->max_active / SRV_GATE_SHARE;
	if (l->per_address < 1)
		l->per_address = 1;
	if (l->per_address > SRV_GATE_PER_IP_MAX)
		l->per_address = SRV_GATE_PER_IP_MAX;
	l->reserve = l->max_active > 2 ? (l->max_active + SRV_GATE_RESERVE - 1) / SRV_GATE_RESERVE : 0;
	l->wait_ms = wait_ms;
	return l;
}

void srv_limits_free(srv_limits *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->mu);
	pthread_mutex_destroy(&l->gate_mu);
	pthread_cond_destroy(&l->gate_cv);
	srv_addr_counts_free(l->running);
	free(l);
}

/* One host usually holds a whole IPv6 /64. */
void srv_client_key(const struct sockaddr *addr, uint8_t key[16])
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
	oldest->used_ms = 0;
	oldest->used_at = now_ms;
	return oldest;
}

bool srv_rate_take(srv_limits *l, const struct sockaddr *addr, double now_ms,
                   unsigned *retry_after_s)
{
	*retry_after_s = 0;
	if (l->per_ms <= 0)
		return true;
	uint8_t key[16];
	srv_client_key(addr, key);
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

static double decayed(const bucket *b, double now_ms)
{
	return now_ms > b->used_at ? b->used_ms * exp2(-(now_ms - b->used_at) / SRV_USAGE_HALF_LIFE_MS)
	                           : b->used_ms;
}

/* Locks mu; the gate calls these with gate_mu held (the order is always gate_mu, mu). */
static double usage_of(srv_limits *l, const uint8_t key[16], double now_ms)
{
	pthread_mutex_lock(&l->mu);
	double used = decayed(find_bucket(l, key, now_ms), now_ms);
	pthread_mutex_unlock(&l->mu);
	return used;
}

static void usage_add(srv_limits *l, const uint8_t key[16], double ms, double now_ms)
{
	pthread_mutex_lock(&l->mu);
	bucket *b = find_bucket(l, key, now_ms);
	b->used_ms = decayed(b, now_ms) + ms;
	b->used_at = now_ms;
	pthread_mutex_unlock(&l->mu);
}

double srv_usage_get(srv_limits *l, const struct sockaddr *addr, double now_ms)
{
	uint8_t key[16];
	srv_client_key(addr, key);
	return usage_of(l, key, now_ms);
}

void srv_usage_add(srv_limits *l, const struct sockaddr *addr, double slot_ms, double now_ms)
{
	uint8_t key[16];
	srv_client_key(addr, key);
	usage_add(l, key, slot_ms, now_ms);
}

/* Whether a request of this priority may take a slot now (gate_mu held). */
static bool slot_free(srv_limits *l, double priority)
{
	unsigned limit = l->max_active - (-priority >= SRV_GATE_HEAVY_MS ? l->reserve : 0);
	return atomic_load(&l->active) < limit;
}

/* The best waiter that may run now (gate_mu held), or NULL. */
static waiter *next_waiter(srv_limits *l)
{
	waiter *best = NULL;
	double now = ea_now_ms();
	for (size_t i = 0; i < SRV_GATE_WAITERS; i++) {
		waiter *w = &l->waiters[i];
		if (w->used && !w->admitted)
			w->priority = -usage_of(l, w->key, now);   /* refusals while waiting count */
		if (!w->used || w->admitted || srv_addr_counts_get(l->running, w->key) >= l->per_address ||
		    !slot_free(l, w->priority))
			continue;
		if (best == NULL || w->priority > best->priority ||
		    (w->priority == best->priority && w->seq < best->seq))
			best = w;
	}
	return best;
}

static void take_slot(srv_limits *l, const uint8_t key[16])
{
	atomic_fetch_add(&l->active, 1);
	srv_addr_counts_add(l->running, key, 1);
}

/* Hands the free slots to the best waiters that may take them (gate_mu held). */
static void admit_waiters(srv_limits *l)
{
	bool handed = false;
	waiter *w;
	while ((w = next_waiter(l)) != NULL) {
		w->admitted = true;
		l->waiting--;
		take_slot(l, w->key);
		handed = true;
	}
	if (handed)
		pthread_cond_broadcast(&l->gate_cv);
}

srv_gate_result srv_gate_enter(srv_limits *l, const struct sockaddr *addr)
{
	uint8_t key[16];
	srv_client_key(addr, key);
	pthread_mutex_lock(&l->gate_mu);
	unsigned mine = srv_addr_counts_get(l->running, key);
	waiter *w = NULL;
	bool waiting_here = false;
	for (size_t i = 0; i < SRV_GATE_WAITERS; i++) {
		if (l->waiters[i].used && memcmp(l->waiters[i].key, key, 16) == 0)
			waiting_here = true;
		if (!l->waiters[i].used && w == NULL)
			w = &l->waiters[i];
	}
	if (mine >= l->per_address || w == NULL) {
		usage_add(l, key, SRV_GATE_REFUSED_MS, ea_now_ms());
		pthread_mutex_unlock(&l->gate_mu);
		return w == NULL ? SRV_GATE_BUSY : SRV_GATE_ADDRESS_BUSY;
	}
	/* In the queue at once: a slot free now goes to whoever is best, this request or
	 * one that waits already. */
	*w = (waiter){.priority = -usage_of(l, key, ea_now_ms()), .seq = l->seq++, .used = true};
	memcpy(w->key, key, 16);
	l->waiting++;
	admit_waiters(l);
	/* Only an address with nothing running or waiting may wait. */
	if (!w->admitted && mine == 0 && !waiting_here && l->wait_ms > 0) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		long long ns = until.tv_nsec + (long long)(fmod(l->wait_ms, 1000.0) * 1e6);
		until.tv_sec += (time_t)(l->wait_ms / 1000.0) + (time_t)(ns / 1000000000LL);
		until.tv_nsec = (long)(ns % 1000000000LL);
		while (!w->admitted)
			if (pthread_cond_timedwait(&l->gate_cv, &l->gate_mu, &until) != 0 && !w->admitted)
				break;
	}
	srv_gate_result r = w->admitted ? SRV_GATE_OK : SRV_GATE_BUSY;
	if (!w->admitted) {
		l->waiting--;
		usage_add(l, key, SRV_GATE_REFUSED_MS, ea_now_ms());
	}
	w->used = false;
	pthread_mutex_unlock(&l->gate_mu);
	return r;
}

void srv_gate_leave(srv_limits *l, const struct sockaddr *addr)
{
	uint8_t key[16];
	srv_client_key(addr, key);
	pthread_mutex_lock(&l->gate_mu);
	atomic_fetch_sub(&l->active, 1);
	srv_addr_counts_add(l->running, key, -1);
	admit_waiters(l);
	pthread_mutex_unlock(&l->gate_mu);
}

unsigned srv_gate_active(srv_limits *l)
{
	return atomic_load(&l->active);
}

typedef struct {
	uint8_t key[16];
	unsigned count;
} addr_count;

struct srv_addr_counts {
	size_t len, cap;
	addr_count items[];
};

srv_addr_counts *srv_addr_counts_new(size_t capacity)
{
	srv_addr_counts *t = calloc(1, sizeof(*t) + capacity * sizeof(addr_count));
	if (t)
		t->cap = capacity;
	return t;
}

void srv_addr_counts_free(srv_addr_counts *t)
{
	free(t);
}

/* A linear scan: the table holds at most one entry per connection or check. */
static size_t counts_find(const srv_addr_counts *t, const uint8_t key[16])
{
	size_t i = 0;
	while (i < t->len && memcmp(t->items[i].key, key, 16) != 0)
		i++;
	return i;
}

unsigned srv_addr_counts_get(const srv_addr_counts *t, const uint8_t key[16])
{
	size_t i = counts_find(t, key);
	return i < t->len ? t->items[i].count : 0;
}

bool srv_addr_counts_add(srv_addr_counts *t, const uint8_t key[16], int delta)
{
	size_t i = counts_find(t, key);
	addr_count *c = i < t->len ? &t->items[i] : NULL;
	if (c == NULL) {
		if (delta <= 0)
			return true;
		if (t->len == t->cap)
			return false;
		c = &t->items[t->len++];
		memcpy(c->key, key, 16);
		c->count = 0;
	}
	if (delta < 0 && c->count < (unsigned)-delta)
		c->count = 0;
	else
		c->count = (unsigned)((int)c->count + delta);
	if (c->count == 0)
		*c = t->items[--t->len];    /* the last takes its place */
	return true;
}
