/* emailauth: the command-line front end. Parse, call the library, map to exit codes.
 * The commands and their options are the table in commands.c; help.c prints it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static bool is_any(const char *s, const char *a, const char *b, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_usage_print(stderr);
		return EA_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (is_any(cmd, "--version", "-V", "version")) {
		printf("emailauth %s\n", EA_VERSION);
		return 0;
	}
	if (is_any(cmd, "--help", "-h", "help")) {
		if (argc < 3) {
			cli_usage_print(stdout);
			return 0;
		}
		const cli_command *c = cli_command_find(argv[2]);
		if (c == NULL)
			return cli_unknown_command(argv[2]);
		cli_command_usage_print(stdout, c);
		return 0;
	}
	const cli_command *c = cli_command_find(cmd);
	if (c == NULL)
		return cli_unknown_command(cmd);
	cli_set_command(c->name);
	int rc = cli_check_args(c, argc - 1, argv + 1);
	if (rc >= 0)
		return rc;
	return c->fn(argc - 1, argv + 1);
}
