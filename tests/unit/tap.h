/* A minimal TAP producer for the unit tests (tests/run.py counts the lines). */
#ifndef EA_TEST_TAP_H
#define EA_TEST_TAP_H

#include <stdbool.h>
#include <string.h>

void tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tap_done(void);   /* prints the plan; returns the exit code */
/* An in-memory zone store under "." holding zone_text (zone-file records, absolute names). */
struct ea_zone_store *tap_zone_store(const char *zone_text);

#define TAP_STR_EQ(got, want, ...) \
	tap_ok((got) != NULL && strcmp((got), (want)) == 0, __VA_ARGS__)

#endif
