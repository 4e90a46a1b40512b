# Thin wrapper around CMake; the README's two commands are `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
DATA_DIR   ?= $(CURDIR)/.apicached-data
LISTEN     ?= 127.0.0.1:7431
MEMCACHED_LISTEN ?= 127.0.0.1:11211
REDIS_LISTEN ?= 127.0.0.1:6380

CMAKE_FLAGS = -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# ccache, where installed, makes rebuilds of several work trees cheap; nothing needs it.
CCACHE     := $(shell command -v ccache 2>/dev/null)
ifneq ($(CCACHE),)
CMAKE_FLAGS += -DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)
endif

.PHONY: all deps test-deps build asan run test test-fast test-asan format format-check clean \
        bench bench-http bench-micro scale soak fuzz

all: build

deps:
	scripts/install-deps.sh build

test-deps:
	scripts/install-deps.sh test

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DAPICACHED_SANITIZE=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Runs the daemon in the foreground on loopback with a data dir inside the checkout: HTTP on
# LISTEN, the memcached protocol on MEMCACHED_LISTEN, the Redis protocol on REDIS_LISTEN.
run: build
	mkdir -p $(DATA_DIR)
	$(BUILD)/daemon/apicached --listen $(LISTEN) --memcached-listen $(MEMCACHED_LISTEN) \
	  --redis-listen $(REDIS_LISTEN) --data-dir $(DATA_DIR)

# Every test: the normal build, then the ASan+UBSan build.
test: test-deps format-check test-fast test-asan

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

# On-demand measurements; never part of `make test` (see docs/benchmarks*.md, scale.md, soak.md,
# fuzzing.md). They install their own packages (scripts/install-deps.sh bench).
bench:
	bench/run-benchmarks.sh

bench-http:
	bench/http_vs_nginx.sh

bench-micro: deps
	cmake -S . -B build-release $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release
	cmake --build build-release -j $(JOBS) --target store_bench hot_bench
	build-release/bench/store_bench
	build-release/bench/hot_bench

scale:
	bench/scale.sh

soak:
	bench/soak.sh

fuzz:
	tests/fuzz/run.sh

format:
	git ls-files '*.h' '*.cpp' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cpp' | xargs -r clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
