#!/usr/bin/python3
"""emailauth check against real DNS servers (tests/integration/bed.py: Knot + unbound on
127.0.0.0/8): a correct domain, and each class of mistake of issue 4 with its finding
codes (DMARC, DKIM keys, MAIL FROM, MX, MTA-STS / TLS-RPT / BIMI, alignment), the
"will my mail pass DMARC" answer for SES with Easy DKIM, and text reports that say
what to publish."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "integration"))
from tap import ok, done  # noqa: E402
import schema  # noqa: E402
from bed import Bed, txt_rdata  # noqa: E402
import ses_data  # noqa: E402


def key512():
    """An RSA key too short to verify (RFC 8301): made here, tests/data has none."""
    pem = subprocess.run(["openssl", "genrsa", "512"], capture_output=True, check=True).stdout
    pub = subprocess.run(["openssl", "rsa", "-pubout"], input=pem, capture_output=True,
                         check=True).stdout.decode()
    return "".join(l for l in pub.splitlines() if "-----" not in l)


def zone(origin, body):
    return "$ORIGIN %s.\n$TTL 300\n" % origin + body   # the bed adds SOA and NS


K2048, K1024, K512 = ses_data.public_key_b64(2048), ses_data.public_key_b64(1024), key512()
GOOD_TOKENS = ses_data.tokens("good-chk")
EASY_TOKENS = ses_data.tokens("easy-chk")
NOKEY_TOKENS = ses_data.tokens("nokey-chk")
MX_OK = "@ IN MX 10 mx1\nmx1 IN A 192.0.2.1\n"
SES_MAIL_FROM = ('bounce IN MX 10 feedback-smtp.eu-west-1.amazonses.com.\n'
                 'bounce IN TXT "v=spf1 include:amazonses.com ~all"\n')

keys = ses_data.Keys()
keys.publish(GOOD_TOKENS + EASY_TOKENS)
AMAZONSES = keys.zones()["amazonses.com"] + (
    '@ IN TXT "v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 -all"\n'
    'feedback-smtp.eu-west-1 IN A 192.0.2.50\nfeedback-smtp.us-east-1 IN A 192.0.2.51\n')

ZONES = {
    # Everything right: Google Workspace and SES (Easy DKIM, custom MAIL FROM), DMARC
    # enforced, MX, MTA-STS, TLS-RPT, BIMI.
    "good-chk.com": zone("good-chk.com", MX_OK + SES_MAIL_FROM + ses_data.cnames(GOOD_TOKENS) + """
@ IN TXT "v=spf1 include:_spf.google.com ~all"
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good-chk.com"
google._domainkey IN TXT %s
_mta-sts IN TXT "v=STSv1; id=20260101T000000"
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tls@good-chk.com"
default._bimi IN TXT "v=BIMI1; l=https://good-chk.com/logo.svg"
""" % txt_rdata("v=DKIM1; k=rsa; p=" + K2048)),
    # SES with Easy DKIM only: no custom MAIL FROM.
    "easy-chk.com": zone("easy-chk.com", MX_OK + ses_data.cnames(EASY_TOKENS) + """
_dmarc IN TXT "v=DMARC1; p=quarantine"
"""),
    # DMARC mistakes, one domain each.
    "nodmarc-chk.com": zone("nodmarc-chk.com", MX_OK + 'dmarc IN TXT "v=DMARC1; p=reject"\n'),
    "multi-chk.com": zone("multi-chk.com", MX_OK + """
_dmarc IN TXT "v=DMARC1; p=reject"
_dmarc IN TXT "v=DMARC1; p=none"
"""),
    "cname-chk.com": zone("cname-chk.com", MX_OK + "_dmarc IN CNAME cname-chk.dmarc-host-chk.com.\n"),
    "dmarc-host-chk.com": zone("dmarc-host-chk.com",
                               'cname-chk IN TXT "v=DMARC1; p=reject; rua=mailto:r@dmarc-host-chk.com"\n'
                               'cname-chk.com._report._dmarc IN TXT "v=DMARC1"\n'),
    "none-chk.com": zone("none-chk.com", MX_OK + '_dmarc IN TXT "v=DMARC1; p=none"\n'),
    "syntax-chk.com": zone("syntax-chk.com", MX_OK + '_dmarc IN TXT "v=DMARC1; p=reject; p=none; '
                           'pct=50; junk; rua=mailto:d@syntax-chk.com,reports@syntax-chk.com"\n'),
    "weaker-chk.com": zone("weaker-chk.com", MX_OK + '_dmarc IN TXT "v=DMARC1; p=reject; sp=none; np=quarantine"\n'),
    "rua-chk.com": zone("rua-chk.com", MX_OK + '_dmarc IN TXT "v=DMARC1; p=reject; '
                        'rua=mailto:a@other-chk.com,mailto:b@vendor-chk.com,mailto:c@exact-chk.com"\n'),
    "other-chk.com": zone("other-chk.com", "@ IN A 192.0.2.9\n"),
    "vendor-chk.com": zone("vendor-chk.com", '*._report._dmarc IN TXT "v=DMARC1"\n'),
    "exact-chk.com": zone("exact-chk.com", 'rua-chk.com._report._dmarc IN TXT "v=DMARC1"\n'),
    # DKIM key mistakes, one selector each.
    "keys-chk.com": zone("keys-chk.com", MX_OK + """
_dmarc IN TXT "v=DMARC1; p=quarantine"
revoked._domainkey IN TXT "v=DKIM1; k=rsa; p="
testing._domainkey IN TXT %s
sha1._domainkey IN TXT %s
short._domainkey IN TXT %s
weak._domainkey IN TXT %s
b64._domainkey IN TXT "v=DKIM1; p=MIIB!!notbase64"
quoted._domainkey IN TXT "\\"v=DKIM1; p=%s\\""
split._domainkey IN TXT "v=DKIM1; k=rsa; p=%s"
split._domainkey IN TXT "%s"
space._domainkey IN TXT "v=DKIM1; k=rsa; p=%s " "%s"
proxied._domainkey IN A 104.16.132.229
proxied._domainkey IN AAAA 2606:4700::6810:84e5
""" % (txt_rdata("v=DKIM1; t=y; p=" + K2048), txt_rdata("v=DKIM1; h=sha1; p=" + K2048),
       txt_rdata("v=DKIM1; p=" + K512), txt_rdata("v=DKIM1; p=" + K1024), K1024,
       K2048[:200], K2048[200:], K1024[:120], K1024[120:])),
    # A proxied CNAME at a selector of a known sender (Microsoft 365), found unasked.
    "proxy-chk.com": zone("proxy-chk.com", MX_OK + """
@ IN TXT "v=spf1 include:spf.protection.outlook.com -all"
_dmarc IN TXT "v=DMARC1; p=reject"
selector1._domainkey IN A 104.16.132.229
"""),
    # A wildcard A answers every name: no selector is called proxied.
    "wild-chk.com": zone("wild-chk.com", MX_OK + '_dmarc IN TXT "v=DMARC1; p=reject"\n* IN A 192.0.2.7\n'),
    # MAIL FROM and MX mistakes.
    "mx-chk.com": zone("mx-chk.com", """
@ IN MX 10 alias
@ IN MX 20 nowhere
@ IN MX 30 192.0.2.1.
alias IN CNAME mx1
mx1 IN A 192.0.2.1
_dmarc IN TXT "v=DMARC1; p=reject"
bounce IN MX 10 feedback-smtp.us-east-1.amazonses.com.
bounce IN MX 20 other.mx-chk.com.
bounce IN TXT "v=spf1 -all"
"""),
    "nullmx-chk.com": zone("nullmx-chk.com", '@ IN MX 0 .\n_dmarc IN TXT "v=DMARC1; p=reject"\n'),
    # MTA-STS, TLS-RPT and BIMI records with syntax errors.
    "policy-chk.com": zone("policy-chk.com", MX_OK + """
_dmarc IN TXT "v=DMARC1; p=reject"
_mta-sts IN TXT "v=STSv1; id=not-valid!"
_smtp._tls IN TXT "v=TLSRPTv1; rua=ftp://reports.policy-chk.com"
default._bimi IN TXT "v=BIMI1; l=http://policy-chk.com/logo.svg"
"""),
    # Alignment: SES whose Easy DKIM records are not published (only d=amazonses.com
    # signs), with aspf=s; without and with a custom MAIL FROM.
    "strict-chk.com": zone("strict-chk.com", MX_OK + '_dmarc IN TXT "v=DMARC1; p=reject; aspf=s"\n'),
    "strictmf-chk.com": zone("strictmf-chk.com", MX_OK + SES_MAIL_FROM +
                             '_dmarc IN TXT "v=DMARC1; p=reject; aspf=s"\n'),
    # SES without Easy DKIM, relaxed aspf: a working custom MAIL FROM aligns SPF; one
    # with two MX does not (SES falls back to amazonses.com).
    "spfonly-chk.com": zone("spfonly-chk.com", MX_OK + SES_MAIL_FROM +
                            '_dmarc IN TXT "v=DMARC1; p=reject"\n'),
    "brokenmf-chk.com": zone("brokenmf-chk.com", MX_OK + SES_MAIL_FROM +
                             'bounce IN MX 20 other.brokenmf-chk.com.\n'
                             '_dmarc IN TXT "v=DMARC1; p=reject"\n'),
    # p=none and a sender whose DKIM CNAME dangles.
    "chimp-chk.com": zone("chimp-chk.com", MX_OK + """
@ IN TXT "v=spf1 include:servers.mcsv.net ~all"
_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:d@chimp-chk.com"
k2._domainkey IN CNAME dkim2.mcsv.net.
"""),
    # A sender named two SPF includes deep.
    "nested-chk.com": zone("nested-chk.com", MX_OK + """
@ IN TXT "v=spf1 include:_spf.nested-chk.com -all"
_spf IN TXT "v=spf1 ip4:192.0.2.1 include:_spf2.nested-chk.com -all"
_spf2 IN TXT "v=spf1 include:servers.mcsv.net -all"
_dmarc IN TXT "v=DMARC1; p=reject"
"""),
    "amazonses.com": zone("amazonses.com", AMAZONSES),
    "google.com": zone("google.com", '_spf IN TXT "v=spf1 ip4:192.0.2.0/24 ~all"\n'),
    "outlook.com": zone("outlook.com", 'spf.protection IN TXT "v=spf1 ip4:40.92.0.0/15 -all"\n'),
    "mcsv.net": zone("mcsv.net", "dkim3 IN TXT \"v=DKIM1; p=%s\"\n" % K1024 +
                     'servers IN TXT "v=spf1 ip4:198.51.100.0/24 -all"\n'),
}

SELECTORS = "revoked,testing,sha1,short,weak,b64,quoted,split,space,proxied,absent"

# label, domain, extra arguments, codes wanted, codes not wanted, exit codes allowed
CASES = [
    ("a correct domain", "good-chk.com",
     ["--tokens", ",".join(GOOD_TOKENS), "--mail-from", "bounce.good-chk.com", "--region", "eu-west-1"],
     {"dmarc.ok", "dkim.key.ok", "ses.dkim.ok", "spf.record.published", "sender.found", "align.pass",
      "mailfrom.ok", "mx.ok", "mtasts.ok", "tlsrpt.ok", "bimi.ok"},
     {"dmarc.missing", "align.fail", "align.spf_only", "dkim.key.too_short", "sender.dkim_missing",
      "sender.spf_missing", "spf.include.missing"}, (0,)),
    ("DMARC: none at the domain, one at a wrong name", "nodmarc-chk.com", [],
     {"dmarc.missing", "dmarc.misplaced"}, {"dmarc.ok"}, (2,)),
    ("DMARC: two records", "multi-chk.com", [], {"dmarc.multiple"}, {"dmarc.ok"}, (2,)),
    ("DMARC: a CNAME at _dmarc (followed)", "cname-chk.com", [], {"dmarc.cname", "dmarc.ok"},
     {"dmarc.missing"}, (0, 1)),
    ("DMARC: p=none", "none-chk.com", [], {"dmarc.p.none"}, {"dmarc.ok"}, (1,)),
    ("DMARC: a duplicate tag, pct, a part that is not tag=value, an address without mailto:",
     "syntax-chk.com", [], {"dmarc.tag.duplicate", "dmarc.pct.partial", "dmarc.syntax",
                            "dmarc.uri.invalid"}, set(), (1, 2)),
    ("DMARC: sp and np weaker than p", "weaker-chk.com", [], {"dmarc.sp.weaker", "dmarc.np.weaker"},
     set(), (1,)),
    ("DMARC: rua outside the domain, unauthorised and authorised (exact and wildcard)", "rua-chk.com",
     [], {"dmarc.report.unauthorized", "dmarc.report.authorized"}, set(), (1,)),
    ("DKIM keys: revoked, t=y, h=sha1, 512 and 1024 bits, broken base64, quotes, split, proxied",
     "keys-chk.com", ["--selector", SELECTORS],
     {"dkim.key.revoked", "dkim.key.testing", "dkim.key.sha1_only", "dkim.key.too_short",
      "dkim.key.weak", "dkim.key.bad_base64", "dkim.key.stray_quotes", "dkim.key.split",
      "dkim.key.proxied", "dkim.key.missing"}, set(), (2,)),
    ("DKIM: a proxied CNAME at a known sender's selector, found without --selector", "proxy-chk.com",
     [], {"dkim.key.proxied", "sender.found"}, set(), (2,)),
    ("DKIM: a wildcard A is not taken for a proxied CNAME", "wild-chk.com", ["--selector", "s1"],
     {"dkim.key.missing"}, {"dkim.key.proxied"}, (2,)),
    ("MAIL FROM: two MX, SPF without amazonses.com; MX: CNAME, IP and unresolvable targets",
     "mx-chk.com", ["--mail-from", "bounce.mx-chk.com"],
     {"mailfrom.mx_multiple", "mailfrom.spf_no_amazonses", "mx.target_cname", "mx.target_ip",
      "mx.target_unresolved"}, {"mx.ok", "mailfrom.ok"}, (2,)),
    ("MX: null MX", "nullmx-chk.com", [], {"mx.null"}, {"mx.ok", "mx.missing"}, (0, 1)),
    ("MTA-STS, TLS-RPT, BIMI: syntax errors", "policy-chk.com", [],
     {"mtasts.syntax", "tlsrpt.syntax", "bimi.syntax"}, {"mtasts.ok", "tlsrpt.ok", "bimi.ok"}, (2,)),
    ("alignment: SES without Easy DKIM or custom MAIL FROM, aspf=s", "strict-chk.com",
     ["--tokens", ",".join(NOKEY_TOKENS)], {"align.fail", "sender.dkim_missing", "ses.dkim.missing"},
     {"align.pass"}, (2,)),
    ("alignment: SES with a custom MAIL FROM but aspf=s and no Easy DKIM", "strictmf-chk.com",
     ["--tokens", ",".join(NOKEY_TOKENS)], {"align.fail", "mailfrom.ok"}, {"align.pass"}, (2,)),
    ("alignment: SES with a working custom MAIL FROM, relaxed aspf, no Easy DKIM", "spfonly-chk.com",
     ["--tokens", ",".join(NOKEY_TOKENS), "--mail-from", "bounce.spfonly-chk.com"],
     {"align.spf_only", "mailfrom.ok"}, {"align.pass", "align.fail"}, (1, 2)),
    ("alignment: SES with a broken custom MAIL FROM (two MX) does not align SPF", "brokenmf-chk.com",
     ["--tokens", ",".join(NOKEY_TOKENS), "--mail-from", "bounce.brokenmf-chk.com"],
     {"align.fail", "mailfrom.mx_multiple"}, {"align.pass", "align.spf_only", "mailfrom.ok"}, (2,)),
    ("p=none, a sender whose DKIM does not resolve", "chimp-chk.com", [],
     {"dmarc.p.none", "dkim.key.dangling", "sender.found", "sender.dkim_missing", "align.fail"},
     {"align.pass"}, (2,)),
]


def check(bed, domain, *extra):
    code, out, err = bed.run("check", domain, "--format", "json", *extra)
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    return code, doc, err


def findings(doc, code=None, section=None):
    return [f for sec in doc.get("checks", []) if section in (None, sec.get("check"))
            for f in sec.get("findings", []) if code in (None, f.get("code"))]


def codes_of(doc):
    return {f.get("code") for f in findings(doc)}


def main():
    with Bed(ZONES) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        docs = {}
        for label, domain, extra, want, unwanted, exits in CASES:
            code, doc, err = check(bed, domain, *extra)
            docs[domain] = doc
            codes = codes_of(doc)
            missing, extra_codes = want - codes, unwanted & codes
            ok(not missing and not extra_codes and code in exits,
               "%s (%s): %s" % (label, domain, ", ".join(sorted(want))),
               "exit %d; missing %s; unwanted %s; got %s\n%s" % (code, sorted(missing),
                                                                  sorted(extra_codes), sorted(codes), err))

        # Every finding of a broken domain that is not ok/info says what to publish.
        for domain in ("nodmarc-chk.com", "multi-chk.com", "keys-chk.com", "mx-chk.com", "policy-chk.com",
                       "strict-chk.com", "strictmf-chk.com", "weaker-chk.com", "rua-chk.com",
                       "proxy-chk.com", "chimp-chk.com", "none-chk.com", "brokenmf-chk.com",
                       "syntax-chk.com"):
            bare = ["%s: %s" % (f["code"], f.get("message", "")[:100]) for f in findings(docs[domain])
                    if f.get("severity") in ("warning", "error") and not f.get("fix")
                    and not f.get("undetermined")]
            ok(not bare, "%s: every warning and error carries a fix" % domain, "\n".join(bare))

        fix = (findings(docs["multi-chk.com"], "dmarc.multiple") or [{}])[0].get("fix", "")
        ok(fix.rstrip().endswith('IN TXT "v=DMARC1; p=reject"'),
           "two DMARC records: the fix keeps the strictest", fix)
        fixes = [f.get("fix", "") for f in findings(docs["syntax-chk.com"], section="dmarc")
                 if f.get("severity") in ("warning", "error")]
        ok(len(fixes) == 5 and {x.splitlines()[-1] for x in fixes} == {
               '_dmarc.syntax-chk.com. 3600 IN TXT "v=DMARC1; p=reject; rua=mailto:d@syntax-chk.com"'},
           "DMARC syntax warnings: one corrected record (first p= kept, pct, junk and the bad URI "
           "dropped)", json.dumps(findings(docs["syntax-chk.com"], section="dmarc"))[:3000])
        fixes = [f.get("fix", "") for f in findings(docs["weaker-chk.com"])
                 if f["code"] in ("dmarc.sp.weaker", "dmarc.np.weaker")]
        ok(len(fixes) == 2 and all("sp=reject; np=reject" in x for x in fixes),
           "sp and np weaker: each fix raises both, so either can be applied", fixes)
        fix = (findings(docs["mx-chk.com"], "mailfrom.mx_multiple") or [{}])[0].get("fix", "")
        ok("bounce.mx-chk.com. 3600 IN MX 10 feedback-smtp.us-east-1.amazonses.com." in fix,
           "MAIL FROM with two MX: the fix keeps the region its SES MX names", fix)
        fix = (findings(docs["keys-chk.com"], "dkim.key.stray_quotes") or [{}])[0].get("fix", "")
        ok('quoted._domainkey.keys-chk.com. 3600 IN TXT "v=DKIM1; p=MIGf' in fix and '\\"' not in fix,
           "stray quotes: the fix is the record without them", fix)

        # The answer the user came for: SES with Easy DKIM passes DMARC through DKIM.
        easy = docs["good-chk.com"]
        ses = [f for f in findings(easy, "align.pass") if f.get("subject") == "Amazon SES"]
        msg = ses[0].get("message", "") if ses else ""
        ok("DKIM" in msg and "d=amazonses.com" in msg and "SPF" in msg,
           "SES with Easy DKIM and a custom MAIL FROM: passes through DKIM and SPF; "
           "d=amazonses.com never aligns", msg)
        code, doc, err = check(bed, "easy-chk.com", "--tokens", ",".join(EASY_TOKENS))
        ses = [f for f in findings(doc, "align.pass") if f.get("subject") == "Amazon SES"]
        msg = ses[0].get("message", "") if ses else ""
        ok(ses and "through DKIM" in msg and "through SPF" not in msg and "d=amazonses.com" in msg,
           "SES with Easy DKIM only: will pass DMARC, through DKIM alone", json.dumps(findings(doc))[:3000])
        ok("sender.return_path_missing" in codes_of(doc),
           "SES with Easy DKIM only: says SPF cannot align without a custom MAIL FROM")

        fail = findings(docs["strict-chk.com"], "align.fail")
        ok(fail and "amazonses.com" in fail[0].get("message", "") and
           "._domainkey" in fail[0].get("fix", "") + fail[0].get("message", ""),
           "SES without Easy DKIM: FAIL, the d=amazonses.com signature never aligns, the fix names "
           "the records", json.dumps(fail)[:1500])
        fail = findings(docs["strictmf-chk.com"], "align.fail")
        ok(fail and "aspf=s" in fail[0].get("message", ""),
           "SES with a custom MAIL FROM under aspf=s: FAIL, and says aspf=s is why", json.dumps(fail)[:1500])

        fail = findings(docs["brokenmf-chk.com"], "align.fail")
        text = fail[0].get("message", "") + fail[0].get("fix", "") if fail else ""
        ok(fail and "2 MX records" in text and "amazonses.com" in text and
           "bounce.brokenmf-chk.com. 3600 IN MX 10 feedback-smtp.eu-west-1.amazonses.com." in text and
           "._domainkey" in text,
           "SES with a broken custom MAIL FROM: FAIL, says why SPF does not align, the fix gives the "
           "DKIM records and the MAIL FROM records", json.dumps(fail)[:1500])

        auth = findings(docs["rua-chk.com"], "dmarc.report.authorized")
        unauth = findings(docs["rua-chk.com"], "dmarc.report.unauthorized")
        ok(len(auth) == 2 and len(unauth) == 1 and
           "rua-chk.com._report._dmarc.other-chk.com" in unauth[0].get("fix", ""),
           "report destinations: two authorised (exact and wildcard), one not, with the record it "
           "must publish", json.dumps(auth + unauth)[:2000])

        prox = findings(docs["keys-chk.com"], "dkim.key.proxied")
        ok(prox and "DNS only" in prox[0].get("message", "") + prox[0].get("fix", ""),
           "a proxied DKIM CNAME: says to set the record to DNS only", json.dumps(prox)[:1500])
        snd = findings(docs["proxy-chk.com"], "sender.found")
        ok(any(f.get("subject") == "Microsoft 365" for f in snd),
           "a proxied selector1 still names Microsoft 365", json.dumps(snd)[:1500])

        code, doc, err = check(bed, "nested-chk.com")
        secs = {c.get("check") for c in doc.get("checks", [])}
        used = " ".join(f.get("message", "") for f in findings(doc, "sender.found"))
        ok("spf" in secs and "spf.record.published" in codes_of(doc),
           "the report has the SPF audit as its own section", sorted(secs))
        ok("servers.mcsv.net (inside _spf2.nested-chk.com)" in used,
           "a sender named two includes deep is found", used)

        code, out, err = bed.run("check", "chimp-chk.com")
        ok("dkim2.mcsv.net" in out and "fix" in out,
           "the text report names the broken CNAME target and gives a fix", out[-3000:])
        code, out, err = bed.run("check", "mx-chk.com", "--mail-from", "bounce.mx-chk.com")
        ok("IN MX 10 feedback-smtp." in out and 'IN TXT "v=spf1 include:amazonses.com' in out,
           "the text report of a broken MAIL FROM gives the records to publish", out[-3000:])
    code = subprocess.run([os.environ.get("EMAILAUTH", "emailauth"), "check"],
                          capture_output=True, text=True).returncode
    ok(code == 64, "check without a domain is a usage error (64)")
    done()


main()
