/* emailauth verify FILE|-... [--ip IP] [--helo NAME] [--mail-from ADDR] [--headers-only]
 * [--now UNIXSECONDS]. Several files are verified in one process with one resolver
 * (and its answer cache), one report after the other; the exit code is the highest. */
#include <stdlib.h>
#include <string.h>

#include <emailauth/render.h>
#include <emailauth/verify.h>
#include "cli.h"

#define VERIFY_MAX_INPUT_BYTES (64u * 1024 * 1024)   /* EA_MSG_MAX_BYTES: past any provider's limit */
#define VERIFY_MAX_FILES 100000                      /* messages in one run */

/* Verifies one message file with resolver r and renders its report. Returns the
 * exit code for it. Each message gets the whole --timeout. */
static int verify_one(const cli_globals *g, ea_verify_options o, ea_resolver *r, const char *path,
                      bool batch)
{
	size_t len = 0;
	char *text = cli_read_file(path, VERIFY_MAX_INPUT_BYTES, &len);
	if (text == NULL)
		return EA_EXIT_USAGE;   /* a file named that cannot be read: the others still run */
	o.message = text;
	o.message_len = len;
	int err = EA_OK, rc = 3;
	ea_verify_request *req = ea_verify_request_new(&o, &err);
	free(text);
	const char *dom = req ? ea_verify_from_domain(req) : "";
	ea_report *rep = req ? ea_report_new(dom[0] ? dom : "message", dom[0] ? dom : path) : NULL;
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + g->timeout_s * 1000.0) : NULL;
	if (job != NULL && ea_job_add_check(job, ea_check_verify, req) == EA_OK) {
		double t0 = ea_now_ms();
		ea_job_run(job);
		rep->elapsed_ms = ea_now_ms() - t0;
		int out = batch ? cli_render_each(g, rep) : cli_render(g, rep);
		rc = out == EA_OK ? ea_status_exit_code(ea_report_status(rep)) : 3;
	}
	ea_job_free(job);
	ea_report_free(rep);
	ea_verify_request_free(req);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	ea_verify_options o = {0};
	const char **paths = calloc((size_t)argc, sizeof(*paths));
	size_t npaths = 0;
	const char *v;
	if (paths == NULL)
		return 3;
	int rc = EA_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			goto out;
		if (gr > 0)
			continue;
		if ((v = cli_option_value("--ip", argc, argv, &i)) != NULL)
			o.ip = v;
		else if ((v = cli_option_value("--helo", argc, argv, &i)) != NULL)
			o.helo = v;
		else if ((v = cli_option_value("--mail-from", argc, argv, &i)) != NULL)
			o.mail_from = v;
		else if ((v = cli_option_value("--now", argc, argv, &i)) != NULL) {
			char *end;
			o.now = strtoll(v, &end, 10);
			if (*end || o.now <= 0) {
				rc = cli_usage_error("--now takes Unix seconds");
				goto out;
			}
		} else if (strcmp(a, "--headers-only") == 0)
			o.headers_only = true;
		else if (strcmp(a, "-") != 0 && a[0] == '-') {
			rc = cli_usage_error("unknown option '%s' for 'verify'", a);
			goto out;
		} else if (npaths < VERIFY_MAX_FILES)
			paths[npaths++] = a;
		else {
			rc = cli_usage_error("at most %d messages in one run", VERIFY_MAX_FILES);
			goto out;
		}
	}
	cli_globals_finish(&g);
	if ((o.ip && !cli_ip("--ip", o.ip)) || (o.helo && !cli_helo("--helo", o.helo)) ||
	    (o.mail_from && !cli_address("--mail-from", o.mail_from, true)))
		goto out;
	if (npaths == 0) {
		rc = cli_usage_error("verify needs a message file: emailauth verify message.eml (or - for stdin)");
		goto out;
	}
	for (size_t i = 0; i < npaths; i++)
		if (npaths > 1 && strcmp(paths[i], "-") == 0) {
			rc = cli_usage_error("'-' (stdin) is for one message alone");
			goto out;
		}
	ea_resolver *r = cli_resolver(&g);
	if (r == NULL) {
		rc = 3;
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < npaths; i++) {
		int one = verify_one(&g, o, r, paths[i], npaths > 1);
		if (one > rc)
			rc = one;
	}
	ea_resolver_free(r);
out:
	free(paths);
	return rc;
}
