#!/bin/sh
# Installs, from Debian 12's own packages, what one use of the project needs:
#   scripts/install-deps.sh demo   build and run the program and the demo (make demo)
#   scripts/install-deps.sh test   that, plus everything the tests and benchmarks use (make ci)
#   scripts/install-deps.sh package  the build's, plus debhelper and lintian (make package)
# Run as root (root needs no sudo; another user: sudo, or su -c). Safe to run again: only
# missing packages are installed, and apt shows its progress as it goes.
set -eu
set_name=${1:-test}
case "$set_name" in
demo | test | package) ;;
*) echo "usage: $0 demo|test|package" >&2; exit 64 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo sh "$0" "$@"
	fi
	echo "$0: installing packages needs root: run it as root (su -c 'sh $0 $set_name')" >&2
	exit 1
fi

# Build the library and the program, and run the demo (Knot DNS + unbound on loopback,
# started by tests/integration/bed.py, which waits for them with kdig).
DEMO="
build-essential pkg-config meson ninja-build scdoc
libc-ares-dev libknot-dev libssl-dev libjansson-dev libmicrohttpd-dev libidn2-dev libpsl-dev
libxml2-dev zlib1g-dev libarchive-dev libgoogle-perftools-dev
publicsuffix
knot knot-dnsutils unbound
python3
"
# The tests and benchmarks: libFuzzer and the sanitizers (clang), the reference verifiers,
# openssl (test keys), GNU time (peak memory), man (renders the pages), systemd-analyze
# (checks the unit), the shells whose completions are tried, load generators, and the
# browser test's chromium and Node.js (playwright-core from npm, package-lock.json).
TEST="
clang libclang-rt-14-dev
python3-yaml python3-dkim python3-spf python3-jsonschema python3-nacl python3-dnspython
openssl ca-certificates curl iproute2 time git man-db
systemd bash-completion zsh fish
dnsperf parallel wrk
chromium
"
# Debian packages of our own (make package, debian/).
PACKAGE="debhelper dpkg-dev fakeroot lintian"
PACKAGES=$DEMO
[ "$set_name" = test ] && PACKAGES="$DEMO $TEST"
[ "$set_name" = package ] && PACKAGES="$DEMO $PACKAGE"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The browser test drives chromium from Node.js: the machine's own Node.js when there is
# one, else Debian's nodejs and npm.
if [ "$set_name" = test ] && ! command -v node >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
if [ -n "$missing" ]; then
	echo "== installing (Debian packages):$missing"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
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
if [ "$set_name" = test ] && [ ! -d "$browser_dir/node_modules/playwright-core" ] &&
	command -v npm >/dev/null 2>&1; then
	echo "== npm ci in tests/browser (playwright-core, pinned in package-lock.json)"
	(cd "$browser_dir" && npm ci --no-audit --no-fund)
fi
# mailauth, the npm peer of the differential tests (tests/differential/package-lock.json).
diff_dir="$(dirname "$0")/../tests/differential"
if [ "$set_name" = test ] && [ ! -d "$diff_dir/node_modules/mailauth" ] &&
	command -v npm >/dev/null 2>&1; then
	echo "== npm ci in tests/differential (mailauth, pinned in package-lock.json)"
	(cd "$diff_dir" && npm ci --no-audit --no-fund)
fi
echo "== dependencies ready ($set_name)"
