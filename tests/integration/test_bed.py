#!/usr/bin/python3
"""The loopback DNS test bed itself (bed.py): what it serves, its faults, and that it
cleans up after itself, also when two run at once or a zone does not load."""
import os
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
from tap import ok, done  # noqa: E402

LONG = "k=rsa; p=" + "A" * 5000


def dig(server, name, rtype, *opts):
    """(status, answer lines) from kdig; status "TIMEOUT" when nothing came back."""
    host, _, port = server.partition(":")
    out = subprocess.run(["kdig", "@" + host, "-p", port or "53", "+timeout=1", "+retry=0", name, rtype]
                         + list(opts), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=20).stdout.decode("utf-8", "replace")
    status = "TIMEOUT"
    for line in out.splitlines():
        if "status:" in line:
            status = line.split("status:")[1].split(";")[0].strip()
    answers = [l for l in out.splitlines() if l and not l.startswith(";") and "\tIN\t" in l]
    return status, answers


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def pids(bed):
    return [k.proc.pid for k in bed._knots.values()] + [bed._unbound.pid]


def test_serving():
    zones = {
        "example.com": 'www A 192.0.2.1\nodd TXT "<script>alert(1)</script>" "\\027[31m\\000"\n'
                       "long TXT %s\n" % txt_rdata(LONG),
        "sub.example.com": "x A 192.0.2.2\n",
        "given-soa.net": "$ORIGIN given-soa.net.\n@ 3600 IN SOA ns1.given-soa.net. h.given-soa.net. 77 1 1 1 1\n"
                         "www A 192.0.2.3\n",
        "lag.org": "new TXT \"new\"\n",
    }
    with Bed(zones, secondaries={"lag.org": "old TXT \"old\"\n"}, timeout_zones=["dead.org"],
             refused_zones=["nope.org"], timeout_names=["deny.example.com"],
             transparent_names=["ok.deny.example.com"]) as bed, Bed({"example.com": "www A 192.0.2.9\n"}) as other:
        r = bed.resolver
        ok(bed.auth_ip.rsplit(".", 1)[0] != other.auth_ip.rsplit(".", 1)[0] and bed.resolver != other.resolver,
           "two beds at once get different 127.a.b.0/24", (bed.auth_ip, other.auth_ip))
        ok(dig(r, "www.example.com", "A")[1][0].endswith("192.0.2.1") and
           dig(other.resolver, "www.example.com", "A")[1][0].endswith("192.0.2.9"),
           "each bed's resolver answers from its own zones")
        st, ans = dig(r, "odd.example.com", "TXT")
        ok(st == "NOERROR" and "<script>" in ans[0] and "\\027" in ans[0] and "\\000" in ans[0],
           "markup and control bytes are served", ans)
        st, ans = dig(r, "long.example.com", "TXT")
        ok(st == "NOERROR" and len("".join(ans)) > 5000, "a 5000-byte TXT is served (over TCP)", st)
        ok(dig(r, "x.sub.example.com", "A")[1][0].endswith("192.0.2.2"), "a nested zone is delegated and served")
        st, ans = dig(r, "nx.example.com", "A")
        ok(st == "NXDOMAIN", "an absent name is NXDOMAIN", st)
        st, ans = dig(bed.auth_ip, "example.com", "SOA", "+norecurse")
        ok(ans and ans[0].split("\t")[1] == "60" and ans[0].endswith(" 60"),
           "an added SOA has TTL and negative TTL 60", ans)
        st, ans = dig(bed.auth_ip, "given-soa.net", "SOA", "+norecurse")
        ok(ans and " 77 " in ans[0], "a given SOA is kept", ans)
        st, ans = dig(r, "example.com", "NS")
        ok(ans and ans[0].endswith("ns.example.com."), "an added NS names ns.<zone>", ans)

        ok(dig(r, "old.lag.org", "TXT")[0] == "NOERROR" and dig(r, "new.lag.org", "TXT")[0] == "NXDOMAIN",
           "the resolver sees the lagging secondary")
        ok(dig(bed.auth_ip, "new.lag.org", "TXT", "+norecurse")[0] == "NOERROR",
           "the main server has the new copy")
        st, ans = dig(r, "lag.org", "NS")
        ok(len([a for a in ans if "\tNS\t" in a]) == 2, "a zone with a secondary lists both name servers", ans)

        ok(dig(r, "www.dead.org", "A")[0] in ("TIMEOUT", "SERVFAIL"), "a zone on a dead server fails")
        ok(dig(r, "www.nope.org", "A")[0] == "SERVFAIL", "a zone whose server answers REFUSED: SERVFAIL")
        ok(dig(bed.second_ip, "www.nope.org", "A", "+norecurse")[0] == "REFUSED", "that server answers REFUSED")
        ok(dig(r, "deny.example.com", "A")[0] == "TIMEOUT", "a denied name times out at the resolver")
        ok(dig(r, "ok.deny.example.com", "A")[0] == "NXDOMAIN", "its transparent child still resolves")
        ok(dig(r, "www.example.com", "A")[0] == "NOERROR", "its neighbours still resolve")

        dig(r, "later.example.com", "A")
        bed.update_zone("example.com", zones["example.com"] + "later A 192.0.2.5\n")
        ok(dig(bed.auth_ip, "later.example.com", "A", "+norecurse")[0] == "NOERROR",
           "update_zone: served as soon as it returns")
        ok(dig(r, "later.example.com", "A")[0] == "NXDOMAIN", "update_zone: the resolver keeps its negative cache")
        bed.update_zone("lag.org", "new TXT \"new\"\n", secondary=True)
        ok(dig(bed.second_ip, "new.lag.org", "TXT", "+norecurse")[0] == "NOERROR",
           "update_zone(secondary=True) updates the second server")
        code, out, err = bed.run("--version")
        ok(code == 0 and "emailauth" in out, "run() runs the binary", out + err)
        cmd = bed.command("ses", "x.com", "--timeout", "2")
        ok(cmd[1:4] == ["ses", "--resolver", bed.resolver] and cmd.count("--timeout") == 1,
           "command(): --resolver added after the command, --timeout only when missing", cmd)
        procs, tmp = pids(bed) + pids(other), bed.dir
    ok(not any(alive(p) for p in procs), "every server process is gone after exit")
    ok(not os.path.exists(tmp), "the temp dir is removed")


def test_failures():
    procs = []
    try:
        with Bed({"example.com": "www A 192.0.2.1\n"}) as bed:
            procs = pids(bed)
            raise KeyError("boom")
    except KeyError:
        pass
    ok(procs and not any(alive(p) for p in procs), "an exception in the with block still stops everything")
    try:
        with Bed({"example.com": "www A not-an-address\n"}):
            pass
        ok(False, "a zone that does not load is an error")
    except RuntimeError as e:
        ok("example.com" in str(e) and "invalid address" in str(e),
           "a zone that does not load is an error naming it, with Knot's reason", str(e)[:300])


def main():
    test_serving()
    test_failures()
    done()


if __name__ == "__main__":
    main()
