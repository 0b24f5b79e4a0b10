#!/usr/bin/python3
"""Runs every test and prints one closing line: 'N passed, N failed'.

What runs, for each --build directory given:
  unit        build/tests/unit/test_*            (TAP on stdout)
  fuzz        build/tests/fuzz/fuzz_X tests/fuzz/corpus/X   (corpus replay)
  scripts     tests/*/test_*.py and tests/*/test_*.sh  (TAP on stdout), with
              EMAILAUTH=<build>/emailauth, EA_BUILD=<build>, EA_SRC=<source root>
Each 'ok'/'not ok' line counts as one test; a program that fails without saying
'not ok' (a crash, a timeout) counts as one failure.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT_S = 900          # one test program, at most
TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")


def run_one(label, cmd, env, results, verbose):
    start = time.time()
    try:
        p = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT_S)
        out, code = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace") + "\n(timed out)"
        code = -1
    passed = failed = 0
    failures = []
    for line in out.splitlines():
        m = TAP_LINE.match(line)
        if not m:
            continue
        if m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
            failures.append(line)
    if code != 0 and failed == 0:
        failed += 1
        failures.append("not ok - %s exited with %d" % (label, code))
    results.append((label, passed, failed))
    took = time.time() - start
    status = "FAIL" if failed else "ok"
    print("%-4s %-60s %4d passed %3d failed  %6.1fs" % (status, label, passed, failed, took), flush=True)
    if failed or verbose:
        tail = out.splitlines()[-60:] if not verbose else out.splitlines()
        for line in tail:
            print("     | " + line)
    return failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", default=[])
    ap.add_argument("--filter", default="", help="only tests whose label contains this")
    ap.add_argument("--skip-scripts", action="store_true", help="unit and fuzz only")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    builds = args.build or ["build"]
    results = []
    for build in builds:
        build = os.path.abspath(build)
        tag = os.path.basename(build)
        env = dict(os.environ)
        env["EMAILAUTH"] = os.path.join(build, "tools", "cli", "emailauth")
        env["EA_BUILD"] = build
        env["EA_SRC"] = ROOT
        if "asan" in tag:
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
            env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        for exe in sorted(glob.glob(os.path.join(build, "tests", "unit", "test_*"))):
            if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
                continue
            label = "%s: unit/%s" % (tag, os.path.basename(exe))
            if args.filter in label:
                run_one(label, [exe], env, results, args.verbose)
        for exe in sorted(glob.glob(os.path.join(build, "tests", "fuzz", "fuzz_*"))):
            if not os.path.isfile(exe) or not os.access(exe, os.X_OK):
                continue
            name = os.path.basename(exe)
            corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", name[len("fuzz_"):])
            label = "%s: fuzz-replay/%s" % (tag, name)
            if args.filter in label:
                run_one(label, [exe, corpus], env, results, args.verbose)
        if args.skip_scripts:
            continue
        scripts = sorted(glob.glob(os.path.join(ROOT, "tests", "*", "test_*.py")) +
                         glob.glob(os.path.join(ROOT, "tests", "*", "test_*.sh")))
        for script in scripts:
            rel = os.path.relpath(script, os.path.join(ROOT, "tests"))
            label = "%s: %s" % (tag, rel)
            if args.filter not in label:
                continue
            cmd = ["/usr/bin/python3", script] if script.endswith(".py") else ["bash", script]
            run_one(label, cmd, env, results, args.verbose)
    passed = sum(r[1] for r in results)
    failed = sum(r[2] for r in results)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
