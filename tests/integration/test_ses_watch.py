"""emailauth ses --watch: re-checks until the records pass, printing only what changed.
Answers come from zone files (--zone) that the test edits while the watch runs."""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ["EA_SRC"], "tests", "lib"))
import tap  # noqa: E402
import schema  # noqa: E402

EMAILAUTH = os.environ["EMAILAUTH"]
T1, T2 = "a" * 32, "b" * 32
KEY = ("p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfc"
       "TNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB")
HEAD = "$ORIGIN example.com.\n$TTL 300\n@ SOA ns h 1 3600 600 86400 60\n"
SES = "$ORIGIN amazonses.com.\n@ SOA ns h 1 3600 600 86400 60\n%s.dkim TXT \"%s\"\n%s.dkim TXT \"%s\"\n" % (T1, KEY, T2, KEY)



def watch_while_fixed(d, *extra):
    """Watches example.com with one token's CNAME published, publishes the second's 2.5 s
    in: (the command, exit code, stdout, stderr, seconds taken)."""
    zone = os.path.join(d, "example.com.zone")
    ses = os.path.join(d, "amazonses.com.zone")
    open(ses, "w").write(SES)
    open(zone, "w").write(HEAD + "%s._domainkey CNAME %s.dkim.amazonses.com.\n" % (T1, T1))
    cmd = [EMAILAUTH, "ses", "example.com", "--zone", zone, "--zone", ses, "--tokens", T1 + "," + T2,
           "--watch", "30", "--interval", "1"]
    start = time.time()
    p = subprocess.Popen(cmd + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    with open(zone, "a") as f:
        f.write("%s._domainkey CNAME %s.dkim.amazonses.com.\n" % (T2, T2))
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return cmd, p.returncode, out, err, time.time() - start


with tempfile.TemporaryDirectory() as d:
    cmd, code, out, err, took = watch_while_fixed(d)
    zone = os.path.join(d, "example.com.zone")
    tap.ok(code == 1, "the watch ends once every record passes (exit 1: warnings only, two tokens given)", out + err)
    tap.ok("ses.dkim.missing -> ses.dkim.ok" in out, "the change is printed as it happens", out)
    tap.ok(out.count("Amazon SES Easy DKIM") == 1, "the full report is printed once, then only changes", out)
    tap.ok(took < 15, "it stops as soon as everything passes (%.1fs)" % took)

    # Time runs out: exit code of the last state.
    open(zone, "w").write(HEAD)
    r = subprocess.run(cmd[:-4] + ["--watch", "2", "--interval", "1"], capture_output=True, text=True, timeout=20)
    tap.ok(r.returncode == 2, "time runs out with records still missing: exit 2", r.stdout + r.stderr)
    tap.ok("stopped:" in r.stdout, "it says it stopped", r.stdout)
    r = subprocess.run(cmd[:-4] + ["--watch", "2", "--interval", "0"], capture_output=True, text=True, timeout=20)
    tap.ok(r.returncode == 64, "a bad --interval is a usage error")
# A resolver or zone file the user got wrong is a usage error (64), not "undetermined" (3).
for bad in (["--resolver", "[::1"], ["--resolver", "300.1.1.1"], ["--zone", "/nonexistent/x.zone"]):
    r = subprocess.run([EMAILAUTH, "ses", "example.com", "--tokens", T1] + bad, capture_output=True,
                       text=True, timeout=20)
    tap.ok(r.returncode == 64 and "emailauth:" in r.stderr, "%s is a usage error (exit 64)" % " ".join(bad),
           r.stdout + r.stderr)

# --format json: the first report and each changed one, a compact document per line, each
# valid against docs/emailauth.schema.json.
with tempfile.TemporaryDirectory() as d:
    cmd, code, out, err, took = watch_while_fixed(d, "--format", "json")
    lines = [line for line in out.splitlines() if line.strip()]
    docs = []
    for line in lines:
        try:
            docs.append(json.loads(line))
        except ValueError:
            pass
    tap.ok(len(lines) == 2 and len(docs) == 2 and [x.get("status") for x in docs] == ["fail", "warn"],
           "--watch --format json: the first report and the changed one, one JSON document per line", out + err)
    schema.check_lines(out, "ses_report", "--watch --format json lines")
tap.done()
