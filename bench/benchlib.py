"""Helpers shared by the bench scripts (bench/*/run.py)."""
import os
import platform
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))


def machine():
    """The machine a figure was measured on: cores, CPU model, memory, platform."""
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return "%d cores (nproc), %s, %.0f GiB memory, %s" % (
        os.cpu_count(), model, mem_kb / 1024 / 1024, platform.platform())


def emailauth_and_mailauth(build):
    """The built emailauth program, once it and the mailauth peer are known to be there;
    else the bench stops and says what to do."""
    exe = os.path.abspath(os.path.join(build, "tools", "cli", "emailauth"))
    if not os.access(exe, os.X_OK):
        sys.exit("no emailauth binary at %s: build first (ninja -C %s)" % (exe, build))
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "mailauth")):
        sys.exit("mailauth is not installed: npm install --prefix %s" % BENCH)
    return exe


def best(runs):
    """The run with the highest rate; each run is (count, right, seconds, cpu seconds)."""
    return max(runs, key=lambda r: r[0] / r[2])
