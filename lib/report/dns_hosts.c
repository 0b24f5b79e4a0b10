/*
 * Where a zone is hosted, from its NS names, and how that host's web form wants a
 * record typed. Data, not code: one row per provider (sources in docs/dns-hosts.md).
 * The differences that break SES DKIM: a form that appends the zone (typing the whole
 * name doubles it), a target that needs a trailing dot (else the zone is appended to
 * it), a proxy that hides a CNAME (Cloudflare: "DNS only").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "util/util.h"

static const ea_dns_host hosts[] = {
	{.id = "route53", .name = "Amazon Route 53",
	 .ns_suffixes = {"awsdns-", NULL}, /* ns-N.awsdns-NN.{com,net,org,co.uk}: matched by label */
	 .name_field = "Record name", .type_field = "Record type", .value_field = "Value",
	 .target_field = "Value", .ttl_field = "TTL (seconds)", .apex = "",
	 .txt_quoted = true,
	 .note = "In the Route 53 console, type the part before the domain (the console shows the "
	         "domain after the box). A TXT value goes in double quotes; a value longer than 255 "
	         "characters as several quoted strings on one line."},
	{.id = "cloudflare", .name = "Cloudflare", .ns_suffixes = {"ns.cloudflare.com", NULL},
	 .name_field = "Name", .type_field = "Type", .value_field = "Content", .target_field = "Target",
	 .ttl_field = "TTL", .apex = "@", .proxy = true,
	 .note = "Set the proxy status of a CNAME to \"DNS only\" (grey cloud): a proxied DKIM CNAME is "
	         "answered with Cloudflare's addresses and the key is not found."},
	{.id = "godaddy", .name = "GoDaddy", .ns_suffixes = {"domaincontrol.com", NULL},
	 .name_field = "Name", .type_field = "Type", .value_field = "Value", .target_field = "Value",
	 .ttl_field = "TTL", .apex = "@",
	 .note = "GoDaddy adds the domain to the name: type only the part before it."},
	{.id = "namecheap", .name = "Namecheap",
	 .ns_suffixes = {"registrar-servers.com", NULL},
	 .name_field = "Host", .type_field = "Type", .value_field = "Value", .target_field = "Target",
	 .ttl_field = "TTL", .apex = "@",
	 .note = "In Advanced DNS, Namecheap adds the domain to the host: type only the part before it."},
	{.id = "google", .name = "Google Cloud DNS", .ns_suffixes = {"googledomains.com", NULL},
	 .name_field = "DNS name", .type_field = "Resource record type", .value_field = "TXT data",
	 .target_field = "Canonical name", .ttl_field = "TTL", .apex = "", .target_dot = true,
	 .txt_quoted = true,
	 .note = "The DNS name box already ends in the zone: type the part before it. Domains moved "
	         "from Google Domains to Squarespace may also use these name servers."},
	{.id = "azure", .name = "Azure DNS", .ns_suffixes = {"azure-dns.com", "azure-dns.net",
	                                                      "azure-dns.org", "azure-dns.info"},
	 .name_field = "Name", .type_field = "Type", .value_field = "Value", .target_field = "Alias",
	 .ttl_field = "TTL", .apex = "@",
	 .note = "In the record set form, Azure shows the zone after the name: type the part before it."},
	{.id = "digitalocean", .name = "DigitalOcean", .ns_suffixes = {"digitalocean.com", NULL},
	 .name_field = "Hostname", .type_field = "Type", .value_field = "Value",
	 .target_field = "Is an alias of", .ttl_field = "TTL (seconds)", .apex = "@",
	 .note = "DigitalOcean adds the domain to the hostname: type only the part before it."},
	{.id = "hetzner", .name = "Hetzner DNS", .ns_suffixes = {"ns.hetzner.com", "ns.hetzner.de",
	                                                          "your-server.de", NULL},
	 .name_field = "Name", .type_field = "Type", .value_field = "Value", .target_field = "Value",
	 .ttl_field = "TTL", .apex = "@", .target_dot = true,
	 .note = "End a CNAME target with a dot, or Hetzner adds the zone to it."},
	{.id = "ovh", .name = "OVHcloud", .ns_suffixes = {"ovh.net", "ovh.ca", "anycast.me", NULL},
	 .name_field = "Sub-domain", .type_field = "Field type", .value_field = "Value",
	 .target_field = "Target", .ttl_field = "TTL", .apex = "", .target_dot = true,
	 .note = "End a CNAME target with a dot, or OVHcloud adds the zone to it."},
	{.id = "gandi", .name = "Gandi LiveDNS", .ns_suffixes = {"gandi.net", NULL},
	 .name_field = "Name", .type_field = "Type", .value_field = "Value", .target_field = "Hostname",
	 .ttl_field = "TTL", .apex = "@", .target_dot = true,
	 .note = "End a CNAME target with a dot, or Gandi adds the zone to it."},
	{.id = "porkbun", .name = "Porkbun", .ns_suffixes = {"porkbun.com", NULL},
	 .name_field = "Host", .type_field = "Type", .value_field = "Answer", .target_field = "Answer",
	 .ttl_field = "TTL", .apex = "",
	 .note = "Porkbun adds the domain to the host: type only the part before it (empty for the "
	         "domain itself)."},
	{.id = "squarespace", .name = "Squarespace Domains", .ns_suffixes = {"squarespacedns.com",
	                                                                      "nsone.net", NULL},
	 .name_field = "Host", .type_field = "Type", .value_field = "Data", .target_field = "Data",
	 .ttl_field = "TTL", .apex = "@",
	 .note = "Squarespace adds the domain to the host: type only the part before it. (These name "
	         "servers are NS1's, which other services use too.)"},
	{.id = "ionos", .name = "IONOS", .ns_suffixes = {"ui-dns.com", "ui-dns.de", "ui-dns.org",
	                                                  "ui-dns.biz"},
	 .name_field = "Host name", .type_field = "Type", .value_field = "Value",
	 .target_field = "Points to", .ttl_field = "TTL", .apex = "@",
	 .note = "IONOS adds the domain to the host name: type only the part before it."},
};

static const ea_dns_host generic = {
	.id = "generic", .name = "your DNS provider", .name_field = "Name", .type_field = "Type",
	.value_field = "Value", .target_field = "Value", .ttl_field = "TTL", .apex = "@",
	.note = "Most forms add the domain to the name: if yours shows the domain after the name box, "
	        "type only the part before it. If a saved CNAME target ends in your own domain, "
	        "type it again with a dot at the end.",
};

/* ns is under suffix; a suffix ending in '-' matches a label that starts with it. */
static bool ns_matches(const char *ns, const char *suffix)
{
	size_t sl = strlen(suffix);
	if (sl && suffix[sl - 1] == '-') {
		for (const char *p = ns; p != NULL; p = strchr(p, '.')) {
			if (*p == '.')
				p++;
			if (strncasecmp(p, suffix, sl) == 0)
				return true;
		}
		return false;
	}
	return ea_name_is_subdomain(ns, suffix) || ea_name_equal(ns, suffix);
}

const ea_dns_host *ea_dns_host_find(const char *const *ns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++)
			for (size_t s = 0; s < 4 && hosts[h].ns_suffixes[s]; s++)
				if (ns[i] && ns_matches(ns[i], hosts[h].ns_suffixes[s]))
					return &hosts[h];
	return NULL;
}

const ea_dns_host *ea_dns_host_by_id(const char *id)
{
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++)
		if (strcmp(hosts[h].id, id) == 0)
			return &hosts[h];
	return strcmp(id, "generic") == 0 ? &generic : NULL;
}

const ea_dns_host *ea_dns_host_generic(void)
{
	return &generic;
}

static bool is_target_type(const char *type)
{
	return strcmp(type, "CNAME") == 0 || strcmp(type, "MX") == 0 || strcmp(type, "NS") == 0;
}

void ea_dns_host_form(const ea_dns_host *host, const ea_fix_action *a, const char *zone,
                      char *name, size_t name_size, char *value, size_t value_size)
{
	if (host == NULL)
		host = &generic;
	char rel[EA_NAME_MAX + 2];
	ea_fix_relative_name(a->name, zone, rel, sizeof(rel));
	if (strcmp(rel, "@") == 0)
		ea_copy(name, name_size, host->apex);
	else
		ea_copy(name, name_size, host->full_name ? a->name : rel);
	const char *v = a->op == EA_FIX_DELETE ? a->old_value : a->value;
	if (v == NULL) {
		ea_copy(value, value_size, "");
		return;
	}
	if (strcmp(a->type, "TXT") == 0 && host->txt_quoted) {
		char *q = ea_fix_rdata(a->type, v);
		ea_copy(value, value_size, q ? q : "");
		free(q);
		return;
	}
	size_t vl = strlen(v);
	bool dot = is_target_type(a->type) && host->target_dot && vl && v[vl - 1] != '.';
	snprintf(value, value_size, "%s%s", v, dot ? "." : "");
}
