/* Fuzz: the SPF policy audit with hostile records (lib/spf/audit.c), its include tree
 * (tree.c) and, over the limit, its plan (plan.c), rendered as text, JSON and HTML. The
 * input is split at NUL bytes into TXT records: the first is a.test's, the next ones
 * those of i1.test .. i8.test, then google.com's and _spf.google.com's (a documented
 * replacement, fetched for the plan); a.test has an MX host with addresses so that a, mx
 * and flattening have something to list. Each record is served as it is, byte for
 * byte (zone-file \DDD escapes, strings of at most 255 bytes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"
#include "util/buf.h"

#define FUZZ_SPF_RECORDS 11          /* a.test, i1..i8.test, google.com, _spf.google.com */
#define FUZZ_SPF_ZONE_MAX (1u << 20) /* the zone text built */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const OWNERS[FUZZ_SPF_RECORDS] = {
	"a.test.", "i1.test.", "i2.test.", "i3.test.", "i4.test.", "i5.test.", "i6.test.",
	"i7.test.", "i8.test.", "google.com.", "_spf.google.com.",
};

static void txt_line(ea_buf *z, const char *owner, const uint8_t *p, size_t n)
{
	ea_buf_printf(z, "%s 300 IN TXT", owner);
	size_t i = 0;
	do {
		size_t k = n - i < 255 ? n - i : 255;
		ea_buf_puts(z, " \"");
		for (size_t j = i; j < i + k; j++)
			ea_buf_printf(z, "\\%03u", p[j]);
		ea_buf_putc(z, '"');
		i += k;
	} while (i < n);
	ea_buf_putc(z, '\n');
}

static void render(const ea_report *rep)
{
	ea_render_opts o = {.verbose = true, .width = 80};
	FILE *null = fopen("/dev/null", "w");
	if (null == NULL)
		return;
	ea_render_text(null, rep, &o);
	ea_render_json(null, rep, &o);
	ea_render_html(null, rep, &o);
	ea_render_fixes(null, rep, "zone");
	fclose(null);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_buf z;
	ea_buf_init(&z, FUZZ_SPF_ZONE_MAX);
	ea_buf_puts(&z, ". 300 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n"
	                "a.test. 300 IN MX 10 m.test.\nm.test. 300 IN A 192.0.2.1\n"
	                "m.test. 300 IN AAAA 2001:db8::1\n");
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= size && n < FUZZ_SPF_RECORDS; i++)
		if (i == size || data[i] == 0) {
			txt_line(&z, OWNERS[n++], data + start, i - start);
			start = i + 1;
		}
	if (z.error || z.data == NULL) {
		ea_buf_free(&z);
		return 0;
	}
	ea_zone_store *store = ea_zone_store_new();
	char err[256];
	ea_zone_store_add_zone(store, ".");
	ea_zone_store_add_text(store, ".", z.data, err, sizeof(err));
	ea_buf_free(&z);
	ea_resolver *r = ea_resolver_new_with_transport(ea_transport_zone_new(store, NULL), NULL);
	ea_report *rep = ea_report_new("a.test", "a.test");
	ea_job *job = r && rep ? ea_job_new(r, rep, ea_now_ms() + 10000) : NULL;
	ea_spf_audit_request req = {.domain = "a.test"};
	if (job) {
		ea_job_add_check(job, ea_check_spf_audit, &req);
		ea_job_run(job);
		ea_job_free(job);
		ea_report_finish(rep);
		render(rep);
	}
	ea_report_free(rep);
	ea_resolver_free(r);
	return 0;
}
