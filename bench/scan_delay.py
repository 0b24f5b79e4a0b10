#!/usr/bin/python3
"""Scan throughput behind real round trips: emailauth scan and mailauth, asking Knot through
bench/delayproxy.c, which holds every query 0, 20, 50 or 100 ms (tc netem is not available
on these kernels: docs/performance.md), against the same scan asking Knot directly.
usage: scan_delay.py BUILD_DIR   (env BENCH_DOMAINS, default 10000; BENCH_REPEAT, default 3;
                                  BENCH_DELAYS, default "0 20 50 100")

For each delay: the proxy's own ceiling (dnsperf through it with 20,000 queries in flight,
the scan's query mix, in domains/s); the scan with --jobs/--inflight raised step by step
until the rate stops growing (CPU-bound), each step BENCH_REPEAT times (all runs shown);
mailauth at 64, 256 and 1,024 domains in flight (its best is kept). Every run must answer
every domain (all pass) with no datagram dropped (UDP RcvbufErrors and the proxy's
counters). Last, the peak memory of a scan holding 20,000 queries in flight.

Loopback UDP drops what a full receive buffer cannot take. A proxy releases a round
trip's queries in bursts, so while this runs net.core.rmem_default is raised to 16 MiB
(as root, put back after): Knot (one UDP worker) and Node take the default."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("BENCH_DOMAINS", "10000")
sys.path.insert(0, HERE)
import scan_bench as sb  # noqa: E402   (zones, input, the bed, mailauth, drops)
from benchlib import machine  # noqa: E402

N = sb.N
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
DELAYS = [int(d) for d in os.environ.get("BENCH_DELAYS", "0 20 50 100").split()]
LADDER = [(1000, 1000), (5000, 10000), (10000, 20000)]     # --jobs, --inflight
MAILAUTH_CONCURRENCY = ["64", "256", "1024"]
CEILING_INFLIGHT = 20000
RMEM_BYTES = 16 * 1024 * 1024


def build_proxy():
    exe = os.path.join(sb.TMP, "delayproxy")
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", exe, os.path.join(HERE, "delayproxy.c")], check=True)
    return exe


class Proxy:
    """bench/delayproxy.c in front of a server; its counters when it stops."""
    def __init__(self, exe, server, delay_ms):
        self.p = subprocess.Popen([exe, "127.0.0.1:0", server, "--delay", str(delay_ms)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.address = self.p.stdout.readline().split()[1]
        self.stats = None

    def stop(self):
        self.p.terminate()
        _, err = self.p.communicate(timeout=10)
        self.stats = json.loads(err.strip().splitlines()[-1])
        return self.stats


def timed_scan(inp, server, jobs, inflight):
    """(domains/s, CPU seconds, peak RSS KiB, pass count, summary)"""
    drops = sb.rcvbuf_errors()
    t0 = time.monotonic()
    p = subprocess.Popen([sb.EMAILAUTH, "scan", inp, "-q", "--output", "/dev/null", "--resolver", server,
                          "--checks", "ses,spf,dmarc", "--jobs", str(jobs), "--inflight", str(inflight)],
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, _, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - t0
    m = re.search(r"pass (\d+)", err)
    return (N / secs, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, int(m.group(1)) if m else 0,
            sb.rcvbuf_errors() - drops, err)


def ceiling(qf, address, per_domain):
    if shutil.which("dnsperf") is None:
        return None
    host, port = address.rsplit(":", 1)
    p = subprocess.run(["dnsperf", "-s", host, "-p", port, "-d", qf, "-c", "8", "-l", "5", "-t", "3",
                        "-q", str(CEILING_INFLIGHT)], capture_output=True, text=True)
    m = re.search(r"Queries per second:\s+([\d.]+)", p.stdout)
    return float(m.group(1)) / per_domain if m else None


def load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main():
    if not os.path.exists(sb.EMAILAUTH):
        sys.exit("no %s: build first" % sb.EMAILAUTH)
    print("machine: %s; %s" % (machine(), time.strftime("%Y-%m-%d %H:%M %Z")))
    exe = build_proxy()
    zones, inp, qf, nq = sb.zones_and_input()
    per_domain = (nq - 1) / N
    try:
        with open(sb.RMEM_DEFAULT) as f:
            old_rmem = f.read().strip()
        with open(sb.RMEM_DEFAULT, "w") as f:
            f.write(str(RMEM_BYTES))
    except OSError:
        old_rmem = None
        print("not root: socket buffers at the system default (drops are counted below)")
    try:
        with sb.Bed(zones, unbound_queries=sb.UNBOUND_QUERIES) as bed:
            run(bed, exe, inp, qf, per_domain)
    finally:
        if old_rmem is not None:
            with open(sb.RMEM_DEFAULT, "w") as f:
                f.write(old_rmem)
    shutil.rmtree(sb.TMP, ignore_errors=True)


def ladder(label, inp, server):
    """Every step of the ladder REPEAT times; returns the best rate and the runs."""
    best = 0
    for jobs, inflight in LADDER:
        rates = []
        for _ in range(REPEAT):
            rate, cpu, rss, passed, drops, err = timed_scan(inp, server, jobs, inflight)
            ok = passed == N and drops == 0
            rates.append(rate)
            if ok:
                best = max(best, rate)
            print("  %-9s --jobs %5d --inflight %5d: %6.0f domains/s, CPU %.2f s, RSS %d MiB, pass %d/%d, "
                  "%d dropped%s (load %s)" % (label, jobs, inflight, rate, cpu, rss // 1024, passed, N, drops,
                                               "" if ok else "  NOT COUNTED", load()))
        print("  %-9s --jobs %5d --inflight %5d: %.0f-%.0f domains/s" % (label, jobs, inflight, min(rates),
                                                                        max(rates)))
    return best


def run(bed, exe, inp, qf, per_domain):
    knot = "%s:53" % bed.auth_ip
    print("serving %d domains on loopback (Knot %s); %.0f queries per domain" % (N, knot, per_domain))
    print("no delay, asking Knot directly:")
    direct = ladder("direct", inp, knot)
    results = {}
    for delay in DELAYS:
        proxy = Proxy(exe, knot, delay)
        print("behind %d ms (delayproxy at %s):" % (delay, proxy.address))
        ceil = ceiling(qf, proxy.address, per_domain)
        best = ladder("%d ms" % delay, inp, proxy.address)
        peer = 0
        for conc in MAILAUTH_CONCURRENCY:
            drops = sb.rcvbuf_errors()
            rate = sb.mailauth(inp, proxy.address, conc)
            print("  mailauth  %5s in flight: %6.0f domains/s (%d dropped)" % (conc, rate or 0,
                                                                             sb.rcvbuf_errors() - drops))
            peer = max(peer, rate or 0)
        st = proxy.stop()
        results[delay] = (best, ceil, peer)
        print("  proxy: %s" % json.dumps(st))
        print("  => %d ms: emailauth best %.0f domains/s = %.0f%% of no delay (%.0f); proxy ceiling %s; "
              "mailauth best %.0f (emailauth %.1fx)" % (
                  delay, best, 100 * best / direct if direct else 0, direct,
                  "%.0f domains/s" % ceil if ceil else "not measured", peer, best / peer if peer else 0))
    memory(exe, knot, inp)
    print("summary (domains/s): no delay %.0f" % direct)
    for delay, (best, ceil, peer) in sorted(results.items()):
        target = min(direct, ceil) if ceil else direct
        print("  %3d ms: emailauth %.0f (%.0f%% of no delay, %.0f%% of min(no delay, proxy ceiling %s)); "
              "mailauth %.0f; ratio %.1fx" % (delay, best, 100 * best / direct, 100 * best / target,
                                              "%.0f" % ceil if ceil else "?", peer, best / peer if peer else 0))


def memory(exe, knot, inp):
    """Peak RSS of a scan with 20,000 queries in flight behind 50 ms, and the most queries
    the proxy held at once (about the queries in flight)."""
    proxy = Proxy(exe, knot, 50)
    rate, cpu, rss, passed, drops, err = timed_scan(inp, proxy.address, 10000, 20000)
    st = proxy.stop()
    print("memory: --jobs 10000 --inflight 20000 behind 50 ms: peak RSS %d MiB; the proxy held up to %d "
          "queries at once; %.0f domains/s, pass %d/%d" % (rss // 1024, st["max_held"], rate, passed, N))


if __name__ == "__main__":
    main()
