"""Signed-and-mutated messages: dkimpy signs (rsa-sha256 and ed25519-sha256, all four
canonicalisation pairs, l=, one to three signatures, folded headers, 8-bit bodies), then
the message is mutated (header reordering, added headers, whitespace and case changes,
body changes, a tampered signature) or not. Keys come in record variants (unknown and
hyphenated tags, an empty tag, t=y, h=sha1, revoked). Results compared: each signature's
pass or not (dkimpy answers only that), in the order of the header fields."""
import base64
import os
import random
import subprocess

import verify_batch

import dkim

Z = "dkim-diff.com"
FROM_DOMAINS = [Z, "mail." + Z]


def _rsa_key(bits):
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                          "rsa_keygen_bits:%d" % bits], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=pem,
                         stdout=subprocess.PIPE, check=True).stdout
    return pem, base64.b64encode(der).decode()


def _ed_key(rng):
    import nacl.signing
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    sk = nacl.signing.SigningKey(seed)
    return base64.b64encode(seed), base64.b64encode(bytes(sk.verify_key)).decode()


# selector -> (key kind, record template with {p}, what it means)
SELECTORS = {
    "rsa": ("rsa", "v=DKIM1; k=rsa; p={p}", "plain"),
    "rsa2": ("rsa2", "v=DKIM1; p={p}", "no k="),
    "ed": ("ed", "v=DKIM1; k=ed25519; p={p}", "plain"),
    "hyph": ("rsa", "v=DKIM1; k=rsa; x-foo=bar; p={p}", "key-hyphen-tag"),
    "emptytag": ("rsa", "v=DKIM1; k=rsa; ; p={p}", "key-empty-tag"),
    "unk": ("rsa", "v=DKIM1; k=rsa; zz=1; n=notes here; p={p}", "key-unknown-tag"),
    "testing": ("rsa", "v=DKIM1; k=rsa; t=y; p={p}", "key-t-y"),
    "sha1only": ("rsa", "v=DKIM1; k=rsa; h=sha1; p={p}", "key-h-sha1"),
    "revoked": ("rsa", "v=DKIM1; k=rsa; p=", "key-revoked"),
    "edasrsa": ("ed", "v=DKIM1; k=rsa; p={p}", "key-wrong-k"),
    "semi": ("rsa", "v=DKIM1; k=rsa; p={p};", "plain"),
    "dup": ("rsa", "v=DKIM1; k=rsa; k=rsa; p={p}", "key-duplicate-tag"),
}
SIGNING_WEIGHTS = {"rsa": 30, "rsa2": 6, "ed": 14, "hyph": 6, "emptytag": 6, "unk": 4, "testing": 3,
                   "sha1only": 2, "revoked": 2, "edasrsa": 2, "semi": 3, "dup": 2}

SUBJECTS = ["hello", "Quarterly report", "=?utf-8?q?caf=C3=A9?=", "a  b\t c", "x" * 90]
BODIES = [b"Hello world.\r\n", b"Line one\r\n\r\nLine three  \r\n\r\n\r\n",
          "Grüße aus Köln – 8-bit body\r\n".encode("utf-8"), b"", b"trailing spaces   \r\n  \r\n",
          b"a\r\n" * 40, b"no final newline"]


def build_message(rng, from_domain, feats):
    subject = rng.choice(SUBJECTS)
    hdrs = [b"From: Someone <someone@" + from_domain.encode() + b">",
            b"To: rcpt@example.net",
            b"Subject: " + subject.encode(),
            b"Date: Thu, 03 Dec 2026 09:00:00 +0000",
            b"Message-ID: <%d@%s>" % (rng.randint(1, 10 ** 9), from_domain.encode())]
    if rng.random() < 0.3:
        feats.add("folded")
        hdrs.append(b"X-Folded: first part\r\n\tsecond part\r\n third  part")
    body = rng.choice(BODIES)
    if b"\xc3" in body:
        feats.add("8bit")
        hdrs += [b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=utf-8",
                 b"Content-Transfer-Encoding: 8bit"]
    return b"\r\n".join(hdrs) + b"\r\n\r\n" + body


def sign(rng, msg, keys, feats, n_sig):
    for _ in range(n_sig):
        sel = rng.choices(list(SIGNING_WEIGHTS), weights=list(SIGNING_WEIGHTS.values()))[0]
        kind = SELECTORS[sel][0]
        feats.add("sel-" + sel)
        if SELECTORS[sel][2] != "plain":
            feats.add(SELECTORS[sel][2])
        canon = (rng.choice([b"simple", b"relaxed"]), rng.choice([b"simple", b"relaxed"]))
        feats.add("c-%s/%s" % (canon[0].decode(), canon[1].decode()))
        length = rng.random() < 0.15
        if length:
            feats.add("l=")
        include = [b"from", b"to", b"subject", b"date", b"message-id"]
        if rng.random() < 0.3:
            include.append(b"subject")   # oversigned: an added Subject breaks it
            feats.add("oversigned")
        if rng.random() < 0.2:
            include.append(b"x-folded")
        algo = b"ed25519-sha256" if kind == "ed" else b"rsa-sha256"
        sig = dkim.sign(msg, sel.encode(), Z.encode(), keys[kind][0], canonicalize=canon,
                        include_headers=include, length=length, signature_algorithm=algo)
        msg = sig + msg
    return msg


def split(msg):
    head, _, body = msg.partition(b"\r\n\r\n")
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields, body


def join(fields, body):
    return b"\r\n".join(fields) + b"\r\n\r\n" + body


def mutate(rng, msg, feats):
    fields, body = split(msg)
    m = rng.choices(["none", "add-received", "add-subject", "reorder", "header-ws", "header-case",
                     "refold", "body-append", "body-ws", "body-trailing-lines", "body-8bit-byte",
                     "header-value", "tamper-b"],
                    weights=[30, 8, 5, 6, 6, 5, 4, 8, 6, 5, 3, 6, 3])[0]
    feats.add("m-" + m)
    def idx(name):
        for i, f in enumerate(fields):
            if f.lower().startswith(name):
                return i
        return None
    if m == "add-received":
        fields.insert(0, b"Received: from relay.example.net by mx.example.net; Thu, 3 Dec 2026 09:01:00 +0000")
    elif m == "add-subject":
        fields.append(b"Subject: injected")
    elif m == "reorder":
        a, b = idx(b"to:"), idx(b"subject:")
        fields[a], fields[b] = fields[b], fields[a]
    elif m == "header-ws":
        i = idx(b"subject:")
        fields[i] = fields[i].replace(b": ", b":   ", 1) + b"  "
    elif m == "header-case":
        i = idx(b"subject:")
        fields[i] = b"SUBJECT" + fields[i][7:]
    elif m == "refold":
        i = idx(b"to:")
        fields[i] = b"To:\r\n rcpt@example.net"
    elif m == "body-append":
        body += b"-- \r\nappended by a list\r\n"
    elif m == "body-ws":
        if b" " in body:
            body = body.replace(b" ", b"  ", 1)
        else:
            feats.add("body-ends-in-wsp-no-crlf")
            body += b" "
    elif m == "body-trailing-lines":
        body += b"\r\n\r\n"
    elif m == "body-8bit-byte":
        body = body + "é\r\n".encode("utf-8")
    elif m == "header-value":
        i = idx(b"date:")
        fields[i] = b"Date: Thu, 03 Dec 2026 09:00:01 +0000"
    elif m == "tamper-b":
        i = idx(b"dkim-signature:")
        f = fields[i]
        j = f.rfind(b"b=") + 5
        fields[i] = f[:j] + (b"A" if f[j:j + 1] != b"A" else b"B") + f[j + 1:]
    return join(fields, body)


def generate(n, seed, work):
    rng = random.Random("dkim-%d" % seed)
    keys = {"rsa": _rsa_key(1024), "rsa2": _rsa_key(2048), "ed": _ed_key(rng)}
    zone = ""
    for sel, (kind, tmpl, _) in SELECTORS.items():
        rec = tmpl.format(p=keys[kind][1])
        parts = [rec[i:i + 250] for i in range(0, len(rec), 250)]
        zone += "%s._domainkey 300 IN TXT %s\n" % (sel, " ".join('"%s"' % p for p in parts))
    cases = []
    for i in range(n):
        feats = set()
        n_sig = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
        if n_sig > 1:
            feats.add("several-signatures")
        msg = build_message(rng, rng.choice(FROM_DOMAINS), feats)
        msg = sign(rng, msg, keys, feats, n_sig)
        msg = mutate(rng, msg, feats)
        path = os.path.join(work, "dkim-%d.eml" % i)
        with open(path, "wb") as f:
            f.write(msg)
        cases.append({"id": i, "file": path, "features": sorted(feats)})
    return {"zones": {Z: zone}, "cases": cases}


def _norm(r):
    return "pass" if r == "pass" else ("temperror" if r == "temperror" else "fail")




def run_emailauth(bed, g, work):
    files = [c["file"] for c in g["cases"]]
    return [",".join(signature_results(d)) for d in verify_batch.reports(bed, files)]


# One of these per signature (docs/codes-verify.md); the others are remarks beside them.
PASS_CODES = {"pass", "pass_header_only"}
TEMP_CODES = {"dns_failed", "internal"}
FAIL_CODES = {"body_changed", "header_changed", "no_key", "key_revoked", "key_mismatch", "bad_key",
              "key_too_small", "key_hash", "key_strict", "bad_signature", "weak_algorithm",
              "body_truncated", "expired", "future"}


def signature_results(doc):
    res = []
    for c in doc.get("checks", []):
        if c.get("check") != "dkim":
            continue
        for f in c.get("findings", []):
            code = f.get("code", "")
            last = code.rsplit(".", 1)[-1]
            if not code.startswith("verify.dkim.") or code.count(".") != 2:
                continue
            if last in PASS_CODES:
                res.append("pass")
            elif last in TEMP_CODES:
                res.append("temperror")
            elif last in FAIL_CODES:
                res.append("fail")
    return res


def dkimpy(c):
    with open(c["file"], "rb") as f:
        msg = f.read()
    res = []
    try:
        d = dkim.DKIM(msg)
        n = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
        for i in range(n):
            try:
                res.append("pass" if dkim.DKIM(msg).verify(idx=i) else "fail")
            except dkim.DKIMException:
                res.append("fail")
    except Exception as e:
        return "crash:%s" % type(e).__name__
    return ",".join(res)


PYTHON_PEERS = {"dkimpy": dkimpy}


def mailauth_case(c):
    return {"area": "dkim", "file": c["file"]}


def from_mailauth(c, r):
    if "error" in r:
        return "error:" + r["error"]
    return ",".join(_norm(x["result"]) for x in r["results"])


def same(a, b):
    return a == b


def describe(c):
    with open(c["file"], "rb") as f:
        head = f.read().split(b"\r\n\r\n", 1)[0]
    return {"features": c["features"], "headers": head.decode("utf-8", "replace")[:3000]}
