#!/usr/bin/python3
"""Issue 13, "each of these was seen": every bullet replayed against the build, through Knot
and unbound, on the provider world (tests/integration/provider_world.py) plus the few domains
it lacks. Bullets tested elsewhere, by file:
  - correct setups (SES with and without tokens, SendGrid em<N> with --mail-from, Resend,
    Postmark, the M3AAWG parked domain): no error and no untrue warning from check, scan and
    the API: test_provider_world.py; Microsoft 365 without selector2 and SendGrid em<N>
    pointing at a name that does not exist: its mistakes;
  - TC loops, CNAME loops, chains past the hops followed (spf, spf --ip, ses, check: exit 3,
    nothing absent, dkim.key.none_found never when every lookup failed): test_hostile_dns.py;
  - the offline preflight and domains that do not exist: test_preflight.py;
  - verify and a second Subject/Date/To: test_verify.py; scan's CSV status and columns, a line
    of separators only: tests/unit/test_scan_input.c and the scan_line fuzz corpus.
Here: what each of those bullets said wrongly is checked by its words, not only by severity."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "lib"))
sys.path.insert(0, os.path.join(os.environ.get("EA_SRC", "."), "tests", "integration"))
from tap import ok, done  # noqa: E402
from bed import Bed  # noqa: E402
import provider_world as w  # noqa: E402

TIMEOUT = "3"            # --timeout for the domain with a selector that times out

# Domains the world lacks: Mailgun signing at k1 (a selector it documents, shared with
# others, so weak alone); Microsoft 365 whose selector2 lookup times out.
EXTRA = {
    "mg-k1.com": w.MX_OWN + "k1._domainkey IN TXT %s\n" % w.KEY_TXT + w.spf("mailgun.org") + w.dmarc("mg-k1.com"),
    "m365-slow.com": w.m365("m365-slow.com") + w.spf("spf.protection.outlook.com", all_="-all") +
                     w.dmarc("m365-slow.com"),
}
ARGS = {d: args for d, body, args, senders, warns, zone in w.CUSTOMERS}


def check(bed, d, *extra):
    code, out, err = bed.run("check", d, "--format", "json", *(list(ARGS.get(d, [])) + list(extra)))
    try:
        doc = json.loads(out)
    except ValueError:
        doc = {}
    fs = [f for sec in doc.get("checks", []) for f in sec.get("findings", [])]
    return code, fs, err


def text_of(fs):
    return "\n".join("%s %s %s %s" % (f.get("code"), f.get("message", ""), f.get("fix", ""), f.get("found", ""))
                     for f in fs)


def senders(fs):
    return {f.get("subject"): f.get("found", "") for f in fs if f.get("code") == "sender.found"}


def main():
    zones = w.zones()
    zones.update(EXTRA)
    with Bed(zones, timeout_names=["selector2._domainkey.m365-slow.com"], unbound_queries=2048) as bed:
        # Evidence taken from the wrong service.
        code, fs, err = check(bed, "sg-shop.com")
        t = text_of(fs)
        ok(code in (0, 1) and "feedback" not in t and "does not include amazonses.com" not in t and
           not any(f.get("code", "").startswith("mailfrom.") and f.get("severity") in ("warning", "error")
                   for f in fs) and "Amazon SES" not in senders(fs),
           "SendGrid em<N> given as MAIL FROM: not judged by SES's MAIL FROM rules", t[:3000])
        for d in ("resend-app.com", "gw-resend.com"):
            code, fs, err = check(bed, d)
            t = text_of(fs)
            ok(code in (0, 1) and "SES tokens" not in t and "Amazon SES" not in senders(fs) and
               "Resend" in senders(fs), "%s (Resend): not told it uses Amazon SES or needs SES tokens" % d, t[:3000])
        code, fs, err = check(bed, "mg-k1.com", "--selector", "k1")
        s = senders(fs)
        ok(code in (0, 1) and "DKIM selector k1" in s.get("Mailgun", "") and
           any(f.get("code") == "align.pass" and f.get("subject") == "Mailgun" for f in fs) and
           not any(f.get("severity") == "error" for f in fs),
           "Mailgun's key at k1 (--selector k1): linked to Mailgun, its mail signed", text_of(fs)[:3000])
        for d, sel in (("pm-app.com", "20250817055129pm"), ("fm-pm.com", "20201219171134pm")):
            code, fs, err = check(bed, d)
            s = senders(fs)
            ok(("DKIM selector " + sel) in s.get("Postmark", "") and
               not {f.get("code") for f in fs} & {"sender.dkim_missing", "sender.dkim_unknown", "align.fail",
                                                   "align.unknown"},
               "%s: Postmark's dated selector (--selector) linked to Postmark, not 'unsigned'" % d,
               "%s\n%s" % (s, text_of(fs)[:2000]))
        # Claims the tool cannot know.
        code, fs, err = check(bed, "ses-notokens.com")
        t = text_of(fs)
        ok(code in (0, 1) and "will FAIL DMARC" not in t and "give the SES tokens" in t and
           not {f.get("code") for f in fs} & {"sender.dkim_missing", "align.fail"},
           "SES without its tokens: says what is unknown and what is needed, never 'will FAIL DMARC'", t[:3000])
        code, fs, err = check(bed, "parked-name.com")
        codes = [f.get("code") for f in fs]
        ok(codes.count("dkim.key.wildcard_revoked") == 1 and "dkim.key.revoked" not in codes and
           not senders(fs) and not any(f.get("severity") in ("warning", "error") for f in fs
                                       if f.get("code") != "dnssec.unsigned"),
           "parked domain with *._domainkey p=: one note, no revoked-key cascade, no invented sender",
           sorted(codes))
        for d in ("resend-app.com", "pm-app.com"):
            code, fs, err = check(bed, d)
            m = [f for f in fs if f.get("code") == "spf.record.missing"]
            ok(m and all(f.get("severity") == "info" for f in m) and "forger" not in text_of(m),
               "%s: no apex SPF, return path on a subdomain: not warned as forgeable" % d, text_of(m))
        # Wrong or missing diagnosis (the mistakes themselves: test_provider_world.py).
        code, fs, err = check(bed, "m365-half.com")
        m = [f for f in fs if f.get("code") == "sender.dkim_incomplete"]
        ok(m and "selector2._domainkey.m365-half.com" in m[0].get("message", "") and
           m[0].get("subject") == "Microsoft 365",
           "Microsoft 365 without selector2: said, naming the selector", text_of(m))
        code, fs, err = check(bed, "sg-em.com", "--mail-from", "em5501.sg-em.com")
        codes = {f.get("code") for f in fs}
        ok("mailfrom.cname_dangling" in codes and not codes & {"mailfrom.mx_missing", "mailfrom.spf_missing",
                                                               "mailfrom.none"},
           "SendGrid em<N> to a name that does not exist: diagnosed so, not as a missing SES MAIL FROM",
           sorted(codes))
        # "Missing" when DNS did not answer: Microsoft's selector2 times out.
        code, fs, err = check(bed, "m365-slow.com", "--timeout", TIMEOUT)
        codes = {f.get("code") for f in fs}
        und = [f for f in fs if f.get("code") == "sender.dkim_undetermined"]
        ok(code == 3 and "sender.dkim_incomplete" not in codes and und and und[0].get("undetermined") and
           "selector2" in und[0].get("message", ""),
           "Microsoft 365 whose selector2 lookup times out: 'not determined', never 'missing' (exit 3)",
           "exit %d %s\n%s" % (code, sorted(codes), text_of(und)))
    done()


main()
