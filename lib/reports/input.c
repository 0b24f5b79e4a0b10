/*
 * Finding reports in a path: plain XML, gzip (zlib), zip (libarchive), a message or
 * an mbox carrying them as attachments, or a directory (a maildir) of any of these.
 * XML is streamed into the push parser as it is decompressed, so one report never
 * sits in memory whole. Every container is capped (EA_REPORTS_MAX_XML_BYTES, the
 * expansion ratio of EA_REPORTS_BOMB_RATIO); a file over a cap gets a per-file error.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <emailauth/reports.h>

#include "reports/internal.h"
#include "util/util.h"

#define CHUNK (64 * 1024)
#define LABEL_MAX 4096

typedef enum { K_UNKNOWN, K_XML, K_GZIP, K_ZIP, K_MESSAGE } kind;

typedef struct {
	const ea_rua_sink *sink;
	void *sink_arg;
	ea_reports_input_fn done;
	void *done_arg;
	size_t files;          /* files taken from a directory walk */
	/* I/O buffers, CHUNK bytes each, kept for the whole walk: allocated per file they
	 * made malloc hand the heap top back and take it again (two brk calls per file). */
	uint8_t *in, *out;
} reader;

/* The reader's two buffers; false when out of memory. */
static bool reader_buffers(reader *rd)
{
	if (rd->in == NULL)
		rd->in = malloc(CHUNK);
	if (rd->out == NULL)
		rd->out = malloc(CHUNK);
	return rd->in != NULL && rd->out != NULL;
}

static void reader_free(reader *rd)
{
	free(rd->in);
	free(rd->out);
}

/* Bytes from a FILE or from memory. */
typedef struct {
	FILE *f;
	const uint8_t *mem;
	size_t mem_len, pos;
	bool error;
} source;

static size_t source_read(source *s, uint8_t *buf, size_t n)
{
	if (s->f) {
		size_t got = fread(buf, 1, n, s->f);
		if (got < n && ferror(s->f))
			s->error = true;
		return got;
	}
	size_t left = s->mem_len - s->pos;
	if (n > left)
		n = left;
	memcpy(buf, s->mem + s->pos, n);
	s->pos += n;
	return n;
}

/* One report being read: the parser plus the byte counts the caps need. */
typedef struct {
	ea_rua_parser *parser;
	const char *code;
	char message[256];
	uint64_t in_bytes, out_bytes;
} report;

static void report_fail(report *r, const char *code, const char *msg)
{
	if (r->code == NULL) {
		r->code = code;
		ea_copy(r->message, sizeof(r->message), msg);
	}
}

/* Feeds decompressed bytes; false once the report is over a cap or failed. */
static bool report_feed(report *r, const uint8_t *data, size_t n)
{
	r->out_bytes += n;
	if (r->out_bytes > EA_REPORTS_MAX_XML_BYTES) {
		char m[64];
		snprintf(m, sizeof(m), "expands to more than %u MiB", EA_REPORTS_MAX_XML_BYTES >> 20);
		report_fail(r, "reports.file.too_large", m);
		return false;
	}
	if (r->out_bytes > EA_REPORTS_BOMB_FLOOR &&
	    r->out_bytes / EA_REPORTS_BOMB_RATIO > r->in_bytes) {
		report_fail(r, "reports.file.bomb",
		            "expands more than " EA_XSTR(EA_REPORTS_BOMB_RATIO)
		            " times its compressed size: a decompression bomb");
		return false;
	}
	if (r->code == NULL && ea_rua_parser_feed(r->parser, (const char *)data, n) != EA_OK)
		return false;
	return r->code == NULL;
}

static bool report_begin(reader *rd, report *r)
{
	memset(r, 0, sizeof(*r));
	r->parser = ea_rua_parser_new(rd->sink, rd->sink_arg);
	return r->parser != NULL;
}

static void report_end(reader *rd, report *r, const char *label)
{
	ea_reports_input in = {.path = label};
	if (r->parser == NULL) {
		in.err = EA_ENOMEM;
		in.code = "reports.file.unreadable";
		in.message = "out of memory";
		rd->done(rd->done_arg, &in);
		return;
	}
	if (r->code == NULL)
		ea_rua_parser_finish(r->parser);
	const char *pcode = ea_rua_parser_code(r->parser);
	/* The container's error explains a parse error that follows from it. */
	in.code = r->code ? r->code : pcode;
	in.message = r->code ? r->message : ea_rua_parser_message(r->parser);
	in.err = in.code ? EA_EPARSE : EA_OK;
	in.skipped = ea_rua_parser_skipped(r->parser);
	in.records = ea_rua_parser_records(r->parser);
	rd->done(rd->done_arg, &in);
	ea_rua_parser_free(r->parser);
	r->parser = NULL;
}

static void input_error(reader *rd, const char *label, const char *code, const char *msg, bool ignored)
{
	ea_reports_input in = {.path = label, .err = EA_EPARSE, .code = code, .message = msg,
	                       .ignored = ignored};
	if (ignored) {
		in.err = EA_OK;
		in.code = NULL;
	}
	rd->done(rd->done_arg, &in);
}

static kind detect(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return K_GZIP;
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
		return K_ZIP;
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;   /* UTF-8 byte order mark */
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i < n && p[i] == '<')
		return K_XML;
	/* A message starts with header fields (or an mbox "From " line). */
	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return K_MESSAGE;
	size_t k = 0;
	while (k < n && k < 80 && p[k] > ' ' && p[k] < 127 && p[k] != ':')
		k++;
	if (k > 0 && k < n && p[k] == ':')
		return K_MESSAGE;
	return K_UNKNOWN;
}

static void read_plain(reader *rd, const char *label, source *src, const uint8_t *head, size_t hn)
{
	report r;
	if (!report_begin(rd, &r)) {
		report_end(rd, &r, label);
		return;
	}
	bool ok = reader_buffers(rd) && (r.in_bytes += hn, report_feed(&r, head, hn));
	size_t n;
	while (ok && (n = source_read(src, rd->in, CHUNK)) > 0) {
		r.in_bytes += n;
		ok = report_feed(&r, rd->in, n);
	}
	if (src->error)
		report_fail(&r, "reports.file.unreadable", "read error");
	else if (rd->in == NULL || rd->out == NULL)
		report_fail(&r, "reports.file.unreadable", "out of memory");
	report_end(rd, &r, label);
}

/* gzip (RFC 1952), members one after another, inflated into the parser. */
static void read_gzip(reader *rd, const char *label, source *src, const uint8_t *head, size_t hn)
{
	report r;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (!report_begin(rd, &r) || !reader_buffers(rd) || inflateInit2(&z, 15 + 16) != Z_OK) {
		report_fail(&r, "reports.file.unreadable", "out of memory");
		report_end(rd, &r, label);
		return;
	}
	uint8_t *in = rd->in, *out = rd->out;
	if (hn)
		memcpy(in, head, hn);
	z.next_in = in;
	z.avail_in = (uInt)hn;
	r.in_bytes = hn;
	bool ended = false, eof = false, ok = true;
	while (ok) {
		if (z.avail_in == 0 && !eof) {
			size_t n = source_read(src, in, CHUNK);
			eof = n == 0;
			r.in_bytes += n;
			z.next_in = in;
			z.avail_in = (uInt)n;
		}
		if (z.avail_in == 0 && eof)
			break;
		z.next_out = out;
		z.avail_out = CHUNK;
		int zr = inflate(&z, Z_NO_FLUSH);
		size_t produced = CHUNK - z.avail_out;
		if (produced)
			ok = report_feed(&r, out, produced);
		if (zr == Z_STREAM_END) {
			ended = true;
			/* Another member may follow (RFC 1952 2.2); trailing zeros are padding. */
			if (z.avail_in == 0 || z.next_in[0] != 0x1f)
				break;
			inflateReset(&z);
			ended = false;
		} else if (zr == Z_BUF_ERROR && z.avail_in == 0 && eof) {
			break;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			report_fail(&r, "reports.file.corrupt", "the gzip data is corrupt");
			ok = false;
		}
	}
	if (src->error)
		report_fail(&r, "reports.file.unreadable", "read error");
	else if (ok && !ended)
		report_fail(&r, "reports.file.truncated", "the gzip data ends early (file cut short)");
	inflateEnd(&z);
	report_end(rd, &r, label);
}

/* zip: each member is one report. The caps count the whole archive, so a zip of
 * many overlapping members cannot multiply the work. */
static void read_zip(reader *rd, const char *label, const char *path, const uint8_t *mem,
                     size_t mem_len, uint64_t size)
{
	struct archive *a = archive_read_new();
	if (a == NULL) {
		input_error(rd, label, "reports.file.unreadable", "out of memory", false);
		return;
	}
	archive_read_support_format_zip(a);
	int ar = path ? archive_read_open_filename(a, path, CHUNK)
	              : archive_read_open_memory(a, mem, mem_len);
	if (ar != ARCHIVE_OK) {
		input_error(rd, label, "reports.file.corrupt", "not a readable zip archive", false);
		archive_read_free(a);
		return;
	}
	uint8_t *buf = reader_buffers(rd) ? rd->in : NULL;
	uint64_t total_out = 0;
	struct archive_entry *e;
	unsigned members = 0;
	bool any = false, stop = buf == NULL;
	while (!stop && (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		char member[LABEL_MAX];
		snprintf(member, sizeof(member), "%s:%s", label, archive_entry_pathname(e) ?
		         archive_entry_pathname(e) : "?");
		if (++members > EA_REPORTS_MAX_ZIP_ENTRIES) {
			input_error(rd, label, "reports.file.too_large",
			            "more than " EA_XSTR(EA_REPORTS_MAX_ZIP_ENTRIES) " members in one zip", false);
			break;
		}
		any = true;
		report r;
		if (!report_begin(rd, &r)) {
			report_end(rd, &r, member);
			break;
		}
		r.in_bytes = size;
		r.out_bytes = total_out;
		la_ssize_t n;
		bool ok = true;
		while (ok && (n = archive_read_data(a, buf, CHUNK)) != 0) {
			if (n < 0) {
				report_fail(&r, "reports.file.corrupt", archive_error_string(a) ?
				            archive_error_string(a) : "the zip data is corrupt");
				stop = true;
				break;
			}
			ok = report_feed(&r, buf, (size_t)n);
		}
		total_out = r.out_bytes;
		if (r.code && (strcmp(r.code, "reports.file.bomb") == 0 ||
		               strcmp(r.code, "reports.file.too_large") == 0))
			stop = true;
		report_end(rd, &r, member);
	}
	if (!stop && ar != ARCHIVE_EOF && ar != ARCHIVE_OK)
		input_error(rd, label, "reports.file.corrupt", archive_error_string(a) ?
		            archive_error_string(a) : "the zip archive is corrupt", false);
	else if (!any && ar == ARCHIVE_EOF)
		input_error(rd, label, "reports.file.not_report", "the zip archive holds no file", false);
	archive_read_free(a);
}

typedef struct {
	reader *rd;
	const char *label;
	unsigned message_no;
	int reports;
} message_walk;

static void read_memory(reader *rd, const char *label, const uint8_t *data, size_t len,
                        bool allow_message);

static bool on_attachment(void *arg, const char *filename, const uint8_t *data, size_t len)
{
	message_walk *mw = arg;
	char label[LABEL_MAX];
	if (mw->message_no)
		snprintf(label, sizeof(label), "%s#%u:%s", mw->label, mw->message_no,
		         filename[0] ? filename : "attachment");
	else
		snprintf(label, sizeof(label), "%s:%s", mw->label, filename[0] ? filename : "attachment");
	mw->reports++;
	read_memory(mw->rd, label, data, len, false);
	return true;
}

static bool on_message(void *arg, const char *msg, size_t len)
{
	message_walk *mw = arg;
	mw->message_no++;
	if (ea_mime_attachments(msg, len, on_attachment, mw) == 0) {
		char label[LABEL_MAX];
		snprintf(label, sizeof(label), "%s#%u", mw->label, mw->message_no);
		input_error(mw->rd, label, NULL, NULL, true);
	}
	return true;
}

static void read_message(reader *rd, const char *label, const char *data, size_t len,
                         bool quiet_when_empty)
{
	message_walk mw = {.rd = rd, .label = label};
	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		ea_mbox_split(data, len, on_message, &mw);
		return;
	}
	if (ea_mime_attachments(data, len, on_attachment, &mw) == 0)
		input_error(rd, label, "reports.file.no_report",
		            "a message without a report attachment (gzip, zip or XML)", quiet_when_empty);
}

/* An mbox file is read message by message (RFC 4155: a message starts at a line
 * "From "), so any size is read; one message holds at most
 * EA_REPORTS_MAX_MESSAGE_BYTES, a larger one is reported and skipped. */
static void read_mbox(reader *rd, const char *path, FILE *f)
{
	message_walk mw = {.rd = rd, .label = path};
	char *msg = malloc(EA_REPORTS_MAX_MESSAGE_BYTES);
	if (msg == NULL) {
		input_error(rd, path, "reports.file.unreadable", "out of memory", false);
		return;
	}
	size_t len = 0, col = 0, count = 0;
	bool started = false, too_large = false, separator = false;
	char start[5];
	int c;
	for (;;) {
		c = getc_unlocked(f);
		bool end = c == EOF;
		if (!end && col < sizeof(start))
			start[col] = (char)c;
		bool sep_now = !end && col == sizeof(start) - 1 && memcmp(start, "From ", sizeof(start)) == 0;
		if ((sep_now && started) || (end && started && (len > 0 || too_large))) {
			size_t msg_len = sep_now ? len - (sizeof(start) - 1) : len;
			if (too_large) {
				char label[LABEL_MAX], m[64];
				snprintf(label, sizeof(label), "%s#%u", path, ++mw.message_no);
				snprintf(m, sizeof(m), "a message over %u MiB", EA_REPORTS_MAX_MESSAGE_BYTES >> 20);
				input_error(rd, label, "reports.file.too_large", m, false);
			} else {
				on_message(&mw, msg, msg_len);
			}
			if (++count >= EA_REPORTS_MAX_MESSAGES)
				break;
		}
		if (end)
			break;
		if (sep_now) {
			started = true;
			separator = true;
			len = 0;
			too_large = false;
		} else if (!separator && started) {
			if (len < EA_REPORTS_MAX_MESSAGE_BYTES)
				msg[len++] = (char)c;
			else
				too_large = true;
		}
		if (c == '\n') {
			col = 0;
			separator = false;
		} else {
			col++;
		}
	}
	if (ferror(f))
		input_error(rd, path, "reports.file.unreadable", "cannot read the file", false);
	free(msg);
}

static void read_memory(reader *rd, const char *label, const uint8_t *data, size_t len,
                        bool allow_message)
{
	source src = {.mem = data, .mem_len = len};
	switch (detect(data, len)) {
	case K_XML:
		read_plain(rd, label, &src, NULL, 0);
		break;
	case K_GZIP:
		read_gzip(rd, label, &src, NULL, 0);
		break;
	case K_ZIP:
		read_zip(rd, label, NULL, data, len, len);
		break;
	case K_MESSAGE:
		if (allow_message) {
			read_message(rd, label, (const char *)data, len, false);
			break;
		}
		/* fall through */
	case K_UNKNOWN:
		input_error(rd, label, "reports.file.not_report",
		            "not a DMARC report: neither XML, gzip, zip nor a message", false);
		break;
	}
}

static void read_file(reader *rd, const char *path, bool in_folder)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		input_error(rd, path, "reports.file.unreadable", strerror(errno), false);
		return;
	}
	uint8_t head[512];
	size_t hn = fread(head, 1, sizeof(head), f);
	struct stat st;
	uint64_t size = fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
	source src = {.f = f};
	switch (detect(head, hn)) {
	case K_XML:
		read_plain(rd, path, &src, head, hn);
		break;
	case K_GZIP:
		read_gzip(rd, path, &src, head, hn);
		break;
	case K_ZIP:
		read_zip(rd, path, path, NULL, 0, size);
		break;
	case K_MESSAGE: {
		if (hn >= 5 && memcmp(head, "From ", 5) == 0 && fseek(f, 0, SEEK_SET) == 0) {
			read_mbox(rd, path, f);
			break;
		}
		if (size > EA_REPORTS_MAX_MESSAGE_BYTES) {
			char m[64];
			snprintf(m, sizeof(m), "a message over %u MiB", EA_REPORTS_MAX_MESSAGE_BYTES >> 20);
			input_error(rd, path, "reports.file.too_large", m, false);
			break;
		}
		char *data = malloc(size + 1);
		size_t n = 0;
		if (data != NULL) {
			memcpy(data, head, hn);
			n = hn + fread(data + hn, 1, size - (size > hn ? hn : size) , f);
		}
		if (data == NULL || ferror(f))
			input_error(rd, path, "reports.file.unreadable", "cannot read the file", false);
		else
			read_message(rd, path, data, n, in_folder);
		free(data);
		break;
	}
	case K_UNKNOWN:
		input_error(rd, path, "reports.file.not_report",
		            "not a DMARC report: neither XML, gzip, zip nor a message", in_folder);
		break;
	}
	fclose(f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void read_dir(reader *rd, const char *path, unsigned depth)
{
	struct dirent **names = NULL;
	int n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		input_error(rd, path, "reports.file.unreadable", strerror(errno), false);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char child[LABEL_MAX];
		struct stat st;
		bool skip = strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		            (size_t)snprintf(child, sizeof(child), "%s/%s", path, name) >= sizeof(child) ||
		            stat(child, &st) != 0;
		if (!skip && S_ISDIR(st.st_mode)) {
			/* maildir/tmp holds deliveries still being written. */
			if (depth < EA_REPORTS_MAX_DIR_DEPTH && strcmp(name, "tmp") != 0)
				read_dir(rd, child, depth + 1);
		} else if (!skip && S_ISREG(st.st_mode) && rd->files++ < EA_REPORTS_MAX_DIR_FILES) {
			read_file(rd, child, true);
		}
		free(names[i]);
	}
	free(names);
}

int ea_reports_read(const char *path, const ea_rua_sink *sink, void *sink_arg,
                    ea_reports_input_fn done, void *done_arg)
{
	reader rd = {.sink = sink, .sink_arg = sink_arg, .done = done, .done_arg = done_arg};
	struct stat st;
	if (stat(path, &st) != 0) {
		input_error(&rd, path, "reports.file.unreadable", strerror(errno), false);
		return EA_EIO;
	}
	if (S_ISDIR(st.st_mode))
		read_dir(&rd, path, 0);
	else
		read_file(&rd, path, false);
	reader_free(&rd);
	return EA_OK;
}

int ea_reports_read_buffer(const char *label, const uint8_t *data, size_t len,
                           const ea_rua_sink *sink, void *sink_arg,
                           ea_reports_input_fn done, void *done_arg)
{
	reader rd = {.sink = sink, .sink_arg = sink_arg, .done = done, .done_arg = done_arg};
	read_memory(&rd, label, data, len, true);
	reader_free(&rd);
	return EA_OK;
}
