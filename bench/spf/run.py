#!/usr/bin/python3
"""SPF evaluations per second: `emailauth spf --ip ... --sender ...` against pyspf (Debian
python3-spf) and mailauth (npm), on the same policies and the same DNS server, in one run.

    bench/spf/run.sh BUILD_DIR [--evals N] [--process-evals N] [--repeat R] [--delay-ms D]

The policies (POLICIES below) look like real ones: a domain with mx, two provider includes
that nest two and three deep (Google-like netblocks, a SendGrid-like split), ip4/ip6 lists,
a subdomain that redirects to it, and one with a:host and ~all. The cases pass through each
of those paths, and fail and softfail after walking the whole tree. Every tool must give the
expected result for every case, or its figure is marked.

The zones are served by the loopback DNS bed of the integration tests (Knot DNS + unbound,
tests/integration/bed.py): every tool asks that unbound, nothing leaves 127.0.0.0/8.

Throughput, each tool on one core, one evaluation after the other, unbound warm:
  emailauth batch    `emailauth spf --batch FILE`: one process, one resolver; its answer
                     cache lives across evaluations (as in a mail filter that stays up):
                     wall time of the whole process, start-up included
  emailauth process  one process per evaluation (a script calling the CLI), each with an
                     empty cache: over --process-evals evaluations
  pyspf              spf.check2(i=, s=, h=) in one Python process; dnspython's default
                     resolver is replaced by one that asks the bed's unbound only; pyspf
                     caches within one evaluation, not across: the loop only
  mailauth           spf({ip, sender, helo, resolver}) in one Node process, the resolver a
                     dns.promises.Resolver aimed at the bed's unbound; it memoizes within
                     one evaluation, not across: the loop only
Best of --repeat runs by wall time; CPU time (user + system of the measured process, not
of unbound) is printed too, it moves less than wall time on a shared machine.

Latency with a slow resolver: a UDP proxy (tests/integration/faultproxy.py) holds every
answer --delay-ms before passing it on, as a resolver that must go to the internet would.
Then each case is evaluated once by each tool with empty caches (emailauth with and without
its speculative prefetch, the evaluation's own time from its report, process start-up
excluded like the peers' loops), and the wall time is about the number of rounds of lookups
that had to wait for each other, times the delay.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchlib import best, emailauth_and_mailauth, machine  # noqa: E402
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from bed import Bed, txt_rdata  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402

import dns.resolver  # noqa: E402  (python3-dnspython)
import spf as pyspf  # noqa: E402  (python3-spf)

DNS_TIMEOUT_S = 5
TOOL_TIMEOUT_S = 600          # any one measured command


def rec(owner, text):
    return "%s 300 IN TXT %s\n" % (owner, txt_rdata(text))


POLICIES = {
    "corp.example":
        rec("@", "v=spf1 mx include:_spf.mailhost.example include:spf.sendco.example "
                 "ip4:198.51.100.0/24 ip4:203.0.113.128/25 ip6:2001:db8:100::/48 -all")
        + "@ IN MX 10 mx1\n@ IN MX 20 mx2\nmx1 IN A 192.0.2.25\nmx1 IN AAAA 2001:db8:25::1\n"
          "mx2 IN A 192.0.2.26\n"
        + rec("shop", "v=spf1 redirect=corp.example")
        + rec("news", "v=spf1 a:out.news.corp.example include:spf.sendco.example ~all")
        + "out.news IN A 192.0.2.80\n",
    "mailhost.example":
        rec("_spf", "v=spf1 include:_netblocks.mailhost.example include:_netblocks2.mailhost.example "
                    "include:_netblocks3.mailhost.example ~all")
        + rec("_netblocks", "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 "
                            "ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 "
                            "ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 "
                            "ip4:216.239.32.0/19 ~all")
        + rec("_netblocks2", "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 "
                             "ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 "
                             "ip6:2c0f:fb50:4000::/36 ~all")
        + rec("_netblocks3", "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 "
                             "ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 "
                             "ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"),
    "sendco.example":
        rec("spf", "v=spf1 include:spf-a.sendco.example include:spf-b.sendco.example -all")
        + rec("spf-a", "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 include:spf-a1.sendco.example -all")
        + rec("spf-a1", "v=spf1 ip4:149.72.0.0/16 ip6:2a01:111:f400::/48 -all")
        + rec("spf-b", "v=spf1 ip4:50.31.32.0/19 ip4:198.37.144.0/20 -all"),
}

# (client IP, MAIL FROM, HELO, expected result, what it exercises)
CASES = [
    ("192.0.2.26", "alice@corp.example", "mx2.corp.example", "pass", "mx"),
    ("2a00:1450:4001::1a", "alice@corp.example", "mail.mailhost.example", "pass",
     "ip6 two includes deep"),
    ("149.72.10.5", "bounce@corp.example", "o1.sendco.example", "pass", "ip4 three includes deep"),
    ("198.51.100.7", "alice@corp.example", "gw.corp.example", "pass", "ip4 list, after the includes"),
    ("203.0.113.9", "alice@corp.example", "spammer.example", "fail", "whole tree, then -all"),
    ("74.125.1.1", "orders@shop.corp.example", "mail.mailhost.example", "pass",
     "redirect, then two includes"),
    ("203.0.113.9", "orders@shop.corp.example", "spammer.example", "fail", "redirect, whole tree"),
    ("203.0.113.9", "news@news.corp.example", "spammer.example", "softfail", "a, include, ~all"),
    ("192.0.2.80", "news@news.corp.example", "out.news.corp.example", "pass", "a"),
]
EXPECTED = {"%s %s" % (c[0], c[1]): c[3] for c in CASES}


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ea_result(doc):
    for c in doc.get("checks", []):
        for f in c.get("findings", []):
            if f.get("primary") and f["code"].startswith("spf.eval."):
                return f["code"].split(".")[-1]
    return None


def cycle(count):
    return [CASES[i % len(CASES)] for i in range(count)]


def bench_emailauth_batch(exe, resolver, batch_file, count):
    t0, c0 = time.monotonic(), children_cpu()
    p = subprocess.run([exe, "spf", "--resolver", resolver, "--format", "json", "--batch", batch_file],
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    s, cpu = time.monotonic() - t0, children_cpu() - c0
    docs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    right = sum(ea_result(d) == c[3] for d, c in zip(docs, cycle(count)))
    return count, right, s, cpu


def ea_run(exe, resolver, case, extra=()):
    """(result, the evaluation's own wall ms from the report, start-up excluded)."""
    p = subprocess.run([exe, "spf", "--resolver", resolver, "--format", "json", "--ip", case[0],
                        "--sender", case[1], "--helo", case[2]] + list(extra),
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    try:
        doc = json.loads(p.stdout)
        return ea_result(doc), doc.get("elapsed_ms", 0.0)
    except ValueError:
        return None, 0.0


def ea_one(exe, resolver, case, extra=()):
    return ea_run(exe, resolver, case, extra)[0]


def bench_emailauth_process(exe, resolver, count):
    right = 0
    t0, c0 = time.monotonic(), children_cpu()
    for case in cycle(count):
        right += ea_one(exe, resolver, case) == case[3]
    return count, right, time.monotonic() - t0, children_cpu() - c0


def use_pyspf_resolver(server):
    """pyspf asks dns.resolver.query(), i.e. dnspython's default resolver: aim it here only."""
    host, port = server.rsplit(":", 1)
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [host]
    res.port = int(port)
    res.lifetime = res.timeout = DNS_TIMEOUT_S
    dns.resolver.default_resolver = res


def bench_pyspf(resolver, count):
    use_pyspf_resolver(resolver)
    right = 0
    t0, c0 = time.monotonic(), time.process_time()
    for ip, sender, helo, want, _ in cycle(count):
        right += pyspf.check2(i=ip, s=sender, h=helo, querytime=DNS_TIMEOUT_S)[0] == want
    return count, right, time.monotonic() - t0, time.process_time() - c0


def bench_mailauth(resolver, cases_file, count, repeat):
    p = subprocess.run(["node", os.path.join(HERE, "mailauth_spf.js"), resolver, cases_file, str(count),
                        str(repeat)], capture_output=True, text=True, timeout=TOOL_TIMEOUT_S * repeat)
    if p.returncode != 0:
        raise RuntimeError("mailauth: " + p.stderr[-2000:])
    runs = []
    for line in p.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            right = sum(r["results"].get(k) == v for k, v in EXPECTED.items())
            # results are per distinct case; scale the right ones to the evaluation count
            runs.append((r["evaluations"], r["evaluations"] * right // len(EXPECTED), r["seconds"],
                         r["cpu_seconds"]))
    return runs


def latency(exe, resolver, cases_file, prefetch_supported):
    """Wall ms of each case evaluated once by each tool through the delaying proxy."""
    rows = {}
    variants = [("emailauth", ())]
    if prefetch_supported:
        variants.append(("emailauth --no-prefetch", ("--no-prefetch",)))
    for name, extra in variants:
        ms = []
        for case in CASES:
            got, elapsed = ea_run(exe, resolver, case, extra)
            ms.append((elapsed, got == case[3]))
        rows[name] = ms
    use_pyspf_resolver(resolver)
    ms = []
    for ip, sender, helo, want, _ in CASES:
        t0 = time.monotonic()
        got = pyspf.check2(i=ip, s=sender, h=helo, querytime=DNS_TIMEOUT_S)[0]
        ms.append(((time.monotonic() - t0) * 1000, got == want))
    rows["pyspf"] = ms
    ms = []
    for i, case in enumerate(CASES):
        one = os.path.join(os.path.dirname(cases_file), "case%d.txt" % i)
        with open(one, "w") as f:
            f.write("%s %s %s\n" % case[:3])
        p = subprocess.run(["node", os.path.join(HERE, "mailauth_spf.js"), resolver, one, "1", "1"],
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
        r = json.loads(p.stdout)
        got = r["results"].get("%s %s" % case[:2])
        ms.append((r["seconds"] * 1000, got == case[3]))
    rows["mailauth"] = ms
    return rows


def supports_no_prefetch(exe):
    p = subprocess.run([exe, "spf", "--no-prefetch"], capture_output=True, text=True)
    return "unknown option" not in p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", help="the meson build directory holding tools/cli/emailauth")
    ap.add_argument("--evals", type=int, default=3000, help="evaluations per in-process run")
    ap.add_argument("--process-evals", type=int, default=270,
                    help="evaluations for the one-process-per-evaluation run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--delay-ms", type=float, default=20.0,
                    help="delay added to every answer in the latency part (0: skip it)")
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    exe = emailauth_and_mailauth(a.build)

    tmp = tempfile.mkdtemp(prefix="ea-bench-spf-")
    print("machine: %s" % machine())
    print("date: %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    print("policies: %d zones, %d cases; %d evaluations per in-process run, %d one process each, "
          "best of %d" % (len(POLICIES), len(CASES), a.evals, a.process_evals, a.repeat))
    cases_file = os.path.join(tmp, "cases.txt")
    with open(cases_file, "w") as f:
        f.write("".join("%s %s %s\n" % c[:3] for c in CASES))
    batch_file = os.path.join(tmp, "batch.txt")
    with open(batch_file, "w") as f:
        f.write("".join("%s %s %s\n" % c[:3] for c in cycle(a.evals)))

    results, lat = {}, {}
    with Bed(POLICIES, binary=exe) as bed:
        r = bed.resolver
        # Every case once through every tool: warms unbound, and checks the answers agree.
        for case in CASES:
            ea_one(exe, r, case)
        results["emailauth batch"] = best([bench_emailauth_batch(exe, r, batch_file, a.evals)
                                           for _ in range(a.repeat)])
        results["emailauth process"] = best([bench_emailauth_process(exe, r, a.process_evals)
                                             for _ in range(a.repeat)])
        results["pyspf"] = best([bench_pyspf(r, a.evals) for _ in range(a.repeat)])
        results["mailauth"] = best(bench_mailauth(r, cases_file, a.evals, a.repeat))
        if a.delay_ms > 0:
            with FaultProxy(r, delay_ms=a.delay_ms) as proxy:
                lat = latency(exe, proxy.address, cases_file, supports_no_prefetch(exe))

    print()
    print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    print("%-18s %6s %6s %9s %10s %9s %12s" % ("tool", "evals", "right", "wall s", "evals/s", "CPU s",
                                               "evals/CPU-s"))
    rate, cpu_rate = {}, {}
    for name, (n, right, s, cpu) in results.items():
        rate[name], cpu_rate[name] = n / s, n / max(cpu, 1e-9)
        mark = "" if right == n else "  <- not every result as expected"
        print("%-18s %6d %6d %9.2f %10.1f %9.2f %12.1f%s" % (name, n, right, s, rate[name], cpu,
                                                          cpu_rate[name], mark))
    print()
    print("ratios (evaluations/s, and per CPU-second):")
    for ours in ("emailauth batch", "emailauth process"):
        for peer in ("pyspf", "mailauth"):
            print("  %-17s / %-8s %7.2fx %7.2fx" % (ours, peer, rate[ours] / rate[peer],
                                                   cpu_rate[ours] / cpu_rate[peer]))
    if lat:
        print()
        print("latency, every answer delayed %.0f ms (one evaluation of each case, ms):" % a.delay_ms)
        names = list(lat)
        print("  %-32s" % "case" + "".join(" %12s" % n[:12] for n in names))
        for i, case in enumerate(CASES):
            print("  %-32s" % case[4][:32] + "".join(" %11.0f%s" % (lat[n][i][0], " " if lat[n][i][1] else "!")
                                                     for n in names))
        print("  %-32s" % "total" + "".join(" %12.0f" % sum(x[0] for x in lat[n]) for n in names))
        print("  (! after a figure: that tool's result was not the expected one)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine(), "results": {k: {"evaluations": v[0], "right": v[1],
                                                              "seconds": v[2], "cpu_seconds": v[3],
                                                              "per_second": v[0] / v[2]}
                                                          for k, v in results.items()},
                       "latency_ms": {k: [x[0] for x in v] for k, v in lat.items()}}, f, indent=2)
    subprocess.run(["rm", "-rf", tmp])
    return 0 if all(v[1] == v[0] for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
