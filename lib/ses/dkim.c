/*
 * Amazon SES Easy DKIM: per token, is <token>._domainkey.<domain> a CNAME to
 * <token>.<SigningHostedZone>, and does that resolve to a key? When not, which of
 * the known slips is it, and what exactly to publish.
 *
 * Rounds of lookups (each round all in flight together):
 *   1. TXT and CNAME at every token's name (the TXT follows the CNAME to the key).
 *   2. For the records that are not right: misplaced-name probes, A/AAAA at the
 *      name, the key directly, and NS of the zone (for the propagation check).
 *   3. Addresses of the name servers.  4. Each name server asked directly.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "ses/internal.h"
#include "record/dkim_key.h"
#include "util/buf.h"
#include "util/util.h"

#define SES_TYPO_MAX_DISTANCE 3     /* edits that still read as a slip of the keyboard */
#define SES_LONG_TTL 3600           /* past this, a fix takes long to be seen */
#define SES_FIX_TTL 1800            /* the TTL SES itself publishes its keys with */
#define SES_MAX_NS 8                /* name servers of the zone asked directly */
#define SES_MAX_NS_ADDRS 8
#define SES_MAX_ANCESTORS 4         /* parent domains probed for misplaced records */
/* Text kept per token; the check re-runs every round, so its state stays small. */
#define SES_FOUND_MAX 1024
#define SES_MESSAGE_MAX 1024
#define SES_FIX_MAX 2560

static const char CHECK[] = "ses-dkim";

/* Common sending subdomains people verify or publish under by mistake. */
static const char *const common_subdomains[] = {
	"mail", "email", "send", "mailer", "www", "bounce", "mg", "news", "marketing", "ses",
};

/* Other senders, to say where a wrong CNAME points. */
static const struct { const char *suffix; const char *provider; } other_providers[] = {
	{"sendgrid.net", "SendGrid"}, {"mcsv.net", "Mailchimp"}, {"mandrillapp.com", "Mandrill"},
	{"onmicrosoft.com", "Microsoft 365"}, {"dkim.mail.microsoft", "Microsoft 365"},
	{"mailgun.com", "Mailgun"}, {"mailgun.org", "Mailgun"}, {"hubspotemail.net", "HubSpot"},
	{"fmhosted.com", "Fastmail"}, {"proton.ch", "Proton Mail"}, {"brevo.com", "Brevo"},
	{"sparkpostmail.com", "SparkPost"}, {"mtasv.net", "Postmark"}, {"zoho.com", "Zoho"},
	{"klaviyodns.com", "Klaviyo"}, {"custdkim.salesforce.com", "Salesforce"},
	{"migadu.com", "Migadu"},
};

typedef enum {
	V_OK, V_MISSING, V_TYPO, V_WRONG, V_NOT_CNAME, V_MISPLACED, V_KEY_UNRESOLVED,
	V_PROPAGATING, V_LOOKUP_FAILED, V_KEY_UNDETERMINED,
} verdict;

static const char *const verdict_code[] = {
	[V_OK] = "ses.dkim.ok",
	[V_MISSING] = "ses.dkim.missing",
	[V_TYPO] = "ses.dkim.target_typo",
	[V_WRONG] = "ses.dkim.wrong_target",
	[V_NOT_CNAME] = "ses.dkim.not_cname",
	[V_MISPLACED] = "ses.dkim.misplaced",
	[V_KEY_UNRESOLVED] = "ses.dkim.key_unresolved",
	[V_PROPAGATING] = "ses.dkim.propagating",
	[V_LOOKUP_FAILED] = "ses.dkim.lookup_failed",
	[V_KEY_UNDETERMINED] = "ses.dkim.key_undetermined",
};

typedef struct {
	const char *token;
	/* Room for an overlong result: the lookup then reports the name as too long. */
	char name[EA_NAME_MAX + EA_SES_TOKEN_MAX + 16];     /* <token>._domainkey.<domain> */
	char expected[EA_NAME_MAX + EA_SES_TOKEN_MAX + 16]; /* <token>.<dkim domain> */
	verdict v;
	const ea_dns_answer *txt, *cname;
	const ea_dns_rr *cname_rr;         /* the CNAME at the name, if any */
	char misplaced_at[EA_NAME_MAX + 1];
	unsigned key_bits;
	bool region_mismatch;
	char region_found[32];
	uint32_t stale_ttl;                /* how long a resolver may keep the old answer */
	bool stale_ttl_known;
	bool needs_probe;                  /* the record is not right: look further */
	ea_dns_reason fail_reason;
	const char *fail_server;
	/* The texts last (4.5 KiB): token_start zeroes only what precedes them. */
	char found[SES_FOUND_MAX];
	char message[SES_MESSAGE_MAX];
	char fix[SES_FIX_MAX];             /* the value of the record to delete */
	char fix_del_name[EA_NAME_MAX + 1];
	char fix_del_type[12];
	bool fix_add;                      /* add the right CNAME */
} token_state;

/* A token's state at the start of a run (the check re-runs every round). */
static void token_start(token_state *t, const char *token)
{
	memset(t, 0, offsetof(token_state, found));
	t->found[0] = t->message[0] = t->fix[0] = t->fix_del_name[0] = t->fix_del_type[0] = '\0';
	t->fix_add = false;
	t->token = token;
}

typedef struct {
	const ea_ses_request *req;
	const char *dkim_domain;           /* the expected SigningHostedZone, or NULL: any SES */
	char apex[EA_NAME_MAX + 1];        /* the zone holding the domain, when known */
	token_state tok[];                 /* one per token given */
} ses_ctx;

/* Is name <token>.dkim[.<region>].amazonses.com? Sets region ("" for the default). */
static bool ses_target_parse(const char *target, const char *token, char *region, size_t rsize)
{
	size_t tl = strlen(token);
	if (strncasecmp(target, token, tl) != 0 || target[tl] != '.')
		return false;
	const char *rest = target + tl + 1;
	const char *suffix = ".amazonses.com";
	size_t rl = strlen(rest), sl = strlen(suffix);
	if (strncmp(rest, "dkim", 4) != 0 || rl < 4 + sl || strcmp(rest + rl - sl, suffix) != 0)
		return false;
	if (rl == 4 + sl) {
		region[0] = '\0';
		return true;
	}
	if (rest[4] != '.')
		return false;
	size_t reglen = rl - 4 - sl - 1;
	if (reglen == 0 || reglen >= rsize)
		return false;
	memcpy(region, rest + 5, reglen);
	region[reglen] = '\0';
	return ea_ses_region_known(region);
}

static const char *provider_of(const char *target)
{
	for (size_t i = 0; i < EA_ARRAY_SIZE(other_providers); i++)
		if (ea_name_is_subdomain(target, other_providers[i].suffix))
			return other_providers[i].provider;
	return NULL;
}

/* "found …X[ab]Y…, expected …X[cd]Y…": the differing middle in brackets. */
static void describe_difference(const char *found, const char *expected, char *out, size_t size)
{
	size_t lf = strlen(found), le = strlen(expected), pre = 0, suf = 0;
	while (pre < lf && pre < le && found[pre] == expected[pre])
		pre++;
	while (suf < lf - pre && suf < le - pre && found[lf - 1 - suf] == expected[le - 1 - suf])
		suf++;
	size_t ctx = pre > 12 ? pre - 12 : 0;
	snprintf(out, size, "found \"%s%.*s[%.*s]%s\", expected \"%s%.*s[%.*s]%s\"",
	         ctx ? "…" : "", (int)(pre - ctx), found + ctx, (int)(lf - pre - suf), found + pre,
	         found + lf - suf, ctx ? "…" : "", (int)(pre - ctx), expected + ctx,
	         (int)(le - pre - suf), expected + pre, expected + le - suf);
}

static void found_from_answer(const ea_dns_answer *a, char *out, size_t size)
{
	ea_buf b;
	ea_buf_init(&b, size - 1);
	for (size_t i = 0; i < a->rr_count; i++)
		if (strcmp(a->rrs[i].owner, a->qname) == 0)
			ea_buf_printf(&b, "%s%s %s", b.len ? "\n" : "", ea_rr_type_name(a->rrs[i].type),
			              a->rrs[i].rdata_text);
	ea_copy(out, size, b.data ? b.data : "");
	ea_buf_free(&b);
}

/* The fix: delete what is wrong (at del_name, of del_type, value del_value), then add
 * the CNAME. Kept as fields; add_token_finding turns them into the finding's actions. */
static void make_fix(token_state *t, const char *del_name, const char *del_type, const char *del_value)
{
	t->fix_add = true;
	ea_copy(t->fix_del_name, sizeof(t->fix_del_name), del_name ? del_name : "");
	ea_copy(t->fix_del_type, sizeof(t->fix_del_type), del_type ? del_type : "");
	ea_copy(t->fix, sizeof(t->fix), del_value ? del_value : "");
}

/* A TXT record in presentation form ("a" "b") as its text (ab), for a fix's value. */
static void txt_unquote(const char *in, char *out, size_t size)
{
	size_t o = 0;
	bool quoted = false;
	for (const char *p = in; *p && o + 1 < size; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (*p == ' ' || *p == '\t'))
			continue;
		if (*p == '\\' && p[1])
			p++;
		out[o++] = *p;
	}
	out[o] = '\0';
}

static bool is_lookup_failure(const ea_dns_answer *a)
{
	return a == NULL || a->outcome == EA_DNS_UNKNOWN;
}

/* found: which lookup failed, why, and where (no server for a name outside the zone files). */
static void describe_failure(token_state *t, const ea_dns_answer *a, const char *lead)
{
	t->fail_reason = a ? a->reason : EA_DNS_R_TIMEOUT;
	t->fail_server = a ? a->server : "";
	bool at = t->fail_server && *t->fail_server && t->fail_reason != EA_DNS_R_NOT_SERVED;
	snprintf(t->found, sizeof(t->found), "%slookup of %s %s failed: %s%s%s", lead,
	         a ? a->qname : t->name, a ? ea_rr_type_name(a->qtype) : "",
	         ea_dns_reason_text(t->fail_reason), at ? " at " : "", at ? t->fail_server : "");
}

static void set_failed(token_state *t, const ea_dns_answer *a)
{
	t->v = V_LOOKUP_FAILED;
	describe_failure(t, a, "");
	if (t->fail_reason == EA_DNS_R_NOT_SERVED)
		snprintf(t->message, sizeof(t->message),
		         "not determined: this name is outside the zone files given and no DNS server "
		         "was asked, so this is not a verdict that the record is missing");
	else
		snprintf(t->message, sizeof(t->message),
		         "could not determine: the DNS lookup failed, so this is not a verdict that the "
		         "record is missing; try again, or ask another resolver");
}

/* The CNAME is right, judged in full; only the key behind it is not known. */
static void set_key_undetermined(token_state *t, const ea_dns_answer *key)
{
	t->v = V_KEY_UNDETERMINED;
	char lead[EA_NAME_MAX + 32];
	snprintf(lead, sizeof(lead), "CNAME %s; ", t->expected);
	describe_failure(t, key, lead);
	if (t->fail_reason == EA_DNS_R_NOT_SERVED)
		snprintf(t->message, sizeof(t->message),
		         "the CNAME is right; the DKIM key at its target is not determined: %s is outside the "
		         "zone files given (SES publishes the key there), so it was not checked; a check "
		         "against live DNS checks it", t->expected);
	else
		snprintf(t->message, sizeof(t->message),
		         "the CNAME is right; the DKIM key at its target could not be checked: the lookup "
		         "failed (%s), so this is not a verdict on the key; try again, or ask another resolver",
		         ea_dns_reason_text(t->fail_reason));
}

/* Round 1 verdict for a CNAME at the right name. */
static void judge_cname(const ses_ctx *c, token_state *t, size_t idx)
{
	const char *target = t->cname_rr->target;
	char region[32];
	snprintf(t->found, sizeof(t->found), "CNAME %s", target);
	if (ea_name_equal(target, t->expected) ||
	    (c->dkim_domain == NULL && ses_target_parse(target, t->token, region, sizeof(region)))) {
		if (c->dkim_domain == NULL)
			ea_copy(t->expected, sizeof(t->expected), target);
		t->v = V_KEY_UNRESOLVED;  /* until the key is seen */
		return;
	}
	t->needs_probe = true;
	/* Another SES region's target. */
	if (ses_target_parse(target, t->token, region, sizeof(region))) {
		t->v = V_WRONG;
		t->region_mismatch = true;
		ea_copy(t->region_found, sizeof(t->region_found), region[0] ? region : "(default)");
		snprintf(t->message, sizeof(t->message),
		         "the CNAME points to the SES DKIM domain of another region (%s) than this identity's "
		         "(%s)", region[0] ? region : "dkim.amazonses.com",
		         c->req->region[0] ? c->req->region : c->dkim_domain);
		return;
	}
	/* Another token's target: records swapped or copied twice. */
	for (size_t k = 0; k < c->req->token_count; k++) {
		if (k == idx)
			continue;
		if (ea_name_equal(target, c->tok[k].expected)) {
			t->v = V_WRONG;
			snprintf(t->message, sizeof(t->message),
			         "the CNAME points to the target of another token (%s): the values of two "
			         "records were swapped or copied", c->tok[k].token);
			return;
		}
	}
	/* The zone appended to a target written without its final dot. */
	char appended[2 * EA_NAME_MAX + 2];
	const char *zones[2] = {c->req->domain, c->apex[0] ? c->apex : NULL};
	for (size_t z = 0; z < 2; z++) {
		if (zones[z] == NULL)
			continue;
		snprintf(appended, sizeof(appended), "%s.%s", t->expected, zones[z]);
		if (ea_name_equal(target, appended)) {
			t->v = V_TYPO;
			snprintf(t->message, sizeof(t->message),
			         "the CNAME target has \"%s\" appended: the value was entered without a final "
			         "dot in a zone file or API, so it became a relative name; write it with a "
			         "trailing dot (or as the provider's form expects)", zones[z]);
			return;
		}
	}
	unsigned d = ea_edit_distance(target, t->expected, SES_TYPO_MAX_DISTANCE);
	if (d <= SES_TYPO_MAX_DISTANCE) {
		t->v = V_TYPO;
		char diff[2 * EA_NAME_MAX + 64];    /* two names, brackets and quotes */
		describe_difference(target, t->expected, diff, sizeof(diff));
		snprintf(t->message, sizeof(t->message),
		         "the CNAME target is mistyped (%u character%s off): %s", d, d == 1 ? "" : "s", diff);
		return;
	}
	t->v = V_WRONG;
	const char *prov = provider_of(target);
	if (prov)
		snprintf(t->message, sizeof(t->message),
		         "the CNAME points to %s, not to Amazon SES", prov);
	else
		snprintf(t->message, sizeof(t->message),
		         "the CNAME points somewhere else than this token's SES target");
}

static void judge_round1(ses_ctx *c, token_state *t, size_t idx)
{
	const ea_dns_answer *txt = t->txt, *cn = t->cname;
	t->cname_rr = ea_dns_answer_cname(cn);
	if (t->cname_rr == NULL)
		t->cname_rr = ea_dns_answer_cname(txt);
	/* The zone apex, from the SOA of a negative answer. */
	if (c->apex[0] == '\0') {
		const ea_dns_answer *neg = (cn && cn->has_soa) ? cn : (txt && txt->has_soa ? txt : NULL);
		if (neg && neg->soa_owner && ea_name_is_subdomain(t->name, neg->soa_owner))
			ea_copy(c->apex, sizeof(c->apex), neg->soa_owner);
	}
	if (is_lookup_failure(cn) && is_lookup_failure(txt)) {
		set_failed(t, cn);   /* even with a CNAME in a broken answer (a loop) */
		return;
	}
	if (t->cname_rr != NULL) {
		judge_cname(c, t, idx);
		return;
	}
	if (txt && txt->outcome == EA_DNS_FOUND) {
		t->v = V_NOT_CNAME;
		t->needs_probe = true;
		found_from_answer(txt, t->found, sizeof(t->found));
		const ea_dns_rr *rr = ea_dns_answer_get(txt, EA_RR_TXT, 0);
		const char *text = rr ? (const char *)rr->txt : "";
		if (strstr(text, t->expected) != NULL || strstr(text, "amazonses.com") != NULL)
			snprintf(t->message, sizeof(t->message),
			         "a TXT record holds the CNAME target as text; SES needs a CNAME record, "
			         "and a TXT with the target's name does nothing");
		else if (strstr(text, "p=") != NULL)
			snprintf(t->message, sizeof(t->message),
			         "a DKIM key is published as TXT at this name; Easy DKIM needs a CNAME to SES, "
			         "which publishes and rotates the key itself");
		else
			snprintf(t->message, sizeof(t->message),
			         "a TXT record is published at this name instead of the CNAME");
		return;
	}
	if (is_lookup_failure(cn) || is_lookup_failure(txt)) {
		set_failed(t, is_lookup_failure(cn) ? cn : txt);
		return;
	}
	/* Both absent. */
	t->v = V_MISSING;
	t->needs_probe = true;
	const ea_dns_answer *neg = cn;
	snprintf(t->found, sizeof(t->found), "nothing: %s", ea_dns_reason_text(neg->reason));
	snprintf(t->message, sizeof(t->message), "there is no record at this name");
	t->stale_ttl = neg->has_soa ? neg->negative_ttl : 0;
	t->stale_ttl_known = neg->has_soa;
}

/* The key behind a right CNAME. Returns false when a lookup is pending. */
static bool judge_key(ea_job *job, token_state *t)
{
	const ea_dns_answer *key = t->txt;
	if (is_lookup_failure(key) || !ea_name_equal(key->final_name, t->expected)) {
		key = ea_lookup(job, t->expected, EA_RR_TXT, "SES DKIM key behind the CNAME");
		if (key == NULL)
			return false;
	}
	if (is_lookup_failure(key)) {
		set_key_undetermined(t, key);
		return true;
	}
	if (key->outcome == EA_DNS_ABSENT) {
		t->v = V_KEY_UNRESOLVED;
		snprintf(t->message, sizeof(t->message),
		         "the CNAME is right, but its target has no DKIM key (%s): SES has not published "
		         "it, or the identity was deleted or belongs to another account or region",
		         ea_dns_reason_text(key->reason));
		return true;
	}
	const ea_dns_rr *rr = ea_dns_answer_get(key, EA_RR_TXT, 0);
	ea_dkim_key k;
	ea_dkim_key_parse((const char *)rr->txt, rr->txt_len, &k);
	if (!k.valid) {
		t->v = V_KEY_UNRESOLVED;
		snprintf(t->message, sizeof(t->message),
		         "the CNAME is right, but the record at its target is not a usable DKIM key: %s",
		         k.problem ? k.problem : "unknown problem");
		return true;
	}
	t->v = V_OK;
	t->key_bits = k.bits;
	snprintf(t->message, sizeof(t->message), "the CNAME is right and resolves to a %u-bit %s key",
	         k.bits, k.type == EA_DKIM_K_ED25519 ? "Ed25519" : "RSA");
	return true;
}

/* Names where a right record may sit by mistake. */
static size_t probe_names(const ses_ctx *c, const token_state *t, char out[][EA_NAME_MAX + 1],
                          size_t max)
{
	size_t n = 0;
	const char *d = c->req->domain;
	char buf[3 * EA_NAME_MAX];
#define ADD(...) do { \
		snprintf(buf, sizeof(buf), __VA_ARGS__); \
		if (n < max && strlen(buf) <= EA_NAME_MAX && !ea_name_equal(buf, t->name)) \
			ea_copy(out[n++], EA_NAME_MAX + 1, buf); \
	} while (0)
	ADD("%s.%s", t->name, d);                          /* the zone name appended twice */
	if (c->apex[0] && !ea_name_equal(c->apex, d))
		ADD("%s.%s", t->name, c->apex);                /* ... by a provider of the parent zone */
	ADD("%s.%s", t->token, d);                         /* "._domainkey" left out */
	ADD("%s.domainkey.%s", t->token, d);               /* the underscore dropped */
	ADD("%s._domainkey.%s._domainkey.%s", t->token, t->token, d);
	/* Under a parent domain: the wrong (sub)domain verified, or records added at the apex. */
	const char *p = d;
	for (size_t i = 0; i < SES_MAX_ANCESTORS; i++) {
		const char *dot = strchr(p, '.');
		if (dot == NULL || strchr(dot + 1, '.') == NULL)
			break;   /* stop above a top-level domain */
		p = dot + 1;
		ADD("%s._domainkey.%s", t->token, p);
	}
	/* Under a common sending subdomain. */
	for (size_t i = 0; i < EA_ARRAY_SIZE(common_subdomains); i++)
		ADD("%s._domainkey.%s.%s", t->token, common_subdomains[i], d);
#undef ADD
	return n;
}

#define SES_MAX_PROBES 24

/* Round 2: misplaced probes. Returns false while pending. */
static bool probe_misplaced(ea_job *job, ses_ctx *c, token_state *t)
{
	char names[SES_MAX_PROBES][EA_NAME_MAX + 1];
	size_t n = probe_names(c, t, names, SES_MAX_PROBES);
	const ea_dns_answer *ans[SES_MAX_PROBES];
	for (size_t i = 0; i < n; i++)
		ans[i] = ea_lookup(job, names[i], EA_RR_CNAME, "probe: the right record at a wrong name?");
	if (ea_job_pending(job))
		return false;
	for (size_t i = 0; i < n; i++) {
		const ea_dns_rr *rr = ea_dns_answer_cname(ans[i]);
		char region[32];
		if (rr && (ea_name_equal(rr->target, t->expected) ||
		           ses_target_parse(rr->target, t->token, region, sizeof(region)))) {
			ea_copy(t->misplaced_at, sizeof(t->misplaced_at), names[i]);
			return true;
		}
	}
	return true;
}

/* Round 2 for a name that exists without CNAME or TXT: what is there? */
static bool probe_other_types(ea_job *job, token_state *t)
{
	const ea_dns_answer *a = ea_lookup(job, t->name, EA_RR_A, "what else is at the name?");
	const ea_dns_answer *aaaa = ea_lookup(job, t->name, EA_RR_AAAA, "what else is at the name?");
	if (a == NULL || aaaa == NULL)
		return false;
	const ea_dns_answer *hit = a->outcome == EA_DNS_FOUND ? a : (aaaa->outcome == EA_DNS_FOUND ? aaaa : NULL);
	if (hit) {
		t->v = V_NOT_CNAME;
		found_from_answer(hit, t->found, sizeof(t->found));
		snprintf(t->message, sizeof(t->message),
		         "the name answers with an address instead of a CNAME: the record is proxied or "
		         "flattened by the DNS provider (Cloudflare's orange cloud); set it to \"DNS only\"");
	}
	return true;
}

/* Propagation: ask every authoritative server of the zone directly. Returns false
 * while pending. Sets t->v = V_PROPAGATING when they already serve the right record. */
typedef struct {
	char addrs[SES_MAX_NS_ADDRS][48];
	char hosts[SES_MAX_NS_ADDRS][EA_NAME_MAX + 1];
	size_t count;
	bool ready;
} auth_servers;

static bool find_auth_servers(ea_job *job, ses_ctx *c, auth_servers *as)
{
	const ea_dns_answer *ns = ea_lookup(job, c->apex[0] ? c->apex : c->req->domain, EA_RR_NS,
	                                    "name servers of the zone, to ask them directly");
	if (ns == NULL)
		return false;
	if (ns->outcome == EA_DNS_ABSENT && ns->has_soa && c->apex[0] == '\0' && ns->soa_owner) {
		ea_copy(c->apex, sizeof(c->apex), ns->soa_owner);
		ns = ea_lookup(job, c->apex, EA_RR_NS, "name servers of the zone, to ask them directly");
		if (ns == NULL)
			return false;
	}
	size_t nsn = EA_MIN(ea_dns_answer_count(ns, EA_RR_NS), (size_t)SES_MAX_NS);
	const ea_dns_answer *addr[SES_MAX_NS];
	for (size_t i = 0; i < nsn; i++)
		addr[i] = ea_lookup(job, ea_dns_answer_get(ns, EA_RR_NS, i)->target, EA_RR_A,
		                    "address of a name server");
	if (ea_job_pending(job))
		return false;
	as->count = 0;
	for (size_t i = 0; i < nsn; i++) {
		for (size_t k = 0; k < ea_dns_answer_count(addr[i], EA_RR_A) && as->count < SES_MAX_NS_ADDRS; k++) {
			const ea_dns_rr *rr = ea_dns_answer_get(addr[i], EA_RR_A, k);
			snprintf(as->addrs[as->count], 48, "%u.%u.%u.%u", rr->addr[0], rr->addr[1], rr->addr[2],
			         rr->addr[3]);
			ea_copy(as->hosts[as->count], EA_NAME_MAX + 1, ea_dns_answer_get(ns, EA_RR_NS, i)->target);
			as->count++;
		}
	}
	as->ready = true;
	return true;
}

typedef struct {
	size_t right, wrong, unknown;
	char lagging[512];
} auth_view;

static bool ask_auth(ea_job *job, const auth_servers *as, token_state *t, auth_view *view)
{
	const ea_dns_answer *a[SES_MAX_NS_ADDRS];
	for (size_t i = 0; i < as->count; i++)
		a[i] = ea_lookup_at(job, as->addrs[i], t->name, EA_RR_CNAME,
		                    "the record as the zone's own name server serves it");
	if (ea_job_pending(job))
		return false;
	memset(view, 0, sizeof(*view));
	for (size_t i = 0; i < as->count; i++) {
		const ea_dns_rr *rr = ea_dns_answer_cname(a[i]);
		if (is_lookup_failure(a[i]) || (a[i]->rcode != 0 && a[i]->rcode != 3))
			view->unknown++;
		else if (rr && ea_name_equal(rr->target, t->expected))
			view->right++;
		else {
			view->wrong++;
			size_t l = strlen(view->lagging);
			snprintf(view->lagging + l, sizeof(view->lagging) - l, "%s%s (%s)", l ? ", " : "",
			         as->hosts[i], as->addrs[i]);
		}
	}
	return true;
}

/* Why a right record sits at that wrong name, in plain words. */
static const char *misplaced_reason(const ses_ctx *c, const token_state *t)
{
	const char *at = t->misplaced_at;
	size_t nl = strlen(t->name);
	if (strncasecmp(at, t->name, nl) == 0 && at[nl] == '.')
		return ": the DNS provider appended the zone name to a name that already ended with it; "
		       "in the provider's form enter only the part before your domain (or end the name "
		       "with a dot)";
	const char *dk = strstr(at, "._domainkey.");
	if (dk == NULL)
		return strstr(at, ".domainkey.") ? ": the underscore of \"_domainkey\" was left out"
		                                 : ": the \"._domainkey\" part of the name was left out";
	const char *under = dk + strlen("._domainkey.");
	if (strstr(under, "._domainkey.") != NULL)
		return ": the name was entered twice";
	if (ea_name_is_subdomain(c->req->domain, under))
		return ": the records were added under a parent domain; SES checks the domain of the "
		       "identity itself, so publish them there (or verify the parent domain in SES)";
	return ": the records were added under another name of your domain than the one SES "
	       "verifies; publish them at the name shown, or verify that (sub)domain in SES instead";
}

/* Only a record the resolver shows wrong can be "propagating": a right CNAME whose key
 * is missing is not a DNS-cache matter. */
static bool needs_auth_check(const token_state *t)
{
	return (t->v == V_MISSING || t->v == V_TYPO || t->v == V_WRONG || t->v == V_NOT_CNAME) &&
	       t->misplaced_at[0] == '\0';
}

static void add_token_finding(ea_section *sec, const token_state *t)
{
	ea_severity sev = t->v == V_OK ? EA_SEV_OK : (t->v == V_PROPAGATING ? EA_SEV_WARNING : EA_SEV_ERROR);
	ea_finding *f = ea_section_addf(sec, verdict_code[t->v], sev, "%s", t->message);
	if (f == NULL)
		return;
	f->primary = true;
	f->undetermined = t->v == V_LOOKUP_FAILED || t->v == V_KEY_UNDETERMINED;
	if (f->undetermined && t->fail_reason != EA_DNS_R_NOT_SERVED)
		f->needs = EA_NEED_RETRY;
	ea_finding_set(&f->subject, "%s", t->token);
	ea_finding_set(&f->name, "%s", t->name);
	ea_finding_set(&f->expected, "CNAME %s (resolving to a DKIM key)", t->expected);
	ea_finding_set(&f->found, "%s", t->found);
	if (t->fix_del_name[0]) {
		char value[SES_FIX_MAX];
		if (strcmp(t->fix_del_type, "TXT") == 0)
			txt_unquote(t->fix, value, sizeof(value));
		else
			ea_copy(value, sizeof(value), t->fix);
		ea_finding_add_action(f, EA_FIX_DELETE, t->fix_del_name, t->fix_del_type, NULL, value, 0,
		                      NULL);
	}
	if (t->fix_add)
		ea_finding_add_action(f, EA_FIX_ADD, t->name, "CNAME", t->expected, NULL, SES_FIX_TTL, NULL);
}

static void input_findings(ea_section *sec, const ea_ses_request *req)
{
	if (req->token_count != 3)
		ea_section_addf(sec, "ses.dkim.token_count", EA_SEV_WARNING,
		                "Easy DKIM issues 3 tokens per identity; %zu %s given", req->token_count,
		                req->token_count == 1 ? "was" : "were");
	for (size_t i = 0; i < req->token_count; i++) {
		const char *t = req->tokens[i];
		bool shaped = strlen(t) == 32;
		for (const char *p = t; *p && shaped; p++)
			shaped = (*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '7');
		if (!shaped) {
			ea_finding *f = ea_section_addf(sec, "ses.dkim.token_format", EA_SEV_WARNING,
			    "this does not look like an SES token (32 characters of a-z and 2-7); check that it "
			    "was copied whole, from the SES console or 'aws sesv2 get-email-identity'");
			if (f)
				f->subject = ea_strdup0(t);
		}
		if (req->token_given[i][0]) {
			/* Forgiving input, said so: what was pasted stands for its first label. */
			bool name = strstr(req->token_given[i], "_domainkey") != NULL;
			ea_finding *f = ea_section_addf(sec, "ses.dkim.token_from_name", EA_SEV_INFO,
			    "Read as the token %s: '%s' is its %s", t, req->token_given[i],
			    name ? "record name" : "CNAME target");
			if (f)
				f->subject = ea_strdup0(t);
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(req->tokens[k], t) == 0) {
				ea_finding *f = ea_section_addf(sec, "ses.dkim.token_duplicate", EA_SEV_WARNING,
				                                "the same token was given twice");
				if (f)
					f->subject = ea_strdup0(t);
			}
		}
	}
	if (req->region[0] && !ea_ses_region_known(req->region))
		ea_section_addf(sec, "ses.dkim.region_unknown", EA_SEV_WARNING,
		                "\"%s\" is not an SES region this tool knows; the default DKIM domain "
		                "dkim.amazonses.com is assumed", req->region);
	if (strcmp(req->aws_origin, "EXTERNAL") == 0)
		ea_section_addf(sec, "ses.dkim.byodkim", EA_SEV_WARNING,
		                "this identity uses Bring Your Own DKIM (SigningAttributesOrigin EXTERNAL): SES "
		                "looks for a TXT key record at <selector>._domainkey, not for Easy DKIM CNAMEs");
}

int ea_check_ses_dkim(ea_job *job, void *arg)
{
	const ea_ses_request *req = arg;
	ea_report *rep = ea_job_report(job);
	ea_section *sec = ea_report_section(rep, CHECK);
	if (sec == NULL)
		return EA_ENOMEM;
	if (req->token_count == 0) {
		ea_finding *f = ea_section_addf(sec, "ses.dkim.no_tokens", EA_SEV_ERROR,
		                "no SES DKIM tokens were given: the three tokens from the SES console (or the "
		                "output of 'aws sesv2 get-email-identity') are needed");
		if (f)
			f->needs = EA_NEED_SES_TOKENS;
		return EA_OK;
	}
	ses_ctx *c = malloc(sizeof(*c) + req->token_count * sizeof(c->tok[0]));
	if (c == NULL)
		return EA_ENOMEM;
	memset(c, 0, sizeof(*c));
	c->req = req;
	if (req->signing_zone[0])
		c->dkim_domain = req->signing_zone;
	else if (req->region[0])
		c->dkim_domain = ea_ses_dkim_domain(req->region);
	int rc = EA_EPENDING;

	/* Round 1. */
	for (size_t i = 0; i < req->token_count; i++) {
		token_state *t = &c->tok[i];
		token_start(t, req->tokens[i]);
		snprintf(t->name, sizeof(t->name), "%s._domainkey.%s", t->token, req->domain);
		snprintf(t->expected, sizeof(t->expected), "%s.%s", t->token,
		         c->dkim_domain ? c->dkim_domain : "dkim.amazonses.com");
		t->txt = ea_lookup(job, t->name, EA_RR_TXT, "SES DKIM record, followed to the key");
		t->cname = ea_lookup(job, t->name, EA_RR_CNAME, "SES DKIM CNAME");
	}
	if (ea_job_pending(job))
		goto out;
	for (size_t i = 0; i < req->token_count; i++)
		judge_round1(c, &c->tok[i], i);

	/* Round 2: keys, probes, what else is at the name. */
	bool waiting = false;
	for (size_t i = 0; i < req->token_count; i++) {
		token_state *t = &c->tok[i];
		if (t->v == V_KEY_UNRESOLVED && !t->needs_probe && !judge_key(job, t))
			waiting = true;
		if (t->v == V_MISSING && t->cname->reason == EA_DNS_R_NODATA && !probe_other_types(job, t))
			waiting = true;
		if (t->v == V_MISSING && !probe_misplaced(job, c, t))
			waiting = true;
	}
	if (waiting)
		goto out;

	/* Rounds 3-4: the zone's own name servers, for records not right yet. */
	bool any_bad = false;
	for (size_t i = 0; i < req->token_count; i++)
		if (needs_auth_check(&c->tok[i]))
			any_bad = true;
	auth_servers as;                   /* find_auth_servers fills it */
	if (any_bad && !ea_job_offline(job)) {
		if (!find_auth_servers(job, c, &as))
			goto out;
		for (size_t i = 0; i < req->token_count; i++) {
			token_state *t = &c->tok[i];
			if (!needs_auth_check(t))
				continue;
			auth_view view;
			if (!ask_auth(job, &as, t, &view)) {
				waiting = true;
				continue;
			}
			if (view.right > 0) {
				uint32_t ttl = t->stale_ttl;
				bool known = t->stale_ttl_known;
				if (t->cname_rr) {
					ttl = t->cname_rr->ttl;
					known = true;
				} else if (t->txt && t->txt->rr_count) {
					ttl = t->txt->rrs[0].ttl;
					known = true;
				}
				t->v = V_PROPAGATING;
				if (known)
					snprintf(t->message, sizeof(t->message),
					         "the zone's name servers already serve the right record, but the "
					         "resolver still has the old answer; caches may keep it for up to %u "
					         "seconds (%u min) more", ttl, (ttl + 59) / 60);
				else
					snprintf(t->message, sizeof(t->message),
					         "the zone's name servers already serve the right record, but the "
					         "resolver does not yet; wait for caches to expire");
				if (view.wrong > 0) {
					size_t l = strlen(t->message);
					snprintf(t->message + l, sizeof(t->message) - l,
					         "; name servers that do not serve it yet: %s", view.lagging);
				}
			}
		}
		if (waiting)
			goto out;
	}

	/* Findings. */
	size_t ok = 0, failed = 0, key_unknown = 0;
	ea_dns_reason key_reason = EA_DNS_R_TIMEOUT, fail_reason = EA_DNS_R_TIMEOUT;
	for (size_t i = 0; i < req->token_count; i++) {
		token_state *t = &c->tok[i];
		if (t->v == V_MISSING && t->misplaced_at[0]) {
			t->v = V_MISPLACED;
			snprintf(t->found, sizeof(t->found), "nothing here; the right CNAME is at %s", t->misplaced_at);
			snprintf(t->message, sizeof(t->message),
			         "the record exists at the wrong name %s%s", t->misplaced_at,
			         misplaced_reason(c, t));
			make_fix(t, t->misplaced_at, "CNAME", t->expected);
		} else if (t->v == V_NOT_CNAME) {
			/* found: "TYPE data" per line; the first record is the one to delete. */
			char type[12] = "";
			const char *sp = strchr(t->found, ' ');
			size_t tl = sp ? (size_t)(sp - t->found) : 0;
			if (tl > 0 && tl < sizeof(type)) {
				memcpy(type, t->found, tl);
				type[tl] = '\0';
				const char *nl = strchr(sp + 1, '\n');
				char value[SES_FOUND_MAX];
				snprintf(value, sizeof(value), "%.*s", nl ? (int)(nl - sp - 1) : (int)strlen(sp + 1), sp + 1);
				make_fix(t, t->name, type, value);
			} else {
				make_fix(t, NULL, NULL, NULL);
			}
		} else if (t->v == V_MISSING || t->v == V_TYPO || t->v == V_WRONG) {
			if (t->v != V_MISSING && t->cname_rr)
				make_fix(t, t->name, "CNAME", t->cname_rr->target);
			else
				make_fix(t, NULL, NULL, NULL);
		}
		if (t->v == V_OK)
			ok++;
		if (t->v == V_LOOKUP_FAILED && failed++ == 0)
			fail_reason = t->fail_reason;
		if (t->v == V_KEY_UNDETERMINED && key_unknown++ == 0)
			key_reason = t->fail_reason;
		add_token_finding(sec, t);
	}
	input_findings(sec, req);

	/* Secondary findings. */
	for (size_t i = 0; i < req->token_count; i++) {
		token_state *t = &c->tok[i];
		ea_finding *f = NULL;
		if (t->region_mismatch) {
			if (strcmp(t->region_found, "(default)") == 0)
				f = ea_section_addf(sec, "ses.dkim.region_mismatch", EA_SEV_WARNING,
				    "the target is the default DKIM domain dkim.amazonses.com, which most SES "
				    "regions use; if the identity is in one of them, give that region (or none), "
				    "otherwise point the record at %s", t->expected);
			else
				f = ea_section_addf(sec, "ses.dkim.region_mismatch", EA_SEV_WARNING,
				    "the target is in SES region %s; if the identity is really there, give that "
				    "region, otherwise point the record at %s", t->region_found, t->expected);
		}
		if (f)
			f->subject = ea_strdup0(t->token);
		f = NULL;
		if (t->v == V_OK && t->key_bits > 0 && t->key_bits < EA_DKIM_RSA_GOOD_BITS) {
			f = ea_section_addf(sec, "ses.dkim.key_1024", EA_SEV_INFO,
			    "SES signs with a %u-bit key; 2048 bits is recommended (RFC 8301 3.2): set the "
			    "next signing key length to RSA_2048_BIT", t->key_bits);
		}
		if (f)
			f->subject = ea_strdup0(t->token);
		f = NULL;
		uint32_t wrong_ttl = t->cname_rr ? t->cname_rr->ttl : 0;
		if ((t->v == V_TYPO || t->v == V_WRONG || t->v == V_NOT_CNAME) && wrong_ttl > SES_LONG_TTL) {
			f = ea_section_addf(sec, "ses.dkim.long_ttl", EA_SEV_WARNING,
			    "the wrong record has a TTL of %u seconds: after the fix, resolvers may serve the old "
			    "record for up to %u hours; lower the TTL when you change it", wrong_ttl,
			    (wrong_ttl + 3599) / 3600);
		} else if (t->v == V_MISSING && t->stale_ttl_known && t->stale_ttl > SES_LONG_TTL) {
			f = ea_section_addf(sec, "ses.dkim.long_ttl", EA_SEV_INFO,
			    "the zone's negative-caching TTL is %u seconds: a resolver that looked before the "
			    "record existed may answer \"no record\" for up to %u hours after you add it",
			    t->stale_ttl, (t->stale_ttl + 3599) / 3600);
		}
		if (f)
			f->subject = ea_strdup0(t->token);
		if (t->cname && ea_dns_answer_count(t->cname, EA_RR_CNAME) > 1) {
			f = ea_section_addf(sec, "ses.dkim.conflicting_records", EA_SEV_WARNING,
			    "more than one CNAME is published at this name; a name can hold only one (RFC 1034 "
			    "3.6.2), and resolvers will answer inconsistently");
			if (f)
				f->subject = ea_strdup0(t->token);
		}
	}
	if (ok + key_unknown < req->token_count) {
		bool aws_failed = strcmp(req->aws_status, "FAILED") == 0;
		ea_section_addf(sec, "ses.dkim.verification_window", aws_failed ? EA_SEV_WARNING : EA_SEV_INFO,
		    "%sSES looks for these records for up to 72 hours after verification starts; if the "
		    "status is FAILED by then, fix the records and restart verification (in the console, or "
		    "by putting the identity's DKIM attributes again)",
		    aws_failed ? "SES reports the DKIM status FAILED. " : "");
	}
	if (key_unknown > 0) {
		char more[64] = "";
		if (failed > 0)
			snprintf(more, sizeof(more), "; %zu could not be checked", failed);
		if (key_unknown == ok + key_unknown)
			ea_section_set_summary(sec, "%zu of %zu DKIM CNAMEs are right; the key%s behind %s not "
			                       "determined (%s)%s", ok + key_unknown, req->token_count,
			                       key_unknown == 1 ? "" : "s", key_unknown == 1 ? "it is" : "them are",
			                       ea_dns_reason_text(key_reason), more);
		else
			ea_section_set_summary(sec, "%zu of %zu DKIM CNAMEs are right; the key behind %zu of them "
			                       "is not determined (%s)%s", ok + key_unknown, req->token_count,
			                       key_unknown, ea_dns_reason_text(key_reason), more);
	} else if (failed == req->token_count)   /* no "0 of 3 correct" when nothing was seen */
		ea_section_set_summary(sec, "none of the %zu DKIM records could be checked (%s)",
		                       req->token_count, ea_dns_reason_text(fail_reason));
	else if (failed > 0)
		ea_section_set_summary(sec, "%zu of %zu DKIM records are correct; %zu could not be checked",
		                       ok, req->token_count, failed);
	else
		ea_section_set_summary(sec, "%zu of %zu DKIM records are correct", ok, req->token_count);
	rc = EA_OK;
out:
	free(c);
	return rc;
}
