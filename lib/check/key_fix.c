/*
 * Fix lines for DKIM key findings: the record as it should be published. A
 * record whose key is fine but whose form is wrong (quotes from a web form, a
 * key split over records or with spaces, t=y, h=sha1, s= without email, a bad
 * v=) is corrected from what DNS holds; a record whose key must change gets the
 * record with a placeholder for the new key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/internal.h"
#include "util/buf.h"
#include "util/util.h"

#define KEY_FIX_MAX 8192           /* corrected record text, like EA_DKIM_KEY_MAX_B64 */
#define KEY_FIX_TXT_STRING 255     /* RFC 1035 3.3: one <character-string> */
#define KEY_FIX_MAX_RECORDS 8      /* TXT records joined when a key is split over several */

/* The value of a colon-separated list without the items equal to drop. */
static void list_without(const char *v, size_t len, const char *drop, ea_buf *out)
{
	size_t i = 0, kept = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && v[i] != ':')
			i++;
		const char *item = v + start;
		size_t il = i - start;
		while (il && (*item == ' ' || *item == '\t')) {
			item++;
			il--;
		}
		while (il && (item[il - 1] == ' ' || item[il - 1] == '\t'))
			il--;
		if (il && !(il == strlen(drop) && strncasecmp(item, drop, il) == 0))
			ea_buf_printf(out, "%s%.*s", kept++ ? ":" : "", (int)il, item);
		i++;
	}
}

static bool list_has(const char *v, size_t len, const char *a, const char *b)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%.*s", (int)EA_MIN(len, sizeof(tmp) - 1), v);
	for (char *save = NULL, *t = strtok_r(tmp, ": \t", &save); t; t = strtok_r(NULL, ": \t", &save))
		if (strcasecmp(t, a) == 0 || (b && strcasecmp(t, b) == 0))
			return true;
	return false;
}

/* One tag of the record, rewritten into out (or left out). */
static void fix_tag(const char *tag, size_t len, ea_buf *out)
{
	while (len && (*tag == ' ' || *tag == '\t' || *tag == '\r' || *tag == '\n')) {
		tag++;
		len--;
	}
	while (len && (tag[len - 1] == ' ' || tag[len - 1] == '\t' || tag[len - 1] == '\r' ||
	               tag[len - 1] == '\n'))
		len--;
	const char *eq = memchr(tag, '=', len);
	if (len == 0 || eq == NULL)
		return;
	size_t nl = (size_t)(eq - tag);
	while (nl && (tag[nl - 1] == ' ' || tag[nl - 1] == '\t'))
		nl--;
	const char *v = eq + 1;
	size_t vl = len - (size_t)(v - tag);
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	const char *sep = out->len ? "; " : "";
	if (nl == 0)
		return;                                   /* "=value": no tag name */
	if (nl == 1 && *tag == 'v')
		return;                                   /* v=DKIM1 is written first */
	if (nl == 1 && *tag == 't') {                 /* t=y: testing is over */
		ea_buf b;
		ea_buf_init(&b, 256);
		list_without(v, vl, "y", &b);
		if (b.len)
			ea_buf_printf(out, "%st=%s", sep, b.data);
		ea_buf_free(&b);
		return;
	}
	if (nl == 1 && *tag == 'h' && !list_has(v, vl, "sha256", NULL))
		return;                                   /* sha1 alone: RFC 8301 */
	if (nl == 1 && *tag == 's' && !list_has(v, vl, "email", "*"))
		return;
	if (nl == 1 && *tag == 'p') {                 /* the key, without white space */
		ea_buf_printf(out, "%sp=", sep);
		for (size_t i = 0; i < vl; i++)
			if (v[i] != ' ' && v[i] != '\t' && v[i] != '\r' && v[i] != '\n')
				ea_buf_putc(out, v[i]);
		return;
	}
	ea_buf_printf(out, "%s%.*s=%.*s", sep, (int)nl, tag, (int)vl, v);
}

/* The text of the record(s) at the selector, joined: the record holding v= or
 * p= first when a key was split over several records. */
static void joined_text(const ea_dns_answer *a, ea_buf *out)
{
	size_t n = EA_MIN(ea_dns_answer_count(a, EA_RR_TXT), (size_t)KEY_FIX_MAX_RECORDS);
	size_t first = 0;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
		if (memmem(rr->txt, rr->txt_len, "p=", 2) || memmem(rr->txt, rr->txt_len, "v=", 2)) {
			first = i;
			break;
		}
	}
	for (size_t k = 0; k < n; k++) {
		const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, k == 0 ? first : (k <= first ? k - 1 : k));
		for (size_t i = 0; i < rr->txt_len; i++)
			if (rr->txt[i] != '"' && rr->txt[i] != '\\')   /* quotes pasted into a web form */
				ea_buf_putc(out, (char)rr->txt[i]);
	}
}

/* Zone-file TXT data: quoted strings of at most 255 bytes; other bytes as \DDD. */
void ea_audit_txt_strings(const char *s, ea_buf *out)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len || i == 0; i += KEY_FIX_TXT_STRING) {
		ea_buf_printf(out, "%s\"", i ? " " : "");
		for (size_t k = i; k < len && k < i + KEY_FIX_TXT_STRING; k++) {
			unsigned char c = (unsigned char)s[k];
			if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
				ea_buf_printf(out, "\\%03u", c);
			else
				ea_buf_putc(out, (char)c);
		}
		ea_buf_putc(out, '"');
		if (len == 0)
			break;
	}
}

void ea_audit_key_fix_corrected(ea_finding *f, const char *name, const ea_dns_answer *a)
{
	if (f == NULL)
		return;
	ea_buf text, rec;
	ea_buf_init(&text, KEY_FIX_MAX);
	ea_buf_init(&rec, KEY_FIX_MAX);
	joined_text(a, &text);
	ea_buf_puts(&rec, "v=DKIM1");
	const char *t = text.data ? text.data : "";
	while (*t) {
		const char *end = strchr(t, ';');
		size_t len = end ? (size_t)(end - t) : strlen(t);
		fix_tag(t, len, &rec);
		t += len + (end ? 1 : 0);
	}
	ea_finding_add_action(f, EA_FIX_REPLACE, name, "TXT", rec.data ? rec.data : "",
	                      text.data ? text.data : "", EA_AUDIT_FIX_TTL,
	                      "replace what is at this name with this ONE record");
	ea_buf_free(&text);
	ea_buf_free(&rec);
}

void ea_audit_key_fix_new(ea_finding *f, const char *name, const char *how)
{
	if (f == NULL)
		return;
	ea_finding_set(&f->fix, "; %s, then publish its public key (base64, one line; long keys may be "
	               "split into quoted parts of at most 255 characters):\n%s. %d IN TXT \"v=DKIM1; "
	               "k=rsa; p=<the new public key>\"", how, name, EA_AUDIT_FIX_TTL);
}
