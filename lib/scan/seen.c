/* A bounded set of domains seen in a scan: open addressing over a fixed table. */
#include <stdlib.h>

#include "scan/scan.h"

#define LINE_BITS 24                       /* the line number kept with each entry */
#define LINE_MASK ((1ull << LINE_BITS) - 1)
#define MAX_LOAD_PERCENT 75                /* past this the set stops growing */
#define SLOTS_LOG2_MIN 4
#define SLOTS_LOG2_MAX 28

struct ea_scan_seen {
	uint64_t *slots;      /* 0: empty; else hash bits above LINE_BITS | line number */
	size_t mask, count, max_count;
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

ea_scan_seen *ea_scan_seen_new(unsigned slots_log2)
{
	if (slots_log2 < SLOTS_LOG2_MIN || slots_log2 > SLOTS_LOG2_MAX)
		return NULL;
	ea_scan_seen *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	size_t n = (size_t)1 << slots_log2;
	s->slots = calloc(n, sizeof(*s->slots));   /* untouched pages cost no memory */
	if (s->slots == NULL) {
		free(s);
		return NULL;
	}
	s->mask = n - 1;
	s->max_count = n * MAX_LOAD_PERCENT / 100;
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
	uint64_t h = name_hash(name);
	uint64_t tag = h & ~LINE_MASK;
	if (tag == 0)
		tag = 1ull << LINE_BITS;   /* keep 0 for "empty" */
	size_t i = (size_t)h & s->mask;
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
	if (s->count >= s->max_count)
		return -1;
	s->slots[i] = tag | (line > LINE_MASK ? LINE_MASK : line);
	s->count++;
	return 1;
}

size_t ea_scan_seen_count(const ea_scan_seen *s)
{
	return s->count;
}
