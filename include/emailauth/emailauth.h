/*
 * libemailauth: email-authentication checks by live DNS lookups.
 *
 * Umbrella header. A program includes this one and gets the whole public API.
 */
#ifndef EMAILAUTH_EMAILAUTH_H
#define EMAILAUTH_EMAILAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(EA_BUILDING_LIB) && defined(__GNUC__)
#define EA_PUBLIC __attribute__((visibility("default")))
#else
#define EA_PUBLIC
#endif

#if defined(__GNUC__)
#define EA_MUSTCHECK __attribute__((warn_unused_result))
#else
#define EA_MUSTCHECK
#endif

#define EA_VERSION "0.1.0"

/* Library errors. DNS outcomes are data (see dns.h), never one of these. */
typedef enum {
	EA_OK = 0,
	EA_ENOMEM = -1,      /* allocation failed */
	EA_EINVAL = -2,      /* invalid argument from the caller */
	EA_ERANGE = -3,      /* input over a named limit */
	EA_EPARSE = -4,      /* input could not be parsed */
	EA_EIO = -5,         /* file or socket error */
	EA_EDNS = -6,        /* the DNS transport could not be set up */
	EA_EPENDING = -7,    /* internal: a check waits for lookups */
} ea_error;

EA_PUBLIC const char *ea_strerror(int err);

#include <emailauth/names.h>
#include <emailauth/dns.h>
#include <emailauth/report.h>
#include <emailauth/job.h>
#include <emailauth/ses.h>
#include <emailauth/spf.h>
#include <emailauth/dmarc.h>
#include <emailauth/profiles.h>
#include <emailauth/check_sections.h>
#include <emailauth/render.h>
#include <emailauth/reports.h>

#endif
