#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "tap.h"

/* Messages are joined by hand when the format is text and bare %s only (report.c):
 * the bytes must be vasprintf's, whichever way they were made. */
#define SAME_AS_PRINTF(label, ...)                                                    \
	do {                                                                              \
		char *mine = NULL, *theirs = NULL;                                            \
		ea_finding_set(&mine, __VA_ARGS__);                                           \
		tap_ok(asprintf(&theirs, __VA_ARGS__) >= 0 && mine && strcmp(mine, theirs) == 0, \
		       "message as printf makes it: " label);                                 \
		free(mine);                                                                   \
		free(theirs);                                                                 \
	} while (0)

static void check_formats(void)
{
	const char *volatile none = NULL;   /* volatile: unseen by the format checks */
	SAME_AS_PRINTF("literal", "no conversion at all");
	SAME_AS_PRINTF("empty", "%s", "");
	SAME_AS_PRINTF("a percent sign", "100%% of %s", "mail");
	SAME_AS_PRINTF("several strings", "%s at %s: %s.", "TXT", "_dmarc.example.com", "p=none");
	SAME_AS_PRINTF("NULL prints (null)", "value %s", none);
	SAME_AS_PRINTF("other conversions go to printf", "%s has %d lookups (%zu%%)", "spf", 11, (size_t)110);
	SAME_AS_PRINTF("precision goes to printf", "%.3s|%-5s|", "abcdef", "x");
	SAME_AS_PRINTF("17 arguments go to printf", "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s", "a", "b", "c", "d",
	               "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q");
	SAME_AS_PRINTF("a percent sign at the end", "50%%");
}

int main(void)
{
	ea_report *rep = ea_report_new("example.com", NULL);
	ea_section *s = ea_report_section(rep, "ses-dkim");
	ea_section_addf(s, "ses.dkim.ok", EA_SEV_OK, "fine");
	tap_ok(ea_report_finish(rep) == EA_STATUS_PASS, "ok finding passes");
	char msg[] = "x\x1b[31mred";
	ea_finding f = {.code = "ses.dkim.lookup_failed", .severity = EA_SEV_ERROR, .undetermined = true,
	                .message = msg};
	ea_section_add(s, &f);
	tap_ok(ea_report_finish(rep) == EA_STATUS_UNKNOWN, "undetermined gives the unknown status");
	tap_ok(strcmp(ea_status_name(EA_STATUS_UNKNOWN), "unknown") == 0 &&
	       strcmp(ea_status_legacy_name(EA_STATUS_UNKNOWN), "error") == 0 &&
	       strcmp(ea_status_legacy_name(EA_STATUS_FAIL), "fail") == 0 && EA_STATUS_ERROR == EA_STATUS_UNKNOWN,
	       "status names: unknown (legacy error), never a severity's; EA_STATUS_ERROR is its old name");
	ea_section_addf(s, "ses.dkim.missing", EA_SEV_ERROR, "missing");
	tap_ok(ea_report_finish(rep) == EA_STATUS_FAIL, "a definite error outranks an undetermined one");
	tap_ok(ea_status_exit_code(EA_STATUS_FAIL) == 2 && ea_status_exit_code(EA_STATUS_UNKNOWN) == 3 &&
	       ea_status_exit_code(EA_STATUS_WARN) == 1 && ea_status_exit_code(EA_STATUS_PASS) == 0,
	       "exit codes");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ea_render_opts o = {0};
	ea_render_text(m, rep, &o);
	fclose(m);
	tap_ok(strchr(buf, 0x1b) == NULL, "text output carries no escape character from findings");
	free(buf);
	m = open_memstream(&buf, &len);
	ea_render_json(m, rep, &o);
	fclose(m);
	tap_ok(strstr(buf, "\"schema\": 2") != NULL && strstr(buf, "\"status\": \"fail\"") != NULL &&
	       strstr(buf, "\"status_legacy\": \"fail\"") != NULL, "JSON carries schema 2, status and status_legacy");
	free(buf);
	ea_report_clear_findings(rep);
	tap_ok(rep->section_count == 0, "findings cleared");
	ea_report_free(rep);
	check_formats();
	return tap_done();
}
