"""Helpers shared by the bench scripts (bench/*/run.py)."""
import os
import platform


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


def best(runs):
    """The run with the highest rate; each run is (count, right, seconds, cpu seconds)."""
    return max(runs, key=lambda r: r[0] / r[2])
