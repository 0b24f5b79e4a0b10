#!/usr/bin/python3
"""Scan benchmarks against DNS servers started here on loopback (tests/integration/bed.py):
throughput (emailauth scan against Knot directly and through unbound; mailauth with the
same concurrency; dnsperf's raw rate of the same query mix as the ceiling), peak memory
at 10,000 and 100,000 domains, and latency in round trips behind a 50 ms delay.
usage: scan_bench.py BUILD_DIR   (env BENCH_DOMAINS, default 5000; BENCH_JOBS, default 64;
                                  BENCH_PAIRS, default 5; BENCH_ONLY=ratio: the ratio alone)

The ratio to mailauth: both ask the same Knot for the same domains with the same number in
flight, after one warm-up run each (not counted: Knot's and the kernel's caches, Node's JIT,
the page cache); then BENCH_PAIRS pairs, each emailauth then mailauth a few seconds apart,
so that a pair shares the minute's load on this shared machine. Printed: every pair, the
medians of the rates and of the pairs' ratios, and the same for CPU (user + system of each
process: domains per CPU second, which the other tenants' load moves far less than the
wall clock).

Loopback UDP sockets drop datagrams once their receive buffer is full. emailauth asks
for 4 MiB on its own sockets; Knot and Node.js (mailauth) take the system default (208 KiB),
and with 64 domains in flight mailauth lost answers and waited out 2 s timeouts. So that
the peer and the server are not measured by their drops, the bench raises
net.core.rmem_default to the same 4 MiB while it runs (when it may: root), puts it back at
the end, and prints the receive-buffer drops of every run."""
import json
import os
import re
import shutil
import subprocess
import sys
import resource
import statistics
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from bed import Bed  # noqa: E402
sys.path.insert(0, HERE)
from benchlib import machine  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402
import ses_data as sd  # noqa: E402

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(SRC, "build"))
EMAILAUTH = os.path.join(BUILD, "tools", "cli", "emailauth")
N = int(os.environ.get("BENCH_DOMAINS", "5000"))   # a scan of 2,000 lasts 0.3 s: start-up weighs
JOBS = os.environ.get("BENCH_JOBS", "64")
PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))
MEMORY_SIZES = (10000, 100000)
RMEM_BYTES = 4 * 1024 * 1024   # what emailauth sets on its own sockets (NET_SOCKET_RCVBUF)
RMEM_DEFAULT = "/proc/sys/net/core/rmem_default"
DELAY_MS = 50
UNBOUND_QUERIES = 1024     # the test bed's unbound drops past 64 recursions at once
PROVIDER = "mail-provider.net"
TMP = tempfile.mkdtemp(prefix="ea-bench-")


def zones_and_input():
    keys = sd.Keys()
    zones = {PROVIDER: '_spf 300 IN TXT "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"\n'}
    lines, queries = [], []
    for i in range(N):
        d = "b%d-shop.com" % i
        toks = sd.tokens(d)
        keys.publish(toks)
        zones[d] = ('@ 300 IN TXT "v=spf1 include:_spf.%s -all"\n'
                    '_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@%s"\n' % (PROVIDER, d)
                    + sd.cnames(toks))
        lines.append("%s %s\n" % (d, " ".join(toks)))
        # The queries the scan puts on the wire for a domain, asking Knot directly: SPF,
        # DMARC, per token the TXT at the CNAME (the key, through a resolver; the CNAME
        # is read off that answer) and, since Knot does not recurse, the TXT at its
        # target (the CNAME followed). _spf.<provider> is asked once per worker and
        # answered from its cache after.
        queries += ["%s TXT" % d, "_dmarc.%s TXT" % d]
        queries += ["%s._domainkey.%s TXT" % (t, d) for t in toks]
        queries += ["%s.%s TXT" % (t, sd.DKIM_DOMAIN) for t in toks]
    queries.append("_spf.%s TXT" % PROVIDER)
    zones.update(keys.zones())
    inp = os.path.join(TMP, "domains.txt")
    with open(inp, "w") as f:
        f.writelines(lines)
    qf = os.path.join(TMP, "queries.txt")
    with open(qf, "w") as f:
        f.write("\n".join(queries) + "\n")
    return zones, inp, qf, len(queries)


def rcvbuf_errors():
    """Datagrams dropped on this machine because a socket's receive buffer was full."""
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def raise_rmem_default():
    """Returns the old value to put back, or None when it could not be raised."""
    try:
        with open(RMEM_DEFAULT) as f:
            old = f.read().strip()
        if int(old) < RMEM_BYTES:
            with open(RMEM_DEFAULT, "w") as f:
                f.write(str(RMEM_BYTES))
        return old
    except (OSError, ValueError):
        return None


def timed_run(argv):
    """(stdout, stderr, wall seconds, CPU seconds) of a command; its CPU (user + system) is
    what the children reaped during it used: this script runs one at a time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    secs = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return p.stdout, p.stderr, secs, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def ratio_to_mailauth(inp, knot):
    """The fair ratio (see the module's doc): warm-up, then PAIRS pairs; medians."""
    if not mailauth_installed():
        return None
    ours = [EMAILAUTH, "scan", inp, "-q", "--output", "/dev/null", "--resolver", knot,
            "--checks", "ses,spf,dmarc", "--jobs", JOBS]
    peer = ["node", os.path.join(HERE, "mailauth-scan.js"), inp, knot, JOBS]
    timed_run(ours)
    timed_run(peer)
    pairs = []
    for i in range(PAIRS):
        drops = rcvbuf_errors()
        _, err, secs, cpu = timed_run(ours)
        st = re.search(r"pass (\d+)", err)
        passed = int(st.group(1)) if st else 0
        out, perr, psecs, pcpu = timed_run(peer)
        try:
            done = json.loads(out.strip().splitlines()[-1])["domains"]
        except (ValueError, IndexError, KeyError):
            print("mailauth: failed: %s" % perr[-500:])
            return None
        pair = (N / secs, N / cpu, done / psecs, done / pcpu)
        pairs.append(pair)
        print("pair %d (load %s): emailauth %6.0f domains/s, %6.0f per CPU s (pass %d/%d); mailauth %6.0f "
              "domains/s, %6.0f per CPU s; ratio %.1fx wall, %.1fx CPU; %d datagrams dropped" % (
                  i + 1, loadavg(), pair[0], pair[1], passed, N, pair[2], pair[3], pair[0] / pair[2],
                  pair[1] / pair[3], rcvbuf_errors() - drops), flush=True)
    med = lambda xs: statistics.median(xs)
    wall = [p[0] / p[2] for p in pairs]
    cpu = [p[1] / p[3] for p in pairs]
    print("emailauth / mailauth, %d domains, %s in flight, median of %d pairs: %.0f vs %.0f domains/s = "
          "%.1fx (pairs %s); per CPU second %.0f vs %.0f = %.1fx (pairs %s)" % (
              N, JOBS, PAIRS, med([p[0] for p in pairs]), med([p[2] for p in pairs]), med(wall),
              ", ".join("%.1f" % r for r in wall), med([p[1] for p in pairs]), med([p[3] for p in pairs]),
              med(cpu), ", ".join("%.1f" % r for r in cpu)), flush=True)
    return med(wall)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def scan(inp, server, extra=()):
    t0 = time.monotonic()
    p = subprocess.run([EMAILAUTH, "scan", inp, "-q", "--output", "/dev/null", "--resolver", server,
                        "--checks", "ses,spf,dmarc", "--jobs", JOBS] + list(extra),
                       capture_output=True, text=True)
    secs = time.monotonic() - t0
    m = re.search(r"lookups sent (\d+), answered from the scan's cache (\d+)", p.stderr)
    sent = int(m.group(1)) if m else 0
    st = re.search(r"pass (\d+), warn (\d+), fail (\d+), error \(could not determine\) (\d+)", p.stderr)
    return secs, sent, st.groups() if st else None, p.stderr


def main():
    if not os.path.exists(EMAILAUTH):
        sys.exit("no %s: build first" % EMAILAUTH)
    print("machine: %s; %s" % (machine(), time.strftime("%Y-%m-%d %H:%M %Z")))
    zones, inp, qf, nq = zones_and_input()
    old_rmem = raise_rmem_default()
    print("socket receive buffers: %s" % ("net.core.rmem_default raised to %d for this run" % RMEM_BYTES
                                          if old_rmem is not None else
                                          "not root: system default (drops are counted below)"))
    try:
        run(zones, inp, qf, nq)
    finally:
        if old_rmem is not None:
            with open(RMEM_DEFAULT, "w") as f:
                f.write(old_rmem)
    shutil.rmtree(TMP, ignore_errors=True)


def run(zones, inp, qf, nq):
    print("serving %d domains (%d zones) on loopback: Knot DNS + unbound" % (N, len(zones)))
    with Bed(zones, unbound_queries=UNBOUND_QUERIES) as bed:
        knot = "%s:53" % bed.auth_ip
        ratio_to_mailauth(inp, knot)
        if os.environ.get("BENCH_ONLY") == "ratio":
            return
        subprocess.run([EMAILAUTH, "scan", inp, "-q", "--output", "/dev/null", "--resolver", bed.resolver,
                        "--checks", "ses,spf,dmarc"], capture_output=True)   # warm unbound's cache
        results = {}
        cores = str(os.cpu_count() or 1)
        for name, server, extra in (("knot", knot, ()), ("knot", knot, ("--threads", cores)),
                                    ("unbound", bed.resolver, ())):
            drops = rcvbuf_errors()
            secs, sent, st, err = scan(inp, server, extra)
            label = "%s%s" % (name, ", %s threads" % cores if extra else "")
            results.setdefault(label, N / secs)
            print("emailauth scan via %-16s: %6.0f domains/s (pass/warn/fail/error %s; %d lookups; "
                  "%d datagrams dropped)" % (label, N / secs, "/".join(st) if st else err[-300:], sent,
                                             rcvbuf_errors() - drops))
        ceiling = dnsperf(qf, bed.auth_ip)
        if ceiling:
            per_domain = (nq - 1) / N     # the mix less the one provider query
            ceiling_domains = ceiling / per_domain
            print("dnsperf ceiling, the scan's query mix (%.0f queries per domain) against Knot: %.0f "
                  "queries/s = %.0f domains/s -> emailauth reaches %.0f%% of it (%.0f%% with %s threads)"
                  % (per_domain, ceiling, ceiling_domains, 100 * results["knot"] / ceiling_domains,
                     100 * results["knot, %s threads" % cores] / ceiling_domains, cores))
        memory(bed, knot)
        latency(bed, knot)


def mailauth_installed():
    """bench/package.json's mailauth in bench/node_modules (npm install when missing)."""
    if os.path.isdir(os.path.join(HERE, "node_modules", "mailauth")):
        return True
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE)
    if r.returncode != 0:
        print("mailauth: npm install failed; peer not measured")
    return r.returncode == 0


def mailauth(inp, server, concurrency=JOBS):
    if not mailauth_installed():
        return None
    p = subprocess.run(["node", os.path.join(HERE, "mailauth-scan.js"), inp, server, concurrency],
                       capture_output=True, text=True, timeout=1800)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])["rate"]
    except (ValueError, IndexError):
        print("mailauth: failed: %s" % p.stderr[-500:])
        return None


def dnsperf(qf, ip):
    if shutil.which("dnsperf") is None:
        print("dnsperf: not installed (apt-get install dnsperf); ceiling not measured")
        return None
    p = subprocess.run(["dnsperf", "-s", ip, "-p", "53", "-d", qf, "-c", "4", "-l", "10", "-q", "500"],
                       capture_output=True, text=True)
    m = re.search(r"Queries per second:\s+([\d.]+)", p.stdout)
    return float(m.group(1)) if m else None


def memory(bed, knot):
    """Names below the served domains (so every lookup is answered) with SPF and DMARC."""
    for n in MEMORY_SIZES:
        path = os.path.join(TMP, "mem-%d.txt" % n)
        with open(path, "w") as f:
            for i in range(n):
                f.write("m%d.b%d-shop.com\n" % (i, i % N))
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", EMAILAUTH, "scan", path, "-q", "--output",
                            "/dev/null", "--resolver", knot, "--checks", "spf,dmarc", "--jobs", JOBS],
                           capture_output=True, text=True)
        m = re.search(r"MAXRSS (\d+)", p.stderr)
        print("memory: %6d domains: peak RSS %s KiB (%.1f s)" % (n, m.group(1) if m else "?",
                                                              time.monotonic() - t0))


def latency(bed, knot):
    """Wall time of one command behind a proxy that delays each query 50 ms (tc netem
    is not available on this kernel: docs/performance.md), less the process start,
    in round trips: it should be the longest chain of dependent lookups."""
    d = "b0-shop.com"
    toks = sd.tokens(d)
    start = min(timed([EMAILAUTH, "--version"]) for _ in range(5))
    # ses asks Knot directly: the TXT at each token's name (a CNAME), then the key at
    # its target (the chain followed, since Knot does not recurse): 2 in a row
    with FaultProxy(knot, delay_ms=DELAY_MS) as proxy:
        for what, args in (("ses", ["ses", d, "--tokens", ",".join(toks)]),
                           ("check", ["check", d])):
            proxy.stats["queries"] = 0
            runs = [timed([EMAILAUTH] + args + ["--resolver", proxy.address, "--format", "json"])
                    for _ in range(3)]
            secs = min(runs)
            print("latency: emailauth %-5s behind %d ms: %.0f ms, less %.0f ms process start = %.1f "
                  "round trips (%d queries a run)" % (what, DELAY_MS, secs * 1000, start * 1000,
                                                      (secs - start) * 1000 / DELAY_MS,
                                                      proxy.stats["queries"] // 3))


def timed(argv):
    t0 = time.monotonic()
    subprocess.run(argv, capture_output=True)
    return time.monotonic() - t0


if __name__ == "__main__":
    main()
