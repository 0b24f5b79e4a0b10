#!/bin/sh
# SPF evaluations per second: emailauth spf against pyspf and mailauth (run.py).
# Usage: bench/spf/run.sh BUILD_DIR [--evals N] [--process-evals N] [--repeat R] [--delay-ms D]
# Needs: root (the DNS bed binds port 53 on 127.x addresses), knot, unbound, python3-spf,
# python3-dnspython, node, and mailauth: npm install --prefix bench
set -e
here=$(dirname "$0")
[ -d "$here/../node_modules/mailauth" ] || npm install --prefix "$here/.." --no-audit --no-fund >&2
exec /usr/bin/python3 "$here/run.py" "$@"
