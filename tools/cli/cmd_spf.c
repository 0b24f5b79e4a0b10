/* emailauth spf DOMAIN                                   audit the published policy
 * emailauth spf --ip IP --sender user@domain [--helo HOST] [--helo-identity]
 *                                                        evaluate check_host() */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	const char *ip, *sender, *helo, *receiver;
	bool helo_identity;
} spf_args;

static int run(const cli_globals *g, ea_check_fn fn, void *arg, const char *domain,
               const char *display)
{
	ea_resolver *r = cli_resolver(g);
	if (r == NULL)
		return 3;
	ea_report *rep = ea_report_new(domain, display);
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + g->timeout_s * 1000.0) : NULL;
	if (job == NULL || ea_job_add_check(job, fn, arg) != EA_OK) {
		ea_job_free(job);
		ea_report_free(rep);
		ea_resolver_free(r);
		return 3;
	}
	double t0 = ea_now_ms();
	ea_job_run(job);
	rep->elapsed_ms = ea_now_ms() - t0;
	ea_job_free(job);
	ea_resolver_free(r);
	int rc = cli_render(g, rep) == EA_OK ? ea_status_exit_code(ea_report_status(rep)) : 3;
	ea_report_free(rep);
	return rc;
}

static bool take(const char *a, const char *name, int argc, char **argv, int *i, const char **out)
{
	size_t n = strlen(name);
	if (strcmp(a, name) == 0 && *i + 1 < argc) {
		*out = argv[++*i];
		return true;
	}
	if (strncmp(a, name, n) == 0 && a[n] == '=') {
		*out = a + n + 1;
		return true;
	}
	return false;
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
		if (take(a, "--ip", argc, argv, &i, &s.ip) || take(a, "--sender", argc, argv, &i, &s.sender) ||
		    take(a, "--helo", argc, argv, &i, &s.helo) ||
		    take(a, "--receiver", argc, argv, &i, &s.receiver))
			continue;
		if (strcmp(a, "--helo-identity") == 0)
			s.helo_identity = true;
		else if (a[0] == '-' && a[1] != '\0')
			return cli_usage_error("unknown option '%s' for 'spf'", a);
		else if (domain_arg == NULL)
			domain_arg = a;
		else
			return cli_usage_error("one domain at a time ('%s' is extra)", a);
	}
	cli_globals_finish(&g);
	if (s.ip == NULL) {
		if (domain_arg == NULL)
			return cli_usage_error("spf needs a domain (audit) or --ip IP --sender ADDRESS "
			                       "(evaluation)");
		if (s.sender || s.helo)
			return cli_usage_error("--sender and --helo go with --ip");
		ea_spf_audit_request req;
		if (!cli_domain(domain_arg, req.domain, sizeof(req.domain)))
			return EA_EXIT_USAGE;
		return run(&g, ea_check_spf_audit, &req, req.domain, domain_arg);
	}
	if (domain_arg != NULL)
		return cli_usage_error("with --ip, give the domain as --sender user@DOMAIN, not '%s'",
		                       domain_arg);
	if (s.sender == NULL && s.helo == NULL)
		return cli_usage_error("--ip needs --sender ADDRESS (or --helo HOST for the HELO identity "
		                       "or the null sender)");
	if (s.helo_identity && s.helo == NULL)
		return cli_usage_error("--helo-identity needs --helo HOST");
	ea_spf_request req = {.ip = s.ip, .sender = s.sender ? s.sender : "", .helo = s.helo,
	                      .helo_identity = s.helo_identity, .receiver = s.receiver};
	const char *at = s.sender ? strrchr(s.sender, '@') : NULL;
	const char *dom = at ? at + 1 : (s.sender && *s.sender ? s.sender : (s.helo ? s.helo : ""));
	if (s.helo_identity)
		dom = s.helo;
	char domain[EA_NAME_MAX + 1];
	snprintf(domain, sizeof(domain), "%.253s", dom);
	return run(&g, ea_check_spf_evaluate, &req, domain, dom);
}
