#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <emailauth/emailauth.h>
#include "front.h"
#include "limits.h"
#include "response.h"

#define SRV_FRONT_EVENTS 128         /* epoll events taken per wakeup */
#define SRV_FRONT_TICK_MS 1000       /* the longest wait, so stop is seen even if missed */

typedef struct conn conn;
struct conn {
	int fd;
	bool lingering;                  /* answered: drained until the client closes */
	bool peer_done;                  /* the client will send no more (EPOLLRDHUP) */
	unsigned pieces;                 /* reads of an incomplete head */
	uint8_t key[16];
	struct sockaddr_storage addr;
	socklen_t addr_len;
	double since_ms;                 /* accepted (head), or answered (lingering) */
	conn *prev, *next;
};

typedef struct {
	conn *first, *last;
	size_t count;
} conn_list;

struct srv_front {
	srv_front_config cfg;
	int ep;
	int stop_fd;
	pthread_t thread;
	conn pool[SRV_HEAD_CONNS + SRV_LINGER_CONNS];
	conn_list free, heads, lingers;  /* heads and lingers: oldest first */
	char buf[SRV_HEAD_MAX];
	int listen_tag, stop_tag;        /* their addresses mark the two fds in epoll */
};

static void list_push(conn_list *l, conn *c)
{
	c->next = NULL;
	c->prev = l->last;
	if (l->last)
		l->last->next = c;
	else
		l->first = c;
	l->last = c;
	l->count++;
}

static void list_remove(conn_list *l, conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->last = c->prev;
	c->prev = c->next = NULL;
	l->count--;
}

static conn_list *list_of(srv_front *f, conn *c)
{
	return c->lingering ? &f->lingers : &f->heads;
}

static void conn_close(srv_front *f, conn *c)
{
	list_remove(list_of(f, c), c);
	close(c->fd);    /* also leaves the epoll set */
	c->fd = -1;
	list_push(&f->free, c);
}

/* An answer, then a short drain (closing with unread input would reset the
 * connection and could destroy the answer on its way). */
static void conn_answer(srv_front *f, conn *c, const char *resp, size_t len)
{
	if (len > 0)
		(void)send(c->fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(c->fd, SHUT_WR);
	if (c->peer_done) {
		conn_close(f, c);
		return;
	}
	if (f->lingers.count >= SRV_LINGER_CONNS)
		conn_close(f, f->lingers.first);
	list_remove(&f->heads, c);
	c->lingering = true;
	c->since_ms = ea_now_ms();
	list_push(&f->lingers, c);
}

/* A refusal from the front end itself: plain text, every header of every response. */
static void conn_refuse(srv_front *f, conn *c, unsigned status, const char *message, const srv_head *h)
{
	char body[256], resp[SRV_RAW_RESPONSE_MAX];
	int n = snprintf(body, sizeof(body), "%u %s: %s\n", status, srv_reason(status), message);
	bool head_only = h && strcmp(h->method, "HEAD") == 0;
	const char *extra = status == 503 || status == 408 ? "Retry-After" : NULL;
	size_t len = srv_raw_response(resp, sizeof(resp), status, "text/plain; charset=utf-8", extra, "1",
	                              body, n > 0 ? (size_t)n : 0, head_only);
	f->cfg.on_log(f->cfg.ctx, h ? h->method : "-", "front", status, ea_now_ms() - c->since_ms);
	conn_answer(f, c, resp, len);
}

static void head_read(srv_front *f, conn *c)
{
	ssize_t n = recv(c->fd, f->buf, sizeof(f->buf), MSG_PEEK);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(f, c);
		return;
	}
	if (n == 0) {            /* gone without a word */
		conn_close(f, c);
		return;
	}
	size_t end = srv_head_end(f->buf, (size_t)n);
	if (end == 0) {
		bool full = (size_t)n >= sizeof(f->buf);
		if (full || c->peer_done)
			conn_refuse(f, c, srv_head_incomplete(f->buf, (size_t)n, full),
			            full ? "the request head is too large" : "the request head was cut short", NULL);
		else if (++c->pieces >= SRV_HEAD_PIECES_MAX)
			conn_refuse(f, c, 400, "the request head came in too many pieces", NULL);
		return;
	}
	srv_head h;
	srv_head_parse(f->buf, end, &h);
	if (h.status != 0) {
		conn_refuse(f, c, h.status, h.message, &h);
		return;
	}
	char out[SRV_RAW_RESPONSE_MAX];
	size_t out_len = 0;
	epoll_ctl(f->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (f->cfg.on_head(f->cfg.ctx, c->fd, (struct sockaddr *)&c->addr, c->addr_len, c->since_ms, &h, out,
	                   &out_len) == SRV_FRONT_PASS) {
		list_remove(&f->heads, c);
		c->fd = -1;
		list_push(&f->free, c);
		return;
	}
	/* Answered here: its head is taken off the socket, the rest drained. */
	(void)recv(c->fd, f->buf, end, MSG_DONTWAIT);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	epoll_ctl(f->ep, EPOLL_CTL_ADD, c->fd, &ev);
	conn_answer(f, c, out, out_len);
}

static void linger_read(srv_front *f, conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, f->buf, sizeof(f->buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		conn_close(f, c);
		return;
	}
}

static size_t count_from(const conn_list *l, const uint8_t key[16], conn **oldest)
{
	size_t n = 0;
	*oldest = NULL;
	for (conn *c = l->first; c; c = c->next)
		if (memcmp(c->key, key, 16) == 0) {
			if (*oldest == NULL)
				*oldest = c;
			n++;
		}
	return n;
}

static void accept_some(srv_front *f)
{
	for (int i = 0; i < SRV_ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(f->cfg.listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if ((errno == EMFILE || errno == ENFILE) && f->heads.first)
				conn_refuse(f, f->heads.first, 503, "the server is full", NULL);
			else if (errno == EMFILE || errno == ENFILE) {
				struct timespec ts = {0, 10 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
			return;
		}
		uint8_t key[16];
		srv_client_key((struct sockaddr *)&ss, key);
		conn *oldest;
		/* Full: the oldest head goes first, of this address, then of all. */
		if (count_from(&f->heads, key, &oldest) >= SRV_HEAD_CONNS_PER_IP)
			conn_refuse(f, oldest, 503, "too many unfinished requests from your address", NULL);
		else if (f->heads.count >= SRV_HEAD_CONNS)
			conn_refuse(f, f->heads.first, 503, "the server is full", NULL);
		if (f->free.first == NULL && f->lingers.first)
			conn_close(f, f->lingers.first);
		conn *c = f->free.first;
		if (c == NULL) {
			close(fd);
			return;
		}
		list_remove(&f->free, c);
		*c = (conn){.fd = fd, .addr = ss, .addr_len = len, .since_ms = ea_now_ms()};
		memcpy(c->key, key, 16);
		list_push(&f->heads, c);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = c};
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			conn_close(f, c);
	}
}

/* Heads past their deadline get 408; drained connections past theirs are closed.
 * Both lists are oldest first. Returns the milliseconds until the next deadline. */
static int expire(srv_front *f)
{
	double now = ea_now_ms(), next = now + SRV_FRONT_TICK_MS;
	while (f->heads.first && f->heads.first->since_ms + f->cfg.head_timeout_ms <= now)
		conn_refuse(f, f->heads.first, 408, "the request took too long to arrive", NULL);
	while (f->lingers.first && f->lingers.first->since_ms + SRV_LINGER_MS <= now)
		conn_close(f, f->lingers.first);
	if (f->heads.first && f->heads.first->since_ms + f->cfg.head_timeout_ms < next)
		next = f->heads.first->since_ms + f->cfg.head_timeout_ms;
	if (f->lingers.first && f->lingers.first->since_ms + SRV_LINGER_MS < next)
		next = f->lingers.first->since_ms + SRV_LINGER_MS;
	return next <= now ? 0 : (int)(next - now) + 1;
}

static void *front_loop(void *arg)
{
	srv_front *f = arg;
	struct epoll_event evs[SRV_FRONT_EVENTS];
	for (;;) {
		int n = epoll_wait(f->ep, evs, SRV_FRONT_EVENTS, expire(f));
		bool accept_now = false;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &f->stop_tag)
				return NULL;
			if (p == &f->listen_tag) {
				accept_now = true;    /* after this batch: no record is reused within it */
				continue;
			}
			conn *c = p;
			if (c->fd < 0)
				continue;    /* closed earlier in this batch */
			if (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				c->peer_done = true;
			if (c->lingering)
				linger_read(f, c);
			else
				head_read(f, c);
		}
		if (accept_now)
			accept_some(f);
	}
}

srv_front *srv_front_start(const srv_front_config *cfg)
{
	srv_front *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->cfg = *cfg;
	for (size_t i = 0; i < sizeof(f->pool) / sizeof(f->pool[0]); i++) {
		f->pool[i].fd = -1;
		list_push(&f->free, &f->pool[i]);
	}
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &f->listen_tag};
	struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &f->stop_tag};
	if (f->ep < 0 || f->stop_fd < 0 || epoll_ctl(f->ep, EPOLL_CTL_ADD, cfg->listen_fd, &lev) != 0 ||
	    epoll_ctl(f->ep, EPOLL_CTL_ADD, f->stop_fd, &sev) != 0 ||
	    pthread_create(&f->thread, NULL, front_loop, f) != 0) {
		if (f->ep >= 0)
			close(f->ep);
		if (f->stop_fd >= 0)
			close(f->stop_fd);
		free(f);
		return NULL;
	}
	return f;
}

void srv_front_stop(srv_front *f)
{
	if (f == NULL)
		return;
	uint64_t one = 1;
	(void)!write(f->stop_fd, &one, sizeof(one));
	pthread_join(f->thread, NULL);
	close(f->cfg.listen_fd);
	while (f->heads.first)
		conn_close(f, f->heads.first);
	while (f->lingers.first)
		conn_close(f, f->lingers.first);
	close(f->stop_fd);
	close(f->ep);
	free(f);
}
