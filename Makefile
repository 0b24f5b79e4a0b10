# A thin wrapper over meson, so the README's commands stay short.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build test test-asan demo fuzz clean bench

all: build

deps:
	./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: build
	./tests/run.py --build $(BUILD)

test-asan:
	$(MAKE) BUILD=build-asan MESON_OPTS="-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true" test

demo: build
	./scripts/demo.sh $(BUILD)

bench: build
	./bench/run-all.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz
