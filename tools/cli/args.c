/* Checks of option values shared by the commands: a value the check could not use is a
 * usage error (exit 64, docs/json-schema.md "Exit codes"), said with the value, before
 * any lookup, never a verdict about mail. */
#include <arpa/inet.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "cli.h"

bool cli_ip_ok(const char *ip)
{
	unsigned char addr[16];
	return ip != NULL && strlen(ip) < INET6_ADDRSTRLEN &&
	       (inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1);
}

bool cli_ip(const char *opt, const char *ip)
{
	if (cli_ip_ok(ip))
		return true;
	cli_usage_error("%s: '%.80s' is not an IPv4 or IPv6 address", opt, ip ? ip : "");
	return false;
}

/* A host name, or an address literal "[192.0.2.1]" / "[IPv6:2001:db8::1]" (RFC 5321 4.1.3). */
bool cli_helo(const char *opt, const char *helo)
{
	size_t n = strlen(helo);
	if (helo[0] == '[' && n > 2 && helo[n - 1] == ']' && n - 2 < INET6_ADDRSTRLEN + 5) {
		char inner[INET6_ADDRSTRLEN + 6];
		memcpy(inner, helo + 1, n - 2);
		inner[n - 2] = '\0';
		if (cli_ip_ok(strncmp(inner, "IPv6:", 5) == 0 ? inner + 5 : inner))
			return true;
	} else {
		char name[EA_NAME_MAX + 1];
		const char *why = NULL;
		if (ea_domain_normalize(helo, name, sizeof(name), &why) == EA_OK)
			return true;
	}
	cli_usage_error("%s: '%.80s' is not a host name or an address in brackets", opt, helo);
	return false;
}

/* user@domain, or a bare domain; the domain a valid name. The null sender "<>" only
 * where allow_null. */
bool cli_address(const char *opt, const char *addr, bool allow_null)
{
	if (allow_null && ea_spf_sender_is_null(addr))
		return true;
	const char *at = strrchr(addr, '@');
	char name[EA_NAME_MAX + 1];
	const char *why = NULL;
	if (ea_domain_normalize(at ? at + 1 : addr, name, sizeof(name), &why) == EA_OK)
		return true;
	cli_usage_error("%s: the domain of '%.80s' is not a domain name: %s", opt, addr,
	                why ? why : "invalid");
	return false;
}
