#!/usr/bin/python3
"""make demo still works: scripts/demo.py over the built binary (live DNS and --zone)."""
import os
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

build = os.environ.get("EA_BUILD", os.path.join(SRC, "build"))
p = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "scripts", "demo.py"), build],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
out = p.stdout.decode("utf-8", "replace")
ok(p.returncode == 0 and "demo done" in out, "the demo runs and each setup gets its exit code", out[-3000:])
ok(out.count("[exit code 2]") == 2 and out.count("[exit code 0]") == 2,
   "broken example.com exits 2 and fixed example.net exits 0, live and offline", out[-3000:])
ok("\x1b" not in out, "no colour when the output is not a terminal")
done()
