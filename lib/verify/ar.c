/* Authentication-Results (RFC 8601): ours, and the message's own side by side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/internal.h"
#include "util/buf.h"
#include "util/util.h"

static const char SEC_AR[] = "authentication-results";
#define AR_AUTHSERV_ID "emailauth"
#define AR_HEADER_B_CHARS 8        /* RFC 6008: enough of b= to tell signatures apart */
#define AR_MAX_RESULTS 8           /* results of one method read from a header */
#define AR_RESULT_MAX 16

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* The results of one method in a received header: "dkim=pass", ... as a list. */
static void their_results(ea_str v, const char *method, char *out, size_t size)
{
	size_t ml = strlen(method), o = 0;
	out[0] = '\0';
	for (size_t i = 0; i + ml < v.len; i++) {
		if ((i > 0 && is_word(v.p[i - 1])) || strncasecmp(v.p + i, method, ml) != 0)
			continue;
		size_t k = i + ml;
		while (k < v.len && (v.p[k] == ' ' || v.p[k] == '\t'))
			k++;
		if (k >= v.len || v.p[k] != '=')
			continue;
		k++;
		while (k < v.len && (v.p[k] == ' ' || v.p[k] == '\t'))
			k++;
		size_t s = k;
		while (k < v.len && is_word(v.p[k]) && k - s < AR_RESULT_MAX)
			k++;
		if (k > s && o + (k - s) + 2 < size) {
			if (o)
				out[o++] = ',';
			for (size_t j = s; j < k; j++) {
				char c = v.p[j];
				out[o++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
			}
			out[o] = '\0';
		}
		i = k;
	}
}

static void our_dkim_results(const ea_verify_request *v, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < v->sig_count && o + AR_RESULT_MAX + 2 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "," : "",
		                      ea_dkim_result_name(v->sigs[i].out.result));
	if (v->sig_count == 0)
		snprintf(out, size, "none");
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

static void build_header(ea_verify_request *v)
{
	ea_buf b;
	ea_buf_init(&b, VERIFY_AR_MAX);
	ea_buf_printf(&b, "Authentication-Results: %s", AR_AUTHSERV_ID);
	for (size_t i = 0; i < v->sig_count; i++) {
		const verify_sig *s = &v->sigs[i];
		const ea_tag *bt = ea_taglist_get(&s->sig.tags, "b");
		ea_buf_printf(&b, "; dkim=%s", ea_dkim_result_name(s->out.result));
		if (s->out.result != EA_DKIM_PASS)
			ea_buf_printf(&b, " (%s)", s->out.code ? s->out.code + strlen("verify.dkim.") : "error");
		if (s->sig.d[0])
			ea_buf_printf(&b, " header.d=%s", s->sig.d);
		if (s->sig.s[0])
			ea_buf_printf(&b, " header.s=%s", s->sig.s);
		ea_buf_printf(&b, " header.a=%s", ea_dkim_alg_name(s->sig.alg));
		if (bt && bt->value.len >= AR_HEADER_B_CHARS)
			ea_buf_printf(&b, " header.b=%.*s", AR_HEADER_B_CHARS, bt->value.p);
	}
	if (v->sig_count == 0)
		ea_buf_puts(&b, "; dkim=none");
	if (v->spf_done)
		ea_buf_printf(&b, "; spf=%s smtp.mailfrom=%s", v->spf_result,
		              v->spf_sender[0] ? v->spf_sender : v->spf_domain);
	else
		ea_buf_puts(&b, "; spf=none (not checked: no connecting IP)");
	if (v->dmarc_done)
		ea_buf_printf(&b, "; dmarc=%s (p=%s) header.from=%s", ea_dmarc_result_name(v->dmarc->result),
		              ea_dmarc_policy_name(v->dmarc->policy), v->from_domain);
	else if (v->dmarc_permerror)
		ea_buf_puts(&b, "; dmarc=permerror (From)");
	free(v->auth_results);
	v->auth_results = ea_buf_take(&b);
}

void ea_verify_auth_results_section(ea_job *job, ea_verify_request *v)
{
	ea_section *sec = ea_report_section(ea_job_report(job), SEC_AR);
	if (sec == NULL)
		return;
	build_header(v);
	ea_finding *f = ea_section_addf(sec, "verify.ar.ours", EA_SEV_INFO,
	                                "what emailauth finds, as an Authentication-Results header");
	if (f && v->auth_results)
		ea_finding_set(&f->found, "%s", v->auth_results);
	char ours[3][256], theirs[256];
	our_dkim_results(v, ours[0], sizeof(ours[0]));
	ea_copy(ours[1], sizeof(ours[1]), v->spf_done ? v->spf_result : "");
	snprintf(ours[2], sizeof(ours[2]), "%s",
	         v->dmarc_done ? ea_dmarc_result_name(v->dmarc->result) : v->dmarc_permerror ? "permerror" : "");
	static const char *const methods[] = {"dkim", "spf", "dmarc"};
	size_t shown = 0, differ = 0;
	for (size_t i = 0; i < v->msg.field_count && shown < EA_VERIFY_MAX_AR; i++) {
		const ea_msg_field *ar = &v->msg.fields[i];
		if (!ea_msg_field_is(ar, "authentication-results"))
			continue;
		shown++;
		ea_buf diff;
		ea_buf_init(&diff, 1024);
		for (size_t m = 0; m < EA_ARRAY_SIZE(methods); m++) {
			their_results(ar->value, methods[m], theirs, sizeof(theirs));
			if (!theirs[0] || !ours[m][0])
				continue;
			/* Different when one side has a pass and the other has none. */
			if (has_word(theirs, "pass") != has_word(ours[m], "pass"))
				ea_buf_printf(&diff, "%s%s: theirs %s, ours %s", diff.len ? "; " : "", methods[m], theirs,
				              ours[m]);
		}
		ea_finding *g = ea_section_addf(sec, diff.len ? "verify.ar.differs" : "verify.ar.same",
		                                diff.len ? EA_SEV_WARNING : EA_SEV_INFO,
		                                diff.len ? "the receiver's Authentication-Results differ from ours: %s"
		                                         : "the receiver's Authentication-Results agree with ours%s",
		                                diff.len ? diff.data : "");
		differ += diff.len > 0;
		ea_buf_free(&diff);
		if (g) {
			/* As one line: the raw field ends in CRLF, and a renderer shows a stray CR as '?'. */
			char line[VERIFY_AR_MAX];
			ea_field_one_line(ar->raw, line, sizeof(line));
			ea_finding_set(&g->found, "%s", line);
			ea_finding_set(&g->expected, "%s", v->auth_results ? v->auth_results : "");
		}
	}
	if (shown == 0) {
		sec->not_checked = true;   /* nothing to compare: not a pass */
		ea_section_set_summary(sec, "the message carries no Authentication-Results of its own");
	}
	else
		ea_section_set_summary(sec, "%zu of the message's %zu Authentication-Results differ from ours",
		                       differ, shown);
}
