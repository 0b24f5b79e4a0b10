/* Client addresses for SPF: parsing (IPv4-mapped IPv6 is IPv4, RFC 7208 5) and
 * prefix matching. Pure. */
#ifndef EA_SPF_IP_H
#define EA_SPF_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	bool v6;
	uint8_t addr[16];      /* 4 bytes used for IPv4 */
} ea_spf_ip;

/* Parses IPv4 or IPv6 text; "::ffff:a.b.c.d" becomes IPv4. */
bool ea_spf_ip_parse(const char *text, ea_spf_ip *ip);
/* True if the first `bits` bits of ip equal those of net (same family). */
bool ea_spf_ip_match(const ea_spf_ip *ip, const uint8_t *net, bool net_v6, int bits);
/* %{i}: dotted decimal, or 32 dotted nibbles for IPv6. */
void ea_spf_ip_dotted(const ea_spf_ip *ip, char *out, size_t size);
/* %{c}: the usual text form. */
void ea_spf_ip_text(const ea_spf_ip *ip, char *out, size_t size);
/* The reverse name: d.c.b.a.in-addr.arpa or nibbles.ip6.arpa. */
void ea_spf_ip_reverse_name(const ea_spf_ip *ip, char *out, size_t size);

#endif
