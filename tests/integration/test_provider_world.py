#!/usr/bin/python3
"""The provider world (tests/integration/provider_world.py) through Knot and unbound: every
correctly set-up customer domain gets no error and no warning but the ones written down as
true (docs/provider-world.md) from `check` and `scan`, and names exactly the senders in use;
each provider's realistic mistake is diagnosed as that mistake."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "integration"))
from tap import ok, done  # noqa: E402
from bed import Bed  # noqa: E402
import provider_world as w  # noqa: E402

# Warnings that are true for a correct setup, by code (why: docs/provider-world.md).
TRUE_WARNINGS = {
    "dnssec.unsigned",          # the test zones are not signed; true of most domains
}


def findings(doc):
    return [f for sec in doc.get("checks", []) for f in sec.get("findings", [])]


def main():
    with Bed(w.zones()) as bed:
        for d, body, args, senders, warns, zone in w.CUSTOMERS:
            code, out, err = bed.run("check", d, "--format", "json", *args)
            try:
                doc = json.loads(out)
            except ValueError:
                doc = {}
            fs = findings(doc)
            bad = ["%s %s: %s" % (f.get("severity"), f.get("code"), f.get("message", "")[:160]) for f in fs
                   if (f.get("severity") == "error" or f.get("undetermined") or
                       (f.get("severity") == "warning" and f.get("code") not in TRUE_WARNINGS | warns))]
            used = {f.get("subject") for f in fs if f.get("code") == "sender.found"}
            ok(doc and not bad and code in (0, 1), "%s: check gives no error and no untrue warning" % d,
               "exit %d\n%s\n%s" % (code, "\n".join(bad), err[-500:]))
            ok(used == senders, "%s: check names exactly the senders in use %s" % (d, sorted(senders)),
               "named %s" % sorted(used))
        # scan (the dkim check runs the senders section): no row fails.
        lines = "".join("%s\n" % d for d, body, args, senders, warns, zone in w.CUSTOMERS if not args)
        p = subprocess.run(bed.command("scan", "-", "--checks", "spf,dmarc,dkim,mx"), input=lines.encode(),
                           capture_output=True, timeout=300)
        rows = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        failing = ["%s %s" % (r.get("domain"), r.get("status")) for r in rows
                   if r.get("status") not in ("pass", "warn")]
        ok(len(rows) == lines.count("\n") and not failing, "scan: no correct domain fails (%d rows)" % len(rows),
           "\n".join(failing) + p.stderr.decode()[-500:])
        for label, d, body, args, want in w.MISTAKES:
            code, out, err = bed.run("check", d, "--format", "json", *args)
            try:
                doc = json.loads(out)
            except ValueError:
                doc = {}
            codes = {f.get("code") for f in findings(doc)}
            ok(want <= codes and code in (1, 2), "mistake, %s (%s): %s" % (label, d, ", ".join(sorted(want))),
               "exit %d; got %s" % (code, sorted(codes)))
    done()


main()
