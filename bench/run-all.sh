#!/bin/sh
# Every benchmark, against DNS servers started on loopback: `bench/run-all.sh BUILD_DIR`
# (or `make bench`). Prints each figure and its ratio to the peer measured in the same run.
set -u
BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
status=0
echo "== scan: throughput, memory, latency"
/usr/bin/python3 "$HERE/scan_bench.py" "$BUILD" || status=1
# The other benches, when their authors have added them.
for b in spf verify serve; do
	for f in "$HERE/$b/run.sh" "$HERE/$b.sh" "$HERE/$b/run.py"; do
		if [ -f "$f" ]; then
			echo "== $b"
			case "$f" in *.py) /usr/bin/python3 "$f" "$BUILD" ;; *) sh "$f" "$BUILD" ;; esac || status=1
			break
		fi
	done
done
exit $status
