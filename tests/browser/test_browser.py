#!/usr/bin/python3
"""emailauth serve in a real browser: Playwright (npm playwright-core, tests/browser/) driving
Debian's chromium headless. Fills the form, submits, reads the verdict, copies a fix record,
re-checks live, checks that no script from DNS data ran and that nothing is fetched from
elsewhere, and saves screenshots in tests/artifacts/. Skips, saying why, when node or
chromium is not installed (scripts/install-deps.sh installs both), when Node is older than
Playwright needs, or when headless chromium cannot start here."""
import json
import os
import shutil
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

HERE = os.path.join(SRC, "tests", "browser")
ARTIFACTS = os.path.join(SRC, "tests", "artifacts")
CHROMIUM = "/usr/bin/chromium"
DRIVE_TIMEOUT_S = 180

NODE_MIN = (18, 0)      # playwright-core 1.61.1 (package.json) declares node >=18
CHROMIUM_PROBE_S = 60


def skip(reason):
    """The whole test skipped with its reason on one line, as TAP says."""
    print("ok 1 - # SKIP " + reason)
    print("1..1")
    sys.exit(0)


def node_version(node):
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
        return tuple(int(x) for x in out.strip().lstrip("v").split(".")[:2])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def chromium_problem():
    """None when headless chromium starts and renders a page here, else why not (a
    container without the kernel features it needs, a missing library, ...)."""
    try:
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--dump-dom", "data:text/html,<p>ea-probe</p>"],
                           capture_output=True, text=True, timeout=CHROMIUM_PROBE_S)
    except (OSError, subprocess.SubprocessError) as e:
        return str(e)
    if "ea-probe" in p.stdout:
        return None
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    return "exit %d: %s" % (p.returncode, lines[-1] if lines else "no output")


node = shutil.which("node")
if node is None:
    skip("node is not installed (scripts/install-deps.sh installs it)")
if not os.access(CHROMIUM, os.X_OK):
    skip("chromium is not installed (scripts/install-deps.sh installs it)")
version = node_version(node)
if version is None or version < NODE_MIN:
    skip("%s is Node %s; Playwright (tests/browser/package.json) needs Node >= %d" %
         (node, ".".join(map(str, version)) if version else "of unknown version", NODE_MIN[0]))
problem = chromium_problem()
if problem:
    skip("headless chromium cannot run here (%s)" % problem)

if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
    npm = shutil.which("npm")
    p = subprocess.run([npm or "npm", "ci", "--no-audit", "--no-fund"], cwd=HERE,
                       capture_output=True, text=True) if npm else None
    if not ok(p is not None and p.returncode == 0, "npm ci installs playwright-core in tests/browser",
              p.stderr if p else "npm is not installed"):
        done()

from bed import Bed  # noqa: E402
import serve_data as sd  # noqa: E402

os.makedirs(ARTIFACTS, exist_ok=True)
with Bed(sd.zones()) as bed:
    with sd.Server("--resolver", bed.resolver, "--timeout", "5", "--rate", "1000") as server:
        cfg = {"base": server.url, "domain": "xss-shop.com", "tokens": sd.XSS_T, "shots": ARTIFACTS,
               "chromium": CHROMIUM}
        try:
            p = subprocess.run([node, os.path.join(HERE, "drive.js"), json.dumps(cfg)], cwd=HERE,
                               capture_output=True, text=True, timeout=DRIVE_TIMEOUT_S)
            stdout, stderr = p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            stdout, stderr = "", "drive.js ran past %d s" % DRIVE_TIMEOUT_S
        try:
            seen = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            seen = {"error": "no output: " + stderr[-2000:]}
        ok("error" not in seen, "the browser ran every step", seen.get("error", "") + "\n" + stderr[-1500:])
        steps = seen.get("steps", [])
        ok(seen.get("firstTabStop") == "ea-skip", "the first Tab reaches the skip link", seen.get("firstTabStop"))
        ok("domain=xss-shop.com" in seen.get("resultUrl", "") and "t1=" in seen.get("resultUrl", ""),
           "the result is a plain GET address", seen.get("resultUrl"))
        ok(seen.get("verdict", "").endswith("Fail"), "the verdict is shown in words", seen.get("verdict"))
        ok(seen.get("cards", 0) >= 3, "one card per record", seen.get("cards"))
        ok(seen.get("scrolledToResult") is True, "after submitting, the page scrolls to the verdict")
        ok(sd.SCRIPT_XSS in seen.get("bodyText", "") and sd.ATTR_XSS in seen.get("bodyText", ""),
           "the TXT records show as text")
        ok(seen.get("dialogs") == [] and seen.get("images") == 0, "no script from DNS data ran",
           "dialogs %s, images %s" % (seen.get("dialogs"), seen.get("images")))
        ok(seen.get("scripts", [None])[0].startswith("/static/app.js") and len(seen.get("scripts", [])) == 1,
           "the only script is the server's own", seen.get("scripts"))
        ok(seen.get("pageErrors") == [], "no script errors", seen.get("pageErrors"))
        ok(seen.get("foreignRequests") == [], "nothing is fetched from anywhere else", seen.get("foreignRequests"))
        ok("copy" in steps and seen.get("clipboard") == seen.get("fixText") and seen.get("fixText"),
           "a copy button puts the fix records on the clipboard",
           "clipboard %r\nfix %r" % (seen.get("clipboard"), seen.get("fixText")))
        ok("clipboard" in (seen.get("live") or ""), "the copy is announced to screen readers", seen.get("live"))
        ok("recheck" in steps and seen.get("cardsAfterRecheck") == seen.get("cards") and
           seen.get("copyVisibleAfterRecheck") is True, "the live re-check replaces the result", seen.get("recheck"))
        ok("phone" in steps and seen.get("phoneOverflow", 1) <= 0, "no sideways scrolling on a phone",
           seen.get("phoneOverflow"))
        ok("nojs" in steps and seen.get("nojsVerdict") == seen.get("verdict") and seen.get("nojsCopyHidden") is True,
           "with JavaScript off: the same verdict, no dead buttons", seen.get("nojsVerdict"))
        for shot in ("serve-result.png", "serve-verdict.png", "serve-phone.png"):
            path = os.path.join(ARTIFACTS, shot)
            ok(os.path.isfile(path) and os.path.getsize(path) > 10000, "screenshot tests/artifacts/%s" % shot)
done()
