#include <stdarg.h>
#include <stdio.h>

#include "dns/internal.h"
#include "tap.h"

static int tap_count, tap_failed;

void tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
}

int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

ea_zone_store *tap_zone_store(const char *zone_text)
{
	ea_zone_store *z = ea_zone_store_new();
	char err[256] = "";
	ea_zone_store_add_zone(z, ".");
	if (ea_zone_store_add_text(z, ".", zone_text, err, sizeof(err)) != EA_OK)
		printf("# zone not loaded: %s\n", err);
	return z;
}
