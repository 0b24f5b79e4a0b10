#!/usr/bin/python3
"""The library's messages say what is needed, not how to give it on one interface (issue 16,
item 4): no string literal in a check names a CLI flag (--tokens, --ip, --resolver, ...);
the renderers, which know their interface, may. Also: the help and the page never give
eu-west-1 as a region with its own DKIM domain (it uses dkim.amazonses.com, by our own
table in lib/ses/regions.c)."""
import glob
import os
import re
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

FLAG = re.compile(r"--(tokens|region|ip|resolver|selector|selectors|mail-from|aws-json|helo|sender|zone)\b")
STRING = re.compile(r'"((?:\\.|[^"\\])*)"')
# Renderers and the programs' own glue say how on their interface; the DMARC reports
# command and the resolver's configuration error are the CLI's words.
ALLOWED = ("lib/render/", "lib/reports/", "lib/dns/net.c", "lib/verify/verify.c")


def literals(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for n, line in enumerate(text.splitlines(), 1):
        for m in STRING.finditer(line):
            yield n, m.group(1)


bad = []
for path in sorted(glob.glob(os.path.join(SRC, "lib", "**", "*.c"), recursive=True)):
    rel = os.path.relpath(path, SRC)
    if rel.startswith(ALLOWED):
        continue
    for n, s in literals(path):
        if FLAG.search(s):
            bad.append("%s:%d: %s" % (rel, n, s[:100]))
ok(not bad, "no library message names a CLI flag", "\n".join(bad))
# The sender profiles (data/senders.json, built into the library) give the fix texts the
# senders, alignment and SES paths show: the same rule.
bad = []
for path in sorted(glob.glob(os.path.join(SRC, "data", "*.json"))):
    rel = os.path.relpath(path, SRC)
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        for m in STRING.finditer(line):
            if FLAG.search(m.group(1)):
                bad.append("%s:%d: %s" % (rel, n, m.group(1)[:100]))
ok(not bad, "no sender profile's text names a CLI flag", "\n".join(bad))
ses = sorted(glob.glob(os.path.join(SRC, "lib", "ses", "*.c")) + glob.glob(os.path.join(SRC, "lib", "check", "*.c")))
ok(ses and not any(os.path.relpath(p, SRC).startswith(ALLOWED) for p in ses),
   "the SES and check sources are among those read (none exempted)", ses)

for rel in ("tools/server/page.c", "tools/cli/commands.c", "docs/openapi.yaml"):
    text = open(os.path.join(SRC, rel), encoding="utf-8").read()
    ok("such as eu-west-1" not in text, "%s: eu-west-1 is not given as a region with its own DKIM domain" % rel)
regions = open(os.path.join(SRC, "lib", "ses", "regions.c"), encoding="utf-8").read()
ok("eu-south-1" in regions, "eu-south-1, the example now given, is in the table of regions")
done()
