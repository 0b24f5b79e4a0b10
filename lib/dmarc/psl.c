/*
 * The RFC 7489 Organizational Domain, by the Public Suffix List (libpsl), for
 * saying where receivers that have not moved to RFC 9989 reach another answer.
 * psl_latest() takes the newer of libpsl's built-in list and the system's
 * (Debian package publicsuffix: /usr/share/publicsuffix/public_suffix_list.dafsa).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include <emailauth/dmarc.h>
#include "util/util.h"

static const psl_ctx_t *psl_ctx;   /* loaded once, kept for the process */
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_load(void)
{
	psl_ctx = psl_latest(NULL);
	if (psl_ctx == NULL)
		psl_ctx = psl_builtin();
}

bool ea_dmarc_org_domain_psl(const char *domain, char *out, size_t size)
{
	pthread_once(&psl_once, psl_load);
	if (psl_ctx == NULL || domain == NULL)
		return false;
	const char *rd = psl_registrable_domain(psl_ctx, domain);
	if (rd == NULL || strlen(rd) >= size)
		return false;
	ea_copy(out, size, rd);
	return true;
}
