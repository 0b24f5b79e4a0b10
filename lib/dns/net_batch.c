/*
 * UDP queries batched with sendmmsg(), answers read with recvmmsg(). A scan sends a
 * round of queries at once; sent one sendto() each, every datagram woke the server and
 * switched to it: that was most of the scan's kernel time (docs/performance.md).
 * c-ares 1.18 lets a program supply the socket calls (ares_set_socket_functions): a UDP
 * write is queued here and the queue goes out when the transport is about to wait, one
 * sendmmsg() per socket. c-ares reads a UDP socket until it would block, one datagram
 * a call: each call here is served from a ring that one recvmmsg() fills.
 * TCP and anything that does not fit a slot are written and read at once, as c-ares would.
 *
 * c-ares does not configure sockets it did not open itself, so asocket() makes them
 * non-blocking and close-on-exec and sets the receive buffer, as c-ares does.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dns/net_batch.h"

#define BATCH_MAX_DATAGRAMS 64     /* queued before a send is forced */
#define BATCH_DATAGRAM_MAX 512     /* our queries: header, name, question, OPT: under 300 bytes */
#define BATCH_MAX_UDP_SOCKETS 64   /* UDP sockets known; past that, they are used one call a datagram */
#define RING_DATAGRAMS 32          /* answers taken from the kernel in one recvmmsg() */
#define RING_DATAGRAM_MAX 4096     /* bytes kept of one answer: c-ares's own read buffer */

/* Answers read ahead from one socket, handed to c-ares one per call. */
typedef struct {
	size_t count, next;
	struct sockaddr_storage from[RING_DATAGRAMS];
	socklen_t from_len[RING_DATAGRAMS];
	size_t len[RING_DATAGRAMS];
	uint8_t data[RING_DATAGRAMS][RING_DATAGRAM_MAX];
} recv_ring;

typedef struct {
	int fd;
	recv_ring *ring;           /* made on the first read */
} udp_socket;

struct ea_net_batch {
	int rcvbuf;
	udp_socket udp[BATCH_MAX_UDP_SOCKETS];
	size_t udp_count;
	struct {
		int fd;
		uint16_t len;
	} queued[BATCH_MAX_DATAGRAMS];
	uint8_t data[BATCH_MAX_DATAGRAMS][BATCH_DATAGRAM_MAX];
	size_t count;
};

static udp_socket *find_udp(ea_net_batch *b, int fd)
{
	for (size_t i = 0; i < b->udp_count; i++)
		if (b->udp[i].fd == fd)
			return &b->udp[i];
	return NULL;
}

static ares_socket_t batch_socket(int af, int type, int protocol, void *arg)
{
	ea_net_batch *b = arg;
	int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return ARES_SOCKET_BAD;
	if (b->rcvbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &b->rcvbuf, sizeof(b->rcvbuf));
	if (type == SOCK_DGRAM && b->udp_count < BATCH_MAX_UDP_SOCKETS)
		b->udp[b->udp_count++] = (udp_socket){fd, NULL};
	return fd;
}

static int batch_close(ares_socket_t fd, void *arg)
{
	ea_net_batch *b = arg;
	/* what is queued for it dies with it: c-ares retries those queries elsewhere */
	size_t kept = 0;
	for (size_t i = 0; i < b->count; i++) {
		if (b->queued[i].fd == fd)
			continue;
		if (kept != i) {
			b->queued[kept] = b->queued[i];
			memcpy(b->data[kept], b->data[i], b->queued[i].len);
		}
		kept++;
	}
	b->count = kept;
	udp_socket *u = find_udp(b, fd);
	if (u != NULL) {
		free(u->ring);
		*u = b->udp[--b->udp_count];
	}
	return close(fd);
}

static int batch_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *arg)
{
	(void)arg;
	return connect(fd, sa, len);
}

/* Fills the ring with what the socket holds; false (errno set) when it holds nothing. */
static bool ring_fill(int fd, recv_ring *r)
{
	struct mmsghdr msgs[RING_DATAGRAMS];
	struct iovec iovs[RING_DATAGRAMS];
	memset(msgs, 0, sizeof(msgs));
	for (size_t i = 0; i < RING_DATAGRAMS; i++) {
		iovs[i].iov_base = r->data[i];
		iovs[i].iov_len = RING_DATAGRAM_MAX;
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &r->from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(r->from[i]);
	}
	int k = recvmmsg(fd, msgs, RING_DATAGRAMS, MSG_DONTWAIT, NULL);
	if (k <= 0)
		return false;
	for (int i = 0; i < k; i++) {
		/* longer than a slot: cut, as recvfrom() into c-ares's buffer would */
		r->len[i] = msgs[i].msg_len < RING_DATAGRAM_MAX ? msgs[i].msg_len : RING_DATAGRAM_MAX;
		r->from_len[i] = msgs[i].msg_hdr.msg_namelen;
	}
	r->count = (size_t)k;
	r->next = 0;
	return true;
}

static ares_ssize_t batch_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                   struct sockaddr *from, ares_socklen_t *from_len, void *arg)
{
	ea_net_batch *b = arg;
	udp_socket *u = find_udp(b, fd);
	if (u == NULL)
		return recvfrom(fd, buf, len, flags, from, from_len);
	if (u->ring == NULL && (u->ring = calloc(1, sizeof(*u->ring))) == NULL)
		return recvfrom(fd, buf, len, flags, from, from_len);
	recv_ring *r = u->ring;
	if (r->next == r->count) {
		r->count = r->next = 0;
		if (!ring_fill(fd, r))
			return -1;
	}
	size_t i = r->next++;
	size_t n = r->len[i] < len ? r->len[i] : len;
	memcpy(buf, r->data[i], n);
	if (from != NULL && from_len != NULL) {
		socklen_t fl = r->from_len[i] < *from_len ? r->from_len[i] : *from_len;
		memcpy(from, &r->from[i], fl);
		*from_len = r->from_len[i];
	}
	return (ares_ssize_t)n;
}

bool ea_net_batch_has_unread(const ea_net_batch *b, int fd)
{
	for (size_t i = 0; i < b->udp_count; i++)
		if (b->udp[i].fd == fd)
			return b->udp[i].ring != NULL && b->udp[i].ring->next < b->udp[i].ring->count;
	return false;
}

bool ea_net_batch_any_unread(const ea_net_batch *b)
{
	for (size_t i = 0; i < b->udp_count; i++)
		if (b->udp[i].ring != NULL && b->udp[i].ring->next < b->udp[i].ring->count)
			return true;
	return false;
}

static ares_ssize_t batch_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	ea_net_batch *b = arg;
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (find_udp(b, fd) == NULL || total > BATCH_DATAGRAM_MAX)
		return writev(fd, iov, iovcnt);
	if (b->count == BATCH_MAX_DATAGRAMS)
		ea_net_batch_flush(b);
	uint8_t *p = b->data[b->count];
	for (int i = 0; i < iovcnt; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	b->queued[b->count].fd = fd;
	b->queued[b->count].len = (uint16_t)total;
	b->count++;
	return (ares_ssize_t)total;
}

static const struct ares_socket_functions batch_functions = {
	batch_socket, batch_close, batch_connect, batch_recvfrom, batch_sendv,
};

/* Sends queued[from, to), all for one socket. A datagram the kernel will not take
 * (a full buffer, an error queued by an ICMP) is dropped: to c-ares it is a lost
 * packet, retried after its timeout, and the error shows on the next read. */
static void send_run(ea_net_batch *b, size_t from, size_t to)
{
	struct mmsghdr msgs[BATCH_MAX_DATAGRAMS];
	struct iovec iovs[BATCH_MAX_DATAGRAMS];
	size_t n = to - from;
	memset(msgs, 0, sizeof(msgs[0]) * n);
	for (size_t i = 0; i < n; i++) {
		iovs[i].iov_base = b->data[from + i];
		iovs[i].iov_len = b->queued[from + i].len;
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	size_t sent = 0;
	unsigned attempts = 0;
	while (sent < n && attempts++ < BATCH_MAX_DATAGRAMS) {
		int k = sendmmsg(b->queued[from].fd, msgs + sent, (unsigned)(n - sent), 0);
		if (k > 0)
			sent += (size_t)k;
		else if (k < 0 && errno != EINTR)
			sent++;   /* skip the datagram that failed; send the rest */
	}
}

void ea_net_batch_flush(ea_net_batch *b)
{
	size_t i = 0;
	while (i < b->count) {
		size_t j = i + 1;
		while (j < b->count && b->queued[j].fd == b->queued[i].fd)
			j++;
		send_run(b, i, j);
		i = j;
	}
	b->count = 0;
}

ea_net_batch *ea_net_batch_new(int rcvbuf)
{
	ea_net_batch *b = calloc(1, sizeof(*b));
	if (b != NULL)
		b->rcvbuf = rcvbuf;
	return b;
}

void ea_net_batch_free(ea_net_batch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->udp_count; i++)
		free(b->udp[i].ring);
	free(b);
}

void ea_net_batch_attach(ea_net_batch *b, ares_channel channel)
{
	ares_set_socket_functions(channel, &batch_functions, b);
}
