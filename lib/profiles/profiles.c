/*
 * Sender profiles: data/senders.json (embedded at build time), read with jansson.
 * Also the small API other parts use to name a sender from a host name.
 */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "profiles/profiles.h"

extern const char ea_senders_json[];
extern const size_t ea_senders_json_len;

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

static void list_of(json_t *o, const char *key, ea_profile_list *l)
{
	size_t i;
	json_t *v;
	l->count = 0;
	json_array_foreach(json_object_get(o, key), i, v)
		if (json_is_string(v) && l->count < EA_PROFILE_MAX_LIST)
			l->items[l->count++] = json_string_value(v);
}

/* "a.b.c.d/len" or "2001:db8::/len" into net; false when it is not one. */
static bool parse_network(const char *text, ea_profile_net *net)
{
	char base[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : 0;
	if (n == 0 || n >= sizeof(base))
		return false;
	memcpy(base, text, n);
	base[n] = '\0';
	net->v6 = strchr(base, ':') != NULL;
	if (inet_pton(net->v6 ? AF_INET6 : AF_INET, base, net->addr) != 1)
		return false;
	unsigned bits = net->v6 ? 128 : 32, len = 0;
	const char *d = slash + 1;
	for (; *d >= '0' && *d <= '9' && len <= bits; d++)
		len = len * 10 + (unsigned)(*d - '0');
	if (*d != '\0' || d == slash + 1 || len > bits)
		return false;
	net->len = len;
	return true;
}

static bool in_network(const ea_profile_net *net, bool v6, const unsigned char *addr)
{
	if (net->v6 != v6)
		return false;
	size_t whole = net->len / 8;
	unsigned rest = net->len % 8;
	if (memcmp(addr, net->addr, whole) != 0)
		return false;
	unsigned char mask = (unsigned char)(0xff00u >> rest);
	return rest == 0 || ((addr[whole] ^ net->addr[whole]) & mask) == 0;
}

ea_profiles *ea_profiles_load(const char *json, size_t len, char *err, size_t err_size)
{
	if (len > EA_PROFILES_MAX_BYTES) {
		snprintf(err, err_size, "the profiles file is larger than %d bytes", EA_PROFILES_MAX_BYTES);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je);
	json_t *senders = json_object_get(root, "senders");
	if (!json_is_array(senders)) {
		snprintf(err, err_size, "not a profiles file: %s", root ? "no \"senders\" array" : je.text);
		json_decref(root);
		return NULL;
	}
	ea_profiles *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_decref(root);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	p->root = root;
	size_t i;
	json_t *o;
	json_array_foreach(senders, i, o) {
		if (p->count >= EA_PROFILES_MAX)
			break;
		ea_profile *s = &p->s[p->count];
		s->id = str_of(o, "id");
		s->name = str_of(o, "name");
		if (s->id == NULL || s->name == NULL)
			continue;
		json_t *dk = json_object_get(o, "dkim");
		s->dkim_type = str_of(dk, "type");
		if (s->dkim_type == NULL)
			s->dkim_type = "any";
		s->ses_tokens = json_is_true(json_object_get(dk, "ses_tokens"));
		s->all_selectors = json_is_true(json_object_get(dk, "all_selectors"));
		s->selector_chosen = json_is_true(json_object_get(dk, "selector_chosen"));
		list_of(dk, "selectors", &s->selectors);
		list_of(dk, "weak_selectors", &s->weak_selectors);
		list_of(dk, "targets", &s->targets);
		list_of(o, "spf_includes", &s->spf_includes);
		list_of(o, "mx", &s->mx);
		list_of(o, "hosts", &s->hosts);
		list_of(o, "reverse_names", &s->reverse_names);
		list_of(o, "networks", &s->networks);
		s->net_count = 0;
		for (size_t k = 0; k < s->networks.count; k++)
			if (parse_network(s->networks.items[k], &s->nets[s->net_count]))
				s->net_count++;
		const char *env = str_of(o, "envelope");
		s->envelope = env && strcmp(env, "domain") == 0 ? EA_ENVELOPE_DOMAIN
		            : env && strcmp(env, "return_path") == 0 ? EA_ENVELOPE_RETURN_PATH
		                                                      : EA_ENVELOPE_PROVIDER;
		json_t *rp = json_object_get(o, "return_path");
		list_of(rp, "names", &s->rp_names);
		s->rp_mx = str_of(rp, "mx");
		s->rp_spf_include = str_of(rp, "spf_include");
		s->rp_cname = str_of(rp, "cname");
		s->rp_cname_target = str_of(rp, "cname_target");
		s->dkim_fix = str_of(o, "dkim_fix");
		s->spf_fix = str_of(o, "spf_fix");
		p->count++;
	}
	return p;
}

void ea_profiles_free(ea_profiles *p)
{
	if (p == NULL)
		return;
	json_decref(p->root);
	free(p);
}

static ea_profiles *builtin;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_load(void)
{
	char err[256];
	builtin = ea_profiles_load(ea_senders_json, ea_senders_json_len, err, sizeof(err));
}

const ea_profiles *ea_profiles_builtin(void)
{
	pthread_once(&builtin_once, builtin_load);
	return builtin;
}

size_t ea_profiles_count(const ea_profiles *p)
{
	return p ? p->count : 0;
}

const ea_profile *ea_profiles_get(const ea_profiles *p, size_t i)
{
	return p && i < p->count ? &p->s[i] : NULL;
}

const char *ea_profiles_id(const ea_profiles *p, size_t i)
{
	return p && i < p->count ? p->s[i].id : NULL;
}

const char *ea_profiles_name(const ea_profiles *p, size_t i)
{
	return p && i < p->count ? p->s[i].name : NULL;
}

bool ea_profile_match(const char *pattern, const char *host)
{
	char h[EA_NAME_MAX + 2];
	size_t l = strlen(host);
	if (l > EA_NAME_MAX)
		return false;
	memcpy(h, host, l + 1);
	if (l && h[l - 1] == '.')
		h[l - 1] = '\0';
	return fnmatch(pattern, h, FNM_CASEFOLD) == 0;
}

bool ea_profile_list_match(const ea_profile_list *l, const char *host)
{
	for (size_t i = 0; i < l->count; i++)
		if (ea_profile_match(l->items[i], host))
			return true;
	return false;
}

static bool under_any(const ea_profile_list *l, const char *host)
{
	for (size_t k = 0; k < l->count; k++)
		if (ea_name_is_subdomain(host, l->items[k]))
			return true;
	return false;
}

const char *ea_profiles_sender_of(const ea_profiles *p, const char *host)
{
	if (p == NULL)
		p = ea_profiles_builtin();
	for (size_t i = 0; p && i < p->count; i++) {
		const ea_profile *s = &p->s[i];
		if (ea_profile_list_match(&s->targets, host) || ea_profile_list_match(&s->mx, host) ||
		    ea_profile_list_match(&s->spf_includes, host))
			return s->name;
		if (under_any(&s->hosts, host))
			return s->name;
	}
	return NULL;
}

const char *ea_profiles_sender_of_reverse_name(const ea_profiles *p, const char *ptr)
{
	if (p == NULL)
		p = ea_profiles_builtin();
	for (size_t i = 0; p && ptr && *ptr && i < p->count; i++) {
		const ea_profile *s = &p->s[i];
		if (under_any(s->reverse_names.count ? &s->reverse_names : &s->hosts, ptr))
			return s->name;
	}
	return NULL;
}

const char *ea_profiles_sender_of_address(const ea_profiles *p, const char *ip)
{
	unsigned char a[16];
	bool v6 = ip != NULL && strchr(ip, ':') != NULL;
	if (ip == NULL || inet_pton(v6 ? AF_INET6 : AF_INET, ip, a) != 1)
		return NULL;
	if (p == NULL)
		p = ea_profiles_builtin();
	for (size_t i = 0; p && i < p->count; i++)
		for (size_t k = 0; k < p->s[i].net_count; k++)
			if (in_network(&p->s[i].nets[k], v6, a))
				return p->s[i].name;
	return NULL;
}
