#!/usr/bin/python3
"""Messages verified per second: `emailauth verify` against dkimpy (Debian python3-dkim)
and mailauth (npm), on the same corpus and the same DNS server, in one run.

    bench/verify/run.sh BUILD_DIR [--messages N] [--repeat R] [--process-sample N]

The corpus is signed here with dkimpy: half RSA 2048 and half Ed25519, four keys over
two domains, bodies of 0.5-4 KB. The keys are published by the loopback DNS bed of the
integration tests (Knot DNS + unbound, tests/integration/bed.py): every tool asks that
unbound, nothing leaves 127.0.0.0/8. Every tool must find every signature passing, or
its figure is marked.

Measured, each on one core, one message after the other:
  emailauth batch      one process verifies all files (one resolver and answer cache):
                       wall time of the whole process, start-up included
  emailauth process    one process per message (a shell script or a mail filter calling
                       the CLI): over the first --process-sample messages
  dkimpy               dkim.verify(msg, dnsfunc=...) in one Python process, the dnsfunc
                       asking the bed's unbound through dnspython; the loop only
  mailauth             dkimVerify(msg, {resolver}) in one Node process, the resolver a
                       dns.promises.Resolver aimed at the bed's unbound; the loop only
emailauth does more per message than the others (DMARC discovery, the Authentication-
Results header, a report); the peers do DKIM alone. Best of --repeat runs (by wall
time). CPU time (user + system of the measured process, not of unbound) is printed too:
on a shared machine it moves less than wall time.
"""
import argparse
import base64
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

import dkim  # noqa: E402  (python3-dkim)
import dns.resolver  # noqa: E402  (python3-dnspython)
import nacl.signing  # noqa: E402  (python3-nacl)

DOMAINS = ("shop.example", "news.example")
DNS_TIMEOUT_S = 5
TOOL_TIMEOUT_S = 600          # any one measured command
PARAGRAPH = (b"Your order has shipped and will arrive within three working days. "
             b"Track it with the link in your account.\r\n")


def rsa_key(tmp, name):
    path = os.path.join(tmp, name + ".pem")
    subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    with open(path, "rb") as f:
        return f.read(), "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def ed_key():
    sk = nacl.signing.SigningKey.generate()
    return base64.b64encode(bytes(sk)), "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(sk.verify_key)).decode()


def make_keys(tmp):
    """Four keys: (domain, selector, algorithm, private key, record)."""
    keys = []
    for n, dom in enumerate(DOMAINS):
        priv, rec = rsa_key(tmp, "rsa%d" % n)
        keys.append((dom, b"rsa%d" % n, b"rsa-sha256", priv, rec))
        priv, rec = ed_key()
        keys.append((dom, b"ed%d" % n, b"ed25519-sha256", priv, rec))
    return keys


def zones(keys):
    out = {}
    for dom in DOMAINS:
        text = "@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"\n"
        for d, sel, _, _, rec in keys:
            if d == dom:
                text += "%s._domainkey IN TXT %s\n" % (sel.decode(), txt_rdata(rec))
        out[dom] = text
    return out


def make_corpus(tmp, keys, count):
    paths = []
    for i in range(count):
        dom, sel, alg, priv, _ = keys[i % len(keys)]
        msg = (b"From: Shop <orders@%s>\r\nTo: customer%d@example.net\r\nSubject: Order %d\r\n"
               b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <%d@%s>\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               % (dom.encode(), i, i, i, dom.encode())) + PARAGRAPH * (4 + i % 28)
        sig = dkim.sign(msg, sel, dom.encode(), priv, signature_algorithm=alg,
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        path = os.path.join(tmp, "m%05d.eml" % i)
        with open(path, "wb") as f:
            f.write(sig + msg)
        paths.append(path)
    return paths


def dkim_passed(json_line):
    doc = json.loads(json_line)
    return any(c.get("check") == "dkim" and c.get("status") == "pass" for c in doc.get("checks", []))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bench_emailauth_batch(exe, resolver, paths):
    t0, c0 = time.monotonic(), children_cpu()
    p = subprocess.run([exe, "verify", "--resolver", resolver, "--format", "json"] + paths,
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
    s, cpu = time.monotonic() - t0, children_cpu() - c0
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    return len(paths), sum(dkim_passed(l) for l in lines), s, cpu


def bench_emailauth_process(exe, resolver, paths):
    passed = 0
    t0, c0 = time.monotonic(), children_cpu()
    for path in paths:
        p = subprocess.run([exe, "verify", "--resolver", resolver, "--format", "json", path],
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)
        passed += dkim_passed(p.stdout)
    return len(paths), passed, time.monotonic() - t0, children_cpu() - c0


def bench_dkimpy(resolver, messages):
    host, port = resolver.rsplit(":", 1)
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [host]
    res.port = int(port)

    def dnsfunc(name, timeout=DNS_TIMEOUT_S):
        try:
            a = res.resolve(name.decode(), "TXT", raise_on_no_answer=False, lifetime=timeout)
        except dns.exception.DNSException:
            return None
        for r in a.response.answer:
            if r.rdtype == dns.rdatatype.TXT:
                return b"".join(list(r.items)[0].strings)
        return None

    passed = 0
    t0, c0 = time.monotonic(), time.process_time()
    for msg in messages:
        passed += bool(dkim.verify(msg, dnsfunc=dnsfunc))
    return len(messages), passed, time.monotonic() - t0, time.process_time() - c0


def bench_mailauth(resolver, list_file, repeat):
    p = subprocess.run(["node", os.path.join(HERE, "mailauth_verify.js"), resolver, list_file, str(repeat)],
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT_S * repeat)
    if p.returncode != 0:
        raise RuntimeError("mailauth: " + p.stderr[-2000:])
    runs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return [(r["messages"], r["pass"], r["seconds"], r["cpu_seconds"]) for r in runs]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", help="the meson build directory holding tools/cli/emailauth")
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--process-sample", type=int, default=300,
                    help="messages for the one-process-per-message run")
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    exe = emailauth_and_mailauth(a.build)

    tmp = tempfile.mkdtemp(prefix="ea-bench-verify-")
    print("machine: %s" % machine())
    print("date: %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    keys = make_keys(tmp)
    t0 = time.monotonic()
    paths = make_corpus(tmp, keys, a.messages)
    print("corpus: %d messages signed with dkimpy in %.1fs (RSA 2048 and Ed25519, %d keys, %d domains)"
          % (len(paths), time.monotonic() - t0, len(keys), len(DOMAINS)))
    messages = []
    for p in paths:
        with open(p, "rb") as f:
            messages.append(f.read())
    list_file = os.path.join(tmp, "list.txt")
    with open(list_file, "w") as f:
        f.write("\n".join(paths) + "\n")
    sample = paths[:min(a.process_sample, len(paths))]

    results = {}
    with Bed(zones(keys), binary=exe) as bed:
        r = bed.resolver
        # Warm unbound's cache once, so every tool meets the same warm resolver.
        bench_emailauth_batch(exe, r, paths[:len(keys)])
        results["emailauth batch"] = best([bench_emailauth_batch(exe, r, paths) for _ in range(a.repeat)])
        results["emailauth process"] = best([bench_emailauth_process(exe, r, sample) for _ in range(a.repeat)])
        results["dkimpy"] = best([bench_dkimpy(r, messages) for _ in range(a.repeat)])
        results["mailauth"] = best(bench_mailauth(r, list_file, a.repeat))

    print()
    print("load average at the end: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    print("%-18s %8s %6s %9s %11s %9s %13s" % ("tool", "messages", "pass", "wall s", "messages/s",
                                                 "CPU s", "msgs/CPU-s"))
    rate, cpu_rate = {}, {}
    for name, (n, passed, s, cpu) in results.items():
        rate[name], cpu_rate[name] = n / s, n / max(cpu, 1e-9)
        mark = "" if passed == n else "  <- not every signature passed"
        print("%-18s %8d %6d %9.2f %11.1f %9.2f %13.1f%s" % (name, n, passed, s, rate[name], cpu,
                                                           cpu_rate[name], mark))
    print()
    print("ratios (messages/s, and per CPU-second):")
    for ours in ("emailauth batch", "emailauth process"):
        for peer in ("dkimpy", "mailauth"):
            print("  %-17s / %-8s %7.2fx %7.2fx" % (ours, peer, rate[ours] / rate[peer],
                                                   cpu_rate[ours] / cpu_rate[peer]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine(), "results": {k: {"messages": v[0], "pass": v[1], "seconds": v[2],
                                                              "cpu_seconds": v[3], "per_second": v[0] / v[2],
                                                              "per_cpu_second": v[0] / max(v[3], 1e-9)}
                                                          for k, v in results.items()}}, f, indent=2)
    subprocess.run(["rm", "-rf", tmp])
    return 0 if all(v[1] == v[0] for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
