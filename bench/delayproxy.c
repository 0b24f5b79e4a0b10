/*
 * A delay element for the benches: a UDP proxy on loopback that holds every query for a
 * fixed delay (plus optional jitter) before passing it to the server, and may drop a
 * fraction of them; answers go back at once. tc netem is not available on these kernels
 * (docs/performance.md), and the Python proxy of the tests tops out at a few thousand
 * packets a second, so a scan behind it measured the proxy.
 *
 * One thread, epoll, recvmmsg/sendmmsg. Queries wait in a binary heap ordered by the time
 * they are due, then go to the server from UPSTREAMS sockets connected to it, each query
 * with an id of ours (its tag: the socket and the id on it) that maps back to the client
 * and its own id; so a burst of due queries is one sendmmsg, and a burst of answers one
 * recvmmsg and one sendmmsg back, whatever the number of clients (one socket per client,
 * as before, cost two system calls per answer: the proxy used as much CPU as the scan).
 * Tags are used in turn, so one is reused only after UPSTREAMS x 65,536 queries.
 *
 * usage: delayproxy LISTEN_IP:PORT SERVER_IP:PORT [--delay MS] [--jitter MS] [--loss P]
 *                   [--seed N]
 * PORT 0 picks a free port. Prints "ready IP:PORT" on stdout once listening; on SIGTERM or
 * SIGINT prints its counters as one JSON line on stderr and exits 0. Loopback only.
 * Built by meson as BUILD/bench/delayproxy (bench/meson.build).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* recvmmsg, sendmmsg (meson passes it; a bare cc does not) */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64                    /* datagrams per recvmmsg/sendmmsg */
#define READS_PER_WAKE 32           /* batches read from one socket before others get a turn */
#define QUERY_MAX 512               /* a query longer than this is dropped (ours are < 300 bytes) */
#define ANSWER_MAX 65535
#define MAX_PENDING (1u << 18)      /* queries held at once: 262,144 (128 MiB, touched as used) */
#define MAX_CLIENTS 4096            /* client sockets seen; past that, new ones are dropped */
#define CLIENT_HASH (MAX_CLIENTS * 2)
#define SOCKET_BUFFER (8 * 1024 * 1024)
#define UPSTREAMS 4                 /* sockets to the server: 4 x 65,536 ids in flight */
#define TAGS (UPSTREAMS << 16)
#define NO_CLIENT 0xffff

typedef struct {
	struct sockaddr_in addr;
} client;

typedef struct {
	int fd;                         /* connected to the server */
	uint32_t outbox[BATCH];         /* due queries, sent together */
	unsigned outbox_count;
} upstream;

typedef struct {
	uint64_t due_ns;
	uint32_t slot;
} heap_item;

static struct {
	int listen_fd, epoll_fd;
	struct sockaddr_in server;
	uint64_t delay_ns, jitter_ns;
	double loss;
	uint64_t rng;
	client clients[MAX_CLIENTS];
	unsigned client_count;
	int32_t client_hash[CLIENT_HASH];   /* index + 1, 0: empty */
	upstream upstreams[UPSTREAMS];
	/* queries at the server, by tag: whose, and the id they gave */
	uint16_t tag_client[TAGS];          /* NO_CLIENT: none (answered, or never used) */
	uint16_t tag_id[TAGS];
	uint32_t next_tag;
	/* held queries: a pool of slots and a heap of (due, slot) */
	uint8_t (*data)[QUERY_MAX];
	uint16_t *len;
	uint16_t *owner;                    /* client index */
	uint32_t *free_slots;
	uint32_t free_count;
	heap_item *heap;
	uint32_t heap_count;
	/* counters */
	uint64_t queries, lost, overflow, forwarded, answers, stray, send_errors, max_held;
} P;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_next(void)
{
	/* xorshift64*: enough for loss and jitter, and repeatable with --seed */
	P.rng ^= P.rng >> 12;
	P.rng ^= P.rng << 25;
	P.rng ^= P.rng >> 27;
	return P.rng * 2685821657736338717ull;
}

static double rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static bool parse_addr(const char *s, struct sockaddr_in *out)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (*end != '\0' || port < 0 || port > 65535 || inet_pton(AF_INET, host, &out->sin_addr) != 1)
		return false;
	/* the benches never send a packet off the machine */
	return (ntohl(out->sin_addr.s_addr) >> 24) == 127;
}

static void big_buffers(int fd)
{
	int size = SOCKET_BUFFER;
	/* FORCE passes net.core.rmem_max when we may (root); else the capped size */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static uint32_t addr_hash(const struct sockaddr_in *a)
{
	uint32_t h = a->sin_addr.s_addr * 2654435761u ^ (uint32_t)a->sin_port * 40503u;
	return h % CLIENT_HASH;
}

/* The client for a source address, made on first sight; -1 when the table is full. */
static int client_for(const struct sockaddr_in *from)
{
	uint32_t h = addr_hash(from);
	for (unsigned probe = 0; probe < CLIENT_HASH; probe++, h = (h + 1) % CLIENT_HASH) {
		int32_t i = P.client_hash[h] - 1;
		if (i < 0)
			break;
		client *c = &P.clients[i];
		if (c->addr.sin_addr.s_addr == from->sin_addr.s_addr && c->addr.sin_port == from->sin_port)
			return i;
	}
	if (P.client_count == MAX_CLIENTS)
		return -1;
	int i = (int)P.client_count++;
	P.clients[i].addr = *from;
	P.client_hash[h] = i + 1;
	return i;
}

static void heap_push(uint64_t due, uint32_t slot)
{
	uint32_t i = P.heap_count++;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (P.heap[parent].due_ns <= due)
			break;
		P.heap[i] = P.heap[parent];
		i = parent;
	}
	P.heap[i] = (heap_item){due, slot};
}

static heap_item heap_pop(void)
{
	heap_item top = P.heap[0];
	heap_item last = P.heap[--P.heap_count];
	uint32_t i = 0;
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= P.heap_count)
			break;
		if (child + 1 < P.heap_count && P.heap[child + 1].due_ns < P.heap[child].due_ns)
			child++;
		if (P.heap[child].due_ns >= last.due_ns)
			break;
		P.heap[i] = P.heap[child];
		i = child;
	}
	if (P.heap_count > 0)
		P.heap[i] = last;
	return top;
}

static void flush_upstream(upstream *u)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	memset(msgs, 0, sizeof(msgs[0]) * u->outbox_count);
	for (unsigned i = 0; i < u->outbox_count; i++) {
		iovs[i].iov_base = P.data[u->outbox[i]];
		iovs[i].iov_len = P.len[u->outbox[i]];
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned sent = 0, attempts = 0;
	while (sent < u->outbox_count && attempts++ < BATCH) {
		int k = sendmmsg(u->fd, msgs + sent, u->outbox_count - sent, 0);
		if (k > 0) {
			sent += (unsigned)k;
			P.forwarded += (unsigned)k;
		} else if (k < 0 && errno != EINTR) {
			sent++;            /* lost, as on a full link */
			P.send_errors++;
		}
	}
	for (unsigned i = 0; i < u->outbox_count; i++)
		P.free_slots[P.free_count++] = u->outbox[i];
	u->outbox_count = 0;
}

/* A due query: our tag's id on the wire, its own remembered for the answer. */
static void queue_out(uint32_t slot)
{
	uint32_t tag = P.next_tag;
	P.next_tag = (P.next_tag + 1) % TAGS;
	uint8_t *wire = P.data[slot];
	P.tag_client[tag] = P.owner[slot];
	P.tag_id[tag] = (uint16_t)(wire[0] << 8 | wire[1]);
	wire[0] = (uint8_t)((tag >> 8) & 0xff);
	wire[1] = (uint8_t)(tag & 0xff);
	upstream *u = &P.upstreams[tag >> 16];
	if (u->outbox_count == BATCH)
		flush_upstream(u);
	u->outbox[u->outbox_count++] = slot;
}

static void flush_all(void)
{
	for (unsigned i = 0; i < UPSTREAMS; i++)
		if (P.upstreams[i].outbox_count > 0)
			flush_upstream(&P.upstreams[i]);
}

static void release_due(uint64_t now)
{
	while (P.heap_count > 0 && P.heap[0].due_ns <= now)
		queue_out(heap_pop().slot);
	flush_all();
}

static void read_queries(void)
{
	for (unsigned round = 0; round < READS_PER_WAKE; round++) {
		struct mmsghdr msgs[BATCH];
		struct iovec iovs[BATCH];
		struct sockaddr_in from[BATCH];
		uint32_t slots[BATCH];
		unsigned want = P.free_count < BATCH ? P.free_count : BATCH;
		if (want == 0) {
			/* every slot held: take one datagram and drop it, so the socket drains */
			uint8_t scratch[QUERY_MAX];
			if (recv(P.listen_fd, scratch, sizeof(scratch), MSG_DONTWAIT) < 0)
				return;
			P.queries++;
			P.overflow++;
			continue;
		}
		memset(msgs, 0, sizeof(msgs[0]) * want);
		for (unsigned i = 0; i < want; i++) {
			slots[i] = P.free_slots[P.free_count - 1 - i];
			iovs[i].iov_base = P.data[slots[i]];
			iovs[i].iov_len = QUERY_MAX;
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		int k = recvmmsg(P.listen_fd, msgs, want, MSG_DONTWAIT, NULL);
		if (k <= 0)
			return;
		P.free_count -= (unsigned)k;
		uint64_t now = now_ns();
		for (int i = 0; i < k; i++) {
			uint32_t slot = slots[i];
			P.queries++;
			int c = msgs[i].msg_hdr.msg_namelen == sizeof(struct sockaddr_in) && msgs[i].msg_len >= 2 &&
			        !(msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? client_for(&from[i]) : -1;
			if (c < 0 || (P.loss > 0 && rng_unit() < P.loss)) {
				P.lost += c >= 0;
				P.overflow += c < 0;
				P.free_slots[P.free_count++] = slot;
				continue;
			}
			P.len[slot] = (uint16_t)msgs[i].msg_len;
			P.owner[slot] = (uint16_t)c;
			/* + i ns: a batch read at one `now` still leaves in the order it came (the heap
			 * does not keep the order of equal keys), as a link without jitter would */
			uint64_t due = now + P.delay_ns + (uint64_t)i;
			if (P.jitter_ns > 0) {
				/* uniform in [delay - jitter, delay + jitter], never before now */
				int64_t j = (int64_t)(rng_next() % (2 * P.jitter_ns + 1)) - (int64_t)P.jitter_ns;
				due = (int64_t)due + j < (int64_t)now ? now : (uint64_t)((int64_t)due + j);
			}
			heap_push(due, slot);
		}
		if (P.heap_count > P.max_held)
			P.max_held = P.heap_count;
		if ((unsigned)k < want)
			return;
	}
}

/* Answers from the server on upstream u: each back to the client whose tag it carries,
 * with the client's own id; a tag with no query (a duplicate, a late answer) is dropped. */
static void read_answers(unsigned u)
{
	static uint8_t buf[BATCH][ANSWER_MAX];
	for (unsigned round = 0; round < READS_PER_WAKE; round++) {
		struct mmsghdr msgs[BATCH];
		struct iovec iovs[BATCH];
		memset(msgs, 0, sizeof(msgs));
		for (unsigned i = 0; i < BATCH; i++) {
			iovs[i].iov_base = buf[i];
			iovs[i].iov_len = ANSWER_MAX;
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		int k = recvmmsg(P.upstreams[u].fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (k <= 0)
			return;
		int out = 0;
		for (int i = 0; i < k; i++) {
			uint8_t *wire = buf[i];
			uint32_t tag = msgs[i].msg_len >= 2 ? u << 16 | (uint32_t)(wire[0] << 8 | wire[1]) : 0;
			uint16_t c = msgs[i].msg_len >= 2 ? P.tag_client[tag] : NO_CLIENT;
			if (c == NO_CLIENT || c >= P.client_count) {
				P.stray++;
				continue;
			}
			P.tag_client[tag] = NO_CLIENT;
			wire[0] = (uint8_t)(P.tag_id[tag] >> 8);
			wire[1] = (uint8_t)(P.tag_id[tag] & 0xff);
			iovs[out].iov_base = wire;
			iovs[out].iov_len = msgs[i].msg_len;
			memset(&msgs[out].msg_hdr, 0, sizeof(msgs[out].msg_hdr));
			msgs[out].msg_hdr.msg_iov = &iovs[out];
			msgs[out].msg_hdr.msg_iovlen = 1;
			msgs[out].msg_hdr.msg_name = &P.clients[c].addr;
			msgs[out].msg_hdr.msg_namelen = sizeof(P.clients[c].addr);
			msgs[out].msg_len = 0;
			out++;
		}
		int sent = 0, attempts = 0;
		while (sent < out && attempts++ < BATCH) {
			int n = sendmmsg(P.listen_fd, msgs + sent, (unsigned)(out - sent), 0);
			if (n > 0) {
				sent += n;
				P.answers += (unsigned)n;
			} else if (n < 0 && errno != EINTR) {
				sent++;
				P.send_errors++;
			}
		}
		if (k < BATCH)
			return;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: delayproxy LISTEN_IP:PORT SERVER_IP:PORT [--delay MS] [--jitter MS] "
	        "[--loss P] [--seed N]   (127.0.0.0/8 only)\n");
	return 64;
}

int main(int argc, char **argv)
{
	struct sockaddr_in listen_addr;
	if (argc < 3 || !parse_addr(argv[1], &listen_addr) || !parse_addr(argv[2], &P.server))
		return usage();
	double delay_ms = 0, jitter_ms = 0;
	P.rng = 0x9e3779b97f4a7c15ull;
	for (int i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--delay") == 0)
			delay_ms = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--jitter") == 0)
			jitter_ms = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--loss") == 0)
			P.loss = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--seed") == 0)
			P.rng = strtoull(argv[i + 1], NULL, 10) | 1;
		else
			return usage();
	}
	if (delay_ms < 0 || jitter_ms < 0 || P.loss < 0 || P.loss > 1 || delay_ms > 60000 || jitter_ms > 60000)
		return usage();
	P.delay_ns = (uint64_t)(delay_ms * 1e6);
	P.jitter_ns = (uint64_t)(jitter_ms * 1e6);

	P.data = calloc(MAX_PENDING, QUERY_MAX);
	P.len = calloc(MAX_PENDING, sizeof(*P.len));
	P.owner = calloc(MAX_PENDING, sizeof(*P.owner));
	P.free_slots = calloc(MAX_PENDING, sizeof(*P.free_slots));
	P.heap = calloc(MAX_PENDING, sizeof(*P.heap));
	if (!P.data || !P.len || !P.owner || !P.free_slots || !P.heap) {
		fprintf(stderr, "delayproxy: out of memory\n");
		return 1;
	}
	for (uint32_t i = 0; i < MAX_PENDING; i++)
		P.free_slots[i] = MAX_PENDING - 1 - i;   /* low slots first: fewer pages touched */
	P.free_count = MAX_PENDING;

	P.listen_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (P.listen_fd < 0 || bind(P.listen_fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) != 0) {
		fprintf(stderr, "delayproxy: cannot listen on %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	big_buffers(P.listen_fd);
	socklen_t alen = sizeof(listen_addr);
	getsockname(P.listen_fd, (struct sockaddr *)&listen_addr, &alen);
	P.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
	epoll_ctl(P.epoll_fd, EPOLL_CTL_ADD, P.listen_fd, &ev);
	memset(P.tag_client, 0xff, sizeof(P.tag_client));   /* NO_CLIENT */
	for (unsigned i = 0; i < UPSTREAMS; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (const struct sockaddr *)&P.server, sizeof(P.server)) != 0) {
			fprintf(stderr, "delayproxy: cannot reach %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		big_buffers(fd);
		P.upstreams[i].fd = fd;
		struct epoll_event uev = {.events = EPOLLIN, .data.u32 = i + 1};
		epoll_ctl(P.epoll_fd, EPOLL_CTL_ADD, fd, &uev);
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &listen_addr.sin_addr, ip, sizeof(ip));
	printf("ready %s:%u\n", ip, ntohs(listen_addr.sin_port));
	fflush(stdout);

	struct epoll_event events[256];
	while (!stopping) {
		int wait_ms = -1;
		if (P.heap_count > 0) {
			uint64_t now = now_ns();
			uint64_t due = P.heap[0].due_ns;
			/* round up: woken a little late rather than spinning before it is due */
			wait_ms = due <= now ? 0 : (int)((due - now + 999999) / 1000000);
		}
		int n = epoll_wait(P.epoll_fd, events, 256, wait_ms);
		for (int i = 0; i < n; i++) {
			if (events[i].data.u32 == 0)
				read_queries();
			else
				read_answers(events[i].data.u32 - 1);
		}
		release_due(now_ns());
	}
	fprintf(stderr, "{\"queries\": %llu, \"lost\": %llu, \"overflow\": %llu, \"forwarded\": %llu, "
	        "\"answers\": %llu, \"stray\": %llu, \"send_errors\": %llu, \"max_held\": %llu, "
	        "\"clients\": %u}\n",
	        (unsigned long long)P.queries, (unsigned long long)P.lost, (unsigned long long)P.overflow,
	        (unsigned long long)P.forwarded, (unsigned long long)P.answers, (unsigned long long)P.stray,
	        (unsigned long long)P.send_errors, (unsigned long long)P.max_held, P.client_count);
	return 0;
}
