#!/usr/bin/python3
"""emailauth serve under attack, on loopback only (127.0.0.0/8), against the DNS test bed
(tests/integration/bed.py): slowloris from 20 addresses (32 unfinished request heads
each, one byte a second, reconnecting what the server drops) and a flood of slow checks
from 20 other addresses (2 in flight each, every one waiting out the deadline on a zone
whose name server never answers), while a legitimate client on 127.0.0.1 asks /healthz
every 20 ms and runs a check every 2 s. The server runs with its defaults but
--timeout 5 and --rate 0 (so the rate limit does not do the fairness's work).

usage: serve_attack.py [BUILD_DIR] [--duration S]
Prints a Markdown table (for docs/performance.md); exits 1 when /healthz p99 is 50 ms
or more, or a check of the legitimate client is not served."""
import argparse
import os
import platform
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from bed import Bed  # noqa: E402
import serve_data as sd  # noqa: E402
from serve_attack import CheckFlood, Legitimate, Slowloris, attacker_ips, percentile  # noqa: E402

HEALTH_P99_GOAL_MS = 50.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=int, default=30)
    args = ap.parse_args()
    sd.EMAILAUTH = os.path.join(os.path.abspath(args.build), "tools", "cli", "emailauth")
    good = "/api/v1/ses?" + urllib.parse.urlencode({"domain": "ok-shop.com", "tokens": ",".join(sd.OK_T)})
    slow = "/api/v1/ses?" + urllib.parse.urlencode({"domain": "slow-shop.com", "tokens": "abc"})
    with Bed(sd.zones(), timeout_zones=["slow-shop.com"]) as bed:
        with sd.Server("--resolver", bed.resolver, "--timeout", "5", "--rate", "0") as s:
            loris = Slowloris(s.port, attacker_ips(20, first=2), 32, interval=1.0, max_reconnects=10 ** 6)
            flood = CheckFlood(s.port, attacker_ips(20, first=30), 2, slow)
            with loris, flood:
                time.sleep(2.0)
                with Legitimate(s.port, good, health_every=0.02, check_every=2.0) as legit:
                    time.sleep(args.duration)
    health_ms = [dt * 1000 for st, dt in legit.health if st == 200]
    failed_health = sum(1 for st, _ in legit.health if st != 200)
    checks_ok = [dt for st, dt in legit.checks if st == 200]
    p99 = percentile(health_ms, 99)
    print("Machine: %s, %d CPUs (%s), shared; date %s; %d s under attack; server defaults but "
          "--timeout 5 --rate 0 (--max-concurrent 8)." %
          (platform.machine(), os.cpu_count(), platform.platform(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           args.duration))
    print()
    print("| legitimate client | count | p50 | p90 | p99 | max | failed |")
    print("|---|---|---|---|---|---|---|")
    print("| GET /healthz every 20 ms | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %d |" %
          (len(legit.health), percentile(health_ms, 50) or -1, percentile(health_ms, 90) or -1, p99 or -1,
           max(health_ms, default=-1), failed_health))
    print("| SES check every 2 s | %d | %.2f s | %.2f s | %.2f s | %.2f s | %d |" %
          (len(legit.checks), percentile(checks_ok, 50) or -1, percentile(checks_ok, 90) or -1,
           percentile(checks_ok, 99) or -1, max(checks_ok, default=-1), len(legit.checks) - len(checks_ok)))
    print()
    print("Attackers: slowloris opened %d connections, %d closed by the server (408 at the 10 s head "
          "deadline, or 503 when the oldest is dropped); slow-check flood answers: %s. Responses of the "
          "legitimate client without every security header: %d." %
          (loris.opened, loris.closed_by_server, ", ".join("%s: %d" % kv for kv in sorted(
              flood.statuses.items(), key=lambda kv: str(kv[0]))), len(legit.missing)))
    ok = p99 is not None and p99 < HEALTH_P99_GOAL_MS and failed_health == 0 and \
        legit.checks and len(checks_ok) == len(legit.checks)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
