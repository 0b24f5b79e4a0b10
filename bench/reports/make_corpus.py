#!/usr/bin/python3
"""Writes N gzip'd aggregate reports of R records each (default 2000 x 50), daily from
1 May 2026, from a fixed pool of sources so the totals are checkable. Deterministic."""
import gzip
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "reports"))
import make_fixtures as m  # noqa: E402


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    r = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    rnd = random.Random(9990)
    pool = ["198.51.%d.%d" % (i // 250, i % 250 + 1) for i in range(2000)]
    os.makedirs(out, exist_ok=True)
    for k in range(n):
        recs = [m.record(rnd.choice(pool), rnd.randint(1, 500), rnd.random() < 0.8, rnd.random() < 0.5,
                         [("example.com", "pass")], "example.com") for _ in range(r)]
        day = 1 + k % 28
        xml = m.report("org%d.example" % (k % 7), day, recs)
        with open(os.path.join(out, "r%05d.xml.gz" % k), "wb") as f:
            f.write(gzip.compress(xml, 6))


main()
