/* emailauth spf DOMAIN                                   audit the published policy
 * emailauth spf --ip IP --sender user@domain [--helo HOST] [--helo-identity]
 *                                                        evaluate check_host()
 * emailauth spf --batch FILE|-                           one evaluation per line
 *                                                        "IP SENDER [HELO]", one
 *                                                        resolver and cache for all */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/render.h>
#include "cli.h"

#define SPF_BATCH_LINE_MAX 2048          /* one "IP SENDER [HELO]" line */
#define SPF_BATCH_MAX_EVALS 10000000     /* lines evaluated in one run */

typedef struct {
	const char *ip, *sender, *helo, *receiver, *batch;
	bool helo_identity, no_prefetch;
} spf_args;

/* Runs one check and renders its report. shared: a resolver kept across runs (batch:
 * rendered one JSON document per line), or NULL for a resolver of its own. */
static int run(const cli_globals *g, ea_resolver *shared, ea_check_fn fn, void *arg,
               const char *domain, const char *display)
{
	ea_resolver *r = shared ? shared : cli_resolver(g);
	if (r == NULL)
		return 3;
	ea_report *rep = ea_report_new(domain, display);
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + g->timeout_s * 1000.0) : NULL;
	if (job == NULL || ea_job_add_check(job, fn, arg) != EA_OK ||
	    ea_job_add_check(job, ea_check_dns_hosting, NULL) != EA_OK) {
		ea_job_free(job);
		ea_report_free(rep);
		if (!shared)
			ea_resolver_free(r);
		return 3;
	}
	double t0 = ea_now_ms();
	ea_job_run(job);
	rep->elapsed_ms = ea_now_ms() - t0;
	ea_job_free(job);
	if (!shared)
		ea_resolver_free(r);
	int out = shared ? cli_render_each(g, rep) : cli_render(g, rep);
	int rc = out == EA_OK ? ea_status_exit_code(ea_report_status(rep)) : 3;
	ea_report_free(rep);
	return rc;
}

/* The domain check_host() starts at, for the report's name. */
static void request_domain(const ea_spf_request *req, char *out, size_t size)
{
	const char *s = ea_spf_sender_is_null(req->sender) ? "" : req->sender;
	const char *at = strrchr(s, '@');
	const char *dom = at ? at + 1 : (*s ? s : (req->helo ? req->helo : ""));
	if (req->helo_identity)
		dom = req->helo;
	snprintf(out, size, "%.253s", dom);
}

static int evaluate(const cli_globals *g, ea_resolver *shared, ea_spf_request *req)
{
	char domain[EA_NAME_MAX + 1];
	request_domain(req, domain, sizeof(domain));
	return run(g, shared, ea_check_spf_evaluate, req, domain, domain);
}

/* --batch: "IP SENDER [HELO]" per line ('#' comments and blank lines skipped; SENDER
 * "<>" is the null sender). Returns the highest exit code, 64 if a line was unusable. */
static int run_batch(const cli_globals *g, const spf_args *s)
{
	FILE *in = strcmp(s->batch, "-") == 0 ? stdin : fopen(s->batch, "r");
	if (in == NULL) {
		fprintf(stderr, "emailauth: cannot open %s\n", s->batch);
		return EA_EXIT_USAGE;
	}
	ea_resolver *r = cli_resolver(g);
	if (r == NULL) {
		if (in != stdin)
			fclose(in);
		return 3;
	}
	char line[SPF_BATCH_LINE_MAX];
	int rc = 0;
	unsigned long lineno = 0, evals = 0;
	while (fgets(line, sizeof(line), in) != NULL) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			fprintf(stderr, "emailauth: line %lu is longer than %d bytes: skipped\n", lineno,
			        SPF_BATCH_LINE_MAX - 2);
			rc = EA_EXIT_USAGE;
			int c;
			while ((c = fgetc(in)) != EOF && c != '\n')
				;
			continue;
		}
		char *save = NULL;
		char *ip = strtok_r(line, " \t\r\n", &save);
		if (ip == NULL || ip[0] == '#')
			continue;
		const char *sender = strtok_r(NULL, " \t\r\n", &save);
		const char *helo = strtok_r(NULL, " \t\r\n", &save);
		if (sender == NULL || strtok_r(NULL, " \t\r\n", &save) != NULL) {
			fprintf(stderr, "emailauth: line %lu: want IP SENDER [HELO]\n", lineno);
			rc = EA_EXIT_USAGE;
			continue;
		}
		if (!cli_ip_ok(ip)) {
			fprintf(stderr, "emailauth: line %lu: '%.80s' is not an IPv4 or IPv6 address\n", lineno, ip);
			rc = EA_EXIT_USAGE;
			continue;
		}
		if ((ea_spf_sender_is_null(sender) || s->helo_identity) && helo == NULL) {
			fprintf(stderr, "emailauth: line %lu: the null sender and --helo-identity need HELO\n",
			        lineno);
			rc = EA_EXIT_USAGE;
			continue;
		}
		if (++evals > SPF_BATCH_MAX_EVALS) {
			fprintf(stderr, "emailauth: at most %d evaluations in one run\n", SPF_BATCH_MAX_EVALS);
			rc = EA_EXIT_USAGE;
			break;
		}
		ea_spf_request req = {.ip = ip, .sender = sender, .helo = helo,
		                      .helo_identity = s->helo_identity, .receiver = s->receiver,
		                      .no_prefetch = s->no_prefetch};
		int one = evaluate(g, r, &req);
		if (one > rc)
			rc = one;
	}
	ea_resolver_free(r);
	if (in != stdin)
		fclose(in);
	return rc;
}

static bool take(const char *name, int argc, char **argv, int *i, const char **out)
{
	const char *v = cli_option_value(name, argc, argv, i);
	if (v != NULL)
		*out = v;
	return v != NULL;
}

int cmd_spf(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	spf_args s = {0};
	const char *domain_arg = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			return EA_EXIT_USAGE;
		if (gr > 0)
			continue;
		if (take("--ip", argc, argv, &i, &s.ip) || take("--sender", argc, argv, &i, &s.sender) ||
		    take("--helo", argc, argv, &i, &s.helo) ||
		    take("--receiver", argc, argv, &i, &s.receiver) ||
		    take("--batch", argc, argv, &i, &s.batch))
			continue;
		if (strcmp(a, "--helo-identity") == 0)
			s.helo_identity = true;
		else if (strcmp(a, "--no-prefetch") == 0)
			s.no_prefetch = true;
		else if (a[0] == '-' && a[1] != '\0')
			return cli_usage_error("unknown option '%s' for 'spf'", a);
		else if (domain_arg == NULL)
			domain_arg = a;
		else
			return cli_usage_error("one domain at a time ('%s' is extra)", a);
	}
	cli_globals_finish(&g);
	if (s.receiver && !cli_helo("--receiver", s.receiver))   /* a host name for the headers */
		return EA_EXIT_USAGE;
	if (s.batch != NULL) {
		if (strcmp(g.format, "nagios") == 0)
			return cli_usage_error("--batch gives a report per line; a Nagios plugin answers "
			                       "once (use --format json for --batch)");
		if (s.ip || s.sender || s.helo || domain_arg)
			return cli_usage_error("--batch takes IP SENDER [HELO] from its lines, not from "
			                       "--ip, --sender, --helo or a domain");
		return run_batch(&g, &s);
	}
	if (s.ip == NULL) {
		if (domain_arg == NULL)
			return cli_usage_error("spf needs a domain (audit) or --ip IP --sender ADDRESS "
			                       "(evaluation)");
		if (s.sender || s.helo)
			return cli_usage_error("--sender and --helo go with --ip");
		ea_spf_audit_request req;
		if (!cli_domain(domain_arg, req.domain, sizeof(req.domain)))
			return EA_EXIT_USAGE;
		return run(&g, NULL, ea_check_spf_audit, &req, req.domain, domain_arg);
	}
	if (domain_arg != NULL)
		return cli_usage_error("with --ip, give the domain as --sender user@DOMAIN, not '%s'",
		                       domain_arg);
	if (s.sender == NULL && s.helo == NULL)
		return cli_usage_error("--ip needs --sender ADDRESS (or --helo HOST for the HELO identity "
		                       "or the null sender)");
	if ((s.helo_identity || (s.sender && ea_spf_sender_is_null(s.sender))) && s.helo == NULL)
		return cli_usage_error("the null sender and --helo-identity need --helo HOST");
	/* Values check_host() could not use are the caller's mistake, not a FAIL (RFC 7208 4.3
	 * is about what a receiver does with a malformed MAIL FROM it was given). */
	if (!cli_ip("--ip", s.ip) || (s.sender && !cli_address("--sender", s.sender, true)) ||
	    (s.helo && !cli_helo("--helo", s.helo)))
		return EA_EXIT_USAGE;
	ea_spf_request req = {.ip = s.ip, .sender = s.sender ? s.sender : "", .helo = s.helo,
	                      .helo_identity = s.helo_identity, .receiver = s.receiver,
	                      .no_prefetch = s.no_prefetch};
	return evaluate(&g, NULL, &req);
}
