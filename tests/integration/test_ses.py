#!/usr/bin/python3
"""emailauth ses against real DNS servers (tests/integration/bed.py): one zone per wrong
setup, each checked for its primary code per token, the exit code and the output. Then
the same check answered from zone files only (--zone, tests/data/zones/)."""
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
import ses_data as sd  # noqa: E402
from tap import ok, done  # noqa: E402
import schema  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
FAULT_TIMEOUT = "3"          # --timeout for runs meant to hit a fault: keeps them short
REGION = "eu-south-1"
REGIONAL = "dkim.%s.amazonses.com" % REGION
DEAD_REGION = "me-central-1"  # its DKIM domain is served by a dead name server

keys = sd.Keys()
zones = {}
T = {}                       # scenario -> its tokens


def scenario(name, zone, text, publish=True, bits=2048, dkim_domain=sd.DKIM_DOMAIN, toks=None):
    """Tokens for a scenario (keys published at SES unless publish=False) and its zone."""
    T[name] = toks or sd.tokens(name)
    if publish:
        keys.publish(T[name], bits, dkim_domain)
    zones[zone] = text(T[name]) if callable(text) else text
    return T[name]


def line(owner, rtype, data, ttl=1800):
    return "%s %d IN %s %s\n" % (owner, ttl, rtype, data)


scenario("ok", "ok-shop.com", sd.cnames)
t = sd.tokens("k1024")
keys.publish(t[:2])
keys.publish(t[2:], bits=1024)
T["k1024"] = t
zones["k1024-shop.com"] = sd.cnames(t)
scenario("missing", "missing-shop.com", lambda t: sd.cnames(t[:2]))
scenario("typo", "typo-shop.com", lambda t:
         line(t[0] + "._domainkey", "CNAME", t[0] + ".dkim.amazonses.co.", ttl=86400) +
         line(t[1] + "._domainkey", "CNAME", t[1] + ".dkim.amazosnes.com.") +
         line(t[2] + "._domainkey", "CNAME", t[2] + ".dkim.amazonses.com"))   # no final dot
scenario("wrong", "wrong-shop.com", lambda t:
         line(t[0] + "._domainkey", "CNAME", t[1] + ".dkim.amazonses.com.") + sd.cnames(t[1:2]) +
         line(t[2] + "._domainkey", "CNAME", "s1.domainkey.u4213.wl.sendgrid.net."))
scenario("notcname", "notcname-shop.com", lambda t:
         line(t[0] + "._domainkey", "TXT", '"%s.dkim.amazonses.com"' % t[0]) +
         line(t[1] + "._domainkey", "A", "192.0.2.10") + sd.cnames(t[2:]))
scenario("doubled", "doubled-shop.com", lambda t: "".join(
         line("%s._domainkey.doubled-shop.com" % x, "CNAME", "%s.dkim.amazonses.com." % x) for x in t))
scenario("parent", "parent-shop.com", sd.cnames)           # checked as mail.parent-shop.com
scenario("sub", "sub-shop.com", lambda t: "".join(
         line("%s._domainkey.mail" % x, "CNAME", "%s.dkim.amazonses.com." % x) for x in t))
scenario("nokey", "nokey-shop.com", sd.cnames, publish=False)
scenario("late", "late-shop.com", "www 300 IN A 192.0.2.20\n")
scenario("lag", "lag-shop.com", sd.cnames)
T["slow"] = sd.tokens("slow")                               # slow-shop.com: a dead server
T["refused"] = sd.tokens("refused")                         # refused-shop.com: REFUSED
scenario("partial", "partial-shop.com", sd.cnames)
scenario("milan", "milan-shop.com", lambda t: sd.cnames(t, REGIONAL), dkim_domain=REGIONAL)
scenario("badkey", "badkey-shop.com", sd.cnames, publish=False)
zones["badkey-shop.com"] += "; keys SES would never publish: revoked, not base64\n"
IDN = "bücher-shop.com"
scenario("idn", IDN.encode("idna").decode(), sd.cnames)
scenario("keyslow", "keyslow-shop.com", lambda t: sd.cnames(t, "dkim.%s.amazonses.com" % DEAD_REGION),
         publish=False)
scenario("milanglobal", "milan-global.com", sd.cnames)
scenario("oddtok", "oddtok-shop.com", sd.cnames,               # 0, 1, 8, 9: not SES-shaped
         toks=[x[:-4] + "0189" for x in sd.tokens("oddtok")])
scenario("esc", "esc-shop.com", lambda t:
         line(t[0] + "._domainkey", "TXT", txt_rdata("v=DKIM1; \x1b[2J\x1b]0;pwned\x07 <script>x</script>")) +
         sd.cnames(t[1:]))
scenario("long", "long-shop.com", lambda t:
         line(t[0] + "._domainkey", "TXT", txt_rdata("x" * 3000)) + sd.cnames(t[1:]))
zones.update(keys.zones())
zones["amazonses.com"] += (line("%s.dkim" % T["badkey"][0], "TXT", '"v=DKIM1; p="') +
                           line("%s.dkim" % T["badkey"][1], "TXT", '"p=@@not base64@@"') +
                           line("%s.dkim" % T["badkey"][2], "TXT", '"v=spf1 -all"'))

LATE_FIXED = zones["late-shop.com"] + sd.cnames(T["late"])


def primaries(doc):
    """token -> [primary findings]."""
    out = {}
    for f in doc["checks"][0]["findings"]:
        if f.get("primary"):
            out.setdefault(f.get("token"), []).append(f)
    return out


def codes_of(doc, toks):
    p = primaries(doc)
    return [p[x][0]["code"] if len(p.get(x, [])) == 1 else "(%d primary)" % len(p.get(x, []))
            for x in toks]


def secondary_codes(doc):
    return sorted(f["code"] for f in doc["checks"][0]["findings"] if not f.get("primary"))


def ses_json(bed, domain, toks, *extra):
    code, out, err = bed.run("ses", domain, "--tokens", ",".join(toks), "--format", "json", *extra)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {"checks": [{"findings": []}], "unparsed": out + err}
    return code, doc, err


def expect(bed, label, domain, toks, want_codes, want_exit, *extra, secondary=()):
    code, doc, err = ses_json(bed, domain, toks, *extra)
    got = codes_of(doc, toks)
    detail = json.dumps(doc, indent=1)[-3000:] + "\nstderr: " + err
    ok(got == want_codes, "%s: codes %s" % (label, ", ".join(want_codes)), "got %s\n%s" % (got, detail))
    ok(code == want_exit, "%s: exit %d" % (label, want_exit), "got %d\n%s" % (code, err))
    for s in secondary:
        ok(s in secondary_codes(doc), "%s: also %s" % (label, s), secondary_codes(doc))
    return doc


def never_missing_when_failed(label, doc, toks):
    p = primaries(doc)
    absent = ("ses.dkim.missing", "ses.dkim.key_unresolved", "ses.dkim.misplaced")
    ok(all(p.get(x) and p[x][0]["code"] not in absent for x in toks),
       "%s: no record or key reported missing when lookups fail" % label)
    ok(all(p.get(x) and p[x][0].get("undetermined") for x in toks if
           p.get(x) and p[x][0]["code"] == "ses.dkim.lookup_failed"),
       "%s: failed lookups are marked undetermined" % label)


def message(doc, tok):
    return primaries(doc)[tok][0].get("message", "")


def test_setups(bed):
    doc = expect(bed, "ok", "ok-shop.com", T["ok"], ["ses.dkim.ok"] * 3, 0)
    ok(all("2048-bit" in message(doc, x) for x in T["ok"]), "ok: 2048-bit keys named")
    ok(doc.get("status") == "pass" and doc["checks"][0]["status"] == "pass", "ok: status pass")
    expect(bed, "1024-bit key", "k1024-shop.com", T["k1024"], ["ses.dkim.ok"] * 3, 0,
           secondary=["ses.dkim.key_1024"])
    code, out, err = bed.run("ses", "ok-shop.com", "--tokens", ",".join(T["ok"]))
    ok(code == 0 and "3 of 3 DKIM records are correct" in out, "ok: text verdict line", out + err)

    doc = expect(bed, "missing", "missing-shop.com", T["missing"],
                 ["ses.dkim.ok", "ses.dkim.ok", "ses.dkim.missing"], 2)
    fix = primaries(doc)[T["missing"][2]][0].get("fix", "")
    ok("%s._domainkey.missing-shop.com. 1800 IN CNAME %s.dkim.amazonses.com." % ((T["missing"][2],) * 2) in fix,
       "missing: fix is the zone-file line to paste", fix)
    code, out, err = bed.run("ses", "missing-shop.com", "--tokens", ",".join(T["missing"]))
    ok(code == 2 and "2 of 3 DKIM records are correct" in out, "missing: text verdict line", out)

    doc = expect(bed, "target typo (.co, swapped letters, no final dot)", "typo-shop.com", T["typo"],
                 ["ses.dkim.target_typo"] * 3, 2, secondary=["ses.dkim.long_ttl"])
    ok("appended" in message(doc, T["typo"][2]), "typo: relative target explained as appended zone",
       message(doc, T["typo"][2]))
    ok("[" in message(doc, T["typo"][0]), "typo: the difference is shown", message(doc, T["typo"][0]))

    doc = expect(bed, "wrong target (other token's, SendGrid)", "wrong-shop.com", T["wrong"],
                 ["ses.dkim.wrong_target", "ses.dkim.ok", "ses.dkim.wrong_target"], 2)
    ok("another token" in message(doc, T["wrong"][0]), "wrong: other token's target named",
       message(doc, T["wrong"][0]))
    ok("SendGrid" in message(doc, T["wrong"][2]), "wrong: other provider named", message(doc, T["wrong"][2]))

    doc = expect(bed, "not a CNAME (TXT with the target, an A record)", "notcname-shop.com", T["notcname"],
                 ["ses.dkim.not_cname", "ses.dkim.not_cname", "ses.dkim.ok"], 2)
    ok("TXT" in primaries(doc)[T["notcname"][0]][0].get("found", ""), "not_cname: TXT shown as found")
    ok("192.0.2.10" in primaries(doc)[T["notcname"][1]][0].get("found", ""), "not_cname: A shown as found")

    doc = expect(bed, "misplaced: zone name doubled", "doubled-shop.com", T["doubled"],
                 ["ses.dkim.misplaced"] * 3, 2)
    ok("doubled-shop.com.doubled-shop.com" in message(doc, T["doubled"][0]), "doubled: wrong name shown",
       message(doc, T["doubled"][0]))
    doc = expect(bed, "misplaced: records under the parent of the checked subdomain", "mail.parent-shop.com",
                 T["parent"], ["ses.dkim.misplaced"] * 3, 2)
    ok("%s._domainkey.parent-shop.com" % T["parent"][0] in message(doc, T["parent"][0]),
       "parent: the parent's name shown", message(doc, T["parent"][0]))
    doc = expect(bed, "misplaced: records under mail.<domain>", "sub-shop.com", T["sub"],
                 ["ses.dkim.misplaced"] * 3, 2)
    ok("_domainkey.mail.sub-shop.com" in message(doc, T["sub"][1]), "sub: mail.<domain> shown",
       message(doc, T["sub"][1]))

    expect(bed, "key unresolved (right CNAME, no key at SES)", "nokey-shop.com", T["nokey"],
           ["ses.dkim.key_unresolved"] * 3, 2)
    expect(bed, "key unresolved (revoked, not base64, not a key)", "badkey-shop.com", T["badkey"],
           ["ses.dkim.key_unresolved"] * 3, 2)
    expect(bed, "domain in capitals with a final dot", "OK-Shop.COM.", T["ok"], ["ses.dkim.ok"] * 3, 0)
    doc = expect(bed, "IDN domain given in U-label form", IDN, T["idn"], ["ses.dkim.ok"] * 3, 0)
    ok(doc.get("domain") in (IDN, IDN.encode("idna").decode()), "IDN: domain reported", doc.get("domain"))


def test_propagation(bed):
    expect(bed, "propagating, before: missing", "late-shop.com", T["late"], ["ses.dkim.missing"] * 3, 2)
    bed.update_zone("late-shop.com", LATE_FIXED)
    doc = expect(bed, "propagating: resolver holds the cached NXDOMAIN", "late-shop.com", T["late"],
                 ["ses.dkim.propagating"] * 3, 1)
    m = re.search(r"up to (\d+) seconds", message(doc, T["late"][0]))
    ok(m is not None and 0 < int(m.group(1)) <= 60, "propagating: remaining seconds named (<= SOA 60 s)",
       message(doc, T["late"][0]))
    doc = expect(bed, "propagating: a lagging secondary", "lag-shop.com", T["lag"],
                 ["ses.dkim.propagating"] * 3, 1)
    ok("ns2.lag-shop.com" in message(doc, T["lag"][0]), "lagging: the lagging server named",
       message(doc, T["lag"][0]))


def test_failures(bed):
    for label, domain in (("timeout (dead name server)", "slow-shop.com"),
                          ("SERVFAIL (name server answers REFUSED)", "refused-shop.com")):
        toks = T["slow" if "slow" in domain else "refused"]
        doc = expect(bed, "lookup failed: " + label, domain, toks, ["ses.dkim.lookup_failed"] * 3, 3,
                     "--timeout", FAULT_TIMEOUT)
        never_missing_when_failed(label, doc, toks)
        ok(doc.get("status") == "unknown", "%s: status error" % label, doc.get("status"))
    doc = expect(bed, "lookup failed: one name times out at the resolver", "partial-shop.com", T["partial"],
                 ["ses.dkim.lookup_failed", "ses.dkim.ok", "ses.dkim.ok"], 3, "--timeout", FAULT_TIMEOUT)
    never_missing_when_failed("one name times out", doc, T["partial"])
    doc = expect(bed, "lookup failed: the key's zone at SES times out", "keyslow-shop.com", T["keyslow"],
                 ["ses.dkim.lookup_failed"] * 3, 3, "--region", DEAD_REGION, "--timeout", FAULT_TIMEOUT)
    never_missing_when_failed("key lookup times out", doc, T["keyslow"])
    code, out, err = bed.run("ses", "slow-shop.com", "--tokens", ",".join(T["slow"]), "--timeout", FAULT_TIMEOUT)
    ok(code == 3 and "could not" in out.lower() and "missing]" not in out,
       "lookup failed: text output says could not determine", out)


def test_region(bed):
    expect(bed, "region eu-south-1, regional target", "milan-shop.com", T["milan"], ["ses.dkim.ok"] * 3, 0,
           "--region", REGION)
    doc = expect(bed, "region eu-south-1, global target", "milan-global.com", T["milanglobal"],
                 ["ses.dkim.wrong_target"] * 3, 2, "--region", REGION, secondary=["ses.dkim.region_mismatch"])
    msgs = [f.get("message", "") for c in (doc or {}).get("checks", []) for f in c["findings"]
            if f["code"] == "ses.dkim.region_mismatch"]
    ok(msgs and all("default DKIM domain dkim.amazonses.com" in m and "(default)" not in m and "--region" not in m
                    for m in msgs), "region mismatch to the default domain: said in words, no '--region (default)'", msgs)
    expect(bed, "no region: a regional target is accepted", "milan-shop.com", T["milan"],
           ["ses.dkim.ok"] * 3, 0)


def test_authoritative_as_resolver(bed):
    """--resolver naming an authoritative server (no recursion): the CNAME to SES leaves
    the customer's zone, and is followed as a resolver would, not called a missing key."""
    knot = "%s:53" % bed.auth_ip
    doc = expect(bed, "authoritative server as --resolver: CNAMEs followed to the keys", "ok-shop.com",
                 T["ok"], ["ses.dkim.ok"] * 3, 0, "--resolver", knot)
    ok(all("2048-bit" in message(doc, x) for x in T["ok"]), "authoritative: keys read at the end of the chain")
    expect(bed, "authoritative server as --resolver: a key SES has not published", "nokey-shop.com",
           T["nokey"], ["ses.dkim.key_unresolved"] * 3, 2, "--resolver", knot)
    code, out, err = bed.run("ses", "ok-shop.com", "--tokens", ",".join(T["ok"]), "--resolver", knot, "--trace")
    ok(code == 0 and re.search(r"%s\.dkim\.amazonses\.com\. 1800 TXT" % T["ok"][0], out),
       "authoritative: the trace shows the chain and the key", out[-2000:] + err)


def aws_json(toks, zone=None):
    dkim = {"SigningEnabled": True, "Status": "PENDING", "Tokens": toks,
            "SigningAttributesOrigin": "AWS_SES", "CurrentSigningKeyLength": "RSA_2048_BIT"}
    if zone:
        dkim["SigningHostedZone"] = zone
    return json.dumps({"IdentityType": "DOMAIN", "FeedbackForwardingStatus": True,
                       "VerifiedForSendingStatus": False, "DkimAttributes": dkim,
                       "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}}, indent=4)


def run_json(bed, *args, input=None):
    code, out, err = bed.run(*args, "--format", "json", input=input)
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, {"checks": [{"findings": []}]}, out + err


def test_inputs(bed):
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(aws_json(T["ok"]))
        f.flush()
        code, doc, err = run_json(bed, "ses", "ok-shop.com", "--aws-json", f.name)
        ok(code == 0 and codes_of(doc, T["ok"]) == ["ses.dkim.ok"] * 3, "--aws-json FILE: tokens read",
           "%d %s %s" % (code, codes_of(doc, T["ok"]), err))
    code, doc, err = run_json(bed, "ses", "milan-shop.com", "--aws-json", "-", input=aws_json(T["milan"], REGIONAL))
    ok(code == 0 and codes_of(doc, T["milan"]) == ["ses.dkim.ok"] * 3,
       "--aws-json - (stdin) with a regional SigningHostedZone", "%d %s %s" % (code, codes_of(doc, T["milan"]), err))
    code, doc, err = run_json(bed, "ses", "milan-global.com", "--aws-json", "-",
                              input=aws_json(T["milanglobal"], REGIONAL))
    ok(code == 2 and codes_of(doc, T["milanglobal"]) == ["ses.dkim.wrong_target"] * 3,
       "--aws-json: SigningHostedZone is what the targets must match", codes_of(doc, T["milanglobal"]))

    code, doc, err = ses_json(bed, "ok-shop.com", [x.upper() for x in T["ok"]])
    ok(codes_of(doc, T["ok"]) == ["ses.dkim.ok"] * 3 and code == 0,
       "tokens in capitals: names compare case-insensitively", "%d %s" % (code, codes_of(doc, T["ok"])))
    ok(secondary_codes(doc).count("ses.dkim.token_format") == 0, "tokens in capitals: no format warning")
    doc = expect(bed, "token format: records right for tokens SES would not issue", "oddtok-shop.com",
                 T["oddtok"], ["ses.dkim.ok"] * 3, 1)
    ok(secondary_codes(doc).count("ses.dkim.token_format") == 3, "token format: a warning per odd token",
       secondary_codes(doc))

    code, out, err = bed.run("ses", "ok-shop.com", "--tokens", ",".join(T["ok"]), "--trace")
    ip = bed.resolver.split(":")[0]
    ok(code == 0 and all("%s._domainkey.ok-shop.com" % x in out for x in T["ok"]) and ip in out
       and "CNAME" in out, "--trace lists every lookup with its server", out[-2000:])
    code, doc, err = run_json(bed, "ses", "ok-shop.com", "--tokens", ",".join(T["ok"]))
    names = {(l.get("name", "").rstrip("."), l.get("type")) for l in doc.get("lookups", [])}
    ok(all(("%s._domainkey.ok-shop.com" % x, "CNAME") in names for x in T["ok"]),
       "json: lookups listed", sorted(names)[:10])


def test_hostile_data(bed):
    toks = T["esc"]
    code, out, err = bed.run("ses", "esc-shop.com", "--tokens", ",".join(toks), "--verbose")
    ok(code == 2 and "ses.dkim.not_cname" in out, "escape bytes in DNS data: still judged not_cname", out)
    ok("\x1b" not in out and "\x07" not in out and "\x1b" not in err, "text output has no ESC/BEL from DNS",
       repr(out[-1500:]))
    code, out, err = bed.run("ses", "esc-shop.com", "--tokens", ",".join(toks), "--trace")
    ok("\x1b" not in out and "\x07" not in out, "--trace output has no ESC/BEL from DNS", repr(out[-800:]))
    code, doc, err = ses_json(bed, "esc-shop.com", toks)
    ok(codes_of(doc, toks)[0] == "ses.dkim.not_cname", "json: escape bytes survive as escaped text")
    expect(bed, "a 3000-byte TXT at the name (answer over TCP)", "long-shop.com", T["long"],
           ["ses.dkim.not_cname", "ses.dkim.ok", "ses.dkim.ok"], 2)


def test_usage(bed):
    cases = [("no domain", ["ses"]),
             ("no tokens", ["ses", "ok-shop.com"]),
             ("unknown option", ["ses", "ok-shop.com", "--tokens", "a", "--bogus"]),
             ("bad format", ["ses", "ok-shop.com", "--tokens", "a", "--format", "xml"]),
             ("bad timeout", ["ses", "ok-shop.com", "--tokens", "a", "--timeout", "-1"]),
             ("two domains", ["ses", "a.com", "b.com", "--tokens", "a"]),
             ("bad domain", ["ses", "exa mple..com", "--tokens", "a"]),
             ("token not a label", ["ses", "ok-shop.com", "--tokens", "a_b.c"]),
             ("unreadable --aws-json", ["ses", "ok-shop.com", "--aws-json", "/nonexistent/x.json"]),
             ("unknown command", ["frobnicate"])]
    for label, args in cases:
        code, out, err = bed.run(*args)
        ok(code == 64, "usage error exits 64: %s" % label, "exit %d\n%s%s" % (code, out, err))
    code, out, err = bed.run("ses", "ok-shop.com", "--aws-json", "-", input="{not json")
    ok(code == 64 and "not valid JSON" in err, "usage error exits 64: broken AWS JSON on stdin", err)


def zone_run(domain, toks, files):
    cmd = [EMAILAUTH, "ses", domain, "--tokens", ",".join(toks), "--format", "json"]
    for f in files:
        cmd += ["--zone", os.path.join(SRC, "tests", "data", "zones", f)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    try:
        return p.returncode, json.loads(p.stdout), p.stderr.decode(errors="replace")
    except ValueError:
        return p.returncode, {"checks": [{"findings": []}]}, p.stdout.decode(errors="replace")


ZONE_FILES = ["zone-shop.com.zone", "zone-broken.com.zone", "amazonses.com.zone"]
ZONE_CASES = [("fixed", "zone-shop.com", sd.tokens("zone-shop"), ["ses.dkim.ok"] * 3, 0),
              ("broken", "zone-broken.com", sd.tokens("zone-broken"),
               ["ses.dkim.target_typo", "ses.dkim.not_cname", "ses.dkim.missing"], 2)]


def test_zone_files():
    for label, domain, toks, want, want_exit in ZONE_CASES:
        code, doc, err = zone_run(domain, toks, ZONE_FILES)
        ok(codes_of(doc, toks) == want and code == want_exit, "--zone (no servers) %s: %s, exit %d"
           % (label, ", ".join(want), want_exit), "%d %s %s" % (code, codes_of(doc, toks), err))
        servers = {l.get("server") for l in doc.get("lookups", [])}
        ok(doc.get("lookups") and not any(re.match(r"\d+\.\d+\.", s or "") for s in servers),
           "--zone %s: answered without the network" % label, servers)
    code, doc, err = zone_run("elsewhere.com", sd.tokens("zone-shop"), ZONE_FILES)
    toks = sd.tokens("zone-shop")
    ok(code == 3 and codes_of(doc, toks) == ["ses.dkim.lookup_failed"] * 3,
       "--zone: a domain outside the files is undetermined, not missing", "%d %s" % (code, codes_of(doc, toks)))
    # The same files served for real give the same verdicts.
    texts = {}
    for f in ZONE_FILES:
        with open(os.path.join(SRC, "tests", "data", "zones", f)) as fh:
            texts[f[:-len(".zone")]] = fh.read()
    with Bed(texts) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        for label, domain, toks, want, want_exit in ZONE_CASES:
            code, doc, err = ses_json(bed, domain, toks)
            ok(codes_of(doc, toks) == want and code == want_exit,
               "the tests/data zones served by Knot give the same verdicts (%s)" % label,
               "%d %s" % (code, codes_of(doc, toks)))


def main():
    with Bed(zones, secondaries={"lag-shop.com": "www 300 IN A 192.0.2.30\n"},
             timeout_zones=["slow-shop.com", "dkim.%s.amazonses.com" % DEAD_REGION], refused_zones=["refused-shop.com"],
             timeout_names=["%s._domainkey.partial-shop.com" % T["partial"][0]]) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        test_setups(bed)
        test_propagation(bed)
        test_failures(bed)
        test_region(bed)
        test_authoritative_as_resolver(bed)
        test_inputs(bed)
        test_hostile_data(bed)
        test_usage(bed)
    test_zone_files()
    done()


if __name__ == "__main__":
    main()
