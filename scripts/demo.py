#!/usr/bin/python3
"""The offline demo (make demo): a broken and a fixed Amazon SES Easy DKIM setup, first
served by real DNS started here on loopback (Knot DNS + unbound, tests/integration/bed.py),
then read from the same zone files with --zone. No packet leaves the machine.
usage: scripts/demo.py BUILD_DIR"""
import os
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
ZONES = os.path.join(EXAMPLES, "zones")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

BROKEN = ("example.com", "e4kejweyq6cuvex4qcqqwjhxcy24telf,zy2jfaqoufk4cnlo74lsorfm35onrqnm,"
                         "xldc6yfvijkg3xv26yueyjeun7pu6ldy")
FIXED_JSON = os.path.join(EXAMPLES, "example.net.identity.json")
EXPECTED_EXIT = {"example.com": 2, "example.net": 0}
TTY = sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def heading(text):
    print("\n" + ("\033[1m%s\033[0m" % text if TTY else text) + "\n" + "=" * len(text), flush=True)


def show_and_run(shown, argv):
    """Prints the command as a user would type it, runs it on this terminal, and returns
    its exit code."""
    print("$ " + " ".join(shlex.quote(a) for a in shown), flush=True)
    code = subprocess.run(argv).returncode
    print(("\033[2m[exit code %d]\033[0m" if TTY else "[exit code %d]") % code, flush=True)
    return code


def zone_texts():
    texts = {}
    for f in sorted(os.listdir(ZONES)):
        if f.endswith(".zone"):
            with open(os.path.join(ZONES, f)) as fh:
                texts[f[:-len(".zone")]] = fh.read()
    return texts


def checks():
    """(domain, arguments) of the two checks."""
    rel = os.path.relpath(FIXED_JSON)
    return [(BROKEN[0], ["ses", BROKEN[0], "--tokens", BROKEN[1]]),
            ("example.net", ["ses", "example.net", "--aws-json", rel])]


def live(binary):
    missing = [t for t in ("knotd", "knotc", "unbound", "kdig")
               if not shutil.which(t) and not os.access("/usr/sbin/" + t, os.X_OK)]
    if missing or os.geteuid() != 0:
        why = "missing " + ", ".join(missing) if missing else "name servers on port 53 need root"
        print("(skipping the live DNS part: %s; run scripts/install-deps.sh and 'sudo make demo')" % why)
        return True
    from bed import Bed
    good = True
    with Bed(zone_texts(), binary=binary) as bed:
        heading("1. Live DNS: Knot DNS serves the zones in examples/zones, unbound resolves at %s"
                % bed.resolver)
        for domain, args in checks():
            args = args + ["--resolver", bed.resolver]
            code = show_and_run(["emailauth"] + args, [binary] + args)
            good &= code == EXPECTED_EXIT[domain]
            print()
    return good


def offline(binary):
    heading("2. Offline: the same check answered from zone files only (--zone)")
    good = True
    for domain, args in checks():
        zone_args = []
        for f in ("%s.zone" % domain, "amazonses.com.zone"):
            zone_args += ["--zone", os.path.relpath(os.path.join(ZONES, f))]
        code = show_and_run(["emailauth"] + args + zone_args, [binary] + args + zone_args)
        good &= code == EXPECTED_EXIT[domain]
        print()
    return good


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    binary = os.path.abspath(os.path.join(sys.argv[1], "tools", "cli", "emailauth"))
    if not os.access(binary, os.X_OK):
        sys.exit("demo: %s is not built (run 'make')" % binary)
    os.chdir(ROOT)
    print("emailauth demo: example.com has a broken SES Easy DKIM setup (one record missing,\n"
          "one mistyped target, one TXT instead of a CNAME); example.net has it right.")
    good = live(binary)
    good &= offline(binary)
    print("demo %s: example.com exits 2 (something is wrong), example.net exits 0 (all correct)."
          % ("done" if good else "FAILED"))
    print("Try your own records before publishing them: see examples/README.md.")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
