/* SPF record parser (RFC 7208 4.5, 4.6, 12 ABNF). Pure: no I/O. */
#ifndef EA_SPF_RECORD_H
#define EA_SPF_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define EA_SPF_MAX_TERMS 1024        /* terms kept; more is a permerror of ours */
#define EA_SPF_MAX_RECORD 65535      /* a TXT RR cannot carry more */

typedef enum {
	SPF_T_ALL, SPF_T_INCLUDE, SPF_T_A, SPF_T_MX, SPF_T_PTR, SPF_T_IP4, SPF_T_IP6,
	SPF_T_EXISTS, SPF_T_REDIRECT, SPF_T_EXP, SPF_T_UNKNOWN_MOD,
} ea_spf_kind;

typedef struct {
	ea_spf_kind kind;
	char qualifier;          /* '+', '-', '~', '?' ('+' when omitted; modifiers '=') */
	bool qualifier_given;
	size_t pos;              /* byte offset of the term in the record */
	ea_str text;             /* the whole term as written */
	ea_str name;             /* mechanism or modifier name as written */
	ea_str domain;           /* domain-spec / modifier value; len 0 when absent */
	bool has_domain;
	bool has_macro;          /* domain contains a macro-expand */
	int cidr4, cidr6;        /* -1 when absent */
	uint8_t addr[16];        /* ip4 (4 bytes) / ip6 */
} ea_spf_term;

typedef enum {
	SPF_REC_OK = 0,
	SPF_REC_NOT_SPF,         /* does not start with "v=spf1" + SP or end */
	SPF_REC_SYNTAX,          /* a syntax error: permerror */
} ea_spf_parse_status;

typedef struct {
	ea_spf_parse_status status;
	size_t error_pos;        /* byte offset of the error in the record */
	char error[200];
	ea_spf_term terms[EA_SPF_MAX_TERMS];
	size_t term_count;
	int redirect;            /* index of redirect=, or -1 */
	int exp;                 /* index of exp=, or -1 */
	int all;                 /* index of the first all, or -1 */
} ea_spf_record;

/* True if the text is an SPF version 1 record: "v=spf1" (any case) then SP or end. */
bool ea_spf_is_v1(const char *p, size_t len);
/* True if it looks like an attempt at one that is not (v=spf1x, v=spf2.0, " v=spf1",
 * "spf1", "v = spf1"): worth telling the user. */
bool ea_spf_is_lookalike(const char *p, size_t len);

/* Parses an SPF record (the bytes must stay alive while rec is used). */
void ea_spf_parse(const char *p, size_t len, ea_spf_record *rec);

/* Syntax of a macro-string (7.1); exp: the letters c r t are allowed. Returns true
 * if well formed; else sets *err_off to the offset of the problem. */
bool ea_spf_macro_syntax_ok(ea_str s, bool exp, size_t *err_off, const char **why);

/* The term kind's name, lowercase. */
const char *ea_spf_kind_name(ea_spf_kind k);
/* True for the terms that cost a DNS lookup (4.6.4). */
bool ea_spf_kind_counts(ea_spf_kind k);

#endif
