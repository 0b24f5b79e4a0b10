/* emailauth serve: the HTTP adapter over the library (libmicrohttpd). */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include <sys/socket.h>
#include <emailauth/emailauth.h>

#define SRV_DEFAULT_LISTEN "127.0.0.1:8080"
#define SRV_DEFAULT_MAX_CONCURRENT 8     /* checks running at once */
#define SRV_DEFAULT_RATE 30              /* checks per client per minute */
#define SRV_DEFAULT_DEADLINE_S 10.0      /* the longest one check may take */

typedef struct {
	const char *listen;                  /* "ADDR:PORT" or "[ADDR6]:PORT"; port 0: any */
	ea_resolver_config rcfg;             /* --resolver / --zone */
	double deadline_s;
	unsigned max_concurrent;
	unsigned rate_per_minute;            /* 0: no rate limit */
} srv_config;

/* Starts serving in threads of its own (the front end, libmicrohttpd); *port gets the
 * port bound. NULL (and a message on stderr) when it cannot. */
typedef struct srv_server srv_server;
srv_server *srv_start(const srv_config *cfg, unsigned *port);
/* Stops accepting, lets the checks in flight finish (within their deadline), frees. */
void srv_stop(srv_server *s);

/* "ADDR:PORT" or "[ADDR6]:PORT" (numeric, port 0 to 65535) into *ss; false when it is not. */
bool srv_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

/* Serves until SIGTERM or SIGINT, then finishes the checks in flight and returns 0;
 * returns 1 when it cannot start. Prints "listening on http://ADDR:PORT/" to stderr. */
int srv_main(const srv_config *cfg);

#endif
