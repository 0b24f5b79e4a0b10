#!/bin/sh
# Installs everything the build, the demo, the tests and the benchmarks need, from
# Debian 12's packages. Run as root (or through sudo). Safe to run again.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	exec sudo sh "$0" "$@"
fi
PACKAGES="
build-essential pkg-config meson ninja-build scdoc clang libclang-rt-14-dev
libc-ares-dev libknot-dev libssl-dev libjansson-dev libmicrohttpd-dev libidn2-dev libpsl-dev
libxml2-dev zlib1g-dev libarchive-dev libgoogle-perftools-dev
publicsuffix
knot knot-dnsutils unbound
python3 python3-yaml python3-dkim python3-spf
curl iproute2
dnsperf parallel
chromium wrk
"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The browser test drives chromium from Node.js; the machine's own Node.js is used when
# there is one (Debian's nodejs and npm otherwise).
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Debian starts these services on install where systemd runs; our tests and the demo run
# their own instances on 127.x addresses, so the system's copies are stopped (only those).
for s in knot unbound; do
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$s" 2>/dev/null; then
		systemctl stop "$s" || true
	fi
done
# Playwright's library (playwright-core: no browser download) for tests/browser.
browser_dir="$(dirname "$0")/../tests/browser"
if [ ! -d "$browser_dir/node_modules/playwright-core" ] && command -v npm >/dev/null 2>&1; then
	(cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "dependencies ready"
