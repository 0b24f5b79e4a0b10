/* Help that helps: each command's usage with examples, the nearest command or option
 * for a typo, and what a value-less option needs. Reads the table in commands.c. */
#include <string.h>

#include "util/util.h"
#include "cli.h"

#define HELP_OPT_COLUMN 26        /* where an option's help starts */
#define SUGGEST_MAX_DISTANCE 2    /* edits past which a guess is no help */
#define SUGGEST_NAME_MAX 64       /* longer words are not compared */

const cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < cli_command_count; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

/* Writes text, each line after the first indented by indent spaces. */
static void put_indented(FILE *out, const char *text, int indent)
{
	for (const char *p = text; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", indent, "");
	}
	fputc('\n', out);
}

static void put_opt(FILE *out, const cli_opt *o, const char *formats)
{
	char head[80];
	int n = snprintf(head, sizeof(head), "  %s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "",
	                 o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (formats && strcmp(o->name, "--format") == 0)
		n = snprintf(head, sizeof(head), "  --format %s", formats);
	if (n >= HELP_OPT_COLUMN - 1)
		fprintf(out, "%s\n%*s", head, HELP_OPT_COLUMN, "");
	else
		fprintf(out, "%-*s", HELP_OPT_COLUMN, head);
	if (formats && strcmp(o->name, "--format") == 0)
		fputs("output format (default: the first)\n", out);
	else
		put_indented(out, o->help, HELP_OPT_COLUMN);
}

static const char exit_codes[] =
	"Exit codes: 0 all correct, 1 warnings only, 2 something is wrong,\n"
	"            3 could not determine (lookups failed), 64 usage error.\n";

void cli_usage_print(FILE *out)
{
	fputs("usage: emailauth COMMAND [OPTIONS]\n"
	      "       emailauth COMMAND --help        that command's options and examples\n"
	      "\n"
	      "Checks a sending domain's email authentication by live DNS lookups.\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < cli_command_count; i++)
		fprintf(out, "  %-14s%s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("  help COMMAND  the same as COMMAND --help\n"
	      "  version       the version (also -V, --version)\n"
	      "\n"
	      "Options for every command:\n", out);
	for (size_t i = 0; i < cli_global_opt_count; i++)
		put_opt(out, &cli_global_opts[i], "text|json (nagios: ses, check, spf)");
	fputs("\nExamples:\n"
	      "  emailauth check example.com\n"
	      "  emailauth ses example.com --tokens T1,T2,T3\n"
	      "  emailauth spf --ip 192.0.2.10 --sender bounce@example.com\n\n", out);
	fputs(exit_codes, out);
	fputs("See emailauth(1) and emailauth-COMMAND(1).\n", out);
}

void cli_command_usage_print(FILE *out, const cli_command *c)
{
	const char *line = c->synopsis;
	int name_len = (int)strlen(c->name);
	for (bool first = true; *line; first = false) {
		size_t len = strcspn(line, "\n");
		if (line[0] == ' ')
			fprintf(out, "%*s%.*s\n", (int)sizeof("usage: emailauth ") + name_len, "", (int)len - 1,
			        line + 1);   /* under the arguments: the prefix, the name, a space */
		else
			fprintf(out, "%s emailauth %s %.*s\n", first ? "usage:" : "      ", c->name, (int)len, line);
		line += len + (line[len] == '\n');
	}
	fprintf(out, "\n%s\n\nOptions:\n", c->about);
	for (size_t i = 0; i < c->opt_count; i++)
		put_opt(out, &c->opts[i], NULL);
	fputs("\nOptions for every command:\n", out);
	for (size_t i = 0; i < cli_global_opt_count; i++)
		put_opt(out, &cli_global_opts[i], c->formats);
	fputs("\nExamples:\n  ", out);
	put_indented(out, c->examples, 2);
	fputc('\n', out);
	fputs(exit_codes, out);
	fprintf(out, "See emailauth-%s(1).\n", c->name);
}

/* Keeps the nearest of the candidates seen so far. */
typedef struct {
	const char *word;
	const char *best;
	unsigned distance;
} nearest;

static void consider(nearest *n, const char *candidate)
{
	if (candidate == NULL || strlen(n->word) > SUGGEST_NAME_MAX)
		return;
	unsigned d = ea_edit_distance(n->word, candidate, SUGGEST_MAX_DISTANCE);
	/* "-x" is two edits from every short option: no guess for short words */
	if (d <= SUGGEST_MAX_DISTANCE && d < strlen(candidate) - 1 && d < n->distance) {
		n->best = candidate;
		n->distance = d;
	}
}

int cli_unknown_command(const char *cmd)
{
	nearest n = {cmd, NULL, SUGGEST_MAX_DISTANCE + 1};
	for (size_t i = 0; i < cli_command_count; i++)
		consider(&n, cli_commands[i].name);
	consider(&n, "help");
	consider(&n, "version");
	if (n.best)
		fprintf(stderr, "emailauth: unknown command '%.80s': did you mean %s?\n", cmd, n.best);
	else if (cmd[0] == '-')
		fprintf(stderr, "emailauth: '%.80s' before the command: options go after it, "
		        "as in emailauth check example.com %.80s\n", cmd, cmd);
	else if (strchr(cmd, '.') && cmd[0] != '-')
		fprintf(stderr, "emailauth: unknown command '%.80s': to check a domain, "
		        "emailauth check %.80s\n", cmd, cmd);
	else
		fprintf(stderr, "emailauth: unknown command '%.80s'\n", cmd);
	fputs("(see 'emailauth --help' for the commands)\n", stderr);
	return EA_EXIT_USAGE;
}

static const cli_opt *opt_find(const cli_command *c, const char *name, size_t len)
{
	for (size_t k = 0; k < 2; k++) {
		const cli_opt *opts = k == 0 ? c->opts : cli_global_opts;
		size_t count = k == 0 ? c->opt_count : cli_global_opt_count;
		for (size_t i = 0; i < count; i++) {
			const cli_opt *o = &opts[i];
			if ((strlen(o->name) == len && strncmp(o->name, name, len) == 0) ||
			    (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0))
				return o;
		}
	}
	return NULL;
}

static int unknown_option(const cli_command *c, const char *arg, size_t len)
{
	char word[SUGGEST_NAME_MAX + 1];
	snprintf(word, sizeof(word), "%.*s", (int)(len > SUGGEST_NAME_MAX ? SUGGEST_NAME_MAX : len), arg);
	nearest n = {word, NULL, SUGGEST_MAX_DISTANCE + 1};
	for (size_t i = 0; i < c->opt_count; i++)
		consider(&n, c->opts[i].name);
	for (size_t i = 0; i < cli_global_opt_count; i++)
		consider(&n, cli_global_opts[i].name);
	/* an option of another command: say where it belongs */
	const cli_command *owner = NULL;
	for (size_t i = 0; n.best == NULL && owner == NULL && i < cli_command_count; i++)
		if (&cli_commands[i] != c && opt_find(&cli_commands[i], arg, len))
			owner = &cli_commands[i];
	if (n.best)
		return cli_usage_error("unknown option '%s' for '%s': did you mean %s?", word, c->name, n.best);
	if (owner)
		return cli_usage_error("'%s' is an option of 'emailauth %s', not of '%s'", word, owner->name,
		                       c->name);
	return cli_usage_error("unknown option '%s' for '%s'", word, c->name);
}

/* True when value is one of the '|'-separated names in list. */
static bool in_list(const char *list, const char *value)
{
	size_t vl = strlen(value);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, "|");
		if (n == vl && n > 0 && strncmp(p, value, n) == 0)
			return true;
		p += n + (p[n] == '|');
	}
	return false;
}

int cli_check_args(const cli_command *c, int argc, char **argv)
{
	/* --help wins wherever it is, even after a mistake */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_command_usage_print(stdout, c);
			return 0;
		}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0')
			continue;                    /* a positional argument, or '-' for stdin */
		const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		const cli_opt *o = opt_find(c, a, len);
		if (o == NULL)
			return unknown_option(c, a, len);
		const char *value = eq ? eq + 1 : NULL;
		if (o->value == CLI_NO_VALUE) {
			if (eq)
				return cli_usage_error("%s takes no value", o->name);
			continue;
		}
		if (o->value == CLI_OPTIONAL_VALUE)
			continue;                    /* the command decides what follows */
		if (value == NULL && i + 1 < argc) {
			const char *next = argv[i + 1];
			size_t nl = strcspn(next, "=");
			/* "--tokens --region x": the next option is not the value */
			if (!(next[0] == '-' && next[1] == '-' && opt_find(c, next, nl)))
				value = argv[++i];
		}
		bool format = strcmp(o->name, "--format") == 0;
		char list[64];
		size_t n = 0;
		for (const char *p = c->formats; *p && n + 3 < sizeof(list); p++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, *p == '|' ? ", " : "%c", *p);
		list[n] = '\0';
		if (value == NULL || value[0] == '\0')
			return format ? cli_usage_error("--format needs a value: one of %s", list)
			              : cli_usage_error("%s needs a value: %s", o->name, o->needs);
		if (format && !in_list(c->formats, value))
			return cli_usage_error("--format for '%s' is one of %s (not '%.40s')", c->name, list, value);
	}
	return -1;
}
