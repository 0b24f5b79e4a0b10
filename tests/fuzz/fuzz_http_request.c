/* Fuzz: a whole HTTP request (method, target, header fields, body) sent to emailauth
 * serve as it runs: the front end (head.c, front.c) and libmicrohttpd behind it, on
 * loopback. The input is first read by the head parser directly, then sent on a
 * connection whose sending side is then shut; whatever answer comes must be an HTTP
 * response carrying every security header (response.c). Checks that get that far ask
 * a name server on 127.0.0.1:9, where nothing answers. */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <emailauth/emailauth.h>
#include "head.h"
#include "response.h"
#include "server.h"

#define FUZZ_ANSWER_MAX (1024 * 1024)
#define FUZZ_WAIT_MS 5000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static srv_server *server;
static unsigned port;

static void stop_server(void)
{
	if (server)
		srv_stop(server);
	server = NULL;
}

static void start_server(void)
{
	signal(SIGPIPE, SIG_IGN);
	srv_config cfg = {.listen = "127.0.0.1:0", .deadline_s = 0.3, .max_concurrent = 4, .rate_per_minute = 0};
	cfg.rcfg.servers[0] = "127.0.0.1:9";
	cfg.rcfg.server_count = 1;
	cfg.rcfg.query_timeout_ms = 100;
	cfg.rcfg.tries = 1;
	server = srv_start(&cfg, &port);
	if (server == NULL)
		abort();
	atexit(stop_server);
}

/* The answer: an HTTP/1.1 status line and every security header (after any interim
 * 100 Continue, which has none). */
static void check_answer(const char *a, size_t n)
{
	while (n > 10 && memcmp(a, "HTTP/1.1 100 ", 13) == 0) {
		const char *e = memmem(a, n, "\r\n\r\n", 4);
		if (e == NULL)
			abort();
		n -= (size_t)(e + 4 - a);
		a = e + 4;
	}
	if (n == 0)
		return;
	if (n < 12 || memcmp(a, "HTTP/1.1 ", 9) != 0) {
		fprintf(stderr, "not an HTTP response: %.*s\n", (int)(n < 80 ? n : 80), a);
		abort();
	}
	const char *end = memmem(a, n, "\r\n\r\n", 4);
	size_t head = end ? (size_t)(end - a) : n;
	for (const srv_header *h = srv_security_headers; h->name; h++) {
		char line[1024];
		int k = snprintf(line, sizeof(line), "\r\n%s: %s\r\n", h->name, h->value);
		if (memmem(a, head + 2, line, (size_t)k) == NULL) {
			fprintf(stderr, "a response without %s: %.*s\n", h->name, (int)(head < 200 ? head : 200), a);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	srv_head h;
	size_t end = srv_head_end((const char *)data, size);
	if (end)
		srv_head_parse((const char *)data, end, &h);
	else
		(void)srv_head_incomplete((const char *)data, size, size >= SRV_HEAD_MAX);

	if (server == NULL)
		start_server();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		abort();
	/* The answer may come before the whole input is sent (a refused head). */
	size_t sent = 0;
	while (sent < size) {
		ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		sent += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	char *answer = malloc(FUZZ_ANSWER_MAX);
	size_t got = 0;
	double until = ea_now_ms() + FUZZ_WAIT_MS;
	while (answer && got < FUZZ_ANSWER_MAX && ea_now_ms() < until) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)(until - ea_now_ms()) + 1) <= 0)
			break;
		ssize_t n = recv(fd, answer + got, FUZZ_ANSWER_MAX - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (answer)
		check_answer(answer, got);
	free(answer);
	return 0;
}
