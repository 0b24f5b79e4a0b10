"""The layering of docs/architecture.md, kept by reading every #include line: a lower
layer never includes a higher one, the library never includes the programs, and the
pure parsers never include the DNS layer or a check."""
import glob
import os
import re
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import tap  # noqa: E402

# Each part of the tree and its rank: a file may include its own part and lower ranks.
RANK = {
    "util": 0,
    "record": 1, "report": 1,
    "dns": 2, "render": 2,
    "spf": 3, "dkim": 3, "dmarc": 3, "profiles": 3,
    "ses": 4, "verify": 4, "check": 4, "scan": 4, "reports": 4,
    "tools": 5,
}
# Public headers belong to the part that implements them. emailauth.h is the umbrella
# (types and error codes every part uses) and counts as util.
PUBLIC = {
    "emailauth": "util", "names": "util",
    "report": "report", "render": "render",
    "dns": "dns", "job": "dns",
    "spf": "spf", "dmarc": "dmarc",
    "ses": "ses", "verify": "verify", "check": "check", "check_sections": "check",
    "reports": "reports", "profiles": "profiles",
}
# The umbrella header includes every public header at its end, for programs; the parts
# include only the headers they need.
UMBRELLA = "include/emailauth/emailauth.h"
# Pure parsers: no I/O, fuzzable alone. They may include util, record and report only.
PARSERS = [
    "lib/record/*.c", "lib/spf/record.c", "lib/spf/macro.c", "lib/spf/ip.c",
    "lib/dmarc/record.c", "lib/dkim/sig.c", "lib/dkim/canon.c", "lib/dkim/message.c",
    "lib/dkim/address.c", "lib/scan/input.c",
]
PARSER_MAX_RANK = 1

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def part_of(path):
    """The part a source path (relative to SRC) belongs to, or None (tests, bench)."""
    bits = path.split("/")
    if bits[0] == "lib" and len(bits) > 2:
        return bits[1]
    if bits[0] == "include" and len(bits) > 2:
        return PUBLIC.get(os.path.splitext(bits[2])[0])
    if bits[0] == "tools":
        return "tools"
    return None


def resolve(src_file, kind, target):
    """The included file's path relative to SRC, or None for a system header."""
    if kind == "<":
        if target.startswith("emailauth/"):
            return "include/" + target
        return None
    for base in (os.path.dirname(src_file), "lib", "include", "tools/server", "tools/cli"):
        cand = os.path.normpath(os.path.join(base, target))
        if os.path.exists(os.path.join(SRC, cand)):
            return cand
    return None


files = []
for pattern in ("lib/**/*.[ch]", "include/**/*.h", "tools/**/*.[ch]"):
    files += [os.path.relpath(p, SRC) for p in glob.glob(os.path.join(SRC, pattern), recursive=True)]
parsers = set()
for pattern in PARSERS:
    parsers.update(os.path.relpath(p, SRC) for p in glob.glob(os.path.join(SRC, pattern)))

tap.ok(len(files) > 100, "source files read (%d)" % len(files))
tap.ok(set(os.listdir(os.path.join(SRC, "lib"))) <= set(RANK),
       "every folder of lib/ has a place in the layering",
       " ".join(sorted(set(os.listdir(os.path.join(SRC, "lib"))) - set(RANK))))

upward, into_tools, parser_bad, unknown = [], [], [], []
for f in sorted(files):
    if f == UMBRELLA:
        continue
    me = part_of(f)
    text = open(os.path.join(SRC, f), encoding="utf-8", errors="replace").read()
    for kind, target in INCLUDE.findall(text):
        dep_path = resolve(f, kind, target)
        if dep_path is None:
            if kind == '"' and not target.endswith(".c"):
                unknown.append("%s: %s" % (f, target))
            continue
        dep = part_of(dep_path)
        if dep is None:
            unknown.append("%s: %s" % (f, target))
            continue
        line = "%s (%s) includes %s (%s)" % (f, me, dep_path, dep)
        if dep == "tools" and me != "tools":
            into_tools.append(line)
        elif me != dep and RANK[dep] > RANK[me]:
            upward.append(line)
        if f in parsers and dep != me and RANK[dep] > PARSER_MAX_RANK:
            parser_bad.append(line)

tap.ok(not into_tools, "the library never includes tools/", "\n".join(into_tools))
tap.ok(not upward, "no lower layer includes a higher one", "\n".join(upward))
tap.ok(not parser_bad, "pure parsers include only util, record and report", "\n".join(parser_bad))
tap.ok(not unknown, "every quoted #include resolves to a file of the tree", "\n".join(unknown))

# The test itself must catch what it is for: a parser including dns/, render/ a check.
def would_flag(f, dep_path):
    me, dep = part_of(f), part_of(dep_path)
    return dep == "tools" and me != "tools" or (me != dep and RANK[dep] > RANK[me]) or \
        (f in parsers and dep != me and RANK[dep] > PARSER_MAX_RANK)


tap.ok(would_flag("lib/spf/record.c", "lib/dns/internal.h"), "a parser including dns/ is caught")
tap.ok(would_flag("lib/render/text.c", "include/emailauth/check.h"), "render/ including a check is caught")
tap.ok(would_flag("lib/check/check.c", "tools/cli/cli.h"), "the library including tools/ is caught")
tap.ok(not would_flag("tools/cli/cmd_check.c", "include/emailauth/check.h"), "a program including the library is fine")
tap.done()
