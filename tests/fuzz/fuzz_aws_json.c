/* Fuzz: the AWS CLI JSON given with --aws-json. */
#include <stdint.h>
#include <string.h>

#include <emailauth/emailauth.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ea_ses_request req;
	memset(&req, 0, sizeof(req));
	char err[256];
	(void)ea_ses_parse_aws_json((const char *)data, size, &req, err, sizeof(err));
	return 0;
}
