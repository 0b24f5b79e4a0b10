/* SPF evaluation with and without speculative prefetch, over the in-memory zone store:
 * the same result and counts, fewer rounds of lookups; and ea_prefetch() never makes a
 * job wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include "dns/internal.h"
#include "tap.h"

/* The SOA gives negative answers a lifetime (RFC 2308), so they are cached like on the wire. */
static const char ZONE[] =
	". 300 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n"
	"corp.test. 300 IN TXT \"v=spf1 mx include:_spf.host.test include:spf.send.test "
	"ip4:198.51.100.0/24 a:gone.corp.test -all\"\n"
	"corp.test. 300 IN MX 10 mx1.corp.test.\n"
	"mx1.corp.test. 300 IN A 192.0.2.25\n"
	"_spf.host.test. 300 IN TXT \"v=spf1 include:_nb1.host.test include:_nb2.host.test ~all\"\n"
	"_nb1.host.test. 300 IN TXT \"v=spf1 ip4:35.190.247.0/24 ~all\"\n"
	"_nb2.host.test. 300 IN TXT \"v=spf1 ip6:2001:4860:4000::/36 ~all\"\n"
	"spf.send.test. 300 IN TXT \"v=spf1 include:a.send.test -all\"\n"
	"a.send.test. 300 IN TXT \"v=spf1 include:a1.send.test -all\"\n"
	"a1.send.test. 300 IN TXT \"v=spf1 ip4:149.72.0.0/16 -all\"\n"
	"many.test. 300 IN TXT \"v=spf1 a:h1.many.test a:h2.many.test a:h3.many.test "
	"a:h4.many.test a:h5.many.test a:h6.many.test a:h7.many.test a:h8.many.test "
	"a:h9.many.test a:h10.many.test a:h11.many.test a:h12.many.test -all\"\n";

typedef struct {
	ea_spf_request req;
	ea_spf_outcome out;
	int rc;
	unsigned runs;
} eval_arg;

static int eval_check(ea_job *job, void *arg)
{
	eval_arg *e = arg;
	e->runs++;
	e->rc = ea_spf_evaluate(job, &e->req, &e->out);
	return e->rc;
}

static ea_resolver *resolver(void)
{
	ea_zone_store *z = tap_zone_store(ZONE);
	return ea_resolver_new_with_transport(ea_transport_zone_new(z, NULL), NULL);
}

/* One evaluation on a fresh resolver (an empty cache). */
static eval_arg run(const char *ip, const char *sender, bool no_prefetch)
{
	eval_arg e = {.req = {.ip = ip, .sender = sender, .no_prefetch = no_prefetch}};
	ea_resolver *r = resolver();
	ea_report *rep = ea_report_new("test", "test");
	ea_job *job = ea_job_new(r, rep, ea_now_ms() + 10000);
	ea_job_add_check(job, eval_check, &e);
	ea_job_run(job);
	ea_job_free(job);
	ea_report_free(rep);
	ea_resolver_free(r);
	return e;
}

static void compare(const char *ip, const char *sender, const char *want, bool fewer)
{
	eval_arg on = run(ip, sender, false), off = run(ip, sender, true);
	tap_ok(on.rc == EA_OK && off.rc == EA_OK && strcmp(ea_spf_result_name(on.out.result), want) == 0 &&
	   on.out.result == off.out.result, "%s from %s: %s with and without prefetch", sender, ip, want);
	tap_ok(on.out.dns_terms == off.out.dns_terms && on.out.void_lookups == off.out.void_lookups &&
	   on.out.lookups == off.out.lookups && strcmp(on.out.term, off.out.term) == 0 &&
	   strcmp(on.out.problem, off.out.problem) == 0,
	   "  same counts (%u terms, %u void, %u queries), deciding term and problem", on.out.dns_terms,
	   on.out.void_lookups, on.out.lookups);
	tap_ok(fewer ? on.runs < off.runs : on.runs <= off.runs, "  rounds: %u with prefetch, %u without",
	   on.runs, off.runs);
}

static int prefetch_only(ea_job *job, void *arg)
{
	int *state = arg;
	if (*state == 0) {
		tap_ok(ea_prefetch(job, "corp.test", EA_RR_TXT) == NULL, "ea_prefetch: not cached yet");
		tap_ok(!ea_job_pending(job), "ea_prefetch: the job does not wait for it");
		*state = 1;
		return EA_OK;
	}
	return EA_OK;
}

static int lookup_after(ea_job *job, void *arg)
{
	(void)arg;
	const ea_dns_answer *a = ea_lookup(job, "corp.test", EA_RR_TXT, "test");
	if (a == NULL)
		return EA_EPENDING;
	tap_ok(a->outcome == EA_DNS_FOUND, "a later ea_lookup finds the prefetched answer");
	const ea_dns_answer *c = ea_prefetch(job, "corp.test", EA_RR_TXT);
	tap_ok(c != NULL && c->outcome == EA_DNS_FOUND, "ea_prefetch of a cached name returns it");
	return EA_OK;
}

static void test_api(void)
{
	ea_resolver *r = resolver();
	int state = 0;
	ea_report *rep = ea_report_new("test", "test");
	ea_job *job = ea_job_new(r, rep, ea_now_ms() + 10000);
	ea_job_add_check(job, prefetch_only, &state);
	tap_ok(ea_job_run(job) == EA_OK && ea_job_done(job), "a job that only prefetches ends at once");
	ea_job_free(job);
	job = ea_job_new(r, rep, ea_now_ms() + 10000);
	ea_job_add_check(job, lookup_after, NULL);
	ea_job_run(job);
	ea_job_free(job);
	ea_report_free(rep);
	ea_resolver_free(r);   /* frees entries still in flight with no job */
}

int main(void)
{
	test_api();
	compare("192.0.2.25", "a@corp.test", "pass", false);          /* the first term */
	compare("2001:4860:4000::1", "a@corp.test", "pass", true);    /* two includes deep */
	compare("149.72.1.1", "a@corp.test", "pass", true);           /* three includes deep */
	compare("203.0.113.9", "a@corp.test", "fail", true);          /* the whole tree */
	compare("203.0.113.9", "a@many.test", "permerror", true);     /* voids past 2 */
	return tap_done();
}
