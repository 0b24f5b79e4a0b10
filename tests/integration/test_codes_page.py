#!/usr/bin/python3
"""Finding codes link to their documentation on the web page (issue 16, item 4): the server
serves docs/finding-codes.md and docs/codes-*.md itself at /codes (built in, nothing loaded
from elsewhere, no link that leaves the server), every documented code has its anchor there,
and every card's code on the page is a link to /codes#CODE.
Answered from zone files (--zone): no network."""
import os
import re
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402
from serve_data import Server  # noqa: E402

ZDIR = os.path.join(SRC, "tests", "data", "zones")
ZONES = []
for z in ("zone-broken.com.zone", "zone-shop.com.zone", "amazonses.com.zone"):
    ZONES += ["--zone", os.path.join(ZDIR, z)]


def documented():
    """Every code a codes-*.md table documents in its first column."""
    codes = set()
    for name in sorted(os.listdir(os.path.join(SRC, "docs"))):
        if not re.fullmatch(r"codes-[a-z]+\.md", name):
            continue
        for line in open(os.path.join(SRC, "docs", name), encoding="utf-8"):
            if line.startswith("|"):
                first = line.strip().strip("|").split("|")[0]
                codes.update(c for c in re.findall(r"`([a-z0-9_]+(?:\.[a-z0-9_]+)+)`", first))
    return codes


with Server(*ZONES, "--rate", "1000") as s:
    st, h, body = s.get("/codes")
    page = body.decode()
    ok(st == 200 and h.get("content-type", "").startswith("text/html"), "GET /codes is a page", st)
    ok("default-src 'none'" in h.get("content-security-policy", "") and "set-cookie" not in h,
       "/codes: the same security headers, no cookie")
    ok(re.search(r"https?://", page) is None and "<script" not in page,
       "/codes: no link or load that leaves the server, no script", re.findall(r"https?://\S+", page)[:5])
    ids = set(re.findall(r' id="([^"]+)"', page))
    missing = sorted(documented() - ids)
    ok(not missing and len(documented()) > 100, "/codes: every documented code has its anchor (%d)" % len(ids),
       missing)
    ok(all(re.match(r"#", x) for x in re.findall(r'<a href="([^"]+)"', page) if x != "/"),
       "/codes: its links are anchors on the page itself (and the home page)")
    st, h, body = s.request("HEAD", "/codes")
    ok(st == 200 and body == b"", "HEAD /codes")

    for tab, query in (("check", "domain=zone-broken.com"), ("check", "domain=zone-shop.com"),
                       ("ses", "domain=zone-shop.com&tokens=aaaabbbbccccddddeeeeffffgggghhhh")):
        st, h, body = s.get("/?tab=%s&%s" % (tab, query))
        html = body.decode()
        metas = re.findall(r'<p class="ea-meta">Code (.*?)</p>', html, re.S)
        links = [re.match(r'<a href="/codes#([^"]+)"[^>]*><code>([^<]+)</code></a>', m) for m in metas]
        ok(metas and all(links) and all(m.group(1) == m.group(2) for m in links),
           "%s %s: every card's code links to /codes#CODE (%d cards)" % (tab, query, len(metas)), metas[:3])
        unknown = sorted({m.group(1) for m in links if m} - ids)
        ok(not unknown, "%s %s: every code linked has its anchor on /codes" % (tab, query), unknown)
done()
