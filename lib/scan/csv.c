/* CSV rows of scan results, and reading the domain back from output (--resume). */
#include <jansson.h>
#include <string.h>

#include "scan/scan.h"

#define CODES_MAX 32            /* distinct finding codes listed per row */

/* The check names of the CSV columns, and the report sections they read (the
 * worst of them): the dkim check writes the keys, the senders and their alignment,
 * so a row's status is never worse than all its columns. */
#define COLUMN_MAX_SECTIONS 3
static const struct {
	const char *column, *sections[COLUMN_MAX_SECTIONS];
} check_columns[] = {
	{"ses", {"ses-dkim"}}, {"spf", {"spf"}}, {"dmarc", {"dmarc"}},
	{"dkim", {"dkim-keys", "senders", "alignment"}}, {"mx", {"mx"}},
};

/* RFC 4180: quote when needed; control characters become '?'. */
static void csv_field(FILE *out, const char *s)
{
	if (s == NULL)
		return;
	bool quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ';
	if (quote)
		fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"')
			fputs("\"\"", out);
		else if (*p < 0x20 || *p == 0x7f)
			fputc('?', out);
		else
			fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
}

static const ea_section *find_section(const ea_report *rep, const char *check)
{
	for (size_t i = 0; i < rep->section_count; i++)
		if (rep->sections[i].check && strcmp(rep->sections[i].check, check) == 0)
			return &rep->sections[i];
	return NULL;
}

int ea_scan_csv_row(FILE *out, const ea_report *rep)
{
	csv_field(out, rep->domain);
	fputc(',', out);
	fputs(ea_status_name(ea_report_status(rep)), out);
	for (size_t c = 0; c < sizeof(check_columns) / sizeof(check_columns[0]); c++) {
		fputc(',', out);
		bool any = false;
		ea_status worst = EA_STATUS_PASS;
		for (size_t k = 0; k < COLUMN_MAX_SECTIONS && check_columns[c].sections[k]; k++) {
			const ea_section *s = find_section(rep, check_columns[c].sections[k]);
			if (s && (!any || s->status > worst))
				worst = s->status;
			any |= s != NULL;
		}
		if (any)
			fputs(ea_status_name(worst), out);
	}
	unsigned errors = 0, warnings = 0, undetermined = 0;
	const char *codes[CODES_MAX];
	size_t code_count = 0;
	for (size_t i = 0; i < rep->section_count; i++) {
		const ea_section *s = &rep->sections[i];
		for (size_t k = 0; k < s->finding_count; k++) {
			const ea_finding *f = &s->findings[k];
			if (f->undetermined)
				undetermined++;
			else if (f->severity == EA_SEV_ERROR)
				errors++;
			else if (f->severity == EA_SEV_WARNING)
				warnings++;
			if (!(f->severity >= EA_SEV_WARNING || f->undetermined) || f->code == NULL)
				continue;
			bool dup = false;
			for (size_t j = 0; j < code_count && !dup; j++)
				dup = strcmp(codes[j], f->code) == 0;
			if (!dup && code_count < CODES_MAX)
				codes[code_count++] = f->code;
		}
	}
	fprintf(out, ",%u,%u,%u,", errors, warnings, undetermined);
	for (size_t j = 0; j < code_count; j++) {
		if (j)
			fputc(' ', out);
		csv_field(out, codes[j]);
	}
	fprintf(out, ",%.1f\n", rep->elapsed_ms);
	return ferror(out) ? EA_EIO : EA_OK;
}

bool ea_scan_output_domain(const char *line, size_t len, char *out, size_t out_size)
{
	if (len == 0 || out_size == 0)
		return false;
	if (line[0] == '{') {
		json_error_t jerr;
		json_t *root = json_loadb(line, len, JSON_DISABLE_EOF_CHECK, &jerr);
		const char *d = json_is_object(root) ? json_string_value(json_object_get(root, "domain")) : NULL;
		bool ok = d != NULL && strlen(d) < out_size;
		if (ok)
			strcpy(out, d);
		json_decref(root);
		return ok;
	}
	/* CSV: the first field; domains never need quotes. */
	const char *comma = memchr(line, ',', len);
	size_t n = comma ? (size_t)(comma - line) : len;
	if (n == 0 || n >= out_size || (n == 6 && memcmp(line, "domain", 6) == 0))
		return false;
	memcpy(out, line, n);
	out[n] = '\0';
	return true;
}
