/* Running one check for one request: its own resolver, its own deadline. */
#ifndef SRV_RUN_H
#define SRV_RUN_H

#include <emailauth/emailauth.h>
#include "params.h"

#define SRV_RESOLVER_QPS 200        /* queries per second one request may send */
#define SRV_RESOLVER_INFLIGHT 64    /* queries in flight for one request */

typedef struct {
	ea_resolver_config rcfg;
	double deadline_ms;             /* the longest one check may take */
} srv_run_config;

/* True if this build has the check behind `kind` (others answer 501). */
bool srv_kind_available(srv_kind kind);

/* Runs the check p asks for. Returns EA_OK and the finished report in *out (free
 * with ea_report_free), or an error (EA_EDNS when no resolver could be made). */
int srv_run(const srv_run_config *c, srv_params *p, ea_report **out);

#endif
