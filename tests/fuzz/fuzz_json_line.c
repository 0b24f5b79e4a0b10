/* Fuzz: the JSONL writer against jansson's json_dumps, on report text of any bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include <emailauth/render.h>

#define FUZZ_MAX_FINDINGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_report *rep = ea_report_new("example.com", "example.com");
	if (rep == NULL)
		return 0;
	ea_section *sec = ea_report_section(rep, "dmarc");
	/* Each NUL-separated piece is a finding's message; its reverse half is "found". */
	size_t start = 0;
	for (size_t n = 0; n < FUZZ_MAX_FINDINGS && start <= size; n++) {
		const uint8_t *end = memchr(data + start, 0, size - start);
		size_t len = end ? (size_t)(end - (data + start)) : size - start;
		ea_finding *f = ea_section_addf(sec, "dmarc.ok", EA_SEV_OK, "%.*s", (int)len,
		                                (const char *)data + start);
		if (f)
			ea_finding_set(&f->found, "%.*s", (int)(len / 2), (const char *)data + start);
		start += len + 1;
	}
	ea_report_finish(rep);
	size_t len;
	char *mine = ea_report_json_line(rep, &len);
	json_t *root = ea_report_to_json(rep, false);
	char *ref = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(root);
	if (mine && ref && (strcmp(mine, ref) != 0 || len != strlen(ref)))
		abort();
	free(mine);
	free(ref);
	ea_report_free(rep);
	return 0;
}
