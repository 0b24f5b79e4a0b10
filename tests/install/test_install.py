#!/usr/bin/python3
"""make install / meson install, as a user of the library meets it: the build installs into
a DESTDIR the program, the shared library, the headers, emailauth.pc, the man pages, the
completions and the systemd unit; examples/program/ses_check.c compiles with
`pkg-config --cflags --libs emailauth` against that copy and checks the demo zones; the
unit passes `systemd-analyze verify` and `systemd-analyze security` keeps its exposure low
(where systemd-analyze is installed; scripts/install-deps.sh test installs it)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("EA_SRC", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.environ.get("EA_BUILD", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tap import ok, done  # noqa: E402

EXAMPLES = os.path.join(SRC, "examples")
BROKEN_TOKENS = ("e4kejweyq6cuvex4qcqqwjhxcy24telf,zy2jfaqoufk4cnlo74lsorfm35onrqnm,"
                 "xldc6yfvijkg3xv26yueyjeun7pu6ldy")
HARDENING = ["DynamicUser=yes", "ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes",
             "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "CapabilityBoundingSet=\n",
             "MemoryMax="]
EXPOSURE_MAX = 2.0     # systemd-analyze security: 1.2 when written (docs/install.md)
STEP_TIMEOUT_S = 300


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=STEP_TIMEOUT_S, **kw)


def build_options():
    with open(os.path.join(BUILD, "meson-info", "intro-buildoptions.json")) as f:
        return {o["name"]: o["value"] for o in json.load(f)}


def skip(desc, reason):
    ok(True, "%s # SKIP %s" % (desc, reason))


def main():
    opts = build_options()
    prefix, libdir = opts["prefix"], opts["libdir"]
    with tempfile.TemporaryDirectory(prefix="ea-install-") as dest:
        p = run(["meson", "install", "-C", BUILD, "--no-rebuild", "--quiet", "--destdir", dest])
        if not ok(p.returncode == 0, "meson install into a DESTDIR", p.stdout + p.stderr):
            done()
        root = dest + prefix
        lib = os.path.join(root, libdir) if not os.path.isabs(libdir) else dest + libdir
        ok(os.access(os.path.join(root, opts["bindir"], "emailauth"), os.X_OK), "the program is installed")
        ok(os.path.exists(os.path.join(lib, "libemailauth.so.0")), "the shared library, soname libemailauth.so.0")
        ok(os.path.exists(os.path.join(root, "include", "emailauth", "emailauth.h")), "the public headers")
        pc = os.path.join(lib, "pkgconfig", "emailauth.pc")
        ok(os.path.exists(pc), "emailauth.pc")
        pages = os.listdir(os.path.join(root, opts["mandir"], "man1")) if os.path.isdir(
            os.path.join(root, opts["mandir"], "man1")) else []
        if shutil.which("scdoc"):
            ok("emailauth.1" in pages and "emailauth-serve.1" in pages, "the man pages", pages)
        share = os.path.join(root, opts["datadir"])
        ok(os.path.exists(os.path.join(share, "bash-completion", "completions", "emailauth")) and
           os.path.exists(os.path.join(share, "fish", "vendor_completions.d", "emailauth.fish")),
           "the bash and fish completions")
        units = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "emailauth.service"]
        ok(len(units) == 1, "the systemd unit", units)
        example(dest, pc, lib, opts)
        if units:
            unit(dest, units[0], root, opts)
    done()


def example(dest, pc, lib, opts):
    """The example program, built as its comment says, against the DESTDIR copy."""
    if shutil.which("pkg-config") is None or not os.path.exists(pc):
        ok(False, "pkg-config and emailauth.pc are there to build the example")
        return
    # The .pc file names the real prefix; point it at the DESTDIR copy.
    flags = run(["pkg-config", "--define-variable=prefix=" + dest + opts["prefix"],
                 "--cflags", "--libs", "emailauth"], env=dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc)))
    ok(flags.returncode == 0 and "-lemailauth" in flags.stdout, "pkg-config --cflags --libs emailauth",
       flags.stdout + flags.stderr)
    cflags = ["-std=c17", "-Wall", "-Wextra", "-Werror"]
    if opts.get("b_sanitize", "none") != "none":
        cflags.append("-fsanitize=" + opts["b_sanitize"])   # the library is instrumented
    exe = os.path.join(dest, "ses_check")
    p = run(["cc"] + cflags + [os.path.join(EXAMPLES, "program", "ses_check.c")] + flags.stdout.split() +
            ["-o", exe])
    if not ok(p.returncode == 0, "examples/program/ses_check.c builds against the installed library",
              p.stdout + p.stderr):
        return
    env = dict(os.environ, LD_LIBRARY_PATH=lib)
    zones = os.path.join(EXAMPLES, "zones")
    with open(os.path.join(EXAMPLES, "example.net.identity.json")) as f:
        fixed_tokens = ",".join(json.load(f)["DkimAttributes"]["Tokens"])
    p = run([exe, "example.com", BROKEN_TOKENS, os.path.join(zones, "example.com.zone"),
             os.path.join(zones, "amazonses.com.zone")], env=env)
    ok(p.returncode == 2 and "example.com: FAIL" in p.stdout, "the example finds the broken setup (exit 2)",
       "exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    p = run([exe, "example.net", fixed_tokens, os.path.join(zones, "example.net.zone"),
             os.path.join(zones, "amazonses.com.zone")], env=env)
    ok(p.returncode == 0, "the example passes the fixed setup (exit 0)",
       "exit %d\n%s%s" % (p.returncode, p.stdout, p.stderr))
    p = run([exe, "example.com"], env=env)
    ok(p.returncode == 64 and "usage" in p.stderr, "the example prints its usage (exit 64)", p.stderr)


def unit(dest, path, root, opts):
    with open(path) as f:
        text = f.read()
    exec_start = re.search(r"^ExecStart=(\S+) serve", text, re.M)
    program = os.path.join(opts["prefix"], opts["bindir"], "emailauth")
    ok(exec_start is not None and exec_start.group(1) == program, "the unit runs the installed program",
       exec_start.group(0) if exec_start else text)
    missing = [h for h in HARDENING if h not in text]
    ok(not missing, "the unit has the hardening systemd offers", missing)
    ok(not re.search(r"^User=root|^DynamicUser=no", text, re.M), "the unit never runs serve as root")
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        skip("systemd-analyze verify", "systemd is not installed (scripts/install-deps.sh test installs it)")
        return
    # verify checks that ExecStart exists: the copy names the DESTDIR's program.
    local = os.path.join(dest, "emailauth.service")
    with open(local, "w") as f:
        f.write(text.replace("ExecStart=" + program, "ExecStart=" + dest + program))
    p = run([analyze, "verify", "--man=no", local])
    ok(p.returncode == 0 and not p.stderr.strip(), "systemd-analyze verify emailauth.service",
       p.stdout + p.stderr)
    p = run([analyze, "security", "--offline=true", "--no-pager", local])
    level = re.search(r"Overall exposure level for emailauth.service: ([0-9.]+)", p.stdout)
    ok(level is not None and float(level.group(1)) <= EXPOSURE_MAX,
       "systemd-analyze security: exposure %s (at most %.1f)" % (level.group(1) if level else "?", EXPOSURE_MAX),
       p.stdout[-1500:] + p.stderr)


main()
