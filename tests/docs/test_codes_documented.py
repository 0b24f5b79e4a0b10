"""Finding codes are a public contract: every code the library can emit is documented in
docs/codes-*.md, and the README's commands and docs' links point at files that exist."""
import glob
import os
import re
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import tap  # noqa: E402

PREFIXES = ("ses", "spf", "dmarc", "dkim", "sender", "mx", "mailfrom", "mtasts", "tlsrpt", "bimi",
            "dnssec", "align", "verify", "reports")
DNS_SUFFIXES = {"com", "net", "org", "io", "ch", "eu", "de", "microsoft", "example", "test"}
CODE = re.compile(r'"((?:%s)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"' % "|".join(PREFIXES))

docs = ""
for path in glob.glob(os.path.join(SRC, "docs", "codes-*.md")):
    docs += open(path, encoding="utf-8").read()
documented = set(re.findall(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)+)`", docs))

emitted = {}
for path in glob.glob(os.path.join(SRC, "lib", "**", "*.c"), recursive=True):
    for m in CODE.finditer(open(path, encoding="utf-8", errors="replace").read()):
        code = m.group(1)
        if code.rsplit(".", 1)[1] in DNS_SUFFIXES:
            continue   # a host name such as spf.protection.outlook.com, not a code
        emitted.setdefault(code, path)

tap.ok(len(emitted) > 50, "finding codes found in lib/ (%d)" % len(emitted))
# Codes built from parts at run time (e.g. a prefix plus a suffix) cannot be seen here;
# a documented code that is a prefix of an emitted one covers it.
missing = sorted(c for c in emitted if c not in documented and
                 not any(d.startswith(c + ".") or c.startswith(d + ".") for d in documented))
tap.ok(not missing, "every emitted code is documented in docs/codes-*.md",
       "\n".join("%s (%s)" % (c, os.path.relpath(emitted[c], SRC)) for c in missing))

index = open(os.path.join(SRC, "docs", "finding-codes.md"), encoding="utf-8").read()
for name in re.findall(r"\((codes-[a-z]+\.md)\)", index):
    tap.ok(os.path.exists(os.path.join(SRC, "docs", name)), "docs/finding-codes.md links %s, which exists" % name)
readme = open(os.path.join(SRC, "README.md"), encoding="utf-8").read()
for link in re.findall(r"\]\((docs/[^)#]+)\)", readme):
    tap.ok(os.path.exists(os.path.join(SRC, link)), "README links %s, which exists" % link)
two = re.search(r"## Two commands.*?```sh\n(.*?)```", readme, re.S)
lines = [line for line in (two.group(1) if two else "").splitlines() if line.strip() and not line.startswith("#")]
tap.ok([line.rsplit("&& ", 1)[-1] for line in lines] == ["make demo", "make ci"],
       "README gives the demo and the test command, as root (no sudo: Debian has none by default)", lines)
ci = open(os.path.join(SRC, ".ci", "run"), encoding="utf-8").read()
tap.ok("make ci" in ci, ".ci/run runs the README's test command")
tap.done()
