#!/usr/bin/python3
"""Structured fixes (issue 16, item 1): actions in JSON, the provider's form in the text,
the DNS host told from the NS records, and the exports of --fix-format, each checked
against the shape its tool accepts:
  route53    the change batch of `aws route53 change-resource-record-sets` (a JSON Schema
             of the AWS API's ChangeBatch written here from the API reference)
  terraform  an HCL syntax check of our own (Debian 12 has no terraform)
  cloudflare `sh -n`, and every --data body parses as JSON
  zone       the lines load as a zone file (libzscanner, through --zone)
Answered from zone files (--zone): no network."""
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
T = ["aaaabbbbccccddddeeeeffffgggghhhh", "iiiijjjjkkkkllllmmmmnnnnoooopppp", "qqqqrrrrssssttttuuuuvvvvwwwwxxxx"]
LONG_KEY = "v=DKIM1; k=rsa; p=" + "A" * 380

ZONE = """$ORIGIN {d}.
$TTL 300
@ IN SOA {ns1} hostmaster.{d}. 1 3600 600 86400 300
@ IN NS {ns1}
@ IN NS {ns2}
@ IN TXT "v=spf1 include:amazonses.com -all"
@ IN TXT "v=spf1 include:_spf.google.com ip4:192.0.2.0/24 ~all"
_dmarc IN TXT "v=DMARC1; p=none"
{t0}._domainkey IN CNAME {t0}.dkim.amazonses.com.
{t1}._domainkey IN TXT "{t1}.dkim.amazonses.com"
"""
HOSTS = {
    "r53-fix.example": ("ns-1.awsdns-01.com.", "ns-2.awsdns-02.net."),
    "cf-fix.example": ("amalia.ns.cloudflare.com.", "bob.ns.cloudflare.com."),
    "other-fix.example": ("ns1.other-fix.example.", "ns2.other-fix.example."),
}

# The AWS API's ChangeBatch (Route 53 API reference: ChangeBatch, Change,
# ResourceRecordSet, ResourceRecord), the parts a change of plain records uses.
ROUTE53_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "required": ["Changes"], "additionalProperties": False,
    "properties": {
        "Comment": {"type": "string", "maxLength": 256},
        "Changes": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["Action", "ResourceRecordSet"], "additionalProperties": False,
            "properties": {
                "Action": {"enum": ["CREATE", "DELETE", "UPSERT"]},
                "ResourceRecordSet": {
                    "type": "object", "required": ["Name", "Type", "TTL", "ResourceRecords"],
                    "additionalProperties": False,
                    "properties": {
                        "Name": {"type": "string", "maxLength": 1024, "pattern": r"^[A-Za-z0-9_.*-]+\.$"},
                        "Type": {"enum": ["SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV",
                                          "SPF", "AAAA", "CAA", "DS", "TLSA", "SSHFP", "SVCB", "HTTPS"]},
                        "TTL": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                        "ResourceRecords": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["Value"], "additionalProperties": False,
                            "properties": {"Value": {"type": "string", "maxLength": 4000}}}}}}}}}}}


def run(*args, zone=None):
    cmd = [EMAILAUTH] + list(args)
    for z in zone or []:
        cmd += ["--zone", z]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write_zones(tmp):
    paths = {}
    for d, (ns1, ns2) in HOSTS.items():
        text = ZONE.format(d=d, ns1=ns1, ns2=ns2, t0=T[0], t1=T[1])
        if d == "r53-fix.example":
            text += 'long._domainkey IN TXT "v=DKIM1; k=rsa; h=sha1; p=%s"\n' % ("A" * 200)
        paths[d] = os.path.join(tmp, d + ".zone")
        with open(paths[d], "w") as f:
            f.write(text)
    return paths


def check_txt_value(v):
    """A Route 53 TXT value: quoted strings of at most 255 characters, space-separated."""
    parts = re.findall(r'"((?:\\.|[^"\\])*)"', v)
    rebuilt = " ".join('"%s"' % p for p in parts)
    return rebuilt == v and all(len(re.sub(r"\\(.)", r"\1", p)) <= 255 for p in parts)


HCL_ATTR = re.compile(r'^  ([a-z_]+)( *)= (.+)$')
HCL_STRING = r'"(?:[^"\\$%]|\\["\\nu]|\\u[0-9a-f]{4}|\$\$\{|%%\{|\$(?!\{)|%(?!\{))*"'


def check_terraform(text):
    """Our own HCL check of what --fix-format terraform writes: comments, `variable` and
    `resource` blocks with two quoted labels, attributes `name = value` aligned as
    `terraform fmt` aligns them, values that are strings, numbers, booleans, var.X or a
    list of strings; resource names unique. Returns a list of problems."""
    problems, seen, block, attrs = [], set(), None, []
    for n, line in enumerate(text.splitlines(), 1):
        if block is None:
            if line == "" or line.startswith("#"):
                continue
            m = re.match(r'^(variable|resource) ("[a-z0-9_]+" )?"([A-Za-z_][A-Za-z0-9_-]*)" \{$', line)
            if not m:
                problems.append("line %d: not a block start: %r" % (n, line))
                continue
            block, attrs = m.group(1), []
            if block == "resource":
                if m.group(3) in seen:
                    problems.append("line %d: resource name used twice" % n)
                seen.add(m.group(3))
            continue
        if line == "}":
            width = {len(a[0]) + len(a[1]) for a in attrs}
            if len(width) > 1:
                problems.append("line %d: '=' not aligned in the block (terraform fmt)" % n)
            block = None
            continue
        m = HCL_ATTR.match(line)
        if not m:
            problems.append("line %d: not an attribute: %r" % (n, line))
            continue
        attrs.append((m.group(1), m.group(2)))
        v = m.group(3)
        if not (re.fullmatch(HCL_STRING, v) or re.fullmatch(r"\d+|true|false|string|var\.[a-z_]+", v) or
                re.fullmatch(r"\[%s(, %s)*\]" % (HCL_STRING, HCL_STRING), v)):
            problems.append("line %d: not a value: %r" % (n, v))
    if block is not None:
        problems.append("unclosed block")
    return problems


def test_json_actions(zones):
    code, out, err = run("ses", "r53-fix.example", "--tokens", ",".join(T), "--format", "json",
                         zone=[zones["r53-fix.example"]])
    doc = json.loads(out)
    ok(doc.get("dns_host", {}).get("id") == "route53" and doc.get("zone") == "r53-fix.example",
       "the DNS host is told from the NS records (Route 53)", out[:2000])
    fs = {f["token"]: f for f in doc["checks"][0]["findings"] if f.get("primary")}
    acts = fs[T[1]].get("actions", [])
    ok([a["op"] for a in acts] == ["delete", "add"] and acts[0]["type"] == "TXT" and
       acts[0]["old_value"] == T[1] + ".dkim.amazonses.com" and acts[1]["type"] == "CNAME" and
       acts[1]["value"] == T[1] + ".dkim.amazonses.com" and acts[1]["ttl"] == 1800,
       "TXT instead of CNAME: delete the TXT (its text unquoted), add the CNAME", json.dumps(acts))
    ok(acts[1]["name"] == "%s._domainkey.r53-fix.example" % T[1] and
       acts[1]["relative_name"] == "%s._domainkey" % T[1], "each action: name absolute and relative")
    ok("%s._domainkey.r53-fix.example. 1800 IN CNAME %s.dkim.amazonses.com." % (T[2], T[2])
       in fs[T[2]].get("fix", ""), "fix still carries the zone-file lines")


def test_text(zones):
    code, out, err = run("ses", "r53-fix.example", "--tokens", ",".join(T), zone=[zones["r53-fix.example"]])
    ok('In Amazon Route 53: Record name: %s._domainkey | Record type: CNAME | Value: %s.dkim.amazonses.com'
       % (T[2], T[2]) in out, "text: the record in Route 53's own field names", out)
    ok("hosted at Amazon Route 53" in out, "text: says where the DNS is hosted")
    code, out, err = run("ses", "cf-fix.example", "--tokens", ",".join(T), zone=[zones["cf-fix.example"]])
    ok("In Cloudflare: Name: %s._domainkey | Type: CNAME | Target: %s.dkim.amazonses.com | Proxy status: DNS only"
       % (T[2], T[2]) in out, "text: Cloudflare's field names and DNS only", out)
    code, out, err = run("ses", "other-fix.example", "--tokens", ",".join(T), zone=[zones["other-fix.example"]])
    ok("In your DNS provider: Name: %s._domainkey" % T[2] in out and "Most forms add the domain" in out,
       "text: an unknown host gets the generic form", out)


def test_route53(zones):
    import jsonschema
    code, out, err = run("check", "r53-fix.example", "--tokens", ",".join(T), "--fix-format", "route53",
                         zone=[zones["r53-fix.example"]])
    try:
        batch = json.loads(out)
    except ValueError:
        batch = None
    ok(batch is not None, "route53: the export is JSON", out + err)
    if batch is None:
        return
    errors = [e.message for e in jsonschema.Draft202012Validator(ROUTE53_SCHEMA).iter_errors(batch)]
    ok(not errors, "route53: the change batch has the shape the AWS CLI accepts", "\n".join(errors))
    txt = [r["Value"] for c in batch["Changes"] for r in c["ResourceRecordSet"]["ResourceRecords"]
           if c["ResourceRecordSet"]["Type"] == "TXT"]
    ok(txt and all(check_txt_value(v) for v in txt), "route53: TXT values are quoted 255-byte strings", txt)
    acts = [(c["Action"], c["ResourceRecordSet"]["Type"]) for c in batch["Changes"]]
    ok(("UPSERT", "CNAME") in acts and ("DELETE", "TXT") in acts, "route53: CNAMEs upserted, old TXT deleted", acts)
    ok(not any(a == "UPSERT" and t == "TXT" for a, t in acts),
       "route53: a TXT is never UPSERT (it would replace the other TXT records at the name)")
    names = [c["ResourceRecordSet"]["Name"] for c in batch["Changes"]]
    ok(len(set((n, a, t) for n, (a, t) in zip(names, acts))) == len(acts),
       "route53: one change per record set and action (Route 53 changes whole sets)", out)


def test_terraform(zones):
    for d, fmt, resource in (("r53-fix.example", "terraform", "aws_route53_record"),
                             ("cf-fix.example", "terraform", "cloudflare_record"),
                             ("r53-fix.example", "terraform-cloudflare", "cloudflare_record")):
        code, out, err = run("check", d, "--tokens", ",".join(T), "--fix-format", fmt, zone=[zones[d]])
        problems = check_terraform(out)
        ok(not problems and ('resource "%s"' % resource) in out,
           "%s --fix-format %s: %s, valid HCL" % (d, fmt, resource), "\n".join(problems) + "\n" + out)


def test_cloudflare(zones):
    code, out, err = run("check", "cf-fix.example", "--tokens", ",".join(T), "--fix-format", "cloudflare",
                         zone=[zones["cf-fix.example"]])
    p = subprocess.run(["sh", "-n"], input=out.encode(), stderr=subprocess.PIPE)
    ok(p.returncode == 0 and out.startswith("#!/bin/sh"), "cloudflare: the API calls are a valid shell script",
       p.stderr.decode() + out)
    bodies = re.findall(r"--data '([^']*)'", out)
    parsed = []
    for b in bodies:
        try:
            parsed.append(json.loads(b))
        except ValueError:
            parsed.append(None)
    ok(bodies and all(parsed), "cloudflare: every request body is JSON", bodies)
    ok(all(b.get("proxied") is False for b in parsed if b and b.get("type") == "CNAME"),
       "cloudflare: CNAMEs are created DNS only (not proxied)")


def test_zone(zones, tmp):
    code, out, err = run("check", "r53-fix.example", "--tokens", ",".join(T), "--fix-format", "zone",
                         zone=[zones["r53-fix.example"]])
    path = os.path.join(tmp, "fixed.zone")
    with open(path, "w") as f:
        f.write("$ORIGIN fixed.example.\n$TTL 300\n@ IN SOA ns.fixed.example. h.fixed.example. 1 1 1 1 1\n"
                "@ IN NS ns.fixed.example.\n")
        f.write(out.replace("r53-fix.example.", "fixed.example."))
    code2, out2, err2 = run("spf", "fixed.example", "--format", "json", zone=[path])
    ok(code2 != 64 and "zone" not in err2.lower(), "zone: the fix lines load as a zone file", out + err2)
    doc = json.loads(out2) if out2.strip().startswith("{") else {}
    spf = [f for c in doc.get("checks", []) for f in c["findings"] if f["code"] == "spf.record.multiple"]
    ok(not spf, "zone: applied, the fix leaves one SPF record", out)


def test_spf_merge(zones):
    code, out, err = run("spf", "r53-fix.example", "--format", "json", zone=[zones["r53-fix.example"]])
    doc = json.loads(out)
    f = [f for c in doc["checks"] for f in c["findings"] if f["code"] == "spf.record.multiple"][0]
    rep = [a for a in f.get("actions", []) if a["op"] == "replace"]
    ok(len(rep) == 1 and rep[0]["value"] ==
       "v=spf1 include:amazonses.com include:_spf.google.com ip4:192.0.2.0/24 ~all",
       "two SPF records: one merged record, every mechanism once, ~all (the weaker all kept)",
       json.dumps(f.get("actions")))
    ok(len([a for a in f["actions"] if a["op"] == "delete"]) == 1, "two SPF records: the other deleted")


def test_forgiving_input(zones):
    """Issue 16, item 5: a URL, an address or a mailto: gives its domain, and says so."""
    for given in ("https://r53-fix.example/shop?x=1", "news@r53-fix.example", "mailto:a@r53-fix.example?subject=hi",
                  "HTTP://R53-Fix.Example:8080/"):
        code, out, err = run("spf", given, "--format", "json", zone=[zones["r53-fix.example"]])
        doc = json.loads(out) if out.strip().startswith("{") else {}
        ok(code != 64 and doc.get("domain") == "r53-fix.example" and
           "checking the domain r53-fix.example (from '%s')" % given in err,
           "%s: its domain is checked, and the output says so" % given, err + out[:300])
    code, out, err = run("spf", "http://", zone=[zones["r53-fix.example"]])
    ok(code == 64 and "'http://' is not a domain name" in err, "a URL without a host: a usage error naming it", err)


def test_usage():
    code, out, err = run("ses", "x.example", "--tokens", ",".join(T), "--fix-format", "bind")
    ok(code == 64 and "--fix-format" in err, "an unknown --fix-format is a usage error (64)", err)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        zones = write_zones(tmp)
        test_json_actions(zones)
        test_text(zones)
        test_route53(zones)
        test_terraform(zones)
        test_cloudflare(zones)
        test_zone(zones, tmp)
        test_spf_merge(zones)
        test_forgiving_input(zones)
        test_usage()
    done()


if __name__ == "__main__":
    main()
