/*
 * SPF conformance driver: reads the JSON made by test_spf_suite.py (scenarios of
 * zone lines, timeouts and tests), evaluates each test with ea_spf_evaluate() over
 * an in-memory zone store, and prints TAP.
 *
 * Timeouts are per (name, type), which the zone store cannot express for several
 * types of one name, so a small transport in front of it answers those itself.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"

#define MAX_TIMEOUTS 64
#define MAX_QUEUED 256

typedef struct {
	ea_transport base;
	ea_transport *inner;
	json_t *timeouts;   /* [[name, type], ...]; type 0: every type */
	struct { char name[EA_NAME_MAX + 1]; uint16_t type; ea_transport_cb cb; void *arg; } q[MAX_QUEUED];
	size_t nq;
} to_transport;

static bool times_out(const to_transport *t, const char *name, uint16_t type)
{
	size_t i;
	json_t *v;
	json_array_foreach(t->timeouts, i, v) {
		const char *n = json_string_value(json_array_get(v, 0));
		json_int_t ty = json_integer_value(json_array_get(v, 1));
		if (n && ea_name_equal(n, name) && (ty == 0 || ty == type))
			return true;
	}
	return false;
}

static int to_send(ea_transport *b, const char *name, uint16_t type, const char *server_ip,
                   ea_transport_cb cb, void *arg)
{
	to_transport *t = (to_transport *)b;
	if (!times_out(t, name, type))
		return t->inner->send(t->inner, name, type, server_ip, cb, arg);
	if (t->nq >= MAX_QUEUED)
		return EA_ERANGE;
	snprintf(t->q[t->nq].name, sizeof(t->q[0].name), "%s", name);
	t->q[t->nq].type = type;
	t->q[t->nq].cb = cb;
	t->q[t->nq].arg = arg;
	t->nq++;
	return EA_OK;
}

static int to_process(ea_transport *b, int timeout_ms)
{
	to_transport *t = (to_transport *)b;
	int ran = 0;
	while (t->nq > 0) {
		t->nq--;
		ea_dns_answer *a = ea_dns_answer_failed(t->q[t->nq].name, t->q[t->nq].type,
		                                        EA_DNS_R_TIMEOUT, "zone", 0);
		t->q[t->nq].cb(t->q[t->nq].arg, a, 0);
		ran++;
	}
	return ran + t->inner->process(t->inner, ran ? 0 : timeout_ms);
}

static size_t to_inflight(const ea_transport *b)
{
	const to_transport *t = (const to_transport *)b;
	return t->nq + t->inner->inflight(t->inner);
}

static void to_cancel(ea_transport *b, ea_dns_reason why)
{
	to_transport *t = (to_transport *)b;
	t->inner->cancel_all(t->inner, why);
}

static const char *to_server(const ea_transport *b, size_t i)
{
	(void)b;
	(void)i;
	return "zone";
}

static void to_free(ea_transport *b)
{
	to_transport *t = (to_transport *)b;
	t->inner->free(t->inner);
	free(t);
}

typedef struct {
	ea_spf_request req;
	ea_spf_outcome out;
	int rc;
} eval_arg;

static int eval_check(ea_job *job, void *arg)
{
	eval_arg *e = arg;
	e->rc = ea_spf_evaluate(job, &e->req, &e->out);
	return e->rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: spf_driver CASES.json\n");
		return 2;
	}
	json_error_t jerr;
	json_t *root = json_load_file(argv[1], 0, &jerr);
	if (root == NULL) {
		fprintf(stderr, "spf_driver: %s\n", jerr.text);
		return 2;
	}
	unsigned n = 0, failed = 0;
	size_t si;
	json_t *sc;
	json_array_foreach(root, si, sc) {
		ea_zone_store *z = ea_zone_store_new();
		char err[256];
		ea_zone_store_add_zone(z, ".");
		size_t li;
		json_t *line;
		json_array_foreach(json_object_get(sc, "records"), li, line) {
			const char *text = json_string_value(line);
			if (ea_zone_store_add_text(z, ".", text, err, sizeof(err)) != EA_OK)
				printf("# zone line not loaded: %s (%s)\n", text, err);
		}
		/* The resolver owns the transport, which owns the zone store. */
		to_transport *t = calloc(1, sizeof(*t));
		t->base = (ea_transport){to_send, to_process, to_inflight, to_cancel, to_server, to_free, NULL};
		t->inner = ea_transport_zone_new(z, NULL);
		t->timeouts = json_object_get(sc, "timeouts");
		ea_resolver *r = ea_resolver_new_with_transport(&t->base, NULL);
		size_t ti;
		json_t *tc;
		json_array_foreach(json_object_get(sc, "tests"), ti, tc) {
			ea_report *rep = ea_report_new("test", "test");
			ea_job *job = ea_job_new(r, rep, ea_now_ms() + 10000);
			eval_arg *e = calloc(1, sizeof(*e));
			e->req.ip = json_string_value(json_object_get(tc, "host"));
			e->req.sender = json_string_value(json_object_get(tc, "mailfrom"));
			e->req.helo = json_string_value(json_object_get(tc, "helo"));
			e->req.receiver = "receiver.example";
			ea_job_add_check(job, eval_check, e);
			ea_job_run(job);
			const char *got = e->rc == EA_OK ? ea_spf_result_name(e->out.result) : "(error)";
			bool pass = false;
			size_t ri;
			json_t *rv;
			json_array_foreach(json_object_get(tc, "results"), ri, rv)
				if (strcmp(json_string_value(rv), got) == 0)
					pass = true;
			const char *want_exp = json_string_value(json_object_get(tc, "explanation"));
			bool exp_ok = want_exp == NULL || strcmp(e->out.result == EA_SPF_FAIL ?
			                                         e->out.explanation : "", want_exp) == 0;
			n++;
			if (!(pass && exp_ok))
				failed++;
			printf("%sok %u - %s\n", pass && exp_ok ? "" : "not ", n,
			       json_string_value(json_object_get(tc, "name")));
			if (!(pass && exp_ok)) {
				char *want = json_dumps(json_object_get(tc, "results"), JSON_COMPACT);
				printf("#   want %s%s%s, got %s (explanation \"%s\"); problem: %s; term: %s\n", want,
				       want_exp ? " with explanation " : "", want_exp ? want_exp : "", got,
				       e->out.explanation, e->out.problem, e->out.term);
				free(want);
			}
			ea_job_free(job);
			ea_report_free(rep);
			free(e);
		}
		ea_resolver_free(r);
	}
	printf("1..%u\n", n);
	json_decref(root);
	return failed ? 1 : 0;
}
