# A thin wrapper over meson, so the README's commands stay short.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build test test-asan ci demo fuzz clean bench

all: build

deps:
	sh ./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

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
# run every test, then every test again under ASan and UBSan. Ends 'N passed, N failed'.
ci: deps
	meson setup build -Dwerror=true --reconfigure 2>/dev/null || meson setup build -Dwerror=true
	ninja -C build
	$(MAKE) build-asan/build.ninja
	ninja -C build-asan
	./tests/run.py --build build --build build-asan

# The main job, offline: install, build, then a broken and a fixed SES setup served by DNS
# servers the demo starts on loopback.
demo: deps build
	./scripts/demo.sh $(BUILD)

bench: build
	./bench/run-all.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz
