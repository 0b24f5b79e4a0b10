#!/usr/bin/python3
"""The cases where emailauth disagreed with pyspf, dkimpy and mailauth (issue 14), each
fixed by the RFC and tested here by its name, against Knot and unbound on loopback
(tests/integration/bed.py) and, where it matters, from --zone and an authoritative
server asked directly. tests/differential/ generates many more; docs/conformance.md
has the adjudicated table."""
import json
import os
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
from tap import ok, done  # noqa: E402
import schema  # noqa: E402


def txt(owner, text):
    return "%s 300 IN TXT %s\n" % (owner, txt_rdata(text))


SPF_ZONE = (txt("ptr3", "v=spf1 ptr ptr ptr -all")
            + txt("ptr2", "v=spf1 ptr ptr -all")
            + txt("d0", "v=spf1 +all exists:%{d0}.x.spf-cases.com")
            + txt("d00", "v=spf1 ip4:185.12.80.1 a:%{i00r}.spf-cases.com -all")
            + txt("d1", "v=spf1 exists:%{d1}.x.spf-cases.com +all")
            + txt("loop", "v=spf1 include:l1.spf-cases.com -all")
            + "l1 CNAME l2\nl2 CNAME l1\n"
            + txt("null", "v=spf1 ip4:185.12.80.25 -all"))
# 185.12.80.0/24 has a reverse zone (unbound blocks the documentation ranges' reverse
# zones), and 185.12.80.1 no PTR in it: each ptr term is void
IN_ADDR = "25 PTR null.spf-cases.com.\n"
DMARC_ZONE = (txt("_dmarc", "v=DMARC1; p=reject")
              + txt("_dmarc.mail", "v=DMARC1; p=none")
              + "a.mail IN A 192.0.2.7\n"
              + txt("_dmarc.psdn", "v=DMARC1; p=none; psd=n")
              + txt("_dmarc.dup", "v=DMARC1; p=reject; p=none")
              + "dup IN A 192.0.2.7\n"
              + txt("_dmarc.bad", "v=DMARC1; pct=150; np=reject; sp=block; p=quarantine")
              + "bad IN A 192.0.2.7\n"
              + txt("_dmarc.badrua", "v=DMARC1; p=quarantine; sp=block; rua=mailto:d@ex1.org")
              + "badrua IN A 192.0.2.7\n"
              + txt("_dmarc.multi", "v=DMARC1; p=none") + txt("_dmarc.multi", "v=DMARC1; p=quarantine")
              + "a.multi IN A 192.0.2.7\n")
# RFC 6376 Appendix C's 1024-bit key, in records outside the tag-list grammar
KEY = ("MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v"
       "3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcW"
       "ToIMmPSPDdQPNUYckcQ2QIDAQAB")
DMARC_ZONE += (txt("hy._domainkey", "v=DKIM1; k=rsa; x-foo=bar; p=" + KEY)
               + txt("em._domainkey", "v=DKIM1; k=rsa; ; p=" + KEY))
# a public suffix that says so, and an organisation below it with no record
PSD_ZONE = txt("_dmarc", "v=DMARC1; p=quarantine; sp=reject; psd=y") + "org.sub IN A 192.0.2.8\n"


def findings(out):
    try:
        doc = json.loads(out)
    except ValueError:
        return []
    return [f for c in doc.get("checks", []) for f in c.get("findings", [])]


def spf(bed, ip, sender, *extra):
    code, out, err = bed.run("spf", "--ip", ip, "--sender", sender, "--format", "json", *extra)
    fs = findings(out)
    prim = [f for f in fs if f.get("primary")]
    return (prim[0]["code"].split(".")[-1] if prim else None), fs, out + err


def counts(fs):
    return " ".join(f["message"] for f in fs if f["code"] == "spf.eval.counts")


def message_file(tmp, from_domain):
    path = os.path.join(tmp, from_domain + ".eml")
    with open(path, "w") as f:
        f.write("From: u@%s\r\nTo: r@example.net\r\nSubject: t\r\nDate: Thu, 3 Dec 2026 09:00:00 +0000\r\n"
                "Message-ID: <%s@t>\r\n\r\nhello\r\n" % (from_domain, from_domain))
    return path


def dmarc_section(out):
    try:
        doc = json.loads(out)
    except ValueError:
        return {}
    for c in doc.get("checks", []):
        if c.get("check") == "dmarc":
            return c
    return {}


def verify_dmarc(bed, tmp, from_domain, *extra):
    code, out, err = bed.run("verify", message_file(tmp, from_domain), "--format", "json", *extra)
    sec = dmarc_section(out)
    out = out + err
    prim = [f for f in sec.get("findings", []) if f.get("primary")]
    return sec.get("summary", ""), (prim[0]["message"] if prim else ""), out


def check_dmarc(bed, domain, *extra):
    code, out, err = bed.run("check", domain, "--format", "json", *extra)
    sec = dmarc_section(out)
    out = out + err
    prim = [f for f in sec.get("findings", []) if f.get("primary")]
    return sec.get("summary", ""), prim, sec.get("findings", []), out


zones = {"spf-cases.com": SPF_ZONE, "80.12.185.in-addr.arpa": IN_ADDR, "ex1.org": DMARC_ZONE,
         "psd.net": PSD_ZONE}
with Bed(zones) as bed, tempfile.TemporaryDirectory() as tmp:
    schema.watch(bed)   # every --format json output validates (docs/emailauth.schema.json)
    # SPF: RFC 7208 4.6.4, a ptr term whose PTR query finds nothing is a void lookup
    res, fs, out = spf(bed, "185.12.80.1", "a@ptr3.spf-cases.com")
    ok(res == "permerror" and "3 of 2 void" in counts(fs),
       "spf_ptr_void_lookup: v=spf1 ptr ptr ptr -all, client without PTR: permerror (4.6.4)", out)
    res, fs, out = spf(bed, "185.12.80.1", "a@ptr2.spf-cases.com")
    ok(res == "fail" and "2 of 2 void" in counts(fs),
       "spf_ptr_void_lookup: two void ptr terms are within the limit: fail", out)

    # SPF: RFC 7208 7.1 forbids a zero digit transformer; 4.6: a syntax error anywhere
    for name, what in (("d0", "+all exists:%{d0}"), ("d00", "a:%{i00r} after a matching ip4")):
        res, fs, out = spf(bed, "185.12.80.1", "a@%s.spf-cases.com" % name)
        ok(res == "permerror", "spf_macro_d0_anywhere: %s is a permerror (7.1, 4.6)" % what, out)
    res, fs, out = spf(bed, "185.12.80.1", "a@d1.spf-cases.com")
    ok(res == "pass", "spf_macro_d0_anywhere: %{d1} is fine", out)

    # SPF: a CNAME loop under include: is temperror however the DNS is asked (RFC 7208 5)
    res, fs, out = spf(bed, "185.12.80.1", "a@loop.spf-cases.com")
    ok(res == "temperror", "spf_include_cname_loop: through a resolver: temperror", out)
    res, fs, out = spf(bed, "185.12.80.1", "a@loop.spf-cases.com", "--resolver", bed.auth_ip + ":53")
    ok(res == "temperror", "spf_include_cname_loop: asking the authoritative server directly: "
       "temperror", out)
    zone_file = os.path.join(tmp, "spf-cases.com.zone")
    with open(zone_file, "w") as f:
        f.write("$ORIGIN spf-cases.com.\n$TTL 300\n@ SOA ns hm 1 3600 600 86400 60\n@ NS ns\n"
                "ns A 127.0.0.1\n" + SPF_ZONE)
    code, out, err = bed.run("spf", "--ip", "185.12.80.1", "--sender", "a@loop.spf-cases.com", "--format",
                             "json", "--zone", zone_file)
    prim = [f["code"] for f in findings(out) if f.get("primary")]
    ok(prim == ["spf.eval.temperror"], "spf_include_cname_loop: from --zone: temperror (the zone "
       "store answers SERVFAIL as a resolver does)", out + err)

    # SPF: '<>' is the null sender on the command line, in --batch and in the API
    res, fs, out = spf(bed, "185.12.80.25", "<>", "--helo", "null.spf-cases.com")
    ok(res == "pass" and "postmaster@null.spf-cases.com" in out,
       "spf_null_sender_everywhere: --sender '<>' is the null sender (postmaster@HELO)", out)
    code, out, err = bed.run("spf", "--ip", "185.12.80.25", "--sender", "<>")
    ok(code == 64 and "--helo" in err, "spf_null_sender_everywhere: the null sender needs --helo",
       out + err)
    code, out, err = bed.run("spf", "--batch", "-", "--format", "json",
                             input="185.12.80.25 <> null.spf-cases.com\n")
    ok("postmaster@null.spf-cases.com" in out and '"pass' in out.replace("SPF pass", '"pass'),
       "spf_null_sender_everywhere: --batch '<>' is the same null sender", out + err)

    # DMARC: RFC 9989 4.10.1, the record of the Organizational Domain (fewest labels with
    # a record, 4.10.2) applies when the Author Domain has none
    summ, prim, out = verify_dmarc(bed, tmp, "a.mail.ex1.org")
    sec = dmarc_section(out[:out.rindex("}") + 1])
    names = [f.get("name") for f in sec.get("findings", []) if f.get("primary")]
    ok("dmarc=fail" in summ and names == ["_dmarc.ex1.org"],
       "dmarc_org_domain_record_applies: u@a.mail.ex1.org gets ex1.org's p=reject, not "
       "mail.ex1.org's p=none", out)
    summ, prims, fs, out = check_dmarc(bed, "a.mail.ex1.org")
    ok("p=reject at _dmarc.ex1.org" in summ, "dmarc_org_domain_record_applies: check says the same",
       summ + out)
    summ, prims, fs, out = check_dmarc(bed, "b.psdn.ex1.org")
    ok("at _dmarc.psdn.ex1.org" in summ, "dmarc_psd_n_ends_the_walk: psd=n makes psdn.ex1.org the "
       "Organizational Domain; its record applies", summ + out)
    summ, prims, fs, out = check_dmarc(bed, "org.sub.psd.net")
    ok("at _dmarc.psd.net" in summ and "Organizational Domain sub.psd.net" in summ,
       "dmarc_psd_y_record_applies: no record at the Organizational Domain below psd=y: the "
       "Public Suffix Domain's record applies", summ + out)

    summ, prims, fs, out = check_dmarc(bed, "a.multi.ex1.org")
    ok("p=reject at _dmarc.ex1.org" in summ, "dmarc_several_records_above_are_discarded: two records "
       "at a parent are discarded and the walk goes on (RFC 9989 4.10 step 6)", summ + out)
    summ, prims, fs, out = check_dmarc(bed, "multi.ex1.org")
    ok("Several DMARC records" in summ, "dmarc_several_records_at_the_author_domain: none applies",
       summ + out)

    # DKIM key records: one rule for tag lists (RFC 6376 3.2 grammar, 3.6.1 unknown tags)
    code, out, err = bed.run("check", "ex1.org", "--selector", "hy,em", "--format", "json")
    keys = [f for f in findings(out) if f["code"].startswith("dkim.key.")]
    off = sorted(f.get("name", "") for f in keys if f["code"] == "dkim.key.off_grammar")
    bad = [f["code"] for f in keys if f["severity"] == "error"]
    ok(off == ["em._domainkey.ex1.org", "hy._domainkey.ex1.org"] and not bad,
       "dkim_key_tag_list_one_rule: x-foo= and an empty tag: both keys usable, each noted "
       "dkim.key.off_grammar (info)", json.dumps(keys)[:3000] + err)

    # DMARC: a repeated tag makes the tag list invalid (RFC 6376 3.2): no DMARC processing
    summ, prim, out = verify_dmarc(bed, tmp, "dup.ex1.org")
    ok("dmarc=none" in summ and "appears twice" in prim,
       "dmarc_repeated_tag: p=reject; p=none: dmarc=none, said why", out)
    summ, prims, fs, out = check_dmarc(bed, "dup.ex1.org")
    ok([f["code"] for f in prims] == ["dmarc.no_policy"] and "No DMARC processing" in summ
       and any(f["code"] == "dmarc.tag.duplicate" and f["severity"] == "error" for f in fs),
       "dmarc_repeated_tag: check: the primary is dmarc.no_policy, the duplicate an error", out)

    # DMARC: one parser, one verdict for a record that gets no DMARC processing
    summ_v, prim_v, out_v = verify_dmarc(bed, tmp, "bad.ex1.org")
    summ, prims, fs, out = check_dmarc(bed, "bad.ex1.org")
    ok("dmarc=none" in summ_v and [f["code"] for f in prims] == ["dmarc.no_policy"]
       and "p=quarantine" not in summ and "sp= is not" in prims[0]["message"]
       and "sp= is not" in prim_v,
       "dmarc_check_verify_one_verdict: pct=150; np=reject; sp=block; p=quarantine: no DMARC "
       "processing in both, because of sp=", out_v + out)
    summ_v, prim_v, out_v = verify_dmarc(bed, tmp, "badrua.ex1.org")
    summ, prims, fs, out = check_dmarc(bed, "badrua.ex1.org")
    ok("dmarc=fail" in summ_v and "p=none (as if)" in summ and "policy none" in prims[0]["message"],
       "dmarc_check_verify_one_verdict: sp=block with a valid rua=: as if p=none in both",
       out_v + out)
done()
