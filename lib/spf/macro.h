/* SPF macro expansion (RFC 7208 section 7). Pure: the caller supplies every value,
 * %{p} included (it needs DNS lookups, which the evaluator makes). */
#ifndef EA_SPF_MACRO_H
#define EA_SPF_MACRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define EA_SPF_MACRO_OUT_MAX 4096    /* bytes kept of one expansion (before 7.3 truncation) */
#define EA_SPF_MACRO_VALUE_MAX 1024  /* a value longer than this is cut (sender is <= 512) */
#define EA_SPF_DOMAIN_MAX 253        /* 7.3: a longer result loses labels on the left */

typedef struct {
	const char *sender;        /* s */
	const char *local;         /* l */
	const char *sender_domain; /* o */
	const char *domain;        /* d */
	const char *ip_dotted;     /* i: dotted decimal, or dotted nibbles for IPv6 */
	const char *ip_text;       /* c: the address in its usual text form */
	const char *ip_version;    /* v: "in-addr" or "ip6" */
	const char *helo;          /* h */
	const char *ptr_name;      /* p: the validated name, or "unknown"; NULL: not known */
	const char *receiver;      /* r */
	int64_t now;               /* t */
} ea_spf_macro_ctx;

typedef enum {
	EA_SPF_MACRO_DOMAIN,       /* a domain-spec: keep the right end, then truncate per 7.3 */
	EA_SPF_MACRO_EXP,          /* explanation text: c r t allowed, keep the left end */
} ea_spf_macro_mode;

/* Expands s into out (NUL-terminated). Returns true, or false with *why on a syntax
 * error, a zero digit transformer, or a letter not allowed in this mode. */
bool ea_spf_macro_expand(ea_str s, const ea_spf_macro_ctx *ctx, ea_spf_macro_mode mode,
                         char *out, size_t out_size, const char **why);
/* True if s uses %{p} (so the evaluator must find the validated name first). */
bool ea_spf_macro_uses_p(ea_str s);
/* 7.3: while longer than 253 bytes, remove the leftmost label and its dot. */
void ea_spf_truncate_domain(char *name);

#endif
