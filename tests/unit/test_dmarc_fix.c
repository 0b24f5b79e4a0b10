/* The DMARC record corrected for the parser's warnings (lib/dmarc/fix.c). */
#include <stdio.h>
#include <string.h>

#include <emailauth/dmarc.h>
#include "dmarc/internal.h"
#include "tap.h"

/* The repaired form of record s, or "(none)". */
static const char *repaired(const char *s)
{
	static ea_dmarc_record rec;
	static char out[EA_DMARC_RECORD_MAX + 1];
	ea_dmarc_parse(s, strlen(s), &rec);
	if (!ea_dmarc_record_repaired(s, &rec, out, sizeof(out)))
		snprintf(out, sizeof(out), "(none)");
	return out;
}

static void expect(const char *record, const char *want, const char *what)
{
	const char *got = repaired(record);
	tap_ok(strcmp(got, want) == 0, "%s: got \"%s\"", what, got);
}

int main(void)
{
	expect("v=DMARC1; p=reject; rua=mailto:d@example.com", "(none)", "a correct record: no fix");
	expect("v=DMARC1; p=none; p=reject", "v=DMARC1; p=none", "duplicate tag: the first is kept");
	expect("v=DMARC1; p=reject; v=DMARC1", "v=DMARC1; p=reject", "v= again: dropped");
	expect("v=DMARC1; p=quarantine; pct=20; rua=mailto:d@example.com",
	       "v=DMARC1; p=quarantine; rua=mailto:d@example.com", "pct below 100: dropped");
	expect("v=DMARC1; p=reject; junk; aspf=r", "v=DMARC1; p=reject; aspf=r",
	       "a part that is not tag=value: dropped");
	expect(" v=DMARC1; p=reject", "v=DMARC1; p=reject", "white space before v=: dropped");
	expect("v=DMARC1; p=reject\x01; adkim=s", "v=DMARC1; p=reject; adkim=s", "a control byte: dropped");
	expect("v=DMARC1; p=reject; rua=mailto:a@example.com,d@example.com,mailto:b@example.com",
	       "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com",
	       "an address without mailto: dropped, the others kept");
	expect("v=DMARC1; p=reject; rua=https://example.com/r", "v=DMARC1; p=reject",
	       "the only URI not mailto: the tag goes too");
	expect("v=DMARC1; p=reject; rua=mailto:a@example.com,,mailto:b@example.com,",
	       "v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com",
	       "empty list entries: dropped");
	expect("v=DMARC1; p=reject; ruf=mailto:a@example.com!10x",
	       "v=DMARC1; p=reject; ruf=mailto:a@example.com", "a bad size suffix: only the suffix goes");
	expect("v=DMARC1; p=reject; rua=mailto:1@e.com,mailto:2@e.com,mailto:3@e.com,mailto:4@e.com,"
	       "mailto:5@e.com,mailto:6@e.com,mailto:7@e.com,mailto:8@e.com,mailto:9@e.com",
	       "v=DMARC1; p=reject; rua=mailto:1@e.com,mailto:2@e.com,mailto:3@e.com,mailto:4@e.com,"
	       "mailto:5@e.com,mailto:6@e.com,mailto:7@e.com,mailto:8@e.com",
	       "more URIs than kept: the extra ones dropped");
	expect("v=DMARC1; p=none; pct=50; p=reject; rua=mailto:x", "v=DMARC1; p=none",
	       "several at once: one record fixes them all");
	expect("v=DMARC1; p=reject; pct=100", "(none)", "pct=100 (info only): no fix");
	expect("v=spf1 -all", "(none)", "not a DMARC record: no fix");
	/* The result parses without the warnings it fixed. */
	ea_dmarc_record r;
	const char *fixed = repaired("v=DMARC1; p=none; p=reject; pct=10; rua=x@example.com,mailto:y@e.com");
	ea_dmarc_parse(fixed, strlen(fixed), &r);
	size_t warnings = 0;
	for (size_t i = 0; i < r.note_count; i++)
		warnings += r.notes[i].severity >= EA_SEV_WARNING;
	tap_ok(r.is_dmarc && warnings == 0, "the corrected record has no warnings: \"%s\"", fixed);
	return tap_done();
}
