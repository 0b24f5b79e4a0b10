/* Client addresses: parse, match against a network, and the text forms macros use. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "spf/ip.h"

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool ea_spf_ip_parse(const char *text, ea_spf_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (text == NULL)
		return false;
	if (inet_pton(AF_INET, text, ip->addr) == 1)
		return true;
	uint8_t a[16];
	if (inet_pton(AF_INET6, text, a) != 1)
		return false;
	if (memcmp(a, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memcpy(ip->addr, a + 12, 4);   /* an IPv4 client seen through an IPv6 socket */
		return true;
	}
	ip->v6 = true;
	memcpy(ip->addr, a, 16);
	return true;
}

bool ea_spf_ip_match(const ea_spf_ip *ip, const uint8_t *net, bool net_v6, int bits)
{
	if (ip->v6 != net_v6)
		return false;
	int max = net_v6 ? 128 : 32;
	if (bits < 0 || bits > max)
		bits = max;
	int full = bits / 8, rest = bits % 8;
	if (memcmp(ip->addr, net, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (ip->addr[full] & mask) == (net[full] & mask);
}

void ea_spf_ip_dotted(const ea_spf_ip *ip, char *out, size_t size)
{
	if (!ip->v6) {
		snprintf(out, size, "%u.%u.%u.%u", ip->addr[0], ip->addr[1], ip->addr[2], ip->addr[3]);
		return;
	}
	/* Upper case, as the RFC 7208 test suite expects (DNS does not mind). */
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (size_t i = 0; i < 16 && n + 4 < size; i++) {
		out[n++] = hex[ip->addr[i] >> 4];
		out[n++] = '.';
		out[n++] = hex[ip->addr[i] & 15];
		out[n++] = '.';
	}
	if (n > 0)
		n--;   /* no trailing dot */
	out[n] = '\0';
}

void ea_spf_ip_text(const ea_spf_ip *ip, char *out, size_t size)
{
	if (inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->addr, out, (socklen_t)size) == NULL && size)
		out[0] = '\0';
}

void ea_spf_ip_reverse_name(const ea_spf_ip *ip, char *out, size_t size)
{
	if (!ip->v6) {
		snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", ip->addr[3], ip->addr[2], ip->addr[1],
		         ip->addr[0]);
		return;
	}
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	for (size_t i = 16; i-- > 0 && n + 4 < size;) {
		out[n++] = hex[ip->addr[i] & 15];
		out[n++] = '.';
		out[n++] = hex[ip->addr[i] >> 4];
		out[n++] = '.';
	}
	snprintf(out + n, size - n, "ip6.arpa");
}
