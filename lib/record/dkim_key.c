#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "record/dkim_key.h"
#include "util/base64.h"

/* Colon-separated list contains item (RFC 6376 3.6.1 h= and s=). */
static bool list_has(ea_str list, const char *item)
{
	size_t i = 0;
	while (i <= list.len) {
		size_t start = i;
		while (i < list.len && list.p[i] != ':')
			i++;
		ea_str one = ea_str_make(list.p + start, i - start);
		while (one.len && (one.p[0] == ' ' || one.p[0] == '\t')) {
			one.p++;
			one.len--;
		}
		while (one.len && (one.p[one.len - 1] == ' ' || one.p[one.len - 1] == '\t'))
			one.len--;
		if (ea_str_ieq(one, item))
			return true;
		i++;
	}
	return false;
}

static EVP_PKEY *load_key(const ea_dkim_key *key, bool *bad)
{
	/* p= longer than EA_DKIM_KEY_MAX_B64 characters counts as bad base64 */
	unsigned char der[EA_DKIM_KEY_MAX_B64 / 4 * 3];
	long len = ea_base64_decode(key->p.p, key->p.len, der, sizeof(der));
	if (len <= 0) {
		*bad = true;
		return NULL;
	}
	if (key->type == EA_DKIM_K_ED25519) {
		if (len != 32)
			return NULL;
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
	}
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, len);      /* SubjectPublicKeyInfo (RFC 6376 3.6.1) */
	if (pk == NULL) {
		p = der;                                   /* some publish bare PKCS#1 RSAPublicKey */
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	}
	if (pk != NULL && EVP_PKEY_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

void ea_dkim_key_parse(const char *txt, size_t len, ea_dkim_key *key)
{
	EVP_PKEY_free(ea_dkim_key_parse_load(txt, len, key));
}

void *ea_dkim_key_parse_load(const char *txt, size_t len, ea_dkim_key *key)
{
	memset(key, 0, sizeof(*key));
	key->type = EA_DKIM_K_RSA;
	key->h_allows_sha256 = true;
	key->s_allows_email = true;
	for (size_t i = 0; i < len; i++)
		if (txt[i] == '"' || txt[i] == '\\')
			key->stray_quotes = true;
	bool ok = ea_taglist_parse(txt, len, &key->tags);
	const ea_tag *v = ea_taglist_get(&key->tags, "v");
	if (v) {
		key->has_v = true;
		/* RFC 6376 3.6.1: v= MUST be DKIM1 and the first tag, else discard the record. */
		key->v_ok = ea_str_ieq(v->value, "DKIM1") && v == &key->tags.tags[0];
	}
	const ea_tag *k = ea_taglist_get(&key->tags, "k");
	if (k) {
		key->k = k->value;
		if (ea_str_ieq(k->value, "rsa"))
			key->type = EA_DKIM_K_RSA;
		else if (ea_str_ieq(k->value, "ed25519"))
			key->type = EA_DKIM_K_ED25519;
		else
			key->type = EA_DKIM_K_UNKNOWN;
	}
	const ea_tag *h = ea_taglist_get(&key->tags, "h");
	if (h) {
		key->h_present = true;
		key->h_allows_sha256 = list_has(h->value, "sha256");
	}
	const ea_tag *s = ea_taglist_get(&key->tags, "s");
	if (s)
		key->s_allows_email = list_has(s->value, "*") || list_has(s->value, "email");
	const ea_tag *t = ea_taglist_get(&key->tags, "t");
	if (t) {
		key->testing = list_has(t->value, "y");
		key->strict_identity = list_has(t->value, "s");
	}
	const ea_tag *p = ea_taglist_get(&key->tags, "p");
	if (p) {
		key->has_p = true;
		key->p = p->value;
		key->revoked = p->value.len == 0;
	}

	if (!ok && key->tags.duplicate)
		key->problem = "a tag appears twice, so the record is invalid (RFC 6376 3.2)";
	else if (!ok && !p)
		key->problem = "the record does not parse as a tag list";
	else if (v && !key->v_ok)
		key->problem = "v= is not DKIM1 or is not the first tag (RFC 6376 3.6.1)";
	else if (!p)
		key->problem = "there is no p= tag (RFC 6376 3.6.1 requires it)";
	else if (key->revoked)
		key->problem = "the key is revoked (p= is empty)";
	else if (key->type == EA_DKIM_K_UNKNOWN)
		key->problem = "unknown key type k=";
	else if (!key->s_allows_email)
		key->problem = "s= does not include email";
	if (key->problem != NULL)
		return NULL;

	bool bad = false;
	EVP_PKEY *pk = load_key(key, &bad);
	key->bad_base64 = bad;
	if (pk == NULL) {
		key->problem = bad ? "p= is not valid base64" : "p= does not decode to a public key";
		return NULL;
	}
	key->bits = key->type == EA_DKIM_K_ED25519 ? 256 : (unsigned)EVP_PKEY_get_bits(pk);
	if (key->type == EA_DKIM_K_RSA && key->bits < EA_DKIM_RSA_MIN_BITS) {
		key->problem = "the RSA key is shorter than 1024 bits (RFC 8301 3.2: must not verify)";
		EVP_PKEY_free(pk);
		return NULL;
	}
	key->valid = true;
	return pk;
}
