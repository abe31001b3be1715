# The two set-up commands of the README, and their parts.
#   make run   installs what is missing, builds (Release) and starts the default session
#   make test  installs what is missing, builds and runs the whole suite with ctest
#   make test-debian13  the whole suite again on Debian 13 (LibTorch 2.6), in a cached
#              debootstrap root, from a clone of the current commit (scripts/debian13-check.sh)
#   make bench measures teacher throughput (see benchmarks/)
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_ARGS ?=
CTEST_ARGS ?=

.PHONY: all deps configure build run test test-debian13 test-unit bench bench-reference bench-distill bench-gui bench-ddp gpu-bundle gpu-check package clean format-check

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@mkdir -p $(BUILD_DIR)
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) > $(BUILD_DIR)/configure.log 2>&1 \
	  || { cat $(BUILD_DIR)/configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@bash scripts/run-default.sh $(BUILD_DIR)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Debian 13 (trixie: LibTorch 2.6, Qt 6.8, gcc 14) on this machine, in a chroot: see the script.
# DDIL_DEBIAN13_CTEST_ARGS="-LE slow" and so on narrow its ctest.
test-debian13:
	@bash scripts/debian13-check.sh

test-unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit

# Teacher training and sampling throughput and peak memory (numbers for the README).
bench: build
	@$(BUILD_DIR)/benchmarks/ddil_bench_throughput $(BENCH_ARGS)

# Per-step cost of each distillation method, baseline against DDIL (numbers for the README).
bench-distill: build
	@$(BUILD_DIR)/benchmarks/ddil_bench_distill $(BENCH_ARGS)

# The workbench's event-loop stall while a session trains (the README's responsiveness figure).
bench-gui: build
	@$(BUILD_DIR)/benchmarks/ddil_bench_gui_stall $(BENCH_ARGS)

# The C++ training step against the same step in PyTorch (benchmarks/reference/), same batch and
# threads: BENCH_ARGS="--batches '64 256' --threads 2" and so on.
bench-reference: build
	@bash benchmarks/reference/compare.sh $(BUILD_DIR) $(BENCH_ARGS)

# The dependency bundle for a build on a machine without Debian's packages (the GPU check's).
GPU_BUNDLE ?= gpu-bundle
gpu-bundle: deps
	@bash packaging/gpu/bundle-deps.sh $(GPU_BUNDLE)

# The GPU check (scripts/gpu-check.sh): on a machine with a CUDA LibTorch, given the bundle
# (the folder, else its .tar.gz: what travels).
gpu-check:
	@bash scripts/gpu-check.sh $(if $(wildcard $(GPU_BUNDLE)),$(GPU_BUNDLE),$(GPU_BUNDLE).tar.gz)

# One process against two torchrun ranks on the same global batch (the README's scaling table).
bench-ddp: build
	@bash benchmarks/ddp_scaling.sh $(BUILD_DIR)

# The Debian package (CPack): $(BUILD_DIR)/ddil-workbench_<version>_<arch>.deb
package: build
	@cmake --build $(BUILD_DIR) --target package

format-check: configure
	@cmake --build $(BUILD_DIR) --target format-check

clean:
	rm -rf $(BUILD_DIR)
