/* Shared between the SES check files. */
#ifndef EA_SES_INTERNAL_H
#define EA_SES_INTERNAL_H

#include <emailauth/emailauth.h>

#endif
