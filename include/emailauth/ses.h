/*
 * The Amazon SES Easy DKIM check: three CNAMEs <token>._domainkey.<domain> to
 * <token>.<SigningHostedZone>, each resolving to a DKIM key.
 */
#ifndef EMAILAUTH_SES_H
#define EMAILAUTH_SES_H

#include <emailauth/emailauth.h>

#define EA_SES_MAX_TOKENS 16   /* SES issues 3; more only with several regions/accounts */
#define EA_SES_TOKEN_MAX 63    /* a DNS label */

typedef struct {
	char domain[EA_NAME_MAX + 1];      /* A-label form */
	char tokens[EA_SES_MAX_TOKENS][EA_SES_TOKEN_MAX + 1];
	size_t token_count;
	char region[32];                    /* "" when not given */
	char signing_zone[EA_NAME_MAX + 1]; /* from --aws-json SigningHostedZone, or "" */
	/* From the AWS JSON, when given: what SES itself says. */
	char aws_status[32];                /* DkimAttributes.Status */
	char aws_origin[64];                /* SigningAttributesOrigin: AWS_SES, EXTERNAL, ... */
	char aws_identity[EA_NAME_MAX + 1]; /* identity name when the JSON names one */
	/* Forgiving input: a token given as its record name or CNAME target, as typed
	 * (without control characters); "" when the token itself was given. */
	char token_given[EA_SES_MAX_TOKENS][EA_NAME_MAX + 2];
} ea_ses_request;

/* Parses `aws sesv2 get-email-identity` JSON (or the v1 get-identity-dkim-attributes
 * form) into req: tokens, SigningHostedZone, status, origin. At most
 * EA_AWS_JSON_MAX_BYTES. Returns EA_OK, or EA_EPARSE with a reason in errbuf. */
#define EA_AWS_JSON_MAX_BYTES (1024 * 1024)
EA_PUBLIC int ea_ses_parse_aws_json(const char *json, size_t len, ea_ses_request *req,
                                    char *errbuf, size_t errbuf_size);

/* Splits "T1,T2 T3" into req->tokens (commas or spaces). Returns EA_OK or EA_ERANGE. */
EA_PUBLIC int ea_ses_set_tokens(ea_ses_request *req, const char *list);
/* The same, forgiving: an item pasted as the record name (TOKEN._domainkey.example.com,
 * with or without the final dot) or the CNAME target (TOKEN.dkim.amazonses.com,
 * TOKEN.dkim.REGION.amazonses.com) is reduced to the token, and what was given is kept
 * in token_given. On EA_EINVAL the item refused is in bad (ea_value_shown), when given. */
EA_PUBLIC int ea_ses_add_tokens(ea_ses_request *req, const char *list, char *bad, size_t bad_size);
/* The token of a record name or CNAME target given for one (see ea_ses_add_tokens):
 * its first label's length, or 0 when item is neither. */
EA_PUBLIC size_t ea_ses_token_in_name(const char *item, size_t len);

/* The SES DKIM domain for a region ("dkim.amazonses.com" or "dkim.<region>.amazonses.com"). */
EA_PUBLIC const char *ea_ses_dkim_domain(const char *region);
/* True if region is an SES region we know of. */
EA_PUBLIC bool ea_ses_region_known(const char *region);

/* The check, for ea_job_add_check(): arg is a const ea_ses_request *. */
EA_PUBLIC int ea_check_ses_dkim(ea_job *job, void *arg);

#endif
