/*
 * Sentence case for the report's words: a message, a fix, a summary or a note starts
 * with a capital on every renderer, whatever the check wrote. Only a plain word is
 * capitalised: a name, a tag or a term ("example.com", "p=none", "include:x", "'+all'")
 * keeps its case, as it is written in DNS.
 */
#include <stdbool.h>
#include <string.h>

#include <emailauth/emailauth.h>

#define WORD_MAX 64   /* a longer first "word" is not a word */

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

/* s starts with a word of lower-case letters (a hyphen or an apostrophe inside), ended
 * by a space, the end, or punctuation followed by a space or the end. */
static bool plain_word(const char *s)
{
	size_t i = 0;
	while (i < WORD_MAX && (is_lower(s[i]) || ((s[i] == '-' || s[i] == '\'') && is_lower(s[i + 1]))))
		i++;
	if (i == 0 || i == WORD_MAX)
		return false;
	char c = s[i];
	if (c == '\0' || c == ' ' || c == '\n')
		return true;
	if (c == ',' || c == ';' || c == ':' || c == '.' || c == ')')
		return s[i + 1] == '\0' || s[i + 1] == ' ' || s[i + 1] == '\n';
	return false;
}

void ea_sentence_start(char *s)
{
	if (s != NULL && is_lower(s[0]) && plain_word(s))
		s[0] = (char)(s[0] - 'a' + 'A');
}

/* A fix is sentences and zone-file lines: each "; " comment line is a sentence too. */
static void sentence_lines(char *s)
{
	if (s == NULL)
		return;
	ea_sentence_start(s);
	for (char *p = s; (p = strchr(p, ';')) != NULL; p++)
		if ((p == s || p[-1] == '\n') && p[1] == ' ')
			ea_sentence_start(p + 2);
}

void ea_report_sentence_case(ea_report *rep)
{
	for (size_t i = 0; i < rep->section_count; i++) {
		ea_section *s = &rep->sections[i];
		ea_sentence_start(s->summary);
		for (size_t k = 0; k < s->finding_count; k++) {
			ea_finding *f = &s->findings[k];
			ea_sentence_start(f->message);
			sentence_lines(f->fix);
			for (size_t a = 0; a < f->action_count; a++)
				ea_sentence_start(f->actions[a].note);
		}
	}
}
