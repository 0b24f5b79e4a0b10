/* emailauth reports FILE|DIR... [--since DATE] [--domain D] [--format text|json|csv] [--no-dns] */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

/* "2026-05-03" as seconds since 1970 UTC; -1 when it is not a date. */
static int64_t parse_date(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70 || tm.tm_year > 199)
		return -1;
	return (int64_t)timegm(&tm);
}

int cmd_reports(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	const char *format = "text", *domain_arg = NULL;
	int64_t since = 0;
	bool no_dns = false;
	char domain[256] = "";
	char **paths = calloc((size_t)argc, sizeof(*paths));
	size_t path_count = 0;
	int rc = EA_EXIT_USAGE;
	if (paths == NULL)
		return 3;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* --format takes csv here too, so it is handled before the shared options. */
		if (cli_option("--format", argc, argv, &i, &format)) {
			if (format == NULL)
				format = "";
			if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "csv")) {
				cli_usage_error("--format is text, json or csv");
				goto out;
			}
			continue;
		}
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			goto out;
		if (gr > 0)
			continue;
		const char *v;
		if (cli_option("--since", argc, argv, &i, &v)) {
			if (v == NULL || (since = parse_date(v)) < 0) {
				cli_usage_error("--since takes a date: YYYY-MM-DD");
				goto out;
			}
		} else if (cli_option("--domain", argc, argv, &i, &domain_arg)) {
			if (!cli_domain(domain_arg ? domain_arg : "", domain, sizeof(domain)))
				goto out;
		} else if (strcmp(a, "--no-dns") == 0) {
			no_dns = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			cli_usage_error("unknown option '%s' for 'reports'", a);
			goto out;
		} else {
			paths[path_count++] = argv[i];
		}
	}
	g.format = strcmp(format, "csv") == 0 ? "text" : format;
	cli_globals_finish(&g);
	if (path_count == 0) {
		cli_usage_error("reports needs files or folders: emailauth reports FILE... "
		                "(.xml, .xml.gz, .zip, .eml, an mbox or a maildir)");
		goto out;
	}
	/* A path that is not there is a mistake in the command line (exit 64), not a report
	 * with an error in it; what is wrong inside a file or folder is reported. */
	for (size_t i = 0; i < path_count; i++) {
		struct stat st;
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) != 0) {
			cli_usage_error("cannot read '%.200s': %s", paths[i], strerror(errno));
			goto out;
		}
	}
	ea_reports_filter filter = {.domain = domain[0] ? domain : NULL, .since = since};
	ea_reports_agg *agg = ea_reports_agg_new(&filter);
	ea_report *rep = ea_report_new(domain[0] ? domain : "reports", domain_arg ? domain_arg : "reports");
	if (agg == NULL || rep == NULL) {
		ea_reports_agg_free(agg);
		ea_report_free(rep);
		rc = 3;
		goto out;
	}
	double t0 = ea_now_ms();
	for (size_t i = 0; i < path_count; i++)
		ea_reports_read(paths[i], ea_reports_agg_sink(), agg, ea_reports_agg_input, agg);
	if (!no_dns) {
		ea_resolver *r = cli_resolver(&g);
		if (r != NULL) {
			ea_reports_agg_resolve(agg, r, ea_now_ms() + g.timeout_s * 1000.0);
			ea_resolver_free(r);
		}
	}
	ea_reports_agg_findings(agg, rep);
	rep->elapsed_ms = ea_now_ms() - t0;
	ea_status st = ea_report_finish(rep);
	bool csv = strcmp(format, "csv") == 0;
	int wr = ea_reports_render(stdout, format, agg, csv ? NULL : rep, g.color);
	if (csv)
		ea_reports_render_errors(stderr, agg);   /* CSV has rows only: errors go beside it */
	if (fflush(stdout) != 0 || wr != EA_OK) {
		fprintf(stderr, "emailauth: could not write the output\n");
		rc = 3;
	} else {
		rc = ea_status_exit_code(st);
	}
	ea_reports_agg_free(agg);
	ea_report_free(rep);
out:
	free(paths);
	return rc;
}
