#!/bin/sh
# make package: the Debian packages emailauth, libemailauth0 and libemailauth-dev, built
# with `dpkg-buildpackage -b -us -uc` from a copy of this tree in build-deb/ (so nothing
# is written beside the clone), then checked by lintian. The .deb files end in build-deb/.
# Build dependencies (debian/control) missing: scripts/install-deps.sh package (root).
set -eu
cd "$(dirname "$0")/.."
out=build-deb
version=$(dpkg-parsechangelog -S Version)
if ! dpkg-checkbuilddeps 2>/dev/null || ! command -v lintian >/dev/null 2>&1; then
	sh ./scripts/install-deps.sh package
fi
rm -rf "$out"
mkdir -p "$out/emailauth-$version"
# The tree as it is (uncommitted changes too), without builds, npm's folder or git.
tar --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=node_modules \
	--exclude=./tests/artifacts -cf - . | tar -C "$out/emailauth-$version" -xf -
(cd "$out/emailauth-$version" && dpkg-buildpackage -b -us -uc)
changes=$(ls "$out"/emailauth_"$version"_*.changes)
echo "== lintian $changes"
lintian --fail-on error --display-info "$changes"
echo "== packages in $out/:"
ls -1 "$out"/*.deb
