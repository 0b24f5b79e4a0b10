/* The front end of emailauth serve: one thread that accepts connections and holds
 * them, cheaply, until their request head is complete; only then does a connection
 * reach libmicrohttpd (a thread each). A slow or stalled head costs a file
 * descriptor and a few bytes, never a thread, and is bounded three ways:
 *  - a deadline for the whole head (SRV_HEAD_TIMEOUT_MS), however slowly it trickles;
 *  - SRV_HEAD_CONNS_PER_IP per address, the address's oldest dropped past that;
 *  - SRV_HEAD_CONNS in all, the oldest dropped first when full.
 * The head is peeked (MSG_PEEK), so libmicrohttpd reads it again from the socket;
 * malformed heads are answered here (head.c) with the same headers as every other
 * response (response.c). */
#ifndef SRV_FRONT_H
#define SRV_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "head.h"

#define SRV_HEAD_TIMEOUT_MS 10000    /* the whole request head must arrive within this */
#define SRV_HEAD_CONNS 512           /* connections still sending their head, in all */
#define SRV_HEAD_CONNS_PER_IP 32     /* ... and from one address (IPv6: one /64) */
#define SRV_LINGER_CONNS 256         /* answered connections drained before closing */
#define SRV_LINGER_MS 1000           /* how long they are drained at most */
#define SRV_ACCEPT_BURST 64          /* accepts per wakeup, so heads in progress are read too */
/* A head is peeked whole each time more of it arrives: past this many pieces it is
 * refused (400), so a head sent a byte at a time costs at most this many copies. */
#define SRV_HEAD_PIECES_MAX 64

typedef enum {
	SRV_FRONT_PASS,      /* handed over: the callback owns the socket now */
	SRV_FRONT_ANSWERED,  /* the callback wrote a response into out */
} srv_front_action;

typedef struct {
	int listen_fd;                   /* non-blocking, listening */
	unsigned head_timeout_ms;
	/* A complete, valid head: hand fd over (PASS) or write a response of at most
	 * SRV_RAW_RESPONSE_MAX bytes into out and set *out_len (ANSWERED). */
	srv_front_action (*on_head)(void *ctx, int fd, const struct sockaddr *addr, socklen_t addr_len,
	                            double accept_ms, const srv_head *h, char *out, size_t *out_len);
	/* One log line per answered request. */
	void (*on_log)(void *ctx, const char *method, const char *route, unsigned status, double ms);
	void *ctx;
} srv_front_config;

typedef struct srv_front srv_front;

/* Starts the thread. NULL when it cannot. */
srv_front *srv_front_start(const srv_front_config *c);
/* Stops accepting (closes the listening socket), closes the connections it holds
 * and joins the thread. */
void srv_front_stop(srv_front *f);

#endif
