#include <time.h>

#include <emailauth/emailauth.h>

const char *ea_strerror(int err)
{
	switch (err) {
	case EA_OK: return "no error";
	case EA_ENOMEM: return "out of memory";
	case EA_EINVAL: return "invalid argument";
	case EA_ERANGE: return "input over a limit";
	case EA_EPARSE: return "input could not be parsed";
	case EA_EIO: return "input/output error";
	case EA_EDNS: return "the DNS transport could not be set up";
	case EA_EPENDING: return "waiting for lookups";
	}
	return "unknown error";
}

double ea_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
