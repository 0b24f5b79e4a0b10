# A thin wrapper over meson, so the README's commands stay short.
BUILD ?= build
MESON_OPTS ?=
PREFIX ?= /usr/local

.PHONY: all deps deps-demo build test test-asan ci demo install package package-fresh fuzz clean bench

all: build

# What the build and the demo need (small), and what the tests need on top (chromium,
# Node.js, load generators, ...). Both as root; see scripts/install-deps.sh.
deps-demo:
	sh ./scripts/install-deps.sh demo

deps:
	sh ./scripts/install-deps.sh test

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix $(PREFIX) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	./tests/run.py --build $(BUILD)

build-asan/build.ninja:
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true

test-asan: build-asan/build.ninja
	ninja -C build-asan
	./tests/run.py --build build-asan

# Everything CI does, from a clean clone on Debian 12: install, build with -Werror,
# run every test, then every test again under ASan and UBSan. Its last line is the
# runner's 'N passed, N failed' (scripts/ci.sh).
ci: deps
	@./scripts/ci.sh

# The main job, offline: install what the build needs, build, then a broken and a fixed
# SES setup served by DNS servers the demo starts on loopback.
demo: deps-demo build
	./scripts/demo.sh $(BUILD)

# The program, library, headers, pkg-config file, man pages, completions and systemd unit
# under PREFIX (/usr/local unless the build directory was set up otherwise); DESTDIR works.
install: build
	meson install -C $(BUILD) --no-rebuild

# Debian packages (emailauth, libemailauth0, libemailauth-dev) in build-deb/, then lintian.
package:
	./scripts/package.sh

# Those packages installed and used in a fresh Debian 12 root (debootstrap; root, network).
package-fresh: package
	./scripts/package-fresh.sh

bench: build
	./bench/run-all.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz

# Differential runs against pyspf, dkimpy and mailauth (tests/differential): N cases per
# area, SEED to vary them; every disagreement must be in tests/differential/known.yml.
N ?= 1000
SEED ?= 1
.PHONY: differential
differential: build
	EMAILAUTH=$(BUILD)/tools/cli/emailauth ./tests/differential/run.py --n $(N) --seed $(SEED)
