#!/usr/bin/python3
"""Every way DNS can fail to answer is "could not determine": against the hostile server
(tests/integration/hostile_dns.py: truncation loops, wrong IDs, compression-pointer loops,
CNAME loops and long chains, wrong owner names, garbage, SERVFAIL/REFUSED/FORMERR/NOTIMP,
silence past the deadline, TCP that closes or drips), `ses`, `check`, `spf` and `spf --ip`
exit 3, claim nothing absent, and finish within --timeout."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "integration"))
from tap import ok, done  # noqa: E402
import schema  # noqa: E402
from hostile_dns import HostileDNS, BEHAVIOURS  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", "emailauth")
TIMEOUT_S = 3
MARGIN_S = 2.5               # process start, rendering, and the last round
TOKENS = ",".join(["abcdefghijklmnopqrstuvwxyz234567", "bcdefghijklmnopqrstuvwxyz234567a",
                   "cdefghijklmnopqrstuvwxyz234567ab"])
# Finding codes that claim something is absent.
ABSENCE = re.compile(r"(missing|none_found|\.none$|dangling|unresolved|not_found|nxdomain|not_delegated)")


def findings(doc):
    if "checks" in doc:
        return [f for sec in doc.get("checks", []) for f in sec.get("findings", [])]
    return doc.get("findings", [])


def run(args):
    start = time.time()
    p = subprocess.run([EMAILAUTH] + args, capture_output=True, timeout=TIMEOUT_S + 30)
    took = time.time() - start
    out = p.stdout.decode("utf-8", "replace")
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    return p.returncode, doc, out, took


def main():
    with HostileDNS() as h:
        common = ["--resolver", h.address, "--timeout", str(TIMEOUT_S), "--format", "json"]
        for how in BEHAVIOURS:
            d = "%s.hostile-test.com" % how
            for label, args in (("ses", ["ses", d, "--tokens", TOKENS]),
                                ("check", ["check", d]),
                                ("spf", ["spf", d]),
                                ("spf --ip", ["spf", "--ip", "192.0.2.1", "--sender", "user@" + d])):
                if how == "chase" and label == "ses":
                    continue   # the token name really is a CNAME elsewhere: wrong_target is true
                code, doc, out, took = run(args[:1] + common + args[1:])
                errs = schema.errors(doc, schema.KIND_OF_COMMAND[args[0]]) + schema.legacy_errors(doc)
                if errs:   # hostile bytes still make a valid document (docs/emailauth.schema.json)
                    ok(False, "%s: %s --format json validates against the schema" % (how, label), "\n".join(errs))
                fs = findings(doc)
                absent = sorted({f.get("code") for f in fs if ABSENCE.search(f.get("code", ""))})
                ok(code == 3 and not absent and took <= TIMEOUT_S + MARGIN_S,
                   "%s: %s exits 3 (could not determine), claims nothing absent, within --timeout" % (how, label),
                   "exit %d in %.1f s; absence claimed: %s; not undetermined: %s" % (
                       code, took, absent, sorted({"%s/%s" % (f.get("code"), f.get("severity")) for f in fs
                                                   if not f.get("undetermined") and
                                                   f.get("severity") in ("warning", "error")})))
    done()


main()
