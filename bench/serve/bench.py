#!/usr/bin/python3
"""Load on emailauth serve with wrk, on loopback only: the server checks against the DNS
test bed (tests/integration/bed.py), never a real resolver. Three routes: the health
endpoint, a static file, and a full SES DKIM check through the API. Connections stay
within what one address may hold (every request comes from 127.0.0.1: at most
MAX_CONCURRENT / 4 checks at once, 32 connections being served), so no request may be
refused: any error or non-2xx is a failure. Every response closes its connection (the
front end reads every request head), so wrk reconnects for each request.

usage: bench.py [BUILD_DIR] [--duration S] [--connections N]
Prints a Markdown table (for docs/performance.md) and exits 1 on any error."""
import argparse
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from bed import Bed  # noqa: E402
import serve_data as sd  # noqa: E402

MAX_CONCURRENT = 16
CHECKS_PER_ADDRESS = 4       # tools/server/limits.h: MAX_CONCURRENT / SRV_GATE_SHARE


def wrk(url, duration, connections, threads=2):
    p = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration,
                        "--latency", "--timeout", "10s", url], capture_output=True, text=True)
    out = p.stdout
    res = {"out": out}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    for pct in ("50", "90", "99"):
        m = re.search(r"^\s+%s(?:\.000)?%%\s+([\d.]+)(us|ms|s)\s*$" % pct, out, re.M)
        if m:
            v = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
            res["p" + pct] = v
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["errors"] = sum(int(x) for x in m.groups()) if m else 0
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=MAX_CONCURRENT)
    args = ap.parse_args()
    os.environ["EMAILAUTH"] = os.path.join(os.path.abspath(args.build), "tools", "cli", "emailauth")
    sd.EMAILAUTH = os.environ["EMAILAUTH"]
    conns = min(args.connections, MAX_CONCURRENT)
    rows = []
    failed = False
    with Bed(sd.zones()) as bed:
        with sd.Server("--resolver", bed.resolver, "--timeout", "10", "--rate", "0",
                       "--max-concurrent", str(MAX_CONCURRENT)) as s:
            api = "/api/v1/ses?domain=ok-shop.com&tokens=" + ",".join(sd.OK_T)
            st, _, _ = s.get(api)   # warms the resolver's cache like any live server
            for name, path in (("GET /healthz", "/healthz"), ("GET /static/app.js", "/static/app.js"),
                               ("GET /api/v1/ses (3 tokens, full check)", api)):
                r = wrk(s.url + path, args.duration, min(conns, CHECKS_PER_ADDRESS) if path == api else conns)
                bad = r["non2xx"] + r["errors"]
                failed |= bad > 0 or r["requests"] == 0
                rows.append((name, r))
                time.sleep(1)
    print("Machine: %s, %d CPUs (%s); date %s; wrk -t2 -c%d (-c%d for the check) -d%ds on loopback; "
          "server --max-concurrent %d --rate 0, DNS from the loopback test bed (Knot + unbound)." %
          (platform.machine(), os.cpu_count(), platform.platform(), time.strftime("%Y-%m-%d"), conns,
           min(conns, CHECKS_PER_ADDRESS), args.duration, MAX_CONCURRENT))
    print()
    print("| route | requests | req/s | p50 ms | p90 ms | p99 ms | errors + non-2xx |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print("| %s | %d | %.0f | %.2f | %.2f | %.2f | %d |" % (name, r["requests"], r["rps"], r.get("p50", -1),
              r.get("p90", -1), r.get("p99", -1), r["non2xx"] + r["errors"]))
    if failed:
        for name, r in rows:
            sys.stderr.write("%s\n%s\n" % (name, r["out"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
