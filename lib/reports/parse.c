/*
 * The DMARC aggregate report parser: libxml2's SAX2 push parser, so memory stays
 * flat however long the report, and records go to the sink one at a time.
 *
 * Safety (RFC 9990 section 3 reports carry no DTD): any DOCTYPE is refused before its
 * internal subset is read, so there are no entity declarations to expand (billion
 * laughs) and nothing external to load (XXE); XML_PARSE_NOENT and DTD loading are
 * never turned on and XML_PARSE_NONET is. Depth, field and attribute sizes and the
 * record count are capped by the EA_RUA_* limits.
 */
#include <arpa/inet.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emailauth/emailauth.h>
#include <emailauth/reports.h>

#include "reports/internal.h"
#include "util/util.h"

#define NS_RFC9990 "urn:ietf:params:xml:ns:dmarc-2.0"
#define DATE_MAX 4102444800LL   /* 2100-01-01: a later date is an error, not a report */
/* libxml2 hands element names out of its dictionary, the same pointer for the same
 * name in one document: a table on the pointer looks each distinct name up once.
 * Open addressing, never evicting (the dictionary packs names side by side, so a
 * direct-mapped cache on the address thrashed); past NAME_CACHE_FILL distinct names,
 * (a hostile document) the rest are looked up each time. */
#define NAME_CACHE 128                /* a power of two */
#define NAME_CACHE_FILL 96

/* Elements the parser knows; everything else (extensions) is skipped. */
typedef enum {
	E_OTHER = 0, E_FEEDBACK, E_VERSION, E_METADATA, E_ORG_NAME, E_EMAIL, E_REPORT_ID,
	E_DATE_RANGE, E_BEGIN, E_END, E_POLICY, E_DOMAIN, E_ADKIM, E_ASPF, E_P, E_SP, E_NP,
	E_PCT, E_TESTING, E_RECORD, E_ROW, E_SOURCE_IP, E_COUNT, E_EVALUATED, E_DISPOSITION,
	E_DKIM, E_SPF, E_REASON, E_TYPE, E_IDENTIFIERS, E_HEADER_FROM, E_ENVELOPE_FROM,
	E_AUTH_RESULTS, E_SELECTOR, E_RESULT, E_EXTENSION,
} elem;

static const char *const elem_names[] = {
	[E_FEEDBACK] = "feedback", [E_VERSION] = "version", [E_METADATA] = "report_metadata",
	[E_ORG_NAME] = "org_name", [E_EMAIL] = "email", [E_REPORT_ID] = "report_id",
	[E_DATE_RANGE] = "date_range", [E_BEGIN] = "begin", [E_END] = "end",
	[E_POLICY] = "policy_published", [E_DOMAIN] = "domain", [E_ADKIM] = "adkim",
	[E_ASPF] = "aspf", [E_P] = "p", [E_SP] = "sp", [E_NP] = "np", [E_PCT] = "pct",
	[E_TESTING] = "testing", [E_RECORD] = "record", [E_ROW] = "row",
	[E_SOURCE_IP] = "source_ip", [E_COUNT] = "count", [E_EVALUATED] = "policy_evaluated",
	[E_DISPOSITION] = "disposition", [E_DKIM] = "dkim", [E_SPF] = "spf",
	[E_REASON] = "reason", [E_TYPE] = "type", [E_IDENTIFIERS] = "identifiers",
	[E_HEADER_FROM] = "header_from", [E_ENVELOPE_FROM] = "envelope_from",
	[E_AUTH_RESULTS] = "auth_results", [E_SELECTOR] = "selector", [E_RESULT] = "result",
	[E_EXTENSION] = "extension",
};

struct ea_rua_parser {
	xmlParserCtxtPtr ctxt;
	const ea_rua_sink *sink;
	void *arg;
	elem stack[EA_RUA_MAX_DEPTH + 1];
	unsigned depth;
	unsigned skip_depth;            /* inside an unknown element: depth where it began */
	unsigned records_open;          /* <record>s on the stack */
	char text[EA_RUA_MAX_VALUE + 1];
	size_t text_len;
	ea_rua_meta meta;
	bool meta_done, skipped, stopped, seen_root, has_date, has_domain;
	ea_rua_record rec;
	bool rec_ip_ok, rec_count_ok;
	ea_rua_auth *auth;            /* the auth_results entry being read, or NULL */
	uint64_t records;
	const xmlChar *name_cache[NAME_CACHE];
	elem elem_cache[NAME_CACHE];
	unsigned name_cache_count;
	const char *code;
	char message[256];
};

static elem elem_lookup(const xmlChar *name)
{
	for (size_t i = 1; i < sizeof(elem_names) / sizeof(elem_names[0]); i++)
		if (elem_names[i] && strcmp((const char *)name, elem_names[i]) == 0)
			return (elem)i;
	return E_OTHER;
}

static elem elem_of(ea_rua_parser *p, const xmlChar *name)
{
	size_t slot = (size_t)(((uintptr_t)name * 0x9E3779B97F4A7C15ull) >> 32) & (NAME_CACHE - 1);
	for (unsigned probes = 0; probes < NAME_CACHE; probes++) {
		if (p->name_cache[slot] == name)
			return p->elem_cache[slot];
		if (p->name_cache[slot] == NULL)
			break;
		slot = (slot + 1) & (NAME_CACHE - 1);
	}
	elem e = elem_lookup(name);
	if (p->name_cache[slot] == NULL && p->name_cache_count < NAME_CACHE_FILL) {
		p->name_cache[slot] = name;
		p->elem_cache[slot] = e;
		p->name_cache_count++;
	}
	return e;
}

/* Records the first error and stops libxml2: later callbacks see p->stopped. */
static void fail(ea_rua_parser *p, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(ea_rua_parser *p, const char *code, const char *fmt, ...)
{
	if (p->stopped)
		return;
	p->stopped = true;
	p->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	if (p->ctxt)
		xmlStopParser(p->ctxt);
}

/* Copies the collected text, trimmed, into a field (cut to its size). */
static void take(const ea_rua_parser *p, char *dst, size_t size)
{
	const char *s = p->text;
	size_t n = p->text_len;
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static void send_meta(ea_rua_parser *p)
{
	if (p->meta_done)
		return;
	p->meta_done = true;
	if (!p->has_domain) {
		fail(p, "reports.file.malformed", "no policy_published/domain: not a usable report");
		return;
	}
	if (!p->has_date || p->meta.begin > p->meta.end) {
		fail(p, "reports.file.malformed", "no valid report_metadata/date_range");
		return;
	}
	if (p->sink->on_meta && !p->sink->on_meta(p->arg, &p->meta)) {
		p->skipped = true;
		p->stopped = true;
		xmlStopParser(p->ctxt);
	}
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attr, int nb_def, const xmlChar **attrs)
{
	ea_rua_parser *p = ctx;
	(void)prefix, (void)nb_ns, (void)ns, (void)nb_def;
	if (p->stopped)
		return;
	if (p->depth >= EA_RUA_MAX_DEPTH) {
		fail(p, "reports.file.too_deep", "elements nested deeper than %s levels",
		     EA_XSTR(EA_RUA_MAX_DEPTH));
		return;
	}
	/* attrs: (localname, prefix, URI, value, end) per attribute */
	for (int i = 0; i < nb_attr; i++)
		if (attrs[i * 5 + 4] - attrs[i * 5 + 3] > EA_RUA_MAX_ATTR) {
			fail(p, "reports.file.value_too_long", "an attribute value is longer than %s bytes",
			     EA_XSTR(EA_RUA_MAX_ATTR));
			return;
		}
	elem e = elem_of(p, local);
	elem parent = p->depth ? p->stack[p->depth - 1] : E_OTHER;
	if (p->depth == 0) {
		if (e != E_FEEDBACK) {
			fail(p, "reports.file.not_report", "the XML root is <%s>, not <feedback>",
			     (const char *)local);
			return;
		}
		p->seen_root = true;
		if (uri && strcmp((const char *)uri, NS_RFC9990) == 0)
			p->meta.format = EA_RUA_FORMAT_RFC9990;
	}
	if (p->skip_depth == 0 && (e == E_OTHER || e == E_EXTENSION) && p->depth > 0)
		p->skip_depth = p->depth + 1;
	p->stack[p->depth++] = e;
	p->records_open += e == E_RECORD;
	p->text_len = 0;
	if (p->skip_depth)
		return;
	if (e == E_RECORD && parent == E_FEEDBACK) {
		send_meta(p);
		/* Field by field: the record is large and most of it is never written. */
		ea_rua_record *r = &p->rec;
		r->source_ip[0] = r->disposition[0] = r->reason[0] = '\0';
		r->header_from[0] = r->envelope_from[0] = '\0';
		r->count = 0;
		r->dkim_aligned = r->spf_aligned = false;
		r->dkim_count = r->spf_count = 0;
		p->rec_ip_ok = p->rec_count_ok = false;
		p->auth = NULL;
	} else if ((e == E_DKIM || e == E_SPF) && parent == E_AUTH_RESULTS) {
		size_t *n = e == E_DKIM ? &p->rec.dkim_count : &p->rec.spf_count;
		ea_rua_auth *arr = e == E_DKIM ? p->rec.dkim : p->rec.spf;
		p->auth = *n < EA_RUA_MAX_AUTH ? &arr[(*n)++] : NULL;
		if (p->auth)
			p->auth->domain[0] = p->auth->selector[0] = p->auth->result[0] = '\0';
	}
}

static void on_chars(void *ctx, const xmlChar *ch, int len)
{
	ea_rua_parser *p = ctx;
	if (p->stopped || p->skip_depth || len <= 0)
		return;
	/* White space before a value (or between elements) is not kept. */
	while (p->text_len == 0 && len > 0 && (*ch == ' ' || *ch == '\t' || *ch == '\r' || *ch == '\n'))
		ch++, len--;
	if (len == 0)
		return;
	if (p->text_len + (size_t)len > EA_RUA_MAX_VALUE) {
		fail(p, "reports.file.value_too_long", "a field is longer than %s bytes",
		     EA_XSTR(EA_RUA_MAX_VALUE));
		return;
	}
	memcpy(p->text + p->text_len, ch, (size_t)len);
	p->text_len += (size_t)len;
	p->text[p->text_len] = '\0';
}

static void end_meta_field(ea_rua_parser *p, elem e, elem parent)
{
	ea_rua_meta *m = &p->meta;
	char num[32];
	uint64_t v;
	if (parent == E_METADATA) {
		if (e == E_ORG_NAME)
			take(p, m->org_name, sizeof(m->org_name));
		else if (e == E_EMAIL)
			take(p, m->email, sizeof(m->email));
		else if (e == E_REPORT_ID)
			take(p, m->report_id, sizeof(m->report_id));
	} else if (parent == E_DATE_RANGE && (e == E_BEGIN || e == E_END)) {
		take(p, num, sizeof(num));
		if (!parse_u64(num, DATE_MAX, &v)) {
			fail(p, "reports.file.malformed", "date_range holds '%s', not seconds since 1970", num);
			return;
		}
		*(e == E_BEGIN ? &m->begin : &m->end) = (int64_t)v;
		if (e == E_END)
			p->has_date = true;
	} else if (parent == E_POLICY) {
		switch (e) {
		case E_DOMAIN:
			take(p, m->domain, sizeof(m->domain));
			lower(m->domain);
			p->has_domain = m->domain[0] != '\0';
			break;
		case E_ADKIM: take(p, m->adkim, sizeof(m->adkim)); break;
		case E_ASPF: take(p, m->aspf, sizeof(m->aspf)); break;
		case E_P: take(p, m->p, sizeof(m->p)); lower(m->p); break;
		case E_SP: take(p, m->sp, sizeof(m->sp)); lower(m->sp); break;
		case E_NP: take(p, m->np, sizeof(m->np)); lower(m->np); break;
		case E_TESTING:
			take(p, num, sizeof(num));
			m->testing = num[0] == 'y' || num[0] == 'Y';
			break;
		case E_PCT:
			take(p, num, sizeof(num));
			m->pct = parse_u64(num, 100, &v) ? (int)v : -1;
			break;
		default: break;
		}
	}
}

static void end_record_field(ea_rua_parser *p, elem e, elem parent)
{
	ea_rua_record *r = &p->rec;
	char tmp[64];
	if (parent == E_ROW && e == E_SOURCE_IP) {
		unsigned char addr[16];
		take(p, tmp, sizeof(tmp));
		int af = strchr(tmp, ':') ? AF_INET6 : AF_INET;
		p->rec_ip_ok = inet_pton(af, tmp, addr) == 1;
		/* glibc's inet_pton takes only canonical dotted quads (no leading zeros), so an
		 * IPv4 address is kept as written; IPv6 is normalised (2001:db8:0:0::25). */
		if (p->rec_ip_ok && af == AF_INET)
			memcpy(r->source_ip, tmp, strlen(tmp) + 1);
		else if (p->rec_ip_ok)
			p->rec_ip_ok = inet_ntop(af, addr, r->source_ip, sizeof(r->source_ip)) != NULL;
		if (!p->rec_ip_ok)
			fail(p, "reports.file.malformed", "source_ip '%s' is not an IP address", tmp);
	} else if (parent == E_ROW && e == E_COUNT) {
		take(p, tmp, sizeof(tmp));
		p->rec_count_ok = parse_u64(tmp, EA_RUA_MAX_COUNT, &r->count);
		if (!p->rec_count_ok)
			fail(p, "reports.file.malformed", "count '%s' is not a message count", tmp);
	} else if (parent == E_EVALUATED) {
		if (e == E_DISPOSITION) {
			take(p, r->disposition, sizeof(r->disposition));
			lower(r->disposition);
		} else if (e == E_DKIM || e == E_SPF) {
			take(p, tmp, sizeof(tmp));
			*(e == E_DKIM ? &r->dkim_aligned : &r->spf_aligned) = strcasecmp(tmp, "pass") == 0;
		}
	} else if (parent == E_REASON && e == E_TYPE) {
		take(p, r->reason, sizeof(r->reason));
	} else if (parent == E_IDENTIFIERS) {
		if (e == E_HEADER_FROM)
			take(p, r->header_from, sizeof(r->header_from));
		else if (e == E_ENVELOPE_FROM)
			take(p, r->envelope_from, sizeof(r->envelope_from));
		lower(r->header_from);
		lower(r->envelope_from);
	} else if ((parent == E_DKIM || parent == E_SPF) && p->auth != NULL) {
		if (e == E_DOMAIN) {
			take(p, p->auth->domain, sizeof(p->auth->domain));
			lower(p->auth->domain);
		} else if (e == E_SELECTOR) {
			take(p, p->auth->selector, sizeof(p->auth->selector));
		} else if (e == E_RESULT) {
			take(p, p->auth->result, sizeof(p->auth->result));
			lower(p->auth->result);
		}
	}
}

static void end_record(ea_rua_parser *p)
{
	if (!p->rec_ip_ok || !p->rec_count_ok) {
		fail(p, "reports.file.malformed", "a record without source_ip or count");
		return;
	}
	if (++p->records > EA_RUA_MAX_RECORDS) {
		fail(p, "reports.file.too_large", "more than %s records in one report",
		     EA_XSTR(EA_RUA_MAX_RECORDS));
		return;
	}
	if (p->sink->on_record && !p->sink->on_record(p->arg, &p->meta, &p->rec))
		fail(p, "reports.file.too_large", "the records could not be kept (out of memory)");
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	ea_rua_parser *p = ctx;
	(void)local, (void)prefix, (void)uri;
	if (p->stopped || p->depth == 0)
		return;
	elem e = p->stack[--p->depth];
	elem parent = p->depth ? p->stack[p->depth - 1] : E_OTHER;
	p->records_open -= e == E_RECORD;
	if (p->skip_depth) {
		if (p->depth + 1 == p->skip_depth)
			p->skip_depth = 0;
		p->text_len = 0;
		return;
	}
	if (e == E_RECORD && parent == E_FEEDBACK)
		end_record(p);
	else if (p->records_open > 0)
		end_record_field(p, e, parent);
	else
		end_meta_field(p, e, parent);
	if ((e == E_DKIM || e == E_SPF) && parent == E_AUTH_RESULTS)
		p->auth = NULL;
	p->text_len = 0;
}

/* No report has a DTD: refusing it here stops entity bombs and XXE before they start. */
static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	(void)name, (void)ext, (void)sys;
	fail(ctx, "reports.file.dtd",
	     "the file declares a DTD (<!DOCTYPE>); reports never do, and entities are refused");
}

static xmlEntityPtr on_entity(void *ctx, const xmlChar *name)
{
	fail(ctx, "reports.file.dtd", "the file uses an undeclared entity '&%s;'", (const char *)name);
	return NULL;
}

/* libxml2's own size limits (no XML_PARSE_HUGE): one attribute value, name, comment,
 * PI or CDATA section past XML_MAX_LOOKUP_LIMIT stops it with an internal error
 * "Huge input lookup"; a name past its limit with XML_ERR_NAME_TOO_LONG. Both mean a
 * value too long, not broken XML. */
static bool libxml_size_limit(const xmlError *err)
{
	return err->code == XML_ERR_NAME_TOO_LONG ||
	       (err->code == XML_ERR_INTERNAL_ERROR && err->message &&
	        strstr(err->message, "Huge input lookup") != NULL);
}

static void on_error(void *ctx, xmlErrorPtr err)
{
	ea_rua_parser *p = ctx;
	if (err == NULL || err->level < XML_ERR_ERROR)
		return;
	if (libxml_size_limit(err)) {
		fail(p, "reports.file.value_too_long",
		     "line %d: one value (an attribute, a name, a comment or a CDATA section) is over "
		     "%d MB", err->line, XML_MAX_LOOKUP_LIMIT / 1000000);
		return;
	}
	char what[200];
	ea_copy(what, sizeof(what), err->message ? err->message : "XML error");
	size_t n = strlen(what);
	while (n && what[n - 1] == '\n')
		what[--n] = '\0';
	fail(p, "reports.file.malformed", "not well-formed XML: line %d: %.200s", err->line, what);
}

ea_rua_parser *ea_rua_parser_new(const ea_rua_sink *sink, void *arg)
{
	static const ea_rua_sink none = {0};
	ea_rua_parser *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->sink = sink ? sink : &none;
	p->arg = arg;
	p->meta.pct = -1;
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_chars;
	sax.cdataBlock = on_chars;
	sax.internalSubset = on_dtd;
	sax.externalSubset = on_dtd;
	sax.getEntity = on_entity;
	sax.getParameterEntity = on_entity;
	sax.serror = on_error;
	xmlInitParser();
	p->ctxt = xmlCreatePushParserCtxt(&sax, p, NULL, 0, NULL);
	if (p->ctxt == NULL) {
		free(p);
		return NULL;
	}
	/* Never XML_PARSE_NOENT, XML_PARSE_DTDLOAD or XML_PARSE_HUGE. */
	xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	return p;
}

int ea_rua_parser_feed(ea_rua_parser *p, const char *data, size_t len)
{
	while (!p->stopped && len > 0) {
		int n = len > (1 << 20) ? (1 << 20) : (int)len;
		xmlParseChunk(p->ctxt, data, n, 0);
		data += n;
		len -= (size_t)n;
	}
	return p->code ? EA_EPARSE : EA_OK;
}

int ea_rua_parser_finish(ea_rua_parser *p)
{
	if (!p->stopped)
		xmlParseChunk(p->ctxt, NULL, 0, 1);
	if (!p->stopped && !p->seen_root)
		fail(p, "reports.file.not_report", "no XML document in the file");
	if (!p->stopped && p->depth > 0)
		fail(p, "reports.file.truncated", "the XML ends inside an element (cut short)");
	if (!p->code && !p->skipped)
		send_meta(p);   /* a report with no records still counts */
	return p->code ? EA_EPARSE : EA_OK;
}

const char *ea_rua_parser_code(const ea_rua_parser *p)
{
	return p->code;
}

const char *ea_rua_parser_message(const ea_rua_parser *p)
{
	return p->code ? p->message : NULL;
}

uint64_t ea_rua_parser_records(const ea_rua_parser *p)
{
	return p->records;
}

bool ea_rua_parser_skipped(const ea_rua_parser *p)
{
	return p->skipped;
}

void ea_rua_parser_free(ea_rua_parser *p)
{
	if (p == NULL)
		return;
	if (p->ctxt) {
		if (p->ctxt->myDoc)
			xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	free(p);
}
