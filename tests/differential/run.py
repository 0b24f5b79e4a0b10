#!/usr/bin/python3
"""Differential runs: emailauth against pyspf, dkimpy and mailauth over the same Knot
DNS on loopback. `make differential N=10000` runs this; the normal test run runs
test_differential.py (a fixed seed, a small count).

    run.py [--areas spf,dkim,dmarc] [--n 200] [--seed 1] [--json FILE] [-v]

Prints the agreement table and every unexplained disagreement; exit 1 if any."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", default="spf,dkim,dmarc")
    ap.add_argument("--n", type=int, default=200, help="cases per area")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="write the whole summary here")
    ap.add_argument("--binary", default=os.environ.get("EMAILAUTH", "build/tools/cli/emailauth"))
    ap.add_argument("--show", type=int, default=20, help="unexplained disagreements printed")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    t0 = time.monotonic()
    s = harness.run(args.areas.split(","), args.n, args.seed, os.path.abspath(args.binary),
                    verbose=args.verbose)
    s["seconds"] = round(time.monotonic() - t0, 1)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(s, f, indent=1)
    if s["mailauth_skipped"]:
        print("mailauth skipped: %s" % s["mailauth_skipped"])
    print(harness.table(s))
    for a, area in s["areas"].items():
        for peer, st in area["peers"].items():
            for cls, k in sorted(st["explained"].items()):
                print("  %s/%s explained by %s: %d" % (a, peer, cls, k))
            for u in st["unexplained"][:args.show]:
                brief = {k: v for k, v in u["case"].items() if k != "headers"}
                print("UNEXPLAINED %s/%s: emailauth %s, %s %s: %s" % (
                    a, peer, u["emailauth"], peer, u[peer], json.dumps(brief)))
    print("%d cases per area, seed %d, %.1f s, %d unexplained" % (args.n, args.seed, s["seconds"],
                                                                 harness.unexplained(s)))
    return 1 if harness.unexplained(s) else 0


if __name__ == "__main__":
    sys.exit(main())
