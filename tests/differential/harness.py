"""The differential harness: generated cases (gen_spf, gen_dkim, gen_dmarc) go through
emailauth and the peers over the same Knot DNS (tests/integration/bed.py: Knot
authoritative, unbound recursive, all on 127.x); results are compared and every
disagreement is either explained by a class in known.yml or reported as unexplained.

Peers: pyspf and dkimpy (Debian python3-spf, python3-dkim) in this process, their DNS
pointed at the bed's unbound; mailauth (npm, tests/differential/node_modules) through
mailauth_peer.js, skipped with a reason when node or the package is missing."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, HERE)
from bed import Bed  # noqa: E402

import gen_dkim  # noqa: E402
import gen_dmarc  # noqa: E402
import gen_spf  # noqa: E402
import known  # noqa: E402

AREAS = {"spf": gen_spf, "dkim": gen_dkim, "dmarc": gen_dmarc}
PEER_TIMEOUT_S = 3600        # the mailauth process for a whole long run
DNS_TIMEOUT_S = 4            # per peer lookup through unbound


def mailauth_missing():
    """Why mailauth cannot run, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.isdir(os.path.join(HERE, "node_modules", "mailauth")):
        return "mailauth is not installed (cd tests/differential && npm ci)"
    return None


def point_python_peers_at(resolver):
    """pyspf and dkimpy resolve through dnspython's default resolver: make it the bed's."""
    import dns.resolver
    host, port = resolver.rsplit(":", 1)
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [host]
    r.port = int(port)
    r.timeout = r.lifetime = DNS_TIMEOUT_S
    dns.resolver.default_resolver = r
    return r


def run_mailauth(resolver, cases):
    """One node process for all cases; returns a result per case."""
    lines = "".join(json.dumps(c) + "\n" for c in cases)
    p = subprocess.run(["node", os.path.join(HERE, "mailauth_peer.js"), resolver],
                       input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd=HERE, timeout=PEER_TIMEOUT_S)
    out = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    if len(out) != len(cases):
        raise RuntimeError("mailauth_peer.js gave %d results for %d cases: %s"
                           % (len(out), len(cases), p.stderr.decode()[-2000:]))
    return out


def run(areas, n, seed, binary, verbose=False, log=sys.stderr):
    """Generates n cases per area, runs them all over one bed; returns a summary dict:
    {area: {cases, peers: {peer: {compared, agree, explained, unexplained: [..]}}, seconds}}"""
    work = tempfile.mkdtemp(prefix="ea-diff-")
    try:
        gens = {a: AREAS[a].generate(n, seed, work) for a in areas}
        zones = {}
        for a in areas:
            for z, text in gens[a]["zones"].items():
                zones[z] = zones.get(z, "") + text
        ma_missing = mailauth_missing()
        summary = {"seed": seed, "n": n, "mailauth_skipped": ma_missing, "areas": {}}
        rules = known.load(os.path.join(HERE, "known.yml"))
        with Bed(zones, binary=binary, timeout=DNS_TIMEOUT_S) as bed:
            point_python_peers_at(bed.resolver)
            for a in areas:
                t0 = time.monotonic()
                mod, g = AREAS[a], gens[a]
                ours = mod.run_emailauth(bed, g, work)
                peers = {}
                for name, fn in mod.PYTHON_PEERS.items():
                    peers[name] = [fn(c) for c in g["cases"]]
                if ma_missing is None:
                    peers["mailauth"] = [mod.from_mailauth(c, r) for c, r in
                                         zip(g["cases"], run_mailauth(bed.resolver, [mod.mailauth_case(c)
                                                                                     for c in g["cases"]]))]
                area = {"cases": len(g["cases"]), "peers": {}}
                for peer, results in peers.items():
                    st = {"compared": 0, "agree": 0, "explained": {}, "unexplained": []}
                    for c, mine, theirs in zip(g["cases"], ours, results):
                        if theirs is None:
                            continue     # the peer cannot express this case
                        st["compared"] += 1
                        if mod.same(mine, theirs):
                            st["agree"] += 1
                            continue
                        cls = rules.explain(a, peer, c, mine, theirs)
                        if cls:
                            st["explained"][cls] = st["explained"].get(cls, 0) + 1
                        else:
                            st["unexplained"].append({"case": mod.describe(c), "emailauth": mine,
                                                      peer: theirs})
                    area["peers"][peer] = st
                area["seconds"] = round(time.monotonic() - t0, 1)
                summary["areas"][a] = area
                if verbose:
                    print(json.dumps({a: area}, indent=1)[:20000], file=log)
        return summary
    finally:
        shutil.rmtree(work, ignore_errors=True)


def unexplained(summary):
    return sum(len(st["unexplained"]) for area in summary["areas"].values()
               for st in area["peers"].values())


def table(summary):
    """Agreement rates per area and peer, as Markdown rows."""
    rows = ["| area | peer | cases compared | agree | explained by known.yml | unexplained |",
            "|---|---|---|---|---|---|"]
    for a, area in summary["areas"].items():
        for peer, st in area["peers"].items():
            rate = 100.0 * st["agree"] / st["compared"] if st["compared"] else 0.0
            rows.append("| %s | %s | %d | %d (%.1f%%) | %d | %d |" % (
                a, peer, st["compared"], st["agree"], rate, sum(st["explained"].values()),
                len(st["unexplained"])))
    return "\n".join(rows)
