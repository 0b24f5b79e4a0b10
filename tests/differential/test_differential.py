#!/usr/bin/python3
"""The differential tests in the normal run: a fixed seed and a small count per area
(SPF worlds, signed-and-mutated messages, DMARC record trees) through emailauth, pyspf,
dkimpy and mailauth over the same Knot DNS on loopback. Every disagreement must be
explained by tests/differential/known.yml. Long runs: make differential N=10000.
mailauth comparisons skip, with the reason, when node or the package is missing."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, HERE)
from tap import ok, done  # noqa: E402
import harness  # noqa: E402

CI_CASES = 200       # per area: keeps the whole test under a minute on a loaded machine
CI_SEED = 14

binary = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
s = harness.run(["spf", "dkim", "dmarc"], CI_CASES, CI_SEED, binary)
if s["mailauth_skipped"]:
    print("ok - mailauth comparisons # SKIP %s" % s["mailauth_skipped"])
for area, st_area in s["areas"].items():
    for peer, st in st_area["peers"].items():
        ok(st["compared"] == st_area["cases"] and not st["unexplained"],
           "%s against %s: %d of %d agree, %d explained by known.yml, none unexplained"
           % (area, peer, st["agree"], st["compared"], sum(st["explained"].values())),
           "\n".join(str(u) for u in st["unexplained"][:10]))
print("# " + harness.table(s).replace("\n", "\n# "))
done()
