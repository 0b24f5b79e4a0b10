/* Fuzz: SPF macro expansion (lib/spf/macro.c) in both modes, with long values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf/macro.h"
#include "spf/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char longlocal[600];
	memset(longlocal, 'x', sizeof(longlocal) - 1);
	for (size_t i = 7; i < sizeof(longlocal) - 1; i += 8)
		longlocal[i] = '.';
	ea_spf_macro_ctx c = {
		.sender = "user.name@example.com", .local = longlocal, .sender_domain = "example.com",
		.domain = "a.b.c.example.com", .ip_dotted = "192.0.2.1", .ip_text = "192.0.2.1",
		.ip_version = "in-addr", .helo = "mail.example.com", .ptr_name = "unknown",
		.receiver = "mx.example.org", .now = 1700000000,
	};
	ea_str s = ea_str_make((const char *)data, size);
	char out[EA_SPF_MACRO_OUT_MAX];
	const char *why;
	if (ea_spf_macro_expand(s, &c, EA_SPF_MACRO_DOMAIN, out, sizeof(out), &why) &&
	    strlen(out) > EA_SPF_DOMAIN_MAX && strchr(out, '.') != NULL) {
		/* 7.3: only a single label longer than 253 may stay over */
		const char *dot = strchr(out, '.');
		if (strlen(dot + 1) > EA_SPF_DOMAIN_MAX)
			abort();
	}
	(void)ea_spf_macro_expand(s, &c, EA_SPF_MACRO_EXP, out, sizeof(out), &why);
	(void)ea_spf_macro_uses_p(s);
	size_t off;
	(void)ea_spf_macro_syntax_ok(s, true, &off, &why);
	return 0;
}
