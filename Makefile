# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PRESET ?= ci
JOBS ?= $(shell nproc)

.PHONY: run test deps build release asan bench lint format format-check clean

deps:
	./scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) -j $(JOBS)

# Tests that compare against an independent reference must not skip here: CI installs it.
test: build
	TOQ_REQUIRE_BOTOCORE=1 TOQ_REQUIRE_S3RVER=1 ctest --preset $(PRESET) -j $(JOBS)

# Builds the release binary, starts `toq-media serve` with the embedded default in ./var, registers
# a demo listing and prints the URLs and tokens (scripts/run-demo.sh). Ctrl-C stops it cleanly.
run: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq-media
	./scripts/run-demo.sh

asan:
	$(MAKE) test PRESET=asan

# Benchmarks (bench/): each prints the code's time next to a reference's, measured in the same run.
bench: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq_photo_renditions_bench
	./scripts/make-corpus.sh build/release/corpus
	./build/release/bench/toq_photo_renditions_bench

lint: build
	./scripts/lint.sh build/$(PRESET)

format:
	find src tests bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

format-check:
	./scripts/check-format.sh

clean:
	rm -rf build
