/*
 * The network transport: c-ares. Channels per configured resolver, so we know
 * which server answered and fail over in order ourselves; one channel per
 * authoritative server asked directly. Queries are built and answers parsed with
 * libknot; c-ares moves the bytes (UDP, TCP on truncation, retries, timeouts).
 *
 * Many queries in flight (a scan behind real round trips): c-ares 1.18 is linear in a
 * channel's queries in ares_timeout() (it walks them all), and one socket holds only
 * what its receive buffer takes. So a resolver's queries are spread over shards, each
 * its own channel and socket, each kept at NET_SHARD_INFLIGHT at most, made as they are
 * needed; and ares_timeout() is asked only of channels with few queries: a busy one is
 * looked at every NET_TIMEOUT_TICK_MS for its timeouts (c-ares keeps them bucketed by
 * second, so that costs little). docs/performance.md has the figures.
 *
 * A server that times out NET_DOWN_AFTER_TIMEOUTS times in a row, with no answer between,
 * is marked down for NET_DOWN_MS (RFC 9520 section 3.2 lets a resolver remember an
 * unresponsive server): a configured resolver is then skipped for the next one, and an
 * authoritative server asked directly is not asked (the lookup is unknown at once, as a
 * timeout), so many domains sharing a dead server cost one wait, not one each. The last
 * configured resolver is always asked: with nothing to fail over to, a resolver that is
 * only slow would otherwise turn every lookup into a failure. Past NET_DOWN_MS the server
 * is asked again; one more timeout marks it down again, an answer clears it.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns/internal.h"
#include "dns/net_batch.h"
#include "util/util.h"

#define NET_DEFAULT_TIMEOUT_MS 2000
#define NET_DEFAULT_TRIES 2
#define NET_DEFAULT_INFLIGHT 256       /* queries in flight per transport, unless configured */
#define NET_MAX_INFLIGHT 262144        /* the most a transport may be configured for */
#define NET_SHARD_INFLIGHT 512         /* per c-ares channel (measured: docs/performance.md) */
#define NET_MAX_SHARDS (NET_MAX_INFLIGHT / NET_SHARD_INFLIGHT)
#define NET_EXACT_TIMEOUT_MAX 64       /* ares_timeout() walks a channel's queries: only this few */
#define NET_TIMEOUT_TICK_MS 50         /* a busier channel is looked at this often for timeouts */
#define NET_MAX_DIRECT_CHANNELS 64     /* authoritative servers asked directly, at most */
#define NET_MAX_POLLFDS 1024
#define NET_SERVER_NAME_MAX 64
#define NET_SOCKET_RCVBUF (4 * 1024 * 1024)  /* answers to a burst must fit (capped by rmem_max) */
#define NET_QPS_BURST_MS 50.0          /* --qps: at most this much of a second's queries at once */
/* A query: header 12, name 255, type and class 4, OPT 11. Kept small so a query fits
 * glibc's per-thread cache of freed blocks (1,032 bytes): one is made per lookup. */
#define NET_QUERY_WIRE_MAX 288
#define NET_MAX_CNAME_CHASE 8          /* CNAMEs followed past a server that does not recurse */
#define NET_DOWN_AFTER_TIMEOUTS 3      /* timeouts in a row, no answer between: the server is down */
#define NET_DOWN_MS 5000.0             /* ... and not asked for this long (the failure cache's 5 s) */
#define NET_QUERY_IDS 2048             /* random query ids drawn from the kernel at once */

/* Whether a server answers: timeouts in a row, and until when it is not asked. */
typedef struct {
	unsigned timeouts_in_a_row;
	double down_until;
} net_health;

typedef struct net_query net_query;

typedef struct {
	ares_channel channel;
	char name[NET_SERVER_NAME_MAX];    /* "127.0.0.1:5353", for traces */
	char ip[INET6_ADDRSTRLEN];         /* direct channels: the server address */
	size_t inflight;                   /* queries given to this channel and not yet back */
	net_health health;                 /* direct channels: the server's */
} net_channel;

/* A configured resolver: its queries spread over shards (channels), made when needed. */
typedef struct {
	net_channel *shards;
	size_t shard_count, shards_made, next_shard;
	char csv[NET_SERVER_NAME_MAX];
	net_health health;
} net_resolver;

typedef struct net_transport {
	ea_transport base;
	net_resolver resolvers[EA_RESOLVER_MAX_SERVERS];
	size_t resolver_count;
	net_channel direct[NET_MAX_DIRECT_CHANNELS];
	size_t direct_count;
	net_channel **made;                      /* every channel made, shards and direct */
	size_t made_count, made_cap;
	unsigned timeout_ms, tries, max_inflight, qps;
	uint16_t auth_port;
	size_t inflight;
	net_query *waiting_head, *waiting_tail;  /* over max_inflight or qps: sent later */
	net_query *done_head, *done_tail;        /* finished: completions run in process() */
	size_t waiting_count, done_count;        /* asked on every round of a scan: kept, not counted */
	double qps_tokens;                       /* token bucket: queries that may go now */
	double qps_refilled;                     /* when the bucket was last filled */
	double timeouts_next;                    /* when every channel's timeouts are next seen to */
	ea_net_batch *batch;                     /* UDP writes, sent together before a wait */
	ea_transport_counters counters;          /* servers marked down, queries not sent to them */
	uint16_t ids[NET_QUERY_IDS];             /* random query ids, used from the end */
	size_t ids_left;
	uint16_t id_fallback;                    /* when getrandom fails: still distinct ids */
} net_transport;

struct net_query {
	net_transport *t;
	net_query *next;
	char name[EA_NAME_MAX + 1];      /* the lookup's name (its answer is for this name) */
	char asked[EA_NAME_MAX + 1];     /* the name on the wire: name, or where its CNAMEs led */
	ea_dns_answer *chain;            /* the answers so far when a CNAME chain was followed */
	unsigned chased;
	uint16_t type;
	bool direct;
	int channel_index;       /* resolvers[] index, or direct[] index */
	net_channel *channel;    /* the channel it was sent on */
	double started;
	ea_transport_cb cb;
	void *arg;
	ea_dns_answer *answer;
	uint8_t wire[NET_QUERY_WIRE_MAX];
	size_t wire_len;
};
_Static_assert(sizeof(struct net_query) <= 1024, "a query no longer fits glibc's thread cache");

static void queue_push(net_query **head, net_query **tail, size_t *count, net_query *q)
{
	(*count)++;
	q->next = NULL;
	if (*tail)
		(*tail)->next = q;
	else
		*head = q;
	*tail = q;
}

static net_query *queue_pop(net_query **head, net_query **tail, size_t *count)
{
	net_query *q = *head;
	if (q) {
		(*count)--;
		*head = q->next;
		if (*head == NULL)
			*tail = NULL;
	}
	return q;
}

/* A random id for a query (RFC 5452 section 4.3: unpredictable, against forged answers).
 * c-ares 1.18 keeps the id of the query it is given, and matches an answer by walking the
 * channel's queries with that id, comparing questions: with one id for all (0, as this
 * transport once sent), every answer that came back out of order walked the queries in
 * flight, so the cost of a query grew with their number (docs/performance.md). */
static uint16_t next_query_id(net_transport *t)
{
	if (t->ids_left == 0) {
		ssize_t got = getrandom(t->ids, sizeof(t->ids), GRND_NONBLOCK);
		t->ids_left = got > 0 ? (size_t)got / sizeof(t->ids[0]) : 0;
		if (t->ids_left == 0)
			return ++t->id_fallback * 40503u;   /* a Fibonacci step: distinct for 65,536 */
	}
	return t->ids[--t->ids_left];
}

static int channel_init(net_transport *t, net_channel *c, const char *csv, bool recursive)
{
	struct ares_options opts;
	memset(&opts, 0, sizeof(opts));
	/* NOCHECKRESP: hand SERVFAIL and REFUSED to us; we fail over and report them. */
	/* STAYOPEN: a shard that empties keeps its socket (else c-ares closes it each time). */
	opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_EDNS | ARES_FLAG_STAYOPEN |
	             (recursive ? 0 : ARES_FLAG_NORECURSE);
	opts.timeout = (int)t->timeout_ms;
	opts.tries = (int)t->tries;
	opts.ednspsz = EA_DNS_EDNS_PAYLOAD;
	/* With hundreds of queries in flight on one socket, the default receive buffer
	 * (about 90 loopback datagrams) overflowed and answers were lost to timeouts. */
	opts.socket_receive_buffer_size = NET_SOCKET_RCVBUF;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
	           ARES_OPT_SOCK_RCVBUF;
	if (ares_init_options(&c->channel, &opts, mask) != ARES_SUCCESS)
		return EA_EDNS;
	if (ares_set_servers_ports_csv(c->channel, csv) != ARES_SUCCESS) {
		ares_destroy(c->channel);
		c->channel = NULL;
		return EA_EINVAL;
	}
	ea_net_batch_attach(t->batch, c->channel);
	ea_copy(c->name, sizeof(c->name), csv);
	c->inflight = 0;
	t->made[t->made_count++] = c;   /* made_cap counts every channel there can be */
	return EA_OK;
}

/* "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" to the c-ares form, checked. */
static bool server_to_csv(const char *in, char *out, size_t out_size)
{
	char host[INET6_ADDRSTRLEN + 1];
	unsigned port = 53;
	unsigned char tmp[16];
	if (in[0] == '[') {
		const char *close = strchr(in, ']');
		if (close == NULL || (size_t)(close - in - 1) >= sizeof(host))
			return false;
		memcpy(host, in + 1, (size_t)(close - in - 1));
		host[close - in - 1] = '\0';
		if (close[1] == ':' && sscanf(close + 2, "%u", &port) != 1)
			return false;
		if (inet_pton(AF_INET6, host, tmp) != 1 || port == 0 || port > 65535)
			return false;
		snprintf(out, out_size, "[%s]:%u", host, port);
		return true;
	}
	const char *colon = strchr(in, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* a bare IPv6 address */
		if (inet_pton(AF_INET6, in, tmp) != 1)
			return false;
		snprintf(out, out_size, "[%s]:53", in);
		return true;
	}
	size_t hl = colon ? (size_t)(colon - in) : strlen(in);
	if (hl >= sizeof(host))
		return false;
	memcpy(host, in, hl);
	host[hl] = '\0';
	if (colon && sscanf(colon + 1, "%u", &port) != 1)
		return false;
	if (inet_pton(AF_INET, host, tmp) != 1 || port == 0 || port > 65535)
		return false;
	snprintf(out, out_size, "%s:%u", host, port);
	return true;
}

/* The system's resolvers, read by c-ares from /etc/resolv.conf. */
static size_t system_servers(char out[][NET_SERVER_NAME_MAX], size_t max)
{
	ares_channel ch;
	if (ares_init(&ch) != ARES_SUCCESS)
		return 0;
	struct ares_addr_port_node *list = NULL, *n;
	size_t count = 0;
	if (ares_get_servers_ports(ch, &list) == ARES_SUCCESS) {
		for (n = list; n != NULL && count < max; n = n->next) {
			char ip[INET6_ADDRSTRLEN];
			int port = n->udp_port ? n->udp_port : 53;
			if (n->family == AF_INET) {
				inet_ntop(AF_INET, &n->addr.addr4, ip, sizeof(ip));
				snprintf(out[count++], NET_SERVER_NAME_MAX, "%s:%d", ip, port);
			} else if (n->family == AF_INET6) {
				inet_ntop(AF_INET6, &n->addr.addr6, ip, sizeof(ip));
				snprintf(out[count++], NET_SERVER_NAME_MAX, "[%s]:%d", ip, port);
			}
		}
		ares_free_data(list);
	}
	ares_destroy(ch);
	return count;
}

static void net_send_now(net_query *q);

/* A server that does not recurse (an authoritative one given as --resolver) answers
 * a CNAME leaving its zone with the CNAME alone: follow it ourselves, as a resolver
 * would (RFC 1034 section 4.3.2), so the answer is the same as through a resolver.
 * Direct queries to authoritative servers ask about one server: they are not followed. */
static bool should_chase(const net_query *q, const ea_dns_answer *a, const unsigned char *abuf,
                         int alen)
{
	bool recursion_available = alen > 3 && (abuf[3] & 0x80) != 0;   /* RA bit, RFC 1035 4.1.1 */
	return !q->direct && !recursion_available && q->type != EA_RR_CNAME &&
	       q->chased < NET_MAX_CNAME_CHASE && a->outcome == EA_DNS_ABSENT &&
	       a->reason == EA_DNS_R_NODATA && strcmp(a->final_name, a->qname) != 0;
}

/* Adds a to the chain followed so far (a is consumed). Returns the joined answer. */
static ea_dns_answer *chain_add(net_query *q, ea_dns_answer *a, double ms)
{
	if (q->chain == NULL)
		return a;
	ea_dns_answer *joined = ea_dns_answer_join(q->chain, a, ms);
	ea_dns_answer_free(q->chain);
	ea_dns_answer_free(a);
	q->chain = NULL;
	return joined;
}

static void query_finish(net_query *q, ea_dns_answer *a)
{
	net_transport *t = q->t;
	t->inflight--;
	q->answer = a;
	queue_push(&t->done_head, &t->done_tail, &t->done_count, q);
}

static net_health *query_server_health(net_query *q)
{
	return q->direct ? &q->t->direct[q->channel_index].health
	                 : &q->t->resolvers[q->channel_index].health;
}

/* A query to the server ended with status: a timeout counts towards marking it down, any
 * answer (an error rcode too) shows it up. Cancelled queries tell nothing. */
static void health_note(net_transport *t, net_health *h, int status)
{
	if (status == ARES_ETIMEOUT) {
		if (++h->timeouts_in_a_row < NET_DOWN_AFTER_TIMEOUTS)
			return;
		double now = ea_now_ms();
		if (now >= h->down_until)
			t->counters.servers_marked_down++;
		h->down_until = now + NET_DOWN_MS;
	} else if (status != ARES_ECANCELLED && status != ARES_EDESTRUCTION && status != ARES_ECONNREFUSED) {
		h->timeouts_in_a_row = 0;
	}
}

static bool server_down(const net_health *h)
{
	return h->timeouts_in_a_row >= NET_DOWN_AFTER_TIMEOUTS && ea_now_ms() < h->down_until;
}

static void on_ares_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	net_query *q = arg;
	net_transport *t = q->t;
	net_channel *c = q->channel;
	c->inflight--;
	health_note(t, query_server_health(q), status);
	double ms = ea_now_ms() - q->started;
	ea_dns_answer *a;
	if (status == ARES_SUCCESS && abuf != NULL && alen > 0)
		a = ea_dns_parse_response(abuf, (size_t)alen, q->asked, q->type, c->name, ms);
	else {
		ea_dns_reason why = EA_DNS_R_NETWORK;
		if (status == ARES_ETIMEOUT)
			why = EA_DNS_R_TIMEOUT;
		else if (status == ARES_ESERVFAIL)
			why = EA_DNS_R_SERVFAIL;
		else if (status == ARES_EREFUSED)
			why = EA_DNS_R_REFUSED;
		else if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION)
			why = EA_DNS_R_DEADLINE;
		a = ea_dns_answer_failed(q->asked, q->type, why, c->name, ms);
	}
	/* Fail over in order: a resolver that failed may be alone in failing. */
	bool failed = a == NULL || a->outcome == EA_DNS_UNKNOWN;
	bool cancelled = a != NULL && a->reason == EA_DNS_R_DEADLINE;
	if (failed && !cancelled && !q->direct && (size_t)q->channel_index + 1 < t->resolver_count) {
		ea_dns_answer_free(a);
		q->channel_index++;
		t->inflight--;
		net_send_now(q);
		return;
	}
	if (a != NULL && should_chase(q, a, abuf, alen)) {
		ea_dns_answer *so_far = chain_add(q, a, ms);
		size_t len = so_far ? ea_dns_build_query(q->wire, sizeof(q->wire), so_far->final_name, q->type,
		                                         true, next_query_id(t)) : 0;
		if (len > 0) {
			ea_copy(q->asked, sizeof(q->asked), so_far->final_name);
			q->wire_len = len;
			q->chain = so_far;
			q->chased++;
			t->inflight--;
			net_send_now(q);
			return;
		}
		a = so_far;   /* cannot follow (out of memory, name too long): the chain as it is */
	} else if (a != NULL) {
		a = chain_add(q, a, ms);
	}
	if (a != NULL && q->chased >= NET_MAX_CNAME_CHASE && a->outcome == EA_DNS_ABSENT &&
	    a->reason == EA_DNS_R_NODATA && strcmp(a->final_name, a->qname) != 0) {
		a->outcome = EA_DNS_UNKNOWN;   /* the chain goes on past the hops followed: no NODATA */
		a->reason = EA_DNS_R_CNAME_LOOP;
	}
	if (a == NULL)
		a = ea_dns_answer_failed(q->name, q->type, EA_DNS_R_NETWORK, c->name, ms);
	query_finish(q, a);
}

/* The shard a resolver's next query goes to: the current one while it has room, else the
 * next with room (made on first use). So a small scan keeps to one socket (one sendmmsg
 * and one read a round), and a large one fills shards in turn, none past
 * NET_SHARD_INFLIGHT. NULL if no shard can be made. */
static net_channel *resolver_shard(net_transport *t, net_resolver *res)
{
	net_channel *fallback = NULL;
	for (size_t k = 0; k < res->shard_count; k++) {
		size_t i = (res->next_shard + k) % res->shard_count;
		net_channel *c = &res->shards[i];
		if (c->channel == NULL) {
			if (channel_init(t, c, res->csv, true) != EA_OK)
				continue;
			res->shards_made++;
		}
		if (fallback == NULL)
			fallback = c;
		if (c->inflight < NET_SHARD_INFLIGHT) {
			res->next_shard = i;
			return c;
		}
	}
	return fallback;   /* all full (a resend past the cap): the first that exists */
}

static void net_send_now(net_query *q)
{
	net_transport *t = q->t;
	/* A server marked down: the next resolver, or for a server asked directly, no answer */
	while (!q->direct && (size_t)q->channel_index + 1 < t->resolver_count &&
	       server_down(&t->resolvers[q->channel_index].health)) {
		q->channel_index++;
		t->counters.down_skipped++;
	}
	if (q->direct && server_down(&t->direct[q->channel_index].health)) {
		t->inflight++;
		t->counters.down_skipped++;
		query_finish(q, ea_dns_answer_failed(q->asked, q->type, EA_DNS_R_TIMEOUT,
		                                     t->direct[q->channel_index].name, 0));
		return;
	}
	net_channel *c = q->direct ? &t->direct[q->channel_index]
	                           : resolver_shard(t, &t->resolvers[q->channel_index]);
	t->inflight++;
	if (t->qps > 0)
		t->qps_tokens -= 1.0;
	if (c == NULL) {
		query_finish(q, ea_dns_answer_failed(q->name, q->type, EA_DNS_R_NETWORK, "", 0));
		return;
	}
	q->channel = c;
	c->inflight++;
	ares_send(c->channel, q->wire, (int)q->wire_len, on_ares_answer, q);
}

static double qps_burst(const net_transport *t)
{
	double burst = (double)t->qps * NET_QPS_BURST_MS / 1000.0;
	return burst < 1.0 ? 1.0 : burst;
}

static bool may_send_now(net_transport *t)
{
	if (t->inflight >= t->max_inflight)
		return false;
	if (t->qps == 0)
		return true;
	/* A token bucket, so the rate holds over any window, not only per second. */
	double now = ea_now_ms();
	double burst = qps_burst(t);
	t->qps_tokens += (now - t->qps_refilled) * (double)t->qps / 1000.0;
	if (t->qps_tokens > burst)
		t->qps_tokens = burst;
	t->qps_refilled = now;
	return t->qps_tokens >= 1.0;
}

static void release_waiting(net_transport *t)
{
	while (t->waiting_head != NULL && may_send_now(t))
		net_send_now(queue_pop(&t->waiting_head, &t->waiting_tail, &t->waiting_count));
}

static int direct_channel(net_transport *t, const char *ip)
{
	for (size_t i = 0; i < t->direct_count; i++)
		if (strcmp(t->direct[i].ip, ip) == 0)
			return (int)i;
	if (t->direct_count >= NET_MAX_DIRECT_CHANNELS)
		return -1;
	unsigned char tmp[16];
	char csv[NET_SERVER_NAME_MAX];
	if (inet_pton(AF_INET, ip, tmp) == 1)
		snprintf(csv, sizeof(csv), "%s:%u", ip, t->auth_port);
	else if (inet_pton(AF_INET6, ip, tmp) == 1)
		snprintf(csv, sizeof(csv), "[%s]:%u", ip, t->auth_port);
	else
		return -1;
	net_channel *c = &t->direct[t->direct_count];
	if (channel_init(t, c, csv, false) != EA_OK)
		return -1;
	ea_copy(c->ip, sizeof(c->ip), ip);
	return (int)t->direct_count++;
}

static int net_send(ea_transport *base, const char *name, uint16_t type, const char *server_ip,
                    ea_transport_cb cb, void *arg)
{
	net_transport *t = (net_transport *)base;
	net_query *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return EA_ENOMEM;
	q->t = t;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	q->started = ea_now_ms();
	q->direct = server_ip != NULL;
	if (!ea_dns_name_key(name, q->name, sizeof(q->name)))
		q->name[0] = '\0';
	memcpy(q->asked, q->name, sizeof(q->asked));
	q->wire_len = ea_dns_build_query(q->wire, sizeof(q->wire), name, type, !q->direct, next_query_id(t));
	if (q->wire_len == 0 || q->name[0] == '\0') {
		t->inflight++;
		query_finish(q, ea_dns_answer_failed(name, type, EA_DNS_R_BAD_NAME, "", 0));
		return EA_OK;
	}
	if (q->direct) {
		q->channel_index = direct_channel(t, server_ip);
		if (q->channel_index < 0) {
			t->inflight++;
			query_finish(q, ea_dns_answer_failed(name, type, EA_DNS_R_NETWORK, server_ip, 0));
			return EA_OK;
		}
	}
	if (may_send_now(t) && t->waiting_head == NULL)
		net_send_now(q);
	else
		queue_push(&t->waiting_head, &t->waiting_tail, &t->waiting_count, q);
	return EA_OK;
}

static int run_completions(net_transport *t)
{
	int ran = 0;
	net_query *q;
	while ((q = queue_pop(&t->done_head, &t->done_tail, &t->done_count)) != NULL) {
		int server = q->direct ? -1 : q->channel_index;
		if (q->answer == NULL)
			q->answer = ea_dns_answer_failed(q->name, q->type, EA_DNS_R_NETWORK, "", 0);
		q->cb(q->arg, q->answer, server);
		free(q);
		ran++;
	}
	return ran;
}

static void channel_collect(const net_channel *c, struct pollfd *pfds, ares_channel *owners,
                            size_t *n, struct timeval *tv)
{
	ares_channel ch = c->channel;
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	/* Tested unsigned: c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 by up to 31. */
	unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
	for (int i = 0; i < ARES_GETSOCK_MAXNUM && *n < NET_MAX_POLLFDS; i++) {
		short ev = 0;
		if (bits & (1u << i))
			ev |= POLLIN;
		if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
			ev |= POLLOUT;
		if (ev == 0)
			continue;
		pfds[*n].fd = socks[i];
		pfds[*n].events = ev;
		pfds[*n].revents = 0;
		owners[*n] = ch;
		(*n)++;
	}
	if (c->inflight <= NET_EXACT_TIMEOUT_MAX) {
		struct timeval max = *tv;
		ares_timeout(ch, &max, tv);
	} else if (tv->tv_sec * 1000 + tv->tv_usec / 1000 > NET_TIMEOUT_TICK_MS) {
		*tv = (struct timeval){0, NET_TIMEOUT_TICK_MS * 1000};
	}
}

static int net_process(ea_transport *base, int timeout_ms)
{
	net_transport *t = (net_transport *)base;
	int ran = run_completions(t);
	release_waiting(t);
	if (ran > 0)
		return ran;
	if (t->inflight == 0 && t->waiting_head == NULL)
		return 0;
	static __thread struct pollfd pfds[NET_MAX_POLLFDS];
	static __thread ares_channel owners[NET_MAX_POLLFDS];
	size_t n = 0;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	for (size_t i = 0; i < t->made_count; i++)
		if (t->made[i]->inflight > 0)
			channel_collect(t->made[i], pfds, owners, &n, &tv);
	int wait = (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
	ea_net_batch_flush(t->batch);   /* the round's queries go out before we wait */
	if (t->waiting_head != NULL && t->qps > 0 && t->inflight < t->max_inflight) {
		/* Come back when the bucket holds the next token, not later. */
		double next = (1.0 - t->qps_tokens) * 1000.0 / (double)t->qps;
		int until = next <= 0 ? 0 : (int)next + 1;
		if (wait > until)
			wait = until;
	}
	bool unread = ea_net_batch_any_unread(t->batch);   /* answers read ahead: no waiting */
	int rc = poll(pfds, (nfds_t)n, unread ? 0 : wait);
	if (rc > 0 || unread) {
		for (size_t i = 0; i < n; i++) {
			if (unread && (pfds[i].events & POLLIN) && ea_net_batch_has_unread(t->batch, pfds[i].fd))
				pfds[i].revents |= POLLIN;
			if (pfds[i].revents == 0)
				continue;
			ares_socket_t r = (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfds[i].fd : ARES_SOCKET_BAD;
			ares_socket_t w = (pfds[i].revents & POLLOUT) ? pfds[i].fd : ARES_SOCKET_BAD;
			ares_process_fd(owners[i], r, w);
		}
	}
	/* The channels' timeouts: when the wait ran out (one may be due), and at least every
	 * NET_TIMEOUT_TICK_MS while answers keep coming (a channel read this round has seen
	 * to its own). Not every round: with tens of channels that was a call each per round. */
	double now = ea_now_ms();
	if (rc == 0 || now >= t->timeouts_next) {
		t->timeouts_next = now + NET_TIMEOUT_TICK_MS;
		for (size_t i = 0; i < t->made_count; i++)
			if (t->made[i]->inflight > 0)
				ares_process_fd(t->made[i]->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	release_waiting(t);
	ea_net_batch_flush(t->batch);   /* retries c-ares made, and queries released */
	return run_completions(t);
}

static size_t net_inflight(const ea_transport *base)
{
	const net_transport *t = (const net_transport *)base;
	return t->inflight + t->waiting_count + t->done_count;
}

static void net_cancel_all(ea_transport *base, ea_dns_reason why)
{
	net_transport *t = (net_transport *)base;
	(void)why;
	net_query *q;
	while ((q = queue_pop(&t->waiting_head, &t->waiting_tail, &t->waiting_count)) != NULL) {
		t->inflight++;
		query_finish(q, ea_dns_answer_failed(q->name, q->type, EA_DNS_R_DEADLINE, "", 0));
	}
	for (size_t i = 0; i < t->made_count; i++)
		ares_cancel(t->made[i]->channel);
	run_completions(t);
}

static const char *net_server_name(const ea_transport *base, size_t i)
{
	const net_transport *t = (const net_transport *)base;
	return i < t->resolver_count ? t->resolvers[i].csv : NULL;
}

static ea_transport_counters net_counters(const ea_transport *base)
{
	return ((const net_transport *)base)->counters;
}

static void net_free(ea_transport *base)
{
	net_transport *t = (net_transport *)base;
	if (t == NULL)
		return;
	net_cancel_all(base, EA_DNS_R_DEADLINE);
	for (size_t i = 0; i < t->made_count; i++)
		ares_destroy(t->made[i]->channel);
	run_completions(t);
	ea_net_batch_free(t->batch);   /* after the channels: destroying them closes its sockets */
	for (size_t i = 0; i < t->resolver_count; i++)
		free(t->resolvers[i].shards);
	free(t->made);
	free(t);
}

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status = ARES_ENOTINITIALIZED;

static void library_init(void)
{
	library_status = ares_library_init(ARES_LIB_INIT_ALL);
}

ea_transport *ea_transport_net_new(const ea_resolver_config *cfg, int *err, char *errmsg,
                                   size_t errmsg_size)
{
	/* Once per process, whatever thread comes first: resolvers may be made in threads
	 * (scan workers, the server). */
	pthread_once(&library_once, library_init);
	if (library_status != ARES_SUCCESS) {
		*err = EA_EDNS;
		snprintf(errmsg, errmsg_size, "c-ares could not be initialised");
		return NULL;
	}
	net_transport *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		*err = EA_ENOMEM;
		return NULL;
	}
	t->base.send = net_send;
	t->base.process = net_process;
	t->base.inflight = net_inflight;
	t->base.cancel_all = net_cancel_all;
	t->base.server_name = net_server_name;
	t->base.counters = net_counters;
	t->base.free = net_free;
	t->timeout_ms = cfg->query_timeout_ms ? cfg->query_timeout_ms : NET_DEFAULT_TIMEOUT_MS;
	t->tries = cfg->tries ? cfg->tries : NET_DEFAULT_TRIES;
	t->max_inflight = cfg->max_inflight ? cfg->max_inflight : NET_DEFAULT_INFLIGHT;
	if (t->max_inflight > NET_MAX_INFLIGHT)
		t->max_inflight = NET_MAX_INFLIGHT;
	t->qps = cfg->qps;
	/* Full at the start: a new resolver may send its burst at once (a check's first
	 * round is several lookups; one token made them wait in line). */
	t->qps_tokens = t->qps ? qps_burst(t) : 1.0;
	t->qps_refilled = ea_now_ms();
	t->auth_port = cfg->auth_port ? cfg->auth_port : 53;
	t->batch = ea_net_batch_new(NET_SOCKET_RCVBUF);
	if (t->batch == NULL) {
		*err = EA_ENOMEM;
		free(t);
		return NULL;
	}

	char servers[EA_RESOLVER_MAX_SERVERS][NET_SERVER_NAME_MAX];
	size_t count = 0;
	if (cfg->server_count == 0) {
		count = system_servers(servers, EA_RESOLVER_MAX_SERVERS);
		if (count == 0) {
			*err = EA_EDNS;
			snprintf(errmsg, errmsg_size, "no DNS resolver configured in /etc/resolv.conf; use --resolver");
			ea_net_batch_free(t->batch);
			free(t);
			return NULL;
		}
	} else {
		for (size_t i = 0; i < cfg->server_count && i < EA_RESOLVER_MAX_SERVERS; i++) {
			if (!server_to_csv(cfg->servers[i], servers[count], NET_SERVER_NAME_MAX)) {
				*err = EA_EINVAL;
				snprintf(errmsg, errmsg_size,
				         "resolver '%.64s' is not ADDR, ADDR:PORT or [IPv6]:PORT", cfg->servers[i]);
				ea_net_batch_free(t->batch);
				free(t);
				return NULL;
			}
			count++;
		}
	}
	/* Each resolver may carry every query (the others failing): shards for all of them. */
	size_t shards = (t->max_inflight + NET_SHARD_INFLIGHT - 1) / NET_SHARD_INFLIGHT;
	t->made_cap = count * shards + NET_MAX_DIRECT_CHANNELS;
	t->made = calloc(t->made_cap, sizeof(*t->made));
	if (t->made == NULL) {
		*err = EA_ENOMEM;
		net_free(&t->base);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		net_resolver *res = &t->resolvers[i];
		t->resolver_count = i + 1;
		memcpy(res->csv, servers[i], sizeof(res->csv));   /* both NET_SERVER_NAME_MAX */
		res->shards = calloc(shards, sizeof(*res->shards));
		int rc = res->shards ? channel_init(t, &res->shards[0], servers[i], true) : EA_ENOMEM;
		if (rc != EA_OK) {
			*err = rc;
			snprintf(errmsg, errmsg_size, "resolver '%s' could not be set up", servers[i]);
			net_free(&t->base);
			return NULL;
		}
		res->shard_count = shards;
		res->shards_made = 1;
	}
	return &t->base;
}
