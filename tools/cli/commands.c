/*
 * The commands and their options, as one table: main() dispatches from it, checks
 * every option against it before a command runs (unknown options, missing values,
 * --format), and prints each command's --help from it. The man pages in docs/man/
 * say the same in more words; tests/docs/test_help_man.py fails when an option is in
 * one and not the other.
 */
#include "cli.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const cli_opt cli_global_opts[] = {
	{"--resolver", NULL, CLI_VALUE, "ADDR[:PORT]", "a DNS resolver's address, e.g. 192.0.2.53 or [2001:db8::53]:53",
	 "DNS resolver to use (repeat for failover, in order); IPv6 as\n[ADDR]:PORT. Default: the system's resolvers"},
	{"--timeout", NULL, CLI_VALUE, "SECONDS", "seconds, more than 0 and at most 3600",
	 "the longest the whole command may take (default 10); lookups\nunanswered by then are reported as failed"},
	{"--format", NULL, CLI_VALUE, "FORMAT", "an output format", "output format (default text): see above"},
	{"--fix-format", NULL, CLI_VALUE, "FORMAT", "zone, route53, terraform or cloudflare",
	 "print only the fixes: zone-file lines, a Route 53 change batch,\nTerraform or Cloudflare API calls (zone|route53|terraform|cloudflare)"},
	{"--zone", NULL, CLI_VALUE, "FILE", "a zone file",
	 "answer from this zone file instead of the network (repeatable):\ncheck records before publishing them"},
	{"--trace", NULL, CLI_NO_VALUE, NULL, NULL, "show every lookup: name, type, server, rcode, answer, TTL, time"},
	{"--verbose", "-v", CLI_NO_VALUE, NULL, NULL, "text: show the notes too, and each finding's code"},
	{"--no-color", NULL, CLI_NO_VALUE, NULL, NULL, "no colour even on a terminal (NO_COLOR works too)"},
	{"--help", "-h", CLI_NO_VALUE, NULL, NULL, "this help"},
};
const size_t cli_global_opt_count = N(cli_global_opts);

static const cli_opt ses_opts[] = {
	{"--tokens", NULL, CLI_VALUE, "T1,T2,T3", "the three SES tokens, comma-separated",
	 "the three Easy DKIM tokens SES shows for the identity"},
	{"--aws-json", NULL, CLI_VALUE, "FILE", "a file with the output of 'aws sesv2 get-email-identity' ('-': stdin)",
	 "read the tokens (and the identity's state) from the output of\n'aws sesv2 get-email-identity' ('-': stdin)"},
	{"--region", NULL, CLI_VALUE, "REGION", "an AWS region such as eu-south-1",
	 "the identity's AWS region, e.g. eu-west-1 (for the right advice)"},
	{"--watch", NULL, CLI_OPTIONAL_VALUE, "[SECONDS]", NULL,
	 "check again until the records are right or SECONDS pass\n(default 900), printing what changed"},
	{"--interval", NULL, CLI_VALUE, "SECONDS", "whole seconds between checks, 1 to 3600",
	 "the pause between checks with --watch (default 15)"},
};

static const cli_opt check_opts[] = {
	{"--tokens", NULL, CLI_VALUE, "T1,T2,T3", "the three SES tokens, comma-separated",
	 "also check these Amazon SES Easy DKIM tokens"},
	{"--selector", NULL, CLI_VALUE, "S1,S2", "DKIM selectors, comma-separated",
	 "DKIM selectors to check besides the well-known ones"},
	{"--mail-from", NULL, CLI_VALUE, "NAME", "the MAIL FROM (Return-Path) domain",
	 "the MAIL FROM (Return-Path) domain, when it is not the domain"},
	{"--region", NULL, CLI_VALUE, "REGION", "an AWS region such as eu-south-1",
	 "the SES region, e.g. eu-west-1"},
};

static const cli_opt spf_opts[] = {
	{"--ip", NULL, CLI_VALUE, "IP", "the connecting client's IPv4 or IPv6 address",
	 "evaluate check_host() for mail from this address"},
	{"--sender", NULL, CLI_VALUE, "ADDR", "the MAIL FROM address, e.g. bounce@example.com",
	 "the MAIL FROM address (with --ip)"},
	{"--helo", NULL, CLI_VALUE, "HOST", "the name the client gave in HELO/EHLO",
	 "the HELO/EHLO name (with --ip)"},
	{"--helo-identity", NULL, CLI_NO_VALUE, NULL, NULL, "check the HELO identity instead of MAIL FROM"},
	{"--receiver", NULL, CLI_VALUE, "NAME", "the receiving host's name, for Received-SPF",
	 "this host's name in Received-SPF and Authentication-Results"},
	{"--batch", NULL, CLI_VALUE, "FILE", "a file of 'IP SENDER [HELO]' lines ('-': stdin)",
	 "one evaluation per line 'IP SENDER [HELO]' (SENDER '<>': the null\nsender), one DNS cache; JSON: a line each"},
	{"--no-prefetch", NULL, CLI_NO_VALUE, NULL, NULL,
	 "with --batch or --ip: look up each term only when reached"},
};

static const cli_opt verify_opts[] = {
	{"--ip", NULL, CLI_VALUE, "IP", "the IP address that delivered the message",
	 "the connecting IP for SPF (else read from the message)"},
	{"--helo", NULL, CLI_VALUE, "NAME", "the name the client gave in HELO/EHLO",
	 "the HELO/EHLO name (else read from the message)"},
	{"--mail-from", NULL, CLI_VALUE, "ADDR", "the MAIL FROM address",
	 "the MAIL FROM address, for SPF"},
	{"--headers-only", NULL, CLI_NO_VALUE, NULL, NULL,
	 "the file has the headers only: skip the body hash"},
	{"--now", NULL, CLI_VALUE, "UNIXSECONDS", "a time in Unix seconds",
	 "judge signature expiry at this time (Unix seconds)"},
};

static const cli_opt reports_opts[] = {
	{"--since", NULL, CLI_VALUE, "YYYY-MM-DD", "a date: YYYY-MM-DD", "only reports from this date on"},
	{"--domain", NULL, CLI_VALUE, "DOMAIN", "a domain name", "only reports about this domain"},
	{"--no-dns", NULL, CLI_NO_VALUE, NULL, NULL, "no DNS lookups: only what the reports say"},
};

static const cli_opt scan_opts[] = {
	{"--checks", NULL, CLI_VALUE, "LIST", "check names from ses,spf,dmarc,dkim,mx, comma-separated",
	 "which checks, from ses,spf,dmarc,dkim,mx (default: all that apply)"},
	{"--jobs", NULL, CLI_VALUE, "N", "a number of domains in flight", "domains in flight (default 1000)"},
	{"--qps", NULL, CLI_VALUE, "N", "queries per second", "at most N queries a second (default: no cap)"},
	{"--inflight", NULL, CLI_VALUE, "N", "a number of queries in flight", "queries in flight (default 1000)"},
	{"--threads", NULL, CLI_VALUE, "N", "a number of worker threads",
	 "worker threads (default: one per core, less one)"},
	{"--output", "-o", CLI_VALUE, "FILE", "a file to write the results to", "write the results here"},
	{"--resume", NULL, CLI_NO_VALUE, NULL, NULL,
	 "continue an interrupted scan: skip the domains already in --output"},
	{"--quiet", "-q", CLI_NO_VALUE, NULL, NULL, "no progress line"},
};

static const cli_opt serve_opts[] = {
	{"--listen", NULL, CLI_VALUE, "ADDR:PORT", "ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080",
	 "where to listen (default 127.0.0.1:8080)"},
	{"--max-concurrent", NULL, CLI_VALUE, "N", "a number of checks, 1 to 1024",
	 "checks running at once (default 8)"},
	{"--rate", NULL, CLI_VALUE, "PER_MINUTE", "checks per client per minute (0: no limit)",
	 "checks per client per minute (default 30; 0: no limit)"},
	{"--allow-root", NULL, CLI_NO_VALUE, NULL, NULL,
	 "run as root anyway (refused otherwise: use a plain user or systemd DynamicUser=yes)"},
};

const cli_command cli_commands[] = {
	{"ses", cmd_ses, "Amazon SES Easy DKIM: are the three CNAMEs right?",
	 "DOMAIN --tokens T1,T2,T3 [--region REGION] [--watch [SECONDS] [--interval S]]\n"
	 "DOMAIN --aws-json FILE [--region REGION]",
	 "Looks up the three Easy DKIM CNAMEs SES asks for and says, for each token, whether it\n"
	 "is published right, missing, wrong, or could not be determined.",
	 ses_opts, N(ses_opts), "text|json|nagios",
	 "emailauth ses example.com --tokens abcdefghijklmnopqrstuvwxyz234567,bcdefghijklmnopqrstuvwxyz2345678,cdefghijklmnopqrstuvwxyz23456789\n"
	 "aws sesv2 get-email-identity --email-identity example.com | emailauth ses example.com --aws-json -\n"
	 "emailauth ses example.com --tokens T1,T2,T3 --watch 3600"},
	{"check", cmd_check, "the whole domain: DMARC, DKIM, SPF, senders, MX, MTA-STS, ...",
	 "DOMAIN [--tokens T1,T2,T3] [--selector S1,S2] [--mail-from NAME] [--region R]",
	 "Audits the domain's email authentication: DMARC, DKIM keys, SPF, the services that\n"
	 "send for it, the MAIL FROM domain, MX, MTA-STS, TLS-RPT, BIMI and DNSSEC, and for\n"
	 "each sender whether its mail will pass DMARC.",
	 check_opts, N(check_opts), "text|json|nagios",
	 "emailauth check example.com\n"
	 "emailauth check example.com --selector google,s1 --mail-from bounce.example.com\n"
	 "emailauth check example.com --format nagios"},
	{"spf", cmd_spf, "audit an SPF policy, or evaluate check_host() for an IP",
	 "DOMAIN\n"
	 "--ip IP --sender ADDR [--helo HOST] [--helo-identity] [--receiver NAME]\n"
	 "--batch FILE|- [--helo-identity] [--receiver NAME] [--no-prefetch]",
	 "With a domain: audits its SPF policy tree (lookups, void lookups, errors, senders,\n"
	 "the flattened networks). With --ip: evaluates check_host() (RFC 7208) and gives the\n"
	 "result, the deciding term, Received-SPF and Authentication-Results.",
	 spf_opts, N(spf_opts), "text|json|nagios",
	 "emailauth spf example.com\n"
	 "emailauth spf --ip 192.0.2.10 --sender bounce@example.com\n"
	 "printf '192.0.2.10 a@example.com\\n' | emailauth spf --batch - --format json"},
	{"verify", cmd_verify, "a received message: DKIM, SPF, DMARC",
	 "FILE|-... [--ip IP] [--helo NAME] [--mail-from ADDR] [--headers-only] [--now UNIXSECONDS]",
	 "Checks each DKIM signature of a message, SPF for the connecting IP and DMARC, and\n"
	 "writes an Authentication-Results header to compare. The connecting IP and HELO are\n"
	 "read from the Received header the receiver added (the report names it), unless given.\n"
	 "Several files: one run, one DNS cache, a report each (JSON: one line each); the exit\n"
	 "code is the highest.",
	 verify_opts, N(verify_opts), "text|json",
	 "emailauth verify message.eml\n"
	 "emailauth verify --ip 192.0.2.10 --mail-from bounce@example.com message.eml\n"
	 "emailauth verify --headers-only - < headers.txt"},
	{"reports", cmd_reports, "DMARC aggregate reports: pass/fail per source",
	 "FILE|DIR... [--since YYYY-MM-DD] [--domain DOMAIN] [--format text|json|csv] [--no-dns]",
	 "Reads DMARC aggregate reports (.xml, .xml.gz, .zip, .eml, mbox, maildir) and shows\n"
	 "pass/fail per source, and whether DKIM really started passing.",
	 reports_opts, N(reports_opts), "text|json|csv",
	 "emailauth reports ~/Maildir/.dmarc\n"
	 "emailauth reports --since 2026-05-01 --domain example.com reports/\n"
	 "emailauth reports --format csv --no-dns report.xml.gz"},
	{"scan", cmd_scan, "many domains, one JSON line or CSV row each",
	 "FILE|- [--checks ses,spf,dmarc,dkim,mx] [--jobs N] [--qps N] [--inflight N]\n"
	 " [--threads N] [--format jsonl|csv] [--output FILE] [--resume] [--quiet]",
	 "Checks many domains, one per line (optionally followed by SES tokens or DKIM\n"
	 "selectors), or CSV with a header; one JSON line or CSV row per domain (docs/scan.md).",
	 scan_opts, N(scan_opts), "jsonl|json|csv",
	 "emailauth scan domains.txt --output results.jsonl\n"
	 "emailauth scan domains.txt --checks spf,dmarc --format csv --qps 500\n"
	 "emailauth scan domains.txt --output results.jsonl --resume"},
	{"serve", cmd_serve, "the web page, JSON API and /metrics (docs/serve.md)",
	 "[--listen 127.0.0.1:8080] [--max-concurrent N] [--rate PER_MINUTE] [--allow-root]",
	 "Serves the web page and the JSON API, /healthz, /metrics (Prometheus) and\n"
	 "/openapi.yaml. --timeout is each check's deadline. Stops on SIGTERM.",
	 serve_opts, N(serve_opts), "text|json",
	 "emailauth serve\n"
	 "emailauth serve --listen [::1]:8080 --max-concurrent 16 --rate 60\n"
	 "emailauth serve --resolver 192.0.2.53 --timeout 20"},
};
const size_t cli_command_count = N(cli_commands);
