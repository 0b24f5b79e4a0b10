/* Reading what the AWS CLI prints about an SES identity (jansson). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <emailauth/emailauth.h>
#include "util/util.h"

#define AWS_JSON_MAX_DEPTH 32   /* the real documents nest 3 deep */

static void copy_str(char *dst, size_t size, json_t *v)
{
	if (json_is_string(v))
		ea_copy(dst, size, json_string_value(v));
}

/* Token strings must be one DNS label; the rest of the checks rely on that. */
static bool token_label_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > EA_SES_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

static int add_token(ea_ses_request *req, const char *t, size_t len)
{
	if (len == 0)
		return EA_OK;
	if (len > EA_SES_TOKEN_MAX)
		return EA_EINVAL;
	if (req->token_count >= EA_SES_MAX_TOKENS)
		return EA_ERANGE;
	char *dst = req->tokens[req->token_count];
	memcpy(dst, t, len);
	dst[len] = '\0';
	if (!token_label_ok(dst))
		return EA_EINVAL;
	ea_ascii_lower(dst);
	req->token_count++;
	return EA_OK;
}

size_t ea_ses_token_in_name(const char *item, size_t len)
{
	while (len > 0 && item[len - 1] == '.')
		len--;
	const char *dot = memchr(item, '.', len);
	if (dot == NULL || dot == item)
		return 0;
	size_t first = (size_t)(dot - item);
	const char *rest = dot + 1;
	size_t rl = len - first - 1;
	/* TOKEN._domainkey.DOMAIN: the record's name, as the SES console lists it. */
	if (rl >= 10 && strncasecmp(rest, "_domainkey", 10) == 0 && (rl == 10 || rest[10] == '.'))
		return first;
	/* TOKEN.dkim.amazonses.com or TOKEN.dkim.REGION.amazonses.com: the CNAME's target. */
	if (rl > 5 && strncasecmp(rest, "dkim.", 5) == 0) {
		const char *z = rest + 5, *end = rest + rl;
		if ((size_t)(end - z) == 13 && strncasecmp(z, "amazonses.com", 13) == 0)
			return first;
		const char *d = memchr(z, '.', (size_t)(end - z));   /* after the region */
		if (d != NULL && d > z && (size_t)(end - d - 1) == 13 && strncasecmp(d + 1, "amazonses.com", 13) == 0)
			return first;
	}
	return 0;
}

int ea_ses_add_tokens(ea_ses_request *req, const char *list, char *bad, size_t bad_size)
{
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ", \t\r\n");
		size_t tn = memchr(p, '.', n) ? ea_ses_token_in_name(p, n) : n;
		size_t before = req->token_count;
		int rc = tn || n == 0 ? add_token(req, p, tn) : EA_EINVAL;
		if (rc != EA_OK) {
			if (bad != NULL && bad_size > 0) {
				char item[EA_VALUE_SHOWN_MAX + 1];
				snprintf(item, sizeof(item), "%.*s", (int)EA_MIN(n, sizeof(item) - 1), p);
				ea_value_shown(item, bad, bad_size);
			}
			return rc;
		}
		if (req->token_count > before) {
			char given[EA_NAME_MAX + 2] = "";
			if (tn != n)
				snprintf(given, sizeof(given), "%.*s", (int)EA_MIN(n, sizeof(given) - 1), p);
			ea_value_shown(given, req->token_given[before], sizeof(req->token_given[before]));
		}
		p += n;
		while (*p && strchr(", \t\r\n", *p))
			p++;
	}
	return EA_OK;
}

int ea_ses_set_tokens(ea_ses_request *req, const char *list)
{
	return ea_ses_add_tokens(req, list, NULL, 0);
}

static int tokens_from_array(ea_ses_request *req, json_t *arr, char *errbuf, size_t errbuf_size)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			snprintf(errbuf, errbuf_size, "a DKIM token is not a string");
			return EA_EPARSE;
		}
		int rc = add_token(req, json_string_value(v), json_string_length(v));
		if (rc == EA_ERANGE) {
			snprintf(errbuf, errbuf_size, "more than %d DKIM tokens", EA_SES_MAX_TOKENS);
			return rc;
		}
		if (rc != EA_OK) {
			snprintf(errbuf, errbuf_size, "DKIM token %zu is not a DNS label", i + 1);
			return EA_EPARSE;
		}
	}
	return EA_OK;
}

static void region_from_zone(ea_ses_request *req)
{
	/* dkim.<region>.amazonses.com */
	const char *z = req->signing_zone;
	const char *suffix = ".amazonses.com";
	size_t zl = strlen(z), sl = strlen(suffix);
	if (strncmp(z, "dkim.", 5) != 0 || zl <= 5 + sl || strcmp(z + zl - sl, suffix) != 0)
		return;
	size_t rl = zl - 5 - sl;
	if (rl < sizeof(req->region) && req->region[0] == '\0') {
		memcpy(req->region, z + 5, rl);
		req->region[rl] = '\0';
	}
}

int ea_ses_parse_aws_json(const char *text, size_t len, ea_ses_request *req, char *errbuf,
                          size_t errbuf_size)
{
	if (len > EA_AWS_JSON_MAX_BYTES) {
		snprintf(errbuf, errbuf_size, "the AWS JSON is larger than %d bytes", EA_AWS_JSON_MAX_BYTES);
		return EA_ERANGE;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(errbuf, errbuf_size, "not valid JSON (line %d, column %d): %s", jerr.line,
		         jerr.column, jerr.text);
		return EA_EPARSE;
	}
	int rc = EA_EPARSE;
	if (!json_is_object(root)) {
		snprintf(errbuf, errbuf_size, "the AWS JSON is not an object");
		goto out;
	}
	json_t *dkim = json_object_get(root, "DkimAttributes");
	json_t *tokens = NULL;
	if (json_is_object(dkim) && json_is_array(json_object_get(dkim, "Tokens"))) {
		/* aws sesv2 get-email-identity / create-email-identity */
		tokens = json_object_get(dkim, "Tokens");
		copy_str(req->aws_status, sizeof(req->aws_status), json_object_get(dkim, "Status"));
		copy_str(req->aws_origin, sizeof(req->aws_origin),
		         json_object_get(dkim, "SigningAttributesOrigin"));
		copy_str(req->signing_zone, sizeof(req->signing_zone),
		         json_object_get(dkim, "SigningHostedZone"));
	} else if (json_is_object(dkim)) {
		/* aws ses get-identity-dkim-attributes: {"DkimAttributes": {"<identity>": {...}}} */
		const char *key;
		json_t *v;
		json_object_foreach(dkim, key, v) {
			if (json_is_object(v) && json_is_array(json_object_get(v, "DkimTokens"))) {
				tokens = json_object_get(v, "DkimTokens");
				ea_copy(req->aws_identity, sizeof(req->aws_identity), key);
				copy_str(req->aws_status, sizeof(req->aws_status),
				         json_object_get(v, "DkimVerificationStatus"));
				break;
			}
		}
	} else if (json_is_array(json_object_get(root, "DkimTokens"))) {
		/* aws ses verify-domain-dkim */
		tokens = json_object_get(root, "DkimTokens");
	}
	if (tokens == NULL) {
		snprintf(errbuf, errbuf_size,
		         "no DKIM tokens found (expected DkimAttributes.Tokens, as printed by "
		         "'aws sesv2 get-email-identity')");
		goto out;
	}
	rc = tokens_from_array(req, tokens, errbuf, errbuf_size);
	if (rc == EA_OK && req->signing_zone[0] != '\0') {
		char norm[EA_NAME_MAX + 1];
		const char *why = NULL;
		if (ea_domain_normalize(req->signing_zone, norm, sizeof(norm), &why) != EA_OK) {
			snprintf(errbuf, errbuf_size, "SigningHostedZone is not a domain name: %s", why);
			rc = EA_EPARSE;
			goto out;
		}
		ea_copy(req->signing_zone, sizeof(req->signing_zone), norm);
		region_from_zone(req);
	}
out:
	json_decref(root);
	return rc;
}
