"""What the Playwright tests of tests/browser/ share: where node, chromium and playwright-core
are, and the TAP skip (the whole test, saying why) when one of them is missing."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = "/usr/bin/chromium"


def node_or_skip():
    """The node program; or the test is skipped, saying why, and exits."""
    node = shutil.which("node")
    if node is None or not os.access(CHROMIUM, os.X_OK) or \
            not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        print("ok 1 - # SKIP node, chromium or playwright-core is missing "
              "(scripts/install-deps.sh; npm ci in tests/browser)")
        print("1..1")
        sys.exit(0)
    return node
