/* Job -> slot, by the job's address: open addressing, twice as many buckets as slots.
 * ea_resolver_poll hands back a job; the worker needs the slot it belongs to. */
#include <stdint.h>
#include <stdlib.h>

#include "scan.h"

static size_t job_hash(const ea_job *job, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)job * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 20) & mask;
}

bool scan_job_map_init(scan_job_map *m, size_t slots)
{
	size_t n = 16;
	while (n < slots * 2)
		n *= 2;
	m->keys = calloc(n, sizeof(*m->keys));
	m->values = calloc(n, sizeof(*m->values));
	m->mask = n - 1;
	return m->keys != NULL && m->values != NULL;
}

void scan_job_map_put(scan_job_map *m, ea_job *job, scan_slot *s)
{
	size_t i = job_hash(job, m->mask);
	while (m->keys[i] != NULL)
		i = (i + 1) & m->mask;
	m->keys[i] = job;
	m->values[i] = s;
}

scan_slot *scan_job_map_get(const scan_job_map *m, const ea_job *job)
{
	for (size_t i = job_hash(job, m->mask), n = 0; n <= m->mask; i = (i + 1) & m->mask, n++) {
		if (m->keys[i] == job)
			return m->values[i];
		if (m->keys[i] == NULL)
			return NULL;
	}
	return NULL;
}

/* Removes with backward shift, so probes never meet a hole. */
void scan_job_map_del(scan_job_map *m, const ea_job *job)
{
	size_t i = job_hash(job, m->mask);
	while (m->keys[i] != job) {
		if (m->keys[i] == NULL)
			return;
		i = (i + 1) & m->mask;
	}
	m->keys[i] = NULL;
	for (size_t j = (i + 1) & m->mask; m->keys[j] != NULL; j = (j + 1) & m->mask) {
		size_t home = job_hash(m->keys[j], m->mask);
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			m->keys[i] = m->keys[j];
			m->values[i] = m->values[j];
			m->keys[j] = NULL;
			i = j;
		}
	}
}

void scan_job_map_free(scan_job_map *m)
{
	free(m->keys);
	free(m->values);
}
