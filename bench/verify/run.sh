#!/bin/sh
# Messages verified per second: emailauth verify against dkimpy and mailauth (run.py).
# Usage: bench/verify/run.sh BUILD_DIR [--messages N] [--repeat R] [--process-sample N]
# Needs: root (the DNS bed binds port 53 on 127.x addresses), knot, unbound, python3-dkim,
# python3-nacl, python3-dnspython, node, and mailauth: npm install --prefix bench
set -e
here=$(dirname "$0")
[ -d "$here/../node_modules/mailauth" ] || npm install --prefix "$here/.." --no-audit --no-fund >&2
exec /usr/bin/python3 "$here/run.py" "$@"
