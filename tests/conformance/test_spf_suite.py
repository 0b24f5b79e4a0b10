#!/usr/bin/python3
"""SPF conformance: tests/conformance/data/spf/rfc7208-tests.yml (the openspf / pyspf
suite, 203 tests) through the C evaluator with in-memory DNS
(tests/conformance/spf_driver). Each test passes when the result is one of the
listed alternatives; a listed explanation other than DEFAULT must match too.

Zone data follows the suite's driver conventions (pyspf testspf.py): a name with SPF
entries and no TXT entry also answers TXT with the same strings; "TXT: NONE" only
stops that copying; a TIMEOUT entry makes every query type time out that has no
record listed before it (copied TXT records count as listed after everything)."""
import json
import os
import sys

import yaml

SRC = os.environ.get("EA_SRC", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from conformance import run_driver, zone_string  # noqa: E402

BUILD = os.environ.get("EA_BUILD", "build")
SUITE = os.path.join(SRC, "tests", "conformance", "data", "spf", "rfc7208-tests.yml")
DRIVER = os.path.join(BUILD, "tests", "conformance", "spf_driver")
QTYPES = {"TXT": 16, "SPF": 99, "A": 1, "AAAA": 28, "MX": 15, "PTR": 12, "CNAME": 5}
TXT_CHUNK = 255   # one character-string holds at most 255 bytes


def txt_rdata(v):
    strings = [v] if isinstance(v, str) else list(v)
    parts = []
    for s in strings:
        b = s.encode("utf-8")
        if not b:
            parts.append('""')
        while b:
            parts.append(zone_string(b[:TXT_CHUNK]))
            b = b[TXT_CHUNK:]
    return " ".join(parts)


def absolute(n):
    """Zone-file form: escape every byte but letters, digits, '-', '_' and dots."""
    n = str(n)
    n = n if n.endswith(".") else n + "."
    out = []
    for b in n.encode("utf-8"):
        c = chr(b)
        out.append(c if c.isalnum() and b < 0x80 or c in "-_.*" else "\\%03d" % b)
    return "".join(out)


def scenario_zone(zonedata):
    lines, timeouts = [], []
    for owner, entries in (zonedata or {}).items():
        name = absolute(owner)
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        seen = set()
        copied = []
        for e in entries:
            if e == "TIMEOUT":
                late = [t for t in QTYPES.values() if t not in seen]
                if len(late) == len(QTYPES):
                    timeouts.append([owner, 0])
                else:
                    timeouts += [[owner, t] for t in late]
                continue
            (rtype, v), = e.items()
            if v == "NONE":
                continue
            seen.add(QTYPES[rtype])
            if rtype in ("TXT", "SPF"):
                if not isinstance(v, str) and len(v) == 0:
                    # no strings: not expressible in a zone file; the suite only needs
                    # that it does not crash (null-text); left out
                    continue
                lines.append("%s 300 IN %s %s" % (name, rtype, txt_rdata(v)))
                if rtype == "SPF" and not has_txt:
                    copied.append("%s 300 IN TXT %s" % (name, txt_rdata(v)))
            elif rtype == "MX":
                lines.append("%s 300 IN MX %d %s" % (name, v[0], absolute(v[1])))
            elif rtype in ("PTR", "CNAME"):
                lines.append("%s 300 IN %s %s" % (name, rtype, absolute(v)))
            else:
                lines.append("%s 300 IN %s %s" % (name, rtype, v))
        lines += copied
    return lines, timeouts


def main():
    docs = [d for d in yaml.safe_load_all(open(SUITE, "rb")) if d]
    scenarios = []
    for d in docs:
        lines, timeouts = scenario_zone(d.get("zonedata"))
        tests = []
        for name, t in d["tests"].items():
            res = t["result"]
            exp = t.get("explanation")
            tests.append({
                "name": "%s/%s" % (d["description"], name),
                "host": str(t["host"]),
                "mailfrom": str(t.get("mailfrom", "")),
                "helo": str(t.get("helo", "")),
                "results": res if isinstance(res, list) else [res],
                "explanation": None if exp in (None, "DEFAULT") else str(exp),
            })
        scenarios.append({"records": lines, "timeouts": timeouts, "tests": tests})
    p = run_driver(DRIVER, scenarios, 300)
    sys.stdout.write(p.stdout)
    if p.returncode not in (0, 1) or "1.." not in p.stdout:
        print("not ok 999 - the SPF conformance driver ended badly (rc %d)" % p.returncode)
        for line in p.stderr.splitlines()[-20:]:
            print("#   " + line)
        sys.exit(1)
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()
