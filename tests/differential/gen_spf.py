"""SPF worlds: per case a domain c<i>.spf-diff.com with a generated record (every
mechanism, CIDR, macros with transformers and delimiters, includes, redirect, exp, void
lookups, loops, syntax errors, CNAMEs), shared hosts with A/AAAA/PTR, a client address
and a sender. Results compared: the check_host() result (RFC 7208 2.6)."""
import json
import random
import subprocess

Z = "spf-diff.com"
REV = "80.12.185.in-addr.arpa"
NET = "185.12.80."
V6 = "2a01:4f8:c0c:%d::1"
HOSTS = 40           # h1..h40: A 185.12.80.k, PTR back (validated)
UNVALIDATED = 60     # 185.12.80.41..60: PTR to a name with no address
PROVIDERS = 6


def txt(owner, text):
    parts = [text[i:i + 250] for i in range(0, max(len(text), 1), 250)]
    return "%s 300 IN TXT %s\n" % (owner, " ".join('"%s"' % p.replace("\\", "\\\\").replace('"', '\\"')
                                                    for p in parts))


def shared_zone():
    z = []
    for k in range(1, HOSTS + 1):
        z.append("h%d IN A %s%d\n" % (k, NET, k))
        if k % 3 == 0:
            z.append("h%d IN AAAA %s\n" % (k, V6 % k))
    for j in range(PROVIDERS):
        z.append(txt("prov%d" % j, "v=spf1 ip4:%s%d/30 ip6:2a01:4f8:c0c:%d::/64 ~all"
                     % (NET, 4 * j + 1, j + 1)))
    z.append(txt("nospf", "just a text record"))
    z.append("loop1 IN CNAME loop2\nloop2 IN CNAME loop1\n")
    z.append("alias IN CNAME prov1\n")
    z.append(txt("twospf", "v=spf1 -all") + txt("twospf", "v=spf1 +all"))
    z.append("mxnoaddr IN MX 10 nohost-a\nmxnoaddr IN MX 20 h7\n")
    rev = []
    for k in range(1, HOSTS + 1):
        rev.append("%d IN PTR h%d.%s.\n" % (k, k, Z))
    for k in range(HOSTS + 1, UNVALIDATED + 1):
        rev.append("%d IN PTR nop%d.%s.\n" % (k, k, Z))
    return "".join(z), "".join(rev)


MACROS = ["%{i}", "%{ir}", "%{d}", "%{d2}", "%{d1r}", "%{l}", "%{l-}", "%{o}", "%{h}",
          "%{v}", "%{s}", "%{ir}.%{v}", "%{l1r-}", "%{d3}", "%{i2r}", "%{L}", "%{IR}"]


def term(rng, i, feats, sub):
    """One mechanism (or modifier) and its zone records."""
    me = "c%d.%s" % (i, Z)
    q = rng.choice(["", "", "", "+", "-", "~", "?"])
    k = rng.randint(1, HOSTS)
    kind = rng.choices(
        ["ip4", "ip6", "a", "mx", "ptr", "exists", "include", "void", "macro", "syntax", "cname",
         "d0", "mxnoaddr", "twospf", "loop"],
        weights=[14, 4, 10, 8, 5, 6, 8, 6, 6, 3, 2, 1, 2, 1, 1])[0]
    feats.add(kind)
    if kind == "ip4":
        cidr = rng.choice(["", "/32", "/30", "/24", "/16", "/0", "/28"])
        return q + "ip4:%s%d%s" % (NET, rng.randint(1, 90), cidr)
    if kind == "ip6":
        return q + "ip6:2a01:4f8:c0c:%d::%s" % (k, rng.choice(["/64", "/48", "1", "/128"]))
    if kind == "a":
        form = rng.choice(["a", "a:h%d.%s" % (k, Z), "a/24", "a:h%d.%s/28" % (k, Z),
                           "a:h%d.%s//64" % (k, Z)])
        if form.startswith("a/") or form == "a":
            sub.append("c%d IN A %s%d\n" % (i, NET, k))
        return q + form
    if kind == "mx":
        for m in range(rng.randint(1, 3)):
            sub.append("c%d IN MX %d h%d\n" % (i, 10 * m, rng.randint(1, HOSTS)))
        return q + rng.choice(["mx", "mx/24", "mx:c%d.%s" % (i, Z)])
    if kind == "ptr":
        return q + rng.choice(["ptr", "ptr:%s" % Z, "ptr:h%d.%s" % (k, Z)])
    if kind == "exists":
        ip = rng.randint(1, 90)
        sub.append("%d.e.c%d IN A 127.0.0.2\n" % (ip, i))
        return q + rng.choice(["exists:%%{i}.e.%s" % me, "exists:%%{ir}.e.%s" % me,
                               "exists:%d.e.%%{d}" % ip])
    if kind == "include":
        j = rng.randint(0, PROVIDERS + 2)
        if j < PROVIDERS:
            return q + "include:prov%d.%s" % (j, Z)
        if j == PROVIDERS:
            feats.add("include-nospf")
            return q + "include:nospf.%s" % Z
        feats.add("include-nxdomain")
        return q + "include:gone%d.%s" % (i, Z)
    if kind == "void":
        return q + rng.choice(["a:nx%d.%s" % (rng.randint(1, 9), me), "mx:nx%d.%s" % (rng.randint(1, 9), me),
                               "exists:nx%d.%s" % (rng.randint(1, 9), me), "a:nospf.%s" % Z])
    if kind == "macro":
        m = rng.choice(MACROS)
        if "{s}" in m:
            feats.add("macro-s")   # the whole sender: an '@' in the name looked up
        sub.append("*.m.c%d IN A 127.0.0.2\n" % i)
        return q + rng.choice(["exists:%s.m.%s" % (m, me), "a:%s.m.%s" % (m, me)])
    if kind == "syntax":
        return rng.choice(["ip4:300.1.1.1", "a:", "foo:bar", "ip4:1.2.3.4/33", "ip6:::1/129",
                           "mx:%s/99" % me, "x-mod=ok", "exists:", "include", "-all:", "a:-bad-.%s" % Z,
                           "exists:%{z}.x", "exists:%{i}.%", "%{d}"])
    if kind == "cname":
        return q + "include:alias.%s" % Z
    if kind == "d0":
        return q + rng.choice(["exists:%%{d0}.%s" % me, "exists:%%{i00r}.%s" % me])
    if kind == "mxnoaddr":
        feats.add("mx-host-no-address")
        return q + "mx:mxnoaddr.%s" % Z
    if kind == "twospf":
        return q + "include:twospf.%s" % Z
    return q + "include:loop1.%s" % Z


def record(rng, i, feats, sub):
    terms = [term(rng, i, feats, sub) for _ in range(rng.randint(1, 6))]
    end = rng.random()
    if end < 0.7:
        terms.append(rng.choice(["-all", "~all", "?all", "+all", "all"]))
    elif end < 0.8:
        feats.add("redirect")
        terms.append("redirect=prov%d.%s" % (rng.randint(0, PROVIDERS - 1), Z))
    elif end < 0.85:
        feats.add("redirect-nospf")
        terms.append("redirect=nospf.%s" % Z)
    if rng.random() < 0.1:
        feats.add("exp")
        terms.append("exp=explain.%s" % Z)
    if rng.random() < 0.03:
        feats.add("repeated-modifier")
        terms.append("redirect=prov1.%s" % Z)
    return "v=spf1 " + " ".join(terms)


def generate(n, seed, work):
    rng = random.Random("spf-%d" % seed)
    zone, rev = shared_zone()
    zone += txt("explain", "%{i} is not allowed by %{d}")
    cases = []
    for i in range(n):
        feats, sub = set(), []
        rec = record(rng, i, feats, sub)
        zone += txt("c%d" % i, rec) + "".join(sub)
        if rng.random() < 0.08:
            ip = V6 % rng.randint(1, HOSTS)
            feats.add("ipv6-client")
            if "mx" in feats:
                feats.add("mx-host-no-address")   # most hosts have no AAAA
        else:
            ip = NET + str(rng.randint(1, 90))
        local = rng.choice(["u", "first.last", "Mixed.Case", "a-b", "x"])
        null = rng.random() < 0.05
        if null:
            feats.add("null-sender")
        cases.append({"id": i, "ip": ip, "sender": "" if null else "%s@c%d.%s" % (local, i, Z),
                      "helo": "c%d.%s" % (i, Z), "record": rec, "features": sorted(feats)})
    return {"zones": {Z: zone, REV: rev}, "cases": cases}


def run_emailauth(bed, g, work):
    lines = "".join("%s %s %s\n" % (c["ip"], c["sender"] or "<>", c["helo"]) for c in g["cases"])
    p = subprocess.run(bed.command("spf", "--batch", "-", "--format", "json", "--timeout", "4"),
                       input=lines.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=3600)
    out = []
    for line in p.stdout.decode().splitlines():
        if not line.strip():
            continue
        doc = json.loads(line)
        prim = [f["code"] for c in doc.get("checks", []) for f in c.get("findings", []) if f.get("primary")]
        out.append(prim[0].rsplit(".", 1)[-1] if prim else "?")
    if len(out) != len(g["cases"]):
        raise RuntimeError("emailauth spf --batch: %d results for %d cases: %s"
                           % (len(out), len(g["cases"]), p.stderr.decode()[-2000:]))
    return out


def pyspf(c):
    import spf
    try:
        res, _ = spf.check2(i=c["ip"], s=c["sender"], h=c["helo"], timeout=20)
    except Exception as e:   # a peer crash is a result too
        return "crash:%s" % type(e).__name__
    return res


PYTHON_PEERS = {"pyspf": pyspf}


def mailauth_case(c):
    return {"area": "spf", "ip": c["ip"], "sender": c["sender"] or "postmaster@" + c["helo"],
            "helo": c["helo"]}


def from_mailauth(c, r):
    return r.get("result", "error:" + r.get("error", "?"))


def same(a, b):
    return a == b


def describe(c):
    return {"record": c["record"], "ip": c["ip"], "sender": c["sender"] or "<>", "helo": c["helo"],
            "features": c["features"]}
