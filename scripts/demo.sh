#!/bin/sh
# make demo: a broken and a fixed SES Easy DKIM setup, checked over DNS served on loopback
# (Knot DNS + unbound, started and stopped here), then offline from zone files. No network.
# usage: scripts/demo.sh BUILD_DIR
set -eu
exec /usr/bin/python3 "$(dirname "$0")/demo.py" "${1:-build}"
