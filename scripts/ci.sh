#!/bin/sh
# make ci, after the dependencies: build with -Werror, build again with ASan+UBSan, run
# every test in both. The runner's count line 'N passed, N failed' is the last line
# printed; the exit status is 0 only when nothing failed (and every build succeeded).
set -u
cd "$(dirname "$0")/.."
fail() {
	echo "$1" >&2
	echo "0 passed, 1 failed"
	exit 1
}
if [ -f build/build.ninja ]; then
	meson setup build -Dwerror=true --reconfigure >/dev/null || fail "meson setup build failed"
else
	meson setup build -Dwerror=true || fail "meson setup build failed"
fi
ninja -C build || fail "the build failed"
if [ ! -f build-asan/build.ninja ]; then
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true ||
		fail "meson setup build-asan failed"
fi
ninja -C build-asan || fail "the ASan+UBSan build failed"
exec ./tests/run.py --build build --build build-asan
