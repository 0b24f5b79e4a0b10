#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
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

/* OpenSSL 3.0 builds a chain of decoders for every d2i_PUBKEY (OSSL_DECODER_CTX_new_for_pkey):
 * about 1.2M instructions a key, 270K when the context is made once and reused (callgrind,
 * 40 distinct 2048-bit keys; later releases cache it, openssl/openssl#21426). A scan of SES
 * domains meets three distinct keys a domain. So contexts are kept in a small pool, each
 * used by one thread at a time; past the pool, a context is made and freed per key. */
#define SPKI_DECODER_POOL 16

typedef struct spki_decoder {
	OSSL_DECODER_CTX *ctx;
	EVP_PKEY *decoded;             /* where ctx puts the key it decodes */
	struct spki_decoder *next;     /* in the pool */
} spki_decoder;

static pthread_mutex_t spki_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static spki_decoder *spki_pool;
static unsigned spki_pool_count;

static spki_decoder *spki_decoder_take(void)
{
	pthread_mutex_lock(&spki_pool_lock);
	spki_decoder *d = spki_pool;
	if (d != NULL) {
		spki_pool = d->next;
		spki_pool_count--;
	}
	pthread_mutex_unlock(&spki_pool_lock);
	if (d != NULL)
		return d;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	/* what d2i_PUBKEY asks for: a public key in a DER SubjectPublicKeyInfo, of any type */
	d->ctx = OSSL_DECODER_CTX_new_for_pkey(&d->decoded, "DER", "SubjectPublicKeyInfo", NULL,
	                                       EVP_PKEY_PUBLIC_KEY, NULL, NULL);
	if (d->ctx == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

static void spki_decoder_give_back(spki_decoder *d)
{
	pthread_mutex_lock(&spki_pool_lock);
	if (spki_pool_count < SPKI_DECODER_POOL) {
		d->next = spki_pool;
		spki_pool = d;
		spki_pool_count++;
		d = NULL;
	}
	pthread_mutex_unlock(&spki_pool_lock);
	if (d != NULL) {
		OSSL_DECODER_CTX_free(d->ctx);
		free(d);
	}
}

/* d2i_PUBKEY(NULL, &p, len), through a pooled decoder. */
static EVP_PKEY *decode_spki(const unsigned char *der, size_t len)
{
	spki_decoder *d = spki_decoder_take();
	if (d == NULL) {
		const unsigned char *p = der;
		return d2i_PUBKEY(NULL, &p, (long)len);
	}
	const unsigned char *p = der;
	size_t left = len;
	d->decoded = NULL;
	EVP_PKEY *pk = NULL;
	if (OSSL_DECODER_from_data(d->ctx, &p, &left))
		pk = d->decoded;
	else
		EVP_PKEY_free(d->decoded);   /* NULL, unless a decoder left one behind */
	d->decoded = NULL;
	spki_decoder_give_back(d);
	return pk;
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
	EVP_PKEY *pk = decode_spki(der, (size_t)len);  /* SubjectPublicKeyInfo (RFC 6376 3.6.1) */
	if (pk == NULL) {
		const unsigned char *p = der;              /* some publish bare PKCS#1 RSAPublicKey */
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	}
	if (pk != NULL && EVP_PKEY_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/* What decoding p= tells about the key, whether it was just done or remembered. */
static void decode_outcome(ea_dkim_key *key, bool decoded, bool bad, unsigned bits)
{
	key->bad_base64 = bad;
	if (!decoded) {
		key->problem = bad ? "p= is not valid base64" : "p= does not decode to a public key";
		return;
	}
	key->bits = bits;
	if (key->type == EA_DKIM_K_RSA && bits < EA_DKIM_RSA_MIN_BITS) {
		key->problem = "the RSA key is shorter than 1024 bits (RFC 8301 3.2: must not verify)";
		return;
	}
	key->valid = true;
}

/* OpenSSL 3 decodes a public key through its decoder framework (locks, lookups,
 * allocations): the largest cost of a scan, and checks re-run every round. So the outcome
 * of decoding is remembered per thread, keyed by the exact key type and p= bytes; a fixed
 * table, no heap. */
#define KEY_MEMO_ENTRIES 32
#define KEY_MEMO_P_MAX 1024   /* a 4096-bit RSA key is about 736 base64 characters */

typedef struct {
	size_t p_len;           /* 0: empty slot */
	ea_dkim_key_type type;
	bool decoded, bad;
	unsigned bits;
	char p[KEY_MEMO_P_MAX];
} key_memo;

static __thread key_memo memo[KEY_MEMO_ENTRIES];
static __thread unsigned memo_next;

static bool memo_find(ea_dkim_key *key)
{
	if (key->p.len == 0 || key->p.len > KEY_MEMO_P_MAX)
		return false;
	for (size_t i = 0; i < KEY_MEMO_ENTRIES; i++) {
		const key_memo *m = &memo[i];
		if (m->p_len == key->p.len && m->type == key->type && memcmp(m->p, key->p.p, m->p_len) == 0) {
			decode_outcome(key, m->decoded, m->bad, m->bits);
			return true;
		}
	}
	return false;
}

static void memo_store(const ea_dkim_key *key, bool decoded, bool bad, unsigned bits)
{
	if (key->p.len == 0 || key->p.len > KEY_MEMO_P_MAX)
		return;
	key_memo *m = &memo[memo_next++ % KEY_MEMO_ENTRIES];
	memcpy(m->p, key->p.p, key->p.len);
	m->p_len = key->p.len;
	m->type = key->type;
	m->decoded = decoded;
	m->bad = bad;
	m->bits = bits;
}

static void *parse(const char *txt, size_t len, ea_dkim_key *key, bool want_key);

void ea_dkim_key_parse(const char *txt, size_t len, ea_dkim_key *key)
{
	(void)parse(txt, len, key, false);
}

void *ea_dkim_key_parse_load(const char *txt, size_t len, ea_dkim_key *key)
{
	return parse(txt, len, key, true);
}

/* want_key: the caller needs the EVP_PKEY (to verify), so no memo can stand in for it. */
static void *parse(const char *txt, size_t len, ea_dkim_key *key, bool want_key)
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

	if (!want_key && memo_find(key))
		return NULL;
	bool bad = false;
	EVP_PKEY *pk = load_key(key, &bad);
	unsigned bits = 0;
	if (pk != NULL)
		bits = key->type == EA_DKIM_K_ED25519 ? 256 : (unsigned)EVP_PKEY_get_bits(pk);
	decode_outcome(key, pk != NULL, bad, bits);
	if (!want_key) {
		memo_store(key, pk != NULL, bad, bits);
		EVP_PKEY_free(pk);
		return NULL;
	}
	if (!key->valid) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}
