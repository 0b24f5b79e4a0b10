/* Options every command shares: --resolver, --timeout, --format, --zone, --trace. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "render/sanitize.h"

void cli_globals_init(cli_globals *g)
{
	memset(g, 0, sizeof(*g));
	g->timeout_s = CLI_DEFAULT_TIMEOUT_S;
	g->format = "text";
	g->color = true;
}

static const char *current_command;   /* for "see 'emailauth ses --help'" */

void cli_set_command(const char *name)
{
	current_command = name;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("emailauth: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n(see 'emailauth %s%s--help')\n", current_command ? current_command : "",
	        current_command ? " " : "");
	va_end(ap);
	return EA_EXIT_USAGE;
}

const char *cli_option_value(const char *name, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);
	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	if (strcmp(arg, name) == 0) {
		if (*i + 1 >= argc)
			return NULL;
		return argv[++*i];
	}
	return NULL;
}

static bool is_option(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strcmp(arg, name) == 0 || (strncmp(arg, name, n) == 0 && arg[n] == '=');
}

bool cli_option(const char *name, int argc, char **argv, int *i, const char **value)
{
	if (!is_option(argv[*i], name))
		return false;
	*value = cli_option_value(name, argc, argv, i);
	return true;
}

int cli_global_option(cli_globals *g, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	const char *v;
	if (is_option(arg, "--resolver")) {
		if ((v = cli_option_value("--resolver", argc, argv, i)) == NULL)
			return cli_usage_error("--resolver needs ADDR[:PORT]"), -1;
		if (g->rcfg.server_count >= EA_RESOLVER_MAX_SERVERS)
			return cli_usage_error("at most %d resolvers", EA_RESOLVER_MAX_SERVERS), -1;
		g->rcfg.servers[g->rcfg.server_count++] = v;
		return 1;
	}
	if (is_option(arg, "--zone")) {
		if ((v = cli_option_value("--zone", argc, argv, i)) == NULL)
			return cli_usage_error("--zone needs a zone file"), -1;
		if (g->rcfg.zone_file_count >= EA_RESOLVER_MAX_ZONE_FILES)
			return cli_usage_error("at most %d zone files", EA_RESOLVER_MAX_ZONE_FILES), -1;
		g->rcfg.zone_files[g->rcfg.zone_file_count++] = v;
		return 1;
	}
	if (is_option(arg, "--timeout")) {
		char *end;
		if ((v = cli_option_value("--timeout", argc, argv, i)) == NULL)
			return cli_usage_error("--timeout needs SECONDS"), -1;
		g->timeout_s = strtod(v, &end);
		if (*end != '\0' || !(g->timeout_s > 0) || g->timeout_s > 3600)
			return cli_usage_error("--timeout takes seconds, more than 0 and at most 3600"), -1;
		return 1;
	}
	if (is_option(arg, "--format")) {
		if ((v = cli_option_value("--format", argc, argv, i)) == NULL || ea_renderer(v) == NULL)
			return cli_usage_error("--format is text, json or nagios"), -1;
		g->format = v;
		return 1;
	}
	if (is_option(arg, "--fix-format")) {
		if ((v = cli_option_value("--fix-format", argc, argv, i)) == NULL || !ea_fix_format_known(v))
			return cli_usage_error("--fix-format is zone, route53, terraform or cloudflare"), -1;
		g->fix_format = v;
		return 1;
	}
	if (strcmp(arg, "--verbose") == 0 || strcmp(arg, "-v") == 0) {
		g->verbose = true;
		return 1;
	}
	if (strcmp(arg, "--trace") == 0) {
		g->trace = true;
		return 1;
	}
	if (strcmp(arg, "--no-color") == 0) {
		g->color = false;
		return 1;
	}
	return 0;
}

void cli_globals_finish(cli_globals *g)
{
	/* Text is wrapped to the terminal's width; in a pipe, to $COLUMNS when set, else not. */
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		g->width = ws.ws_col;
	else if (cols && *cols)
		g->width = (unsigned)strtoul(cols, NULL, 10);
	if (g->width > CLI_MAX_WIDTH)
		g->width = CLI_MAX_WIDTH;
	const char *nc = getenv("NO_COLOR");
	if (strcmp(g->format, "text") != 0 || !isatty(STDOUT_FILENO) || (nc && *nc))
		g->color = false;
	/* Per-query timeout: a third of the budget, at most 2 s, so failover has time. */
	double per = g->timeout_s * 1000.0 / 3.0;
	if (per > 2000)
		per = 2000;
	if (per < 100)
		per = 100;
	g->rcfg.query_timeout_ms = (unsigned)per;
}

ea_resolver *cli_resolver(const cli_globals *g)
{
	int err = 0;
	char msg[512];
	ea_resolver *r = ea_resolver_new(&g->rcfg, &err, msg, sizeof(msg));
	if (r == NULL) {
		fprintf(stderr, "emailauth: %s\n", msg[0] ? msg : ea_strerror(err));
		/* A --resolver or --zone the user got wrong is a usage error, not "could not
		 * determine": exit here, before any check could report on it. */
		if (err == EA_EINVAL || err == EA_EPARSE || err == EA_EIO)
			exit(EA_EXIT_USAGE);
	}
	return r;
}

char *cli_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "emailauth: cannot open %s\n", path);
		return NULL;
	}
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	bool err = buf == NULL || ferror(f);
	if (f != stdin)
		fclose(f);
	if (err) {
		fprintf(stderr, "emailauth: cannot read %s\n", path);
		free(buf);
		return NULL;
	}
	if (n > max) {
		fprintf(stderr, "emailauth: %s is larger than %zu bytes\n", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

bool cli_domain(const char *in, char *out, size_t size)
{
	const char *why = NULL;
	char inner[EA_NAME_MAX + 1];
	if (ea_domain_inside(in, inner, sizeof(inner)) && ea_domain_normalize(inner, out, size, &why) == EA_OK) {
		/* Forgiving input, said so: the URL or address stands for its domain. */
		fprintf(stderr, "emailauth: checking the domain %s (from '", out);
		ea_write_terminal_safe(stderr, in, 0);
		fputs("')\n", stderr);
		return true;
	}
	if (ea_domain_normalize(in, out, size, &why) != EA_OK) {
		char shown[EA_VALUE_SHOWN_MAX + 1];
		ea_value_shown(in, shown, sizeof(shown));
		cli_usage_error("'%s' is not a domain name: %s", shown, why ? why : "invalid");
		return false;
	}
	return true;
}

bool cli_tokens(ea_ses_request *req, const char *list)
{
	char bad[EA_VALUE_SHOWN_MAX + 1] = "";
	size_t before = req->token_count;
	int rc = ea_ses_add_tokens(req, list, bad, sizeof(bad));
	if (rc == EA_ERANGE) {
		cli_usage_error("--tokens: at most %d tokens", EA_SES_MAX_TOKENS);
		return false;
	}
	if (rc != EA_OK) {
		cli_usage_error("'%s' is not a token: a token is one DNS label (letters, digits, '-'), at most "
		                "%d characters, or a record name or CNAME target that starts with one", bad,
		                EA_SES_TOKEN_MAX);
		return false;
	}
	for (size_t i = before; i < req->token_count; i++)
		if (req->token_given[i][0]) {
			fprintf(stderr, "emailauth: reading the token %s (from '", req->tokens[i]);
			ea_write_terminal_safe(stderr, req->token_given[i], 0);
			fputs("')\n", stderr);
		}
	return true;
}

static int render(const cli_globals *g, const ea_report *rep, bool one_line)
{
	ea_render_opts o = {.color = g->color, .trace = g->trace, .verbose = g->verbose, .width = g->width,
	                    .compact = one_line && strcmp(g->format, "json") == 0};
	int rc = g->fix_format ? ea_render_fixes(stdout, rep, g->fix_format)
	                       : ea_renderer(g->format)(stdout, rep, &o);
	if (fflush(stdout) != 0 || rc != EA_OK) {
		fprintf(stderr, "emailauth: could not write the output\n");
		return EA_EIO;
	}
	return EA_OK;
}

int cli_render(const cli_globals *g, const ea_report *rep)
{
	return render(g, rep, false);
}

int cli_render_each(const cli_globals *g, const ea_report *rep)
{
	return render(g, rep, true);
}

ea_report *cli_run(const cli_globals *g, const char *domain, const char *display,
                   ea_check_fn fns[], void *args[], size_t n)
{
	ea_resolver *r = cli_resolver(g);
	if (r == NULL)
		return NULL;
	ea_report *rep = ea_report_new(domain, display);
	ea_job *job = rep ? ea_job_new(r, rep, ea_now_ms() + g->timeout_s * 1000.0) : NULL;
	int rc = job ? EA_OK : EA_ENOMEM;
	for (size_t i = 0; rc == EA_OK && i < n; i++)
		rc = ea_job_add_check(job, fns[i], args[i]);
	/* Where the zone is hosted, so that fixes are said in that host's terms. */
	if (rc == EA_OK)
		rc = ea_job_add_check(job, ea_check_dns_hosting, NULL);
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

int cli_report_exit(const cli_globals *g, ea_report *rep)
{
	if (rep == NULL)
		return 3;
	int rc = cli_render(g, rep) == EA_OK ? ea_status_exit_code(ea_report_status(rep)) : 3;
	ea_report_free(rep);
	return rc;
}

bool cli_region(const char *in, char *out, size_t size)
{
	char shown[EA_VALUE_SHOWN_MAX + 1];
	ea_value_shown(in, shown, sizeof(shown));
	if (strlen(in) >= size) {
		cli_usage_error("'%s' is not an AWS region SES runs in, such as eu-south-1", shown);
		return false;
	}
	snprintf(out, size, "%s", in);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (!ea_ses_region_known(out)) {   /* as the API's invalid_region */
		cli_usage_error("'%s' is not an AWS region SES runs in, such as eu-south-1", shown);
		return false;
	}
	return true;
}
