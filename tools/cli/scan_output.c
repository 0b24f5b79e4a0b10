/* Scan output: JSON lines or CSV rows, whole lines only; --resume reads it back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"

#define OUTPUT_BUFFER (64 * 1024)

/* Reads the domains already written, and cuts a last line left partial by a kill. */
static bool read_previous(const char *path, ea_scan_seen *seen, unsigned long *resumed,
                          bool *empty)
{
	FILE *f = fopen(path, "rb");
	*empty = true;
	if (f == NULL)
		return errno == ENOENT;   /* nothing yet: start from the top */
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t whole = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break;   /* partial: dropped below */
		whole += n;
		*empty = false;
		char domain[EA_NAME_MAX + 1];
		if (ea_scan_output_domain(line, (size_t)n - 1, domain, sizeof(domain)) &&
		    ea_scan_seen_add(seen, domain, 0, NULL) == 1)
			(*resumed)++;
	}
	free(line);
	bool ok = !ferror(f);
	fclose(f);
	struct stat sb;
	if (ok && stat(path, &sb) == 0 && sb.st_size > whole) {
		fprintf(stderr, "emailauth: scan: %s ended in a partial line; it is cut and that domain "
		        "scanned again\n", path);
		ok = truncate(path, whole) == 0;
	}
	if (!ok)
		fprintf(stderr, "emailauth: scan: cannot read %s to resume\n", path);
	return ok;
}

bool scan_output_open(scan_output *o, const char *path, bool csv, bool resume,
                      ea_scan_seen *seen, unsigned long *resumed)
{
	memset(o, 0, sizeof(*o));
	o->csv = csv;
	o->path = path ? path : "standard output";
	bool empty = true;
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		o->to_stdout = true;
		o->tty = isatty(STDOUT_FILENO);
	} else {
		if (resume && !read_previous(path, seen, resumed, &empty))
			return false;
		o->f = fopen(path, resume ? "ab" : "wb");
		if (o->f == NULL) {
			fprintf(stderr, "emailauth: scan: cannot write %s: %s\n", path, strerror(errno));
			return false;
		}
		/* a buffer of our own: given none, glibc keeps its 4 KiB and a scan wrote most
		 * lines in two write() calls (strace) */
		o->buffer = malloc(OUTPUT_BUFFER);
		if (o->buffer != NULL)
			setvbuf(o->f, o->buffer, _IOFBF, OUTPUT_BUFFER);
	}
	if (csv && empty)
		fputs(EA_SCAN_CSV_HEADER "\n", o->f);
	return true;
}

char *scan_output_render(const scan_output *o, const ea_report *rep, size_t *len)
{
	char *text = NULL;
	*len = 0;
	if (o->csv) {
		FILE *mem = open_memstream(&text, len);
		if (mem == NULL)
			return NULL;
		int rc = ea_scan_csv_row(mem, rep);
		if (fclose(mem) != 0 || rc != EA_OK) {
			free(text);
			return NULL;
		}
		return text;
	}
	return ea_report_json_line(rep, len);   /* the bytes of json_dumps(COMPACT|ENSURE_ASCII) */
}

int scan_output_put(scan_output *o, const char *line, size_t len)
{
	fwrite(line, 1, len, o->f);
	if (!o->csv)
		fputc('\n', o->f);   /* a CSV row ends in its own newline */
	return !ferror(o->f) ? EA_OK : EA_EIO;
}

int scan_output_close(scan_output *o)
{
	if (o->f == NULL)
		return EA_OK;
	bool bad = fflush(o->f) != 0 || ferror(o->f);
	if (!o->to_stdout)
		bad = fclose(o->f) != 0 || bad;
	o->f = NULL;
	free(o->buffer);   /* after fclose: the stream used it until then */
	o->buffer = NULL;
	if (bad)
		fprintf(stderr, "emailauth: scan: could not write %s\n", o->path);
	return bad ? EA_EIO : EA_OK;
}
