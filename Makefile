# Thin wrapper over CMake so a user types two commands: `make demo`, `make check`.
# Both first install any missing Debian packages (scripts/deps.sh; needs root).

BUILD    ?= build
ASAN_BUILD ?= build-asan
WERROR   ?= OFF
JOBS     ?= $(shell nproc)

.PHONY: all deps test-deps build demo check unit integration asan asan-integration fuzz bench clean

all: build

deps:
	@./scripts/deps.sh

test-deps:
	@./scripts/deps.sh --test

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DSCC_WERROR=$(WERROR) >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# The main job on the built-in default chain (configs/default.json).
demo: build
	./scripts/demo.sh $(BUILD)

# Every test: unit and integration (integration needs root + netns).
check: test-deps build
	ctest --test-dir $(BUILD) --output-on-failure -j 1

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

integration: test-deps build
	ctest --test-dir $(BUILD) --output-on-failure -L integration

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B $(ASAN_BUILD) -DSCC_SANITIZE=ON -DSCC_WERROR=$(WERROR) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -L unit

# A subset of the integration tests against the ASan+UBSan build (after
# `make asan`): launcher, NFs, gen and sink under real traffic; a sanitizer
# report anywhere fails it (tests/integration/asan_itests.sh, docs/development.md).
asan-integration: test-deps
	./tests/integration/asan_itests.sh $(ASAN_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
