/* A bounded set of domains seen in a scan: open addressing over a table that doubles as
 * it fills, up to a fixed largest size. */
#include <stdlib.h>

#include "scan/scan.h"

#define LINE_BITS 24                       /* the line number kept with each entry */
#define LINE_MASK ((1ull << LINE_BITS) - 1)
#define MAX_LOAD_PERCENT 75                /* past this the set doubles, or at its largest stops growing */
#define SLOTS_LOG2_MIN 4
#define SLOTS_LOG2_MAX 28
#define SLOTS_LOG2_START 12                /* 4096 slots (32 KiB) at first: a small scan touches
                                              few pages, instead of one page per domain */

struct ea_scan_seen {
	uint64_t *slots;      /* 0: empty; else hash bits above LINE_BITS | line number */
	size_t mask, count, max_count;
	unsigned log2, log2_max;
};

/* FNV-1a over the name, then a finaliser (splitmix64) to spread the bits. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/* The home slot comes from the entry's top bits, which it keeps: so a larger table can
 * place the entries again without their names. */
static size_t home_slot(uint64_t v, unsigned log2)
{
	return (size_t)(v >> (64 - log2));
}

static bool table_alloc(ea_scan_seen *s, unsigned log2)
{
	size_t n = (size_t)1 << log2;
	uint64_t *slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return false;
	uint64_t *old = s->slots;
	size_t old_n = old ? s->mask + 1 : 0;
	s->slots = slots;
	s->mask = n - 1;
	s->log2 = log2;
	s->max_count = n * MAX_LOAD_PERCENT / 100;
	for (size_t k = 0; k < old_n; k++) {
		if (old[k] == 0)
			continue;
		size_t i = home_slot(old[k], log2);
		while (slots[i] != 0)          /* bounded: the new table is at most 3/8 full */
			i = (i + 1) & s->mask;
		slots[i] = old[k];
	}
	free(old);
	return true;
}

ea_scan_seen *ea_scan_seen_new(unsigned slots_log2)
{
	if (slots_log2 < SLOTS_LOG2_MIN || slots_log2 > SLOTS_LOG2_MAX)
		return NULL;
	ea_scan_seen *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->log2_max = slots_log2;
	if (!table_alloc(s, slots_log2 < SLOTS_LOG2_START ? slots_log2 : SLOTS_LOG2_START)) {
		free(s);
		return NULL;
	}
	return s;
}

void ea_scan_seen_free(ea_scan_seen *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

int ea_scan_seen_add(ea_scan_seen *s, const char *name, unsigned long line,
                     unsigned long *first_line)
{
	uint64_t tag = name_hash(name) & ~LINE_MASK;
	if (tag == 0)
		tag = 1ull << LINE_BITS;   /* keep 0 for "empty" */
	size_t i = home_slot(tag, s->log2);
	/* Bounded: the table is never full (load at most 75%), so an empty slot ends it. */
	for (size_t probe = 0; probe <= s->mask; probe++, i = (i + 1) & s->mask) {
		uint64_t v = s->slots[i];
		if (v == 0)
			break;
		if ((v & ~LINE_MASK) == tag) {
			if (first_line)
				*first_line = (unsigned long)(v & LINE_MASK);
			return 0;
		}
	}
	if (s->count >= s->max_count) {
		if (s->log2 >= s->log2_max || !table_alloc(s, s->log2 + 1))
			return -1;
		i = home_slot(tag, s->log2);
		while (s->slots[i] != 0)
			i = (i + 1) & s->mask;
	}
	s->slots[i] = tag | (line > LINE_MASK ? LINE_MASK : line);
	s->count++;
	return 1;
}

size_t ea_scan_seen_count(const ea_scan_seen *s)
{
	return s->count;
}
