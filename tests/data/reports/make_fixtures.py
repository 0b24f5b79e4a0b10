#!/usr/bin/python3
"""Builds the binary and container fixtures for `emailauth reports` at test time:
real-shaped daily reports (gzip from one reporter, zip from another), the same
inside an .eml, an mbox and a maildir, and the hostile files (bombs, deep nesting,
huge values, truncated gzip). The XML fixtures beside this file are handwritten.

The scenario, for example.com, 1 to 9 May 2026:
  Amazon SES (54.240.8.10 seen by google.com, 54.240.8.11 by Yahoo) fails DKIM
  alignment from 3 to 5 May (1,240 messages), then aligns from 6 May;
  Google Workspace (209.85.220.41) aligns every day;
  an unknown source (203.0.113.66) sends as example.com and fails on 4 and 7 May;
  a forwarder (198.51.100.20) keeps the DKIM signature: passes DMARC, fails SPF.
Plus one report for example.org (for --domain).
"""
import calendar
import email.mime.application
import email.mime.multipart
import email.mime.text
import gzip
import io
import os
import sys
import zipfile

DAY = 86400
SES_FAILING = {3: (400, 13), 4: (400, 13), 5: (400, 14)}   # google, yahoo counts
SES_FIXED = (450, 50)


def day_start(d):
    return calendar.timegm((2026, 5, d, 0, 0, 0))


def record(ip, count, dkim_aligned, spf_aligned, dkim_domains, spf_domain, disposition="none"):
    dkim = "".join(
        "<dkim><domain>%s</domain><selector>s1</selector><result>%s</result></dkim>" % (d, r)
        for d, r in dkim_domains)
    return ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>%s</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>"
            "<identifiers><header_from>example.com</header_from></identifiers>"
            "<auth_results>%s<spf><domain>%s</domain><scope>mfrom</scope><result>pass</result></spf>"
            "</auth_results></record>\n" % (
                ip, count, disposition, "pass" if dkim_aligned else "fail",
                "pass" if spf_aligned else "fail", dkim, spf_domain))


def report(org, day, records, domain="example.com", rfc9990=False):
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if rfc9990 else ""
    begin = day_start(day)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feedback%s>\n'
            "<report_metadata><org_name>%s</org_name><email>dmarc@%s</email>"
            "<report_id>%s-%d</report_id><date_range><begin>%d</begin><end>%d</end></date_range>"
            "</report_metadata>\n<policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf>"
            "<p>none</p><sp>none</sp></policy_published>\n%s</feedback>\n" % (
                ns, org, org.lower(), org, day, begin, begin + DAY - 1, domain,
                "".join(records))).encode()


def scenario_reports():
    """[(file name, bytes)] of the daily reports, gzip (google.com) and zip (Yahoo)."""
    out = []
    for day in range(3, 10):
        for k, org, ses_ip in ((0, "google.com", "54.240.8.10"), (1, "Yahoo", "54.240.8.11")):
            recs = []
            if day in SES_FAILING:
                recs.append(record(ses_ip, SES_FAILING[day][k], False, False,
                                   [("example.com", "fail"), ("amazonses.com", "pass")], "amazonses.com"))
            else:
                recs.append(record(ses_ip, SES_FIXED[k], True, False,
                                   [("example.com", "pass"), ("amazonses.com", "pass")], "amazonses.com"))
            if k == 0:
                recs.append(record("209.85.220.41", 120, True, True, [("example.com", "pass")], "example.com"))
                recs.append(record("198.51.100.20", 5, True, False, [("example.com", "pass")], "lists.example.net"))
            if day in (4, 7) and k == 1:
                recs.append(record("203.0.113.66", 7, False, False, [], "spoofer.example"))
            xml = report(org, day, recs, rfc9990=(k == 0))
            begin = day_start(day)
            name = "%s!example.com!%d!%d" % (org.lower(), begin, begin + DAY - 1)
            if k == 0:
                out.append((name + ".xml.gz", gzip.compress(xml)))
            else:
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                    z.writestr(name + ".xml", xml)
                out.append((name + ".zip", buf.getvalue()))
    other = report("google.com", 5, [record("192.0.2.50", 9, True, True, [("example.org", "pass")], "example.org")],
                   domain="example.org")
    out.append(("google.com!example.org!5.xml.gz", gzip.compress(other)))
    return out


def message(attachments, subject="Report domain: example.com"):
    m = email.mime.multipart.MIMEMultipart()
    m["From"] = "noreply-dmarc-support@google.com"
    m["To"] = "dmarc@example.com"
    m["Subject"] = subject
    m.attach(email.mime.text.MIMEText("This is an aggregate report.\n"))
    for name, data in attachments:
        sub = "zip" if name.endswith(".zip") else "gzip"
        part = email.mime.application.MIMEApplication(data, _subtype=sub)
        part.add_header("Content-Disposition", "attachment", filename=name)
        m.attach(part)
    return m.as_bytes()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def build_scenario(root):
    """The scenario as plain files in root/files, and as mail in root/mail.eml,
    root/mail.mbox and root/maildir. Returns the paths."""
    reps = scenario_reports()
    files = os.path.join(root, "files")
    os.makedirs(files, exist_ok=True)
    for name, data in reps:
        write(os.path.join(files, name), data)
    eml = write(os.path.join(root, "one.eml"), message(reps[:1]))
    mbox = b""
    for i in range(0, len(reps), 2):
        mbox += b"From dmarc@example.net Sat May  9 00:00:00 2026\n" + message(reps[i:i + 2]) + b"\n"
    mbox_path = write(os.path.join(root, "reports.mbox"), mbox)
    maildir = os.path.join(root, "maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    for i, rep in enumerate(reps):
        sub = "cur" if i % 2 else "new"
        write(os.path.join(maildir, sub, "1778300000.M%dP1.host:2,S" % i), message([rep]))
    write(os.path.join(maildir, "tmp", "half-written"), b"From: x\n")
    write(os.path.join(maildir, "dovecot.index.log"), b"\x00\x01binary index")
    write(os.path.join(maildir, "cur", "1778300999.M9P1.host:2,S"),
          b"From: friend@example.net\nSubject: hello\n\nNo attachment here.\n")
    return {"files": files, "eml": eml, "mbox": mbox_path, "maildir": maildir, "reports": reps}


def build_hostile(root):
    """Hostile files; returns {name: path}."""
    os.makedirs(root, exist_ok=True)
    h = {}
    # Decompression bombs: a valid start, then 200 MB of white space.
    body = b"<feedback>" + b" " * (200 * 1024 * 1024)
    h["gzip_bomb"] = write(os.path.join(root, "bomb.xml.gz"), gzip.compress(body, 9))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.xml", body)
    h["zip_bomb"] = write(os.path.join(root, "bomb.zip"), buf.getvalue())
    del body
    h["deep"] = write(os.path.join(root, "deep.xml"), b"<feedback>" + b"<a>" * 200000)
    h["huge_attr"] = write(os.path.join(root, "huge-attr.xml"),
                           b'<feedback x="' + b"A" * (30 * 1024 * 1024) + b'"></feedback>')
    meta = (b"<feedback><report_metadata><org_name>" + b"x" * (8 * 1024 * 1024) +
            b"</org_name></report_metadata></feedback>")
    h["huge_text"] = write(os.path.join(root, "huge-text.xml"), meta)
    good = gzip.compress(report("google.com", 3, [
        record("54.240.8.10", 1, True, True, [("example.com", "pass")], "example.com")]))
    h["truncated_gzip"] = write(os.path.join(root, "truncated.xml.gz"), good[:len(good) // 2])
    h["wrong_content"] = write(os.path.join(root, "picture.xml.gz"), b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    h["empty"] = write(os.path.join(root, "empty.xml"), b"")
    return h


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "reports-fixtures"
    print(build_scenario(os.path.join(out, "scenario"))["files"])
    print(build_hostile(os.path.join(out, "hostile")))
