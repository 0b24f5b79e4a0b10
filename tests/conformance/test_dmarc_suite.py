#!/usr/bin/python3
"""DMARC conformance: tests/conformance/data/dmarc/dmarc-cases.yml through the C
library (tests/conformance/dmarc_driver, in-memory DNS). Every case whose scope is
`both` or `rfc9989` must pass; `impl` and `rfc7489` cases are run and their
agreement is printed as comments only."""
import json
import os
import sys

import yaml

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
from tap import ok, done  # noqa: E402
from conformance import run_driver, zone_string  # noqa: E402

SRC = os.environ.get("EA_SRC", ".")
BUILD = os.environ.get("EA_BUILD", "build")
CASES = os.path.join(SRC, "tests", "conformance", "data", "dmarc", "dmarc-cases.yml")
DRIVER = os.path.join(BUILD, "tests", "conformance", "dmarc_driver")
GATED = ("both", "rfc9989")


def zone_of(dns):
    lines, timeouts = [], []
    for owner, rrs in (dns or {}).items():
        if rrs == "TIMEOUT":
            timeouts.append(owner)
            continue
        if isinstance(rrs, dict):
            for rtype, values in rrs.items():
                for v in values:
                    if rtype == "MX":
                        lines.append("%s. 300 IN MX %d %s." % (owner, v[0], v[1]))
                    else:
                        lines.append("%s. 300 IN %s %s" % (owner, rtype, v))
            continue
        for rr in rrs:
            lines.append("%s. 300 IN TXT %s" % (owner, " ".join(zone_string(s) for s in rr)))
    return "\n".join(lines) + "\n", timeouts


def same(a, b):
    if isinstance(b, bool) or isinstance(a, bool):
        return a == b
    return str(a).lower() == str(b).lower()


def compare_record(exp, got):
    """Differences between an expected record outcome and the parse result."""
    bad = []
    for k, v in exp.items():
        if k in ("tags", "defaults"):
            for t, tv in v.items():
                if not same(got["tags"].get(t), tv):
                    bad.append("%s.%s: want %r got %r" % (k, t, tv, got["tags"].get(t)))
        elif k == "rua":
            uris = got.get("rua", [])
            for i, want in enumerate(v):
                g = uris[i] if i < len(uris) else {}
                if isinstance(want, str):
                    want = {"uri": want, "size_limit": ""}
                if g.get("uri") != want["uri"] or str(g.get("size_limit")) != str(want["size_limit"]):
                    bad.append("rua[%d]: want %r got %r" % (i, want, g))
        elif k == "receiver_effective_policy":
            eff = got["tags"].get("p") if got["usable"] else "no-dmarc"
            if not got["p_valid"] and got["usable"]:
                eff = "none"
            if not same(eff, v):
                bad.append("%s: want %r got %r" % (k, v, eff))
        elif not same(got.get(k), v):
            bad.append("%s: want %r got %r" % (k, v, got.get(k)))
    return bad


def compare_eval(exp, got):
    bad = []
    if "error" in got:
        return ["driver: " + got["error"]]
    for k, v in exp.items():
        if k == "tags":
            tags = got.get("record", {}).get("tags", {})
            for t, tv in v.items():
                if not same(tags.get(t), tv):
                    bad.append("tags.%s: want %r got %r" % (t, tv, tags.get(t)))
        elif k == "txt_queries_in_order":
            if got.get(k) != v:
                bad.append("%s: want %r got %r" % (k, v, got.get(k)))
        elif not same(got.get(k), v):
            bad.append("%s: want %r got %r" % (k, v, got.get(k)))
    return bad


def main():
    with open(CASES) as f:
        cases = [c for c in yaml.safe_load_all(f) if c]
    requests, plan = [], []   # plan: (case id, scope, expect, index of request, kind)
    for c in cases:
        kind = c["kind"]
        if kind == "record":
            subs = []
            if "record" in c:
                subs.append((c["record"], c["expect"]))
            for r in c.get("records", []):
                subs.append((r, c["expect"]))
            for sub in c.get("cases", []):
                subs.append((sub["record"], sub.get("expect")))
            for i, (rec, exp) in enumerate(subs):
                plan.append(("%s[%d]" % (c["id"], i) if len(subs) > 1 else c["id"], c["scope"],
                             exp, len(requests), "record"))
                requests.append({"op": "parse", "record": rec})
        else:
            if "from_domain" not in c:
                plan.append((c["id"], c["scope"], None, None, "skip"))
                continue
            zone, timeouts = zone_of(c.get("dns"))
            plan.append((c["id"], c["scope"], c["expect"], len(requests), kind))
            requests.append({"op": "evaluate", "zone": zone, "timeouts": timeouts,
                             "from": c["from_domain"], "dkim": c.get("dkim_pass", []),
                             "spf": c.get("spf_pass", [])})
    p = run_driver(DRIVER, requests, 120)
    ok(p.returncode == 0, "dmarc_driver runs", p.stderr)
    answers = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    gated = passed = 0
    for cid, scope, exp, idx, kind in plan:
        if kind == "skip":
            print("# %s (%s): not a single From domain; not run" % (cid, scope))
            continue
        got = answers[idx] if idx is not None and idx < len(answers) else {}
        if kind == "record" and not isinstance(exp, dict):
            # OpenDMARC table rows: 'ok' or 'error-*' (scope impl only).
            bad = [] if (exp == "ok") == bool(got.get("usable")) else ["want %s" % exp]
        elif kind == "record":
            bad = compare_record(exp, got)
        else:
            bad = compare_eval(exp, got)
        if scope in GATED:
            gated += 1
            passed += not bad
            ok(not bad, "%s (%s)" % (cid, scope), "\n".join(bad) + "\n" + json.dumps(got)[:2000])
        else:
            print("# %s (%s, informational): %s" % (cid, scope, "agrees" if not bad else "; ".join(bad)))
    print("# conformance: %d of %d gated DMARC cases pass" % (passed, gated))
    done()


main()
