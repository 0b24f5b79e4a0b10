/* emailauth check DOMAIN [--tokens T1,T2,T3] [--selector s1,s2] [--mail-from NAME] [--region R]
 * The whole-domain audit: one report section per check. */
#include <stdlib.h>
#include <string.h>

#include <emailauth/check.h>

#include "cli.h"

/* The sections come from the library's one list (tools/server/run.c uses it too). */
static ea_report *run_checks(const cli_globals *g, ea_full_check *a, const char *display)
{
	ea_check_fn fns[EA_FULL_CHECK_MAX_SECTIONS];
	void *args[EA_FULL_CHECK_MAX_SECTIONS];
	size_t n = ea_full_check_sections(a, fns, args);
	return cli_run(g, a->audit.domain, display, fns, args, n);
}

/* Each selector, under _domainkey of the domain, must make a name that can be looked up. */
static bool selectors_ok(const ea_audit_request *r)
{
	for (size_t i = 0; i < r->selector_count; i++) {
		char name[EA_NAME_MAX + 1];
		const char *why = NULL;
		if (ea_domain_normalize(r->selectors[i], name, sizeof(name), &why) != EA_OK)
			return false;
	}
	return true;
}

/* The first selector of list that is refused (as an error quotes it), into out; "" when
 * only their number is the problem. */
static void bad_selector(const char *list, char *out, size_t size)
{
	ea_audit_request *one = calloc(1, sizeof(*one));
	out[0] = '\0';
	for (const char *p = list; one != NULL && *p; ) {
		p += strspn(p, ", ");
		size_t n = strcspn(p, ", ");
		if (n == 0)
			break;
		char item[EA_VALUE_SHOWN_MAX + 1];
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) - 1 ? n : sizeof(item) - 1), p);
		one->selector_count = 0;
		if (n >= sizeof(item) || ea_audit_set_selectors(one, item) != EA_OK || !selectors_ok(one)) {
			ea_value_shown(item, out, size);
			break;
		}
		p += n;
	}
	free(one);
}

int cmd_check(int argc, char **argv)
{
	cli_globals g;
	cli_globals_init(&g);
	ea_full_check *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return 3;
	const char *domain_arg = NULL, *tokens = NULL, *selectors = NULL, *mail_from = NULL,
	           *region = NULL;
	int rc = EA_EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		int gr = cli_global_option(&g, argc, argv, &i);
		if (gr < 0)
			goto out;
		if (gr > 0)
			continue;
		const char *v;
		if ((v = cli_option_value("--tokens", argc, argv, &i)) != NULL)
			tokens = v;
		else if ((v = cli_option_value("--selector", argc, argv, &i)) != NULL)
			selectors = v;
		else if ((v = cli_option_value("--mail-from", argc, argv, &i)) != NULL)
			mail_from = v;
		else if ((v = cli_option_value("--region", argc, argv, &i)) != NULL)
			region = v;
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			cli_usage_error("unknown option '%s' for 'check' (or it needs a value)", argv[i]);
			goto out;
		} else if (domain_arg == NULL)
			domain_arg = argv[i];
		else {
			cli_usage_error("one domain at a time ('%s' is extra)", argv[i]);
			goto out;
		}
	}
	cli_globals_finish(&g);
	if (domain_arg == NULL) {
		cli_usage_error("check needs a domain: emailauth check example.com");
		goto out;
	}
	if (!cli_domain(domain_arg, a->audit.domain, sizeof(a->audit.domain)))
		goto out;
	if (tokens && !cli_tokens(&a->ses, tokens))
		goto out;
	for (size_t i = 0; i < a->ses.token_count; i++)
		snprintf(a->audit.tokens[i], sizeof(a->audit.tokens[i]), "%s", a->ses.tokens[i]);
	a->audit.token_count = a->ses.token_count;
	if (selectors && (ea_audit_set_selectors(&a->audit, selectors) != EA_OK || !selectors_ok(&a->audit))) {
		char bad[EA_VALUE_SHOWN_MAX + 1];
		bad_selector(selectors, bad, sizeof(bad));
		if (bad[0])
			cli_usage_error("'%s' is not a selector: a selector is letters, digits, '-', '_' or '.', "
			                "at most %d characters", bad, EA_AUDIT_SELECTOR_MAX);
		else
			cli_usage_error("--selector: at most %d selectors", EA_AUDIT_MAX_SELECTORS);
		goto out;
	}
	if (mail_from && !cli_domain(mail_from, a->audit.mail_from, sizeof(a->audit.mail_from)))
		goto out;
	if (region) {
		if (!cli_region(region, a->audit.region, sizeof(a->audit.region)))
			goto out;
	}
	rc = cli_report_exit(&g, run_checks(&g, a, domain_arg));
out:
	free(a);
	return rc;
}
