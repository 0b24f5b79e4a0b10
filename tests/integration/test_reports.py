#!/usr/bin/python3
"""emailauth reports: the per-source summary of a folder of real-shaped reports (and
the same reports inside an .eml, an mbox and a maildir), the handwritten RFC 9990 and
RFC 7489 fixtures, filters, CSV, and the hostile files, each handled within bounded
time and memory. No DNS: --no-dns everywhere (the reverse names need a resolver)."""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
sys.path.insert(0, os.path.join(SRC, "tests", "data", "reports"))
from tap import ok, done  # noqa: E402
import schema  # noqa: E402
import make_fixtures  # noqa: E402

EXE = os.environ.get("EMAILAUTH") or os.path.join(SRC, "build", "tools", "cli", "emailauth")
DATA = os.path.join(SRC, "tests", "data", "reports")
HOSTILE_MAX_SECONDS = 10          # each hostile file, on a loaded 2-core machine
HOSTILE_MAX_RSS_KB = 128 * 1024   # whatever the file claims to expand to


def run(*args):
    """Runs emailauth reports; returns (code, stdout, stderr)."""
    p = subprocess.run([EXE, "reports", "--no-dns"] + list(args), capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def measured(*args):
    """The same in a child Python, so the max RSS is this run's alone."""
    code = ("import resource,subprocess,sys,time;t=time.monotonic();"
            "p=subprocess.run(sys.argv[1:],capture_output=True);"
            "print(p.returncode, time.monotonic()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
            "sys.stdout.flush();sys.stdout.buffer.write(p.stdout)")
    p = subprocess.run([sys.executable, "-c", code, EXE, "reports", "--no-dns"] + list(args),
                       capture_output=True, timeout=120)
    first, _, rest = p.stdout.partition(b"\n")
    rc, secs, rss = first.split()
    return int(rc), rest.decode(errors="replace"), float(secs), int(rss)


def as_json(out):
    """The document, checked against docs/emailauth.schema.json ($defs/reports): a 'not ok'
    only when it does not validate."""
    try:
        doc = json.loads(out)
    except ValueError:
        return None
    errs = schema.errors(doc, "reports")
    if errs:
        ok(False, "reports --format json validates against docs/emailauth.schema.json", "\n".join(errs))
    return doc


def source(doc, ip, domain="example.com"):
    for s in doc["sources"]:
        if s["source_ip"] == ip and s["domain"] == domain:
            return s
    return None


def codes(doc):
    sec = doc["report"]["checks"][0] if doc and doc.get("report", {}).get("checks") else {}
    return [f["code"] for f in sec.get("findings", [])]


def finding(doc, code):
    for f in doc["report"]["checks"][0]["findings"]:
        if f["code"] == code:
            return f
    return None


def check_scenario(doc, label):
    ok(doc is not None, "%s: JSON output" % label)
    if doc is None:
        return
    ses = source(doc, "54.240.8.10")
    ok(ses is not None and ses["messages"] == 3000 and ses["dkim_aligned"] == 1800 and
       ses["sender"] == "Amazon SES" and ses["reporters"] == ["google.com"],
       "%s: SES source seen by google.com: 3000 messages, 1800 DKIM-aligned" % label, ses)
    ses2 = source(doc, "54.240.8.11")
    ok(ses2 is not None and ses2["messages"] == 240 and ses2["reporters"] == ["Yahoo"],
       "%s: SES source seen by Yahoo (zip reports)" % label, ses2)
    g = source(doc, "209.85.220.41")
    ok(g is not None and g["sender"] == "Google Workspace" and g["dmarc_pass"] == g["messages"] == 840,
       "%s: Google Workspace aligns every day" % label, g)
    spoof = source(doc, "203.0.113.66")
    ok(spoof is not None and spoof["sender"] is None and spoof["dmarc_pass"] == 0 and spoof["messages"] == 14,
       "%s: the unknown source fails DMARC" % label, spoof)
    fwd = source(doc, "198.51.100.20")
    ok(fwd is not None and fwd["dkim_aligned"] == 35 and fwd["spf_aligned"] == 0,
       "%s: the forwarder passes by DKIM, fails SPF" % label, fwd)
    f = finding(doc, "reports.sender.dkim_fixed")
    ok(f is not None and "Amazon SES sent 1,240 messages that failed DKIM alignment from 3 to 5 May 2026; "
       "from 6 May 2026 DKIM aligns" in f["message"], "%s: the day DKIM started aligning" % label, f)
    f = finding(doc, "reports.unknown.fail")
    ok(f is not None and "203.0.113.66" in f["message"] and "spoofing, or a sender you forgot" in f["message"],
       "%s: unknown failing source in plain words" % label, f)
    ok(source(doc, "192.0.2.50", "example.org") is not None, "%s: the example.org report too" % label)


def main():
    tmp = tempfile.mkdtemp(prefix="ea-reports-")
    sc = make_fixtures.build_scenario(os.path.join(tmp, "scenario"))

    rc, out, err = run(sc["files"], "--format", "json")
    doc = as_json(out)
    check_scenario(doc, "folder of .xml.gz and .zip")
    ok(doc is not None and doc["inputs"]["reports"] == 15 and doc["inputs"]["failed"] == 0,
       "15 reports read, none failed", doc and doc["inputs"])
    ok(rc == 1, "exit 1: warnings (an unknown failing source), no error", (rc, err))
    ok(doc is not None and doc["schema"] == 1 and doc["kind"] == "dmarc-aggregate-reports",
       "JSON schema and kind")

    for kind in ("mbox", "maildir"):
        rc, out, err = run(sc[kind], "--format", "json")
        doc = as_json(out)
        check_scenario(doc, kind)
    ok(doc is not None and doc["inputs"]["ignored"] == 2 and doc["inputs"]["failed"] == 0,
       "maildir: the index file and the message without a report are ignored, tmp/ is skipped",
       doc and doc["inputs"])
    # An mbox over the 64 MiB a single message may hold is read message by message: its
    # reports, after a filler message past the cap that is reported (in MiB) and skipped.
    big = os.path.join(tmp, "big.mbox")
    with open(sc["mbox"], "rb") as src, open(big, "wb") as dst:
        dst.write(b"From filler@example.org Mon Jan  5 00:00:00 2026\nSubject: filler\n\n")
        line = b"x" * 1023 + b"\n"
        for _ in range(65 * 1024):
            dst.write(line)
        dst.write(src.read())
    rc, out, err = run(big, "--format", "json")
    doc = as_json(out)
    ok(doc is not None and doc["inputs"]["reports"] == 15 and source(doc, "54.240.8.10") is not None,
       "an mbox over 64 MiB is read message by message", doc and doc["inputs"])
    ok("a message over 64 MiB" in out + err and "1024 *" not in out + err,
       "the message over the cap is named in MiB, not as a macro's text", (out + err)[-400:])
    os.unlink(big)

    rc, out, err = run(sc["eml"], "--format", "json")
    doc = as_json(out)
    ok(doc is not None and doc["inputs"]["reports"] == 1 and source(doc, "54.240.8.10") is not None,
       ".eml with a gzip attachment (base64)", out[-500:] + err)

    rc, out, err = run(sc["files"], "--format", "json", "--domain", "example.org")
    doc = as_json(out)
    ok(doc is not None and len(doc["sources"]) == 1 and doc["inputs"]["skipped"] == 14,
       "--domain example.org keeps its one report", doc and doc["inputs"])
    rc, out, err = run(sc["files"], "--format", "json", "--since", "2026-05-06", "--domain", "example.com")
    doc = as_json(out)
    ses = doc and source(doc, "54.240.8.10")
    ok(ses is not None and ses["messages"] == 4 * 450 and ses["dkim_aligned"] == ses["messages"] and
       "reports.sender.pass" in codes(doc), "--since 2026-05-06: only aligned SES mail, sender passes", ses)
    rc, out, err = run(sc["files"], "--since", "May 6")
    ok(rc == 64, "--since with a bad date is a usage error", (rc, err))

    rc, out, err = run(sc["files"], "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    ok(rc in (0, 1) and rows and rows[0][:6] == ["domain", "source_ip", "reverse_name", "sender", "messages",
                                                 "dmarc_pass"] and len(rows) == 7,
       "CSV: stable header and one row per source", rows[:2])
    ses_row = [r for r in rows if len(r) > 1 and r[1] == "54.240.8.10"]
    ok(ses_row and ses_row[0][3] == "Amazon SES" and ses_row[0][4] == "3000" and ses_row[0][14] == "2026-05-03"
       and ses_row[0][15] == "2026-05-09", "CSV: the SES row", ses_row)

    rc, out, err = run(sc["files"])
    ok("Amazon SES sent 1,240 messages that failed DKIM alignment from 3 to 5 May 2026" in out and
       "54.240.8.10" in out, "text: table and plain words", out[-1500:])

    # The handwritten fixtures.
    rc, out, err = run(os.path.join(DATA, "rfc9990-google.xml"), os.path.join(DATA, "rfc7489-yahoo.xml"),
                             "--format", "json")
    doc = as_json(out)
    rc9, out9, _ = run(os.path.join(DATA, "rfc9990-google.xml"), "--format", "json")
    doc9 = as_json(out9)
    ok(doc9 is not None and doc9["domains"][0]["format"] == "rfc9990" and doc9["domains"][0]["np"] == "reject",
       "RFC 9990 report: namespace and np read", doc9 and doc9["domains"])
    v6 = doc and source(doc, "2001:db8::25")
    ok(v6 is not None and v6["messages"] == 3, "IPv6 source normalised (2001:db8:0:0::25)", doc and doc["sources"])
    ok(doc is not None and source(doc, "209.85.220.41")["messages"] == 120, "RFC 7489 report with pct read")
    ok(doc is not None and "reports.sender.dmarc_fail" in codes(doc) and rc == 2,
       "SES failing DMARC in one report: an error, exit 2", (rc, codes(doc)))

    # Bad files: per-file errors, the batch goes on.
    bad = {"malformed.xml": "reports.file.malformed", "not-feedback.xml": "reports.file.not_report",
           "notes.txt": "reports.file.not_report", "billion-laughs.xml": "reports.file.dtd",
           "xxe.xml": "reports.file.dtd"}
    args = [os.path.join(DATA, n) for n in bad] + [os.path.join(DATA, "rfc7489-yahoo.xml"), "--format", "json"]
    rc, out, err = run(*args)
    doc = as_json(out)
    got = {os.path.basename(e["path"]): e["code"] for e in (doc or {}).get("errors", [])}
    for name, code in bad.items():
        ok(got.get(name) == code, "%s: %s" % (name, code), got.get(name))
    ok(doc is not None and doc["inputs"]["reports"] == 1 and "/etc/passwd" not in out and "root:" not in out,
       "the good report in the same batch is read; nothing of /etc/passwd", doc and doc["inputs"])

    # CSV has no room for errors: one terminal-safe line each on stderr.
    evil = os.path.join(tmp, "evil\x1b[31m\nname.xml")
    with open(evil, "wb") as f:
        f.write(b"<feedback><report_metadata><org_name>x\x1b]0;pwned\x07</org_name></report_metadata>"
                b"<policy_published><domain>example.com</domain></policy_published>"
                b"<record><row><source_ip>\x1b[2J</source_ip></row></record></feedback>")
    rc, out, err = run(*([os.path.join(DATA, n) for n in bad] + [evil, os.path.join(DATA, "rfc7489-yahoo.xml"),
                                                               "--format", "csv"]))
    lines = err.splitlines()
    ok(len(lines) == len(bad) + 1 and all(l.startswith("emailauth reports: ") for l in lines) and
       all(any(n in l and "[%s]" % c in l for l in lines) for n, c in bad.items()),
       "CSV: each per-file error on stderr, one line with path and code", err)
    ok("\x1b" not in err and "\x07" not in err and "evil?[31m?name.xml" in err and
       "[reports.file.malformed]" in lines[-1], "CSV: error lines are terminal-safe (control bytes in a "
       "name and a value)", lines[-1:])
    ok(len(list(csv.reader(io.StringIO(out)))) == 2 and "reports.file" not in out,
       "CSV: stdout stays rows only", out[:300])

    hostile = make_fixtures.build_hostile(os.path.join(tmp, "hostile"))
    want = {"gzip_bomb": "reports.file.bomb", "zip_bomb": "reports.file.bomb", "deep": "reports.file.too_deep",
            "huge_attr": "reports.file.value_too_long",
            "huge_text": "reports.file.value_too_long", "truncated_gzip": "reports.file.truncated",
            "wrong_content": "reports.file.not_report", "empty": "reports.file.not_report"}
    for name, path in sorted(hostile.items()):
        rc, out, secs, rss = measured(path, os.path.join(DATA, "rfc7489-yahoo.xml"), "--format", "json")
        doc = as_json(out)
        errs = doc["errors"] if doc else []
        ok(len(errs) == 1 and errs[0]["code"] in want[name].split("|") and doc["inputs"]["reports"] == 1,
           "hostile %s: %s, and the next file is still read" % (name, want[name]), (errs, out[-300:]))
        ok(secs < HOSTILE_MAX_SECONDS and rss < HOSTILE_MAX_RSS_KB,
           "hostile %s: bounded (%.2f s, %d KB)" % (name, secs, rss), (secs, rss))

    # Many files: memory stays flat (a thousand copies cost what one does, give or take).
    many = os.path.join(tmp, "many")
    os.makedirs(many)
    reps = sc["reports"]
    for i in range(1000):
        name, data = reps[i % len(reps)]
        with open(os.path.join(many, "%04d-%s" % (i, name)), "wb") as f:
            f.write(data)
    rc1, out1, secs1, rss1 = measured(os.path.join(many, "0000-" + reps[0][0]), "--format", "csv")
    rc2, out2, secs2, rss2 = measured(many, "--format", "csv")
    sanitized = b"__asan_init" in open(EXE, "rb").read()   # ASan's quarantine holds freed memory
    ok(out2.count("\n") == 7 and (sanitized or rss2 < rss1 + 16 * 1024),
       "1000 files: 6 sources, memory %d KB vs %d KB for one file" % (rss2, rss1), (rss1, rss2, out2[:300]))
    done()


if __name__ == "__main__":
    main()
