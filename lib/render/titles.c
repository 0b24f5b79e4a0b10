/* The titles of the checks' sections, one table for every renderer. */
#include <string.h>

#include <emailauth/emailauth.h>

const char *ea_check_title(const char *check)
{
	static const struct { const char *check, *title; } titles[] = {
		{"ses-dkim", "Amazon SES Easy DKIM"}, {"spf", "SPF"}, {"dmarc", "DMARC"},
		{"dkim", "DKIM"}, {"dkim-keys", "DKIM keys"}, {"senders", "Sending services"},
		{"alignment", "DMARC alignment"}, {"mx", "MX"}, {"mailfrom", "MAIL FROM domain"},
		{"mail-from", "MAIL FROM domain"}, {"verify", "Message authentication"},
		{"mta-sts", "MTA-STS"}, {"tlsrpt", "TLS reporting (TLS-RPT)"},
		{"tls-rpt", "TLS reporting (TLS-RPT)"}, {"bimi", "BIMI"}, {"dnssec", "DNSSEC"},
		{"authentication-results", "The receiver's Authentication-Results"},
	};
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (strcmp(titles[i].check, check) == 0)
			return titles[i].title;
	return check;
}
