/* emailauth verify FILE|- [--ip IP] [--helo NAME] [--mail-from ADDR] [--headers-only] */
#include <stdlib.h>
#include <string.h>

#include <emailauth/verify.h>
#include "cli.h"

#define VERIFY_MAX_INPUT_BYTES (64u * 1024 * 1024)   /* EA_MSG_MAX_BYTES: past any provider's limit */

static const char *opt_value(const char *name, int argc, char **argv, int *i)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, name) == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int cmd_verify(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	ea_verify_options o = {0};
	const char *path = NULL, *v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			return EA_EXIT_USAGE;
		if (gr > 0)
			continue;
		if ((v = opt_value("--ip", argc, argv, &i)) != NULL)
			o.ip = v;
		else if ((v = opt_value("--helo", argc, argv, &i)) != NULL)
			o.helo = v;
		else if ((v = opt_value("--mail-from", argc, argv, &i)) != NULL)
			o.mail_from = v;
		else if ((v = opt_value("--now", argc, argv, &i)) != NULL) {
			char *end;
			o.now = strtoll(v, &end, 10);
			if (*end || o.now <= 0)
				return cli_usage_error("--now takes Unix seconds");
		} else if (strcmp(a, "--headers-only") == 0)
			o.headers_only = true;
		else if (strcmp(a, "-") != 0 && a[0] == '-')
			return cli_usage_error("unknown option '%s' for 'verify'", a);
		else if (path == NULL)
			path = a;
		else
			return cli_usage_error("one message at a time ('%s' is extra)", a);
	}
	cli_globals_finish(&g);
	if (path == NULL)
		return cli_usage_error("verify needs a message file: emailauth verify message.eml (or - for stdin)");
	size_t len = 0;
	char *text = cli_read_file(path, VERIFY_MAX_INPUT_BYTES, &len);
	if (text == NULL)
		return EA_EXIT_USAGE;
	o.message = text;
	o.message_len = len;
	int err = EA_OK, rc = 3;
	ea_verify_request *req = ea_verify_request_new(&o, &err);
	free(text);
	ea_resolver *r = req ? cli_resolver(&g) : NULL;
	const char *dom = req ? ea_verify_from_domain(req) : "";
	ea_report *rep = r ? ea_report_new(dom[0] ? dom : "message", dom[0] ? dom : path) : NULL;
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + g.timeout_s * 1000.0) : NULL;
	if (job != NULL && ea_job_add_check(job, ea_check_verify, req) == EA_OK) {
		double t0 = ea_now_ms();
		ea_job_run(job);
		rep->elapsed_ms = ea_now_ms() - t0;
		rc = cli_render(&g, rep) == EA_OK ? ea_status_exit_code(ea_report_status(rep)) : 3;
	}
	ea_job_free(job);
	ea_report_free(rep);
	ea_resolver_free(r);
	ea_verify_request_free(req);
	return rc;
}
