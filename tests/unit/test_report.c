#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "tap.h"

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
	return tap_done();
}
