#!/usr/bin/python3
"""Help that helps, and the Nagios plugin output, from the real binary.

Help: each command's --help (and `help COMMAND`) with examples, the nearest command or
option for a typo, an option missing its value, -V/--version/version, exit 64 for
every usage error. Nagios (--format nagios for ses, check, spf) against real DNS
servers (tests/integration/bed.py): one status line 'EMAILAUTH STATE - ... | perfdata'
and the plugin exit codes for pass (OK 0), warn (WARNING 1), fail (CRITICAL 2) and a
lookup that timed out (UNKNOWN 3)."""
import os
import re
import subprocess
import sys

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from bed import Bed, txt_rdata  # noqa: E402
import ses_data as sd  # noqa: E402
from tap import ok, done  # noqa: E402

EMAILAUTH = os.environ.get("EMAILAUTH", os.path.join(SRC, "build", "tools", "cli", "emailauth"))
# 'EMAILAUTH STATE - text | label=value[UOM];warn;crit;min;max ...' (Nagios plugin guidelines)
NAGIOS_LINE = re.compile(r"^EMAILAUTH (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| "
                         r"((?:[a-z_]+=[0-9.]+s?;;;0 ?)+)$")
NAGIOS_EXIT = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def run(*args):
    p = subprocess.run([EMAILAUTH] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=30)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def test_help():
    for args in (["ses", "--help"], ["ses", "example.com", "-h"], ["help", "ses"], ["ses", "--bogus", "--help"]):
        code, out, err = run(*args)
        ok(code == 0 and out.startswith("usage: emailauth ses DOMAIN --tokens") and "Examples:" in out
           and "emailauth ses example.com --tokens" in out and "global" not in err,
           "%s: the ses usage with examples, exit 0" % " ".join(args), out[:400] + err)
    code, out, _ = run("--help")
    ok(code == 0 and "Commands:" in out and "help COMMAND" in out, "--help: the commands, exit 0")
    code, out, err = run()
    ok(code == 64 and "usage: emailauth" in err, "no command: the usage on stderr, exit 64", err)
    for flag in ("-V", "--version", "version"):
        code, out, _ = run(flag)
        ok(code == 0 and re.match(r"^emailauth \d+\.\d+\.\d+", out), "%s prints the version" % flag, out)

    usage = [
        (["sse", "example.com"], "did you mean ses?"),
        (["chekc", "example.com"], "did you mean check?"),
        (["example.com"], "emailauth check example.com"),
        (["help", "spff"], "did you mean spf?"),
        (["--trace", "check", "example.com"], "options go after it"),
        (["ses", "example.com", "--tokns", "a,b,c"], "did you mean --tokens?"),
        (["check", "example.com", "--selecter", "s1"], "did you mean --selector?"),
        (["spf", "example.com", "--timout", "3"], "did you mean --timeout?"),
        (["ses", "example.com", "--ip", "192.0.2.1"], "is an option of 'emailauth spf'"),
        (["ses", "example.com", "--tokens"], "--tokens needs a value: the three SES tokens, comma-separated"),
        (["ses", "example.com", "--tokens="], "--tokens needs a value"),
        (["ses", "example.com", "--tokens", "--region", "eu-west-1"], "--tokens needs a value"),
        (["check", "example.com", "--resolver"], "--resolver needs a value"),
        (["spf", "--ip", "192.0.2.1", "--sender"], "--sender needs a value"),
        (["scan", "domains.txt", "-o"], "--output needs a value"),
        (["verify", "--format", "nagios", "m.eml"], "--format for 'verify' is one of text, json"),
        (["ses", "example.com", "--format"], "--format needs a value: one of text, json, nagios"),
        (["ses", "example.com", "--trace=yes"], "--trace takes no value"),
        (["serve", "--bogus"], "unknown option '--bogus' for 'serve'"),
        (["ses", "example.com", "--tokens", "a,b,c", "--watch", "--format", "nagios"], "a Nagios plugin answers once"),
        (["spf", "--batch", "-", "--format", "nagios"], "a Nagios plugin answers once"),
    ]
    for args, want in usage:
        code, out, err = run(*args)
        ok(code == 64 and want in err and out == "", "%s: exit 64, says %r" % (" ".join(args), want),
           "exit %d\n%s%s" % (code, out, err))
    code, out, err = run("ses", "example.com", "--tokens")
    ok("see 'emailauth ses --help'" in err, "a usage error points at the command's own help", err)


def spf(owner, text):
    return "%s 300 IN TXT %s\n" % (owner, txt_rdata(text))


def nagios(bed, *args):
    code, out, err = bed.run(*args, "--format", "nagios")
    lines = out.splitlines()
    m = NAGIOS_LINE.match(lines[0]) if lines else None
    return code, m, lines, err


def test_nagios(bed, toks):
    cases = [
        ("spf pass", ["spf", "pass-shop.com"], "OK"),
        ("spf warn (?all)", ["spf", "warn-shop.com"], "WARNING"),
        ("spf fail (include of nothing)", ["spf", "fail-shop.com"], "CRITICAL"),
        ("spf unknown (timeout)", ["spf", "slow-shop.com", "--timeout", "2"], "UNKNOWN"),
        ("ses pass", ["ses", "ses-shop.com", "--tokens", ",".join(toks)], "OK"),
        ("ses fail (a CNAME missing)", ["ses", "fail-shop.com", "--tokens", ",".join(toks)], "CRITICAL"),
        ("ses unknown (timeout)", ["ses", "slow-shop.com", "--tokens", ",".join(toks), "--timeout", "2"], "UNKNOWN"),
        ("check", ["check", "pass-shop.com"], None),
    ]
    for label, args, want in cases:
        code, m, lines, err = nagios(bed, *args)
        state = m.group(1) if m else None
        ok(m is not None and (want is None or state == want) and code == NAGIOS_EXIT.get(state),
           "nagios %s: %s, exit %s" % (label, want or "a status line", NAGIOS_EXIT.get(want, "by state")),
           "exit %d\n%s\n%s" % (code, "\n".join(lines), err))
        if m is None:
            continue
        perf = dict(p.split("=", 1) for p in m.group(2).split())
        ok({"time", "lookups", "errors", "warnings", "unknown"} <= set(perf),
           "nagios %s: perfdata time, lookups, errors, warnings, unknown" % label, perf)
        ok(all("|" not in l for l in lines[1:]) and len(lines) - 1 <= 21,
           "nagios %s: the problem lines hold no '|'" % label, lines)
        if want in ("WARNING", "CRITICAL", "UNKNOWN"):
            ok(any(l.startswith(want + " ") for l in lines[1:]), "nagios %s: the problem on its own line" % label,
               lines)
    code, m, lines, err = nagios(bed, "check", "pass-shop.com")
    ok(m and "checks=" in lines[0] and re.search(r"\d+ of \d+ checks pass", lines[0]),
       "nagios check: how many sections pass, and checks= in the perfdata", lines[:1])


def main():
    test_help()
    toks = sd.tokens("nagios")
    keys = sd.Keys()
    keys.publish(toks)
    zones = {
        "pass-shop.com": spf("@", "v=spf1 ip4:192.0.2.1 -all"),
        "warn-shop.com": spf("@", "v=spf1 ip4:192.0.2.1 ?all"),
        "fail-shop.com": spf("@", "v=spf1 include:nothere.fail-shop.com -all") + sd.cnames(toks[:2]),
        "ses-shop.com": sd.cnames(toks),
    }
    zones.update(keys.zones())
    with Bed(zones, timeout_zones=["slow-shop.com"]) as bed:
        test_nagios(bed, toks)
    done()


if __name__ == "__main__":
    main()
