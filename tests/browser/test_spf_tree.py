#!/usr/bin/python3
"""The SPF include tree on emailauth serve's page, in Chromium (Playwright,
tests/browser/spf_tree.js), at 1280 and 390 px, with scripts on and off: for a record over
the limit the tree is open, a provider's branch is closed until its summary is clicked,
shows its nested includes, and closes again; nothing scrolls sideways. Screenshots of the
tree in tests/artifacts/tabs/ (kept out of the repository). Skips, saying why, without
node or chromium."""
import json
import os
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "browser"))
from tap import ok, done  # noqa: E402
from playwright_env import HERE, CHROMIUM, node_or_skip  # noqa: E402

SHOTS = os.path.join(SRC, "tests", "artifacts", "tabs")
RUN_TIMEOUT_S = 300

node = node_or_skip()

from bed import Bed, txt_rdata  # noqa: E402
import serve_data as srv  # noqa: E402


def spf(owner, text):
    return "%s 300 IN TXT %s\n" % (owner, txt_rdata(text))


zones = {
    "tree-shop.com": spf("@", "v=spf1 include:_spf.google.com include:spf.protection.outlook.com "
                              "include:sendgrid.net include:servers.mcsv.net include:mail.zendesk.com "
                              "include:amazonses.com include:spf.mtasv.net include:_spf.a-very-long-"
                              "provider-name-that-must-wrap-on-a-phone.example.net mx ~all")
                     + "@ IN MX 10 mx1\nmx1 IN A 192.0.2.10\n",
    "google.com": spf("_spf", "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
                              "include:_netblocks3.google.com ~all")
                  + spf("_netblocks", "v=spf1 ip4:35.190.247.0/24 ~all")
                  + spf("_netblocks2", "v=spf1 ip6:2001:4860:4000::/36 ~all")
                  + spf("_netblocks3", "v=spf1 ip4:172.217.0.0/19 ~all"),
    "outlook.com": spf("spf.protection", "v=spf1 ip4:40.92.0.0/15 -all"),
    "sendgrid.net": spf("@", "v=spf1 ip4:167.89.0.0/17 ~all"),
    "mcsv.net": spf("servers", "v=spf1 ip4:205.201.128.0/20 -all"),
    "zendesk.com": spf("mail", "v=spf1 ip4:192.161.144.0/20 ~all"),
    "amazonses.com": spf("@", "v=spf1 ip4:54.240.0.0/18 -all"),
    "mtasv.net": spf("spf", "v=spf1 ip4:50.31.156.0/23 -all"),
    "example.net": spf("_spf.a-very-long-provider-name-that-must-wrap-on-a-phone", "v=spf1 ip4:198.51.100.0/24 -all"),
}

os.makedirs(SHOTS, exist_ok=True)
with Bed(zones) as bed:
    with srv.Server("--resolver", bed.resolver, "--timeout", "8", "--rate", "1000") as server:
        cfg = {"url": server.url + "/?tab=spf&domain=tree-shop.com", "shots": SHOTS, "chromium": CHROMIUM}
        try:
            p = subprocess.run([node, os.path.join(HERE, "spf_tree.js"), json.dumps(cfg)], cwd=HERE,
                               capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
            stdout, stderr = p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            stdout, stderr = "", "spf_tree.js ran past %d s" % RUN_TIMEOUT_S
try:
    seen = json.loads(stdout.strip().splitlines()[-1])
except (ValueError, IndexError):
    seen = {"error": "no output: " + stderr[-2000:]}
if not ok("error" not in seen, "the browser opened the SPF tab", seen.get("error", "") + stderr[-1500:]):
    done()
ok(seen["pageErrors"] == [], "no script errors", seen["pageErrors"])
for name, w in sorted(seen["widths"].items()):
    b, o, c = w["before"], w["opened"], w["closed"]
    ok(b["tree"] and b["open"] and "12 lookups" in b["text"], "@%s: the tree is shown open, with the total" % name, b)
    ok(b["branch"] and not b["branchOpen"] and not b["leafVisible"],
       "@%s: a provider's branch starts closed" % name, b)
    ok(o["branchOpen"] and o["leafVisible"], "@%s: its summary opens it: the nested includes show" % name, o)
    ok(not c["branchOpen"] and not c["leafVisible"], "@%s: and closes it again" % name, c)
    ok(max(b["overflow"], o["overflow"]) <= 0, "@%s: no sideways scrolling" % name, (b["overflow"], o["overflow"]))
for width in (1280, 390):
    path = os.path.join(SHOTS, "spf-tree-%d.png" % width)
    ok(os.path.exists(path) and os.path.getsize(path) > 2000, "screenshot of the tree at %d px" % width)
done()
