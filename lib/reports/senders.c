/*
 * Which sender a source belongs to. A small built-in table of reverse-name suffixes,
 * DKIM/SPF domains and address ranges of the big senders, used until the sender
 * profiles (data/, lib/profiles/) carry the same facts. Pure; no lookups.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "reports/internal.h"

#define SENDER_MAX_HINTS 6

typedef struct {
	const char *name;
	const char *ptr[SENDER_MAX_HINTS];    /* reverse-name suffixes */
	const char *auth[SENDER_MAX_HINTS];   /* DKIM d= or SPF (MAIL FROM) domain suffixes */
	const char *nets[SENDER_MAX_HINTS];   /* IPv4 ranges, "a.b.c.d/len" */
} sender;

static const sender senders[] = {
	{"Amazon SES", {"amazonses.com"}, {"amazonses.com"},
	 {"54.240.0.0/18", "23.249.208.0/20", "23.251.224.0/19", "76.223.176.0/20",
	  "199.255.192.0/22", "199.127.232.0/22"}},
	{"Google", {"google.com", "googlemail.com"}, {"google.com", "googlemail.com", "gappssmtp.com"},
	 {"209.85.128.0/17", "74.125.0.0/16", "64.233.160.0/19", "66.102.0.0/20", "35.190.247.0/24"}},
	{"Microsoft 365", {"outbound.protection.outlook.com", "protection.outlook.com"},
	 {"onmicrosoft.com"}, {"40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/14", "104.47.0.0/17"}},
	{"SendGrid", {"sendgrid.net"}, {"sendgrid.net", "sendgrid.info"},
	 {"167.89.0.0/17", "149.72.0.0/16", "168.245.0.0/17", "159.183.0.0/16"}},
	{"Mailgun", {"mailgun.net", "mailgun.org"}, {"mailgun.org", "mailgun.info", "mailgun.net"},
	 {"159.135.224.0/20", "69.72.32.0/20", "198.61.254.0/23"}},
	{"Mailchimp", {"mcsv.net", "rsgsv.net", "mcdlv.net"}, {"mcsv.net", "mcdlv.net", "mailchimpapp.net"},
	 {"205.201.128.0/20", "198.2.128.0/18"}},
	{"Postmark", {"mtasv.net"}, {"mtasv.net", "postmarkapp.com"}, {"50.31.156.0/23", "104.245.209.192/26"}},
	{"SparkPost", {"sparkpostmail.com"}, {"sparkpostmail.com"}, {"192.174.80.0/20"}},
	{"Brevo", {"sendinblue.com", "brevo.com"}, {"sendinblue.com", "brevosend.com"}, {"185.41.28.0/22"}},
	{"Zoho", {"zoho.com", "zohomail.com"}, {"zoho.com", "zohomail.com"}, {"136.143.160.0/19"}},
};

/* name equals suffix or ends with "." suffix */
static bool under(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	if (n == k)
		return strcasecmp(name, suffix) == 0;
	return n > k && name[n - k - 1] == '.' && strcasecmp(name + n - k, suffix) == 0;
}

static bool in_net(const char *ip, const char *net)
{
	char base[20];
	const char *slash = strchr(net, '/');
	size_t n = (size_t)(slash - net);
	if (slash == NULL || n >= sizeof(base))
		return false;
	memcpy(base, net, n);
	base[n] = '\0';
	struct in_addr a, b;
	if (inet_pton(AF_INET, ip, &a) != 1 || inet_pton(AF_INET, base, &b) != 1)
		return false;
	unsigned len = 0;
	for (const char *p = slash + 1; *p >= '0' && *p <= '9' && len <= 32; p++)
		len = len * 10 + (unsigned)(*p - '0');
	uint32_t mask = len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
	return (ntohl(a.s_addr) & mask) == (ntohl(b.s_addr) & mask);
}

/* The reverse name and the address say who sent; DKIM and SPF domains come last, as
 * a forwarder passes on another sender's signatures. */
const char *ea_reports_sender_of(const char *ptr, const char *ip,
                                 const char *const *auth_domains, size_t n)
{
	size_t count = sizeof(senders) / sizeof(senders[0]);
	for (size_t s = 0; s < count; s++)
		for (size_t h = 0; h < SENDER_MAX_HINTS && senders[s].ptr[h]; h++)
			if (ptr && *ptr && under(ptr, senders[s].ptr[h]))
				return senders[s].name;
	for (size_t s = 0; s < count; s++)
		for (size_t h = 0; h < SENDER_MAX_HINTS && senders[s].nets[h]; h++)
			if (ip && in_net(ip, senders[s].nets[h]))
				return senders[s].name;
	for (size_t s = 0; s < count; s++)
		for (size_t h = 0; h < SENDER_MAX_HINTS && senders[s].auth[h]; h++)
			for (size_t i = 0; i < n; i++)
				if (auth_domains[i] && under(auth_domains[i], senders[s].auth[h]))
					return senders[s].name;
	return NULL;
}
