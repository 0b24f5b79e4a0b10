#include <stdint.h>
#include <string.h>

#include "render/sanitize.h"

/* Length of a valid UTF-8 sequence at p (not overlong, not a surrogate), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (p[0] == 0xe0 && p[1] < 0xa0)
			return 0;
		if (p[0] == 0xed && p[1] >= 0xa0)
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

void ea_write_terminal_safe(FILE *out, const char *s, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		if (*p == '\n' && keep_newlines) {
			fputc('\n', out);
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			fputc(*p == '\t' ? ' ' : '?', out);
			p++;
			continue;
		}
		size_t n = utf8_len(p);
		if (n == 0) {
			fprintf(out, "\\x%02x", *p);
			p++;
			continue;
		}
		/* C1 controls (U+0080..U+009F) act as escape sequences on some terminals. */
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			fputc('?', out);
			p += 2;
			continue;
		}
		fwrite(p, 1, n, out);
		p += n;
	}
}

void ea_write_html_escaped(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
				fputs("&#xFFFD;", out);
			else
				fputc(*p, out);
		}
	}
}
