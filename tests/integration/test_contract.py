#!/usr/bin/python3
"""The public contract (issue 16, item 7), against real DNS servers (tests/integration/bed.py):

- every JSON document of every command (--format json / jsonl, for a correct, a broken and an
  undeterminable domain) and every body of the API validates against docs/emailauth.schema.json;
- status is pass | warn | fail | unknown (never a severity's name), status_legacy keeps schema 1's
  name for one release, and every renderer says "unknown" alike (JSON, scan CSV, /metrics);
- the API takes the command line's parameters with the same meanings (spf: sender, helo);
- a usage error (a value the command cannot use, a file that is not there) exits 64 everywhere."""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed  # noqa: E402
import schema  # noqa: E402
import serve_data  # noqa: E402
import ses_data as sd  # noqa: E402
from tap import ok, done  # noqa: E402

EMAILAUTH = serve_data.EMAILAUTH
OK_T = serve_data.OK_T
BAD_T = sd.tokens("contract-bad")
GOOD, BROKEN, SLOW, MANY = "good-mail.com", "broken-mail.com", "slow-mail.com", "many-mail.com"
REPORTS = os.path.join(SRC, "tests", "data", "reports")

zones = serve_data.zones()
zones[GOOD] = """@ 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good-mail.com"
@ 300 IN MX 10 mx.good-mail.com.
mx 300 IN A 192.0.2.25
"""
zones[BROKEN] = ("""@ 300 IN TXT "v=spf1 include:nowhere.broken-mail.com ~all"
@ 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc 300 IN TXT "v=DMARC1; p=maybe"
""" + sd.cnames(BAD_T, target_domain="dkim.amazonses.co"))
zones[MANY] = ('@ 300 IN TXT "v=spf1 %s -all"\n' % " ".join("a:h%d.many-mail.com" % i for i in range(12)) +
               "".join("h%d 300 IN A 192.0.2.%d\n" % (i, i + 1) for i in range(12)))
MESSAGE = ("From: Alice <alice@good-mail.com>\r\nTo: bob@example.org\r\nSubject: hi\r\n"
           "Date: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@good-mail.com>\r\n"
           "DKIM-Signature: v=1; a=rsa-sha256; d=good-mail.com; s=s1; h=from; bh=x; b=y\r\n\r\nHello\r\n")
LEGACY = schema.LEGACY


def docs_of(out):
    try:
        return schema.documents(out)
    except ValueError:
        return []


def statuses(doc):
    return [doc.get("status")] + [c.get("status") for c in doc.get("checks", [])]


def q(**params):
    return urllib.parse.urlencode(params)


with Bed(zones, timeout_zones=[SLOW], timeout=4) as bed:
    schema.watch(bed)
    tmp = tempfile.mkdtemp(prefix="ea-contract-")

    # --- Every command's JSON, for a correct, a broken and an undeterminable domain.
    seen_status = set()
    runs = [
        ("ses", "ses_report", ["ses", "ok-shop.com", "--tokens", ",".join(OK_T)], "pass"),
        ("ses", "ses_report", ["ses", BROKEN, "--tokens", ",".join(BAD_T)], "fail"),
        ("ses", "ses_report", ["ses", SLOW, "--tokens", ",".join(OK_T)], "unknown"),
        ("check", "check_report", ["check", GOOD], None),
        ("check", "check_report", ["check", BROKEN, "--tokens", ",".join(BAD_T)], "fail"),
        ("check", "check_report", ["check", SLOW], "unknown"),
        ("spf", "spf_report", ["spf", GOOD], "pass"),
        ("spf", "spf_report", ["spf", BROKEN], "fail"),
        ("spf", "spf_report", ["spf", SLOW], "unknown"),
        ("spf --ip", "spf_report", ["spf", "--ip", "192.0.2.7", "--sender", "a@" + GOOD], "pass"),
        ("spf --ip", "spf_report", ["spf", "--ip", "198.51.100.7", "--sender", "a@" + GOOD], "fail"),
        ("spf --ip", "spf_report", ["spf", "--ip", "192.0.2.7", "--sender", "a@" + SLOW], "unknown"),
    ]
    for label, kind, args, want in runs:
        code, out, err = bed.run(*args, "--format", "json")
        ds = docs_of(out)
        what = "%s %s" % (label, " ".join(args[2:5:2]) if args[1] == "--ip" else args[1])
        ok(len(ds) == 1, "%s: one JSON document" % what, out[:300] + err[:300])
        if ds:
            schema.check(ds[0], kind, "%s --format json" % what)
            schema.check(ds[0], None, "%s: the document is one of the schema's root kinds" % what)
            seen_status.update(statuses(ds[0]))
            if want:
                ok(ds[0].get("status") == want and ds[0].get("status_legacy") == LEGACY[want],
                   "%s: status %s, status_legacy %s" % (what, want, LEGACY[want]),
                   (ds[0].get("status"), ds[0].get("status_legacy")))
    ok({"pass", "fail", "unknown"} <= seen_status and not seen_status & {"error", "warning", "info", "ok"},
       "statuses seen are pass/warn/fail/unknown, never a severity's name", seen_status)

    # Over the 10-lookup limit, the spf check carries its include tree (checks[].tree).
    code, out, err = bed.run("spf", MANY, "--format", "json")
    ds = docs_of(out)
    tree = ((ds or [{}])[0].get("checks") or [{}])[0].get("tree")
    ok(tree and tree.get("cost") == 12 and len(tree.get("children", [])) == 12,
       "spf over the limit: checks[].tree is there (12 lookups)", out[:400])
    if ds:
        schema.check(ds[0], "spf_report", "spf over the limit, with its tree")

    # The batch modes: one document per line.
    code, out, err = bed.run("spf", "--batch", "-", "--format", "json",
                             input="192.0.2.7 a@%s\n198.51.100.1 b@%s\n192.0.2.7 c@%s\n" % (GOOD, BROKEN, SLOW))
    ok(len(out.strip().splitlines()) == 3, "spf --batch --format json: a line each", out[:300])
    schema.check_lines(out, "spf_report", "spf --batch lines")

    paths = []
    for i, msg in enumerate((MESSAGE, MESSAGE.replace("good-mail.com", BROKEN))):
        path = os.path.join(tmp, "m%d.eml" % i)
        with open(path, "w") as f:
            f.write(msg)
        paths.append(path)
    code, out, err = bed.run("verify", paths[0], "--ip", "192.0.2.7", "--format", "json")
    ds = docs_of(out)
    ok(len(ds) == 1, "verify --format json: one document", out[:300])
    if ds:
        schema.check(ds[0], "verify_report", "verify --format json")
    code, out, err = bed.run("verify", paths[0], paths[1], "--format", "json")
    ok(len(out.strip().splitlines()) == 2, "verify with two files: a line each", out[:300])
    schema.check_lines(out, "verify_report", "verify lines")

    listing = os.path.join(tmp, "domains.txt")
    with open(listing, "w") as f:
        f.write("%s\n%s %s\nok-shop.com %s\n%s\n" % (GOOD, BROKEN, ",".join(BAD_T), ",".join(OK_T), SLOW))
    code, out, err = bed.run("scan", listing, "--format", "jsonl", "--quiet")
    schema.check_lines(out, "scan_row", "scan --format jsonl")
    rows = {d.get("domain"): d for d in docs_of(out)}
    ok(rows.get(SLOW, {}).get("status") == "unknown" and rows.get(SLOW, {}).get("status_legacy") == "error",
       "scan: an undeterminable domain is unknown (legacy: error)", rows.get(SLOW, {}).get("status"))
    code, out, err = bed.run("scan", listing, "--format", "csv", "--quiet")
    table = list(csv.DictReader(io.StringIO(out)))
    by = {r.get("domain"): r for r in table}
    ok(by.get(SLOW, {}).get("status") == "unknown" and set(r.get("status") for r in table) <= {"pass", "warn", "fail", "unknown"},
       "scan --format csv: the status column says unknown too", out[:400])

    code, out, err = bed.run("reports", "--no-dns", os.path.join(REPORTS, "rfc7489-yahoo.xml"),
                             os.path.join(REPORTS, "rfc9990-google.xml"), os.path.join(REPORTS, "malformed.xml"),
                             "--format", "json")
    ds = docs_of(out)
    ok(len(ds) == 1, "reports --format json: one document", out[:300] + err[:300])
    if ds:
        schema.check(ds[0], "reports", "reports --format json (with an error entry)")
        ok(ds[0].get("errors") and ds[0].get("report", {}).get("schema") == 2,
           "reports: the errors are listed, the findings are a schema 2 report", out[:300])

    # --- The API: every body validates; status values; the CLI's parameters.
    common = ["--resolver", bed.resolver, "--timeout", "4"]
    with serve_data.Server(*common, "--rate", "1000", "--max-concurrent", "4") as s:
        def api(method, path, kind, desc, body=None, want=200):
            st, h, data = s.request(method, path, body=body)
            try:
                doc = json.loads(data)
            except ValueError:
                doc = None
            ok(st == want and h.get("content-type") == "application/json",
               "API %s: %d application/json" % (desc, want), "%d %s %s" % (st, h.get("content-type"), data[:300]))
            schema.check(doc, kind, "API %s" % desc)
            return doc or {}

        api("GET", "/healthz", "healthz", "GET /healthz")
        api("GET", "/api/v1/ses?" + q(domain="ok-shop.com", tokens=",".join(OK_T)), "ses_report", "ses, correct")
        api("GET", "/api/v1/ses?" + q(domain=BROKEN, tokens=",".join(BAD_T)), "ses_report", "ses, broken")
        doc = api("GET", "/api/v1/ses?" + q(domain=SLOW, tokens=",".join(OK_T)), "ses_report", "ses, times out")
        ok(doc.get("status") == "unknown" and doc.get("status_legacy") == "error",
           "API: could not determine is status unknown, status_legacy error", doc.get("status"))
        api("GET", "/api/v1/check?" + q(domain=GOOD), "check_report", "check, correct")
        api("GET", "/api/v1/check?" + q(domain=BROKEN), "check_report", "check, broken")
        api("GET", "/api/v1/spf?" + q(domain=BROKEN), "spf_report", "spf audit, broken")
        api("GET", "/api/v1/spf?" + q(domain=GOOD, ip="192.0.2.7"), "spf_report", "spf evaluation")
        api("GET", "/api/v1/dkim?" + q(domain=GOOD, selectors="s1"), "dkim_report", "dkim")
        api("POST", "/api/v1/verify?" + q(ip="192.0.2.7"), "verify_report", "verify", body=MESSAGE)
        for path, want, desc in (("/api/v1/ses?" + q(domain="exa mple..com", tokens="a"), 400, "400 invalid_domain"),
                                 ("/api/v1/spf?" + q(domain=GOOD, ip="999.2.3.4"), 400, "400 invalid_ip"),
                                 ("/api/v1/ses?" + q(domain=GOOD, colour="red"), 400, "400 unknown_field"),
                                 ("/api/v1/nothing", 404, "404 not_found")):
            api("GET", path, "api_error", desc, want=want)
        api("POST", "/api/v1/ses", "api_error", "405 method_not_allowed", body="x", want=405)
        api("POST", "/api/v1/verify", "api_error", "413 too_large", body="x" * (300 * 1024), want=413)

        # The same parameters as `emailauth spf`: sender (an address), helo; mailfrom as its alias.
        def same(doc, args, desc):
            code, out, err = bed.run(*args, "--format", "json")
            cli = (docs_of(out) or [{}])[0]
            strip = lambda d: {k: v for k, v in d.items() if k not in ("elapsed_ms", "lookups")}  # noqa: E731
            ok(doc and strip(doc) == strip(cli), desc, "%s\n%s" % (json.dumps(strip(doc))[:500], json.dumps(strip(cli))[:500]))

        doc = api("GET", "/api/v1/spf?" + q(ip="198.51.100.7", sender="bounce@" + GOOD), "spf_report",
                  "spf with sender and no domain")
        same(doc, ["spf", "--ip", "198.51.100.7", "--sender", "bounce@" + GOOD],
             "API spf?ip&sender= is emailauth spf --ip --sender (the address's local part kept)")
        ok("bounce@" + GOOD in json.dumps(doc), "the report names the sender address given", json.dumps(doc)[:300])
        doc2 = api("GET", "/api/v1/spf?" + q(domain=GOOD, ip="198.51.100.7", mailfrom="bounce@" + GOOD), "spf_report",
                   "spf with mailfrom as an address")
        same(doc2, ["spf", "--ip", "198.51.100.7", "--sender", "bounce@" + GOOD],
             "mailfrom is sender's other name: an address is taken whole")
        doc = api("GET", "/api/v1/spf?" + q(ip="192.0.2.7", sender="a@" + GOOD, helo="mx.example.net"), "spf_report",
                  "spf with helo")
        same(doc, ["spf", "--ip", "192.0.2.7", "--sender", "a@" + GOOD, "--helo", "mx.example.net"],
             "API spf?helo= is emailauth spf --helo (accepted, not an unknown field)")
        doc = api("GET", "/api/v1/spf?" + q(domain=GOOD, ip="192.0.2.7", mailfrom=GOOD), "spf_report",
                  "spf with mailfrom as a bare domain")
        same(doc, ["spf", "--ip", "192.0.2.7", "--sender", "postmaster@" + GOOD],
             "a bare domain is postmaster@domain (RFC 7208 4.3)")
        doc = api("GET", "/api/v1/spf?" + q(sender="a@" + BROKEN), "spf_report", "spf audit of the sender's domain")
        ok(doc.get("domain") == BROKEN, "without ip, the sender's domain's policy is audited", doc.get("domain"))
        for query, code_, field, desc in (
                (q(domain=GOOD, ip="192.0.2.7", sender="a@" + GOOD, mailfrom="b@" + GOOD), "conflict", "mailfrom",
                 "sender and mailfrom that differ"),
                (q(domain=GOOD, helo="mx.example.net"), "invalid", "helo", "helo without ip"),
                (q(ip="192.0.2.7", sender="a@exa mple.com"), "invalid_domain", "sender", "a sender whose domain is not one"),
                (q(ip="192.0.2.7", helo="[1.2.3]"), "invalid_helo", "helo", "a bad helo literal"),
                (q(ip="192.0.2.7"), "missing", "domain", "neither domain nor sender")):
            e = api("GET", "/api/v1/spf?" + query, "api_error", "spf refuses %s" % desc, want=400).get("error", {})
            ok(e.get("code") == code_ and e.get("field") == field, "spf: %s is 400 %s (field %s)" % (desc, code_, field), e)

        st, h, body = s.get("/metrics")
        text = body.decode()
        ok('status="unknown"' in text and 'status="error"' not in text,
           "/metrics: emailauth_checks_total counts status=\"unknown\", not \"error\"",
           [line for line in text.splitlines() if "checks_total{" in line][:6])

    # --- Usage errors exit 64 everywhere, before any lookup, naming the value.
    missing = os.path.join(tmp, "nothing-here")
    usage = [
        (["spf", "--ip", "999.2.3.4", "--sender", "a@" + GOOD], "999.2.3.4"),
        (["spf", "--ip", "192.0.2.7", "--sender", "a@exa mple.com"], "exa mple.com"),
        (["spf", "--ip", "192.0.2.7", "--sender", "a@" + GOOD, "--helo", "bad name!"], "bad name!"),
        (["spf", "--ip", "192.0.2.7", "--sender", "a@" + GOOD, "--receiver", "mx one"], "mx one"),
        (["spf", "--batch", "-", "--receiver", "mx one"], "mx one"),
        (["spf", "exa mple..com"], "exa mple..com"),
        (["spf", "--batch", missing], missing),
        (["verify", missing], missing),
        (["verify", paths[0], "--ip", "1.2.3"], "1.2.3"),
        (["verify", paths[0], "--helo", "[1.2.3]"], "[1.2.3]"),
        (["verify", paths[0], "--mail-from", "a@a..b"], "a@a..b"),
        (["verify", paths[0], "--now", "soon"], "--now"),
        (["reports", missing], missing),
        (["reports", REPORTS, "--since", "2026-13-01"], "--since"),
        (["reports", REPORTS, "--format", "xml"], "--format"),
        (["ses", GOOD, "--tokens", "a.b"], "token"),
        (["ses", GOOD, "--tokens", ",".join(OK_T), "--region", "mars-1"], "mars-1"),
        (["ses", GOOD, "--aws-json", missing], missing),
        (["ses", GOOD, "--tokens", ",".join(OK_T), "--watch", "5", "--interval", "0"], "--interval"),
        (["check", "exa mple..com"], "exa mple..com"),
        (["check", GOOD, "--selector", "a..b"], "a..b"),
        (["check", GOOD, "--mail-from", "a..b"], "a..b"),
        (["check", GOOD, "--region", "mars-1"], "mars-1"),
        (["check", GOOD, "--format", "xml"], "xml"),
        (["check", GOOD, "--timeout", "0"], "--timeout"),
        (["check", GOOD, "--resolver", "nope"], "nope"),
        (["check", GOOD, "--resolver", "127.0.0.1:99999"], "99999"),
        (["check", GOOD, "--zone", missing], missing),
        (["check", GOOD, "--fix-format", "bind"], "--fix-format"),
        (["scan", missing], missing),
        (["scan", listing, "--checks", "foo"], "foo"),
        (["scan", listing, "--jobs", "0"], "--jobs"),
        (["scan", listing, "--format", "xml"], "xml"),
        (["scan", listing, "--output", os.path.join(missing, "out.jsonl")], missing),
        (["serve", "--listen", "nope"], "nope"),
        (["serve", "--listen", "127.0.0.1:99999"], "127.0.0.1:99999"),
        (["serve", "--max-concurrent", "0"], "--max-concurrent"),
        (["serve", "--resolver", "nope"], "nope"),
        (["nosuchcommand"], "nosuchcommand"),
        (["check"], "domain"),
    ]
    root = ["--allow-root"] if os.geteuid() == 0 else []
    for args, named in usage:
        argv = [EMAILAUTH] + args + (root if args[0] == "serve" else [])
        if "--resolver" not in args and args[0] != "nosuchcommand":
            argv += ["--resolver", bed.resolver]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        ok(p.returncode == 64 and named in p.stderr and p.stdout == "",
           "exit 64: emailauth %s (stderr names %r)" % (" ".join(args), named),
           "rc=%d stdout=%r stderr=%r" % (p.returncode, p.stdout[:200], p.stderr[:300]))

    ok(schema.watched() >= 20, "JSON documents validated through bed.run: %d" % schema.watched())
done()
