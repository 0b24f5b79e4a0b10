#!/usr/bin/python3
"""Every tab of emailauth serve in Chromium (Playwright, tests/browser/tabs.js), for a broken
and a correct domain, at 1280 and 390 px: full-page screenshots in tests/artifacts/tabs/
(kept out of the repository; a person looks at them), and checks of what the page says:
the title names the domain and the verdict, nothing scrolls sideways, the fix is a
Name/Type/Value table in the DNS host's terms with a copy button per cell, each export is
a download, and a pass says what comes next. Skips, saying why, without node or chromium."""
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

from bed import Bed  # noqa: E402
import serve_data as srv  # noqa: E402
import ses_data as sd  # noqa: E402

BAD_T = sd.tokens("tabs-broken")
GOOD_T = sd.tokens("tabs-good")
BAD, GOOD = "broken-tabs.com", "good-tabs.com"


def zones():
    keys = sd.Keys()
    keys.publish(BAD_T)
    keys.publish(GOOD_T)
    out = {
        BAD: ('%s._domainkey 300 IN TXT "%s.dkim.amazonses.com"\n' % (BAD_T[0], BAD_T[0]) +
              sd.cnames(BAD_T[2:]) +
              '@ 300 IN TXT "v=spf1 include:amazonses.com -all"\n'
              '@ 300 IN TXT "v=spf1 include:_spf.google.com ~all"\n'
              '_dmarc 300 IN TXT "v=DMARC1; p=none"\n'),
        GOOD: (sd.cnames(GOOD_T) +
               '@ 300 IN MX 10 inbound-smtp.eu-west-1.amazonaws.com.\n'
               '@ 300 IN TXT "v=spf1 include:amazonses.com -all"\n'
               '_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good-tabs.com"\n'),
    }
    out.update(keys.zones())
    return out


def message(domain):
    return ("Received: from a8-30.smtp-out.amazonses.com (a8-30.smtp-out.amazonses.com [54.240.8.30])\r\n"
            "\tby mx.receiver.example with ESMTPS id 1; Thu, 03 Dec 2026 09:00:00 +0000\r\n"
            "From: Shop <news@%s>\r\nTo: someone@receiver.example\r\nSubject: Hello\r\n"
            "Date: Thu, 03 Dec 2026 08:59:59 +0000\r\nMessage-ID: <1@%s>\r\n\r\n" % (domain, domain))


def received_message(domain):
    """The receiver's Authentication-Results above its Received header: SPF is evaluated for the
    address in it (issue 16, item 6)."""
    return "Authentication-Results: mx.receiver.example; dkim=none\r\n" + message(domain)


def pages():
    out = []
    for name, d, toks in (("broken", BAD, BAD_T), ("correct", GOOD, GOOD_T)):
        t = "&".join("t%d=%s" % (i + 1, x) for i, x in enumerate(toks))
        out += [{"name": "ses-" + name, "path": "/?tab=ses&domain=%s&%s" % (d, t)},
                {"name": "check-" + name, "path": "/?tab=check&domain=%s&%s" % (d, t)},
                {"name": "spf-" + name, "path": "/?tab=spf&domain=%s" % d},
                {"name": "dkim-" + name, "path": "/?tab=dkim&domain=%s" % d},
                {"name": "verify-" + name, "verify": message(d)}]
    return out + [{"name": "verify-received", "verify": received_message(GOOD)}]


os.makedirs(os.path.join(SHOTS, "parts"), exist_ok=True)
with Bed(zones()) as bed:
    # broken-tabs.com is hosted at "Route 53": its apex NS names awsdns servers too.
    bed.update_zone(BAD, zones()[BAD] + "@ 300 IN NS ns.%s.\n@ 300 IN NS ns-1.awsdns-01.com.\n"
                    "ns 300 IN A %s\n" % (BAD, bed.auth_ip))
    with srv.Server("--resolver", bed.resolver, "--timeout", "8", "--rate", "1000") as server:
        cfg = {"base": server.url, "pages": pages(), "shots": SHOTS, "chromium": CHROMIUM}
        try:
            p = subprocess.run([node, os.path.join(HERE, "tabs.js"), json.dumps(cfg)], cwd=HERE,
                               capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
            stdout, stderr = p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            stdout, stderr = "", "tabs.js ran past %d s" % RUN_TIMEOUT_S
try:
    seen = json.loads(stdout.strip().splitlines()[-1])
except (ValueError, IndexError):
    seen = {"error": "no output: " + stderr[-2000:]}
if not ok("error" not in seen, "the browser opened every tab", seen.get("error", "") + stderr[-1500:]):
    done()
P = seen["pages"]
ok(seen["pageErrors"] == [], "no script errors", seen["pageErrors"])
ok(seen["foreignRequests"] == [], "nothing fetched from elsewhere", seen["foreignRequests"])
for name, pg in sorted(P.items()):
    ok(pg["overflow"] <= 0, "%s: no sideways scrolling" % name, (pg["overflow"], pg["wide"]))
    ok(os.path.getsize(os.path.join(SHOTS, name + ".png")) > 10000, "%s: screenshot taken" % name)
for w in (1280, 390):
    b = P["ses-broken-%d" % w]
    ok(b["formRows"] >= 2 and b["copyCells"] == 2 * b["formRows"],
       "ses broken @%d: the fix as a Name/Type/Value table, a copy button per cell" % w,
       (b["formRows"], b["copyCells"]))
    ok(b["visibleCopyCells"] == b["copyCells"], "ses broken @%d: the copy buttons are shown (script on)" % w)
    ok(("Record name" in b["text"] or w < 600) and "Add in Amazon Route 53" in b["text"],
       "ses broken @%d: in Route 53's own field names" % w)
    ok(set(b["downloads"]) >= {"fix.zone", "route53-change-batch.json", "fix-route53.tf",
                               "fix-cloudflare.tf", "fix-cloudflare.sh"},
       "ses broken @%d: each export is a download" % w, b["downloads"])
    c = P["check-broken-%d" % w]
    ok("v=spf1 include:amazonses.com include:_spf.google.com ~all" in c["text"],
       "check broken @%d: the merged SPF record is shown" % w)
    ok(P["ses-correct-%d" % w]["downloads"] == [], "ses correct @%d: no fixes, no downloads" % w)
    ok(c["title"].startswith("broken-tabs.com: Fail") and
       P["ses-correct-%d" % w]["title"].startswith("good-tabs.com: Pass"),
       "@%d: the page title names the domain and the verdict" % w, (c["title"], P["ses-correct-%d" % w]["title"]))
    ok(c["todo"] and c["todo"][0].startswith(("\u2717 Error", "\u2717 Error")) and len(c["todo"]) <= 5,
       "check broken @%d: what to do first, worst first, at most 5" % w, c["todo"])
    spf = [h for h in P["verify-correct-%d" % w]["checks"] if h.startswith("SPF")]
    ok(spf and "Not checked" in spf[0] and "Pass" not in spf[0],
       "verify @%d: SPF without the receiver's header is Not checked, not Pass" % w, spf)
    spf = [h for h in P["verify-received-%d" % w]["checks"] if h.startswith("SPF")]
    ok(spf and "Not checked" not in spf[0] and "54.240.8.30" in P["verify-received-%d" % w]["text"] and
       "Received header 1 of 1 (line 2)" in P["verify-received-%d" % w]["text"],
       "verify @%d: the connecting IP is read from the receiver's Received header" % w, spf)
    ok("Next:" in P["ses-correct-%d" % w]["text"] and "Successful" in P["ses-correct-%d" % w]["text"],
       "ses correct @%d: a next step on a pass" % w)
done()
