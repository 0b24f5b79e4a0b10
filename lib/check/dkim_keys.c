/*
 * DKIM key records (RFC 6376 3.6.1, RFC 8301, RFC 8463): each hop of a CNAME
 * chain, and each mistake a key can carry, as dkim.key.* findings with fixes.
 */
#include <stdio.h>
#include <string.h>

#include "check/internal.h"
#include "util/util.h"

void ea_audit_relative(const char *name, const char *domain, char *out, size_t size)
{
	size_t nl = strlen(name), dl = strlen(domain);
	if (nl > dl + 1 && ea_name_is_subdomain(name, domain))
		snprintf(out, size, "%.*s", (int)(nl - dl - 1), name);
	else
		ea_copy(out, size, name);
}

static ea_finding *key_finding(ea_section *sec, const char *code, ea_severity sev,
                               const char *selector, const char *name, const char *msg)
{
	ea_finding *f = ea_section_addf(sec, code, sev, "%s", msg);
	if (f) {
		ea_finding_set(&f->subject, "%s", selector);
		ea_finding_set(&f->name, "%s", name);
	}
	return f;
}

/* A key split into several TXT records (not strings), or with white space at
 * the edges of a string inside p=. */
static bool split_wrongly(const ea_dns_answer *a, char *why, size_t size)
{
	size_t n = ea_dns_answer_count(a, EA_RR_TXT);
	if (n > 1) {
		size_t keyish = 0;
		for (size_t i = 0; i < n; i++) {
			const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, i);
			if (memmem(rr->txt, rr->txt_len, "p=", 2) == NULL)
				keyish++;
		}
		if (keyish > 0) {
			snprintf(why, size, "the key is spread over %zu separate TXT records; it must be ONE "
			         "record made of several strings (\"part1\" \"part2\" on one line)", n);
			return true;
		}
	}
	const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, 0);
	if (rr == NULL || rr->txt_strings < 2 || rr->txt_string_lens == NULL)
		return false;
	size_t off = 0;
	for (uint16_t i = 0; i + 1 < rr->txt_strings; i++) {
		off += rr->txt_string_lens[i];
		if (off == 0 || off >= rr->txt_len)
			continue;
		char before = (char)rr->txt[off - 1], after = (char)rr->txt[off];
		if (before == ' ' || after == ' ') {
			snprintf(why, size, "string %u ends or string %u starts with a space inside the key: "
			         "joined, the key has a space in it, which some verifiers reject; split the key "
			         "exactly, with nothing added", (unsigned)i + 1, (unsigned)i + 2);
			return true;
		}
	}
	return false;
}

static void hops(ea_section *sec, const char *selector, const ea_dns_answer *a)
{
	char chain[1024] = "";
	size_t l = 0, count = 0;
	for (size_t i = 0; i < a->rr_count; i++) {
		if (a->rrs[i].type != EA_RR_CNAME)
			continue;
		l += (size_t)snprintf(chain + l, sizeof(chain) - EA_MIN(l, sizeof(chain)), "%s%s -> %s",
		                      count ? "; " : "", a->rrs[i].owner, a->rrs[i].target);
		if (l >= sizeof(chain))
			l = sizeof(chain) - 1;
		count++;
	}
	if (count == 0)
		return;
	ea_finding *f = ea_section_addf(sec, "dkim.key.cname", EA_SEV_INFO,
	    "the selector is a CNAME chain of %zu hop%s: %s", count, count == 1 ? "" : "s", chain);
	if (f) {
		ea_finding_set(&f->subject, "%s", selector);
		ea_finding_set(&f->name, "%s", a->qname);
		ea_finding_set(&f->found, "%s", chain);
	}
}

/* A DKIM CNAME that the DNS host proxies (Cloudflare's orange cloud) or flattens
 * is answered as A/AAAA: verifiers asking TXT get nothing. */
static void proxied(ea_section *sec, const char *selector, const char *name,
                    const ea_dns_answer *addr)
{
	char found[512] = "";
	size_t l = 0;
	for (size_t i = 0; i < addr->rr_count && l + 1 < sizeof(found); i++) {
		const ea_dns_rr *rr = &addr->rrs[i];
		if (rr->type != EA_RR_A && rr->type != EA_RR_AAAA)
			continue;
		l += (size_t)snprintf(found + l, sizeof(found) - l, "%s%s %s", l ? "; " : "",
		                      ea_rr_type_name(rr->type), rr->rdata_text);
	}
	char msg[700];
	snprintf(msg, sizeof(msg), "%s answers with an IP address (%s) instead of a CNAME or a TXT "
	         "key: your DNS host proxies or flattens the CNAME (Cloudflare's orange cloud), so "
	         "verifiers find no key and DKIM fails. Set the record to \"DNS only\"", name, found);
	ea_finding *f = key_finding(sec, "dkim.key.proxied", EA_SEV_ERROR, selector, name, msg);
	if (f) {
		ea_finding_set(&f->found, "%s", found);
		ea_finding_set(&f->expected, "CNAME to your sender's DKIM host, or TXT \"v=DKIM1; p=...\"");
		ea_finding_set(&f->fix, "; in the DNS host's panel, open the CNAME record %s and switch its "
		               "proxy status from \"Proxied\" (orange cloud) to \"DNS only\" (grey cloud);\n"
		               "; the record itself stays as your sender gave it, for example:\n"
		               "%s. %d IN CNAME <the target your sender gave you>.",
		               name, name, EA_AUDIT_FIX_TTL);
	}
}

#define NEW_KEY "make a new 2048-bit key where you send from (in the sender's console, or: openssl " \
                "genrsa -out dkim.key 2048; openssl rsa -in dkim.key -pubout), sign with it"

void ea_audit_key(ea_section *sec, const char *selector, const char *name,
                  const ea_dns_answer *a, const ea_dns_answer *addr, bool asked,
                  const char *want_cname, ea_audit_key_state *st)
{
	memset(st, 0, sizeof(*st));
	char msg[1024];
	ea_finding *f;
	if (a->outcome == EA_DNS_UNKNOWN) {
		st->failed = true;
		const ea_dns_rr *via = ea_dns_answer_cname(a);
		if (asked && via)   /* the CNAME is seen; what is behind it is not */
			snprintf(msg, sizeof(msg), "the selector is a CNAME to %s; the key behind it is not "
			         "determined (%s); this is not a verdict that the key is missing", via->target,
			         ea_dns_reason_text(a->reason));
		else if (asked)
			snprintf(msg, sizeof(msg), "could not determine: the lookup failed (%s); this is not a "
			         "verdict that the key is missing", ea_dns_reason_text(a->reason));
		if (asked) {
			f = key_finding(sec, "dkim.key.lookup_failed", EA_SEV_ERROR, selector, name, msg);
			if (f)
				f->undetermined = true;
		}
		return;
	}
	const ea_dns_rr *cn = ea_dns_answer_cname(a);
	st->first_target = cn ? cn->target : NULL;
	if (a->outcome == EA_DNS_ABSENT) {
		if (cn) {
			st->present = true;
			hops(sec, selector, a);
			const char *end = a->final_name ? a->final_name : cn->target;
			snprintf(msg, sizeof(msg), "the CNAME points to %s, where there is no key (%s): the "
			         "sender has not published it yet, or the CNAME target is mistyped",
			         end, ea_dns_reason_text(a->reason));
			f = key_finding(sec, "dkim.key.dangling", EA_SEV_ERROR, selector, name, msg);
			if (f)
				ea_finding_set(&f->fix, "; compare the target with the one your sender's console shows "
				               "and correct it%s; if you no longer send with that sender, delete:\n"
				               "%s. IN CNAME %s.", want_cname ? "" : " (or ask the sender to publish "
				               "the key)", name, cn->target);
		} else if (addr != NULL) {
			st->present = st->proxied = true;
			proxied(sec, selector, name, addr);
		} else if (asked) {
			snprintf(msg, sizeof(msg), "no DKIM key at %s (%s): mail signed with s=%s fails DKIM",
			         name, ea_dns_reason_text(a->reason), selector);
			f = key_finding(sec, "dkim.key.missing", EA_SEV_ERROR, selector, name, msg);
			if (f && want_cname)
				ea_finding_add_action(f, EA_FIX_ADD, name, "CNAME", want_cname, NULL, 1800,
				                      "An SES Easy DKIM token: publish its CNAME");
			else
				ea_audit_key_fix_new(f, name, "publish the key your sender shows for this selector; "
				                     "or, signing yourself, " NEW_KEY);
		}
		return;
	}
	st->present = true;
	hops(sec, selector, a);
	const ea_dns_rr *rr = ea_dns_answer_get(a, EA_RR_TXT, 0);
	if (rr == NULL)
		return;
	ea_dkim_key k;
	ea_dkim_key_parse((const char *)rr->txt, rr->txt_len, &k);
	char why[300];
	/* Mistakes of form: the key itself is fine, the record is corrected from DNS. */
	bool split = split_wrongly(a, why, sizeof(why));
	if (split)
		ea_audit_key_fix_corrected(key_finding(sec, "dkim.key.split", EA_SEV_ERROR, selector, name, why),
		                           name, a);
	else if (ea_dns_answer_count(a, EA_RR_TXT) > 1) {
		f = key_finding(sec, "dkim.key.multiple", EA_SEV_ERROR, selector, name,
		                "more than one TXT record at this selector: verifiers may pick either; keep one");
		if (f)
			ea_finding_set(&f->fix, "; delete every TXT record at %s but the one with the key your mail "
			               "is signed with now", name);
	}
	if (k.stray_quotes)
		ea_audit_key_fix_corrected(key_finding(sec, "dkim.key.stray_quotes", EA_SEV_ERROR, selector,
		    name, "the record contains quote or backslash characters: the value was pasted with its "
		    "quotes into a web form; enter it without quotes (or as separate strings)"), name, a);
	if (k.has_v && !k.v_ok)
		ea_audit_key_fix_corrected(key_finding(sec, "dkim.key.bad_version", EA_SEV_ERROR, selector,
		    name, "v= is not DKIM1 or is not the first tag, so verifiers discard the record; start it "
		    "with v=DKIM1; or leave v= out"), name, a);
	if (k.revoked) {
		f = key_finding(sec, "dkim.key.revoked", EA_SEV_WARNING, selector, name,
		    "p= is empty: the key is revoked, and mail signed with it fails; fine for a retired "
		    "selector, wrong for one in use");
		ea_audit_key_fix_new(f, name, "if this selector is retired, leave it as it is; if mail is "
		                     "still signed with it, " NEW_KEY);
	}
	if (k.testing)
		ea_audit_key_fix_corrected(key_finding(sec, "dkim.key.testing", EA_SEV_WARNING, selector, name,
		    "t=y: the domain says it is testing DKIM, and verifiers may treat signed mail like "
		    "unsigned mail; remove t=y when DKIM works"), name, a);
	if (k.strict_identity)
		key_finding(sec, "dkim.key.strict_identity", EA_SEV_INFO, selector, name,
		            "t=s: signatures must use exactly this domain in i=, not a subdomain");
	if (k.tags.off_grammar)   /* the one rule for tag lists: docs/conformance.md */
		key_finding(sec, "dkim.key.off_grammar", EA_SEV_INFO, selector, name,
		            "the record is outside RFC 6376 3.2's tag-list grammar (an empty tag between "
		            "two ';', or a tag name such as x-foo): the key is read, as most verifiers "
		            "read it, but dkimpy rejects a record with an empty tag; tidy it when you can");
	if (k.h_present && !k.h_allows_sha256)
		ea_audit_key_fix_corrected(key_finding(sec, "dkim.key.sha1_only", EA_SEV_ERROR, selector, name,
		    "h= allows only sha1, which RFC 8301 forbids: verifiers reject the signatures; "
		    "remove h= (and sign with rsa-sha256)"), name, a);
	if (!k.s_allows_email)
		ea_audit_key_fix_corrected(key_finding(sec, "dkim.key.service", EA_SEV_ERROR, selector, name,
		    "s= does not include email, so verifiers ignore this key for mail; remove s="), name, a);
	if (k.type == EA_DKIM_K_UNKNOWN)
		ea_audit_key_fix_new(key_finding(sec, "dkim.key.unknown_type", EA_SEV_ERROR, selector, name,
		    "k= names a key type verifiers do not know (rsa and ed25519 are defined)"), name,
		    "copy the record again from your sender (k=rsa or k=ed25519); signing yourself, " NEW_KEY);
	if (k.bad_base64)
		ea_audit_key_fix_new(key_finding(sec, "dkim.key.bad_base64", EA_SEV_ERROR, selector, name,
		    "p= is not valid base64: the key was cut short, or characters were added while "
		    "copying; copy the key again from the sender"), name,
		    "copy the public key again, whole, from your sender's console (or your key file)");
	if (k.bits > 0 && k.type == EA_DKIM_K_RSA && k.bits < EA_DKIM_RSA_MIN_BITS) {
		snprintf(msg, sizeof(msg), "the RSA key has %u bits; keys under 1024 bits must not verify "
		         "(RFC 8301 3.2), so this selector's signatures fail: generate a 2048-bit key", k.bits);
		ea_audit_key_fix_new(key_finding(sec, "dkim.key.too_short", EA_SEV_ERROR, selector, name, msg),
		                     name, NEW_KEY);
	} else if (k.bits > 0 && k.type == EA_DKIM_K_RSA && k.bits < EA_DKIM_RSA_GOOD_BITS) {
		snprintf(msg, sizeof(msg), "the RSA key has %u bits; 2048 is recommended (RFC 8301 3.2): "
		         "rotate to a 2048-bit key when the sender allows", k.bits);
		ea_audit_key_fix_new(key_finding(sec, "dkim.key.weak", EA_SEV_WARNING, selector, name, msg),
		                     name, "when your sender offers 2048-bit keys, switch to one; signing "
		                     "yourself, " NEW_KEY " (best under a new selector, then retire this one)");
	}
	st->key_ok = k.valid;
	/* A form mistake already explains an unparsable record. */
	bool explained = split || k.stray_quotes;
	if (k.valid) {
		snprintf(msg, sizeof(msg), "%s key of %u bits%s", k.type == EA_DKIM_K_ED25519 ? "Ed25519" : "RSA",
		         k.bits, k.testing ? " (testing)" : "");
		f = key_finding(sec, "dkim.key.ok", EA_SEV_OK, selector, name, msg);
		if (f)
			f->primary = true;
	} else if (explained) {
		return;
	} else if (!k.revoked && !k.bad_base64 && !(k.has_v && !k.v_ok) && k.bits >= EA_DKIM_RSA_MIN_BITS) {
		snprintf(msg, sizeof(msg), "not a usable DKIM key: %s", k.problem ? k.problem : "unknown");
		ea_audit_key_fix_new(key_finding(sec, "dkim.key.invalid", EA_SEV_ERROR, selector, name, msg),
		                     name, "copy the record again from your sender; signing yourself, " NEW_KEY);
	} else if (!k.valid && k.problem && k.bits == 0 && !k.bad_base64 && !k.revoked && !(k.has_v && !k.v_ok) &&
	           k.type != EA_DKIM_K_UNKNOWN && k.s_allows_email) {
		snprintf(msg, sizeof(msg), "not a usable DKIM key: %s", k.problem);
		ea_audit_key_fix_new(key_finding(sec, "dkim.key.invalid", EA_SEV_ERROR, selector, name, msg),
		                     name, "copy the record again from your sender; signing yourself, " NEW_KEY);
	}
}
