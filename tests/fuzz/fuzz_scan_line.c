/* Fuzz: scan input lines (plain and CSV), and reading a domain back from output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ea_scan_item item;
	char err[256];
	ea_scan_parser p;
	ea_scan_parser_init(&p);
	/* Each line in turn, so a header seen first shapes the rest, as in a scan. */
	const char *s = (const char *)data;
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || s[i] == '\n') {
			ea_scan_parse_line(&p, s + start, i - start, &item, err, sizeof(err));
			char dom[EA_NAME_MAX + 1];
			ea_scan_output_domain(s + start, i - start, dom, sizeof(dom));
			start = i + 1;
		}
	}
	return 0;
}
