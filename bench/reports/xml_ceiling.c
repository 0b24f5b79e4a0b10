/*
 * The ceiling for `emailauth reports`: a plain libxml2 loop that only inflates each
 * .xml.gz file and parses it with an empty SAX handler (no records kept, no output).
 * Whatever emailauth does on top (reading the records, adding them up) costs time
 * beyond this. Usage: xml_ceiling FILE.xml.gz...
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	unsigned long ok = 0, bad = 0;
	xmlInitParser();
	for (int i = 1; i < argc; i++) {
		gzFile f = gzopen(argv[i], "rb");
		if (f == NULL) {
			bad++;
			continue;
		}
		xmlSAXHandler sax;
		memset(&sax, 0, sizeof(sax));
		sax.initialized = XML_SAX2_MAGIC;
		xmlParserCtxtPtr c = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, argv[i]);
		xmlCtxtUseOptions(c, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
		int n;
		while ((n = gzread(f, buf, sizeof(buf))) > 0)
			xmlParseChunk(c, buf, n, 0);
		xmlParseChunk(c, NULL, 0, 1);
		if (c->wellFormed)
			ok++;
		else
			bad++;
		xmlFreeParserCtxt(c);
		gzclose(f);
	}
	printf("%lu parsed, %lu failed\n", ok, bad);
	return bad != 0;
}
