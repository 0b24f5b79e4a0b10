/* emailauth serve [--listen ADDR:PORT] [--max-concurrent N] [--rate PER_MINUTE] [--allow-root] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "server.h"

#define SERVE_MAX_CONCURRENT_LIMIT 1024
#define SERVE_RATE_LIMIT 100000

static bool parse_count(const char *opt, const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n = v ? strtoul(v, &end, 10) : 0;
	if (v == NULL || *v == '\0' || *end != '\0' || n < min || n > max) {
		cli_usage_error("%s takes a whole number from %u to %u", opt, min, max);
		return false;
	}
	*out = (unsigned)n;
	return true;
}

int cmd_serve(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	g.timeout_s = SRV_DEFAULT_DEADLINE_S;
	srv_config cfg = {.listen = SRV_DEFAULT_LISTEN, .max_concurrent = SRV_DEFAULT_MAX_CONCURRENT,
	                  .rate_per_minute = SRV_DEFAULT_RATE};
	bool allow_root = false;
	for (int i = 1; i < argc; i++) {
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			return EA_EXIT_USAGE;
		if (gr > 0)
			continue;
		const char *v;
		if (cli_option("--listen", argc, argv, &i, &v)) {
			if (v == NULL)
				return cli_usage_error("--listen needs ADDR:PORT");
			cfg.listen = v;
		} else if (cli_option("--max-concurrent", argc, argv, &i, &v)) {
			if (!parse_count("--max-concurrent", v, 1, SERVE_MAX_CONCURRENT_LIMIT, &cfg.max_concurrent))
				return EA_EXIT_USAGE;
		} else if (cli_option("--rate", argc, argv, &i, &v)) {
			if (!parse_count("--rate", v, 0, SERVE_RATE_LIMIT, &cfg.rate_per_minute))
				return EA_EXIT_USAGE;
		} else if (strcmp(argv[i], "--allow-root") == 0) {
			allow_root = true;
		} else {
			return cli_usage_error("unknown option '%s' for 'serve'", argv[i]);
		}
	}
	cli_globals_finish(&g);
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (!srv_parse_listen(cfg.listen, &ss, &sslen))
		return cli_usage_error("--listen: '%.80s' is not ADDR:PORT or [ADDR6]:PORT, such as "
		                       "127.0.0.1:8080 or [::1]:8080", cfg.listen);
	ea_resolver_free(cli_resolver(&g));   /* a wrong --resolver or --zone: exit 64 here */
	/* A server answers anyone who connects: a flaw in it must not hand over the machine. */
	if (geteuid() == 0 && !allow_root) {
		fprintf(stderr, "emailauth: serve will not run as root: it answers the network, and a flaw in "
		        "it would then give the whole machine away. Run it as a plain user, or from a systemd "
		        "unit with DynamicUser=yes (for a port below 1024, add "
		        "AmbientCapabilities=CAP_NET_BIND_SERVICE). --allow-root runs it as root anyway.\n");
		return EA_EXIT_USAGE;
	}
	cfg.rcfg = g.rcfg;
	cfg.deadline_s = g.timeout_s;
	return srv_main(&cfg);
}
