/*
 * A small program that links libemailauth: the Amazon SES Easy DKIM check of one
 * domain, printed as text, with the exit code the emailauth program uses.
 *
 *   cc ses_check.c $(pkg-config --cflags --libs emailauth) -o ses_check
 *   ./ses_check example.com T1,T2,T3                 live DNS (the system's resolver)
 *   ./ses_check example.com T1,T2,T3 a.zone b.zone   answers from zone files only
 */
#include <stdio.h>
#include <emailauth/emailauth.h>

#define TIMEOUT_MS 10000.0   /* the whole check, as emailauth's default --timeout */

int main(int argc, char **argv)
{
	if (argc < 3 || (size_t)(argc - 3) > EA_RESOLVER_MAX_ZONE_FILES) {
		fprintf(stderr, "usage: %s DOMAIN TOKEN1,TOKEN2,TOKEN3 [ZONE_FILE...]\n", argv[0]);
		return 64;
	}
	ea_ses_request req = {0};
	const char *why = NULL;
	if (ea_domain_normalize(argv[1], req.domain, sizeof(req.domain), &why) != EA_OK) {
		fprintf(stderr, "%s: not a domain name: %s\n", argv[1], why ? why : "invalid");
		return 64;
	}
	if (ea_ses_set_tokens(&req, argv[2]) != EA_OK || req.token_count == 0) {
		fprintf(stderr, "%s: not a list of SES tokens\n", argv[2]);
		return 64;
	}

	ea_resolver_config cfg = {0};
	for (int i = 3; i < argc; i++)
		cfg.zone_files[cfg.zone_file_count++] = argv[i];
	int err = 0;
	char msg[256] = "";
	ea_resolver *resolver = ea_resolver_new(&cfg, &err, msg, sizeof(msg));
	if (resolver == NULL) {
		fprintf(stderr, "resolver: %s\n", msg[0] ? msg : ea_strerror(err));
		return 3;
	}
	ea_report *report = ea_report_new(req.domain, argv[1]);
	ea_job *job = report ? ea_job_new(resolver, report, ea_now_ms() + TIMEOUT_MS) : NULL;
	if (job == NULL || ea_job_add_check(job, ea_check_ses_dkim, &req) != EA_OK) {
		fprintf(stderr, "out of memory\n");
		return 3;
	}
	ea_job_run(job);   /* the lookups, until every check has its answers or time is up */
	ea_job_free(job);
	ea_resolver_free(resolver);

	ea_render_opts opts = {.color = false};
	ea_render_text(stdout, report, &opts);
	int code = ea_status_exit_code(ea_report_status(report));
	ea_report_free(report);
	return code;
}
