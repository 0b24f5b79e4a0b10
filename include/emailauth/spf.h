/*
 * SPF (RFC 7208): the check_host() evaluator and the policy audit.
 *
 * Evaluation is a function other checks call from inside their own ea_check_fn:
 * it is deterministic over the job's answers, so it is safe to run again from
 * the top after each round of lookups (job.h).
 */
#ifndef EMAILAUTH_SPF_H
#define EMAILAUTH_SPF_H

#include <emailauth/emailauth.h>
#include <emailauth/job.h>

/* Limits of RFC 7208 4.6.4. */
#define EA_SPF_MAX_DNS_TERMS 10    /* include a mx ptr exists redirect */
#define EA_SPF_MAX_VOID 2          /* lookups with NXDOMAIN or no answer */
#define EA_SPF_MAX_MX_NAMES 10     /* MX names looked up per mx */
#define EA_SPF_MAX_PTR_NAMES 10    /* PTR names validated per ptr or %{p} */

#define EA_SPF_MAX_SENDER 512      /* MAIL FROM as given; longer is refused */
#define EA_SPF_MAX_CHAIN 16        /* include/redirect depth kept for the report */
#define EA_SPF_EXP_MAX 1024        /* explanation text kept */
#define EA_SPF_TERM_TEXT_MAX 512   /* the deciding term, as written */

typedef enum {
	EA_SPF_NONE = 0,
	EA_SPF_NEUTRAL,
	EA_SPF_PASS,
	EA_SPF_FAIL,
	EA_SPF_SOFTFAIL,
	EA_SPF_TEMPERROR,
	EA_SPF_PERMERROR,
} ea_spf_result;

typedef struct {
	const char *ip;         /* client address, IPv4 or IPv6 text (IPv4-mapped works) */
	const char *sender;     /* MAIL FROM; "", "<>" or NULL: the null sender */
	const char *helo;       /* HELO/EHLO name; may be NULL */
	bool helo_identity;     /* check the HELO identity instead of MAIL FROM (2.3) */
	const char *receiver;   /* %{r} and the Received-SPF receiver; NULL: "unknown" */
	int64_t now;            /* %{t}; 0: the current time */
	bool no_prefetch;       /* do not start the lookups of upcoming terms early */
} ea_spf_request;

typedef struct {
	ea_spf_result result;
	char identity[16];                   /* "mailfrom" or "helo" */
	char domain[EA_NAME_MAX + 1];        /* the domain check_host() started at */
	char sender[2 * EA_SPF_MAX_SENDER + 64]; /* <sender> as evaluated (postmaster@ filled in) */
	char explanation[EA_SPF_EXP_MAX];    /* for fail: from exp=, or the default */
	bool explanation_from_exp;
	char problem[512];                   /* for permerror/temperror: why */
	char term[EA_SPF_TERM_TEXT_MAX];     /* the term that decided ("" for none) */
	/* The records the deciding term was reached through: chain[0] is the first
	 * domain, each next one the target of an include or redirect. */
	char chain[EA_SPF_MAX_CHAIN][EA_NAME_MAX + 1];
	char chain_how[EA_SPF_MAX_CHAIN][16];   /* "", "include", "redirect" */
	size_t chain_len;
	unsigned dns_terms;                  /* terms that caused DNS lookups */
	unsigned void_lookups;
	unsigned lookups;                    /* DNS queries asked in all */
} ea_spf_outcome;

EA_PUBLIC const char *ea_spf_result_name(ea_spf_result r);
/* Is this MAIL FROM the null sender (RFC 5321 4.5.5: "<>")? NULL, "" and "<>" are. */
EA_PUBLIC bool ea_spf_sender_is_null(const char *sender);

/* Runs check_host() for req inside a check. Returns EA_OK with *out filled, or
 * EA_EPENDING while lookups are pending (the caller returns EA_EPENDING too), or
 * EA_EINVAL when the request is unusable (bad IP). */
EA_PUBLIC int ea_spf_evaluate(ea_job *job, const ea_spf_request *req, ea_spf_outcome *out);

/* "Received-SPF: ..." (RFC 7208 9.1), one line, no CRLF. */
EA_PUBLIC int ea_spf_received_spf(const ea_spf_request *req, const ea_spf_outcome *o,
                                  char *out, size_t size);
/* "spf=pass smtp.mailfrom=..." the spf part of Authentication-Results (RFC 8601). */
EA_PUBLIC int ea_spf_auth_results(const ea_spf_request *req, const ea_spf_outcome *o,
                                  char *out, size_t size);

/* Checks for ea_job_add_check(). */
/* arg: an ea_spf_request; adds the outcome to section "spf" as findings. */
EA_PUBLIC int ea_check_spf_evaluate(ea_job *job, void *arg);

typedef struct {
	char domain[EA_NAME_MAX + 1];
} ea_spf_audit_request;
/* arg: an ea_spf_audit_request; audits the published policy tree. */
EA_PUBLIC int ea_check_spf_audit(ea_job *job, void *arg);

#endif
