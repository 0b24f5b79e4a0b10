#!/usr/bin/python3
"""Scan throughput behind real round trips: emailauth scan and mailauth, asking Knot through
bench/delayproxy.c, which holds every query 0, 20, 50 or 100 ms (tc netem is not available
on these kernels: docs/performance.md), against the same scan asking Knot directly.
usage: scan_delay.py BUILD_DIR   (env BENCH_DOMAINS, default 10000; BENCH_REPEAT, default 3;
                                  BENCH_DELAYS, default "0 20 50 100")

Each repetition: the proxy's own ceiling at each delay (dnsperf through it with 20,000
queries in flight, the scan's query mix, in domains/s); then the scan with --jobs/--inflight
raised step by step until the rate stops growing (CPU-bound), directly and behind each
delay, one after the other, so that ratios compare runs of the same minute (all runs
shown). Then mailauth at 256 and 1,024 domains in flight behind each delay (its best is
kept). A run counts only if every domain passes and no datagram was dropped (UDP
RcvbufErrors; the proxy's counters are printed). Last, the peak memory of a scan holding
about 20,000 queries in flight.

Loopback UDP drops what a full receive buffer cannot take. A proxy releases a round
trip's queries in bursts, so while this runs net.core.rmem_default is raised to 16 MiB
(as root, put back after): Knot (one UDP worker) and Node take the default."""
import json
import os
import re
import shutil
import statistics
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
# --jobs, --inflight. 2,000/4,000 is the step behind 20-50 ms: 1,000 in flight caps a scan
# at 2,500 domains/s behind 50 ms (8 queries a domain), and 8,000 in flight costs more CPU
# per domain than needed (a larger working set).
LADDER = [(1000, 1000), (2000, 4000), (4000, 8000), (10000, 20000)]
MAILAUTH_CONCURRENCY = ["256", "1024"]
MEMORY_DELAY_MS = 1500
CEILING_INFLIGHT = 20000
RMEM_BYTES = 16 * 1024 * 1024


def build_proxy():
    """bench/delayproxy.c, built by meson with the program (bench/meson.build)."""
    exe = os.path.join(sb.BUILD, "bench", "delayproxy")
    if not os.access(exe, os.X_OK):
        sys.exit("no %s: build first (ninja -C %s)" % (exe, sb.BUILD))
    return exe


class Proxy:
    """bench/delayproxy.c in front of a server; its counters when it stops."""
    def __init__(self, exe, server, delay_ms):
        self.p = subprocess.Popen([exe, "127.0.0.1:0", server, "--delay", str(delay_ms)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.address = self.p.stdout.readline().split()[1]
        self.stats = None

    def cpu(self):
        """CPU seconds (user + system) the proxy has used so far: its share of the 2 cores,
        taken from the scan and Knot, is printed with every run behind it."""
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


def run(bed, exe, inp, qf, per_domain):
    """Interleaved: each repetition runs every step of the ladder against Knot directly and
    behind each delay, one after the other, so that a ratio compares runs of the same minute
    on this shared machine; every run is printed."""
    knot = "%s:53" % bed.auth_ip
    print("serving %d domains on loopback (Knot %s); %.1f queries per domain" % (N, knot, per_domain))
    proxies = {d: Proxy(exe, knot, d) for d in DELAYS}
    targets = [("direct", knot, None)] + [("%d ms" % d, proxies[d].address, proxies[d]) for d in DELAYS]
    best = {}          # (repetition, target) -> best rate of the ladder
    ceilings = {}      # (repetition, delay) -> the proxy's ceiling in domains/s
    cpus = {}          # (target, in flight) -> the scan's CPU seconds, every counted run
    for rep in range(REPEAT):
        for d in DELAYS:
            ceilings[rep, d] = ceiling(qf, proxies[d].address, per_domain)
        for jobs, inflight in LADDER:
            for label, server, proxy in targets:
                proxy_cpu = proxy.cpu() if proxy else 0
                rate, cpu, rss, passed, drops, err = timed_scan(inp, server, jobs, inflight)
                proxy_cpu = proxy.cpu() - proxy_cpu if proxy else 0
                ok = passed == N and drops == 0
                if ok:
                    best[rep, label] = max(best.get((rep, label), 0), rate)
                    cpus.setdefault((label, inflight), []).append(cpu)
                print("  run %d %-7s --jobs %5d --inflight %5d: %6.0f domains/s, CPU %.2f s%s, RSS %d MiB, "
                      "pass %d/%d, %d dropped%s (load %s)" % (
                          rep + 1, label, jobs, inflight, rate, cpu,
                          " (the proxy %.2f s)" % proxy_cpu if proxy else "", rss // 1024, passed, N, drops,
                          "" if ok else "  NOT COUNTED", load()), flush=True)
    peers = {}
    for d in DELAYS:
        for conc in MAILAUTH_CONCURRENCY:
            drops = sb.rcvbuf_errors()
            rate = sb.mailauth(inp, proxies[d].address, conc) or 0
            print("  mailauth behind %3d ms, %5s in flight: %6.0f domains/s (%d dropped)" % (
                d, conc, rate, sb.rcvbuf_errors() - drops), flush=True)
            peers[d] = max(peers.get(d, 0), rate)
    for d in DELAYS:
        st = proxies[d].stop()
        print("  proxy %3d ms: %s" % (d, json.dumps(st)))
    print("summary, per repetition (best of the ladder, domains/s):")
    for rep in range(REPEAT):
        direct = best.get((rep, "direct"), 0)
        print("  run %d: direct %.0f" % (rep + 1, direct))
        for d in DELAYS:
            got, ceil = best.get((rep, "%d ms" % d), 0), ceilings[rep, d]
            target = min(direct, ceil) if ceil else direct
            zero = best.get((rep, "0 ms"), 0)
            print("    %3d ms: %.0f = %.0f%% of direct; proxy ceiling %s; %.0f%% of the lower of the two; "
                  "%.0f%% of the same scan through the proxy at 0 ms" % (
                      d, got, 100 * got / direct if direct else 0, "%.0f" % ceil if ceil else "?",
                      100 * got / target if target else 0, 100 * got / zero if zero else 0))
    print("over the %d repetitions (median, and how many reached 80%%):" % REPEAT)
    for d in DELAYS:
        against = {"direct": [], "the lower of direct and the proxy's ceiling": [],
                   "the same scan through the proxy at 0 ms": []}
        for rep in range(REPEAT):
            direct, got = best.get((rep, "direct"), 0), best.get((rep, "%d ms" % d), 0)
            ceil, zero = ceilings[rep, d], best.get((rep, "0 ms"), 0)
            lower = min(direct, ceil) if ceil else direct
            for key, base in (("direct", direct), ("the lower of direct and the proxy's ceiling", lower),
                              ("the same scan through the proxy at 0 ms", zero)):
                if base:
                    against[key].append(got / base)
        print("  %3d ms: %s" % (d, "; ".join(
            "%.0f%% of %s (%d of %d at 80%% or more)" % (100 * statistics.median(r), key,
                                                        sum(x >= 0.8 for x in r), len(r))
            for key, r in against.items() if r)))
    print("the scan's CPU per %d domains (user + system, median of the counted runs), by queries in flight:" % N)
    for label, _, _ in targets:
        print("  %-7s %s" % (label, ", ".join("%d: %.2f s" % (inflight, statistics.median(cpus[label, inflight]))
                                              for _, inflight in LADDER if (label, inflight) in cpus)))
    for d in DELAYS:
        ours = max(best.get((rep, "%d ms" % d), 0) for rep in range(REPEAT))
        print("  mailauth behind %3d ms at its best: %.0f domains/s; emailauth's best %.0f: %.1fx" % (
            d, peers[d], ours, ours / peers[d] if peers[d] else 0))
    memory(exe, knot, inp)


def memory(exe, knot, inp):
    """Peak RSS of a scan holding about 20,000 queries in flight: behind 1.5 s (so the
    scan is not CPU-bound: 20,000 in flight is about 13,000 queries a second), every
    domain started at once; the most queries the proxy held at once shows how many were
    in flight."""
    proxy = Proxy(exe, knot, MEMORY_DELAY_MS)
    drops = sb.rcvbuf_errors()
    t0 = time.monotonic()
    p = subprocess.Popen([sb.EMAILAUTH, "scan", inp, "-q", "--output", "/dev/null", "--resolver", proxy.address,
                          "--checks", "ses,spf,dmarc", "--jobs", str(N), "--inflight", "20000", "--timeout", "30"],
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, _, ru = os.wait4(p.pid, 0)
    secs = time.monotonic() - t0
    st = proxy.stop()
    m = re.search(r"pass (\d+)", err)
    print("memory: --jobs %d --inflight 20000 behind %d ms: peak RSS %d MiB; the proxy held up to %d queries "
          "at once; %.0f domains/s, pass %s/%d, %d dropped" % (N, MEMORY_DELAY_MS, ru.ru_maxrss // 1024,
                                                                st["max_held"], N / secs, m.group(1) if m else "?",
                                                                N, sb.rcvbuf_errors() - drops))


if __name__ == "__main__":
    main()
