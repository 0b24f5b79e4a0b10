/* The emailauth program: shared option handling for its commands. */
#ifndef EA_CLI_H
#define EA_CLI_H

#include <stdio.h>
#include <emailauth/emailauth.h>

#define CLI_MAX_INPUT_BYTES (1024 * 1024)   /* --aws-json and similar files */
#define CLI_DEFAULT_TIMEOUT_S 10.0

typedef struct {
	ea_resolver_config rcfg;
	double timeout_s;          /* the whole command's budget */
	const char *format;        /* "text" | "json" */
	bool trace;
	bool color;
	int argc;                  /* what is left for the command: positional args */
	char **argv;
} cli_globals;

/* Option NAME at argv[*i], as "--name VALUE" or "--name=VALUE": its value (advancing *i
 * past a separate one), or NULL when argv[*i] is not NAME or its value is missing. */
const char *cli_option_value(const char *name, int argc, char **argv, int *i);
/* True when argv[*i] is option NAME; *value is then its value, or NULL when missing
 * (for the caller's usage error). */
bool cli_option(const char *name, int argc, char **argv, int *i, const char **value);
/* Parses a global option at argv[*i] (advancing *i past its value). Returns 1 if it
 * was one, 0 if not, -1 on a usage error (message printed). */
int cli_global_option(cli_globals *g, int argc, char **argv, int *i);
void cli_globals_init(cli_globals *g);
/* Finishes option handling: colour only for text on a terminal without NO_COLOR. */
void cli_globals_finish(cli_globals *g);
ea_resolver *cli_resolver(const cli_globals *g);
/* Reads a whole file ("-" is stdin), up to max bytes. NULL on error (printed). */
char *cli_read_file(const char *path, size_t max, size_t *len);
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Normalises a domain argument or prints why not. */
bool cli_domain(const char *in, char *out, size_t size);
/* Renders rep in the chosen format. */
int cli_render(const cli_globals *g, const ea_report *rep);
/* The same for one report of many (batch modes): JSON on one line, so the output stays
 * one machine-readable document per line. */
int cli_render_each(const cli_globals *g, const ea_report *rep);
/* Runs the checks fns[i](args[i]) for one domain: one job with its own resolver and
 * the command's time budget. The finished report (elapsed_ms set; free with
 * ea_report_free), or NULL when no resolver could be made (printed) or a check
 * could not be added. */
ea_report *cli_run(const cli_globals *g, const char *domain, const char *display,
                   ea_check_fn fns[], void *args[], size_t n);
/* Renders rep, frees it and returns the exit code (3 when rep is NULL or the output
 * could not be written). */
int cli_report_exit(const cli_globals *g, ea_report *rep);
/* --region: copied lowercased into out, or a usage error printed. */
bool cli_region(const char *in, char *out, size_t size);

int cmd_ses(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
