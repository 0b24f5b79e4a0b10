/* The DMARC record parser (RFC 9989 4.7) and the tree-walk names (4.10). */
#include <stdlib.h>
#include <string.h>

#include <emailauth/dmarc.h>
#include "tap.h"

static ea_dmarc_record rec;

static void parse(const char *s)
{
	ea_dmarc_parse(s, strlen(s), &rec);
}

static const ea_dmarc_note *note_with(const char *code)
{
	for (size_t i = 0; i < rec.note_count; i++)
		if (strcmp(rec.notes[i].code, code) == 0)
			return &rec.notes[i];
	return NULL;
}

int main(void)
{
	parse("v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:a@Example.COM,"
	      "mailto:b@third.example!10m; fo=0:d");
	tap_ok(rec.is_dmarc && rec.valid && rec.p == EA_DMARC_P_REJECT &&
	       rec.sp == EA_DMARC_P_QUARANTINE && rec.np == EA_DMARC_P_QUARANTINE,
	       "p, sp, and np defaulting to sp");
	tap_ok(rec.adkim == 's' && rec.aspf == 'r', "adkim=s, aspf defaults to r");
	tap_ok(rec.rua_count == 2 && rec.rua[0].mailto && strcmp(rec.rua[0].domain, "example.com") == 0,
	       "rua mailto domain lowercased");
	tap_ok(rec.rua[1].size_limit == 10ULL * 1024 * 1024 && strcmp(rec.rua[1].size_text, "10m") == 0,
	       "size suffix !10m");
	tap_ok(rec.fo_valid && rec.note_count == 0, "fo=0:d valid, no notes");

	parse("v=DMARC1; p=none; pct=50; ri=3600; rf=afrf; foo=bar");
	tap_ok(rec.pct_present && rec.pct == 50 && rec.ri == 3600 && rec.rf_present,
	       "removed tags still read");
	tap_ok(note_with("dmarc.pct.partial") != NULL, "pct<100 is explained for older receivers");
	const ea_dmarc_note *n = note_with("dmarc.tag.unknown");
	tap_ok(n != NULL && n->offset == 44 && strcmp(n->tag, "foo") == 0, "unknown tag noted at byte 44");

	parse("v=DMARC1; p=bogus; rua=mailto:x@example.com");
	tap_ok(rec.is_dmarc && !rec.valid && ea_dmarc_record_usable(&rec),
	       "invalid p: not valid, but usable as p=none thanks to rua");
	n = note_with("dmarc.p.invalid");
	tap_ok(n != NULL && n->offset == 10, "the bad p= is located (byte 10)");

	parse("v=DMARC1; adkim=s");
	tap_ok(rec.valid && !ea_dmarc_record_usable(&rec), "no p and no rua: no DMARC processing");

	parse("p=reject; v=DMARC1");
	tap_ok(!rec.is_dmarc && note_with("dmarc.version") != NULL, "v= must come first");
	parse("v=DMARC1x; p=reject");
	tap_ok(!rec.is_dmarc, "v=DMARC1x is not a version");
	parse("v = DMARC1 ;P=Reject");
	tap_ok(rec.is_dmarc && rec.p == EA_DMARC_P_REJECT, "WSP around = and case-insensitive names");

	parse("v=DMARC1; p=none; rua=dmarc@example.com");
	n = note_with("dmarc.uri.invalid");
	tap_ok(!rec.rua_valid && n && strstr(n->message, "mailto:") != NULL,
	       "an address without mailto: is not a URI, and the note says so");
	parse("v=DMARC1; p=none; p=reject; junk");
	tap_ok(rec.p == EA_DMARC_P_NONE && note_with("dmarc.tag.duplicate") && note_with("dmarc.syntax"),
	       "first duplicate wins; bare word is a syntax note");
	parse("v=DMARC1; p=reject; t=y; psd=n; np=quarantine");
	tap_ok(rec.testing && rec.psd == 'n' && rec.np == EA_DMARC_P_QUARANTINE, "t, psd, np");

	char names[EA_DMARC_WALK_MAX][EA_NAME_MAX + 1];
	size_t c = ea_dmarc_walk_names("a.b.c.d.e.f.g.h.i.j.k.example.com", names, EA_DMARC_WALK_MAX);
	tap_ok(c == 8 && strcmp(names[1], "g.h.i.j.k.example.com") == 0 && strcmp(names[7], "com") == 0,
	       "walk of 13 labels: full name, then 7 labels down to 1");
	c = ea_dmarc_walk_names("mail.example.com", names, EA_DMARC_WALK_MAX);
	tap_ok(c == 3 && strcmp(names[2], "com") == 0, "walk of 3 labels");

	char org[EA_NAME_MAX + 1];
	tap_ok(ea_dmarc_org_domain_psl("mail.example.co.uk", org, sizeof(org)) &&
	       strcmp(org, "example.co.uk") == 0, "PSL registrable domain (RFC 7489 method)");
	return tap_done();
}
