"""DMARC record sets along a name tree: per case an organisation o<i> under a public
suffix (co.uk: no PSD record; com.au: a PSD record with psd=y), an Author Domain one to
three labels below it, and records (valid, invalid, duplicated tags, psd=n, several)
at any level between. The message has no aligned identifier, so the verdict is fail
under the policy that applies, or none. Results compared: "none", "temperror", or
"fail:<policy>" (the p, sp or np value that applies, before t=y)."""
import os
import random

import verify_batch

SUFFIXES = {"co.uk": None, "com.au": "v=DMARC1; p=quarantine; np=reject; psd=y"}
POLICIES = ["none", "quarantine", "reject"]


def txt(owner, text):
    return "%s 300 IN TXT \"%s\"\n" % (owner, text.replace("\\", "\\\\").replace('"', '\\"'))


def record(rng, org, feats, level):
    tags = []
    p = rng.choices(POLICIES + ["bogus", None], weights=[30, 30, 30, 4, 6])[0]
    if p is None:
        feats.add("p-missing@" + level)
    elif p == "bogus":
        feats.add("p-invalid@" + level)
    for name, prob in (("sp", 0.35), ("np", 0.3)):
        if rng.random() < prob:
            v = rng.choices(POLICIES + ["block"], weights=[30, 30, 30, 6])[0]
            feats.add("%s@%s" % (name, level))
            if v == "block":
                feats.add("%s-invalid@%s" % (name, level))
            tags.append("%s=%s" % (name, v))
    if p is not None:
        tags.insert(rng.randint(0, len(tags)), "p=%s" % p)
    if rng.random() < 0.25:
        rua = rng.choice(["mailto:d@%s" % org, "d@%s" % org])
        feats.add("rua-valid@" + level if rua.startswith("mailto:") else "rua-invalid@" + level)
        tags.append("rua=" + rua)
    if rng.random() < 0.15 and level != "author":
        feats.add("psd-n@" + level)
        tags.append("psd=n")
    if rng.random() < 0.1:
        feats.add("t-y")
        tags.append("t=y")
    if rng.random() < 0.08:
        feats.add("pct")
        tags.append("pct=%d" % rng.choice([0, 50, 150]))
    if rng.random() < 0.05 and p is not None:
        feats.add("duplicate@" + level)
        tags.append("p=%s" % rng.choice(POLICIES))
    if rng.random() < 0.05:
        feats.add("unknown-tag")
        tags.append("x=1")
    return "v=DMARC1; " + "; ".join(tags)


def generate(n, seed, work):
    rng = random.Random("dmarc-%d" % seed)
    zones = {s: (txt("_dmarc", rec) if rec else "") for s, rec in SUFFIXES.items()}
    cases = []
    for i in range(n):
        feats = set()
        suffix = rng.choice(list(SUFFIXES))
        if SUFFIXES[suffix]:
            feats.add("psd-record")
        org = "o%d.%s" % (i, suffix)
        depth = rng.choices([0, 1, 2, 3], weights=[25, 35, 30, 10])[0]
        labels = ["x", "a", "m"][3 - depth:] if depth else []
        author = ".".join(labels + [org])
        # the names from the author up to the organisation
        chain = [".".join(labels[k:] + [org]) for k in range(len(labels))] + [org]
        z = ""
        for k, name in enumerate(chain):
            level = "author" if k == 0 else ("org" if name == org else "mid")
            prob = {"author": 0.35, "mid": 0.3, "org": 0.6}[level]
            if rng.random() >= prob:
                continue
            feats.add("record@" + level)
            rel = name[:-len(suffix) - 1]
            z += txt("_dmarc." + rel, record(rng, org, feats, level))
            if rng.random() < 0.04:
                feats.add("multiple@" + level)
                z += txt("_dmarc." + rel, "v=DMARC1; p=none")
            if rng.random() < 0.05:
                feats.add("other-txt@" + level)
                z += txt("_dmarc." + rel, "google-site-verification=abc")
        if rng.random() < 0.8:
            z += "%s 300 IN A 192.0.2.9\n" % author[:-len(suffix) - 1]
        else:
            feats.add("author-nonexistent")
        if depth == 0:
            feats.add("author-is-org")
        zones[suffix] += z
        path = os.path.join(work, "dmarc-%d.eml" % i)
        with open(path, "wb") as f:
            f.write(("From: u@%s\r\nTo: r@example.net\r\nSubject: d\r\nDate: Thu, 03 Dec 2026 "
                     "09:00:00 +0000\r\nMessage-ID: <%d@t>\r\n\r\nhi\r\n" % (author, i)).encode())
        cases.append({"id": i, "from": author, "file": path, "features": sorted(feats)})
    return {"zones": zones, "cases": cases}




def verdict(doc):
    for c in doc.get("checks", []):
        if c.get("check") != "dmarc":
            continue
        summary = c.get("summary", "")
        result = summary.split("=", 1)[1].split()[0] if summary.startswith("dmarc=") else "?"
        if result != "fail":
            return result
        for f in c.get("findings", []):
            if f.get("code") == "verify.dmarc.disposition":
                words = f.get("message", "").split()
                if len(words) > 1 and "=" in words[1]:
                    return "fail:" + words[1].split("=", 1)[1].rstrip(":,")
        return "fail:?"
    return "?"


def run_emailauth(bed, g, work):
    return [verdict(d) for d in verify_batch.reports(bed, [c["file"] for c in g["cases"]])]


PYTHON_PEERS = {}    # neither pyspf nor dkimpy does DMARC


def mailauth_case(c):
    return {"area": "dmarc", "from": c["from"]}


def from_mailauth(c, r):
    if "error" in r:
        return "error:" + r["error"]
    if r["result"] == "fail":
        return "fail:%s" % (r.get("policy") or "none")
    return r["result"]


def same(a, b):
    return a == b


def describe(c):
    return {"from": c["from"], "features": c["features"]}
