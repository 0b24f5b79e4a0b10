#include <emailauth/emailauth.h>
#include "tap.h"

int main(void)
{
	char err[256];
	ea_ses_request req;
	const char *v2 = "{\"IdentityType\":\"DOMAIN\",\"DkimAttributes\":{\"SigningEnabled\":true,"
	                 "\"Status\":\"FAILED\",\"Tokens\":[\"oc4vbmhlp2jdgulaqmj64h4a5ea6rvhi\","
	                 "\"cw3h654y4ufvu7ux4a2mf2bec3le3sw4\",\"67cc7cuhbidfnrxmaocfq33jtdyutqfi\"],"
	                 "\"SigningAttributesOrigin\":\"AWS_SES\",\"SigningHostedZone\":"
	                 "\"dkim.eu-south-1.amazonses.com\"}}";
	memset(&req, 0, sizeof(req));
	tap_ok(ea_ses_parse_aws_json(v2, strlen(v2), &req, err, sizeof(err)) == EA_OK, "sesv2 form parses");
	tap_ok(req.token_count == 3, "three tokens");
	TAP_STR_EQ(req.tokens[2], "67cc7cuhbidfnrxmaocfq33jtdyutqfi", "token order kept");
	TAP_STR_EQ(req.region, "eu-south-1", "region from SigningHostedZone");
	TAP_STR_EQ(req.aws_status, "FAILED", "status read");
	const char *v1 = "{\"DkimAttributes\":{\"example.com\":{\"DkimEnabled\":true,"
	                 "\"DkimVerificationStatus\":\"Success\",\"DkimTokens\":[\"a\",\"b\"]}}}";
	memset(&req, 0, sizeof(req));
	tap_ok(ea_ses_parse_aws_json(v1, strlen(v1), &req, err, sizeof(err)) == EA_OK &&
	       req.token_count == 2, "v1 form parses");
	TAP_STR_EQ(req.aws_identity, "example.com", "v1 identity read");
	const char *bad = "{\"DkimAttributes\":{\"Tokens\":[\"a.b\"]}}";
	memset(&req, 0, sizeof(req));
	tap_ok(ea_ses_parse_aws_json(bad, strlen(bad), &req, err, sizeof(err)) == EA_EPARSE,
	       "a token that is not a label is refused");
	memset(&req, 0, sizeof(req));
	tap_ok(ea_ses_parse_aws_json("[1,2", 4, &req, err, sizeof(err)) == EA_EPARSE, "broken JSON refused");
	memset(&req, 0, sizeof(req));
	tap_ok(ea_ses_set_tokens(&req, "A1, b2 c3,,") == EA_OK && req.token_count == 3, "token list split");
	TAP_STR_EQ(req.tokens[0], "a1", "tokens lowercased");
	TAP_STR_EQ(ea_ses_dkim_domain("af-south-1"), "dkim.af-south-1.amazonses.com", "regional DKIM domain");
	TAP_STR_EQ(ea_ses_dkim_domain("us-east-1"), "dkim.amazonses.com", "default DKIM domain");
	return tap_done();
}
