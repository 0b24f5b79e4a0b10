/* UDP queries batched: c-ares hands each datagram to us (its socket functions), and we
 * put a round's datagrams on the wire with one sendmmsg() per socket, and read answers
 * with recvmmsg(). */
#ifndef EA_DNS_NET_BATCH_H
#define EA_DNS_NET_BATCH_H

#include <ares.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ea_net_batch ea_net_batch;

/* rcvbuf: the receive buffer asked for on every socket (c-ares does not configure
 * sockets it does not open itself). */
ea_net_batch *ea_net_batch_new(int rcvbuf);
/* Drops what is still queued (those queries time out and are retried by c-ares). */
void ea_net_batch_free(ea_net_batch *b);
/* Makes the channel open, write and read its sockets through b. */
void ea_net_batch_attach(ea_net_batch *b, ares_channel channel);
/* Sends every queued datagram. Call before waiting for answers. */
void ea_net_batch_flush(ea_net_batch *b);
/* Answers already read from the kernel and not yet handed to c-ares (c-ares reads until
 * a socket is empty, so this is rare): such a socket is readable without poll. */
bool ea_net_batch_has_unread(const ea_net_batch *b, int fd);
bool ea_net_batch_any_unread(const ea_net_batch *b);

#endif
