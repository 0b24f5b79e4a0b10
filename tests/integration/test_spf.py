#!/usr/bin/python3
"""emailauth spf against real DNS servers (tests/integration/bed.py): real-looking
policies with provider includes, an mx with many hosts, an include that times out, and
hostile policies (deep include chain, 1,000 terms, a huge record, macros past 253
bytes, NUL bytes, non-ASCII). Each gives a clear result, never a crash or a hang."""
import json
import os
import sys
import time

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
from tap import ok, done  # noqa: E402
import schema  # noqa: E402

FAULT_TIMEOUT = "4"
DEEP = 14


def spf(owner, text):
    return "%s 300 IN TXT %s\n" % (owner, txt_rdata(text))


example = (spf("@", "v=spf1 include:amazonses.com include:_spf.google.com mx -all")
           + "@ IN MX 10 mail\nmail IN A 192.0.2.25\n"
           + spf("manymx", "v=spf1 mx -all")
           + "".join("manymx IN MX %d mx%d\nmx%d IN A 198.51.100.%d\n" % (i, i, i, i) for i in range(11))
           + spf("tenmx", "v=spf1 mx:manymx10.example.com -all")
           + "".join("manymx10 IN MX %d mx%d\n" % (i, i) for i in range(10))
           + spf("slow", "v=spf1 include:spf.slowprovider.net -all")
           + spf("missing", "v=spf1 include:nothere.example.com -all")
           + "".join(spf("d%d" % i, "v=spf1 include:d%d.example.com -all" % (i + 1)) for i in range(DEEP))
           + spf("d%d" % DEEP, "v=spf1 +all")
           + spf("many", "v=spf1 " + " ".join("ip4:10.%d.%d.0/24" % (i // 250, i % 250) for i in range(1000)) + " -all")
           + spf("huge", "v=spf1 " + " ".join("ip4:10.0.%d.0/24" % i for i in range(200)) + " ~all")
           + spf("macro", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.%{l}._x.%{d} -all")
           + spf("nul", b"v=spf1 ip4:192.0.2.1\x00 -all")
           + spf("nonascii", "v=spf1 a:\u00e9x.example.com -all")
           + spf("voids", "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com ip4:192.0.2.9 -all")
           + spf("lookalike", "v=spf1x include:amazonses.com -all")
           + spf("fam", "v=spf1 a:n1.example.com a:v6.example.com mx:v6.example.com ~all")
           + "v6 IN AAAA 2001:db8::6\nv6 IN MX 10 v6\n")
zones = {
    "example.com": example,
    "amazonses.com": spf("@", "v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 -all"),
    "google.com": spf("_spf", "v=spf1 include:_netblocks.google.com ~all")
                  + spf("_netblocks", "v=spf1 ip4:35.190.247.0/24 ip6:2001:4860:4000::/36 ~all"),
}


def findings(out):
    try:
        doc = json.loads(out)
    except ValueError:
        return []
    return [f for c in doc.get("checks", []) for f in c.get("findings", [])]


def codes(out):
    return [f["code"] for f in findings(out)]


def evaluate(bed, ip, sender, *extra):
    t0 = time.monotonic()
    code, out, err = bed.run("spf", "--ip", ip, "--sender", sender, "--format", "json", *extra)
    fs = findings(out)
    prim = [f for f in fs if f.get("primary")]
    res = prim[0]["code"].split(".")[-1] if prim else None
    return code, res, fs, out + err, time.monotonic() - t0


def message(fs, code):
    return " ".join(f.get("message", "") for f in fs if f["code"] == code)


with Bed(zones, timeout_zones=["slowprovider.net"]) as bed:
    schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
    code, res, fs, out, _ = evaluate(bed, "54.240.0.5", "a@example.com")
    ok(code == 0 and res == "pass", "an Amazon SES address passes through include:amazonses.com", out)
    ok("include:amazonses.com" in message(fs, "spf.eval.decided_by") and
       "ip4:54.240.0.0/18" in message(fs, "spf.eval.decided_by"),
       "the deciding term and its include chain are named", message(fs, "spf.eval.decided_by"))
    code, res, fs, out, _ = evaluate(bed, "35.190.247.9", "a@example.com")
    ok(code == 0 and res == "pass", "a Google address passes through two levels of include", out)
    ok("_netblocks.google.com" in message(fs, "spf.eval.decided_by"), "chain through _netblocks",
       message(fs, "spf.eval.decided_by"))
    code, res, fs, out, _ = evaluate(bed, "2001:4860:4000::1", "a@example.com")
    ok(res == "pass", "IPv6 client matched by ip6 in a nested include", out)
    code, res, fs, out, _ = evaluate(bed, "::ffff:192.0.2.25", "a@example.com")
    ok(res == "pass", "IPv4-mapped IPv6 client matched by mx", out)
    code, res, fs, out, _ = evaluate(bed, "203.0.113.5", "a@example.com")
    ok(code == 2 and res == "fail", "an unlisted address fails (exit 2)", out)
    ok("4 of 10" in message(fs, "spf.eval.counts"), "lookup count 4 (2 includes, 1 nested, mx)",
       message(fs, "spf.eval.counts"))
    ok(any(f["code"] == "spf.eval.received_spf" and f["message"].startswith("Received-SPF: fail")
           for f in fs), "a Received-SPF line is given", out)

    code, out, err = bed.run("spf", "example.com", "--format", "json")
    c = codes(out)
    ok("spf.lookups.ok" in c and "4 of 10" in message(findings(out), "spf.lookups.ok"),
       "audit: worst case 4 lookups", out)
    senders = message(findings(out), "spf.sender.recognised")
    ok("Amazon SES" in senders and "Google" in senders, "audit recognises Amazon SES and Google", senders)
    ok("spf.flattened" in c and "54.240.0.0/18" in json.dumps(findings(out)),
       "audit flattens the networks", out)

    # mx with many hosts
    code, res, fs, out, _ = evaluate(bed, "198.51.100.3", "a@manymx.example.com")
    ok(res == "permerror" and "11 MX" in message(fs, "spf.eval.problem"),
       "mx with 11 hosts is a permerror", out)
    code, out, err = bed.run("spf", "manymx.example.com", "--format", "json")
    ok("spf.mx.too_many" in codes(out), "audit: spf.mx.too_many", out)
    code, res, fs, out, _ = evaluate(bed, "198.51.100.10", "a@tenmx.example.com")
    ok(res == "fail" and "1 of 10" in message(fs, "spf.eval.counts"),
       "mx with 10 hosts counts one DNS-querying term", out)

    # an include that times out: temperror, never "no record"
    code, res, fs, out, secs = evaluate(bed, "192.0.2.1", "a@slow.example.com", "--timeout", FAULT_TIMEOUT)
    ok(code == 3 and res == "temperror", "timed-out include: temperror, exit 3", out)
    ok("no SPF record" not in out, "a timeout is not reported as a missing record", out)
    code, out, err = bed.run("spf", "slow.example.com", "--format", "json", "--timeout", FAULT_TIMEOUT)
    fl = [f for f in findings(out) if f["code"] == "spf.include.failed"]
    ok(code == 3 and fl and fl[0].get("undetermined"), "audit: include failed, undetermined", out)
    ok("spf.include.missing" not in codes(out), "audit does not call it missing", out)
    code, out, err = bed.run("spf", "missing.example.com", "--format", "json")
    ok(code == 2 and "spf.include.missing" in codes(out), "audit: an include that does not exist", out)
    code, res, fs, out, _ = evaluate(bed, "192.0.2.1", "a@missing.example.com")
    ok(res == "permerror", "evaluation: include of a name with no record is permerror", out)

    # void lookups
    code, res, fs, out, _ = evaluate(bed, "192.0.2.9", "a@voids.example.com")
    ok(res == "permerror" and "void" in message(fs, "spf.eval.problem"), "3 void lookups: permerror", out)
    code, out, err = bed.run("spf", "voids.example.com", "--format", "json")
    ok("spf.void.over_limit" in codes(out) and codes(out).count("spf.void_lookup") == 3,
       "audit counts 3 void lookups", out)

    # hostile policies: a clear result, quickly
    code, res, fs, out, secs = evaluate(bed, "192.0.2.1", "a@d0.example.com")
    ok(res == "permerror" and "more than 10" in message(fs, "spf.eval.problem"),
       "a %d-deep include chain stops at the lookup limit" % DEEP, out)
    code, out, err = bed.run("spf", "d0.example.com", "--format", "json")
    ok(code == 2 and "spf.lookups.over_limit" in codes(out), "audit: the deep chain is over the limit", out)
    over = message(findings(out), "spf.lookups.over_limit")
    ok("'include:d11.example.com' in 'include:d1.example.com > include:d2.example.com >" in over
       and "> include:d10.example.com' pushes it over 10" in over,
       "audit: the nested include that pushes the count over 10 is named with its chain", over)
    terms = [f for f in findings(out) if f["code"] == "spf.term"]
    nested = [f for f in terms if f.get("subject") == "include:d11.example.com"]
    ok(len(terms) >= 12 and nested and "running total 11" in nested[0]["message"]
       and "In include:d1.example.com > " in nested[0]["message"],
       "audit: per-term lines go into the included records, with the chain and running total",
       json.dumps(terms[:3] + nested))
    code, out, err = bed.run("spf", "example.com", "--format", "json")
    netb = [f for f in findings(out) if f["code"] == "spf.term" and f.get("subject") == "include:_netblocks.google.com"]
    ok(netb and "In include:_spf.google.com:" in netb[0]["message"] and "running total 3" in netb[0]["message"],
       "audit: a provider's nested include has its own line", out)

    # void lookups depend on the client's address family (an a term asks A or AAAA)
    code, out, err = bed.run("spf", "fam.example.com", "--format", "json")
    doc = json.loads(out)
    ok("2 void (IPv4 clients; IPv6: 1)" in doc["checks"][0]["summary"] and "spf.void.family" in codes(out),
       "audit: void lookups counted for IPv4 clients, the IPv6 count told", doc["checks"][0]["summary"])
    ok("for IPv4 clients (IPv6 clients ask AAAA, which it has)" in message(findings(out), "spf.void_lookup"),
       "audit: a void lookup for IPv4 clients only is said so", out)
    code, res, fs, out, _ = evaluate(bed, "192.0.2.1", "a@fam.example.com")
    code6, res6, fs6, out6, _ = evaluate(bed, "2001:db8::99", "a@fam.example.com")
    ok(res == "softfail" and "2 of 2 void" in message(fs, "spf.eval.counts")
       and res6 == "softfail" and "1 of 2 void" in message(fs6, "spf.eval.counts"),
       "evaluation counts the same voids as the audit: 2 for IPv4, 1 for IPv6", out + out6)

    code, res, fs, out, _ = evaluate(bed, "10.3.249.7", "a@many.example.com")
    ok(res == "pass", "1,000 terms: evaluated (the address is in the 1,000th network)", out)
    code, res, fs, out, _ = evaluate(bed, "192.0.2.1", "a@huge.example.com")
    ok(res == "softfail", "a 3,000-byte record evaluates", out)
    code, out, err = bed.run("spf", "huge.example.com", "--format", "json")
    ok("spf.record.too_long" in codes(out), "audit: the record is over 450 bytes", out)
    local = "x" * 60
    code, res, fs, out, _ = evaluate(bed, "192.0.2.1", local + "@macro.example.com")
    ok(res == "fail", "macros expanding past 253 bytes are truncated and evaluated", out)
    code, res, fs, out, _ = evaluate(bed, "192.0.2.1", "a@nul.example.com")
    ok(res == "permerror" and "control character" in message(fs, "spf.eval.problem"),
       "a NUL byte in the record: permerror with the reason", out)
    code, out, err = bed.run("spf", "nul.example.com", "--format", "json")
    ok("spf.record.syntax" in codes(out) and "byte 21" in message(findings(out), "spf.record.syntax"),
       "audit: the NUL byte's position", out)
    code, res, fs, out, _ = evaluate(bed, "192.0.2.1", "a@nonascii.example.com")
    ok(res == "permerror", "non-ASCII in the record: permerror", out)
    code, out, err = bed.run("spf", "lookalike.example.com", "--format", "json")
    ok("spf.record.lookalike" in codes(out) and "spf.record.missing" in codes(out),
       "audit: v=spf1x is a lookalike, not a record", out)
    code, out, err = bed.run("spf", "example.com")
    ok(code in (0, 1) and "notes not shown: --verbose shows them" in out and "include:amazonses.com" not in out,
       "text output of the audit: the notes folded", out)
    code, out, err = bed.run("spf", "example.com", "--verbose")
    ok(code in (0, 1) and "include:amazonses.com" in out and "[spf.term]" in out,
       "text output of the audit with --verbose: the notes and their codes", out)

    # --batch: several evaluations in one process, one JSON line each, the highest exit code
    lines = ("54.240.0.5 a@example.com\n# a comment\n\n35.190.247.9 b@example.com mail.example.com\n"
             "203.0.113.5 c@example.com\n192.0.2.25 <> example.com\n")
    code, out, err = bed.run("spf", "--batch", "-", "--format", "json", input=lines)
    docs = [json.loads(l) for l in out.splitlines() if l.strip()]
    got = [d["checks"][0]["summary"].split()[1] for d in docs]
    ok(code == 2 and got == ["pass", "pass", "fail", "pass"], "--batch: four evaluations, exit 2", out + err)
    ok("postmaster@example.com" in docs[-1]["checks"][0]["summary"], "--batch: '<>' is the null sender",
       out)
    code, out, err = bed.run("spf", "--batch", "-", "--format", "json",
                             input="54.240.0.5 a@example.com\nonlyone\n" + "x" * 3000 + "\n")
    ok(code == 64 and len(out.splitlines()) == 1 and "line 2" in err and "line 3" in err,
       "--batch: unusable lines are named on stderr, the rest evaluated, exit 64", out + err)
    code, out, err = bed.run("spf", "--batch", "-", "--ip", "192.0.2.1", input="")
    ok(code == 64, "--batch with --ip is a usage error", err)
done()
