/*
 * The resolver: owns a transport (network, zone files, or both), the answer cache
 * (cache.c) and the queues of the job engine (job.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver_internal.h"
#include "util/buf.h"
#include "util/util.h"

ea_resolver *ea_resolver_new_with_transport(ea_transport *t, const ea_resolver_config *cfg)
{
	ea_resolver *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->t = t;
	r->earliest_deadline = INFINITY;
	r->failure_lifetime_ms = CACHE_FAILURE_LIFETIME_MS;
	r->max_entries = cfg && cfg->cache_entries ? cfg->cache_entries : CACHE_DEFAULT_ENTRIES;
	return r;
}

ea_resolver *ea_resolver_new(const ea_resolver_config *cfg, int *err, char *errmsg,
                             size_t errmsg_size)
{
	int dummy;
	if (err == NULL)
		err = &dummy;
	*err = EA_OK;
	char dummymsg[8];
	if (errmsg == NULL) {
		errmsg = dummymsg;
		errmsg_size = sizeof(dummymsg);
	}
	errmsg[0] = '\0';
	ea_transport *net = NULL, *t = NULL;
	bool offline = false;
	if (cfg->zone_file_count == 0 || cfg->server_count > 0) {
		net = ea_transport_net_new(cfg, err, errmsg, errmsg_size);
		if (net == NULL)
			return NULL;
	}
	if (cfg->zone_file_count > 0) {
		ea_zone_store *z = ea_zone_store_new();
		if (z == NULL) {
			*err = EA_ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < cfg->zone_file_count; i++) {
			char msg[256];
			int rc = ea_zone_store_load_file(z, cfg->zone_files[i], msg, sizeof(msg));
			if (rc != EA_OK) {
				*err = rc;
				snprintf(errmsg, errmsg_size, "%s: %s", cfg->zone_files[i], msg);
				ea_zone_store_free(z);
				goto fail;
			}
		}
		t = ea_transport_zone_new(z, net);
		if (t == NULL) {
			ea_zone_store_free(z);
			*err = EA_ENOMEM;
			goto fail;
		}
		net = NULL;
		offline = cfg->server_count == 0;
	} else {
		t = net;
		net = NULL;
	}
	ea_resolver *r = ea_resolver_new_with_transport(t, cfg);
	if (r == NULL) {
		t->free(t);
		*err = EA_ENOMEM;
		return NULL;
	}
	r->offline = offline;
	return r;
fail:
	if (net)
		net->free(net);
	return NULL;
}

bool ea_resolver_offline(const ea_resolver *r)
{
	return r->offline;
}

void ea_resolver_free(ea_resolver *r)
{
	if (r == NULL)
		return;
	/* Jobs must be freed first; then nothing waits on the cache. */
	r->t->cancel_all(r->t, EA_DNS_R_DEADLINE);
	r->t->free(r->t);
	ea_cache_free_all(r);
	free(r);
}

void ea_resolver_get_stats(const ea_resolver *r, ea_resolver_stats *out)
{
	*out = r->stats;
	if (r->t->counters) {
		ea_transport_counters c = r->t->counters(r->t);
		out->servers_marked_down = c.servers_marked_down;
		out->down_skipped = c.down_skipped;
	}
}

const char *ea_resolver_server_name(const ea_resolver *r, size_t i)
{
	return r->t->server_name(r->t, i);
}
