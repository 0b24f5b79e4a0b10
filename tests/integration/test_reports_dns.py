#!/usr/bin/python3
"""emailauth reports with reverse names from a real resolver (tests/integration/bed.py:
Knot serves in-addr.arpa and ip6.arpa, unbound recurses): each source gets its PTR, the
sender is found from it, a classless (RFC 2317) CNAME is followed, and a PTR lookup
that times out gives "unknown" for that source, never an error for the batch.

Addresses are outside the documentation and private ranges: unbound answers NXDOMAIN
for those reverse zones by itself. No packet leaves 127.0.0.0/8 (the bed's resolver)."""
import csv
import io
import ipaddress
import json
import os
import sys
import tempfile
import time

SRC = os.environ.get("EA_SRC", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "data", "reports"))
from tap import ok, done  # noqa: E402
import schema  # noqa: E402
from bed import Bed  # noqa: E402
import make_fixtures  # noqa: E402

TIMEOUT_S = 3                 # --timeout: the timed-out PTR costs at most this
SES_IP, EC2_IP, SLOW_IP, BARE_IP, CLASSLESS_IP, HOSTILE_IP = (
    "185.12.64.10", "185.12.64.11", "185.12.64.12", "185.12.64.13", "185.12.64.14", "185.12.64.15")
GOOGLE_V6 = "2a0b:4e07:e3::25"


def rev(ip):
    return ipaddress.ip_address(ip).reverse_pointer


IN_ADDR = """
%s. PTR a10-1.smtp-out.amazonses.com.
%s. PTR ec2-185-12-64-11.eu-west-1.compute.amazonaws.com.
%s. CNAME 14.0-63.64.12.185.in-addr.arpa.
14.0-63.64.12.185.in-addr.arpa. PTR o1.ptr4821.mtasv.net.
%s. PTR \\027\\007bell.evil-ptr.net.
""" % (rev(SES_IP), rev(EC2_IP), rev(CLASSLESS_IP), rev(HOSTILE_IP))
IP6 = "%s. PTR mail-yw1-f41.google.com.\n" % rev(GOOGLE_V6)


def reports(tmp):
    """One report: every source signs and bounces with example.com only, so nothing but
    the reverse name (or the address range) can name its sender."""
    own = [("example.com", "pass")]
    recs = [make_fixtures.record(ip, n, True, True, own, "example.com")
            for ip, n in ((SES_IP, 500), (EC2_IP, 40), (SLOW_IP, 30), (BARE_IP, 20), (CLASSLESS_IP, 15),
                          (HOSTILE_IP, 10), (GOOGLE_V6, 60))]
    path = os.path.join(tmp, "google.com!example.com!5.xml")
    with open(path, "wb") as f:
        f.write(make_fixtures.report("google.com", 5, recs))
    # The same SES address reported for a second domain shares the one lookup's name.
    other = os.path.join(tmp, "google.com!example.org!5.xml")
    with open(other, "wb") as f:
        f.write(make_fixtures.report("google.com", 5, [make_fixtures.record(
            SES_IP, 7, True, True, [("example.org", "pass")], "example.org")], domain="example.org"))
    return [path, other]


def by_ip(doc, ip, domain="example.com"):
    for s in (doc or {}).get("sources", []):
        if s["source_ip"] == ip and s["domain"] == domain:
            return s
    return {}


def main():
    tmp = tempfile.mkdtemp(prefix="ea-reports-dns-")
    files = reports(tmp)
    with Bed({"in-addr.arpa": IN_ADDR, "ip6.arpa": IP6}, timeout_names=[rev(SLOW_IP)],
             timeout=TIMEOUT_S) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        t0 = time.monotonic()
        rc, out, err = bed.run("reports", *files, "--format", "json")
        secs = time.monotonic() - t0
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
        ok(doc is not None and rc in (0, 1) and not doc["errors"] and doc["inputs"]["failed"] == 0,
           "a batch with a timed-out PTR: no error, exit %d" % rc, (rc, out[-600:], err[-600:]))
        ses = by_ip(doc, SES_IP)
        ok(ses.get("reverse_name") == "a10-1.smtp-out.amazonses.com" and ses.get("sender") == "Amazon SES"
           and ses.get("reverse_name_lookup") == "found", "IPv4 PTR: reverse name, and Amazon SES from it", ses)
        ses2 = by_ip(doc, SES_IP, "example.org")
        ok(ses2.get("reverse_name") == "a10-1.smtp-out.amazonses.com" and ses2.get("sender") == "Amazon SES",
           "the same address under another domain shares the name", ses2)
        g = by_ip(doc, GOOGLE_V6)
        ok(g.get("reverse_name") == "mail-yw1-f41.google.com" and g.get("sender") == "Google Workspace",
           "IPv6 PTR (ip6.arpa): Google Workspace from the reverse name", g)
        ec2 = by_ip(doc, EC2_IP)
        ok(ec2.get("reverse_name", "").endswith(".compute.amazonaws.com") and ec2.get("sender") is None,
           "an EC2 host's reverse name is not Amazon SES", ec2)
        pm = by_ip(doc, CLASSLESS_IP)
        ok(pm.get("reverse_name") == "o1.ptr4821.mtasv.net" and pm.get("sender") == "Postmark",
           "RFC 2317 classless delegation: the CNAME is followed to the PTR", pm)
        bare = by_ip(doc, BARE_IP)
        ok(bare.get("reverse_name") is None and bare.get("reverse_name_lookup") == "none" and
           bare.get("sender") is None, "no PTR: none, sender unknown", bare)
        slow = by_ip(doc, SLOW_IP)
        ok(slow.get("reverse_name") is None and slow.get("reverse_name_lookup") == "unknown" and
           slow.get("sender") is None and slow.get("messages") == 30,
           "timed-out PTR: unknown, the source still counted", slow)
        ok(secs < TIMEOUT_S + 10, "the timed-out PTR costs about --timeout (%.1f s)" % secs, secs)
        hostile = by_ip(doc, HOSTILE_IP)
        ok(hostile.get("reverse_name_lookup") == "found" and "\x1b" not in json.dumps(hostile) and
           hostile.get("sender") is None, "a PTR with control bytes stays escaped", hostile)

        rc, out, err = bed.run("reports", *files)
        ok("\x1b" not in out and "\x07" not in out and "(unknown)" in out and
           "a10-1.smtp-out.amazonses.com" in out and "Amazon SES" in out,
           "text: reverse names, '(unknown)' for the timed-out one, no control bytes", out[:1500])
        rc, out, err = bed.run("reports", *files, "--format", "csv")
        rows = list(csv.reader(io.StringIO(out)))
        col = rows[0].index("reverse_name_lookup") if rows and "reverse_name_lookup" in rows[0] else -1
        st = {r[1]: r[col] for r in rows[1:] if r[0] == "example.com"} if col >= 0 else {}
        ok(col == len(rows[0]) - 1 and st.get(SES_IP) == "found" and st.get(SLOW_IP) == "unknown" and
           st.get(BARE_IP) == "none", "CSV: reverse_name_lookup, the last column", rows[:3])
        rc, out, err = bed.run("reports", *files, "--format", "json", "--no-dns")
        doc = json.loads(out) if out.startswith("{") else None
        ok(doc is not None and by_ip(doc, SLOW_IP).get("reverse_name_lookup") == "not_asked" and
           by_ip(doc, GOOGLE_V6).get("sender") is None and by_ip(doc, SES_IP).get("sender") is None,
           "--no-dns: nothing asked; these sources have no other hint", doc and doc["sources"][:2])
    done()


if __name__ == "__main__":
    main()
