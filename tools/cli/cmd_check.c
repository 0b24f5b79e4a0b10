/* emailauth check DOMAIN [--tokens T1,T2,T3] [--selector s1,s2] [--mail-from NAME] [--region R]
 * The whole-domain audit: one report section per check. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
	ea_audit_request audit;
	ea_ses_request ses;
	ea_spf_audit_request spf;
} check_args;

static ea_report *run_checks(const cli_globals *g, check_args *a, const char *display)
{
	ea_resolver *r = cli_resolver(g);
	if (r == NULL)
		return NULL;
	ea_report *rep = ea_report_new(a->audit.domain, display);
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + g->timeout_s * 1000.0) : NULL;
	int rc = job ? EA_OK : EA_ENOMEM;
	if (rc == EA_OK && a->ses.token_count > 0)
		rc = ea_job_add_check(job, ea_check_ses_dkim, &a->ses);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_dmarc, a->audit.domain);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_spf_audit, &a->spf);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_senders, &a->audit);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_mail_from, &a->audit);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_mx, &a->audit);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_policy_records, &a->audit);
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_dnssec, &a->audit);
	if (rc != EA_OK) {
		ea_job_free(job);
		ea_report_free(rep);
		ea_resolver_free(r);
		return NULL;
	}
	double t0 = ea_now_ms();
	ea_job_run(job);
	rep->elapsed_ms = ea_now_ms() - t0;
	ea_job_free(job);
	ea_resolver_free(r);
	return rep;
}

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cmd_check(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	check_args *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return 3;
	const char *domain_arg = NULL, *tokens = NULL, *selectors = NULL, *mail_from = NULL,
	           *region = NULL;
	int rc = EA_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			goto out;
		if (gr > 0)
			continue;
		const char *v;
		if ((v = opt_value(argc, argv, &i, "--tokens")) != NULL)
			tokens = v;
		else if ((v = opt_value(argc, argv, &i, "--selector")) != NULL)
			selectors = v;
		else if ((v = opt_value(argc, argv, &i, "--mail-from")) != NULL)
			mail_from = v;
		else if ((v = opt_value(argc, argv, &i, "--region")) != NULL)
			region = v;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			cli_usage_error("unknown option '%s' for 'check' (or it needs a value)", argv[i]);
			goto out;
		} else if (domain_arg == NULL)
			domain_arg = argv[i];
		else {
			cli_usage_error("one domain at a time ('%s' is extra)", argv[i]);
			goto out;
		}
	}
	cli_globals_finish(&g);
	if (domain_arg == NULL) {
		cli_usage_error("check needs a domain: emailauth check example.com");
		goto out;
	}
	if (!cli_domain(domain_arg, a->audit.domain, sizeof(a->audit.domain)))
		goto out;
	snprintf(a->ses.domain, sizeof(a->ses.domain), "%s", a->audit.domain);
	snprintf(a->spf.domain, sizeof(a->spf.domain), "%s", a->audit.domain);
	if (tokens && ea_ses_set_tokens(&a->ses, tokens) != EA_OK) {
		cli_usage_error("--tokens: at most %d tokens, each one DNS label", EA_SES_MAX_TOKENS);
		goto out;
	}
	for (size_t i = 0; i < a->ses.token_count; i++)
		snprintf(a->audit.tokens[i], sizeof(a->audit.tokens[i]), "%s", a->ses.tokens[i]);
	a->audit.token_count = a->ses.token_count;
	if (selectors && ea_audit_set_selectors(&a->audit, selectors) != EA_OK) {
		cli_usage_error("--selector: at most %d selectors, each letters, digits, '-', '_' or '.'",
		                EA_AUDIT_MAX_SELECTORS);
		goto out;
	}
	if (mail_from && !cli_domain(mail_from, a->audit.mail_from, sizeof(a->audit.mail_from)))
		goto out;
	if (region) {
		if (strlen(region) >= sizeof(a->audit.region)) {
			cli_usage_error("--region is an AWS region name such as eu-west-1");
			goto out;
		}
		snprintf(a->audit.region, sizeof(a->audit.region), "%s", region);
		for (char *p = a->audit.region; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		snprintf(a->ses.region, sizeof(a->ses.region), "%s", a->audit.region);
	}
	ea_report *rep = run_checks(&g, a, domain_arg);
	if (rep == NULL) {
		rc = 3;
		goto out;
	}
	rc = cli_render(&g, rep) == EA_OK ? ea_status_exit_code(ea_report_status(rep)) : 3;
	ea_report_free(rep);
out:
	free(a);
	return rc;
}
