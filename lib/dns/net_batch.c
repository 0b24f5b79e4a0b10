/*
 * UDP queries batched with sendmmsg(). A scan sends a round of queries at once; sent
 * one sendto() each, every datagram woke the server and switched to it: that was most
 * of the scan's kernel time (docs/performance.md). c-ares 1.18 lets a program supply
 * the socket calls (ares_set_socket_functions): a UDP write is queued here and the
 * queue goes out when the transport is about to wait, one sendmmsg() per socket.
 * TCP and anything that does not fit a slot are written at once, as c-ares would.
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
#define BATCH_MAX_UDP_SOCKETS 64   /* UDP sockets known; past that, writes go out at once */

struct ea_net_batch {
	int rcvbuf;
	int udp_fds[BATCH_MAX_UDP_SOCKETS];
	size_t udp_count;
	struct {
		int fd;
		uint16_t len;
	} queued[BATCH_MAX_DATAGRAMS];
	uint8_t data[BATCH_MAX_DATAGRAMS][BATCH_DATAGRAM_MAX];
	size_t count;
};

static bool is_udp(const ea_net_batch *b, int fd)
{
	for (size_t i = 0; i < b->udp_count; i++)
		if (b->udp_fds[i] == fd)
			return true;
	return false;
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
		b->udp_fds[b->udp_count++] = fd;
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
	for (size_t i = 0; i < b->udp_count; i++)
		if (b->udp_fds[i] == fd) {
			b->udp_fds[i] = b->udp_fds[--b->udp_count];
			break;
		}
	return close(fd);
}

static int batch_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *arg)
{
	(void)arg;
	return connect(fd, sa, len);
}

static ares_ssize_t batch_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                   struct sockaddr *from, ares_socklen_t *from_len, void *arg)
{
	(void)arg;
	return recvfrom(fd, buf, len, flags, from, from_len);
}

static ares_ssize_t batch_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	ea_net_batch *b = arg;
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (!is_udp(b, fd) || total > BATCH_DATAGRAM_MAX)
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
	free(b);
}

void ea_net_batch_attach(ea_net_batch *b, ares_channel channel)
{
	ares_set_socket_functions(channel, &batch_functions, b);
}
