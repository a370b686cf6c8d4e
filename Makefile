# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PRESET ?= ci
JOBS ?= $(shell nproc)

.PHONY: run test test-mariadb-long test-aws-long load-test deps build release asan bench bench-claim bench-api bench-api-rate fuzz lint format format-check clean

deps:
	./scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET) -j $(JOBS)

# Tests that compare against an independent reference must not skip here: CI installs it.
# The long MariaDB + s3rver runs of the e2e and chaos suites have their own target.
# CTest's -L and -LE take regular expressions that match anywhere in a label (`-L aws` also runs
# aws-long): every selection here is anchored, whole label names between ^( and )$.
TEST_EXCLUDE = mariadb-long|aws-long
test: build
	TOQ_REQUIRE_BOTOCORE=1 TOQ_REQUIRE_S3RVER=1 ctest --preset $(PRESET) -j $(JOBS) -LE '^($(TEST_EXCLUDE))$$'

# Every e2e and chaos test on MariaDB + s3rver (each test starts its own pair: scripts/services.sh).
test-mariadb-long: build
	TOQ_REQUIRE_S3RVER=1 ctest --preset $(PRESET) -j $(JOBS) -L '^mariadb-long$$'

# Every e2e and incident test through the offline rehearsal of the AWS path (MariaDB, s3rver and
# the rehearsal's Step Functions and Lambda, started per test by scripts/services.sh).
test-aws-long: build
	TOQ_REQUIRE_S3RVER=1 ctest --preset $(PRESET) -j $(JOBS) -L '^aws-long$$'

# Slow and hostile clients, full form (issue 12): 1,000 idle or dribbling connections and 200
# uploads at 40 KB/s against `toq-media serve` on loopback, /healthz and a status call probed
# throughout; prints connections, uploads, requests, errors, p50/p99 and peak RSS as JSON.
load-test: build
	/usr/bin/python3 tests/load/connection_load.py build/$(PRESET)/src/app/toq-media

# Builds the release binary, starts `toq-media serve` with the embedded default in ./var, registers
# a demo listing and prints the URLs and tokens (scripts/run-demo.sh). Ctrl-C stops it cleanly.
run: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq-media
	./scripts/run-demo.sh

# `make test` under AddressSanitizer + UBSan + LeakSanitizer (the asan preset; any finding aborts
# the test), every label but one: `memory`. Those tests assert a peak RSS (2 GiB through the store
# and the server in under 64 MiB, the ZIP writer's bound, the connection load's 256 MiB), and an
# instrumented process's RSS holds ASan's shadow memory and up to 256 MiB of freed blocks in
# quarantine: the bound cannot hold there and says nothing about the code.
# Built with clang-19, not GCC 12: the worker forks its isolated decoder child while other threads
# run, and GCC 12's libasan takes no allocator lock around fork(), so a child forked while another
# thread allocated waits on that lock forever (seen as PROCESSING_TIMEOUT in 3 of 1,195 tests).
# compiler-rt 19 holds its allocator locks across fork() (LLVM PR #75290).
asan:
	$(MAKE) test PRESET=asan TEST_EXCLUDE="$(TEST_EXCLUDE)|memory"

# Benchmarks (bench/, docs/benchmarks.md): every case next to its reference in the same rounds,
# median of 5 by default; the table lands in build/release/bench-results-full/results.md.
# BENCH_ARGS passes options to bench/run.py (--suites video --rounds 7, --only-candidates, ...).
BENCH_ARGS ?=
bench: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq-media toq_zip_bench toq_presign_bench
	python3 bench/run.py --build build/release $(BENCH_ARGS)

# Claiming under contention: 8 workers, 1,000 jobs, SQLite then MariaDB (a server of its own,
# started and stopped with scripts/services.sh). Its figures are in README.md.
bench-claim: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq_claim_bench
	./scripts/services.sh stop build/release/bench-services >/dev/null 2>&1; rm -rf build/release/bench-services
	./scripts/services.sh start build/release/bench-services mariadb
	TOQ_SERVICES_DIR=build/release/bench-services ./build/release/bench/toq_claim_bench; \
	  status=$$?; ./scripts/services.sh stop build/release/bench-services; exit $$status

# Every fuzz target of fuzz/ under libFuzzer (clang-19, ASan + UBSan, its own build dir
# build/fuzz), FUZZ_SECONDS each on a copy of its seed corpus; prints the CPU time each ran and
# what it found (scripts/run-fuzzers.sh). The seed corpora are replayed in `make test`.
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	./scripts/run-fuzzers.sh build/fuzz $(FUZZ_SECONDS)

# The API under wrk on loopback: status (404 and 200), downloads and create batch (100 files) over
# 1, 8 and 50 keep-alive connections (bench/api_wrk.sh; pass binaries to it directly for a
# before/after in one run; WRK_ROUTES, WRK_CONNECTIONS and WRK_SECONDS narrow it).
bench-api: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq-media
	./bench/api_wrk.sh

# The same routes at fixed request rates over 50 keep-alive connections, open loop: status at
# 5,000/s, create batch at 10, 50, 100 and 200/s (bench/api_rate.sh; RATE_PLAN, RATE_SECONDS and
# RATE_CONNECTIONS change it).
bench-api-rate: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target toq-media
	./bench/api_rate.sh

lint: build
	./scripts/lint.sh build/$(PRESET)

format:
	find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

format-check:
	./scripts/check-format.sh

clean:
	rm -rf build
