# Makefile -- the two commands of the README, wrapping CMake.
#   make demo   install missing Debian packages, build, run the example job, print outputs
#   make test   install missing Debian packages, build, run every test
#   make        build only (build/grs)
#   make asan   build and test under AddressSanitizer + UndefinedBehaviorSanitizer
#   make valgrind              the valgrind memcheck test (slow, not in `make test`)
#   make fuzz FUZZ_SECONDS=60  build the libFuzzer targets with clang and run each for 60 s (FUZZ_JOBS at a time)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo asan bench clean fuzz valgrind

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --label-exclude 'bench|valgrind'
	@cd $(BUILD) && ctest --output-on-failure -L bench

demo: build
	@bash scripts/demo.sh $(BUILD)/grs

asan: deps   # the "slow" oracle tests (R glmnet over long paths) run in `make test` only
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGRS_SANITIZE=ON -DGRS_CUDA=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) --label-exclude "bench|slow"

valgrind: build
	@cd $(BUILD) && ctest --output-on-failure -L valgrind

# libFuzzer targets (clang): each runs FUZZ_SECONDS, FUZZ_JOBS at a time (default nproc; tests/fuzz/README.md)
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRS_FUZZ=ON -DGRS_CUDA=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	@bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-asan
