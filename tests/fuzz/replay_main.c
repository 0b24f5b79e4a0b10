/*
 * Runs a fuzz harness over its corpus as an ordinary test (after Knot DNS's
 * tests-fuzz/main.c): every file named on the command line, or every file in the
 * directories named, is fed to LLVMFuzzerTestOneInput once.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (16 * 1024 * 1024)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		printf("not ok - cannot open %s\n", path);
		return 1;
	}
	uint8_t *buf = malloc(REPLAY_MAX_FILE);
	size_t n = buf ? fread(buf, 1, REPLAY_MAX_FILE, f) : 0;
	fclose(f);
	if (buf == NULL)
		return 1;
	/* A private copy of exactly n bytes, so ASan sees reads past the end. */
	uint8_t *exact = malloc(n ? n : 1);
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			failed += run_file(argv[i]);
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			failed += run_file(path);
			count++;
		}
		if (d)
			closedir(d);
	}
	printf("%s 1 - replayed %d corpus files\n1..1\n", failed ? "not ok" : "ok", count);
	return failed ? 1 : 0;
}
