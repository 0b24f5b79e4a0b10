#!/usr/bin/python3
"""emailauth scan: input handling (garbage, overlong, IDN, duplicates, CSV, stdin), the
output formats, --resume, flat memory on 100,000 lines (zone files), then against real
DNS servers (tests/integration/bed.py) with faults injected: a zone that times out, one
that answers SERVFAIL, a proxy that drops or SERVFAILs half the packets, a dead first
resolver, --qps, and Ctrl-C leaving valid output."""
import csv
import io
import json
import re
import os
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed  # noqa: E402
from faultproxy import FaultProxy  # noqa: E402
import ses_data as sd  # noqa: E402
from tap import ok, done  # noqa: E402
import schema  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
MEMORY_LINES = (10000, 100000)
MEMORY_GROWTH_KIB = 8 * 1024      # 100k lines may use at most this much more than 10k
TMP = tempfile.mkdtemp(prefix="ea-scan-test-")

keys = sd.Keys()


def good_zone(domain):
    toks = sd.tokens(domain)
    keys.publish(toks)
    return toks, sd.cnames(toks)


def zone_file(zone, body):
    path = os.path.join(TMP, zone + ".zone")
    with open(path, "w") as f:
        f.write("$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. h.%s. 1 3600 600 86400 60\n@ IN NS ns.%s.\n"
                "ns IN A 127.0.0.1\n%s" % (zone, zone, zone, zone, body))
    return path


def run(args, input=None, timeout=120):
    """Scans with the SES check only unless args name checks: the test zones publish
    SES records alone (SPF and DMARC have their own tests)."""
    if "--checks" not in args:
        args = args + ["--checks", "ses"]
    p = subprocess.run([EMAILAUTH, "scan"] + args, input=input, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def json_lines(text):
    """Every line parsed as JSON; None if any line is not whole JSON."""
    try:
        return [json.loads(l) for l in text.splitlines()]
    except ValueError:
        return None


def by_domain(rows):
    return {r["domain"]: r for r in rows}


# ---- zone files: input handling and output formats --------------------------------------
IDN = "bücher-shop.com"
IDN_A = IDN.encode("idna").decode()
GOOD = ["alpha-shop.com", "beta-shop.com", IDN_A]
TOKS = {}
zone_args = []
for d in GOOD:
    TOKS[d], body = good_zone(d)
    zone_args += ["--zone", zone_file(d, body)]
for zone, text in keys.zones().items():
    zone_args += ["--zone", zone_file(zone, text)]


def test_input_lines():
    a, b = GOOD[0], GOOD[1]
    overlong = "x" * 5000 + ".com"
    text = "\n".join([
        "# domains to check",
        "",
        "%s %s" % (a, " ".join(TOKS[a])),
        "this is not a domain!!",
        overlong,
        "%s,%s" % (b, ",".join(TOKS[b])),
        "%s %s" % (IDN, " ".join(TOKS[IDN_A])),
        "%s %s" % (a.upper(), " ".join(TOKS[a])),       # duplicate, other case
        "localhost " + TOKS[a][0],
        "nowhere-shop.com " + " ".join(TOKS[a]) + " s1 region=eu-west-1",
        "\x1b[31mred.com " + TOKS[a][0],
        "bad-shop.com not/a/selector",
    ]) + "\n"
    path = os.path.join(TMP, "input.txt")
    with open(path, "w") as f:
        f.write(text)
    code, out, err = run([path, "--quiet"] + zone_args)
    rows = json_lines(out)
    ok(rows is not None and len(rows) == 4, "four domains scanned, one JSON object per line", out + err)
    got = by_domain(rows or [])
    ok(got.get(a, {}).get("status") == "pass" and got.get(b, {}).get("status") == "pass",
       "good domains pass (plain and comma-separated lines)", out)
    ok(got.get(IDN_A, {}).get("status") == "pass", "IDN domain scanned as its A-label", out)
    ok(got.get("nowhere-shop.com", {}).get("status") == "unknown",
       "a domain outside the zone files: could not determine", out)
    ok("input.txt:4:" in err and "not a domain" in err or "single label" in err, "garbage line: error with its line number", err)
    ok("input.txt:5: the line is longer than 4096 bytes" in err, "overlong line refused by number", err)
    ok("input.txt:8: alpha-shop.com is a duplicate of line 3" in err, "duplicate named with the first line", err)
    ok("input.txt:9:" in err and "single label" in err, "single label refused", err)
    ok("input.txt:11:" in err and "\x1b" not in err, "control bytes in an error are made safe", repr(err))
    ok("input.txt:12:" in err and "neither an SES token nor a DKIM selector" in err, "bad extra field named", err)
    ok("duplicates 1" in err and "rejected" in err, "summary counts rejected lines and duplicates", err)
    ok(code == 3, "exit code: worst status (could not determine) is 3", code)


def test_stdin_and_csv():
    a, b = GOOD[0], GOOD[1]
    text = "domain,tokens,region\n%s,\"%s\",\n%s,%s,\n" % (a, " ".join(TOKS[a]), b, ";".join(TOKS[b]))
    code, out, err = run(["-", "--format", "csv", "-q"] + zone_args, input=text.encode())
    rows = list(csv.reader(io.StringIO(out)))
    ok(rows and rows[0] == ["domain", "status", "ses", "spf", "dmarc", "dkim", "mx", "errors",
                            "warnings", "undetermined", "codes", "elapsed_ms"], "CSV header: stable columns", out)
    ok(len(rows) == 3 and all(r[1] == "pass" and r[2] == "pass" for r in rows[1:]),
       "CSV input with a header, from stdin: both domains pass", out + err)
    ok(code == 0, "exit 0 when every domain passes", err)


def test_resume():
    doms = GOOD + ["nowhere-shop.com"]
    path = os.path.join(TMP, "resume-in.txt")
    with open(path, "w") as f:
        for d in doms:
            f.write("%s %s\n" % (d, " ".join(TOKS.get(d, TOKS[GOOD[0]]))))
    outp = os.path.join(TMP, "resume-out.jsonl")
    code, out, err = run([path, "-q", "--output", outp] + zone_args)
    with open(outp) as f:
        full = f.read().splitlines()
    # Keep the first result and half of the second, as a kill would leave it.
    with open(outp, "w") as f:
        f.write(full[0] + "\n" + full[1][:20])
    code, out, err = run([path, "-q", "--output", outp, "--resume"] + zone_args)
    with open(outp) as f:
        rows = json_lines(f.read())
    ok(rows is not None and sorted(r["domain"] for r in rows) == sorted(doms),
       "--resume: the partial line is cut and every domain appears exactly once", err)
    ok("already in the output 1" in err and "partial line" in err, "--resume skipped the domain already there", err)
    code, out, err = run([path, "-q", "--resume"] + zone_args)
    ok(code == 64, "--resume without --output is a usage error", err)


def test_options():
    code, out, err = run(["x", "--checks", "ses,bogus"])
    ok(code == 64 and "bogus" in err, "unknown check refused", err)
    code, out, err = run(["x", "--jobs", "0"])
    ok(code == 64, "--jobs 0 refused", err)
    path = os.path.join(TMP, "one.txt")
    with open(path, "w") as f:
        f.write("%s %s\n" % (GOOD[0], " ".join(TOKS[GOOD[0]])))
    code, out, err = run([path, "-q", "--checks", "ses,dkim,mx"] + zone_args)
    ok(code in (0, 1, 2) and "not available" not in err and "checks: ses, dkim, mx" in err,
       "every check is available: ses, dkim and mx run", err)


# DKIM keys at the selectors of the line and MX: one domain right, one with neither.
KEYED, BARE = "keyed-shop.com", "bare-shop.com"
DKIM_MX_ZONES = {
    KEYED: ('s1._domainkey 300 IN TXT %s\n' % sd.txt_rdata("v=DKIM1; k=rsa; p=" + sd.public_key_b64(2048))
            + "@ 300 IN MX 10 mail.%s.\nmail 300 IN A 192.0.2.25\n" % KEYED),
    BARE: "www 300 IN A 192.0.2.80\n",
}


def test_dkim_mx():
    args = []
    for z, body in DKIM_MX_ZONES.items():
        args += ["--zone", zone_file(z, body)]
    text = "%s s1\n%s s2\n" % (KEYED, BARE)
    code, out, err = run(["-", "-q", "--checks", "dkim,mx", "--format", "csv"] + args, input=text.encode())
    rows = {r[0]: r for r in csv.reader(io.StringIO(out))}
    keyed, bare = rows.get(KEYED, []), rows.get(BARE, [])
    ok(len(keyed) == 12 and keyed[5] == "pass" and keyed[6] == "pass",
       "dkim and mx columns pass for a domain with a key at its selector and an MX host", out + err)
    ok(len(bare) == 12 and bare[5] in ("warn", "fail") and bare[6] == "warn",
       "dkim and mx columns warn for a domain with no key and no MX", out + err)
    ok("mx.missing" in (bare[10] if bare else ""), "the missing MX is named by its code", out)
    ok(keyed and keyed[2] == "" and keyed[3] == "" and keyed[4] == "", "checks not asked for: empty columns", out)
    code, out, err = run(["-", "-q", "--checks", "dkim,mx"] + args, input=text.encode())
    got = by_domain(json_lines(out) or [])
    secs = {c["check"]: c for c in got.get(KEYED, {}).get("checks", [])}
    ok("dkim-keys" in secs and "mx" in secs, "JSON lines carry the dkim-keys and mx sections", out)
    findings = [f for f in secs.get("dkim-keys", {}).get("findings", [])]
    ok(any(f.get("subject") == "s1" and f["code"] == "dkim.key.ok" for f in findings),
       "the line's selector s1 was audited: its key is right", findings)
    bare_keys = [f["code"] for c in got.get(BARE, {}).get("checks", []) if c["check"] == "dkim-keys"
                 for f in c["findings"]]
    ok("dkim.key.missing" in bare_keys, "no key at the selector the line gives: dkim.key.missing", bare_keys)


def peak_rss_kib(args):
    # Under ASan freed blocks wait in a quarantine of up to 256 MiB, which would be
    # measured as growth: the flat-memory claim is about the scan's own heap.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "quarantine_size_mb=0"]))
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", EMAILAUTH, "scan"] + args,
                       capture_output=True, timeout=300, env=env)
    for line in p.stderr.decode().splitlines():
        if line.startswith("MAXRSS "):
            return p.returncode, int(line.split()[1])
    return p.returncode, None


def test_flat_memory():
    """Lines without tokens and --checks ses: every line becomes a job, a report and a
    JSON line (the SES check says no tokens were given) with no lookup, so 100,000 lines
    take seconds. bench/ measures the same with real lookups."""
    rss = {}
    for n in MEMORY_LINES:
        path = os.path.join(TMP, "mem-%d.txt" % n)
        with open(path, "w") as f:
            for i in range(n):
                f.write("d%d.mem-shop.com\n" % i)
        t0 = time.monotonic()
        code, rss[n] = peak_rss_kib([path, "-q", "--checks", "ses", "--output", "/dev/null"] + zone_args)
        ok(code == 2 and rss[n] is not None, "%d lines scanned in %.1f s, peak RSS %s KiB" %
           (n, time.monotonic() - t0, rss[n]), code)
    small, big = rss[MEMORY_LINES[0]], rss[MEMORY_LINES[1]]
    if "asan" in os.path.basename(os.environ.get("EA_BUILD", "")):
        # AddressSanitizer keeps freed memory in quarantine (up to 256 MiB): RSS says nothing.
        print("ok - memory flatness not measured under AddressSanitizer # SKIP quarantine grows by design")
    else:
        ok(small and big and big - small <= MEMORY_GROWTH_KIB,
           "memory is flat: 100k lines use at most %d KiB more than 10k (%s vs %s)" %
           (MEMORY_GROWTH_KIB, big, small))


# ---- real DNS: faults -------------------------------------------------------------------
BED_GOOD = ["good%d-shop.com" % i for i in range(20)]
SLOW, BROKEN = "slow-shop.com", "broken-shop.com"
HANG = "hang-shop.com"     # unbound drops every query below it, every time (no cached SERVFAIL)
SHARED_DEAD = ["inc%d-shop.com" % i for i in range(6)]   # SPF includes a record below HANG
# Zones whose name servers are a live one and a dead one, the same for all (a hoster's
# dead secondary): the SES check asks each name server directly for missing records.
LAME = ["lame%d-shop.com" % i for i in range(8)]
HOSTER = "hoster-shop.com"


def bed_zones():
    zones, toks = {}, {}
    for d in BED_GOOD + [SLOW, BROKEN]:
        toks[d], zones[d] = good_zone(d)
    for d in SHARED_DEAD:
        zones[d] = '@ 300 IN TXT "v=spf1 include:_spf.%s -all"\n' % HANG
    for d in LAME + [HOSTER]:
        zones[d] = '@ 300 IN TXT "v=spf1 -all"\n'      # the real text once the bed has addresses
    zones.update(keys.zones())
    return zones, toks


def scan_input(toks, domains):
    return "".join("%s %s\n" % (d, " ".join(toks[d])) for d in domains).encode()


def test_faults(bed, toks):
    code, out, err = run(["-", "-q", "--resolver", bed.resolver, "--timeout", "4"],
                         input=scan_input(toks, BED_GOOD + [SLOW, BROKEN]))
    got = by_domain(json_lines(out) or [])
    ok(all(got.get(d, {}).get("status") == "pass" for d in BED_GOOD), "good domains pass beside faulty ones", out + err)
    ok(got.get(SLOW, {}).get("status") == "unknown", "zone that times out: could not determine", got.get(SLOW))
    ok(got.get(BROKEN, {}).get("status") == "unknown", "zone that answers SERVFAIL: could not determine", got.get(BROKEN))
    undetermined = [f for c in got.get(SLOW, {}).get("checks", []) for f in c["findings"] if f.get("undetermined")]
    ok(len(undetermined) > 0, "the timed-out domain's findings say undetermined, not missing", got.get(SLOW))
    ok(code == 3, "exit code 3: some domains could not be determined", code)
    ok("unknown (could not determine) 2" in err and "failures by resolver: %s" % bed.resolver in err,
       "summary: statuses and failures by resolver", err)


def test_dead_include(bed):
    """Domains that include the same SPF record, whose server never answers, one after the
    other: the failure is kept a few seconds (RFC 9520), so the scan waits once, not once
    per domain; each domain still could not be determined (never failed), and the summary
    counts the failures reused."""
    t0 = time.monotonic()
    code, out, err = run(["-", "-q", "--resolver", bed.resolver, "--timeout", "10", "--jobs", "1",
                          "--checks", "spf"], input="".join(d + "\n" for d in SHARED_DEAD).encode())
    secs = time.monotonic() - t0
    rows = json_lines(out) or []
    ok(len(rows) == len(SHARED_DEAD) and all(r["status"] == "unknown" for r in rows) and code == 3,
       "a dead include shared by %d domains: each could not be determined" % len(SHARED_DEAD), out + err)
    m = re.search(r"failures reused for 5 s (\d+)", err)
    reused = int(m.group(1)) if m else -1
    # one query times out after 2 + 4 s (c-ares's two tries); without the cache, each domain would
    ok(reused >= len(SHARED_DEAD) - 1 and secs < 15,
       "  one wait, not one per domain: %.1f s, failures reused %d" % (secs, reused), err)


def test_lossy_resolver(bed, toks, mode):
    with FaultProxy(bed.resolver, **{mode: 0.5}) as proxy:
        t0 = time.monotonic()
        code, out, err = run(["-", "-q", "--resolver", proxy.address, "--timeout", "3", "--jobs", "20"],
                             input=scan_input(toks, BED_GOOD))
        secs = time.monotonic() - t0
    rows = json_lines(out) or []
    statuses = [r["status"] for r in rows]
    ok(len(rows) == len(BED_GOOD) and set(statuses) <= {"pass", "unknown"},
       "%s half the packets: every domain reported, pass or could not determine, none wrongly "
       "failed (%d pass, %d unknown, %.1f s)" % (mode, statuses.count("pass"), statuses.count("unknown"), secs),
       out + err)
    ok(proxy.stats[{"drop": "dropped", "servfail": "servfail"}[mode]] > 0, "the proxy did inject %s" % mode,
       proxy.stats)


def test_failover(bed, toks):
    dead = "%s:53" % bed.blackhole_ip
    code, out, err = run(["-", "-q", "--resolver", dead, "--resolver", bed.resolver, "--timeout", "8"],
                         input=scan_input(toks, BED_GOOD[:5]))
    rows = json_lines(out) or []
    ok(len(rows) == 5 and all(r["status"] == "pass" for r in rows), "a dead first resolver: failover, all pass", out + err)


def test_dead_resolver_marked_down(bed, toks):
    """A dead first resolver times out a few times in a row, then is marked down: the
    domains after go straight to the second one instead of waiting c-ares's 2 + 4 s each
    (20 domains, 2 at a time: 60 s without). Counted in the summary."""
    dead = "%s:53" % bed.blackhole_ip
    t0 = time.monotonic()
    code, out, err = run(["-", "-q", "--resolver", dead, "--resolver", bed.resolver, "--timeout", "20",
                          "--jobs", "2"], input=scan_input(toks, BED_GOOD))
    secs = time.monotonic() - t0
    rows = json_lines(out) or []
    ok(len(rows) == len(BED_GOOD) and all(r["status"] == "pass" for r in rows),
       "a dead first resolver shared by %d domains: all pass through the second" % len(BED_GOOD), out + err)
    m = re.search(r"servers marked down \(timeouts in a row\) (\d+), queries not sent to them (\d+)", err)
    ok(m is not None and int(m.group(1)) >= 1 and int(m.group(2)) >= len(BED_GOOD),
       "  marked down after a few timeouts, then skipped: %s" % (m.group(0) if m else "no summary line"), err)
    ok(secs < 30, "  one wait, not one per domain: %.1f s" % secs, err)


def test_dead_name_server_marked_down(bed):
    """Domains whose SES records are missing are asked of each of their zone's name
    servers directly; a dead name server they all share times out a few times, then is
    not asked for 5 s: one wait, not one per domain (8 domains one at a time: 48 s
    without). Each domain still gets its verdict from the resolver's answers."""
    bed.update_zone(HOSTER, "dead-ns 300 IN A %s\n" % bed.blackhole_ip)
    for d in LAME:
        bed.update_zone(d, "@ 300 IN NS ns.%s.\n@ 300 IN NS dead-ns.%s.\n" % (HOSTER, HOSTER))
    lines = "".join("%s %s\n" % (d, " ".join(sd.tokens(d))) for d in LAME).encode()
    t0 = time.monotonic()
    code, out, err = run(["-", "-q", "--resolver", bed.resolver, "--timeout", "20", "--jobs", "1"],
                         input=lines)
    secs = time.monotonic() - t0
    rows = json_lines(out) or []
    statuses = {r["status"] for r in rows}
    ok(len(rows) == len(LAME) and statuses == {"fail"},
       "records missing behind a dead name server shared by %d domains: each fails on the resolver's "
       "answers (%s)" % (len(LAME), statuses), out + err)
    m = re.search(r"servers marked down \(timeouts in a row\) (\d+), queries not sent to them (\d+)", err)
    ok(m is not None and int(m.group(1)) >= 1 and int(m.group(2)) >= 3 * (len(LAME) - 2),
       "  the dead name server marked down, its queries not sent: %s" % (m.group(0) if m else "none"), err)
    ok(secs < 25, "  one wait, not one per domain: %.1f s" % secs, err)


def test_qps(bed, toks):
    # 20 domains, 3 queries each (the TXT of each SES token; its CNAME is read off the
    # TXT answer); the cache holds none of them yet for this resolver
    t0 = time.monotonic()
    code, out, err = run(["-", "-q", "--resolver", bed.resolver, "--qps", "40", "--timeout", "8"],
                         input=scan_input(toks, BED_GOOD[:20]))
    secs = time.monotonic() - t0
    rows = json_lines(out) or []
    sent = 0
    for line in err.splitlines():
        if "lookups sent" in line:
            sent = int(line.split("lookups sent ")[1].split(",")[0])
    ok(len(rows) == 20 and all(r["status"] == "pass" for r in rows), "--qps 40: all pass", out + err)
    ok(sent > 40 and secs >= sent / 40.0 * 0.8,
       "--qps 40 paces the queries: %d queries took %.1f s" % (sent, secs), err)


def interrupt(p):
    """Sends Ctrl-C; returns (stdout, stderr, seconds until it exited)."""
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return out, err, time.monotonic() - t0


def test_interrupt(bed, toks):
    slow = ["s%d.%s" % (i, HANG) for i in range(300)]
    data = scan_input(toks, BED_GOOD[:5]) + "".join("%s %s\n" % (d, " ".join(toks[SLOW])) for d in slow).encode()
    outp, inp = os.path.join(TMP, "interrupted.jsonl"), os.path.join(TMP, "interrupted.txt")
    with open(inp, "wb") as f:
        f.write(data)
    p = subprocess.Popen([EMAILAUTH, "scan", inp, "-q", "--checks", "ses", "--resolver", bed.resolver, "--timeout", "20",
                          "--jobs", "20", "--output", outp], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    out, err, _ = interrupt(p)
    with open(outp) as f:
        text = f.read()
    rows = json_lines(text)
    ok(p.returncode == 130, "Ctrl-C: exit 130, promptly", p.returncode)
    ok(rows is not None and text.endswith("\n") and len(rows) >= 5,
       "Ctrl-C leaves whole JSON lines (%d written)" % len(rows or []), text[-300:])
    ok(b"--resume" in err, "Ctrl-C: the summary says how to continue", err.decode()[-500:])


def strip_times(row):
    """A row without what differs from run to run (elapsed times)."""
    return json.dumps({k: v for k, v in row.items() if k not in ("elapsed_ms",)}, sort_keys=True)


def test_threads(bed, toks):
    """Worker threads share the input and the output: the same rows, whatever the
    number of threads; each line whole; the summary counts every domain once."""
    data = scan_input(toks, BED_GOOD + [SLOW, BROKEN]) + b"not a domain!\n" + scan_input(toks, BED_GOOD[:1])
    results = {}
    for threads in ("1", "4"):
        code, out, err = run(["-", "-q", "--resolver", bed.resolver, "--timeout", "4", "--jobs", "8",
                              "--threads", threads], input=data)
        rows = json_lines(out) or []
        # the faulty domains' texts depend on timing (timeout or deadline): compare their codes
        results[threads] = (code, sorted(strip_times(r) if r["domain"] in BED_GOOD else
                                         json.dumps([r["domain"], r["status"], sorted(
                                             f["code"] for c in r["checks"] for f in c["findings"])])
                                         for r in rows), err)
        ok(len(rows) == len(BED_GOOD) + 2 and len({r["domain"] for r in rows}) == len(rows),
           "--threads %s: one whole line per domain, none twice" % threads, out[-500:] + err)
        ok("input lines rejected 1, duplicates 1" in err and "unknown (could not determine) 2" in err,
           "--threads %s: the summary counts the bad line, the duplicate and every status" % threads, err)
    ok(results["1"][0] == results["4"][0] == 3, "--threads 1 and 4: the same exit code",
       (results["1"][0], results["4"][0]))
    ok(results["1"][1] == results["4"][1], "--threads 1 and 4: the same rows",
       "\n".join(set(results["1"][1]) ^ set(results["4"][1]))[:3000])
    code, out, err = run(["x", "--threads", "0"])
    ok(code == 64, "--threads 0 refused", err)


def test_interrupt_stdin(bed, toks):
    """Ctrl-C while a worker waits on a pipe that never ends: it stops at once."""
    p = subprocess.Popen([EMAILAUTH, "scan", "-", "-q", "--checks", "ses", "--resolver", bed.resolver,
                          "--threads", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(scan_input(toks, BED_GOOD[:3]))
    p.stdin.flush()
    time.sleep(1.5)
    out, err, secs = interrupt(p)
    rows = json_lines(out.decode()) or []
    ok(p.returncode == 130 and secs < 2, "Ctrl-C on an open pipe: exit 130 in %.1f s" % secs, p.returncode)
    ok(len(rows) == 3 and all(r["status"] == "pass" for r in rows), "Ctrl-C on an open pipe: the lines read are written",
       out.decode()[-500:] + err.decode()[-500:])


def main():
    test_input_lines()
    test_stdin_and_csv()
    test_resume()
    test_options()
    test_dkim_mx()
    test_flat_memory()
    zones, toks = bed_zones()
    with Bed(zones, timeout_zones=[SLOW], refused_zones=[BROKEN], timeout_names=[HANG]) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        test_faults(bed, toks)
        test_dead_include(bed)
        test_lossy_resolver(bed, toks, "drop")
        test_lossy_resolver(bed, toks, "servfail")
        test_failover(bed, toks)
        test_dead_resolver_marked_down(bed, toks)
        test_dead_name_server_marked_down(bed)
        test_qps(bed, toks)
        test_interrupt(bed, toks)
        test_threads(bed, toks)
        test_interrupt_stdin(bed, toks)
    done()


if __name__ == "__main__":
    main()
