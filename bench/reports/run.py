#!/usr/bin/python3
"""Reports per second: `emailauth reports` against the ceiling of a plain libxml2 loop
(parsedmarc is not packaged in Debian 12, so it cannot be the peer here). No DNS.
Usage: bench/reports/run.py [BUILD_DIR] [REPORTS] [RECORDS]"""
import glob
import gzip
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = 3


def best(cmd):
    """Fastest wall time of RUNS runs."""
    times = []
    for _ in range(RUNS):
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        p.wait()
        times.append(time.monotonic() - t0)
    return min(times)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    n = sys.argv[2] if len(sys.argv) > 2 else "2000"
    r = sys.argv[3] if len(sys.argv) > 3 else "50"
    work = tempfile.mkdtemp(prefix="ea-bench-reports-")
    corpus = os.path.join(work, "corpus")
    subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus, n, r], check=True)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libxml-2.0", "zlib"], capture_output=True,
                           text=True, check=True).stdout.split()
    ceiling = os.path.join(work, "xml_ceiling")
    subprocess.run(["cc", "-O2", "-o", ceiling, os.path.join(HERE, "xml_ceiling.c")] + flags, check=True)
    files = sorted(glob.glob(os.path.join(corpus, "*.xml.gz")))
    xml_bytes = sum(len(gzip.decompress(open(f, "rb").read())) for f in files)
    ea_s = best([os.path.join(build, "tools", "cli", "emailauth"), "reports", "--no-dns", "--format", "csv",
                         corpus])
    ceil_s = best([ceiling] + files)
    n = len(files)
    print("corpus: %d reports x %s records, %.1f MB of XML" % (n, r, xml_bytes / 1e6))
    print("emailauth reports : %6.3f s  %7.0f reports/s  %6.1f MB/s" % (ea_s, n / ea_s, xml_bytes / 1e6 / ea_s))
    print("libxml2 ceiling   : %6.3f s  %7.0f reports/s  %6.1f MB/s" % (ceil_s, n / ceil_s, xml_bytes / 1e6 / ceil_s))
    # Memory: time(1) -f %M on the emailauth command above (a forked Python's pages would
    # count here before exec, so it is not measured from Python).
    subprocess.run(["rm", "-rf", work], check=False)


main()
