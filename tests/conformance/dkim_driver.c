/* DKIM conformance driver: dkim_driver MESSAGE KEYS [NOW]
 * KEYS has one line per key name: "NAME<TAB>VALUE", where VALUE is the TXT text
 * (strings joined), or NXDOMAIN, or TIMEOUT. Answers come from the in-memory zone
 * store; prints one line per signature: "sig N RESULT CODE REASON". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "verify/internal.h"
#include "dns/internal.h"
#include "util/buf.h"

#define DRIVER_MAX_FILE (64u * 1024 * 1024)
#define TXT_CHUNK 255   /* RFC 1035 character-string */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = malloc(DRIVER_MAX_FILE + 1);
	*len = buf ? fread(buf, 1, DRIVER_MAX_FILE, f) : 0;
	fclose(f);
	if (buf)
		buf[*len] = '\0';
	return buf;
}

/* "@ 300 IN TXT "chunk" "chunk" ..." with zone-file escaping. */
static char *txt_rr(const char *value)
{
	ea_buf b;
	ea_buf_init(&b, 1 << 20);
	ea_buf_puts(&b, "@ 300 IN TXT");
	size_t n = strlen(value);
	for (size_t i = 0; i == 0 || i < n; i += TXT_CHUNK) {
		ea_buf_puts(&b, " \"");
		for (size_t k = i; k < n && k < i + TXT_CHUNK; k++) {
			unsigned char c = (unsigned char)value[k];
			if (c == '"' || c == '\\')
				ea_buf_printf(&b, "\\%c", c);
			else if (c < 0x20 || c > 0x7e)
				ea_buf_printf(&b, "\\%03u", c);
			else
				ea_buf_putc(&b, (char)c);
		}
		ea_buf_putc(&b, '"');
	}
	ea_buf_putc(&b, '\n');
	return ea_buf_take(&b);
}

static void load_keys(ea_zone_store *z, char *keys)
{
	char err[256];
	for (char *line = strtok(keys, "\n"); line; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		const char *name = line, *value = tab + 1;
		/* The zone apex: the key's parent, so NXDOMAIN is answered for it. */
		const char *dk = strstr(name, "._domainkey.");
		const char *apex = dk ? dk + 1 : name;
		if (ea_zone_store_add_zone(z, apex) != EA_OK)
			continue;
		if (strcmp(value, "NXDOMAIN") == 0)
			continue;
		if (strcmp(value, "TIMEOUT") == 0) {
			(void)ea_zone_store_add_timeout(z, name, 0);
			continue;
		}
		char *rr = txt_rr(value);
		if (rr && ea_zone_store_add_text(z, name, rr, err, sizeof(err)) != EA_OK)
			fprintf(stderr, "dkim_driver: %s: %s\n", name, err);
		free(rr);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dkim_driver MESSAGE KEYS [NOW]\n");
		return 64;
	}
	size_t mlen = 0, klen = 0;
	char *msg = slurp(argv[1], &mlen), *keys = slurp(argv[2], &klen);
	if (msg == NULL || keys == NULL) {
		fprintf(stderr, "dkim_driver: cannot read input\n");
		return 2;
	}
	ea_zone_store *z = ea_zone_store_new();
	load_keys(z, keys);
	ea_resolver_config cfg = {0};
	ea_resolver *r = ea_resolver_new_with_transport(ea_transport_zone_new(z, NULL), &cfg);
	ea_verify_options o = {.message = msg, .message_len = mlen,
	                       .now = argc > 3 ? strtoll(argv[3], NULL, 10) : 0};
	int err;
	ea_verify_request *v = ea_verify_request_new(&o, &err);
	ea_report *rep = ea_report_new("message", "message");
	ea_job *job = ea_job_new(r, rep, ea_now_ms() + 10000);
	if (v == NULL || job == NULL || ea_job_add_check(job, ea_check_verify, v) != EA_OK)
		return 2;
	ea_job_run(job);
	if (v->msg.error)
		printf("message-error %s\n", v->msg.error);
	for (size_t i = 0; i < v->sig_count; i++)
		printf("sig %zu %s %s %s\n", i + 1, ea_dkim_result_name(v->sigs[i].out.result),
		       v->sigs[i].out.code ? v->sigs[i].out.code : "-", v->sigs[i].out.reason);
	ea_job_free(job);
	ea_report_free(rep);
	ea_resolver_free(r);
	ea_verify_request_free(v);
	free(msg);
	free(keys);
	return 0;
}
