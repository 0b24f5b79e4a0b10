/* Failed lookups kept briefly in the answer cache (RFC 9520): a second lookup of the
 * same name within the lifetime is answered with the same failure without a query, and
 * still as a failure (never as "absent"); after the lifetime the name is asked again;
 * answers that ended for the job's own reasons (its deadline) are not kept. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <emailauth/emailauth.h>
#include "dns/resolver_internal.h"
#include "tap.h"

static const char ZONE[] =
	". 300 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n"
	"ok.test. 300 IN TXT \"v=spf1 -all\"\n";

typedef struct {
	const char *name;
	ea_dns_outcome outcome;
	ea_dns_reason reason;
} lookup_arg;

static int lookup_check(ea_job *job, void *arg)
{
	lookup_arg *l = arg;
	const ea_dns_answer *a = ea_lookup(job, l->name, EA_RR_TXT, "test");
	if (a == NULL)
		return EA_EPENDING;
	l->outcome = a->outcome;
	l->reason = a->reason;
	return EA_OK;
}

static ea_resolver *resolver(void)
{
	ea_zone_store *z = tap_zone_store(ZONE);
	ea_zone_store_add_timeout(z, "dead.test", 0);   /* a name server that never answers */
	return ea_resolver_new_with_transport(ea_transport_zone_new(z, NULL), NULL);
}

/* One job (one domain's check) looking name up; its result. */
static lookup_arg ask(ea_resolver *r, const char *name, double budget_ms)
{
	lookup_arg l = {.name = name, .outcome = EA_DNS_FOUND, .reason = EA_DNS_R_ANSWER};
	ea_job *job = ea_job_new(r, NULL, ea_now_ms() + budget_ms);
	ea_job_add_check(job, lookup_check, &l);
	ea_job_run(job);
	ea_job_free(job);
	return l;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int main(void)
{
	ea_resolver *r = resolver();
	ea_resolver_stats st;

	lookup_arg first = ask(r, "dead.test", 10000);
	ea_resolver_get_stats(r, &st);
	tap_ok(first.outcome == EA_DNS_UNKNOWN && first.reason == EA_DNS_R_TIMEOUT && st.sent == 1,
	       "a timeout: could not determine, one query (%llu)", (unsigned long long)st.sent);

	lookup_arg second = ask(r, "dead.test", 10000);
	ea_resolver_get_stats(r, &st);
	tap_ok(second.outcome == EA_DNS_UNKNOWN && second.reason == EA_DNS_R_TIMEOUT,
	       "the same name again: still could not determine, never absent");
	tap_ok(st.sent == 1 && st.failures_reused == 1,
	       "  answered from the cache: %llu query, %llu failure reused", (unsigned long long)st.sent,
	       (unsigned long long)st.failures_reused);

	lookup_arg good = ask(r, "ok.test", 10000);
	ea_resolver_get_stats(r, &st);
	tap_ok(good.outcome == EA_DNS_FOUND && st.failures_reused == 1, "another name is asked and found");

	/* After the lifetime (shortened here) the name is asked again. */
	ea_resolver_free(r);
	r = resolver();
	r->failure_lifetime_ms = 30;
	ask(r, "dead.test", 10000);
	sleep_ms(60);
	lookup_arg later = ask(r, "dead.test", 10000);
	ea_resolver_get_stats(r, &st);
	tap_ok(later.outcome == EA_DNS_UNKNOWN && st.sent == 2 && st.failures_reused == 0,
	       "after the failure's lifetime: asked again (%llu queries)", (unsigned long long)st.sent);

	/* A job whose deadline has passed ends its lookups as failures of its own: nothing
	 * is sent and nothing kept for the next job. */
	lookup_arg late = ask(r, "ok.test", -1);
	lookup_arg fresh = ask(r, "ok.test", 10000);
	ea_resolver_get_stats(r, &st);
	tap_ok(late.outcome == EA_DNS_UNKNOWN && late.reason == EA_DNS_R_DEADLINE && fresh.outcome == EA_DNS_FOUND,
	       "a job past its deadline: could not determine; the next job gets the answer");
	ea_resolver_free(r);
	return tap_done();
}
