/* emailauth ses DOMAIN --tokens T1,T2,T3 | --aws-json FILE [--region R] [--watch [SECONDS]] */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define WATCH_DEFAULT_S 900      /* 15 minutes of re-checking when no time is given */
#define WATCH_MAX_S (72 * 3600)  /* SES itself stops looking after 72 hours */
#define WATCH_INTERVAL_S 15      /* default pause between checks */
#define WATCH_INTERVAL_MAX_S 3600

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static ea_report *run_once(const cli_globals *g, ea_ses_request *req, const char *display)
{
	ea_check_fn fn = ea_check_ses_dkim;
	void *arg = req;
	return cli_run(g, req->domain, display, &fn, &arg, 1);
}

static const ea_finding *primary_for(const ea_report *rep, const char *token)
{
	for (size_t s = 0; s < rep->section_count; s++)
		for (size_t i = 0; i < rep->sections[s].finding_count; i++) {
			const ea_finding *f = &rep->sections[s].findings[i];
			if (f->primary && f->subject && strcmp(f->subject, token) == 0)
				return f;
		}
	return NULL;
}

/* Re-check until everything passes or the time runs out, printing what changed. */
static int watch(const cli_globals *g, ea_ses_request *req, const char *display, double seconds,
                 int interval)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	bool tty = isatty(STDERR_FILENO);
	double end = ea_now_ms() + seconds * 1000.0;
	ea_report *prev = NULL;
	ea_status st = EA_STATUS_ERROR;
	for (unsigned round = 1; !interrupted; round++) {
		ea_report *rep = run_once(g, req, display);
		if (rep == NULL) {
			ea_report_free(prev);
			return 3;
		}
		st = ea_report_status(rep);
		bool json = strcmp(g->format, "json") == 0;
		if (prev == NULL) {
			/* JSON: a document per line, as every command that writes several (scan,
			 * spf --batch, verify with several files). */
			if (json)
				cli_render_each(g, rep);
			else
				cli_render(g, rep);
		} else if (json) {
			bool changed = false;
			for (size_t i = 0; i < req->token_count; i++) {
				const ea_finding *a = primary_for(prev, req->tokens[i]);
				const ea_finding *b = primary_for(rep, req->tokens[i]);
				if (!a || !b || strcmp(a->code, b->code) != 0)
					changed = true;
			}
			if (changed)
				cli_render_each(g, rep);
		} else {
			for (size_t i = 0; i < req->token_count; i++) {
				const ea_finding *a = primary_for(prev, req->tokens[i]);
				const ea_finding *b = primary_for(rep, req->tokens[i]);
				if (a && b && strcmp(a->code, b->code) != 0) {
					if (tty)
						fputs("\r\033[K", stderr);
					time_t now = time(NULL);
					char when[16];
					strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
					printf("%s  %s: %s -> %s (%s)\n", when, req->tokens[i], a->code, b->code,
					       b->message ? b->message : "");
					fflush(stdout);
				}
			}
		}
		ea_report_free(prev);
		prev = rep;
		if (st == EA_STATUS_PASS || st == EA_STATUS_WARN)
			break;
		double left = (end - ea_now_ms()) / 1000.0;
		if (left <= 0)
			break;
		for (int s = interval; s > 0 && !interrupted && left > 0; s--, left -= 1) {
			if (tty) {
				const ea_section *sec = rep->section_count ? &rep->sections[0] : NULL;
				fprintf(stderr, "\r\033[Kround %u: %s; next check in %ds, %.0fs left (Ctrl-C stops)",
				        round, sec && sec->summary ? sec->summary : "", s, left);
			}
			sleep(1);
		}
		if (ea_now_ms() >= end)
			break;
	}
	if (tty)
		fputs("\r\033[K", stderr);
	if (prev && strcmp(g->format, "text") == 0)
		printf("%s: %s\n", st == EA_STATUS_PASS || st == EA_STATUS_WARN ? "done" : "stopped",
		       prev->section_count && prev->sections[0].summary ? prev->sections[0].summary : "");
	ea_report_free(prev);
	return ea_status_exit_code(st);
}

int cmd_ses(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	ea_ses_request *req = calloc(1, sizeof(*req));
	if (req == NULL)
		return 3;
	const char *domain_arg = NULL, *tokens = NULL, *aws_json = NULL, *region = NULL;
	double watch_s = -1;
	int interval = WATCH_INTERVAL_S;
	int rc = EA_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			goto out;
		if (gr > 0)
			continue;
		const char *val;
		if ((val = cli_option_value("--tokens", argc, argv, &i)) != NULL)
			tokens = val;
		else if ((val = cli_option_value("--aws-json", argc, argv, &i)) != NULL)
			aws_json = val;
		else if ((val = cli_option_value("--region", argc, argv, &i)) != NULL)
			region = val;
		else if (strcmp(a, "--interval") == 0 && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > WATCH_INTERVAL_MAX_S) {
				cli_usage_error("--interval takes whole seconds, 1 to %d", WATCH_INTERVAL_MAX_S);
				goto out;
			}
			interval = (int)v;
		} else if (strcmp(a, "--watch") == 0 || strncmp(a, "--watch=", 8) == 0) {
			const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc && argv[i + 1][0] >= '0' &&
			                                        argv[i + 1][0] <= '9' ? argv[++i] : NULL);
			watch_s = WATCH_DEFAULT_S;
			if (v != NULL) {
				char *end;
				watch_s = strtod(v, &end);
				if (*end || !(watch_s > 0) || watch_s > WATCH_MAX_S) {
					cli_usage_error("--watch takes seconds, at most %d", WATCH_MAX_S);
					goto out;
				}
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			cli_usage_error("unknown option '%s' for 'ses'", a);
			goto out;
		} else if (domain_arg == NULL)
			domain_arg = a;
		else {
			cli_usage_error("one domain at a time ('%s' is extra)", a);
			goto out;
		}
	}
	cli_globals_finish(&g);
	if (domain_arg == NULL) {
		cli_usage_error("ses needs a domain: emailauth ses example.com --tokens T1,T2,T3");
		goto out;
	}
	if (!cli_domain(domain_arg, req->domain, sizeof(req->domain)))
		goto out;
	if (tokens == NULL && aws_json == NULL) {
		cli_usage_error("ses needs --tokens T1,T2,T3 or --aws-json FILE");
		goto out;
	}
	if (tokens != NULL) {
		if (!cli_tokens(req, tokens))
			goto out;
	}
	if (aws_json != NULL) {
		size_t len;
		char *text = cli_read_file(aws_json, CLI_MAX_INPUT_BYTES, &len);
		if (text == NULL) {
			rc = EA_EXIT_USAGE;
			goto out;
		}
		char err[256];
		int prc = ea_ses_parse_aws_json(text, len, req, err, sizeof(err));
		free(text);
		if (prc != EA_OK) {
			cli_usage_error("%s: %s", aws_json, err);
			goto out;
		}
		if (req->aws_identity[0] && !ea_name_equal(req->aws_identity, req->domain))
			fprintf(stderr, "emailauth: note: the AWS JSON is for identity %s, not %s\n",
			        req->aws_identity, req->domain);
	}
	if (region != NULL && !cli_region(region, req->region, sizeof(req->region)))
		goto out;
	if (watch_s > 0 && strcmp(g.format, "nagios") == 0) {
		cli_usage_error("--watch prints what changes over time; a Nagios plugin answers once "
		                "(leave out --watch, the monitoring system repeats the check)");
		goto out;
	}
	if (watch_s > 0) {
		rc = watch(&g, req, domain_arg, watch_s, interval);
		goto out;
	}
	rc = cli_report_exit(&g, run_once(&g, req, domain_arg));
out:
	free(req);
	return rc;
}
