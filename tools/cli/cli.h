/* The emailauth program: shared option handling for its commands. */
#ifndef EA_CLI_H
#define EA_CLI_H

#include <stdio.h>
#include <emailauth/emailauth.h>

#define CLI_MAX_INPUT_BYTES (1024 * 1024)   /* --aws-json and similar files */
#define CLI_DEFAULT_TIMEOUT_S 10.0
#define CLI_MAX_WIDTH 1000                  /* columns a text line is wrapped to, at most */

typedef struct {
	ea_resolver_config rcfg;
	double timeout_s;          /* the whole command's budget */
	const char *format;        /* "text" | "json" */
	const char *fix_format;    /* --fix-format: print the fixes only, in this form */
	bool trace;
	bool verbose;              /* --verbose: notes and finding codes in the text too */
	unsigned width;            /* the terminal's columns, to wrap the text to (0: none) */
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
/* The command running, named in usage errors ("see 'emailauth ses --help'"). */
void cli_set_command(const char *name);
/* Normalises a domain argument or prints why not. */
bool cli_domain(const char *in, char *out, size_t size);
/* --tokens into req, forgiving (a record name or CNAME target gives its token, said on
 * stderr); false after a usage error naming the item refused. */
bool cli_tokens(ea_ses_request *req, const char *list);
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
/* Option values (args.c): true when usable, else false with a usage error printed
 * that names opt and the value. */
bool cli_ip_ok(const char *ip);                                    /* IPv4 or IPv6, nothing printed */
bool cli_ip(const char *opt, const char *ip);                      /* IPv4 or IPv6 */
bool cli_helo(const char *opt, const char *helo);                  /* a name or [address] */
bool cli_address(const char *opt, const char *addr, bool allow_null);   /* user@domain or domain */

/* The commands and their options (commands.c): main() dispatches from this table and
 * checks every option against it before the command parses its own. */
typedef enum { CLI_NO_VALUE, CLI_VALUE, CLI_OPTIONAL_VALUE } cli_value_kind;

typedef struct {
	const char *name;          /* "--tokens" */
	const char *alias;         /* "-o", or NULL */
	cli_value_kind value;
	const char *arg;           /* the value's name in the usage: "T1,T2,T3" */
	const char *needs;         /* what the value is, for "--tokens needs a value: ..." */
	const char *help;          /* lines of help ('\n' between them) */
} cli_opt;

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;       /* one line, for the list of commands */
	const char *synopsis;      /* lines of arguments after "emailauth NAME"; a line
	                            * starting with a space continues the one before */
	const char *about;
	const cli_opt *opts;
	size_t opt_count;
	const char *formats;       /* the --format values it takes: "text|json|nagios" */
	const char *examples;      /* command lines, one a line */
} cli_command;

extern const cli_command cli_commands[];
extern const size_t cli_command_count;
extern const cli_opt cli_global_opts[];
extern const size_t cli_global_opt_count;

/* help.c: the command called name, or NULL. */
const cli_command *cli_command_find(const char *name);
/* The overall usage, and one command's (--help, 'emailauth help ses'). */
void cli_usage_print(FILE *out);
void cli_command_usage_print(FILE *out, const cli_command *c);
/* Checks argv[1..argc-1] of command c against its options before it runs: --help prints
 * its usage (returns 0), an unknown option (with the nearest one suggested), a missing
 * value or a --format the command does not take is a usage error (returns 64). Returns
 * -1 when the command should run. */
int cli_check_args(const cli_command *c, int argc, char **argv);
/* The unknown command cmd: says so, suggesting the nearest. Returns 64. */
int cli_unknown_command(const char *cmd);

int cmd_ses(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_reports(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
