#!/usr/bin/python3
"""Forgiving input and the codes' documentation in Chromium (Playwright, tests/browser/
forgiving.js), issue 16 items 4 and 5: a URL typed as the domain and tokens pasted as their
record name or CNAME target are read as the domain and the tokens, and the page says so; a
wrong domain is named in the error while every field keeps what was typed; pasted headers
stay after a check; a card's code opens its entry on /codes. Zone files, no network. Skips,
saying why, without node, chromium or playwright-core."""
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

RUN_TIMEOUT_S = 240
node = node_or_skip()

from serve_data import Server  # noqa: E402

T = ["aaaabbbbccccddddeeeeffffgggghhhh", "iiiijjjjkkkkllllmmmmnnnnoooopppp", "qqqqrrrrssssttttuuuuvvvvwwwwxxxx"]
DOMAIN = "zone-shop.com"
HEADERS = "From: Shop <news@zone-shop.com>\nTo: a@b.example\nSubject: <Hello> & more\n"
ZONES = []
for z in ("zone-broken.com.zone", "zone-shop.com.zone", "amazonses.com.zone"):
    ZONES += ["--zone", os.path.join(SRC, "tests", "data", "zones", z)]

with Server(*ZONES, "--rate", "1000") as s:
    cfg = {"base": s.url, "domain": DOMAIN, "tokens": T, "headers": HEADERS, "chromium": CHROMIUM}
    p = subprocess.run([node, os.path.join(HERE, "forgiving.js"), json.dumps(cfg)], cwd=HERE,
                       capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    try:
        seen = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        seen = {"crash": p.stdout[-2000:] + p.stderr[-2000:]}
ok("crash" not in seen, "the browser run completed", seen.get("crash"))
read_as = seen.get("readAs", "")
ok("Checked the domain %s" % DOMAIN in read_as and read_as.count("Read as the token") == 2,
   "a URL and pasted names: the page says what it read them as", read_as)
ok(seen.get("afterCheck", {}).get("t1") == T[0] + "._domainkey." + DOMAIN + "." and
   seen.get("afterCheck", {}).get("domain") == "https://%s/contact" % DOMAIN,
   "after the check the form shows what was typed", seen.get("afterCheck"))
code = seen.get("code", "")
target = seen.get("codesTarget") or {}
ok(code and seen.get("codesUrl", "").endswith("/codes#" + code) and target.get("id") == code and
   code in target.get("text", "") and target.get("visible"),
   "a card's code opens its entry on /codes, scrolled into view", {k: seen.get(k) for k in ("code", "codesUrl",
                                                                                          "codesTarget")})
ok("'exa mple.com' is not a domain name" in seen.get("error", ""), "a wrong domain is named in the error",
   seen.get("error"))
after = seen.get("afterError", {})
ok(after.get("domain") == "exa mple.com" and after.get("t1") == T[0] and
   after.get("t2") == T[1] + ".dkim.amazonses.com" and after.get("t3") == T[2],
   "after the error every field keeps what was typed", after)
ok(seen.get("headersAfter", "").replace("\r\n", "\n").strip() == HEADERS.strip(),
   "the pasted headers stay after the check", repr(seen.get("headersAfter", ""))[:300])
ok(not seen.get("pageErrors") and not seen.get("foreignRequests"), "no script error, nothing fetched from elsewhere",
   seen)
done()
