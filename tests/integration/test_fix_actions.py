#!/usr/bin/python3
"""Structured fixes where the fix was only prose (issue 16, item 1, the rest of lib/check and
lib/dmarc): the JSON fix actions of several DMARC records (delete them, keep one), of a report
address outside the domain (the _report._dmarc record its operator publishes), of the MX
findings (a null MX, a null MX beside others, an MX naming an address or a CNAME), of
MTA-STS / TLS-RPT / BIMI records that are malformed or several, and of a custom MAIL FROM
domain with two SPF records; and every export of them in the shape its tool takes.
Answered from zone files (--zone): no network."""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402
import test_fixes as tf  # noqa: E402  (the Route 53 schema and the HCL check)

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
SOA = """$TTL 300
@ IN SOA ns1.{d}. hostmaster.{d}. 1 3600 600 86400 300
@ IN NS ns1.{d}.
ns1 IN A 192.0.2.53
"""
ZONES = {
    "dm2.example": """@ IN TXT "v=spf1 -all"
@ IN MX 10 mx.dm2.example.
mx IN A 192.0.2.25
_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:a@dm2.example"
_dmarc IN TXT "v=DMARC1; p=reject"
""",
    "rua.example": """@ IN TXT "v=spf1 -all"
@ IN MX 10 mx.rua.example.
mx IN A 192.0.2.25
_dmarc IN TXT "v=DMARC1; p=none; rua=mailto:reports@other.example"
""",
    "other.example": """@ IN TXT "v=spf1 -all"
""",
    "nomx.example": """@ IN TXT "v=spf1 -all"
_dmarc IN TXT "v=DMARC1; p=reject"
""",
    "mixmx.example": """@ IN MX 0 .
@ IN MX 10 mx.mixmx.example.
mx IN A 192.0.2.25
""",
    "ipmx.example": """@ IN MX 10 192.0.2.1.
""",
    "cnmx.example": """@ IN MX 10 mail.cnmx.example.
mail IN CNAME real.cnmx.example.
real IN A 192.0.2.25
""",
    "sts.example": """@ IN MX 10 mx.sts.example.
mx IN A 192.0.2.25
_mta-sts IN TXT "v=STSv1"
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:a@sts.example"
_smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:b@sts.example"
default._bimi IN TXT "v=BIMI1; l=http://sts.example/logo.svg"
_dmarc IN TXT "v=DMARC1; p=reject"
""",
    "mf.example": """@ IN MX 10 mx.mf.example.
mx IN A 192.0.2.25
bounce IN MX 10 feedback-smtp.eu-west-1.amazonses.com.
bounce IN TXT "v=spf1 include:amazonses.com ~all"
bounce IN TXT "v=spf1 include:_spf.google.com ~all"
""",
}


def run(*args):
    p = subprocess.run([EMAILAUTH] + list(args) + ZARGS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def findings(domain, *extra):
    code, out, err = run("check", domain, "--format", "json", *extra)
    doc = json.loads(out) if out.strip() else {}
    return {f["code"]: f for c in doc.get("checks", []) for f in c["findings"]}, out + err


def acts(f):
    return [(a["op"], a["name"], a["type"], a.get("value"), a.get("old_value")) for a in (f or {}).get("actions", [])]


tmp = tempfile.mkdtemp()
ZARGS = []
for d, body in ZONES.items():
    path = os.path.join(tmp, d + ".zone")
    with open(path, "w") as f:
        f.write("$ORIGIN %s.\n" % d + SOA.format(d=d) + body)
    ZARGS += ["--zone", path]
ZARGS += ["--zone", os.path.join(SRC, "tests", "data", "zones", "amazonses.com.zone")]

fs, out = findings("dm2.example")
f = fs.get("dmarc.multiple")
a = acts(f)
ok(sorted(a[:2], key=str) == [("delete", "_dmarc.dm2.example", "TXT", None, "v=DMARC1; p=none; rua=mailto:a@dm2.example"),
                              ("delete", "_dmarc.dm2.example", "TXT", None, "v=DMARC1; p=reject")] and
   a[2:] == [("add", "_dmarc.dm2.example", "TXT", "v=DMARC1; p=reject", None)],
   "dmarc.multiple: both records deleted, the strictest added back", out)
ok(f and "merge" in f["actions"][-1].get("note", "") and "; Delete: _dmarc.dm2.example." in f.get("fix", ""),
   "dmarc.multiple: the note says to merge tags; the zone lines comment the deletions", f)

fs, out = findings("rua.example")
a = acts(fs.get("dmarc.report.unauthorized"))
ok(a == [("add", "rua.example._report._dmarc.other.example", "TXT", "v=DMARC1", None)],
   "dmarc.report.unauthorized: the _report._dmarc record, as an action", out)
ok("other.example" in fs["dmarc.report.unauthorized"]["actions"][0].get("note", ""),
   "dmarc.report.unauthorized: the note names whose zone it belongs in")

fs, out = findings("nomx.example")
ok(acts(fs.get("mx.missing")) == [("add", "nomx.example", "MX", "0 .", None)], "mx.missing: a null MX to add", out)
TOKEN = "aaaabbbbccccddddeeeeffffgggghhhh"
fs, out = findings("nomx.example", "--tokens", TOKEN)
ok(acts(fs.get("dkim.key.missing")) == [("add", TOKEN + "._domainkey.nomx.example", "CNAME",
                                         TOKEN + ".dkim.amazonses.com", None)],
   "dkim.key.missing for an SES token: its CNAME, as an action", out)
fs, out = findings("mixmx.example")
ok(acts(fs.get("mx.null_mixed")) == [("delete", "mixmx.example", "MX", None, "0 .")],
   "mx.null_mixed: the null MX to delete", out)
fs, out = findings("ipmx.example")
ok(acts(fs.get("mx.target_ip")) == [("add", "mx.ipmx.example", "A", "192.0.2.1", None),
                                    ("replace", "ipmx.example", "MX", "10 mx.ipmx.example", "10 192.0.2.1")],
   "mx.target_ip: a host name for the address, then the MX pointed at it", out)
fs, out = findings("cnmx.example")
ok(acts(fs.get("mx.target_cname")) == [("replace", "cnmx.example", "MX", "10 real.cnmx.example",
                                        "10 mail.cnmx.example")],
   "mx.target_cname: the MX pointed at the CNAME's target", out)

fs, out = findings("sts.example")
sts = [f for c, f in fs.items() if c.startswith("mtasts.") and f.get("actions")]
ok(len(sts) == 1 and sts[0]["actions"][0]["op"] == "replace" and
   sts[0]["actions"][0]["old_value"] == "v=STSv1" and sts[0]["actions"][0]["value"].startswith("v=STSv1; id="),
   "MTA-STS malformed: the record replaced by one with an id", sts)
rpt = fs.get("tlsrpt.multiple")
ok(rpt and [x[0] for x in acts(rpt)] == ["delete", "delete", "add"] and
   acts(rpt)[-1][3] == acts(rpt)[0][4], "tlsrpt.multiple: delete both, keep the first", out)
bimi = [f for c, f in fs.items() if c.startswith("bimi.") and f.get("actions")]
ok(len(bimi) == 1 and acts(bimi[0]) == [("replace", "default._bimi.sts.example", "TXT",
                                         "v=BIMI1; l=https://sts.example/logo.svg",
                                         "v=BIMI1; l=http://sts.example/logo.svg")],
   "BIMI over http: the record replaced by its https: form", bimi)

fs, out = findings("mf.example", "--mail-from", "bounce.mf.example")
a = acts(fs.get("mailfrom.spf_multiple"))
ok([x[0] for x in a] == ["delete", "delete", "add"] and a[-1][3] == "v=spf1 include:amazonses.com ~all" and
   all(x[1] == "bounce.mf.example" for x in a), "mailfrom.spf_multiple: delete both SPF records, add one", out)

# Every finding here with a fix in zone lines has actions: no zone line only in prose.
for d in ZONES:
    code, out, err = run("check", d, "--format", "json")
    for c in json.loads(out)["checks"]:
        for f in c["findings"]:
            fix = f.get("fix") or ""
            if " IN " in fix and not f.get("actions") and "<" not in fix:
                ok(False, "%s: %s gives records only in prose" % (d, f["code"]), fix)

# The exports take the new actions in the shape their tools accept.
import jsonschema  # noqa: E402
for d in ("dm2.example", "ipmx.example", "sts.example", "nomx.example"):
    code, out, err = run("check", d, "--fix-format", "route53")
    try:
        batch = json.loads(out)
        errors = [e.message for e in jsonschema.Draft202012Validator(tf.ROUTE53_SCHEMA).iter_errors(batch)]
    except ValueError as e:
        errors = [str(e)]
    ok(not errors, "%s: the Route 53 change batch has the shape the AWS CLI accepts" % d, "\n".join(errors) + out)
    for fmt in ("terraform-aws", "terraform-cloudflare"):
        code, out, err = run("check", d, "--fix-format", fmt)
        problems = tf.check_terraform(out)
        ok(not problems, "%s: --fix-format %s is valid HCL" % (d, fmt), "\n".join(problems) + "\n" + out)
done()
