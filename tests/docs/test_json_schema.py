#!/usr/bin/python3
"""docs/emailauth.schema.json is a valid draft 2020-12 schema, strict where the contract is:
a report from zone files (no network) validates, and the same report with a status that is
a severity's name, a severity that is not one, a missing required key, a malformed code or
an unknown key in a lookup does not; a field added to a finding or a check (additive) does.
docs/json-schema.md and docs/openapi.yaml name the file."""
import copy
import json
import os
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import schema  # noqa: E402
from tap import ok, done  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
ZONES = os.path.join(SRC, "tests", "data", "zones")

import jsonschema  # noqa: E402
try:
    jsonschema.Draft202012Validator.check_schema(schema.document())
    ok(True, "docs/emailauth.schema.json is a valid draft 2020-12 schema")
except jsonschema.SchemaError as e:
    ok(False, "docs/emailauth.schema.json is a valid draft 2020-12 schema", str(e)[:500])
ok(schema.document().get("$schema") == "https://json-schema.org/draft/2020-12/schema", "it declares draft 2020-12")
for kind in ("report", "ses_report", "check_report", "spf_report", "dkim_report", "dmarc_report",
             "verify_report", "scan_row", "reports", "api_error", "healthz"):
    ok(kind in schema.document()["$defs"], "$defs/%s is there" % kind)

args = [EMAILAUTH, "check", "zone-broken.com", "--format", "json", "--timeout", "5"]
for z in sorted(os.listdir(ZONES)):
    args += ["--zone", os.path.join(ZONES, z)]
p = subprocess.run(args, capture_output=True, text=True, timeout=60)
doc = json.loads(p.stdout)
ok(not schema.errors(doc, "check_report"), "a check report (zone files) validates", schema.errors(doc, "check_report"))
ok(not schema.errors(doc, "dmarc_report"), "it holds a dmarc check", schema.errors(doc, "dmarc_report"))
ok(schema.errors(doc, "ses_report"), "it is not an SES report (no ses-dkim check)")
ok(any(c["findings"] for c in doc["checks"]) and doc.get("lookups"), "it has findings and lookups to mutate")


def with_change(change):
    d = copy.deepcopy(doc)
    change(d)
    return d


def first_finding(d):
    return next(f for c in d["checks"] for f in c["findings"])


bad = [
    ("status 'error' (a severity's name; schema 1)", lambda d: d.update(status="error")),
    ("a check's status 'warning'", lambda d: d["checks"][0].update(status="warning")),
    ("status_legacy 'unknown'", lambda d: d.update(status_legacy="unknown")),
    ("no status_legacy", lambda d: d.pop("status_legacy")),
    ("schema 1", lambda d: d.update(schema=1)),
    ("severity 'fatal'", lambda d: first_finding(d).update(severity="fatal")),
    ("a code with capitals", lambda d: first_finding(d).update(code="DMARC.Missing")),
    ("a code without a dot", lambda d: first_finding(d).update(code="dmarc")),
    ("a finding without a code", lambda d: first_finding(d).pop("code")),
    ("a finding with both token and subject", lambda d: first_finding(d).update(token="t", subject="s")),
    ("an unknown key in a lookup", lambda d: d["lookups"][0].update(colour="red")),
    ("a lookup outcome 'missing'", lambda d: d["lookups"][0].update(outcome="missing")),
    ("a check without findings", lambda d: d["checks"][0].pop("findings")),
    ("an action 'upsert'", lambda d: d["checks"][0]["findings"].append(
        {"code": "dmarc.x", "severity": "error", "actions": [{"op": "upsert", "name": "a", "relative_name": "@",
                                                               "type": "TXT", "value": "v"}]})),
    ("a tree node without children", lambda d: d["checks"][0].update(tree={"label": "a.example", "cost": 1})),
    ("a tree node with a negative cost", lambda d: d["checks"][0].update(
        tree={"label": "a.example", "cost": -1, "children": []})),
    ("tree_dropped without a tree", lambda d: d["checks"][0].update(tree_dropped=3)),
    ("a replace without old_value", lambda d: d["checks"][0]["findings"].append(
        {"code": "dmarc.x", "severity": "error", "actions": [{"op": "replace", "name": "a", "relative_name": "@",
                                                               "type": "TXT", "value": "v"}]})),
]
for desc, change in bad:
    ok(schema.errors(with_change(change), "check_report"), "refused: %s" % desc)
good = [
    ("an spf include tree", lambda d: d["checks"][0].update(tree={"label": "a.example", "cost": 2, "children": [
        {"label": "include:b.example", "cost": 2, "note": "B mail", "children": []}]}, tree_dropped=1)),
    ("a new field in a finding", lambda d: first_finding(d).update(tree={"lookups": 3})),
    ("a new field in a check", lambda d: d["checks"][0].update(plan=[])),
    ("a new top-level field", lambda d: d.update(received={"ip": "192.0.2.1"})),
]
for desc, change in good:
    ok(not schema.errors(with_change(change), "check_report"), "allowed (additive): %s" % desc)
ok(not schema.legacy_errors(doc) and schema.legacy_errors(with_change(lambda d: d.update(status_legacy="warn"))) != [],
   "status_legacy is schema 1's name of status (checked by the tests' helper)")

err = {"error": {"status": 400, "code": "invalid_ip", "field": "ip", "message": "'ip' is an IPv4 or IPv6 address"}}
ok(not schema.errors(err, "api_error"), "an API error body validates")
ok(schema.errors({"error": {"status": 400, "code": "invalid_ip"}}, "api_error"), "an API error needs a message")

prose = open(os.path.join(SRC, "docs", "json-schema.md"), encoding="utf-8").read()
api = open(os.path.join(SRC, "docs", "openapi.yaml"), encoding="utf-8").read()
ok("emailauth.schema.json" in prose and "emailauth.schema.json" in api,
   "docs/json-schema.md and docs/openapi.yaml point to docs/emailauth.schema.json")
for word in ("unknown", "status_legacy"):
    ok(word in prose, "docs/json-schema.md documents %s" % word)
done()
