#!/usr/bin/python3
"""scan on a terminal (issue 16, item 3): the progress bar and the warnings on separate lines.
A warning about an input line clears the bar's line first and the bar comes back below it;
with the results on the same terminal, each result line gets a line of its own too. Run on a
pseudo-terminal (stderr, and stdout in the second run), fed through a pipe in steps so that
the bar is drawn before the bad lines arrive. Answered from zone files: no network."""
import os
import pty
import re
import select
import subprocess
import sys
import time

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
ZDIR = os.path.join(SRC, "tests", "data", "zones")
ZONES = []
for z in ("zone-broken.com.zone", "zone-shop.com.zone", "amazonses.com.zone"):
    ZONES += ["--zone", os.path.join(ZDIR, z)]
BAR_WAIT_S = 1.5          # several of the bar's 200 ms ticks, on a loaded machine too
CLEAR = "\r\x1b[K"


def read_all(fd, proc, limit_s=60):
    data = b""
    end = time.time() + limit_s
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        elif proc.poll() is not None:
            break
    return data.decode("utf-8", "replace")


def scan(stdout_on_tty):
    master, slave = pty.openpty()
    out = slave if stdout_on_tty else subprocess.DEVNULL
    p = subprocess.Popen([EMAILAUTH, "scan", "-", "--checks", "spf,dmarc", "--no-color"] + ZONES,
                         stdin=subprocess.PIPE, stdout=out, stderr=slave)
    os.close(slave)
    seen = ""
    p.stdin.write(b"zone-broken.com\nzone-shop.com\n")
    p.stdin.flush()
    time.sleep(BAR_WAIT_S)
    p.stdin.write(b"exa mple.com\nzone-broken.com\n-bad-\nzone-shop.com\n")
    p.stdin.flush()
    time.sleep(BAR_WAIT_S)
    p.stdin.close()
    seen += read_all(master, p)
    p.wait(timeout=60)
    os.close(master)
    return p.returncode, seen


def pieces_before(text, needle):
    """What stands on the terminal's line before each needle: the text since the last line
    start or carriage return, with the erase-line sequence removed."""
    out = []
    for m in re.finditer(re.escape(needle), text):
        start = max(text.rfind("\n", 0, m.start()), text.rfind("\r", 0, m.start())) + 1
        out.append(text[start:m.start()].replace("\x1b[K", ""))
    return out


for on_tty in (False, True):
    label = "results and progress on one terminal" if on_tty else "progress on a terminal"
    code, seen = scan(on_tty)
    warnings = re.findall(r"emailauth: stdin:\d+: [^\r\n]*", seen)
    ok(len(warnings) == 4 and "'exa'" in warnings[0] and "'-bad-'" in seen,
       "%s: both bad lines and both repeated ones are warned about" % label, repr(seen[-800:]))
    ok("domains/s" in seen.split("emailauth: stdin:")[0], "%s: the bar was drawn before the warnings" % label,
       repr(seen[:400]))
    before = pieces_before(seen, "emailauth: stdin:")
    ok(before and all(b == "" for b in before), "%s: each warning starts its own line, never in the bar's" % label,
       repr(before))
    after = [seen[m.end():m.end() + 40] for m in re.finditer(r"emailauth: stdin:\d+: [^\r\n]*", seen)]
    ok(all(a.startswith("\r\n") or a.startswith("\n") for a in after), "%s: each warning ends its line" % label,
       repr(after))
    if on_tty:
        before = pieces_before(seen, '{"schema"')
        ok(len(before) == 2 and all(b == "" for b in before),
           "%s: each result line starts its own line, never in the bar's" % label, repr(before))
    tail = seen.split("scan: ")[0] if "scan: " in seen else seen
    ok(tail.rstrip("\r\n").endswith("undetermined") or CLEAR in tail,
       "%s: the bar is drawn again after the warnings" % label, repr(tail[-300:]))
done()
