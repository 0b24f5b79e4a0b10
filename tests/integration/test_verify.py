#!/usr/bin/python3
"""emailauth verify against real DNS servers (tests/integration/bed.py): messages signed
at test time with Debian's python3-dkim using keys the bed publishes (RSA 2048, Ed25519),
then tampered with; SPF and DMARC through the bed; hostile messages that must give a
clear result quickly."""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
from tap import ok, done  # noqa: E402
import schema  # noqa: E402

import dkim  # noqa: E402  (python3-dkim)
import nacl.signing  # noqa: E402

HOSTILE_MAX_S = 5.0        # a hostile message must be answered within this


def rsa_key(tmp):
    path = os.path.join(tmp, "rsa.pem")
    subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    with open(path, "rb") as f:
        return f.read(), base64.b64encode(der).decode()


def ed_key():
    sk = nacl.signing.SigningKey.generate()
    return base64.b64encode(bytes(sk)), base64.b64encode(bytes(sk.verify_key)).decode()


MESSAGE = (b"From: Alice <alice@shop.example>\r\nTo: bob@example.net\r\nSubject: Order 42\r\n"
           b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <42@shop.example>\r\n"
           b"Return-Path: <bounce@shop.example>\r\n\r\nYour order has shipped.\r\n")


def sign(msg, selector, key, alg=b"rsa-sha256", **kw):
    return dkim.sign(msg, selector, b"shop.example", key, signature_algorithm=alg,
                     include_headers=[b"from", b"to", b"subject", b"date", b"message-id"], **kw) + msg


# Trace fields a receiver prepends to a signed message (issue 16, item 6): the connecting
# address is read from the receiver's own Received header and SPF is evaluated for it.
RECEIVER_POSTFIX = (b"Received: from mx.example.net (localhost [127.0.0.1]) by imap.example.net (Postfix) "
                    b"with LMTP id 9; Mon, 1 Jan 2024 10:00:02 +0000\r\n"
                    b"Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=shop.example;\r\n"
                    b"\tspf=pass smtp.mailfrom=shop.example\r\n"
                    b"Received: from mail.shop.example (mail.shop.example [%s])\r\n"
                    b"\tby mx.example.net (Postfix) with ESMTPS id 4F1C2\r\n"
                    b"\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:01 +0000 (UTC)\r\n")
SENDER_HOP = (b"Received: from laptop.shop.example (unknown [198.51.100.99])\r\n"
              b"\tby mail.shop.example (Postfix) with ESMTPSA id 77; Mon, 1 Jan 2024 10:00:00 +0000\r\n")
RECEIVER_GMAIL = (b"Received: from mail.shop.example (mail.shop.example. [192.0.2.10])\r\n"
                  b"        by mx.google.com with ESMTPS id k3-20020a05\r\n"
                  b"        for <bob@gmail.com>; Mon, 01 Jan 2024 10:00:01 -0800 (PST)\r\n"
                  b"Received-SPF: pass (google.com: domain of bounce@shop.example designates 192.0.2.10 as "
                  b"permitted sender) client-ip=192.0.2.10;\r\n"
                  b"Authentication-Results: mx.google.com;\r\n       dkim=pass header.i=@shop.example;\r\n"
                  b"       spf=pass (google.com: domain of bounce@shop.example designates 192.0.2.10 as "
                  b"permitted sender) smtp.mailfrom=bounce@shop.example\r\n")


def received_tests(verify, bed, signed, tmp):
    code, out, _ = verify(RECEIVER_POSTFIX % b"192.0.2.10" + SENDER_HOP + signed)
    ok("verify.spf.connection" in out and "spf=pass" in out and "192.0.2.10" in out
       and "Received header 2 of 3, line 5" in out and "HELO mail.shop.example" in out,
       "Postfix receiver: the address is read from its Received header (2 of 3, line 5), SPF passes", out)
    ok("198.51.100.99" not in out.split("verify.spf.connection")[0],
       "the sender's own hop (198.51.100.99, below the receiver's) is never taken", out)
    ar = [l for l in out.splitlines() if "found" in l and "Authentication-Results: mx.example.net" in l]
    ok(ar and "?" not in ar[0] and ar[0].rstrip().endswith("smtp.mailfrom=shop.example"),
       "the receiver's Authentication-Results echo is one line, no stray '?'", out)

    code, out, _ = verify(RECEIVER_POSTFIX % b"198.51.100.7" + signed)
    ok("spf=fail" in out and "198.51.100.7" in out, "an address SPF does not allow: spf=fail from the Received", out)

    code, out, _ = verify(RECEIVER_GMAIL + SENDER_HOP + signed)
    ok("spf=pass" in out and "Received header 1 of 2, line 1" in out and "HELO mail.shop.example" in out,
       "Gmail receiver (A-R below its Received): SPF passes from 192.0.2.10", out)

    code, out, _ = verify(RECEIVER_POSTFIX % b"IPv6:2001:db8::10" + signed)
    ok("spf=pass" in out and "2001:db8::10" in out, "an IPv6 literal: SPF passes for ip6:", out)

    code, out, _ = verify(RECEIVER_POSTFIX % b"192.0.2.10" + signed, "--ip", "198.51.100.7")
    ok("spf=fail" in out and "verify.spf.connection_given" in out and "shows 192.0.2.10" in out,
       "--ip overrides the Received header (which is still named)", out)

    code, out, _ = verify(SENDER_HOP + signed)
    sec = out.split("\nSPF ")[1].split("\n\n")[0] if "\nSPF " in out else ""
    ok("NOT CHECKED" in sec and "PASS" not in sec and "no Authentication-Results" in sec and "spf=" not in sec,
       "no receiver's Authentication-Results: SPF not checked (with the reason), never PASS", out)
    ok("Authentication-Results  NOT CHECKED" in out, "nothing to compare: the A-R section is not checked", out)
    ok("Give the address with --ip" in sec, "the text says how to give the address (--ip)", sec)
    code, jout, err = bed.run("verify", os.path.join(tmp, "m.eml"), "--resolver", bed.resolver, "--format", "json")
    spf = [c for c in json.loads(jout)["checks"] if c["check"] == "spf"]
    ok(spf and spf[0]["status"] == "not_checked" and "no Authentication-Results" in spf[0]["summary"],
       "JSON: the spf check's status is not_checked", json.dumps(spf) + err)
    # The web page's badge: tests/integration/test_serve.py.

    # Hostile trace fields: bounded and quick.
    many = SENDER_HOP * 5000
    code, out, s = verify(RECEIVER_POSTFIX % b"192.0.2.10" + many + signed)
    ok("spf=pass" in out and s < HOSTILE_MAX_S, "5,000 Received fields: the receiver's still read (%.1fs)" % s, out)
    long_rcv = b"Received: from x (" + b"(" * 5000 + b"[192.0.2.10]" + b")" * 5000 + b") by mx.example.net; d\r\n"
    code, out, s = verify(b"Authentication-Results: mx.example.net; dkim=pass\r\n" + long_rcv + signed)
    ok("NOT CHECKED" in out and s < HOSTILE_MAX_S, "a 10 kB nested Received: not read, not checked (%.1fs)" % s, out)


def main():
    tmp = tempfile.mkdtemp()
    rsa_priv, rsa_pub = rsa_key(tmp)
    ed_priv, ed_pub = ed_key()
    zone = ("@ IN TXT \"v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all\"\n"
            "_dmarc IN TXT \"v=DMARC1; p=reject\"\n"
            "rsa._domainkey IN TXT %s\n"
            "ed._domainkey IN TXT %s\n"
            "gone._domainkey IN TXT \"v=DKIM1; p=\"\n"
            % (txt_rdata("v=DKIM1; k=rsa; p=" + rsa_pub), txt_rdata("v=DKIM1; k=ed25519; p=" + ed_pub)))
    with Bed({"shop.example": zone}) as bed:
        schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
        def verify(msg, *args):
            path = os.path.join(tmp, "m.eml")
            with open(path, "wb") as f:
                f.write(msg)
            t0 = time.monotonic()
            # --verbose: the finding codes are in the text only then.
            code, out, err = bed.run("verify", path, "--resolver", bed.resolver, "--verbose", *args)
            return code, out + err, time.monotonic() - t0

        signed = sign(MESSAGE, b"rsa", rsa_priv)
        code, out, _ = verify(signed, "--ip", "192.0.2.10")
        ok(code == 0 and "verify.dkim.pass" in out and "2048-bit" in out, "rsa-sha256 2048 passes", out)
        ok("dmarc=pass" in out and "spf=pass" in out, "SPF and DMARC pass with --ip", out)

        signed_ed = sign(MESSAGE, b"ed", ed_priv, alg=b"ed25519-sha256")
        code, out, _ = verify(signed_ed)
        ok(code in (0, 1) and "verify.dkim.pass" in out and "ed25519-sha256" in out, "ed25519 passes", out)

        code, out, _ = verify(signed.replace(b"has shipped", b"was cancelled"))
        ok(code == 2 and "verify.dkim.body_changed" in out, "body change: fail, body hash mismatch", out)
        first = [l for l in out.splitlines() if l.startswith("Message authentication ")]
        ok(first and "body changed after signing" in first[0], "one line says why it fails", out)

        code, out, _ = verify(signed.replace(b"Subject: Order 42", b"Subject: Order 43"))
        ok(code == 2 and "verify.dkim.header_changed" in out, "signed header change: fail", out)

        code, out, _ = verify(signed.replace(b"To: bob", b"X-Unsigned: yes\r\nTo: bob"))
        ok(code in (0, 1) and "verify.dkim.pass" in out, "adding an unsigned header keeps pass", out)

        with_l = sign(MESSAGE, b"rsa", rsa_priv, length=True)
        code, out, _ = verify(with_l + b"Appended by someone else.\r\n")
        ok("verify.dkim.pass" in out and "verify.dkim.body_length" in out,
           "l= with appended content: pass, flagged", out)

        # x= in the past (dkimpy cannot set x=): the expiry is judged before any crypto.
        soon = int(time.time()) + 60
        expired = sign(MESSAGE, b"rsa", rsa_priv).replace(b"DKIM-Signature: v=1;",
                                                          b"DKIM-Signature: v=1; x=%d;" % soon, 1)
        code, out, _ = verify(expired, "--now", str(soon + 7200))
        ok(code == 2 and "verify.dkim.expired" in out and "dkim=neutral" in out,
           "expired x=: neutral, and DMARC (p=reject) fails", out)

        code, out, _ = verify(dkim.sign(MESSAGE, b"gone", b"shop.example", rsa_priv) + MESSAGE)
        ok(code == 2 and "verify.dkim.key_revoked" in out, "revoked key: permerror", out)
        code, out, _ = verify(dkim.sign(MESSAGE, b"nosuch", b"shop.example", rsa_priv) + MESSAGE)
        ok(code == 2 and "no key at nosuch._domainkey.shop.example" in out, "no key: says where", out)

        code, out, _ = verify(signed.replace(b"\r\n", b"\n"))
        ok(code in (0, 1) and "verify.dkim.pass" in out and "bare_lf" in out, "bare LF read as CRLF", out)

        code, out, _ = verify(signed, "--ip", "198.51.100.7")
        ok("spf=fail" in out, "SPF fails for another IP; DKIM still passes", out)

        ses_sig = dkim.sign(MESSAGE, b"rsa", b"amazonses.com", rsa_priv)
        code, out, _ = verify(ses_sig + signed)
        ok("verify.dkim.ses_own" not in out or "never aligns" in out, "SES own signature explained", out)

        # Several files in one run (one resolver and cache): a report each, the highest exit code.
        paths = []
        for i, m in enumerate((signed, signed_ed, signed.replace(b"has shipped", b"was cancelled"))):
            paths.append(os.path.join(tmp, "batch%d.eml" % i))
            with open(paths[-1], "wb") as f:
                f.write(m)
        code, out, err = bed.run("verify", *paths[:2], "--format", "json")
        docs = [json.loads(line) for line in out.splitlines() if line.strip()]
        ok(code in (0, 1) and len(docs) == 2 and "verify.dkim.pass" in out and "ed25519" in out,
           "two files: two JSON lines, both pass", out + err)
        code, out, err = bed.run("verify", *paths, "--verbose")
        ok(code == 2 and out.count("verify.dkim.pass") >= 2 and "verify.dkim.body_changed" in out,
           "three files, one tampered: exit 2, three reports", out + err)
        code, out, err = bed.run("verify", paths[0], os.path.join(tmp, "missing.eml"), "--verbose")
        ok(code == 64 and "verify.dkim.pass" in out and "cannot open" in err,
           "a missing file among several: the others still verified, exit 64 (a usage error)", out + err)
        code, out, err = bed.run("verify", paths[0], "-")
        ok(code == 64 and "stdin" in err, "'-' only alone", err)

        received_tests(verify, bed, signed, tmp)

        # Hostile messages: clear result, quickly.
        big = b"From: a@shop.example\r\nX-Big: " + b"a" * (10 * 1024 * 1024) + b"\r\n\r\nx\r\n"
        code, out, s = verify(big)
        ok("verify.message.unusable" in out and s < HOSTILE_MAX_S, "10 MB header: refused in %.1fs" % s, out)
        many = b"".join(dkim.sign(MESSAGE, b"rsa", b"shop.example", rsa_priv) for _ in range(1)) * 1000
        code, out, s = verify(many + signed)
        ok("verify.dkim.too_many" in out and s < HOSTILE_MAX_S, "1,000 signatures: bounded (%.1fs)" % s, out)
        code, out, s = verify(signed.replace(b"Your order", b"Your\0order"))
        ok("verify.message.nul" in out and "body_changed" in out and s < HOSTILE_MAX_S, "NUL bytes", out)
        fold = b"From: a@shop.example\r\nSubject: x" + b"\r\n y" * 200000 + b"\r\n\r\nbody\r\n"
        code, out, s = verify(fold)
        ok(code != 0 and s < HOSTILE_MAX_S, "folding abuse: clear result in %.1fs" % s, out)
        for field in (b"Subject: Refund approved", b"Date: Mon, 1 Jan 2024 00:00:00 +0000", b"To: eve@example.net"):
            code, out, s = verify(field + b"\r\n" + signed)
            ok("verify.message.duplicate_field" in out,
               "a second %s field is flagged (RFC 5322 3.6)" % field.split(b":")[0].decode(), out)
        code, out, s = verify(signed)
        ok("verify.message.duplicate_field" not in out, "one of each field: nothing flagged", out)
        bad64 = signed.replace(b"b=", b"b=!!!", 1)
        code, out, s = verify(bad64)
        ok("permerror" in out and s < HOSTILE_MAX_S, "broken base64: permerror", out)
    done()


if __name__ == "__main__":
    main()
