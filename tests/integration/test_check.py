#!/usr/bin/python3
"""emailauth check against real DNS servers (tests/integration/bed.py: Knot + unbound on
127.0.0.0/8): a correct domain, and each class of mistake with its finding codes."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "integration"))
from tap import ok, done  # noqa: E402
from bed import Bed  # noqa: E402


def key(bits):
    pem = subprocess.run(["openssl", "genrsa", str(bits)], capture_output=True, check=True).stdout
    pub = subprocess.run(["openssl", "rsa", "-pubout"], input=pem, capture_output=True,
                         check=True).stdout.decode()
    return "".join(l for l in pub.splitlines() if "-----" not in l)


def strings(s):
    """A long value as 255-byte character-strings."""
    return " ".join('"%s"' % s[i:i + 255] for i in range(0, len(s), 255))


def zone(origin, body):
    return "$ORIGIN %s.\n$TTL 300\n" % origin + body   # the bed adds SOA and NS


K2048, K1024, K512 = key(2048), key(1024), key(512)

ZONES = {
    "good-chk.com": zone("good-chk.com", """
@ IN MX 10 mx1
mx1 IN A 192.0.2.1
@ IN TXT "v=spf1 include:_spf.google.com ~all"
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good-chk.com"
google._domainkey IN TXT %s
bounce IN MX 10 feedback-smtp.eu-west-1.amazonses.com.
bounce IN TXT "v=spf1 include:amazonses.com ~all"
""" % strings("v=DKIM1; k=rsa; p=" + K2048)),
    "nodmarc-chk.com": zone("nodmarc-chk.com", """
@ IN MX 10 mx1
mx1 IN A 192.0.2.1
dmarc IN TXT "v=DMARC1; p=reject"
"""),
    "multi-chk.com": zone("multi-chk.com", """
@ IN MX 10 mx1
mx1 IN A 192.0.2.1
_dmarc IN TXT "v=DMARC1; p=reject"
_dmarc IN TXT "v=DMARC1; p=none"
"""),
    "keys-chk.com": zone("keys-chk.com", """
@ IN MX 10 mx1
mx1 IN A 192.0.2.1
_dmarc IN TXT "v=DMARC1; p=quarantine; sp=none; pct=50; rua=mailto:r@other-chk.com,mailto:r@vendor-chk.com"
weak._domainkey IN TXT "v=DKIM1; p=%s"
short._domainkey IN TXT "v=DKIM1; p=%s"
sha1._domainkey IN TXT %s
test._domainkey IN TXT %s
b64._domainkey IN TXT "v=DKIM1; p=MIIB!!notbase64"
quoted._domainkey IN TXT "\\"v=DKIM1; p=%s\\""
""" % (K1024, K512, strings("v=DKIM1; h=sha1; p=" + K2048), strings("v=DKIM1; t=y; p=" + K2048),
       K1024)),
    "other-chk.com": zone("other-chk.com", "@ IN A 192.0.2.9\n"),
    "vendor-chk.com": zone("vendor-chk.com", '*._report._dmarc IN TXT "v=DMARC1"\n'),
    "mx-chk.com": zone("mx-chk.com", """
@ IN MX 10 alias
@ IN MX 20 nowhere
alias IN CNAME mx1
mx1 IN A 192.0.2.1
_dmarc IN TXT "v=DMARC1; p=reject"
bounce IN MX 10 feedback-smtp.us-east-1.amazonses.com.
bounce IN MX 20 other.mx-chk.com.
bounce IN TXT "v=spf1 -all"
"""),
    "chimp-chk.com": zone("chimp-chk.com", """
@ IN MX 10 mx1
mx1 IN A 192.0.2.1
@ IN TXT "v=spf1 include:servers.mcsv.net ~all"
_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:d@chimp-chk.com"
k2._domainkey IN CNAME dkim2.mcsv.net.
"""),
    "nested-chk.com": zone("nested-chk.com", """
@ IN MX 10 mx1
mx1 IN A 192.0.2.1
@ IN TXT "v=spf1 include:_spf.nested-chk.com -all"
_spf IN TXT "v=spf1 ip4:192.0.2.1 include:_spf2.nested-chk.com -all"
_spf2 IN TXT "v=spf1 include:servers.mcsv.net -all"
_dmarc IN TXT "v=DMARC1; p=reject"
"""),
    "google.com": zone("google.com", '_spf IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"\n'),
    "mcsv.net": zone("mcsv.net", "dkim3 IN TXT \"v=DKIM1; p=%s\"\n" % K1024 +
                     'servers IN TXT "v=spf1 ip4:198.51.100.0/24 -all"\n'),
}


def check(bed, domain, *extra):
    code, out, err = bed.run("check", domain, "--format", "json", *extra)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    codes = set()
    for sec in doc.get("checks", []):
        for f in sec.get("findings", []):
            codes.add(f.get("code"))
    return code, codes, doc, err


CASES = [
    ("a correct domain", "good-chk.com", ["--mail-from", "bounce.good-chk.com"],
     {"dmarc.ok", "dkim.key.ok", "align.pass", "mailfrom.ok", "mx.ok"},
     {"dmarc.missing", "align.fail", "dkim.key.too_short"}, (0, 1)),
    ("no DMARC, record at a wrong name", "nodmarc-chk.com", [],
     {"dmarc.missing", "dmarc.misplaced"}, {"dmarc.ok"}, (2,)),
    ("two DMARC records", "multi-chk.com", [], {"dmarc.multiple"}, {"dmarc.ok"}, (2,)),
    ("key mistakes, sp weaker, pct, report authorisation", "keys-chk.com",
     ["--selector", "weak,short,sha1,test,b64,quoted,absent"],
     {"dkim.key.weak", "dkim.key.too_short", "dkim.key.sha1_only", "dkim.key.testing",
      "dkim.key.bad_base64", "dkim.key.stray_quotes", "dkim.key.missing", "dmarc.sp.weaker",
      "dmarc.pct.partial", "dmarc.report.unauthorized", "dmarc.report.authorized"}, set(), (2,)),
    ("MX and MAIL FROM mistakes", "mx-chk.com", ["--mail-from", "bounce.mx-chk.com"],
     {"mx.target_cname", "mx.target_unresolved", "mailfrom.mx_multiple"}, {"mx.ok"}, (2,)),
    ("p=none, a sender whose DKIM does not resolve", "chimp-chk.com", [],
     {"dmarc.p.none", "dkim.key.dangling", "sender.found", "sender.dkim_missing", "align.fail"},
     {"align.pass"}, (2,)),
]


def main():
    with Bed(ZONES) as bed:
        for label, domain, extra, want, unwanted, exits in CASES:
            code, codes, doc, err = check(bed, domain, *extra)
            missing = want - codes
            extra_codes = unwanted & codes
            ok(not missing and not extra_codes and code in exits,
               "%s (%s): %s" % (label, domain, ", ".join(sorted(want))),
               "exit %d; missing %s; unwanted %s; got %s\n%s" % (code, sorted(missing),
                                                                  sorted(extra_codes), sorted(codes), err))
        code, codes, doc, err = check(bed, "nested-chk.com")
        secs = {c.get("check"): c for c in doc.get("checks", [])}
        used = " ".join(f.get("message", "") for f in secs.get("senders", {}).get("findings", [])
                        if f.get("code") == "sender.found")
        ok("spf" in secs and "spf.record.published" in codes,
           "the report has the SPF audit as its own section", sorted(secs))
        ok("servers.mcsv.net (inside _spf2.nested-chk.com)" in used,
           "a sender named two includes deep is found", used)
        code, out, err = bed.run("check", "chimp-chk.com")
        ok("dkim2.mcsv.net" in out and "fix" in out,
           "the text report names the broken CNAME target and gives a fix", out[-3000:])
    code, out, err = subprocess.run([os.environ.get("EMAILAUTH", "emailauth"), "check"],
                                    capture_output=True, text=True).returncode, "", ""
    ok(code == 64, "check without a domain is a usage error (64)")
    done()


main()
