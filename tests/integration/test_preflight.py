#!/usr/bin/python3
"""A domain that does not exist is one finding (exit 2), not a cascade; and the offline
preflight (--zone, no --resolver) judges the user's own records fully and says plainly
what it could not check: a CNAME chain leaving the zone files, a name outside them, are
"not determined", never NODATA. A zone file with $ORIGIN and no SOA, not named after its
zone, is served."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "integration"))
from tap import ok, done  # noqa: E402
import schema  # noqa: E402
from bed import Bed  # noqa: E402
import ses_data  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", "emailauth")
TOKENS = ses_data.tokens("preflight-shop.com")


def run(*args):
    p = subprocess.run([EMAILAUTH] + list(args), capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    return p.returncode, doc, out + p.stderr.decode("utf-8", "replace")


def codes(doc):
    fs = doc.get("findings", []) + [f for s in doc.get("checks", []) for f in s.get("findings", [])]
    return {f.get("code") for f in fs}, fs


def main():
    tmp = tempfile.mkdtemp(prefix="ea-preflight-")
    # The user's own zone, before publishing: three right CNAMEs; amazonses.com is not here.
    mine = os.path.join(tmp, "mine.txt")     # not named after the zone, $ORIGIN, no SOA
    with open(mine, "w") as f:
        f.write("$ORIGIN preflight-shop.com.\n$TTL 300\n" + ses_data.cnames(TOKENS) +
                '_dmarc IN TXT "v=DMARC1; p=reject"\n@ IN TXT "v=spf1 include:amazonses.com -all"\n')
    code, doc, out = run("ses", "preflight-shop.com", "--tokens", ",".join(TOKENS), "--zone", mine,
                         "--format", "json")
    got, fs = codes(doc)
    ok(code == 3 and not any("NODATA" in f.get("message", "") for f in fs) and
       not got & {"ses.dkim.missing", "ses.dkim.key_missing", "ses.dkim.wrong_target", "ses.dkim.not_cname"},
       "preflight: three right CNAMEs whose targets are outside the zone files: not determined (exit 3), "
       "no NODATA, nothing called missing or wrong", "exit %d %s\n%s" % (code, sorted(got), out[:2000]))
    ok(any(f.get("undetermined") for f in fs), "preflight: says what it could not check", sorted(got))
    prim = [f for f in fs if f.get("primary")]
    ok([f.get("code") for f in prim] == ["ses.dkim.key_undetermined"] * 3 and
       all(f.get("undetermined") and "CNAME is right" in f.get("message", "") for f in prim),
       "preflight: each record's own CNAME judged right, only the key behind it not determined",
       json.dumps(prim, indent=1)[:2000])
    summary = doc.get("checks", [{}])[0].get("summary", "")
    ok(summary.startswith("3 of 3 DKIM CNAMEs are right") and "0 of 3" not in summary and
       "not determined" in summary, "preflight: the summary says the CNAMEs are right, the keys not determined",
       summary)
    code, doc, out = run("ses", "preflight-shop.com", "--tokens", ",".join(TOKENS), "--zone", mine)
    ok(code == 3 and "not determined" in out and "0 of 3" not in out and "NODATA" not in out and
       "at zone files" not in out and "try again" not in out,
       "preflight (text): says plainly the key was not checked offline, no NODATA, no '0 of 3'", out[:3000])
    code, doc, out = run("check", "preflight-shop.com", "--tokens", ",".join(TOKENS), "--zone", mine,
                         "--format", "json")
    got, fs = codes(doc)
    ok(code == 3 and not got & {"sender.dkim_missing", "align.fail", "dkim.key.missing", "dkim.key.none_found",
                                "ses.dkim.lookup_failed", "spf.include.missing"} and
       {"ses.dkim.key_undetermined", "sender.dkim_undetermined", "align.undetermined"} <= got,
       "check --zone, keys outside the files: not determined (exit 3), no 'unsigned', no 'will FAIL DMARC'",
       "exit %d %s" % (code, sorted(got)))
    keys = [c for c in doc.get("checks", []) if c.get("check") == "dkim-keys"]
    ok(keys and keys[0].get("summary", "").startswith("3 selectors with a record") and
       "3 of them a CNAME whose key is not determined" in keys[0].get("summary", ""),
       "check --zone: the DKIM keys summary counts the CNAMEs seen", keys and keys[0].get("summary"))
    ok(not [f for f in fs if f.get("severity") == "error" and not f.get("undetermined")],
       "check --zone: no error that is not 'not determined'",
       [f.get("code") for f in fs if f.get("severity") == "error" and not f.get("undetermined")])
    code, doc, out = run("ses", "elsewhere-shop.com", "--tokens", ",".join(TOKENS), "--zone", mine)
    ok(code == 3 and "not determined" in out.lower() and "0 of 3" not in out and "there is no record" not in out.lower(),
       "ses: a domain outside every zone file, no --resolver: not determined", out[:1500])
    code, doc, out = run("spf", "preflight-shop.com", "--zone", mine, "--format", "json")
    got, fs = codes(doc)
    ok(code == 3 and "spf.include.failed" in got and "spf.include.missing" not in got,
       "spf --zone: an include outside the zone files is not determined (exit 3), never missing",
       "exit %d %s" % (code, sorted(got)))
    code, doc, out = run("spf", "elsewhere-shop.com", "--zone", mine, "--format", "json")
    got, fs = codes(doc)
    ok(code == 3 and "spf.record.missing" not in got,
       "a name outside every zone file, no --resolver: not determined, never 'no record'",
       "exit %d %s" % (code, sorted(got)))
    code, doc, out = run("spf", "preflight-shop.com", "--zone", mine, "--format", "json")
    got, fs = codes(doc)
    ok("spf.record.published" in got, "$ORIGIN without an SOA, file not named after the zone: served",
       "exit %d %s\n%s" % (code, sorted(got), out[:1000]))

    # No SOA, no $ORIGIN, a name that names no zone: which zone it holds is unknown, so it
    # would answer nothing; said loudly (a usage error naming the file and the fix), never
    # a silent "outside the zone files".
    for label, text in (("relative names", '$TTL 300\n@ IN TXT "v=spf1 -all"\n'),
                        ("absolute names", 'abs-shop.com. 300 IN TXT "v=spf1 -all"\n')):
        bare = os.path.join(tmp, "records-%d.txt" % len(label))
        with open(bare, "w") as f:
            f.write(text)
        p = subprocess.run([EMAILAUTH, "spf", "abs-shop.com", "--zone", bare], capture_output=True, timeout=60)
        err = p.stderr.decode("utf-8", "replace")
        ok(p.returncode == 64 and os.path.basename(bare) in err and "$ORIGIN" in err and "no SOA" in err,
           "a zone file with no SOA and no $ORIGIN, not named after its zone (%s): refused, saying why" % label,
           "exit %d %s" % (p.returncode, err))

    zones = {"real-shop.com": '@ IN MX 10 mx\nmx IN A 192.0.2.1\n_dmarc IN TXT "v=DMARC1; p=reject"\n'
                              'mail IN A 192.0.2.2\nx.empty IN TXT "only below it"\n',
             # The public suffix's own zone: ghost-shop.com is a name in it (a record below
             # it makes it exist as an empty non-terminal) but is not delegated and holds
             # nothing; pages-shop.com is not delegated either but holds an address.
             "com": '_acme-challenge.ghost-shop IN TXT "left over"\npages-shop IN A 192.0.2.3\n',
             "parked-shop.com": ""}
    with Bed(zones) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        code, out, err = bed.run("check", "ghost-shop.com", "--format", "json")
        doc = json.loads(out) if out.strip() else {}
        got, fs = codes(doc)
        bad = [f for f in fs if f.get("severity") in ("warning", "error")]
        ok(code == 2 and [f.get("code") for f in bad] == ["domain.not_delegated"] and
           "com" in bad[0].get("found", "") and "spelling" in bad[0].get("message", ""),
           "a registrable domain that is not delegated and holds nothing: does not exist, one finding, "
           "exit 2, no cascade", "exit %d %s\n%s" % (code, json.dumps(bad, indent=1)[:1500], err[-300:]))
        code, out, err = bed.run("scan", "-", input="ghost-shop.com\n")
        ok("fail" in out and "domain.not_delegated" in out, "scan: the same one finding", out + err[-300:])
        for d, why in (("pages-shop.com", "not delegated but holds an address"),
                       ("parked-shop.com", "a zone of its own with nothing but SOA and NS"),
                       ("mail.real-shop.com", "a subdomain inside its parent's zone, with an address"),
                       ("empty.real-shop.com", "a subdomain with no data (never judged by delegation)")):
            code, out, err = bed.run("check", d, "--format", "json")
            got, fs = codes(json.loads(out) if out.strip() else {})
            ok(not any(c.startswith("domain.") for c in got),
               "%s (%s) exists: checked as usual" % (d, why), "exit %d %s" % (code, sorted(got)))
        for d in ("nosuch.real-shop.com", "real-shop.notatld"):
            code, out, err = bed.run("check", d, "--format", "json")
            try:
                doc = json.loads(out)
            except ValueError:
                doc = {}
            got, fs = codes(doc)
            bad = [f.get("code") for f in fs if f.get("severity") in ("warning", "error")]
            ok(code == 2 and bad == ["domain.nxdomain"],
               "%s does not exist: one finding, exit 2, no cascade" % d, "exit %d %s\n%s" % (code, bad, err[-500:]))
        code, out, err = bed.run("check", "real-shop.com", "--format", "json")
        got, fs = codes(json.loads(out) if out.strip() else {})
        ok("domain.nxdomain" not in got and "dmarc.ok" in got, "a domain that exists is checked as before",
           sorted(got))
    done()


main()
