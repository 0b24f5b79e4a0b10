/* SES regions and their Easy DKIM domains (AWS's list of DKIM domains per region: docs/provider-sources.md 1.3). */
#include <string.h>

#include <emailauth/emailauth.h>
#include "util/util.h"

/* Regions whose SigningHostedZone is dkim.<region>.amazonses.com. All other SES
 * regions use dkim.amazonses.com. Source: the AWS General Reference table as cited
 * by public IaC code (the reference file, section 1.3). */
static const char *const regional_dkim[] = {
	"af-south-1", "ap-northeast-3", "ap-south-2", "ap-southeast-3", "ap-southeast-5",
	"ca-west-1", "eu-central-2", "eu-south-1", "il-central-1", "me-central-1",
	"us-gov-east-1",
};

/* SES regions (SigningAttributesOrigin enum, plus GovCloud West). */
static const char *const known_regions[] = {
	"af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
	"ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5",
	"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
	"sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1",
	"us-west-2",
};

bool ea_ses_region_known(const char *region)
{
	for (size_t i = 0; i < EA_ARRAY_SIZE(known_regions); i++)
		if (strcmp(known_regions[i], region) == 0)
			return true;
	return false;
}

const char *ea_ses_dkim_domain(const char *region)
{
	static const char *const regional_domains[] = {
		"dkim.af-south-1.amazonses.com", "dkim.ap-northeast-3.amazonses.com",
		"dkim.ap-south-2.amazonses.com", "dkim.ap-southeast-3.amazonses.com",
		"dkim.ap-southeast-5.amazonses.com", "dkim.ca-west-1.amazonses.com",
		"dkim.eu-central-2.amazonses.com", "dkim.eu-south-1.amazonses.com",
		"dkim.il-central-1.amazonses.com", "dkim.me-central-1.amazonses.com",
		"dkim.us-gov-east-1.amazonses.com",
	};
	_Static_assert(EA_ARRAY_SIZE(regional_domains) == EA_ARRAY_SIZE(regional_dkim),
	               "one DKIM domain per regional entry");
	for (size_t i = 0; region != NULL && i < EA_ARRAY_SIZE(regional_dkim); i++)
		if (strcmp(regional_dkim[i], region) == 0)
			return regional_domains[i];
	return "dkim.amazonses.com";
}
