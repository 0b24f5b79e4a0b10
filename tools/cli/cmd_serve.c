/* emailauth serve [--listen ADDR:PORT] [--max-concurrent N] [--rate PER_MINUTE] */
#include <stdlib.h>
#include <string.h>

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
		} else {
			return cli_usage_error("unknown option '%s' for 'serve'", argv[i]);
		}
	}
	cli_globals_finish(&g);
	cfg.rcfg = g.rcfg;
	cfg.deadline_s = g.timeout_s;
	return srv_main(&cfg);
}
