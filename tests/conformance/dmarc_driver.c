/*
 * DMARC conformance driver: reads requests (JSON array) from the file argv[1],
 * answers each with one JSON line on stdout. tests/conformance/test_dmarc_suite.py
 * converts tests/conformance/data/dmarc/dmarc-cases.yml into requests and compares.
 *
 * Request:  {"op": "parse", "record": "..."}
 *           {"op": "evaluate", "zone": "zone-file text", "timeouts": [names],
 *            "from": "d", "dkim": [...], "spf": [...]}
 * DNS comes from the in-memory zone store (the root is the only zone, so every
 * name not given is NXDOMAIN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"

#define DRIVER_DEADLINE_MS 5000.0

static json_t *record_json(const ea_dmarc_record *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "is_dmarc", json_boolean(r->is_dmarc));
	json_object_set_new(o, "valid", json_boolean(r->valid));
	json_object_set_new(o, "usable", json_boolean(ea_dmarc_record_usable(r)));
	json_object_set_new(o, "p_valid", json_boolean(!r->p_present || r->p_valid));
	json_object_set_new(o, "sp_valid", json_boolean(!r->sp_present || r->sp_valid));
	json_object_set_new(o, "np_valid", json_boolean(!r->np_present || r->np_valid));
	json_object_set_new(o, "psd_valid", json_boolean(r->psd_valid));
	json_object_set_new(o, "t_valid", json_boolean(r->t_valid));
	json_object_set_new(o, "rua_valid", json_boolean(r->rua_valid));
	json_object_set_new(o, "ruf_valid", json_boolean(r->ruf_valid));
	json_t *tags = json_object();
	if (r->is_dmarc) {
		char c[2] = {0, 0};
		json_object_set_new(tags, "v", json_string("DMARC1"));
		json_object_set_new(tags, "p", json_string(ea_dmarc_policy_name(r->p)));
		json_object_set_new(tags, "sp", json_string(ea_dmarc_policy_name(r->sp)));
		json_object_set_new(tags, "np", json_string(ea_dmarc_policy_name(r->np)));
		c[0] = r->adkim;
		json_object_set_new(tags, "adkim", json_string(c));
		c[0] = r->aspf;
		json_object_set_new(tags, "aspf", json_string(c));
		c[0] = r->psd;
		json_object_set_new(tags, "psd", json_string(c));
		json_object_set_new(tags, "t", json_string(r->testing ? "y" : "n"));
		if (r->fo[0])
			json_object_set_new(tags, "fo", json_string(r->fo));
		if (r->pct_present)
			json_object_set_new(tags, "pct", json_integer(r->pct));
		if (r->ri_present)
			json_object_set_new(tags, "ri", json_integer((json_int_t)r->ri));
		if (r->rf_present)
			json_object_set_new(tags, "rf", json_string(r->rf));
		const ea_dmarc_uri *lists[2] = {r->rua, r->ruf};
		size_t counts[2] = {r->rua_count, r->ruf_count};
		const char *names[2] = {"rua", "ruf"};
		for (int k = 0; k < 2; k++) {
			if (counts[k] == 0)
				continue;
			char joined[4096] = "";
			json_t *arr = json_array();
			for (size_t i = 0; i < counts[k]; i++) {
				const ea_dmarc_uri *u = &lists[k][i];
				size_t l = strlen(joined);
				snprintf(joined + l, sizeof(joined) - l, "%s%s%s%s", i ? "," : "", u->uri,
				         u->size_text[0] ? "!" : "", u->size_text);
				json_t *e = json_object();
				json_object_set_new(e, "uri", json_string(u->uri));
				json_object_set_new(e, "size_limit", json_string(u->size_text));
				json_object_set_new(e, "domain", json_string(u->domain));
				json_array_append_new(arr, e);
			}
			json_object_set_new(tags, names[k], json_string(joined));
			json_object_set_new(o, names[k], arr);
		}
	}
	json_object_set_new(o, "tags", tags);
	json_t *notes = json_array();
	for (size_t i = 0; i < r->note_count; i++)
		json_array_append_new(notes, json_string(r->notes[i].code));
	json_object_set_new(o, "notes", notes);
	return o;
}

typedef struct {
	ea_dmarc_message msg;
	ea_dmarc_result *res;
	int rc;
} eval_ctx;

static int eval_check(ea_job *job, void *arg)
{
	eval_ctx *c = arg;
	c->rc = ea_dmarc_evaluate(job, &c->msg, c->res);
	return c->rc;
}

static size_t string_list(json_t *arr, const char **out, size_t max)
{
	size_t n = 0, i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (n < max && json_is_string(v))
			out[n++] = json_string_value(v);
	return n;
}

static json_t *evaluate(json_t *req)
{
	json_t *o = json_object();
	ea_zone_store *z = ea_zone_store_new();
	char err[256] = "";
	const char *zone = json_string_value(json_object_get(req, "zone"));
	if (ea_zone_store_add_zone(z, ".") != EA_OK ||
	    (zone && *zone && ea_zone_store_add_text(z, ".", zone, err, sizeof(err)) != EA_OK)) {
		json_object_set_new(o, "error", json_sprintf("zone: %s", err));
		ea_zone_store_free(z);
		return o;
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(req, "timeouts"), i, v)
		ea_zone_store_add_timeout(z, json_string_value(v), 0);
	ea_resolver_config cfg = {0};
	ea_transport *t = ea_transport_zone_new(z, NULL);
	ea_resolver *r = t ? ea_resolver_new_with_transport(t, &cfg) : NULL;
	if (t == NULL)
		ea_zone_store_free(z);     /* else the transport owns the store */
	const char *dkim[EA_DMARC_MAX_IDENTIFIERS], *spf[EA_DMARC_MAX_IDENTIFIERS];
	eval_ctx c = {.res = calloc(1, sizeof(ea_dmarc_result))};
	c.msg.from_domain = json_string_value(json_object_get(req, "from"));
	c.msg.dkim_domains = dkim;
	c.msg.dkim_count = string_list(json_object_get(req, "dkim"), dkim, EA_DMARC_MAX_IDENTIFIERS);
	c.msg.spf_domains = spf;
	c.msg.spf_count = string_list(json_object_get(req, "spf"), spf, EA_DMARC_MAX_IDENTIFIERS);
	ea_report *rep = ea_report_new(c.msg.from_domain ? c.msg.from_domain : "", NULL);
	ea_job *job = r && rep ? ea_job_new(r, rep, ea_now_ms() + DRIVER_DEADLINE_MS) : NULL;
	if (job == NULL || c.res == NULL || ea_job_add_check(job, eval_check, &c) != EA_OK) {
		json_object_set_new(o, "error", json_string("setup failed"));
	} else {
		ea_job_run(job);
		const ea_dmarc_result *res = c.res;
		json_object_set_new(o, "rc", json_integer(c.rc));
		json_object_set_new(o, "result", json_string(ea_dmarc_result_name(res->result)));
		json_object_set_new(o, "policy", json_string(ea_dmarc_policy_name(res->policy)));
		json_object_set_new(o, "policy_tag", json_string(res->policy_tag ? res->policy_tag : ""));
		json_object_set_new(o, "applied_policy",
		                    json_string(ea_dmarc_policy_name(res->applied_policy)));
		json_object_set_new(o, "policy_domain", json_string(res->disc.policy_domain));
		json_object_set_new(o, "org_domain", json_string(res->disc.org_domain));
		json_object_set_new(o, "dkim_aligned", json_boolean(res->dkim_aligned));
		json_object_set_new(o, "spf_aligned", json_boolean(res->spf_aligned));
		json_object_set_new(o, "header_from", json_string(res->disc.domain));
		json_object_set_new(o, "reason", json_string(res->reason));
		json_t *walk = json_array();
		for (size_t k = 0; k < res->disc.walk_count; k++)
			json_array_append_new(walk, json_string(res->disc.walk[k]));
		json_object_set_new(o, "txt_queries_in_order", walk);
		if (res->disc.outcome == EA_DMARC_FOUND)
			json_object_set_new(o, "record", record_json(&res->disc.record));
	}
	ea_job_free(job);
	ea_report_free(rep);
	ea_resolver_free(r);
	free(c.res);
	return o;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: dmarc_driver REQUESTS.json\n");
		return 64;
	}
	json_error_t jerr;
	json_t *reqs = json_load_file(argv[1], 0, &jerr);
	if (!json_is_array(reqs)) {
		fprintf(stderr, "dmarc_driver: %s: %s\n", argv[1], jerr.text);
		return 1;
	}
	ea_dmarc_record *rec = malloc(sizeof(*rec));
	size_t i;
	json_t *req;
	json_array_foreach(reqs, i, req) {
		const char *op = json_string_value(json_object_get(req, "op"));
		json_t *out;
		if (op && strcmp(op, "parse") == 0) {
			const char *text = json_string_value(json_object_get(req, "record"));
			ea_dmarc_parse(text ? text : "", text ? strlen(text) : 0, rec);
			out = record_json(rec);
		} else {
			out = evaluate(req);
		}
		char *line = json_dumps(out, JSON_COMPACT);
		puts(line ? line : "{}");
		free(line);
		json_decref(out);
	}
	free(rec);
	json_decref(reqs);
	return 0;
}
