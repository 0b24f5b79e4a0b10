/* emailauth: the command-line front end. Parse, call the library, map to exit codes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
"usage: emailauth COMMAND [OPTIONS]\n"
"\n"
"Checks a sending domain's email authentication by live DNS lookups.\n"
"\n"
"Commands:\n"
"  ses DOMAIN --tokens T1,T2,T3 [--region REGION] [--watch [SECONDS] [--interval S]]\n"
"  ses DOMAIN --aws-json FILE    output of 'aws sesv2 get-email-identity' ('-': stdin)\n"
"                                Amazon SES Easy DKIM: are the three CNAMEs right?\n"
"  spf DOMAIN                    audit the SPF policy tree: lookups, voids, errors,\n"
"                                senders, the flattened networks\n"
"  spf --ip IP --sender ADDR [--helo HOST] [--helo-identity] [--receiver NAME]\n"
"                                evaluate check_host() (RFC 7208): result, deciding\n"
"                                term, Received-SPF and Authentication-Results\n"
"  spf --batch FILE|- [--helo-identity] [--receiver NAME]\n"
"                                one evaluation per line 'IP SENDER [HELO]' (SENDER\n"
"                                '<>': null sender), one DNS cache; JSON: a line each.\n"
"                                --no-prefetch: look up each term only when reached\n"
"  check DOMAIN [--tokens T1,T2,T3] [--selector S1,S2] [--mail-from NAME] [--region R]\n"
"                                the whole domain: DMARC, DKIM keys, senders, MAIL FROM,\n"
"                                MX, MTA-STS/TLS-RPT/BIMI, DNSSEC, and per sender:\n"
"                                will its mail pass DMARC?\n"
"  verify FILE|-... [--ip IP] [--helo NAME] [--mail-from ADDR] [--headers-only]\n"
"         [--now UNIXSECONDS]   a received message: each DKIM signature, SPF for\n"
"                                the connecting IP, DMARC, and an Authentication-\n"
"                                Results header to compare (docs/codes-verify.md).\n"
"                                Several files: one run, one DNS cache, a report\n"
"                                each (JSON: one line each), the highest exit code\n"
"  reports FILE|DIR... [--since YYYY-MM-DD] [--domain DOMAIN] [--format text|json|csv]\n"
"          [--no-dns]            DMARC aggregate reports (.xml, .xml.gz, .zip, .eml,\n"
"                                mbox, maildir): pass/fail per source, and whether\n"
"                                DKIM really started passing (docs/codes-reports.md)\n"
"  serve [--listen 127.0.0.1:8080] [--max-concurrent N] [--rate PER_MINUTE]\n"
"                                the web page and JSON API (docs/serve.md); --timeout\n"
"                                is each check's deadline. Stops on SIGTERM\n"
"  scan FILE|- [--checks ses,spf,dmarc,dkim,mx] [--jobs N] [--qps N] [--inflight N]\n"
"       [--threads N] [--format jsonl|csv] [--output FILE] [--resume] [--quiet]\n"
"                                many domains, one per line (optionally followed by\n"
"                                SES tokens or DKIM selectors), or CSV with a header;\n"
"                                one JSON line or CSV row per domain (docs/scan.md)\n"
"\n"
"Options for every command:\n"
"  --resolver ADDR[:PORT]   DNS resolver to use (repeat for failover, in order);\n"
"                           IPv6 as [ADDR]:PORT. Default: the system's resolvers\n"
"  --timeout SECONDS        the longest the whole command may take (default 10);\n"
"                           lookups unanswered by then are reported as failed\n"
"  --format text|json       output format (default text)\n"
"  --zone FILE              answer from this zone file instead of the network\n"
"                           (repeatable): check records before publishing them\n"
"  --trace                  show every lookup: name, type, server, rcode, answer,\n"
"                           TTL, time\n"
"  --no-color               no colour even on a terminal (NO_COLOR works too)\n"
"\n"
"Exit codes: 0 all correct, 1 warnings only, 2 something is wrong,\n"
"            3 could not determine (lookups failed), 64 usage error.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EA_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("emailauth %s\n", EA_VERSION);
		return 0;
	}
	static const struct { const char *name; int (*fn)(int, char **); } commands[] = {
		{"ses", cmd_ses},
		{"check", cmd_check},
		{"spf", cmd_spf},
		{"verify", cmd_verify},
		{"reports", cmd_reports},
		{"scan", cmd_scan},
		{"serve", cmd_serve},
	};
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, cmd) == 0) {
			for (int k = 2; k < argc; k++)
				if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
					fputs(usage, stdout);
					return 0;
				}
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "emailauth: unknown command '%s'\n\n%s", cmd, usage);
	return EA_EXIT_USAGE;
}
