# Makefile -- the two commands of the README, wrapping CMake.
#   make demo   install missing Debian packages, build, run the example job, print outputs
#   make test   install missing Debian packages, build, run every test
#   make        build only (build/grs)
#   make asan   build and test under AddressSanitizer + UndefinedBehaviorSanitizer
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo asan bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --label-exclude bench
	@cd $(BUILD) && ctest --output-on-failure -L bench

demo: build
	@bash scripts/demo.sh $(BUILD)/grs

asan: deps   # the "slow" oracle tests (R glmnet over long paths) run in `make test` only
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGRS_SANITIZE=ON -DGRS_CUDA=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS) --label-exclude "bench|slow"

clean:
	rm -rf $(BUILD) build-asan
