#!/usr/bin/python3
"""emailauth spf over the 10-lookup limit (RFC 7208 4.6.4), against real DNS servers
(tests/integration/bed.py): a shop whose record includes Google Workspace, Microsoft 365,
SendGrid, Mailchimp, Zendesk, Amazon SES, Salesforce and Freshdesk, each include mocked
as the provider publishes it (nested includes, a macro). The audit gives the include
tree (text, JSON, HTML) and a plan; the plan's record is published in place of the old
one and emailauth itself counts it again, against the same DNS: valid SPF, under 10.
A second domain's plan needs only evidence-backed changes and is a replace action."""
import json
import os
import re
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
from serve_data import Server  # noqa: E402
import ses_data  # noqa: E402
from tap import ok, done  # noqa: E402
import schema  # noqa: E402


def spf(owner, text, ttl=300):
    return "%s %d IN TXT %s\n" % (owner, ttl, txt_rdata(text))


OVER = ("v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:sendgrid.net "
        "include:servers.mcsv.net include:mail.zendesk.com include:amazonses.com "
        "include:_spf.salesforce.com include:email.freshdesk.com mx ~all")
MECH = ("v=spf1 include:google.com include:_spf.google.com include:servers.mcsv.net "
        "include:spf.protection.outlook.com include:sendgrid.net ptr ~all")

# The TTL 0 records are not cached by the bed's unbound (cache-min-ttl 0): the plan's
# record replaces them and is read again at once.
shop = (spf("@", OVER, ttl=0) + "@ IN MX 10 mx1\n@ IN MX 20 mx2\n"
        "mx1 IN A 192.0.2.10\nmx2 IN A 192.0.2.11\nmx2 IN AAAA 2001:db8::11\n"
        "google._domainkey IN TXT %s\n" % ses_data.key_record())
zones = {
    "shopexample.com": shop,
    "xssexample.com": spf("@", "v=spf1 include:<script>x</script>.example.com include:_spf.google.com -all"),
    "mechexample.com": spf("@", MECH, ttl=0) + "@ IN MX 10 mail.mechexample.com.\nmail IN A 192.0.2.30\n",
    "google.com": spf("@", "v=spf1 include:_spf.google.com ~all")
                  + spf("_spf", "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
                                "include:_netblocks3.google.com ~all")
                  + spf("_netblocks", "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 "
                                      "ip4:66.102.0.0/20 ip4:74.125.0.0/16 ~all")
                  + spf("_netblocks2", "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all")
                  + spf("_netblocks3", "v=spf1 ip4:172.217.0.0/19 ip4:108.177.96.0/19 ~all"),
    "outlook.com": spf("spf.protection", "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 "
                                         "ip4:52.100.0.0/14 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 -all"),
    "sendgrid.net": spf("@", "v=spf1 ip4:167.89.0.0/17 ip4:149.72.0.0/16 ip4:168.245.0.0/17 ~all"),
    "mcsv.net": spf("servers", "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 -all"),
    "zendesk.com": spf("mail", "v=spf1 ip4:192.161.144.0/20 ip4:185.12.80.0/22 ip4:188.172.128.0/20 ~all"),
    "amazonses.com": spf("@", "v=spf1 ip4:199.255.192.0/22 ip4:54.240.0.0/18 ip4:23.249.208.0/20 -all"),
    "salesforce.com": spf("_spf", "v=spf1 exists:%{i}._spf.mta.salesforce.com -all"),
    "freshdesk.com": spf("email", "v=spf1 include:fdspf.freshemail.io ~all"),
    "freshemail.io": spf("fdspf", "v=spf1 ip4:103.6.28.0/22 ip4:185.94.28.0/22 -all"),
}


def doc_of(out):
    try:
        return json.loads(out)
    except ValueError:
        return {}


def spf_check(doc):
    return next((c for c in doc.get("checks", []) if c.get("check") == "spf"), {})


def by_code(doc, code):
    return [f for f in spf_check(doc).get("findings", []) if f["code"] == code]


def lookups_of(doc):
    """The worst-case count emailauth's own audit gives (spf.lookups.ok/over_limit)."""
    for f in spf_check(doc).get("findings", []):
        if f["code"] in ("spf.lookups.ok", "spf.lookups.over_limit"):
            m = re.match(r"(\d+)", f["message"])
            return int(m.group(1)) if m else None
    return None


def walk(node, depth=0):
    yield node, depth
    for c in node.get("children", []):
        yield from walk(c, depth + 1)


with Bed(zones) as bed:
    schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
    code, out, err = bed.run("spf", "shopexample.com", "--format", "json")
    doc = doc_of(out)
    ok(code == 2 and lookups_of(doc) == 14, "the shop's record costs 14 lookups (over 10)", out + err)

    # The tree: the root costs the whole count, each branch what is inside it.
    tree = spf_check(doc).get("tree", {})
    ok(tree.get("label") == "shopexample.com" and tree.get("cost") == 14, "JSON tree: the root and its total", tree)
    kids = {c["label"]: c for c in tree.get("children", [])}
    g = kids.get("include:_spf.google.com", {})
    ok(g.get("cost") == 4 and len(g.get("children", [])) == 3 and g.get("note") == "Google Workspace",
       "JSON tree: include:_spf.google.com costs 4 (itself and 3 netblocks)", g)
    ok(kids.get("include:email.freshdesk.com", {}).get("cost") == 2 and kids.get("mx", {}).get("cost") == 1,
       "JSON tree: a nested include costs 2, mx 1", kids.keys())
    ok(sum(c["cost"] for c in tree.get("children", [])) == tree.get("cost"),
       "JSON tree: the branches add up to the total", tree)

    # The plan, term by term, on evidence.
    drop = by_code(doc, "spf.plan.drop")
    ok([f["subject"] for f in drop] == ["include:servers.mcsv.net"] and "Mailchimp" in drop[0]["message"],
       "plan: the Mailchimp include can be dropped (its return path is Mailchimp's)", drop)
    moves = sorted(f["subject"] for f in by_code(doc, "spf.plan.return_path"))
    ok(moves == ["include:amazonses.com", "include:sendgrid.net"],
       "plan: SES and SendGrid can move to a return-path subdomain", moves)
    unused = {f["subject"]: f["message"] for f in by_code(doc, "spf.plan.if_unused")}
    ok("include:mail.zendesk.com" in unused and "if you no longer send through" in unused["include:mail.zendesk.com"],
       "plan: an include without evidence is 'if you no longer send through it', never 'can be dropped'", unused)
    ok("flatten" not in unused.get("include:_spf.salesforce.com", "flatten"),
       "plan: an include with exists and a macro is not offered for flattening", unused)
    over = by_code(doc, "spf.lookups.over_limit")[0]
    fix = over.get("fix", "")
    ok(not over.get("actions") and "advice" in fix and "stale" in fix and "without telling you" in fix,
       "plan: with moves and flattening it is advice, with flattening's cost said plainly", fix)
    rec = by_code(doc, "spf.plan.record")
    proposed = rec[0]["expected"] if rec else ""
    m = re.search(r"(\d+) lookups instead of 14", rec[0]["message"] if rec else "")
    claimed = int(m.group(1)) if m else None
    ok(proposed.startswith("v=spf1 ") and claimed is not None and claimed < 10,
       "plan: a proposed record under 10 lookups (%s)" % claimed, rec)
    ok("servers.mcsv.net" not in proposed and "amazonses.com" not in proposed and "ip4:" in proposed,
       "plan: the record drops Mailchimp, moves SES, flattens", proposed)

    # Text: the tree is shown unasked when over the limit, indented.
    code, text, err = bed.run("spf", "shopexample.com")
    ok("Include tree" in text and re.search(r"\n {6}include:_spf\.google\.com  4  Google Workspace\n", text)
       and re.search(r"\n {8}include:_netblocks\.google\.com  1\n", text),
       "text: the indented include tree with each branch's count", text)
    ok("A plan to get under 10" in text, "text: the plan is under the over-limit error", text)

    # The SPF section of check: the same tree and plan.
    code, text, err = bed.run("check", "shopexample.com")
    ok("Include tree" in text and "A plan to get under 10" in text, "check: the SPF section has the tree and the plan", text)
    code, out, err = bed.run("check", "shopexample.com", "--format", "json")
    cdoc = doc_of(out)
    ok(spf_check(cdoc).get("tree", {}).get("cost") == 14, "check --format json: the tree", out[:2000])
    unused = {f["subject"]: f["message"] for f in by_code(cdoc, "spf.plan.if_unused")}
    ok("the check sees Google Workspace in use here (" in unused.get("include:_spf.google.com", "")
       and "DKIM selector google" in unused.get("include:_spf.google.com", ""),
       "check: Google's DKIM key is evidence its include is in use", unused)
    ok("no other sign of Microsoft 365 here than this include" in unused.get("include:spf.protection.outlook.com", ""),
       "check: Microsoft 365 with nothing but its include is said so, still 'if you no longer send'", unused)

    # The web page: a nested list that opens and closes (no script), names escaped.
    with Server("--resolver", bed.resolver, "--timeout", "5") as s:
        st, h, body = s.get("/?tab=spf&domain=shopexample.com")
        html = body.decode("utf-8", "replace")
        ok('<details class="ea-tree" open>' in html
           and "<li><details><summary><code>include:_spf.google.com</code>" in html
           and '<code>mx</code> <span class="ea-tree-cost">1 lookup</span>' in html
           and "A plan to get under 10" in html,
           "web page: the tree as nested <details>, and the plan", html[-6000:])
        st, h, body = s.get("/?tab=spf&domain=xssexample.com")
        html = body.decode("utf-8", "replace")
        ok('class="ea-tree"' in html and "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html,
           "web page: a name from DNS in the tree is escaped", html[-4000:])

    # The plan's record, published in place of the old one, counted again by emailauth.
    bed.update_zone("shopexample.com", shop.replace(txt_rdata(OVER), txt_rdata(proposed)))
    code, out, err = bed.run("spf", "shopexample.com", "--format", "json")
    again = doc_of(out)
    c = [f["code"] for f in spf_check(again).get("findings", [])]
    ok("spf.record.syntax" not in c and "spf.record.published" in c and
       by_code(again, "spf.record.published")[0]["message"] == proposed,
       "the proposed record is published and is valid SPF", out + err)
    ok(lookups_of(again) == claimed and claimed < 10,
       "emailauth counts the proposed record again: %s lookups, as the plan said" % lookups_of(again), out)
    ok(not spf_check(again).get("tree", {}).get("children") is None and "spf.plan.record" not in c,
       "under the limit: no plan", c)
    code, text, err = bed.run("spf", "shopexample.com")
    ok("Include tree" not in text, "text: under the limit the tree waits for --verbose", text)
    code, text, err = bed.run("spf", "shopexample.com", "--verbose")
    ok("Include tree" in text, "text: --verbose shows the tree", text)

    # Evidence alone suffices: a replace action, counted.
    code, out, err = bed.run("spf", "mechexample.com", "--format", "json")
    doc = doc_of(out)
    ok(lookups_of(doc) == 13, "mechexample.com costs 13 lookups", out + err)
    over = (by_code(doc, "spf.lookups.over_limit") or [{}])[0]
    acts = over.get("actions", [])
    ok(len(acts) == 1 and acts[0]["op"] == "replace" and acts[0]["type"] == "TXT"
       and acts[0]["old_value"] == MECH, "mechexample.com: the fix is a replace action of the record", over)
    new = acts[0].get("value", "") if acts else ""
    ok(new == "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:sendgrid.net ~all",
       "mechexample.com: google.com replaced by its documented include, the copy inside it, Mailchimp and ptr dropped", new)
    repl = by_code(doc, "spf.plan.replace")
    ok(repl and repl[0]["subject"] == "include:google.com" and "costs 4" in repl[0]["message"],
       "mechexample.com: the replacement's cost is counted in DNS", repl)
    code, zone_out, err = bed.run("spf", "mechexample.com", "--fix-format", "zone")
    ok("include:_spf.google.com include:spf.protection.outlook.com" in zone_out,
       "mechexample.com: --fix-format zone gives the replacement", zone_out + err)
    bed.update_zone("mechexample.com", zones["mechexample.com"].replace(txt_rdata(MECH), txt_rdata(new)))
    code, out, err = bed.run("spf", "mechexample.com", "--format", "json")
    ok(lookups_of(doc_of(out)) == 6, "emailauth counts the replaced record again: 6 lookups", out + err)

done()
